//! `cyclr train`: train a model with any cyclr policy, optionally with bounds from a range test.
use std::time::Duration;

use cyclr::finder::{RangeTestConfig, RangeTestResult};
use cyclr_burn::{EvalInfo, NetConfig, StepInfo, TrainConfig, TrainObserver};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::args::{PolicyName, TrainArgs};
use crate::cmd::find::{FindSetup, run_range_test, write_outputs};
use crate::cmd::policy::{config_from_object, flagify, policy_object};
use crate::cmd::{report, setup};
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

/// Fill a policy's missing LR bounds from a range test; returns the sentence saying what was
/// chosen and why.
pub fn fill_bounds(
    policy: PolicyName,
    obj: &mut serde_json::Map<String, Value>,
    r: &RangeTestResult,
) -> Result<String> {
    let b = r.bounds.as_ref().ok_or_else(|| {
        CliError::runtime(format!(
            "--lr auto: the range test recorded {} points ({}), too few to recommend bounds; \
             give the learning rates explicitly or widen --start-lr/--end-lr",
            r.recorded_points(),
            r.stop_reason
        ))
    })?;
    let mut set = |k: &str, v: f64| {
        obj.entry(k.to_string()).or_insert(json!(v));
    };
    use PolicyName as P;
    let why = match policy {
        P::Triangular | P::Triangular2 | P::ExpRange | P::Welch | P::Hann => {
            set("base_lr", b.base_lr);
            set("max_lr", b.max_lr);
            format!(
                "base_lr = {:.4e}, max_lr = {:.4e} ({})",
                b.base_lr, b.max_lr, b.rule
            )
        }
        P::OneCycle => {
            set("max_lr", b.one_cycle_max_lr);
            format!(
                "max_lr = {:.4e} (one-cycle: {})",
                b.one_cycle_max_lr, b.rule
            )
        }
        P::Sgdr => {
            set("max_lr", b.max_lr);
            set("min_lr", b.base_lr);
            format!(
                "max_lr = {:.4e}, min_lr = {:.4e} ({})",
                b.max_lr, b.base_lr, b.rule
            )
        }
        P::Fixed => {
            let v = r.suggestions.valley.as_ref().map_or(b.base_lr, |s| s.lr);
            set("lr", v);
            format!("lr = {v:.4e} (fastai's valley suggestion, its default)")
        }
        P::Step | P::Multistep | P::Exp | P::Inv | P::Poly | P::Sigmoid => {
            set("lr", b.max_lr);
            format!(
                "lr = {:.4e}, decaying from the range test's max_lr ({})",
                b.max_lr, b.rule
            )
        }
    };
    Ok(why)
}

/// The paper's step size (2-10 epochs; 4 here) when none is given, keeping a full cycle in the run.
pub fn default_step_size(
    policy: PolicyName,
    obj: &mut serde_json::Map<String, Value>,
    per_epoch: u64,
    iters: u64,
) -> Option<String> {
    use PolicyName as P;
    if matches!(
        policy,
        P::Triangular | P::Triangular2 | P::ExpRange | P::Welch | P::Hann
    ) && !obj.contains_key("step_size")
    {
        let s = (4 * per_epoch).min(iters / 2).max(1);
        obj.insert("step_size".into(), json!(s));
        return Some(format!(
            "step_size = {s} iterations (4 epochs as the paper recommends 2-10, at most half the run)"
        ));
    }
    None
}

pub fn run(a: TrainArgs) -> Result<()> {
    let spec = setup::dataset_spec(&a.setup.dataset)?;
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
    let auto = a
        .flags
        .lr
        .as_deref()
        .map(str::trim)
        .is_some_and(|s| s.eq_ignore_ascii_case("auto"));
    let mut flags = a.flags.clone();
    if auto {
        flags.lr = None;
    }
    let mut obj = policy_object(a.policy, &flags)?;
    // Validate everything that does not need data before loading it.
    if !auto {
        let probe = obj.clone();
        let cfg = config_from_object(probe)?;
        cfg.build(iters).map_err(|e| {
            CliError::usage(format!(
                "{}: {}",
                a.policy.as_str(),
                flagify(&e.to_string())
            ))
        })?;
    }
    let split = setup::load(&spec)?;
    output::remove_stale_temps(&a.out);
    let net = NetConfig {
        kind: model,
        activation,
        batch_norm: a.setup.batch_norm,
        input: cyclr_burn::data::input_shape(&split.train),
        num_classes: split.train.num_classes,
    };
    let per_epoch = (split.train.len() / batch_size.min(split.train.len())).max(1) as u64;
    let mut notes = Vec::new();
    if let Some(n) = default_step_size(a.policy, &mut obj, per_epoch, iters) {
        notes.push(n);
    }
    let mut hint = None;
    if auto {
        let s = FindSetup {
            split: &split,
            net,
            optimizer: optimizer.clone(),
            batch_size,
            seed: a.setup.seed,
            eval_every: 1,
        };
        eprintln!(
            "--lr auto: running the LR range test first (fastai defaults: 1e-7 -> 10, 100 iterations)"
        );
        let r = run_range_test(&s, RangeTestConfig::default())?;
        write_outputs(&a.out, "LR range test (--lr auto)", &r)?;
        let why = fill_bounds(a.policy, &mut obj, &r)?;
        if let Some(b) = &r.bounds {
            hint = Some(format!(
                "the range test put max_lr at {:.4e} (loss minimum at {:.4e})",
                b.max_lr,
                b.max_lr * 10.0
            ));
        }
        notes.push(format!("--lr auto: {why}"));
    }
    for n in &notes {
        eprintln!("{n}");
    }
    let schedule = config_from_object(obj)?;
    let cfg = TrainConfig {
        model,
        activation,
        batch_norm: a.setup.batch_norm,
        optimizer,
        schedule,
        iters,
        batch_size,
        eval_every,
        seed: a.setup.seed,
        checkpoint_every: Some(checkpoint_every),
        out_dir: Some(a.out.clone()),
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
    let (summary, err) = match res {
        Ok(s) => (s, None),
        Err(cyclr_burn::TrainError::Diverged {
            iteration,
            lr,
            loss,
            partial,
        }) => {
            let e = cyclr_burn::TrainError::Diverged {
                iteration,
                lr,
                loss,
                partial: partial.clone(),
            };
            (*partial, Some(e))
        }
        Err(e) => return Err(report::train_error(e, &a.out, hint.as_deref())),
    };
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
            plot::runs(tmp, &title, std::slice::from_ref(&curves))
        })?;
    }
    if let Some(e) = err {
        return Err(report::train_error(e, &a.out, hint.as_deref()));
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
