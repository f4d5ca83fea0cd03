//! [`ScheduleConfig`]: every policy as plain data, for CLI flags, experiment TOML files and
//! checkpoints.
//!
//! Serialized as a map tagged by `policy` (kebab-case), with snake_case keys; unknown keys are
//! rejected. In TOML:
//!
//! ```toml
//! policy = "triangular"
//! base_lr = 0.001
//! max_lr = 0.006
//! step_size = 2000
//! warmup = 500          # optional on every policy
//! ```
//!
//! Keys per policy (required; *optional = default*):
//!
//! * `triangular`, `triangular2`, `welch`, `hann`: `base_lr`, `max_lr`, `step_size`;
//!   *`step_size_down` = `step_size`*, *`base_momentum` + `max_momentum`* (both or neither;
//!   momentum cycles only when both are given).
//! * `exp-range`: as `triangular`, plus *`gamma` = 1.0* (PyTorch's default).
//! * `one-cycle`: `max_lr`; *`total_steps` = the run length*, *`style` = `"pytorch"`*
//!   (or `"fastai"`), *`pct_start` = 0.3 (pytorch) / 0.25 (fastai)*, *`anneal` = `"cos"`*
//!   (`"linear"`: pytorch only), *`div` = 25*, *`final_div` = 1e4 (pytorch: relative to
//!   `max_lr / div`, PyTorch's `final_div_factor`) / 1e5 (fastai: relative to `max_lr`, fastai's
//!   `div_final`)*, *`three_phase` = false* (pytorch only), *`base_momentum` = 0.85*,
//!   *`max_momentum` = 0.95*, *`cycle_momentum` = true*.
//! * `sgdr`: `max_lr`, `t0`; *`min_lr` = 0*, *`t_mult` = 1*.
//! * `fixed`: `lr`.
//! * `step`: `lr`, `step_size`; *`gamma` = 0.1*.
//! * `multistep`: `lr`, `milestones`; *`gamma` = 0.1*.
//! * `exp`: `lr`, `gamma`.
//! * `inv`: `lr`, `gamma`, `power`.
//! * `poly`: `lr`; *`power` = 1.0*, *`max_iter` = the run length*.
//! * `sigmoid`: `lr`, `gamma`, `step_size`.
//! * `sequence`: `milestones`, `schedules` (a list of configs).
//!
//! Hugging Face transformers' schedules ([`transformers`](super::transformers), exact to
//! transformers 5.24), with transformers' own parameter names:
//!
//! * `constant-with-warmup`: `lr`, `num_warmup_steps`.
//! * `linear-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run length*.
//! * `cosine-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run length*,
//!   *`num_cycles` = 0.5*, *`min_lr_rate` = 0* (transformers'
//!   `get_cosine_with_min_lr_schedule_with_warmup` when set).
//! * `cosine-with-hard-restarts`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run
//!   length*, *`num_cycles` = 1*.
//! * `polynomial-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run
//!   length*, *`lr_end` = 1e-7*, *`power` = 1.0*.
//! * `inverse-sqrt`: `lr`, `num_warmup_steps`; *`timescale` = `num_warmup_steps`, or 10 000 when
//!   that is 0* (transformers' `num_warmup_steps or 10_000`).
//! * `wsd`: `lr`, `num_warmup_steps`, `num_decay_steps`; *`num_stable_steps`* or
//!   *`num_training_steps`* (stable = `num_training_steps − num_warmup_steps −
//!   num_decay_steps`; with neither, `num_training_steps` = the run length; with both, they must
//!   agree), *`warmup_type` = `"linear"`*, *`decay_type` = `"cosine"`* (each `"linear"`,
//!   `"cosine"` or `"1-sqrt"`), *`min_lr_ratio` = 0*, *`num_cycles` = 0.5*.
//!
//! `num_warmup_steps` is transformers' warm-up, part of those formulas (factor `t / N`, from 0 at
//! `t = 0`); `warmup` below is cyclr's (factor `(t + 1) / warmup`) and, when given too,
//! multiplies on top.
//!
//! Every policy also takes `warmup` (iterations of linear warm-up, see
//! [`Warmup`]). The run length passed to [`ScheduleConfig::build`] fills
//! `total_steps` / `max_iter` / `num_training_steps` when they are absent (transformers itself
//! requires `num_training_steps`; its `Trainer` passes the run's `max_steps`, as cyclr does
//! here); inside a `sequence`, each part's run length is its span between milestones (the last
//! part: up to the run length).
//!
//! Design note: `warmup` is a field of every variant rather than a `#[serde(flatten)]`ed
//! wrapper, because serde does not support `deny_unknown_fields` together with `flatten`; the
//! [registry](super::registry) adds it to every policy.
//!
//! Each policy is declared once, in its family's file; the registry writes this enum (and
//! [`ScheduleSpec`](super::ScheduleSpec), the key lists, the flags) from the declarations.
pub use super::one_cycle::OneCycleStyle;
pub use super::registry::ScheduleConfig;

use super::Schedule;
use super::compose::Warmup;
use crate::ParamError;

impl ScheduleConfig {
    /// The policy's name, as its `policy` tag (`"triangular"`, `"one-cycle"`, …).
    pub fn name(&self) -> &'static str {
        self.policy().as_str()
    }

    /// Validate and build the schedule for a run of `total_iters` iterations (used where
    /// `total_steps` / `max_iter` are absent, and to size a sequence's last part).
    pub fn build(&self, total_iters: u64) -> Result<Box<dyn Schedule>, ParamError> {
        let inner = self.build_declared(total_iters)?;
        Ok(match self.warmup() {
            Some(n) if n > 0 => Box::new(Warmup::new(inner, n)),
            _ => inner,
        })
    }

    /// `(min, max)` of the learning rate this configuration produces (for any run length),
    /// computed from the fields and their defaults without validating them. Decaying policies
    /// report 0 as their minimum; a warm-up divides the minimum by its length.
    pub fn bounds(&self) -> (f64, f64) {
        let (lo, hi) = self.bounds_declared();
        match self.warmup() {
            Some(n) if n > 0 => (lo / n as f64, hi),
            _ => (lo, hi),
        }
    }
}

#[cfg(test)]
mod tests;
