//! The runtime: [`CyclrOptimizer`], a whole-module optimizer over one of the family updates
//! (burn's per-parameter [`ModuleOptimizer`] for the PyTorch optimizers, the
//! [`group`](super::group) engine for the learning-rate-free ones), and the [`MomentumCell`] it
//! reads each step's momentum from.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::store::RecordError;
use burn::tensor::Bytes;
use cyclr::ParamError;

use super::{
    DAdaptAdam, DAdaptSgd, GroupEngine, OptimizerConfig, Prodigy, ScheduleFree, ScheduleFreeStep,
};

/// The momentum of the current step, shared between a [`CyclrOptimizer`] (which reads it in
/// every parameter update) and whoever sets it: [`CyclrOptimizer::step`], or a
/// [`CyclrLrScheduler`](crate::scheduler::CyclrLrScheduler) linked with
/// [`with_momentum_cell`](crate::scheduler::CyclrLrScheduler::with_momentum_cell) when burn's
/// own `Learner` drives the optimizer.
///
/// Clones share the value. Stored as the bits of an `f64` in an atomic.
#[derive(Clone, Debug)]
pub struct MomentumCell(Arc<AtomicU64>);

impl MomentumCell {
    /// A cell holding `value`.
    pub fn new(value: f64) -> Self {
        MomentumCell(Arc::new(AtomicU64::new(value.to_bits())))
    }
    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    /// Sets the value used by the next updates.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed)
    }
}

/// What does the updates: burn's per-parameter [`ModuleOptimizer`] for the PyTorch optimizers,
/// the [`group`](super::group) engine for the learning-rate-free ones.
#[derive(Clone)]
enum Engine {
    PerParam(ModuleOptimizer),
    ScheduleFree(GroupEngine<ScheduleFree>),
    Prodigy(GroupEngine<Prodigy>),
    DAdaptAdam(GroupEngine<DAdaptAdam>),
    DAdaptSgd(GroupEngine<DAdaptSgd>),
}

/// A whole-module optimizer (burn's [`ModuleOptimizer`] over one of the updates above, or the
/// [`group`](super::group) engine of a learning-rate-free optimizer) whose momentum is set per step.
///
/// Clones share the [`MomentumCell`] (which [`step`](Self::step) sets before every update) and
/// copy the per-parameter state (immutable tensors), so a clone is an exact snapshot of the
/// optimizer state.
#[derive(Clone)]
pub struct CyclrOptimizer {
    config: OptimizerConfig,
    momentum: MomentumCell,
    engine: Engine,
}

impl std::fmt::Debug for CyclrOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CyclrOptimizer")
            .field("config", &self.config)
            .field("momentum", &self.momentum.get())
            .field("d", &self.d())
            .finish_non_exhaustive()
    }
}

fn record_err(e: String) -> RecordError {
    RecordError::Io(e)
}

impl CyclrOptimizer {
    /// Builds the optimizer (validating `config`); no state until the first step.
    pub fn new(config: &OptimizerConfig) -> Result<Self, ParamError> {
        config.validate()?;
        let momentum = MomentumCell::new(config.default_momentum().unwrap_or(0.0));
        let per_param = |m: ModuleOptimizer| Engine::PerParam(m);
        let engine = match config {
            OptimizerConfig::Sgd(c) => per_param(c.optimizer(momentum.clone()).into()),
            OptimizerConfig::Adam(c) => per_param(c.optimizer(momentum.clone()).into()),
            OptimizerConfig::Rmsprop(c) => per_param(c.optimizer(momentum.clone()).into()),
            OptimizerConfig::Adagrad(c) => per_param(c.optimizer().into()),
            OptimizerConfig::Adadelta(c) => per_param(c.optimizer().into()),
            OptimizerConfig::SgdScheduleFree(c) => {
                Engine::ScheduleFree(GroupEngine::new(c.optimizer()))
            }
            OptimizerConfig::AdamwScheduleFree(c) => {
                Engine::ScheduleFree(GroupEngine::new(c.optimizer()))
            }
            OptimizerConfig::Prodigy(c) => Engine::Prodigy(GroupEngine::new(*c)),
            OptimizerConfig::DadaptAdam(c) => Engine::DAdaptAdam(GroupEngine::new(*c)),
            OptimizerConfig::DadaptSgd(c) => Engine::DAdaptSgd(GroupEngine::new(*c)),
        };
        Ok(CyclrOptimizer {
            config: config.clone(),
            momentum,
            engine,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The shared cell the updates read their momentum from.
    pub fn momentum_cell(&self) -> MomentumCell {
        self.momentum.clone()
    }

    /// The momentum (β1) [`step`](Self::step) uses for `momentum`: the schedule's value where it
    /// gives one and the optimizer has a momentum, else the configured one (`None` for Adagrad,
    /// Adadelta and the learning-rate-free optimizers).
    pub fn effective_momentum(&self, momentum: Option<f64>) -> Option<f64> {
        let default = self.config.default_momentum()?;
        Some(momentum.unwrap_or(default))
    }

    /// One optimizer step on `module` with learning rate `lr` and, where given, this step's
    /// momentum (SGD/RMSProp momentum or Adam β1; `None`: the configured value).
    ///
    /// Schedule-free: the gradients must have been taken at `y` ([`train_mode`](Self::train_mode));
    /// a step in evaluation mode treats the parameters as `y` and leaves training mode on (the
    /// package raises an error instead).
    pub fn step<M: Module>(
        &mut self,
        lr: f64,
        momentum: Option<f64>,
        module: M,
        grads: GradientsParams,
    ) -> M {
        if let Some(m) = self.effective_momentum(momentum) {
            self.momentum.set(m);
        }
        match &mut self.engine {
            Engine::PerParam(o) => o.step(lr, module, grads),
            Engine::ScheduleFree(e) => {
                e.group.train_mode = true;
                e.step(lr, module, grads)
            }
            Engine::Prodigy(e) => e.step(lr, module, grads),
            Engine::DAdaptAdam(e) => e.step(lr, module, grads),
            Engine::DAdaptSgd(e) => e.step(lr, module, grads),
        }
    }

    /// [`step`](Self::step) with per-group learning rates: a parameter of `groups[i].0` is
    /// updated at `lr · groups[i].1` (the last matching group wins), the others at `lr` —
    /// burn's [`ModuleLearningRate`](burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate),
    /// as its `ModuleLrScheduler` makes it. Only burn's per-parameter optimizers (SGD, Adam(W),
    /// RMSProp, Adagrad, Adadelta) take several rates
    /// ([`OptimizerConfig::takes_group_rates`](super::OptimizerConfig::takes_group_rates));
    /// with another optimizer every parameter gets `lr` (callers refuse that case first).
    pub fn step_grouped<M: Module>(
        &mut self,
        lr: f64,
        momentum: Option<f64>,
        groups: &[(burn::module::ParamGroup, f64)],
        module: M,
        grads: GradientsParams,
    ) -> M {
        if groups.is_empty() {
            return self.step(lr, momentum, module, grads);
        }
        if let Some(m) = self.effective_momentum(momentum) {
            self.momentum.set(m);
        }
        match &mut self.engine {
            Engine::PerParam(o) => {
                let mut rates = burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler::new(lr);
                for (group, scale) in groups {
                    rates = rates.with_group(group.clone(), lr * scale);
                }
                o.step(rates.step(), module, grads)
            }
            _ => self.step(lr, momentum, module, grads),
        }
    }

    /// Prodigy's and D-Adaptation's step-size estimate `d` after the last step (its initial
    /// `d0` before the first); `None` for the other optimizers.
    pub fn d(&self) -> Option<f64> {
        match &self.engine {
            Engine::Prodigy(e) => Some(e.group.d),
            Engine::DAdaptAdam(e) => Some(e.group.d),
            Engine::DAdaptSgd(e) => Some(e.group.d),
            _ => None,
        }
    }

    /// Schedule-free: the last step's learning rate after its warm-up (`scheduled_lr`).
    pub fn scheduled_lr(&self) -> Option<f64> {
        match &self.engine {
            Engine::ScheduleFree(e) => Some(e.group.scheduled_lr),
            _ => None,
        }
    }

    /// Whether the model is at its training point: always, except for a schedule-free optimizer
    /// switched to [`eval_mode`](Self::eval_mode).
    pub fn is_train_mode(&self) -> bool {
        match &self.engine {
            Engine::ScheduleFree(e) => e.group.train_mode,
            _ => true,
        }
    }

    /// The evaluation point of `module` without switching modes: schedule-free's `x = lerp(y, z,
    /// 1 − 1/β)` computed exactly as `optimizer.eval()` does, on a copy, so that `y` stays
    /// exactly as it is (the package's in-place `eval()` then `train()` round trip moves `y` by
    /// a rounding error); `module` itself when it is already at `x` or for every other optimizer.
    pub fn eval_params<M: Module>(&self, module: M) -> M {
        match &self.engine {
            Engine::ScheduleFree(e) if e.group.train_mode => {
                let sf = e.optim;
                e.map_params(module, |y, st| sf.to_x(y, st.z.clone()))
            }
            _ => module,
        }
    }

    /// `module` at its evaluation point: schedule-free's `optimizer.eval()` (`x = lerp(y, z, 1 −
    /// 1/β)` for every parameter with a state; nothing when already in evaluation mode); the
    /// module unchanged for every other optimizer.
    pub fn eval_mode<M: Module>(&mut self, module: M) -> M {
        match &mut self.engine {
            Engine::ScheduleFree(e) if e.group.train_mode => {
                let sf = e.optim;
                let m = e.map_params(module, |y, st| sf.to_x(y, st.z.clone()));
                e.group.train_mode = false;
                m
            }
            _ => module,
        }
    }

    /// `module` back at its training point: schedule-free's `optimizer.train()` (`y = lerp(x, z,
    /// 1 − β)`; nothing when already in training mode); the module unchanged for every other
    /// optimizer.
    pub fn train_mode<M: Module>(&mut self, module: M) -> M {
        match &mut self.engine {
            Engine::ScheduleFree(e) if !e.group.train_mode => {
                let sf = e.optim;
                let m = e.map_params(module, |x, st| sf.to_y(x, st.z.clone()));
                e.group.train_mode = true;
                m
            }
            _ => module,
        }
    }

    /// Number of `f32` values in the optimizer's per-parameter state (learning-rate-free
    /// optimizers only; `None` for burn's per-parameter engine, which does not expose it).
    pub fn state_numel(&self) -> Option<usize> {
        match &self.engine {
            Engine::PerParam(_) => None,
            Engine::ScheduleFree(e) => Some(e.state_numel()),
            Engine::Prodigy(e) => Some(e.state_numel()),
            Engine::DAdaptAdam(e) => Some(e.state_numel()),
            Engine::DAdaptSgd(e) => Some(e.state_numel()),
        }
    }

    /// The state serialized: burn's burnpack format for the PyTorch optimizers, CBOR (every
    /// float exact) for the learning-rate-free ones.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        match &self.engine {
            Engine::PerParam(o) => Ok(o.into_bytes()?.to_vec()),
            Engine::ScheduleFree(e) => e.to_bytes().map_err(record_err),
            Engine::Prodigy(e) => e.to_bytes().map_err(record_err),
            Engine::DAdaptAdam(e) => e.to_bytes().map_err(record_err),
            Engine::DAdaptSgd(e) => e.to_bytes().map_err(record_err),
        }
    }

    /// Loads a state written by [`to_bytes`](Self::to_bytes) of the same kind of optimizer.
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), RecordError> {
        match &mut self.engine {
            Engine::PerParam(o) => {
                let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))?;
                *o = o.clone().load_record(record);
                Ok(())
            }
            Engine::ScheduleFree(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::Prodigy(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::DAdaptAdam(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::DAdaptSgd(e) => e.load_bytes(bytes).map_err(record_err),
        }
    }

    /// The underlying burn [`ModuleOptimizer`] (sharing the momentum cell), e.g. for burn's
    /// `Learner`; pair it with a scheduler linked through
    /// [`CyclrLrScheduler::with_momentum_cell`](crate::scheduler::CyclrLrScheduler::with_momentum_cell)
    /// to cycle the momentum there.
    ///
    /// Schedule-free becomes burn's per-parameter form ([`ScheduleFreeStep`]; turn the trained
    /// model into `x` with [`schedule_free_eval`](super::schedule_free_eval)). Prodigy and D-Adaptation have none — their `d`
    /// sums over every parameter before any moves, which a per-parameter `ModuleOptimizer`
    /// cannot do — and give an error: drive them with [`step`](Self::step) in your own loop,
    /// or with [`train`](crate::train::train).
    pub fn into_module_optimizer(self) -> Result<ModuleOptimizer, ParamError> {
        match self.engine {
            Engine::PerParam(o) => Ok(o),
            Engine::ScheduleFree(e) => Ok(ScheduleFreeStep(e.optim).into()),
            _ => Err(ParamError::new(
                "optimizer",
                self.config.name(),
                "has no per-parameter form for burn's Learner (its step size d sums over every \
                 parameter before any moves): drive it with CyclrOptimizer::step in your own \
                 loop, or with cyclr_burn::train",
            )),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! What the per-optimizer tests share: a 3-parameter model with a constant gradient.
    use super::*;
    use crate::optim::{AdamConfig, RmspropConfig, SgdConfig};
    use burn::module::Param;
    use burn::tensor::Tensor;

    #[derive(Module, Debug)]
    pub(crate) struct Vector {
        pub(crate) w: Param<Tensor<1>>,
    }

    pub(crate) const P0: [f32; 3] = [1.0, -2.0, 0.5];
    /// The loss `Σ g_i·w_i` has the constant gradient `G`.
    pub(crate) const G: [f32; 3] = [0.1, -0.2, 0.3];

    /// Runs `optim` for one step per `(lr, momentum)` and returns the parameters.
    pub(crate) fn run(config: OptimizerConfig, steps: &[(f64, Option<f64>)]) -> Vec<f32> {
        let device = crate::device();
        let mut model = Vector {
            w: Param::from_tensor(Tensor::from_floats(P0, &device)),
        };
        let mut optim = CyclrOptimizer::new(&config).unwrap();
        let g = Tensor::<1>::from_floats(G, &device);
        for &(lr, m) in steps {
            let loss = model.w.val().mul(g.clone()).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, m, model, grads);
        }
        model.w.val().into_data().try_to_vec::<f32>().unwrap()
    }

    pub(crate) fn assert_close(got: &[f32], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            let err = (f64::from(*g) - w).abs();
            assert!(err <= 2e-6 * w.abs().max(1.0), "got {got:?}, want {want:?}");
        }
    }

    pub(crate) fn sgd(nesterov: bool) -> OptimizerConfig {
        OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.9,
            nesterov,
            weight_decay: 0.01,
        })
    }

    /// The state survives a byte round trip: the next update is identical, bit for bit.
    #[test]
    fn state_round_trip_is_exact() {
        let device = crate::device();
        for config in [
            sgd(true),
            OptimizerConfig::Adam(AdamConfig {
                beta1: 0.9,
                beta2: 0.99,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled_weight_decay: false,
                decay_vectors: true,
            }),
            OptimizerConfig::Rmsprop(RmspropConfig {
                alpha: 0.9,
                eps: 1e-8,
                momentum: 0.5,
                weight_decay: 0.0,
            }),
        ] {
            let model = Vector {
                w: Param::from_tensor(Tensor::from_floats(P0, &device)),
            };
            let g = Tensor::<1>::from_floats(G, &device);
            let grads = |m: &Vector| {
                GradientsParams::from_grads(m.w.val().mul(g.clone()).sum().backward(), m)
            };
            let mut a = CyclrOptimizer::new(&config).unwrap();
            let g0 = grads(&model);
            let model = a.step(0.1, Some(0.9), model, g0);
            let mut b = CyclrOptimizer::new(&config).unwrap();
            b.load_bytes(&a.to_bytes().unwrap()).unwrap();
            let ma = a.step(0.1, Some(0.8), model.clone(), grads(&model));
            let mb = b.step(0.1, Some(0.8), model.clone(), grads(&model));
            let va: Vec<f32> = ma.w.val().into_data().try_to_vec::<f32>().unwrap();
            let vb: Vec<f32> = mb.w.val().into_data().try_to_vec::<f32>().unwrap();
            assert_eq!(va, vb, "{}", config.name());
        }
    }
}
