//! `cyclr` / `cyclr demo`: the main job on the embedded digits dataset.
//!
//! Range test -> learning rates -> train an MLP with triangular2 (bounds from the test) and with
//! a fixed LR (the test's fixed-LR pick) -> comparison table and plots.
use std::time::Instant;

use cyclr::schedule::{Policy, ScheduleSpec};
use cyclr_burn::experiment::{Experiment, RangeTestSpec, RunSpec};
use cyclr_burn::{Activation, ModelKind, OptimizerConfig};
use cyclr_data::DatasetSpec;

use crate::args::DemoArgs;
use crate::cmd::compare::{run_experiment, write_report};
use crate::cmd::setup;
use crate::error::{CliError, Result};

fn run_spec(name: &str, step_epochs: Option<f64>, policy: Policy) -> RunSpec {
    RunSpec {
        name: name.into(),
        auto_lr: true,
        step_epochs,
        optimizer: None,
        iters: None,
        schedule: ScheduleSpec::new(policy),
        grid: None,
        grid_point: None,
        average: None,
    }
}

/// What the demo writes into its folder (a finished or an interrupted demo holds nothing else).
const DEMO_NAMES: [&str; 8] = [
    "range_test-sgd",
    "runs",
    "comparison.png",
    "comparison.svg",
    "table.md",
    "table.csv",
    "report.html",
    "results.json",
];

/// The demo replaces an earlier demo's folder (so a second `cargo run --release` works) and
/// nothing else: a folder holding other files, or another experiment's results, is refused.
fn check_own_folder(out: &std::path::Path, name: &str) -> Result<()> {
    let Ok(rd) = std::fs::read_dir(out) else {
        return Ok(());
    };
    let others: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !DEMO_NAMES.contains(&n.as_str()) && !cyclr_burn::fsio::is_temp_name(n))
        .collect();
    let experiment = cyclr_burn::experiment::results::experiment_in(out);
    let what = if !others.is_empty() {
        let mut shown = others.clone();
        shown.sort();
        shown.truncate(5);
        format!("files the demo did not write ({})", shown.join(", "))
    } else if let Some(e) = experiment.filter(|e| e != name) {
        format!("the results of the experiment {e:?}")
    } else {
        return Ok(());
    };
    Err(CliError::usage(format!(
        "--out {} holds {what}: the demo replaces only an earlier demo's folder; choose another \
         --out",
        out.display()
    )))
}

/// The demo as an experiment (what `experiments/digits-mlp.toml` spells out in a file).
pub fn experiment(iters: u64, seed: u64) -> Experiment {
    Experiment {
        name: "demo".into(),
        description: "Embedded sklearn digits (1437 train / 360 test, 8x8), MLP, SGD momentum 0.9, batch 64: \
                      triangular2 with bounds from the LR range test vs a fixed LR (the test's fixed-LR pick)."
            .into(),
        dataset: DatasetSpec::Digits,
        model: ModelKind::Mlp,
        gpt: None,
        grad_clip: None,
        init: None,
        layer_lr_decay: None,
        activation: Activation::Relu,
        batch_norm: false,
        kernels: Default::default(),
        optimizer: OptimizerConfig::default(),
        batch_size: 64,
        iters,
        eval_every: 20,
        seeds: vec![seed],
        baseline: vec!["fixed".into()],
        budgets: None,
        bn_recalibration: None,
        device: Default::default(),
        validation: None,
        range_test: RangeTestSpec {
            seed,
            ..RangeTestSpec::default()
        },
        runs: vec![
            run_spec("fixed", None, Policy::Fixed),
            run_spec("triangular2", Some(4.0), Policy::Triangular2),
        ],
    }
}

pub fn run(a: DemoArgs) -> Result<()> {
    crate::output::check_writable_dir("--out", &a.out)?;
    let iters = setup::positive("iters", a.iters)?;
    let mut exp = experiment(iters, a.seed);
    check_own_folder(&a.out, &exp.name)?;
    exp.device = setup::device_name(a.device.as_deref())?;
    setup::open_device(exp.device)?;
    let start = Instant::now();
    errln!(
        "cyclr demo: LR range test, then triangular2 vs fixed LR on the embedded digits dataset"
    );
    // A rerun of the demo into the same folder trains again (the demo is seconds long).
    let _ = std::fs::remove_dir_all(a.out.join("runs"));
    let outcomes = run_experiment(&exp, &a.out, 2, a.quiet, None)?;
    let config = toml::to_string_pretty(&exp).unwrap_or_default();
    let md = write_report(&exp, &config, &a.out, &outcomes)?.markdown;
    outln!();
    for o in outcomes
        .iter()
        .filter(|o| o.from_range_test && o.seed == a.seed)
    {
        outln!("{}: {}", o.name, o.bounds);
    }
    outln!();
    outln!("{md}");
    if let Some(line) = noise_line(&outcomes, a.seed) {
        outln!("{line}");
    }
    outln!(
        "done in {:.1} s; wrote {}/range_test-sgd/ (range_test.png, suggestions.json), comparison.png, table.md, report.html",
        start.elapsed().as_secs_f64(),
        a.out.display()
    );
    Ok(())
}

/// What the demo's one-seed difference is worth: final accuracies of the two policies apart by
/// how many test images, and whether that is more than noise (issue #18: a few images of 360
/// are within noise; a claim needs seeds).
fn noise_line(outcomes: &[cyclr_burn::RunOutcome], seed: u64) -> Option<String> {
    let of = |name: &str| {
        outcomes
            .iter()
            .find(|o| o.name == name && o.seed == seed)
            .map(|o| (o.summary.final_test_accuracy, o.test_images))
    };
    let ((fixed, n), (tri, _)) = (of("fixed")?, of("triangular2")?);
    let n = n?;
    let images = ((tri - fixed) * n as f64).round() as i64;
    let point = 100.0 / n as f64;
    Some(format!(
        "(1 seed, {n} test images: one image = {point:.2} points. triangular2 {} the fixed LR by {} \
         image{}: {}; `cyclr compare --config experiments/digits-mlp.toml` runs it with 3 seeds.)",
        if images >= 0 {
            "ends above"
        } else {
            "ends below"
        },
        images.abs(),
        if images.abs() == 1 { "" } else { "s" },
        if images.abs() <= 5 {
            "within noise, not evidence either way"
        } else {
            "more than a few images, still one seed"
        }
    ))
}
