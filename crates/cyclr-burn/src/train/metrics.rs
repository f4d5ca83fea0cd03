//! `metrics.csv` and `summary.json`: the CSV form of a run's [`MetricRow`]s, the file that grows
//! as a run goes, and the outputs written at its end (atomically, see [`fsio`](crate::fsio)).
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{MetricRow, TrainError, TrainSummary, io_err};

/// The optional columns of `metrics.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricColumns {
    /// `d,lr_d`: the step-size estimate and the effective step `lr·d` (Prodigy, D-Adaptation).
    pub d: bool,
    /// `live_test_loss,live_test_accuracy`: the live model's figures beside the averaged ones
    /// (a run with weight averaging).
    pub live: bool,
}

impl MetricColumns {
    /// The columns `rows` have values for.
    pub fn of(rows: &[MetricRow]) -> Self {
        Self {
            d: rows.iter().any(|r| r.d.is_some()),
            live: rows.iter().any(|r| r.live_test_loss.is_some()),
        }
    }
}

/// The metrics as CSV: `iteration,lr,momentum,train_loss,test_loss,test_accuracy`, plus `d,lr_d`
/// (the step-size estimate and the effective step `lr·d`) when the optimizer estimates `d`
/// (Prodigy, D-Adaptation), plus `live_test_loss,live_test_accuracy` with weight averaging
/// (`test_*` are then the averaged model's figures, once there is an average); empty cells
/// where a value is absent; floats in Rust's shortest round-trip form.
pub fn write_metrics_csv<W: Write>(rows: &[MetricRow], w: W) -> std::io::Result<()> {
    write_metrics_csv_with(rows, w, MetricColumns::of(rows))
}

/// [`write_metrics_csv`] with the given columns.
pub fn write_metrics_csv_with<W: Write>(
    rows: &[MetricRow],
    mut w: W,
    cols: MetricColumns,
) -> std::io::Result<()> {
    write_metrics_header(&mut w, cols)?;
    for r in rows {
        write_metrics_row(&mut w, r, cols)?;
    }
    w.flush()
}

/// The header line of [`write_metrics_csv`].
pub fn write_metrics_header<W: Write + ?Sized>(
    w: &mut W,
    cols: MetricColumns,
) -> std::io::Result<()> {
    writeln!(
        w,
        "iteration,lr,momentum,train_loss,test_loss,test_accuracy{}{}",
        if cols.d { ",d,lr_d" } else { "" },
        if cols.live {
            ",live_test_loss,live_test_accuracy"
        } else {
            ""
        }
    )
}

/// One row of [`write_metrics_csv`].
pub fn write_metrics_row<W: Write + ?Sized>(
    w: &mut W,
    r: &MetricRow,
    cols: MetricColumns,
) -> std::io::Result<()> {
    fn opt(v: Option<f64>) -> String {
        v.map(|v| format!("{v:?}")).unwrap_or_default()
    }
    write!(
        w,
        "{},{:?},{},{:?},{},{}",
        r.iteration,
        r.lr,
        opt(r.momentum),
        r.train_loss,
        opt(r.test_loss),
        opt(r.test_accuracy)
    )?;
    if cols.d {
        write!(w, ",{},{}", opt(r.d), opt(r.d.map(|d| r.lr * d)))?;
    }
    if cols.live {
        write!(
            w,
            ",{},{}",
            opt(r.live_test_loss),
            opt(r.live_test_accuracy)
        )?;
    }
    writeln!(w)
}

/// `metrics.csv` while a run goes: rewritten (atomically) with the rows so far when the run
/// starts or resumes, then one row appended and flushed per iteration, so `tail -f` follows the
/// run; the finished file is written atomically again at the end.
pub(super) struct LiveMetrics {
    file: std::fs::File,
    path: PathBuf,
    cols: MetricColumns,
}

impl LiveMetrics {
    pub(super) fn start(
        dir: &Path,
        rows: &[MetricRow],
        cols: MetricColumns,
    ) -> Result<Self, TrainError> {
        let path = dir.join("metrics.csv");
        crate::fsio::write_atomic(&path, |w| {
            write_metrics_header(w, cols)?;
            for r in rows {
                write_metrics_row(w, r, cols)?;
            }
            Ok(())
        })
        .map_err(io_err(format!("writing {}", path.display())))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        Ok(LiveMetrics { file, path, cols })
    }

    pub(super) fn push(&mut self, row: &MetricRow) -> Result<(), TrainError> {
        let mut line = Vec::with_capacity(96);
        write_metrics_row(&mut line, row, self.cols).expect("writing to a Vec");
        self.file
            .write_all(&line)
            .map_err(io_err(format!("appending to {}", self.path.display())))
    }
}

pub(super) fn write_outputs(
    dir: &Path,
    summary: &TrainSummary,
    cols: MetricColumns,
) -> Result<(), TrainError> {
    let path = dir.join("metrics.csv");
    crate::fsio::write_atomic(&path, |w| write_metrics_csv_with(&summary.metrics, w, cols))
        .map_err(io_err(format!("writing {}", path.display())))?;
    let path = dir.join("summary.json");
    let mut s = summary.clone();
    s.metrics.clear();
    let bytes = serde_json::to_vec_pretty(&s).expect("plain data serializes");
    crate::fsio::write_bytes_atomic(&path, &bytes)
        .map_err(io_err(format!("writing {}", path.display())))
}
