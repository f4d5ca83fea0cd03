//! `cyclr train`: train a model with any cyclr policy, optionally with learning rates from a
//! range test (`--lr auto`).
use std::time::Duration;

use cyclr::schedule::{Auto, Policy, RunShape, ScheduleSpec};
use cyclr_burn::{EvalInfo, NetConfig, NetRangeTest, StepInfo, TrainConfig, TrainObserver};
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
        self.pb.println(format!(
            "resuming at iteration {next} from {}",
            path.display()
        ));
    }
}

pub fn run(a: TrainArgs) -> Result<()> {
    let spec_ds = setup::dataset_spec(&a.setup.dataset)?;
    let model = setup::model(&a.setup.model)?;
    let activation = setup::activation(&a.setup.activation)?;
    let optimizer = setup::optimizer(&a.setup)?;
    let batch_size = setup::batch_size(a.setup.batch_size)?;
    let iters = setup::positive("iters", a.iters)?;
    let eval_every = setup::positive("eval-every", a.eval_every)?;
    let checkpoint_every = match a.checkpoint_every {
        Some(k) => setup::positive("checkpoint-every", k)?,
        None => eval_every,
    };
    let policy_name = a.policy.unwrap_or(Policy::Triangular2);
    let (spec, auto) = policy::spec_from_flags(ScheduleSpec::new(policy_name), &a.flags)?;
    // Check everything that needs no data before loading it (stand-in rates under --lr auto).
    let probe = RunShape {
        iters,
        iters_per_epoch: Some(1),
        step_epochs: None,
    };
    policy::resolve(&spec, &probe, if auto { Auto::Pending } else { Auto::Off })?;
    let split = setup::load(&spec_ds)?;
    output::remove_stale_temps(&a.out);
    let net = NetConfig {
        kind: model,
        activation,
        batch_norm: a.setup.batch_norm,
        input: cyclr_burn::data::input_shape(&split.train),
        num_classes: split.train.num_classes,
    };
    let per_epoch = (split.train.len() / batch_size.min(split.train.len())).max(1) as u64;
    let shape = RunShape {
        iters,
        iters_per_epoch: Some(per_epoch),
        step_epochs: None,
    };
    let mut origin = None;
    let resolved = if auto {
        let test = NetRangeTest {
            net,
            optimizer: optimizer.clone(),
            batch_size,
            seed: a.setup.seed,
            eval_every: 1,
        };
        let seeds = match &a.range.range_seeds {
            Some(s) => find::parse_seeds("--range-seeds", s)?,
            None => vec![a.setup.seed],
        };
        let range = find::sweep(
            a.range.range_start_lr,
            a.range.range_end_lr,
            a.range.range_iters,
        )?;
        eprintln!(
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
        let rep = find::run_tests(&test, &split, &range, &seeds)?;
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
        let r = policy::resolve(&spec, &shape, Auto::Filled(&b))?;
        eprintln!("--lr auto: {}", r.describe(key_flag));
        eprintln!("--lr auto rule: {}", b.rule);
        for w in &b.warnings {
            eprintln!("warning: {w}");
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
        });
        r
    } else {
        let r = policy::resolve(&spec, &shape, Auto::Off)?;
        if let Some(c) = r
            .choices
            .iter()
            .find(|c| c.key == "step_size" && c.source != cyclr::schedule::Source::Given)
        {
            eprintln!("{}", c.describe(key_flag));
        }
        r
    };
    let cfg = TrainConfig {
        model,
        activation,
        batch_norm: a.setup.batch_norm,
        optimizer,
        schedule: resolved.config.clone(),
        iters,
        batch_size,
        eval_every,
        seed: a.setup.seed,
        checkpoint_every: Some(checkpoint_every),
        out_dir: Some(a.out.clone()),
        lr_origin: origin,
    };
    eprintln!(
        "training {} on {} ({} train / {} test), {}, {} for {} iterations ({:.1} epochs), batch {}",
        model.name(),
        split.name,
        split.train.len(),
        split.test.len(),
        cfg.optimizer.name(),
        cfg.schedule.name(),
        iters,
        iters as f64 / per_epoch as f64,
        batch_size
    );
    let mut bar = Progress::new(iters, cfg.schedule.name(), a.quiet);
    let res = cyclr_burn::train(&cfg, &split, &mut bar, a.resume);
    bar.finish();
    let summary = res.map_err(|e| report::train_error(e, &a.out))?;
    let curves = report::run_curves(cfg.schedule.name(), &summary.metrics);
    let title = format!(
        "{} / {} / {} / {}",
        split.name,
        model.name(),
        cfg.optimizer.name(),
        cfg.schedule.name()
    );
    for ext in ["png", "svg"] {
        let p = a.out.join(format!("curves.{ext}"));
        output::plot_atomic(&p, |tmp| {
            plot::runs(tmp, &title, std::slice::from_ref(&curves), None)
        })?;
    }
    if let Some(d) = &summary.diverged {
        return Err(report::diverged(d, &a.out, auto));
    }
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
        "wrote {}/metrics.csv, summary.json, curves.png, curves.svg",
        a.out.display()
    );
    Ok(())
}
