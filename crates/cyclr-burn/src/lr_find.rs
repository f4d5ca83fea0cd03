//! The LR range test on a [`Net`], driving `cyclr`'s ask/tell engine
//! ([`RangeTest`]: `next_lr` / `record`), with fastai's semantics: the model and the optimizer
//! state are snapshotted before the test and **restored afterwards**, so the test leaves no trace
//! (fastai saves and reloads the model and optimizer around `lr_find`; fastai issue #2892 shows
//! what goes wrong when state leaks out of it).
//!
//! * The model snapshot is a [`ModuleRecord`](burn::store::ModuleRecord) of `model.valid()`: a
//!   deep copy of every parameter *and* of the batch-norm running statistics (a `clone()` would
//!   not do: burn's running statistics are shared between clones and would be updated by the
//!   test).
//! * The optimizer snapshot is its burn optimizer record (every per-parameter state tensor).
//!
//! Each step trains one batch (order `cyclr_data::batches(n, batch_size, seed, epoch, true)`,
//! cycling through epochs) at the engine's learning rate, with the optimizer's configured
//! momentum, and reports, depending on `range.metric`:
//!
//! * `TrainLoss` — the batch's training loss before the update (fastai; the engine smooths it);
//! * `ValLoss` — the mean loss on a fixed held-out set after the update (torch-lr-finder's
//!   `val_loader` mode): the first `val_batches` batches (`batch_size` each, a seeded shuffle of
//!   `val`), or all of `val` when `val_batches` is 0;
//! * `Accuracy` — the paper's method: each learning rate of the sweep is held for `eval_every`
//!   training steps, then the accuracy on that held-out set is reported (so the test trains
//!   `num_it × eval_every` batches).
//!
//! A NaN or infinite training loss is reported as is: the engine stops the test on it, and the
//! result (with `StopReason::NonFinite`) is still returned, the model restored.
//!
//! Only one learning rate is used (`group_scales[0]`, 1 by default): [`Net`] has a single
//! parameter group.

use burn::module::Module;
use burn::optim::GradientsParams;
use cyclr::ParamError;
use cyclr::finder::{Metric, RangeTest, RangeTestConfig, RangeTestResult};
use cyclr_data::Dataset;
use serde::{Deserialize, Serialize};

use crate::data;
use crate::model::Net;
use crate::optim::CyclrOptimizer;

/// Settings of [`lr_find`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LrFindConfig {
    /// The sweep, smoothing, stop rule and metric (fastai's defaults).
    pub range: RangeTestConfig,
    /// Training batch size (also the held-out batch size).
    pub batch_size: usize,
    /// Seed of the data order (training and held-out batches).
    pub seed: u64,
    /// `Accuracy` mode: training steps per learning rate (between two evaluations).
    pub eval_every: u64,
    /// `ValLoss` / `Accuracy` modes: held-out batches evaluated (0: the whole held-out set).
    pub val_batches: usize,
}

impl Default for LrFindConfig {
    fn default() -> Self {
        LrFindConfig {
            range: RangeTestConfig::default(),
            batch_size: 128,
            seed: 0,
            eval_every: 10,
            val_batches: 0,
        }
    }
}

/// Why [`lr_find`] could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LrFindError {
    /// An invalid range-test parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// An invalid setting of the loop (batch size, datasets, ...).
    #[error("invalid lr_find configuration: {0}")]
    Config(String),
    /// The model snapshot could not be restored.
    #[error("restoring the model after the range test: {0}")]
    Restore(String),
}

/// Runs the LR range test (see the [module documentation](self)) and returns its result with
/// the model restored to its state before the test; `optim`'s state is restored too.
///
/// `val` is the held-out set of the `ValLoss` and `Accuracy` modes (unused for `TrainLoss`).
pub fn lr_find(
    model: Net,
    optim: &mut CyclrOptimizer,
    train: &Dataset,
    val: &Dataset,
    cfg: &LrFindConfig,
) -> Result<(RangeTestResult, Net), LrFindError> {
    let mut test = RangeTest::new(cfg.range.clone())?;
    let metric = cfg.range.metric;
    if cfg.batch_size == 0 || cfg.batch_size > train.len() {
        return Err(LrFindError::Config(format!(
            "batch_size {} must be in 1..={} (the training samples)",
            cfg.batch_size,
            train.len()
        )));
    }
    if metric != Metric::TrainLoss && val.is_empty() {
        return Err(LrFindError::Config(format!(
            "metric {} needs a non-empty held-out set",
            metric.name()
        )));
    }
    let steps_per_point = if metric == Metric::Accuracy {
        cfg.eval_every.max(1)
    } else {
        1
    };
    let held_out: Vec<Vec<usize>> = if metric == Metric::TrainLoss {
        Vec::new()
    } else {
        let all = cyclr_data::batches(val.len(), cfg.batch_size.min(val.len()), cfg.seed, 0, false);
        match cfg.val_batches {
            0 => all,
            k => all.into_iter().take(k).collect(),
        }
    };

    // Snapshot (deep copies; see the module documentation).
    let model_snapshot = model.valid().into_record();
    let optim_snapshot = optim.to_record();

    let device = crate::device();
    let n = train.len();
    let per_epoch = (n / cfg.batch_size) as u64;
    let mut order: Option<(u64, Vec<Vec<usize>>)> = None;
    let mut model = model;
    let mut t = 0u64;
    while let Some(lr) = test.next_lr() {
        let mut value = None;
        for _ in 0..steps_per_point {
            let epoch = t / per_epoch;
            if order.as_ref().is_none_or(|(e, _)| *e != epoch) {
                order = Some((
                    epoch,
                    cyclr_data::batches(n, cfg.batch_size, cfg.seed, epoch, true),
                ));
            }
            let idx = &order.as_ref().expect("set above").1[(t % per_epoch) as usize];
            t += 1;
            let b = data::batch(train, idx, &device);
            let loss = Net::cross_entropy(model.forward(b.images), b.targets);
            let loss_v = f64::from(loss.clone().into_scalar::<f32>());
            if !loss_v.is_finite() {
                value = Some(loss_v);
                break;
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, None, model, grads);
            value = Some(loss_v);
        }
        let value = match (value, metric) {
            (Some(v), _) if !v.is_finite() => v,
            (Some(v), Metric::TrainLoss) => v,
            (_, Metric::ValLoss) => crate::train::evaluate_batches(&model, val, &held_out).0,
            (_, Metric::Accuracy) => crate::train::evaluate_batches(&model, val, &held_out).1,
            (None, Metric::TrainLoss) => f64::NAN,
        };
        test.record(value);
    }
    let result = test.finish();

    // Restore. `valid().train()` first gives the module fresh batch-norm running-state cells:
    // the old ones still hold the test's last, not yet folded-in running-stat update, which
    // would otherwise be folded in over the restored value at the next read.
    let model = model
        .valid()
        .train()
        .try_load_record(model_snapshot)
        .map_err(|e| LrFindError::Restore(e.to_string()))?;
    optim.load_record(optim_snapshot);
    Ok((result, model))
}
