//! Bad input to `cyclr schedule` and `cyclr suggest`, table-driven, through the real binary.
//!
//! Every case must: exit with status 2 (usage error); print nothing on stdout; print an
//! `error: …` message on stderr that contains each expected substring (the flag and the bad
//! value or the valid range); never panic; and leave its working directory exactly as it was
//! (no plot file, no temporary file, no directory created).
//!
mod common;

use std::path::Path;

use common::*;

struct Case {
    /// Short description (printed on failure).
    name: &'static str,
    /// Arguments; `{golden}` is replaced by the path of a valid golden range-test curve.
    args: &'static [&'static str],
    /// Input files created in the case's (empty) working directory before the run.
    files: &'static [(&'static str, &'static str)],
    /// Substrings stderr must contain.
    want: &'static [&'static str],
}

const fn case(
    name: &'static str,
    args: &'static [&'static str],
    want: &'static [&'static str],
) -> Case {
    Case {
        name,
        args,
        files: &[],
        want,
    }
}

const fn with_files(
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    want: &'static [&'static str],
) -> Case {
    Case {
        name,
        args,
        files,
        want,
    }
}

impl Case {}

/// `schedule` cases. Many carry `--plot plots/x.png` to check that nothing is drawn.
#[rustfmt::skip]
const SCHEDULE: &[Case] = &[
    case(
        "a --plot in a folder that cannot be written",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--iters", "10", "--plot", "/proc/cyclr-x.png"],
        &["--plot", "/proc/cyclr-x.png", "cannot write"],
    ),
    // --- the transformers policies ---
    case(
        "cosine-with-warmup: negative --num-warmup-steps",
        &["schedule", "cosine-with-warmup", "--lr", "0.1", "--num-warmup-steps", "-1", "--iters", "10", "--plot", "plots/x.png"],
        &["--num-warmup-steps", "-1", "non-negative"],
    ),
    case(
        "cosine-with-warmup: NaN --num-cycles",
        &["schedule", "cosine-with-warmup", "--lr", "0.1", "--num-warmup-steps", "2", "--num-cycles", "nan", "--iters", "10"],
        &["--num-cycles", "NaN", "finite"],
    ),
    case(
        "cosine-with-warmup: --min-lr-rate above 1",
        &["schedule", "cosine-with-warmup", "--lr", "0.1", "--num-warmup-steps", "2", "--min-lr-rate", "2", "--iters", "10"],
        &["--min-lr-rate", "2", "[0, 1]"],
    ),
    case(
        "wsd: an unknown --decay-type",
        &["schedule", "wsd", "--lr", "0.1", "--num-warmup-steps", "2", "--num-decay-steps", "5", "--decay-type", "bogus", "--iters", "10"],
        &["--decay-type", "bogus", "1-sqrt"],
    ),
    case(
        "wsd: warm-up and decay longer than the run",
        &["schedule", "wsd", "--lr", "0.1", "--num-warmup-steps", "2", "--num-decay-steps", "20", "--iters", "10"],
        &["--num-decay-steps", "20", "--num-training-steps"],
    ),
    case(
        "inverse-sqrt: --timescale 0",
        &["schedule", "inverse-sqrt", "--lr", "0.1", "--num-warmup-steps", "2", "--timescale", "0", "--iters", "10"],
        &["--timescale", "0", "≥ 1"],
    ),
    case(
        "polynomial-with-warmup: --lr-end above --lr",
        &["schedule", "polynomial-with-warmup", "--lr", "0.1", "--num-warmup-steps", "2", "--lr-end", "0.5", "--iters", "10"],
        &["--lr-end", "0.5", "--lr"],
    ),
    case(
        "linear-with-warmup: warm-up longer than training",
        &["schedule", "linear-with-warmup", "--lr", "0.1", "--num-warmup-steps", "20", "--num-training-steps", "10", "--iters", "10"],
        &["--num-warmup-steps", "20", "--num-training-steps"],
    ),
    case(
        "constant-with-warmup: negative --lr",
        &["schedule", "constant-with-warmup", "--lr", "-0.1", "--num-warmup-steps", "2", "--iters", "10"],
        &["--lr", "-0.1", "> 0"],
    ),
    // --- a required flag missing, for each policy family ---
    case(
        "triangular without --base-lr",
        &["schedule", "triangular", "--max-lr", "0.1", "--step-size", "5", "--iters", "10", "--plot", "plots/x.png"],
        &["--base-lr", "missing"],
    ),
    case(
        "triangular2 without --max-lr",
        &["schedule", "triangular2", "--base-lr", "0.01", "--step-size", "5", "--iters", "10"],
        &["--max-lr", "missing"],
    ),
    case(
        "exp-range without --step-size",
        &["schedule", "exp-range", "--base-lr", "0.01", "--max-lr", "0.1", "--iters", "10", "--plot", "plots/x.png"],
        &["--step-size", "missing"],
    ),
    case(
        "welch without --step-size",
        &["schedule", "welch", "--base-lr", "0.01", "--max-lr", "0.1", "--iters", "10"],
        &["--step-size", "missing"],
    ),
    case(
        "hann without --base-lr",
        &["schedule", "hann", "--max-lr", "0.1", "--step-size", "5", "--iters", "10"],
        &["--base-lr", "missing"],
    ),
    case(
        "one-cycle without --max-lr",
        &["schedule", "one-cycle", "--iters", "10", "--plot", "plots/x.svg"],
        &["--max-lr", "missing"],
    ),
    case(
        "sgdr without --t0",
        &["schedule", "sgdr", "--max-lr", "0.1", "--iters", "10"],
        &["--t0", "missing"],
    ),
    case(
        "sgdr without --max-lr",
        &["schedule", "sgdr", "--t0", "10", "--iters", "10"],
        &["--max-lr", "missing"],
    ),
    case(
        "fixed without --lr",
        &["schedule", "fixed", "--iters", "10", "--plot", "plots/x.png"],
        &["--lr", "missing"],
    ),
    case(
        "step without --step-size",
        &["schedule", "step", "--lr", "0.1", "--iters", "10"],
        &["--step-size", "missing"],
    ),
    case(
        "step without --lr",
        &["schedule", "step", "--step-size", "5", "--iters", "10"],
        &["--lr", "missing"],
    ),
    case(
        "multistep without --milestones",
        &["schedule", "multistep", "--lr", "0.1", "--iters", "10"],
        &["--milestones", "missing"],
    ),
    case(
        "exp without --gamma",
        &["schedule", "exp", "--lr", "0.1", "--iters", "10"],
        &["--gamma", "missing"],
    ),
    case(
        "inv without --power",
        &["schedule", "inv", "--lr", "0.1", "--gamma", "0.1", "--iters", "10"],
        &["--power", "missing"],
    ),
    case(
        "poly without --lr",
        &["schedule", "poly", "--iters", "10"],
        &["--lr", "missing"],
    ),
    case(
        "sigmoid without --step-size",
        &["schedule", "sigmoid", "--lr", "0.1", "--gamma", "0.1", "--iters", "10"],
        &["--step-size", "missing"],
    ),
    case(
        "no --iters",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--plot", "plots/x.png"],
        &["--iters", "required"],
    ),
    case("no policy", &["schedule", "--iters", "10"], &["POLICY", "required"]),
    // --- a flag the policy does not take ---
    case(
        "sgdr --step-size",
        &["schedule", "sgdr", "--max-lr", "0.1", "--t0", "10", "--step-size", "5", "--iters", "10", "--plot", "plots/x.png"],
        &["--step-size", "does not apply", "--t0"],
    ),
    case(
        "triangular --gamma",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--gamma", "0.9", "--iters", "10"],
        &["--gamma", "does not apply"],
    ),
    case(
        "fixed --max-lr",
        &["schedule", "fixed", "--lr", "0.1", "--max-lr", "0.3", "--iters", "10"],
        &["--max-lr", "does not apply"],
    ),
    case(
        "one-cycle --t0",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--t0", "5", "--iters", "10"],
        &["--t0", "does not apply"],
    ),
    case(
        "triangular --style",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--style", "fastai", "--iters", "10"],
        &["--style", "does not apply"],
    ),
    case(
        "triangular --three-phase",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--three-phase", "--iters", "10"],
        &["--three-phase", "does not apply"],
    ),
    case(
        "unknown flag",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "10", "--foo", "1"],
        &["--foo"],
    ),
    // --- wrong type ---
    case(
        "--base-lr abc",
        &["schedule", "triangular", "--base-lr", "abc", "--max-lr", "0.1", "--step-size", "5", "--iters", "10"],
        &["--base-lr", "abc"],
    ),
    case(
        "--step-size 1.5",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "1.5", "--iters", "10"],
        &["--step-size", "1.5"],
    ),
    case(
        "--iters 1.5",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "1.5"],
        &["--iters", "1.5"],
    ),
    case(
        "--lr abc",
        &["schedule", "fixed", "--lr", "abc", "--iters", "10", "--plot", "plots/x.png"],
        &["--lr", "abc"],
    ),
    case(
        "--t0 x",
        &["schedule", "sgdr", "--max-lr", "0.1", "--t0", "x", "--iters", "10"],
        &["--t0", "'x'"],
    ),
    case(
        "--step-size too large for an integer",
        &["schedule", "step", "--lr", "0.1", "--step-size", "99999999999999999999", "--iters", "10"],
        &["--step-size", "99999999999999999999"],
    ),
    case(
        "--format xml",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "10", "--format", "xml"],
        &["--format", "xml", "csv", "json"],
    ),
    // --- NaN and infinity ---
    case(
        "--base-lr NaN",
        &["schedule", "triangular", "--base-lr", "NaN", "--max-lr", "0.1", "--step-size", "5", "--iters", "10", "--plot", "plots/x.png"],
        &["--base-lr", "NaN"],
    ),
    case(
        "--max-lr inf",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "inf", "--step-size", "5", "--iters", "10"],
        &["--max-lr", "inf"],
    ),
    case(
        "one-cycle --max-lr inf",
        &["schedule", "one-cycle", "--max-lr", "inf", "--iters", "10"],
        &["--max-lr", "inf"],
    ),
    case(
        "--lr nan",
        &["schedule", "fixed", "--lr", "nan", "--iters", "10"],
        &["--lr", "nan"],
    ),
    case(
        "--lr 1e400 (overflows to inf)",
        &["schedule", "fixed", "--lr", "1e400", "--iters", "10"],
        &["--lr", "1e400"],
    ),
    case(
        "--gamma=-inf",
        &["schedule", "exp", "--lr", "0.1", "--gamma=-inf", "--iters", "10"],
        &["--gamma", "inf"],
    ),
    case(
        "--pct-start NaN",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--pct-start", "NaN", "--iters", "10", "--plot", "plots/x.png"],
        &["--pct-start", "NaN"],
    ),
    case(
        "exp-range --gamma nan",
        &["schedule", "exp-range", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--gamma", "nan", "--iters", "10"],
        &["--gamma", "nan"],
    ),
    case(
        "step --gamma nan",
        &["schedule", "step", "--lr", "0.1", "--step-size", "2", "--gamma", "nan", "--iters", "10"],
        &["--gamma", "nan"],
    ),
    case(
        "sgdr --min-lr nan",
        &["schedule", "sgdr", "--max-lr", "0.1", "--min-lr", "nan", "--t0", "5", "--iters", "10"],
        &["--min-lr", "nan"],
    ),
    case(
        "poly --power inf",
        &["schedule", "poly", "--lr", "0.1", "--power", "inf", "--iters", "10"],
        &["--power", "inf"],
    ),
    case(
        "one-cycle --div nan",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--div", "nan", "--iters", "10"],
        &["--div", "nan"],
    ),
    case(
        "--base-momentum nan",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--base-momentum", "nan", "--max-momentum", "0.9", "--iters", "10"],
        &["--base-momentum", "nan"],
    ),
    // --- negative and zero ---
    case(
        "--step-size 0",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "0", "--iters", "10", "--plot", "plots/x.png"],
        &["--step-size", "0", "≥ 1"],
    ),
    case(
        "--step-size -3",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "-3", "--iters", "10"],
        &["--step-size", "-3", "non-negative"],
    ),
    case(
        "--step-size-down 0",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--step-size-down", "0", "--iters", "10"],
        &["--step-size-down", "0", "≥ 1"],
    ),
    case(
        "--iters 0",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "0", "--plot", "plots/x.png"],
        &["--iters", "0", ">= 1"],
    ),
    case(
        "--iters -1",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "-1"],
        &["--iters", "-1", ">= 1"],
    ),
    case(
        "--lr -0.1",
        &["schedule", "fixed", "--lr", "-0.1", "--iters", "10", "--plot", "plots/x.png"],
        &["--lr", "-0.1", "> 0"],
    ),
    case(
        "--lr 0",
        &["schedule", "step", "--lr", "0", "--step-size", "5", "--iters", "10"],
        &["--lr", "0", "> 0"],
    ),
    case(
        "--base-lr 0",
        &["schedule", "triangular", "--base-lr", "0", "--max-lr", "0.1", "--step-size", "5", "--iters", "10"],
        &["--base-lr", "0", "> 0"],
    ),
    case(
        "--max-lr -0.1",
        &["schedule", "one-cycle", "--max-lr", "-0.1", "--iters", "10"],
        &["--max-lr", "-0.1", "> 0"],
    ),
    case(
        "exp --gamma 0",
        &["schedule", "exp", "--lr", "0.1", "--gamma", "0", "--iters", "10"],
        &["--gamma", "0", "(0, 1]"],
    ),
    case(
        "exp --gamma 1.5",
        &["schedule", "exp", "--lr", "0.1", "--gamma", "1.5", "--iters", "10", "--plot", "plots/x.png"],
        &["--gamma", "1.5", "(0, 1]"],
    ),
    case(
        "exp-range --gamma 0",
        &["schedule", "exp-range", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--gamma", "0", "--iters", "10"],
        &["--gamma", "0", "(0, 1]"],
    ),
    case(
        "exp-range --gamma 1.5",
        &["schedule", "exp-range", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--gamma", "1.5", "--iters", "10"],
        &["--gamma", "1.5", "(0, 1]"],
    ),
    case(
        "step --gamma 1.5",
        &["schedule", "step", "--lr", "0.1", "--step-size", "5", "--gamma", "1.5", "--iters", "10"],
        &["--gamma", "1.5", "(0, 1]"],
    ),
    case(
        "multistep --gamma 0",
        &["schedule", "multistep", "--lr", "0.1", "--milestones", "5", "--gamma", "0", "--iters", "10"],
        &["--gamma", "0", "(0, 1]"],
    ),
    case(
        "inv --gamma -1",
        &["schedule", "inv", "--lr", "0.1", "--gamma", "-1", "--power", "1", "--iters", "10"],
        &["--gamma", "-1", "≥ 0"],
    ),
    case(
        "poly --power -1",
        &["schedule", "poly", "--lr", "0.1", "--power", "-1", "--iters", "10"],
        &["--power", "-1", "≥ 0"],
    ),
    case(
        "poly --max-iter 0",
        &["schedule", "poly", "--lr", "0.1", "--max-iter", "0", "--iters", "10"],
        &["--max-iter", "0", "≥ 1"],
    ),
    case(
        "sgdr --t0 0",
        &["schedule", "sgdr", "--max-lr", "0.1", "--t0", "0", "--iters", "10"],
        &["--t0", "0", "≥ 1"],
    ),
    case(
        "sgdr --t-mult 0",
        &["schedule", "sgdr", "--max-lr", "0.1", "--t0", "10", "--t-mult", "0", "--iters", "10"],
        &["--t-mult", "0", "≥ 1"],
    ),
    case(
        "sgdr --min-lr -1",
        &["schedule", "sgdr", "--max-lr", "0.1", "--min-lr", "-1", "--t0", "10", "--iters", "10"],
        &["--min-lr", "-1", "≥ 0"],
    ),
    case(
        "one-cycle --div 0",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--div", "0", "--iters", "10"],
        &["--div", "0", "> 0"],
    ),
    case(
        "one-cycle --final-div -1",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--final-div", "-1", "--iters", "10"],
        &["--final-div", "-1", "> 0"],
    ),
    case(
        "--warmup -1",
        &["schedule", "fixed", "--lr", "0.1", "--warmup", "-1", "--iters", "10"],
        &["--warmup", "-1", "non-negative"],
    ),
    case(
        "--max-momentum 1.5",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--base-momentum", "0.8", "--max-momentum", "1.5", "--iters", "10"],
        &["--max-momentum", "1.5", "[0, 1)"],
    ),
    case(
        "--base-momentum -0.1",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--base-momentum", "-0.1", "--max-momentum", "0.9", "--iters", "10"],
        &["--base-momentum", "-0.1", "[0, 1)"],
    ),
    // --- contradictory values ---
    case(
        "base-lr = max-lr",
        &["schedule", "triangular", "--base-lr", "0.1", "--max-lr", "0.1", "--step-size", "5", "--iters", "10", "--plot", "plots/x.png"],
        &["--base-lr", "--max-lr", "0.1"],
    ),
    case(
        "base-lr > max-lr",
        &["schedule", "triangular2", "--base-lr", "0.2", "--max-lr", "0.1", "--step-size", "5", "--iters", "10"],
        &["--base-lr", "0.2", "--max-lr"],
    ),
    case(
        "sgdr min-lr > max-lr",
        &["schedule", "sgdr", "--max-lr", "0.1", "--min-lr", "0.2", "--t0", "10", "--iters", "10"],
        &["--min-lr", "0.2", "--max-lr"],
    ),
    case(
        "--pct-start 1",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--pct-start", "1", "--iters", "10", "--plot", "plots/x.svg"],
        &["--pct-start", "1", "(0, 1)"],
    ),
    case(
        "--pct-start 0",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--pct-start", "0", "--iters", "10"],
        &["--pct-start", "0", "(0, 1)"],
    ),
    case(
        "--pct-start 1.5",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--pct-start", "1.5", "--iters", "10"],
        &["--pct-start", "1.5", "(0, 1)"],
    ),
    case(
        "--three-phase with --iters 2",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--three-phase", "--iters", "2", "--plot", "plots/x.png"],
        &["--iters", "2", "too small"],
    ),
    case(
        "one-cycle with --iters 1",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--iters", "1"],
        &["--iters", "1", "too small"],
    ),
    case(
        "--milestones 650,600 (not increasing)",
        &["schedule", "multistep", "--lr", "0.1", "--milestones", "650,600", "--iters", "700", "--plot", "plots/x.png"],
        &["--milestones", "650", "increasing"],
    ),
    case(
        "--milestones a,b",
        &["schedule", "multistep", "--lr", "0.1", "--milestones", "a,b", "--iters", "10"],
        &["--milestones", "a,b"],
    ),
    case(
        "--base-momentum without --max-momentum",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--base-momentum", "0.8", "--iters", "10", "--plot", "plots/x.png"],
        &["--base-momentum", "--max-momentum", "together"],
    ),
    case(
        "--max-momentum without --base-momentum",
        &["schedule", "hann", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--max-momentum", "0.9", "--iters", "10"],
        &["--base-momentum", "--max-momentum", "together"],
    ),
    case(
        "--base-momentum > --max-momentum",
        &["schedule", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "5", "--base-momentum", "0.95", "--max-momentum", "0.9", "--iters", "10"],
        &["--base-momentum", "0.95", "--max-momentum"],
    ),
    case(
        "fastai style with --anneal linear",
        &["schedule", "one-cycle", "--style", "fastai", "--max-lr", "0.1", "--anneal", "linear", "--iters", "10"],
        &["--anneal", "linear", "fastai"],
    ),
    case(
        "fastai style with --three-phase",
        &["schedule", "one-cycle", "--style", "fastai", "--max-lr", "0.1", "--three-phase", "--iters", "10"],
        &["--three-phase", "fastai"],
    ),
    // --- bad enumerated values ---
    case(
        "--style keras",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--style", "keras", "--iters", "10", "--plot", "plots/x.png"],
        &["--style", "keras", "pytorch", "fastai"],
    ),
    case(
        "--anneal cubic",
        &["schedule", "one-cycle", "--max-lr", "0.1", "--anneal", "cubic", "--iters", "10"],
        &["--anneal", "cubic", "cos", "linear"],
    ),
    // --- plot file names ---
    case(
        "--plot out.jpg",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "10", "--plot", "plots/out.jpg"],
        &["--plot", "out.jpg", ".png or .svg"],
    ),
    case(
        "--plot without an extension",
        &["schedule", "fixed", "--lr", "0.1", "--iters", "10", "--plot", "plots/out"],
        &["--plot", "out", ".png or .svg"],
    ),
    // --- unknown policy ---
    case(
        "unknown policy",
        &["schedule", "cosine", "--lr", "0.1", "--iters", "10"],
        &["cosine", "POLICY", "triangular", "one-cycle", "sgdr"],
    ),
];

/// `suggest` cases; `{golden}` is a valid 100-point golden curve.
#[rustfmt::skip]
const SUGGEST: &[Case] = &[
    case(
        "missing file",
        &["suggest", "--input", "missing.csv", "--plot", "plots/x.png"],
        &["--input", "missing.csv", "cannot open"],
    ),
    case("no --input", &["suggest"], &["--input", "required"]),
    case("--input is a directory", &["suggest", "--input", "."], &["--input"]),
    with_files(
        "empty file",
        &[("empty.csv", "")],
        &["suggest", "--input", "empty.csv", "--plot", "plots/x.png"],
        &["--input", "empty.csv", "empty"],
    ),
    with_files(
        "header only",
        &[("hdr.csv", "iteration,lr,loss\n")],
        &["suggest", "--input", "hdr.csv", "--plot", "plots/x.png"],
        &["--input", "hdr.csv", "no data rows"],
    ),
    with_files(
        "no lr column",
        &[("nolr.csv", "iteration,rate,loss\n0,0.1,2\n1,0.2,2\n")],
        &["suggest", "--input", "nolr.csv"],
        &["--input", "`lr`", "rate"],
    ),
    with_files(
        "no loss column",
        &[("noloss.csv", "iteration,lr,smoothed\n0,0.1,2\n1,0.2,2\n")],
        &["suggest", "--input", "noloss.csv", "--plot", "plots/x.png"],
        &["--input", "`loss`", "smoothed"],
    ),
    with_files(
        "accuracy-only curve without --accuracy",
        &[("acc.csv", "lr,accuracy\n0.1,0.2\n0.2,0.3\n")],
        &["suggest", "--input", "acc.csv"],
        &["`loss`", "--metric accuracy"],
    ),
    with_files(
        "non-numeric loss cell",
        &[("bad.csv", "iteration,lr,loss\n0,0.1,2\n1,0.2,2\n2,0.3,abc\n3,0.4,2\n")],
        &["suggest", "--input", "bad.csv", "--plot", "plots/x.png"],
        &["--input", "line 4", "`loss`", "abc"],
    ),
    with_files(
        "non-numeric lr cell",
        &[("badlr.csv", "lr,loss\n0.1,2\nfast,2\n")],
        &["suggest", "--input", "badlr.csv"],
        &["line 3", "`lr`", "fast"],
    ),
    with_files(
        "negative iteration",
        &[("badit.csv", "iteration,lr,loss\n0,0.1,2\n-1,0.2,2\n2,0.3,1\n")],
        &["suggest", "--input", "badit.csv"],
        &["line 3", "`iteration`", "-1"],
    ),
    with_files(
        "ragged row",
        &[("ragged.csv", "iteration,lr,loss\n0,0.1,2\n1,0.2\n2,0.3,1\n")],
        &["suggest", "--input", "ragged.csv"],
        &["--input", "line 3", "fields"],
    ),
    with_files(
        "zero lr",
        &[("zero.csv", "iteration,lr,loss\n0,0.1,2\n1,0,2\n2,0.3,1\n")],
        &["suggest", "--input", "zero.csv", "--plot", "plots/x.png"],
        &["line 3", "`lr`", "\"0\"", "> 0"],
    ),
    with_files(
        "negative lr",
        &[("neg.csv", "iteration,lr,loss\n0,0.1,2\n1,-0.2,2\n2,0.3,1\n")],
        &["suggest", "--input", "neg.csv"],
        &["line 3", "`lr`", "-0.2", "> 0"],
    ),
    with_files(
        "infinite lr",
        &[("inf.csv", "lr,loss\ninf,2\n")],
        &["suggest", "--input", "inf.csv"],
        &["line 2", "`lr`", "inf", "finite"],
    ),
    // (Rows in decreasing or repeated lr order are sorted and merged: cli_suggest.rs.)
    with_files(
        "repeated lrs merge to too few points",
        &[("eq.csv", "lr,loss\n0.1,2\n0.1,1.9\n0.1,1.8\n")],
        &["suggest", "--input", "eq.csv", "--plot", "plots/x.png"],
        &["--input", "1 point(s)", "after merging repeated learning rates"],
    ),
    with_files(
        "--lr-column not in the file",
        &[("lrc.csv", "step,lr,loss\n0,0.1,2\n1,0.2,2\n")],
        &["suggest", "--input", "lrc.csv", "--lr-column", "eta"],
        &["--input", "`eta`", "\"step\", \"lr\", \"loss\""],
    ),
    with_files(
        "JSON that is not an object of columns",
        &[("arr.json", "[{\"lr\": 0.1, \"loss\": 2}]")],
        &["suggest", "--input", "arr.json", "--plot", "plots/x.png"],
        &["--input", "arr.json", "JSON", "object of columns"],
    ),
    with_files(
        "JSON columns of different lengths",
        &[("len.json", "{\"lr\": [0.1, 0.2, 0.3], \"loss\": [2, 1]}")],
        &["suggest", "--input", "len.json"],
        &["--input", "len.json", "differ in length", "`loss` has 2", "`lr` 3"],
    ),
    with_files(
        "whitespace text with a ragged row",
        &[("ws.txt", "lr loss\n0.1 2\n0.2 1 7\n")],
        &["suggest", "--input", "ws.txt"],
        &["--input", "ws.txt", "line 3", "3 fields", "header has 2"],
    ),
    case(
        "--method lightning on accuracy",
        &["suggest", "--input", "{golden}", "--method", "lightning", "--metric", "accuracy"],
        &["--method lightning", "Lightning", "losses", "--metric accuracy"],
    ),
    with_files(
        "too few points",
        &[("few.csv", "iteration,lr,loss\n0,0.1,2\n1,0.2,1.9\n")],
        &["suggest", "--input", "few.csv", "--plot", "plots/x.png"],
        &["--input", "2 points", "at least"],
    ),
    with_files(
        "a single point",
        &[("one.csv", "lr,loss\n0.1,2\n")],
        &["suggest", "--input", "one.csv"],
        &["--input", "1 data row", "at least"],
    ),
    case(
        "--beta 1",
        &["suggest", "--input", "{golden}", "--beta", "1", "--plot", "plots/x.png"],
        &["--beta", "1", "[0, 1)"],
    ),
    case(
        "--beta -0.1",
        &["suggest", "--input", "{golden}", "--beta", "-0.1"],
        &["--beta", "-0.1", "[0, 1)"],
    ),
    case(
        "--beta nan",
        &["suggest", "--input", "{golden}", "--beta", "nan"],
        &["--beta", "NaN", "[0, 1)"],
    ),
    case(
        "--beta abc",
        &["suggest", "--input", "{golden}", "--beta", "abc"],
        &["--beta", "abc"],
    ),
    case(
        "--stop-factor 1",
        &["suggest", "--input", "{golden}", "--stop-factor", "1", "--plot", "plots/x.png"],
        &["--stop-factor", "1", "> 1"],
    ),
    case(
        "--stop-factor 0.5",
        &["suggest", "--input", "{golden}", "--stop-factor", "0.5"],
        &["--stop-factor", "0.5", "> 1"],
    ),
    case(
        "--stop-factor inf",
        &["suggest", "--input", "{golden}", "--stop-factor", "inf"],
        &["--stop-factor", "inf", "finite"],
    ),
    case(
        "--num-it 1",
        &["suggest", "--input", "{golden}", "--num-it", "1", "--plot", "plots/x.png"],
        &["--iters", "1", ">= 2"],
    ),
    case(
        "--num-it 0",
        &["suggest", "--input", "{golden}", "--num-it", "0"],
        &["--iters", "0", ">= 2"],
    ),
    case(
        "--num-it -5",
        &["suggest", "--input", "{golden}", "--num-it", "-5"],
        &["--iters", "-5", ">= 2"],
    ),
    case(
        "--num-it below the number of rows",
        &["suggest", "--input", "{golden}", "--num-it", "5"],
        &["--iters", "5", "100"],
    ),
    case(
        "--metric accuracy without an accuracy column",
        &["suggest", "--input", "{golden}", "--metric", "accuracy", "--plot", "plots/x.png"],
        &["--metric accuracy", "`accuracy` column"],
    ),
    case(
        "--method foo",
        &["suggest", "--input", "{golden}", "--method", "foo"],
        &["--method", "foo", "valley"],
    ),
    case(
        "--format csv",
        &["suggest", "--input", "{golden}", "--format", "csv"],
        &["--format", "csv", "text", "json"],
    ),
    case(
        "--plot x.jpg",
        &["suggest", "--input", "{golden}", "--plot", "plots/x.jpg"],
        &["--plot", "x.jpg", ".png or .svg"],
    ),
];

/// The learning-rate-free optimizers' flags and rules (`train`, `find`): every error before any
/// training or file.
#[rustfmt::skip]
const LR_FREE: &[Case] = &[
    case("prodigy: --d0 0", &["train", "--optimizer", "prodigy", "--d0", "0", "--iters", "10", "--out", "out"], &["--d0", "0", "> 0"]),
    case("dadapt-adam: negative --d0", &["train", "--optimizer", "dadapt-adam", "--d0=-1e-6", "--iters", "10", "--out", "out"], &["--d0", "-0.000001", "> 0"]),
    case("prodigy: --eps 0", &["train", "--optimizer", "prodigy", "--eps", "0", "--iters", "10", "--out", "out"], &["--eps", "0", "> 0"]),
    case("prodigy: --betas outside [0,1)", &["train", "--optimizer", "prodigy", "--betas", "0.9,1.5", "--iters", "10", "--out", "out"], &["--betas", "1.5", "[0, 1)"]),
    case("prodigy: --betas with one number", &["train", "--optimizer", "prodigy", "--betas", "0.9", "--iters", "10", "--out", "out"], &["--betas", "B1,B2"]),
    case("prodigy: --beta3 1", &["train", "--optimizer", "prodigy", "--beta3", "1", "--iters", "10", "--out", "out"], &["--beta3", "1", "[0, 1)"]),
    case("prodigy: --growth-rate 0", &["train", "--optimizer", "prodigy", "--growth-rate", "0", "--iters", "10", "--out", "out"], &["--growth-rate", "0", "> 0"]),
    case("prodigy: --d-coef NaN", &["train", "--optimizer", "prodigy", "--d-coef", "nan", "--iters", "10", "--out", "out"], &["--d-coef", "NaN"]),
    case("prodigy: negative --lr", &["train", "--optimizer", "prodigy", "--lr", "-1", "--iters", "10", "--out", "out"], &["--lr", "-1", "> 0"]),
    case("sgd-schedulefree: --momentum 0", &["train", "--optimizer", "sgd-schedulefree", "--momentum", "0", "--iters", "10", "--out", "out"], &["--momentum", "0", "between 0 and 1 exclusive"]),
    case("sgd-schedulefree: --momentum 1", &["train", "--optimizer", "sgd-schedulefree", "--momentum", "1", "--iters", "10", "--out", "out"], &["--momentum", "1", "between 0 and 1 exclusive"]),
    case("adamw-schedulefree: betas[0] = 1", &["train", "--optimizer", "adamw-schedulefree", "--betas", "1,0.999", "--iters", "10", "--out", "out"], &["--betas", "1", "exclusive"]),
    case("adamw-schedulefree: negative --weight-decay", &["train", "--optimizer", "adamw-schedulefree", "--weight-decay", "-0.1", "--iters", "10", "--out", "out"], &["weight-decay", "-0.1"]),
    case("sgd-schedulefree: negative --warmup-steps", &["train", "--optimizer", "sgd-schedulefree", "--warmup-steps", "-5", "--iters", "10", "--out", "out"], &["--warmup-steps", "-5", ">= 0"]),
    case("sgd-schedulefree: a flag it has no key for", &["train", "--optimizer", "sgd-schedulefree", "--eps", "1e-6", "--iters", "10", "--out", "out"], &["--eps", "sgd-schedulefree", "momentum", "warmup_steps"]),
    case("dadapt-sgd: --momentum 1", &["train", "--optimizer", "dadapt-sgd", "--momentum", "1", "--iters", "10", "--out", "out"], &["--momentum", "1", "[0, 1)"]),
    case("schedule-free beside a cyclical policy", &["train", "--optimizer", "adamw-schedulefree", "--policy", "one-cycle", "--iters", "10", "--out", "out"], &["--policy", "one-cycle", "replaces the learning-rate schedule", "fixed"]),
    case("schedule-free with cyclr's --warmup", &["train", "--optimizer", "sgd-schedulefree", "--warmup", "5", "--iters", "10", "--out", "out"], &["--warmup", "5", "warmup_steps"]),
    case("prodigy: --lr auto", &["train", "--optimizer", "prodigy", "--lr", "auto", "--iters", "10", "--out", "out"], &["--lr auto", "prodigy", "multiplier of d"]),
    case("dadapt-sgd: --lr auto", &["train", "--optimizer", "dadapt-sgd", "--policy", "one-cycle", "--lr", "auto", "--iters", "10", "--out", "out"], &["--lr auto", "dadapt-sgd", "range test"]),
    case("find with dadapt-adam", &["find", "--optimizer", "dadapt-adam", "--out", "out"], &["--optimizer", "dadapt-adam", "multiplier of d"]),
    case("an unknown learning-rate-free optimizer", &["train", "--optimizer", "prodigi", "--iters", "10", "--out", "out"], &["prodigi", "did you mean", "prodigy"]),
];

/// What a newcomer met on the first day (#27): silent acceptances and messages without the fix.
#[rustfmt::skip]
const FIRST_DAY: &[Case] = &[
    case("find --seeds with an empty item", &["find", "--seeds", "0,,1", "--out", "out"], &["--seeds", "0,,1", "empty item", "0,1,2"]),
    case("train --range-seeds with a trailing comma", &["train", "--lr", "auto", "--range-seeds", "0,1,", "--iters", "10", "--out", "out"], &["--range-seeds", "0,1,", "empty item"]),
    case("--iters beyond 64 bits", &["train", "--iters", "18446744073709551615", "--out", "out"], &["--iters", "18446744073709551615", "9223372036854775807"]),
    case("--seed beyond 64 bits", &["train", "--seed", "18446744073709551616", "--iters", "10", "--out", "out"], &["--seed", "18446744073709551616", "18446744073709551615"]),
    case("a policy's count beyond 64 bits", &["schedule", "triangular", "--base-lr", "0.1", "--max-lr", "1", "--step-size", "99999999999999999999", "--iters", "10"], &["--step-size", "99999999999999999999", "9223372036854775807"]),
    case("a misspelt --lr", &["train", "--lerning-rate", "0.1", "--iters", "5", "--out", "out"], &["--lerning-rate", "--learning-rate"]),
    case("--lr with the default policy", &["train", "--lr", "0.01", "--iters", "5", "--out", "out"], &["--lr does not apply to triangular2", "the default policy", "--policy fixed"]),
    with_files("a 4-point curve, no --iters", &[("four.csv", "lr,loss\n0.001,2.3\n0.01,2.0\n0.1,1.5\n1,3.0\n")], &["suggest", "--input", "four.csv"], &["4 points", "points/10 = 0", "(points = 4)"]),
    with_files("JSON that does not parse", &[("bad.json", "{\"lr\": [0.001, 0.01], \"loss\": [2, 1]\n")], &["suggest", "--input", "bad.json"], &["bad.json", "JSON error", "EOF"]),
    case("a directory as --input", &["suggest", "--input", "."], &["--input .", "cannot read it"]),
    with_files("a binary .toml", &[("bin.toml", "name = \"x\u{1}\u{1b}[31m\"\n")], &["compare", "--config", "bin.toml"], &["bin.toml", "\\u{1b}", "\\u{1}"]),
    case("--batch-size that is no integer", &["find", "--batch-size", "12x", "--out", "out"], &["--batch-size", "12x", "not an integer"]),
];

/// Text and the GPT (#28): every bad text file, shape or flag combination exits 2 naming it.
#[rustfmt::skip]
const TEXT: &[Case] = &[
    case("a missing text file", &["train", "--dataset", "text:nope.txt", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["nope.txt", "not found", "UTF-8 text file"]),
    with_files("an empty text file", &[("empty.txt", "")], &["train", "--dataset", "text:empty.txt", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["empty.txt", "empty"]),
    with_files("a text shorter than the context", &[("short.txt", "hello world\n")], &["train", "--dataset", "text:short.txt", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["short.txt", "--context 64", "smaller --context"]),
    with_files("a test part shorter than one window", &[("t.txt", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij")], &["train", "--dataset", "text:t.txt", "--context", "16", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["t.txt", "test part", "--context 16"]),
    case("a directory as text", &["train", "--dataset", "text:.", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["is a directory"]),
    case("an image network on text", &["train", "--dataset", "shakespeare", "--model", "mlp", "--policy", "fixed", "--lr", "0.001", "--iters", "5", "--out", "out"], &["shakespeare is text", "--model gpt"]),
    case("gpt on images", &["train", "--dataset", "digits", "--model", "gpt", "--iters", "5", "--out", "out"], &["--model gpt trains on text", "shakespeare", "text:FILE"]),
    case("a gpt flag with an image network", &["train", "--dataset", "digits", "--layers", "2", "--iters", "5", "--out", "out"], &["--layers", "--model gpt", "mlp"]),
    case("a width the heads do not divide", &["train", "--dataset", "shakespeare", "--width", "30", "--heads", "4", "--iters", "5", "--out", "out"], &["--width 30", "--heads 4"]),
    case("no context", &["train", "--dataset", "shakespeare", "--context", "0", "--iters", "5", "--out", "out"], &["--context", "0"]),
    case("dropout of 1", &["train", "--dataset", "shakespeare", "--dropout", "1", "--iters", "5", "--out", "out"], &["--dropout 1", "[0, 1)"]),
    case("--lr-from a folder without a range test, on text", &["train", "--dataset", "shakespeare", "--lr-from", "somewhere", "--iters", "5", "--out", "out"], &["--lr-from somewhere"]),
    case("find --grad-clip on images", &["find", "--grad-clip", "1", "--out", "out"], &["--grad-clip", "text"]),
    case("find on text by accuracy", &["find", "--dataset", "shakespeare", "--metric", "accuracy", "--out", "out"], &["--metric accuracy", "training loss", "--metric val-loss"]),
    with_files("find --metric val-loss on a text too short to hold a tail out", &[("v.txt", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde")], &["find", "--dataset", "text:v.txt", "--context", "16", "--metric", "val-loss", "--out", "out"], &["val_loss on v.txt", "held-out tail of 16", "context (16)", "longer text"]),
    case("--grad-clip 0", &["train", "--dataset", "shakespeare", "--policy", "fixed", "--lr", "0.001", "--grad-clip", "0", "--iters", "5", "--out", "out"], &["--grad-clip 0", "positive"]),
    case("cyclr's --warmup with nanogpt-cosine", &["train", "--dataset", "shakespeare", "--policy", "nanogpt-cosine", "--lr", "0.001", "--warmup", "5", "--iters", "50", "--out", "out"], &["--warmup", "--warmup-iters", "does not apply"]),
    case("sample without a run", &["sample", "--run", "nowhere"], &["--run", "nowhere"]),
    case("sample at temperature 0", &["sample", "--run", "nowhere", "--temperature", "0"], &["--temperature 0", "positive"]),
];

const AVG_TOML: &str = "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 20\nbaseline = \"a\"\n[[run]]\nname = \"a\"\nschedule = { policy = \"fixed\", lr = 0.1 }\naverage = { kind = \"swa\", every = \"cycle\" }\n";
const AVG_TOML_KEY: &str = "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 20\nbaseline = \"a\"\n[[run]]\nname = \"a\"\nschedule = { policy = \"fixed\", lr = 0.1 }\naverage = { kind = \"swa\", decai = 0.9 }\n";

/// Weight averaging (#30): every bad value exits 2 naming the flag or key and what is valid.
#[rustfmt::skip]
const AVERAGE: &[Case] = &[
    case("an unknown average", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swag", "--iters", "10", "--out", "out"], &["--average \"swag\"", "swa, ema:DECAY or ema-warmup:DECAY"]),
    case("ema without its decay", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema", "--iters", "10", "--out", "out"], &["--average ema needs its decay", "ema:0.999"]),
    case("a decay of 1", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema:1", "--iters", "10", "--out", "out"], &["--average decay = 1", "(0, 1)"]),
    case("a decay that is no number", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema-warmup:x", "--iters", "10", "--out", "out"], &["--average ema-warmup:x", "\"x\" is not a number"]),
    case("a negative decay", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema:-0.5", "--iters", "10", "--out", "out"], &["--average decay = -0.5", "(0, 1)"]),
    case("a start beyond the run", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--average-start", "1", "--iters", "10", "--out", "out"], &["--average-start", "1", "[0, 1)"]),
    case("--swa-lr without --average", &["train", "--policy", "fixed", "--lr", "0.1", "--swa-lr", "0.05", "--iters", "10", "--out", "out"], &["--swa-lr", "applies with --average"]),
    case("--swa-lr with ema", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema:0.9", "--swa-lr", "0.05", "--iters", "10", "--out", "out"], &["--swa-lr", "average swa only"]),
    case("--swa-anneal-iters without --swa-lr", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--swa-anneal-iters", "5", "--iters", "10", "--out", "out"], &["--swa-anneal-iters", "give swa_lr too"]),
    case("a negative --swa-lr", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--swa-lr", "-0.1", "--iters", "10", "--out", "out"], &["--swa-lr", "-0.1", "positive"]),
    case("an unknown anneal", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--swa-lr", "0.01", "--swa-anneal-strategy", "exp", "--iters", "10", "--out", "out"], &["--swa-anneal-strategy \"exp\"", "cos or linear"]),
    case("cycle on a schedule without cycles", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--average-every", "cycle", "--iters", "10", "--out", "out"], &["--average-every", "cycle", "no cycles", "sgdr"]),
    case("no cycle end after the start", &["train", "--policy", "triangular", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size", "4", "--average", "swa", "--average-every", "cycle", "--iters", "14", "--out", "out"], &["--average-start", "no update would fall within the run", "cycle ends [8]"]),
    case("every 0 steps", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--average-every", "0", "--iters", "10", "--out", "out"], &["--average-every", "= 0", ">= 1"]),
    case("every 'epoch'", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "swa", "--average-every", "epoch", "--iters", "10", "--out", "out"], &["--average-every", "\"epoch\"", "cycle"]),
    case("a warm-up power with plain ema", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema:0.9", "--ema-warmup-power", "0.75", "--iters", "10", "--out", "out"], &["--ema-warmup-power", "ema-warmup"]),
    case("a warm-up gamma of 0", &["train", "--policy", "fixed", "--lr", "0.1", "--average", "ema-warmup:0.99", "--ema-warmup-gamma", "0", "--iters", "10", "--out", "out"], &["--ema-warmup-gamma", "positive"]),
    case("averaging a schedule-free optimizer", &["train", "--optimizer", "adamw-schedulefree", "--average", "ema:0.99", "--iters", "10", "--out", "out"], &["--average", "adamw-schedulefree", "own average"]),
    with_files("an experiment's cycle average on a fixed rate", &[("a.toml", AVG_TOML)], &["compare", "--config", "a.toml", "--out", "out"], &["run \"a\"", "average", "no cycles"]),
    with_files("an experiment's unknown average key", &[("a.toml", AVG_TOML_KEY)], &["compare", "--config", "a.toml", "--out", "out"], &["decai", "decay"]),
];

const WARMUP_TOML: &str = "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 20\nbaseline = \"a\"\n[range_test]\nwarmup_it = 100001\n[[run]]\nname = \"a\"\nauto_lr = true\nschedule = { policy = \"fixed\" }\n";

/// A warm-up before the range test's sweep (#29): out of range or not a count, from each place.
#[rustfmt::skip]
const SWEEP_WARMUP: &[Case] = &[
    case("find --sweep-warmup -3", &["find", "--dataset", "digits", "--sweep-warmup", "-3", "--out", "out"], &["--sweep-warmup -3", "0..=100000", "2/(1 - beta2)"]),
    case("find --sweep-warmup x", &["find", "--dataset", "digits", "--sweep-warmup", "x", "--out", "out"], &["--sweep-warmup", "'x'"]),
    case("train --range-sweep-warmup too long", &["train", "--lr", "auto", "--policy", "fixed", "--range-sweep-warmup", "100001", "--iters", "10", "--out", "out"], &["--range-sweep-warmup 100001", "0..=100000"]),
    with_files("an experiment's warmup_it too long", &[("a.toml", WARMUP_TOML)], &["compare", "--config", "a.toml", "--out", "out"], &["[range_test]", "warmup_it", "100001", "at most 100000"]),
];

const DEVICE_TOML: &str = "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 5\nbaseline = \"a\"\ndevice = \"gpu\"\n[[run]]\nname = \"a\"\nschedule = { policy = \"fixed\", lr = 0.1 }\n";

/// `--device` and the experiment key: unknown names list the valid ones.
const DEVICE: &[Case] = &[
    case(
        "train --device gpu",
        &["train", "--device", "gpu", "--iters", "10", "--out", "out"],
        &[
            "--device",
            "\"gpu\"",
            "cpu, wgpu, wgpu:cpu, wgpu:N, cuda, cuda:N",
        ],
    ),
    case(
        "find --device cuda:x",
        &["find", "--device", "cuda:x", "--out", "out"],
        &["--device", "cuda:x", "cuda:N"],
    ),
    case(
        "demo --device CPU",
        &["demo", "--device", "CPU", "--out", "out"],
        &["--device", "CPU", "cpu, wgpu"],
    ),
    with_files(
        "compare --device wgpu:",
        &[("x.toml", EXPERIMENT_TOML_CPU)],
        &[
            "compare", "--config", "x.toml", "--device", "wgpu:", "--out", "out",
        ],
        &["--device", "wgpu:", "wgpu:cpu"],
    ),
    with_files(
        "an experiment's device = \"gpu\"",
        &[("x.toml", DEVICE_TOML)],
        &["compare", "--config", "x.toml", "--out", "out"],
        &["device", "gpu", "cpu, wgpu"],
    ),
];

/// A backend left out of this build: exit 2 saying which feature builds it.
const DEVICE_NOT_BUILT: &[(&str, &[&str], &[&str])] = &[
    (
        "wgpu",
        &[
            "train", "--device", "wgpu:cpu", "--iters", "10", "--out", "out",
        ],
        &["wgpu:cpu", "--features wgpu", "built with: cpu"],
    ),
    (
        "cuda",
        &["find", "--device", "cuda", "--out", "out"],
        &["cuda:0", "--features cuda", "deploy/cuda/build.sh"],
    ),
    (
        "cuda",
        &[
            "compare", "--config", "x.toml", "--device", "cuda:1", "--out", "out",
        ],
        &["cuda:1", "--features cuda"],
    ),
];

/// Run one case in a fresh directory; returns what is wrong with the result, if anything.
fn check(c: &Case) -> Result<(), String> {
    let tmp = tempdir();
    let dir = tmp.path();
    for (name, text) in c.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let golden = golden_dir().join("suggest/curve_00.csv");
    let golden = golden.to_str().expect("utf-8 path");
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| a.replace("{golden}", golden))
        .collect();
    let out = cyclr_in(dir)
        .args(&args)
        .output()
        .map_err(|e| format!("cannot run cyclr: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut errs = Vec::new();
    if out.status.code() != Some(2) {
        errs.push(format!("exit status {} (want 2)", out.status));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        errs.push("panicked".to_string());
    }
    if !stdout.is_empty() {
        errs.push(format!("stdout is not empty: {:?}", truncate(&stdout)));
    }
    if stderr
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errs.push("stderr carries raw control characters".to_string());
    }
    if !stderr.starts_with("error: ") {
        errs.push("stderr does not start with 'error: '".to_string());
    }
    for w in c.want {
        if !stderr.to_lowercase().contains(&w.to_lowercase()) {
            errs.push(format!("stderr lacks {w:?}"));
        }
    }
    // Nothing written: no plot, no temporary file, no directory.
    let mut inputs: Vec<String> = c.files.iter().map(|(n, _)| n.to_string()).collect();
    inputs.sort();
    let left = dir_names(dir);
    if left != inputs {
        errs.push(format!(
            "directory holds {left:?}, want only the inputs {inputs:?}"
        ));
    }
    if let Some(i) = c.args.iter().position(|a| *a == "--plot")
        && Path::new(dir).join(c.args[i + 1]).exists()
    {
        errs.push(format!("{} was written", c.args[i + 1]));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: cyclr {}\n  {}\n  stderr: {}",
            c.name,
            c.args.join(" "),
            errs.join("\n  "),
            truncate(&stderr)
        ))
    }
}

fn truncate(s: &str) -> String {
    let s = s.trim_end();
    match s.char_indices().nth(400) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Run the cases (two at a time: the CI machine has 2 cores) and collect the failures.
fn run_cases<'a>(cases: impl Iterator<Item = &'a Case>) -> Vec<String> {
    let cases: Vec<&Case> = cases.collect();
    let half = cases.len().div_ceil(2);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(half.max(1))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| check(c).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    })
}

fn assert_cases(table: &[Case]) {
    let errs = run_cases(table.iter());
    assert!(
        errs.is_empty(),
        "{} of {} bad-input cases failed:\n\n{}",
        errs.len(),
        table.len(),
        errs.join("\n\n")
    );
}

#[test]
fn schedule_bad_input_is_a_clear_usage_error() {
    assert_cases(SCHEDULE);
}

#[test]
fn suggest_bad_input_is_a_clear_usage_error() {
    assert_cases(SUGGEST);
}

#[test]
fn sweep_warmup_bad_input_is_a_clear_usage_error() {
    assert_cases(SWEEP_WARMUP);
}

#[test]
fn averaging_bad_input_is_a_clear_usage_error() {
    assert_cases(AVERAGE);
}

#[test]
fn lr_free_bad_input_is_a_clear_usage_error() {
    assert_cases(LR_FREE);
}

#[test]
fn first_day_bad_input_is_a_clear_usage_error() {
    assert_cases(FIRST_DAY);
}

#[test]
fn text_bad_input_is_a_clear_usage_error() {
    assert_cases(TEXT);
}

#[test]
fn device_bad_input_is_a_clear_usage_error() {
    assert_cases(DEVICE);
}

#[test]
fn a_device_this_build_lacks_is_a_usage_error_naming_the_feature() {
    let mut cases = Vec::new();
    for (feature, args, want) in DEVICE_NOT_BUILT {
        let built = (*feature == "wgpu" && cfg!(feature = "wgpu"))
            || (*feature == "cuda" && cfg!(feature = "cuda"));
        if !built {
            cases.push(with_files(
                feature,
                &[("x.toml", EXPERIMENT_TOML_CPU)],
                args,
                want,
            ));
        }
    }
    assert_cases(&cases);
}

const EXPERIMENT_TOML_CPU: &str = "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 5\nbaseline = \"a\"\n[[run]]\nname = \"a\"\nschedule = { policy = \"fixed\", lr = 0.1 }\n";

/// Every table entry is well formed (an argument follows each --plot; names are unique).
#[test]
fn tables_are_well_formed() {
    let mut names: Vec<&str> = SCHEDULE
        .iter()
        .chain(SUGGEST)
        .chain(LR_FREE)
        .chain(DEVICE)
        .chain(FIRST_DAY)
        .chain(TEXT)
        .map(|c| c.name)
        .collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate case names");
    for c in SCHEDULE
        .iter()
        .chain(SUGGEST)
        .chain(LR_FREE)
        .chain(DEVICE)
        .chain(FIRST_DAY)
    {
        assert!(!c.want.is_empty(), "{}: nothing expected", c.name);
        if let Some(i) = c.args.iter().position(|a| *a == "--plot") {
            assert!(i + 1 < c.args.len(), "{}: --plot without a file", c.name);
        }
    }
}

/// A plot path that cannot be written (its folder is a file, or the path is a folder) is a usage
/// error found before any work (exit 2), and leaves nothing behind: neither half a table on
/// stdout nor a temporary file.
#[test]
fn unwritable_plot_fails_cleanly() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::write(dir.join("file.txt"), "").unwrap();
    std::fs::create_dir(dir.join("taken.png")).unwrap();
    let golden = golden_dir().join("suggest/curve_00.csv");
    let golden = golden.to_str().unwrap();
    let sched = [
        "schedule", "fixed", "--lr", "0.1", "--iters", "10", "--plot",
    ];
    for (args, want) in [
        ([&sched[..], &["file.txt/x.png"]].concat(), "file.txt"),
        ([&sched[..], &["taken.png"]].concat(), "taken.png"),
        (
            vec!["suggest", "--input", golden, "--plot", "taken.png"],
            "taken.png",
        ),
    ] {
        let out = run_in(dir, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: printed before failing");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(want),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(dir_names(dir), ["file.txt", "taken.png"], "{args:?}");
        assert!(dir_names(&dir.join("taken.png")).is_empty(), "{args:?}");
    }
}
