//! An experiment's range tests: one per distinct optimizer of its `auto_lr` runs, run once
//! through the [run plan](super::plan) and **published** into `range_test-<optimizer>/result.json`
//! for every later job, shard or resumed run of the experiment (see the
//! [module documentation](super)).
use std::path::{Path, PathBuf};

use cyclr::finder::{RangeTestConfig, Repeated};
use serde::{Deserialize, Serialize};

use super::plan::{NoPlanObserver, PlanError, RangeTests};
use super::{Experiment, ExperimentError, io_err};
use crate::fsio;
use crate::lr_find::{NetRangeTest, TextRangeTest};
use crate::model::NetConfig;
use crate::optim::OptimizerConfig;
use crate::train::RunData;

/// The range tests of an experiment: one per distinct optimizer of its `auto_lr` runs, in order
/// of first use, each with its output folder `range_test-<optimizer>[-k]`.
pub fn range_test_dirs(exp: &Experiment) -> Vec<(OptimizerConfig, String)> {
    let mut out: Vec<(OptimizerConfig, String)> = Vec::new();
    for r in exp.runs.iter().filter(|r| r.auto_lr) {
        let o = exp.optimizer_trained(r);
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grad_clip: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    init: Option<std::path::PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layer_lr_decay: Option<crate::model::LayerLrDecay>,
    tests: Repeated,
}

/// The range tests of an experiment for one optimizer.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerRangeTest {
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// The output folder.
    pub dir: PathBuf,
    /// One test per seed, with the sweep; [`RangeTests::rates`] are what `auto_lr` runs train
    /// with.
    pub tests: RangeTests,
}

/// Run (or read back) the range tests of `optimizer` into `dir` (see the module documentation).
pub(super) fn range_test(
    exp: &Experiment,
    data: &RunData,
    optimizer: &OptimizerConfig,
    dir: &Path,
) -> Result<RangeTests, ExperimentError> {
    let net = exp.net(data);
    let config = exp.range_test.config();
    let seeds = exp.range_test.seed_list();
    let path = dir.join("result.json");
    let matches = |p: &PublishedRangeTest| {
        p.net == net
            && p.optimizer == *optimizer
            && p.batch_size == exp.batch_size
            && p.config == config
            && p.grad_clip == exp.grad_clip
            && p.init == exp.init
            && p.layer_lr_decay == exp.layer_lr_decay
            && p.tests.seeds == seeds
    };
    let read = |path: &Path| -> Option<PublishedRangeTest> {
        serde_json::from_slice::<PublishedRangeTest>(&std::fs::read(path).ok()?).ok()
    };
    let recomputed = |p: PublishedRangeTest| RangeTests {
        repeated: Repeated {
            seeds: p.tests.seeds,
            results: p
                .tests
                .results
                .into_iter()
                .map(|r| r.recomputed())
                .collect(),
        },
        sweep: p.config,
    };
    if let Some(p) = read(&path).filter(|p| matches(p)) {
        return Ok(recomputed(p));
    }
    let tests = match data {
        RunData::Images(split) => {
            let test = NetRangeTest {
                net,
                optimizer: optimizer.clone(),
                batch_size: exp.batch_size,
                seed: seeds[0],
                eval_every: 1,
                device: exp.device,
            };
            RangeTests::run(&test, split, &config, &seeds, &mut NoPlanObserver)
        }
        RunData::Text(text) => {
            let test = TextRangeTest {
                gpt: exp.gpt_shape(),
                optimizer: optimizer.clone(),
                batch_size: exp.batch_size,
                seed: seeds[0],
                grad_clip: exp.grad_clip,
                device: exp.device,
                init: exp.init.clone(),
                layer_lr_decay: exp.layer_lr_decay,
            };
            RangeTests::run_text(&test, text, &config, &seeds, &mut NoPlanObserver)
        }
    }
    .map_err(|e| {
        let e = match e {
            PlanError::RangeTest(e) => e.to_string(),
            other => other.to_string(),
        };
        ExperimentError::RangeTest(format!("range test for {}: {e}", optimizer.name()))
    })?;
    let published = PublishedRangeTest {
        net,
        optimizer: optimizer.clone(),
        batch_size: exp.batch_size,
        config: config.clone(),
        grad_clip: exp.grad_clip,
        init: exp.init.clone(),
        layer_lr_decay: exp.layer_lr_decay,
        tests: tests.repeated,
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
    let tests = RangeTests {
        repeated: published.tests,
        sweep: config,
    };
    tests.write(dir).map_err(|e| match e {
        PlanError::Io { path, source } => ExperimentError::Io {
            context: format!("writing {}", path.display()),
            source,
        },
        other => ExperimentError::RangeTest(other.to_string()),
    })?;
    Ok(tests)
}
