//! [`Policy`]: the name of every learning-rate policy and the keys each one takes — written once,
//! here, and used by the configs ([`ScheduleConfig`](super::ScheduleConfig),
//! [`ScheduleSpec`](super::ScheduleSpec)), the command line's flags and help, and the error
//! messages ("did you mean …", "does not apply to …").
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every learning-rate policy, by its config/CLI name (kebab-case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    /// Smith's triangular cycle.
    Triangular,
    /// Triangular, amplitude halved every cycle.
    Triangular2,
    /// Triangular, amplitude scaled by `gamma^t`.
    ExpRange,
    /// Parabolic (Welch) window on the triangular cycle.
    Welch,
    /// Sinusoidal (Hann) window on the triangular cycle.
    Hann,
    /// 1cycle (PyTorch `OneCycleLR` or fastai `fit_one_cycle`).
    OneCycle,
    /// Cosine annealing with warm restarts.
    Sgdr,
    /// Constant.
    Fixed,
    /// Caffe `step`.
    Step,
    /// Caffe `multistep`.
    Multistep,
    /// Caffe `exp`.
    Exp,
    /// Caffe `inv`.
    Inv,
    /// Caffe `poly` (PyTorch `PolynomialLR`).
    Poly,
    /// Caffe `sigmoid`.
    Sigmoid,
    /// transformers' `constant_with_warmup`.
    ConstantWithWarmup,
    /// transformers' `linear` (linear warm-up, linear decay to 0).
    LinearWithWarmup,
    /// transformers' `cosine` (with `min_lr_rate`).
    CosineWithWarmup,
    /// transformers' `cosine_with_restarts`.
    CosineWithHardRestarts,
    /// transformers' `polynomial`.
    PolynomialWithWarmup,
    /// transformers' `inverse_sqrt`.
    InverseSqrt,
    /// transformers' `wsd` (warm-up, stable, decay).
    Wsd,
    /// Policies chained at milestones.
    Sequence,
}

/// What a learning-rate key of a policy is filled with by `--lr auto` (see
/// [`ScheduleSpec::resolve`](super::ScheduleSpec::resolve)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoLr {
    /// The range test's fixed-LR pick.
    Fixed,
    /// The cyclical lower bound.
    Base,
    /// The cyclical upper bound.
    Max,
    /// The one-cycle peak.
    OneCyclePeak,
}

impl Policy {
    /// Every policy, in the order of the help text.
    pub const ALL: [Policy; 22] = [
        Policy::Triangular,
        Policy::Triangular2,
        Policy::ExpRange,
        Policy::Welch,
        Policy::Hann,
        Policy::OneCycle,
        Policy::Sgdr,
        Policy::Fixed,
        Policy::Step,
        Policy::Multistep,
        Policy::Exp,
        Policy::Inv,
        Policy::Poly,
        Policy::Sigmoid,
        Policy::ConstantWithWarmup,
        Policy::LinearWithWarmup,
        Policy::CosineWithWarmup,
        Policy::CosineWithHardRestarts,
        Policy::PolynomialWithWarmup,
        Policy::InverseSqrt,
        Policy::Wsd,
        Policy::Sequence,
    ];

    /// The policy's name (`"one-cycle"`, …), as in configs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Triangular => "triangular",
            Policy::Triangular2 => "triangular2",
            Policy::ExpRange => "exp-range",
            Policy::Welch => "welch",
            Policy::Hann => "hann",
            Policy::OneCycle => "one-cycle",
            Policy::Sgdr => "sgdr",
            Policy::Fixed => "fixed",
            Policy::Step => "step",
            Policy::Multistep => "multistep",
            Policy::Exp => "exp",
            Policy::Inv => "inv",
            Policy::Poly => "poly",
            Policy::Sigmoid => "sigmoid",
            Policy::ConstantWithWarmup => "constant-with-warmup",
            Policy::LinearWithWarmup => "linear-with-warmup",
            Policy::CosineWithWarmup => "cosine-with-warmup",
            Policy::CosineWithHardRestarts => "cosine-with-hard-restarts",
            Policy::PolynomialWithWarmup => "polynomial-with-warmup",
            Policy::InverseSqrt => "inverse-sqrt",
            Policy::Wsd => "wsd",
            Policy::Sequence => "sequence",
        }
    }

    /// `true` for transformers' schedules (warm-up `t/N` from 0 inside the formula, then the
    /// policy's decay).
    pub fn is_transformers(self) -> bool {
        matches!(
            self,
            Policy::ConstantWithWarmup
                | Policy::LinearWithWarmup
                | Policy::CosineWithWarmup
                | Policy::CosineWithHardRestarts
                | Policy::PolynomialWithWarmup
                | Policy::InverseSqrt
                | Policy::Wsd
        )
    }

    /// Every policy name.
    pub fn names() -> Vec<&'static str> {
        Policy::ALL.iter().map(|p| p.as_str()).collect()
    }

    /// `true` for the cyclical family (triangular, triangular2, exp-range, welch, hann), whose
    /// lower and upper bounds and `step_size` a range test and the step-size rule can fill.
    pub fn is_cyclical(self) -> bool {
        matches!(
            self,
            Policy::Triangular
                | Policy::Triangular2
                | Policy::ExpRange
                | Policy::Welch
                | Policy::Hann
        )
    }

    /// The keys this policy requires (besides `policy`).
    pub fn required_keys(self) -> &'static [&'static str] {
        match self {
            p if p.is_cyclical() => &["base_lr", "max_lr", "step_size"],
            Policy::OneCycle => &["max_lr"],
            Policy::Sgdr => &["max_lr", "t0"],
            Policy::Fixed => &["lr"],
            Policy::Step => &["lr", "step_size"],
            Policy::Multistep => &["lr", "milestones"],
            Policy::Exp => &["lr", "gamma"],
            Policy::Inv => &["lr", "gamma", "power"],
            Policy::Poly => &["lr"],
            Policy::Sigmoid => &["lr", "gamma", "step_size"],
            Policy::Sequence => &["milestones", "schedules"],
            Policy::Wsd => &["lr", "num_warmup_steps", "num_decay_steps"],
            p if p.is_transformers() => &["lr", "num_warmup_steps"],
            _ => unreachable!("every cyclical policy is matched by the first arm"),
        }
    }

    /// The keys this policy accepts but does not require (every policy takes `warmup`).
    pub fn optional_keys(self) -> &'static [&'static str] {
        match self {
            Policy::ExpRange => &[
                "step_size_down",
                "gamma",
                "base_momentum",
                "max_momentum",
                "warmup",
            ],
            p if p.is_cyclical() => &["step_size_down", "base_momentum", "max_momentum", "warmup"],
            Policy::OneCycle => &[
                "total_steps",
                "style",
                "pct_start",
                "anneal",
                "div",
                "final_div",
                "three_phase",
                "base_momentum",
                "max_momentum",
                "cycle_momentum",
                "warmup",
            ],
            Policy::Sgdr => &["min_lr", "t_mult", "warmup"],
            Policy::Step | Policy::Multistep => &["gamma", "warmup"],
            Policy::Poly => &["power", "max_iter", "warmup"],
            Policy::LinearWithWarmup => &["num_training_steps", "warmup"],
            Policy::CosineWithWarmup => {
                &["num_training_steps", "num_cycles", "min_lr_rate", "warmup"]
            }
            Policy::CosineWithHardRestarts => &["num_training_steps", "num_cycles", "warmup"],
            Policy::PolynomialWithWarmup => &["num_training_steps", "lr_end", "power", "warmup"],
            Policy::InverseSqrt => &["timescale", "warmup"],
            Policy::Wsd => &[
                "num_training_steps",
                "num_stable_steps",
                "warmup_type",
                "decay_type",
                "min_lr_ratio",
                "num_cycles",
                "warmup",
            ],
            _ => &["warmup"],
        }
    }

    /// `true` if `key` is one of this policy's keys.
    pub fn accepts(self, key: &str) -> bool {
        self.required_keys().contains(&key) || self.optional_keys().contains(&key)
    }

    /// The learning-rate keys a range test fills (`--lr auto`), and with what.
    ///
    /// Cyclical policies: `base_lr` and `max_lr` (the CLR bounds); one-cycle: `max_lr` (the
    /// one-cycle peak); SGDR: `max_lr` (the CLR upper bound) and `min_lr` (the lower bound);
    /// fixed: `lr` (the fixed-LR pick); the decaying policies (`step` … `sigmoid`): `lr`, the
    /// CLR upper bound they decay from; transformers' schedules: `lr`, the one-cycle peak (like
    /// one-cycle, they warm up to it and anneal). A `sequence` has none (give each part its
    /// rates).
    pub fn auto_keys(self) -> &'static [(&'static str, AutoLr)] {
        match self {
            p if p.is_cyclical() => &[("base_lr", AutoLr::Base), ("max_lr", AutoLr::Max)],
            p if p.is_transformers() => &[("lr", AutoLr::OneCyclePeak)],
            Policy::OneCycle => &[("max_lr", AutoLr::OneCyclePeak)],
            Policy::Sgdr => &[("max_lr", AutoLr::Max), ("min_lr", AutoLr::Base)],
            Policy::Fixed => &[("lr", AutoLr::Fixed)],
            Policy::Sequence => &[],
            _ => &[("lr", AutoLr::Max)],
        }
    }

    /// One line on what the policy computes (the command line's help).
    pub fn formula(self) -> &'static str {
        match self {
            Policy::Triangular => {
                "base + (max-base)*max(0, 1-x), x = |t/s - 2*cycle + 1|, cycle = floor(1 + t/(2s))"
            }
            Policy::Triangular2 => "triangular with the amplitude halved every cycle",
            Policy::ExpRange => "triangular with the amplitude scaled by gamma^t",
            Policy::Welch => "triangular's x through the window 1 - x^2",
            Policy::Hann => "triangular's x through the window (1 + cos(pi x))/2",
            Policy::OneCycle => {
                "PyTorch OneCycleLR (--style pytorch) or fastai fit_one_cycle (--style fastai)"
            }
            Policy::Sgdr => "cosine annealing with warm restarts (CosineAnnealingWarmRestarts)",
            Policy::Fixed => "lr",
            Policy::Step => "lr * gamma^floor(t/s)",
            Policy::Multistep => "lr * gamma^(number of milestones <= t)",
            Policy::Exp => "lr * gamma^t",
            Policy::Inv => "lr * (1 + gamma*t)^(-power)",
            Policy::Poly => "lr * (1 - min(t, max_iter)/max_iter)^power",
            Policy::Sigmoid => "lr / (1 + exp(-gamma*(t - s)))",
            Policy::ConstantWithWarmup => {
                "lr * min(1, t/N)   (transformers get_constant_schedule_with_warmup; N = num_warmup_steps)"
            }
            Policy::LinearWithWarmup => {
                "lr * t/N, then linear to 0 at num_training_steps (transformers get_linear_schedule_with_warmup)"
            }
            Policy::CosineWithWarmup => {
                "lr * t/N, then cosine over num_cycles half-waves down to min_lr_rate*lr (transformers get_cosine_schedule_with_warmup)"
            }
            Policy::CosineWithHardRestarts => {
                "lr * t/N, then num_cycles cosine decays with hard restarts (transformers get_cosine_with_hard_restarts_schedule_with_warmup)"
            }
            Policy::PolynomialWithWarmup => {
                "lr * t/N, then (lr - lr_end)*(1 - progress)^power + lr_end (transformers get_polynomial_decay_schedule_with_warm_up)"
            }
            Policy::InverseSqrt => {
                "lr * t/N, then lr / sqrt((t + timescale - N)/timescale) (transformers get_inverse_sqrt_schedule)"
            }
            Policy::Wsd => {
                "warm-up, stable at lr, decay (linear | cosine | 1-sqrt) to min_lr_ratio*lr over num_decay_steps (transformers get_wsd_schedule)"
            }
            Policy::Sequence => "policies chained at milestones, each restarting at its own t = 0",
        }
    }

    /// Every key of every policy (with `policy`), sorted.
    pub fn all_keys() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Policy::ALL
            .iter()
            .flat_map(|p| p.required_keys().iter().chain(p.optional_keys()))
            .copied()
            .collect();
        v.push("policy");
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown policy name, with the closest known one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPolicy {
    /// What was given.
    pub given: String,
    /// The closest policy name, if one is close.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown policy {:?}", self.given)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean {s:?}?)")?;
        }
        write!(f, "; valid: {}", Policy::names().join(", "))
    }
}

impl std::error::Error for UnknownPolicy {}

impl FromStr for Policy {
    type Err = UnknownPolicy;

    /// The policy's name, ASCII case-insensitive, `_` read as `-`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Policy::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == norm)
            .ok_or_else(|| UnknownPolicy {
                given: s.to_string(),
                suggestion: closest(&norm, &Policy::names()),
            })
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The candidate closest to `given` by edit distance (ignoring `-` and `_`), if it is close
/// enough to be a likely typo: distance ≤ 2, or ≤ a third of the name's length.
pub fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let strip = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let g = strip(given);
    candidates
        .iter()
        .map(|c| (edit_distance(&g, &strip(c)), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Policy::ALL {
            assert_eq!(p.as_str().parse::<Policy>().unwrap(), p);
            assert_eq!(
                serde_json::from_value::<Policy>(serde_json::to_value(p).unwrap()).unwrap(),
                p
            );
        }
        assert_eq!("One_Cycle".parse::<Policy>().unwrap(), Policy::OneCycle);
    }

    #[test]
    fn typos_get_a_suggestion() {
        let e = "onecycle".parse::<Policy>().unwrap_err();
        assert_eq!(e.suggestion, Some("one-cycle"));
        assert!(e.to_string().contains("did you mean \"one-cycle\"?"), "{e}");
        assert_eq!(
            "triangle".parse::<Policy>().unwrap_err().suggestion,
            Some("triangular")
        );
        assert_eq!("xyzzy".parse::<Policy>().unwrap_err().suggestion, None);
        assert_eq!(
            closest("pct_strt", &["pct_start", "div"]),
            Some("pct_start")
        );
    }

    #[test]
    fn every_policy_takes_warmup_and_auto_keys_are_its_keys() {
        for p in Policy::ALL {
            assert!(p.accepts("warmup"), "{p}");
            for (k, _) in p.auto_keys() {
                assert!(p.accepts(k), "{p}: {k}");
            }
        }
    }
}
