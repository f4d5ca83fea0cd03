//! [`ScheduleSpec`]: a policy whose parameters may still be open — what a user writes on the
//! command line or in an experiment file — and [`ScheduleSpec::resolve`], which fills the open
//! ones (learning rates from a range test, the step size from the run length) and returns the
//! [`ScheduleConfig`] that is trained, with a record of where every value came from.
//!
//! Keys are the config keys of [`ScheduleConfig`] (snake_case), plus `policy`; which keys each
//! policy takes is [`Policy::required_keys`] / [`Policy::optional_keys`]. Rules, in the order
//! [`resolve`](ScheduleSpec::resolve) applies them:
//!
//! 1. **Keys**: a key no policy has is an error naming the closest known key; a key of another
//!    policy is an error listing this policy's keys; every float must be finite.
//! 2. **`--lr auto`** ([`Auto::Filled`]): the learning-rate keys of [`Policy::auto_keys`] that
//!    were not given are filled from the range test's picks ([`LrBounds`]). A given value is kept.
//!    For a pair of bounds (cyclical `base_lr`/`max_lr`, SGDR `min_lr`/`max_lr`) with one given
//!    and one open, the open one is derived from the given one by the picks' own ratio
//!    (`max/base`), so the pair stays ordered. Every value says where it came from ([`Source`]).
//! 3. **Step size** of the cyclical policies, when `step_size` is not given and the run's
//!    iterations per epoch are known: `round(step_epochs × iterations per epoch)` (at least 1)
//!    when `step_epochs` is given, else [`default_step_size`]: 4 epochs (the paper recommends
//!    2–10) but at most half the run, so that a run holds at least one full cycle.
//! 4. **Required keys** still missing are errors (naming `--lr auto` for learning rates).
//! 5. The [`ScheduleConfig`] is built for the run's length, so every parameter is validated
//!    before any data is touched.
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::config::{OneCycleStyle, ScheduleConfig};
use super::one_cycle::Anneal;
use super::policy::{AutoLr, Policy, closest};
use super::transformers::WsdCurve;
use crate::ParamError;
use crate::finder::ClrBounds as LrBounds;

/// A policy with every parameter optional (see the [module documentation](self)).
///
/// Built from flags (`ScheduleSpec { base_lr: Some(1e-3), ..ScheduleSpec::new(Policy::Triangular) }`)
/// or deserialized from TOML/JSON (`{ policy = "one-cycle", pct_start = 0.25 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// The policy.
    pub policy: Policy,
    /// Lower bound of a cyclical policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_lr: Option<f64>,
    /// Upper bound (cyclical, one-cycle peak, SGDR peak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lr: Option<f64>,
    /// The learning rate of `fixed` and the starting rate of the decaying policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// SGDR floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lr: Option<f64>,
    /// Half cycle (cyclical), decay period (`step`), centre (`sigmoid`), in iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_size: Option<u64>,
    /// Falling edge of an asymmetric cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_size_down: Option<u64>,
    /// Decay factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    /// Momentum at the learning-rate peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_momentum: Option<f64>,
    /// Momentum at the trough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_momentum: Option<f64>,
    /// One-cycle length (default: the run length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_steps: Option<u64>,
    /// One-cycle implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<OneCycleStyle>,
    /// One-cycle warm-up fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pct_start: Option<f64>,
    /// One-cycle annealing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anneal: Option<Anneal>,
    /// One-cycle initial divisor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub div: Option<f64>,
    /// One-cycle final divisor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_div: Option<f64>,
    /// PyTorch's three-phase one-cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub three_phase: Option<bool>,
    /// Whether one-cycle cycles momentum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_momentum: Option<bool>,
    /// SGDR first period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t0: Option<u64>,
    /// SGDR period growth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_mult: Option<u64>,
    /// Multistep decay points / sequence switch points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<u64>>,
    /// Exponent of `inv` / `poly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<f64>,
    /// `poly`: iterations to reach 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iter: Option<u64>,
    /// Linear warm-up iterations (any policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<u64>,
    /// The parts of a `sequence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<Vec<ScheduleConfig>>,
    /// transformers: warm-up steps (`t/N` from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_warmup_steps: Option<u64>,
    /// transformers: training steps (default: the run length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_training_steps: Option<u64>,
    /// transformers: cosine waves (cosine, hard restarts, WSD's cosine decay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_cycles: Option<f64>,
    /// transformers `cosine`: the floor as a fraction of `lr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lr_rate: Option<f64>,
    /// transformers `polynomial`: the final learning rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_end: Option<f64>,
    /// transformers `inverse_sqrt`: the time scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timescale: Option<u64>,
    /// WSD: decay steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_decay_steps: Option<u64>,
    /// WSD: stable steps (instead of `num_training_steps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_stable_steps: Option<u64>,
    /// WSD: warm-up shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_type: Option<WsdCurve>,
    /// WSD: decay shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_type: Option<WsdCurve>,
    /// WSD: the floor as a fraction of `lr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lr_ratio: Option<f64>,
    /// Keys that are no parameter of any policy, collected when deserializing so that
    /// [`resolve`](Self::resolve) can name them (with the closest known key). Empty when built
    /// in code.
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, serde::de::IgnoredAny>,
}

/// The default step size of a cyclical policy: 4 epochs (Smith recommends 2–10), but at most
/// half of the run so that it holds a full cycle; at least 1.
pub fn default_step_size(iters_per_epoch: u64, iters: u64) -> u64 {
    (4 * iters_per_epoch).min(iters / 2).max(1)
}

/// The step size of `step_epochs` epochs: `round(step_epochs × iters_per_epoch)`, at least 1.
pub fn step_size_from_epochs(step_epochs: f64, iters_per_epoch: u64) -> u64 {
    ((step_epochs * iters_per_epoch as f64).round() as u64).max(1)
}

/// Whether and how learning rates are filled from a range test.
#[derive(Debug, Clone, Copy, Default)]
pub enum Auto<'a> {
    /// No range test: every learning rate must be given.
    #[default]
    Off,
    /// A range test will fill the open learning rates (checks everything else now, with
    /// stand-in rates, so configuration errors surface before the test runs).
    Pending,
    /// Fill the open learning rates from these picks.
    Filled(&'a LrBounds),
}

/// What [`ScheduleSpec::resolve`] needs to know about the run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunShape {
    /// Iterations of the run (the schedules are built for it).
    pub iters: u64,
    /// Iterations per epoch, if known (enables the step-size rule and `step_epochs`).
    pub iters_per_epoch: Option<u64>,
    /// The cyclical step size in epochs, instead of `step_size` in iterations.
    pub step_epochs: Option<f64>,
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Given by the user.
    Given,
    /// The optimizer's own default learning rate (see [`ScheduleSpec::resolve_defaulted`]).
    OptimizerDefault,
    /// Filled from the range test's pick.
    RangeTest(AutoLr),
    /// Derived from the given value of the other bound of the pair, times `factor`.
    FromOther {
        /// The given key.
        key: &'static str,
        /// `value = given × factor`.
        factor: f64,
    },
    /// `round(step_epochs × iterations per epoch)`.
    StepEpochs(f64),
    /// [`default_step_size`]: 4 epochs, or half the run when that is shorter (`capped`).
    StepRule {
        /// Half the run was shorter than 4 epochs.
        capped: bool,
    },
}

/// One parameter of the resolved schedule and where its value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The key.
    pub key: &'static str,
    /// Its value.
    pub value: f64,
    /// Where it came from.
    pub source: Source,
}

impl Choice {
    /// `key = value (source)`, e.g. `max_lr = 4.0000e-2 (range test: CLR upper bound)`.
    pub fn describe(&self, key: impl Fn(&str) -> String) -> String {
        let v = if self.key.contains("lr") {
            format!("{:.4e}", self.value)
        } else {
            format!("{}", self.value)
        };
        let why = match &self.source {
            Source::Given => "given".to_string(),
            Source::OptimizerDefault => "the optimizer's default".to_string(),
            Source::RangeTest(a) => format!(
                "range test: {}",
                match a {
                    AutoLr::Fixed => "fixed-LR pick",
                    AutoLr::Base => "CLR lower bound",
                    AutoLr::Max => "CLR upper bound",
                    AutoLr::OneCyclePeak => "one-cycle peak",
                }
            ),
            Source::FromOther { key: k, factor } => {
                format!("given {} x {factor:.4}, the range test's ratio", key(k))
            }
            Source::StepEpochs(e) => format!("{e} epochs"),
            Source::StepRule { capped: false } => "4 epochs, Smith's 2-10".to_string(),
            Source::StepRule { capped: true } => {
                "half the run: one full cycle, as 4 epochs would not fit".to_string()
            }
        };
        format!("{} = {v} ({why})", key(self.key))
    }
}

/// The result of [`ScheduleSpec::resolve`].
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The schedule that is trained.
    pub config: ScheduleConfig,
    /// The learning rates and step size of the schedule, each with its source.
    pub choices: Vec<Choice>,
}

impl Resolved {
    /// `true` if any value came from the range test.
    pub fn uses_range_test(&self) -> bool {
        self.choices
            .iter()
            .any(|c| matches!(c.source, Source::RangeTest(_) | Source::FromOther { .. }))
    }

    /// The choices in one line, keys rendered by `key` (e.g. as flags).
    pub fn describe(&self, key: impl Fn(&str) -> String) -> String {
        self.choices
            .iter()
            .map(|c| c.describe(&key))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a [`ScheduleSpec`] cannot be resolved. Keys are snake_case config keys; render them as
/// flags or TOML keys with [`SpecError::render`].
#[derive(Debug, Clone, PartialEq)]
pub enum SpecError {
    /// A key that no policy has.
    UnknownKey {
        /// The key as written.
        key: String,
        /// The closest known key.
        suggestion: Option<&'static str>,
    },
    /// A key of another policy.
    NotApplicable {
        /// The policy.
        policy: Policy,
        /// The key.
        key: &'static str,
    },
    /// A required key is missing.
    Missing {
        /// The policy.
        policy: Policy,
        /// The key.
        key: &'static str,
        /// A range test (`--lr auto`) could fill it.
        auto_fillable: bool,
    },
    /// Two keys that exclude each other.
    Conflict {
        /// The first key.
        key: &'static str,
        /// The second key.
        other: &'static str,
    },
    /// An invalid value.
    Param(ParamError),
}

impl From<ParamError> for SpecError {
    fn from(e: ParamError) -> Self {
        SpecError::Param(e)
    }
}

impl SpecError {
    /// The key the error is about.
    pub fn key(&self) -> &str {
        match self {
            SpecError::UnknownKey { key, .. } => key,
            SpecError::NotApplicable { key, .. }
            | SpecError::Missing { key, .. }
            | SpecError::Conflict { key, .. } => key,
            SpecError::Param(e) => &e.param,
        }
    }

    /// The message with every key rendered by `key` (e.g. `base_lr` -> `--base-lr`).
    pub fn render(&self, key: impl Fn(&str) -> String) -> String {
        match self {
            SpecError::UnknownKey { key: k, suggestion } => {
                let mut s = format!("unknown key {}", key(k));
                if let Some(sug) = suggestion {
                    s.push_str(&format!(" (did you mean {}?)", key(sug)));
                }
                s
            }
            SpecError::NotApplicable { policy, key: k } => format!(
                "{} does not apply to {policy} (its keys: {})",
                key(k),
                policy_keys(*policy, &key)
            ),
            SpecError::Missing {
                policy,
                key: k,
                auto_fillable,
            } => format!(
                "{policy}: missing {}{}",
                key(k),
                // The renderer names how to ask for a range test (`auto_lr`; empty: there is
                // none in this context).
                if *auto_fillable && !key("auto_lr").is_empty() {
                    format!(
                        " (give it, or {} to take it from a range test)",
                        key("auto_lr")
                    )
                } else {
                    String::new()
                }
            ),
            SpecError::Conflict { key: a, other } => {
                format!("give {} or {}, not both", key(a), key(other))
            }
            SpecError::Param(e) => {
                // ParamError's text names parameters in backticks; render each.
                format!(
                    "invalid {} = {}: {}",
                    key(&e.param),
                    e.value,
                    render_ticks(&e.valid, &key)
                )
            }
        }
    }
}

/// `a, b, c` of the policy's keys, required first, rendered by `key`.
fn policy_keys(p: Policy, key: &impl Fn(&str) -> String) -> String {
    p.required_keys()
        .iter()
        .chain(p.optional_keys())
        .map(|k| key(k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replace each `` `name` `` (a snake_case identifier) in `s` by `key(name)`.
pub fn render_ticks(s: &str, key: &impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('`') {
            Some(end)
                if !after[..end].is_empty()
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                out.push_str(&key(&after[..end]));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('`');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(|k| match k {
            "auto_lr" => "`auto_lr = true`".to_string(),
            k => format!("`{k}`"),
        }))
    }
}

impl std::error::Error for SpecError {}

/// Stand-in picks for [`Auto::Pending`]: ordered, positive, small.
fn stand_in() -> LrBounds {
    LrBounds {
        fixed_lr: 1e-3,
        base_lr: 1e-3,
        max_lr: 4e-3,
        one_cycle_max_lr: 4e-3,
        rule: String::new(),
        window: None,
        warnings: Vec::new(),
    }
}

impl ScheduleSpec {
    /// The spec with the policy's main learning rate set to `lr` where it is not given: `lr`
    /// (fixed, the decaying and the transformers policies) or `max_lr` (one-cycle, SGDR). Used
    /// for optimizers whose learning rate has a package default (the learning-rate-free ones:
    /// Prodigy's 1.0 is a multiplier of its own step size). Cyclical policies, whose two bounds
    /// have no default, and `sequence` are returned unchanged.
    pub fn with_default_rate(mut self, lr: f64) -> Self {
        match self.policy.auto_keys() {
            [("lr", _)] => {
                self.lr.get_or_insert(lr);
            }
            [("max_lr", _)] | [("max_lr", _), ("min_lr", _)] => {
                self.max_lr.get_or_insert(lr);
            }
            _ => {}
        }
        self
    }

    /// A spec of `policy` with no parameter given.
    pub fn new(policy: Policy) -> Self {
        ScheduleSpec {
            policy,
            base_lr: None,
            max_lr: None,
            lr: None,
            min_lr: None,
            step_size: None,
            step_size_down: None,
            gamma: None,
            base_momentum: None,
            max_momentum: None,
            total_steps: None,
            style: None,
            pct_start: None,
            anneal: None,
            div: None,
            final_div: None,
            three_phase: None,
            cycle_momentum: None,
            t0: None,
            t_mult: None,
            milestones: None,
            power: None,
            max_iter: None,
            warmup: None,
            schedules: None,
            num_warmup_steps: None,
            num_training_steps: None,
            num_cycles: None,
            min_lr_rate: None,
            lr_end: None,
            timescale: None,
            num_decay_steps: None,
            num_stable_steps: None,
            warmup_type: None,
            decay_type: None,
            min_lr_ratio: None,
            unknown: BTreeMap::new(),
        }
    }

    /// The floats given, by key.
    fn floats(&self) -> [(&'static str, Option<f64>); 15] {
        [
            ("base_lr", self.base_lr),
            ("max_lr", self.max_lr),
            ("lr", self.lr),
            ("min_lr", self.min_lr),
            ("gamma", self.gamma),
            ("base_momentum", self.base_momentum),
            ("max_momentum", self.max_momentum),
            ("pct_start", self.pct_start),
            ("div", self.div),
            ("final_div", self.final_div),
            ("power", self.power),
            ("num_cycles", self.num_cycles),
            ("min_lr_rate", self.min_lr_rate),
            ("lr_end", self.lr_end),
            ("min_lr_ratio", self.min_lr_ratio),
        ]
    }

    /// Every key that is given (besides `policy`).
    pub fn given_keys(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self
            .floats()
            .iter()
            .filter(|(_, x)| x.is_some())
            .map(|(k, _)| *k)
            .collect();
        for (k, given) in [
            ("step_size", self.step_size.is_some()),
            ("step_size_down", self.step_size_down.is_some()),
            ("total_steps", self.total_steps.is_some()),
            ("style", self.style.is_some()),
            ("anneal", self.anneal.is_some()),
            ("three_phase", self.three_phase.is_some()),
            ("cycle_momentum", self.cycle_momentum.is_some()),
            ("t0", self.t0.is_some()),
            ("t_mult", self.t_mult.is_some()),
            ("milestones", self.milestones.is_some()),
            ("max_iter", self.max_iter.is_some()),
            ("warmup", self.warmup.is_some()),
            ("schedules", self.schedules.is_some()),
            ("num_warmup_steps", self.num_warmup_steps.is_some()),
            ("num_training_steps", self.num_training_steps.is_some()),
            ("timescale", self.timescale.is_some()),
            ("num_decay_steps", self.num_decay_steps.is_some()),
            ("num_stable_steps", self.num_stable_steps.is_some()),
            ("warmup_type", self.warmup_type.is_some()),
            ("decay_type", self.decay_type.is_some()),
        ] {
            if given {
                v.push(k);
            }
        }
        v
    }

    /// The value given for a learning-rate key.
    fn lr_value(&self, key: &str) -> Option<f64> {
        match key {
            "base_lr" => self.base_lr,
            "max_lr" => self.max_lr,
            "lr" => self.lr,
            "min_lr" => self.min_lr,
            _ => None,
        }
    }

    fn set_lr(&mut self, key: &str, v: f64) {
        match key {
            "base_lr" => self.base_lr = Some(v),
            "max_lr" => self.max_lr = Some(v),
            "lr" => self.lr = Some(v),
            "min_lr" => self.min_lr = Some(v),
            _ => {}
        }
    }

    /// Keys only: unknown keys, keys of other policies, non-finite numbers, conflicts.
    pub fn check_keys(&self, shape: &RunShape) -> Result<(), SpecError> {
        if let Some(k) = self.unknown.keys().next() {
            return Err(SpecError::UnknownKey {
                key: k.clone(),
                suggestion: closest(k, &Policy::all_keys()),
            });
        }
        for k in self.given_keys() {
            if !self.policy.accepts(k) {
                return Err(SpecError::NotApplicable {
                    policy: self.policy,
                    key: k,
                });
            }
        }
        for (k, v) in self.floats() {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                return Err(ParamError::new(k, v, "must be a finite number").into());
            }
        }
        if shape.step_epochs.is_some() {
            if !self.policy.is_cyclical() {
                return Err(SpecError::NotApplicable {
                    policy: self.policy,
                    key: "step_epochs",
                });
            }
            if self.step_size.is_some() {
                return Err(SpecError::Conflict {
                    key: "step_size",
                    other: "step_epochs",
                });
            }
        }
        if let Some(e) = shape.step_epochs
            && !(e.is_finite() && e > 0.0)
        {
            return Err(ParamError::new("step_epochs", e, "must be a finite number > 0").into());
        }
        Ok(())
    }

    /// [`resolve`](Self::resolve) for an optimizer with a default learning rate (the
    /// learning-rate-free ones, `default_lr`): without a range test, the policy's main rate is
    /// that default where it is not given ([`with_default_rate`](Self::with_default_rate)), and
    /// its [`Choice`] says so ([`Source::OptimizerDefault`]).
    pub fn resolve_defaulted(
        &self,
        shape: &RunShape,
        auto: Auto<'_>,
        default_lr: Option<f64>,
    ) -> Result<Resolved, SpecError> {
        let (spec, filled) = match (auto, default_lr) {
            (Auto::Off, Some(lr)) => {
                let before = (self.lr, self.max_lr);
                let spec = self.clone().with_default_rate(lr);
                let filled = if before.0.is_none() && spec.lr.is_some() {
                    Some("lr")
                } else if before.1.is_none() && spec.max_lr.is_some() {
                    Some("max_lr")
                } else {
                    None
                };
                (spec, filled)
            }
            _ => (self.clone(), None),
        };
        let mut r = spec.resolve(shape, auto)?;
        if let Some(key) = filled {
            for c in r.choices.iter_mut().filter(|c| c.key == key) {
                c.source = Source::OptimizerDefault;
            }
        }
        Ok(r)
    }

    /// Fill the open parameters and build the schedule (see the [module documentation](self)).
    pub fn resolve(&self, shape: &RunShape, auto: Auto<'_>) -> Result<Resolved, SpecError> {
        self.check_keys(shape)?;
        let mut s = self.clone();
        let mut choices = Vec::new();
        let stand_in_picks;
        let picks = match auto {
            Auto::Off => None,
            Auto::Pending => {
                stand_in_picks = stand_in();
                Some(&stand_in_picks)
            }
            Auto::Filled(b) => Some(b),
        };
        // Learning rates.
        let auto_keys = self.policy.auto_keys();
        for &(key, what) in auto_keys {
            if let Some(v) = self.lr_value(key) {
                choices.push(Choice {
                    key,
                    value: v,
                    source: Source::Given,
                });
                continue;
            }
            let Some(p) = picks else { continue };
            let pick = |a: AutoLr| match a {
                AutoLr::Fixed => p.fixed_lr,
                AutoLr::Base => p.base_lr,
                AutoLr::Max => p.max_lr,
                AutoLr::OneCyclePeak => p.one_cycle_max_lr,
            };
            // The other bound of a pair, if it was given.
            let partner = auto_keys
                .iter()
                .find(|(k, _)| *k != key && self.lr_value(k).is_some());
            let (value, source) = match partner {
                Some(&(pk, pwhat)) => {
                    let factor = pick(what) / pick(pwhat);
                    (
                        self.lr_value(pk).expect("partner is given") * factor,
                        Source::FromOther { key: pk, factor },
                    )
                }
                None => (pick(what), Source::RangeTest(what)),
            };
            s.set_lr(key, value);
            choices.push(Choice { key, value, source });
        }
        // Step size.
        if self.policy.is_cyclical() {
            let step = match (self.step_size, shape.step_epochs, shape.iters_per_epoch) {
                (Some(v), _, _) => Some((v, Source::Given)),
                (None, Some(e), Some(per)) => {
                    Some((step_size_from_epochs(e, per), Source::StepEpochs(e)))
                }
                (None, None, Some(per)) => Some((
                    default_step_size(per, shape.iters),
                    Source::StepRule {
                        capped: 4 * per > shape.iters / 2,
                    },
                )),
                (None, _, None) => None,
            };
            if let Some((v, source)) = step {
                s.step_size = Some(v);
                choices.push(Choice {
                    key: "step_size",
                    value: v as f64,
                    source,
                });
            }
        }
        // Required keys.
        for &k in self.policy.required_keys() {
            if !s.given_keys().contains(&k) {
                return Err(SpecError::Missing {
                    policy: self.policy,
                    key: k,
                    auto_fillable: auto_keys.iter().any(|(a, _)| *a == k),
                });
            }
        }
        let config = s.to_config()?;
        config.build(shape.iters)?;
        Ok(Resolved { config, choices })
    }

    /// The config, once every required key is present (checked by [`resolve`](Self::resolve)).
    fn to_config(&self) -> Result<ScheduleConfig, SpecError> {
        use ScheduleConfig as C;
        let p = self.policy;
        let need = |key: &'static str, v: Option<f64>| {
            v.ok_or(SpecError::Missing {
                policy: p,
                key,
                auto_fillable: p.auto_keys().iter().any(|(k, _)| *k == key),
            })
        };
        let need_n = |key: &'static str, v: Option<u64>| {
            v.ok_or(SpecError::Missing {
                policy: p,
                key,
                auto_fillable: false,
            })
        };
        let (bm, mm, warmup) = (self.base_momentum, self.max_momentum, self.warmup);
        Ok(match p {
            Policy::Triangular => C::Triangular {
                base_lr: need("base_lr", self.base_lr)?,
                max_lr: need("max_lr", self.max_lr)?,
                step_size: need_n("step_size", self.step_size)?,
                step_size_down: self.step_size_down,
                base_momentum: bm,
                max_momentum: mm,
                warmup,
            },
            Policy::Triangular2 => C::Triangular2 {
                base_lr: need("base_lr", self.base_lr)?,
                max_lr: need("max_lr", self.max_lr)?,
                step_size: need_n("step_size", self.step_size)?,
                step_size_down: self.step_size_down,
                base_momentum: bm,
                max_momentum: mm,
                warmup,
            },
            Policy::ExpRange => C::ExpRange {
                base_lr: need("base_lr", self.base_lr)?,
                max_lr: need("max_lr", self.max_lr)?,
                step_size: need_n("step_size", self.step_size)?,
                step_size_down: self.step_size_down,
                gamma: self.gamma,
                base_momentum: bm,
                max_momentum: mm,
                warmup,
            },
            Policy::Welch => C::Welch {
                base_lr: need("base_lr", self.base_lr)?,
                max_lr: need("max_lr", self.max_lr)?,
                step_size: need_n("step_size", self.step_size)?,
                step_size_down: self.step_size_down,
                base_momentum: bm,
                max_momentum: mm,
                warmup,
            },
            Policy::Hann => C::Hann {
                base_lr: need("base_lr", self.base_lr)?,
                max_lr: need("max_lr", self.max_lr)?,
                step_size: need_n("step_size", self.step_size)?,
                step_size_down: self.step_size_down,
                base_momentum: bm,
                max_momentum: mm,
                warmup,
            },
            Policy::OneCycle => C::OneCycle {
                max_lr: need("max_lr", self.max_lr)?,
                total_steps: self.total_steps,
                style: self.style,
                pct_start: self.pct_start,
                anneal: self.anneal,
                div: self.div,
                final_div: self.final_div,
                three_phase: self.three_phase,
                base_momentum: bm,
                max_momentum: mm,
                cycle_momentum: self.cycle_momentum,
                warmup,
            },
            Policy::Sgdr => C::Sgdr {
                max_lr: need("max_lr", self.max_lr)?,
                min_lr: self.min_lr,
                t0: need_n("t0", self.t0)?,
                t_mult: self.t_mult,
                warmup,
            },
            Policy::Fixed => C::Fixed {
                lr: need("lr", self.lr)?,
                warmup,
            },
            Policy::Step => C::Step {
                lr: need("lr", self.lr)?,
                step_size: need_n("step_size", self.step_size)?,
                gamma: self.gamma,
                warmup,
            },
            Policy::Multistep => C::Multistep {
                lr: need("lr", self.lr)?,
                milestones: self.milestones.clone().ok_or(SpecError::Missing {
                    policy: p,
                    key: "milestones",
                    auto_fillable: false,
                })?,
                gamma: self.gamma,
                warmup,
            },
            Policy::Exp => C::Exp {
                lr: need("lr", self.lr)?,
                gamma: need("gamma", self.gamma)?,
                warmup,
            },
            Policy::Inv => C::Inv {
                lr: need("lr", self.lr)?,
                gamma: need("gamma", self.gamma)?,
                power: need("power", self.power)?,
                warmup,
            },
            Policy::Poly => C::Poly {
                lr: need("lr", self.lr)?,
                power: self.power,
                max_iter: self.max_iter,
                warmup,
            },
            Policy::Sigmoid => C::Sigmoid {
                lr: need("lr", self.lr)?,
                gamma: need("gamma", self.gamma)?,
                step_size: need_n("step_size", self.step_size)?,
                warmup,
            },
            Policy::ConstantWithWarmup => C::ConstantWithWarmup {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                warmup,
            },
            Policy::LinearWithWarmup => C::LinearWithWarmup {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                num_training_steps: self.num_training_steps,
                warmup,
            },
            Policy::CosineWithWarmup => C::CosineWithWarmup {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                num_training_steps: self.num_training_steps,
                num_cycles: self.num_cycles,
                min_lr_rate: self.min_lr_rate,
                warmup,
            },
            Policy::CosineWithHardRestarts => C::CosineWithHardRestarts {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                num_training_steps: self.num_training_steps,
                num_cycles: self.num_cycles,
                warmup,
            },
            Policy::PolynomialWithWarmup => C::PolynomialWithWarmup {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                num_training_steps: self.num_training_steps,
                lr_end: self.lr_end,
                power: self.power,
                warmup,
            },
            Policy::InverseSqrt => C::InverseSqrt {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                timescale: self.timescale,
                warmup,
            },
            Policy::Wsd => C::Wsd {
                lr: need("lr", self.lr)?,
                num_warmup_steps: need_n("num_warmup_steps", self.num_warmup_steps)?,
                num_decay_steps: need_n("num_decay_steps", self.num_decay_steps)?,
                num_training_steps: self.num_training_steps,
                num_stable_steps: self.num_stable_steps,
                warmup_type: self.warmup_type,
                decay_type: self.decay_type,
                min_lr_ratio: self.min_lr_ratio,
                num_cycles: self.num_cycles,
                warmup,
            },
            Policy::Sequence => C::Sequence {
                milestones: self.milestones.clone().unwrap_or_default(),
                schedules: self.schedules.clone().unwrap_or_default(),
                warmup,
            },
        })
    }
}

impl From<&ScheduleConfig> for ScheduleSpec {
    /// The spec that gives every parameter of `config`.
    fn from(config: &ScheduleConfig) -> Self {
        let v = serde_json::to_value(config).expect("configs serialize");
        serde_json::from_value(v).expect("every config key is a spec key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> LrBounds {
        LrBounds {
            fixed_lr: 0.02,
            base_lr: 0.01,
            max_lr: 0.04,
            one_cycle_max_lr: 0.08,
            rule: "test".into(),
            window: None,
            warnings: Vec::new(),
        }
    }

    fn shape(iters: u64) -> RunShape {
        RunShape {
            iters,
            iters_per_epoch: Some(100),
            step_epochs: None,
        }
    }

    #[test]
    fn default_rate_fills_the_main_rate_only_when_open() {
        let s = ScheduleSpec::new(Policy::Fixed).with_default_rate(1.0);
        assert_eq!(s.lr, Some(1.0));
        let given = ScheduleSpec {
            lr: Some(0.5),
            ..ScheduleSpec::new(Policy::Fixed)
        };
        assert_eq!(given.with_default_rate(1.0).lr, Some(0.5));
        assert_eq!(
            ScheduleSpec::new(Policy::Sgdr)
                .with_default_rate(1.0)
                .max_lr,
            Some(1.0)
        );
        assert_eq!(
            ScheduleSpec::new(Policy::OneCycle)
                .with_default_rate(2.0)
                .max_lr,
            Some(2.0)
        );
        assert_eq!(
            ScheduleSpec::new(Policy::CosineWithWarmup)
                .with_default_rate(1.0)
                .lr,
            Some(1.0)
        );
        let tri = ScheduleSpec::new(Policy::Triangular).with_default_rate(1.0);
        assert_eq!((tri.base_lr, tri.max_lr), (None, None));
        let r = ScheduleSpec::new(Policy::Fixed)
            .with_default_rate(0.0025)
            .resolve(&shape(10), Auto::Off)
            .unwrap();
        assert_eq!(
            r.config,
            ScheduleConfig::Fixed {
                lr: 0.0025,
                warmup: None
            }
        );
    }

    #[test]
    fn auto_fills_only_what_is_open() {
        let b = bounds();
        let spec = ScheduleSpec::new(Policy::Triangular2);
        let r = spec.resolve(&shape(1000), Auto::Filled(&b)).unwrap();
        assert_eq!(
            r.config,
            ScheduleConfig::Triangular2 {
                base_lr: 0.01,
                max_lr: 0.04,
                step_size: 400,
                step_size_down: None,
                base_momentum: None,
                max_momentum: None,
                warmup: None
            }
        );
        assert!(r.uses_range_test());
        // A given max_lr is kept; base_lr keeps the picks' ratio.
        let spec = ScheduleSpec {
            max_lr: Some(0.1),
            ..ScheduleSpec::new(Policy::Triangular)
        };
        let r = spec.resolve(&shape(1000), Auto::Filled(&b)).unwrap();
        assert_eq!(r.choices[0].key, "base_lr");
        assert!((r.choices[0].value - 0.025).abs() < 1e-15);
        assert_eq!(r.choices[1].source, Source::Given);
        let text = r.describe(|k| format!("--{}", k.replace('_', "-")));
        assert!(text.contains("--max-lr = 1.0000e-1 (given)"), "{text}");
        assert!(text.contains("given --max-lr x 0.2500"), "{text}");
        // one-cycle takes the peak, fixed the fixed pick.
        let oc = ScheduleSpec::new(Policy::OneCycle)
            .resolve(&shape(1000), Auto::Filled(&b))
            .unwrap();
        assert!(matches!(oc.config, ScheduleConfig::OneCycle { max_lr, .. } if max_lr == 0.08));
        let f = ScheduleSpec::new(Policy::Fixed)
            .resolve(&shape(1000), Auto::Filled(&b))
            .unwrap();
        assert!(matches!(f.config, ScheduleConfig::Fixed { lr, .. } if lr == 0.02));
    }

    #[test]
    fn step_size_rules() {
        let spec = ScheduleSpec {
            base_lr: Some(0.01),
            max_lr: Some(0.1),
            ..ScheduleSpec::new(Policy::Triangular)
        };
        // 4 epochs, at most half the run.
        let step = |r: Resolved| r.choices.last().unwrap().value;
        assert_eq!(
            step(spec.resolve(&shape(10_000), Auto::Off).unwrap()),
            400.0
        );
        assert_eq!(step(spec.resolve(&shape(300), Auto::Off).unwrap()), 150.0);
        let with_epochs = RunShape {
            step_epochs: Some(1.5),
            ..shape(1000)
        };
        assert_eq!(step(spec.resolve(&with_epochs, Auto::Off).unwrap()), 150.0);
        // Unknown epoch length: step_size is required.
        let no_epoch = RunShape {
            iters: 100,
            ..RunShape::default()
        };
        assert!(matches!(
            spec.resolve(&no_epoch, Auto::Off),
            Err(SpecError::Missing {
                key: "step_size",
                ..
            })
        ));
        let both = ScheduleSpec {
            step_size: Some(5),
            ..spec.clone()
        };
        assert!(matches!(
            both.resolve(&with_epochs, Auto::Off),
            Err(SpecError::Conflict { .. })
        ));
    }

    #[test]
    fn errors_are_structured_and_rendered() {
        let flag = |k: &str| format!("--{}", k.replace('_', "-"));
        let e = ScheduleSpec::new(Policy::Triangular)
            .resolve(&shape(100), Auto::Off)
            .unwrap_err();
        assert_eq!(
            e,
            SpecError::Missing {
                policy: Policy::Triangular,
                key: "base_lr",
                auto_fillable: true
            }
        );
        assert!(
            e.render(flag).contains("missing --base-lr"),
            "{}",
            e.render(flag)
        );
        let e = ScheduleSpec {
            t0: Some(3),
            ..ScheduleSpec::new(Policy::Fixed)
        }
        .resolve(&shape(100), Auto::Pending)
        .unwrap_err();
        assert_eq!(
            e.render(flag),
            "--t0 does not apply to fixed (its keys: --lr, --warmup)"
        );
        let e = ScheduleSpec {
            base_lr: Some(0.2),
            max_lr: Some(0.1),
            step_size: Some(3),
            ..ScheduleSpec::new(Policy::Triangular)
        }
        .resolve(&shape(100), Auto::Off)
        .unwrap_err();
        assert!(e.render(flag).contains("--max-lr"), "{}", e.render(flag));
        let e = ScheduleSpec {
            lr: Some(f64::NAN),
            ..ScheduleSpec::new(Policy::Fixed)
        }
        .resolve(&shape(100), Auto::Off)
        .unwrap_err();
        assert_eq!(e.key(), "lr");
    }

    #[test]
    fn pending_checks_everything_but_the_rates() {
        let bad = ScheduleSpec {
            pct_start: Some(1.5),
            ..ScheduleSpec::new(Policy::OneCycle)
        };
        assert_eq!(
            bad.resolve(&shape(100), Auto::Pending).unwrap_err().key(),
            "pct_start"
        );
        ScheduleSpec::new(Policy::OneCycle)
            .resolve(&shape(100), Auto::Pending)
            .unwrap();
    }

    #[test]
    fn deserialize_names_unknown_keys() {
        let s: ScheduleSpec =
            serde_json::from_str(r#"{"policy": "one-cycle", "pct_strt": 0.2}"#).unwrap();
        let e = s.resolve(&shape(100), Auto::Pending).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown key `pct_strt` (did you mean `pct_start`?)"
        );
        let e = serde_json::from_str::<ScheduleSpec>(r#"{"policy": "onecycle"}"#).unwrap_err();
        assert!(e.to_string().contains("did you mean \"one-cycle\""), "{e}");
    }

    #[test]
    fn table_matches_the_configs() {
        // Every config round-trips through a spec, and resolves to itself.
        let cfgs: Vec<ScheduleConfig> = vec![
            serde_json::from_str(
                r#"{"policy":"exp-range","base_lr":0.1,"max_lr":0.2,"step_size":5,"step_size_down":3,"gamma":0.99,"base_momentum":0.8,"max_momentum":0.9,"warmup":2}"#,
            )
            .unwrap(),
            serde_json::from_str(
                r#"{"policy":"one-cycle","max_lr":0.1,"total_steps":50,"style":"pytorch","pct_start":0.25,"anneal":"linear","div":10,"final_div":100,"three_phase":true,"base_momentum":0.8,"max_momentum":0.9,"cycle_momentum":true}"#,
            )
            .unwrap(),
            serde_json::from_str(r#"{"policy":"sgdr","max_lr":0.1,"min_lr":0.01,"t0":5,"t_mult":2}"#)
                .unwrap(),
            serde_json::from_str(r#"{"policy":"multistep","lr":0.1,"milestones":[3,6],"gamma":0.5}"#)
                .unwrap(),
            serde_json::from_str(r#"{"policy":"poly","lr":0.1,"power":2,"max_iter":50}"#).unwrap(),
            serde_json::from_str(r#"{"policy":"inv","lr":0.1,"gamma":0.1,"power":0.5}"#).unwrap(),
            serde_json::from_str(r#"{"policy":"sigmoid","lr":0.1,"gamma":0.1,"step_size":5}"#)
                .unwrap(),
            serde_json::from_str(
                r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,"num_stable_steps":20,"warmup_type":"cosine","decay_type":"1-sqrt","min_lr_ratio":0.1,"num_cycles":0.5}"#,
            )
            .unwrap(),
            serde_json::from_str(
                r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":5,"num_training_steps":50,"num_cycles":0.5,"min_lr_rate":0.1}"#,
            )
            .unwrap(),
            serde_json::from_str(
                r#"{"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":5,"num_training_steps":50,"lr_end":0.001,"power":2}"#,
            )
            .unwrap(),
            serde_json::from_str(r#"{"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":5,"timescale":7}"#)
                .unwrap(),
        ];
        for c in cfgs {
            let spec = ScheduleSpec::from(&c);
            for k in spec.given_keys() {
                assert!(spec.policy.accepts(k), "{}: {k}", spec.policy);
            }
            let r = spec.resolve(&shape(100), Auto::Off).unwrap();
            assert_eq!(r.config, c);
        }
        // Each required key, when missing, is reported.
        for p in Policy::ALL {
            for &k in p.required_keys() {
                let mut full: serde_json::Value = serde_json::json!({"policy": p.as_str()});
                for &r in p.required_keys() {
                    if r != k {
                        full[r] = match r {
                            "milestones" => serde_json::json!([1]),
                            "schedules" => {
                                serde_json::json!([{"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.2}])
                            }
                            "step_size" | "t0" | "num_warmup_steps" => serde_json::json!(5),
                            "num_decay_steps" => serde_json::json!(10),
                            "base_lr" => serde_json::json!(0.01),
                            _ => serde_json::json!(0.1),
                        };
                    }
                }
                let spec: ScheduleSpec = serde_json::from_value(full).unwrap();
                let no_epochs = RunShape {
                    iters: 100,
                    ..RunShape::default()
                };
                let e = spec.resolve(&no_epochs, Auto::Off).unwrap_err();
                assert_eq!(e.key(), k, "{p}: {e}");
            }
        }
    }
}
