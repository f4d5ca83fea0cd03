//! Checkpoints of a run and its bit-exact resumption: what a checkpoint holds (weights, optimizer
//! state, counters and the metrics so far, every float as its bits) in the
//! [`checkpoint`](super::checkpoint) file format, a run's identity (the configuration a
//! checkpoint must match to be resumed), and [`first_difference`], the one comparison of
//! configurations that checkpoints, experiment outcomes and run directories all use.
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use cyclr::finder::DebiasedEma;
use serde::{Deserialize, Serialize};

use super::run_dir::Disagreement;
use super::{LOSS_BETA, MetricRow, TrainConfig, TrainError, checkpoint, io_err};
use crate::average::WeightAverage;
use crate::kernels::Kernels;
use crate::model::Net;
use crate::optim::CyclrOptimizer;

/// A metrics row with every float as its bits (JSON float parsing is not guaranteed exact).
#[derive(Serialize, Deserialize)]
struct RowBits(u64, u64, Option<u64>, u64, Option<u64>, Option<u64>);

impl From<&MetricRow> for RowBits {
    fn from(r: &MetricRow) -> Self {
        RowBits(
            r.iteration,
            r.lr.to_bits(),
            r.momentum.map(f64::to_bits),
            r.train_loss.to_bits(),
            r.test_loss.map(f64::to_bits),
            r.test_accuracy.map(f64::to_bits),
        )
    }
}

impl From<&RowBits> for MetricRow {
    fn from(b: &RowBits) -> Self {
        MetricRow {
            iteration: b.0,
            lr: f64::from_bits(b.1),
            momentum: b.2.map(f64::from_bits),
            train_loss: f64::from_bits(b.3),
            test_loss: b.4.map(f64::from_bits),
            test_accuracy: b.5.map(f64::from_bits),
            d: None,
            live_test_loss: None,
            live_test_accuracy: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CheckpointMeta {
    /// The run's configuration without `out_dir` / `checkpoint_every`.
    config: serde_json::Value,
    next_iter: u64,
    smoother_avg: u64,
    smoother_n: u64,
    best_accuracy: Option<u64>,
    last_eval: Option<(u64, u64)>,
    metrics: Vec<RowBits>,
    /// Each row's `d` as bits (absent: written before `d` was recorded, or no `d`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics_d: Vec<Option<u64>>,
    /// With weight averaging: each row's live test loss and accuracy as bits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics_live: Vec<Option<(u64, u64)>>,
}

/// The configuration fields that must match for a checkpoint to be resumed.
///
/// `kernels = burn` is left out, so that checkpoints written before the field existed (by burn's
/// kernels, without the field) resume exactly under `kernels = burn`, and only there.
pub(crate) fn identity(cfg: &TrainConfig) -> serde_json::Value {
    let mut c = cfg.clone();
    c.out_dir = None;
    c.checkpoint_every = None;
    c.lr_origin = None;
    let mut v = serde_json::to_value(&c).unwrap_or(serde_json::Value::Null);
    if c.kernels == Kernels::Burn
        && let Some(map) = v.as_object_mut()
    {
        map.remove("kernels");
    }
    v
}

/// [`identity`] without the device: what makes a finished run's outcome reusable (see
/// `run_experiment`).
pub(crate) fn outcome_identity(cfg: &TrainConfig) -> serde_json::Value {
    identity(&TrainConfig {
        device: crate::DeviceSpec::Cpu,
        ..cfg.clone()
    })
}

/// The kernels a checkpoint's identity (see [`identity`]) names.
fn identity_kernels(v: &serde_json::Value) -> Kernels {
    match v.get("kernels") {
        None => Kernels::Burn,
        Some(k) => serde_json::from_value(k.clone()).unwrap_or_default(),
    }
}

/// The mutable state of a run besides model and optimizer.
pub(super) struct RunState {
    pub(super) next_iter: u64,
    pub(super) smoother: DebiasedEma,
    pub(super) best_accuracy: Option<f64>,
    pub(super) last_eval: Option<(f64, f64)>,
    pub(super) metrics: Vec<MetricRow>,
    /// Weight averaging: the average so far.
    pub(super) average: Option<WeightAverage>,
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("writing to a Vec");
    enc.finish().expect("writing to a Vec")
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| format!("meta: {e}"))?;
    Ok(out)
}

/// Writes a checkpoint. `averaged`: with weight averaging, the averaged model (its batch-norm
/// statistics recomputed), stored as `model` — what a reader of the checkpoint (`sample`,
/// `--init`) wants — with the live model as `model_live` and the average's state as `average`.
pub(super) fn save_checkpoint(
    dir: &Path,
    cfg: &TrainConfig,
    model: &Net,
    optim: &CyclrOptimizer,
    st: &RunState,
    averaged: Option<&Net>,
) -> Result<PathBuf, TrainError> {
    // `valid()` folds pending batch-norm running-stat updates in (the value the next forward
    // would read) and yields detached tensors with the same parameter ids.
    let record = |m: &Net| {
        m.valid()
            .into_record()
            .into_bytes()
            .map_err(|e| TrainError::Checkpoint(format!("model: {e}")))
    };
    // Schedule-free: `model` is the evaluation point x (what the package advises to save, and
    // what a reader of the checkpoint wants), `model_y` the training point y, so that a resumed
    // run continues from y exactly.
    let model_bytes = match averaged {
        Some(m) => record(m)?,
        None => record(&optim.eval_params(model.clone()))?,
    };
    let train_point = if optim.config().is_schedule_free() {
        Some(("model_y", record(model)?))
    } else if st.average.is_some() {
        Some(("model_live", record(model)?))
    } else {
        None
    };
    let average_bytes = st.average.as_ref().map(WeightAverage::to_bytes);
    let optim_bytes = optim
        .to_bytes()
        .map_err(|e| TrainError::Checkpoint(format!("optimizer: {e}")))?;
    let meta = CheckpointMeta {
        config: identity(cfg),
        next_iter: st.next_iter,
        smoother_avg: st.smoother.raw().to_bits(),
        smoother_n: st.smoother.count(),
        best_accuracy: st.best_accuracy.map(f64::to_bits),
        last_eval: st.last_eval.map(|(l, a)| (l.to_bits(), a.to_bits())),
        metrics: st.metrics.iter().map(RowBits::from).collect(),
        metrics_d: if st.metrics.iter().any(|r| r.d.is_some()) {
            st.metrics.iter().map(|r| r.d.map(f64::to_bits)).collect()
        } else {
            Vec::new()
        },
        metrics_live: if st.metrics.iter().any(|r| r.live_test_loss.is_some()) {
            st.metrics
                .iter()
                .map(|r| {
                    r.live_test_loss
                        .zip(r.live_test_accuracy)
                        .map(|(l, a)| (l.to_bits(), a.to_bits()))
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    let meta = gzip(&serde_json::to_vec(&meta).expect("plain data serializes"));
    let mut sections: Vec<(&str, &[u8])> = vec![
        ("meta", &meta),
        ("model", &model_bytes),
        ("optim", &optim_bytes),
    ];
    if let Some((name, bytes)) = &train_point {
        sections.push((name, bytes));
    }
    if let Some(bytes) = &average_bytes {
        sections.push(("average", bytes));
    }
    checkpoint::write(dir, st.next_iter, &sections).map_err(io_err(format!(
        "writing a checkpoint into {}",
        dir.display()
    )))
}

const FOREIGN: &str = "written by a run with another configuration";

/// The first field (as a dotted path) where two JSON values differ, with both values:
/// `path: WANT here, GOT in the checkpoint`.
pub(crate) fn first_difference(
    path: &str,
    want: &serde_json::Value,
    got: &serde_json::Value,
) -> Option<String> {
    differ(path, want, got, false).map(|d| {
        format!(
            "{}: {} here, {} in the checkpoint",
            d.path, d.given, d.recorded
        )
    })
}

/// The first difference of `want` from `got` as `path: WANT here, GOT there` (a record already
/// written, not a checkpoint).
pub(crate) fn differ_text(want: &serde_json::Value, got: &serde_json::Value) -> Option<String> {
    differ("", want, got, false)
        .map(|d| format!("{}: {} here, {} there", d.path, d.given, d.recorded))
}

/// [`first_difference`] over the keys of `given` only (a part of a record: the settings a caller
/// gave), as a [`Disagreement`].
pub fn first_difference_in(
    path: &str,
    given: &serde_json::Value,
    recorded: &serde_json::Value,
) -> Option<Disagreement> {
    differ(path, given, recorded, true)
}

fn differ(
    path: &str,
    want: &serde_json::Value,
    got: &serde_json::Value,
    only_wanted: bool,
) -> Option<Disagreement> {
    use serde_json::Value;
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = if only_wanted {
                a.keys().collect()
            } else {
                a.keys().chain(b.keys()).collect()
            };
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                differ(&p, x, y, only_wanted)
            })
        }
        _ if want == got => None,
        _ => Some(Disagreement {
            path: path.to_string(),
            given: want.clone(),
            recorded: got.clone(),
        }),
    }
}

/// Loads the newest usable checkpoint of this configuration from `dir` into `model`/`optim`
/// (the training point: `model_y` of a schedule-free run, `model_live` of an averaged one); with
/// it, the newer files that were skipped and why. `average`: the run's empty average, which the
/// checkpoint's `average` section fills.
pub(super) fn load_checkpoint(
    dir: &Path,
    cfg: &TrainConfig,
    model: &mut Net,
    optim: &mut CyclrOptimizer,
    average: Option<&WeightAverage>,
) -> Result<Option<(RunState, PathBuf, Vec<String>)>, TrainError> {
    let want = identity(cfg);
    let (found, skipped) = checkpoint::latest_valid(dir, |it, sections| {
        let get = |name: &str| {
            checkpoint::section(&sections, name).ok_or_else(|| format!("no `{name}` section"))
        };
        let meta: CheckpointMeta =
            serde_json::from_slice(&gunzip(get("meta")?)?).map_err(|e| format!("meta: {e}"))?;
        if meta.config != want {
            let (theirs, ours) = (identity_kernels(&meta.config), cfg.kernels);
            let mut same_but_kernels = meta.config.clone();
            if let Some(map) = same_but_kernels.as_object_mut() {
                map.remove("kernels");
            }
            let mut want_but_kernels = want.clone();
            if let Some(map) = want_but_kernels.as_object_mut() {
                map.remove("kernels");
            }
            if theirs != ours && same_but_kernels == want_but_kernels {
                return Err(format!(
                    "{FOREIGN}: written with kernels = {theirs}, this run uses kernels = {ours} \
                     (they sum in different orders)"
                ));
            }
            return Err(format!(
                "{FOREIGN}: {}",
                first_difference("", &want, &meta.config).unwrap_or_default()
            ));
        }
        if meta.next_iter != it || meta.metrics.len() as u64 != it {
            return Err("inconsistent iteration count".to_owned());
        }
        // Schedule-free checkpoints hold the training point y beside x.
        let model_section = if cfg.optimizer.is_schedule_free() {
            get("model_y")?
        } else if average.is_some() {
            get("model_live")?
        } else {
            get("model")?
        };
        let average = match average {
            Some(empty) => {
                let mut a = empty.clone();
                a.load_bytes(get("average")?)
                    .map_err(|e| format!("average: {e}"))?;
                Some(a)
            }
            None => None,
        };
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(model_section.to_vec()))
            .map_err(|e| format!("model: {e}"))?;
        let restored = model
            .clone()
            .try_load_record(record)
            .map_err(|e| format!("model: {e}"))?;
        let mut opt = optim.clone();
        opt.load_bytes(get("optim")?)
            .map_err(|e| format!("optimizer: {e}"))?;
        let st = RunState {
            next_iter: meta.next_iter,
            smoother: DebiasedEma::from_state(
                LOSS_BETA,
                f64::from_bits(meta.smoother_avg),
                meta.smoother_n,
            ),
            best_accuracy: meta.best_accuracy.map(f64::from_bits),
            last_eval: meta
                .last_eval
                .map(|(l, a)| (f64::from_bits(l), f64::from_bits(a))),
            metrics: meta
                .metrics
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let live = meta.metrics_live.get(i).copied().flatten();
                    MetricRow {
                        d: meta.metrics_d.get(i).copied().flatten().map(f64::from_bits),
                        live_test_loss: live.map(|(l, _)| f64::from_bits(l)),
                        live_test_accuracy: live.map(|(_, a)| f64::from_bits(a)),
                        ..MetricRow::from(b)
                    }
                })
                .collect(),
            average,
        };
        Ok((restored, opt, st))
    })
    .map_err(io_err(format!("listing checkpoints in {}", dir.display())))?;
    if found.is_none() && !skipped.is_empty() {
        // Every checkpoint is intact but from another configuration: say so, not "corrupt".
        let foreign: Vec<&str> = skipped
            .iter()
            .filter_map(|e| match e {
                checkpoint::CheckpointError::Corrupt { why, .. } => why.strip_prefix(FOREIGN),
                _ => None,
            })
            .collect();
        if foreign.len() == skipped.len() {
            return Err(TrainError::ForeignCheckpoint {
                dir: dir.to_owned(),
                differs: foreign[0].trim_start_matches(": ").to_string(),
            });
        }
        let reasons: Vec<String> = skipped.iter().map(ToString::to_string).collect();
        return Err(TrainError::Checkpoint(format!(
            "no usable checkpoint to resume from in {}: {}",
            dir.display(),
            reasons.join("; ")
        )));
    }
    let skipped: Vec<String> = skipped.iter().map(ToString::to_string).collect();
    Ok(found.map(|(it, (restored, opt, st))| {
        *model = restored;
        *optim = opt;
        (st, dir.join(checkpoint::file_name(it)), skipped)
    }))
}
