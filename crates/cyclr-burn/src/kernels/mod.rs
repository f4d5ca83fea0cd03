//! cyclr's own CPU kernels for the convolutions and max pools of the built-in networks, plugged
//! into burn as a backend extension (not a fork): faster than burn-flex 0.22.1's generic paths
//! for these shapes, exact to rounding, and deterministic whatever the number of threads.
//!
//! * [`conv2d`](conv2d()): 2-D convolution (forward; input, weight and bias gradients) as
//!   im2col + GEMM per sample ([`conv2d` module](mod@conv2d) for the math and layout).
//! * [`max_pool2d`]: max pooling with `i32` argmax indices ([`max_pool`] module); its backward
//!   pass is burn-flex's own.
//! * [`extension`]: the `#[backend_extension(Flex, Autodiff)]` trait [`CyclrKernels`], its
//!   `Flex` implementation and its hand-written `Autodiff` backward steps.
//!
//! The functions here take the fast path when they support the case (listed on each) and
//! otherwise call burn's own operation, so they are drop-in replacements that accept whatever
//! burn accepts. They create no parameters: a network's record and checkpoints are the same
//! with either [`Kernels`].
//!
//! The kernels are exact up to floating-point summation order: a convolution sums the same
//! products as burn's in another order, so results agree with burn's to rounding (not bit for
//! bit; the tests bound the difference by 1e-5 of each tensor's largest magnitude); max pooling
//! is bit-identical (values, and the gradient routing including ties and NaNs). Weight and bias
//! gradients are summed over fixed chunks of samples in a fixed order, so every result is
//! independent of the number of rayon threads; a run is as reproducible (and a resumed run as
//! bit-exact) as with burn's kernels.

pub mod conv2d;
pub mod extension;
pub mod max_pool;

use std::fmt;
use std::str::FromStr;

use burn::backend::{Dispatch, DispatchDevice};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

pub use conv2d::ConvGeom;
pub use extension::CyclrKernels;
pub use max_pool::PoolGeom;

/// Which kernels the networks' convolutions and max pools use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernels {
    /// cyclr's kernels ([`conv2d`](conv2d()), [`max_pool2d`]) where they apply, burn's
    /// elsewhere.
    #[default]
    Cyclr,
    /// burn's own operations throughout.
    Burn,
}

/// The accepted kernel names.
pub const KERNEL_NAMES: &str = "cyclr, burn";

impl Kernels {
    /// The name [`FromStr`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Kernels::Cyclr => "cyclr",
            Kernels::Burn => "burn",
        }
    }

    /// `conv.forward(x)` with these kernels.
    pub fn conv2d(self, conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
        match self {
            Kernels::Cyclr => conv2d(conv, x),
            Kernels::Burn => conv.forward(x),
        }
    }

    /// `burn::tensor::module::max_pool2d(x, options)` with these kernels.
    pub fn max_pool2d(self, x: Tensor<4>, options: MaxPoolOptions<2>) -> Tensor<4> {
        match self {
            Kernels::Cyclr => max_pool2d(x, options),
            Kernels::Burn => burn::tensor::module::max_pool2d(x, options),
        }
    }
}

impl fmt::Display for Kernels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Not one of [`KERNEL_NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kernels `{0}` (expected one of: {KERNEL_NAMES})")]
pub struct UnknownKernels(pub String);

impl FromStr for Kernels {
    type Err = UnknownKernels;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cyclr" => Ok(Kernels::Cyclr),
            "burn" => Ok(Kernels::Burn),
            _ => Err(UnknownKernels(s.to_owned())),
        }
    }
}

/// Whether `device` is burn-flex's (with or without autodiff).
fn on_flex(device: &Device) -> bool {
    #[allow(unreachable_patterns)]
    match device.as_dispatch() {
        DispatchDevice::Flex(_) => true,
        DispatchDevice::Autodiff(inner) => matches!(inner.clone().inner(), DispatchDevice::Flex(_)),
        _ => false,
    }
}

/// The geometry of `conv` on `x` when cyclr's kernel supports it: `f32` on the Flex backend,
/// groups 1, dilation 1, any stride, `Valid` or `Explicit` padding (also asymmetric), and shapes
/// burn accepts.
fn conv2d_geom(conv: &Conv2d, x: &Tensor<4>) -> Option<ConvGeom> {
    if conv.groups != 1 || conv.dilation != [1, 1] {
        return None;
    }
    let padding = match conv.padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
        PaddingConfig2d::Same => return None,
    };
    let geom = ConvGeom {
        stride: conv.stride,
        padding,
    };
    let weight = conv.weight.val();
    let f32s = x.dtype() == DType::F32
        && weight.dtype() == DType::F32
        && conv
            .bias
            .as_ref()
            .is_none_or(|b| b.val().dtype() == DType::F32);
    let [co, _, kh, kw] = weight.dims();
    let bias_fits = conv.bias.as_ref().is_none_or(|b| b.val().dims() == [co]);
    let ok = f32s
        && bias_fits
        && [kh, kw] == conv.kernel_size
        && on_flex(&x.device())
        && conv2d::Dims::new(x.dims(), weight.dims(), &geom).is_some();
    ok.then_some(geom)
}

/// Whether [`conv2d`](conv2d()) takes cyclr's kernel for `conv` on `x` (else it calls burn's).
pub fn conv2d_takes_fast_path(conv: &Conv2d, x: &Tensor<4>) -> bool {
    conv2d_geom(conv, x).is_some()
}

/// `conv.forward(x)`, with cyclr's kernel for `f32` tensors on the Flex backend, groups 1,
/// dilation 1, any stride and `Valid` or `Explicit` padding; burn's `Conv2d::forward` otherwise.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let Some(geom) = conv2d_geom(conv, &x) else {
        return conv.forward(x);
    };
    let (x, weight) = (x.into_dispatch(), conv.weight.val().into_dispatch());
    Tensor::from_dispatch(match &conv.bias {
        Some(bias) => {
            <Dispatch as CyclrKernels>::cyclr_conv2d(x, weight, bias.val().into_dispatch(), geom)
        }
        None => <Dispatch as CyclrKernels>::cyclr_conv2d_no_bias(x, weight, geom),
    })
}

/// The geometry of a max pool of `x` when cyclr's kernel supports it: `f32` on the Flex backend,
/// no padding, dilation 1, any kernel and stride, floor or ceil mode, a non-empty output.
fn max_pool2d_geom(x: &Tensor<4>, options: &MaxPoolOptions<2>) -> Option<PoolGeom> {
    if options.padding != [(0, 0), (0, 0)] || options.dilation != [1, 1] {
        return None;
    }
    let geom = PoolGeom {
        kernel: options.kernel_size,
        stride: options.stride,
        ceil_mode: options.ceil_mode,
    };
    let ok = x.dtype() == DType::F32
        && on_flex(&x.device())
        && max_pool::out_dims(x.dims(), &geom).is_some();
    ok.then_some(geom)
}

/// Whether [`max_pool2d`] takes cyclr's kernel for `x` and `options` (else it calls burn's).
pub fn max_pool2d_takes_fast_path(x: &Tensor<4>, options: &MaxPoolOptions<2>) -> bool {
    max_pool2d_geom(x, options).is_some()
}

/// `burn::tensor::module::max_pool2d(x, options)`, with cyclr's kernel for `f32` tensors on the
/// Flex backend without padding or dilation (any kernel, stride, floor or ceil mode); burn's
/// otherwise.
pub fn max_pool2d(x: Tensor<4>, options: MaxPoolOptions<2>) -> Tensor<4> {
    let Some(geom) = max_pool2d_geom(&x, &options) else {
        return burn::tensor::module::max_pool2d(x, options);
    };
    Tensor::from_dispatch(<Dispatch as CyclrKernels>::cyclr_max_pool2d(
        x.into_dispatch(),
        geom,
    ))
}
