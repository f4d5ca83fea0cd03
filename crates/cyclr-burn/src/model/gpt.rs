//! `gpt`: nanoGPT's character-level transformer (karpathy/nanoGPT `model.py`), as a burn module.
//!
//! The forward pass, in `model.py`'s order of operations (`B` sequences of `T ≤ context` token
//! ids, width `C`, `H` heads of `C/H`):
//!
//! 1. `x = drop(wte[idx] + wpe[0..T])` — token and learned position embeddings;
//! 2. per block: `x = x + attn(ln_1(x))`, then `x = x + mlp(ln_2(x))` (pre-LayerNorm);
//!    * `attn`: one fused projection `c_attn: C → 3C`, split into q, k, v (in that order), each
//!      `[B, H, T, C/H]`; `att = (q · kᵀ) · 1/√(C/H)`, positions after the query set to −∞
//!      (causal), `softmax` over the keys, `attn_dropout`, `y = att · v`, heads concatenated back
//!      to `[B, T, C]`, then `resid_dropout(c_proj(y))` (`c_proj: C → C`);
//!    * `mlp`: `dropout(c_proj(GELU(c_fc(x))))`, `c_fc: C → 4C`, `c_proj: 4C → C`, GELU exact
//!      (`x·Φ(x)` with `erf`, PyTorch's `nn.GELU()` default);
//! 3. `ln_f`, then the logits `x · wteᵀ` — the output layer is **tied** to the token embedding
//!    (`lm_head.weight` is `wte.weight`).
//!
//! LayerNorm is over the last dimension, ε = 1e-5, with a bias only when `bias` is set (nanoGPT's
//! own `LayerNorm(ndim, bias)`); every linear layer has a bias only when `bias` is set (nanoGPT's
//! `train.py` default is `bias = False`).
//!
//! **Initialisation** (`GPT._init_weights` and the scaled residual projections): every linear
//! weight and both embeddings `N(0, 0.02)`, every `c_proj.weight` (attention's and the MLP's)
//! `N(0, 0.02/√(2·layers))`, biases zero, LayerNorm weights one. The draws come from a generator
//! seeded by the run's seed and owned by this crate (as for the other networks), so the values
//! differ from PyTorch's; the distributions are nanoGPT's.
//!
//! **Parameter count** ([`Gpt::num_params_nanogpt`]): nanoGPT's `get_num_params()`: every
//! parameter once (the tied output layer is the embedding) minus the position embeddings — 0.80M
//! for the CPU config (4 layers, 4 heads, width 128, context 64, 65 characters).
//!
//! **Dropout** masks are drawn from `(seed, iteration, site)` ([`DropoutKey`]), not from a
//! process-wide generator: a resumed run draws the same masks, and parallel jobs do not share a
//! stream. A site is one dropout call of the forward pass (the embedding's, then per layer the
//! attention's, the residual's after attention, the MLP's), numbered in that order. With
//! `dropout = 0` (or no key: evaluation) nothing is drawn.
use burn::module::{Module, Param, ParamGroup};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// LayerNorm's ε (PyTorch's default, which nanoGPT's `F.layer_norm(…, 1e-5)` passes).
pub const LAYER_NORM_EPS: f64 = 1e-5;
/// Standard deviation of nanoGPT's normal initialisation.
pub const INIT_STD: f64 = 0.02;

/// The shape of a GPT (nanoGPT's `GPTConfig`, its names in the comments).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GptConfig {
    /// Transformer blocks (`n_layer`).
    pub layers: usize,
    /// Attention heads (`n_head`); must divide `width`.
    pub heads: usize,
    /// Embedding width (`n_embd`).
    pub width: usize,
    /// Longest sequence, the position embeddings' count (`block_size`).
    pub context: usize,
    /// Vocabulary size (`vocab_size`): the corpus's distinct characters.
    pub vocab: usize,
    /// Dropout probability (`dropout`), every site.
    pub dropout: f64,
    /// Biases in the linear layers and LayerNorms (`bias`).
    pub bias: bool,
}

impl GptConfig {
    /// Why this shape cannot be built (`None`: it can).
    pub fn problem(&self) -> Option<String> {
        if self.layers == 0 || self.heads == 0 || self.width == 0 || self.context == 0 {
            return Some("--layers, --heads, --width and --context must be at least 1".into());
        }
        if !self.width.is_multiple_of(self.heads) {
            return Some(format!(
                "--width {} is not a multiple of --heads {}: each head takes width/heads",
                self.width, self.heads
            ));
        }
        if self.vocab == 0 {
            return Some("the vocabulary is empty".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Some(format!(
                "--dropout {} is outside [0, 1): it is the probability of zeroing an activation",
                self.dropout
            ));
        }
        None
    }

    /// nanoGPT's `get_num_params()` for this shape (see [`Gpt::num_params_nanogpt`]).
    pub fn num_params_nanogpt(&self) -> usize {
        let c = self.width;
        let b = usize::from(self.bias);
        let ln = c + b * c;
        let block = ln
            + (c * 3 * c + b * 3 * c)
            + (c * c + b * c)
            + ln
            + (c * 4 * c + b * 4 * c)
            + (4 * c * c + b * c);
        self.vocab * c + self.layers * block + ln
    }
}

/// A GPT's shape as a run sets it (`--layers --heads --width --context --dropout --bias`); the
/// vocabulary comes from the data. The default is nanoGPT's "I only have a macbook" CPU config
/// with `dropout = 0` (4 layers, 4 heads, width 128, context 64, no biases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GptShape {
    /// Transformer blocks.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Embedding width.
    pub width: usize,
    /// Context length (characters).
    pub context: usize,
    /// Dropout probability.
    #[serde(default)]
    pub dropout: f64,
    /// Biases in linear layers and LayerNorms.
    #[serde(default)]
    pub bias: bool,
}

impl Default for GptShape {
    fn default() -> Self {
        GptShape {
            layers: 4,
            heads: 4,
            width: 128,
            context: 64,
            dropout: 0.0,
            bias: false,
        }
    }
}

impl GptShape {
    /// The full configuration for a vocabulary of `vocab` characters.
    pub fn config(&self, vocab: usize) -> GptConfig {
        GptConfig {
            layers: self.layers,
            heads: self.heads,
            width: self.width,
            context: self.context,
            vocab,
            dropout: self.dropout,
            bias: self.bias,
        }
    }
}

/// Where a forward pass draws its dropout masks: the run's seed and the iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropoutKey {
    /// The run's seed.
    pub seed: u64,
    /// The 0-based iteration.
    pub iteration: u64,
}

impl DropoutKey {
    /// The generator of dropout site `site` (SplitMix64 of the three, so neighbouring keys give
    /// unrelated streams).
    fn rng(&self, site: u64) -> StdRng {
        let mut z = self.seed ^ 0x6770_745f_6472_6f70; // "gpt_drop"
        for v in [self.iteration, site] {
            z = splitmix(z ^ splitmix(v));
        }
        StdRng::seed_from_u64(z)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Inverted dropout of `x` with probability `p` at `site` (identity without a key or with
/// `p = 0`): kept values are scaled by `1/(1 − p)`, as `nn.Dropout` in training mode.
fn dropout<const D: usize>(x: Tensor<D>, p: f64, key: Option<DropoutKey>, site: u64) -> Tensor<D> {
    let Some(key) = key.filter(|_| p > 0.0) else {
        return x;
    };
    let shape = x.shape();
    let n = shape.num_elements();
    let mut rng = key.rng(site);
    let scale = (1.0 / (1.0 - p)) as f32;
    let mask: Vec<f32> = (0..n)
        .map(|_| if rng.random::<f64>() < p { 0.0 } else { scale })
        .collect();
    let mask = Tensor::<D>::from_data(TensorData::new(mask, shape), &x.device());
    x * mask
}

/// One `N(0, std)` draw per element, Box–Muller on the crate's seeded generator.
fn normal<const D: usize>(
    rng: &mut StdRng,
    shape: [usize; D],
    std: f64,
    device: &Device,
) -> Param<Tensor<D>> {
    let n: usize = shape.iter().product();
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        v.push((std * r * t.cos()) as f32);
        if v.len() < n {
            v.push((std * r * t.sin()) as f32);
        }
    }
    Param::from_tensor(Tensor::from_data(TensorData::new(v, shape), device))
}

fn linear(
    rng: &mut StdRng,
    d_in: usize,
    d_out: usize,
    std: f64,
    bias: bool,
    dev: &Device,
) -> Linear {
    // Zero biases (nanoGPT's `torch.nn.init.zeros_`), not burn's random default.
    let mut l = LinearConfig::new(d_in, d_out)
        .with_bias(bias)
        .with_initializer(burn::nn::Initializer::Zeros)
        .init(dev);
    // burn's Linear keeps its weight as [d_in, d_out] (PyTorch's transposed).
    l.weight = normal(rng, [d_in, d_out], std, dev);
    l
}

fn layer_norm(width: usize, bias: bool, dev: &Device) -> LayerNorm {
    LayerNormConfig::new(width)
        .with_epsilon(LAYER_NORM_EPS)
        .with_bias(bias)
        .init(dev)
}

/// Causal self-attention (nanoGPT's `CausalSelfAttention`).
#[derive(Module, Debug)]
pub struct CausalSelfAttention {
    /// The fused q/k/v projection, `C → 3C`.
    pub c_attn: Linear,
    /// The output projection, `C → C`.
    pub c_proj: Linear,
    #[module(skip)]
    heads: usize,
    #[module(skip)]
    dropout: f64,
}

impl CausalSelfAttention {
    fn forward(&self, x: Tensor<3>, key: Option<DropoutKey>, site: u64) -> Tensor<3> {
        let [b, t, c] = x.dims();
        let (h, hs) = (self.heads, c / self.heads);
        let qkv = self.c_attn.forward(x);
        let split = |i: usize| {
            qkv.clone()
                .slice([0..b, 0..t, i * c..(i + 1) * c])
                .reshape([b, t, h, hs])
                .swap_dims(1, 2)
        };
        let (q, k, v) = (split(0), split(1), split(2));
        let att = q.matmul(k.swap_dims(2, 3)) * (1.0 / (hs as f64).sqrt());
        // `tril_mask` is true strictly above the diagonal: the keys after each query.
        let future = Tensor::<2, Bool>::tril_mask([t, t], 0, &att.device());
        let future: Tensor<4, Bool> = future.unsqueeze::<4>().expand([b, h, t, t]);
        let att = softmax(att.mask_fill(future, f32::NEG_INFINITY), 3);
        let att = dropout(att, self.dropout, key, site);
        let y = att.matmul(v).swap_dims(1, 2).reshape([b, t, c]);
        dropout(self.c_proj.forward(y), self.dropout, key, site + 1)
    }
}

/// The MLP of a block (nanoGPT's `MLP`).
#[derive(Module, Debug)]
pub struct GptMlp {
    /// `C → 4C`.
    pub c_fc: Linear,
    /// `4C → C`.
    pub c_proj: Linear,
    #[module(skip)]
    dropout: f64,
}

/// One transformer block (nanoGPT's `Block`).
#[derive(Module, Debug)]
pub struct GptBlock {
    /// Before attention.
    pub ln_1: LayerNorm,
    /// Causal self-attention.
    pub attn: CausalSelfAttention,
    /// Before the MLP.
    pub ln_2: LayerNorm,
    /// The MLP.
    pub mlp: GptMlp,
}

/// Dropout sites per block: attention weights, attention's residual, the MLP's.
const SITES_PER_BLOCK: u64 = 3;

/// Discriminative learning rates for a GPT (fastai's `slice(lr/…, lr)`, ULMFiT's rate divided
/// by 2.6 per layer; `--layer-lr-decay F`): the final LayerNorm and the top block train at the
/// schedule's rate, each block below at `factor` times the one above (block `i` of `L` at
/// `factor^(L−1−i)`), the position embedding at the lowest, `factor^L`. The token embedding is
/// also the output layer (tied): [`TiedRate`] says which rate the shared matrix gets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerLrDecay {
    /// `F` in (0, 1] (ULMFiT: 1/2.6 ≈ 0.385; 1: every layer at the schedule's rate).
    pub factor: f64,
    /// The tied token embedding's rate.
    #[serde(default)]
    pub tied: TiedRate,
}

/// The rate of a GPT's token embedding under [`LayerLrDecay`]: it is both the input embedding
/// (the bottom) and the output layer (the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TiedRate {
    /// The schedule's rate, as the output layer: fastai's grouping of a language model with a
    /// tied encoder and decoder (`awd_lstm_lm_split`) puts the shared matrix in the last, fastest
    /// group.
    #[default]
    Top,
    /// The lowest rate, as the input embedding.
    Bottom,
}

impl LayerLrDecay {
    /// Why this setting cannot be used (`None`: it can).
    pub fn problem(&self) -> Option<String> {
        (!(self.factor > 0.0 && self.factor <= 1.0)).then(|| {
            format!(
                "--layer-lr-decay {}: the factor between a block's rate and the one above must be in (0, 1], e.g. 0.385 (ULMFiT's 1/2.6)",
                self.factor
            )
        })
    }
}

/// nanoGPT's `GPT`; see the [module documentation](self).
#[derive(Module, Debug)]
pub struct Gpt {
    /// Token embedding `[vocab, C]`, also the output layer (tied).
    pub wte: Embedding,
    /// Position embedding `[context, C]`.
    pub wpe: Embedding,
    /// The blocks.
    pub h: Vec<GptBlock>,
    /// The final LayerNorm.
    pub ln_f: LayerNorm,
    #[module(skip)]
    dropout: f64,
    #[module(skip)]
    context: usize,
}

impl Gpt {
    /// A GPT of shape `cfg` on `device`, initialised as nanoGPT's from a generator seeded by
    /// `seed`. `cfg` must pass [`GptConfig::problem`].
    pub fn new(cfg: &GptConfig, seed: u64, device: &Device) -> Gpt {
        debug_assert!(cfg.problem().is_none(), "{:?}", cfg.problem());
        let mut rng = StdRng::seed_from_u64(seed);
        let c = cfg.width;
        let proj_std = INIT_STD / ((2 * cfg.layers) as f64).sqrt();
        let mut wte = EmbeddingConfig::new(cfg.vocab, c).init(device);
        wte.weight = normal(&mut rng, [cfg.vocab, c], INIT_STD, device);
        let mut wpe = EmbeddingConfig::new(cfg.context, c).init(device);
        wpe.weight = normal(&mut rng, [cfg.context, c], INIT_STD, device);
        let h = (0..cfg.layers)
            .map(|_| GptBlock {
                ln_1: layer_norm(c, cfg.bias, device),
                attn: CausalSelfAttention {
                    c_attn: linear(&mut rng, c, 3 * c, INIT_STD, cfg.bias, device),
                    c_proj: linear(&mut rng, c, c, proj_std, cfg.bias, device),
                    heads: cfg.heads,
                    dropout: cfg.dropout,
                },
                ln_2: layer_norm(c, cfg.bias, device),
                mlp: GptMlp {
                    c_fc: linear(&mut rng, c, 4 * c, INIT_STD, cfg.bias, device),
                    c_proj: linear(&mut rng, 4 * c, c, proj_std, cfg.bias, device),
                    dropout: cfg.dropout,
                },
            })
            .collect();
        Gpt {
            wte,
            wpe,
            h,
            ln_f: layer_norm(c, cfg.bias, device),
            dropout: cfg.dropout,
            context: cfg.context,
        }
    }

    /// The parameter groups of `decay` with their rate scales (see [`LayerLrDecay`]); the
    /// parameters in none of them (the final LayerNorm, the top block, and by default the tied
    /// token embedding) train at the schedule's rate.
    pub fn layer_lr_groups(&self, decay: &LayerLrDecay) -> Vec<(ParamGroup, f64)> {
        let layers = self.h.len();
        let mut groups = Vec::new();
        for (i, block) in self.h.iter().enumerate() {
            let scale = decay.factor.powi((layers - 1 - i) as i32);
            if scale != 1.0 {
                groups.push((ParamGroup::ids_from_module(block.clone()), scale));
            }
        }
        let bottom = decay.factor.powi(layers as i32);
        groups.push((ParamGroup::ids_from_module(self.wpe.clone()), bottom));
        if decay.tied == TiedRate::Bottom {
            groups.push((ParamGroup::ids_from_module(self.wte.clone()), bottom));
        }
        groups
    }

    /// Fine-tuning ([`crate::train::init`]): `weights`' parameters with its token embedding
    /// (the tied output layer) replaced by `wte`, and `self`'s dropout — the new run's settings,
    /// the pretrained run's weights. Both must have the same shape but for the vocabulary.
    pub fn with_weights(self, weights: Gpt, wte: Tensor<2>) -> Gpt {
        let dropout = self.dropout;
        let mut g = weights;
        g.dropout = dropout;
        g.context = self.context;
        for b in &mut g.h {
            b.attn.dropout = dropout;
            b.mlp.dropout = dropout;
        }
        g.wte.weight = Param::from_tensor(wte);
        g
    }

    /// The longest sequence the model takes.
    pub fn context(&self) -> usize {
        self.context
    }

    /// Logits `[B·T, vocab]` (row `b·T + t`: the next token after position `t` of sequence
    /// `b`) for token ids `[B, T]`, `T ≤ context`. `key`: draw dropout masks from it (training);
    /// `None`: no dropout (evaluation, sampling).
    pub fn forward(&self, idx: Tensor<2, Int>, key: Option<DropoutKey>) -> Tensor<2> {
        let [b, t] = idx.dims();
        assert!(
            t <= self.context,
            "a sequence of {t} tokens is longer than the context {}",
            self.context
        );
        let tok = self.wte.forward(idx);
        let c = tok.dims()[2];
        let pos = self.wpe.weight.val().slice([0..t, 0..c]).unsqueeze::<3>();
        let mut x = dropout(tok + pos, self.dropout, key, 0);
        for (i, block) in self.h.iter().enumerate() {
            let site = 1 + SITES_PER_BLOCK * i as u64;
            x = x.clone() + block.attn.forward(block.ln_1.forward(x), key, site);
            let m = &block.mlp;
            let y = m
                .c_proj
                .forward(gelu(m.c_fc.forward(block.ln_2.forward(x.clone()))));
            x = x + dropout(y, m.dropout, key, site + 2);
        }
        let x = self.ln_f.forward(x).reshape([b * t, c]);
        x.matmul(self.wte.weight.val().transpose())
    }

    /// nanoGPT's `get_num_params()`: every parameter once, less the position embeddings.
    pub fn num_params_nanogpt(&self) -> usize {
        self.num_params() - self.wpe.weight.shape().num_elements()
    }

    /// nanoGPT's `generate` (what `sample.py` calls): `tokens` times, the logits of the last
    /// position given at most `context` preceding tokens, divided by `temperature`; with
    /// `top_k`, every logit below the `k`-th largest set to −∞; `softmax`; one token drawn with
    /// those probabilities (`torch.multinomial`; here from `rng`, so the draws differ from
    /// PyTorch's for the same seed) and appended. Returns the prompt followed by the new tokens.
    /// `prompt` must hold at least one token and `temperature` must be positive.
    pub fn generate(
        &self,
        prompt: &[u16],
        tokens: usize,
        temperature: f64,
        top_k: Option<usize>,
        rng: &mut impl Rng,
    ) -> Vec<u16> {
        assert!(
            !prompt.is_empty(),
            "generate needs a prompt of at least one token"
        );
        let device = self.wte.weight.device();
        let mut idx = prompt.to_vec();
        for _ in 0..tokens {
            let from = idx.len().saturating_sub(self.context);
            let cond: Vec<i32> = idx[from..].iter().map(|&t| i32::from(t)).collect();
            let t = cond.len();
            let x = Tensor::<2, Int>::from_data(TensorData::new(cond, [1, t]), &device);
            let logits = self.forward(x, None);
            let v = logits.dims()[1];
            let last: Vec<f32> = logits
                .slice([t - 1..t, 0..v])
                .into_data()
                .try_to_vec::<f32>()
                .expect("f32 logits");
            let mut l: Vec<f32> = last.iter().map(|&x| x / temperature as f32).collect();
            if let Some(k) = top_k.filter(|&k| k < l.len()) {
                let mut sorted = l.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                let kth = sorted[k.max(1) - 1];
                for x in &mut l {
                    if *x < kth {
                        *x = f32::NEG_INFINITY;
                    }
                }
            }
            let max = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let p: Vec<f64> = l.iter().map(|&x| f64::from((x - max).exp())).collect();
            let total: f64 = p.iter().sum();
            let u = rng.random::<f64>() * total;
            let mut acc = 0.0;
            let mut pick = p.len() - 1;
            for (i, &pi) in p.iter().enumerate() {
                acc += pi;
                if u < acc {
                    pick = i;
                    break;
                }
            }
            idx.push(pick as u16);
        }
        idx
    }
}
