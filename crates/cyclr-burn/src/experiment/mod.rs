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
//! ([`cyclr_data::validation_split`]: stratified, the same samples for every run; for text the
//! contiguous tail of the training text, [`RunData::hold_out`](crate::train::RunData::hold_out)):
//! every job and range test trains on the rest, and every outcome records its model's validation
//! loss and accuracy. A grid's pick is the point with the best mean validation figure over seeds
//! (per budget), never chosen on the test set; [`contest`] reports it with every contestant's
//! cost, its search included.
//!
//! # Text and the metric
//!
//! With `model = "gpt"` on a text dataset (`shakespeare`, `text:FILE`; a `[gpt]` table gives the
//! shape, `grad_clip` the global gradient norm) every figure is the **test loss in nats per
//! character** by a full pass, lower is better; otherwise the test accuracy, higher is better.
//! Which one, and every comparison in its direction (baselines, grid picks, budgets' targets,
//! "iterations to reach", the head-to-head's gap), comes from one type,
//! [`Metric`](cyclr::compare::Metric), chosen by [`ModelKind::metric`](crate::model::ModelKind::metric).
//! The GPT trains with nanoGPT's parameter groups (no weight decay on biases and LayerNorm
//! weights), in its runs and its range tests alike.
//!
//! # Baselines
//!
//! `baseline` names the run the others are measured against, or several (`baseline =
//! ["fixed-caffe", "fixed-tuned"]`): then the table measures against the **strongest** of them
//! (the best mean final figure at the full budget) and says which it was.
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
//!
//! # Layout
//!
//! [`schema`] (the file: [`Experiment`], [`RunSpec`], checks, grids, budgets), [`plan`] (the one
//! path from a run's description to a ready run, shared with `cyclr train` and `cyclr find`),
//! [`range_tests`] (one published range test per optimizer), [`jobs`] (preparing and running
//! every job, outcomes), [`contest`] (the head-to-head), [`results`] (`results.json`) and
//! [`template`] (`compare --template`).
pub mod contest;
pub mod jobs;
pub mod plan;
pub mod range_tests;
pub mod results;
pub mod schema;
pub mod template;

pub use jobs::{
    ExperimentObserver, Job, Quiet, RunOptions, RunOutcome, Shard, collect_outcomes,
    run_experiment, validation_split,
};
pub use range_tests::{OptimizerRangeTest, range_test_dirs};
pub use schema::{DEFAULT_VALIDATION, Experiment, GridPoint, RangeTestSpec, RunSpec, is_safe_name};
pub use template::template;

use crate::train::TrainError;

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
