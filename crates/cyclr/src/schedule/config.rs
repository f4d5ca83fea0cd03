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
//! Keys per policy, required and *optional* with their defaults, are in each policy's
//! declaration, in its family's file ([`cyclical`](super::cyclical): `triangular`,
//! `triangular2`, `exp-range`, `welch`, `hann`; [`one_cycle`](super::one_cycle): `one-cycle`,
//! `slanted-triangular`; [`restarts`](super::restarts): `sgdr`; [`baseline`](super::baseline):
//! Caffe's `fixed` … `sigmoid`; [`transformers`](super::transformers): Hugging Face
//! transformers' schedules, exact to transformers 5.24, with transformers' own parameter names;
//! [`nanogpt`](super::nanogpt): `nanogpt-cosine`, nanoGPT's `get_lr`, with nanoGPT's names;
//! [`compose`](super::compose): `sequence`), and so in the docs of each variant below, in
//! `cyclr schedule --help` and in `cyclr compare --template` — all written from the
//! declarations by the [registry](super::registry).
//!
//! `num_warmup_steps` is transformers' warm-up, part of those formulas (factor `t / N`, from 0 at
//! `t = 0`); `warmup` below is cyclr's (factor `(t + 1) / warmup`) and, when given too,
//! multiplies on top.
//!
//! Every policy also takes `warmup` (iterations of linear warm-up, see [`Warmup`]), but
//! `nanogpt-cosine`, whose own `warmup_iters` is nanoGPT's warm-up: there a `warmup` is an error
//! ([`Policy::warmup_refusal`](super::Policy::warmup_refusal)). The run length passed to
//! [`ScheduleConfig::build`] fills `total_steps` / `max_iter` / `num_training_steps` /
//! `lr_decay_iters` when they are absent (transformers itself requires `num_training_steps`; its
//! `Trainer` passes the run's `max_steps`, as cyclr does here); inside a `sequence`, each part's
//! run length is its span between milestones (the last part: up to the run length).
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
    ///
    /// A `warmup` on a policy that refuses it
    /// ([`Policy::warmup_refusal`](super::Policy::warmup_refusal):
    /// `nanogpt-cosine`, which has its own) is an error on `warmup`, whatever its value.
    pub fn build(&self, total_iters: u64) -> Result<Box<dyn Schedule>, ParamError> {
        if let (Some(w), Some(why)) = (self.warmup(), self.policy().warmup_refusal()) {
            return Err(ParamError::new("warmup", w, why));
        }
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
