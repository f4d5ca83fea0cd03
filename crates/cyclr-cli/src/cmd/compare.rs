//! `cyclr compare`: several policies x seeds on one dataset/model/optimizer, from an experiment
//! TOML file; writes the paper's Table 1 for this data (Markdown + CSV), an overlay plot of the
//! test figure — accuracy, or loss for text (the paper's Figure 1) — with the LR schedules
//! beneath, and a self-contained `report.html`.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cyclr::compare::{
    BudgetSummary, PolicySummary, RunCurve, mean_curve, summarize, summarize_budgets,
};
use cyclr_burn::TrainObserver;
use cyclr_burn::experiment::results::{
    CompareSummary, ResultsFile, RunResult, ShardProgress, curves,
};
use cyclr_burn::experiment::{
    Experiment, ExperimentObserver, Job, OptimizerRangeTest, RunOptions, RunOutcome, Shard,
};
use cyclr_burn::train::RunData;
use indicatif::MultiProgress;

use crate::args::{CompareArgs, TextOrJson};
use crate::cmd::tables::{
    budget_csv, budget_markdown, budget_series, contest_csv, contest_markdown, report_html,
    table_csv, table_markdown,
};
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
    /// Jobs whose outcome was found and kept.
    pub reused: std::sync::atomic::AtomicUsize,
    /// Jobs trained again because their configuration changed.
    pub changed: std::sync::atomic::AtomicUsize,
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
            reused: Default::default(),
            changed: Default::default(),
        }
    }
}

impl ExperimentObserver for CliObserver {
    fn on_range_test(&self, t: &OptimizerRangeTest) {
        let title = format!("LR range test: {} / {}", self.title, t.optimizer.name());
        // PNG to look at, SVG for report.html.
        for ext in ["png", "svg"] {
            let path = t.dir.join(format!("range_test.{ext}"));
            let rep = &t.tests.repeated;
            let drawn = match rep.results.as_slice() {
                [one] => report::plot_range_test(&path, &title, one, None, &[], &[]),
                _ => report::plot_repeated(&path, &title, rep, &rep.summary()),
            };
            if let Err(e) = drawn {
                errln!("warning: {e}");
            }
        }
    }
    fn train_observer(&self, job: &Job, iters: u64) -> Box<dyn TrainObserver + Send> {
        let mut bar = Progress::new(iters, &format!("{}/s{}", job.name, job.seed), self.quiet);
        bar.attach(&self.multi);
        Box::new(bar)
    }
    fn on_changed(&self, job: &Job, differs: &str) {
        self.changed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Said even with --quiet: an earlier result is being replaced.
        self.multi.suspend(|| {
            errln!(
                "{}: the experiment changed since it finished ({differs}): training it again",
                job.id()
            )
        });
    }
    fn on_skipped(&self, job: &Job) {
        self.reused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !self.quiet {
            let _ = self
                .multi
                .println(format!("{}: finished earlier, kept", job.id()));
        }
    }
}

/// Per policy: the mean test-figure curve over seeds with the seeds' range, and seed 0's LR
/// schedule and loss, for the overlay plot.
pub fn overlay_curves(
    metric: plot::Metric,
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
            c.events = outcomes
                .iter()
                .filter(|o| &o.name == name)
                .flat_map(|o| report::run_events(&o.summary, Some(o.seed)))
                .collect();
            let mean = mean_curve(&rs);
            c.metric = metric;
            c.test = mean.iter().map(|&(t, a)| (t as f64, a)).collect();
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

/// What a finished comparison shows: the per-iteration table (at the full budget), and with
/// `budgets` the final-figure-vs-budget summary; against the strongest baseline.
pub struct Report {
    /// The baseline measured against (the strongest of the experiment's `baseline` list).
    pub baseline: String,
    /// Its mean final test figure (at the full budget).
    pub target: f64,
    /// One row per policy, from the full-budget runs.
    pub rows: Vec<PolicySummary>,
    /// The final figure vs budget, if the experiment has `budgets`.
    pub budgets: Option<BudgetSummary>,
    /// The Markdown written to table.md (without the notes).
    pub markdown: String,
}

/// Write every output of a finished comparison into `out`.
pub fn write_report(
    exp: &Experiment,
    config_text: &str,
    out: &Path,
    outcomes: &[RunOutcome],
) -> Result<Report> {
    let (baseline, _) = exp.strongest_baseline(outcomes).ok_or_else(|| {
        CliError::runtime(format!(
            "no run of the baseline {} finished at the full budget",
            exp.baseline.join(" or ")
        ))
    })?;
    let metric = exp.metric();
    let all = curves(outcomes);
    let full = exp.full_budget();
    let full_outcomes: Vec<RunOutcome> = outcomes
        .iter()
        .filter(|o| o.budget == full)
        .cloned()
        .collect();
    let cs: Vec<RunCurve> = all.iter().filter(|c| c.budget == full).cloned().collect();
    let (target, rows) = summarize(&cs, &baseline, metric).ok_or_else(|| {
        CliError::runtime(format!("no run of the baseline {baseline:?} finished"))
    })?;
    let budget_summary = exp
        .budgets
        .as_ref()
        .and_then(|_| summarize_budgets(&all, &baseline, metric));
    let mut md = String::new();
    let contest = exp
        .validation
        .map(|_| cyclr_burn::experiment::contest::head_to_head(exp, outcomes));
    if let Some(hs) = &contest {
        for h in hs {
            if let Some(b) = h.budget {
                let _ = writeln!(md, "Head-to-head at budget {b}:\n");
            } else {
                let _ = writeln!(md, "Head-to-head:\n");
            }
            md.push_str(&contest_markdown(exp, h));
            md.push('\n');
        }
        let _ = writeln!(md, "Every run:\n");
    }
    if let Some(b) = &budget_summary {
        md.push_str(&budget_markdown(exp, &baseline, b));
        let n = full_outcomes
            .iter()
            .map(|o| o.config.iters)
            .max()
            .unwrap_or(exp.iters);
        let which = match full {
            Some(b) if b < 1.0 => format!("the largest budget run, {b}"),
            _ => "the full budget".to_string(),
        };
        let _ = writeln!(md, "\nThe runs at {which} ({n} iterations):\n");
    }
    md.push_str(&table_markdown(exp, target, &rows, &full_outcomes));
    let notes = notes(exp, outcomes, &baseline, budget_summary.is_some());
    let mut notes = notes;
    for o in outcomes {
        if let Some(d) = o.failed() {
            let _ = write!(notes, " {} seed {}: {d}.", o.name, o.seed);
        }
    }
    output::write_bytes(&out.join("table.md"), format!("{md}\n{notes}\n").as_bytes())?;
    output::write_bytes(&out.join("table.csv"), table_csv(metric, &rows).as_bytes())?;
    if let Some(b) = &budget_summary {
        output::write_bytes(&out.join("budgets.csv"), budget_csv(b).as_bytes())?;
    }
    if let Some(hs) = &contest {
        output::write_bytes(&out.join("contest.csv"), contest_csv(metric, hs).as_bytes())?;
    }
    let results = ResultsFile {
        baseline: &baseline,
        baseline_final: target,
        budgets: budget_summary.as_ref(),
        experiment: exp,
        head_to_head: contest.as_deref(),
        metric,
        runs: outcomes.iter().map(RunResult::of).collect(),
        table: &rows,
    };
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
    let overlay = overlay_curves(metric, &names, &full_outcomes, &cs);
    let title = format!("{}: test {} vs iteration", exp.name, metric.name());
    let base = Some((baseline.clone(), target));
    let draw_both =
        |stem: &str, draw: &dyn Fn(&Path) -> std::result::Result<(), crate::plot::PlotError>| {
            output::plot_atomic(&out.join(format!("{stem}.png")), draw)
                .and_then(|_| output::plot_atomic(&out.join(format!("{stem}.svg")), draw))
                .map(|_| {
                    std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap_or_default()
                })
                .unwrap_or_else(|e| {
                    errln!(
                        "warning: {e}; the table and results are written, redraw with --report-only"
                    );
                    String::new()
                })
        };
    let svg = draw_both("comparison", &|tmp| {
        plot::runs(tmp, &title, &overlay, base.clone())
    });
    let mut plots: Vec<(String, String)> = Vec::new();
    if let Some(h) = contest
        .as_ref()
        .and_then(|hs| hs.iter().find(|h| h.budget == full))
    {
        let points: Vec<plot::ContestPoint> = h
            .rows
            .iter()
            .map(|c| plot::ContestPoint {
                name: c.name.clone(),
                total_steps: c.total_steps,
                values: c.test_values.clone(),
            })
            .collect();
        let t = format!(
            "{}: test {} vs training steps, search included",
            exp.name,
            metric.name()
        );
        let svg = draw_both("contest", &|tmp| plot::contest(tmp, &t, metric, &points));
        plots.push((
            format!("Head-to-head: test {} vs total steps", metric.name()),
            svg,
        ));
    }
    if let Some(b) = budget_summary.as_ref() {
        let series = budget_series(b);
        let t = format!(
            "{}: final test {} vs training budget",
            exp.name,
            metric.name()
        );
        let svg = draw_both("budgets", &|tmp| {
            plot::budgets(tmp, &t, metric, &series, Some((baseline.clone(), b.target)))
        });
        plots.push((
            format!("Final test {} vs training budget", metric.name()),
            svg,
        ));
    }
    let range_svgs: Vec<(String, String)> = cyclr_burn::experiment::range_test_dirs(exp)
        .into_iter()
        .filter_map(|(o, dir)| {
            let svg = std::fs::read_to_string(out.join(&dir).join("range_test.svg")).ok()?;
            Some((format!("LR range test ({})", o.name()), svg))
        })
        .collect();
    output::write_bytes(
        &out.join("report.html"),
        report_html(exp, config_text, &md, &svg, &plots, &range_svgs, &notes).as_bytes(),
    )?;
    Ok(Report {
        baseline,
        target,
        rows,
        budgets: budget_summary,
        markdown: md,
    })
}

/// The notes under the tables: what the test set's unit is worth, how validation, the baseline,
/// budgets and "iterations to reach" are defined — in the experiment's metric.
fn notes(exp: &Experiment, outcomes: &[RunOutcome], baseline: &str, budgets: bool) -> String {
    let metric = exp.metric();
    let text = metric == plot::Metric::Loss;
    let (figure, best, at_least) = match metric {
        plot::Metric::Accuracy => ("accuracy", "highest", "at least"),
        plot::Metric::Loss => ("loss", "lowest", "at most"),
    };
    let mut notes = String::new();
    // What one image is worth: small test sets make small differences noise.
    let test_images = outcomes
        .iter()
        .find_map(|o| o.test_images)
        .or_else(|| exp.dataset.known_test_size());
    match test_images {
        Some(n) if text => {
            let _ = write!(
                notes,
                "Test text: {n} characters predicted, by a full pass (nats per character). "
            );
        }
        Some(n) => {
            let _ = write!(
                notes,
                "Test set: {n} images (one image = {:.2} points of accuracy). ",
                100.0 / n as f64
            );
        }
        None => {}
    }
    match outcomes.iter().find_map(|o| o.val_images) {
        Some(m) if text => {
            let _ = write!(notes, "Validation text: {m} characters. ");
        }
        Some(m) => {
            let _ = write!(
                notes,
                "Validation split: {m} images (one image = {:.2} points). ",
                100.0 / m as f64
            );
        }
        None => {}
    }
    if let Some(v) = exp.validation {
        let how = if text {
            "the contiguous tail of the training text, never windows from all over it"
        } else {
            "stratified, the same samples for every run"
        };
        let _ = write!(
            notes,
            "Validation split: {:.0}% of the training set held out ({how}); every run trains on the rest; grids pick their point by mean validation {figure} over seeds, never on the test set. Steps per seed: search = a grid's other points (its pick is its training run), or the range tests its rates came from; total = search + train. ",
            v * 100.0
        );
    }
    if exp.baseline.len() > 1 {
        let _ = write!(
            notes,
            "Baseline: {baseline}, the strongest of {} ({best} mean final {figure} at the largest budget run). ",
            exp.baseline.join(", ")
        );
    }
    if budgets {
        let _ = write!(
            notes,
            "Budgets: one separate run per budget, each with its schedule planned for that budget (iteration counts scaled); ✓ marks a mean final {figure} {at_least} the baseline's at the largest budget run. ",
        );
    }
    let _ = write!(
        notes,
        "Iterations to reach the baseline's final {figure}: the first evaluation (every {} iterations) at which a policy's test {figure}, averaged over its seeds, is {at_least} the baseline ({}) mean final {figure}; ratio = that / the baseline's own iterations to it on its mean curve (the paper: 25,000 / 70,000 = 0.36 on CIFAR-10).",
        exp.eval_every, baseline
    );
    notes
}

/// `K/N` with 1 <= K <= N.
fn parse_shard(s: &str) -> Result<Shard> {
    let bad = || {
        CliError::usage(format!(
            "--shard {s}: give K/N with 1 <= K <= N, e.g. --shard 1/4"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let index: usize = k.trim().parse().map_err(|_| bad())?;
    let count: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

pub fn run(a: CompareArgs) -> Result<()> {
    let Some(config) = &a.config else {
        // `--template` (clap requires one of the two).
        outln!("{}", cyclr_burn::experiment::template().trim_end());
        return Ok(());
    };
    let (mut exp, config_text) = load_experiment(config)?;
    if let Some(k) = &a.kernels {
        exp.kernels = setup::kernels(Some(k))?;
    }
    if let Some(d) = &a.device {
        exp.device = setup::device_name(Some(d))?;
    }
    if let Some(seeds) = &a.seeds {
        exp.seeds = crate::cmd::find::parse_seeds("--seeds", seeds)?;
    }
    if let Some(n) = a.iters {
        let n = u64::try_from(n)
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| CliError::usage(format!("--iters {n}: must be an integer >= 1")))?;
        exp = exp
            .with_iters(n)
            .map_err(|e| CliError::usage(format!("--iters {n}: {e}")))?;
    }
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    if shard.is_some() && a.report_only {
        return Err(CliError::usage(
            "--shard and --report-only: --report-only merges every shard's runs; give it alone",
        ));
    }
    let jobs = usize::try_from(a.jobs)
        .ok()
        .filter(|&j| j >= 1)
        .ok_or_else(|| CliError::usage(format!("--jobs {}: must be an integer >= 1", a.jobs)))?;
    let out: PathBuf = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/compare").join(&exp.name));
    output::check_writable_dir("--out", &out)?;
    if !a.report_only {
        setup::open_device(exp.device)?;
    }
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
            errln!(
                "--report-only: {} of {} runs have no outcome yet: {}",
                missing.len(),
                found.len() + missing.len(),
                missing.join(", ")
            );
        }
        found
    } else {
        run_experiment(&exp, &out, jobs, a.quiet, shard)?
    };
    // A shard reports on the whole experiment once every shard's runs are there.
    let outcomes = match shard {
        None => outcomes,
        Some(sh) => {
            let (found, missing) = cyclr_burn::collect_outcomes(&exp, &out);
            if missing.is_empty() {
                found
            } else {
                let progress = ShardProgress {
                    finished: found.len(),
                    missing: &missing,
                    out: &out,
                    shard: format!("{}/{}", sh.index, sh.count),
                };
                match a.format {
                    TextOrJson::Json => outln!(
                        "{}",
                        serde_json::to_string(&progress).map_err(CliError::runtime)?
                    ),
                    TextOrJson::Text => outln!(
                        "shard {}: {} runs done in {:.0} s; {} of {} runs of the experiment are in {} (the other shards' still missing: {}); when all have finished: cyclr compare --config {} --out {} --report-only",
                        progress.shard,
                        outcomes.len(),
                        start.elapsed().as_secs_f64(),
                        found.len(),
                        found.len() + missing.len(),
                        out.display(),
                        missing.len(),
                        config.display(),
                        out.display()
                    ),
                }
                return Ok(());
            }
        }
    };
    let report = write_report(&exp, &config_text, &out, &outcomes)?;
    match a.format {
        TextOrJson::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&CompareSummary {
                baseline: &report.baseline,
                baseline_final: report.target,
                budgets: report.budgets.as_ref(),
                experiment: &exp.name,
                metric: exp.metric(),
                out: &out,
                runs: outcomes.len(),
                table: &report.rows,
                wall_time_s: start.elapsed().as_secs_f64(),
            })
            .map_err(CliError::runtime)?
        ),
        TextOrJson::Text => {
            outln!("{}", report.markdown);
            outln!(
                "{} runs in {:.0} s; wrote {}/table.md, table.csv, comparison.png, comparison.svg{}{}, report.html, results.json",
                outcomes.len(),
                start.elapsed().as_secs_f64(),
                out.display(),
                if report.budgets.is_some() {
                    ", budgets.csv, budgets.png, budgets.svg"
                } else {
                    ""
                },
                if exp.validation.is_some() {
                    ", contest.csv, contest.png, contest.svg"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

/// Load the data and run the experiment into `out` with progress bars.
pub fn run_experiment(
    exp: &Experiment,
    out: &Path,
    jobs: usize,
    quiet: bool,
    shard: Option<Shard>,
) -> Result<Vec<RunOutcome>> {
    let data = crate::cmd::train::load_run_data(&exp.dataset)?;
    if let RunData::Text(text) = &data {
        setup::announce_init(exp.init.as_deref(), &exp.gpt_shape(), text)?;
    }
    // What is trained on: the training split less the validation split, if any.
    let held = exp.validation.map(|v| data.hold_out(v).0);
    let trained = held.as_ref().unwrap_or(&data);
    let context = exp.gpt_shape().context;
    let per_epoch = trained.steps_per_epoch(exp.batch_size, context);
    let (trained, unit) = match trained {
        RunData::Images(s) => (s.train.len(), ""),
        RunData::Text(t) => (t.train.len(), " characters"),
    };
    let budgets = match &exp.budgets {
        Some(b) => format!(" x {} budgets", b.len()),
        None => String::new(),
    };
    errln!(
        "{}: {} runs ({} policies x {} seeds{budgets}) on {} / {}{}, {} iterations each at the full budget ({:.1} epochs), {} at a time",
        exp.name,
        exp.jobs().len(),
        exp.runs.len(),
        exp.seeds.len(),
        data.name(),
        exp.model.name(),
        exp.validation.map_or(String::new(), |v| format!(
            " ({trained}{unit} trained on, {:.0}% held out for validation)",
            v * 100.0
        )),
        exp.iters,
        exp.iters as f64 / per_epoch as f64,
        jobs
    );
    let obs = CliObserver::new(quiet, format!("{} / {}", data.name(), exp.model.name()));
    let opts = RunOptions {
        out: out.to_path_buf(),
        jobs,
        shard,
    };
    let outcomes = cyclr_burn::run_experiment(exp, &data, &opts, &obs)
        .map_err(|e| experiment_error(e, out))?;
    let reused = obs.reused.load(std::sync::atomic::Ordering::Relaxed);
    if reused > 0 {
        errln!(
            "{reused} of {} runs reused (finished earlier in {}, same configuration); {} trained now",
            outcomes.len(),
            out.display(),
            outcomes.len() - reused
        );
    }
    Ok(outcomes)
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
