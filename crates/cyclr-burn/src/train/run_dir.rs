//! A run directory (`cyclr train --out DIR`): the files a run owns, when it may be replaced, when
//! it is finished, and whether what a caller asks of a resumed run agrees with its record.
//!
//! Rules (the CLI only turns them into messages):
//! * A run owns `run.json` ([`RunRecord`]), `metrics.csv`, `summary.json`, `curves.{png,svg}`,
//!   its range test's `range_test.{csv,png}` and `suggestions.json` (and `seed<S>/` folders
//!   holding a `range_test.csv`), its checkpoints `ckpt-<iteration>.cyclr`, and the temporary
//!   files a killed write left ([`fsio::is_temp_name`]). Anything else in the directory is the
//!   user's and is never touched.
//! * A new run into a directory holding a run's files is refused unless it replaces them
//!   ([`RunDir::clear`]: those files only).
//! * A range test (`cyclr find`, `train --lr auto`) leaves its record and results
//!   (`range_test.json`) beside its
//!   files. Into a directory holding a train run, or the range test of another setup (dataset,
//!   network, optimizer, batch size, sweep, seeds), it is refused unless it replaces them
//!   (`RunDir::range_test_conflict`, beside the record in
//!   [`experiment::plan`](crate::experiment::plan)); the same range test again replaces its own
//!   files.
//! * A run is **finished** when its newest checkpoint is at its last iteration and its
//!   `summary.json` exists: resuming it trains nothing and leaves its outputs as they are.
//! * A resumed run keeps its configuration: each setting a caller gives must equal the record's
//!   ([`RunRecord::disagreement`], through the same [`first_difference`] as a checkpoint's
//!   identity).
use std::path::{Path, PathBuf};

use cyclr_data::Split;
use serde::{Deserialize, Serialize};

use super::resume::first_difference_in;
use super::{TrainConfig, TrainError, checkpoint, io_err};
use crate::fsio;

/// What a run directory remembers (`run.json`): the dataset and the training configuration,
/// enough to continue the run with `cyclr train --resume --out DIR` alone, and for anyone to see
/// what ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The dataset (paths absolute, so the run resumes from any directory).
    pub dataset: cyclr_data::DatasetSpec,
    /// The configuration (`out_dir` is the directory the record is in).
    pub config: TrainConfig,
    /// What the data turned out to be when the run started (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataRecord>,
}

/// What a run's data turned out to be: how it was read, its classes (index = label) and the
/// shape of a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataRecord {
    /// How the data was read (files, layout, split, resizing).
    pub source: String,
    /// Class names; a class's index is its label.
    pub classes: Vec<String>,
    /// Channels, height, width of a sample.
    pub shape: [usize; 3],
}

impl DataRecord {
    /// The record of a loaded split.
    pub fn of(split: &Split) -> DataRecord {
        DataRecord {
            source: split.source.clone(),
            classes: split.train.class_names.clone(),
            shape: [split.train.channels, split.train.height, split.train.width],
        }
    }
}

impl RunRecord {
    /// The record's file name in a run directory.
    pub const FILE: &'static str = "run.json";

    /// The record in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<RunRecord>, TrainError> {
        let path = dir.join(Self::FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                TrainError::Config(format!("{}: not a run record: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(TrainError::Io {
                context: format!("reading {}", path.display()),
                source: e,
            }),
        }
    }

    /// Write the record into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<(), TrainError> {
        let path = dir.join(Self::FILE);
        let mut r = self.clone();
        r.config.out_dir = None;
        let bytes = serde_json::to_vec_pretty(&r).expect("plain data serializes");
        crate::fsio::write_bytes_atomic(&path, &bytes)
            .map_err(io_err(format!("writing {}", path.display())))
    }
}

/// The files a run owns in its directory, by name (see the [module documentation](self)).
pub const RUN_FILES: [&str; 9] = [
    "run.json",
    "range_test.json",
    "metrics.csv",
    "summary.json",
    "curves.png",
    "curves.svg",
    "range_test.csv",
    "range_test.png",
    "suggestions.json",
];

/// A run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

/// A setting given for a resumed run that its record does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// The first differing field, as a dotted path (`config.iters`).
    pub path: String,
    /// The value given.
    pub given: serde_json::Value,
    /// The record's value (`null` when it has none).
    pub recorded: serde_json::Value,
}

impl RunDir {
    /// The run directory at `path` (nothing is read or created).
    pub fn new(path: impl Into<PathBuf>) -> RunDir {
        RunDir { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `true` for the name of a file a run owns (see [`RUN_FILES`]).
    pub fn is_run_file(name: &str) -> bool {
        RUN_FILES.contains(&name)
            || (name.starts_with("ckpt-") && name.ends_with(".cyclr"))
            || fsio::is_temp_name(name)
    }

    fn is_seed_dir(name: &str) -> bool {
        name.strip_prefix("seed")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }

    /// The run's files and `seed<S>/` folders here (none when the directory does not exist).
    pub fn run_files(&self) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        rd.flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                Self::is_run_file(&n)
                    || (Self::is_seed_dir(&n) && e.path().join("range_test.csv").exists())
            })
            .map(|e| e.path())
            .collect()
    }

    /// The run recorded here (`run.json`), if any.
    pub fn record(&self) -> Result<Option<RunRecord>, TrainError> {
        RunRecord::read(&self.path)
    }

    /// What the directory holds, in words, when it holds a run's files: `a one-cycle run of 600
    /// iterations`, or `the outputs of another run` without a record. `None`: free.
    pub fn holds(&self) -> Result<Option<String>, TrainError> {
        if self.run_files().is_empty() {
            return Ok(None);
        }
        Ok(Some(match self.record()? {
            Some(r) => format!(
                "a {} run of {} iterations",
                r.config.schedule.name(),
                r.config.iters
            ),
            None => "the outputs of another run".into(),
        }))
    }

    /// Remove the run's files (and `seed<S>/` folders); everything else stays.
    pub fn clear(&self) -> Result<(), TrainError> {
        for p in self.run_files() {
            let res = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            res.map_err(|source| TrainError::Io {
                context: format!("cannot remove {}", p.display()),
                source,
            })?;
        }
        Ok(())
    }

    /// `true` when the run of `cfg` here is finished (see the [module documentation](self)).
    pub fn is_finished(&self, cfg: &TrainConfig) -> bool {
        let newest = checkpoint::list(&self.path)
            .ok()
            .and_then(|l| l.first().map(|c| c.0));
        newest == Some(cfg.iters) && self.path.join("summary.json").is_file()
    }

    /// `true` when the directory holds no checkpoint (a resumed run starts from its beginning).
    pub fn has_no_checkpoint(&self) -> bool {
        checkpoint::list(&self.path).is_ok_and(|l| l.is_empty())
    }

    /// Remove the temporary files a killed write left (checkpoints' and others').
    pub fn remove_stale_temps(&self) {
        let _ = fsio::remove_stale_temps(&self.path);
    }
}

impl RunRecord {
    /// The first setting of `given` — a part of a record as JSON, e.g. `{"config": {"iters":
    /// 99}}` — that differs from this record; `None` when all of them agree. Only the keys
    /// present in `given` are compared.
    /// A field the record leaves out at its default (`device`, `cpu`) is compared at that
    /// default.
    pub fn disagreement(&self, given: &serde_json::Value) -> Option<Disagreement> {
        let mut recorded = serde_json::to_value(self).expect("plain data serializes");
        let device = serde_json::to_value(self.config.device).expect("plain data serializes");
        if let Some(c) = recorded.get_mut("config").and_then(|c| c.as_object_mut()) {
            c.entry("device").or_insert(device);
        }
        first_difference_in("", given, &recorded)
    }
}
