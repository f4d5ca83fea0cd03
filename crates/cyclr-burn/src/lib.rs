//! # cyclr-burn — cyclical learning rates on the burn deep-learning framework
//!
//! * [`scheduler`]: [`CyclrLrScheduler`], any `cyclr` schedule as a burn `LrScheduler`
//!   (usable in burn's own `Learner`; see `examples/learner.rs`).
//! * [`optim`]: [`CyclrOptimizer`], PyTorch-exact SGD / Adam(W) / RMSProp / Adagrad / Adadelta
//!   updates whose momentum (β1) is a per-step input, so schedules can cycle it.
//! * [`kernels`]: cyclr's own convolution and max-pool kernels on burn's Flex backend (a backend
//!   extension), selected by [`Kernels`].
//! * [`model`]: [`Net`], the networks (MLP, LeNet, Caffe CIFAR-10 quick/full, small ResNet).
//! * [`mod@train`]: the training loop ([`train()`](train::train)) with evaluation, metrics,
//!   crash-safe checkpoints and bit-exact resumption.
//! * [`mod@lr_find`]: the LR range test on any burn model ([`lr_find_model`]) or a [`Net`]
//!   ([`lr_find()`](lr_find::lr_find)), driving `cyclr`'s engine and restoring model and
//!   optimizer afterwards.
//! * [`experiment`]: policies × seeds from an experiment file ([`Experiment`],
//!   [`run_experiment`]), resumable and shardable.
//! * [`replay`]: the learning-rate-free optimizers' golden trajectories replayed
//!   (`examples/replay_optimizer.rs`, `tests/lrfree_golden.rs`).
//! * [`contest`]: the head-to-head of an experiment: every way of choosing a learning rate with
//!   its search counted.
//! * [`data`], [`checkpoint`], [`fsio`]: batches as tensors; the checkpoint file format; files
//!   that are never half-written.
//!
//! By default everything runs on burn's Flex CPU backend ([`device`]), which parallelises its
//! kernels (matrix products, convolutions) over all cores with rayon; with the `wgpu` or `cuda`
//! feature a run can train on a GPU ([`devices`]).
#![warn(missing_docs)]

pub mod average;
pub mod data;
pub mod devices;
pub mod experiment;
pub mod fsio;
pub mod kernels;
pub mod lr_find;
pub mod model;
pub mod optim;
pub mod replay;
pub mod scheduler;
pub mod train;

pub use devices::{DeviceError, DeviceSpec, WgpuAdapter};
pub use experiment::plan::{
    PlanError, PlanObserver, RangeTestPlan, RangeTestRecord, RangeTests, ReadyRun, RunPlan,
    SavedRangeTest, fill,
};
pub use experiment::{
    Experiment, ExperimentError, ExperimentObserver, Job, RunOptions, RunOutcome, RunSpec, Shard,
    collect_outcomes, run_experiment,
};
pub use kernels::Kernels;
pub use lr_find::{
    Clipped, FindLoop, FindObserver, FindOptimizer, Grouped, LoaderLoop, LrFindConfig, LrFindError,
    NetRangeTest, NoFindObserver, TextRangeTest, lr_find, lr_find_model, lr_find_model_observed,
};
pub use model::{Activation, Gpt, GptConfig, GptShape, ImageBatch, ModelKind, Net, NetConfig};
pub use optim::{CyclrOptimizer, MomentumCell, OptimizerConfig};
pub use scheduler::CyclrLrScheduler;
pub use train::{
    Divergence, DivergenceKind, EvalInfo, LrOrigin, MetricRow, RunDir, RunRecord, StepInfo,
    TrainConfig, TrainError, TrainObserver, TrainSummary, train,
};

/// The default training device: burn's Flex CPU backend with autodiff ([`DeviceSpec::Cpu`]).
pub fn device() -> burn::tensor::Device {
    burn::tensor::Device::flex().autodiff()
}

/// A fresh, empty directory under the system temp dir, for tests.
#[cfg(test)]
pub(crate) fn test_dir(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cyclr-burn-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
