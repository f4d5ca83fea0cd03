//! # cyclr — cyclical learning rates, framework-free
//!
//! * [`schedule`]: every learning-rate policy as a pure function of the iteration
//!   (`lr(t)`, `momentum(t)`), exact to PyTorch's and fastai's own numbers.
//! * [`finder`]: the LR range test as an ask/tell engine any training loop can drive,
//!   with fastai-exact smoothing and suggestions, and CLR bounds.
//!
//! No ML-framework dependency: the burn integration lives in `cyclr-burn`.
#![warn(missing_docs)]
pub mod average;
pub mod compare;
pub mod error;
pub mod finder;
pub mod schedule;
pub mod serde_float;

pub use error::ParamError;
pub use schedule::Schedule;
