//! Errors for curves and range-test data (bad configuration is a [`ParamError`]).
use crate::ParamError;

/// A curve (CSV file or `lrs`/`values` slices) that the range-test pipeline cannot use.
///
/// Configuration problems are reported as [`ParamError`] (wrapped in [`FinderError::Config`]
/// when they reach [`analyze`](super::analyze)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FinderError {
    /// The configuration failed validation.
    #[error(transparent)]
    Config(#[from] ParamError),

    /// No points at all.
    #[error("the curve is empty: no learning rates and no values")]
    EmptyCurve,

    /// `lrs` and `values` differ in length.
    #[error("the curve has {lrs} learning rates but {values} values: they must be the same length")]
    LengthMismatch {
        /// Number of learning rates.
        lrs: usize,
        /// Number of values (losses or accuracies).
        values: usize,
    },

    /// A learning rate that is not finite and > 0.
    #[error(
        "learning rate #{index} (0-based) is {value}: every learning rate must be finite and > 0"
    )]
    InvalidLr {
        /// 0-based index in the curve.
        index: usize,
        /// The offending value.
        value: f64,
    },

    /// Learning rates that do not strictly increase.
    #[error(
        "learning rates must strictly increase, but lr #{index} (0-based) = {value} follows {previous}"
    )]
    NotIncreasing {
        /// 0-based index of the first offending point.
        index: usize,
        /// The learning rate before it.
        previous: f64,
        /// The offending learning rate.
        value: f64,
    },

    /// Too few points for the suggestions to be computed.
    #[error(
        "the curve has {got} points but suggestions need at least {needed}: \
         num_it/10 = {skip_start} skipped at the start (num_it = {num_it}), {skip_end} at the end, \
         and 2 left to measure a slope"
    )]
    TooFewPoints {
        /// Points in the curve.
        got: usize,
        /// Points needed (`num_it/10 + 5 + 2`).
        needed: usize,
        /// The configured `num_it`.
        num_it: usize,
        /// Points dropped at the start (`num_it / 10`).
        skip_start: usize,
        /// Points dropped at the end (5).
        skip_end: usize,
    },

    /// More points than `num_it`: the test would have ended at `num_it`.
    #[error(
        "the curve has {got} points but num_it is {num_it}: a range test records at most num_it \
         points (set num_it to at least {got})"
    )]
    TooManyPoints {
        /// Points in the curve.
        got: usize,
        /// The configured `num_it`.
        num_it: usize,
    },

    /// The CSV input has no header line at all.
    #[error("the CSV input is empty: expected a header line with columns `lr` and `loss`")]
    EmptyCsv,

    /// The CSV has a header but no data rows.
    #[error("the CSV input has a header but no data rows")]
    NoDataRows,

    /// A required CSV column is missing.
    #[error(
        "missing column `{column}` (accepted names: {accepted}); columns found: {}",
        list_columns(.found)
    )]
    MissingColumn {
        /// The column that is needed.
        column: String,
        /// The header names accepted for it, comma-separated.
        accepted: String,
        /// The header as read.
        found: Vec<String>,
    },

    /// A CSV cell that is not a number (or, for `lr`, not a finite number > 0).
    #[error(
        "line {line}, column `{}`: {:?} is not {expected}",
        cut(.column, MAX_NAME_CHARS),
        cut(.value, MAX_NAME_CHARS)
    )]
    BadCell {
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Column name as written in the header.
        column: String,
        /// The cell's text.
        value: String,
        /// What the cell should have been.
        expected: String,
    },

    /// Malformed text (a ragged CSV row, JSON that does not parse, invalid UTF-8) or a file that
    /// cannot be read; the message starts with what it is (`CSV error at line 3: …`,
    /// `JSON error: …`, `cannot read it: …`), never with a format the file is not in.
    #[error("{}", csv_text(*.input, *.line, .message))]
    Csv {
        /// What failed: the CSV reader, the JSON parser, or reading the file at all.
        input: Input,
        /// 1-based line, where known.
        line: Option<u64>,
        /// The reader's message.
        message: String,
    },
}

/// What a [`FinderError::Csv`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// CSV or whitespace-separated text.
    Csv,
    /// JSON.
    Json,
    /// Reading the file (I/O), before its format is known.
    Read,
}

fn csv_text(input: Input, line: Option<u64>, message: &str) -> String {
    let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
    match input {
        Input::Csv => format!("CSV error{at}: {message}"),
        Input::Json => format!("JSON error{at}: {message}"),
        Input::Read => format!("cannot read it: {message}"),
    }
}

/// At most this many column names are listed in a message.
pub const MAX_LISTED_COLUMNS: usize = 6;
/// A column name (or cell) longer than this many characters is cut in a message.
pub const MAX_NAME_CHARS: usize = 40;

/// `s`, cut to `max` characters with an ellipsis.
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The columns found, for a message: the first [`MAX_LISTED_COLUMNS`] names quoted (each cut to
/// [`MAX_NAME_CHARS`]), then how many more — never the whole header of a file whose "header"
/// is a line of data.
pub fn list_columns(found: &[String]) -> String {
    let mut s = found
        .iter()
        .take(MAX_LISTED_COLUMNS)
        .map(|c| format!("{:?}", cut(c, MAX_NAME_CHARS)))
        .collect::<Vec<_>>()
        .join(", ");
    if found.len() > MAX_LISTED_COLUMNS {
        s.push_str(&format!(", … ({} more)", found.len() - MAX_LISTED_COLUMNS));
    }
    format!("[{s}]")
}
