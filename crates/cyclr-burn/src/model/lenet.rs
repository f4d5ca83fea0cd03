//! `lenet`: conv 20@5×5 → act → maxpool 2 → conv 50@5×5 → act → maxpool 2 → FC 500 → act → FC
//! classes (Caffe LeNet's sizes, plus an activation after each convolution; "valid"
//! convolutions when H, W ≥ 16, "same" padding below, so 8×8 digits fit).
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::layers::{ConvBn, Dense, Init, max_pool, out_size};
use super::{Activation, ModelError, NetConfig};
use crate::kernels::Kernels;

/// See the [module documentation](self).
#[derive(Module, Debug)]
pub struct Lenet {
    pub(super) conv1: ConvBn,
    pub(super) conv2: ConvBn,
    pub(super) fc1: Dense,
    pub(super) fc2: Linear,
    #[module(skip)]
    pub(super) act: Activation,
    #[module(skip)]
    pub(super) kernels: Kernels,
}

impl Lenet {
    pub(super) fn new(init: &mut Init, cfg: &NetConfig) -> Result<Lenet, ModelError> {
        let [c, h, w] = cfg.input;
        let bn = cfg.batch_norm;
        let pad = if h >= 16 && w >= 16 { 0 } else { 2 };
        let size = |n: usize| -> Option<usize> {
            let n = out_size(n, 5, 1, pad, false)?;
            let n = out_size(n, 2, 2, 0, false)?;
            let n = out_size(n, 5, 1, pad, false)?;
            out_size(n, 2, 2, 0, false)
        };
        let (oh, ow) = match (size(h), size(w)) {
            (Some(a), Some(b)) if a > 0 && b > 0 => (a, b),
            _ => return Err(cfg.bad_input("lenet needs at least 4x4")),
        };
        let conv1 = ConvBn {
            conv: init.conv(c, 20, 5, 1, pad, true),
            bn: init.bn(20, bn),
        };
        let conv2 = ConvBn {
            conv: init.conv(20, 50, 5, 1, pad, true),
            bn: init.bn(50, bn),
        };
        let flat = 50 * oh * ow;
        Ok(Lenet {
            conv1,
            conv2,
            fc1: Dense {
                linear: init.linear(flat, 500),
                bn: init.bn(500, bn),
            },
            fc2: init.linear(500, cfg.num_classes),
            act: cfg.activation,
            kernels: cfg.kernels,
        })
    }

    pub(super) fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let k = self.kernels;
        let x = max_pool(self.act.apply(self.conv1.forward(x, k)), 2, 2, false, k);
        let x = max_pool(self.act.apply(self.conv2.forward(x, k)), 2, 2, false, k);
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.act.apply(self.fc1.forward(x));
        self.fc2.forward(x)
    }
}
