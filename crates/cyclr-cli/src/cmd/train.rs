//! `cyclr train`: train a model with any cyclr policy, optionally with learning rates from a
//! range test (`--lr auto`).
use std::path::{Path, PathBuf};
use std::time::Duration;

use cyclr::schedule::{Auto, Policy, RunShape, ScheduleSpec};
use cyclr_burn::{
    EvalInfo, NetConfig, NetRangeTest, RunRecord, StepInfo, TrainConfig, TrainObserver,
};
use cyclr_data::{DatasetSpec, Split};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{TrainArgs, key_flag};
use crate::cmd::{find, policy, report, setup};
use crate::error::{CliError, Result};
use crate::{output, plot};

/// An indicatif bar: iteration, lr, smoothed loss, last test accuracy, ETA.
pub struct Progress {
    pb: ProgressBar,
    last_acc: Option<f64>,
}

impl Progress {
    pub fn new(iters: u64, prefix: &str, quiet: bool) -> Self {
        let pb = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(iters)
        };
        pb.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{elapsed_precise}] {bar:28.cyan/blue} {pos:>6}/{len} it  {msg}  ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.set_prefix(prefix.to_string());
        pb.enable_steady_tick(Duration::from_millis(250));
        Progress { pb, last_acc: None }
    }
    pub fn finish(&self) {
        self.pb.finish_and_clear();
    }
    /// Draw this bar as one line of a multi-bar display (parallel runs).
    pub fn attach(&mut self, multi: &indicatif::MultiProgress) {
        let pb = std::mem::replace(&mut self.pb, ProgressBar::hidden());
        if !pb.is_hidden() {
            self.pb = multi.add(pb);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.pb.finish_and_clear();
    }
}

impl TrainObserver for Progress {
    fn on_step(&mut self, i: &StepInfo) {
        self.pb.set_position(i.iteration + 1);
        if i.iteration.is_multiple_of(5) || i.iteration + 1 == i.iters {
            let acc = self
                .last_acc
                .map_or("-".into(), |a| format!("{:.2}%", a * 100.0));
            self.pb.set_message(format!(
                "lr {:.3e}  loss {:.4}  acc {acc}",
                i.lr, i.smoothed_loss
            ));
        }
    }
    fn on_eval(&mut self, e: &EvalInfo) {
        self.last_acc = Some(e.test_accuracy);
    }
    fn on_resume(&mut self, next: u64, path: &std::path::Path) {
        self.pb.set_position(next);
        // Said even with --quiet: where a run continues is part of its record.
        errln!("resuming at iteration {next} from {}", path.display());
    }
    fn should_stop(&mut self) -> bool {
        crate::STOP.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The files of a run directory (what `--overwrite` deletes; anything else in it is kept).
fn is_run_file(name: &str) -> bool {
    matches!(
        name,
        "run.json"
            | "metrics.csv"
            | "summary.json"
            | "curves.png"
            | "curves.svg"
            | "range_test.csv"
            | "range_test.png"
            | "suggestions.json"
    ) || (name.starts_with("ckpt-") && name.ends_with(".cyclr"))
        || cyclr_burn::fsio::is_temp_name(name)
}

fn is_seed_dir(name: &str) -> bool {
    name.strip_prefix("seed")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The run files in `dir` (empty when it does not exist).
fn run_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            is_run_file(&n) || (is_seed_dir(&n) && e.path().join("range_test.csv").exists())
        })
        .map(|e| e.path())
        .collect()
}

/// A flag given with `--resume` that disagrees with the run's record.
fn disagree(
    flag: &str,
    given: impl std::fmt::Display,
    run: impl std::fmt::Display,
    out: &Path,
) -> CliError {
    CliError::usage(format!(
        "{flag} {given}: the run in {} has {run}; a resumed run keeps its configuration (train \
         into another --out to change it)",
        out.display()
    ))
}

/// Every flag given with `--resume` must agree with the run's record.
fn check_agrees(a: &TrainArgs, rec: &RunRecord) -> Result<()> {
    let c = &rec.config;
    let f = &a.setup;
    let out = &a.out;
    if let Some(d) = &f.dataset {
        let d = setup::dataset_spec(d)?;
        if d != rec.dataset {
            return Err(disagree("--dataset", &d, &rec.dataset, out));
        }
    }
    if let Some(m) = &f.model {
        let m = setup::model(m)?;
        if m != c.model {
            return Err(disagree("--model", m.name(), c.model.name(), out));
        }
    }
    if let Some(x) = &f.activation {
        let x = setup::activation(x)?;
        if x != c.activation {
            return Err(disagree("--activation", x, c.activation, out));
        }
    }
    if f.batch_norm && !c.batch_norm {
        return Err(disagree("--batch-norm", "", "no batch norm", out));
    }
    if let Some(o) = &f.optimizer {
        let o = setup::optimizer(&crate::args::SetupFlags {
            optimizer: Some(o.clone()),
            ..Default::default()
        })?;
        if o.name() != c.optimizer.name() {
            return Err(disagree("--optimizer", o.name(), c.optimizer.name(), out));
        }
    }
    if let Some(m) = f.momentum
        && c.optimizer.clone().with_momentum(m).ok().as_ref() != Some(&c.optimizer)
    {
        let run = c
            .optimizer
            .default_momentum()
            .map_or("another momentum".into(), |v| v.to_string());
        return Err(disagree("--momentum", m, run, out));
    }
    let with_flags = setup::apply_hyper_flags(c.optimizer.clone(), f)?;
    if with_flags != c.optimizer {
        return Err(disagree(
            "the optimizer's hyper-parameter flags",
            format!(
                "({})",
                serde_json::to_string(&with_flags).unwrap_or_default()
            ),
            serde_json::to_string(&c.optimizer).unwrap_or_default(),
            out,
        ));
    }
    if let Some(w) = f.weight_decay
        && w != c.optimizer.weight_decay()
    {
        return Err(disagree(
            "--weight-decay",
            w,
            c.optimizer.weight_decay(),
            out,
        ));
    }
    if let Some(b) = f.batch_size
        && u64::try_from(b).ok() != Some(c.batch_size as u64)
    {
        return Err(disagree("--batch-size", b, c.batch_size, out));
    }
    if let Some(k) = &f.kernels {
        let k = setup::kernels(Some(k))?;
        if k != c.kernels {
            return Err(disagree("--kernels", k, c.kernels, out));
        }
    }
    if let Some(d) = &f.device {
        let d = setup::device_name(Some(d))?;
        if d != c.device {
            return Err(disagree("--device", d, c.device, out));
        }
    }
    if let Some(s) = f.seed
        && s != c.seed
    {
        return Err(disagree("--seed", s, c.seed, out));
    }
    if let Some(i) = a.iters
        && u64::try_from(i).ok() != Some(c.iters)
    {
        return Err(disagree("--iters", i, c.iters, out));
    }
    if let Some(e) = a.eval_every
        && u64::try_from(e).ok() != Some(c.eval_every)
    {
        return Err(disagree("--eval-every", e, c.eval_every, out));
    }
    let policy = c.schedule.policy();
    if let Some(p) = a.policy
        && p != policy
    {
        return Err(disagree("--policy", p, policy, out));
    }
    // Policy flags: each one given must equal the trained schedule's value.
    let (given, auto) = policy::spec_from_flags(ScheduleSpec::new(policy), &a.flags)?;
    if auto && c.lr_origin.is_none() {
        return Err(disagree(
            "--lr",
            "auto",
            "learning rates that were given",
            out,
        ));
    }
    let ran = serde_json::to_value(ScheduleSpec::from(&c.schedule)).map_err(CliError::runtime)?;
    let want = serde_json::to_value(&given).map_err(CliError::runtime)?;
    for k in given.given_keys() {
        if ran.get(k) != want.get(k) {
            let run = ran.get(k).map_or("none".into(), |v| v.to_string());
            return Err(disagree(&key_flag(k), &want[k], run, out));
        }
    }
    if let (Some(s), Some(o)) = (&a.range.range_seeds, &c.lr_origin) {
        let seeds = find::parse_seeds("--range-seeds", s)?;
        if seeds != o.seeds {
            return Err(disagree("--range-seeds", s, format!("{:?}", o.seeds), out));
        }
    }
    Ok(())
}

pub fn run(a: TrainArgs) -> Result<()> {
    output::check_writable_dir("--out", &a.out)?;
    let record = RunRecord::read(&a.out).map_err(|e| CliError::usage(format!("--out: {e}")))?;
    if a.resume {
        if let Some(rec) = record {
            check_agrees(&a, &rec)?;
            let mut cfg = rec.config.clone();
            cfg.out_dir = Some(a.out.clone());
            if let Some(k) = a.checkpoint_every {
                cfg.checkpoint_every = Some(setup::positive("checkpoint-every", k)?);
            }
            // A finished run: nothing to train, and its outputs stay as they are.
            let newest = cyclr_burn::checkpoint::list(&a.out)
                .ok()
                .and_then(|l| l.first().map(|c| c.0));
            if newest == Some(cfg.iters) && a.out.join("summary.json").is_file() {
                errln!(
                    "--resume: the run in {} is finished ({} iterations); nothing to train, its \
                     outputs are kept as they are",
                    a.out.display(),
                    cfg.iters
                );
                return Ok(());
            }
            setup::open_device(cfg.device)?;
            let split = setup::load(&rec.dataset)?;
            output::remove_stale_temps(&a.out);
            if cyclr_burn::checkpoint::list(&a.out).is_ok_and(|l| l.is_empty()) {
                errln!(
                    "--resume: no checkpoint in {} yet: training the run from its start",
                    a.out.display()
                );
            }
            return execute(&a, cfg, &split, true);
        }
        if a.iters.is_none() {
            return Err(CliError::usage(format!(
                "--resume: there is no run to resume in {} (no {}); start one with its flags \
                 (at least --iters)",
                a.out.display(),
                RunRecord::FILE
            )));
        }
        errln!(
            "--resume: there is no run in {} yet (no {}): starting it",
            a.out.display(),
            RunRecord::FILE
        );
    } else {
        let existing = run_files(&a.out);
        if !existing.is_empty() {
            if !a.overwrite {
                let what = match &record {
                    Some(r) => format!(
                        "a {} run of {} iterations",
                        r.config.schedule.name(),
                        r.config.iters
                    ),
                    None => "the outputs of another run".into(),
                };
                return Err(CliError::usage(format!(
                    "--out {} holds {what}: continue it with `cyclr train --resume --out {}`, or \
                     pass --overwrite to replace it (or choose another --out)",
                    a.out.display(),
                    a.out.display()
                )));
            }
            for p in existing {
                let res = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
                res.map_err(|e| {
                    CliError::runtime(format!("--overwrite: cannot remove {}: {e}", p.display()))
                })?;
            }
        }
    }
    let (cfg, split, dataset) = new_run(&a)?;
    RunRecord {
        dataset: dataset.absolute(),
        config: cfg.clone(),
        data: Some(cyclr_burn::train::DataRecord::of(&split)),
    }
    .write(&a.out)
    .map_err(|e| report::train_error(e, &a.out))?;
    execute(&a, cfg, &split, a.resume)
}

/// Build a new run's configuration from the flags (running the range test for `--lr auto`).
fn new_run(a: &TrainArgs) -> Result<(TrainConfig, Split, DatasetSpec)> {
    let s = setup::resolve(&a.setup)?;
    setup::open_device(s.device)?;
    let iters = setup::positive(
        "iters",
        a.iters
            .ok_or_else(|| CliError::usage("--iters is required (the run's length)"))?,
    )?;
    let eval_every = setup::positive(
        "eval-every",
        a.eval_every
            .unwrap_or(cyclr_burn::train::DEFAULT_EVAL_EVERY as i64),
    )?;
    let checkpoint_every = match a.checkpoint_every {
        Some(k) => setup::positive("checkpoint-every", k)?,
        None => eval_every,
    };
    // A learning-rate-free optimizer runs at its package's default lr, with no schedule
    // (fixed), unless told otherwise.
    let lr_free = s.optimizer.default_lr();
    let policy_name = a.policy.unwrap_or(if lr_free.is_some() {
        Policy::Fixed
    } else {
        Policy::Triangular2
    });
    let (spec, auto) = policy::spec_from_flags(ScheduleSpec::new(policy_name), &a.flags)?;
    if auto && let Some(why) = s.optimizer.range_test_refusal() {
        return Err(CliError::usage(format!(
            "--lr auto with --optimizer {}: {why}",
            s.optimizer.name()
        )));
    }
    // Check everything that needs no data before loading it (stand-in rates under --lr auto).
    let probe = RunShape {
        iters,
        iters_per_epoch: Some(1),
        step_epochs: None,
    };
    let probed = policy::resolve(
        &spec,
        &probe,
        if auto { Auto::Pending } else { Auto::Off },
        lr_free,
    )?;
    s.optimizer
        .check_schedule(&probed.config)
        .map_err(|e| policy::param_error(&e))?;
    let range = find::sweep_for(
        a.range.range_start_lr,
        a.range.range_end_lr,
        a.range.range_iters,
        "range-",
    )?;
    range
        .validate()
        .map_err(|e| find::range_error_for(&e, "range-"))?;
    let seeds = match &a.range.range_seeds {
        Some(x) => find::parse_seeds("--range-seeds", x)?,
        None => vec![s.seed],
    };
    let split = setup::load(&s.dataset)?;
    output::remove_stale_temps(&a.out);
    let net = NetConfig {
        kind: s.model,
        activation: s.activation,
        batch_norm: s.batch_norm,
        input: cyclr_burn::data::input_shape(&split.train),
        num_classes: split.train.num_classes,
        kernels: s.kernels,
    };
    // The data's fit to the model and the batch size, before a range test runs or run.json is
    // written.
    cyclr_burn::Net::new(&net, 0, &burn::tensor::Device::flex())
        .map_err(|e| CliError::usage(format!("--model: {e}")))?;
    let mut s = s;
    setup::fit_data(&mut s, a.setup.batch_size.is_some(), &split)?;
    let per_epoch = (split.train.len() / s.batch_size.min(split.train.len())).max(1) as u64;
    let shape = RunShape {
        iters,
        iters_per_epoch: Some(per_epoch),
        step_epochs: None,
    };
    let mut origin = None;
    let resolved = if auto {
        let test = NetRangeTest {
            net,
            optimizer: s.optimizer.clone(),
            batch_size: s.batch_size,
            seed: s.seed,
            eval_every: 1,
            device: s.device,
        };
        errln!(
            "--lr auto: running the LR range test first ({:e} -> {:e}, {} iterations{})",
            range.start_lr,
            range.end_lr,
            range.num_it,
            if seeds.len() > 1 {
                format!(", once per seed {seeds:?}")
            } else {
                String::new()
            }
        );
        let rep = find::run_tests(&test, &split, &range, &seeds, a.quiet)?;
        let title = "LR range test (--lr auto)";
        let (bounds, why_none) = if seeds.len() == 1 {
            let r = &rep.results[0];
            find::write_outputs(&a.out, title, r)?;
            (r.bounds.clone(), r.bounds_note.clone().unwrap_or_default())
        } else {
            let summary = find::write_repeated(&a.out, title, &rep)?;
            (
                summary.bounds,
                "fewer than half of the tests gave learning rates".to_string(),
            )
        };
        let b = bounds.ok_or_else(|| {
            CliError::runtime(format!(
                "--lr auto: the range test gives no learning rates: {why_none}. Give them \
                 explicitly, or run `cyclr find` to see the curve"
            ))
        })?;
        let r = policy::resolve(&spec, &shape, Auto::Filled(&b), None)?;
        errln!("--lr auto: {}", r.describe(key_flag));
        errln!("--lr auto rule: {}", b.rule);
        for w in &b.warnings {
            errln!("warning: {w}");
        }
        origin = Some(cyclr_burn::LrOrigin {
            choices: r
                .choices
                .iter()
                .map(|c| c.describe(|k| k.to_string()))
                .collect(),
            rates: b.clone(),
            suggestions: rep.results[0].suggestions,
            seeds,
            sweep: range,
        });
        r
    } else {
        let r = policy::resolve(&spec, &shape, Auto::Off, lr_free)?;
        if let Some(c) = r
            .choices
            .iter()
            .find(|c| c.source == cyclr::schedule::Source::OptimizerDefault)
        {
            errln!("{}", c.describe(key_flag));
        }
        if let Some(c) = r
            .choices
            .iter()
            .find(|c| c.key == "step_size" && c.source != cyclr::schedule::Source::Given)
        {
            errln!("{}", c.describe(key_flag));
        }
        r
    };
    let cfg = TrainConfig {
        model: s.model,
        activation: s.activation,
        batch_norm: s.batch_norm,
        optimizer: s.optimizer,
        schedule: resolved.config.clone(),
        iters,
        batch_size: s.batch_size,
        eval_every,
        seed: s.seed,
        checkpoint_every: Some(checkpoint_every),
        out_dir: Some(a.out.clone()),
        lr_origin: origin,
        kernels: s.kernels,
        bn_recalibration: None,
        device: s.device,
    };
    Ok((cfg, split, s.dataset))
}

/// Train `cfg` on `split`, draw the curves and print the result.
fn execute(a: &TrainArgs, cfg: TrainConfig, split: &Split, resume: bool) -> Result<()> {
    let per_epoch = (split.train.len() / cfg.batch_size.min(split.train.len())).max(1) as u64;
    errln!(
        "training {} on {} ({} train / {} test), {}, {} for {} iterations ({:.1} epochs), batch {}",
        cfg.model.name(),
        split.name,
        split.train.len(),
        split.test.len(),
        cfg.optimizer.name(),
        cfg.schedule.name(),
        cfg.iters,
        cfg.iters as f64 / per_epoch as f64,
        cfg.batch_size
    );
    let mut bar = Progress::new(cfg.iters, cfg.schedule.name(), a.quiet);
    let res = cyclr_burn::train(&cfg, split, &mut bar, resume);
    bar.finish();
    let summary = res.map_err(|e| report::train_error(e, &a.out))?;
    let mut curves = report::run_curves(cfg.schedule.name(), &summary.metrics);
    curves.events = report::run_events(&summary, None);
    let title = format!(
        "{} / {} / {} / {}",
        split.name,
        cfg.model.name(),
        cfg.optimizer.name(),
        cfg.schedule.name()
    );
    for ext in ["png", "svg"] {
        let p = a.out.join(format!("curves.{ext}"));
        output::plot_atomic(&p, |tmp| {
            plot::runs(tmp, &title, std::slice::from_ref(&curves), None)
        })?;
    }
    if summary.interrupted {
        return Err(CliError::Interrupted(format!(
            "interrupted after iteration {} of {}: the checkpoint, metrics.csv and summary.json \
             are written; continue with: cyclr train --resume --out {}",
            summary.iterations,
            cfg.iters,
            a.out.display()
        )));
    }
    if let Some(d) = &summary.diverged {
        return Err(report::diverged(
            d,
            &a.out,
            cfg.lr_origin.is_some(),
            &cfg.optimizer,
        ));
    }
    if let Some(why) = &summary.did_not_learn {
        return Err(CliError::runtime(format!(
            "the run {why}; {} holds it (metrics.csv, summary.json with \"did_not_learn\"). The \
             learning rate was too low to move the weights, or so high that they settled on the \
             class prior: look at the training loss in metrics.csv (stuck at ln(classes) = {:.3}?) \
             and try another --lr, or --lr auto",
            a.out.display(),
            (split.test.num_classes as f64).ln()
        )));
    }
    match a.format {
        crate::args::TextOrJson::Json => {
            let mut s = summary.clone();
            s.metrics.clear();
            outln!(
                "{}",
                serde_json::to_string_pretty(&s).map_err(CliError::runtime)?
            );
        }
        crate::args::TextOrJson::Text => {
            outln!(
                "final test accuracy {:.2}% (best {:.2}%), test loss {:.4}, {} iterations, {:.1} s, {:.0} img/s",
                summary.final_test_accuracy * 100.0,
                summary.best_test_accuracy * 100.0,
                summary.final_test_loss,
                summary.iterations,
                summary.wall_time_s,
                summary.images_per_s
            );
            outln!(
                "wrote {}/metrics.csv, summary.json, curves.png, curves.svg, run.json",
                a.out.display()
            );
        }
    }
    Ok(())
}
