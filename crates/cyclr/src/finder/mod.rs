//! The LR range test (Smith, arXiv 1506.01186 §3.3; fastai's `lr_find`), framework-free.
//!
//! * [`RangeTest`]: an ask/tell engine — ask [`RangeTest::next_lr`], train one batch at it,
//!   tell [`RangeTest::record`] the loss — with fastai 2.8.12's smoothing (debiased EMA,
//!   β = 0.98) and stop rule (smoothed loss > 4 × best, that point recorded).
//! * [`analyze`]: the same pipeline on a curve logged elsewhere (read one with [`read_curve`]:
//!   CSV, TSV, whitespace-separated or JSON; order it with [`sort_and_merge`]).
//! * [`RangeTestResult`]: the curve, why it stopped, fastai's four suggestions ([`valley`],
//!   [`steep`], [`minimum`], [`slide`], on the window `[num_it/10 : −5]` of the smoothed curve)
//!   and the learning rate for each use ([`ClrBounds`]: fixed, CLR bounds, one-cycle peak) by
//!   cyclr's [`calibrated`] rule (on the loss, or on the error rate 1 − accuracy for the accuracy metric).
//!
//! * [`others`]: PyTorch Lightning 2.6.6's and torch-lr-finder 0.2.2's range tests, exactly
//!   (their sweeps, smoothing, stop rules and suggestions, [`replay`] on any curve); the engine
//!   stops by either's rule with [`StopRule`].
//!
//! The loss modes reproduce fastai's `lr_find` exactly (same sweep, smoothing, stop, window and
//! index arithmetic); `Accuracy` mode is the paper's own method.
mod bounds;
pub mod calibrated;
mod config;
mod curve;
mod engine;
mod error;
pub mod others;
mod output;
pub mod repeat;
mod result;
mod smoothing;
mod suggest;
mod sweep;

pub use bounds::{
    BASE_DIVISOR, ClrBounds, LrWindow, ONSET_FRACTION, PretrainedReading, accuracy_bounds,
};
pub use calibrated::{
    NoRates, calibrated_accuracy_bounds, calibrated_bounds, calibrated_bounds_for,
    pretrained_reading,
};
pub use config::{Architecture, MAX_WARMUP_IT, Metric, RangeTestConfig, StopRule, exceeds_stop};
pub use curve::{
    ACCURACY_NAMES, Curve, CurveFormat, CurveOptions, ITERATION_NAMES, LOSS_NAMES, LR_NAMES,
    LR_PREFIX, Merged, read_curve, read_curve_csv, sort_and_merge, uninformative,
};
pub use engine::{RangeTest, analyze};
pub use error::{FinderError, Input, list_columns};
pub use others::{Finder, FinderRecorder, FinderRun, finder_run_of, replay};
pub use repeat::{Repeated, RepeatedSummary, Spread, TOO_FEW_WITH_RATES};
pub use result::{RangeTestResult, StopReason};
pub use smoothing::{DebiasedEma, smooth};
pub use suggest::{
    GradientFloat, SLIDE_ADJUST_VALUE, SLIDE_LR_DIFF, SLIDE_THRESH, Suggestion, Suggestions,
    argmin_nan_first, minimum, numpy_gradient, numpy_gradient_spacing, slide, slide_with, steep,
    valley,
};
pub use sweep::Sweep;
