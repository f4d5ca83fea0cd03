//! Repeated range tests: the same test with several seeds (weights and data order), each
//! suggestion's spread over them, and the median of each learning rate — what `cyclr find
//! --seeds 0,1,2` reports and `--lr auto` can train with. No other finder has it; a single range
//! test's picks move from seed to seed (BENCHMARKS.md §5 measures by how much).
//!
//! Medians are taken in log space (of learning rates, which differ by factors): with an even
//! number of values, the geometric mean of the middle two.
use serde::{Deserialize, Serialize};

use super::bounds::ClrBounds;
use super::result::RangeTestResult;

/// The smallest, median and largest of a pick over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// Median (in log space).
    pub median: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of positive values; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| *x > 0.0).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] * v[n / 2]).sqrt()
        };
        Some(Spread {
            min: v[0],
            median,
            max: v[n - 1],
        })
    }

    /// `max / min`.
    pub fn ratio(&self) -> f64 {
        self.max / self.min
    }
}

/// Several range tests of the same setup with different seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repeated {
    /// The seed of each test.
    pub seeds: Vec<u64>,
    /// The tests, in the order of `seeds`.
    pub results: Vec<RangeTestResult>,
}

/// The spread of every pick of [`Repeated`] tests, and the median rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatedSummary {
    /// The seeds.
    pub seeds: Vec<u64>,
    /// Spread of each use's rate, by name (`fixed_lr`, `base_lr`, `max_lr`,
    /// `one_cycle_max_lr`), over the tests that gave rates.
    pub rates: Vec<(String, Spread)>,
    /// Spread of fastai's suggestions, by name, over the tests that gave them (and of the other
    /// library's, `lightning` / `torch_lr_finder`, when the tests used its stop rule).
    pub suggestions: Vec<(String, Spread)>,
    /// The median of each rate (`None` when fewer than half of the tests gave rates).
    pub bounds: Option<ClrBounds>,
    /// How many tests gave rates.
    pub with_rates: usize,
}

impl RepeatedSummary {
    /// As JSON (the `suggestions.json` of repeated tests): `seeds`, `tests_with_rates`,
    /// `spread` (each rate's and suggestion's `{min, median, max}`), and the median rates under
    /// the same keys as one test's [`to_json`](super::RangeTestResult::to_json): `fixed_lr`,
    /// `base_lr`, `max_lr`, `one_cycle_max_lr`, `rule`, `warnings`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut spread = serde_json::Map::new();
        for (name, sp) in self.rates.iter().chain(&self.suggestions) {
            spread.insert(name.clone(), serde_json::to_value(sp).expect("plain data"));
        }
        let b = self.bounds.as_ref();
        let mut v = serde_json::json!({
            "seeds": self.seeds,
            "tests_with_rates": self.with_rates,
            "spread": spread,
        });
        v.as_object_mut()
            .expect("an object")
            .extend(super::bounds::rates_json(b));
        v
    }
}

/// Why repeated range tests give no learning rates (the median needs at least half of them).
pub const TOO_FEW_WITH_RATES: &str = "fewer than half of the tests gave learning rates";

impl Repeated {
    /// The rates runs train with: the single test's, or the median of each rate over the tests
    /// ([`RepeatedSummary::bounds`]); `None` when there are none (see
    /// [`no_rates_reason`](Self::no_rates_reason)).
    pub fn bounds(&self) -> Option<ClrBounds> {
        match self.results.as_slice() {
            [one] => one.bounds.clone(),
            _ => self.summary().bounds,
        }
    }

    /// Why [`bounds`](Self::bounds) is `None`: the single test's note, or
    /// [`TOO_FEW_WITH_RATES`].
    pub fn no_rates_reason(&self) -> String {
        match self.results.as_slice() {
            [one] => one.bounds_note.clone().unwrap_or_default(),
            _ => TOO_FEW_WITH_RATES.to_string(),
        }
    }

    /// Summarise: spreads and median rates.
    pub fn summary(&self) -> RepeatedSummary {
        let with: Vec<&ClrBounds> = self
            .results
            .iter()
            .filter_map(|r| r.bounds.as_ref())
            .collect();
        let spread =
            |f: fn(&ClrBounds) -> f64| Spread::of(&with.iter().map(|b| f(b)).collect::<Vec<_>>());
        let mut rates = Vec::new();
        for (name, f) in [
            (
                "fixed_lr",
                (|b: &ClrBounds| b.fixed_lr) as fn(&ClrBounds) -> f64,
            ),
            ("base_lr", |b| b.base_lr),
            ("max_lr", |b| b.max_lr),
            ("one_cycle_max_lr", |b| b.one_cycle_max_lr),
        ] {
            if let Some(s) = spread(f) {
                rates.push((name.to_string(), s));
            }
        }
        let mut suggestions = Vec::new();
        for name in ["valley", "steep", "minimum", "slide"] {
            let v: Vec<f64> = self
                .results
                .iter()
                .filter_map(|r| {
                    r.suggestions
                        .iter()
                        .into_iter()
                        .find(|(n, _)| *n == name)
                        .and_then(|(_, s)| s.map(|s| s.lr))
                })
                .collect();
            if let Some(s) = Spread::of(&v) {
                suggestions.push((name.to_string(), s));
            }
        }
        // The other library's suggestion, when the tests ran by its stop rule.
        if let Some(f) = self
            .results
            .first()
            .and_then(|r| super::Finder::of_rule(r.config.stop_rule))
        {
            let v: Vec<f64> = self
                .results
                .iter()
                .filter_map(|r| super::finder_run_of(r)?.suggestion.map(|s| s.lr))
                .collect();
            if let Some(s) = Spread::of(&v) {
                suggestions.push((f.key().to_string(), s));
            }
        }
        let get = |name: &str| rates.iter().find(|(n, _)| n == name).map(|(_, s)| s.median);
        let enough = !with.is_empty() && 2 * with.len() >= self.results.len();
        let bounds = enough.then(|| {
            let (f, b, m, o) = (
                get("fixed_lr").expect("with rates"),
                get("base_lr").expect("with rates"),
                get("max_lr").expect("with rates"),
                get("one_cycle_max_lr").expect("with rates"),
            );
            let mut warnings: Vec<String> = with.iter().flat_map(|b| b.warnings.clone()).collect();
            warnings.sort();
            warnings.dedup();
            ClrBounds {
                fixed_lr: f,
                base_lr: b,
                max_lr: m,
                one_cycle_max_lr: o,
                rule: format!(
                    "median over {} range tests (seeds {}) of: {}",
                    with.len(),
                    self.seeds
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    with[0].rule
                ),
                window: None,
                pretrained: None,
                from_minimum: with.iter().all(|b| b.from_minimum),
                warnings,
            }
        });
        RepeatedSummary {
            seeds: self.seeds.clone(),
            rates,
            suggestions,
            bounds,
            with_rates: with.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_median_is_geometric_for_even_counts() {
        let s = Spread::of(&[1.0, 4.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 4.0));
        let s = Spread::of(&[3.0, 1.0, 9.0]).unwrap();
        assert_eq!(s.median, 3.0);
        assert_eq!(s.ratio(), 9.0);
        assert!(Spread::of(&[]).is_none());
    }
}
