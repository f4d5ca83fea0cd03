//! The run plan: the one path from a description of a run to a run ready to train.
//!
//! `cyclr train --lr auto`, `cyclr find`, every job of `cyclr compare` and a burn user's own
//! code take the same steps, in this order, all here:
//!
//! 1. **Check** everything that needs no data ([`RunPlan::check`]): the optimizer allows a range
//!    test, the schedule resolves with stand-in rates and suits the optimizer, the sweep is valid.
//! 2. **Range tests** ([`RangeTests::run`]): one per seed, each on a fresh network with that seed,
//!    reporting to a [`PlanObserver`] (progress, Ctrl-C).
//! 3. **Written once** ([`RangeTests::write`]): `range_test.csv` + `suggestions.json` for one
//!    seed; `seed<S>/` for each seed and the summary `suggestions.json` for several. The observer
//!    draws the plots ([`PlanObserver::on_range_tests`]).
//! 4. **Rates** ([`RangeTests::rates`]): the test's, or the median of each rate over seeds; none
//!    is an error saying why ([`PlanError::NoRates`]).
//! 5. **Schedule** ([`fill`]): the spec's open rates filled, the rest resolved for the run's
//!    length and epoch, with the [`LrOrigin`] recorded in `run.json` / `summary.json`.
//!
//! A run without a range test takes step 1 and step 5 with the rates it was given (a
//! learning-rate-free optimizer's default rate fills the policy's main rate when none is given).
use std::path::Path;

use cyclr::ParamError;
use cyclr::finder::{ClrBounds, RangeTestConfig, RangeTestResult, Repeated};
use cyclr::schedule::{Auto, Resolved, RunShape, ScheduleSpec, SpecError};
use cyclr_data::Split;

use crate::devices::DeviceSpec;
use crate::lr_find::{FindObserver, LrFindError, NetRangeTest, NoFindObserver};
use crate::model::{Activation, ModelError, ModelKind, NetConfig};
use crate::optim::OptimizerConfig;
use crate::train::{LrOrigin, RunDir, TrainConfig, TrainError};
use crate::{Kernels, data};
use serde::{Deserialize, Serialize};

/// A run longer than this many epochs gets a warning ([`RunPlan::warnings`]).
pub const MANY_EPOCHS: f64 = 10_000.0;

/// Why a plan could not be made. Each variant keeps the library's own error, so a caller can say
/// it in its own terms (the CLI names flags).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The optimizer's learning rate is not what a range test sweeps (Prodigy, D-Adapt).
    #[error("{optimizer}: {why}")]
    NoRangeTest {
        /// The optimizer's name.
        optimizer: String,
        /// Why.
        why: String,
    },
    /// The schedule does not resolve (a key missing or out of range).
    #[error("{0}")]
    Schedule(SpecError),
    /// The resolved schedule does not suit the optimizer.
    #[error("{0}")]
    Optimizer(ParamError),
    /// The range test's sweep is invalid.
    #[error("{0}")]
    Sweep(ParamError),
    /// The range tests' seeds are invalid.
    #[error("range-test seeds: {0}")]
    Seeds(String),
    /// The network does not fit the data.
    #[error("{0}")]
    Model(ModelError),
    /// A range test failed or was stopped.
    #[error("range test: {0}")]
    RangeTest(LrFindError),
    /// The range tests give no learning rates.
    #[error("the range test gives no learning rates: {0}")]
    NoRates(String),
    /// Writing the range tests' files failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file that could not be written.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The weight averaging is invalid, or does not suit the optimizer or the schedule.
    #[error("{0}")]
    Average(ParamError),
    /// The text does not fit the GPT (too short for its context, say).
    #[error("{0}")]
    Text(String),
    /// The observer could not report the range tests (e.g. draw their plots).
    #[error("{0}")]
    Report(String),
}

/// What a plan reports while it works; every method has a no-op default.
pub trait PlanObserver {
    /// The range tests are about to run (once per seed).
    fn on_range_tests_start(&mut self, _sweep: &RangeTestConfig, _seeds: &[u64]) {}
    /// The observer of the range test with `seed` (its progress; it can stop the test).
    fn range_test_observer(
        &mut self,
        _seed: u64,
        _sweep: &RangeTestConfig,
    ) -> Box<dyn FindObserver> {
        Box::new(NoFindObserver)
    }
    /// The range tests' files are written into `dir` ([`RangeTests::write`]): the place to draw
    /// their plots. An error stops the plan ([`PlanError::Report`]).
    fn on_range_tests(&mut self, _dir: &Path, _tests: &RangeTests) -> Result<(), String> {
        Ok(())
    }
}

/// A [`PlanObserver`] that ignores everything.
pub struct NoPlanObserver;
impl PlanObserver for NoPlanObserver {}

/// Range tests of one setup, once per seed, with the sweep they ran.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeTests {
    /// One test per seed.
    pub repeated: Repeated,
    /// The sweep every test ran.
    pub sweep: RangeTestConfig,
}

impl RangeTests {
    /// One test (e.g. of a burn user's own model, by [`lr_find_model`](crate::lr_find_model)).
    pub fn one(seed: u64, result: RangeTestResult, sweep: RangeTestConfig) -> RangeTests {
        RangeTests {
            repeated: Repeated {
                seeds: vec![seed],
                results: vec![result],
            },
            sweep,
        }
    }

    /// Run `test` once per seed (its `seed` replaced by each), reporting to `obs`.
    pub fn run(
        test: &NetRangeTest,
        split: &Split,
        sweep: &RangeTestConfig,
        seeds: &[u64],
        obs: &mut dyn PlanObserver,
    ) -> Result<RangeTests, PlanError> {
        Self::per_seed(sweep, seeds, obs, |seed, o| {
            NetRangeTest {
                seed,
                ..test.clone()
            }
            .run_observed(split, sweep.clone(), o)
        })
    }

    /// [`run`](Self::run) for a GPT on text: one [`TextRangeTest`] per seed, the sweep read as
    /// a transformer's ([`TextRangeTest::sweep`]).
    ///
    /// [`TextRangeTest`]: crate::lr_find::TextRangeTest
    /// [`TextRangeTest::sweep`]: crate::lr_find::TextRangeTest::sweep
    pub fn run_text(
        test: &crate::lr_find::TextRangeTest,
        text: &cyclr_data::TextSplit,
        sweep: &RangeTestConfig,
        seeds: &[u64],
        obs: &mut dyn PlanObserver,
    ) -> Result<RangeTests, PlanError> {
        let sweep = &crate::lr_find::TextRangeTest::sweep(sweep);
        Self::per_seed(sweep, seeds, obs, |seed, o| {
            crate::lr_find::TextRangeTest {
                seed,
                ..test.clone()
            }
            .run_observed(text, sweep.clone(), o)
        })
    }

    /// One test per seed (`one(seed, its observer)`), reported to `obs`.
    fn per_seed(
        sweep: &RangeTestConfig,
        seeds: &[u64],
        obs: &mut dyn PlanObserver,
        mut one: impl FnMut(u64, &mut dyn FindObserver) -> Result<RangeTestResult, LrFindError>,
    ) -> Result<RangeTests, PlanError> {
        obs.on_range_tests_start(sweep, seeds);
        let mut results = Vec::with_capacity(seeds.len());
        for &seed in seeds {
            let mut o = obs.range_test_observer(seed, sweep);
            results.push(one(seed, o.as_mut()).map_err(PlanError::RangeTest)?);
        }
        Ok(RangeTests {
            repeated: Repeated {
                seeds: seeds.to_vec(),
                results,
            },
            sweep: sweep.clone(),
        })
    }

    /// The rates runs train with: the test's, or the median of each rate over the seeds
    /// ([`Repeated::bounds`]); `Err(why)` when there are none.
    pub fn rates(&self) -> Result<ClrBounds, PlanError> {
        self.repeated
            .bounds()
            .ok_or_else(|| PlanError::NoRates(self.repeated.no_rates_reason()))
    }

    /// Training steps the tests took (every seed's recorded points).
    pub fn steps(&self) -> u64 {
        self.repeated
            .results
            .iter()
            .map(|r| r.lrs.len() as u64)
            .sum()
    }

    /// Write the tests' files into `dir` (atomically): one test's `range_test.csv` and
    /// `suggestions.json` ([`write_results`](crate::lr_find::write_results)); for several seeds
    /// each seed's into `dir/seed<S>/` and the summary
    /// ([`RepeatedSummary::to_json`](cyclr::finder::RepeatedSummary::to_json)) into
    /// `dir/suggestions.json`.
    pub fn write(&self, dir: &Path) -> Result<(), PlanError> {
        self.write_files(dir)
            .map_err(|(path, source)| PlanError::Io { path, source })
    }

    fn write_files(&self, dir: &Path) -> Result<(), (std::path::PathBuf, std::io::Error)> {
        let tests = &self.repeated;
        if let [one] = tests.results.as_slice() {
            return crate::lr_find::write_results(dir, one);
        }
        for (r, s) in tests.results.iter().zip(&tests.seeds) {
            crate::lr_find::write_results(&dir.join(format!("seed{s}")), r)?;
        }
        let json = serde_json::to_string_pretty(&tests.summary().to_json()).expect("plain data");
        let path = dir.join("suggestions.json");
        crate::fsio::write_bytes_atomic(&path, format!("{json}\n").as_bytes())
            .map_err(|e| (path, e))
    }

    /// Where a schedule's rates came from, when `resolved` was filled from `rates` (these tests').
    pub fn origin(&self, resolved: &Resolved, rates: ClrBounds) -> LrOrigin {
        LrOrigin {
            choices: resolved
                .choices
                .iter()
                .map(|c| c.describe(|k| k.to_string()))
                .collect(),
            rates,
            suggestions: self.repeated.results[0].suggestions,
            seeds: self.repeated.seeds.clone(),
            sweep: self.sweep.clone(),
            from: None,
        }
    }
}

/// A schedule whose open rates came from range tests: what `--lr auto` trains.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    /// The schedule, resolved for the run.
    pub resolved: Resolved,
    /// Where its rates came from.
    pub origin: LrOrigin,
}

/// `--lr auto` in one call: the rates of `tests` fill the open rates of `spec`, resolved for a
/// run of `shape` ([`ScheduleSpec::resolve`] with [`Auto::Filled`]).
pub fn fill(
    spec: &ScheduleSpec,
    shape: &RunShape,
    tests: &RangeTests,
) -> Result<Filled, PlanError> {
    let rates = tests.rates()?;
    let resolved = spec
        .resolve(shape, Auto::Filled(&rates))
        .map_err(PlanError::Schedule)?;
    let origin = tests.origin(&resolved, rates);
    Ok(Filled { resolved, origin })
}

/// The range tests of a run: a sweep, run once per seed (the median of each rate is used with
/// several).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeTestPlan {
    /// The sweep.
    pub sweep: RangeTestConfig,
    /// The seeds (at least one, no repeats).
    pub seeds: Vec<u64>,
}

impl Default for RangeTestPlan {
    /// cyclr's calibrated sweep ([`RangeTestConfig::calibrated`]), seed 0.
    fn default() -> Self {
        RangeTestPlan {
            sweep: RangeTestConfig::calibrated(),
            seeds: vec![0],
        }
    }
}

/// A run of one of cyclr's networks, described before its data is loaded: what `cyclr train`
/// prepares (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct RunPlan {
    /// The network.
    pub model: ModelKind,
    /// Hidden nonlinearity.
    pub activation: Activation,
    /// Batch norm after every hidden layer.
    pub batch_norm: bool,
    /// Convolution and max-pool kernels.
    pub kernels: Kernels,
    /// Where the run (and its range tests) train.
    pub device: DeviceSpec,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Seed of the weights and the data order.
    pub seed: u64,
    /// Iterations.
    pub iters: u64,
    /// Evaluate every this many iterations.
    pub eval_every: u64,
    /// Checkpoint every this many iterations.
    pub checkpoint_every: Option<u64>,
    /// The schedule; with `auto_lr` its open rates come from the range tests.
    pub schedule: ScheduleSpec,
    /// Fill the schedule's open learning rates from range tests (`--lr auto`).
    pub auto_lr: bool,
    /// The range tests (checked even without `auto_lr`, as given settings should be).
    pub range_test: RangeTestPlan,
    /// Range tests already run for this setup (`train --lr-from DIR`, matched with
    /// [`SavedRangeTest::mismatch`]): with `auto_lr` they fill the rates and none is run.
    pub reuse: Option<RangeTests>,
    /// The GPT's shape (`model = gpt`, text data).
    pub gpt: Option<crate::model::GptShape>,
    /// Clip gradients to this global norm ([`TrainConfig::grad_clip`]).
    pub grad_clip: Option<f64>,
    /// Fine-tuning: start the GPT from this pretrained run ([`TrainConfig::init`]).
    pub init: Option<std::path::PathBuf>,
    /// The GPT's discriminative rates ([`TrainConfig::layer_lr_decay`]).
    pub layer_lr_decay: Option<crate::model::LayerLrDecay>,
    /// Weight averaging ([`TrainConfig::average`]).
    pub average: Option<cyclr::average::AverageConfig>,
}

/// A run ready to train.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadyRun {
    /// The configuration to train ([`crate::train()`]).
    pub config: TrainConfig,
    /// The schedule as resolved, each rate with its source.
    pub resolved: Resolved,
    /// The range tests its rates came from, if any.
    pub range_tests: Option<RangeTests>,
}

/// Checks a run's weight averaging: its keys, an optimizer that does not average already
/// (schedule-free), and that the schedule it needs (cycles) and the run leave it updates.
pub fn check_average(
    average: &cyclr::average::AverageConfig,
    optimizer: &OptimizerConfig,
    schedule: &cyclr::schedule::ScheduleConfig,
    iters: u64,
) -> Result<(), PlanError> {
    average.rule().map_err(PlanError::Average)?;
    if let Some(why) = crate::train::average_refusal(optimizer) {
        return Err(PlanError::Average(ParamError::new(
            "average",
            average.kind.name(),
            why,
        )));
    }
    let built = schedule.build(iters).map_err(PlanError::Optimizer)?;
    average.when(iters, &*built).map_err(PlanError::Average)?;
    Ok(())
}

impl RunPlan {
    /// The run's shape with epochs of `per_epoch` iterations.
    fn shape(&self, per_epoch: u64) -> RunShape {
        RunShape {
            iters: self.iters,
            iters_per_epoch: Some(per_epoch),
            step_epochs: None,
        }
    }

    /// The training configuration of this plan with the resolved schedule (its `out_dir` is
    /// `out`).
    fn train_config(
        &self,
        resolved: &Resolved,
        out: Option<&Path>,
        lr_origin: Option<LrOrigin>,
    ) -> TrainConfig {
        TrainConfig {
            model: self.model,
            activation: self.activation,
            batch_norm: self.batch_norm,
            optimizer: self.optimizer.clone(),
            schedule: resolved.config.clone(),
            iters: self.iters,
            batch_size: self.batch_size,
            eval_every: self.eval_every,
            seed: self.seed,
            checkpoint_every: self.checkpoint_every,
            out_dir: out.map(Path::to_path_buf),
            lr_origin,
            kernels: self.kernels,
            bn_recalibration: None,
            device: self.device,
            gpt: self.gpt,
            grad_clip: self.grad_clip,
            init: self.init.clone(),
            layer_lr_decay: self.layer_lr_decay,
            average: self.average.clone(),
        }
    }

    /// Step 1: everything that can be checked before the data is loaded.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.auto_lr
            && let Some(why) = self.optimizer.range_test_refusal()
        {
            return Err(PlanError::NoRangeTest {
                optimizer: self.optimizer.name().to_string(),
                why: why.to_string(),
            });
        }
        // Stand-in rates under a pending range test; an epoch of one iteration.
        let probed = self
            .schedule
            .resolve_defaulted(
                &self.shape(1),
                if self.auto_lr {
                    Auto::Pending
                } else {
                    Auto::Off
                },
                self.optimizer.default_lr(),
            )
            .map_err(PlanError::Schedule)?;
        self.optimizer
            .check_schedule(&probed.config)
            .map_err(PlanError::Optimizer)?;
        self.range_test.sweep.validate().map_err(PlanError::Sweep)?;
        if let Some(a) = &self.average {
            check_average(a, &self.optimizer, &probed.config, self.iters)?;
        }
        let seeds = &self.range_test.seeds;
        if seeds.is_empty() {
            return Err(PlanError::Seeds("give at least one seed".into()));
        }
        if let Some((_, s)) = seeds
            .iter()
            .enumerate()
            .find(|(i, s)| seeds[..*i].contains(s))
        {
            return Err(PlanError::Seeds(format!("seed {s} is given twice")));
        }
        Ok(())
    }

    /// The schedule of a run of `shape`: with `auto_lr`, the range tests (`run` them, or reuse
    /// [`reuse`](Self::reuse)), written into `out` when given, fill its open rates; otherwise it
    /// is resolved as given (a learning-rate-free optimizer's default filling its main rate).
    fn schedule_for(
        &self,
        shape: &RunShape,
        out: Option<&Path>,
        obs: &mut dyn PlanObserver,
        run: impl FnOnce(
            &RangeTestConfig,
            &[u64],
            &mut dyn PlanObserver,
        ) -> Result<RangeTests, PlanError>,
    ) -> Result<(Resolved, Option<LrOrigin>, Option<RangeTests>), PlanError> {
        if !self.auto_lr {
            let r = self
                .schedule
                .resolve_defaulted(shape, Auto::Off, self.optimizer.default_lr())
                .map_err(PlanError::Schedule)?;
            return Ok((r, None, None));
        }
        let RangeTestPlan { sweep, seeds } = &self.range_test;
        let tests = match &self.reuse {
            Some(t) => t.clone(),
            None => run(sweep, seeds, obs)?,
        };
        if let Some(dir) = out {
            tests.write(dir)?;
            obs.on_range_tests(dir, &tests).map_err(PlanError::Report)?;
        }
        let f = fill(&self.schedule, shape, &tests)?;
        Ok((f.resolved, Some(f.origin), Some(tests)))
    }

    /// Steps 2–5 for a GPT on text (`model = gpt`): with `--lr auto` the range tests
    /// ([`RangeTests::run_text`], written into `out`), the schedule and the training
    /// configuration, Adam(W) with nanoGPT's parameter groups ([`AdamConfig::decay_vectors`]
    /// off: no weight decay on biases and LayerNorm weights).
    ///
    /// An epoch is `train characters / (batch_size · context)` iterations (what `step_size` in
    /// epochs and the like count). The range test is read by the calibrated rule for a
    /// transformer (the window's minimum, or a pretrained model's damage point; BENCHMARKS.md
    /// §13).
    ///
    /// [`AdamConfig::decay_vectors`]: crate::optim::AdamConfig::decay_vectors
    pub fn prepare_text(
        &self,
        text: &cyclr_data::TextSplit,
        out: Option<&Path>,
        obs: &mut dyn PlanObserver,
    ) -> Result<ReadyRun, PlanError> {
        if self.model != ModelKind::Gpt {
            return Err(PlanError::Model(crate::model::ModelError::TextNeedsGpt {
                data: text.name.clone(),
                model: self.model,
            }));
        }
        self.check()?;
        let shape = self.gpt.unwrap_or_default();
        if let Some(why) = shape.config(text.vocab.len()).problem() {
            return Err(PlanError::Text(why));
        }
        text.check_context(shape.context)
            .map_err(|e| PlanError::Text(e.to_string()))?;
        let context = shape.context;
        let per_epoch =
            crate::data::text_steps_per_epoch(text.train.len(), self.batch_size, context);
        let run_shape = self.shape(per_epoch);
        let optimizer = self.optimizer.clone().with_nanogpt_groups();
        let test = crate::lr_find::TextRangeTest {
            gpt: shape,
            optimizer: optimizer.clone(),
            batch_size: self.batch_size,
            seed: self.seed,
            grad_clip: self.grad_clip,
            device: self.device,
            init: self.init.clone(),
            layer_lr_decay: self.layer_lr_decay,
        };
        let (resolved, origin, range_tests) =
            self.schedule_for(&run_shape, out, obs, |sweep, seeds, obs| {
                RangeTests::run_text(&test, text, sweep, seeds, obs)
            })?;
        let config = TrainConfig {
            batch_norm: false,
            optimizer,
            gpt: Some(shape),
            ..self.train_config(&resolved, out, origin)
        };
        Ok(ReadyRun {
            config,
            resolved,
            range_tests,
        })
    }

    /// What this plan's range test on `text` is (or would be): the record a saved one must
    /// match to be reused (`--lr-from`), and what `find` writes; `dataset` with absolute paths.
    pub fn text_record(
        &self,
        text: &cyclr_data::TextSplit,
        dataset: cyclr_data::DatasetSpec,
    ) -> RangeTestRecord {
        let shape = self.gpt.unwrap_or_default();
        RangeTestRecord {
            dataset,
            net: NetConfig::for_text(&shape, text.vocab.len()),
            optimizer: self.optimizer.clone().with_nanogpt_groups(),
            batch_size: self.batch_size,
            sweep: self.range_test.sweep.clone(),
            seeds: self.range_test.seeds.clone(),
            gpt: Some(shape),
            init: self.init.clone(),
            layer_lr_decay: self.layer_lr_decay,
        }
    }

    /// The network for `split`, checked to fit its data.
    pub fn net(&self, split: &Split) -> Result<NetConfig, PlanError> {
        let net = NetConfig::for_data(
            self.model,
            self.activation,
            self.batch_norm,
            self.kernels,
            &split.train,
        );
        net.check().map_err(PlanError::Model)?;
        Ok(net)
    }

    /// What to tell the user about this run on `split` before it starts: for now, a run of more
    /// than [`MANY_EPOCHS`] epochs (likely a mistyped length).
    pub fn warnings(&self, split: &Split) -> Vec<String> {
        let per_epoch = data::steps_per_epoch(split.train.len(), self.batch_size);
        let epochs = self.iters as f64 / per_epoch as f64;
        let mut w = Vec::new();
        if epochs > MANY_EPOCHS {
            w.push(format!(
                "{} iterations are {epochs:.0} epochs of the {} training samples ({per_epoch} \
                 iterations each), far more than training needs: is the length mistyped? \
                 (Ctrl-C stops the run with a checkpoint)",
                self.iters,
                split.train.len()
            ));
        }
        w
    }

    /// The range test of this run's setup (`seed` is replaced by each of the plan's seeds).
    pub fn net_range_test(&self, net: NetConfig) -> NetRangeTest {
        NetRangeTest {
            net,
            optimizer: self.optimizer.clone(),
            batch_size: self.batch_size,
            seed: self.seed,
            eval_every: 1,
            device: self.device,
        }
    }

    /// Steps 2–5 on the loaded data: the range tests (written into `out` when given), the rates,
    /// the schedule and the training configuration (its `out_dir` is `out`).
    pub fn prepare(
        &self,
        split: &Split,
        out: Option<&Path>,
        obs: &mut dyn PlanObserver,
    ) -> Result<ReadyRun, PlanError> {
        self.check()?;
        let net = self.net(split)?;
        let shape = self.shape(data::steps_per_epoch(split.train.len(), self.batch_size));
        let test = self.net_range_test(net);
        let (resolved, origin, range_tests) =
            self.schedule_for(&shape, out, obs, |sweep, seeds, obs| {
                RangeTests::run(&test, split, sweep, seeds, obs)
            })?;
        let config = self.train_config(&resolved, out, origin);
        Ok(ReadyRun {
            config,
            resolved,
            range_tests,
        })
    }
}

/// What a range test ran on (`range_test.json` beside `cyclr find`'s files): the setup that
/// makes two range tests the same one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeTestRecord {
    /// The dataset (paths absolute).
    pub dataset: cyclr_data::DatasetSpec,
    /// The network.
    pub net: crate::model::NetConfig,
    /// The optimizer, every hyper-parameter.
    pub optimizer: crate::optim::OptimizerConfig,
    /// The batch size.
    pub batch_size: usize,
    /// The sweep (and the metric recorded).
    pub sweep: cyclr::finder::RangeTestConfig,
    /// The seeds, one test each.
    pub seeds: Vec<u64>,
    /// A GPT's shape (text data; `net` then says `gpt`, its context and vocabulary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpt: Option<crate::model::GptShape>,
    /// Fine-tuning: the pretrained run the model started from ([`TrainConfig::init`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<std::path::PathBuf>,
    /// The GPT's discriminative rates, applied in the test ([`TrainConfig::layer_lr_decay`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_lr_decay: Option<crate::model::LayerLrDecay>,
}

impl RangeTestRecord {
    /// The record's file name.
    pub const FILE: &'static str = "range_test.json";

    /// The record in `dir`, if there is one that parses.
    pub fn read(dir: &Path) -> Option<RangeTestRecord> {
        serde_json::from_slice(&std::fs::read(dir.join(Self::FILE)).ok()?).ok()
    }

    /// `dataset / network / optimizer`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} / {} / {}",
            self.dataset,
            self.net.kind.name(),
            self.optimizer.name()
        )
    }
}

impl RunDir {
    /// What keeps a range test of `rec` from writing here, in words: a train run, the range test
    /// of another setup (with the first setting that differs), or a run's files without a record.
    /// `None`: the directory is free, or holds this same range test (a rerun replaces it). With
    /// `rec` not known yet (before the data is loaded), a recorded range test is not a conflict.
    pub fn range_test_conflict(
        &self,
        rec: Option<&RangeTestRecord>,
    ) -> Result<Option<String>, TrainError> {
        if let Some(r) = self.record()? {
            return Ok(Some(format!(
                "a {} run of {} iterations",
                r.config.schedule.name(),
                r.config.iters
            )));
        }
        if let Some(theirs) = RangeTestRecord::read(self.path()) {
            let Some(rec) = rec else {
                return Ok(None);
            };
            let (want, got) = (
                serde_json::to_value(rec).expect("plain data"),
                serde_json::to_value(&theirs).expect("plain data"),
            );
            return Ok(crate::train::differ_text(&want, &got)
                .map(|d| format!("the range test of {} ({d})", theirs.describe())));
        }
        Ok((!self.run_files().is_empty()).then(|| "the outputs of another run".to_string()))
    }
}

/// A range test as saved beside its files (`range_test.json`): what it ran on
/// ([`RangeTestRecord`], flattened) and each seed's result, so that a later run can train with
/// its rates without running it again (`train --lr-from DIR`), exactly as if it had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRangeTest {
    /// What it ran on.
    #[serde(flatten)]
    pub record: RangeTestRecord,
    /// One result per seed.
    pub tests: Repeated,
}

impl SavedRangeTest {
    /// The saved range test in `dir`; the error says what is missing or wrong.
    pub fn read(dir: &Path) -> Result<SavedRangeTest, String> {
        let path = dir.join(RangeTestRecord::FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "cannot read {}: {e} (cyclr find and train --lr auto write it beside their range \
                 tests)",
                path.display()
            )
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a saved range test: {e}", path.display()))
    }

    /// Write it into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<(), TrainError> {
        let path = dir.join(RangeTestRecord::FILE);
        let bytes = serde_json::to_vec(self).expect("plain data serializes");
        crate::fsio::write_bytes_atomic(&path, &bytes).map_err(|source| TrainError::Io {
            context: format!("writing {}", path.display()),
            source,
        })
    }

    /// The tests, their derived fields recomputed from the curves (as a published experiment
    /// range test is read back).
    pub fn range_tests(&self) -> RangeTests {
        RangeTests {
            repeated: Repeated {
                seeds: self.tests.seeds.clone(),
                results: self
                    .tests
                    .results
                    .iter()
                    .cloned()
                    .map(|r| r.recomputed())
                    .collect(),
            },
            sweep: self.record.sweep.clone(),
        }
    }

    /// Why these tests' rates do not belong to a run of `run`: the first difference in the
    /// dataset, network, optimizer (every hyper-parameter), batch size or sweep, the record an
    /// experiment's published range test is matched on (the seeds may differ). `None`: they do.
    pub fn mismatch(&self, run: &RangeTestRecord) -> Option<String> {
        let part = |r: &RangeTestRecord| {
            let mut v = serde_json::to_value(r).expect("plain data");
            if let Some(m) = v.as_object_mut() {
                m.remove("seeds");
            }
            v
        };
        crate::train::differ_text(&part(run), &part(&self.record))
    }
}
