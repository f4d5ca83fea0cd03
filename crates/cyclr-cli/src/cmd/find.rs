//! `cyclr find`: the LR range test on real data (burn), with fastai's suggestions and the
//! learning rates for each use; `--seeds` repeats it and reports each pick's spread.
use std::fmt::Write as _;
use std::path::Path;

use cyclr::finder::{
    Finder, Metric, RangeTestConfig, Repeated, RepeatedSummary, Sweep, calibrated, finder_run_of,
};
use cyclr_burn::{
    LrFindError, NetConfig, NetRangeTest, PlanError, PlanObserver, RangeTestRecord, RangeTests,
    RunDir, SavedRangeTest, TrainError, fsio::Staged,
};

use crate::args::{FindArgs, FindMetric, FinderKind, SweepMode, TextOrJson, key_flag};
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};

/// A range-test parameter error, named as its flag (`num_it` is `--iters`).
pub fn range_error(e: &cyclr::ParamError) -> CliError {
    range_error_for(e, "")
}

/// [`range_error`] for flags spelled `--{prefix}start-lr`, `--{prefix}iters` (`train`'s
/// `--range-start-lr`, ...).
pub fn range_error_for(e: &cyclr::ParamError, prefix: &str) -> CliError {
    let flag = |k: &str| match k {
        "num_it" => format!("--{prefix}iters"),
        "start_lr" | "end_lr" => format!("--{prefix}{}", k.replace('_', "-")),
        k => key_flag(k),
    };
    CliError::usage(format!(
        "invalid {} = {}: {}",
        flag(&e.param),
        e.value,
        cyclr::schedule::spec::render_ticks(&e.valid, &flag)
    ))
}

/// `0,1,2` -> seeds (at least one, no repeats).
pub fn parse_seeds(flag: &str, s: &str) -> Result<Vec<u64>> {
    let mut v = Vec::new();
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() > 1 && parts.iter().any(|p| p.is_empty()) {
        return Err(CliError::usage(format!(
            "{flag} {s:?}: an empty item between commas; give seeds like 0,1,2"
        )));
    }
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let x: u64 = part.parse().map_err(|_| {
            CliError::usage(format!(
                "{flag} {s:?}: {part:?} is not a non-negative integer (expected e.g. 0,1,2)"
            ))
        })?;
        if v.contains(&x) {
            return Err(CliError::usage(format!(
                "{flag} {s:?}: seed {x} is given twice"
            )));
        }
        v.push(x);
    }
    if v.is_empty() {
        return Err(CliError::usage(format!(
            "{flag} {s:?}: give at least one seed (e.g. 0,1,2)"
        )));
    }
    Ok(v)
}

/// cyclr's calibrated sweep ([`RangeTestConfig::calibrated`]) with any flag given, spelled
/// `--{prefix}...`; warns when the sweep is too sparse for cyclr's
/// rule ([`cyclr::finder::calibrated::min_iters`]).
pub fn sweep_for(
    start: Option<f64>,
    end: Option<f64>,
    iters: Option<i64>,
    warmup: Option<i64>,
    prefix: &str,
) -> Result<RangeTestConfig> {
    sweep_of(FinderKind::Cyclr, start, end, iters, warmup, prefix)
}

/// A finder's own range test (its sweep, defaults and stop rule): cyclr's calibrated one, fastai's
/// `lr_find` ([`RangeTestConfig::default`]), or Lightning's / torch-lr-finder's
/// ([`Finder::config`]).
pub fn finder_config(f: FinderKind) -> RangeTestConfig {
    match f {
        FinderKind::Cyclr => RangeTestConfig::calibrated(),
        FinderKind::Fastai => RangeTestConfig::default(),
        FinderKind::Lightning => Finder::Lightning.config(),
        FinderKind::TorchLrFinder => Finder::TorchLrFinder.config(),
    }
}

/// The library behind a finder, if it is not cyclr's or fastai's.
pub fn library(f: FinderKind) -> Option<Finder> {
    match f {
        FinderKind::Lightning => Some(Finder::Lightning),
        FinderKind::TorchLrFinder => Some(Finder::TorchLrFinder),
        FinderKind::Cyclr | FinderKind::Fastai => None,
    }
}

/// [`sweep_for`] starting from `finder`'s defaults.
pub fn sweep_of(
    finder: FinderKind,
    start: Option<f64>,
    end: Option<f64>,
    iters: Option<i64>,
    warmup: Option<i64>,
    prefix: &str,
) -> Result<RangeTestConfig> {
    let mut r = finder_config(finder);
    if let Some(n) = warmup {
        r.warmup_it = usize::try_from(n)
            .ok()
            .filter(|&n| n <= cyclr::finder::MAX_WARMUP_IT)
            .ok_or_else(|| {
                CliError::usage(format!(
                    "--{prefix}sweep-warmup {n}: must be an integer in 0..={} (steps at the \
                     sweep's first rate before it; Adam's 2/(1 - beta2): 200 for beta2 = 0.99)",
                    cyclr::finder::MAX_WARMUP_IT
                ))
            })?;
    }
    if let Some(s) = start {
        r.start_lr = s;
    }
    if let Some(e) = end {
        r.end_lr = e;
    }
    if let Some(n) = iters {
        r.num_it = usize::try_from(n).ok().filter(|&n| n >= 2).ok_or_else(|| {
            CliError::usage(format!("--{prefix}iters {n}: must be an integer >= 2"))
        })?;
        let min = cyclr::finder::calibrated::min_iters(r.start_lr, r.end_lr);
        if r.num_it < min && r.start_lr > 0.0 && r.end_lr > r.start_lr {
            errln!(
                "warning: --{prefix}iters {}: fewer than cyclr's rule needs to read the curve \
                 reliably over {:e} -> {:e} ({} per decade: at least {min}); its learning rates may \
                 be far off",
                r.num_it,
                r.start_lr,
                r.end_lr,
                cyclr::finder::calibrated::MIN_POINTS_PER_DECADE
            );
        }
    }
    Ok(r)
}

/// The range test's progress bar (hidden with `quiet`, or when stderr is no terminal); it
/// stops the test on Ctrl-C.
struct FindProgress {
    pb: indicatif::ProgressBar,
}

impl FindProgress {
    fn new(total: usize, seed: u64, quiet: bool) -> Self {
        let pb = if quiet {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new(total as u64)
        };
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>12} [{elapsed_precise}] {bar:28.cyan/blue} {pos:>5}/{len} lr  {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.set_prefix(format!("range test s{seed}"));
        FindProgress { pb }
    }
}

impl Drop for FindProgress {
    fn drop(&mut self) {
        self.pb.finish_and_clear();
    }
}

impl cyclr_burn::FindObserver for FindProgress {
    fn on_point(&mut self, index: usize, _total: usize, lr: f64, value: f64) {
        self.pb.set_position(index as u64 + 1);
        self.pb
            .set_message(format!("lr {lr:.3e}  value {value:.4}"));
    }
    fn should_stop(&mut self) -> bool {
        crate::STOP.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A range test's error as the CLI's (Ctrl-C: exit 130, nothing written).
pub fn find_error(e: LrFindError) -> CliError {
    match e {
        LrFindError::Interrupted => CliError::Interrupted(
            "the range test was interrupted (Ctrl-C); nothing was written".into(),
        ),
        LrFindError::Param(p) => range_error(&p),
        LrFindError::Model(m) => CliError::usage(format!("--model: {m}")),
        LrFindError::Config(m) => CliError::usage(format!("range test: {m}")),
        e @ LrFindError::NotApplicable(_) => CliError::usage(e.to_string()),
        other => CliError::runtime(format!("range test: {other}")),
    }
}

/// The range tests of a plan as the command line shows them: a progress bar per seed (hidden
/// with `quiet`; Ctrl-C stops the test) and, once their files are written, their plots titled
/// `title`. With `announce`, says first that `--lr auto` runs them.
pub struct RangeTestReport {
    pub title: String,
    pub quiet: bool,
    pub announce: bool,
}

impl PlanObserver for RangeTestReport {
    fn on_range_tests_start(&mut self, range: &RangeTestConfig, seeds: &[u64]) {
        if self.announce {
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
        }
    }
    fn range_test_observer(
        &mut self,
        seed: u64,
        range: &RangeTestConfig,
    ) -> Box<dyn cyclr_burn::FindObserver> {
        Box::new(FindProgress::new(range.num_it, seed, self.quiet))
    }
    fn on_range_tests(
        &mut self,
        dir: &Path,
        tests: &RangeTests,
    ) -> std::result::Result<(), String> {
        plot_range_tests(dir, &self.title, &tests.repeated).map_err(|e| e.to_string())
    }
}

/// Draw the range tests' plots into `out`: one test's `range_test.png`; for several seeds each
/// seed's into `out/seed<S>/` and the plot of all seeds into `out/`.
pub fn plot_range_tests(out: &Path, title: &str, rep: &Repeated) -> Result<()> {
    if let [one] = rep.results.as_slice() {
        return report::plot_range_test(&out.join("range_test.png"), title, one, None, &[], &[]);
    }
    for (r, seed) in rep.results.iter().zip(&rep.seeds) {
        report::plot_range_test(
            &out.join(format!("seed{seed}")).join("range_test.png"),
            &format!("{title} (seed {seed})"),
            r,
            None,
            &[],
            &[],
        )?;
    }
    report::plot_repeated(
        &out.join("range_test.png"),
        &format!("{title}, seeds {}", seeds_text(&rep.seeds)),
        rep,
        &rep.summary(),
    )
}

/// `find --dataset shakespeare|text:FILE`: the range test of a GPT on the training text
/// ([`cyclr_burn::TextRangeTest`]: the batches, dropout and clipping of a training run; the
/// training loss, or with `--metric val-loss` the loss on the text's held-out tail), its record
/// and outputs as for images.
fn run_text(
    a: &FindArgs,
    mut s: setup::Setup,
    range: RangeTestConfig,
    seeds: Vec<u64>,
    lib: Option<Finder>,
) -> Result<()> {
    if a.setup.model.is_none() {
        s.model = cyclr_burn::ModelKind::Gpt;
    }
    if a.setup.batch_size.is_none() {
        s.batch_size = setup::GPT_DEFAULT_BATCH_SIZE;
    }
    if range.metric == Metric::Accuracy {
        return Err(CliError::usage(
            "--metric accuracy: a GPT's range test on text records a loss: --metric loss (the \
             training loss) or --metric val-loss (the loss on the training text's held-out tail)",
        ));
    }
    let Some(gpt) = setup::gpt_shape(&a.gpt, s.model)? else {
        return Err(CliError::usage(format!(
            "--model {}: {} is text, --model gpt trains on it",
            s.model, s.dataset
        )));
    };
    let grad_clip = setup::grad_clip(a.gpt.grad_clip)?;
    let init = setup::init_dir(&a.gpt, s.model)?;
    let layer_lr_decay = setup::layer_lr_decay(&a.gpt, s.model)?;
    if let (Some(_), Some(why)) = (&layer_lr_decay, s.optimizer.group_rates_refusal()) {
        return Err(CliError::usage(format!(
            "--layer-lr-decay: --optimizer {why}"
        )));
    }
    let text = setup::load_text(&s.dataset)?;
    text.check_context(gpt.context)
        .map_err(|e| CliError::usage(e.to_string()))?;
    setup::announce_init(init.as_deref(), &gpt, &text)?;
    // nanoGPT's parameter groups, as a training run of the GPT uses them.
    let optimizer = s.optimizer.clone().with_nanogpt_groups();
    let test = cyclr_burn::TextRangeTest {
        gpt,
        optimizer,
        batch_size: s.batch_size,
        seed: s.seed,
        grad_clip,
        device: s.device,
        init: init.clone(),
        layer_lr_decay,
    };
    test.check(&text, &range).map_err(find_error)?;
    announce(
        a,
        lib,
        &format!(
            "gpt on {} ({} training characters)",
            text.name,
            text.train.len()
        ),
        test.optimizer.name(),
        &range,
        &seeds,
    );
    let record = RangeTestRecord {
        dataset: s.dataset.absolute(),
        net: cyclr_burn::NetConfig::for_text(&gpt, text.vocab.len()),
        optimizer: test.optimizer.clone(),
        batch_size: test.batch_size,
        sweep: range.clone(),
        seeds: seeds.clone(),
        gpt: Some(gpt),
        init,
        layer_lr_decay,
    };
    occupied(a, Some(&record))?;
    let mut shown = RangeTestReport {
        title: format!(
            "LR range test: {} / gpt / {}",
            text.name,
            test.optimizer.name()
        ),
        quiet: false,
        announce: false,
    };
    let tests = RangeTests::run_text(&test, &text, &range, &seeds, &mut shown)
        .map_err(|e| plan_error(e, ""))?;
    errln!("note: {}", gpt_rule_note(&tests.repeated));
    write_outputs(&a.out, record, &tests, &mut shown)?;
    print_tests(a, &tests)
}

/// What `find` and `--lr auto` say about the rates of a GPT's range test: which reading the
/// curve got (chosen from the model and the curve) and what BENCHMARKS.md §13 measured for it. A
/// pretrained model's curve (`--init`): its peak against the grids of two fine-tuning tasks. A
/// GPT trained from scratch: the window read at its minimum, with the peak the window's centre
/// would have given (median over the tests) for contrast.
pub fn gpt_rule_note(rep: &Repeated) -> String {
    let bounds: Vec<&cyclr::finder::ClrBounds> = rep
        .results
        .iter()
        .filter_map(|r| r.bounds.as_ref())
        .collect();
    let mut centre_peaks: Vec<f64> = bounds
        .iter()
        .filter_map(|b| b.window.map(|w| calibrated::ONE_CYCLE_FACTOR * w.centre()))
        .collect();
    centre_peaks.sort_by(f64::total_cmp);
    let note = gpt_rule_note_training_loss(&bounds, &centre_peaks);
    if rep
        .results
        .iter()
        .any(|r| r.config.metric == Metric::ValLoss)
    {
        // What §13 measured for the other metric.
        return format!(
            "this sweep recorded the held-out loss (--metric val-loss): on BENCHMARKS.md §13's four \
             GPT tasks its one-cycle peak was 1.3-1.9x from the best warm-up+cosine rate of an \
             AdamW grid, where the training loss's (the default) was 1.1-1.4x; what follows was \
             measured on the training loss: {note}"
        );
    }
    note
}

/// [`gpt_rule_note`] for a sweep of the training loss.
fn gpt_rule_note_training_loss(
    bounds: &[&cyclr::finder::ClrBounds],
    centre_peaks: &[f64],
) -> String {
    if bounds.iter().any(|b| b.pretrained.is_some()) {
        "a pretrained model's curve: on nanoGPT's CPU GPT fine-tuned from one corpus to another \
         (BENCHMARKS.md §13), this reading's peak was 1.1-1.4x the best warm-up+cosine rate of an \
         AdamW grid (1.1x and 2.8x the best one-cycle rate)"
            .to_string()
    } else if let (true, Some(&c)) = (
        bounds.iter().any(|b| b.from_minimum),
        centre_peaks.get(centre_peaks.len() / 2),
    ) {
        format!(
            "a transformer trained from scratch (the model is a GPT): its rates are read at the \
             window's minimum, not its centre (which gives a one-cycle peak of {c:.2e} here); on \
             nanoGPT's CPU GPT (BENCHMARKS.md §13) this peak was within 1.1x of the best \
             warm-up+cosine rate of an AdamW grid on two corpora (one held out; a sweep on other \
             batches read 2x lower there) and trained to the grid's test loss or below, where \
             the centre's was 2.5-4.6x too high"
        )
    } else {
        "on a GPT these rates are measured against AdamW grids in BENCHMARKS.md §13".to_string()
    }
}

/// The line that says which range test runs: whose sweep, on what, the optimizer, the metric and
/// the sweep's length and ends.
fn announce(
    a: &FindArgs,
    lib: Option<Finder>,
    what: &str,
    optimizer: &str,
    range: &RangeTestConfig,
    seeds: &[u64],
) {
    errln!(
        "range test ({}): {what}, {optimizer} {}, {}{} iterations, lr {:e} -> {:e}{}",
        match lib {
            Some(f) => f.library(),
            None if a.finder == FinderKind::Fastai => "fastai 2.8.12 lr_find",
            None => "cyclr's calibrated sweep",
        },
        range.metric.name(),
        match range.warmup_it {
            0 => String::new(),
            w => format!("{w} warm-up steps at {:e}, then ", range.start_lr),
        },
        range.num_it,
        range.start_lr,
        range.end_lr,
        if seeds.len() > 1 {
            format!(", seeds {}", seeds_text(seeds))
        } else {
            String::new()
        }
    );
}

/// `find`'s files, all or none ([`Staged`]): the curves and suggestions, `range_test.json` and
/// the plots are written into a staging folder and moved into `out` together, so a full disk or a
/// plot that cannot be drawn leaves `out` as it was (issue #27 item 6). Errors name the file in
/// `out` that could not be written.
fn write_outputs(
    out: &Path,
    record: RangeTestRecord,
    tests: &RangeTests,
    shown: &mut RangeTestReport,
) -> Result<()> {
    let staged = Staged::new(out).map_err(|e| crate::output::write_error(out, &e))?;
    let dir = staged.path().to_path_buf();
    let as_final = |p: &Path| staged.final_path(p);
    tests.write(&dir).map_err(|e| match e {
        PlanError::Io { path, source } => crate::output::write_error(&as_final(&path), &source),
        other => plan_error(other, ""),
    })?;
    SavedRangeTest {
        record,
        tests: tests.repeated.clone(),
    }
    .write(&dir)
    .map_err(|e| match e {
        TrainError::Io { source, .. } => {
            crate::output::write_error(&as_final(&dir.join(RangeTestRecord::FILE)), &source)
        }
        other => CliError::runtime(format!("--out: {other}")),
    })?;
    // The plots' messages name the staging folder; said as the files in `out`.
    let (stage_text, out_text) = (dir.display().to_string(), out.display().to_string());
    shown
        .on_range_tests(&dir, tests)
        .map_err(|e| CliError::runtime(e.replace(&stage_text, &out_text)))?;
    staged
        .commit()
        .map_err(|e| CliError::runtime(format!("cannot move the files into {out_text}: {e}")))
}

/// A plan's error as the CLI's, flags spelled with `prefix` (`range-` for `train`).
pub fn plan_error(e: PlanError, prefix: &str) -> CliError {
    match e {
        PlanError::RangeTest(e) => find_error(e),
        PlanError::Sweep(e) => range_error_for(&e, prefix),
        PlanError::Model(m) => CliError::usage(format!("--model: {m}")),
        PlanError::Io { path, source } => crate::output::write_error(&path, &source),
        PlanError::Report(m) => CliError::runtime(m),
        PlanError::Text(m) => CliError::usage(m),
        other => CliError::runtime(other),
    }
}

fn seeds_text(seeds: &[u64]) -> String {
    seeds
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The summary of repeated tests as text: a table of spreads, then the median rates.
pub fn summary_text(s: &RepeatedSummary) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} range tests (seeds {}); {} gave learning rates",
        s.seeds.len(),
        seeds_text(&s.seeds),
        s.with_rates
    );
    let _ = writeln!(
        t,
        "{:>18} {:>11} {:>11} {:>11} {:>8}",
        "", "min", "median", "max", "max/min"
    );
    for (name, sp) in s.rates.iter().chain(&s.suggestions) {
        let _ = writeln!(
            t,
            "{name:>18} {:>11.4e} {:>11.4e} {:>11.4e} {:>8.2}",
            sp.min,
            sp.median,
            sp.max,
            sp.ratio()
        );
    }
    t.push_str(&report::rates_text(
        s.bounds.as_ref(),
        Some(cyclr::finder::TOO_FEW_WITH_RATES),
    ));
    t
}

/// `--out` holding another run's files: refused without `--overwrite`, cleared with it. Called
/// before the data is loaded (a train run, files without a record) and again with the record
/// (the range test of another setup).
fn occupied(a: &FindArgs, record: Option<&RangeTestRecord>) -> Result<()> {
    let dir = RunDir::new(&a.out);
    let Some(what) = dir
        .range_test_conflict(record)
        .map_err(|e| CliError::usage(format!("--out: {e}")))?
    else {
        return Ok(());
    };
    if !a.overwrite {
        return Err(CliError::usage(format!(
            "--out {} holds {what}: pass --overwrite to replace it, or choose another --out",
            a.out.display()
        )));
    }
    dir.clear()
        .map_err(|e| CliError::runtime(format!("--overwrite: {e}")))
}

pub fn run(a: FindArgs) -> Result<()> {
    crate::output::check_writable_dir("--out", &a.out)?;
    occupied(&a, None)?;
    let s = setup::resolve(&a.setup)?;
    setup::open_device(s.device)?;
    if let Some(why) = s.optimizer.range_test_refusal() {
        return Err(CliError::usage(format!(
            "--optimizer {}: {why}",
            s.optimizer.name()
        )));
    }
    let eval_every = setup::positive("eval-every", a.eval_every)?;
    let lib = library(a.finder);
    if let (Some(f), FindMetric::Accuracy) = (lib, a.metric) {
        return Err(CliError::usage(format!(
            "--finder {}: {} ranks losses; with --metric accuracy use --finder cyclr or fastai",
            f.name(),
            f.library()
        )));
    }
    let mut range = sweep_of(a.finder, a.start_lr, a.end_lr, a.iters, a.sweep_warmup, "")?;
    let linear = a.mode == SweepMode::Linear;
    range.sweep = match lib {
        Some(f) => f.sweep(linear),
        None if linear => Sweep::Linear,
        None => Sweep::Exponential,
    };
    range.metric = match a.metric {
        FindMetric::Loss => Metric::TrainLoss,
        FindMetric::ValLoss => Metric::ValLoss,
        FindMetric::Accuracy => Metric::Accuracy,
    };
    range.validate().map_err(|e| range_error(&e))?;
    let seeds = match &a.seeds {
        Some(s) => parse_seeds("--seeds", s)?,
        None => vec![s.seed],
    };
    if s.dataset.is_text() {
        return run_text(&a, s, range, seeds, lib);
    }
    if a.gpt.grad_clip.is_some() {
        return Err(CliError::usage(
            "--grad-clip: find clips gradients on text (--model gpt) only for now",
        ));
    }
    // The gpt-only flags name what is wrong with them here.
    setup::gpt_shape(&a.gpt, s.model)?;
    setup::init_dir(&a.gpt, s.model)?;
    setup::layer_lr_decay(&a.gpt, s.model)?;
    let split = setup::load(&s.dataset)?;
    let model = s.model;
    let net = NetConfig::for_data(model, s.activation, s.batch_norm, s.kernels, &split.train);
    // The data's fit to the model, before anything is said about the data.
    net.check()
        .map_err(|e| CliError::usage(format!("--model: {e}")))?;
    let mut s = s;
    setup::fit_data(&mut s, a.setup.batch_size.is_some(), &split)?;
    let test = NetRangeTest {
        net,
        optimizer: s.optimizer,
        batch_size: s.batch_size,
        seed: s.seed,
        eval_every,
        device: s.device,
    };
    announce(
        &a,
        lib,
        &format!(
            "{} on {} ({} train images)",
            model.name(),
            split.name,
            split.train.len()
        ),
        test.optimizer.name(),
        &range,
        &seeds,
    );
    // Another run's files are not replaced without --overwrite.
    let record = RangeTestRecord {
        dataset: s.dataset.absolute(),
        net: test.net,
        optimizer: test.optimizer.clone(),
        batch_size: test.batch_size,
        sweep: range.clone(),
        seeds: seeds.clone(),
        gpt: None,
        init: None,
        layer_lr_decay: None,
    };
    occupied(&a, Some(&record))?;
    let title = format!(
        "LR range test: {} / {} / {}",
        split.name,
        model.name(),
        test.optimizer.name()
    );
    let mut shown = RangeTestReport {
        title,
        quiet: false,
        announce: false,
    };
    let tests = RangeTests::run(&test, &split, &range, &seeds, &mut shown)
        .map_err(|e| plan_error(e, ""))?;
    write_outputs(&a.out, record, &tests, &mut shown)?;
    print_tests(&a, &tests)
}

/// The suggestions of `tests` on stdout (one test's, or the spread over seeds), as text or JSON.
fn print_tests(a: &FindArgs, tests: &RangeTests) -> Result<()> {
    let seeds = &tests.repeated.seeds;
    let rep = &tests.repeated;
    if seeds.len() == 1 {
        let r = &rep.results[0];
        match a.format {
            TextOrJson::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&r.to_json()).map_err(CliError::runtime)?
            ),
            TextOrJson::Text => {
                let others: Vec<_> = finder_run_of(r).into_iter().collect();
                let none = cyclr::finder::uninformative(&r.raw);
                out!(
                    "{}",
                    report::suggestions_text_with(r, None, &others, none.as_deref())
                );
                outln!(
                    "wrote {}/range_test.csv, range_test.png, suggestions.json, range_test.json",
                    a.out.display()
                );
            }
        }
    } else {
        let summary = rep.summary();
        match a.format {
            TextOrJson::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&summary.to_json()).map_err(CliError::runtime)?
            ),
            TextOrJson::Text => {
                out!("{}", summary_text(&summary));
                outln!(
                    "wrote {}/suggestions.json, range_test.png and seed<S>/ for each seed",
                    a.out.display()
                );
            }
        }
    }
    Ok(())
}
