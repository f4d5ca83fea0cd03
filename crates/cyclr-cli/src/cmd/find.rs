//! `cyclr find`: the LR range test on real data (burn), with suggestions and learning rates for
//! each use.
use std::path::Path;

use cyclr::finder::{Metric, RangeTestConfig, RangeTestResult, Sweep};
use cyclr_burn::{LrFindError, NetConfig, NetRangeTest};
use cyclr_data::Split;

use crate::args::{FindArgs, FindMetric, SweepMode, key_flag};
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};

/// A range-test parameter error, named as its flag (`num_it` is `--iters`).
pub fn range_error(e: &cyclr::ParamError) -> CliError {
    let flag = match e.param.as_str() {
        "num_it" => "--iters".to_string(),
        k => key_flag(k),
    };
    CliError::usage(format!("invalid {flag} = {}: {}", e.value, e.valid))
}

/// Run a range test on a fresh network, mapping its errors to the CLI's.
pub fn run_test(
    test: &NetRangeTest,
    split: &Split,
    range: RangeTestConfig,
) -> Result<RangeTestResult> {
    test.run(split, range).map_err(|e| match e {
        LrFindError::Param(p) => range_error(&p),
        LrFindError::Model(m) => CliError::usage(format!("--model: {m}")),
        LrFindError::Config(m) => CliError::usage(format!("range test: {m}")),
        other => CliError::runtime(format!("range test: {other}")),
    })
}

/// Write range_test.csv, suggestions.json and range_test.png into `out`.
pub fn write_outputs(out: &Path, title: &str, r: &RangeTestResult) -> Result<()> {
    cyclr_burn::lr_find::write_results(out, r)
        .map_err(|e| CliError::runtime(format!("cannot write into {}: {e}", out.display())))?;
    report::plot_range_test(&out.join("range_test.png"), title, r)
}

pub fn run(a: FindArgs) -> Result<()> {
    let spec = setup::dataset_spec(&a.setup.dataset)?;
    let model = setup::model(&a.setup.model)?;
    let activation = setup::activation(&a.setup.activation)?;
    let optimizer = setup::optimizer(&a.setup)?;
    let batch_size = setup::batch_size(a.setup.batch_size)?;
    let iters = setup::positive("iters", a.iters)?;
    let eval_every = setup::positive("eval-every", a.eval_every)?;
    let range = RangeTestConfig {
        start_lr: a.start_lr,
        end_lr: a.end_lr,
        num_it: iters as usize,
        sweep: match a.mode {
            SweepMode::Exp => Sweep::Exponential,
            SweepMode::Linear => Sweep::Linear,
        },
        metric: match a.metric {
            FindMetric::Loss => Metric::TrainLoss,
            FindMetric::ValLoss => Metric::ValLoss,
            FindMetric::Accuracy => Metric::Accuracy,
        },
        ..RangeTestConfig::default()
    };
    range.validate().map_err(|e| range_error(&e))?;
    let split = setup::load(&spec)?;
    let test = NetRangeTest {
        net: NetConfig {
            kind: model,
            activation,
            batch_norm: a.setup.batch_norm,
            input: cyclr_burn::data::input_shape(&split.train),
            num_classes: split.train.num_classes,
        },
        optimizer,
        batch_size,
        seed: a.setup.seed,
        eval_every,
    };
    eprintln!(
        "range test: {} on {} ({} train images), {} {}, {} iterations, lr {:e} -> {:e}",
        model.name(),
        split.name,
        split.train.len(),
        test.optimizer.name(),
        range.metric.name(),
        iters,
        range.start_lr,
        range.end_lr
    );
    let r = run_test(&test, &split, range)?;
    let title = format!(
        "LR range test: {} / {} / {}",
        split.name,
        model.name(),
        test.optimizer.name()
    );
    write_outputs(&a.out, &title, &r)?;
    out!("{}", report::suggestions_text(&r, None));
    outln!(
        "wrote {}/range_test.csv, range_test.png, suggestions.json",
        a.out.display()
    );
    Ok(())
}
