//! Comparing policies the way the paper's Table 1 does: the final test figure (mean ± std over
//! seeds) and the **iterations each policy needs to reach the baseline's final figure**.
//!
//! The figure is the task's [`Metric`]: test accuracy for a classifier (higher is better), test
//! loss for a language model (nats per character, lower is better). "Reach" means "at least as
//! good as" in the metric's direction; every comparison here goes through [`Metric`], so the
//! tables, budgets and head-to-head read the same for both.
//!
//! "Ratio to baseline" divides a policy's iterations to the baseline's final figure by the
//! **baseline's own** iterations to it (its first crossing), as the paper's 25k/70k does — not by
//! the baseline's length, which would flatter every policy whose baseline peaks early.
//!
//! Framework-free: it works on logged evaluation curves, whoever trained them.
use serde::{Deserialize, Serialize};

/// What a task's runs are scored by, and which way is better: the one place the direction of
/// a comparison lives (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Test accuracy, a fraction of the test samples: higher is better (image classifiers).
    #[default]
    Accuracy,
    /// Test loss, the mean cross-entropy (nats per character for text): lower is better
    /// (language models).
    Loss,
}

impl Metric {
    /// `true` for accuracy, `false` for loss.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    /// `true` when `a` is strictly better than `b` (a NaN is never better).
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Metric::Accuracy => a > b,
            Metric::Loss => a < b,
        }
    }

    /// `true` when `value` is at least as good as `target` (a NaN never reaches).
    pub fn reaches(self, value: f64, target: f64) -> bool {
        match self {
            Metric::Accuracy => value >= target,
            Metric::Loss => value <= target,
        }
    }

    /// The best of `values` (NaNs ignored; `None` if there is none).
    pub fn best(self, values: impl IntoIterator<Item = f64>) -> Option<f64> {
        values
            .into_iter()
            .filter(|v| !v.is_nan())
            .reduce(|a, b| if self.better(b, a) { b } else { a })
    }

    /// How much worse `value` is than `reference`, in [`unit`](Self::unit)s: accuracy points
    /// (`(reference − value) × 100`) or nats (`value − reference`). Positive: worse.
    pub fn shortfall(self, reference: f64, value: f64) -> f64 {
        match self {
            Metric::Accuracy => (reference - value) * 100.0,
            Metric::Loss => value - reference,
        }
    }

    /// The unit of a [`shortfall`](Self::shortfall) and of [`display`](Self::display)ed
    /// values' differences: `points` or `nats`.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Accuracy => "points",
            Metric::Loss => "nats",
        }
    }

    /// The name in column names (`final_accuracy_mean`, `final_loss_mean`): `accuracy` or
    /// `loss`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Loss => "loss",
        }
    }

    /// The short column heading: `acc. %` or `loss, nats`.
    pub fn heading(self) -> &'static str {
        match self {
            Metric::Accuracy => "acc. %",
            Metric::Loss => "loss, nats",
        }
    }

    /// A value as tables print it: accuracy in percent with two decimals (`90.10`), loss with
    /// four (`1.8999`); `-` for a non-finite value. Also for a standard deviation of such values.
    pub fn display(self, v: f64) -> String {
        if !v.is_finite() {
            return "-".into();
        }
        match self {
            Metric::Accuracy => format!("{:.2}", v * 100.0),
            Metric::Loss => format!("{v:.4}"),
        }
    }

    /// A target as a sentence names it: `90.10%` or `1.8999 nats`.
    pub fn display_target(self, v: f64) -> String {
        match self {
            Metric::Accuracy => format!("{:.2}%", v * 100.0),
            Metric::Loss => format!("{v:.4} nats"),
        }
    }

    /// A [`shortfall`](Self::shortfall) in words: `0.32 points below`, `0.0123 nats above`
    /// (for a loss, worse is above).
    pub fn display_shortfall(self, gap: f64) -> String {
        let worse = gap > 0.0;
        match self {
            Metric::Accuracy => format!(
                "{:.2} points {}",
                gap.abs(),
                if worse { "below" } else { "above" }
            ),
            Metric::Loss => format!(
                "{:.4} nats {}",
                gap.abs(),
                if worse { "above" } else { "below" }
            ),
        }
    }
}

/// One training run's evaluation curve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunCurve {
    /// Policy (run) name, e.g. `triangular2`.
    pub policy: String,
    /// Seed of this run.
    pub seed: u64,
    /// `(iteration, test figure)` at each evaluation (the task's [`Metric`]), iterations
    /// increasing.
    pub evals: Vec<(u64, f64)>,
    /// Wall time of the run in seconds.
    pub wall_time_s: f64,
    /// Iterations trained.
    pub iterations: u64,
    /// The training budget of this run (a fraction of the full run), if it is one of several
    /// budgets (see [`summarize_budgets`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
}

impl RunCurve {
    /// The figure at the last evaluation (NaN if never evaluated).
    pub fn final_value(&self) -> f64 {
        self.evals.last().map_or(f64::NAN, |e| e.1)
    }
}

/// The first evaluated iteration at which the figure [`reaches`](Metric::reaches) `target`,
/// if any.
///
/// Iterations are counted as the number of optimizer steps taken before the evaluation.
pub fn iterations_to_reach(evals: &[(u64, f64)], target: f64, metric: Metric) -> Option<u64> {
    evals
        .iter()
        .find(|(_, a)| metric.reaches(*a, target))
        .map(|(t, _)| *t)
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value).
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// One row of the comparison table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicySummary {
    /// Policy (run) name.
    pub policy: String,
    /// Number of seeds aggregated.
    pub seeds: usize,
    /// Iterations each run trained.
    pub iterations: u64,
    /// Final test figure, mean over seeds.
    pub final_mean: f64,
    /// Final test figure, sample std over seeds (`None` with one seed: there is no spread to
    /// show).
    pub final_std: Option<f64>,
    /// The first evaluation at which the policy's **mean-over-seeds** figure reaches the
    /// baseline's mean final figure (`None`: the mean never does, even if a seed did).
    pub iterations_to_baseline: Option<f64>,
    /// How many seeds, each on its own, reached the baseline's final figure (for the reader:
    /// the iterations above are the mean curve's).
    pub reached: usize,
    /// `iterations_to_baseline` / the baseline's own `iterations_to_baseline` (when it first
    /// reached its final figure; the paper: 25k/70k = 0.36 for CIFAR-10). The baseline's own
    /// row is 1.
    pub ratio_to_baseline: Option<f64>,
    /// Mean wall time per run, seconds.
    pub wall_time_mean_s: f64,
}

/// Summarise runs per policy, in order of first appearance, against `baseline`'s mean final
/// figure (`metric` says which way is better). Returns `None` if no run is named `baseline`.
pub fn summarize(
    runs: &[RunCurve],
    baseline: &str,
    metric: Metric,
) -> Option<(f64, Vec<PolicySummary>)> {
    let base: Vec<&RunCurve> = runs.iter().filter(|r| r.policy == baseline).collect();
    if base.is_empty() {
        return None;
    }
    let base_finals: Vec<f64> = base.iter().map(|r| r.final_value()).collect();
    let (target, _) = mean_std(&base_finals);
    // The baseline's own first crossing of its mean final figure (some seed always ends at or
    // beyond the mean, so some seed crosses).
    // On the mean curve, which ends at the target: it always gets there.
    let base_its = iterations_to_reach(&mean_curve(&base), target, metric).map(|t| t as f64);
    let mut order: Vec<&str> = Vec::new();
    for r in runs {
        if !order.contains(&r.policy.as_str()) {
            order.push(&r.policy);
        }
    }
    let rows = order
        .into_iter()
        .map(|p| {
            let rs: Vec<&RunCurve> = runs.iter().filter(|r| r.policy == p).collect();
            let finals: Vec<f64> = rs.iter().map(|r| r.final_value()).collect();
            let (m, s) = mean_std(&finals);
            let hits = rs
                .iter()
                .filter(|r| iterations_to_reach(&r.evals, target, metric).is_some())
                .count();
            let its = iterations_to_reach(&mean_curve(&rs), target, metric).map(|t| t as f64);
            let walls: Vec<f64> = rs.iter().map(|r| r.wall_time_s).collect();
            PolicySummary {
                policy: p.to_string(),
                seeds: rs.len(),
                iterations: rs.iter().map(|r| r.iterations).max().unwrap_or(0),
                final_mean: m,
                final_std: (rs.len() > 1).then_some(s),
                iterations_to_baseline: its,
                reached: hits,
                ratio_to_baseline: its
                    .zip(base_its)
                    .filter(|&(_, b)| b > 0.0)
                    .map(|(i, b)| i / b),
                wall_time_mean_s: mean_std(&walls).0,
            }
        })
        .collect();
    Some((target, rows))
}

/// One row of the figure-vs-budget table: a policy at a budget.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetRow {
    /// Policy (run) name.
    pub policy: String,
    /// The budget, a fraction of the full run.
    pub budget: f64,
    /// Iterations trained at this budget.
    pub iterations: u64,
    /// Number of seeds aggregated.
    pub seeds: usize,
    /// Final test figure, mean over seeds.
    pub final_mean: f64,
    /// Final test figure, sample std over seeds (`None` with one seed).
    pub final_std: Option<f64>,
    /// Mean wall time per run, seconds.
    pub wall_time_mean_s: f64,
}

/// Per policy: the smallest budget at which it reaches the baseline's full-budget figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetReach {
    /// Policy (run) name.
    pub policy: String,
    /// The smallest budget whose mean final figure reaches the target, if any.
    pub smallest_budget: Option<f64>,
    /// `smallest_budget / full budget` (the paper's 25k/70k = 0.36 is this ratio).
    pub ratio: Option<f64>,
}

/// The final figure vs training budget (one separate run per budget, each with its schedule
/// planned for it), against the baseline at the full (largest) budget.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetSummary {
    /// What the figures are.
    pub metric: Metric,
    /// The baseline's mean final figure at the full budget: what every policy must reach.
    pub target: f64,
    /// The largest budget.
    pub full_budget: f64,
    /// One row per (policy, budget), policies in order of first appearance, budgets increasing.
    pub rows: Vec<BudgetRow>,
    /// One entry per policy.
    pub reach: Vec<BudgetReach>,
}

/// Summarise runs that carry a [`RunCurve::budget`] per (policy, budget), against `baseline`'s
/// mean final figure at the largest budget. `None` if the baseline has no run at that budget.
pub fn summarize_budgets(
    runs: &[RunCurve],
    baseline: &str,
    metric: Metric,
) -> Option<BudgetSummary> {
    let budget = |r: &RunCurve| r.budget.unwrap_or(1.0);
    let full_budget = runs.iter().map(budget).reduce(f64::max)?;
    let base: Vec<f64> = runs
        .iter()
        .filter(|r| r.policy == baseline && budget(r) == full_budget)
        .map(RunCurve::final_value)
        .collect();
    if base.is_empty() {
        return None;
    }
    let target = mean_std(&base).0;
    let mut order: Vec<&str> = Vec::new();
    for r in runs {
        if !order.contains(&r.policy.as_str()) {
            order.push(&r.policy);
        }
    }
    let mut rows = Vec::new();
    let mut reach = Vec::new();
    for p in order {
        let mut budgets: Vec<f64> = runs.iter().filter(|r| r.policy == p).map(budget).collect();
        budgets.sort_by(f64::total_cmp);
        budgets.dedup();
        let mut smallest = None;
        for b in budgets {
            let rs: Vec<&RunCurve> = runs
                .iter()
                .filter(|r| r.policy == p && budget(r) == b)
                .collect();
            let finals: Vec<f64> = rs.iter().map(|r| r.final_value()).collect();
            let (m, sd) = mean_std(&finals);
            if smallest.is_none() && metric.reaches(m, target) {
                smallest = Some(b);
            }
            let walls: Vec<f64> = rs.iter().map(|r| r.wall_time_s).collect();
            rows.push(BudgetRow {
                policy: p.to_string(),
                budget: b,
                iterations: rs.iter().map(|r| r.iterations).max().unwrap_or(0),
                seeds: rs.len(),
                final_mean: m,
                final_std: (rs.len() > 1).then_some(sd),
                wall_time_mean_s: mean_std(&walls).0,
            });
        }
        reach.push(BudgetReach {
            policy: p.to_string(),
            smallest_budget: smallest,
            ratio: smallest.map(|b| b / full_budget),
        });
    }
    Some(BudgetSummary {
        metric,
        target,
        full_budget,
        rows,
        reach,
    })
}

/// Mean curve over seeds at the evaluation iterations all runs share.
pub fn mean_curve(runs: &[&RunCurve]) -> Vec<(u64, f64)> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .evals
        .iter()
        .filter_map(|&(t, _)| {
            let vals: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.evals.iter().find(|e| e.0 == t).map(|e| e.1))
                .collect();
            (vals.len() == runs.len()).then(|| (t, mean_std(&vals).0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &str, seed: u64, evals: &[(u64, f64)]) -> RunCurve {
        RunCurve {
            policy: p.into(),
            seed,
            evals: evals.to_vec(),
            wall_time_s: 1.0,
            iterations: evals.last().unwrap().0,
            budget: None,
        }
    }

    fn at(p: &str, seed: u64, budget: f64, acc: f64) -> RunCurve {
        RunCurve {
            budget: Some(budget),
            ..run(p, seed, &[((1000.0 * budget) as u64, acc)])
        }
    }

    #[test]
    fn budgets_smallest_reaching_the_strongest_baseline() {
        let runs = vec![
            at("fixed", 0, 0.5, 0.80),
            at("fixed", 0, 1.0, 0.85),
            at("fixed", 1, 0.5, 0.82),
            at("fixed", 1, 1.0, 0.87),
            at("clr", 0, 0.25, 0.84),
            at("clr", 1, 0.25, 0.87),
            at("clr", 0, 0.5, 0.88),
            at("clr", 1, 0.5, 0.90),
            at("clr", 0, 1.0, 0.90),
            at("clr", 1, 1.0, 0.91),
        ];
        let b = summarize_budgets(&runs, "fixed", Metric::Accuracy).unwrap();
        assert!((b.target - 0.86).abs() < 1e-12);
        assert_eq!(b.full_budget, 1.0);
        let keys: Vec<(&str, f64)> = b
            .rows
            .iter()
            .map(|r| (r.policy.as_str(), r.budget))
            .collect();
        assert_eq!(
            keys,
            [
                ("fixed", 0.5),
                ("fixed", 1.0),
                ("clr", 0.25),
                ("clr", 0.5),
                ("clr", 1.0)
            ]
        );
        assert_eq!(b.rows[2].iterations, 250);
        // clr at 0.25: mean 0.855 < 0.86; at 0.5: 0.89 >= 0.86.
        assert_eq!(b.reach[1].policy, "clr");
        assert_eq!(b.reach[1].smallest_budget, Some(0.5));
        assert_eq!(b.reach[1].ratio, Some(0.5));
        assert_eq!(b.reach[0].smallest_budget, Some(1.0));
        assert!(summarize_budgets(&runs, "none", Metric::Accuracy).is_none());
    }

    #[test]
    fn mean_std_is_sample_std() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((s - 1.2909944487358056).abs() < 1e-15);
        assert_eq!(mean_std(&[5.0]), (5.0, 0.0));
        assert!(mean_std(&[]).0.is_nan());
    }

    #[test]
    fn iterations_to_reach_first_hit() {
        let e = [(100, 0.5), (200, 0.8), (300, 0.79), (400, 0.9)];
        assert_eq!(iterations_to_reach(&e, 0.8, Metric::Accuracy), Some(200));
        assert_eq!(iterations_to_reach(&e, 0.85, Metric::Accuracy), Some(400));
        assert_eq!(iterations_to_reach(&e, 0.95, Metric::Accuracy), None);
    }

    #[test]
    fn summarize_against_baseline() {
        let runs = vec![
            run("fixed", 0, &[(100, 0.5), (200, 0.7), (300, 0.8)]),
            run("fixed", 1, &[(100, 0.5), (200, 0.7), (300, 0.82)]),
            run("clr", 0, &[(100, 0.81), (200, 0.85), (300, 0.9)]),
            run("clr", 1, &[(100, 0.7), (200, 0.85), (300, 0.9)]),
        ];
        let (target, rows) = summarize(&runs, "fixed", Metric::Accuracy).unwrap();
        assert!((target - 0.81).abs() < 1e-12);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].policy, "fixed");
        assert_eq!(rows[0].reached, 1); // seed 1 reaches 0.81, seed 0 ends at 0.8
        assert_eq!(rows[0].iterations_to_baseline, Some(300.0));
        assert_eq!(rows[0].ratio_to_baseline, Some(1.0));
        let clr = &rows[1];
        assert_eq!(clr.reached, 2);
        // Seed 0 reaches 0.81 at 100, seed 1 at 200; the mean curve (0.755, 0.85) at 200.
        assert_eq!(clr.iterations_to_baseline, Some(200.0));
        assert!((clr.ratio_to_baseline.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // A seed that gets there while the mean does not: not reached.
        let lucky = vec![
            run("fixed", 0, &[(100, 0.5), (200, 0.8)]),
            run("one", 0, &[(100, 0.85), (200, 0.7)]),
            run("one", 1, &[(100, 0.5), (200, 0.7)]),
        ];
        let (_, rows) = summarize(&lucky, "fixed", Metric::Accuracy).unwrap();
        assert_eq!((rows[1].reached, rows[1].iterations_to_baseline), (1, None));
        assert!(clr.final_std.is_some());
        // The ratio is to the baseline's own first crossing, not to its length: a baseline that
        // gets there at 200 of 400 iterations makes 100 a ratio of 0.5, not 0.25.
        let runs = vec![
            run(
                "fixed",
                0,
                &[(100, 0.5), (200, 0.8), (300, 0.79), (400, 0.8)],
            ),
            run("clr", 0, &[(100, 0.85), (200, 0.9)]),
        ];
        let (_, rows) = summarize(&runs, "fixed", Metric::Accuracy).unwrap();
        assert_eq!(rows[0].ratio_to_baseline, Some(1.0));
        assert_eq!(rows[1].ratio_to_baseline, Some(0.5));
        // One seed: no spread.
        assert_eq!(rows[1].final_std, None);
        assert!((clr.final_mean - 0.9).abs() < 1e-12);
        assert!(summarize(&runs, "nope", Metric::Accuracy).is_none());
    }

    /// A loss table reads the other way: lower reaches, the smallest budget is the first whose
    /// mean loss is at most the target, and the shortfall is in nats.
    #[test]
    fn a_loss_metric_reaches_downwards() {
        let m = Metric::Loss;
        assert!(m.better(1.9, 2.0) && !m.better(2.0, 1.9) && !m.better(f64::NAN, 2.0));
        assert!(m.reaches(1.9, 1.9) && !m.reaches(1.91, 1.9));
        assert_eq!(m.best([2.0, f64::NAN, 1.8, 1.9]), Some(1.8));
        assert_eq!(Metric::Accuracy.best([0.2, 0.9, 0.5]), Some(0.9));
        assert!((m.shortfall(1.9, 1.95) - 0.05).abs() < 1e-12);
        assert!((Metric::Accuracy.shortfall(0.9, 0.89) - 1.0).abs() < 1e-9);
        assert_eq!(
            (m.display(1.89991), Metric::Accuracy.display(0.901)),
            ("1.8999".into(), "90.10".into())
        );
        assert_eq!(m.display_shortfall(0.0123), "0.0123 nats above");
        assert_eq!(
            Metric::Accuracy.display_shortfall(0.32),
            "0.32 points below"
        );
        let e = [(100, 2.5), (200, 2.0), (300, 2.1), (400, 1.9)];
        assert_eq!(iterations_to_reach(&e, 2.0, m), Some(200));
        assert_eq!(iterations_to_reach(&e, 1.95, m), Some(400));
        assert_eq!(iterations_to_reach(&e, 1.8, m), None);
        let runs = vec![
            run("fixed", 0, &[(100, 2.5), (200, 2.0)]),
            run("fixed", 1, &[(100, 2.5), (200, 2.2)]),
            run("clr", 0, &[(100, 2.05), (200, 1.9)]),
        ];
        let (target, rows) = summarize(&runs, "fixed", m).unwrap();
        assert!((target - 2.1).abs() < 1e-12);
        // The baseline's mean curve (2.5, 2.1) reaches 2.1 at 200; clr's at 100.
        assert_eq!(rows[0].iterations_to_baseline, Some(200.0));
        assert_eq!(rows[1].iterations_to_baseline, Some(100.0));
        assert_eq!(rows[1].ratio_to_baseline, Some(0.5));
        assert_eq!(rows[0].reached, 1); // seed 1 ends at 2.2 > 2.1
        let runs = vec![
            at("fixed", 0, 1.0, 2.0),
            at("clr", 0, 0.25, 2.2),
            at("clr", 0, 0.5, 1.99),
            at("clr", 0, 1.0, 1.9),
        ];
        let b = summarize_budgets(&runs, "fixed", m).unwrap();
        assert_eq!((b.metric, b.target), (m, 2.0));
        assert_eq!(b.reach[1].smallest_budget, Some(0.5));
    }

    #[test]
    fn mean_curve_over_shared_points() {
        let a = run("x", 0, &[(1, 0.2), (2, 0.4)]);
        let b = run("x", 1, &[(1, 0.4), (2, 0.6), (3, 0.9)]);
        assert_eq!(
            mean_curve(&[&a, &b]),
            vec![(1, 0.30000000000000004), (2, 0.5)]
        );
    }
}
