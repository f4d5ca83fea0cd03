//! Command-line flags (clap). Flag names are part of the interface other tools call: keep them.
use std::path::PathBuf;

use clap::{Arg, ArgAction, Args, Parser, Subcommand, ValueEnum};
use cyclr::schedule::Policy;
use cyclr::schedule::registry::{Flag, FlagKind, flags};

const ABOUT: &str = "Cyclical learning rates: schedules, LR range tests, training and policy comparisons.

Run without a subcommand (or `cyclr demo`) for the main job on the embedded digits dataset:
range test -> CLR bounds -> train with triangular2 and with a fixed LR -> comparison table and plots.";

/// An integer flag: clap's own parser says only "too large to fit in target type"; this one says
/// the limit.
pub fn int(s: &str) -> Result<i64, String> {
    use std::num::IntErrorKind;
    s.trim().parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => {
            format!("{s} is too large: the largest accepted is {}", i64::MAX)
        }
        IntErrorKind::NegOverflow => {
            format!("{s} is too small: the smallest accepted is {}", i64::MIN)
        }
        _ => format!("{s:?} is not an integer"),
    })
}

/// A seed: an integer from 0 to 2^64 − 1 (the limit said when it is exceeded).
pub fn seed(s: &str) -> Result<u64, String> {
    use std::num::IntErrorKind;
    s.trim().parse::<u64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => format!("{s} is too large: the largest seed is {}", u64::MAX),
        _ => format!("{s:?} is not a non-negative integer"),
    })
}

#[derive(Parser, Debug)]
#[command(name = "cyclr", version, about = ABOUT, long_about = ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a learning-rate (and momentum) schedule, one row per iteration.
    #[command(long_about = schedule_help())]
    Schedule(Box<ScheduleArgs>),
    /// Suggest learning rates and CLR bounds from a logged range-test curve (CSV/TSV/text/JSON
    /// with `lr`,`loss`).
    Suggest(SuggestArgs),
    /// Run an LR range test on real data and suggest learning rates and CLR bounds.
    Find(Box<FindArgs>),
    /// Train a model with any cyclr policy.
    Train(Box<TrainArgs>),
    /// Compare several policies x seeds from an experiment TOML file.
    Compare(CompareArgs),
    /// The main job on the embedded digits dataset (also what plain `cyclr` runs).
    Demo(DemoArgs),
}

/// The policies a flag can name (all but `sequence`, which needs a config file).
pub fn policy_names() -> Vec<&'static str> {
    Policy::names()
        .into_iter()
        .filter(|n| *n != "sequence")
        .collect()
}

/// `--policy` / the `schedule` positional: a policy name (clap lists the valid ones).
pub fn policy_parser() -> impl clap::builder::TypedValueParser<Value = Policy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(policy_names())
        .map(|s| s.parse::<Policy>().expect("a listed policy name"))
}

/// `cyclr schedule --help`: every policy with its flags and formula, from the library's table.
pub fn schedule_help() -> String {
    let mut s = String::from(
        "Print a learning-rate (and momentum) schedule, one row per iteration t = 0..iters-1.\n\n\
         Policies, their flags ([optional]) and formulas (t = iteration):\n",
    );
    for p in Policy::ALL {
        if p == Policy::Sequence {
            continue;
        }
        let req: Vec<String> = p.required_keys().iter().map(|k| key_flag(k)).collect();
        let opt: Vec<String> = p
            .optional_keys()
            .iter()
            .filter(|k| **k != "warmup" && **k != "total_steps")
            .map(|k| format!("[{}]", key_flag(k)))
            .collect();
        s.push_str(&format!(
            "  {:<26} {} {}\n      {}\n",
            p.as_str(),
            req.join(" "),
            opt.join(" "),
            p.formula()
        ));
    }
    s.push_str(
        "  --warmup N on any policy: linear warm-up over the first N iterations (lr x min(1, (t+1)/N));\n\
         transformers' policies also have their own --num-warmup-steps (t/N from 0, as transformers).\n\
         --config FILE reads the policy from TOML/JSON (the keys of an experiment's `schedule`).\n\
         \x20 sequence (only in --config): schedules one after another, each from its own t = 0 at\n\
         \x20     its milestone (PyTorch SequentialLR, optax join_schedules): policy = \"sequence\",\n\
         \x20     milestones = [50], then one [[schedules]] table per part.",
    );
    s
}

/// The command-line flag of a config key: `base_lr` -> `--base-lr` (`total_steps` is `--iters`).
pub fn key_flag(key: &str) -> String {
    match key {
        "total_steps" => "--iters".to_string(),
        "auto_lr" => "--lr auto".to_string(),
        "r" => "--sf-r".to_string(),
        "betas[0]" | "betas[1]" => "--betas".to_string(),
        k => format!("--{}", k.replace('_', "-")),
    }
}

/// A policy flag's value as clap parsed it.
#[derive(Debug, Clone, PartialEq)]
pub enum FlagValue {
    /// [`FlagKind::Float`].
    Float(f64),
    /// [`FlagKind::Count`]: signed, so that a negative count gets a clear message.
    Count(i64),
    /// [`FlagKind::Bool`] and [`FlagKind::Switch`].
    Bool(bool),
    /// [`FlagKind::Choice`], [`FlagKind::LrOrAuto`], [`FlagKind::List`]: read by `cmd::policy`.
    Text(String),
}

/// The flags that parameterise a policy (shared by `schedule` and `train`): one per key of the
/// library's flag table ([`cyclr::schedule::registry::flags`], which every policy's declaration
/// feeds), `--base-lr` for `base_lr`, built with clap's builder API in the table's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyFlags {
    /// Every flag given, in the table's order (a switch only when present).
    pub given: Vec<(&'static str, FlagValue)>,
}

impl PolicyFlags {
    /// The value of `key`'s flag, if given.
    pub fn get(&self, key: &str) -> Option<&FlagValue> {
        self.given.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// The clap argument of a key's flag.
fn flag_arg(key: &'static str, f: &Flag) -> Arg {
    let long: &'static str = Box::leak(key.replace('_', "-").into_boxed_str());
    let mut a = Arg::new(key).long(long).help(f.help).required(false);
    if key == "lr" {
        // So that a misspelt --lerning-rate is pointed to --lr, not to --min-lr-rate.
        a = a.visible_alias("learning-rate");
    }
    match f.kind {
        FlagKind::Switch => a.action(ArgAction::SetTrue),
        kind => {
            let a = a.value_name(f.value_name).action(ArgAction::Set);
            match kind {
                FlagKind::Float => a
                    .value_parser(clap::value_parser!(f64))
                    .allow_negative_numbers(true),
                FlagKind::Count => a.value_parser(int).allow_negative_numbers(true),
                FlagKind::Bool => a.value_parser(clap::value_parser!(bool)),
                FlagKind::LrOrAuto => a
                    .value_parser(clap::value_parser!(String))
                    .allow_negative_numbers(true),
                _ => a.value_parser(clap::value_parser!(String)),
            }
        }
    }
}

impl clap::Args for PolicyFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        flags()
            .iter()
            .fold(cmd, |cmd, (key, f)| cmd.arg(flag_arg(key, f)))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for PolicyFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut f = PolicyFlags::default();
        f.update_from_arg_matches(m)?;
        Ok(f)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        for (key, f) in flags() {
            let v = match f.kind {
                FlagKind::Float => m.get_one::<f64>(key).copied().map(FlagValue::Float),
                FlagKind::Count => m.get_one::<i64>(key).copied().map(FlagValue::Count),
                FlagKind::Bool => m.get_one::<bool>(key).copied().map(FlagValue::Bool),
                FlagKind::Switch => m.get_flag(key).then_some(FlagValue::Bool(true)),
                _ => m.get_one::<String>(key).cloned().map(FlagValue::Text),
            };
            if let Some(v) = v {
                self.given.retain(|(k, _)| k != key);
                self.given.push((key, v));
            }
        }
        Ok(())
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScheduleFormat {
    #[default]
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    /// The policy (or give --config).
    #[arg(value_parser = policy_parser(), required_unless_present = "config")]
    pub policy: Option<Policy>,
    /// Read the policy from a TOML or JSON file (an experiment's `schedule` keys, with `policy`);
    /// flags given too override its values.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub flags: PolicyFlags,
    /// Number of iterations to print (and the run length one-cycle spans).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = int)]
    pub iters: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ScheduleFormat,
    /// Also draw the schedule (LR, and momentum on a second axis) to FILE.png or FILE.svg.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestMethod {
    /// fastai's default: the middle of the longest descent.
    Valley,
    /// fastai: the steepest slope of loss vs log lr.
    Steep,
    /// fastai: the lr at the minimum loss / 10.
    Minimum,
    /// fastai: the interval slide rule.
    Slide,
    /// PyTorch Lightning 2.6.6's lr_find: its smoothing, stop rule and suggestion.
    Lightning,
    /// torch-lr-finder 0.2.2's range_test: its smoothing, stop rule and suggestion.
    TorchLrFinder,
    /// fastai's four and the two libraries'.
    All,
}

/// Whose range test `cyclr find` runs (sweep, defaults, stop rule).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FinderKind {
    /// cyclr's calibrated sweep: 1e-6 -> 10 in 280 steps, fastai's smoothing and 4x stop.
    #[default]
    Cyclr,
    /// fastai 2.8.12's lr_find: 1e-7 -> 10 in 100 steps, lr_i = start*(end/start)^(i/100).
    Fastai,
    /// PyTorch Lightning 2.6.6's lr_find: 1e-8 -> 1 in 100 steps, its smoothing and 4x stop.
    Lightning,
    /// torch-lr-finder 0.2.2's range_test: 1e-7 -> 10 in 100 steps, its smoothing and 5x stop.
    TorchLrFinder,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextOrJson {
    #[default]
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestMetric {
    Loss,
    Accuracy,
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    /// Range-test curve: CSV, TSV or whitespace-separated text (detected from the header) with
    /// columns `lr` and `loss` (by name; `train_loss`, `val_loss`, ... and Lightning's `lr-SGD`
    /// are recognised too), optional `iteration`, `accuracy`; or a JSON object of columns
    /// (`{"lr": [...], "loss": [...]}`: torch-lr-finder's `history`, Lightning's `results`).
    /// Rows in any order (sorted by lr; repeated lrs averaged). `-` reads standard input.
    #[arg(long, value_name = "CURVE.csv|.json|-")]
    pub input: PathBuf,
    /// The loss column's header, when it is not one of the usual names (e.g. W&B's `train/loss`).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// The learning-rate column's header, when it is not `lr`, `learning_rate` or `lr-*`.
    #[arg(long, value_name = "NAME")]
    pub lr_column: Option<String>,
    /// Which suggestion to print (fastai's default is valley; lightning and torch-lr-finder
    /// replay those libraries' own range tests on the curve's raw loss).
    #[arg(long, value_enum, default_value = "all")]
    pub method: SuggestMethod,
    /// Smoothing factor of the bias-corrected exponential moving average (fastai's and cyclr's;
    /// lightning and torch-lr-finder use their own: 0.98 debiased from step 1, 0.05 undebiased).
    #[arg(
        long,
        value_name = "B",
        default_value_t = 0.98,
        allow_negative_numbers = true
    )]
    pub beta: f64,
    /// Stop when the smoothed loss exceeds K x the best so far (for a negative best: once it has
    /// risen above it by (K-1) x |best|). fastai's and cyclr's; lightning stops at 4 x,
    /// torch-lr-finder at 5 x.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 4.0,
        allow_negative_numbers = true
    )]
    pub stop_factor: f64,
    /// Planned number of iterations of the test (fastai skips the first iters/10 points);
    /// default: the number of rows. (`--num-it` is the old spelling.)
    #[arg(
        long,
        visible_alias = "num-it",
        value_name = "N",
        allow_negative_numbers = true
    , value_parser = int)]
    pub iters: Option<i64>,
    /// The loss is already smoothed (torch-lr-finder's `history`, Lightning's `results`): read
    /// it as it is (no EMA; the libraries' suggestions computed on it directly).
    #[arg(long)]
    pub smoothed: bool,
    /// What the curve's values are: loss (default) or accuracy (the paper's method, the
    /// `accuracy` column), as `cyclr find --metric`.
    #[arg(long, value_enum)]
    pub metric: Option<SuggestMetric>,
    /// Same as `--metric accuracy` (the old spelling).
    #[arg(long, hide = true)]
    pub accuracy: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
    /// Draw raw and smoothed loss against lr, the suggestions and the CLR band.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// Model, data and optimizer flags shared by `find` and `train`. None has a clap default: the
/// defaults are the library's ([`crate::cmd::setup`]), so a resumed run can tell a flag given
/// from one left out.
#[derive(Args, Debug, Clone, Default)]
pub struct SetupFlags {
    /// digits (embedded) | fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | csv:FILE | folder:DIR
    /// [default: digits]
    #[arg(long)]
    pub dataset: Option<String>,
    /// mlp | lenet | cifar10-quick | cifar10-full | resnet [default: mlp]
    #[arg(long)]
    pub model: Option<String>,
    /// relu | sigmoid [default: relu]
    #[arg(long)]
    pub activation: Option<String>,
    /// Add batch normalisation after each hidden layer.
    #[arg(long)]
    pub batch_norm: bool,
    /// sgd | nesterov | adam | adamw | rmsprop | adagrad | adadelta, or learning-rate-free:
    /// sgd-schedulefree | adamw-schedulefree | prodigy | dadapt-adam | dadapt-sgd [default: sgd]
    #[arg(long)]
    pub optimizer: Option<String>,
    /// SGD/RMSProp momentum or Adam beta1 when the policy does not cycle it
    /// (default: 0.9 for sgd/nesterov/adam/adamw, 0 for rmsprop); the momentum or betas[0] of
    /// the learning-rate-free optimizers.
    #[arg(long, allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// L2 weight decay (decoupled for adamw; prodigy decouples by default) [default: 0].
    #[arg(long, allow_negative_numbers = true)]
    pub weight_decay: Option<f64>,
    /// Adam-type (beta1, beta2): adam, adamw, adamw-schedulefree, prodigy, dadapt-adam.
    #[arg(long, value_name = "B1,B2")]
    pub betas: Option<String>,
    /// Denominator term of the Adam-type optimizers.
    #[arg(long, allow_negative_numbers = true)]
    pub eps: Option<f64>,
    /// Schedule-free: linear warm-up steps (the optimizer's own; its schedule is `fixed`).
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub warmup_steps: Option<i64>,
    /// Schedule-free: polynomial weighting power r of the average [default: 0].
    #[arg(long = "sf-r", allow_negative_numbers = true, value_name = "R")]
    pub r: Option<f64>,
    /// Schedule-free: power of lr_max in the averaging weights [default: 2].
    #[arg(long, allow_negative_numbers = true)]
    pub weight_lr_power: Option<f64>,
    /// Prodigy / D-Adaptation: initial estimate of d [default: 1e-6].
    #[arg(long, allow_negative_numbers = true)]
    pub d0: Option<f64>,
    /// Prodigy: coefficient of the d estimate [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    pub d_coef: Option<f64>,
    /// Prodigy / D-Adaptation: largest growth factor of d per step [default: inf].
    #[arg(long, allow_negative_numbers = true)]
    pub growth_rate: Option<f64>,
    /// Prodigy: averaging coefficient of the d estimate [default: sqrt(beta2)].
    #[arg(long, allow_negative_numbers = true)]
    pub beta3: Option<f64>,
    /// Prodigy / D-Adapt Adam: decoupled (AdamW-style) weight decay (prodigy: true, dadapt-adam:
    /// false by default).
    #[arg(long, value_name = "BOOL")]
    pub decouple: Option<bool>,
    /// Prodigy / D-Adapt Adam: Adam's bias correction in the step size [default: false].
    #[arg(long, value_name = "BOOL")]
    pub use_bias_correction: Option<bool>,
    /// Prodigy: keep lr out of the d estimate's denominator (for warm-up schedules).
    #[arg(long, value_name = "BOOL")]
    pub safeguard_warmup: Option<bool>,
    /// Mini-batch size [default: 128].
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub batch_size: Option<i64>,
    /// Seed for weights, data order and the train/test split [default: 0].
    #[arg(long, value_parser = seed)]
    pub seed: Option<u64>,
    /// Convolution and max-pool kernels: cyclr's (faster on CPU) or burn's own [default: cyclr].
    #[arg(long, value_name = "cyclr|burn")]
    pub kernels: Option<String>,
    /// Where to train: cpu (burn's Flex), wgpu (best adapter), wgpu:cpu (a CPU adapter such as
    /// lavapipe), wgpu:N (N-th discrete GPU), cuda[:N]; the GPU ones need a build with
    /// `--features wgpu` / `cuda` [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepMode {
    Exp,
    Linear,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindMetric {
    Loss,
    ValLoss,
    Accuracy,
}

/// The range test of `train --lr auto` (the same sweep as `cyclr find`'s by default).
#[derive(Args, Debug, Clone, Default)]
pub struct RangeFlags {
    /// --lr auto: first LR of the sweep (default 1e-6, cyclr's calibrated sweep).
    #[arg(long, allow_negative_numbers = true)]
    pub range_start_lr: Option<f64>,
    /// --lr auto: last LR of the sweep (default 10).
    #[arg(long, allow_negative_numbers = true)]
    pub range_end_lr: Option<f64>,
    /// --lr auto: sweep iterations (default 280).
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub range_iters: Option<i64>,
    /// --lr auto: run the range test once per seed (e.g. 0,1,2) and train with the median of
    /// each learning rate (default: one test, with --seed).
    #[arg(long, value_name = "S1,S2,...")]
    pub range_seeds: Option<String>,
    /// Train with the rates of the range test an earlier `cyclr find` (or `train --lr auto`)
    /// saved in DIR, instead of running one (implies --lr auto); refused when that test ran on
    /// another dataset, network, optimizer, batch size or sweep than this run's.
    #[arg(long, value_name = "DIR")]
    pub lr_from: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct FindArgs {
    #[command(flatten)]
    pub setup: SetupFlags,
    /// Whose range test: its sweep, defaults and stop rule (fastai's four suggestions and
    /// cyclr's rates are computed on every curve; lightning and torch-lr-finder add their own
    /// suggestion).
    #[arg(long, value_enum, default_value = "cyclr")]
    pub finder: FinderKind,
    /// First LR of the sweep (default: the finder's: cyclr 1e-6, fastai 1e-7, lightning 1e-8,
    /// torch-lr-finder 1e-7).
    #[arg(long, allow_negative_numbers = true)]
    pub start_lr: Option<f64>,
    /// Last LR of the sweep (default: the finder's: 10, lightning 1).
    #[arg(long, allow_negative_numbers = true)]
    pub end_lr: Option<f64>,
    /// Number of sweep iterations (default: the finder's: cyclr 280, the others 100).
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub iters: Option<i64>,
    /// Run the test once per seed (e.g. 0,1,2): each seed's curve and the spread of every
    /// suggestion, and the median learning rates (what `train --lr auto --range-seeds` uses).
    #[arg(long, value_name = "S1,S2,...")]
    pub seeds: Option<String>,
    /// Output format of the summary on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
    /// exp (the finder's exponential sweep) or linear (Smith's paper; Lightning's and
    /// torch-lr-finder's linear modes with those finders).
    #[arg(long, value_enum, default_value = "exp")]
    pub mode: SweepMode,
    /// What to record: training loss (fastai), validation loss, or accuracy (the paper).
    #[arg(long, value_enum, default_value = "loss")]
    pub metric: FindMetric,
    /// Evaluate the held-out split every K steps (accuracy / val-loss metrics).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = int)]
    pub eval_every: i64,
    /// Output directory for range_test.csv, range_test.png, suggestions.json and range_test.json
    /// (what the test ran on).
    #[arg(long, default_value = "out/find")]
    pub out: PathBuf,
    /// Replace what --out holds (a train run, or the range test of another setup); without it
    /// such a directory is refused. The same range test again always replaces its own files.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub setup: SetupFlags,
    /// The LR policy (flags as for `cyclr schedule`). Default: triangular2.
    #[arg(long, value_parser = policy_parser())]
    pub policy: Option<Policy>,
    #[command(flatten)]
    pub flags: PolicyFlags,
    #[command(flatten)]
    pub range: RangeFlags,
    /// Training iterations (optimizer steps); required unless --resume continues a run.
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub iters: Option<i64>,
    /// Evaluate on the test split every K iterations (and at the end) [default: 100].
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub eval_every: Option<i64>,
    /// Write a checkpoint every K iterations (default: at every evaluation).
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub checkpoint_every: Option<i64>,
    /// Output directory: metrics.csv, summary.json, curves.png/.svg, checkpoint.
    #[arg(long, default_value = "out/train")]
    pub out: PathBuf,
    /// Continue the run in --out from its newest checkpoint: `--resume --out DIR` alone is
    /// enough (DIR/run.json remembers the configuration); flags given again must agree with it.
    #[arg(long)]
    pub resume: bool,
    /// Replace the run already in --out (its checkpoints and outputs are deleted first).
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Output format of the final summary on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
    /// Do not draw a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("experiment").required(true).args(["config", "template"])))]
pub struct CompareArgs {
    /// Experiment file (see experiments/; `--template` prints one with every key).
    #[arg(long, value_name = "EXPERIMENT.toml")]
    pub config: Option<PathBuf>,
    /// Print a commented experiment file with every key at its default (every dataset, model,
    /// optimizer with its keys, policy with its keys) and exit: `cyclr compare --template >
    /// my.toml`.
    #[arg(long)]
    pub template: bool,
    /// Output directory (default: out/compare/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs in parallel.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = int)]
    pub jobs: i64,
    /// Do not draw progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Do not train: redraw the table, plots and report from the runs finished in --out
    /// (listing the ones still missing).
    #[arg(long)]
    pub report_only: bool,
    /// Convolution and max-pool kernels, overriding the experiment's `kernels`: cyclr | burn.
    #[arg(long, value_name = "cyclr|burn")]
    pub kernels: Option<String>,
    /// Where every run trains, overriding the experiment's `device`: cpu | wgpu | wgpu:cpu |
    /// wgpu:N | cuda[:N] (GPU ones need a build with that feature).
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<String>,
    /// Seeds instead of the experiment's `seeds` (e.g. 0 for a quick trial).
    #[arg(long, value_name = "S1,S2,...")]
    pub seeds: Option<String>,
    /// Train every run this many iterations instead, each schedule planned for that length
    /// (iteration counts scaled, as for `budgets`); evaluations keep their number.
    #[arg(long, allow_negative_numbers = true, value_parser = int)]
    pub iters: Option<i64>,
    /// Only this share of the jobs: K/N runs job i (in run, budget, seed order) when
    /// i mod N = K - 1. Shards share --out (range tests are computed once); merge their
    /// results with --report-only.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Output format of the final summary on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// Training iterations per policy.
    #[arg(long, default_value_t = 1200, allow_negative_numbers = true, value_parser = int)]
    pub iters: i64,
    /// Seed.
    #[arg(long, default_value_t = 0, value_parser = seed)]
    pub seed: u64,
    /// Where to train: cpu | wgpu | wgpu:cpu | wgpu:N | cuda[:N] [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<String>,
    /// Do not draw progress bars.
    #[arg(long)]
    pub quiet: bool,
}
