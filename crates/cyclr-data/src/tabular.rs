//! `csv:` datasets: your own tabular data in a CSV (or TSV) file.
//!
//! Format:
//! - A header row naming the columns, then one row per sample. Fields are separated by
//!   commas, or by tabs when the file name ends in `.tsv` (any case). Quoting is RFC 4180
//!   (`"a, b"`, the quote being the field's first character); blank lines are skipped;
//!   spaces around fields and names are ignored; a UTF-8 byte-order mark is allowed. The
//!   file must be UTF-8.
//! - One label column, named `label` ([`crate::DEFAULT_LABEL_COLUMN`]) unless the spec
//!   says `csv:PATH#COLUMN`; the name must occur exactly once in the header. Labels are
//!   any non-empty strings (`setosa`) or integers (`3`, `-1`).
//! - Every other column is a feature. Each of its values must parse as a finite number
//!   within `f32` range (`1.5`, `-2e3`; not empty, `NaN` or `inf`): there is no missing-
//!   value handling, so impute or drop those rows first.
//! - Every row has as many fields as the header.
//!
//! Classes are the distinct labels, sorted (numerically when every label is an integer,
//! and then named by the integer's shortest form, so `01` and `1` are one class `1`;
//! otherwise by byte order), between 2 and [`crate::MAX_CLASSES`]; a sample's label is
//! its class's index, and [`crate::Dataset::class_names`] holds the label values.
//!
//! Shape: every row becomes one sample of channels 1, height 1, width = number of feature
//! columns (in header order), so only a fully-connected model (the MLP) can use it.
//!
//! Split: deterministic and stratified, 80 % train / 20 % test
//! ([`crate::stratified_split_indices`], ChaCha8 seed [`crate::STRATIFIED_SPLIT_SEED`]):
//! the same file always gives the same split.
//!
//! Normalisation: per feature (as scikit-learn's `StandardScaler`), with the mean and
//! population standard deviation of the training split
//! ([`crate::Normalization::compute_per_feature`]); a constant feature is only centred.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::{
    DataError, Dataset, MAX_CLASSES, Normalization, STRATIFIED_SPLIT_SEED, Split, finish_split,
    read_file, stratified_split_indices,
};

/// A parsed `csv:` file, before splitting and normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// Names of the feature columns, in header order.
    pub feature_names: Vec<String>,
    /// Feature values, `rows × feature_names.len()`, row-major, in file order.
    pub features: Vec<f32>,
    /// Class index of each row (an index into `class_names`).
    pub labels: Vec<u8>,
    /// The distinct labels, sorted (numerically if every label is an integer).
    pub class_names: Vec<String>,
}

/// The field delimiter for `path`: a tab if its name ends in `.tsv` (any case), else a comma.
pub fn csv_delimiter(path: &Path) -> u8 {
    let tsv = path
        .extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("tsv"));
    if tsv { b'\t' } else { b',' }
}

/// Quotes and lists column names for messages: `"a", "b", "c"`.
fn list_columns(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Maps a `csv` crate error to a [`DataError`] at its line when it has one.
fn csv_error(what: &str, e: &csv::Error) -> DataError {
    let detail = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "field {} is not valid UTF-8; save the file as UTF-8 text",
            err.field() + 1
        ),
        _ => e.to_string(),
    };
    match e.position() {
        Some(pos) => DataError::Csv {
            what: what.to_owned(),
            line: usize::try_from(pos.line()).unwrap_or(usize::MAX),
            detail,
        },
        None => DataError::BadCsv {
            what: what.to_owned(),
            detail,
        },
    }
}

/// Parses the contents of a `csv:` file (rules in the module docs; `delimiter` is `b','`
/// or `b'\t'`, see [`csv_delimiter`]). `what` names the file in error messages.
///
/// Never panics, whatever the input.
///
/// # Errors
/// [`DataError::Csv`] (naming the 1-based line) for a value that is not a finite number
/// (with its column and the value), an empty label, a row whose field count differs from
/// the header's, or text that is not UTF-8; [`DataError::BadCsv`] for a missing header,
/// a missing or repeated label column (listing the columns there are), no feature
/// columns, no data rows, fewer than 2 or more than [`MAX_CLASSES`] classes.
pub fn parse_csv_table(
    bytes: &[u8],
    what: &str,
    label_column: &str,
    delimiter: u8,
) -> Result<CsvTable, DataError> {
    let bad = |detail: String| DataError::BadCsv {
        what: what.to_owned(),
        detail,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(what, &e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let sep = if delimiter == b'\t' { "tab" } else { "comma" };
    if header.iter().all(String::is_empty) {
        return Err(bad(format!(
            "no header row: the first line must name the columns ({sep}-separated), \
             one of them {label_column:?}"
        )));
    }
    let label_at: Vec<usize> = (0..header.len())
        .filter(|&j| header[j] == label_column)
        .collect();
    let label_at = match label_at[..] {
        [j] => j,
        [] => {
            return Err(bad(format!(
                "no label column {label_column:?}; the columns are {} ({sep}-separated); \
                 name the label column with csv:PATH#COLUMN",
                list_columns(&header)
            )));
        }
        _ => {
            return Err(bad(format!(
                "{} columns are named {label_column:?}; the label column must be unique",
                label_at.len()
            )));
        }
    };
    let feature_names: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != label_at)
        .map(|(_, n)| n.clone())
        .collect();
    if feature_names.is_empty() {
        return Err(bad(format!(
            "no feature columns: the header has only the label column {label_column:?}; \
             every other column is a numeric feature"
        )));
    }

    let mut features = Vec::new();
    let mut raw_labels: Vec<String> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(what, &e)),
        }
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        let err = |detail: String| DataError::Csv {
            what: what.to_owned(),
            line,
            detail,
        };
        if record.len() != header.len() {
            return Err(err(format!(
                "{} fields, but the header has {} ({})",
                record.len(),
                header.len(),
                list_columns(&header)
            )));
        }
        for (j, field) in record.iter().enumerate() {
            if j == label_at {
                if field.is_empty() {
                    return Err(err(format!("empty label in column {label_column:?}")));
                }
                raw_labels.push(field.to_owned());
                continue;
            }
            let not_number = |why: &str| {
                err(format!(
                    "column {:?}: value {field:?} {why}; every column but the label \
                     column {label_column:?} must hold finite numbers",
                    header[j]
                ))
            };
            let v: f64 = field.parse().map_err(|_| not_number("is not a number"))?;
            if !v.is_finite() {
                return Err(not_number("is not finite"));
            }
            let v32 = v as f32;
            if !v32.is_finite() {
                return Err(not_number("is outside the f32 range (about ±3.4e38)"));
            }
            features.push(v32);
        }
    }
    if raw_labels.is_empty() {
        return Err(bad(
            "no data rows after the header; need at least one row per class, \
             and at least 2 classes"
                .to_owned(),
        ));
    }

    let (labels, class_names) = classes(&raw_labels, label_column, &bad)?;
    Ok(CsvTable {
        feature_names,
        features,
        labels,
        class_names,
    })
}

/// Class indices and names from the raw labels (rules in the module docs).
fn classes(
    raw: &[String],
    column: &str,
    bad: &dyn Fn(String) -> DataError,
) -> Result<(Vec<u8>, Vec<String>), DataError> {
    let ints: Option<Vec<i64>> = raw.iter().map(|l| l.parse().ok()).collect();
    let (keys, names): (Vec<usize>, Vec<String>) = match ints {
        Some(ints) => {
            let distinct: BTreeSet<i64> = ints.iter().copied().collect();
            let index: BTreeMap<i64, usize> =
                distinct.iter().enumerate().map(|(k, &v)| (v, k)).collect();
            (
                ints.iter().map(|v| index[v]).collect(),
                distinct.iter().map(i64::to_string).collect(),
            )
        }
        None => {
            let distinct: BTreeSet<&str> = raw.iter().map(String::as_str).collect();
            let index: BTreeMap<&str, usize> =
                distinct.iter().enumerate().map(|(k, &v)| (v, k)).collect();
            (
                raw.iter().map(|v| index[v.as_str()]).collect(),
                distinct.iter().map(|s| (*s).to_owned()).collect(),
            )
        }
    };
    if names.len() < 2 {
        return Err(bad(format!(
            "label column {column:?} has a single value {:?} in all {} rows; a classifier \
             needs at least 2 classes",
            names[0],
            raw.len()
        )));
    }
    if names.len() > MAX_CLASSES {
        return Err(bad(format!(
            "label column {column:?} has {} distinct values ({:?}, {:?}, …), more than the \
             {MAX_CLASSES} classes supported; is {column:?} really the class column?",
            names.len(),
            names[0],
            names[1]
        )));
    }
    // Every key is below MAX_CLASSES <= 255 here.
    let labels = keys
        .into_iter()
        .map(|k| u8::try_from(k).unwrap_or(u8::MAX))
        .collect();
    Ok((labels, names))
}

/// Loads a `csv:` dataset: parses `path`, splits it 80/20 and normalises per feature.
pub(crate) fn load_csv(path: &Path, label_column: &str) -> Result<Split, DataError> {
    let what = path.display().to_string();
    let bytes = read_file(path)?;
    let table = parse_csv_table(&bytes, &what, label_column, csv_delimiter(path))?;
    let rows = table.labels.len();
    let width = table.feature_names.len();
    let num_classes = table.class_names.len();
    let all = Dataset {
        images: table.features,
        labels: table.labels,
        channels: 1,
        height: 1,
        width,
        num_classes,
        class_names: table.class_names,
    };
    let (train_idx, test_idx) = stratified_split_indices(&all.labels, num_classes);
    if test_idx.is_empty() {
        return Err(DataError::BadCsv {
            what,
            detail: format!(
                "{rows} rows are too few for an 80/20 train/test split: every class has a \
                 single row, and a class's only row is kept for training; need at least 2 \
                 rows in some class"
            ),
        });
    }
    let train = all.subset(&train_idx);
    let test = all.subset(&test_idx);
    let source = format!(
        "CSV file {what}: {rows} rows of {width} features, label column {label_column:?} \
         with {num_classes} classes; stratified split {} train / {} test, seed \
         {STRATIFIED_SPLIT_SEED:#x}; features normalised one by one",
        train.len(),
        test.len()
    );
    let normalization = Normalization::compute_per_feature(&train);
    let name = crate::DatasetSpec::Csv {
        path: path.to_owned(),
        label: label_column.to_owned(),
    }
    .name();
    Ok(finish_split(&name, train, test, source, normalization))
}
