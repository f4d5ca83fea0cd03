//! [`CyclrLrScheduler`]: any `cyclr` schedule as a burn [`LrScheduler`].
//!
//! A `cyclr` [`Schedule`] is a pure function of the iteration, so the scheduler's only state is
//! the iteration counter `t`: [`step`](LrScheduler::step) returns `lr(t)` and then increments
//! `t` (the first call returns `lr(0)`, as PyTorch's first optimizer step uses the initial lr).
//! The record holds `t` as an unsigned scalar under [`ITERATION_KEY`]; loading it restores the
//! counter exactly, so the remaining sequence is identical.
//!
//! burn's `Learner` passes only the learning rate to the optimizer. To cycle momentum there too,
//! link the scheduler to a [`CyclrOptimizer`](crate::optim::CyclrOptimizer)'s
//! [`MomentumCell`] with [`with_momentum_cell`](CyclrLrScheduler::with_momentum_cell): each
//! `step` then also stores `momentum(t)` (when the schedule cycles momentum) in the cell the
//! optimizer reads during the update that follows.
//!
//! **Per-group learning rates** (fastai's discriminative LRs: the head at `lr`, the body at
//! `lr/10`): [`grouped`](CyclrLrScheduler::grouped) turns the scheduler into burn's
//! [`ModuleLrScheduler`], which gives every parameter of a [`ParamGroup`] the same schedule
//! times the group's scale (`lr(t) · scale`; the momentum is the schedule's, set once per step).
//! burn's `Learner` takes it as it is; in a hand-written loop pass its `step()` to
//! `ModuleOptimizer::step`.

use std::sync::Arc;

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::module::ParamGroup;
use cyclr::schedule::ScheduleConfig;
use cyclr::{ParamError, Schedule};

use crate::optim::MomentumCell;

/// Record key of the iteration counter.
pub const ITERATION_KEY: &str = "cyclr.iteration";

/// A `cyclr` schedule driven by burn (see the [module documentation](self)).
#[derive(Clone, Debug)]
pub struct CyclrLrScheduler {
    schedule: Arc<dyn Schedule>,
    t: u64,
    momentum: Option<MomentumCell>,
    scale: f64,
}

impl CyclrLrScheduler {
    /// Wraps `schedule`, starting at iteration 0.
    pub fn new(schedule: Arc<dyn Schedule>) -> Self {
        CyclrLrScheduler {
            schedule,
            t: 0,
            momentum: None,
            scale: 1.0,
        }
    }

    /// Builds the schedule of `config` for a run of `total_iters` iterations.
    pub fn from_config(config: &ScheduleConfig, total_iters: u64) -> Result<Self, ParamError> {
        Ok(Self::new(Arc::from(config.build(total_iters)?)))
    }

    /// Also writes `momentum(t)` into `cell` at every step (for momentum cycling in burn's
    /// `Learner`; see the [module documentation](self)).
    pub fn with_momentum_cell(mut self, cell: MomentumCell) -> Self {
        self.momentum = Some(cell);
        self
    }

    /// Multiplies every learning rate by `scale` (the momentum is unchanged).
    pub fn with_scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }

    /// Per-group learning rates (see the [module documentation](self)): parameters of no group
    /// follow this scheduler; those of `groups[i].0` follow it times `groups[i].1` (the last
    /// matching group wins, as in burn). Only this scheduler writes the momentum cell.
    pub fn grouped(self, groups: Vec<(ParamGroup, f64)>) -> ModuleLrScheduler {
        let mut m = ModuleLrScheduler::new(self.clone());
        for (group, scale) in groups {
            let mut g = self.clone().with_scale(self.scale * scale);
            g.momentum = None;
            m = m.with_group(group, g);
        }
        m
    }

    /// Starts (or resumes) at iteration `t`.
    pub fn with_iteration(mut self, t: u64) -> Self {
        self.t = t;
        self
    }

    /// The iteration the next [`step`](LrScheduler::step) returns the lr of.
    pub fn iteration(&self) -> u64 {
        self.t
    }

    /// The wrapped schedule.
    pub fn schedule(&self) -> &Arc<dyn Schedule> {
        &self.schedule
    }

    /// Learning rate and momentum of the next step, without advancing.
    pub fn peek(&self) -> (f64, Option<f64>) {
        (
            self.schedule.lr(self.t) * self.scale,
            self.schedule.momentum(self.t),
        )
    }
}

impl LrScheduler for CyclrLrScheduler {
    fn step(&mut self) -> f64 {
        let (lr, momentum) = self.peek();
        if let (Some(cell), Some(m)) = (&self.momentum, momentum) {
            cell.set(m);
        }
        self.t = self.t.saturating_add(1);
        lr
    }

    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new().with_scalar(ITERATION_KEY, self.t)
    }

    /// Restores the counter; a record without [`ITERATION_KEY`] (e.g. one of another scheduler)
    /// leaves it unchanged.
    fn load_record(&mut self, record: LrSchedulerRecord) {
        if let Some(t) = record.scalar::<u64>(ITERATION_KEY) {
            self.t = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schedule with an irregular lr and a momentum, so that any off-by-one shows.
    #[derive(Debug)]
    struct Wiggle;
    impl Schedule for Wiggle {
        fn lr(&self, t: u64) -> f64 {
            0.01 + ((t * 7919) % 101) as f64 * 1e-3
        }
        fn momentum(&self, t: u64) -> Option<f64> {
            Some(0.85 + (t % 11) as f64 * 0.01)
        }
    }

    /// Two layers, the head at a tenth of the body's learning rate: after each step every
    /// parameter has moved by exactly its own group's `lr(t) · scale · gradient` (plain SGD).
    #[test]
    fn each_group_steps_with_its_own_learning_rate() {
        use burn::module::{Module, Param};
        use burn::optim::GradientsParams;
        use burn::tensor::Tensor;

        #[derive(Module, Debug)]
        struct Two {
            body: Param<Tensor<1>>,
            head: Param<Tensor<1>>,
        }
        let device = crate::device();
        let mut model = Two {
            body: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)),
            head: Param::from_tensor(Tensor::from_floats([3.0, 4.0], &device)),
        };
        let head = ParamGroup::from_ids(vec![model.head.id]);
        // Wiggle's lr changes every step, so a group stuck at another t would show.
        let mut sched = CyclrLrScheduler::new(Arc::new(Wiggle)).grouped(vec![(head, 0.1)]);
        let mut optim = crate::optim::CyclrOptimizer::new(&crate::OptimizerConfig::Sgd(
            crate::optim::SgdConfig {
                momentum: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            },
        ))
        .unwrap()
        .into_module_optimizer()
        .unwrap();
        let value =
            |p: &Param<Tensor<1>>| -> Vec<f32> { p.val().into_data().try_to_vec::<f32>().unwrap() };
        for t in 0..3 {
            let (b0, h0) = (value(&model.body), value(&model.head));
            // loss = Σ body + 2 Σ head: gradients 1 and 2.
            let loss = model
                .body
                .val()
                .sum()
                .add(model.head.val().sum().mul_scalar(2.0));
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let lrs = sched.step();
            model = optim.step(lrs, model, grads);
            let lr = Wiggle.lr(t);
            for (before, after) in b0.iter().zip(value(&model.body)) {
                assert!((before - lr as f32 - after).abs() < 1e-6, "body at t={t}");
            }
            for (before, after) in h0.iter().zip(value(&model.head)) {
                assert!(
                    (before - (lr * 0.1 * 2.0) as f32 - after).abs() < 1e-6,
                    "head at t={t}"
                );
            }
        }
    }

    #[test]
    fn step_returns_lr_of_t_then_advances() {
        let mut s = CyclrLrScheduler::new(Arc::new(Wiggle));
        for t in 0..50 {
            assert_eq!(s.step(), Wiggle.lr(t));
        }
        assert_eq!(s.iteration(), 50);
    }

    #[test]
    fn record_round_trip_gives_identical_remaining_sequence() {
        for k in [0u64, 1, 17, 250] {
            let mut a = CyclrLrScheduler::new(Arc::new(Wiggle));
            for _ in 0..k {
                a.step();
            }
            // Through burn's own byte format, as a checkpoint would.
            let bytes = a.to_record().into_bytes().unwrap();
            let record = LrSchedulerRecord::from_bytes(bytes).unwrap();
            let mut b = CyclrLrScheduler::new(Arc::new(Wiggle));
            b.load_record(record);
            assert_eq!(b.iteration(), k);
            for _ in 0..300 {
                assert_eq!(a.step().to_bits(), b.step().to_bits());
            }
        }
    }

    #[test]
    fn config_schedule_round_trip_and_momentum() {
        let cfg: ScheduleConfig =
            serde_json::from_str(r#"{"policy":"one-cycle","max_lr":0.1}"#).unwrap();
        let direct = cfg.build(1000).unwrap();
        let mut a = CyclrLrScheduler::from_config(&cfg, 1000).unwrap();
        for _ in 0..123 {
            a.step();
        }
        let mut b = CyclrLrScheduler::from_config(&cfg, 1000).unwrap();
        b.load_record(a.to_record());
        let cell = MomentumCell::new(0.0);
        let mut b = b.with_momentum_cell(cell.clone());
        for t in 123..1000 {
            let lr = b.step();
            assert_eq!(lr.to_bits(), a.step().to_bits());
            assert_eq!(lr.to_bits(), direct.lr(t).to_bits());
            assert_eq!(Some(cell.get()), direct.momentum(t));
        }
        assert!(
            CyclrLrScheduler::from_config(
                &serde_json::from_str(r#"{"policy":"fixed","lr":-1}"#).unwrap(),
                10
            )
            .is_err()
        );
    }

    #[test]
    fn momentum_cell_follows_the_schedule() {
        let cell = MomentumCell::new(0.9);
        let mut s = CyclrLrScheduler::new(Arc::new(Wiggle)).with_momentum_cell(cell.clone());
        for t in 0..20 {
            s.step();
            assert_eq!(cell.get(), Wiggle.momentum(t).unwrap());
        }
    }
}
