//! An experiment's jobs: each (run, budget, seed) prepared through the [run plan](super::plan)'s
//! steps (its schedule filled from the optimizer's published range test), trained a few at a
//! time, and its [`RunOutcome`] written — or a finished one reused (see the
//! [module documentation](super)).
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cyclr::schedule::{Auto, ScheduleConfig};
use serde::{Deserialize, Serialize};

use super::plan::{self, PlanError};
use super::range_tests::{OptimizerRangeTest, range_test, range_test_dirs};
use super::{Experiment, ExperimentError, io_err};
use crate::fsio;
use crate::train::checkpoint;
use crate::train::{RunData, TrainConfig, TrainError, TrainObserver, TrainSummary, Validation};

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
    /// Loss of the trained (evaluated) model on the validation split (nats per character for
    /// text).
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
    /// Images in the test split (one image is 100 / this points of accuracy); characters
    /// predicted for text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_images: Option<usize>,
    /// Images (characters predicted, for text) in the validation split, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_images: Option<usize>,
}

impl RunOutcome {
    /// What the run is scored by ([`ModelKind::metric`](crate::model::ModelKind::metric)).
    pub fn metric(&self) -> cyclr::compare::Metric {
        self.config.model.metric()
    }

    /// `(iterations trained, test figure)` at each evaluation: accuracy, or loss for text.
    pub fn evals(&self) -> Vec<(u64, f64)> {
        let metric = self.metric();
        self.summary
            .metrics
            .iter()
            .filter_map(|m| m.test_value(metric).map(|a| (m.iteration + 1, a)))
            .collect()
    }

    /// The final test figure (accuracy, or loss for text).
    pub fn final_value(&self) -> f64 {
        self.summary.final_value(self.metric())
    }

    /// The validation figure (accuracy, or loss for text), with a validation split.
    pub fn val_value(&self) -> Option<f64> {
        match self.metric() {
            cyclr::compare::Metric::Accuracy => self.val_accuracy,
            cyclr::compare::Metric::Loss => self.val_loss,
        }
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
    data: &RunData,
    out: &Path,
    obs: &dyn ExperimentObserver,
) -> Result<Vec<Prepared>, ExperimentError> {
    let text = matches!(data, RunData::Text(_));
    if let RunData::Text(t) = data {
        let shape = exp.gpt_shape();
        let problem = shape
            .config(t.vocab.len())
            .problem()
            .or_else(|| t.check_context(shape.context).err().map(|e| e.to_string()));
        if let Some(why) = problem {
            return Err(ExperimentError::Config(format!("[gpt]: {why}")));
        }
        if let Some(dir) = &exp.init {
            crate::train::init::Pretrained::read(dir, &shape, t)
                .map_err(|e| ExperimentError::Config(e.to_string().replace("--init", "init =")))?;
        }
    }
    let per_epoch = data.steps_per_epoch(exp.batch_size, exp.gpt_shape().context);
    let mut tests: Vec<OptimizerRangeTest> = Vec::new();
    for (o, dir) in range_test_dirs(exp) {
        let dir = out.join(dir);
        let t = OptimizerRangeTest {
            tests: range_test(exp, data, &o, &dir)?,
            optimizer: o,
            dir,
        };
        obs.on_range_test(&t);
        tests.push(t);
    }
    let mut resolved = Vec::new();
    for r in &exp.runs {
        let optimizer = exp.optimizer_trained(r);
        let schedule_error =
            |e| ExperimentError::Config(format!("run {:?}: schedule: {e}", r.name));
        let (res, origin, steps) = if r.auto_lr {
            let t = tests
                .iter()
                .find(|t| t.optimizer == optimizer)
                .expect("a test per auto_lr optimizer");
            let f = plan::fill(&r.schedule, &exp.shape(r, Some(per_epoch)), &t.tests).map_err(
                |e| match e {
                    PlanError::NoRates(why) => ExperimentError::RangeTest(format!(
                        "run {:?}: the range test gives no learning rates ({why}); give them in \
                         the schedule, or change [range_test] start_lr/end_lr",
                        r.name,
                    )),
                    e => schedule_error(e.to_string()),
                },
            )?;
            (f.resolved, Some(f.origin), Some(t.tests.steps()))
        } else {
            let res = exp
                .resolve(r, Some(per_epoch), Auto::Off)
                .map_err(|e| schedule_error(e.to_string()))?;
            (res, None, None)
        };
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
                gpt: text.then(|| exp.gpt_shape()),
                grad_clip: exp.grad_clip,
                init: exp.init.clone(),
                layer_lr_decay: exp.layer_lr_decay,
                average: r.average.clone(),
            };
            if let Some(a) = &config.average {
                super::plan::check_average(a, &config.optimizer, &config.schedule, iters).map_err(
                    |e| ExperimentError::Config(format!("run {:?}: average: {e}", r.name)),
                )?;
            }
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
    data: &RunData,
    opts: &RunOptions,
    obs: &dyn ExperimentObserver,
) -> Result<Vec<RunOutcome>, ExperimentError> {
    let exp = &exp.expanded()?;
    let (held, val) = validation_split(exp, data);
    let data = held.as_ref().unwrap_or(data);
    let prepared = prepare(exp, data, &opts.out, obs)?;
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
                    let res = run_job(&p, data, val.as_ref(), exp.validation, &opts.out, obs);
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

/// The training data of an experiment with a validation split: `(the data with the held-out
/// part removed from its training part, the validation split)` ([`RunData::hold_out`]: images
/// stratified, text a contiguous tail); `(None, None)` without one.
pub fn validation_split(exp: &Experiment, data: &RunData) -> (Option<RunData>, Option<Validation>) {
    let Some(f) = exp.validation else {
        return (None, None);
    };
    let (data, val) = data.hold_out(f);
    (Some(data), Some(val))
}

fn run_job(
    p: &Prepared,
    data: &RunData,
    val: Option<&Validation>,
    validation: Option<f64>,
    out: &Path,
    obs: &dyn ExperimentObserver,
) -> Result<RunOutcome, ExperimentError> {
    let mut observer = obs.train_observer(&p.job, p.config.iters);
    // Continue an interrupted job from its last checkpoint; checkpoints another configuration
    // (an edited experiment) or a crash left unusable are removed and the job starts over.
    let run = |resume: bool, observer: &mut dyn TrainObserver| {
        data.train(&p.config, observer, resume, None)
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
            let (l, a) = v.evaluate(&model);
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
        test_images: Some(data.test_len()),
        val_images: val.map(Validation::len),
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
