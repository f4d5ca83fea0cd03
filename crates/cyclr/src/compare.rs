//! Comparing policies the way the paper's Table 1 does: final test accuracy (mean ± std over
//! seeds) and the **iterations each policy needs to reach the baseline's final accuracy**.
//!
//! Framework-free: it works on logged evaluation curves, whoever trained them.
use serde::{Deserialize, Serialize};

/// One training run's evaluation curve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunCurve {
    /// Policy (run) name, e.g. `triangular2`.
    pub policy: String,
    /// Seed of this run.
    pub seed: u64,
    /// `(iteration, test accuracy)` at each evaluation, iterations increasing.
    pub evals: Vec<(u64, f64)>,
    /// Wall time of the run in seconds.
    pub wall_time_s: f64,
    /// Iterations trained.
    pub iterations: u64,
}

impl RunCurve {
    /// Accuracy at the last evaluation (NaN if never evaluated).
    pub fn final_accuracy(&self) -> f64 {
        self.evals.last().map_or(f64::NAN, |e| e.1)
    }
}

/// The first evaluated iteration at which `accuracy >= target`, if any.
///
/// Iterations are counted as the number of optimizer steps taken before the evaluation.
pub fn iterations_to_reach(evals: &[(u64, f64)], target: f64) -> Option<u64> {
    evals.iter().find(|(_, a)| *a >= target).map(|(t, _)| *t)
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
    /// Final test accuracy, mean over seeds.
    pub final_accuracy_mean: f64,
    /// Final test accuracy, sample std over seeds.
    pub final_accuracy_std: f64,
    /// Mean over seeds of the first iteration reaching the baseline's mean final accuracy,
    /// counting only seeds that reached it.
    pub iterations_to_baseline: Option<f64>,
    /// How many seeds reached the baseline's final accuracy.
    pub reached: usize,
    /// `iterations_to_baseline / baseline iterations` (the paper: 25k/70k = 0.36 for CIFAR-10).
    pub ratio_to_baseline: Option<f64>,
    /// Mean wall time per run, seconds.
    pub wall_time_mean_s: f64,
}

/// Summarise runs per policy, in order of first appearance, against `baseline`'s mean final
/// accuracy. Returns `None` if no run is named `baseline`.
pub fn summarize(runs: &[RunCurve], baseline: &str) -> Option<(f64, Vec<PolicySummary>)> {
    let base: Vec<&RunCurve> = runs.iter().filter(|r| r.policy == baseline).collect();
    if base.is_empty() {
        return None;
    }
    let base_finals: Vec<f64> = base.iter().map(|r| r.final_accuracy()).collect();
    let (target, _) = mean_std(&base_finals);
    let base_iters = base.iter().map(|r| r.iterations).max().unwrap_or(0);
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
            let finals: Vec<f64> = rs.iter().map(|r| r.final_accuracy()).collect();
            let (m, s) = mean_std(&finals);
            let hits: Vec<f64> = rs
                .iter()
                .filter_map(|r| iterations_to_reach(&r.evals, target).map(|t| t as f64))
                .collect();
            let its = (!hits.is_empty()).then(|| mean_std(&hits).0);
            let walls: Vec<f64> = rs.iter().map(|r| r.wall_time_s).collect();
            PolicySummary {
                policy: p.to_string(),
                seeds: rs.len(),
                iterations: rs.iter().map(|r| r.iterations).max().unwrap_or(0),
                final_accuracy_mean: m,
                final_accuracy_std: s,
                iterations_to_baseline: its,
                reached: hits.len(),
                ratio_to_baseline: its
                    .filter(|_| base_iters > 0)
                    .map(|i| i / base_iters as f64),
                wall_time_mean_s: mean_std(&walls).0,
            }
        })
        .collect();
    Some((target, rows))
}

/// Mean accuracy curve over seeds at the evaluation iterations all runs share.
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
        }
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
        assert_eq!(iterations_to_reach(&e, 0.8), Some(200));
        assert_eq!(iterations_to_reach(&e, 0.85), Some(400));
        assert_eq!(iterations_to_reach(&e, 0.95), None);
    }

    #[test]
    fn summarize_against_baseline() {
        let runs = vec![
            run("fixed", 0, &[(100, 0.5), (200, 0.7), (300, 0.8)]),
            run("fixed", 1, &[(100, 0.5), (200, 0.7), (300, 0.82)]),
            run("clr", 0, &[(100, 0.81), (200, 0.85), (300, 0.9)]),
            run("clr", 1, &[(100, 0.7), (200, 0.85), (300, 0.9)]),
        ];
        let (target, rows) = summarize(&runs, "fixed").unwrap();
        assert!((target - 0.81).abs() < 1e-12);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].policy, "fixed");
        assert_eq!(rows[0].reached, 1); // seed 1 reaches 0.81, seed 0 ends at 0.8
        let clr = &rows[1];
        assert_eq!(clr.reached, 2);
        assert_eq!(clr.iterations_to_baseline, Some(150.0));
        assert_eq!(clr.ratio_to_baseline, Some(0.5));
        assert!((clr.final_accuracy_mean - 0.9).abs() < 1e-12);
        assert!(summarize(&runs, "nope").is_none());
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
