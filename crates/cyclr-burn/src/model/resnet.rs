//! `resnet`: conv 16@3×3 → BN → act → 3 basic residual blocks (16, 32/2, 64/2; two 3×3 conv+BN
//! each, a 1×1 conv+BN projection shortcut when the shape changes) → global average pool → FC
//! classes (a ResNet-8; always with batch norm).
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::layers::{ConvBn, Init};
use super::{Activation, NetConfig};
use crate::kernels::Kernels;

/// A basic residual block.
#[derive(Module, Debug)]
pub struct BasicBlock {
    pub(super) conv1: ConvBn,
    pub(super) conv2: ConvBn,
    pub(super) shortcut: Option<ConvBn>,
    #[module(skip)]
    pub(super) act: Activation,
}

/// See the [module documentation](self).
#[derive(Module, Debug)]
pub struct Resnet {
    pub(super) stem: ConvBn,
    pub(super) blocks: Vec<BasicBlock>,
    pub(super) fc: Linear,
    #[module(skip)]
    pub(super) act: Activation,
    #[module(skip)]
    pub(super) kernels: Kernels,
}

impl Resnet {
    pub(super) fn new(init: &mut Init, cfg: &NetConfig) -> Resnet {
        let [c, _, _] = cfg.input;
        let act = cfg.activation;
        let cb = |init: &mut Init, ci: usize, co: usize, k: usize, s: usize| ConvBn {
            conv: init.conv(ci, co, k, s, k / 2, false),
            bn: init.bn(co, true),
        };
        let stem = cb(init, c, 16, 3, 1);
        let mut blocks = Vec::new();
        let mut ci = 16;
        for (co, stride) in [(16, 1), (32, 2), (64, 2)] {
            let shortcut = (stride != 1 || ci != co).then(|| cb(init, ci, co, 1, stride));
            blocks.push(BasicBlock {
                conv1: cb(init, ci, co, 3, stride),
                conv2: cb(init, co, co, 3, 1),
                shortcut,
                act,
            });
            ci = co;
        }
        Resnet {
            stem,
            blocks,
            fc: init.linear(ci, cfg.num_classes),
            act,
            kernels: cfg.kernels,
        }
    }

    pub(super) fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let k = self.kernels;
        let mut x = self.act.apply(self.stem.forward(x, k));
        for b in &self.blocks {
            let y = self.act.apply(b.conv1.forward(x.clone(), k));
            let y = b.conv2.forward(y, k);
            let s = match &b.shortcut {
                Some(sc) => sc.forward(x, k),
                None => x,
            };
            x = b.act.apply(y.add(s));
        }
        let [n, ch, _, _] = x.dims();
        let x = x.mean_dim(3).mean_dim(2).reshape([n, ch]);
        self.fc.forward(x)
    }
}
