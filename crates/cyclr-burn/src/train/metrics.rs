//! `metrics.csv` and `summary.json`: the CSV form of a run's [`MetricRow`]s, the file that grows
//! as a run goes, and the outputs written at its end (atomically, see [`fsio`](crate::fsio)).
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{MetricRow, TrainError, TrainSummary, io_err};

/// The metrics as CSV: `iteration,lr,momentum,train_loss,test_loss,test_accuracy`, plus `d,lr_d`
/// (the step-size estimate and the effective step `lr·d`) when the optimizer estimates `d`
/// (Prodigy, D-Adaptation); empty cells where a value is absent; floats in Rust's shortest
/// round-trip form.
pub fn write_metrics_csv<W: Write>(rows: &[MetricRow], mut w: W) -> std::io::Result<()> {
    let with_d = rows.iter().any(|r| r.d.is_some());
    write_metrics_header(&mut w, with_d)?;
    for r in rows {
        write_metrics_row(&mut w, r, with_d)?;
    }
    w.flush()
}

/// The header line of [`write_metrics_csv`] (with the `d,lr_d` columns or without).
pub fn write_metrics_header<W: Write + ?Sized>(w: &mut W, with_d: bool) -> std::io::Result<()> {
    writeln!(
        w,
        "iteration,lr,momentum,train_loss,test_loss,test_accuracy{}",
        if with_d { ",d,lr_d" } else { "" }
    )
}

/// One row of [`write_metrics_csv`].
pub fn write_metrics_row<W: Write + ?Sized>(
    w: &mut W,
    r: &MetricRow,
    with_d: bool,
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
    if with_d {
        write!(w, ",{},{}", opt(r.d), opt(r.d.map(|d| r.lr * d)))?;
    }
    writeln!(w)
}

/// `metrics.csv` while a run goes: rewritten (atomically) with the rows so far when the run
/// starts or resumes, then one row appended and flushed per iteration, so `tail -f` follows the
/// run; the finished file is written atomically again at the end.
pub(super) struct LiveMetrics {
    file: std::fs::File,
    path: PathBuf,
    with_d: bool,
}

impl LiveMetrics {
    pub(super) fn start(dir: &Path, rows: &[MetricRow], with_d: bool) -> Result<Self, TrainError> {
        let path = dir.join("metrics.csv");
        crate::fsio::write_atomic(&path, |w| {
            write_metrics_header(w, with_d)?;
            for r in rows {
                write_metrics_row(w, r, with_d)?;
            }
            Ok(())
        })
        .map_err(io_err(format!("writing {}", path.display())))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        Ok(LiveMetrics { file, path, with_d })
    }

    pub(super) fn push(&mut self, row: &MetricRow) -> Result<(), TrainError> {
        let mut line = Vec::with_capacity(96);
        write_metrics_row(&mut line, row, self.with_d).expect("writing to a Vec");
        self.file
            .write_all(&line)
            .map_err(io_err(format!("appending to {}", self.path.display())))
    }
}

pub(super) fn write_outputs(dir: &Path, summary: &TrainSummary) -> Result<(), TrainError> {
    let path = dir.join("metrics.csv");
    crate::fsio::write_atomic(&path, |w| write_metrics_csv(&summary.metrics, w))
        .map_err(io_err(format!("writing {}", path.display())))?;
    let path = dir.join("summary.json");
    let mut s = summary.clone();
    s.metrics.clear();
    let bytes = serde_json::to_vec_pretty(&s).expect("plain data serializes");
    crate::fsio::write_bytes_atomic(&path, &bytes)
        .map_err(io_err(format!("writing {}", path.display())))
}
