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
//!    policy is an error listing this policy's keys (`warmup` on a policy with its own warm-up:
//!    an error saying which, [`Policy::warmup_refusal`]); every float must be finite.
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
use std::fmt;

use super::config::ScheduleConfig;
use super::policy::{AutoLr, Policy, closest};
use crate::ParamError;
use crate::finder::ClrBounds as LrBounds;

pub use super::registry::ScheduleSpec;

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
        pretrained: None,
        from_minimum: false,
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

    /// The value given for a float key (a learning rate).
    fn lr_value(&self, key: &str) -> Option<f64> {
        self.floats()
            .into_iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v)
    }

    fn set_lr(&mut self, key: &str, v: f64) {
        if let Some(slot) = self.float_slot(key) {
            *slot = Some(v);
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
        if let (Some(w), Some(why)) = (self.warmup, self.policy.warmup_refusal()) {
            // Not "does not apply (its keys: …)": the policy has a warm-up of its own, say which.
            return Err(ParamError::new("warmup", w, why).into());
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
}

impl From<&ScheduleConfig> for ScheduleSpec {
    /// The spec that gives every parameter of `config`.
    fn from(config: &ScheduleConfig) -> Self {
        let v = serde_json::to_value(config).expect("configs serialize");
        serde_json::from_value(v).expect("every config key is a spec key")
    }
}

#[cfg(test)]
mod tests;
