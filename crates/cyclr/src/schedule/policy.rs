//! [`Policy`]: the name of every learning-rate policy and the keys each one takes — declared once,
//! in the policy's family file (see the [registry](super::registry)), and used by the configs ([`ScheduleConfig`](super::ScheduleConfig),
//! [`ScheduleSpec`](super::ScheduleSpec)), the command line's flags and help, and the error
//! messages ("did you mean …", "does not apply to …").
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use super::registry::Policy;
use super::registry::{Family, POLICIES, PolicyInfo, key_lists};

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
    fn info(self) -> &'static PolicyInfo {
        &POLICIES[self as usize]
    }

    /// The policy's name (`"one-cycle"`, …), as in configs and on the command line.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// `true` for transformers' schedules (warm-up `t/N` from 0 inside the formula, then the
    /// policy's decay).
    pub fn is_transformers(self) -> bool {
        self.info().family == Family::Transformers
    }

    /// Every policy name.
    pub fn names() -> Vec<&'static str> {
        Policy::ALL.iter().map(|p| p.as_str()).collect()
    }

    /// `true` for the cyclical family (triangular, triangular2, exp-range, welch, hann), whose
    /// lower and upper bounds and `step_size` a range test and the step-size rule can fill.
    pub fn is_cyclical(self) -> bool {
        self.info().family == Family::Cyclical
    }

    /// The keys this policy requires (besides `policy`), in the config's order.
    pub fn required_keys(self) -> &'static [&'static str] {
        &key_lists()[self as usize].0
    }

    /// The keys this policy accepts but does not require (every policy takes `warmup`, last,
    /// but those with a warm-up of their own: see [`warmup_refusal`](Self::warmup_refusal)).
    pub fn optional_keys(self) -> &'static [&'static str] {
        &key_lists()[self as usize].1
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
    /// one-cycle, they warm up to it and anneal), but `constant-with-warmup`, which never
    /// anneals: the fixed-LR pick, as `fixed` (BENCHMARKS.md §13: fine-tuning the GPT, its best
    /// rate was 4–5.6× below the one-cycle peak). `wsd` keeps the peak (from scratch its grids
    /// favour it, fine-tuning the fixed pick: no one fill wins). A `sequence` has none (give each
    /// part its rates). Each policy declares its own (see the [registry](super::registry)).
    pub fn auto_keys(self) -> &'static [(&'static str, AutoLr)] {
        self.info().auto
    }

    /// Why cyclr's `warmup` key does not apply to this policy, or `None` where it does (every
    /// policy but those with a warm-up of their own that `warmup` would multiply:
    /// `nanogpt-cosine`). The text names keys in backticks, like [`ParamError`](crate::ParamError)'s.
    pub fn warmup_refusal(self) -> Option<&'static str> {
        self.info().no_warmup
    }

    /// One line on what the policy computes (the command line's help).
    pub fn formula(self) -> &'static str {
        self.info().formula
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
            // `warmup` is a key of every policy but those that refuse it, with a reason.
            assert_eq!(p.accepts("warmup"), p.warmup_refusal().is_none(), "{p}");
            assert_eq!(
                p.warmup_refusal().is_some(),
                p == Policy::NanogptCosine,
                "{p}"
            );
            for (k, _) in p.auto_keys() {
                assert!(p.accepts(k), "{p}: {k}");
            }
        }
    }
}
