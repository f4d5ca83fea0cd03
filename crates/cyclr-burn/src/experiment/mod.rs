//! Experiments: several policies × seeds on one dataset, model and optimizer — the paper's
//! Table 1 — described in a TOML file ([`Experiment`]) and run by [`run_experiment`].
//!
//! ```toml
//! name = "digits-mlp"
//! dataset = "digits"
//! model = "mlp"
//! iters = 600
//! seeds = [0, 1, 2]
//! baseline = "fixed"
//! [optimizer]
//! kind = "sgd"
//! momentum = 0.9
//! [[run]]
//! name = "fixed"
//! auto_lr = true                          # learning rates from the range test
//! schedule = { policy = "fixed" }
//! [[run]]
//! name = "triangular2"
//! auto_lr = true
//! step_epochs = 4
//! schedule = { policy = "triangular2" }
//! ```
//!
//! # Budgets
//!
//! With `budgets = [0.125, 0.25, 0.5, 1.0]` (fractions of `iters`, each in (0, 1]) every
//! (run, seed) is trained once per budget, for `round(iters × budget)` iterations (at least 1),
//! with its schedule **planned for that budget**: the schedule is resolved for the full run
//! (range-test rates, step-size rule, `step_epochs`) and then scaled by
//! [`cyclr::schedule::budget::scale`] (every iteration count × budget, per-iteration decay rates
//! adjusted to keep the same decay over the run). Every run is evaluated at the end. The range
//! tests are computed once per optimizer and shared by every budget and seed. Job folders are
//! `runs/<run>-b<budget>-seed<seed>`.
//!
//! # Grids and the validation split
//!
//! A run with `grid = { max_lr = [0.0125, 0.025, 0.05] }` is a grid search: it expands
//! ([`Experiment::expanded`]) into one run per value, named `<run>_at_<value>`, each with that
//! key set in its schedule. When any run has a grid, or `validation = F` is given, a fraction
//! `F` (default 0.1) of the training set is held out as a validation split
//! ([`cyclr_data::validation_split`]: stratified, the same samples for every run): every job and
//! range test trains on the rest, and every outcome records its model's validation loss and
//! accuracy. A grid's pick is the point with the best mean validation accuracy over seeds (per
//! budget), never chosen on the test set; [`crate::contest`] reports it with every
//! contestant's cost, its search included.
//!
//! # Baselines
//!
//! `baseline` names the run the others are measured against, or several (`baseline =
//! ["fixed-caffe", "fixed-tuned"]`): then the table measures against the **strongest** of them
//! (the highest mean final accuracy at the full budget) and says which it was.
//!
//! How a run's schedule is resolved: [`ScheduleSpec::resolve`] with the experiment's run length,
//! the epoch length of the loaded dataset, `step_epochs`, and — for `auto_lr` runs — the picks of
//! the range test of that run's optimizer (`RangeTestResult::bounds`). Every spec is checked
//! (with stand-in rates) before the dataset is loaded or any range test runs.
//!
//! # Files (all written atomically, see [`fsio`])
//!
//! * `range_test-<optimizer>/result.json` (+ `range_test.csv`, `suggestions.json`): one range
//!   test per distinct optimizer, computed once and **reused** by every later run of the
//!   experiment into the same directory (a resumed run, another shard). The first process to
//!   finish a test publishes it with [`create_new_atomic`](crate::fsio::create_new_atomic);
//!   a process that finds one already published uses that one, so all jobs of an experiment
//!   train with the same bounds.
//! * `runs/<job>/outcome.json`: each finished job's [`RunOutcome`], with `metrics.csv` and
//!   `summary.json` beside it. A job whose outcome exists for the same training configuration
//!   is skipped (so an interrupted experiment resumes where it stopped, and shards only run
//!   their own jobs); [`collect_outcomes`] gathers whatever outcomes exist.
pub mod template;

pub use template::template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cyclr::finder::{ClrBounds, RangeTestConfig, Repeated};
use cyclr::schedule::{Auto, RunShape, ScheduleConfig, ScheduleSpec, SpecError};
use cyclr_data::{Dataset, DatasetSpec, Split};
use serde::{Deserialize, Serialize};

use crate::lr_find::NetRangeTest;
use crate::model::{Activation, ModelKind, NetConfig};
use crate::optim::OptimizerConfig;
use crate::train::{TrainConfig, TrainError, TrainObserver, TrainSummary};
use crate::{checkpoint, data, fsio};

fn default_batch_size() -> usize {
    crate::train::DEFAULT_BATCH_SIZE
}
fn default_eval_every() -> u64 {
    crate::train::DEFAULT_EVAL_EVERY
}
fn default_seeds() -> Vec<u64> {
    vec![0]
}

/// `"a"` or `["a", "b"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// An experiment file. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Short name: letters, digits, `-`, `_`, `.` (the default output folder's name).
    pub name: String,
    /// What the experiment shows.
    #[serde(default)]
    pub description: String,
    /// `digits`, `fashion-mnist[:DIR]`, `mnist:DIR`, `cifar10:DIR`, ...
    pub dataset: DatasetSpec,
    /// The network.
    pub model: ModelKind,
    /// Hidden nonlinearity.
    #[serde(default)]
    pub activation: Activation,
    /// Batch norm after every hidden layer.
    #[serde(default)]
    pub batch_norm: bool,
    /// Convolution and max-pool kernels (`cyclr` or `burn`).
    #[serde(default)]
    pub kernels: crate::Kernels,
    /// Where every run and range test trains (`cpu` by default; `--device` overrides it).
    #[serde(default, skip_serializing_if = "crate::devices::is_cpu")]
    pub device: crate::DeviceSpec,
    /// Optimizer of every run (a run may override it).
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    /// Mini-batch size.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Iterations of every run (a run may override it).
    pub iters: u64,
    /// Evaluate the test split every this many iterations (and after the last).
    #[serde(default = "default_eval_every")]
    pub eval_every: u64,
    /// Seeds (weights and data order); every run is trained once per seed.
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    /// Name of the run whose mean final accuracy the others must reach, or several names (a
    /// list): the strongest of them is used (see the [module documentation](self)).
    #[serde(deserialize_with = "one_or_many")]
    pub baseline: Vec<String>,
    /// Training budgets as fractions of `iters`, each in (0, 1] (see the
    /// [module documentation](self)); `None`: one run of `iters` per (run, seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Vec<f64>>,
    /// The range test of `auto_lr` runs (one per distinct optimizer).
    #[serde(default)]
    pub range_test: RangeTestSpec,
    /// The fraction of the training set held out as a validation split (see the
    /// [module documentation](self#grids-and-the-validation-split)); `None`: none, or 0.1
    /// when a run has a grid ([`validation_fraction`](Self::validation_fraction)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<f64>,
    /// Schedule-free with batch norm: training batches run at `x` before each evaluation
    /// ([`TrainConfig::bn_recalibration`]; default
    /// [`SCHEDULE_FREE_BN_BATCHES`](crate::train::SCHEDULE_FREE_BN_BATCHES)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bn_recalibration: Option<u64>,
    /// The runs (`[[run]]` tables).
    #[serde(rename = "run")]
    pub runs: Vec<RunSpec>,
}

/// The range test of an experiment's `auto_lr` runs. Defaults: cyclr's calibrated sweep
/// ([`RangeTestConfig::calibrated`]), one test with seed 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RangeTestSpec {
    /// First learning rate of the sweep.
    pub start_lr: f64,
    /// Last learning rate of the sweep.
    pub end_lr: f64,
    /// Points of the sweep.
    pub iters: usize,
    /// Seed of the test's weights and data order.
    pub seed: u64,
    /// Several seeds instead of `seed`: the test runs once per seed and the runs train with the
    /// median of each learning rate ([`Repeated`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Vec<u64>>,
}

impl Default for RangeTestSpec {
    fn default() -> Self {
        let d = RangeTestConfig::calibrated();
        RangeTestSpec {
            start_lr: d.start_lr,
            end_lr: d.end_lr,
            iters: d.num_it,
            seed: 0,
            seeds: None,
        }
    }
}

impl RangeTestSpec {
    /// The engine's configuration.
    pub fn config(&self) -> RangeTestConfig {
        RangeTestConfig {
            start_lr: self.start_lr,
            end_lr: self.end_lr,
            num_it: self.iters,
            ..RangeTestConfig::default()
        }
    }

    /// The seeds the test runs with.
    pub fn seed_list(&self) -> Vec<u64> {
        self.seeds.clone().unwrap_or_else(|| vec![self.seed])
    }
}

/// One policy of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Row name in the table: letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// Fill the schedule's open learning rates from the range test.
    #[serde(default)]
    pub auto_lr: bool,
    /// Cyclical step size in epochs, instead of `step_size` in iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_epochs: Option<f64>,
    /// Override of the experiment's optimizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<OptimizerConfig>,
    /// Override of the experiment's iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iters: Option<u64>,
    /// The policy (the keys of `cyclr schedule`'s flags, snake_case).
    pub schedule: ScheduleSpec,
    /// A grid search over one schedule key (`{ max_lr = [...] }`; see the
    /// [module documentation](self#grids-and-the-validation-split)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<BTreeMap<String, Vec<f64>>>,
    /// Set on the runs a grid expanded into: which grid, and the point.
    #[serde(skip)]
    pub grid_point: Option<GridPoint>,
}

/// One point of a grid search (a run [`Experiment::expanded`] made).
#[derive(Debug, Clone, PartialEq)]
pub struct GridPoint {
    /// The grid's run name.
    pub grid: String,
    /// The schedule key searched.
    pub key: String,
    /// Its value here.
    pub value: f64,
}

/// The validation split when one is not given but a run has a grid.
pub const DEFAULT_VALIDATION: f64 = 0.1;

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The experiment file is wrong (a usage error: the message names the key).
    #[error("{0}")]
    Config(String),
    /// The dataset could not be loaded.
    #[error("dataset {dataset}: {source}")]
    Data {
        /// The dataset.
        dataset: String,
        /// Why.
        source: cyclr_data::DataError,
    },
    /// A range test failed, or produced no bounds for an `auto_lr` run.
    #[error("{0}")]
    RangeTest(String),
    /// A job failed (other than by diverging, which is an outcome).
    #[error("run {job}: {source}")]
    Train {
        /// The job.
        job: String,
        /// Why.
        source: TrainError,
    },
    /// A job was stopped by its observer (e.g. on Ctrl-C); its outcome is not written, so a
    /// later run of the experiment trains it again.
    #[error("interrupted during run {job}")]
    Interrupted {
        /// The job.
        job: String,
    },
    /// Reading or writing the experiment's files failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> ExperimentError {
    move |source| ExperimentError::Io { context, source }
}

/// `true` for a name usable as a file name: letters, digits, `-`, `_`, `.`, not starting
/// with `.`.
pub fn is_safe_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A job of an experiment: one run with one seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Index of the run in [`Experiment::runs`].
    pub run: usize,
    /// The run's name.
    pub name: String,
    /// The seed.
    pub seed: u64,
    /// The budget (fraction of the run's iterations), if the experiment has `budgets`.
    pub budget: Option<f64>,
}

impl Job {
    /// `<run>-seed<seed>` (or `<run>-b<budget>-seed<seed>`): the job's folder under `runs/`.
    pub fn id(&self) -> String {
        match self.budget {
            Some(b) => format!("{}-b{b}-seed{}", self.name, self.seed),
            None => format!("{}-seed{}", self.name, self.seed),
        }
    }
}

/// One finished job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The run's name.
    pub name: String,
    /// The seed.
    pub seed: u64,
    /// The budget (fraction of the run's iterations), if the experiment has `budgets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// What was trained: the resolved schedule.
    pub schedule: ScheduleConfig,
    /// Where the schedule's learning rates came from, e.g. `max_lr = 2.0e-1 (range test: one-cycle peak)`.
    pub bounds: String,
    /// `true` if any learning rate came from the range test.
    pub from_range_test: bool,
    /// The training configuration (its identity: a rerun with the same one is skipped).
    pub config: TrainConfig,
    /// The run's summary (metrics included).
    pub summary: TrainSummary,
    /// The validation split it was trained beside (a fraction of the training set), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<f64>,
    /// Loss of the trained (evaluated) model on the validation split.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "cyclr::serde_float::option"
    )]
    pub val_loss: Option<f64>,
    /// Accuracy of the trained (evaluated) model on the validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_accuracy: Option<f64>,
    /// The training steps of the range tests its learning rates came from (all seeds), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_test_steps: Option<u64>,
    /// Images in the test split (one image is 100 / this points of accuracy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_images: Option<usize>,
    /// Images in the validation split, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_images: Option<usize>,
}

impl RunOutcome {
    /// `(iterations trained, test accuracy)` at each evaluation.
    pub fn evals(&self) -> Vec<(u64, f64)> {
        self.summary
            .metrics
            .iter()
            .filter_map(|m| m.test_accuracy.map(|a| (m.iteration + 1, a)))
            .collect()
    }

    /// `Some(description)` if the run diverged.
    pub fn diverged(&self) -> Option<String> {
        self.summary.diverged.map(|d| d.to_string())
    }

    /// `Some(description)` if the run diverged or did not learn (ended near chance).
    pub fn failed(&self) -> Option<String> {
        self.diverged()
            .or_else(|| self.summary.did_not_learn.clone())
    }
}

/// Hooks for progress display and plots; every method has a no-op default.
pub trait ExperimentObserver: Sync {
    /// The range tests of an optimizer finished (or were read back).
    fn on_range_test(&self, _test: &OptimizerRangeTest) {}
    /// The training observer of a job about to start.
    fn train_observer(&self, _job: &Job, _iters: u64) -> Box<dyn TrainObserver + Send> {
        Box::new(crate::train::NoObserver)
    }
    /// A job was skipped: its outcome exists.
    fn on_skipped(&self, _job: &Job) {}
    /// A job has an outcome from another configuration (the experiment was edited): it is
    /// trained again; `differs` names the first field that differs.
    fn on_changed(&self, _job: &Job, _differs: &str) {}
    /// A job finished.
    fn on_finished(&self, _job: &Job, _outcome: &RunOutcome) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl ExperimentObserver for Quiet {}

/// A deterministic share of an experiment's jobs: job number `i` (in (run, seed) order) belongs
/// to shard `i mod count + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index, `1..=count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// `true` if job number `i` is this shard's.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count + 1 == self.index
    }
}

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Jobs trained in parallel.
    pub jobs: usize,
    /// Only this share of the jobs (`None`: all).
    pub shard: Option<Shard>,
}

impl Experiment {
    /// Parse and check an experiment file's text (see [`check`](Self::check)).
    pub fn from_toml(text: &str) -> Result<Experiment, ExperimentError> {
        let e: Experiment =
            toml::from_str(text).map_err(|e| ExperimentError::Config(e.to_string()))?;
        e.check()?;
        e.expanded()
    }

    /// The validation fraction the experiment trains with: `validation`, or
    /// [`DEFAULT_VALIDATION`] when a run has a grid, else none.
    pub fn validation_fraction(&self) -> Option<f64> {
        self.validation.or_else(|| {
            self.runs
                .iter()
                .any(|r| r.grid.is_some() || r.grid_point.is_some())
                .then_some(DEFAULT_VALIDATION)
        })
    }

    /// The grids' names and their points' run names, in order.
    pub fn grids(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for r in &self.runs {
            if let Some(g) = &r.grid_point {
                match out.iter_mut().find(|(n, _)| *n == g.grid) {
                    Some((_, v)) => v.push(r.name.clone()),
                    None => out.push((g.grid.clone(), vec![r.name.clone()])),
                }
            }
        }
        out
    }

    /// The experiment with every grid expanded into its points (one run each, named
    /// `<run>_at_<value>`, the key set in the schedule); runs without a grid are kept. The
    /// validation split is fixed as it was ([`validation_fraction`](Self::validation_fraction)).
    pub fn expanded(&self) -> Result<Experiment, ExperimentError> {
        let mut e = self.clone();
        e.validation = self.validation_fraction();
        e.runs = Vec::new();
        for r in &self.runs {
            let Some(grid) = &r.grid else {
                e.runs.push(r.clone());
                continue;
            };
            let (key, values) = grid.iter().next().expect("checked: one key");
            for &v in values {
                let mut spec = serde_json::to_value(&r.schedule).expect("a spec serializes");
                spec[key.as_str()] = v.into();
                let schedule: ScheduleSpec = serde_json::from_value(spec).map_err(|err| {
                    ExperimentError::Config(format!("run {:?}: grid: {err}", r.name))
                })?;
                e.runs.push(RunSpec {
                    name: format!("{}_at_{v}", r.name),
                    schedule,
                    grid: None,
                    grid_point: Some(GridPoint {
                        grid: r.name.clone(),
                        key: key.clone(),
                        value: v,
                    }),
                    ..r.clone()
                });
            }
        }
        e.check()?;
        Ok(e)
    }

    /// The optimizer of a run.
    pub fn optimizer_of(&self, run: &RunSpec) -> OptimizerConfig {
        run.optimizer
            .clone()
            .unwrap_or_else(|| self.optimizer.clone())
    }

    /// The iterations of a run.
    pub fn iters_of(&self, run: &RunSpec) -> u64 {
        run.iters.unwrap_or(self.iters)
    }

    /// Every job, in (run, budget, seed) order.
    pub fn jobs(&self) -> Vec<Job> {
        let budgets: Vec<Option<f64>> = match &self.budgets {
            Some(b) => b.iter().map(|&x| Some(x)).collect(),
            None => vec![None],
        };
        let mut jobs = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            for &budget in &budgets {
                for &seed in &self.seeds {
                    jobs.push(Job {
                        run: i,
                        name: r.name.clone(),
                        seed,
                        budget,
                    });
                }
            }
        }
        jobs
    }

    /// The iterations of a run at a budget: `round(iters × budget)`, at least 1.
    pub fn budget_iters(&self, run: &RunSpec, budget: Option<f64>) -> u64 {
        let full = self.iters_of(run);
        match budget {
            Some(b) => ((full as f64 * b).round() as u64).max(1),
            None => full,
        }
    }

    /// The experiment shortened for a quick trial: every run trains `iters` iterations with its
    /// schedule planned for that length (iteration counts and `step_epochs` scaled by
    /// `iters / run iterations`, as for [budgets](self#budgets)); evaluations keep their number
    /// (`eval_every` scaled by `iters / experiment iterations`, at least 1).
    pub fn with_iters(&self, iters: u64) -> Result<Experiment, ExperimentError> {
        if iters == 0 {
            return Err(ExperimentError::Config("iters = 0: must be >= 1".into()));
        }
        let mut e = self.clone();
        let g = iters as f64 / self.iters as f64;
        e.eval_every = ((self.eval_every as f64 * g).round() as u64).max(1);
        e.iters = iters;
        e.optimizer = self.optimizer.scaled(g);
        for r in &mut e.runs {
            let f = iters as f64 / self.iters_of(r) as f64;
            r.schedule = cyclr::schedule::budget::scale_spec(&r.schedule, f);
            r.optimizer = r.optimizer.as_ref().map(|o| o.scaled(f));
            r.step_epochs = r.step_epochs.map(|s| s * f);
            r.iters = None;
        }
        e.check()?;
        Ok(e)
    }

    /// The largest of [`budgets`](Self::budgets) (the runs the per-iteration table and the
    /// baseline's target come from); `None` without budgets.
    pub fn full_budget(&self) -> Option<f64> {
        self.budgets
            .as_ref()
            .and_then(|b| b.iter().copied().reduce(f64::max))
    }

    /// The baseline the table measures against: the one of [`baseline`](Self::baseline) with
    /// the highest mean final accuracy (at the largest budget) among `outcomes`, with that
    /// accuracy. `None` if no baseline run finished.
    pub fn strongest_baseline(&self, outcomes: &[RunOutcome]) -> Option<(String, f64)> {
        let full = self.full_budget();
        self.baseline
            .iter()
            .filter_map(|name| {
                // A grid is represented by its validation pick.
                let name = &self
                    .grid_pick(name, outcomes, full)
                    .unwrap_or_else(|| name.clone());
                let accs: Vec<f64> = outcomes
                    .iter()
                    .filter(|o| &o.name == name && o.budget == full)
                    .map(|o| o.summary.final_test_accuracy)
                    .collect();
                (!accs.is_empty()).then(|| (name.clone(), cyclr::compare::mean_std(&accs).0))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The point of grid `grid` with the best mean validation accuracy over seeds among
    /// `outcomes` at `budget` (ties: the first point); `None` if `grid` is no grid or none of
    /// its points has a validation accuracy. The test set plays no part.
    pub fn grid_pick(
        &self,
        grid: &str,
        outcomes: &[RunOutcome],
        budget: Option<f64>,
    ) -> Option<String> {
        let (_, points) = self.grids().into_iter().find(|(g, _)| g == grid)?;
        let mut best: Option<(String, f64)> = None;
        for p in points {
            let vals: Vec<f64> = outcomes
                .iter()
                .filter(|o| o.name == p && o.budget == budget)
                .filter_map(|o| o.val_accuracy)
                .collect();
            if vals.is_empty() {
                continue;
            }
            let m = cyclr::compare::mean_std(&vals).0;
            if best.as_ref().is_none_or(|(_, b)| m > *b) {
                best = Some((p, m));
            }
        }
        best.map(|(p, _)| p)
    }

    /// Check everything that can be checked without data: names, the baseline, seeds,
    /// counts, optimizers and every run's schedule (with stand-in rates for `auto_lr` runs).
    /// Errors name the run and the key.
    pub fn check(&self) -> Result<(), ExperimentError> {
        let bad = |m: String| Err(ExperimentError::Config(m));
        if !is_safe_name(&self.name) {
            return bad(format!(
                "name = {:?}: use letters, digits, '-', '_' or '.' (it names the output folder)",
                self.name
            ));
        }
        if self.runs.is_empty() {
            return bad("no [[run]] tables: give at least the baseline run".into());
        }
        if self.baseline.is_empty() {
            return bad("baseline = []: name at least one run".into());
        }
        if let Some(v) = self.validation
            && !(v > 0.0 && v < 1.0)
        {
            return bad(format!(
                "validation = {v}: the fraction of the training set held out must be in (0, 1), e.g. 0.1"
            ));
        }
        let grid_names: Vec<&str> = self
            .runs
            .iter()
            .filter_map(|r| r.grid_point.as_ref().map(|g| g.grid.as_str()))
            .collect();
        for b in &self.baseline {
            if !self.runs.iter().any(|r| &r.name == b) && !grid_names.contains(&b.as_str()) {
                let names: Vec<&str> = self.runs.iter().map(|r| r.name.as_str()).collect();
                return bad(format!(
                    "baseline = {b:?} is not the name of a run (runs: {})",
                    names.join(", ")
                ));
            }
        }
        if let Some(budgets) = &self.budgets {
            if budgets.is_empty() {
                return bad("budgets = []: give at least one budget, e.g. [0.25, 0.5, 1.0]".into());
            }
            for (i, &b) in budgets.iter().enumerate() {
                if !(b > 0.0 && b <= 1.0) {
                    return bad(format!(
                        "budgets: {b} is not a fraction of iters in (0, 1], e.g. budgets = [0.125, 0.25, 0.5, 1.0]"
                    ));
                }
                if budgets[..i].contains(&b) {
                    return bad(format!("budgets: {b} is given twice"));
                }
            }
        }
        if self.seeds.is_empty() {
            return bad("seeds = []: give at least one seed".into());
        }
        if self.iters == 0 || self.batch_size == 0 || self.eval_every == 0 {
            return bad("iters, batch_size and eval_every must be >= 1".into());
        }
        let mut seen = Vec::new();
        for r in &self.runs {
            if seen.contains(&r.name.as_str()) {
                return bad(format!("two runs are named {:?}", r.name));
            }
            seen.push(&r.name);
            if !is_safe_name(&r.name) {
                return bad(format!(
                    "run name {:?}: use letters, digits, '-', '_' or '.'",
                    r.name
                ));
            }
            if r.iters == Some(0) {
                return bad(format!("run {:?}: iters = 0: must be >= 1", r.name));
            }
            if let Some(grid) = &r.grid {
                check_grid(r, grid)?;
            }
            let optimizer = self.optimizer_of(r);
            optimizer.validate().map_err(|e| {
                ExperimentError::Config(format!("run {:?}: optimizer: {e}", r.name))
            })?;
            if r.auto_lr
                && let Some(why) = optimizer.range_test_refusal()
            {
                return bad(format!("run {:?}: auto_lr = true: {why}", r.name));
            }
            // A grid's schedule is checked at its first point.
            let at_first_point = r.grid.as_ref().and_then(|g| {
                let (key, values) = g.iter().next()?;
                let mut spec = serde_json::to_value(&r.schedule).ok()?;
                spec[key.as_str()] = (*values.first()?).into();
                Some(RunSpec {
                    schedule: serde_json::from_value(spec).ok()?,
                    grid: None,
                    ..r.clone()
                })
            });
            let res = self
                .resolve(
                    at_first_point.as_ref().unwrap_or(r),
                    Some(1),
                    if r.auto_lr { Auto::Pending } else { Auto::Off },
                )
                .map_err(|e| ExperimentError::Config(format!("run {:?}: schedule: {e}", r.name)))?;
            optimizer
                .check_schedule(&res.config)
                .map_err(|e| ExperimentError::Config(format!("run {:?}: schedule: {e}", r.name)))?;
        }
        let seeds = self.range_test.seed_list();
        if seeds.is_empty() {
            return bad("[range_test] seeds = []: give at least one seed".into());
        }
        if let Some(d) = seeds
            .iter()
            .enumerate()
            .find(|(i, s)| seeds[..*i].contains(s))
        {
            return bad(format!("[range_test] seeds: seed {} is given twice", d.1));
        }
        let rt = self.range_test.config();
        rt.validate().map_err(|e| {
            ExperimentError::Config(format!(
                "[range_test]: {}",
                e.to_string().replace("num_it", "iters")
            ))
        })?;
        Ok(())
    }

    /// A run's schedule; without `auto_lr`, a learning-rate-free optimizer's default learning
    /// rate fills the policy's main rate when it is not given.
    fn resolve(
        &self,
        r: &RunSpec,
        iters_per_epoch: Option<u64>,
        auto: Auto<'_>,
    ) -> Result<cyclr::schedule::Resolved, SpecError> {
        r.schedule.resolve_defaulted(
            &RunShape {
                iters: self.iters_of(r),
                iters_per_epoch,
                step_epochs: r.step_epochs,
            },
            auto,
            self.optimizer_of(r).default_lr(),
        )
    }

    /// The network for this experiment's data.
    pub fn net(&self, split: &Split) -> NetConfig {
        NetConfig {
            kind: self.model,
            activation: self.activation,
            batch_norm: self.batch_norm,
            input: data::input_shape(&split.train),
            num_classes: split.train.num_classes,
            kernels: self.kernels,
        }
    }
}

fn check_grid(r: &RunSpec, grid: &BTreeMap<String, Vec<f64>>) -> Result<(), ExperimentError> {
    let bad = |m: String| {
        Err(ExperimentError::Config(format!(
            "run {:?}: grid: {m}",
            r.name
        )))
    };
    let mut keys = grid.iter();
    let (Some((key, values)), None) = (keys.next(), keys.next()) else {
        return bad(format!(
            "give exactly one key with its values, e.g. grid = {{ max_lr = [0.025, 0.05, 0.1] }} (found {})",
            grid.len()
        ));
    };
    const KEYS: [&str; 4] = ["lr", "max_lr", "base_lr", "min_lr"];
    if !KEYS.contains(&key.as_str()) {
        return bad(format!(
            "{key:?} is not a learning-rate key of a schedule; a grid searches one of: {}",
            KEYS.join(", ")
        ));
    }
    if r.auto_lr {
        return bad(format!(
            "auto_lr = true and a grid over {key}: the range test and the grid search are two              ways of choosing it; use one"
        ));
    }
    let given = serde_json::to_value(&r.schedule).expect("a spec serializes");
    if given.get(key).is_some_and(|v| !v.is_null()) {
        return bad(format!(
            "{key} is also given in the schedule ({}); the grid sets it",
            given[key.as_str()]
        ));
    }
    if values.len() < 2 {
        return bad(format!(
            "{key} = {values:?}: a grid needs at least 2 values"
        ));
    }
    for (i, &v) in values.iter().enumerate() {
        if !(v.is_finite() && v > 0.0) {
            return bad(format!("{key}: {v} is not a learning rate (finite, > 0)"));
        }
        if values[..i].contains(&v) {
            return bad(format!("{key}: {v} is given twice"));
        }
    }
    Ok(())
}

/// The range tests of an experiment: one per distinct optimizer of its `auto_lr` runs, in order
/// of first use, each with its output folder `range_test-<optimizer>[-k]`.
pub fn range_test_dirs(exp: &Experiment) -> Vec<(OptimizerConfig, String)> {
    let mut out: Vec<(OptimizerConfig, String)> = Vec::new();
    for r in exp.runs.iter().filter(|r| r.auto_lr) {
        let o = exp.optimizer_of(r);
        if out.iter().any(|(x, _)| *x == o) {
            continue;
        }
        let base = format!("range_test-{}", o.name());
        let same = out.iter().filter(|(x, _)| x.name() == o.name()).count();
        let dir = if same == 0 {
            base
        } else {
            format!("{base}-{}", same + 1)
        };
        out.push((o, dir));
    }
    out
}

/// What a published range test holds: its inputs, so that a different experiment written into
/// the same folder is not mistaken for it, and each seed's result.
#[derive(Serialize, Deserialize)]
struct PublishedRangeTest {
    net: NetConfig,
    optimizer: OptimizerConfig,
    batch_size: usize,
    config: RangeTestConfig,
    tests: Repeated,
}

/// The range tests of an experiment for one optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerRangeTest {
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// The output folder.
    pub dir: PathBuf,
    /// One test per seed.
    pub tests: Repeated,
    /// The rates `auto_lr` runs train with: the test's, or the median over seeds.
    pub bounds: Option<ClrBounds>,
}

/// Run (or read back) the range tests of `optimizer` into `dir` (see the module documentation).
fn range_test(
    exp: &Experiment,
    split: &Split,
    optimizer: &OptimizerConfig,
    dir: &Path,
) -> Result<Repeated, ExperimentError> {
    let net = exp.net(split);
    let config = exp.range_test.config();
    let seeds = exp.range_test.seed_list();
    let path = dir.join("result.json");
    let matches = |p: &PublishedRangeTest| {
        p.net == net
            && p.optimizer == *optimizer
            && p.batch_size == exp.batch_size
            && p.config == config
            && p.tests.seeds == seeds
    };
    let read = |path: &Path| -> Option<PublishedRangeTest> {
        serde_json::from_slice::<PublishedRangeTest>(&std::fs::read(path).ok()?).ok()
    };
    let recomputed = |p: PublishedRangeTest| Repeated {
        seeds: p.tests.seeds,
        results: p
            .tests
            .results
            .into_iter()
            .map(|r| r.recomputed())
            .collect(),
    };
    if let Some(p) = read(&path).filter(|p| matches(p)) {
        return Ok(recomputed(p));
    }
    let mut results = Vec::new();
    for &seed in &seeds {
        let test = NetRangeTest {
            net,
            optimizer: optimizer.clone(),
            batch_size: exp.batch_size,
            seed,
            eval_every: 1,
            device: exp.device,
        };
        results.push(test.run(split, config.clone()).map_err(|e| {
            ExperimentError::RangeTest(format!("range test for {}: {e}", optimizer.name()))
        })?);
    }
    let published = PublishedRangeTest {
        net,
        optimizer: optimizer.clone(),
        batch_size: exp.batch_size,
        config: config.clone(),
        tests: Repeated {
            seeds: seeds.clone(),
            results,
        },
    };
    let bytes = serde_json::to_vec(&published).expect("plain data serializes");
    let ctx = || format!("writing {}", path.display());
    if read(&path).is_some() {
        // A different test from an older experiment in the same folder: replace it.
        fsio::write_bytes_atomic(&path, &bytes).map_err(io_err(ctx()))?;
    } else if !fsio::create_new_atomic(&path, &bytes).map_err(io_err(ctx()))? {
        // Another process published first: use its result, so every job agrees.
        if let Some(p) = read(&path).filter(|p| matches(p)) {
            return Ok(recomputed(p));
        }
        fsio::write_bytes_atomic(&path, &bytes).map_err(io_err(ctx()))?;
    }
    let tests = published.tests;
    write_range_tests(dir, &tests).map_err(io_err(format!("writing into {}", dir.display())))?;
    Ok(tests)
}

/// A test's files into `dir` (see [`write_results`](crate::lr_find::write_results)); for several
/// seeds, each seed's into `dir/seed<S>/` and the summary
/// ([`RepeatedSummary::to_json`](cyclr::finder::RepeatedSummary::to_json)) into
/// `dir/suggestions.json`.
pub fn write_range_tests(dir: &Path, tests: &Repeated) -> std::io::Result<()> {
    if let [one] = tests.results.as_slice() {
        return crate::lr_find::write_results(dir, one);
    }
    for (r, s) in tests.results.iter().zip(&tests.seeds) {
        crate::lr_find::write_results(&dir.join(format!("seed{s}")), r)?;
    }
    let json = serde_json::to_string_pretty(&tests.summary().to_json()).expect("plain data");
    fsio::write_bytes_atomic(
        &dir.join("suggestions.json"),
        format!("{json}\n").as_bytes(),
    )
}

/// The rates of repeated tests: the single test's, or the median over seeds.
pub fn repeated_bounds(tests: &Repeated) -> Option<ClrBounds> {
    match tests.results.as_slice() {
        [one] => one.bounds.clone(),
        _ => tests.summary().bounds,
    }
}

/// A job ready to train.
struct Prepared {
    job: Job,
    config: TrainConfig,
    bounds: String,
    from_range_test: bool,
    range_test_steps: Option<u64>,
}

/// Resolve every job's training configuration (running or reading the range tests first).
fn prepare(
    exp: &Experiment,
    split: &Split,
    out: &Path,
    obs: &dyn ExperimentObserver,
) -> Result<Vec<Prepared>, ExperimentError> {
    let per_epoch =
        (split.train.len() / exp.batch_size.min(split.train.len()).max(1)).max(1) as u64;
    let mut tests: Vec<OptimizerRangeTest> = Vec::new();
    for (o, dir) in range_test_dirs(exp) {
        let dir = out.join(dir);
        let r = range_test(exp, split, &o, &dir)?;
        let t = OptimizerRangeTest {
            optimizer: o,
            dir,
            bounds: repeated_bounds(&r),
            tests: r,
        };
        obs.on_range_test(&t);
        tests.push(t);
    }
    let mut resolved = Vec::new();
    for r in &exp.runs {
        let optimizer = exp.optimizer_of(r);
        let mut origin = None;
        let mut steps = None;
        let auto = if r.auto_lr {
            let t = tests
                .iter()
                .find(|t| t.optimizer == optimizer)
                .expect("a test per auto_lr optimizer");
            let b = t.bounds.as_ref().ok_or_else(|| {
                let why = t.tests.results[0]
                    .bounds_note
                    .clone()
                    .unwrap_or_else(|| "fewer than half of the tests gave rates".into());
                ExperimentError::RangeTest(format!(
                    "run {:?}: the range test gives no learning rates ({why}); give them in the \
                     schedule, or change [range_test] start_lr/end_lr",
                    r.name,
                ))
            })?;
            steps = Some(
                t.tests
                    .results
                    .iter()
                    .map(|x| x.lrs.len() as u64)
                    .sum::<u64>(),
            );
            origin = Some((
                b.clone(),
                t.tests.results[0].suggestions,
                t.tests.seeds.clone(),
            ));
            Auto::Filled(b)
        } else {
            Auto::Off
        };
        let res = exp
            .resolve(r, Some(per_epoch), auto)
            .map_err(|e| ExperimentError::Config(format!("run {:?}: schedule: {e}", r.name)))?;
        let origin = origin.map(|(rates, suggestions, seeds)| crate::train::LrOrigin {
            choices: res
                .choices
                .iter()
                .map(|c| c.describe(|k| k.to_string()))
                .collect(),
            rates,
            suggestions,
            seeds,
            sweep: exp.range_test.config(),
        });
        resolved.push((optimizer, res, origin, steps));
    }
    exp.jobs()
        .into_iter()
        .map(|job| {
            let r = &exp.runs[job.run];
            let (optimizer, res, origin, range_test_steps) = &resolved[job.run];
            let iters = exp.budget_iters(r, job.budget);
            // The optimizer's own iteration counts (schedule-free's warm-up) scale with the
            // budget like the schedule's.
            let optimizer = &optimizer.scaled(iters as f64 / exp.iters_of(r) as f64);
            let schedule = if job.budget.is_some() {
                cyclr::schedule::budget::scale(&res.config, exp.iters_of(r), iters).map_err(
                    |e| {
                        ExperimentError::Config(format!(
                            "run {:?} at budget {}: schedule: {e}",
                            r.name,
                            job.budget.unwrap_or(1.0)
                        ))
                    },
                )?
            } else {
                res.config.clone()
            };
            let config = TrainConfig {
                model: exp.model,
                activation: exp.activation,
                batch_norm: exp.batch_norm,
                optimizer: optimizer.clone(),
                schedule,
                iters,
                batch_size: exp.batch_size,
                eval_every: exp.eval_every,
                seed: job.seed,
                // Checkpoints at every evaluation: an interrupted job continues from its last
                // one (they are removed once its outcome is written).
                checkpoint_every: Some(exp.eval_every),
                out_dir: Some(out.join("runs").join(job.id())),
                lr_origin: origin.clone(),
                kernels: exp.kernels,
                bn_recalibration: exp.bn_recalibration,
                device: exp.device,
            };
            Ok(Prepared {
                range_test_steps: *range_test_steps,
                bounds: res.describe(|k| k.to_string()),
                from_range_test: res.uses_range_test(),
                job,
                config,
            })
        })
        .collect()
}

fn outcome_path(out: &Path, job: &Job) -> PathBuf {
    out.join("runs").join(job.id()).join("outcome.json")
}

fn read_outcome(path: &Path) -> Option<RunOutcome> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Run an experiment (or the shard `opts.shard` of it) into `opts.out`: the range tests, then
/// every job whose outcome is not there yet, `opts.jobs` at a time. Returns the outcomes of this
/// call's jobs (skipped ones read back), in (run, seed) order. A diverged job is an outcome
/// (its summary says where it diverged), not an error.
pub fn run_experiment(
    exp: &Experiment,
    split: &Split,
    opts: &RunOptions,
    obs: &dyn ExperimentObserver,
) -> Result<Vec<RunOutcome>, ExperimentError> {
    let exp = &exp.expanded()?;
    let (held, val) = validation_split(exp, split);
    let split = held.as_ref().unwrap_or(split);
    let prepared = prepare(exp, split, &opts.out, obs)?;
    let mut todo = Vec::new();
    let mut done: Vec<(usize, RunOutcome)> = Vec::new();
    for (i, p) in prepared.into_iter().enumerate() {
        if opts.shard.is_some_and(|s| !s.owns(i)) {
            continue;
        }
        match read_outcome(&outcome_path(&opts.out, &p.job)) {
            // Same training (checkpointing and the output folder aside): kept.
            // Where it trained is recorded, not part of the match: a GPU shard's outcomes merge
            // with a CPU's (a checkpoint, though, resumes only on its own device).
            Some(o)
                if crate::train::outcome_identity(&o.config)
                    == crate::train::outcome_identity(&p.config)
                    && o.validation == exp.validation =>
            {
                obs.on_skipped(&p.job);
                done.push((i, o));
            }
            Some(o) => {
                let differs = if o.validation != exp.validation {
                    format!(
                        "validation: {:?} here, {:?} in its outcome",
                        exp.validation, o.validation
                    )
                } else {
                    let (want, got) = (
                        crate::train::outcome_identity(&p.config),
                        crate::train::outcome_identity(&o.config),
                    );
                    crate::train::first_difference("", &want, &got)
                        .unwrap_or_else(|| "its configuration".into())
                        .replace("in the checkpoint", "in its outcome")
                };
                obs.on_changed(&p.job, &differs);
                todo.push((i, p));
            }
            None => todo.push((i, p)),
        }
    }
    todo.reverse();
    let queue = Mutex::new(todo);
    let results: Mutex<Vec<(usize, Result<RunOutcome, ExperimentError>)>> = Mutex::new(Vec::new());
    let workers = opts.jobs.max(1).min(queue.lock().expect("queue").len());
    std::thread::scope(|sc| {
        for _ in 0..workers {
            sc.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some((i, p)) = next else { break };
                    let res = run_job(&p, split, val.as_ref(), exp.validation, &opts.out, obs);
                    let failed = res.is_err();
                    results.lock().expect("results").push((i, res));
                    if failed {
                        queue.lock().expect("queue").clear();
                    }
                }
            });
        }
    });
    for (i, r) in results.into_inner().expect("results") {
        done.push((i, r?));
    }
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, o)| o).collect())
}

/// The training data of an experiment with a validation split: `(split with the held-out samples
/// removed from its training part, the validation set)`; `(None, None)` without one.
pub fn validation_split(exp: &Experiment, split: &Split) -> (Option<Split>, Option<Dataset>) {
    let Some(f) = exp.validation else {
        return (None, None);
    };
    let (train, val) = cyclr_data::validation_split(&split.train, f);
    (
        Some(Split {
            train,
            ..split.clone()
        }),
        Some(val),
    )
}

fn run_job(
    p: &Prepared,
    split: &Split,
    val: Option<&Dataset>,
    validation: Option<f64>,
    out: &Path,
    obs: &dyn ExperimentObserver,
) -> Result<RunOutcome, ExperimentError> {
    let mut observer = obs.train_observer(&p.job, p.config.iters);
    // Continue an interrupted job from its last checkpoint; checkpoints another configuration
    // (an edited experiment) or a crash left unusable are removed and the job starts over.
    let run = |resume: bool, observer: &mut dyn TrainObserver| {
        crate::train::train_until(&p.config, split, observer, resume, None)
    };
    let (summary, model) = match run(true, observer.as_mut()) {
        Err(TrainError::ForeignCheckpoint { .. } | TrainError::Checkpoint(_)) => {
            if let Some(dir) = &p.config.out_dir {
                for (_, ck) in checkpoint::list(dir).unwrap_or_default() {
                    let _ = std::fs::remove_file(ck);
                }
            }
            run(false, observer.as_mut())
        }
        other => other,
    }
    .map_err(|source| ExperimentError::Train {
        job: p.job.id(),
        source,
    })?;
    let (val_loss, val_accuracy) = match val {
        Some(v) if !summary.interrupted => {
            let (l, a) = crate::train::evaluate(&model, v);
            (Some(l), Some(a))
        }
        _ => (None, None),
    };
    if summary.interrupted {
        return Err(ExperimentError::Interrupted { job: p.job.id() });
    }
    let outcome = RunOutcome {
        name: p.job.name.clone(),
        seed: p.job.seed,
        budget: p.job.budget,
        schedule: p.config.schedule.clone(),
        bounds: p.bounds.clone(),
        from_range_test: p.from_range_test,
        config: p.config.clone(),
        summary,
        validation,
        val_loss,
        val_accuracy,
        range_test_steps: p.range_test_steps,
        test_images: Some(split.test.len()),
        val_images: val.map(|v| v.len()),
    };
    let path = outcome_path(out, &p.job);
    let bytes = serde_json::to_vec(&outcome).expect("plain data serializes");
    fsio::write_bytes_atomic(&path, &bytes)
        .map_err(io_err(format!("writing {}", path.display())))?;
    // The outcome holds everything; the checkpoints were only for an interrupted job.
    if let Some(dir) = &p.config.out_dir
        && let Ok(cks) = checkpoint::list(dir)
    {
        for (_, ck) in cks {
            let _ = std::fs::remove_file(ck);
        }
    }
    obs.on_finished(&p.job, &outcome);
    Ok(outcome)
}

/// The outcomes found in `out` for this experiment's jobs (in (run, seed) order), and the ids of
/// the jobs with none yet.
pub fn collect_outcomes(exp: &Experiment, out: &Path) -> (Vec<RunOutcome>, Vec<String>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for job in exp.jobs() {
        match read_outcome(&outcome_path(out, &job)) {
            Some(o) if o.name == job.name && o.seed == job.seed && o.budget == job.budget => {
                found.push(o)
            }
            _ => missing.push(job.id()),
        }
    }
    (found, missing)
}
