//! `cyclr train`: train a model with any cyclr policy, optionally with learning rates from a
//! range test (`--lr auto`).
use std::path::Path;
use std::time::Duration;

use cyclr::schedule::{Policy, ScheduleSpec};
use cyclr_burn::train::RunData;
use cyclr_burn::{
    EvalInfo, ModelKind, PlanError, RangeTestPlan, RangeTestRecord, RunDir, RunPlan, RunRecord,
    SavedRangeTest, StepInfo, TrainConfig, TrainObserver,
};
use cyclr_data::{DatasetSpec, Split};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::args::{TrainArgs, key_flag};
use crate::cmd::{find, policy, report, setup};
use crate::error::{CliError, Result};
use crate::{output, plot};

/// An indicatif bar: iteration, lr, smoothed loss, last test accuracy, ETA.
pub struct Progress {
    pb: ProgressBar,
    last_acc: Option<f64>,
    /// Text runs show the test loss (nats/char) instead of the accuracy.
    text: bool,
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
        Progress {
            pb,
            last_acc: None,
            text: false,
        }
    }
    /// Show the last test loss (nats/char) rather than the accuracy.
    pub fn for_text(mut self) -> Self {
        self.text = true;
        self
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
            let (name, last) = if self.text {
                (
                    "test",
                    self.last_acc.map_or("-".into(), |l| format!("{l:.4}")),
                )
            } else {
                (
                    "acc",
                    self.last_acc
                        .map_or("-".into(), |a| format!("{:.2}%", a * 100.0)),
                )
            };
            self.pb.set_message(format!(
                "lr {:.3e}  loss {:.4}  {name} {last}",
                i.lr, i.smoothed_loss
            ));
        }
    }
    fn on_eval(&mut self, e: &EvalInfo) {
        self.last_acc = Some(if self.text {
            e.test_loss
        } else {
            e.test_accuracy
        });
    }
    fn on_checkpoint_skipped(&mut self, why: &str) {
        // Said even with --quiet: the run continues from further back than the newest file.
        errln!("warning: skipped {why}; resuming from an older checkpoint");
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

/// `{"config": {key: value}}`: a part of a run record, as JSON.
fn in_config(key: &str, value: impl serde::Serialize) -> Result<Value> {
    let v = serde_json::to_value(value).map_err(CliError::runtime)?;
    Ok(serde_json::json!({ "config": { key: v } }))
}

/// Every flag given with `--resume` must agree with the run's record: each becomes the part of
/// the record it sets, compared by the library ([`RunRecord::disagreement`]); the first flag
/// that differs is named with the record's value.
fn check_agrees(a: &TrainArgs, rec: &RunRecord) -> Result<()> {
    let c = &rec.config;
    let f = &a.setup;
    let mut given: Vec<(String, String, Value)> = Vec::new();
    let mut flag = |name: &str, shown: String, part: Value| given.push((name.into(), shown, part));
    if let Some(d) = &f.dataset {
        let d = setup::dataset_spec(d)?;
        let v = serde_json::to_value(&d).map_err(CliError::runtime)?;
        flag(
            "--dataset",
            d.to_string(),
            serde_json::json!({ "dataset": v }),
        );
    }
    if let Some(m) = &f.model {
        let m = setup::model(m)?;
        flag("--model", m.name().into(), in_config("model", m)?);
    }
    if let Some(x) = &f.activation {
        let x = setup::activation(x)?;
        flag("--activation", x.to_string(), in_config("activation", x)?);
    }
    if f.batch_norm {
        flag(
            "--batch-norm",
            String::new(),
            in_config("batch_norm", true)?,
        );
    }
    if let Some(o) = &f.optimizer {
        let o = setup::optimizer(&crate::args::SetupFlags {
            optimizer: Some(o.clone()),
            ..Default::default()
        })?;
        // Only the kind: the other optimizer flags are compared below.
        let kind = serde_json::to_value(&o).map_err(CliError::runtime)?["kind"].clone();
        flag(
            "--optimizer",
            o.name().into(),
            serde_json::json!({ "config": { "optimizer": { "kind": kind } } }),
        );
    }
    if let Some(m) = f.momentum {
        // An optimizer without momentum refuses it: then it cannot agree.
        let with = c.optimizer.clone().with_momentum(m).ok();
        let part = match &with {
            Some(o) => in_config("optimizer", o)?,
            None => in_config("optimizer", Value::Null)?,
        };
        flag("--momentum", m.to_string(), part);
    }
    let with_flags = setup::apply_hyper_flags(c.optimizer.clone(), f)?;
    flag(
        "the optimizer's hyper-parameter flags",
        format!(
            "({})",
            serde_json::to_string(&with_flags).unwrap_or_default()
        ),
        in_config("optimizer", &with_flags)?,
    );
    if let Some(w) = f.weight_decay {
        flag(
            "--weight-decay",
            w.to_string(),
            in_config("optimizer", c.optimizer.clone().with_weight_decay(w))?,
        );
    }
    if let Some(b) = f.batch_size {
        flag("--batch-size", b.to_string(), in_config("batch_size", b)?);
    }
    if let Some(k) = &f.kernels {
        let k = setup::kernels(Some(k))?;
        flag("--kernels", k.to_string(), in_config("kernels", k)?);
    }
    if let Some(d) = &f.device {
        let d = setup::device_name(Some(d))?;
        flag("--device", d.to_string(), in_config("device", d)?);
    }
    if let Some(s) = f.seed {
        flag("--seed", s.to_string(), in_config("seed", s)?);
    }
    if let Some(i) = a.iters {
        flag("--iters", i.to_string(), in_config("iters", i)?);
    }
    if let Some(e) = a.eval_every {
        flag("--eval-every", e.to_string(), in_config("eval_every", e)?);
    }
    if a.average.average.is_some() {
        let avg = setup::average(&a.average)?;
        flag(
            "--average",
            avg.as_ref().map(|x| x.describe()).unwrap_or_default(),
            in_config("average", &avg)?,
        );
    }
    let policy = c.schedule.policy();
    if let Some(p) = a.policy {
        flag(
            "--policy",
            p.to_string(),
            serde_json::json!({ "config": { "schedule": { "policy": p.to_string() } } }),
        );
    }
    for (name, shown, part) in &given {
        if let Some(d) = rec.disagreement(part) {
            // The record's value, said as the flag would say it.
            let run = match name.as_str() {
                "--batch-norm" => "no batch norm".to_string(),
                "--optimizer" => c.optimizer.name().to_string(),
                "--momentum" => c
                    .optimizer
                    .default_momentum()
                    .map_or("another momentum".into(), |v| v.to_string()),
                "--weight-decay" => c.optimizer.weight_decay().to_string(),
                "--average" => c
                    .average
                    .as_ref()
                    .map_or("no averaging".into(), |x| x.describe()),
                "the optimizer's hyper-parameter flags" => {
                    serde_json::to_string(&c.optimizer).unwrap_or_default()
                }
                _ => match &d.recorded {
                    Value::Null => "none".to_string(),
                    Value::String(v) => v.clone(),
                    v => v.to_string(),
                },
            };
            return Err(disagree(name, shown, run, &a.out));
        }
    }
    // Policy flags: each one given must equal the trained schedule's value (compared as specs:
    // the record holds the resolved schedule).
    let (spec, auto) = policy::spec_from_flags(ScheduleSpec::new(policy), &a.flags)?;
    if auto && c.lr_origin.is_none() {
        return Err(disagree(
            "--lr",
            "auto",
            "learning rates that were given",
            &a.out,
        ));
    }
    let ran = serde_json::to_value(ScheduleSpec::from(&c.schedule)).map_err(CliError::runtime)?;
    let want = serde_json::to_value(&spec).map_err(CliError::runtime)?;
    let keys: serde_json::Map<String, Value> = spec
        .given_keys()
        .into_iter()
        .map(|k| (k.to_string(), want[k].clone()))
        .collect();
    if let Some(d) = cyclr_burn::train::first_difference_in("", &Value::Object(keys), &ran) {
        let run = if d.recorded.is_null() {
            "none".into()
        } else {
            d.recorded.to_string()
        };
        return Err(disagree(&key_flag(&d.path), &d.given, run, &a.out));
    }
    if let (Some(s), Some(o)) = (&a.range.range_seeds, &c.lr_origin) {
        let seeds = find::parse_seeds("--range-seeds", s)?;
        if seeds != o.seeds {
            return Err(disagree(
                "--range-seeds",
                s,
                format!("{:?}", o.seeds),
                &a.out,
            ));
        }
    }
    Ok(())
}

pub fn run(a: TrainArgs) -> Result<()> {
    output::check_writable_dir("--out", &a.out)?;
    let dir = RunDir::new(&a.out);
    let record = dir
        .record()
        .map_err(|e| CliError::usage(format!("--out: {e}")))?;
    if a.resume {
        if let Some(rec) = record {
            check_agrees(&a, &rec)?;
            let mut cfg = rec.config.clone();
            cfg.out_dir = Some(a.out.clone());
            if let Some(k) = a.checkpoint_every {
                cfg.checkpoint_every = Some(setup::positive("checkpoint-every", k)?);
            }
            // A finished run: nothing to train, and its outputs stay as they are.
            if dir.is_finished(&cfg) {
                errln!(
                    "--resume: the run in {} is finished ({} iterations); nothing to train, its \
                     outputs are kept as they are",
                    a.out.display(),
                    cfg.iters
                );
                return Ok(());
            }
            setup::open_device(cfg.device)?;
            let split = load_run_data(&rec.dataset)?;
            dir.remove_stale_temps();
            if dir.has_no_checkpoint() {
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
    } else if let Some(what) = dir
        .holds()
        .map_err(|e| CliError::usage(format!("--out: {e}")))?
    {
        if !a.overwrite {
            return Err(CliError::usage(format!(
                "--out {} holds {what}: continue it with `cyclr train --resume --out {}`, or \
                 pass --overwrite to replace it (or choose another --out)",
                a.out.display(),
                a.out.display()
            )));
        }
        dir.clear()
            .map_err(|e| CliError::runtime(format!("--overwrite: {e}")))?;
    }
    let (cfg, split, dataset) = new_run(&a)?;
    RunRecord {
        dataset: dataset.absolute(),
        config: cfg.clone(),
        data: match &split {
            RunData::Images(s) => Some(cyclr_burn::train::DataRecord::of(s)),
            RunData::Text(_) => None,
        },
    }
    .write(&a.out)
    .map_err(|e| report::train_error(e, &a.out))?;
    execute(&a, cfg, &split, a.resume)
}

/// Load what a run trains on ([`RunData`]): text for `text:FILE` and `shakespeare`, images
/// otherwise; bad data is the user's to fix (exit 2).
pub fn load_run_data(spec: &DatasetSpec) -> Result<RunData> {
    Ok(if spec.is_text() {
        RunData::Text(setup::load_text(spec)?)
    } else {
        RunData::Images(setup::load(spec)?)
    })
}

/// Build a new run's configuration from the flags: the library's [`RunPlan`] (the range test
/// for `--lr auto`), its errors named as flags.
fn new_run(a: &TrainArgs) -> Result<(TrainConfig, RunData, DatasetSpec)> {
    let mut s = setup::resolve(&a.setup)?;
    let text = s.dataset.is_text();
    if text && a.setup.model.is_none() {
        s.model = ModelKind::Gpt;
    }
    if s.model == ModelKind::Gpt && a.setup.batch_size.is_none() {
        s.batch_size = setup::GPT_DEFAULT_BATCH_SIZE;
    }
    if s.model == ModelKind::Gpt && !text {
        return Err(CliError::usage(format!(
            "--model gpt trains on text: --dataset shakespeare (embedded) or text:FILE, not {}",
            s.dataset
        )));
    }
    let gpt = setup::gpt_shape(&a.gpt, s.model)?;
    let clip = setup::grad_clip(a.gpt.grad_clip)?;
    let init = setup::init_dir(&a.gpt, s.model)?;
    let layer_lr_decay = setup::layer_lr_decay(&a.gpt, s.model)?;
    let average = setup::average(&a.average)?;
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
    let policy_name = a.policy.unwrap_or(if s.optimizer.default_lr().is_some() {
        Policy::Fixed
    } else {
        Policy::Triangular2
    });
    let (spec, auto) = policy::spec_from_flags(ScheduleSpec::new(policy_name), &a.flags)?;
    // --lr-from DIR: the rates of a range test saved there (checked against this run below).
    let saved = match &a.range.lr_from {
        Some(dir) => Some(
            SavedRangeTest::read(dir)
                .map_err(|e| CliError::usage(format!("--lr-from {}: {e}", dir.display())))?,
        ),
        None => None,
    };
    let auto = auto || saved.is_some();
    let sweep = find::sweep_for(
        a.range.range_start_lr,
        a.range.range_end_lr,
        a.range.range_iters,
        a.range.range_sweep_warmup,
        "range-",
    )?;
    let seeds = match &a.range.range_seeds {
        Some(x) => find::parse_seeds("--range-seeds", x)?,
        None => vec![s.seed],
    };
    let mut plan = RunPlan {
        model: s.model,
        activation: s.activation,
        batch_norm: s.batch_norm,
        kernels: s.kernels,
        device: s.device,
        optimizer: s.optimizer.clone(),
        batch_size: s.batch_size,
        seed: s.seed,
        iters,
        eval_every,
        checkpoint_every: Some(checkpoint_every),
        schedule: spec,
        auto_lr: auto,
        range_test: RangeTestPlan { sweep, seeds },
        reuse: None,
        gpt,
        grad_clip: clip,
        init,
        layer_lr_decay,
        average,
    };
    // Everything that needs no data, before loading it.
    plan.check()
        .map_err(|e| train_plan_error(e, &plan, a.policy.is_some()))?;
    if text {
        let data = setup::load_text(&s.dataset)?;
        if let Some(shape) = &plan.gpt {
            setup::announce_init(plan.init.as_deref(), shape, &data)?;
        }
        RunDir::new(&a.out).remove_stale_temps();
        let record = plan.text_record(&data, s.dataset.absolute());
        if let (Some(saved), Some(dir)) = (&saved, &a.range.lr_from) {
            plan.reuse = Some(reused(saved, dir, &record)?);
        }
        let mut shown = find::RangeTestReport {
            title: "LR range test (--lr auto)".into(),
            quiet: a.quiet,
            announce: true,
        };
        let ready = plan
            .prepare_text(&data, Some(&a.out), &mut shown)
            .map_err(|e| train_plan_error(e, &plan, a.policy.is_some()))?;
        let mut ready = ready;
        save_tests(&mut ready, record, a)?;
        say_choices(&ready);
        if let (Some(_), Some(tests)) = (&ready.config.lr_origin, &ready.range_tests) {
            errln!(
                "note: --lr auto on text: {}",
                find::gpt_rule_note(&tests.repeated)
            );
        }
        return Ok((ready.config, RunData::Text(data), s.dataset));
    }
    let split = setup::load(&s.dataset)?;
    RunDir::new(&a.out).remove_stale_temps();
    // The data's fit to the model and the batch size, before a range test runs or run.json is
    // written.
    let net = plan
        .net(&split)
        .map_err(|e| train_plan_error(e, &plan, a.policy.is_some()))?;
    setup::fit_data(&mut s, a.setup.batch_size.is_some(), &split)?;
    plan.batch_size = s.batch_size;
    // What this run's range test is (or would be): the record a saved one must match.
    let record = RangeTestRecord {
        dataset: s.dataset.absolute(),
        net,
        optimizer: plan.optimizer.clone(),
        batch_size: plan.batch_size,
        sweep: plan.range_test.sweep.clone(),
        seeds: plan.range_test.seeds.clone(),
        gpt: None,
        init: None,
        layer_lr_decay: None,
    };
    if let (Some(saved), Some(dir)) = (&saved, &a.range.lr_from) {
        plan.reuse = Some(reused(saved, dir, &record)?);
    }
    for w in plan.warnings(&split) {
        errln!("warning: --iters {iters}: {w}");
    }
    let mut shown = find::RangeTestReport {
        title: "LR range test (--lr auto)".into(),
        quiet: a.quiet,
        announce: true,
    };
    let ready = plan
        .prepare(&split, Some(&a.out), &mut shown)
        .map_err(|e| train_plan_error(e, &plan, a.policy.is_some()))?;
    let mut ready = ready;
    save_tests(&mut ready, record, a)?;
    say_choices(&ready);
    Ok((ready.config, RunData::Images(split), s.dataset))
}

/// `--lr-from DIR`: the saved range test, if it ran on this run's setup (`record`); refused
/// (exit 2) naming the first difference.
fn reused(
    saved: &SavedRangeTest,
    dir: &Path,
    record: &RangeTestRecord,
) -> Result<cyclr_burn::RangeTests> {
    if let Some(d) = saved.mismatch(record) {
        return Err(CliError::usage(format!(
            "--lr-from {}: its range test ran on another setup than this run ({d}); run `cyclr \
             find` with this run's flags, or train with --lr auto",
            dir.display()
        )));
    }
    errln!(
        "--lr-from {}: the range test of {} (seeds {:?}), not run again",
        dir.display(),
        saved.record.describe(),
        saved.tests.seeds
    );
    Ok(saved.range_tests())
}

/// The range tests a run used, saved beside its files so that a later run can reuse them
/// (`--lr-from`), and where they came from when reused.
fn save_tests(
    ready: &mut cyclr_burn::ReadyRun,
    record: RangeTestRecord,
    a: &TrainArgs,
) -> Result<()> {
    if let Some(tests) = &ready.range_tests {
        SavedRangeTest {
            record: RangeTestRecord {
                seeds: tests.repeated.seeds.clone(),
                ..record
            },
            tests: tests.repeated.clone(),
        }
        .write(&a.out)
        .map_err(|e| report::train_error(e, &a.out))?;
    }
    if let (Some(origin), Some(dir)) = (&mut ready.config.lr_origin, &a.range.lr_from) {
        origin.from = Some(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()));
    }
    Ok(())
}

/// Where the schedule's rates came from: the range test's rule and warnings (`--lr auto`), or
/// the values the user did not give.
fn say_choices(ready: &cyclr_burn::ReadyRun) {
    let r = &ready.resolved;
    if let Some(origin) = &ready.config.lr_origin {
        errln!("--lr auto: {}", r.describe(key_flag));
        errln!("--lr auto rule: {}", origin.rates.rule);
        for w in &origin.rates.warnings {
            errln!("warning: {w}");
        }
    } else {
        say_defaults(r);
    }
}

/// The schedule's values the user did not give: the optimizer's default lr, a step size.
fn say_defaults(r: &cyclr::schedule::Resolved) {
    use cyclr::schedule::Source;
    let default = r
        .choices
        .iter()
        .find(|c| c.source == Source::OptimizerDefault);
    let step = r
        .choices
        .iter()
        .find(|c| c.key == "step_size" && c.source != Source::Given);
    for c in default.into_iter().chain(step) {
        errln!("{}", c.describe(key_flag));
    }
}

/// A run plan's error as the command line's: keys and sweep settings named as `train`'s flags.
fn train_plan_error(e: PlanError, plan: &RunPlan, policy_given: bool) -> CliError {
    match e {
        // The policy was not asked for: say which it is and how to get a constant rate.
        PlanError::Schedule(e) if !policy_given && plan.schedule.policy != Policy::Fixed => {
            let m = policy::spec_error(plan.schedule.policy, &e).to_string();
            CliError::usage(format!(
                "{m} ({} is the default policy; for a constant learning rate give --policy fixed)",
                plan.schedule.policy
            ))
        }
        PlanError::NoRangeTest { optimizer, why } => {
            CliError::usage(format!("--lr auto with --optimizer {optimizer}: {why}"))
        }
        PlanError::Schedule(e) => policy::spec_error(plan.schedule.policy, &e),
        PlanError::Optimizer(e) => policy::param_error(&e),
        PlanError::Average(e) => setup::average_error(&e),
        PlanError::Seeds(m) => CliError::usage(format!("--range-seeds: {m}")),
        PlanError::NoRates(why) => CliError::runtime(format!(
            "--lr auto: the range test gives no learning rates: {why}. Give them explicitly, or \
             run `cyclr find` to see the curve"
        )),
        e => find::plan_error(e, "range-"),
    }
}

/// Train `cfg` on `data`, draw the curves and print the result.
fn execute(a: &TrainArgs, cfg: TrainConfig, data: &RunData, resume: bool) -> Result<()> {
    match data {
        RunData::Images(split) => execute_images(a, cfg, split, resume),
        RunData::Text(text) => execute_text(a, cfg, text, resume),
    }
}

/// A GPT on text: [`cyclr_burn::train::train_text`], its loss in nats and bits per character.
fn execute_text(
    a: &TrainArgs,
    cfg: TrainConfig,
    text: &cyclr_data::TextSplit,
    resume: bool,
) -> Result<()> {
    let shape = cfg.gpt.unwrap_or_default();
    let gpt = shape.config(text.vocab.len());
    errln!("data: {}", text.source);
    errln!(
        "training gpt ({} layers, {} heads, width {}, context {}, dropout {}, bias {}: {:.2}M \
         parameters by nanoGPT's count) on {} ({} train / {} test characters, {} distinct), {}, \
         {} for {} iterations, batch {} ({} characters a step){}",
        shape.layers,
        shape.heads,
        shape.width,
        shape.context,
        shape.dropout,
        shape.bias,
        gpt.num_params_nanogpt() as f64 / 1e6,
        text.name,
        text.train.len(),
        text.test.len(),
        text.vocab.len(),
        cfg.optimizer.name(),
        cfg.schedule.name(),
        cfg.iters,
        cfg.batch_size,
        cfg.batch_size * shape.context,
        cfg.grad_clip.map_or(String::new(), |c| format!(
            ", gradients clipped to norm {c}"
        ))
    );
    if let cyclr_burn::OptimizerConfig::Adam(c) = &cfg.optimizer
        && !c.decay_vectors
        && c.weight_decay > 0.0
    {
        errln!(
            "weight decay {} on the matrices and embeddings only, none on biases and LayerNorm \
             weights (nanoGPT's two parameter groups)",
            c.weight_decay
        );
    }
    let mut bar = Progress::new(cfg.iters, cfg.schedule.name(), a.quiet).for_text();
    let res = cyclr_burn::train::train_text(&cfg, text, &mut bar, resume, None);
    bar.finish();
    let (summary, _) = res.map_err(|e| report::train_error(e, &a.out))?;
    finish(
        a,
        &cfg,
        &summary,
        &format!(
            "{} / gpt / {} / {}",
            text.name,
            cfg.optimizer.name(),
            cfg.schedule.name()
        ),
        None,
    )
}

/// Curves, interruption, divergence, "did not learn", and the printed summary of a run.
fn finish(
    a: &TrainArgs,
    cfg: &TrainConfig,
    summary: &cyclr_burn::TrainSummary,
    title: &str,
    classes: Option<usize>,
) -> Result<()> {
    let mut curves = if summary.final_test_bits_per_char.is_some() {
        report::text_run_curves(cfg.schedule.name(), &summary.metrics)
    } else {
        report::run_curves(cfg.schedule.name(), &summary.metrics)
    };
    curves.events = report::run_events(summary, None);
    let live = report::live_curves(cfg.schedule.name(), &summary.metrics, curves.metric);
    if live.is_some() {
        curves.name = format!("{}, averaged", cfg.schedule.name());
    }
    let all: Vec<_> = std::iter::once(curves).chain(live).collect();
    for ext in ["png", "svg"] {
        let p = a.out.join(format!("curves.{ext}"));
        output::plot_atomic(&p, |tmp| plot::runs(tmp, title, &all, None))?;
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
        let hint = match classes {
            Some(k) => format!(
                "The learning rate was too low to move the weights, or so high that they settled \
                 on the class prior: look at the training loss in metrics.csv (stuck at \
                 ln(classes) = {:.3}?) and try another --lr, or --lr auto",
                (k as f64).ln()
            ),
            None => "The learning rate was too low to move the weights, or so high that the \
                     model settled on the characters' frequencies: look at the training loss in \
                     metrics.csv and try another --lr"
                .into(),
        };
        return Err(CliError::runtime(format!(
            "the run {why}; {} holds it (metrics.csv, summary.json with \"did_not_learn\"). {hint}",
            a.out.display(),
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
            match (summary.final_test_bits_per_char, summary.chars_per_s) {
                (Some(bpc), Some(cps)) => outln!(
                    "final test loss {:.4} nats/char ({bpc:.4} bits/char; best {:.4}), \
                     next-character accuracy {:.2}%, {} iterations, {:.1} s, {cps:.0} chars/s",
                    summary.final_test_loss,
                    summary.best_test_loss.unwrap_or(f64::NAN),
                    summary.final_test_accuracy * 100.0,
                    summary.iterations,
                    summary.wall_time_s,
                ),
                _ => outln!(
                    "final test accuracy {:.2}% (best {:.2}%), test loss {:.4}, {} iterations, {:.1} s, {:.0} img/s",
                    summary.final_test_accuracy * 100.0,
                    summary.best_test_accuracy * 100.0,
                    summary.final_test_loss,
                    summary.iterations,
                    summary.wall_time_s,
                    summary.images_per_s
                ),
            }
            if let (Some(avg), Some(n)) = (&cfg.average, summary.averaged_models) {
                outln!(
                    "averaged {n} model{} ({}): the figures above are the average's; the live \
                     model's: test loss {:.4}, accuracy {:.2}%",
                    if n == 1 { "" } else { "s" },
                    avg.describe(),
                    summary.final_live_test_loss.unwrap_or(f64::NAN),
                    summary.final_live_test_accuracy.unwrap_or(f64::NAN) * 100.0
                );
            }
            outln!(
                "wrote {}/metrics.csv, summary.json, curves.png, curves.svg, run.json",
                a.out.display()
            );
        }
    }
    Ok(())
}

/// Images (or CSV rows): [`cyclr_burn::train`].
fn execute_images(a: &TrainArgs, cfg: TrainConfig, split: &Split, resume: bool) -> Result<()> {
    let per_epoch = cyclr_burn::data::steps_per_epoch(split.train.len(), cfg.batch_size);
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
    let title = format!(
        "{} / {} / {} / {}",
        split.name,
        cfg.model.name(),
        cfg.optimizer.name(),
        cfg.schedule.name()
    );
    finish(a, &cfg, &summary, &title, Some(split.test.num_classes))
}
