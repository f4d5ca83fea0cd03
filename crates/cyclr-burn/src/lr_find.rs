//! The LR range test on **any burn model**, driving `cyclr`'s ask/tell engine
//! ([`RangeTest`]: `next_lr` / `record`), with fastai's semantics: the model and the optimizer
//! state are snapshotted before the test and **restored afterwards**, so the test leaves no trace
//! (fastai saves and reloads the model and optimizer around `lr_find`; fastai issue #2892 shows
//! what goes wrong when state leaks out of it).
//!
//! * [`lr_find_model`] is the generic test: any [`Module`], any optimizer implementing
//!   [`FindOptimizer`] (burn's own [`ModuleOptimizer`] — SGD, Adam, … built with `.into()` or
//!   `init()` — and [`CyclrOptimizer`]), and the user's data through [`FindLoop`]: a closure
//!   `|model, step| loss`, or a burn [`DataLoader`] with a loss function ([`LoaderLoop`]).
//! * [`lr_find`] is the same on a [`Net`] and a `cyclr_data` [`Dataset`] (what `cyclr find`
//!   runs).
//!
//! Snapshot and restore:
//! * The model snapshot is a [`ModuleRecord`](burn::store::ModuleRecord) of `model.valid()`: a
//!   deep copy of every parameter *and* of the batch-norm running statistics (a `clone()` would
//!   not do: burn's running statistics are shared between clones and would be updated by the
//!   test).
//! * The optimizer snapshot is its burn optimizer record (every per-parameter state tensor).
//! * Restoring goes through `valid().train()` first, which gives the module fresh batch-norm
//!   running-state cells (the old ones still hold the test's last, not yet folded-in update).
//!
//! Each point of the sweep trains `steps_per_point` batches (1 for the loss metrics; the
//! `Accuracy` metric holds each learning rate for several steps, the paper's method) at the
//! engine's learning rate and reports, depending on `range.metric`:
//!
//! * `TrainLoss` — the batch's training loss before the update (fastai; the engine smooths it);
//! * `ValLoss` — the held-out loss after the update (torch-lr-finder's `val_loader` mode);
//! * `Accuracy` — the held-out accuracy after the update.
//!
//! A NaN or infinite training loss is reported as is: the engine stops the test on it, and the
//! result (with `StopReason::NonFinite`) is still returned, the model restored.
//!
//! A warm-up before the sweep (`range.warmup_it` points, each `steps_per_point` batches) trains
//! at the sweep's first rate on the batches before the sweep's (the step count `t` runs on), is
//! neither evaluated nor recorded nor reported to the observer, and is undone with the rest.
//!
//! Only one learning rate is used (`group_scales[0]`, 1 by default).

use burn::data::dataloader::DataLoader;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::tensor::Tensor;
use cyclr::ParamError;
use cyclr::finder::{Architecture, Metric, RangeTest, RangeTestConfig, RangeTestResult};
use cyclr_data::{Dataset, Split};
use serde::{Deserialize, Serialize};

use crate::data;
use crate::model::{ModelError, Net, NetConfig};
use crate::optim::{CyclrOptimizer, OptimizerConfig};

/// An optimizer the range test can drive: one step at a given learning rate, and a snapshot of
/// its state to restore afterwards.
pub trait FindOptimizer {
    /// A copy of the optimizer's state.
    type Snapshot;
    /// One update of `module` at learning rate `lr`.
    fn step_at<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M;
    /// The optimizer's state.
    fn snapshot(&self) -> Self::Snapshot;
    /// Put back a state taken with [`snapshot`](Self::snapshot).
    fn restore(&mut self, snapshot: Self::Snapshot);
    /// Why a learning-rate range test does not apply to this optimizer (`None`: it does).
    fn range_test_refusal(&self) -> Option<String> {
        None
    }
}

impl FindOptimizer for ModuleOptimizer {
    type Snapshot = OptimizerRecord;
    fn step_at<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        self.step(lr, module, grads)
    }
    fn snapshot(&self) -> OptimizerRecord {
        self.to_record()
    }
    fn restore(&mut self, record: OptimizerRecord) {
        *self = self.clone().load_record(record);
    }
}

impl FindOptimizer for CyclrOptimizer {
    /// A clone: its state tensors are immutable, so a clone is an exact copy.
    type Snapshot = CyclrOptimizer;
    /// With the optimizer's configured momentum.
    fn step_at<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        self.step(lr, None, module, grads)
    }
    fn snapshot(&self) -> CyclrOptimizer {
        self.clone()
    }
    fn restore(&mut self, snapshot: CyclrOptimizer) {
        *self = snapshot;
    }
    /// Prodigy and D-Adaptation (their lr is a multiplier of their own step size).
    fn range_test_refusal(&self) -> Option<String> {
        self.config().range_test_refusal()
    }
}

/// A [`CyclrOptimizer`] stepping with per-group rates in a range test (the GPT's layer decay,
/// [`CyclrOptimizer::step_grouped`]), so the test sees the updates the run makes: the sweep's
/// rate is the top group's, each group at its scale of it. No groups: plain steps.
pub struct Grouped<'a> {
    /// The optimizer stepped.
    pub inner: &'a mut CyclrOptimizer,
    /// The parameter groups and their rate scales.
    pub groups: Vec<(burn::module::ParamGroup, f64)>,
}

impl FindOptimizer for Grouped<'_> {
    type Snapshot = CyclrOptimizer;
    fn step_at<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        self.inner
            .step_grouped(lr, None, &self.groups, module, grads)
    }
    fn snapshot(&self) -> CyclrOptimizer {
        self.inner.clone()
    }
    fn restore(&mut self, snapshot: CyclrOptimizer) {
        *self.inner = snapshot;
    }
    fn range_test_refusal(&self) -> Option<String> {
        self.inner.range_test_refusal()
    }
}

/// The data side of a range test: the training loss of each step, and (for the `ValLoss` and
/// `Accuracy` metrics) an evaluation on held-out data.
///
/// Any closure `FnMut(&M, u64) -> Tensor<1>` is a `FindLoop` for the training loss.
pub trait FindLoop<M> {
    /// The mean loss of training batch number `step` (0-based) under `model`: a one-element
    /// tensor on the autodiff device, whose `backward()` gives the gradients. An error (the data
    /// could not be read) ends the test.
    fn train_loss(&mut self, model: &M, step: u64) -> Result<Tensor<1>, LrFindError>;

    /// Held-out `(loss, accuracy)` of `model`; `None` (the default) when there is no held-out
    /// data (then only the `TrainLoss` metric can be used).
    fn evaluate(&mut self, _model: &M) -> Option<(f64, f64)> {
        None
    }
}

impl<M, F: FnMut(&M, u64) -> Tensor<1>> FindLoop<M> for F {
    fn train_loss(&mut self, model: &M, step: u64) -> Result<Tensor<1>, LrFindError> {
        Ok(self(model, step))
    }
}

/// A [`FindLoop`] over a burn [`DataLoader`]: it cycles through the loader's batches (starting a
/// new pass when one ends) and computes each batch's loss with `loss`.
pub struct LoaderLoop<'a, B, F> {
    loader: &'a dyn DataLoader<B>,
    iter: Option<Box<dyn burn::data::dataloader::DataLoaderIterator<B> + 'a>>,
    loss: F,
}

impl<'a, B, F> LoaderLoop<'a, B, F> {
    /// Batches from `loader`, losses from `loss(model, batch)`.
    pub fn new(loader: &'a dyn DataLoader<B>, loss: F) -> Self {
        LoaderLoop {
            loader,
            iter: None,
            loss,
        }
    }
}

impl<M, B, F: FnMut(&M, B) -> Tensor<1>> FindLoop<M> for LoaderLoop<'_, B, F> {
    fn train_loss(&mut self, model: &M, _step: u64) -> Result<Tensor<1>, LrFindError> {
        for _ in 0..2 {
            let it = self.iter.get_or_insert_with(|| self.loader.iter());
            match it.next() {
                Some(Ok(batch)) => return Ok((self.loss)(model, batch)),
                Some(Err(e)) => return Err(LrFindError::Data(format!("{e:?}"))),
                None => self.iter = None,
            }
        }
        Err(LrFindError::Data("the data loader yields no batch".into()))
    }
}

/// Why a range test could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LrFindError {
    /// An invalid range-test parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// An invalid setting of the loop (batch size, datasets, ...).
    #[error("invalid lr_find configuration: {0}")]
    Config(String),
    /// The network cannot be built for this data.
    #[error("{0}")]
    Model(String),
    /// The training data could not be read.
    #[error("reading the training data: {0}")]
    Data(String),
    /// The model snapshot could not be restored.
    #[error("restoring the model after the range test: {0}")]
    Restore(String),
    /// The optimizer has no learning rate to sweep (Prodigy, D-Adaptation).
    #[error("no range test for this optimizer: {0}")]
    NotApplicable(String),
    /// The observer stopped the test (Ctrl-C); the model and optimizer were restored.
    #[error("the range test was interrupted")]
    Interrupted,
    /// The device is not in this build or does not work.
    #[error(transparent)]
    Device(#[from] crate::DeviceError),
}

impl From<ModelError> for LrFindError {
    fn from(e: ModelError) -> Self {
        LrFindError::Model(e.to_string())
    }
}

/// Progress of a range test: told each recorded point, asked after each whether to stop (e.g.
/// on Ctrl-C: the test then ends at once, the model and optimizer restored, with
/// [`LrFindError::Interrupted`]).
pub trait FindObserver {
    /// After point `index` (0-based) of at most `total`, at learning rate `lr`, with its value.
    fn on_point(&mut self, _index: usize, _total: usize, _lr: f64, _value: f64) {}
    /// `true` ends the test now.
    fn should_stop(&mut self) -> bool {
        false
    }
}

/// A [`FindObserver`] that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFindObserver;
impl FindObserver for NoFindObserver {}

/// Runs the LR range test on any model (see the [module documentation](self)); returns the
/// result and the model restored to its state before the test (`optim`'s state is restored
/// too). `steps_per_point` (≥ 1) training steps are taken at each learning rate of the sweep.
///
/// The `ValLoss` and `Accuracy` metrics need `data.evaluate` to return values.
pub fn lr_find_model<M: Module, O: FindOptimizer, L: FindLoop<M>>(
    model: M,
    optim: &mut O,
    data: &mut L,
    range: &RangeTestConfig,
    steps_per_point: u64,
) -> Result<(RangeTestResult, M), LrFindError> {
    lr_find_model_observed(
        model,
        optim,
        data,
        range,
        steps_per_point,
        &mut NoFindObserver,
    )
}

/// [`lr_find_model`] reporting its progress to `observer`, which can stop it.
pub fn lr_find_model_observed<M: Module, O: FindOptimizer, L: FindLoop<M>>(
    model: M,
    optim: &mut O,
    data: &mut L,
    range: &RangeTestConfig,
    steps_per_point: u64,
    observer: &mut dyn FindObserver,
) -> Result<(RangeTestResult, M), LrFindError> {
    if let Some(why) = optim.range_test_refusal() {
        return Err(LrFindError::NotApplicable(why));
    }
    let mut test = RangeTest::new(range.clone())?;
    let metric = range.metric;
    let steps_per_point = steps_per_point.max(1);
    // Snapshot (deep copies; see the module documentation).
    let model_snapshot = model.valid().into_record();
    let optim_snapshot = optim.snapshot();
    let mut model = model;
    let mut t = 0u64;
    let mut failure = None;
    'sweep: while let Some(lr) = test.next_lr() {
        // A warm-up step (`range.warmup_it`): trained, its value not recorded, not evaluated.
        let warming = test.in_warmup();
        let mut value = f64::NAN;
        for _ in 0..steps_per_point {
            let loss = match data.train_loss(&model, t) {
                Ok(l) => l,
                Err(e) => {
                    failure = Some(e);
                    break 'sweep;
                }
            };
            t += 1;
            value = f64::from(loss.clone().into_scalar::<f32>());
            if !value.is_finite() {
                break;
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step_at(lr, model, grads);
        }
        if value.is_finite() && metric != Metric::TrainLoss && !warming {
            match data.evaluate(&model) {
                Some((l, a)) => value = if metric == Metric::ValLoss { l } else { a },
                None => {
                    failure = Some(LrFindError::Config(format!(
                        "metric {} needs held-out data: FindLoop::evaluate returned None",
                        metric.name()
                    )));
                    break;
                }
            }
        }
        test.record(value);
        if !warming {
            observer.on_point(test.iteration().saturating_sub(1), range.num_it, lr, value);
        }
        if observer.should_stop() {
            failure = Some(LrFindError::Interrupted);
            break;
        }
    }
    let result = test.finish();
    let model = model
        .valid()
        .train()
        .try_load_record(model_snapshot)
        .map_err(|e| LrFindError::Restore(e.to_string()))?;
    optim.restore(optim_snapshot);
    match failure {
        Some(e) => Err(e),
        None => Ok((result, model)),
    }
}

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

/// A [`Net`] trained on a `cyclr_data` [`Dataset`]: batches in the order
/// `cyclr_data::batches(n, batch_size, seed, epoch, drop_last = true)`, cycling through epochs,
/// and a fixed held-out set (the first `val_batches` batches of a seeded shuffle of `val`, or all
/// of it).
struct DatasetLoop<'a> {
    train: &'a Dataset,
    val: &'a Dataset,
    batch_size: usize,
    seed: u64,
    held_out: Vec<Vec<usize>>,
    order: data::EpochOrder,
    device: burn::tensor::Device,
}

impl FindLoop<Net> for DatasetLoop<'_> {
    fn train_loss(&mut self, model: &Net, t: u64) -> Result<Tensor<1>, LrFindError> {
        let idx = self
            .order
            .batch(self.train.len(), self.batch_size, self.seed, t);
        let b = data::batch(self.train, idx, &self.device);
        Ok(Net::cross_entropy(model.forward(b.images), b.targets))
    }

    fn evaluate(&mut self, model: &Net) -> Option<(f64, f64)> {
        (!self.held_out.is_empty())
            .then(|| crate::train::evaluate_batches(model, self.val, &self.held_out))
    }
}

/// Runs the LR range test on a [`Net`] (see the [module documentation](self)) and returns its
/// result with the model restored to its state before the test; `optim`'s state is restored too.
///
/// `val` is the held-out set of the `ValLoss` and `Accuracy` modes (unused for `TrainLoss`).
pub fn lr_find(
    model: Net,
    optim: &mut CyclrOptimizer,
    train: &Dataset,
    val: &Dataset,
    cfg: &LrFindConfig,
) -> Result<(RangeTestResult, Net), LrFindError> {
    lr_find_observed(model, optim, train, val, cfg, &mut NoFindObserver)
}

/// [`lr_find`] reporting its progress to `observer`, which can stop it.
pub fn lr_find_observed(
    model: Net,
    optim: &mut CyclrOptimizer,
    train: &Dataset,
    val: &Dataset,
    cfg: &LrFindConfig,
    observer: &mut dyn FindObserver,
) -> Result<(RangeTestResult, Net), LrFindError> {
    cfg.range.validate()?;
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
    let held_out: Vec<Vec<usize>> = if metric == Metric::TrainLoss {
        Vec::new()
    } else {
        let all = cyclr_data::batches(val.len(), cfg.batch_size.min(val.len()), cfg.seed, 0, false);
        match cfg.val_batches {
            0 => all,
            k => all.into_iter().take(k).collect(),
        }
    };
    let mut data = DatasetLoop {
        train,
        val,
        batch_size: cfg.batch_size,
        seed: cfg.seed,
        held_out,
        order: data::EpochOrder::default(),
        device: model
            .devices()
            .into_iter()
            .next()
            .unwrap_or_else(crate::device),
    };
    let steps = if metric == Metric::Accuracy {
        cfg.eval_every.max(1)
    } else {
        1
    };
    lr_find_model_observed(model, optim, &mut data, &cfg.range, steps, observer)
}

/// Held-out part of a training split used by the val-loss and accuracy metrics: every tenth
/// sample (the test split is never used to choose learning rates). Returns `(train, held_out)`.
pub fn held_out(train: &Dataset) -> (Dataset, Dataset) {
    let (keep, held): (Vec<usize>, Vec<usize>) = (0..train.len()).partition(|i| i % 10 != 9);
    (train.subset(&keep), train.subset(&held))
}

/// A range test of a fresh [`Net`] on a data split: what `cyclr find`, `--lr auto` and
/// experiments run.
#[derive(Debug, Clone, PartialEq)]
pub struct NetRangeTest {
    /// The network (built from `seed`).
    pub net: NetConfig,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Batch size (capped at the training samples).
    pub batch_size: usize,
    /// Seed of the weights and the data order.
    pub seed: u64,
    /// Accuracy metric: training steps per learning rate.
    pub eval_every: u64,
    /// Where the test trains.
    pub device: crate::DeviceSpec,
}

impl NetRangeTest {
    /// Runs the test on `split.train` (the training loss on the whole training split; val-loss and
    /// accuracy hold every tenth sample out, see [`held_out`]; [`HELD_OUT_BATCHES`] held-out
    /// batches are evaluated).
    pub fn run(
        &self,
        split: &Split,
        range: RangeTestConfig,
    ) -> Result<RangeTestResult, LrFindError> {
        self.run_observed(split, range, &mut NoFindObserver)
    }

    /// [`run`](Self::run) reporting its progress to `observer`, which can stop it.
    pub fn run_observed(
        &self,
        split: &Split,
        range: RangeTestConfig,
        observer: &mut dyn FindObserver,
    ) -> Result<RangeTestResult, LrFindError> {
        range.validate()?;
        let device = self.device.open()?;
        let model = Net::new(&self.net, self.seed, &device)?;
        let mut optim = CyclrOptimizer::new(&self.optimizer)?;
        let metric = range.metric;
        let split_off;
        let empty = split.train.subset(&[]);
        let (train, val): (&Dataset, &Dataset) = if metric == Metric::TrainLoss {
            (&split.train, &empty)
        } else {
            split_off = held_out(&split.train);
            (&split_off.0, &split_off.1)
        };
        let cfg = LrFindConfig {
            range,
            batch_size: self.batch_size.min(train.len()),
            seed: self.seed,
            eval_every: self.eval_every.max(1),
            val_batches: if metric == Metric::TrainLoss {
                0
            } else {
                HELD_OUT_BATCHES
            },
        };
        Ok(lr_find_observed(model, &mut optim, train, val, &cfg, observer)?.0)
    }
}

/// A [`FindOptimizer`] that clips the gradients to a global norm before each step, as a run with
/// `grad_clip` does ([`crate::optim::clip`]), so the range test sees the updates the run makes.
pub struct Clipped<'a, O> {
    /// The optimizer stepped.
    pub inner: &'a mut O,
    /// The largest global gradient norm.
    pub max_norm: f64,
}

impl<O: FindOptimizer> FindOptimizer for Clipped<'_, O> {
    type Snapshot = O::Snapshot;
    fn step_at<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        crate::optim::clip::clip_grad_norm(&module, &mut grads, self.max_norm);
        self.inner.step_at(lr, module, grads)
    }
    fn snapshot(&self) -> Self::Snapshot {
        self.inner.snapshot()
    }
    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.inner.restore(snapshot)
    }
    fn range_test_refusal(&self) -> Option<String> {
        self.inner.range_test_refusal()
    }
}

/// The range test of a GPT on text (`--lr auto` on `--model gpt`): every point trains one batch
/// drawn as a training run draws iteration `t`'s ([`cyclr_data::text_batch`] from `(seed, t)`,
/// dropout from `(seed, t)`), with the run's gradient clipping. The test text is never seen.
/// Two metrics:
///
/// * `TrainLoss` — the batch's training loss before the update (fastai's; the default);
/// * `ValLoss` — the loss after the update on held-out text (torch-lr-finder's `val_loader`
///   mode, as [`NetRangeTest`] on images): the contiguous tail of the training text,
///   [`TEXT_HELD_OUT`] of it ([`TextSplit::validation_tail`](cyclr_data::TextSplit::validation_tail):
///   a tail, not windows from all over the text, which would overlap the training windows), is
///   taken out of the sweep's batches, and each point evaluates the model (no dropout) on the
///   same [`HELD_OUT_BATCHES`] batches of its windows, drawn once as the tail's batches
///   `0 .. HELD_OUT_BATCHES` ([`cyclr_data::text_batch_offsets`] from `(seed, i)`), by
///   [`evaluate_windows`](crate::train::evaluate_windows).
///
/// The curve is read by cyclr's calibrated rule for a
/// transformer ([`TextRangeTest::sweep`]: [`Architecture::Transformer`], the window read at its
/// minimum; a pretrained model's curve, from `--init`, by its damage point, see
/// [`cyclr::finder::calibrated`]); BENCHMARKS.md §13 measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRangeTest {
    /// The GPT's shape.
    pub gpt: crate::model::GptShape,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Windows per batch.
    pub batch_size: usize,
    /// Seed of the weights, the batches and the dropout masks.
    pub seed: u64,
    /// Clip the gradients to this global norm.
    pub grad_clip: Option<f64>,
    /// Where the test trains.
    pub device: crate::DeviceSpec,
    /// Fine-tuning: start from the pretrained run in this folder
    /// ([`crate::train::init`]).
    pub init: Option<std::path::PathBuf>,
    /// The run's discriminative rates, applied in the test too ([`Grouped`]).
    pub layer_lr_decay: Option<crate::model::LayerLrDecay>,
}

impl TextRangeTest {
    /// The sweep as a GPT's range test runs it: `range` with [`Architecture::Transformer`], the
    /// model the rule reads the curve for.
    pub fn sweep(range: &RangeTestConfig) -> RangeTestConfig {
        RangeTestConfig {
            architecture: Architecture::Transformer,
            ..range.clone()
        }
    }

    /// What would stop this test on `text` with `range`'s metric before it starts: accuracy (a
    /// GPT's test records a loss), or with `ValLoss` a training text too short to hold out a
    /// tail ([`TEXT_HELD_OUT`]) with more than a context of characters in each part.
    pub fn check(
        &self,
        text: &cyclr_data::TextSplit,
        range: &RangeTestConfig,
    ) -> Result<(), LrFindError> {
        match range.metric {
            Metric::TrainLoss => Ok(()),
            Metric::Accuracy => Err(LrFindError::Config(format!(
                "metric {} on text: a GPT's range test records a loss ({} or {})",
                Metric::Accuracy.name(),
                Metric::TrainLoss.name(),
                Metric::ValLoss.name()
            ))),
            Metric::ValLoss => {
                let context = self.gpt.context;
                let (rest, held) = text.validation_tail(TEXT_HELD_OUT);
                if held.len() > context && rest.len() > context {
                    return Ok(());
                }
                Err(LrFindError::Config(format!(
                    "metric {} on {}: its {} training characters split into {} to train on and \
                     a held-out tail of {} (the last {:.0}%); each needs more than the context \
                     ({context}): use a longer text, or the training loss",
                    Metric::ValLoss.name(),
                    text.name,
                    text.train.len(),
                    rest.len(),
                    held.len(),
                    TEXT_HELD_OUT * 100.0,
                )))
            }
        }
    }

    /// Runs the test on `text.train` (less its held-out tail with `ValLoss`; see the [type's
    /// documentation](Self)) with
    /// [`sweep(range)`](Self::sweep).
    pub fn run_observed(
        &self,
        text: &cyclr_data::TextSplit,
        range: RangeTestConfig,
        observer: &mut dyn FindObserver,
    ) -> Result<RangeTestResult, LrFindError> {
        let range = Self::sweep(&range);
        range.validate()?;
        self.check(text, &range)?;
        let (b, context, seed) = (self.batch_size, self.gpt.context, self.seed);
        // The held-out tail (val-loss) and its windows; the sweep trains on the rest.
        let (rest, held_out) = match range.metric {
            Metric::ValLoss => text.validation_tail(TEXT_HELD_OUT),
            _ => (Vec::new(), Vec::new()),
        };
        let tokens: &[u16] = if range.metric == Metric::ValLoss {
            &rest
        } else {
            &text.train
        };
        let windows: Vec<(usize, usize)> = if range.metric == Metric::ValLoss {
            (0..HELD_OUT_BATCHES as u64)
                .flat_map(|i| cyclr_data::text_batch_offsets(held_out.len(), b, context, seed, i))
                .map(|start| (start, context))
                .collect()
        } else {
            Vec::new()
        };
        let device = self.device.open()?;
        let model = Net::Gpt(
            crate::train::init::start_gpt(
                &self.gpt,
                text,
                self.seed,
                self.init.as_deref(),
                &device,
            )
            .map_err(|e| LrFindError::Config(e.to_string()))?,
        );
        let mut optim = CyclrOptimizer::new(&self.optimizer)?;
        if let (Some(_), Some(why)) = (&self.layer_lr_decay, self.optimizer.group_rates_refusal()) {
            return Err(LrFindError::Config(format!("layer_lr_decay: {why}")));
        }
        let groups = model.layer_lr_groups(self.layer_lr_decay.as_ref());
        let mut grouped = Grouped {
            inner: &mut optim,
            groups,
        };
        let mut data = TextLoop {
            tokens,
            held_out: &held_out,
            windows,
            batch_size: b,
            context,
            seed,
            device: &device,
        };
        let result = match self.grad_clip {
            Some(max_norm) => {
                let mut clipped = Clipped {
                    inner: &mut grouped,
                    max_norm,
                };
                lr_find_model_observed(model, &mut clipped, &mut data, &range, 1, observer)?
            }
            None => lr_find_model_observed(model, &mut grouped, &mut data, &range, 1, observer)?,
        };
        Ok(result.0)
    }
}

/// The part of the training text a GPT's val-loss range test holds out: its contiguous tail
/// ([`TextRangeTest`]), as [`held_out`] holds every tenth image out.
pub const TEXT_HELD_OUT: f64 = 0.1;

/// Held-out batches a val-loss range test evaluates at each point ([`NetRangeTest`],
/// [`TextRangeTest`]).
pub const HELD_OUT_BATCHES: usize = 8;

/// A GPT's range test on text: the training batches of a run, and the held-out windows.
struct TextLoop<'a> {
    tokens: &'a [u16],
    held_out: &'a [u16],
    windows: Vec<(usize, usize)>,
    batch_size: usize,
    context: usize,
    seed: u64,
    device: &'a burn::tensor::Device,
}

impl FindLoop<Net> for TextLoop<'_> {
    fn train_loss(&mut self, model: &Net, t: u64) -> Result<Tensor<1>, LrFindError> {
        Ok(crate::train::text_loss(
            model,
            self.tokens,
            self.batch_size,
            self.context,
            self.seed,
            t,
            self.device,
        ))
    }

    fn evaluate(&mut self, model: &Net) -> Option<(f64, f64)> {
        (!self.windows.is_empty())
            .then(|| crate::train::evaluate_windows(model, self.held_out, &self.windows))
    }
}

/// Write a range test's files into `dir` (atomically): `range_test.csv` (the curve, see
/// [`RangeTestResult::write_csv`]) and `suggestions.json` ([`RangeTestResult::to_json`]).
/// On failure, the file that could not be written and why.
pub fn write_results(
    dir: &std::path::Path,
    r: &RangeTestResult,
) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    let csv = dir.join("range_test.csv");
    crate::fsio::write_atomic(&csv, |w| r.write_csv(w)).map_err(|e| (csv, e))?;
    let json = serde_json::to_string_pretty(&r.to_json()).expect("plain data serializes");
    let path = dir.join("suggestions.json");
    crate::fsio::write_bytes_atomic(&path, format!("{json}\n").as_bytes()).map_err(|e| (path, e))
}
