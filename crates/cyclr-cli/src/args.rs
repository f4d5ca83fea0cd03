//! Command-line flags (clap). Flag names are part of the interface other tools call: keep them.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Cyclical learning rates: schedules, LR range tests, training and policy comparisons.

Run without a subcommand (or `cyclr demo`) for the main job on the embedded digits dataset:
range test -> CLR bounds -> train with triangular2 and with a fixed LR -> comparison table and plots.";

#[derive(Parser, Debug)]
#[command(name = "cyclr", version, about = ABOUT, long_about = ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a learning-rate (and momentum) schedule, one row per iteration.
    #[command(long_about = SCHEDULE_HELP)]
    Schedule(ScheduleArgs),
    /// Suggest learning rates and CLR bounds from a logged range-test curve (CSV with `lr`,`loss`).
    Suggest(SuggestArgs),
    /// Run an LR range test on real data and suggest learning rates and CLR bounds.
    Find(FindArgs),
    /// Train a model with any cyclr policy.
    Train(TrainArgs),
    /// Compare several policies x seeds from an experiment TOML file.
    Compare(CompareArgs),
    /// The main job on the embedded digits dataset (also what plain `cyclr` runs).
    Demo(DemoArgs),
}

pub const SCHEDULE_HELP: &str = "Print a learning-rate (and momentum) schedule, one row per iteration t = 0..iters-1.

Policies and their flags (t = iteration, s = --step-size):
  triangular | triangular2 | exp-range | welch | hann
      --base-lr --max-lr --step-size [--step-size-down] [--gamma] [--base-momentum --max-momentum]
      cycle = floor(1 + t/(2s)), x = |t/s - 2*cycle + 1|,
      lr = base + (max - base) * w(x) * scale, w = max(0, 1-x) (triangular), 1 - x^2 (welch),
      (1 + cos(pi x))/2 (hann); scale = 1 (triangular), 1/2^(cycle-1) (triangular2), gamma^t (exp-range).
      With --base-momentum/--max-momentum momentum cycles inversely (PyTorch CyclicLR).
  one-cycle --max-lr --iters [--style pytorch|fastai] [--pct-start] [--anneal cos|linear] [--div]
      [--final-div] [--three-phase] [--base-momentum --max-momentum]
      pytorch (OneCycleLR): start max/div (25), end start/final-div (1e4), pct-start 0.3, moms 0.85/0.95.
      fastai (fit_one_cycle): start max/div (25), end max/final-div (1e5), pct-start 0.25, cosine,
      moms 0.95/0.85/0.95; value at batch i is f(i/iters).
  sgdr --max-lr --min-lr --t0 [--t-mult]   cosine annealing with warm restarts (SGDR).
  fixed --lr                               lr
  step --lr --gamma --step-size            lr * gamma^floor(t/s)
  multistep --lr --gamma --milestones a,b  lr * gamma^(number of milestones <= t)
  exp --lr --gamma                         lr * gamma^t
  inv --lr --gamma --power                 lr * (1 + gamma*t)^(-power)
  poly --lr --power --max-iter             lr * (1 - min(t, max-iter)/max-iter)^power
  sigmoid --lr --gamma --step-size         lr / (1 + exp(-gamma*(t - s)))
  --warmup N on any policy: linear warm-up over the first N iterations.";

/// Every policy `cyclr` knows (the names other tools call).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyName {
    Triangular,
    Triangular2,
    ExpRange,
    Welch,
    Hann,
    OneCycle,
    Sgdr,
    Fixed,
    Step,
    Multistep,
    Exp,
    Inv,
    Poly,
    Sigmoid,
}

impl PolicyName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triangular => "triangular",
            Self::Triangular2 => "triangular2",
            Self::ExpRange => "exp-range",
            Self::Welch => "welch",
            Self::Hann => "hann",
            Self::OneCycle => "one-cycle",
            Self::Sgdr => "sgdr",
            Self::Fixed => "fixed",
            Self::Step => "step",
            Self::Multistep => "multistep",
            Self::Exp => "exp",
            Self::Inv => "inv",
            Self::Poly => "poly",
            Self::Sigmoid => "sigmoid",
        }
    }
}

/// The flags that parameterise a policy (shared by `schedule` and `train`).
#[derive(Args, Debug, Clone, Default)]
pub struct PolicyFlags {
    /// Lower LR bound of a cyclical policy.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub base_lr: Option<f64>,
    /// Upper LR bound (cyclical, one-cycle, sgdr).
    #[arg(long, value_name = "Y", allow_negative_numbers = true)]
    pub max_lr: Option<f64>,
    /// Half-cycle length in iterations (cyclical: up phase; step/sigmoid: step length).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub step_size: Option<i64>,
    /// Down-phase length of an asymmetric cycle (PyTorch step_size_down).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub step_size_down: Option<i64>,
    /// Decay factor (exp-range, step, multistep, exp, inv, sigmoid).
    #[arg(long, value_name = "G", allow_negative_numbers = true)]
    pub gamma: Option<f64>,
    /// Lowest momentum (reached at the LR peak).
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub base_momentum: Option<f64>,
    /// Highest momentum (at the LR trough).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub max_momentum: Option<f64>,
    /// One-cycle style: PyTorch OneCycleLR or fastai fit_one_cycle semantics.
    #[arg(long, value_name = "pytorch|fastai")]
    pub style: Option<String>,
    /// One-cycle: fraction of the cycle spent increasing the LR.
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub pct_start: Option<f64>,
    /// One-cycle annealing: cos or linear.
    #[arg(long, value_name = "cos|linear")]
    pub anneal: Option<String>,
    /// One-cycle: initial LR = max-lr / div.
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub div: Option<f64>,
    /// One-cycle: final LR divisor (pytorch: of the initial LR; fastai: of max-lr).
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub final_div: Option<f64>,
    /// One-cycle: PyTorch three-phase variant.
    #[arg(long)]
    pub three_phase: bool,
    /// SGDR: minimum LR (eta_min).
    #[arg(long, value_name = "Y", allow_negative_numbers = true)]
    pub min_lr: Option<f64>,
    /// SGDR: first cycle length (T_0).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub t0: Option<i64>,
    /// SGDR: cycle length multiplier (T_mult).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub t_mult: Option<i64>,
    /// Base LR of fixed/step/multistep/exp/inv/poly/sigmoid.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub lr: Option<String>,
    /// Multistep milestones, comma-separated, increasing.
    #[arg(long, value_name = "a,b,c")]
    pub milestones: Option<String>,
    /// Exponent of inv/poly.
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub power: Option<f64>,
    /// Poly: iteration at which the LR reaches 0.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_iter: Option<i64>,
    /// Linear warm-up over the first N iterations (any policy).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub warmup: Option<i64>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScheduleFormat {
    #[default]
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    /// The policy.
    #[arg(value_enum)]
    pub policy: PolicyName,
    #[command(flatten)]
    pub flags: PolicyFlags,
    /// Number of iterations to print (and the run length one-cycle spans).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
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
    Valley,
    Steep,
    Minimum,
    Slide,
    All,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextOrJson {
    #[default]
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    /// Range-test curve: CSV with columns `lr` and `loss` (by name), optional `iteration`, `accuracy`.
    #[arg(long, value_name = "CURVE.csv")]
    pub input: PathBuf,
    /// Which suggestion to print (fastai's default is valley).
    #[arg(long, value_enum, default_value = "all")]
    pub method: SuggestMethod,
    /// Smoothing factor of the bias-corrected exponential moving average.
    #[arg(
        long,
        value_name = "B",
        default_value_t = 0.98,
        allow_negative_numbers = true
    )]
    pub beta: f64,
    /// Stop when the smoothed loss exceeds K x the best so far.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 4.0,
        allow_negative_numbers = true
    )]
    pub stop_factor: f64,
    /// Planned number of iterations of the test (fastai skips the first num-it/10 points);
    /// default: the number of rows.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub num_it: Option<i64>,
    /// Use the `accuracy` column (the paper's method) instead of `loss`.
    #[arg(long)]
    pub accuracy: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
    /// Draw raw and smoothed loss against lr, the suggestions and the CLR band.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// Model, data and optimizer flags shared by `find` and `train`.
#[derive(Args, Debug, Clone)]
pub struct SetupFlags {
    /// digits (embedded) | fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR
    #[arg(long, default_value = "digits")]
    pub dataset: String,
    /// mlp | lenet | cifar10-quick | cifar10-full | resnet
    #[arg(long, default_value = "mlp")]
    pub model: String,
    /// relu | sigmoid
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// Add batch normalisation after each hidden layer.
    #[arg(long)]
    pub batch_norm: bool,
    /// sgd | nesterov | adam | rmsprop | adagrad | adadelta
    #[arg(long, default_value = "sgd")]
    pub optimizer: String,
    /// SGD/RMSProp momentum or Adam beta1 when the policy does not cycle it
    /// (default: 0.9 for sgd/nesterov/adam, 0 for rmsprop).
    #[arg(long, allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// L2 weight decay.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub weight_decay: f64,
    /// Mini-batch size.
    #[arg(long, default_value_t = 128, allow_negative_numbers = true)]
    pub batch_size: i64,
    /// Seed for weights, data order and the train/test split.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
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

#[derive(Args, Debug)]
pub struct FindArgs {
    #[command(flatten)]
    pub setup: SetupFlags,
    /// First LR of the sweep.
    #[arg(long, default_value_t = 1e-7, allow_negative_numbers = true)]
    pub start_lr: f64,
    /// Last LR of the sweep.
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub end_lr: f64,
    /// Number of sweep iterations.
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    pub iters: i64,
    /// exp (fastai) or linear (Smith's paper).
    #[arg(long, value_enum, default_value = "exp")]
    pub mode: SweepMode,
    /// What to record: training loss (fastai), validation loss, or accuracy (the paper).
    #[arg(long, value_enum, default_value = "loss")]
    pub metric: FindMetric,
    /// Evaluate the held-out split every K steps (accuracy / val-loss metrics).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub eval_every: i64,
    /// Output directory for range_test.csv, range_test.png and suggestions.json.
    #[arg(long, default_value = "out/find")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub setup: SetupFlags,
    /// The LR policy (flags as for `cyclr schedule`).
    #[arg(long, value_enum, default_value = "triangular2")]
    pub policy: PolicyName,
    #[command(flatten)]
    pub flags: PolicyFlags,
    /// Training iterations (optimizer steps).
    #[arg(long, allow_negative_numbers = true)]
    pub iters: i64,
    /// Evaluate on the test split every K iterations (and at the end).
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    pub eval_every: i64,
    /// Write a checkpoint every K iterations (default: at every evaluation).
    #[arg(long, allow_negative_numbers = true)]
    pub checkpoint_every: Option<i64>,
    /// Output directory: metrics.csv, summary.json, curves.png/.svg, checkpoint.
    #[arg(long, default_value = "out/train")]
    pub out: PathBuf,
    /// Continue from the checkpoint in --out.
    #[arg(long)]
    pub resume: bool,
    /// Do not draw a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Experiment file (see experiments/).
    #[arg(long, value_name = "EXPERIMENT.toml")]
    pub config: PathBuf,
    /// Output directory (default: out/compare/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs in parallel.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub jobs: i64,
    /// Do not draw progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Do not train: redraw the table, plots and report from the `outcomes.json` of an earlier
    /// run in --out.
    #[arg(long)]
    pub report_only: bool,
}

#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// Training iterations per policy.
    #[arg(long, default_value_t = 1200, allow_negative_numbers = true)]
    pub iters: i64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do not draw progress bars.
    #[arg(long)]
    pub quiet: bool,
}
