//! `cyclr compare`: several policies x seeds on one dataset/model/optimizer, from an experiment
//! TOML file; writes the paper's Table 1 for this data (Markdown + CSV), an overlay plot of test
//! accuracy (the paper's Figure 1) with the LR schedules beneath, and a self-contained
//! `report.html`.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use cyclr::compare::{PolicySummary, RunCurve, mean_curve, summarize};
use cyclr::finder::{RangeTestConfig, RangeTestResult};
use cyclr_burn::{NetConfig, OptimizerConfig, TrainConfig, TrainSummary};
use indicatif::MultiProgress;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::args::{CompareArgs, PolicyName};
use crate::cmd::find::{FindSetup, run_range_test, write_outputs};
use crate::cmd::policy::{config_from_object, flagify};
use crate::cmd::train::Progress;
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};
use crate::{output, plot};

fn default_batch_size() -> usize {
    128
}
fn default_eval_every() -> u64 {
    100
}
fn default_seeds() -> Vec<u64> {
    vec![0]
}

/// An experiment file (see `experiments/`). Unknown keys are errors.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Short name (also the default output folder).
    pub name: String,
    /// What the experiment shows.
    #[serde(default)]
    pub description: String,
    /// `digits`, `fashion-mnist[:DIR]`, `mnist:DIR`, `cifar10:DIR`.
    pub dataset: String,
    /// `mlp`, `lenet`, `cifar10-quick`, `cifar10-full`, `resnet`.
    pub model: String,
    /// `relu` or `sigmoid`.
    #[serde(default = "default_activation")]
    pub activation: String,
    /// Batch norm after every hidden layer.
    #[serde(default)]
    pub batch_norm: bool,
    /// Optimizer of every run (a run may override it).
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Iterations of every run (a run may override it).
    pub iters: u64,
    #[serde(default = "default_eval_every")]
    pub eval_every: u64,
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    /// Name of the run whose mean final accuracy the others must reach.
    pub baseline: String,
    /// Range test used by runs with `auto_lr = true` (one per distinct optimizer).
    #[serde(default)]
    pub range_test: RangeTestSpec,
    /// The runs (`[[run]]` tables).
    #[serde(rename = "run")]
    pub runs: Vec<RunSpec>,
}

fn default_activation() -> String {
    "relu".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RangeTestSpec {
    pub start_lr: f64,
    pub end_lr: f64,
    pub iters: usize,
    pub seed: u64,
}

impl Default for RangeTestSpec {
    fn default() -> Self {
        RangeTestSpec {
            start_lr: 1e-7,
            end_lr: 10.0,
            iters: 100,
            seed: 0,
        }
    }
}

/// One policy of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Row name in the table.
    pub name: String,
    /// Fill the policy's missing LR bounds from the range test (see `cyclr train --lr auto`).
    #[serde(default)]
    pub auto_lr: bool,
    /// Step size in epochs (cyclical policies), instead of `step_size` in iterations.
    #[serde(default)]
    pub step_epochs: Option<f64>,
    /// Override of the experiment's optimizer.
    #[serde(default)]
    pub optimizer: Option<OptimizerConfig>,
    /// Override of the experiment's iterations.
    #[serde(default)]
    pub iters: Option<u64>,
    /// The policy, with the same keys as `cyclr schedule`'s flags (snake_case).
    pub schedule: Map<String, Value>,
}

/// Read and check an experiment file (usage errors name the file and the key).
pub fn load_experiment(path: &Path) -> Result<Experiment> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--config {}: cannot read: {e}", path.display())))?;
    let exp: Experiment = toml::from_str(&text)
        .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))?;
    check_experiment(&exp)
        .map_err(|m| CliError::usage(format!("--config {}: {m}", path.display())))?;
    Ok(exp)
}

fn check_experiment(e: &Experiment) -> std::result::Result<(), String> {
    if e.runs.is_empty() {
        return Err("no [[run]] tables: give at least the baseline run".into());
    }
    if !e.runs.iter().any(|r| r.name == e.baseline) {
        let names: Vec<&str> = e.runs.iter().map(|r| r.name.as_str()).collect();
        return Err(format!(
            "baseline = {:?} is not the name of a run (runs: {})",
            e.baseline,
            names.join(", ")
        ));
    }
    let mut seen = Vec::new();
    for r in &e.runs {
        if seen.contains(&r.name.as_str()) {
            return Err(format!("two runs are named {:?}", r.name));
        }
        seen.push(&r.name);
        if r.name.is_empty()
            || !r
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(format!(
                "run name {:?}: use letters, digits, '-', '_' or '.'",
                r.name
            ));
        }
        if r.schedule.get("policy").and_then(Value::as_str).is_none() {
            return Err(format!("run {:?}: schedule needs a `policy` key", r.name));
        }
        if let Some(s) = r.step_epochs
            && !(s.is_finite() && s > 0.0)
        {
            return Err(format!("run {:?}: step_epochs = {s}: must be > 0", r.name));
        }
    }
    if e.seeds.is_empty() {
        return Err("seeds = []: give at least one seed".into());
    }
    if e.iters == 0 || e.batch_size == 0 || e.eval_every == 0 {
        return Err("iters, batch_size and eval_every must be >= 1".into());
    }
    setup::dataset_spec(&e.dataset).map_err(|x| x.to_string())?;
    setup::model(&e.model).map_err(|x| x.to_string())?;
    setup::activation(&e.activation).map_err(|x| x.to_string())?;
    Ok(())
}

/// One finished run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOutcome {
    pub name: String,
    pub seed: u64,
    pub bounds: String,
    pub schedule: Value,
    pub summary: TrainSummary,
    pub diverged: Option<String>,
}

/// (run index, seed, outcome) of one training job.
type Finished = (
    usize,
    u64,
    std::result::Result<TrainSummary, cyclr_burn::TrainError>,
);

struct Job {
    run: usize,
    seed: u64,
    cfg: TrainConfig,
}

/// Run an experiment; returns the outcomes in (run, seed) order.
pub fn run_experiment(
    exp: &Experiment,
    out: &Path,
    jobs: usize,
    quiet: bool,
) -> Result<Vec<RunOutcome>> {
    let spec = setup::dataset_spec(&exp.dataset)?;
    let model = setup::model(&exp.model)?;
    let activation = setup::activation(&exp.activation)?;
    let split = setup::load(&spec)?;
    let per_epoch = (split.train.len() / exp.batch_size.min(split.train.len())).max(1) as u64;
    let net = NetConfig {
        kind: model,
        activation,
        batch_norm: exp.batch_norm,
        input: cyclr_burn::data::input_shape(&split.train),
        num_classes: split.train.num_classes,
    };
    // Range tests, one per distinct optimizer that an auto_lr run uses.
    let mut tests: Vec<(OptimizerConfig, RangeTestResult)> = Vec::new();
    let mut bounds_text: Vec<String> = Vec::new();
    let mut schedules: Vec<Value> = Vec::new();
    let mut prepared = Vec::new();
    for r in &exp.runs {
        let optimizer = r.optimizer.clone().unwrap_or_else(|| exp.optimizer.clone());
        optimizer
            .validate()
            .map_err(|e| CliError::usage(format!("run {:?}: optimizer: {e}", r.name)))?;
        let iters = r.iters.unwrap_or(exp.iters);
        let mut obj = r.schedule.clone();
        let policy_name = obj
            .get("policy")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(se) = r.step_epochs {
            obj.insert(
                "step_size".into(),
                json!(((se * per_epoch as f64).round() as u64).max(1)),
            );
        }
        let mut how = "given".to_string();
        if r.auto_lr {
            let idx = match tests.iter().position(|(o, _)| *o == optimizer) {
                Some(i) => i,
                None => {
                    let s = FindSetup {
                        split: &split,
                        net,
                        optimizer: optimizer.clone(),
                        batch_size: exp.batch_size,
                        seed: exp.range_test.seed,
                        eval_every: 1,
                    };
                    let rt = RangeTestConfig {
                        start_lr: exp.range_test.start_lr,
                        end_lr: exp.range_test.end_lr,
                        num_it: exp.range_test.iters,
                        ..RangeTestConfig::default()
                    };
                    eprintln!("range test for {} ...", optimizer.name());
                    let res = run_range_test(&s, rt)?;
                    let dir = out.join(format!("range_test-{}", optimizer.name()));
                    let title = format!(
                        "LR range test: {} / {} / {}",
                        split.name,
                        model.name(),
                        optimizer.name()
                    );
                    write_outputs(&dir, &title, &res)?;
                    tests.push((optimizer.clone(), res));
                    tests.len() - 1
                }
            };
            let policy: PolicyName =
                clap::ValueEnum::from_str(&policy_name, true).map_err(|_| {
                    CliError::usage(format!("run {:?}: unknown policy {policy_name:?}", r.name))
                })?;
            how = format!(
                "range test: {}",
                crate::cmd::train::fill_bounds(policy, &mut obj, &tests[idx].1)?
            );
        }
        let schedule = config_from_object(obj.clone())
            .map_err(|e| CliError::usage(format!("run {:?}: {e}", r.name)))?;
        schedule.build(iters).map_err(|e| {
            CliError::usage(format!("run {:?}: {}", r.name, flagify(&e.to_string())))
        })?;
        bounds_text.push(how);
        schedules.push(serde_json::to_value(&schedule).unwrap_or(Value::Null));
        prepared.push((optimizer, iters, schedule));
    }
    let mut queue: Vec<Job> = Vec::new();
    for (i, r) in exp.runs.iter().enumerate() {
        for &seed in &exp.seeds {
            let (optimizer, iters, schedule) = prepared[i].clone();
            queue.push(Job {
                run: i,
                seed,
                cfg: TrainConfig {
                    model,
                    activation,
                    batch_norm: exp.batch_norm,
                    optimizer,
                    schedule,
                    iters,
                    batch_size: exp.batch_size,
                    eval_every: exp.eval_every,
                    seed,
                    checkpoint_every: None,
                    out_dir: Some(out.join("runs").join(format!("{}-seed{seed}", r.name))),
                },
            });
        }
    }
    let total = queue.len();
    eprintln!(
        "{}: {} runs ({} policies x {} seeds) on {} / {}, {} iterations each ({:.1} epochs), {} at a time",
        exp.name,
        total,
        exp.runs.len(),
        exp.seeds.len(),
        split.name,
        model.name(),
        exp.iters,
        exp.iters as f64 / per_epoch as f64,
        jobs
    );
    queue.reverse();
    let queue = Mutex::new(queue);
    let results: Mutex<Vec<Finished>> = Mutex::new(Vec::new());
    let multi = if quiet {
        MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    std::thread::scope(|sc| {
        for _ in 0..jobs.max(1).min(total) {
            sc.spawn(|| {
                loop {
                    let job = queue.lock().expect("queue").pop();
                    let Some(job) = job else { break };
                    let name = &exp.runs[job.run].name;
                    let mut bar =
                        Progress::new(job.cfg.iters, &format!("{name}/s{}", job.seed), quiet);
                    bar_attach(&multi, &mut bar);
                    let res = cyclr_burn::train(&job.cfg, &split, &mut bar, false);
                    bar.finish();
                    results
                        .lock()
                        .expect("results")
                        .push((job.run, job.seed, res));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(r, s, _)| (*r, exp.seeds.iter().position(|x| x == s)));
    let mut outcomes = Vec::new();
    for (run, seed, res) in results {
        let name = exp.runs[run].name.clone();
        let (summary, diverged) = match res {
            Ok(s) => (s, None),
            Err(cyclr_burn::TrainError::Diverged {
                iteration,
                lr,
                loss,
                partial,
            }) => (
                *partial,
                Some(format!(
                    "diverged at iteration {iteration} (lr {lr:.3e}, loss {loss})"
                )),
            ),
            Err(e) => return Err(report::train_error(e, out, None)),
        };
        outcomes.push(RunOutcome {
            name,
            seed,
            bounds: bounds_text[run].clone(),
            schedule: schedules[run].clone(),
            summary,
            diverged,
        });
    }
    Ok(outcomes)
}

fn bar_attach(multi: &MultiProgress, bar: &mut Progress) {
    bar.attach(multi);
}

/// Accuracy curves as `RunCurve`s for the core's comparison statistics.
pub fn curves(outcomes: &[RunOutcome]) -> Vec<RunCurve> {
    outcomes
        .iter()
        .map(|o| RunCurve {
            policy: o.name.clone(),
            seed: o.seed,
            evals: o
                .summary
                .metrics
                .iter()
                .filter_map(|m| m.test_accuracy.map(|a| (m.iteration + 1, a)))
                .collect(),
            wall_time_s: o.summary.wall_time_s,
            iterations: o.summary.iterations,
        })
        .collect()
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2}", x * 100.0)
    } else {
        "-".into()
    }
}

/// The comparison table as Markdown.
pub fn table_markdown(
    exp: &Experiment,
    target: f64,
    rows: &[PolicySummary],
    outcomes: &[RunOutcome],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| policy | LR bounds (how found) | iterations | final test acc. % (mean ± std, {} seed{}) | iterations to {:.2}% (baseline final) | ratio to baseline | wall time / run |",
        exp.seeds.len(),
        if exp.seeds.len() == 1 { "" } else { "s" },
        target * 100.0
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let bounds = outcomes
            .iter()
            .find(|o| o.name == r.policy)
            .map(bounds_cell)
            .unwrap_or_default();
        let reach = match r.iterations_to_baseline {
            Some(i) if r.reached == r.seeds => format!("{i:.0}"),
            Some(i) => format!("{i:.0} ({}/{} seeds)", r.reached, r.seeds),
            None => "not reached".into(),
        };
        let ratio = r
            .ratio_to_baseline
            .map_or("-".into(), |x| format!("{x:.2}"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} ± {} | {} | {} | {:.1} s |",
            r.policy,
            bounds,
            r.iterations,
            pct(r.final_accuracy_mean),
            pct(r.final_accuracy_std),
            reach,
            ratio,
            r.wall_time_mean_s
        );
    }
    s
}

fn bounds_cell(o: &RunOutcome) -> String {
    let sch = o.schedule.as_object();
    let get = |k: &str| sch.and_then(|m| m.get(k)).and_then(Value::as_f64);
    let policy = sch
        .and_then(|m| m.get("policy"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    let lrs = match (get("base_lr"), get("max_lr"), get("lr"), get("min_lr")) {
        (Some(b), Some(m), _, _) => format!("{b:.2e} .. {m:.2e}"),
        (_, Some(m), _, Some(lo)) => format!("{lo:.2e} .. {m:.2e}"),
        (_, Some(m), _, _) => format!("max {m:.2e}"),
        (_, _, Some(l), _) => format!("{l:.2e}"),
        _ => "-".into(),
    };
    let how = if o.bounds.starts_with("range test") {
        "range test"
    } else {
        "given"
    };
    format!("{policy}: {lrs} ({how})")
}

/// CSV rows of the table.
pub fn table_csv(rows: &[PolicySummary]) -> String {
    let mut s = String::from(
        "policy,seeds,iterations,final_accuracy_mean,final_accuracy_std,iterations_to_baseline,reached,ratio_to_baseline,wall_time_mean_s\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{}",
            r.policy,
            r.seeds,
            r.iterations,
            r.final_accuracy_mean,
            r.final_accuracy_std,
            opt(r.iterations_to_baseline),
            r.reached,
            opt(r.ratio_to_baseline),
            r.wall_time_mean_s
        );
    }
    s
}

/// Mean test-accuracy curve per policy, and seed 0's LR schedule, for the overlay plot.
pub fn overlay_curves(
    exp_runs: &[String],
    outcomes: &[RunOutcome],
    curves_: &[RunCurve],
) -> Vec<plot::RunCurves> {
    exp_runs
        .iter()
        .filter_map(|name| {
            let rs: Vec<&RunCurve> = curves_.iter().filter(|c| &c.policy == name).collect();
            let first = outcomes.iter().find(|o| &o.name == name)?;
            let mut c = report::run_curves(name, &first.summary.metrics);
            c.accuracy = mean_curve(&rs)
                .into_iter()
                .map(|(t, a)| (t as f64, a))
                .collect();
            Some(c)
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown table -> HTML table (the table we generate: header, separator, rows).
fn md_table_html(md: &str) -> String {
    let mut h = String::from("<table>\n");
    for (i, line) in md.lines().filter(|l| l.starts_with('|')).enumerate() {
        if i == 1 {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let tag = if i == 0 { "th" } else { "td" };
        h.push_str("<tr>");
        for c in cells {
            let _ = write!(h, "<{tag}>{}</{tag}>", html_escape(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h
}

/// A self-contained HTML report: table, inline SVG plot, the exact config.
pub fn report_html(
    exp: &Experiment,
    config_text: &str,
    table_md: &str,
    svg: &str,
    notes: &str,
) -> String {
    let svg_body = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cyclr compare: {name}</title>
<style>
body {{ font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1150px; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: .2em; }} .sub {{ color: #666; margin-top: 0; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35em .7em; text-align: right; }}
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) {{ text-align: left; }}
th {{ background: #f4f6f8; }} tr:hover td {{ background: #fafbfc; }}
pre {{ background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 13px; }}
.plot svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>cyclr compare: {name}</h1>
<p class="sub">{desc}</p>
<h2>Results</h2>
{table}
<p>{notes}</p>
<h2>Test accuracy (mean over seeds), training loss and learning rate</h2>
<div class="plot">{svg}</div>
<h2>Configuration</h2>
<pre>{config}</pre>
<p class="sub">Generated by cyclr {version}.</p>
</body></html>
"#,
        name = html_escape(&exp.name),
        desc = html_escape(&exp.description),
        table = md_table_html(table_md),
        notes = html_escape(notes),
        svg = svg_body,
        config = html_escape(config_text),
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Write every output of a finished comparison into `out`; returns the Markdown table.
pub fn write_report(
    exp: &Experiment,
    config_text: &str,
    out: &Path,
    outcomes: &[RunOutcome],
) -> Result<String> {
    let cs = curves(outcomes);
    let (target, rows) = summarize(&cs, &exp.baseline).ok_or_else(|| {
        CliError::runtime(format!(
            "no run of the baseline {:?} finished",
            exp.baseline
        ))
    })?;
    let md = table_markdown(exp, target, &rows, outcomes);
    let mut notes = format!(
        "Iterations to reach the baseline's final accuracy: the first evaluation (every {} iterations) at which a run's test accuracy is at least the baseline ({}) mean final accuracy, averaged over the seeds that reached it; ratio = that / the baseline's iterations (the paper: 25,000 / 70,000 = 0.36 on CIFAR-10).",
        exp.eval_every, exp.baseline
    );
    for o in outcomes {
        if let Some(d) = &o.diverged {
            let _ = write!(notes, " {} seed {}: {d}.", o.name, o.seed);
        }
    }
    output::write_bytes(&out.join("table.md"), format!("{md}\n{notes}\n").as_bytes())?;
    output::write_bytes(&out.join("table.csv"), table_csv(&rows).as_bytes())?;
    let results = json!({
        "experiment": exp,
        "baseline_final_accuracy": target,
        "table": rows,
        "runs": outcomes.iter().map(|o| json!({
            "name": o.name, "seed": o.seed, "bounds": o.bounds, "schedule": o.schedule,
            "final_test_accuracy": o.summary.final_test_accuracy,
            "best_test_accuracy": o.summary.best_test_accuracy,
            "iterations": o.summary.iterations, "wall_time_s": o.summary.wall_time_s,
            "images_per_s": o.summary.images_per_s, "diverged": o.diverged,
            "evals": o.summary.metrics.iter().filter_map(|m| m.test_accuracy.map(|a| (m.iteration + 1, a))).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    output::write_bytes(
        &out.join("results.json"),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&results).map_err(CliError::runtime)?
        )
        .as_bytes(),
    )?;
    // Plots last: one that cannot be drawn (no fonts on a headless box, say) must not lose the
    // results written above.
    let names: Vec<String> = exp.runs.iter().map(|r| r.name.clone()).collect();
    let overlay = overlay_curves(&names, outcomes, &cs);
    let title = format!("{}: test accuracy vs iteration", exp.name);
    let drawn = output::plot_atomic(&out.join("comparison.png"), |tmp| {
        plot::runs(tmp, &title, &overlay)
    })
    .and_then(|_| {
        output::plot_atomic(&out.join("comparison.svg"), |tmp| {
            plot::runs(tmp, &title, &overlay)
        })
    });
    let svg = match drawn {
        Ok(()) => std::fs::read_to_string(out.join("comparison.svg")).unwrap_or_default(),
        Err(e) => {
            eprintln!("warning: {e}; the table and results are written, redraw with --report-only");
            String::new()
        }
    };
    output::write_bytes(
        &out.join("report.html"),
        report_html(exp, config_text, &md, &svg, &notes).as_bytes(),
    )?;
    Ok(md)
}

pub fn run(a: CompareArgs) -> Result<()> {
    let exp = load_experiment(&a.config)?;
    let jobs = usize::try_from(a.jobs)
        .ok()
        .filter(|&j| j >= 1)
        .ok_or_else(|| CliError::usage(format!("--jobs {}: must be an integer >= 1", a.jobs)))?;
    let out: PathBuf = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/compare").join(&exp.name));
    let config_text = std::fs::read_to_string(&a.config).unwrap_or_default();
    let start = Instant::now();
    let outcomes = if a.report_only {
        let p = out.join("outcomes.json");
        let text = std::fs::read_to_string(&p).map_err(|e| {
            CliError::usage(format!("--report-only: cannot read {}: {e}", p.display()))
        })?;
        serde_json::from_str::<Vec<RunOutcome>>(&text)
            .map_err(|e| CliError::usage(format!("--report-only: {}: {e}", p.display())))?
    } else {
        let o = run_experiment(&exp, &out, jobs, a.quiet)?;
        let json = serde_json::to_string(&o).map_err(CliError::runtime)?;
        output::write_bytes(&out.join("outcomes.json"), json.as_bytes())?;
        o
    };
    let md = write_report(&exp, &config_text, &out, &outcomes)?;
    outln!("{md}");
    outln!(
        "{} runs in {:.0} s; wrote {}/table.md, table.csv, comparison.png, comparison.svg, report.html, results.json",
        outcomes.len(),
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
