//! Reading a range-test curve logged by any framework from CSV.
use std::io::Read;

use super::error::FinderError;

/// A range-test curve read from CSV: learning rates and the raw (unsmoothed) values logged at
/// them. At least one of `losses` / `accuracies` is present, each as long as `lrs`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    /// Learning rate of each row (finite, > 0).
    pub lrs: Vec<f64>,
    /// The `loss` column, if present (NaN/±∞ allowed).
    pub losses: Option<Vec<f64>>,
    /// The `accuracy` column, if present (NaN/±∞ allowed).
    pub accuracies: Option<Vec<f64>>,
    /// The header of the column `losses` was read from.
    pub loss_column: Option<String>,
    /// The header of the column `accuracies` was read from.
    pub accuracy_column: Option<String>,
}

/// How to read a curve: the delimiter and which column holds the values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveOptions {
    /// Field delimiter; `None`: a tab if the header line has tabs and no commas (TSV), else a
    /// comma.
    pub delimiter: Option<u8>,
    /// The header of the loss column (e.g. W&B's `train/loss`), matched ASCII-case-insensitively;
    /// `None`: the first of [`LOSS_NAMES`] present.
    pub loss_column: Option<String>,
}

/// Header names accepted for each column (compared trimmed and ASCII-case-insensitively; the
/// first present wins). `raw_*` are the columns [`RangeTestResult::write_csv`] writes.
///
/// [`RangeTestResult::write_csv`]: super::RangeTestResult::write_csv
pub const LR_NAMES: &[&str] = &["lr", "learning_rate"];
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

/// Read a curve from CSV with a header line.
///
/// Columns are found by name, in any order; others are ignored:
/// * `lr` (required): finite numbers > 0;
/// * `loss` (required unless `accuracy` is present) and `accuracy` (optional): numbers, where
///   `nan`, `inf`, `-inf` are allowed (they stop the test, as in fastai);
/// * `iteration` (optional): non-negative integers (checked, not kept).
///
/// The learning rates are not checked for order here ([`analyze`](super::analyze) does).
///
/// Errors: empty input ([`FinderError::EmptyCsv`]); a header but no rows
/// ([`FinderError::NoDataRows`]); a missing column, naming it and listing the columns found
/// ([`FinderError::MissingColumn`]); a cell that is not a number, naming its 1-based line and its
/// column ([`FinderError::BadCell`]); malformed CSV such as a row with a different number of
/// fields ([`FinderError::Csv`]).
pub fn read_curve_csv<R: Read>(r: R) -> Result<Curve, FinderError> {
    read_curve(r, &CurveOptions::default())
}

/// [`read_curve_csv`] with a delimiter and a loss column of the caller's choosing (see
/// [`CurveOptions`]); a chosen column that is missing is an error listing the columns found.
pub fn read_curve<R: Read>(mut r: R, opts: &CurveOptions) -> Result<Curve, FinderError> {
    let mut text = Vec::new();
    r.read_to_end(&mut text).map_err(|e| FinderError::Csv {
        line: None,
        message: e.to_string(),
    })?;
    let delimiter = opts.delimiter.unwrap_or_else(|| {
        let first = text.split(|b| *b == b'\n').next().unwrap_or(&[]);
        if first.contains(&b'\t') && !first.contains(&b',') {
            b'\t'
        } else {
            b','
        }
    });
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_slice());
    let headers = rdr.headers().map_err(csv_error)?.clone();
    let names: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            }
            .trim()
            .to_string()
        })
        .collect();
    if names.iter().all(|n| n.is_empty()) {
        return Err(FinderError::EmptyCsv);
    }
    let find = |accepted: &[&str]| {
        accepted
            .iter()
            .find_map(|a| names.iter().position(|n| n.eq_ignore_ascii_case(a)))
    };
    let missing = |column: &str, accepted: &[&str]| FinderError::MissingColumn {
        column: column.into(),
        accepted: accepted.join(", "),
        found: names.clone(),
    };
    let lr_col = find(LR_NAMES).ok_or_else(|| missing("lr", LR_NAMES))?;
    let loss_col = match &opts.loss_column {
        Some(c) => Some(
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(c.trim()))
                .ok_or_else(|| missing(c, &[c.as_str()]))?,
        ),
        None => find(LOSS_NAMES),
    };
    let acc_col = find(ACCURACY_NAMES);
    if loss_col.is_none() && acc_col.is_none() {
        return Err(missing("loss", LOSS_NAMES));
    }
    let iter_col = find(ITERATION_NAMES);

    let mut curve = Curve {
        lrs: Vec::new(),
        losses: loss_col.map(|_| Vec::new()),
        accuracies: acc_col.map(|_| Vec::new()),
        loss_column: loss_col.map(|c| names[c].clone()),
        accuracy_column: acc_col.map(|c| names[c].clone()),
    };
    for rec in rdr.records() {
        let rec = rec.map_err(csv_error)?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |col: usize| rec.get(col).unwrap_or("");
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
        line: e.position().map(|p| p.line()),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Both train_loss and val_loss: train_loss is taken, and named.
        let c = read("lr,val_loss,train_loss\n0.1,2.6,2.5\n").unwrap();
        assert_eq!(c.loss_column.as_deref(), Some("train_loss"));
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
    fn ragged_row() {
        let e = read("lr,loss\n0.1,1\n0.2,1,7\n").unwrap_err();
        assert!(matches!(e, FinderError::Csv { line: Some(3), .. }), "{e}");
    }
}
