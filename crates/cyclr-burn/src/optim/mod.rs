//! Optimizers whose momentum is a per-step input, so that a cyclical schedule can cycle it.
//!
//! burn's `ModuleOptimizer::step(lr, module, grads)` takes only the learning rate; its SGD
//! momentum and Adam β1 are fixed at construction (and its SGD momentum has a dampening of 0.1
//! by default, where PyTorch has 0). This module re-implements the per-parameter updates of
//! PyTorch's `torch.optim.{SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta}` (single-tensor code
//! paths) as burn [`Optimizer`](burn::optim::Optimizer)s that read the momentum of the current iteration from a shared
//! [`MomentumCell`]. The module-level plumbing (walking the parameters, per-parameter state keyed
//! by `ParamId`, saving and loading the state) is burn's own [`ModuleOptimizer`](burn::optim::ModuleOptimizer), so the state
//! goes through burn's optimizer record machinery ([`CyclrOptimizer::to_bytes`] /
//! [`CyclrOptimizer::load_bytes`]).
//!
//! Which hyper-parameter is "the momentum" that a schedule cycles:
//!
//! | optimizer | cycled value | PyTorch update (dampening 0, L2 weight decay added to the gradient) |
//! |-----------|--------------|----------------------------------------------------------------------|
//! | `sgd`     | momentum `m` | `g += wd·p; buf = m·buf + g` (first step `buf = g`); `d = g + m·buf` if nesterov else `buf`; `p -= lr·d` |
//! | `adam`    | β1           | `g += wd·p` (or AdamW: `p *= 1 − lr·wd`); `m = lerp(m, g, 1−β1)`; `v = β2·v + (1−β2)·g²`; `p -= lr/(1−β1^k) · m / (√v/√(1−β2^k) + eps)` |
//! | `rmsprop` | momentum     | `g += wd·p; s = α·s + (1−α)·g²; a = √s + eps`; with momentum `buf = m·buf + g/a; p -= lr·buf`, else `p -= lr·g/a` |
//! | `adagrad` | — (none)     | `g += wd·p; s += g²; p -= lr · g / (√s + eps)` |
//! | `adadelta`| — (none)     | `g += wd·p; s = ρ·s + (1−ρ)·g²; d = √(u + eps)/√(s + eps)·g; u = ρ·u + (1−ρ)·d²; p -= lr·d` |
//!
//! Adam's bias correction uses the β1 of the current step, as PyTorch does when `OneCycleLR` or
//! `CyclicLR` rewrite `param_groups[..]["betas"]`. Adagrad and Adadelta have no momentum: a
//! momentum-cycling schedule is accepted and its momentum ignored (only the lr is applied).
//! RMSProp's `centered` variant and Adagrad's `lr_decay` are not implemented.
//!
//! All arithmetic is in the parameters' dtype (f32), as PyTorch does for f32 parameters.
//!
//! # Learning-rate-free optimizers
//!
//! Five more, each exact to its reference package (formulas in their files, golden trajectories
//! in `tests/lrfree_golden.rs`), run on the [`group`] engine (a whole parameter group per call,
//! since their step-size estimate sums over every parameter before any moves):
//!
//! | kind | package | default lr | what the lr means |
//! |------|---------|-----------:|-------------------|
//! | `sgd-schedulefree` | `schedulefree.SGDScheduleFree` 1.4.1 | 1.0 | the step size; no schedule (policy `fixed`), warm-up via `warmup_steps` |
//! | `adamw-schedulefree` | `schedulefree.AdamWScheduleFree` 1.4.1 | 0.0025 | the same, Adam-normalised |
//! | `prodigy` | `prodigyopt.Prodigy` 1.1.2 | 1.0 | a multiplier of the estimate `d` (cosine annealing advised) |
//! | `dadapt-adam` | `dadaptation.DAdaptAdam` 3.2 | 1.0 | a multiplier of `d` |
//! | `dadapt-sgd` | `dadaptation.DAdaptSGD` 3.2 | 1.0 | a multiplier of `d` |
//!
//! Their β / momentum is not cycled by a schedule (as for Adagrad, a schedule's momentum is
//! ignored). Schedule-free models have two points, `y` (trained) and `x` (evaluated):
//! [`CyclrOptimizer::eval_mode`] / [`CyclrOptimizer::train_mode`] switch between them as the
//! package's `optimizer.eval()` / `optimizer.train()` do.
//!
//! # Layout
//!
//! Each optimizer family has its configuration beside its update, as burn-optim does:
//! [`SgdConfig`] / [`SgdStep`] in `sgd.rs`, [`AdamConfig`] / [`AdamStep`] in `adam.rs`, and so
//! on; the configuration's defaults, checks and family-specific answers (its name, its momentum,
//! its default lr, ...) are there too. [`OptimizerConfig`] is the serde-tagged choice among
//! them, dispatching to each family; the runtime ([`CyclrOptimizer`], [`MomentumCell`]) is in
//! `runtime.rs`, the reading of the `kind` tag in `tagged.rs`, and what the files share
//! (checks, defaults, weight decay) in `common.rs`.

use cyclr::ParamError;
use serde::Serialize;

mod adadelta;
mod adagrad;
mod adam;
pub mod clip;
mod common;
pub mod dadapt;
pub mod group;
pub mod prodigy;
mod rmsprop;
mod runtime;
pub mod schedule_free;
mod sgd;
mod tagged;

pub use adadelta::{AdadeltaConfig, AdadeltaState, AdadeltaStep};
pub use adagrad::{AdagradConfig, AdagradState, AdagradStep};
pub use adam::{AdamConfig, AdamState, AdamStep};
pub use dadapt::{DAdaptAdam, DAdaptSgd};
pub use group::GroupEngine;
pub use prodigy::Prodigy;
pub use rmsprop::{RmspropConfig, RmspropState, RmspropStep};
pub use runtime::{CyclrOptimizer, MomentumCell};
pub use schedule_free::{
    AdamWScheduleFreeConfig, ScheduleFree, ScheduleFreeStep, SgdScheduleFreeConfig,
    schedule_free_eval,
};
pub use sgd::{SgdConfig, SgdState, SgdStep};

/// The optimizer and its hyper-parameters (serde: internally tagged by `kind`, kebab-case; the
/// other keys are those of the variant's family configuration).
///
/// ```toml
/// [optimizer]
/// kind = "sgd"
/// momentum = 0.9
/// nesterov = false
/// weight_decay = 5e-4
/// ```
///
/// Missing fields take PyTorch's defaults, except SGD's momentum (0.9 here, 0 in PyTorch: the
/// cyclical-LR recipes all use momentum). `kind = "nesterov"` and `kind = "adamw"` are accepted
/// as the names the command line uses ([`OptimizerConfig::NAMES`]): SGD with `nesterov = true`,
/// Adam with `decoupled_weight_decay = true`. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OptimizerConfig {
    /// SGD with (optionally Nesterov) momentum and L2 weight decay; dampening is always 0.
    Sgd(SgdConfig),
    /// Adam (or AdamW with `decoupled_weight_decay`); β1 is what a schedule cycles.
    Adam(AdamConfig),
    /// RMSProp (not centered); its momentum is what a schedule cycles.
    Rmsprop(RmspropConfig),
    /// Adagrad (no momentum; `lr_decay` 0, initial accumulator 0).
    Adagrad(AdagradConfig),
    /// Adadelta (no momentum). PyTorch's default lr for it is 1.0.
    Adadelta(AdadeltaConfig),
    /// Schedule-Free SGD (`schedulefree.SGDScheduleFree` 1.4.1).
    #[serde(rename = "sgd-schedulefree")]
    SgdScheduleFree(SgdScheduleFreeConfig),
    /// Schedule-Free AdamW (`schedulefree.AdamWScheduleFree` 1.4.1).
    #[serde(rename = "adamw-schedulefree")]
    AdamwScheduleFree(AdamWScheduleFreeConfig),
    /// Prodigy (`prodigyopt.Prodigy` 1.1.2).
    Prodigy(Prodigy),
    /// D-Adaptation Adam (`dadaptation.DAdaptAdam` 3.2).
    DadaptAdam(DAdaptAdam),
    /// D-Adaptation SGD (`dadaptation.DAdaptSGD` 3.2).
    DadaptSgd(DAdaptSgd),
}

impl Default for OptimizerConfig {
    /// SGD, momentum 0.9, no Nesterov, no weight decay.
    fn default() -> Self {
        OptimizerConfig::Sgd(SgdConfig::default())
    }
}

/// What an optimizer family's configuration says about itself; [`OptimizerConfig`] dispatches
/// to it. Each family implements it beside its configuration.
pub(crate) trait FamilyConfig {
    /// The short name (one of [`OptimizerConfig::NAMES`]).
    fn name(&self) -> &'static str;
    /// Checks every hyper-parameter.
    fn validate(&self) -> Result<(), ParamError>;
    /// The weight decay.
    fn weight_decay(&self) -> f64;
    /// Sets the weight decay.
    fn set_weight_decay(&mut self, wd: f64);
    /// The hyper-parameter `--momentum` sets (SGD/RMSProp momentum, Adam β1, the
    /// learning-rate-free optimizers' momentum or β1); `None`: the family has none.
    fn momentum_mut(&mut self) -> Option<&mut f64>;
    /// The configured value of the hyper-parameter a schedule cycles; `None`: a schedule's
    /// momentum is ignored.
    fn cycled_momentum(&self) -> Option<f64> {
        None
    }
    /// The learning rate when none is given (`None`: it must be chosen).
    fn default_lr(&self) -> Option<f64> {
        None
    }
    /// Scales the iteration counts by `factor` (a run `factor` times as long).
    fn scale_iterations(&mut self, _factor: f64) {}
    /// Schedule-free: the optimizer replaces the schedule.
    fn is_schedule_free(&self) -> bool {
        false
    }
    /// The optimizer estimates its step size `d`; the lr is a multiplier of it.
    fn estimates_d(&self) -> bool {
        false
    }
    /// Whether `schedule` may drive this optimizer.
    fn check_schedule(
        &self,
        _schedule: &cyclr::schedule::ScheduleConfig,
    ) -> Result<(), ParamError> {
        Ok(())
    }
}

impl OptimizerConfig {
    /// Every optimizer name (the command line's `--optimizer`, an experiment's `kind`).
    pub const NAMES: [&'static str; 12] = [
        "sgd",
        "nesterov",
        "adam",
        "adamw",
        "rmsprop",
        "adagrad",
        "adadelta",
        "sgd-schedulefree",
        "adamw-schedulefree",
        "prodigy",
        "dadapt-adam",
        "dadapt-sgd",
    ];

    /// The learning-rate-free optimizers among [`NAMES`](Self::NAMES).
    pub const LR_FREE: [&'static str; 5] = [
        "sgd-schedulefree",
        "adamw-schedulefree",
        "prodigy",
        "dadapt-adam",
        "dadapt-sgd",
    ];

    /// The family configuration.
    fn family(&self) -> &dyn FamilyConfig {
        match self {
            OptimizerConfig::Sgd(c) => c,
            OptimizerConfig::Adam(c) => c,
            OptimizerConfig::Rmsprop(c) => c,
            OptimizerConfig::Adagrad(c) => c,
            OptimizerConfig::Adadelta(c) => c,
            OptimizerConfig::SgdScheduleFree(c) => c,
            OptimizerConfig::AdamwScheduleFree(c) => c,
            OptimizerConfig::Prodigy(c) => c,
            OptimizerConfig::DadaptAdam(c) => c,
            OptimizerConfig::DadaptSgd(c) => c,
        }
    }

    /// The family configuration, to change.
    fn family_mut(&mut self) -> &mut dyn FamilyConfig {
        match self {
            OptimizerConfig::Sgd(c) => c,
            OptimizerConfig::Adam(c) => c,
            OptimizerConfig::Rmsprop(c) => c,
            OptimizerConfig::Adagrad(c) => c,
            OptimizerConfig::Adadelta(c) => c,
            OptimizerConfig::SgdScheduleFree(c) => c,
            OptimizerConfig::AdamwScheduleFree(c) => c,
            OptimizerConfig::Prodigy(c) => c,
            OptimizerConfig::DadaptAdam(c) => c,
            OptimizerConfig::DadaptSgd(c) => c,
        }
    }

    /// The optimizer of a name in [`NAMES`](Self::NAMES) with its defaults; the error names the
    /// valid ones (and the closest, for a typo).
    pub fn from_name(name: &str) -> Result<Self, String> {
        let n = name.trim().to_ascii_lowercase();
        if !Self::NAMES.contains(&n.as_str()) {
            let hint = cyclr::schedule::policy::closest(&n, &Self::NAMES)
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown optimizer {name:?}{hint}; valid: {}",
                Self::NAMES.join(", ")
            ));
        }
        let raw = serde_json::json!({ "kind": n });
        Ok(serde_json::from_value(raw).expect("every name parses with its defaults"))
    }

    /// The optimizer of a name with some hyper-parameters set by their keys (as in an
    /// experiment file; the error names a key the optimizer does not have, with its keys).
    pub fn from_name_with(
        name: &str,
        keys: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, String> {
        let base = Self::from_name(name)?;
        if keys.is_empty() {
            return Ok(base);
        }
        let mut raw = keys.clone();
        raw.insert("kind".into(), base.name().into());
        serde_json::from_value(serde_json::Value::Object(raw)).map_err(|e| {
            format!(
                "{e}; the keys of {} are: {}",
                base.name(),
                base.keys().join(", ")
            )
        })
    }

    /// The optimizer as a GPT trains with it: Adam(W) with nanoGPT's two parameter groups
    /// ([`AdamConfig::decay_vectors`] off: no weight decay on biases and LayerNorm weights); the
    /// other optimizers unchanged (their weight decay applies to every parameter).
    pub fn with_nanogpt_groups(mut self) -> Self {
        if let OptimizerConfig::Adam(c) = &mut self {
            c.decay_vectors = false;
        }
        self
    }

    /// This optimizer's hyper-parameter keys (as an experiment file writes them).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => {
                m.keys().filter(|k| *k != "kind").cloned().collect()
            }
            _ => Vec::new(),
        };
        // A key its serialized form leaves out at its default.
        if matches!(self, OptimizerConfig::Adam(_)) && !keys.iter().any(|k| k == "decay_vectors") {
            keys.push("decay_vectors".into());
            keys.sort();
        }
        keys
    }

    /// The same optimizer with its momentum (SGD/RMSProp momentum, Adam β1) set; an error for
    /// optimizers without one.
    pub fn with_momentum(mut self, m: f64) -> Result<Self, ParamError> {
        if let Some(momentum) = self.family_mut().momentum_mut() {
            *momentum = m;
            return Ok(self);
        }
        Err(ParamError::new(
            "momentum",
            m,
            format!(
                "{} has no momentum (it applies to sgd, nesterov, adam, adamw, rmsprop \
                 and, as momentum or betas[0], to the learning-rate-free optimizers)",
                self.name()
            ),
        ))
    }

    /// The weight decay.
    pub fn weight_decay(&self) -> f64 {
        self.family().weight_decay()
    }

    /// The same optimizer with its weight decay set.
    pub fn with_weight_decay(mut self, wd: f64) -> Self {
        self.family_mut().set_weight_decay(wd);
        self
    }

    /// The short name (one of [`NAMES`](Self::NAMES)): `nesterov` for SGD with Nesterov
    /// momentum, `adamw` for Adam with decoupled weight decay.
    pub fn name(&self) -> &'static str {
        self.family().name()
    }

    /// The learning rate when none is given: the package's default for the learning-rate-free
    /// optimizers (1.0; 0.0025 for `adamw-schedulefree`), `None` for the others (their rate
    /// must be chosen: given, or found by a range test).
    pub fn default_lr(&self) -> Option<f64> {
        self.family().default_lr()
    }

    /// The optimizer planned for a run `factor` times as long (budgets, quick trials): its
    /// iteration counts (schedule-free's `warmup_steps`) scaled, rounded, at least 1 where they
    /// were; every other hyper-parameter kept.
    pub fn scaled(&self, factor: f64) -> OptimizerConfig {
        let mut c = self.clone();
        c.family_mut().scale_iterations(factor);
        c
    }

    /// Whether the optimizer takes a learning rate per parameter group
    /// ([`CyclrOptimizer::step_grouped`]): burn's per-parameter ones (SGD, Adam(W), RMSProp,
    /// Adagrad, Adadelta), not the learning-rate-free ones, whose step sizes are estimated over
    /// the whole model.
    pub fn takes_group_rates(&self) -> bool {
        matches!(
            self,
            OptimizerConfig::Sgd(_)
                | OptimizerConfig::Adam(_)
                | OptimizerConfig::Rmsprop(_)
                | OptimizerConfig::Adagrad(_)
                | OptimizerConfig::Adadelta(_)
        )
    }

    /// Why this optimizer cannot take per-group rates (`--layer-lr-decay`), or `None` where it
    /// can ([`takes_group_rates`](Self::takes_group_rates)): the one message every caller
    /// prefixes with its own spelling of the setting.
    pub fn group_rates_refusal(&self) -> Option<String> {
        (!self.takes_group_rates()).then(|| {
            format!(
                "{} estimates its step size over the whole model and takes one learning rate; \
                 use sgd, nesterov, adam, adamw, rmsprop, adagrad or adadelta",
                self.name()
            )
        })
    }

    /// Schedule-free (`sgd-schedulefree`, `adamw-schedulefree`): the optimizer replaces the
    /// schedule, and the model has a training point `y` and an evaluation point `x`.
    pub fn is_schedule_free(&self) -> bool {
        self.family().is_schedule_free()
    }

    /// Prodigy or D-Adaptation: the optimizer estimates its step size `d`, and the learning
    /// rate is a multiplier of it (so a learning-rate range test means nothing for it).
    pub fn estimates_d(&self) -> bool {
        self.family().estimates_d()
    }

    /// Why a learning-rate range test cannot be run with this optimizer (`None`: it can).
    pub fn range_test_refusal(&self) -> Option<String> {
        self.estimates_d().then(|| {
            format!(
                "{} estimates its own step size d; its lr is a multiplier of d (1.0 by default, \
                 the package's advice is to leave it), so a learning-rate range test does not \
                 apply: train it with its default lr, or give one with --lr",
                self.name()
            )
        })
    }

    /// Whether `schedule` may drive this optimizer: a schedule-free optimizer takes only the
    /// constant `fixed` policy without cyclr's `warmup` (it replaces the schedule; its own
    /// `warmup_steps` does the warm-up); every other optimizer takes any schedule.
    pub fn check_schedule(
        &self,
        schedule: &cyclr::schedule::ScheduleConfig,
    ) -> Result<(), ParamError> {
        self.family().check_schedule(schedule)
    }

    /// Checks every hyper-parameter (PyTorch's own checks, plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        self.family().validate()
    }

    /// The configured value of the hyper-parameter a schedule cycles (SGD/RMSProp momentum,
    /// Adam β1), or `None` for optimizers whose momentum is not cycled (Adagrad, Adadelta, the
    /// learning-rate-free ones).
    pub fn default_momentum(&self) -> Option<f64> {
        self.family().cycled_momentum()
    }

    /// Whether a schedule's momentum is applied (false: Adagrad, Adadelta, the
    /// learning-rate-free optimizers).
    pub fn supports_momentum_cycling(&self) -> bool {
        self.default_momentum().is_some()
    }
}

#[cfg(test)]
mod tests {
    //! The configurations: serde, checks, and what each family says about itself.
    use super::runtime::tests::sgd;
    use super::*;

    #[test]
    fn validation_and_serde() {
        assert!(
            CyclrOptimizer::new(&OptimizerConfig::Sgd(SgdConfig {
                momentum: 0.0,
                nesterov: true,
                weight_decay: 0.0
            }))
            .is_err()
        );
        assert!(
            OptimizerConfig::Adam(AdamConfig {
                beta1: 1.0,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled_weight_decay: false,
                decay_vectors: true,
            })
            .validate()
            .is_err()
        );
        let c: OptimizerConfig = serde_json::from_str(r#"{"kind":"adam"}"#).unwrap();
        assert_eq!(c.default_momentum(), Some(0.9));
        let c: OptimizerConfig = serde_json::from_str(r#"{"kind":"sgd","nesterov":true}"#).unwrap();
        assert_eq!(c, sgd(true).with_wd(0.0));
        assert!(serde_json::from_str::<OptimizerConfig>(r#"{"kind":"sgd","lr":1}"#).is_err());
    }

    /// The learning-rate-free optimizers in experiment files: the packages' names and defaults,
    /// unknown keys rejected, ∞ surviving JSON, and the packages' checks.
    #[test]
    fn lr_free_configs() {
        let c: OptimizerConfig = toml::from_str(
            "kind = \"prodigy\"\nd_coef = 0.5\nsafeguard_warmup = true\nbetas = [0.95, 0.99]",
        )
        .unwrap();
        let OptimizerConfig::Prodigy(p) = c else {
            panic!("{c:?}")
        };
        assert_eq!(
            (p.d_coef, p.safeguard_warmup, p.betas),
            (0.5, true, [0.95, 0.99])
        );
        assert!(p.decouple, "prodigy's decouple defaults to true");
        assert_eq!((p.d0, p.growth_rate, p.beta3), (1e-6, f64::INFINITY, None));
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""growth_rate":"inf""#), "{json}");
        assert_eq!(serde_json::from_str::<OptimizerConfig>(&json).unwrap(), c);
        for (kind, lr) in [
            ("sgd-schedulefree", 1.0),
            ("adamw-schedulefree", 0.0025),
            ("prodigy", 1.0),
            ("dadapt-adam", 1.0),
            ("dadapt-sgd", 1.0),
        ] {
            let c = OptimizerConfig::from_name(kind).unwrap();
            assert_eq!(c.name(), kind);
            assert_eq!(c.default_lr(), Some(lr), "{kind}");
            assert_eq!(c.default_momentum(), None, "{kind}: not cycled");
            c.validate().unwrap();
            let back: OptimizerConfig =
                serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(back, c);
            assert!(
                serde_json::from_str::<OptimizerConfig>(&format!(
                    r#"{{"kind":"{kind}","nesterov":true}}"#
                ))
                .is_err(),
                "{kind}: unknown key accepted"
            );
        }
        assert_eq!(
            OptimizerConfig::from_name("sgd").unwrap().default_lr(),
            None
        );
        // from_name_with names the optimizer's keys when one is wrong.
        let mut keys = serde_json::Map::new();
        keys.insert("d_coef".into(), 0.5.into());
        let e = OptimizerConfig::from_name_with("sgd-schedulefree", &keys).unwrap_err();
        assert!(e.contains("d_coef") && e.contains("warmup_steps"), "{e}");
        // The packages' checks.
        let bad = |json: &str, param: &str| {
            let c: OptimizerConfig = serde_json::from_str(json).unwrap();
            let e = c.validate().unwrap_err();
            assert_eq!(e.param, param, "{json}: {e}");
        };
        bad(r#"{"kind":"sgd-schedulefree","momentum":0}"#, "momentum");
        bad(r#"{"kind":"sgd-schedulefree","momentum":1}"#, "momentum");
        bad(
            r#"{"kind":"adamw-schedulefree","betas":[1.0,0.999]}"#,
            "betas[0]",
        );
        bad(
            r#"{"kind":"adamw-schedulefree","betas":[0.9,1.0]}"#,
            "betas[1]",
        );
        bad(r#"{"kind":"prodigy","d0":0}"#, "d0");
        bad(r#"{"kind":"prodigy","eps":0}"#, "eps");
        bad(r#"{"kind":"prodigy","beta3":1.5}"#, "beta3");
        bad(r#"{"kind":"prodigy","growth_rate":0}"#, "growth_rate");
        bad(
            r#"{"kind":"dadapt-adam","weight_decay":-1}"#,
            "weight_decay",
        );
        bad(r#"{"kind":"dadapt-sgd","momentum":1}"#, "momentum");
        bad(r#"{"kind":"dadapt-sgd","d0":-1e-6}"#, "d0");
        // --momentum reaches their β.
        let c = OptimizerConfig::from_name("prodigy")
            .unwrap()
            .with_momentum(0.8)
            .unwrap();
        assert!(matches!(
            c,
            OptimizerConfig::Prodigy(Prodigy {
                betas: [0.8, _],
                ..
            })
        ));
    }

    #[test]
    fn budgets_scale_schedule_free_warm_up() {
        let c = OptimizerConfig::from_name_with(
            "adamw-schedulefree",
            &serde_json::from_str(r#"{"warmup_steps": 1501}"#).unwrap(),
        )
        .unwrap();
        let OptimizerConfig::AdamwScheduleFree(s) = c.scaled(0.125) else {
            panic!()
        };
        assert_eq!(s.warmup_steps, 188);
        let p = OptimizerConfig::from_name("prodigy").unwrap();
        assert_eq!(p.scaled(0.5), p);
    }

    #[test]
    fn schedules_beside_lr_free_optimizers() {
        use cyclr::schedule::ScheduleConfig;
        let fixed: ScheduleConfig = toml::from_str("policy = \"fixed\"\nlr = 1.0").unwrap();
        let warm: ScheduleConfig =
            toml::from_str("policy = \"fixed\"\nlr = 1.0\nwarmup = 10").unwrap();
        let cos: ScheduleConfig =
            toml::from_str("policy = \"sgdr\"\nmax_lr = 1.0\nt0 = 100").unwrap();
        let sf = OptimizerConfig::from_name("adamw-schedulefree").unwrap();
        sf.check_schedule(&fixed).unwrap();
        let e = sf.check_schedule(&cos).unwrap_err();
        assert_eq!(e.param, "policy");
        assert!(
            e.valid.contains("replaces the learning-rate schedule"),
            "{e}"
        );
        assert_eq!(sf.check_schedule(&warm).unwrap_err().param, "warmup");
        assert!(sf.range_test_refusal().is_none());
        let prodigy = OptimizerConfig::from_name("prodigy").unwrap();
        prodigy.check_schedule(&cos).unwrap();
        assert!(
            prodigy
                .range_test_refusal()
                .unwrap()
                .contains("multiplier of d")
        );
    }

    impl OptimizerConfig {
        fn with_wd(self, wd: f64) -> Self {
            match self {
                OptimizerConfig::Sgd(c) => OptimizerConfig::Sgd(SgdConfig {
                    weight_decay: wd,
                    ..c
                }),
                other => other,
            }
        }
    }
}
