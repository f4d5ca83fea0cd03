//! `cyclr compare`: several policies x seeds on one dataset/model/optimizer, from an experiment
//! TOML file; writes the paper's Table 1 for this data (Markdown + CSV), an overlay plot of test
//! accuracy (the paper's Figure 1) with the LR schedules beneath, and a self-contained
//! `report.html`.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cyclr::compare::{PolicySummary, RunCurve, mean_curve, summarize};
use cyclr_burn::TrainObserver;
use cyclr_burn::experiment::{
    Experiment, ExperimentObserver, Job, OptimizerRangeTest, RunOptions, RunOutcome,
};
use indicatif::MultiProgress;
use serde_json::json;

use crate::args::CompareArgs;
use crate::cmd::train::Progress;
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};
use crate::{output, plot};

/// Read and check an experiment file (usage errors name the file and the key).
pub fn load_experiment(path: &Path) -> Result<(Experiment, String)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--config {}: cannot read: {e}", path.display())))?;
    let exp = Experiment::from_toml(&text)
        .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))?;
    Ok((exp, text))
}

/// Progress bars per job, and the range-test plots.
pub struct CliObserver {
    multi: MultiProgress,
    quiet: bool,
    title: String,
}

impl CliObserver {
    pub fn new(quiet: bool, title: String) -> Self {
        let multi = if quiet {
            MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden())
        } else {
            MultiProgress::new()
        };
        CliObserver {
            multi,
            quiet,
            title,
        }
    }
}

impl ExperimentObserver for CliObserver {
    fn on_range_test(&self, t: &OptimizerRangeTest) {
        let title = format!("LR range test: {} / {}", self.title, t.optimizer.name());
        let path = t.dir.join("range_test.png");
        let drawn = match t.tests.results.as_slice() {
            [one] => report::plot_range_test(&path, &title, one),
            _ => report::plot_repeated(&path, &title, &t.tests, &t.tests.summary()),
        };
        if let Err(e) = drawn {
            eprintln!("warning: {e}");
        }
    }
    fn train_observer(&self, job: &Job, iters: u64) -> Box<dyn TrainObserver + Send> {
        let mut bar = Progress::new(iters, &format!("{}/s{}", job.name, job.seed), self.quiet);
        bar.attach(&self.multi);
        Box::new(bar)
    }
    fn on_skipped(&self, job: &Job) {
        if !self.quiet {
            let _ = self
                .multi
                .println(format!("{}: finished earlier, kept", job.id()));
        }
    }
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
    let (lo, hi) = o.schedule.bounds();
    let lrs = match o.schedule.policy() {
        p if p.is_cyclical() => format!("{lo:.2e} .. {hi:.2e}"),
        cyclr::schedule::Policy::Sgdr => format!("{lo:.2e} .. {hi:.2e}"),
        cyclr::schedule::Policy::Fixed => format!("{hi:.2e}"),
        cyclr::schedule::Policy::OneCycle => format!("max {hi:.2e}"),
        _ => format!("{hi:.2e}"),
    };
    let how = if o.from_range_test {
        "range test"
    } else {
        "given"
    };
    format!("{}: {lrs} ({how})", o.schedule.name())
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

/// Per policy: the mean test-accuracy curve over seeds with the seeds' range, and seed 0's LR
/// schedule and loss, for the overlay plot.
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
            let mean = mean_curve(&rs);
            c.accuracy = mean.iter().map(|&(t, a)| (t as f64, a)).collect();
            if rs.len() > 1 {
                c.band = mean
                    .iter()
                    .map(|&(t, _)| {
                        let v: Vec<f64> = rs
                            .iter()
                            .filter_map(|r| r.evals.iter().find(|e| e.0 == t).map(|e| e.1))
                            .collect();
                        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        (t as f64, lo, hi)
                    })
                    .collect();
            }
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
        if let Some(d) = o.diverged() {
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
            "images_per_s": o.summary.images_per_s, "diverged": o.diverged(),
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
    let base = Some((exp.baseline.clone(), target));
    let drawn = output::plot_atomic(&out.join("comparison.png"), |tmp| {
        plot::runs(tmp, &title, &overlay, base.clone())
    })
    .and_then(|_| {
        output::plot_atomic(&out.join("comparison.svg"), |tmp| {
            plot::runs(tmp, &title, &overlay, base.clone())
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
    let (mut exp, config_text) = load_experiment(&a.config)?;
    if let Some(k) = &a.kernels {
        exp.kernels = setup::kernels(Some(k))?;
    }
    let jobs = usize::try_from(a.jobs)
        .ok()
        .filter(|&j| j >= 1)
        .ok_or_else(|| CliError::usage(format!("--jobs {}: must be an integer >= 1", a.jobs)))?;
    let out: PathBuf = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/compare").join(&exp.name));
    let start = Instant::now();
    let outcomes = if a.report_only {
        let (found, missing) = cyclr_burn::collect_outcomes(&exp, &out);
        if found.is_empty() {
            return Err(CliError::usage(format!(
                "--report-only: no finished run of {:?} in {}",
                exp.name,
                out.display()
            )));
        }
        if !missing.is_empty() {
            eprintln!(
                "--report-only: {} of {} runs have no outcome yet: {}",
                missing.len(),
                found.len() + missing.len(),
                missing.join(", ")
            );
        }
        found
    } else {
        run_experiment(&exp, &out, jobs, a.quiet)?
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

/// Load the data and run the experiment into `out` with progress bars.
pub fn run_experiment(
    exp: &Experiment,
    out: &Path,
    jobs: usize,
    quiet: bool,
) -> Result<Vec<RunOutcome>> {
    let split = setup::load(&exp.dataset)?;
    let per_epoch = (split.train.len() / exp.batch_size.min(split.train.len()).max(1)).max(1);
    eprintln!(
        "{}: {} runs ({} policies x {} seeds) on {} / {}, {} iterations each ({:.1} epochs), {} at a time",
        exp.name,
        exp.runs.len() * exp.seeds.len(),
        exp.runs.len(),
        exp.seeds.len(),
        split.name,
        exp.model.name(),
        exp.iters,
        exp.iters as f64 / per_epoch as f64,
        jobs
    );
    let obs = CliObserver::new(quiet, format!("{} / {}", split.name, exp.model.name()));
    let opts = RunOptions {
        out: out.to_path_buf(),
        jobs,
        shard: None,
    };
    cyclr_burn::run_experiment(exp, &split, &opts, &obs).map_err(|e| experiment_error(e, out))
}

/// An experiment error as the CLI's: configuration and data problems are usage errors.
pub fn experiment_error(e: cyclr_burn::ExperimentError, out: &Path) -> CliError {
    use cyclr_burn::ExperimentError as E;
    match e {
        E::Config(m) => CliError::usage(m),
        E::Data { dataset, source } => CliError::usage(format!("dataset {dataset}: {source}")),
        E::Train { job, source } => {
            CliError::runtime(format!("run {job}: {}", report::train_error(source, out)))
        }
        E::Interrupted { job } => CliError::Interrupted(format!(
            "interrupted during run {job}: the runs that finished are kept in {}; run the same \
             command again to train the others",
            out.display()
        )),
        other => CliError::runtime(other.to_string()),
    }
}
