//! Bring your own transformer: a character-level language model built here from burn's own
//! modules (`Embedding`, `TransformerEncoder` with a causal mask, `LayerNorm`, `Linear`; not
//! cyclr's `Gpt`), trained on the embedded tinyshakespeare with cyclr's pieces in a loop of
//! your own:
//!
//! 1. `lr_find_model` runs the LR range test on the model, one training batch per point, the
//!    gradients clipped to a global norm of 1 as the run will clip them (`Clipped`); the model
//!    and the optimizer come back unchanged. The sweep says the model is a transformer
//!    (`Architecture::Transformer`), so the curve is read at its window's minimum, as cyclr's
//!    own `gpt` is (BENCHMARKS.md §13).
//! 2. The picks fill nanoGPT's warm-up + cosine schedule (`cyclr_burn::fill`, the step
//!    `cyclr train --lr auto` takes); its `min_lr` is a tenth of the picked rate.
//! 3. The loop: nanoGPT's batches (`cyclr_data::text_batch`: random windows drawn from
//!    `(seed, iteration)`), AdamW with nanoGPT's parameter groups (`decay_vectors: false`: no
//!    weight decay on biases and LayerNorm weights), `clip_grad_norm` (PyTorch's
//!    `clip_grad_norm_`), the schedule's rate at each step; beside it a [`WeightAverage`] of
//!    the model (SWA, PyTorch's `AveragedModel`: the equal-weight mean of the models after
//!    each step of the last 20%, the window of WSD's cooldown); then the test loss of the
//!    trained model and of the average by a full pass (every test character predicted once,
//!    nats per character).
//!
//! ```text
//! cargo run --release -p cyclr-burn --example own_transformer
//! ```
//!
//! The last line printed is `test loss: ... nats/char (... bits/char) ...; SWA ... : ...`.

use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor};
use cyclr::average::{AverageWhen, AveragingRule, Every};
use cyclr::finder::{Architecture, RangeTestConfig};
use cyclr::schedule::{Policy, RunShape, ScheduleSpec};
use cyclr_burn::average::WeightAverage;
use cyclr_burn::data::token_ids;
use cyclr_burn::optim::AdamConfig;
use cyclr_burn::optim::clip::clip_grad_norm;
use cyclr_burn::{
    Clipped, CyclrOptimizer, FindLoop, LrFindError, OptimizerConfig, RangeTests, lr_find_model,
};
use cyclr_data::DatasetSpec;

const CONTEXT: usize = 32;
const BATCH: usize = 16;
const WIDTH: usize = 64;
const ITERS: u64 = 600;
const SEED: u64 = 7;

// ----------------------------------------------------------------------------------------------
// The user's model: any burn `Module` with a forward pass and a loss.
// ----------------------------------------------------------------------------------------------

#[derive(Module, Debug)]
struct CharLm {
    tokens: Embedding,
    positions: Embedding,
    blocks: TransformerEncoder,
    norm: LayerNorm,
    head: Linear,
}

impl CharLm {
    fn new(vocab: usize, device: &Device) -> Self {
        CharLm {
            tokens: EmbeddingConfig::new(vocab, WIDTH).init(device),
            positions: EmbeddingConfig::new(CONTEXT, WIDTH).init(device),
            // Pre-LayerNorm blocks, GELU MLP of 4× the width, no dropout.
            blocks: TransformerEncoderConfig::new(WIDTH, 4 * WIDTH, 4, 2)
                .with_norm_first(true)
                .with_dropout(0.0)
                .init(device),
            norm: LayerNormConfig::new(WIDTH).init(device),
            head: LinearConfig::new(WIDTH, vocab).init(device),
        }
    }

    /// Logits `[rows, len, vocab]` of token ids `[rows, len]` (len ≤ CONTEXT).
    fn forward(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [rows, len] = ids.dims();
        let device = ids.device();
        let pos = Tensor::<1, Int>::arange(0..len as i64, &device).reshape([1, len]);
        let x = self.tokens.forward(ids) + self.positions.forward(pos);
        let mask = generate_autoregressive_mask(rows, len, &device);
        let x = self
            .blocks
            .forward(TransformerEncoderInput::new(x).mask_attn(mask));
        self.head.forward(self.norm.forward(x))
    }

    /// Mean cross-entropy over every position of windows `x` predicting `y` (both `rows × len`).
    fn loss(&self, x: &[u16], y: &[u16], rows: usize, len: usize, device: &Device) -> Tensor<1> {
        let logits = self.forward(token_ids(x, rows, len, device));
        let [_, _, vocab] = logits.dims();
        let targets = token_ids(y, rows, len, device).reshape([rows * len, 1]);
        log_softmax(logits.reshape([rows * len, vocab]), 1)
            .gather(1, targets)
            .mean()
            .neg()
    }

    /// Test loss in nats per character by a full pass: consecutive windows of `CONTEXT`, every
    /// position predicted once, each weighing the same (cyclr's and nanoGPT-style evaluation).
    fn full_pass_loss(&self, tokens: &[u16], device: &Device) -> f64 {
        let model = self.valid();
        let (mut sum, mut n) = (0.0, 0usize);
        for (start, len) in cyclr_data::full_pass_windows(tokens.len(), CONTEXT) {
            let x = &tokens[start..start + len];
            let y = &tokens[start + 1..start + 1 + len];
            let loss = model.loss(x, y, 1, len, device);
            sum += f64::from(loss.into_scalar::<f32>()) * len as f64;
            n += len;
        }
        sum / n as f64
    }
}

// ----------------------------------------------------------------------------------------------
// The range test's data: iteration `t`'s batch, as the training loop below draws it.
// ----------------------------------------------------------------------------------------------

struct TextLoop<'a> {
    train: &'a [u16],
    device: Device,
}

impl FindLoop<CharLm> for TextLoop<'_> {
    fn train_loss(&mut self, model: &CharLm, step: u64) -> Result<Tensor<1>, LrFindError> {
        let (x, y) = cyclr_data::text_batch(self.train, BATCH, CONTEXT, SEED, step);
        Ok(model.loss(&x, &y, BATCH, CONTEXT, &self.device))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // nanoGPT's shakespeare_char: 90% train, 10% test; a vocabulary of its 65 characters.
    let text = DatasetSpec::Shakespeare.load_text()?;
    let device = cyclr_burn::device();
    // burn's initialisers draw from the backend's generator: seed it, so every run prints the
    // same numbers.
    device.seed(SEED);
    let model = CharLm::new(text.vocab.len(), &device);
    let mut optim = CyclrOptimizer::new(&OptimizerConfig::Adam(AdamConfig {
        beta2: 0.99,
        weight_decay: 0.1,
        decoupled_weight_decay: true,
        decay_vectors: false,
        ..AdamConfig::default()
    }))?;
    let untrained = model.full_pass_loss(&text.test[..20_000], &device);

    // 1. The range test, clipped as the run clips; model and optimizer come back unchanged.
    let sweep = RangeTestConfig {
        architecture: Architecture::Transformer,
        ..RangeTestConfig::calibrated()
    };
    let mut data = TextLoop {
        train: &text.train,
        device: device.clone(),
    };
    let mut clipped = Clipped {
        inner: &mut optim,
        max_norm: 1.0,
    };
    let (result, model) = lr_find_model(model, &mut clipped, &mut data, &sweep, 1)?;

    // 2. `--lr auto`'s own step: the picks fill nanoGPT's warm-up + cosine schedule.
    let tests = RangeTests::one(SEED, result, sweep);
    let per_epoch = cyclr_burn::data::text_steps_per_epoch(text.train.len(), BATCH, CONTEXT);
    let shape = RunShape {
        iters: ITERS,
        iters_per_epoch: Some(per_epoch),
        step_epochs: None,
    };
    let spec = ScheduleSpec {
        warmup_iters: Some(30),
        ..ScheduleSpec::new(Policy::NanogptCosine)
    };
    let filled = cyclr_burn::fill(&spec, &shape, &tests)?;
    println!(
        "range test: {} points; {}",
        tests.repeated.results[0].recorded_points(),
        filled.resolved.describe(|k| k.to_string())
    );

    // 3. Your own loop: batch, loss, gradients clipped to a global norm of 1, AdamW at the
    //    schedule's rate; the average folds in the model after each step of the last 20%.
    let schedule = filled.resolved.config.build(ITERS)?;
    let when = AverageWhen::from_fraction(0.8, ITERS, Every::Steps(1))?;
    let mut swa = WeightAverage::new(AveragingRule::Swa, when)?;
    let mut model = model;
    for t in 0..ITERS {
        let (x, y) = cyclr_data::text_batch(&text.train, BATCH, CONTEXT, SEED, t);
        let loss = model.loss(&x, &y, BATCH, CONTEXT, &device);
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        clip_grad_norm(&model, &mut grads, 1.0);
        model = optim.step(schedule.lr(t), None, model, grads);
        swa.observe(t + 1, &model); // after step t + 1 (1-based)
    }
    let trained = model.full_pass_loss(&text.test[..20_000], &device);
    let averaged = swa
        .model(&model)
        .ok_or("the average was never updated")?
        .full_pass_loss(&text.test[..20_000], &device);
    println!(
        "test loss: {trained:.4} nats/char ({:.4} bits/char) after {ITERS} iterations, \
         {untrained:.4} untrained (the first 20,000 test characters); predicting characters \
         by their frequency: {:.4}; SWA of the last {} models: {averaged:.4}",
        trained / std::f64::consts::LN_2,
        text.char_frequencies_loss(),
        swa.n_averaged(),
    );
    Ok(())
}
