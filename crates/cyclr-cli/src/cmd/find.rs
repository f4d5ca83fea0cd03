//! `cyclr find`: the LR range test on real data (burn), with suggestions and CLR bounds.
use std::path::Path;

use cyclr::finder::{Metric, RangeTestConfig, RangeTestResult, Sweep};
use cyclr_burn::{CyclrOptimizer, LrFindConfig, Net, NetConfig, OptimizerConfig, lr_find};
use cyclr_data::{Dataset, Split};

use crate::args::{FindArgs, FindMetric, SweepMode};
use crate::cmd::policy::flagify;
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};
use crate::output;

/// What a range test runs on.
pub struct FindSetup<'a> {
    pub split: &'a Split,
    pub net: NetConfig,
    pub optimizer: OptimizerConfig,
    pub batch_size: usize,
    pub seed: u64,
    pub eval_every: u64,
}

/// Held-out part of the training split used by the val-loss and accuracy metrics: every tenth
/// sample (the test split is never used to choose learning rates).
pub fn held_out(train: &Dataset) -> (Dataset, Dataset) {
    let (keep, held): (Vec<usize>, Vec<usize>) = (0..train.len()).partition(|i| i % 10 != 9);
    (train.subset(&keep), train.subset(&held))
}

/// Run the range test with the model and optimizer restored afterwards (fastai semantics).
pub fn run_range_test(s: &FindSetup<'_>, range: RangeTestConfig) -> Result<RangeTestResult> {
    range
        .validate()
        .map_err(|e| CliError::usage(flagify(&e.to_string())))?;
    let device = cyclr_burn::device();
    let model =
        Net::new(&s.net, s.seed, &device).map_err(|e| CliError::usage(format!("--model: {e}")))?;
    let mut optim =
        CyclrOptimizer::new(&s.optimizer).map_err(|e| CliError::usage(flagify(&e.to_string())))?;
    let metric = range.metric;
    // Train-loss mode needs no held-out set: borrow the training split (no 60k-image copy).
    let t = &s.split.train;
    let empty = Dataset {
        images: Vec::new(),
        labels: Vec::new(),
        channels: t.channels,
        height: t.height,
        width: t.width,
        num_classes: t.num_classes,
        class_names: t.class_names.clone(),
    };
    let split_off;
    let (train, val): (&Dataset, &Dataset) = if metric == Metric::TrainLoss {
        (&s.split.train, &empty)
    } else {
        split_off = held_out(&s.split.train);
        (&split_off.0, &split_off.1)
    };
    let cfg = LrFindConfig {
        range,
        batch_size: s.batch_size.min(train.len()),
        seed: s.seed,
        eval_every: s.eval_every.max(1),
        val_batches: if metric == Metric::TrainLoss { 0 } else { 8 },
    };
    let (result, _restored) = lr_find(model, &mut optim, train, val, &cfg)
        .map_err(|e| CliError::usage(format!("range test: {}", flagify(&e.to_string()))))?;
    Ok(result)
}

/// Write range_test.csv, suggestions.json and range_test.png into `out`.
pub fn write_outputs(out: &Path, title: &str, r: &RangeTestResult) -> Result<()> {
    output::write_atomic(&out.join("range_test.csv"), |w| r.write_csv(w))?;
    let json = serde_json::to_string_pretty(&r.to_json()).map_err(CliError::runtime)?;
    output::write_bytes(
        &out.join("suggestions.json"),
        format!("{json}\n").as_bytes(),
    )?;
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
    range
        .validate()
        .map_err(|e| CliError::usage(flagify(&e.to_string())))?;
    let split = setup::load(&spec)?;
    let net = NetConfig {
        kind: model,
        activation,
        batch_norm: a.setup.batch_norm,
        input: cyclr_burn::data::input_shape(&split.train),
        num_classes: split.train.num_classes,
    };
    let s = FindSetup {
        split: &split,
        net,
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
        s.optimizer.name(),
        range.metric.name(),
        iters,
        range.start_lr,
        range.end_lr
    );
    let r = run_range_test(&s, range)?;
    let title = format!(
        "LR range test: {} / {} / {}",
        split.name,
        model.name(),
        s.optimizer.name()
    );
    write_outputs(&a.out, &title, &r)?;
    out!("{}", report::suggestions_text(&r, None));
    outln!(
        "wrote {}/range_test.csv, range_test.png, suggestions.json",
        a.out.display()
    );
    Ok(())
}
