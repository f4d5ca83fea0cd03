//! What the networks are built from: the seeded initialiser (PyTorch's default `U(−1/√fan_in,
//! 1/√fan_in)`), a fully connected or convolution layer with optional batch norm, Caffe's
//! pooling sizes (ceil mode, clipped windows) and its within-channel LRN.
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::{AvgPoolOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;
use rand::rngs::StdRng;

use crate::kernels::Kernels;

// ---------------------------------------------------------------------------------------------
// Initialisation.
// ---------------------------------------------------------------------------------------------

pub(super) struct Init {
    pub(super) rng: StdRng,
    pub(super) device: Device,
}

impl Init {
    pub(super) fn uniform<const D: usize>(
        &mut self,
        shape: [usize; D],
        bound: f64,
    ) -> Param<Tensor<D>> {
        let n: usize = shape.iter().product();
        let b = bound as f32;
        let values: Vec<f32> = (0..n)
            .map(|_| {
                if b > 0.0 {
                    self.rng.random_range(-b..b)
                } else {
                    0.0
                }
            })
            .collect();
        Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            &self.device,
        ))
    }

    pub(super) fn linear(&mut self, d_in: usize, d_out: usize) -> Linear {
        let mut layer = LinearConfig::new(d_in, d_out).init(&self.device);
        let bound = 1.0 / (d_in as f64).sqrt();
        layer.weight = self.uniform([d_in, d_out], bound);
        layer.bias = Some(self.uniform([d_out], bound));
        layer
    }

    pub(super) fn conv(
        &mut self,
        c_in: usize,
        c_out: usize,
        k: usize,
        stride: usize,
        pad: usize,
        bias: bool,
    ) -> Conv2d {
        let mut layer = Conv2dConfig::new([c_in, c_out], [k, k])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .with_bias(bias)
            .init(&self.device);
        let fan_in = c_in * k * k;
        let bound = 1.0 / (fan_in as f64).sqrt();
        layer.weight = self.uniform([c_out, c_in, k, k], bound);
        layer.bias = bias.then(|| self.uniform([c_out], bound));
        layer
    }

    pub(super) fn bn(&mut self, features: usize, enabled: bool) -> Option<BatchNorm> {
        enabled.then(|| BatchNormConfig::new(features).init(&self.device))
    }
}

pub(super) fn bn_fwd<const D: usize>(bn: &Option<BatchNorm>, x: Tensor<D>) -> Tensor<D> {
    match bn {
        Some(bn) => bn.forward(x),
        None => x,
    }
}

/// Output size of a convolution / pooling along one axis (`ceil`: Caffe/PyTorch ceil mode).
pub(super) fn out_size(n: usize, k: usize, s: usize, p: usize, ceil: bool) -> Option<usize> {
    let padded = n + 2 * p;
    if padded < k {
        return None;
    }
    let span = padded - k;
    let mut o = if ceil { span.div_ceil(s) } else { span / s } + 1;
    // PyTorch/Caffe: the last window must start inside the input (or left padding).
    if ceil && (o - 1) * s >= n + p {
        o -= 1;
    }
    Some(o)
}

/// Output size of a Caffe pooling layer (ceil mode; a window larger than the input is clipped
/// to it, giving one output).
pub(super) fn caffe_pool_out(n: usize, k: usize, s: usize) -> Option<usize> {
    if n == 0 {
        None
    } else if n <= k {
        Some(1)
    } else {
        out_size(n, k, s, 0, true)
    }
}

/// The pooling kernel actually used on an `h×w` input: Caffe clips a window larger than the
/// input to the input (for average pooling it also divides by the clipped size), which is a
/// `min(k, n)` kernel.
pub(super) fn clipped_kernel(x: &Tensor<4>, k: usize, ceil: bool) -> [usize; 2] {
    let [_, _, h, w] = x.dims();
    if ceil { [k.min(h), k.min(w)] } else { [k, k] }
}

pub(super) fn max_pool(
    x: Tensor<4>,
    k: usize,
    s: usize,
    ceil: bool,
    kernels: Kernels,
) -> Tensor<4> {
    let kernel = clipped_kernel(&x, k, ceil);
    kernels.max_pool2d(
        x,
        MaxPoolOptions::new(kernel)
            .with_stride([s, s])
            .with_ceil_mode(ceil),
    )
}

pub(super) fn avg_pool(x: Tensor<4>, k: usize, s: usize, ceil: bool) -> Tensor<4> {
    let kernel = clipped_kernel(&x, k, ceil);
    avg_pool2d(
        x,
        AvgPoolOptions::new(kernel)
            .with_stride([s, s])
            .with_ceil_mode(ceil),
    )
}

/// Caffe's within-channel LRN: `x / (1 + α · avg_{n×n, zero-padded}(x²))^β`.
pub(super) fn lrn_within_channel(x: Tensor<4>) -> Tensor<4> {
    const SIZE: usize = 3;
    const ALPHA: f64 = 5e-5;
    const BETA: f64 = 0.75;
    let avg = avg_pool2d(
        x.clone().square(),
        AvgPoolOptions::new([SIZE, SIZE])
            .with_stride([1, 1])
            .with_padding([(SIZE - 1) / 2; 2])
            .with_count_include_pad(true),
    );
    x.div(avg.mul_scalar(ALPHA).add_scalar(1.0).powf_scalar(BETA))
}

/// A fully connected layer with optional batch norm.
#[derive(Module, Debug)]
pub struct Dense {
    pub(super) linear: Linear,
    pub(super) bn: Option<BatchNorm>,
}

impl Dense {
    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        bn_fwd(&self.bn, self.linear.forward(x))
    }
}

/// A convolution with optional batch norm.
#[derive(Module, Debug)]
pub struct ConvBn {
    pub(super) conv: Conv2d,
    pub(super) bn: Option<BatchNorm>,
}

impl ConvBn {
    pub(super) fn forward(&self, x: Tensor<4>, kernels: Kernels) -> Tensor<4> {
        bn_fwd(&self.bn, kernels.conv2d(&self.conv, x))
    }
}
