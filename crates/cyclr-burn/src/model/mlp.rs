//! `mlp`: flatten → FC 512 → act → FC 256 → act → FC classes (batch norm after each hidden FC
//! layer when asked).
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::layers::{Dense, Init};
use super::{Activation, NetConfig};

/// See the [module documentation](self).
#[derive(Module, Debug)]
pub struct Mlp {
    pub(super) hidden: Vec<Dense>,
    pub(super) out: Linear,
    #[module(skip)]
    pub(super) act: Activation,
}

impl Mlp {
    pub(super) fn new(init: &mut Init, cfg: &NetConfig) -> Mlp {
        let [c, h, w] = cfg.input;
        let mut d = c * h * w;
        let mut hidden = Vec::new();
        for width in [512, 256] {
            hidden.push(Dense {
                linear: init.linear(d, width),
                bn: init.bn(width, cfg.batch_norm),
            });
            d = width;
        }
        Mlp {
            hidden,
            out: init.linear(d, cfg.num_classes),
            act: cfg.activation,
        }
    }

    pub(super) fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x: Tensor<2> = x.flatten(1, 3);
        for layer in &self.hidden {
            x = self.act.apply(layer.forward(x));
        }
        self.out.forward(x)
    }
}
