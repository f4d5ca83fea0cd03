//! The networks: an MLP, LeNet, the two Caffe CIFAR-10 networks the CLR paper trains, and a
//! small ResNet, as one enum-dispatched burn module [`Net`] — one file per network (its layers,
//! its construction in the seeded draw order, its forward pass), the shared layers in `layers`.
//!
//! Every network takes any `C×H×W` input (digits 1×8×8, (Fashion-)MNIST 1×28×28, CIFAR 3×32×32):
//! the flatten sizes are computed from the input shape ([`NetConfig::input`]).
//!
//! | kind            | layers |
//! |-----------------|--------|
//! | `mlp`           | flatten → FC 512 → act → FC 256 → act → FC classes |
//! | `lenet`         | conv 20@5×5 → act → maxpool 2 → conv 50@5×5 → act → maxpool 2 → FC 500 → act → FC classes (Caffe LeNet's sizes, plus an activation after each convolution, which Caffe's LeNet lacks; "valid" convolutions when H, W ≥ 16, "same" padding below, so 8×8 digits fit) |
//! | `cifar10-quick` | Caffe `cifar10_quick`: conv 32@5×5 p2 → maxpool 3/2 → act → conv 32@5×5 p2 → act → avgpool 3/2 → conv 64@5×5 p2 → act → avgpool 3/2 → FC 64 → FC classes |
//! | `cifar10-full`  | Caffe `cifar10_full`: conv 32@5×5 p2 → maxpool 3/2 → act → LRN → conv 32@5×5 p2 → act → avgpool 3/2 → LRN → conv 64@5×5 p2 → act → avgpool 3/2 → FC classes |
//! | `resnet`        | conv 16@3×3 → BN → act → 3 basic residual blocks (16, 32/2, 64/2; two 3×3 conv+BN each, 1×1 conv+BN projection shortcut when the shape changes) → global average pool → FC classes (a ResNet-8; always with batch norm) |
//!
//! Caffe's pooling rounds the output size up; so do these (`ceil_mode`), so a 32×32 input gives
//! 16, 8, 4 as in Caffe. The LRN of `cifar10_full` is Caffe's `norm_region: WITHIN_CHANNEL`,
//! `local_size 3, alpha 5e-5, beta 0.75` (what Caffe's prototxt uses, rather than the
//! across-channels variant): `x / (1 + α/n² · Σ_{n×n window} x²)^β`, the window zero-padded, as
//! Caffe computes it (an average pool counting the padding).
//!
//! With `batch_norm`, a batch-norm layer follows every convolution and hidden fully connected
//! layer, before the activation (the paper's sigmoid + BN experiment uses `Activation::Sigmoid`).
//! Batch norm uses batch statistics on an autodiff device and running statistics otherwise (burn's
//! `BatchNorm`; evaluate with `net.valid()`), momentum 0.1, eps 1e-5 as in PyTorch.
//!
//! The convolutions and max pools run on the kernels [`NetConfig::kernels`] names
//! ([`Kernels::Cyclr`] by default: cyclr's own, see [`crate::kernels`]; [`Kernels::Burn`]:
//! burn's). The choice changes neither the parameters nor the record.
//!
//! Weights are drawn from a seeded generator owned by this crate (not burn's global RNG, whose
//! lazy initialisation order is not deterministic across threads), with PyTorch's default
//! initialisation: weights and biases `U(−1/√fan_in, 1/√fan_in)`. Caffe's Gaussian fillers are not
//! reproduced.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::tensor::activation::{log_softmax, relu, sigmoid};
use burn::tensor::{Device, Int, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::average::BatchNorms;
use crate::kernels::Kernels;

mod caffe;
pub mod gpt;
mod layers;
mod lenet;
mod mlp;
mod resnet;

pub use caffe::CaffeCifar;
pub use gpt::{DropoutKey, Gpt, GptConfig, GptShape, LayerLrDecay, TiedRate};
pub use layers::{ConvBn, Dense};
pub use lenet::Lenet;
pub use mlp::Mlp;
pub use resnet::{BasicBlock, Resnet};

use layers::Init;

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Two hidden fully connected layers (512, 256).
    Mlp,
    /// Two convolutions and two fully connected layers.
    Lenet,
    /// Caffe's `cifar10_quick`.
    #[serde(rename = "cifar10-quick")]
    Cifar10Quick,
    /// Caffe's `cifar10_full` (with LRN).
    #[serde(rename = "cifar10-full")]
    Cifar10Full,
    /// A small ResNet with batch norm.
    Resnet,
    /// nanoGPT's character-level transformer ([`gpt`]); text data only, its shape from
    /// [`GptShape`].
    Gpt,
}

/// The accepted model names.
pub const MODEL_NAMES: &str = "mlp, lenet, cifar10-quick, cifar10-full, resnet, gpt";

impl ModelKind {
    /// The name [`FromStr`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Lenet => "lenet",
            ModelKind::Cifar10Quick => "cifar10-quick",
            ModelKind::Cifar10Full => "cifar10-full",
            ModelKind::Resnet => "resnet",
            ModelKind::Gpt => "gpt",
        }
    }

    /// What its runs are scored by: the test loss (nats per character) for the GPT, a language
    /// model; the test accuracy for the classifiers. The one place this is decided: tables,
    /// budgets, the head-to-head, grid picks and baselines all ask here.
    pub fn metric(self) -> cyclr::compare::Metric {
        match self {
            ModelKind::Gpt => cyclr::compare::Metric::Loss,
            _ => cyclr::compare::Metric::Accuracy,
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "mlp" => Ok(ModelKind::Mlp),
            "lenet" => Ok(ModelKind::Lenet),
            "cifar10-quick" | "cifar-quick" => Ok(ModelKind::Cifar10Quick),
            "cifar10-full" | "cifar-full" => Ok(ModelKind::Cifar10Full),
            "resnet" => Ok(ModelKind::Resnet),
            "gpt" => Ok(ModelKind::Gpt),
            _ => Err(ModelError::UnknownModel(s.to_owned())),
        }
    }
}

/// The nonlinearity after every hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// `max(0, x)`.
    #[default]
    Relu,
    /// `1 / (1 + e^−x)`.
    Sigmoid,
}

impl Activation {
    fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => relu(x),
            Activation::Sigmoid => sigmoid(x),
        }
    }
}

impl FromStr for Activation {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "sigmoid" => Ok(Activation::Sigmoid),
            _ => Err(ModelError::UnknownActivation(s.to_owned())),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
        })
    }
}

/// Errors building a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Not one of [`MODEL_NAMES`].
    #[error("unknown model `{0}` (expected one of: {MODEL_NAMES})")]
    UnknownModel(String),
    /// Not `relu` or `sigmoid`.
    #[error("unknown activation `{0}` (expected relu or sigmoid)")]
    UnknownActivation(String),
    /// Text data with an image network.
    #[error("{data} is text: --model gpt trains on it, not {model}")]
    TextNeedsGpt {
        /// The dataset's name.
        data: String,
        /// The network asked for.
        model: ModelKind,
    },
    /// The input is too small (or empty) for the network.
    #[error("model {model} cannot take a {c}x{h}x{w} input: {why}")]
    BadInput {
        /// The network.
        model: ModelKind,
        /// Channels.
        c: usize,
        /// Height.
        h: usize,
        /// Width.
        w: usize,
        /// What is wrong.
        why: String,
    },
}

/// Everything that determines a network's architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Which network.
    pub kind: ModelKind,
    /// Hidden nonlinearity.
    pub activation: Activation,
    /// Batch norm after every convolution / hidden FC layer (always on for `resnet`).
    pub batch_norm: bool,
    /// Input `[channels, height, width]`.
    pub input: [usize; 3],
    /// Number of classes (outputs).
    pub num_classes: usize,
    /// The convolution and max-pool kernels ([`Kernels::Cyclr`] when absent from serialized
    /// configurations). They do not change the parameters: a network's record is the same with
    /// either.
    #[serde(default)]
    pub kernels: Kernels,
}

impl NetConfig {
    /// The network `kind` for samples and classes of `data`.
    pub fn for_data(
        kind: ModelKind,
        activation: Activation,
        batch_norm: bool,
        kernels: Kernels,
        data: &cyclr_data::Dataset,
    ) -> NetConfig {
        NetConfig {
            kind,
            activation,
            batch_norm,
            input: crate::data::input_shape(data),
            num_classes: data.num_classes,
            kernels,
        }
    }

    /// How a GPT on text is described where a network's configuration is recorded (a range
    /// test's record): `gpt`, an input of `context` tokens and `vocab` outputs; its shape is the
    /// [`GptShape`] beside it.
    pub fn for_text(shape: &GptShape, vocab: usize) -> NetConfig {
        NetConfig {
            kind: ModelKind::Gpt,
            activation: Activation::default(),
            batch_norm: false,
            input: [1, 1, shape.context],
            num_classes: vocab,
            kernels: Kernels::default(),
        }
    }

    /// Check that the network can be built for its input (on the CPU, not kept).
    pub fn check(&self) -> Result<(), ModelError> {
        Net::new(self, 0, &Device::flex()).map(drop)
    }

    /// Why this network cannot take its input.
    fn bad_input(&self, why: &str) -> ModelError {
        let [c, h, w] = self.input;
        ModelError::BadInput {
            model: self.kind,
            c,
            h,
            w,
            why: why.to_owned(),
        }
    }
}

/// Any of the networks. Build with [`Net::new`]; [`Net::forward`] maps `[N, C, H, W]` images
/// to `[N, classes]` logits.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Net {
    /// `mlp`.
    Mlp(Mlp),
    /// `lenet`.
    Lenet(Lenet),
    /// `cifar10-quick` / `cifar10-full`.
    Cifar(CaffeCifar),
    /// `resnet`.
    Resnet(Resnet),
    /// `gpt` (token ids in, [`Net::forward_tokens`]).
    Gpt(Gpt),
}

// The batch-norm layers of each network, for `update_bn` (burn has no reflection over layers).
impl BatchNorms for Dense {
    fn batch_norms(&mut self) -> Vec<&mut burn::nn::BatchNorm> {
        self.bn.batch_norms()
    }
}

impl BatchNorms for ConvBn {
    fn batch_norms(&mut self) -> Vec<&mut burn::nn::BatchNorm> {
        self.bn.batch_norms()
    }
}

impl BatchNorms for BasicBlock {
    fn batch_norms(&mut self) -> Vec<&mut burn::nn::BatchNorm> {
        let mut out = self.conv1.batch_norms();
        out.extend(self.conv2.batch_norms());
        out.extend(self.shortcut.batch_norms());
        out
    }
}

impl BatchNorms for Net {
    fn batch_norms(&mut self) -> Vec<&mut burn::nn::BatchNorm> {
        match self {
            Net::Mlp(m) => m.hidden.batch_norms(),
            Net::Lenet(m) => {
                let mut out = m.conv1.batch_norms();
                out.extend(m.conv2.batch_norms());
                out.extend(m.fc1.batch_norms());
                out
            }
            Net::Cifar(m) => {
                let mut out = m.conv1.batch_norms();
                out.extend(m.conv2.batch_norms());
                out.extend(m.conv3.batch_norms());
                out
            }
            Net::Resnet(m) => {
                let mut out = m.stem.batch_norms();
                out.extend(m.blocks.batch_norms());
                out
            }
            Net::Gpt(_) => Vec::new(),
        }
    }
}

impl Net {
    /// The parameter groups and rate scales of `decay` ([`Gpt::layer_lr_groups`]); none for
    /// another network or no decay (every parameter at the schedule's rate).
    pub fn layer_lr_groups(
        &self,
        decay: Option<&LayerLrDecay>,
    ) -> Vec<(burn::module::ParamGroup, f64)> {
        match (decay, self) {
            (Some(d), Net::Gpt(g)) => g.layer_lr_groups(d),
            _ => Vec::new(),
        }
    }

    /// Builds the network described by `cfg` on `device`, with weights drawn from a generator
    /// seeded by `seed` (same seed, same weights, whatever else runs concurrently).
    pub fn new(cfg: &NetConfig, seed: u64, device: &Device) -> Result<Net, ModelError> {
        let [c, h, w] = cfg.input;
        if c == 0 || h == 0 || w == 0 {
            return Err(cfg.bad_input("empty input"));
        }
        if cfg.num_classes == 0 {
            return Err(cfg.bad_input("no classes"));
        }
        let mut init = Init {
            rng: StdRng::seed_from_u64(seed),
            device: device.clone(),
        };
        Ok(match cfg.kind {
            ModelKind::Mlp => Net::Mlp(Mlp::new(&mut init, cfg)),
            ModelKind::Lenet => Net::Lenet(Lenet::new(&mut init, cfg)?),
            ModelKind::Cifar10Quick | ModelKind::Cifar10Full => {
                Net::Cifar(CaffeCifar::new(&mut init, cfg)?)
            }
            ModelKind::Resnet => Net::Resnet(Resnet::new(&mut init, cfg)),
            ModelKind::Gpt => {
                return Err(cfg.bad_input(
                    "gpt trains on text (--dataset shakespeare or text:FILE), not on images",
                ));
            }
        })
    }

    /// Logits `[N, classes]` for images `[N, C, H, W]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        match self {
            Net::Mlp(m) => m.forward(x),
            Net::Lenet(m) => m.forward(x),
            Net::Cifar(m) => m.forward(x),
            Net::Resnet(m) => m.forward(x),
            Net::Gpt(_) => panic!("gpt takes token ids: Net::forward_tokens, not images"),
        }
    }

    /// Logits `[B·T, vocab]` of a [`Gpt`] for token ids `[B, T]` (dropout drawn from `key`;
    /// `None`: none). Image networks take images ([`Net::forward`]).
    pub fn forward_tokens(&self, idx: Tensor<2, Int>, key: Option<DropoutKey>) -> Tensor<2> {
        match self {
            Net::Gpt(m) => m.forward(idx, key),
            _ => panic!("an image network takes images: Net::forward, not token ids"),
        }
    }

    /// Mean cross-entropy of `logits` against `targets` (`[N]` class indices).
    pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
        let [n, _] = logits.dims();
        log_softmax(logits, 1)
            .gather(1, targets.reshape([n, 1]))
            .mean()
            .neg()
    }

    /// Number of scalar parameters.
    pub fn param_count(&self) -> usize {
        self.num_params()
    }
}

/// A batch of images and labels as burn tensors (what [`Net`]'s `TrainStep` / `InferenceStep`
/// for burn's `Learner` consume).
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// `[N, C, H, W]`.
    pub images: Tensor<4>,
    /// `[N]` class indices.
    pub targets: Tensor<1, Int>,
}

impl burn::train::TrainStep for Net {
    type Input = ImageBatch;
    type Output = burn::train::ClassificationOutput;

    fn step(&self, item: ImageBatch) -> burn::train::TrainOutput<Self::Output> {
        let logits = self.forward(item.images);
        let loss = Net::cross_entropy(logits.clone(), item.targets.clone());
        let grads = loss.backward();
        burn::train::TrainOutput::new(
            self,
            grads,
            burn::train::ClassificationOutput::new(loss, logits, item.targets),
        )
    }
}

impl burn::train::InferenceStep for Net {
    type Input = ImageBatch;
    type Output = burn::train::ClassificationOutput;

    fn step(&self, item: ImageBatch) -> Self::Output {
        let logits = self.forward(item.images);
        let loss = Net::cross_entropy(logits.clone(), item.targets.clone());
        burn::train::ClassificationOutput::new(loss, logits, item.targets)
    }
}

#[cfg(test)]
mod tests {
    use super::layers::{avg_pool, caffe_pool_out, clipped_kernel, max_pool, out_size};
    use super::*;
    use burn::tensor::TensorData;
    use burn::tensor::ops::MaxPoolOptions;

    #[test]
    fn caffe_pool_sizes() {
        // 32 → 16 → 8 → 4 with 3/2 ceil-mode pooling, as in Caffe.
        assert_eq!(out_size(32, 3, 2, 0, true), Some(16));
        assert_eq!(out_size(16, 3, 2, 0, true), Some(8));
        assert_eq!(out_size(8, 3, 2, 0, true), Some(4));
        assert_eq!(out_size(28, 3, 2, 0, true), Some(14));
        assert_eq!(out_size(7, 3, 2, 0, true), Some(3));
        assert_eq!(caffe_pool_out(2, 3, 2), Some(1));
        assert_eq!(caffe_pool_out(4, 3, 2), Some(2));
    }

    #[test]
    fn every_model_takes_every_input_shape() {
        let device = Device::flex();
        for kind in [
            ModelKind::Mlp,
            ModelKind::Lenet,
            ModelKind::Cifar10Quick,
            ModelKind::Cifar10Full,
            ModelKind::Resnet,
        ] {
            for input in [[1, 8, 8], [1, 28, 28], [3, 32, 32]] {
                let cfg = NetConfig {
                    kind,
                    activation: Activation::Relu,
                    batch_norm: true,
                    input,
                    num_classes: 10,
                    kernels: Kernels::Cyclr,
                };
                let net = Net::new(&cfg, 1, &device).unwrap();
                let x = Tensor::<4>::zeros([2, input[0], input[1], input[2]], &device);
                assert_eq!(net.forward(x).dims(), [2, 10], "{kind} {input:?}");
            }
        }
    }

    #[test]
    fn same_seed_same_weights() {
        let device = Device::flex();
        let cfg = NetConfig {
            kind: ModelKind::Lenet,
            activation: Activation::Sigmoid,
            batch_norm: false,
            input: [1, 8, 8],
            num_classes: 10,
            kernels: Kernels::Cyclr,
        };
        let a = Net::new(&cfg, 7, &device).unwrap();
        let b = Net::new(&cfg, 7, &device).unwrap();
        let c = Net::new(&cfg, 8, &device).unwrap();
        let x = Tensor::<4>::ones([1, 1, 8, 8], &device);
        let ya: Vec<f32> = a
            .forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let yb: Vec<f32> = b
            .forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let yc: Vec<f32> = c.forward(x).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(ya, yb);
        assert_ne!(ya, yc);
    }

    /// Every convolution and max pool of the built-in networks takes cyclr's kernels, on every
    /// input shape (batch norm or not).
    #[test]
    fn networks_take_the_fast_paths() {
        use crate::kernels::{conv2d_takes_fast_path, max_pool2d_takes_fast_path};
        let device = Device::flex().autodiff();
        let pool = |x: &Tensor<4>, k: usize, s: usize, ceil: bool| {
            let kernel = clipped_kernel(x, k, ceil);
            let o = MaxPoolOptions::new(kernel)
                .with_stride([s, s])
                .with_ceil_mode(ceil);
            assert!(max_pool2d_takes_fast_path(x, &o), "{:?} {o:?}", x.dims());
        };
        let conv = |c: &ConvBn, x: &Tensor<4>| {
            assert!(conv2d_takes_fast_path(&c.conv, x), "{:?}", x.dims());
            c.forward(x.clone(), Kernels::Burn)
        };
        for input in [[1, 8, 8], [1, 28, 28], [3, 32, 32]] {
            for kind in [ModelKind::Lenet, ModelKind::Cifar10Quick, ModelKind::Resnet] {
                let cfg = NetConfig {
                    kind,
                    activation: Activation::Relu,
                    batch_norm: false,
                    input,
                    num_classes: 10,
                    kernels: Kernels::Cyclr,
                };
                let net = Net::new(&cfg, 1, &device).unwrap();
                let x = Tensor::<4>::ones([2, input[0], input[1], input[2]], &device);
                match &net {
                    Net::Lenet(m) => {
                        let y = conv(&m.conv1, &x);
                        pool(&y, 2, 2, false);
                        let y = max_pool(y, 2, 2, false, Kernels::Burn);
                        let y = conv(&m.conv2, &y);
                        pool(&y, 2, 2, false);
                    }
                    Net::Cifar(m) => {
                        let y = conv(&m.conv1, &x);
                        pool(&y, 3, 2, true);
                        let y = max_pool(y, 3, 2, true, Kernels::Burn);
                        let y = avg_pool(conv(&m.conv2, &y), 3, 2, true);
                        conv(&m.conv3, &y);
                    }
                    Net::Resnet(m) => {
                        let mut y = conv(&m.stem, &x);
                        for b in &m.blocks {
                            let z = conv(&b.conv1, &y);
                            conv(&b.conv2, &z);
                            y = match &b.shortcut {
                                Some(sc) => conv(sc, &y),
                                None => y,
                            };
                        }
                    }
                    Net::Mlp(_) | Net::Gpt(_) => unreachable!(),
                }
            }
        }
    }

    /// Both kernels build the same parameters (values and ids: the record and checkpoints do
    /// not depend on the kernels) and compute the same logits up to rounding.
    #[test]
    fn kernels_share_parameters_and_agree() {
        use burn::module::{ModuleVisitor, Param};
        struct Collect(Vec<(String, Vec<f32>)>);
        impl ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let v = param.val().into_data().try_to_vec::<f32>().unwrap();
                self.0.push((param.id.to_string(), v));
            }
        }
        let device = Device::flex().autodiff();
        for kind in [
            ModelKind::Lenet,
            ModelKind::Cifar10Quick,
            ModelKind::Cifar10Full,
            ModelKind::Resnet,
        ] {
            let cfg = |kernels| NetConfig {
                kind,
                activation: Activation::Relu,
                batch_norm: true,
                input: [3, 32, 32],
                num_classes: 10,
                kernels,
            };
            let a = Net::new(&cfg(Kernels::Cyclr), 3, &device).unwrap();
            let b = Net::new(&cfg(Kernels::Burn), 3, &device).unwrap();
            let (mut pa, mut pb) = (Collect(Vec::new()), Collect(Vec::new()));
            a.visit(&mut pa);
            b.visit(&mut pb);
            let values = |c: &Collect| c.0.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>();
            assert_eq!(values(&pa), values(&pb), "{kind}");
            let x: Vec<f32> = (0..4 * 3 * 32 * 32)
                .map(|i| ((i * 7919) % 255) as f32 / 255.0)
                .collect();
            let x = Tensor::<4>::from_data(TensorData::new(x, [4, 3, 32, 32]), &device);
            let la = a
                .forward(x.clone())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            let lb = b.forward(x).into_data().try_to_vec::<f32>().unwrap();
            for (u, v) in la.iter().zip(&lb) {
                assert!(
                    (u - v).abs() <= 1e-4 * (1.0 + v.abs()),
                    "{kind}: {u} vs {v}"
                );
            }
        }
        // Parameter ids are drawn fresh per module, so they differ between two networks; a record
        // of one loads into the other (same structure, same names).
        let a = Net::new(
            &NetConfig {
                kind: ModelKind::Lenet,
                activation: Activation::Relu,
                batch_norm: false,
                input: [1, 28, 28],
                num_classes: 10,
                kernels: Kernels::Cyclr,
            },
            5,
            &device,
        )
        .unwrap();
        let b = Net::new(
            &NetConfig {
                kind: ModelKind::Lenet,
                activation: Activation::Relu,
                batch_norm: false,
                input: [1, 28, 28],
                num_classes: 10,
                kernels: Kernels::Burn,
            },
            6,
            &device,
        )
        .unwrap();
        let b = b.load_record(a.clone().into_record());
        let (mut pa, mut pb) = (Collect(Vec::new()), Collect(Vec::new()));
        a.visit(&mut pa);
        b.visit(&mut pb);
        assert_eq!(pa.0, pb.0, "values and ids after loading the record");
    }

    #[test]
    fn net_config_without_kernels_parses_as_cyclr() {
        let json = r#"{"kind":"lenet","activation":"relu","batch_norm":false,"input":[1,28,28],"num_classes":10}"#;
        let cfg: NetConfig = serde_json::from_str(json).unwrap();
        assert_eq!(cfg.kernels, Kernels::Cyclr);
        let cfg: NetConfig =
            serde_json::from_str(&json.replace('}', r#","kernels":"burn"}"#)).unwrap();
        assert_eq!(cfg.kernels, Kernels::Burn);
    }

    #[test]
    fn parse_names() {
        for name in MODEL_NAMES.split(", ") {
            assert_eq!(name.parse::<ModelKind>().unwrap().name(), name);
        }
        assert!("vgg".parse::<ModelKind>().is_err());
        assert_eq!(
            "sigmoid".parse::<Activation>().unwrap(),
            Activation::Sigmoid
        );
    }
}
