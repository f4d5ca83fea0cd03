//! `cifar10-quick` and `cifar10-full`, the two Caffe CIFAR-10 networks the CLR paper trains
//! (`cifar10_quick` and `cifar10_full` prototxts; pooling in ceil mode, `full` with Caffe's
//! within-channel LRN).
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::layers::{
    ConvBn, Init, avg_pool, caffe_pool_out, lrn_within_channel, max_pool, out_size,
};
use super::{Activation, ModelError, ModelKind, NetConfig};
use crate::kernels::Kernels;

/// `cifar10-quick` and `cifar10-full` (see the [module documentation](self)).
#[derive(Module, Debug)]
pub struct CaffeCifar {
    pub(super) conv1: ConvBn,
    pub(super) conv2: ConvBn,
    pub(super) conv3: ConvBn,
    pub(super) fc1: Linear,
    pub(super) fc2: Option<Linear>,
    #[module(skip)]
    pub(super) act: Activation,
    #[module(skip)]
    pub(super) lrn: bool,
    #[module(skip)]
    pub(super) kernels: Kernels,
}

impl CaffeCifar {
    pub(super) fn new(init: &mut Init, cfg: &NetConfig) -> Result<CaffeCifar, ModelError> {
        let [c, h, w] = cfg.input;
        let bn = cfg.batch_norm;
        let classes = cfg.num_classes;
        let full = cfg.kind == ModelKind::Cifar10Full;
        let size = |n: usize| -> Option<usize> {
            let mut n = n;
            for _ in 0..3 {
                n = out_size(n, 5, 1, 2, false)?;
                n = caffe_pool_out(n, 3, 2)?;
            }
            Some(n)
        };
        let (oh, ow) = match (size(h), size(w)) {
            (Some(a), Some(b)) if a > 0 && b > 0 => (a, b),
            _ => return Err(cfg.bad_input("empty input")),
        };
        let conv1 = ConvBn {
            conv: init.conv(c, 32, 5, 1, 2, true),
            bn: init.bn(32, bn),
        };
        let conv2 = ConvBn {
            conv: init.conv(32, 32, 5, 1, 2, true),
            bn: init.bn(32, bn),
        };
        let conv3 = ConvBn {
            conv: init.conv(32, 64, 5, 1, 2, true),
            bn: init.bn(64, bn),
        };
        let flat = 64 * oh * ow;
        let (fc1, fc2) = if full {
            (init.linear(flat, classes), None)
        } else {
            (init.linear(flat, 64), Some(init.linear(64, classes)))
        };
        Ok(CaffeCifar {
            conv1,
            conv2,
            conv3,
            fc1,
            fc2,
            act: cfg.activation,
            lrn: full,
            kernels: cfg.kernels,
        })
    }

    pub(super) fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let k = self.kernels;
        let x = self
            .act
            .apply(max_pool(self.conv1.forward(x, k), 3, 2, true, k));
        let x = if self.lrn { lrn_within_channel(x) } else { x };
        let x = avg_pool(self.act.apply(self.conv2.forward(x, k)), 3, 2, true);
        let x = if self.lrn { lrn_within_channel(x) } else { x };
        let x = avg_pool(self.act.apply(self.conv3.forward(x, k)), 3, 2, true);
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.fc1.forward(x);
        match &self.fc2 {
            Some(fc2) => fc2.forward(x),
            None => x,
        }
    }
}
