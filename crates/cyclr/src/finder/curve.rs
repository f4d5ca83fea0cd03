//! Reading a range-test curve logged by any framework: CSV, TSV, whitespace-separated text, or a
//! JSON object of columns (torch-lr-finder's `history`, Lightning's `lr_finder.results`); and
//! making a logged curve ready for the pipeline ([`sort_and_merge`]).
use std::io::Read;

use super::Metric;
use super::error::{FinderError, Input};

/// A range-test curve read from a file: learning rates and the raw (unsmoothed) values logged at
/// them. At least one of `losses` / `accuracies` is present, each as long as `lrs`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    /// Learning rate of each row (finite, > 0), in the file's order.
    pub lrs: Vec<f64>,
    /// The `loss` column, if present (NaN/±∞ allowed).
    pub losses: Option<Vec<f64>>,
    /// The `accuracy` column, if present (NaN/±∞ allowed).
    pub accuracies: Option<Vec<f64>>,
    /// The header of the column `losses` was read from.
    pub loss_column: Option<String>,
    /// The header of the column `accuracies` was read from.
    pub accuracy_column: Option<String>,
    /// The header of the column `lrs` was read from (`lr`, `learning_rate`, Lightning's `lr-SGD`,
    /// or the one named by [`CurveOptions::lr_column`]).
    pub lr_column: String,
    /// How the file was laid out.
    pub format: CurveFormat,
}

/// The layouts [`read_curve`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CurveFormat {
    /// Comma-separated, with a header line.
    #[default]
    Csv,
    /// Tab-separated, with a header line.
    Tsv,
    /// Columns separated by runs of spaces and tabs, with a header line (which may start with
    /// `#`, as `numpy.savetxt(header=...)` writes it); blank lines and later `#` lines skipped.
    Whitespace,
    /// A JSON object whose values are equally long arrays, one per column:
    /// `{"lr": [...], "loss": [...]}` (torch-lr-finder's `history`, Lightning's
    /// `lr_finder.results`). Numbers, `null` (NaN), Python's `NaN`/`Infinity`/`-Infinity`, and
    /// strings holding a number are accepted.
    Json,
    /// Another delimiter, given by [`CurveOptions::delimiter`].
    Delimited(u8),
}

impl Curve {
    /// What the loss column records: [`Metric::ValLoss`] when its header names a held-out loss
    /// (it starts with `val_`, `val/`, `val-`, `valid` or `raw_val_`, ASCII-case-insensitively:
    /// `val_loss`, W&B's `val/loss`, `valid_loss`, `validation_loss`, this crate's
    /// `raw_val_loss`), else [`Metric::TrainLoss`]. The rules read both alike; the name goes into
    /// the reports and the plot's axis.
    pub fn loss_metric(&self) -> Metric {
        let name = self.loss_column.as_deref().unwrap_or("").trim();
        let name = name.to_ascii_lowercase();
        let held_out = ["val_", "val/", "val-", "valid", "raw_val_"];
        if held_out.iter().any(|p| name.starts_with(p)) {
            Metric::ValLoss
        } else {
            Metric::TrainLoss
        }
    }
}

impl CurveFormat {
    /// A word for messages: `CSV`, `TSV`, `whitespace-separated text`, `JSON`.
    pub fn describe(self) -> String {
        match self {
            CurveFormat::Csv => "CSV".into(),
            CurveFormat::Tsv => "TSV".into(),
            CurveFormat::Whitespace => "whitespace-separated text".into(),
            CurveFormat::Json => "JSON".into(),
            CurveFormat::Delimited(d) => format!("text delimited by {:?}", d as char),
        }
    }
}

/// How to read a curve: the delimiter and which columns hold the values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveOptions {
    /// Field delimiter; `None`: detected from the header line — a comma if it has one, else a tab
    /// if it has one (TSV), else runs of whitespace if it has several fields. A file starting
    /// with `{` (or `[`, to say it is not an object of columns) is read as JSON whatever this
    /// says.
    pub delimiter: Option<u8>,
    /// The header of the loss column (e.g. W&B's `train/loss`), matched ASCII-case-insensitively;
    /// `None`: the first of [`LOSS_NAMES`] present.
    pub loss_column: Option<String>,
    /// The header of the learning-rate column, matched the same way; `None`: the first of
    /// [`LR_NAMES`] present, else the first column named `lr-…` (Lightning's
    /// `LearningRateMonitor`: `lr-SGD`, `lr-Adam/pg1`; not its `…-momentum` / `…-weight_decay`
    /// columns).
    pub lr_column: Option<String>,
}

/// Header names accepted for each column (compared trimmed and ASCII-case-insensitively; the
/// first present wins). `raw_*` are the columns [`RangeTestResult::write_csv`] writes.
///
/// [`RangeTestResult::write_csv`]: super::RangeTestResult::write_csv
pub const LR_NAMES: &[&str] = &["lr", "learning_rate"];
/// The prefix of Lightning's `LearningRateMonitor` columns (`lr-SGD`), taken as the learning
/// rate when no column of [`LR_NAMES`] is present.
pub const LR_PREFIX: &str = "lr-";
/// See [`LR_NAMES`].
pub const LOSS_NAMES: &[&str] = &[
    "loss",
    "raw_loss",
    "raw_train_loss",
    "train_loss",
    "raw_val_loss",
    "val_loss",
];
/// See [`LR_NAMES`].
pub const ACCURACY_NAMES: &[&str] = &["accuracy", "raw_accuracy", "acc"];
/// See [`LR_NAMES`].
pub const ITERATION_NAMES: &[&str] = &["iteration"];

/// Read a curve from CSV (or any layout [`read_curve`] detects) with a header line.
///
/// Columns are found by name, in any order; others are ignored:
/// * `lr` (required; see [`CurveOptions::lr_column`] for the other names): finite numbers > 0;
/// * `loss` (required unless `accuracy` is present) and `accuracy` (optional): numbers, where
///   `nan`, `inf`, `-inf` are allowed (they stop the test, as in fastai);
/// * `iteration` (optional): non-negative integers (checked, not kept).
///
/// The learning rates are not checked for order here ([`sort_and_merge`] orders them,
/// [`analyze`](super::analyze) checks them).
///
/// Errors: empty input ([`FinderError::EmptyCsv`]); a header but no rows
/// ([`FinderError::NoDataRows`]); a missing column, naming it and listing (the first few of) the
/// columns found ([`FinderError::MissingColumn`]); a cell that is not a number, naming its 1-based
/// line and its column ([`FinderError::BadCell`]); malformed input such as a row with a different
/// number of fields or JSON that is not an object of arrays ([`FinderError::Csv`]).
pub fn read_curve_csv<R: Read>(r: R) -> Result<Curve, FinderError> {
    read_curve(r, &CurveOptions::default())
}

/// A file read into cells: the header and each data row with its 1-based line.
struct Table {
    names: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
    format: CurveFormat,
}

/// [`read_curve_csv`] with a delimiter and columns of the caller's choosing (see
/// [`CurveOptions`]); a chosen column that is missing is an error listing the columns found.
pub fn read_curve<R: Read>(mut r: R, opts: &CurveOptions) -> Result<Curve, FinderError> {
    let mut text = Vec::new();
    r.read_to_end(&mut text).map_err(|e| FinderError::Csv {
        input: Input::Read,
        line: None,
        message: e.to_string(),
    })?;
    let body = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&text);
    let first_char = body.iter().find(|b| !b.is_ascii_whitespace());
    let table = if matches!(first_char, Some(b'{' | b'[')) {
        json_table(body)?
    } else {
        let first = body.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let fields = String::from_utf8_lossy(first);
        let fields = fields.trim().trim_start_matches('#');
        match opts.delimiter {
            Some(d) => delimited_table(body, d)?,
            None if first.contains(&b',') => delimited_table(body, b',')?,
            None if first.contains(&b'\t') => delimited_table(body, b'\t')?,
            None if fields.split_whitespace().count() > 1 => whitespace_table(body)?,
            None => delimited_table(body, b',')?,
        }
    };
    curve_of(table, opts)
}

fn delimited_table(text: &[u8], delimiter: u8) -> Result<Table, FinderError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = rdr.headers().map_err(csv_error)?.clone();
    let names = headers.iter().map(|h| h.trim().to_string()).collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_error)?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    let format = match delimiter {
        b',' => CurveFormat::Csv,
        b'\t' => CurveFormat::Tsv,
        d => CurveFormat::Delimited(d),
    };
    Ok(Table {
        names,
        rows,
        format,
    })
}

fn utf8(text: &[u8], input: Input) -> Result<&str, FinderError> {
    std::str::from_utf8(text).map_err(|e| FinderError::Csv {
        input,
        line: None,
        message: format!("not UTF-8 text: {e}"),
    })
}

fn whitespace_table(text: &[u8]) -> Result<Table, FinderError> {
    let text = utf8(text, Input::Csv)?;
    let mut names: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let line_no = k as u64 + 1;
        let t = line.trim();
        match &names {
            None => {
                names = Some(
                    t.trim_start_matches('#')
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                );
            }
            Some(h) => {
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let cells: Vec<String> = t.split_whitespace().map(str::to_string).collect();
                if cells.len() != h.len() {
                    return Err(FinderError::Csv {
                        input: Input::Csv,
                        line: Some(line_no),
                        message: format!(
                            "line {line_no} has {} fields but the header has {}",
                            cells.len(),
                            h.len()
                        ),
                    });
                }
                rows.push((line_no, cells));
            }
        }
    }
    Ok(Table {
        names: names.unwrap_or_default(),
        rows,
        format: CurveFormat::Whitespace,
    })
}

/// Python's `json.dump` writes `NaN`, `Infinity` and `-Infinity`, which JSON has not: outside
/// strings they become the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (read as numbers below).
fn python_json_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_str, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if let Some(tok) = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            out.push('"');
            out.push_str(tok);
            out.push('"');
            rest = &rest[tok.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn json_table(text: &[u8]) -> Result<Table, FinderError> {
    let text = python_json_tokens(utf8(text, Input::Json)?);
    let bad = |message: String| FinderError::Csv {
        input: Input::Json,
        line: None,
        message,
    };
    let obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "{e} (expected an object of columns, e.g. {{\"lr\": [...], \"loss\": [...]}})"
            ))
        })?;
    let mut names = Vec::new();
    let mut columns: Vec<Vec<String>> = Vec::new();
    for (k, v) in &obj {
        let Some(a) = v.as_array() else {
            continue; // not a column (e.g. a setting stored beside them)
        };
        names.push(k.trim().to_string());
        columns.push(
            a.iter()
                .map(|x| match x {
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Null => "nan".to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    if names.is_empty() {
        return Err(bad(format!(
            "no column (an array) among the keys {}; expected e.g. {{\"lr\": [...], \"loss\": [...]}}",
            super::error::list_columns(&obj.keys().cloned().collect::<Vec<_>>())
        )));
    }
    let n = columns.iter().map(Vec::len).max().unwrap_or(0);
    if let Some((i, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != n) {
        let longest = columns.iter().position(|c| c.len() == n).unwrap_or(0);
        return Err(bad(format!(
            "the columns differ in length: `{}` has {} values, `{}` {n}",
            names[i],
            c.len(),
            names[longest]
        )));
    }
    // Each array element is one row; "line" k + 1 is the 1-based element number.
    let rows = (0..n)
        .map(|k| (k as u64 + 1, columns.iter().map(|c| c[k].clone()).collect()))
        .collect();
    Ok(Table {
        names,
        rows,
        format: CurveFormat::Json,
    })
}

fn curve_of(table: Table, opts: &CurveOptions) -> Result<Curve, FinderError> {
    let Table {
        names,
        rows,
        format,
    } = table;
    if names.iter().all(|n| n.is_empty()) {
        return Err(FinderError::EmptyCsv);
    }
    let by_name = |c: &str| names.iter().position(|n| n.eq_ignore_ascii_case(c.trim()));
    let find = |accepted: &[&str]| accepted.iter().find_map(|a| by_name(a));
    let missing = |column: &str, accepted: &str| FinderError::MissingColumn {
        column: column.into(),
        accepted: accepted.into(),
        found: names.clone(),
    };
    let lr_col = match &opts.lr_column {
        Some(c) => by_name(c).ok_or_else(|| missing(c, c))?,
        None => find(LR_NAMES)
            .or_else(|| {
                names.iter().position(|n| {
                    let l = n.to_ascii_lowercase();
                    l.starts_with(LR_PREFIX)
                        && !l.ends_with("-momentum")
                        && !l.ends_with("-weight_decay")
                })
            })
            .ok_or_else(|| {
                missing(
                    "lr",
                    &format!(
                        "{}, or a Lightning-style `{LR_PREFIX}…` column",
                        LR_NAMES.join(", ")
                    ),
                )
            })?,
    };
    let loss_col = match &opts.loss_column {
        Some(c) => Some(by_name(c).ok_or_else(|| missing(c, c))?),
        None => find(LOSS_NAMES),
    };
    let acc_col = find(ACCURACY_NAMES);
    if loss_col.is_none() && acc_col.is_none() {
        return Err(missing("loss", &LOSS_NAMES.join(", ")));
    }
    let iter_col = find(ITERATION_NAMES);

    let mut curve = Curve {
        lrs: Vec::with_capacity(rows.len()),
        losses: loss_col.map(|_| Vec::new()),
        accuracies: acc_col.map(|_| Vec::new()),
        loss_column: loss_col.map(|c| names[c].clone()),
        accuracy_column: acc_col.map(|c| names[c].clone()),
        lr_column: names[lr_col].clone(),
        format,
    };
    for (line, cells) in &rows {
        let line = *line;
        let cell = |col: usize| cells.get(col).map_or("", |s| s.trim());
        let bad = |col: usize, expected: &str| FinderError::BadCell {
            line,
            column: names[col].clone(),
            value: cell(col).to_string(),
            expected: expected.to_string(),
        };
        let number = |col: usize| {
            cell(col)
                .parse::<f64>()
                .map_err(|_| bad(col, "a number (nan and inf are allowed)"))
        };
        if let Some(c) = iter_col
            && cell(c).parse::<u64>().is_err()
        {
            return Err(bad(c, "a non-negative integer"));
        }
        let lr = cell(lr_col)
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x > 0.0)
            .ok_or_else(|| bad(lr_col, "a finite number > 0"))?;
        curve.lrs.push(lr);
        if let (Some(c), Some(v)) = (loss_col, curve.losses.as_mut()) {
            v.push(number(c)?);
        }
        if let (Some(c), Some(v)) = (acc_col, curve.accuracies.as_mut()) {
            v.push(number(c)?);
        }
    }
    if curve.lrs.is_empty() {
        return Err(FinderError::NoDataRows);
    }
    Ok(curve)
}

fn csv_error(e: csv::Error) -> FinderError {
    FinderError::Csv {
        input: Input::Csv,
        line: e.position().map(|p| p.line()),
        message: e.to_string(),
    }
}

/// A logged curve made ready for the range-test pipeline by [`sort_and_merge`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merged {
    /// Strictly increasing learning rates.
    pub lrs: Vec<f64>,
    /// The value at each (the mean of the rows that had that learning rate).
    pub values: Vec<f64>,
    /// The rows were not in increasing order of learning rate (they were sorted).
    pub sorted: bool,
    /// Rows in the input.
    pub rows: usize,
    /// Learning rates that occurred on more than one row.
    pub repeated_lrs: usize,
}

impl Merged {
    /// What was done to the curve, as sentences (empty when nothing was).
    pub fn notes(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.sorted {
            v.push(
                "the rows were not in increasing order of learning rate: they were sorted by lr \
                 (the smoothing then runs in that order)"
                    .to_string(),
            );
        }
        if self.repeated_lrs > 0 {
            v.push(format!(
                "{} learning rate(s) appeared on more than one row: their values were averaged \
                 ({} rows -> {} points)",
                self.repeated_lrs,
                self.rows,
                self.lrs.len()
            ));
        }
        v
    }
}

/// Order a logged curve by learning rate and merge repeated learning rates: the rows are sorted
/// by lr (stably: rows of one lr keep their order), and the rows of each repeated lr become one
/// point whose value is their arithmetic mean (a NaN among them makes it NaN). A curve whose lrs
/// already strictly increase comes back unchanged. `lrs` and `values` must be equally long; the
/// extra of the longer one is ignored.
pub fn sort_and_merge(lrs: &[f64], values: &[f64]) -> Merged {
    let n = lrs.len().min(values.len());
    let mut order: Vec<usize> = (0..n).collect();
    let sorted = lrs[..n].windows(2).any(|w| w[1] < w[0]);
    if sorted {
        order.sort_by(|&a, &b| lrs[a].total_cmp(&lrs[b]));
    }
    let mut out = Merged {
        sorted,
        rows: n,
        ..Merged::default()
    };
    let mut k = 0;
    while k < n {
        let lr = lrs[order[k]];
        let mut end = k + 1;
        while end < n && lrs[order[end]] == lr {
            end += 1;
        }
        out.lrs.push(lr);
        if end - k == 1 {
            out.values.push(values[order[k]]);
        } else {
            let sum: f64 = order[k..end].iter().map(|&i| values[i]).sum();
            out.values.push(sum / (end - k) as f64);
            out.repeated_lrs += 1;
        }
        k = end;
    }
    out
}

/// Why a curve carries no information about the learning rate, if it does not, as a predicate of
/// "the curve" (`is flat (…)`, `has no finite value (…)`): no finite value at all, or a flat one (every finite value within `1e-9` of the others, relative to their
/// size). Every finder still picks a point on such a curve (Lightning's and torch-lr-finder's
/// gradients of a constant are zero everywhere, their argmin the first point); the pick is
/// meaningless, and `cyclr suggest` says so and exits 1.
pub fn uninformative(values: &[f64]) -> Option<String> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Some(format!(
            "has no finite value (all {} are NaN or infinite)",
            values.len()
        ));
    }
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let scale = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
    ((hi - lo) <= 1e-9 * scale).then(|| format!("is flat (every value is {lo})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_without_information_is_named() {
        assert!(
            uninformative(&[f64::NAN; 5])
                .unwrap()
                .contains("no finite value")
        );
        assert!(uninformative(&[2.3; 40]).unwrap().contains("flat"));
        assert!(
            uninformative(&[2.3, f64::NAN, 2.3])
                .unwrap()
                .contains("flat")
        );
        assert_eq!(uninformative(&[2.3, 2.2, 2.5]), None);
        assert_eq!(uninformative(&[0.0, 1e-12]), None);
    }

    fn read(s: &str) -> Result<Curve, FinderError> {
        read_curve_csv(s.as_bytes())
    }

    #[test]
    fn reads_columns_in_any_order() {
        let c = read("loss,iteration,lr\n2.5,0,1e-7\n2.4,1,2e-7\n").unwrap();
        assert_eq!(c.lrs, vec![1e-7, 2e-7]);
        assert_eq!(c.losses, Some(vec![2.5, 2.4]));
        assert_eq!(c.accuracies, None);
    }

    #[test]
    fn reads_accuracy_and_non_finite_values() {
        let c = read("lr,loss,accuracy\n0.1,nan,0.5\n0.2,inf,NaN\n0.3,-inf,0.7\n").unwrap();
        let l = c.losses.unwrap();
        assert!(l[0].is_nan() && l[1] == f64::INFINITY && l[2] == f64::NEG_INFINITY);
        assert!(c.accuracies.unwrap()[1].is_nan());
        let c = read("LR , Accuracy\n0.1, 0.5\n").unwrap();
        assert_eq!(c.losses, None);
        assert_eq!(c.accuracies, Some(vec![0.5]));
    }

    #[test]
    fn empty_input() {
        assert_eq!(read("").unwrap_err(), FinderError::EmptyCsv);
        assert_eq!(read("\n").unwrap_err(), FinderError::EmptyCsv);
    }

    #[test]
    fn header_only() {
        assert_eq!(
            read("iteration,lr,loss\n").unwrap_err(),
            FinderError::NoDataRows
        );
    }

    #[test]
    fn missing_lr_names_it_and_lists_found() {
        let e = read("iteration,rate,loss\n0,0.1,2\n").unwrap_err();
        assert!(
            matches!(&e, FinderError::MissingColumn { column, found, .. }
            if column == "lr" && found == &["iteration", "rate", "loss"])
        );
        let msg = e.to_string();
        assert!(msg.contains("`lr`") && msg.contains("rate"), "{msg}");
    }

    #[test]
    fn missing_loss_names_it() {
        let e = read("iteration,lr,smoothed\n0,0.1,2\n").unwrap_err();
        assert!(
            matches!(&e, FinderError::MissingColumn { column, .. } if column == "loss"),
            "{e}"
        );
        assert!(e.to_string().contains("smoothed"));
    }

    #[test]
    fn non_numeric_loss_names_line_and_column() {
        let e = read("iteration,lr,loss\n0,0.1,2.0\n1,0.2,oops\n").unwrap_err();
        assert_eq!(
            e,
            FinderError::BadCell {
                line: 3,
                column: "loss".into(),
                value: "oops".into(),
                expected: "a number (nan and inf are allowed)".into()
            }
        );
        assert!(e.to_string().contains("line 3, column `loss`"), "{e}");
    }

    #[test]
    fn empty_cell_is_an_error() {
        let e = read("lr,loss\n0.1,\n").unwrap_err();
        assert!(
            matches!(e, FinderError::BadCell { line: 2, ref column, .. } if column == "loss"),
            "{e}"
        );
    }

    #[test]
    fn bad_lr_cells() {
        for bad in ["x", "0", "-1", "nan", "inf"] {
            let e = read(&format!("lr,loss\n0.1,1\n{bad},1\n")).unwrap_err();
            assert!(
                matches!(e, FinderError::BadCell { line: 3, ref column, .. } if column == "lr"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn bad_iteration_and_accuracy_cells() {
        let e = read("iteration,lr,loss\n0,0.1,1\nfoo,0.2,1\n").unwrap_err();
        assert!(
            matches!(e, FinderError::BadCell { line: 3, ref column, .. } if column == "iteration"),
            "{e}"
        );
        let e = read("lr,loss,accuracy\n0.1,1,high\n").unwrap_err();
        assert!(
            matches!(e, FinderError::BadCell { line: 2, ref column, .. } if column == "accuracy"),
            "{e}"
        );
    }

    #[test]
    fn tsv_and_a_chosen_column() {
        let c = read_curve(
            "step\tlr\ttrain/loss\tval_loss\n0\t0.1\t2.5\t2.6\n".as_bytes(),
            &CurveOptions {
                loss_column: Some("Train/Loss".into()),
                ..CurveOptions::default()
            },
        )
        .unwrap();
        assert_eq!(c.losses, Some(vec![2.5]));
        assert_eq!(c.loss_column.as_deref(), Some("train/loss"));
        assert_eq!(c.loss_metric(), Metric::TrainLoss);
        // Both train_loss and val_loss: train_loss is taken, and named.
        let c = read("lr,val_loss,train_loss\n0.1,2.6,2.5\n").unwrap();
        assert_eq!(c.loss_column.as_deref(), Some("train_loss"));
        assert_eq!(c.loss_metric(), Metric::TrainLoss);
        // A held-out loss is named so: this crate's val-loss files, Lightning's, W&B's.
        for (file, column) in [
            (
                "iteration,lr,raw_val_loss,smoothed_val_loss\n0,0.1,2.6,2.6\n",
                None,
            ),
            ("lr,val_loss\n0.1,2.6\n", None),
            ("lr,Val/Loss\n0.1,2.6\n", Some("val/loss".to_string())),
            (
                "lr,validation_loss\n0.1,2.6\n",
                Some("validation_loss".to_string()),
            ),
        ] {
            let opts = CurveOptions {
                loss_column: column,
                ..CurveOptions::default()
            };
            let c = read_curve(file.as_bytes(), &opts).unwrap();
            assert_eq!(c.loss_metric(), Metric::ValLoss, "{file}");
        }
        // A column that only starts like one is not.
        let opts = CurveOptions {
            loss_column: Some("value".into()),
            ..CurveOptions::default()
        };
        let c = read_curve("lr,value\n0.1,2.6\n".as_bytes(), &opts).unwrap();
        assert_eq!(c.loss_metric(), Metric::TrainLoss);
        let e = read_curve(
            "lr,loss\n0.1,2\n".as_bytes(),
            &CurveOptions {
                loss_column: Some("nope".into()),
                ..CurveOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn json_columns_with_pythons_non_finite_tokens() {
        // torch-lr-finder's `json.dump(lr_finder.history)`: NaN and Infinity as Python writes them.
        let c = read(r#"{"lr": [1e-7, 2e-7, 4e-7], "loss": [2.3, NaN, Infinity], "note": "x"}"#)
            .unwrap();
        assert_eq!(c.format, CurveFormat::Json);
        assert_eq!(c.lrs, vec![1e-7, 2e-7, 4e-7]);
        let l = c.losses.unwrap();
        assert_eq!(l[0], 2.3);
        assert!(l[1].is_nan() && l[2] == f64::INFINITY);
        // null is NaN; -Infinity; strings inside strings are left alone.
        let c = read(r#" {"loss": [null, -Infinity], "lr": [0.1, 0.2], "s": ["NaN"]}"#);
        assert!(
            matches!(&c, Err(FinderError::Csv { message, .. }) if message.contains("length")),
            "{c:?}"
        );
        let c = read(r#"{"loss": [null, -Infinity], "lr": [0.1, 0.2]}"#).unwrap();
        let l = c.losses.unwrap();
        assert!(l[0].is_nan() && l[1] == f64::NEG_INFINITY);
        // Lightning's results are the same shape; a bad lr names its element.
        let e = read(r#"{"lr": [0.1, -1], "loss": [1, 2]}"#).unwrap_err();
        assert!(
            matches!(e, FinderError::BadCell { line: 2, ref column, .. } if column == "lr"),
            "{e}"
        );
        for bad in [
            r#"{"lr": 1}"#,
            r#"{"lr": [1"#,
            "[1, 2]",
            r#"[{"lr": 1, "loss": 2}]"#,
        ] {
            assert!(matches!(read(bad), Err(FinderError::Csv { .. })), "{bad}");
        }
        assert!(matches!(
            read(r#"{"lr": [0.1], "x": [1]}"#),
            Err(FinderError::MissingColumn { ref column, .. }) if column == "loss"
        ));
    }

    #[test]
    fn whitespace_separated_text_and_numpy_headers() {
        let c = read("lr   loss\n1e-7  2.5\n\n2e-7\t2.4\n").unwrap();
        assert_eq!(c.format, CurveFormat::Whitespace);
        assert_eq!(c.lrs, vec![1e-7, 2e-7]);
        assert_eq!(c.losses, Some(vec![2.5, 2.4]));
        // numpy.savetxt(header="lr loss") writes "# lr loss".
        let c = read("# lr loss\n1e-7 2.5\n# a comment\n2e-7 2.4\n").unwrap();
        assert_eq!(c.lrs.len(), 2);
        let e = read("lr loss\n1e-7 2.5\n2e-7 2.4 9\n").unwrap_err();
        assert!(matches!(e, FinderError::Csv { line: Some(3), .. }), "{e}");
    }

    #[test]
    fn lightning_lr_columns_and_a_chosen_lr_column() {
        let c = read("step,lr-SGD-momentum,lr-SGD,train_loss\n0,0.9,0.1,2\n1,0.9,0.2,1\n").unwrap();
        assert_eq!(c.lr_column, "lr-SGD");
        assert_eq!(c.lrs, vec![0.1, 0.2]);
        // `lr` wins over `lr-*`.
        let c = read("lr-Adam,lr,loss\n5,0.1,2\n").unwrap();
        assert_eq!((c.lr_column.as_str(), c.lrs[0]), ("lr", 0.1));
        let opts = CurveOptions {
            lr_column: Some("Rate".into()),
            ..CurveOptions::default()
        };
        let c = read_curve("rate,loss\n0.1,2\n".as_bytes(), &opts).unwrap();
        assert_eq!((c.lr_column.as_str(), c.lrs[0]), ("rate", 0.1));
        let e = read_curve("lr,loss\n0.1,2\n".as_bytes(), &opts).unwrap_err();
        assert!(
            matches!(&e, FinderError::MissingColumn { column, .. } if column == "Rate"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_column_lists_a_few_columns_not_the_file() {
        // A file with no header: its first data row is taken as one, 300 "columns" long.
        let row: Vec<String> = (0..300).map(|i| format!("{}.{}", i, i)).collect();
        let text = format!("{}\n{}\n", row.join(","), row.join(","));
        let e = read(&text).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("\"0.0\", \"1.1\"") && msg.contains("(294 more)"),
            "{msg}"
        );
        assert!(msg.len() < 400, "{} chars: {msg}", msg.len());
        // One enormous "column name" is cut too.
        let e = read(&format!("{}\n1\n", "x".repeat(5000))).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("…") && msg.len() < 400, "{msg}");
        let e = read(&format!("lr,loss\n0.1,{}\n", "y".repeat(5000))).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
    }

    #[test]
    fn sort_and_merge_orders_and_averages() {
        let m = sort_and_merge(&[0.3, 0.1, 0.2, 0.1], &[3.0, 1.0, 2.0, 2.0]);
        assert_eq!(m.lrs, vec![0.1, 0.2, 0.3]);
        assert_eq!(m.values, vec![1.5, 2.0, 3.0]);
        assert!(m.sorted);
        assert_eq!((m.rows, m.repeated_lrs), (4, 1));
        let notes = m.notes();
        assert!(
            notes[0].contains("sorted") && notes[1].contains("4 rows -> 3 points"),
            "{notes:?}"
        );
        // Already increasing: unchanged, bit for bit, and nothing to say.
        let m = sort_and_merge(&[0.1, 0.2], &[-0.0, f64::NAN]);
        assert_eq!(m.lrs, vec![0.1, 0.2]);
        assert!(m.values[0].is_sign_negative() && m.values[1].is_nan());
        assert!(m.notes().is_empty());
        // Repeated but in order: merged, not "sorted".
        let m = sort_and_merge(&[0.1, 0.1, 0.2], &[1.0, 3.0, 5.0]);
        assert_eq!((m.sorted, m.values.clone()), (false, vec![2.0, 5.0]));
    }

    #[test]
    fn ragged_row() {
        let e = read("lr,loss\n0.1,1\n0.2,1,7\n").unwrap_err();
        assert!(matches!(e, FinderError::Csv { line: Some(3), .. }), "{e}");
    }
}
