//! What the training loop trains on: the one place where images and text differ.
//!
//! The loop ([`super::run`]) is the same for both; a [`Task`] gives it the checks, the
//! network, the loss of iteration `t`'s batch, the evaluation and the "did not learn" reference:
//!
//! * [`ImageTask`] — labelled images ([`Split`]): iteration `t` takes the mini-batch `t mod B` of
//!   epoch `t div B` (see the [loop's documentation](super)); evaluation is the mean
//!   cross-entropy and accuracy over the test split; a run did not learn when its final accuracy
//!   is below [`CHANCE_FACTOR`](super::CHANCE_FACTOR) × chance.
//! * [`TextTask`] — a character corpus ([`TextSplit`]) and a [`Gpt`](crate::model::Gpt):
//!   iteration `t` takes `batch_size` random windows of `context + 1` characters of the training
//!   text, drawn from `(seed, t)` ([`cyclr_data::text_batch`], nanoGPT's `get_batch`), and its
//!   loss is the mean cross-entropy over every position of every window (nanoGPT's); dropout
//!   masks come from `(seed, t)` too, so a resumed run is bit-exact. Evaluation is a **full
//!   pass** over the test text: consecutive non-overlapping windows of `context` characters
//!   ([`cyclr_data::full_pass_windows`]: every target position predicted once, the last window
//!   shorter), the loss in nats per character with every position weighing the same, and the
//!   next-character accuracy. A run did not learn when its final test loss is no better than
//!   predicting each character by its frequency in the training text
//!   ([`TextSplit::char_frequencies_loss`]).
use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};
use cyclr_data::{Split, TextSplit};

use super::{CHANCE_FACTOR, TrainConfig, TrainError, build_model, evaluate};
use crate::data;
use crate::model::{DropoutKey, GptShape, ModelKind, Net};

/// Windows per forward pass of a text evaluation (it does not change the result).
pub const TEXT_EVAL_WINDOWS: usize = 64;

/// See the [module documentation](self).
pub(crate) trait Task {
    /// The task's own checks of `cfg` (the loop checks the rest).
    fn check(&self, cfg: &TrainConfig) -> Result<(), TrainError>;
    /// The network, initialised from `cfg.seed`.
    fn build(&self, cfg: &TrainConfig, device: &Device) -> Result<Net, TrainError>;
    /// The mean cross-entropy of iteration `t`'s batch (with its autodiff graph).
    fn loss(&mut self, model: &Net, cfg: &TrainConfig, t: u64, device: &Device) -> Tensor<1>;
    /// `(loss, accuracy)` on the test data.
    fn evaluate(&self, model: &Net) -> (f64, f64);
    /// Schedule-free with batch norm: `n` training batches forward at the evaluation point,
    /// from iteration `t`'s epoch (images only).
    fn recalibrate(&mut self, _model: &Net, _cfg: &TrainConfig, _t: u64, _n: u64, _dev: &Device) {}
    /// Weight averaging with batch norm: PyTorch's `update_bn` on `model` over one pass of the
    /// training data (images only; a GPT has no batch norm).
    fn update_bn(&mut self, _model: &mut Net, _cfg: &TrainConfig, _t: u64, _dev: &Device) {}
    /// Samples of one batch: images, or predicted characters.
    fn items_per_step(&self, cfg: &TrainConfig) -> usize;
    /// Why a finished run did not learn, from its final evaluation.
    fn did_not_learn(&self, loss: f64, accuracy: f64) -> Option<String>;
    /// Text: the figures where lower is better are the primary ones.
    fn is_text(&self) -> bool;
}

/// Labelled images; see the [module documentation](self).
pub(crate) struct ImageTask<'a> {
    split: &'a Split,
    order: data::EpochOrder,
}

impl<'a> ImageTask<'a> {
    pub(crate) fn new(split: &'a Split) -> Self {
        ImageTask {
            split,
            order: data::EpochOrder::default(),
        }
    }
}

impl Task for ImageTask<'_> {
    fn check(&self, cfg: &TrainConfig) -> Result<(), TrainError> {
        if let Some(dir) = &cfg.init {
            return Err(TrainError::Config(format!(
                "--init {}: fine-tuning starts a gpt from a pretrained gpt run; {} has no --init",
                dir.display(),
                cfg.model
            )));
        }
        let train = &self.split.train;
        if cfg.batch_size > train.len() {
            return Err(TrainError::Config(format!(
                "batch_size {} exceeds the {} training samples",
                cfg.batch_size,
                train.len()
            )));
        }
        Ok(())
    }

    fn build(&self, cfg: &TrainConfig, device: &Device) -> Result<Net, TrainError> {
        build_model(cfg, &self.split.train, device)
    }

    fn loss(&mut self, model: &Net, cfg: &TrainConfig, t: u64, device: &Device) -> Tensor<1> {
        let ds = &self.split.train;
        let idx = self.order.batch(ds.len(), cfg.batch_size, cfg.seed, t);
        let batch = data::batch(ds, idx, device);
        Net::cross_entropy(model.forward(batch.images), batch.targets)
    }

    fn evaluate(&self, model: &Net) -> (f64, f64) {
        evaluate(model, &self.split.test)
    }

    fn recalibrate(&mut self, model: &Net, cfg: &TrainConfig, t: u64, n: u64, device: &Device) {
        let ds = &self.split.train;
        let epoch = t / data::steps_per_epoch(ds.len(), cfg.batch_size);
        super::recalibrate_batch_norm(model, ds, cfg, epoch, n, device);
    }

    /// One pass over every training image (the last batch may be short), in the order of
    /// iteration `t`'s epoch.
    fn update_bn(&mut self, model: &mut Net, cfg: &TrainConfig, t: u64, device: &Device) {
        let ds = &self.split.train;
        let epoch = t / data::steps_per_epoch(ds.len(), cfg.batch_size);
        let batches = cyclr_data::batches(ds.len(), cfg.batch_size, cfg.seed, epoch, false);
        crate::average::update_bn(model, batches, |m, idx| {
            // A training-mode forward updates the running statistics; the graph is dropped.
            drop(m.forward(data::batch(ds, &idx, device).images));
        });
    }

    fn items_per_step(&self, cfg: &TrainConfig) -> usize {
        cfg.batch_size
    }

    fn did_not_learn(&self, _loss: f64, accuracy: f64) -> Option<String> {
        let classes = self.split.test.num_classes;
        let chance = 1.0 / classes.max(1) as f64;
        (accuracy < CHANCE_FACTOR * chance).then(|| {
            format!(
                "did not learn: final test accuracy {:.2}%, chance is {:.2}% ({classes} classes)",
                accuracy * 100.0,
                chance * 100.0,
            )
        })
    }

    fn is_text(&self) -> bool {
        false
    }
}

/// A character corpus and a GPT; see the [module documentation](self).
pub(crate) struct TextTask<'a> {
    text: &'a TextSplit,
}

impl<'a> TextTask<'a> {
    pub(crate) fn new(text: &'a TextSplit) -> Self {
        TextTask { text }
    }

    fn shape(cfg: &TrainConfig) -> GptShape {
        cfg.gpt.unwrap_or_default()
    }
}

use crate::data::token_ids as ids;

/// Mean cross-entropy (nats per position) and next-token accuracy of `model` on `tokens` by a
/// full pass of windows of `context` (see the [module documentation](self)); `(NaN, 0)` for a
/// text of fewer than 2 tokens.
pub fn evaluate_text(model: &Net, tokens: &[u16], context: usize) -> (f64, f64) {
    if tokens.len() < 2 {
        return (f64::NAN, 0.0);
    }
    evaluate_windows(
        model,
        tokens,
        &cyclr_data::full_pass_windows(tokens.len(), context),
    )
}

/// Mean cross-entropy (nats per position, every position weighing the same) and next-token
/// accuracy of `model` (in evaluation mode: no dropout) on the windows `(start, length)` of
/// `tokens`: window `(s, l)` feeds `tokens[s .. s + l]` and predicts `tokens[s + 1 ..= s + l]`.
/// Consecutive windows of one length go through the model together, [`TEXT_EVAL_WINDOWS`] at a
/// time. What [`evaluate_text`] computes on a full pass, and the GPT's range test on its held-out
/// windows ([`crate::TextRangeTest`]).
///
/// # Panics
/// If a window reaches past the end of `tokens`; `(NaN, NaN)` for no windows.
pub fn evaluate_windows(model: &Net, tokens: &[u16], windows: &[(usize, usize)]) -> (f64, f64) {
    let model = model.valid();
    let device = model
        .devices()
        .into_iter()
        .next()
        .unwrap_or_else(Device::flex);
    let (mut loss_sum, mut correct, mut n) = (0.0f64, 0i64, 0usize);
    // Windows of one length go together (a full pass's are `context` long but the last).
    let mut i = 0;
    while i < windows.len() {
        let len = windows[i].1;
        let mut j = i;
        while j < windows.len() && j - i < TEXT_EVAL_WINDOWS && windows[j].1 == len {
            j += 1;
        }
        let rows = j - i;
        let mut x = Vec::with_capacity(rows * len);
        let mut y = Vec::with_capacity(rows * len);
        for &(start, l) in &windows[i..j] {
            x.extend_from_slice(&tokens[start..start + l]);
            y.extend_from_slice(&tokens[start + 1..start + 1 + l]);
        }
        let targets: Tensor<1, Int> = ids(&y, rows, len, &device).reshape([rows * len]);
        let logits = model.forward_tokens(ids(&x, rows, len, &device), None);
        let loss = Net::cross_entropy(logits.clone(), targets.clone());
        loss_sum += f64::from(loss.into_scalar::<f32>()) * (rows * len) as f64;
        let hits = logits
            .argmax(1)
            .reshape([rows * len])
            .equal(targets)
            .int()
            .sum();
        correct += hits.into_scalar::<i64>();
        n += rows * len;
        i = j;
    }
    (loss_sum / n as f64, correct as f64 / n as f64)
}

/// The mean cross-entropy of text iteration `t` (with its graph): `batch_size` windows of
/// `context + 1` tokens of `tokens` drawn from `(seed, t)`, dropout from `(seed, t)` — the one
/// place a text batch's loss is computed (the training loop and the GPT's range test).
pub fn text_loss(
    model: &Net,
    tokens: &[u16],
    batch_size: usize,
    context: usize,
    seed: u64,
    t: u64,
    device: &Device,
) -> Tensor<1> {
    let b = batch_size;
    let (x, y) = cyclr_data::text_batch(tokens, b, context, seed, t);
    let key = DropoutKey { seed, iteration: t };
    let logits = model.forward_tokens(ids(&x, b, context, device), Some(key));
    Net::cross_entropy(logits, ids(&y, b, context, device).reshape([b * context]))
}

impl Task for TextTask<'_> {
    fn check(&self, cfg: &TrainConfig) -> Result<(), TrainError> {
        if cfg.model != ModelKind::Gpt {
            return Err(TrainError::Config(format!(
                "{} is text: --model gpt trains on it, not {}",
                self.text.name, cfg.model
            )));
        }
        let shape = Self::shape(cfg);
        if let Some(why) = shape.config(self.text.vocab.len()).problem() {
            return Err(TrainError::Config(why));
        }
        self.text
            .check_context(shape.context)
            .map_err(|e| TrainError::Config(e.to_string()))?;
        if let Some(dir) = &cfg.init {
            super::init::Pretrained::read(dir, &shape, self.text)?;
        }
        Ok(())
    }

    fn build(&self, cfg: &TrainConfig, device: &Device) -> Result<Net, TrainError> {
        Ok(Net::Gpt(super::init::start_model(cfg, self.text, device)?))
    }

    fn loss(&mut self, model: &Net, cfg: &TrainConfig, t: u64, device: &Device) -> Tensor<1> {
        let context = Self::shape(cfg).context;
        text_loss(
            model,
            &self.text.train,
            cfg.batch_size,
            context,
            cfg.seed,
            t,
            device,
        )
    }

    fn evaluate(&self, model: &Net) -> (f64, f64) {
        let context = match model {
            Net::Gpt(g) => g.context(),
            _ => unreachable!("a text task builds a gpt"),
        };
        evaluate_text(model, &self.text.test, context)
    }

    fn items_per_step(&self, cfg: &TrainConfig) -> usize {
        cfg.batch_size * Self::shape(cfg).context
    }

    fn did_not_learn(&self, loss: f64, _accuracy: f64) -> Option<String> {
        let unigram = self.text.char_frequencies_loss();
        (loss.is_nan() || loss >= unigram).then(|| {
            format!(
                "did not learn: final test loss {loss:.4} nats/char is no better than predicting \
                 each character by its frequency in the training text ({unigram:.4})"
            )
        })
    }

    fn is_text(&self) -> bool {
        true
    }
}

/// What a run trains on: labelled images (or CSV rows), or a character corpus for a GPT. The
/// experiment runner and the CLI hold one of these; each method is the one place its two kinds
/// differ.
#[derive(Debug, Clone)]
pub enum RunData {
    /// Labelled images.
    Images(Split),
    /// A character corpus.
    Text(TextSplit),
}

/// A validation split held out of a run's training data (see [`RunData::hold_out`]).
#[derive(Debug, Clone)]
pub enum Validation {
    /// Images: a stratified sample of the training set ([`cyclr_data::validation_split`]).
    Images(cyclr_data::Dataset),
    /// Text: a contiguous tail of the training text ([`TextSplit::validation_tail`]).
    Text(Vec<u16>),
}

impl RunData {
    /// Loads `spec`: [`DatasetSpec::load_text`](cyclr_data::DatasetSpec::load_text) for text,
    /// [`DatasetSpec::load`](cyclr_data::DatasetSpec::load) otherwise.
    pub fn load(spec: &cyclr_data::DatasetSpec) -> Result<RunData, cyclr_data::DataError> {
        Ok(if spec.is_text() {
            RunData::Text(spec.load_text()?)
        } else {
            RunData::Images(spec.load()?)
        })
    }

    /// Iterations per epoch at `batch_size`: `train samples / batch_size` (incomplete batches
    /// dropped) for images; `train characters / (batch_size · context)` for text, with
    /// `context` the GPT's (at least 1 either way).
    pub fn steps_per_epoch(&self, batch_size: usize, context: usize) -> u64 {
        match self {
            RunData::Images(s) => data::steps_per_epoch(s.train.len(), batch_size),
            RunData::Text(t) => data::text_steps_per_epoch(t.train.len(), batch_size, context),
        }
    }

    /// A fraction of the training data held out: the data with it removed from the training
    /// part, and the validation split. Images: stratified, the same samples for every run;
    /// text: the contiguous tail of the training text (never windows from all over it, which
    /// would overlap the training windows).
    pub fn hold_out(&self, fraction: f64) -> (RunData, Validation) {
        match self {
            RunData::Images(s) => {
                let (train, val) = cyclr_data::validation_split(&s.train, fraction);
                (
                    RunData::Images(Split { train, ..s.clone() }),
                    Validation::Images(val),
                )
            }
            RunData::Text(t) => {
                let (train, val) = t.validation_tail(fraction);
                (
                    RunData::Text(TextSplit { train, ..t.clone() }),
                    Validation::Text(val),
                )
            }
        }
    }

    /// Trains `cfg` on this data ([`train_until`](super::train_until) or
    /// [`train_text`](super::train_text)).
    pub fn train(
        &self,
        cfg: &TrainConfig,
        observer: &mut dyn super::TrainObserver,
        resume: bool,
        stop_after: Option<u64>,
    ) -> Result<(super::TrainSummary, Net), TrainError> {
        match self {
            RunData::Images(s) => super::train_until(cfg, s, observer, resume, stop_after),
            RunData::Text(t) => super::train_text(cfg, t, observer, resume, stop_after),
        }
    }

    /// The size of the test split: images, or characters (predicted positions).
    pub fn test_len(&self) -> usize {
        match self {
            RunData::Images(s) => s.test.len(),
            RunData::Text(t) => t.test.len().saturating_sub(1),
        }
    }

    /// The data's name ([`cyclr_data::DatasetSpec::name`]).
    pub fn name(&self) -> &str {
        match self {
            RunData::Images(s) => &s.name,
            RunData::Text(t) => &t.name,
        }
    }
}

impl Validation {
    /// `(loss, accuracy)` of `model` on the split: [`evaluate`] for images, a full pass
    /// ([`evaluate_text`]) for text.
    pub fn evaluate(&self, model: &Net) -> (f64, f64) {
        match (self, model) {
            (Validation::Images(v), _) => evaluate(model, v),
            (Validation::Text(v), Net::Gpt(g)) => evaluate_text(model, v, g.context()),
            (Validation::Text(_), _) => (f64::NAN, 0.0),
        }
    }

    /// Its size: images, or characters (predicted positions).
    pub fn len(&self) -> usize {
        match self {
            Validation::Images(v) => v.len(),
            Validation::Text(v) => v.len().saturating_sub(1),
        }
    }

    /// `true` when it holds nothing to predict.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
