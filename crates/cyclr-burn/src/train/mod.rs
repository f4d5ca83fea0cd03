//! The training loop: a `cyclr` schedule driving a [`CyclrOptimizer`] on a [`Net`], with
//! evaluation, metrics, crash-safe checkpoints and bit-exact resumption.
//!
//! # Iterations
//!
//! Iteration `t` (0-based, `0..iters`) takes the mini-batch `t mod B` of epoch `t div B` in the
//! order `cyclr_data::batches(n, batch_size, seed, epoch, drop_last = true)` (`B = n div
//! batch_size` batches per epoch), the learning rate `schedule.lr(t)` and the momentum
//! `schedule.momentum(t)` (or the optimizer's configured one), computes the mean cross-entropy of
//! the batch (the row's `train_loss`, measured *before* the update) and updates the weights.
//! After the update of iteration `t`, the test split is evaluated when `(t+1) % eval_every == 0`
//! and always after the last iteration; the row of `t` then carries the test loss and accuracy.
//!
//! The smoothed loss reported to the observer is fastai's debiased exponential moving average
//! (β = 0.98) of the training loss.
//!
//! # Determinism and resumption
//!
//! Weights are initialised from `seed` ([`Net::new`]), the data order depends only on `(seed,
//! epoch)`, and nothing else is random, so a run is a function of its configuration. With
//! `checkpoint_every = Some(k)` and an `out_dir`, a checkpoint is written after every `k`-th
//! iteration (and after the last one): the weights (with batch-norm running statistics and parameter ids), the optimizer
//! state, the iteration, the smoothing state and the metrics so far (all floats stored as their
//! bits), in the [`checkpoint`] format (atomic replace, CRC-32; the two most
//! recent are kept). `train(.., resume = true)` starts from the newest valid checkpoint in
//! `out_dir` (skipping corrupt ones) whose configuration matches (everything but `out_dir`,
//! `checkpoint_every`), and the run then continues exactly: the metrics and final weights of an
//! interrupted and resumed run are bit-identical to an uninterrupted one. With no checkpoint in
//! `out_dir`, `resume = true` starts from scratch; with checkpoints of which none is usable
//! (all corrupt, or written by another configuration) it fails with
//! [`TrainError::Checkpoint`] naming each file and why.
//!
//! # Learning-rate-free optimizers
//!
//! Schedule-free optimizers train at `y` and are evaluated at `x` (see
//! [`schedule_free`](crate::optim::schedule_free)): every evaluation, the `summary.json`
//! figures and the model [`train_until`] hands back use `x`, computed from `y` exactly as the
//! package's `optimizer.eval()` does, on a copy (so `y` is not moved by an `eval()`/`train()`
//! round trip and checkpoints do not change the run). With batch norm, before each evaluation
//! [`TrainConfig::bn_recalibration`] training batches (default [`SCHEDULE_FREE_BN_BATCHES`]) run
//! forward at `x` without gradients, so that the running statistics are those of `x` (the
//! package's advice). A schedule-free checkpoint holds `x` as its `model` section and `y` as
//! `model_y` (the resume continues from `y`). Only the `fixed` policy is accepted beside a
//! schedule-free optimizer. Prodigy and D-Adaptation record their step-size estimate in
//! [`MetricRow::d`].
//!
//! # Weight averaging
//!
//! With [`TrainConfig::average`] ([`cyclr::average::AverageConfig`]) the run keeps an average of
//! its weights ([`crate::average::WeightAverage`]): after the update of iteration `t` it folds
//! the model in when its rule says so (step `t + 1`), and SWALR replaces the schedule's rate from
//! the first averaged step when `swa_lr` is set. Once the average exists, every evaluation is the
//! average's (with batch norm: its statistics recomputed first by `update_bn` over one pass of
//! the training data, in the order of the current epoch), and the row also carries the live
//! model's figures (`live_test_loss`, `live_test_accuracy`); the summary's final figures are the
//! average's, the live ones beside them (`final_live_test_*`, `averaged_models`). A checkpoint
//! holds the averaged model as `model` (what `sample` and `--init` read), the live one as
//! `model_live` and the average's state as `average`: a resumed run continues both exactly.
//! [`train_until`] hands back the averaged model. Before the first update the figures are the
//! live model's, as without averaging.
//!
//! # Divergence
//!
//! A run diverges when the training loss of a batch is NaN or infinite (the run stops before
//! that update), when its smoothed loss (the debiased EMA above) exceeds
//! [`DIVERGENCE_FACTOR`] times its first value — a classifier that far worse than where it
//! started is not training — or when an evaluation's test loss is not finite. The run then stops
//! and returns `Ok` with [`TrainSummary::diverged`] set ([`Divergence`]: iteration, learning
//! rate, loss and which rule fired) and the metrics up to the last good iteration; the last good
//! checkpoint is left in place. Divergence is an outcome of the run, not an error of the library:
//! check `diverged`.
//!
//! # Stopping early
//!
//! [`TrainObserver::should_stop`] is asked after every iteration (e.g. on Ctrl-C): when it says
//! yes, a checkpoint is written (with checkpointing on), the outputs so far are written, and the
//! summary has `interrupted` set; `train(.., resume = true)` continues from there exactly.
//!
//! # Outputs
//!
//! With an `out_dir`, `metrics.csv` ([`write_metrics_csv`]) grows as the run goes (one row
//! appended and flushed per iteration, so `tail -f` follows it; a resumed run first rewrites it
//! with the rows of its checkpoint, so nothing is duplicated), and it and `summary.json` are
//! written atomically (see [`fsio`](crate::fsio)) at the end of the run, on divergence and when
//! stopped early.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::Device;
use cyclr::ParamError;
use cyclr::finder::DebiasedEma;
use cyclr::schedule::ScheduleConfig;
use cyclr_data::{Dataset, Split};
use serde::{Deserialize, Serialize};

use crate::average::WeightAverage;
use crate::data;
use crate::kernels::Kernels;
use crate::model::{Activation, ModelError, ModelKind, Net, NetConfig};
use crate::optim::{CyclrOptimizer, OptimizerConfig};

pub mod checkpoint;
pub mod init;
mod metrics;
mod resume;
mod run_dir;
mod task;

pub use metrics::{
    MetricColumns, write_metrics_csv, write_metrics_csv_with, write_metrics_header,
    write_metrics_row,
};
pub use resume::first_difference_in;
pub(crate) use resume::{differ_text, first_difference, outcome_identity};
pub use run_dir::{DataRecord, Disagreement, RUN_FILES, RunDir, RunRecord};

use metrics::{LiveMetrics, write_outputs};
use resume::{RunState, load_checkpoint, save_checkpoint};
use task::{ImageTask, Task, TextTask};
pub use task::{
    RunData, TEXT_EVAL_WINDOWS, Validation, evaluate_text, evaluate_windows, text_loss,
};

/// A finished run whose final test accuracy is below this many times chance (1 / classes) did
/// not learn ([`TrainSummary::did_not_learn`]): a classifier stuck at the class prior, or
/// worse.
pub const CHANCE_FACTOR: f64 = 1.5;

/// Batch size used to evaluate the test split (it does not change the result).
pub const EVAL_BATCH: usize = 1000;
/// The default mini-batch size (the CLI's `--batch-size`, experiment files' `batch_size`).
pub const DEFAULT_BATCH_SIZE: usize = 128;
/// The default evaluation interval in iterations.
pub const DEFAULT_EVAL_EVERY: u64 = 100;
/// Smoothing factor of the displayed training loss (fastai's β).
pub const LOSS_BETA: f64 = 0.98;
/// A run diverges when its smoothed training loss exceeds this many times its first value (the
/// factor fastai's range test stops at).
pub const DIVERGENCE_FACTOR: f64 = 4.0;

/// Everything that determines a training run (serde; TOML/JSON friendly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Network.
    pub model: ModelKind,
    /// Hidden nonlinearity.
    #[serde(default)]
    pub activation: Activation,
    /// Batch norm after every convolution / hidden FC layer.
    #[serde(default)]
    pub batch_norm: bool,
    /// Optimizer.
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    /// Learning-rate (and momentum) policy, built for `iters` iterations.
    pub schedule: ScheduleConfig,
    /// Number of iterations (optimizer steps).
    pub iters: u64,
    /// Mini-batch size.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Evaluate the test split every this many iterations (and after the last one).
    #[serde(default = "default_eval_every")]
    pub eval_every: u64,
    /// Seed of the weights and the data order.
    #[serde(default)]
    pub seed: u64,
    /// Write a checkpoint every this many iterations (needs `out_dir`).
    #[serde(default)]
    pub checkpoint_every: Option<u64>,
    /// Where checkpoints, `metrics.csv` and `summary.json` go.
    #[serde(default)]
    pub out_dir: Option<PathBuf>,
    /// Where the learning rates came from, when a range test chose them (recorded in
    /// `summary.json`; not part of the run's identity for resuming).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_origin: Option<LrOrigin>,
    /// The convolution and max-pool kernels ([`Kernels::Cyclr`] when absent). Part of a
    /// checkpoint's identity: the kernels sum in different orders, so a run resumes only with the
    /// kernels that wrote its checkpoint (checkpoints written before this field existed were
    /// written by burn's kernels and resume with `kernels = "burn"`).
    #[serde(default)]
    pub kernels: Kernels,
    /// Schedule-free with batch norm: training batches run forward (no gradients) at `x` before
    /// each evaluation, to recompute the running statistics there (the schedulefree package's
    /// advice); `None`: [`SCHEDULE_FREE_BN_BATCHES`]. Unused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bn_recalibration: Option<u64>,
    /// Where the run trains (`cpu` when absent; [`crate::devices`]). Part of a checkpoint's
    /// identity: a run resumes on the device it started on.
    #[serde(default, skip_serializing_if = "crate::devices::is_cpu")]
    pub device: crate::DeviceSpec,
    /// The GPT's shape (`model = "gpt"`, text data); absent for the image networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpt: Option<crate::model::GptShape>,
    /// Clip the gradients to this global norm before each update (PyTorch's
    /// `clip_grad_norm_`, [`crate::optim::clip`]); `None`: no clipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grad_clip: Option<f64>,
    /// Fine-tuning: start the GPT from the model of the pretrained run in this folder (its
    /// token rows mapped by character; [`init`]). Part of the run's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
    /// Discriminative learning rates for the GPT (`--layer-lr-decay`;
    /// [`LayerLrDecay`](crate::model::LayerLrDecay)): each block below the top at a fraction of
    /// the rate of the one above. Part of the run's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_lr_decay: Option<crate::model::LayerLrDecay>,
    /// Weight averaging (`--average`; see [the module documentation](self#weight-averaging)). Part of
    /// the run's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<cyclr::average::AverageConfig>,
}

/// Training batches run at `x` before each evaluation of a schedule-free model with batch norm
/// (the schedulefree README's 50; burn's batch-norm momentum 0.1 leaves 0.9^50 ≈ 0.5% of the
/// statistics of `y`).
pub const SCHEDULE_FREE_BN_BATCHES: u64 = 50;

/// Where a run's learning rates came from (`--lr auto`, `auto_lr` in experiments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrOrigin {
    /// Each resolved parameter as `key = value (source)`.
    pub choices: Vec<String>,
    /// The range test's rates for each use, with the rule.
    pub rates: cyclr::finder::ClrBounds,
    /// fastai's suggestions of the (first) range test, for comparison.
    pub suggestions: cyclr::finder::Suggestions,
    /// The range tests' seeds (the median of each rate is used with several).
    pub seeds: Vec<u64>,
    /// The range test's sweep.
    pub sweep: cyclr::finder::RangeTestConfig,
    /// The directory whose saved range test was reused (`train --lr-from DIR`); absent when the
    /// test ran for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<PathBuf>,
}

fn default_batch_size() -> usize {
    DEFAULT_BATCH_SIZE
}
fn default_eval_every() -> u64 {
    DEFAULT_EVAL_EVERY
}

/// Passed to [`TrainObserver::on_step`] after every iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// 0-based iteration just taken.
    pub iteration: u64,
    /// Total iterations of the run.
    pub iters: u64,
    /// Learning rate used.
    pub lr: f64,
    /// Momentum (β1) used, if the optimizer has one.
    pub momentum: Option<f64>,
    /// Training loss of the batch (before the update).
    pub loss: f64,
    /// Debiased EMA (β = 0.98) of the training loss.
    pub smoothed_loss: f64,
}

/// Passed to [`TrainObserver::on_eval`] after every evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalInfo {
    /// 0-based iteration after whose update the model was evaluated.
    pub iteration: u64,
    /// Mean cross-entropy on the test split.
    pub test_loss: f64,
    /// Fraction of the test split classified correctly.
    pub test_accuracy: f64,
}

/// Progress callbacks (the CLI renders a progress bar from them).
pub trait TrainObserver {
    /// After every iteration.
    fn on_step(&mut self, _info: &StepInfo) {}
    /// After every evaluation.
    fn on_eval(&mut self, _info: &EvalInfo) {}
    /// After a checkpoint was written (`path`) for `next_iteration` completed iterations.
    fn on_checkpoint(&mut self, _next_iteration: u64, _path: &Path) {}
    /// When a run resumes from a checkpoint at `next_iteration`.
    fn on_resume(&mut self, _next_iteration: u64, _path: &Path) {}
    /// When a newer checkpoint could not be used and the run resumes from an older one: which
    /// file was skipped and why (corrupt, or written by another configuration).
    fn on_checkpoint_skipped(&mut self, _why: &str) {}
    /// Asked after every iteration: `true` stops the run there (see the module documentation).
    fn should_stop(&mut self) -> bool {
        false
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;
impl TrainObserver for NoObserver {}

/// One metrics row per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// 0-based iteration.
    pub iteration: u64,
    /// Learning rate used.
    pub lr: f64,
    /// Momentum used (`None`: the optimizer has none).
    pub momentum: Option<f64>,
    /// Training loss of the batch (before the update).
    #[serde(with = "cyclr::serde_float")]
    pub train_loss: f64,
    /// Test loss after the update (only at evaluation points).
    #[serde(with = "cyclr::serde_float::option")]
    pub test_loss: Option<f64>,
    /// Test accuracy after the update (only at evaluation points).
    pub test_accuracy: Option<f64>,
    /// Prodigy / D-Adaptation: the step-size estimate `d` after the update (`None` for the other
    /// optimizers); the effective step size is `lr·d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<f64>,
    /// With weight averaging, at evaluation points once an average exists: the live model's
    /// test loss (`test_loss` is then the average's).
    #[serde(
        default,
        with = "cyclr::serde_float::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub live_test_loss: Option<f64>,
    /// The live model's test accuracy beside [`live_test_loss`](Self::live_test_loss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_test_accuracy: Option<f64>,
}

impl MetricRow {
    /// The test figure of `metric` at this row (`None` where there was no evaluation).
    pub fn test_value(&self, metric: cyclr::compare::Metric) -> Option<f64> {
        match metric {
            cyclr::compare::Metric::Accuracy => self.test_accuracy,
            cyclr::compare::Metric::Loss => self.test_loss,
        }
    }
}

/// Which divergence rule fired (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivergenceKind {
    /// The batch's training loss was NaN or infinite (no update was made).
    NonFiniteLoss,
    /// The smoothed training loss exceeded [`DIVERGENCE_FACTOR`] × its first value.
    ExplodingLoss,
    /// An evaluation's test loss was NaN or infinite.
    NonFiniteTestLoss,
}

/// Where and how a run diverged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The iteration at which the rule fired.
    pub iteration: u64,
    /// Its learning rate.
    pub lr: f64,
    /// The loss that fired the rule (the batch loss, the smoothed loss or the test loss).
    #[serde(with = "cyclr::serde_float")]
    pub loss: f64,
    /// Which rule fired.
    pub kind: DivergenceKind,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            DivergenceKind::NonFiniteLoss => "training loss".to_string(),
            DivergenceKind::ExplodingLoss => {
                format!("smoothed training loss above {DIVERGENCE_FACTOR} x its first value:")
            }
            DivergenceKind::NonFiniteTestLoss => "test loss".to_string(),
        };
        write!(
            f,
            "diverged at iteration {} (lr {:.4e}): {what} {}",
            self.iteration, self.lr, self.loss
        )
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Test accuracy after the last iteration (of the last evaluation when diverged; 0 if none).
    pub final_test_accuracy: f64,
    /// Test loss of the same evaluation (NaN if none).
    #[serde(with = "cyclr::serde_float")]
    pub final_test_loss: f64,
    /// Best test accuracy over all evaluations (0 if none).
    pub best_test_accuracy: f64,
    /// Iterations completed (including those before a resume).
    pub iterations: u64,
    /// Iteration this process resumed at (`None`: started from scratch).
    pub resumed_from: Option<u64>,
    /// Wall-clock seconds of this process's part of the run (training, evaluation, checkpoints).
    pub wall_time_s: f64,
    /// Training throughput of this process: images of the iterations it ran / seconds spent in
    /// those iterations (forward, backward, update, batch assembly; not evaluation).
    pub images_per_s: f64,
    /// One row per completed iteration.
    pub metrics: Vec<MetricRow>,
    /// Set when the run diverged (see the module documentation).
    pub diverged: Option<Divergence>,
    /// Set when [`TrainObserver::should_stop`] stopped the run before its last iteration.
    #[serde(default)]
    pub interrupted: bool,
    /// Set when the run finished without learning: its final test accuracy is below
    /// [`CHANCE_FACTOR`] × chance (1 / classes); says what it reached and what chance is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_not_learn: Option<String>,
    /// The schedule that was trained (policy and every parameter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleConfig>,
    /// Where its learning rates came from (`--lr auto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_origin: Option<LrOrigin>,
    /// Text runs: the final test loss in bits per character (`final_test_loss / ln 2`; the loss
    /// is in nats per character, by a full pass over the test text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_test_bits_per_char: Option<f64>,
    /// Text runs: the lowest test loss over all evaluations (lower is better).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_test_loss: Option<f64>,
    /// Text runs: training characters (predicted positions) per second, as
    /// [`images_per_s`](Self::images_per_s) counts images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chars_per_s: Option<f64>,
    /// With weight averaging: the live model's test accuracy of the last evaluation (the
    /// `final_test_*` figures are then the average's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_live_test_accuracy: Option<f64>,
    /// With weight averaging: the live model's test loss of the last evaluation.
    #[serde(
        default,
        with = "cyclr::serde_float::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub final_live_test_loss: Option<f64>,
    /// With weight averaging: the models folded into the average (PyTorch's `n_averaged`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub averaged_models: Option<u64>,
}

impl TrainSummary {
    /// The final test figure of `metric`.
    pub fn final_value(&self, metric: cyclr::compare::Metric) -> f64 {
        match metric {
            cyclr::compare::Metric::Accuracy => self.final_test_accuracy,
            cyclr::compare::Metric::Loss => self.final_test_loss,
        }
    }

    /// The best test figure of `metric` over the evaluations.
    pub fn best_value(&self, metric: cyclr::compare::Metric) -> f64 {
        match metric {
            cyclr::compare::Metric::Accuracy => self.best_test_accuracy,
            cyclr::compare::Metric::Loss => self.best_test_loss.unwrap_or(f64::NAN),
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// An invalid setting of the run itself (iters, batch size, ...).
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// An invalid schedule or optimizer parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The network cannot be built for this data.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Writing outputs or checkpoints failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// Serializing or restoring model/optimizer state failed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The device is not in this build or does not work.
    #[error(transparent)]
    Device(#[from] crate::DeviceError),
    /// The checkpoints in `out_dir` were written by a run with another configuration.
    #[error(
        "the checkpoints in {dir} belong to a run with another configuration ({differs}); \
         resume with that configuration, or train into another directory"
    )]
    ForeignCheckpoint {
        /// The directory.
        dir: PathBuf,
        /// The first configuration field that differs, e.g. `schedule.max_lr: 0.1 vs 0.2`.
        differs: String,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> TrainError {
    let context = context.into();
    move |source| TrainError::Io { context, source }
}

/// Mean cross-entropy and accuracy of `model` on `ds` (batch norm in inference mode; no
/// autodiff).
pub fn evaluate(model: &Net, ds: &Dataset) -> (f64, f64) {
    let all: Vec<usize> = (0..ds.len()).collect();
    let batches: Vec<&[usize]> = all.chunks(EVAL_BATCH).collect();
    evaluate_batches(model, ds, &batches)
}

/// Mean cross-entropy and accuracy of `model` on the given batches of sample indices of `ds`
/// (inference mode); `(NaN, 0)` when they hold no sample.
pub fn evaluate_batches<B: AsRef<[usize]>>(model: &Net, ds: &Dataset, batches: &[B]) -> (f64, f64) {
    let model = model.valid();
    let device = match model.devices().into_iter().next() {
        Some(d) => d,
        None => Device::flex(),
    };
    let (mut loss_sum, mut correct, mut n) = (0.0f64, 0i64, 0usize);
    for idx in batches.iter().map(AsRef::as_ref).filter(|b| !b.is_empty()) {
        let batch = data::batch(ds, idx, &device);
        let logits = model.forward(batch.images);
        let loss = Net::cross_entropy(logits.clone(), batch.targets.clone());
        loss_sum += f64::from(loss.into_scalar::<f32>()) * idx.len() as f64;
        let hits = logits
            .argmax(1)
            .reshape([idx.len()])
            .equal(batch.targets)
            .int()
            .sum();
        correct += hits.into_scalar::<i64>();
        n += idx.len();
    }
    if n == 0 {
        return (f64::NAN, 0.0);
    }
    (loss_sum / n as f64, correct as f64 / n as f64)
}

fn check_config(cfg: &TrainConfig, task: &dyn Task) -> Result<(), TrainError> {
    let bad = |m: String| Err(TrainError::Config(m));
    if cfg.iters == 0 {
        return bad("iters must be >= 1".into());
    }
    if cfg.batch_size == 0 {
        return bad("batch_size must be >= 1".into());
    }
    task.check(cfg)?;
    if let Some(d) = &cfg.layer_lr_decay {
        if cfg.model != ModelKind::Gpt {
            return bad(format!(
                "--layer-lr-decay {}: discriminative rates are set for --model gpt's blocks, not {}",
                d.factor, cfg.model
            ));
        }
        if let Some(why) = d.problem() {
            return bad(why);
        }
        if let Some(why) = cfg.optimizer.group_rates_refusal() {
            return bad(format!("--layer-lr-decay {}: {why}", d.factor));
        }
    }
    if let Some(c) = cfg.grad_clip
        && !(c.is_finite() && c > 0.0)
    {
        return bad(format!(
            "grad_clip {c} must be a positive number (the largest global gradient norm)"
        ));
    }
    if cfg.eval_every == 0 {
        return bad("eval_every must be >= 1".into());
    }
    if let Some(a) = &cfg.average {
        a.rule()?;
        if let Some(why) = average_refusal(&cfg.optimizer) {
            return bad(format!("average {}: {why}", a.kind.name()));
        }
    }
    cfg.optimizer.check_schedule(&cfg.schedule)?;
    match (cfg.checkpoint_every, &cfg.out_dir) {
        (Some(0), _) => bad("checkpoint_every must be >= 1".into()),
        (Some(_), None) => bad("checkpoint_every needs an out_dir".into()),
        _ => Ok(()),
    }
}

/// The network a configuration trains on `train`'s data, initialised from its seed.
pub fn build_model(cfg: &TrainConfig, train: &Dataset, device: &Device) -> Result<Net, TrainError> {
    let net_cfg = NetConfig::for_data(
        cfg.model,
        cfg.activation,
        cfg.batch_norm,
        cfg.kernels,
        train,
    );
    Ok(Net::new(&net_cfg, cfg.seed, device)?)
}

/// Runs `n` training batches forward at the model's current (evaluation) point without
/// gradients, so that batch norm's running statistics are those of that point: the batches of
/// epoch `epoch`'s order from its first, continuing into the following epochs when `n` is larger.
fn recalibrate_batch_norm(
    model: &Net,
    ds: &Dataset,
    cfg: &TrainConfig,
    epoch: u64,
    n: u64,
    device: &Device,
) {
    let first = epoch * data::steps_per_epoch(ds.len(), cfg.batch_size);
    let mut order = data::EpochOrder::default();
    for i in 0..n {
        let idx = order.batch(ds.len(), cfg.batch_size, cfg.seed, first + i);
        let batch = data::batch(ds, idx, device);
        // A training-mode forward updates the running statistics; the graph is dropped.
        drop(model.forward(batch.images));
    }
}

/// Trains `cfg.model` on `split.train` and evaluates on `split.test` (see the
/// [module documentation](self) for the exact semantics). `resume`: continue from the newest
/// valid checkpoint in `cfg.out_dir`, if any. A diverged run returns `Ok`, with
/// [`TrainSummary::diverged`] set.
pub fn train(
    cfg: &TrainConfig,
    split: &Split,
    observer: &mut dyn TrainObserver,
    resume: bool,
) -> Result<TrainSummary, TrainError> {
    train_until(cfg, split, observer, resume, None).map(|(s, _)| s)
}

/// [`train`], also returning the trained network; with `stop_after = Some(k)` the run stops
/// (as if interrupted) once `k` iterations are complete, without the final evaluation.
pub fn train_until(
    cfg: &TrainConfig,
    split: &Split,
    observer: &mut dyn TrainObserver,
    resume: bool,
    stop_after: Option<u64>,
) -> Result<(TrainSummary, Net), TrainError> {
    run(
        cfg,
        &mut ImageTask::new(split),
        observer,
        resume,
        stop_after,
    )
}

/// [`train_until`] for a GPT on text (`cfg.model = gpt`, its shape in `cfg.gpt`): batches of
/// random windows of `text.train`, evaluation by a full pass over `text.test` (see
/// [`task`](self#iterations) and the module `task`'s documentation); the summary adds the
/// loss in bits per character, the best test loss and characters per second.
pub fn train_text(
    cfg: &TrainConfig,
    text: &cyclr_data::TextSplit,
    observer: &mut dyn TrainObserver,
    resume: bool,
    stop_after: Option<u64>,
) -> Result<(TrainSummary, Net), TrainError> {
    run(cfg, &mut TextTask::new(text), observer, resume, stop_after)
}

/// The model a text run in `dir` trained, from its newest valid checkpoint of `cfg` (the
/// evaluation point for schedule-free optimizers), on `device`: what `cyclr sample` generates
/// from. `text` gives the vocabulary (the run's corpus).
pub fn load_text_model(
    cfg: &TrainConfig,
    text: &cyclr_data::TextSplit,
    dir: &Path,
    device: &Device,
) -> Result<Net, TrainError> {
    let task = TextTask::new(text);
    // The checkpoint holds every weight: a fine-tuned run's pretrained start is not needed
    // (nor need it still exist).
    let plain = TrainConfig {
        init: None,
        ..cfg.clone()
    };
    task.check(&plain)?;
    let mut model = task.build(&plain, device)?;
    let mut optim = CyclrOptimizer::new(&cfg.optimizer)?;
    let (_, average) = schedule_and_average(cfg)?;
    match load_checkpoint(dir, cfg, &mut model, &mut optim, average.as_ref())? {
        // With averaging, the average (a GPT has no batch norm to recompute).
        Some((st, ..)) => Ok(match st.average.and_then(|a| a.model(&model)) {
            Some(averaged) => averaged,
            None => optim.eval_params(model),
        }),
        None => Err(TrainError::Checkpoint(format!(
            "{} holds no checkpoint of this run (train it, with checkpoints, first)",
            dir.display()
        ))),
    }
}

/// Why `optimizer` takes no weight averaging (a schedule-free one is evaluated at its own
/// average of the iterates); `None` when it does.
pub fn average_refusal(optimizer: &OptimizerConfig) -> Option<String> {
    optimizer.is_schedule_free().then(|| {
        format!(
            "{} is a schedule-free optimizer, evaluated at its own average of the iterates (x): \
             leave the averaging out, or train with another optimizer",
            optimizer.name()
        )
    })
}

/// The run's schedule (followed by SWALR where its average asks for it) and its empty weight
/// average.
fn schedule_and_average(
    cfg: &TrainConfig,
) -> Result<(Box<dyn cyclr::Schedule>, Option<WeightAverage>), TrainError> {
    let schedule = cfg.schedule.build(cfg.iters)?;
    Ok(match &cfg.average {
        Some(a) => {
            let when = a.when(cfg.iters, &*schedule)?;
            let average = WeightAverage::new(a.rule()?, when.clone())?;
            (a.schedule(schedule, &when), Some(average))
        }
        None => (schedule, None),
    })
}

/// The averaged model built on `live`'s structure, its batch-norm statistics recomputed by
/// `update_bn` over one pass of the training data of iteration `t`'s epoch; `None` before the
/// average's first update.
fn averaged_model(
    average: &WeightAverage,
    live: &Net,
    task: &mut dyn Task,
    cfg: &TrainConfig,
    t: u64,
    device: &Device,
) -> Option<Net> {
    let mut m = average.model(live)?;
    if cfg.batch_norm {
        task.update_bn(&mut m, cfg, t, device);
    }
    Some(m)
}

/// The `metrics.csv` columns of a run of `cfg`.
fn columns(cfg: &TrainConfig) -> MetricColumns {
    MetricColumns {
        d: cfg.optimizer.estimates_d(),
        live: cfg.average.is_some(),
    }
}

/// The averaged model after `st.next_iter` steps: the last evaluation's when it was built then,
/// else built now (and kept); `None` before the average's first update.
fn current_average<'a>(
    last: &'a mut Option<(u64, Net)>,
    st: &RunState,
    live: &Net,
    task: &mut dyn Task,
    cfg: &TrainConfig,
    device: &Device,
) -> Option<&'a Net> {
    let avg = st.average.as_ref()?;
    if last.as_ref().is_none_or(|(at, _)| *at != st.next_iter) {
        *last = averaged_model(avg, live, task, cfg, st.next_iter.saturating_sub(1), device)
            .map(|m| (st.next_iter, m));
    }
    last.as_ref().map(|(_, m)| m)
}

/// The loop, for any [`Task`].
fn run(
    cfg: &TrainConfig,
    task: &mut dyn Task,
    observer: &mut dyn TrainObserver,
    resume: bool,
    stop_after: Option<u64>,
) -> Result<(TrainSummary, Net), TrainError> {
    let start = Instant::now();
    check_config(cfg, task)?;
    let (schedule, average) = schedule_and_average(cfg)?;
    let device = cfg.device.open()?;
    let mut model = task.build(cfg, &device)?;
    let mut optim = CyclrOptimizer::new(&cfg.optimizer)?;
    let mut st = RunState {
        next_iter: 0,
        smoother: DebiasedEma::new(LOSS_BETA),
        best_accuracy: None,
        last_eval: None,
        metrics: Vec::with_capacity(cfg.iters.min(1 << 20) as usize),
        average,
    };
    let mut resumed_from = None;
    if let Some(dir) = &cfg.out_dir {
        // Half-written files of a killed run: never valid, never read; remove them.
        crate::fsio::remove_stale_temps(dir).map_err(io_err(format!(
            "removing stale temporary files in {}",
            dir.display()
        )))?;
    }
    if resume
        && let Some(dir) = &cfg.out_dir
        && let Some((loaded, path, skipped)) =
            load_checkpoint(dir, cfg, &mut model, &mut optim, st.average.as_ref())?
    {
        for why in &skipped {
            observer.on_checkpoint_skipped(why);
        }
        observer.on_resume(loaded.next_iter, &path);
        resumed_from = Some(loaded.next_iter);
        st = loaded;
    }

    // Per-group rates (the GPT's layer decay): parameter ids, taken after any resume.
    let groups = model.layer_lr_groups(cfg.layer_lr_decay.as_ref());
    let end = stop_after.map_or(cfg.iters, |k| k.min(cfg.iters));
    let mut train_secs = 0.0f64;
    let first = st.next_iter;
    let mut diverged = None;
    let mut interrupted = false;
    let mut best_loss: Option<f64> = None;
    // The divergence rule's reference: the first smoothed loss of the run (the first batch's
    // loss, which the debiased EMA returns unchanged), also after a resume.
    let mut first_loss = st.metrics.first().map(|r| r.train_loss);
    let mut live = match &cfg.out_dir {
        Some(dir) => Some(LiveMetrics::start(dir, &st.metrics, columns(cfg))?),
        None => None,
    };

    // The averaged model of the last evaluation, with the step count it was built at.
    let mut last_averaged: Option<(u64, Net)> = None;
    let recalibrate = if cfg.batch_norm && cfg.optimizer.is_schedule_free() {
        cfg.bn_recalibration.unwrap_or(SCHEDULE_FREE_BN_BATCHES)
    } else {
        0
    };
    while st.next_iter < end {
        let t = st.next_iter;
        let step_start = Instant::now();
        let lr = schedule.lr(t);
        let momentum = optim.effective_momentum(schedule.momentum(t));

        let loss = task.loss(&model, cfg, t, &device);
        let loss_v = f64::from(loss.clone().into_scalar::<f32>());
        if !loss_v.is_finite() {
            diverged = Some(Divergence {
                iteration: t,
                lr,
                loss: loss_v,
                kind: DivergenceKind::NonFiniteLoss,
            });
            break;
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        if let Some(max_norm) = cfg.grad_clip {
            crate::optim::clip::clip_grad_norm(&model, &mut grads, max_norm);
        }
        model = optim.step_grouped(lr, momentum, &groups, model, grads);
        if let Some(avg) = &mut st.average {
            avg.observe(t + 1, &model);
        }
        let smoothed = st.smoother.update(loss_v);
        let reference = *first_loss.get_or_insert(loss_v);
        st.next_iter = t + 1;
        train_secs += step_start.elapsed().as_secs_f64();

        observer.on_step(&StepInfo {
            iteration: t,
            iters: cfg.iters,
            lr,
            momentum,
            loss: loss_v,
            smoothed_loss: smoothed,
        });
        let mut row = MetricRow {
            iteration: t,
            lr,
            momentum,
            train_loss: loss_v,
            test_loss: None,
            test_accuracy: None,
            d: optim.d(),
            live_test_loss: None,
            live_test_accuracy: None,
        };
        let exploding = smoothed > DIVERGENCE_FACTOR * reference;
        if (t + 1).is_multiple_of(cfg.eval_every) || t + 1 == cfg.iters || exploding {
            // Schedule-free: evaluate at x, with batch-norm statistics recomputed there.
            let at_x = optim.eval_params(model.clone());
            if recalibrate > 0 {
                task.recalibrate(&at_x, cfg, t, recalibrate, &device);
            }
            let (live_loss, live_accuracy) = task.evaluate(&at_x);
            // Weight averaging: the average's figures under the usual names, the live model's
            // beside them.
            last_averaged = st.average.as_ref().and_then(|avg| {
                averaged_model(avg, &at_x, task, cfg, t, &device).map(|m| (t + 1, m))
            });
            let (test_loss, test_accuracy) = match &last_averaged {
                Some((_, m)) => {
                    row.live_test_loss = Some(live_loss);
                    row.live_test_accuracy = Some(live_accuracy);
                    task.evaluate(m)
                }
                None => (live_loss, live_accuracy),
            };
            row.test_loss = Some(test_loss);
            row.test_accuracy = Some(test_accuracy);
            st.last_eval = Some((test_loss, test_accuracy));
            st.best_accuracy = Some(
                st.best_accuracy
                    .map_or(test_accuracy, |b| b.max(test_accuracy)),
            );
            best_loss = Some(best_loss.map_or(test_loss, |b: f64| b.min(test_loss)));
            observer.on_eval(&EvalInfo {
                iteration: t,
                test_loss,
                test_accuracy,
            });
            if let Some(loss) = [live_loss, test_loss].into_iter().find(|l| !l.is_finite()) {
                diverged = Some(Divergence {
                    iteration: t,
                    lr,
                    loss,
                    kind: DivergenceKind::NonFiniteTestLoss,
                });
            }
        }
        if exploding && diverged.is_none() {
            diverged = Some(Divergence {
                iteration: t,
                lr,
                loss: smoothed,
                kind: DivergenceKind::ExplodingLoss,
            });
        }
        if let Some(l) = &mut live {
            l.push(&row)?;
        }
        st.metrics.push(row);
        if diverged.is_some() {
            break;
        }
        if let (Some(k), Some(dir)) = (cfg.checkpoint_every, &cfg.out_dir)
            && (t + 1).is_multiple_of(k)
        {
            let averaged = current_average(&mut last_averaged, &st, &model, task, cfg, &device);
            let path = save_checkpoint(dir, cfg, &model, &optim, &st, averaged)?;
            observer.on_checkpoint(t + 1, &path);
        }
        if st.next_iter < end && observer.should_stop() {
            interrupted = true;
            if let (Some(k), Some(dir)) = (cfg.checkpoint_every, &cfg.out_dir)
                && !st.next_iter.is_multiple_of(k)
            {
                let averaged = current_average(&mut last_averaged, &st, &model, task, cfg, &device);
                let path = save_checkpoint(dir, cfg, &model, &optim, &st, averaged)?;
                observer.on_checkpoint(st.next_iter, &path);
            }
            break;
        }
    }

    // The last iteration's checkpoint, so that resuming a finished run trains nothing.
    if let (Some(k), Some(dir)) = (cfg.checkpoint_every, &cfg.out_dir)
        && st.next_iter == cfg.iters
        && st.next_iter > first
        && !st.next_iter.is_multiple_of(k)
        && diverged.is_none()
    {
        let averaged = current_average(&mut last_averaged, &st, &model, task, cfg, &device);
        let path = save_checkpoint(dir, cfg, &model, &optim, &st, averaged)?;
        observer.on_checkpoint(st.next_iter, &path);
    }
    // The model handed back is the evaluated one (schedule-free: x; with averaging, the average
    // with its batch-norm statistics recomputed).
    let live = optim.eval_params(model);
    let handed_back = current_average(&mut last_averaged, &st, &live, task, cfg, &device)
        .cloned()
        .unwrap_or(live);
    let ran = st.next_iter - first;
    let (final_test_loss, final_test_accuracy) = st.last_eval.unwrap_or((f64::NAN, 0.0));
    let last_live = st
        .metrics
        .iter()
        .rev()
        .find(|r| r.test_loss.is_some())
        .and_then(|r| r.live_test_loss.zip(r.live_test_accuracy));
    let did_not_learn =
        (diverged.is_none() && !interrupted && st.next_iter == cfg.iters && st.last_eval.is_some())
            .then(|| task.did_not_learn(final_test_loss, final_test_accuracy))
            .flatten();
    let items_per_s = if train_secs > 0.0 {
        (ran * task.items_per_step(cfg) as u64) as f64 / train_secs
    } else {
        0.0
    };
    let text = task.is_text();
    if text {
        // Over the whole run, resumed part included: the metrics hold every evaluation.
        best_loss = st
            .metrics
            .iter()
            .filter_map(|r| r.test_loss)
            .fold(None, |b: Option<f64>, l| Some(b.map_or(l, |b| b.min(l))));
    }
    let summary = TrainSummary {
        final_test_accuracy,
        final_test_loss,
        best_test_accuracy: st.best_accuracy.unwrap_or(0.0),
        iterations: st.next_iter,
        resumed_from,
        wall_time_s: start.elapsed().as_secs_f64(),
        images_per_s: if text { 0.0 } else { items_per_s },
        metrics: st.metrics,
        diverged,
        interrupted,
        did_not_learn,
        schedule: Some(cfg.schedule.clone()),
        lr_origin: cfg.lr_origin.clone(),
        final_test_bits_per_char: text.then(|| final_test_loss / std::f64::consts::LN_2),
        best_test_loss: if text { best_loss } else { None },
        chars_per_s: text.then_some(items_per_s),
        final_live_test_accuracy: last_live.map(|(_, a)| a),
        final_live_test_loss: last_live.map(|(l, _)| l),
        averaged_models: st.average.as_ref().map(WeightAverage::n_averaged),
    };
    if let Some(dir) = &cfg.out_dir
        && (diverged.is_some() || interrupted || st.next_iter == cfg.iters)
    {
        write_outputs(dir, &summary, columns(cfg))?;
    }
    Ok((summary, handed_back))
}
