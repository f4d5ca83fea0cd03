//! What `cyclr compare` writes as data: `results.json` ([`ResultsFile`]), its stdout summary
//! with `--format json` ([`CompareSummary`], [`ShardProgress`]), and the curves of the test
//! figure (accuracy, or loss for text) the comparison statistics are computed from ([`curves`]).
use std::path::Path;

use cyclr::compare::{BudgetSummary, Metric, PolicySummary, RunCurve};
use serde::Serialize;

use super::contest::HeadToHead;
use super::{Experiment, RunOutcome};

/// Test-figure curves ([`RunOutcome::evals`]) as `RunCurve`s for the core's comparison
/// statistics.
pub fn curves(outcomes: &[RunOutcome]) -> Vec<RunCurve> {
    outcomes
        .iter()
        .map(|o| RunCurve {
            policy: o.name.clone(),
            seed: o.seed,
            evals: o.evals(),
            wall_time_s: o.summary.wall_time_s,
            iterations: o.summary.iterations,
            budget: o.budget,
        })
        .collect()
}

/// `results.json`: everything the table and plots were drawn from (fields in alphabetical
/// order, as the file has always had them).
#[derive(Serialize)]
pub struct ResultsFile<'a> {
    /// The baseline measured against (the strongest of the experiment's).
    pub baseline: &'a str,
    /// Its mean final test figure at the full budget.
    pub baseline_final: f64,
    /// The final figure against budget, with `budgets`.
    pub budgets: Option<&'a BudgetSummary>,
    /// The experiment (as run: grids expanded).
    pub experiment: &'a Experiment,
    /// The head-to-head per budget (with a validation split).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_to_head: Option<&'a [HeadToHead]>,
    /// What the figures are: `accuracy` (higher is better) or `loss` (lower is better).
    pub metric: Metric,
    /// Every finished run.
    pub runs: Vec<RunResult<'a>>,
    /// One row per policy at the full budget.
    pub table: &'a [PolicySummary],
}

/// One run in `results.json`.
#[derive(Serialize)]
pub struct RunResult<'a> {
    /// Search + train steps of this run (its range test's steps counted; a grid point's search
    /// is the rest of its grid, see `head_to_head`).
    pub search_steps: u64,
    /// Best test figure over the evaluations.
    pub best_test: f64,
    /// Best test accuracy over the evaluations.
    pub best_test_accuracy: f64,
    /// Where its learning rates came from.
    pub bounds: &'a str,
    /// Its budget, with `budgets`.
    pub budget: Option<f64>,
    /// Where it diverged, if it did.
    pub diverged: Option<String>,
    /// Set when the run ended near chance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_not_learn: Option<&'a str>,
    /// `(iterations trained, test figure)` at each evaluation.
    pub evals: Vec<(u64, f64)>,
    /// The test figure after the last iteration.
    pub final_test: f64,
    /// Test accuracy after the last iteration (next-character accuracy for text).
    pub final_test_accuracy: f64,
    /// Test loss after the last iteration (nats per character for text).
    #[serde(with = "cyclr::serde_float")]
    pub final_test_loss: f64,
    /// Training throughput (0 for text: see `chars_per_s`).
    pub images_per_s: f64,
    /// Text: training characters per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chars_per_s: Option<f64>,
    /// Iterations trained.
    pub iterations: u64,
    /// The run's name.
    pub name: &'a str,
    /// The schedule trained.
    pub schedule: &'a cyclr::schedule::ScheduleConfig,
    /// The seed.
    pub seed: u64,
    /// Wall-clock seconds.
    pub wall_time_s: f64,
    /// Training steps (its iterations).
    pub train_steps: u64,
    /// Search and training steps.
    pub total_steps: u64,
    /// The figure on the validation split, if any.
    pub val: Option<f64>,
    /// Accuracy on the validation split, if any.
    pub val_accuracy: Option<f64>,
    /// Loss on the validation split, if any.
    #[serde(with = "cyclr::serde_float::option")]
    pub val_loss: Option<f64>,
    /// With weight averaging (the figures above are then the average's): the live model's final
    /// test loss.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "cyclr::serde_float::option"
    )]
    pub final_live_test_loss: Option<f64>,
    /// With weight averaging: the live model's final test accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_live_test_accuracy: Option<f64>,
    /// With weight averaging: the models averaged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub averaged_models: Option<u64>,
}

impl<'a> RunResult<'a> {
    /// The run of an outcome.
    pub fn of(o: &'a RunOutcome) -> Self {
        RunResult {
            best_test: o.summary.best_value(o.metric()),
            best_test_accuracy: o.summary.best_test_accuracy,
            bounds: &o.bounds,
            budget: o.budget,
            diverged: o.diverged(),
            did_not_learn: o.summary.did_not_learn.as_deref(),
            evals: o.evals(),
            final_test: o.final_value(),
            final_test_accuracy: o.summary.final_test_accuracy,
            final_test_loss: o.summary.final_test_loss,
            images_per_s: o.summary.images_per_s,
            chars_per_s: o.summary.chars_per_s,
            iterations: o.summary.iterations,
            name: &o.name,
            schedule: &o.schedule,
            seed: o.seed,
            wall_time_s: o.summary.wall_time_s,
            search_steps: o.range_test_steps.unwrap_or(0),
            train_steps: o.summary.iterations,
            total_steps: o.range_test_steps.unwrap_or(0) + o.summary.iterations,
            val: o.val_value(),
            val_accuracy: o.val_accuracy,
            val_loss: o.val_loss,
            final_live_test_loss: o.summary.final_live_test_loss,
            final_live_test_accuracy: o.summary.final_live_test_accuracy,
            averaged_models: o.summary.averaged_models,
        }
    }
}

/// `compare --format json` on stdout.
#[derive(Serialize)]
pub struct CompareSummary<'a> {
    /// The baseline measured against (the strongest of the experiment's).
    pub baseline: &'a str,
    /// Its mean final test figure at the full budget.
    pub baseline_final: f64,
    /// The final figure against budget, with `budgets`.
    pub budgets: Option<&'a BudgetSummary>,
    /// The experiment's name.
    pub experiment: &'a str,
    /// What the figures are: `accuracy` or `loss`.
    pub metric: Metric,
    /// The output folder.
    pub out: &'a Path,
    /// Every finished run.
    pub runs: usize,
    /// One row per policy at the full budget.
    pub table: &'a [PolicySummary],
    /// Wall-clock seconds.
    pub wall_time_s: f64,
}

/// `compare --shard K/N --format json` on stdout while other shards' runs are missing.
#[derive(Serialize)]
pub struct ShardProgress<'a> {
    /// Runs finished so far.
    pub finished: usize,
    /// The runs not finished yet.
    pub missing: &'a [String],
    /// The output folder.
    pub out: &'a Path,
    /// This shard (`K/N`).
    pub shard: String,
}

/// The name of the experiment whose `results.json` is in `dir`, if there is one.
pub fn experiment_in(dir: &Path) -> Option<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).ok()?).ok()?;
    v["experiment"]["name"].as_str().map(str::to_string)
}
