//! The experiment file: [`Experiment`] and its runs ([`RunSpec`]), parsed from TOML, checked
//! without data ([`Experiment::check`]), grids expanded into their points, budgets and quick
//! trials (see the [module documentation](super)).
use std::collections::BTreeMap;

use cyclr::finder::RangeTestConfig;
use cyclr::schedule::{Auto, RunShape, ScheduleSpec, SpecError};
use cyclr_data::DatasetSpec;
use serde::{Deserialize, Serialize};

use super::{ExperimentError, Job, RunOutcome};
use crate::model::{Activation, GptShape, ModelKind, NetConfig};
use crate::optim::OptimizerConfig;
use crate::train::RunData;
use cyclr::compare::Metric;

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
    /// The GPT's shape (`model = "gpt"`, a `[gpt]` table with `layers`, `heads`, `width`,
    /// `context`, `dropout`, `bias`; default nanoGPT's CPU config, [`GptShape::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpt: Option<GptShape>,
    /// Clip every run's (and range test's) gradients to this global norm
    /// ([`TrainConfig::grad_clip`](crate::train::TrainConfig::grad_clip)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grad_clip: Option<f64>,
    /// Fine-tuning: every run (and range test) starts its GPT from the pretrained run in this
    /// folder ([`TrainConfig::init`](crate::train::TrainConfig::init)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<std::path::PathBuf>,
    /// The GPT's discriminative rates (`layer_lr_decay = { factor = 0.385, tied = "top" }`;
    /// [`LayerLrDecay`](crate::model::LayerLrDecay)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_lr_decay: Option<crate::model::LayerLrDecay>,
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
    /// Name of the run whose mean final figure (accuracy, or loss for text) the others must
    /// reach, or several names (a list): the strongest of them is used (see the
    /// [module documentation](self)).
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
    /// Steps at the sweep's first rate before it, not recorded
    /// ([`RangeTestConfig::warmup_it`]); 0 (the default, left out) = none.
    #[serde(skip_serializing_if = "is_zero")]
    pub warmup_it: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
            warmup_it: 0,
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
            warmup_it: self.warmup_it,
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
    /// Weight averaging (`average = { kind = "swa", every = "cycle" }`; keys of
    /// [`AverageConfig`](cyclr::average::AverageConfig)): the run is scored by its average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<cyclr::average::AverageConfig>,
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

/// `true` for a name usable as a file name: letters, digits, `-`, `_`, `.`, not starting
/// with `.`.
pub fn is_safe_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
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

    /// What the experiment's runs are scored by ([`ModelKind::metric`]): test accuracy, or test
    /// loss for a GPT on text.
    pub fn metric(&self) -> Metric {
        self.model.metric()
    }

    /// The baseline the table measures against: the one of [`baseline`](Self::baseline) with
    /// the best mean final figure (at the largest budget) among `outcomes`, with that figure.
    /// `None` if no baseline run finished.
    pub fn strongest_baseline(&self, outcomes: &[RunOutcome]) -> Option<(String, f64)> {
        let full = self.full_budget();
        let metric = self.metric();
        let mut best: Option<(String, f64)> = None;
        for name in &self.baseline {
            // A grid is represented by its validation pick.
            let name = self
                .grid_pick(name, outcomes, full)
                .unwrap_or_else(|| name.clone());
            let finals: Vec<f64> = outcomes
                .iter()
                .filter(|o| o.name == name && o.budget == full)
                .map(|o| o.summary.final_value(metric))
                .collect();
            if finals.is_empty() {
                continue;
            }
            let m = cyclr::compare::mean_std(&finals).0;
            // Ties (and NaNs): the later baseline, as `max_by` chose before.
            if best.as_ref().is_none_or(|(_, b)| !metric.better(*b, m)) {
                best = Some((name, m));
            }
        }
        best
    }

    /// The point of grid `grid` with the best mean validation figure over seeds (accuracy, or
    /// loss for text: [`metric`](Self::metric)) among `outcomes` at `budget` (ties: the first
    /// point); `None` if `grid` is no grid or none of its points has a validation figure. The
    /// test set plays no part.
    pub fn grid_pick(
        &self,
        grid: &str,
        outcomes: &[RunOutcome],
        budget: Option<f64>,
    ) -> Option<String> {
        let (_, points) = self.grids().into_iter().find(|(g, _)| g == grid)?;
        let metric = self.metric();
        let mut best: Option<(String, f64)> = None;
        for p in points {
            let vals: Vec<f64> = outcomes
                .iter()
                .filter(|o| o.name == p && o.budget == budget)
                .filter_map(RunOutcome::val_value)
                .collect();
            if vals.is_empty() {
                continue;
            }
            let m = cyclr::compare::mean_std(&vals).0;
            if best.as_ref().is_none_or(|(_, b)| metric.better(m, *b)) {
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
        match (self.model == ModelKind::Gpt, self.dataset.is_text()) {
            (true, false) => {
                return bad(format!(
                    "model = \"gpt\" trains on text: dataset = \"shakespeare\" (embedded) or \"text:FILE\", not {:?}",
                    self.dataset.to_string()
                ));
            }
            (false, true) => {
                return bad(format!(
                    "dataset = {:?} is text: model = \"gpt\" trains on it, not {:?}",
                    self.dataset.to_string(),
                    self.model.name()
                ));
            }
            _ => {}
        }
        if let Some(dir) = &self.init
            && self.model != ModelKind::Gpt
        {
            return bad(format!(
                "init = {:?}: fine-tuning starts a gpt from a pretrained gpt run; model = {:?} has no init",
                dir.display().to_string(),
                self.model.name()
            ));
        }
        if let Some(d) = &self.layer_lr_decay {
            if self.model != ModelKind::Gpt {
                return bad(format!(
                    "layer_lr_decay: discriminative rates are set for model = \"gpt\"'s blocks, not {:?}",
                    self.model.name()
                ));
            }
            if let Some(why) = d.problem() {
                return bad(why.replace("--layer-lr-decay", "layer_lr_decay: factor ="));
            }
            for r in &self.runs {
                if let Some(why) = self.optimizer_of(r).group_rates_refusal() {
                    return bad(format!("run {:?}: layer_lr_decay: {why}", r.name));
                }
            }
        }
        if self.gpt.is_some() && self.model != ModelKind::Gpt {
            return bad(format!(
                "[gpt]: the GPT's shape, but model = {:?}; remove the table or set model = \"gpt\"",
                self.model.name()
            ));
        }
        if let Some(shape) = self.gpt
            && let Some(why) = shape.config(1).problem()
        {
            return bad(format!("[gpt]: {}", why.replace("--", "")));
        }
        if let Some(c) = self.grad_clip
            && !(c.is_finite() && c > 0.0)
        {
            return bad(format!(
                "grad_clip = {c}: the global gradient norm to clip to must be finite and > 0, e.g. 1.0"
            ));
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
            if let Some(a) = &r.average {
                super::plan::check_average(a, &optimizer, &res.config, self.iters_of(r)).map_err(
                    |e| ExperimentError::Config(format!("run {:?}: average: {e}", r.name)),
                )?;
            }
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
    pub(super) fn resolve(
        &self,
        r: &RunSpec,
        iters_per_epoch: Option<u64>,
        auto: Auto<'_>,
    ) -> Result<cyclr::schedule::Resolved, SpecError> {
        r.schedule.resolve_defaulted(
            &self.shape(r, iters_per_epoch),
            auto,
            self.optimizer_of(r).default_lr(),
        )
    }

    /// A run's shape: its iterations, epochs of `iters_per_epoch`, its `step_epochs`.
    pub(super) fn shape(&self, r: &RunSpec, iters_per_epoch: Option<u64>) -> RunShape {
        RunShape {
            iters: self.iters_of(r),
            iters_per_epoch,
            step_epochs: r.step_epochs,
        }
    }

    /// The network for this experiment's data.
    pub fn net(&self, data: &RunData) -> NetConfig {
        match data {
            RunData::Images(split) => NetConfig::for_data(
                self.model,
                self.activation,
                self.batch_norm,
                self.kernels,
                &split.train,
            ),
            RunData::Text(text) => NetConfig::for_text(&self.gpt_shape(), text.vocab.len()),
        }
    }

    /// The GPT's shape (`[gpt]`, or the default).
    pub fn gpt_shape(&self) -> GptShape {
        self.gpt.unwrap_or_default()
    }

    /// The optimizer a run trains with: the run's, and for the GPT with nanoGPT's parameter
    /// groups ([`OptimizerConfig::with_nanogpt_groups`]).
    pub fn optimizer_trained(&self, run: &RunSpec) -> OptimizerConfig {
        let o = self.optimizer_of(run);
        if self.model == ModelKind::Gpt {
            o.with_nanogpt_groups()
        } else {
            o
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
            "auto_lr = true and a grid over {key}: the range test and the grid search are two ways of choosing it; use one"
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
