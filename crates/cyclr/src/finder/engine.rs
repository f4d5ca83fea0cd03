//! The range test as an ask/tell engine ([`RangeTest`]) and the same pipeline on a curve logged
//! elsewhere ([`analyze`]).
use super::config::{Metric, RangeTestConfig, exceeds_stop};
use super::error::FinderError;
use super::others::{Finder, FinderRecorder};
use super::result::{RangeTestResult, StopReason};
use super::smoothing::DebiasedEma;
use crate::ParamError;

/// Records points and applies fastai's stop rule; shared by [`RangeTest`] and [`analyze`].
#[derive(Debug, Clone)]
struct Recorder {
    metric: Metric,
    stop_factor: Option<f64>,
    num_it: usize,
    ema: DebiasedEma,
    /// The other library whose stop rule ends the test ([`StopRule`](super::StopRule)), if not
    /// fastai's.
    other: Option<FinderRecorder>,
    best: f64,
    lrs: Vec<f64>,
    raw: Vec<f64>,
    smoothed: Vec<f64>,
    stop: Option<StopReason>,
}

impl Recorder {
    fn new(cfg: &RangeTestConfig) -> Self {
        let cap = cfg.num_it.min(1 << 16);
        Self {
            metric: cfg.metric,
            stop_factor: cfg.stop_factor,
            num_it: cfg.num_it,
            ema: DebiasedEma::new(cfg.beta),
            other: Finder::of_rule(cfg.stop_rule).map(|f| FinderRecorder::new(f, cfg.stop_factor)),
            best: if cfg.metric.is_loss() {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            },
            lrs: Vec::with_capacity(cap),
            raw: Vec::with_capacity(cap),
            smoothed: Vec::with_capacity(cap),
            stop: None,
        }
    }

    /// fastai's `Recorder.after_batch` then `LRFinder.after_batch`: record the point, then
    /// ```text
    /// if self.smooth_loss < self.best_loss: self.best_loss = self.smooth_loss
    /// if self.smooth_loss > 4*self.best_loss and self.stop_div: raise CancelFitException()
    /// if self.train_iter >= self.num_it: raise CancelFitException()
    /// ```
    /// with `4*self.best_loss` read as [`exceeds_stop`] (the same test for a best ≥ 0; for a
    /// negative loss, a rise above the best). With Lightning's or torch-lr-finder's
    /// [`StopRule`](super::StopRule), that library's smoothing and test decide instead (fastai's
    /// EMA is still what is recorded). A non-finite value stops the test before it is recorded.
    fn push(&mut self, lr: f64, value: f64) {
        if self.stop.is_some() {
            return;
        }
        let i = self.lrs.len();
        if !value.is_finite() {
            self.stop = Some(StopReason::NonFinite {
                iteration: i,
                value,
            });
            return;
        }
        let s = self.ema.update(value);
        self.lrs.push(lr);
        self.raw.push(value);
        self.smoothed.push(s);
        if let Some(other) = self.other.as_mut() {
            let step = other.push(value);
            if step.stop {
                self.stop = Some(StopReason::Diverged {
                    iteration: i,
                    smoothed: step.smoothed,
                    best: step.best,
                    factor: self.stop_factor.unwrap_or(f64::NAN),
                });
                return;
            }
        } else if self.metric.is_loss() {
            if s < self.best {
                self.best = s;
            }
            if let Some(f) = self.stop_factor
                && exceeds_stop(s, self.best, f)
            {
                self.stop = Some(StopReason::Diverged {
                    iteration: i,
                    smoothed: s,
                    best: self.best,
                    factor: f,
                });
                return;
            }
        } else {
            if s > self.best {
                self.best = s;
            }
            if let Some(f) = self.stop_factor
                && self.best > 0.0
                && s < self.best / f
            {
                self.stop = Some(StopReason::Diverged {
                    iteration: i,
                    smoothed: s,
                    best: self.best,
                    factor: f,
                });
                return;
            }
        }
        if i + 1 >= self.num_it {
            self.stop = Some(StopReason::Completed);
        }
    }

    fn finish(self, cfg: RangeTestConfig) -> RangeTestResult {
        self.finish_with_rule_curve(cfg, None)
    }

    fn finish_with_rule_curve(
        self,
        cfg: RangeTestConfig,
        rule: Option<(Vec<f64>, Vec<f64>, Vec<usize>)>,
    ) -> RangeTestResult {
        let stop = self.stop.unwrap_or(StopReason::Completed);
        RangeTestResult::build_with_rule_curve(cfg, self.lrs, self.raw, self.smoothed, stop, rule)
    }
}

/// An LR range test any training loop can drive (ask/tell):
///
/// ```
/// use cyclr::finder::{RangeTest, RangeTestConfig};
/// let mut test = RangeTest::new(RangeTestConfig::default()).unwrap();
/// while let Some(lr) = test.next_lr() {
///     // set the optimizer's lr to `lr`, train one batch, measure its loss:
///     let loss = 2.3 - (lr * 1e3).min(1.0) + (lr - 1.0).max(0.0) * 50.0;
///     test.record(loss);
/// }
/// let result = test.finish();
/// println!("{}: valley {:?}", result.stop_reason, result.suggestions.valley.map(|s| s.lr));
/// ```
///
/// Each [`record`](RangeTest::record) adds the value to fastai's debiased EMA (`beta`) and applies
/// the stop rules, in fastai's order (the point is recorded, then checked):
///
/// * **loss metrics** — stop once the smoothed loss exceeds `stop_factor ×` the lowest smoothed
///   loss so far (fastai's `stop_div`, 4×; for a negative best, once it has risen above it by
///   `(stop_factor − 1) ×` its magnitude: [`exceeds_stop`](super::exceeds_stop)); or, with
///   [`StopRule::Lightning`](super::StopRule::Lightning) /
///   [`StopRule::TorchLrFinder`](super::StopRule::TorchLrFinder), where that library's own smoothing
///   and rule stop ([`FinderRecorder`](super::FinderRecorder));
/// * **`Accuracy`** — stop once the smoothed accuracy falls below the highest smoothed accuracy
///   so far divided by `stop_factor` (with the default 4: it has collapsed to a quarter of its
///   best, i.e. training has broken down). Only when that best is > 0;
/// * **any metric** — a NaN or ±∞ value stops the test at once, *without* recording that point
///   (fastai has no such stop: a NaN makes its smoothed loss NaN until `num_it`, and `lr_find`
///   then cuts the curve at the first NaN — the suggestions come out the same);
/// * after `num_it` points the test is complete.
///
/// With a warm-up ([`RangeTestConfig::warmup_it`] = `W`), the first `W` asks are the sweep's
/// first rate and their values are not recorded (nor smoothed, nor checked against the stop
/// rule; a NaN or ±∞ among them still ends the test, with nothing recorded); the sweep then runs
/// as without one. [`in_warmup`](RangeTest::in_warmup) says which kind of step is next.
#[derive(Debug, Clone)]
pub struct RangeTest {
    cfg: RangeTestConfig,
    scales: Vec<f64>,
    rec: Recorder,
    /// Warm-up steps told so far (up to `cfg.warmup_it`; their values are not kept).
    warmed: usize,
}

impl RangeTest {
    /// Start a test; the configuration is validated first.
    pub fn new(cfg: RangeTestConfig) -> Result<Self, ParamError> {
        cfg.validate()?;
        Ok(Self {
            scales: cfg.scales(),
            rec: Recorder::new(&cfg),
            cfg,
            warmed: 0,
        })
    }

    /// `true` while the next step is a warm-up step (see the type's documentation).
    pub fn in_warmup(&self) -> bool {
        self.warmed < self.cfg.warmup_it && !self.is_finished()
    }

    fn lr_at(&self, scale: f64, i: usize) -> f64 {
        let c = &self.cfg;
        c.sweep
            .lr(c.start_lr * scale, c.end_lr * scale, i, c.num_it)
    }

    /// The learning rate for the next step (parameter group 0); `None` once the test has ended.
    pub fn next_lr(&self) -> Option<f64> {
        (!self.is_finished()).then(|| self.lr_at(self.scales[0], self.iteration()))
    }

    /// The learning rate of every parameter group for the next step: group `g` sweeps from
    /// `start_lr·group_scales[g]` to `end_lr·group_scales[g]`. `None` once the test has ended.
    pub fn next_lrs(&self) -> Option<Vec<f64>> {
        (!self.is_finished()).then(|| {
            let i = self.iteration();
            self.scales.iter().map(|&s| self.lr_at(s, i)).collect()
        })
    }

    /// Report the loss (accuracy in `Accuracy` mode) measured at [`next_lr`](Self::next_lr).
    /// May end the test (see the type's docs). Ignored once the test has ended.
    pub fn record(&mut self, value: f64) {
        if self.in_warmup() {
            if value.is_finite() {
                self.warmed += 1;
            } else {
                // Stops the test at iteration 0, nothing recorded.
                self.rec.push(self.lr_at(self.scales[0], 0), value);
            }
            return;
        }
        if let Some(lr) = self.next_lr() {
            self.rec.push(lr, value);
        }
    }

    /// `true` once the test has ended (completed, diverged or stopped on a non-finite value).
    pub fn is_finished(&self) -> bool {
        self.rec.stop.is_some()
    }

    /// The 0-based step of the sweep the next [`record`](Self::record) is for (= points
    /// recorded so far; 0 throughout a warm-up).
    pub fn iteration(&self) -> usize {
        self.rec.lrs.len()
    }

    /// Why the test ended, once it has.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.rec.stop
    }

    /// The latest smoothed value, if any point was recorded.
    pub fn smoothed(&self) -> Option<f64> {
        self.rec.smoothed.last().copied()
    }

    /// The configuration.
    pub fn config(&self) -> &RangeTestConfig {
        &self.cfg
    }

    /// End the test (early if it has not ended: then its reason is
    /// [`StopReason::Completed`]) and compute the suggestions and bounds.
    pub fn finish(self) -> RangeTestResult {
        self.rec.finish(self.cfg)
    }
}

/// Run the range-test pipeline on a curve logged elsewhere (e.g. `cyclr suggest`): the same
/// smoothing, stop rule, suggestion window, suggestions and bounds as [`RangeTest`], with the
/// learning rates taken from `lrs` (the sweep setting is not used). `values` are losses, or
/// accuracies when `cfg.metric` is `Accuracy`; points after the stop rule fires are ignored, as
/// the test would have ended there. `cfg.num_it` sets the start of the suggestion window
/// (`num_it/10`) and must be at least the number of points.
///
/// **A NaN loss in the middle** of the curve ends the recorded curve there, and fastai's
/// suggestions with it (fastai cuts its window at the first NaN), but not cyclr's calibrated
/// rule: the rule reads the curve without its NaN points — smoothed and stopped by the same
/// rule as if they had not been logged — and the indices it skipped are in
/// [`RangeTestResult::rule_skipped_nan`]. (±∞ is a divergence, not a gap: it ends both.)
///
/// Errors: an invalid `cfg`; an empty curve; `lrs` and `values` of different lengths; an lr that
/// is not finite and > 0, or not strictly above the one before; more than `num_it` points; fewer
/// than `num_it/10 + 5 + 2` points (the suggestions could not be computed).
pub fn analyze(
    lrs: &[f64],
    values: &[f64],
    cfg: &RangeTestConfig,
) -> Result<RangeTestResult, FinderError> {
    cfg.validate()?;
    if lrs.len() != values.len() {
        return Err(FinderError::LengthMismatch {
            lrs: lrs.len(),
            values: values.len(),
        });
    }
    if lrs.is_empty() {
        return Err(FinderError::EmptyCurve);
    }
    for (i, &lr) in lrs.iter().enumerate() {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(FinderError::InvalidLr {
                index: i,
                value: lr,
            });
        }
        if i > 0 && lr <= lrs[i - 1] {
            return Err(FinderError::NotIncreasing {
                index: i,
                previous: lrs[i - 1],
                value: lr,
            });
        }
    }
    let n = lrs.len();
    if n > cfg.num_it {
        return Err(FinderError::TooManyPoints {
            got: n,
            num_it: cfg.num_it,
        });
    }
    let needed = cfg.min_points_for_suggestions();
    if n < needed {
        return Err(FinderError::TooFewPoints {
            got: n,
            needed,
            num_it: cfg.num_it,
            skip_start: super::suggest::skip_start(cfg.num_it),
            skip_end: super::suggest::SKIP_END,
        });
    }
    let mut rec = Recorder::new(cfg);
    for (&lr, &v) in lrs.iter().zip(values) {
        rec.push(lr, v);
        if rec.stop.is_some() {
            break;
        }
    }
    let nan_gap = matches!(rec.stop, Some(StopReason::NonFinite { iteration, value })
        if value.is_nan() && values[iteration..].iter().any(|v| !v.is_nan()));
    if !(cfg.metric.is_loss() && nan_gap) {
        return Ok(rec.finish(cfg.clone()));
    }
    // cyclr's rule past the NaNs: the same recorder on the NaN-free curve.
    let mut rule = Recorder::new(cfg);
    let mut skipped = Vec::new();
    for (i, (&lr, &v)) in lrs.iter().zip(values).enumerate() {
        if v.is_nan() {
            skipped.push(i);
            continue;
        }
        rule.push(lr, v);
        if rule.stop.is_some() {
            break;
        }
    }
    let rule_curve = (rule.lrs, rule.raw, skipped);
    Ok(rec.finish_with_rule_curve(cfg.clone(), Some(rule_curve)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::{StopRule, Sweep};

    fn lrs(n: usize) -> Vec<f64> {
        Sweep::Exponential.lrs(1e-7, 10.0, n)
    }

    fn cfg(num_it: usize) -> RangeTestConfig {
        RangeTestConfig {
            num_it,
            ..RangeTestConfig::default()
        }
    }

    /// Runs a test on the loss `f(step, lr)` of every ask (warm-up included); returns the test
    /// and the rates asked.
    fn run(cfg: RangeTestConfig, f: impl Fn(usize, f64) -> f64) -> (RangeTest, Vec<Vec<f64>>) {
        let mut t = RangeTest::new(cfg).unwrap();
        let mut asked = Vec::new();
        while let Some(lrs) = t.next_lrs() {
            assert_eq!(t.next_lr(), Some(lrs[0]));
            let v = f(asked.len(), lrs[0]);
            asked.push(lrs);
            t.record(v);
        }
        (t, asked)
    }

    #[test]
    fn a_warmup_asks_the_first_rate_and_records_nothing() {
        let base = RangeTestConfig {
            group_scales: vec![1.0, 0.5],
            ..cfg(40)
        };
        let warm = RangeTestConfig {
            warmup_it: 7,
            ..base.clone()
        };
        let loss = |lr: f64| 1.0 + (lr.log10() + 3.0).powi(2) / 10.0;
        let (a, asked_a) = run(base, |_, lr| loss(lr));
        // The warm-up's values are wild: none of them is recorded or smoothed.
        let (b, asked_b) = run(warm, |i, lr| {
            if i < 7 {
                1e3 * (i + 1) as f64
            } else {
                loss(lr)
            }
        });
        assert_eq!(asked_b.len(), asked_a.len() + 7);
        for w in &asked_b[..7] {
            assert_eq!(w, &asked_a[0], "the sweep's first rates, per group");
        }
        assert_eq!(&asked_b[7..], &asked_a[..]);
        let (ra, rb) = (a.finish(), b.finish());
        assert_eq!(ra.lrs, rb.lrs);
        assert_eq!(ra.raw, rb.raw);
        assert_eq!(ra.smoothed, rb.smoothed);
        assert_eq!(ra.stop_reason, rb.stop_reason);
        // In warm-up until the 7th value is in; the sweep's step counter stays at 0.
        let mut t = RangeTest::new(RangeTestConfig {
            warmup_it: 2,
            ..cfg(40)
        })
        .unwrap();
        assert!(t.in_warmup());
        t.record(1.0);
        assert!(t.in_warmup());
        assert_eq!(t.iteration(), 0);
        t.record(1.0);
        assert!(!t.in_warmup());
        t.record(1.0);
        assert_eq!(t.iteration(), 1);
    }

    #[test]
    fn a_non_finite_warmup_value_ends_the_test_with_nothing_recorded() {
        let (t, asked) = run(
            RangeTestConfig {
                warmup_it: 5,
                ..cfg(40)
            },
            |i, _| if i == 3 { f64::NAN } else { 1.0 },
        );
        assert_eq!(asked.len(), 4);
        assert!(!t.in_warmup());
        assert!(matches!(
            t.stop_reason(),
            Some(StopReason::NonFinite { iteration: 0, .. })
        ));
        assert!(t.finish().lrs.is_empty());
    }

    #[test]
    fn a_warmup_is_bounded_and_left_out_of_json_when_none() {
        let e = RangeTest::new(RangeTestConfig {
            warmup_it: crate::finder::MAX_WARMUP_IT + 1,
            ..cfg(40)
        })
        .unwrap_err();
        assert_eq!(e.param, "warmup_it");
        let json = serde_json::to_string(&cfg(40)).unwrap();
        assert!(!json.contains("warmup_it"), "{json}");
        let warm = RangeTestConfig {
            warmup_it: 200,
            ..cfg(40)
        };
        let json = serde_json::to_string(&warm).unwrap();
        assert!(json.contains("\"warmup_it\":200"), "{json}");
        assert_eq!(
            serde_json::from_str::<RangeTestConfig>(&json).unwrap(),
            warm
        );
    }

    #[test]
    fn analyze_rejects_bad_config() {
        let c = RangeTestConfig {
            beta: 1.5,
            ..cfg(20)
        };
        assert!(
            matches!(analyze(&lrs(20), &[1.0; 20], &c), Err(FinderError::Config(e)) if e.param == "beta")
        );
    }

    #[test]
    fn analyze_rejects_empty() {
        assert_eq!(
            analyze(&[], &[], &cfg(20)).unwrap_err(),
            FinderError::EmptyCurve
        );
    }

    #[test]
    fn analyze_rejects_length_mismatch() {
        let e = analyze(&lrs(20), &[1.0; 19], &cfg(20)).unwrap_err();
        assert_eq!(
            e,
            FinderError::LengthMismatch {
                lrs: 20,
                values: 19
            }
        );
        assert!(e.to_string().contains("20 learning rates but 19 values"));
    }

    #[test]
    fn analyze_rejects_bad_lrs() {
        for bad in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
            let mut x = lrs(20);
            x[3] = bad;
            match analyze(&x, &[1.0; 20], &cfg(20)).unwrap_err() {
                FinderError::InvalidLr { index: 3, .. } => {}
                // -1e-3 at 3 fails positivity first; a NaN fails finiteness first.
                e => panic!("{bad}: {e}"),
            }
        }
    }

    #[test]
    fn analyze_rejects_non_increasing_lrs() {
        let mut x = lrs(20);
        x[5] = x[4];
        let e = analyze(&x, &[1.0; 20], &cfg(20)).unwrap_err();
        assert!(
            matches!(e, FinderError::NotIncreasing { index: 5, .. }),
            "{e}"
        );
        x[5] = x[4] / 2.0;
        assert!(matches!(
            analyze(&x, &[1.0; 20], &cfg(20)),
            Err(FinderError::NotIncreasing { index: 5, .. })
        ));
    }

    #[test]
    fn analyze_rejects_too_few_points_saying_how_many() {
        // num_it = 100: 10 skipped + 5 + 2 = 17 needed.
        let e = analyze(&lrs(16), &[1.0; 16], &cfg(100)).unwrap_err();
        assert!(
            matches!(
                e,
                FinderError::TooFewPoints {
                    got: 16,
                    needed: 17,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("at least 17"), "{e}");
        analyze(&lrs(17), &[1.0; 17], &cfg(100)).unwrap();
    }

    #[test]
    fn analyze_rejects_too_many_points() {
        let e = analyze(&lrs(30), &[1.0; 30], &cfg(20)).unwrap_err();
        assert_eq!(
            e,
            FinderError::TooManyPoints {
                got: 30,
                num_it: 20
            }
        );
    }

    #[test]
    fn analyze_ignores_points_after_divergence() {
        let mut v = vec![1.0; 40];
        for x in v.iter_mut().skip(30) {
            *x = 1e6;
        }
        let r = analyze(&lrs(40), &v, &cfg(40)).unwrap();
        assert_eq!(r.recorded_points(), 31);
        assert!(matches!(
            r.stop_reason,
            StopReason::Diverged { iteration: 30, .. }
        ));
    }

    #[test]
    fn engine_sweeps_and_completes() {
        let mut t = RangeTest::new(cfg(50)).unwrap();
        let want = lrs(50);
        let mut k = 0;
        while let Some(lr) = t.next_lr() {
            assert_eq!(lr, want[k]);
            t.record(1.0);
            k += 1;
        }
        assert_eq!(k, 50);
        assert_eq!(t.stop_reason(), Some(StopReason::Completed));
        t.record(1.0); // ignored
        let r = t.finish();
        assert_eq!(r.recorded_points(), 50);
        assert_eq!((r.window_start, r.window_end), (5, 45));
    }

    #[test]
    fn engine_groups() {
        let c = RangeTestConfig {
            group_scales: vec![1.0, 0.1],
            ..cfg(10)
        };
        let t = RangeTest::new(c).unwrap();
        let g = t.next_lrs().unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0], 1e-7);
        assert!((g[1] / 1e-8 - 1.0).abs() < 1e-12);
        assert_eq!(t.next_lr(), Some(g[0]));
    }

    #[test]
    fn engine_stops_on_nan_without_recording_it() {
        let mut t = RangeTest::new(cfg(50)).unwrap();
        for _ in 0..7 {
            t.record(2.0);
        }
        t.record(f64::NAN);
        assert!(t.is_finished());
        assert_eq!(t.next_lr(), None);
        assert_eq!(t.next_lrs(), None);
        let r = t.finish();
        assert_eq!(r.recorded_points(), 7);
        assert!(
            matches!(r.stop_reason, StopReason::NonFinite { iteration: 7, value } if value.is_nan())
        );
    }

    #[test]
    fn a_negative_loss_does_not_diverge_at_iteration_0() {
        // A log-likelihood falling from -1 to -3, then blowing up.
        let mut v: Vec<f64> = (0..40).map(|i| -1.0 - 0.05 * i as f64).collect();
        let r = analyze(&lrs(40), &v, &cfg(40)).unwrap();
        assert_eq!(r.recorded_points(), 40, "{}", r.stop_reason);
        assert_eq!(r.stop_reason, StopReason::Completed);
        assert!(r.suggestions.valley.is_some());
        for x in v.iter_mut().skip(30) {
            *x = 1e4;
        }
        let r = analyze(&lrs(40), &v, &cfg(40)).unwrap();
        let StopReason::Diverged {
            iteration,
            smoothed,
            best,
            ..
        } = r.stop_reason
        else {
            panic!("{:?}", r.stop_reason);
        };
        assert!((30..40).contains(&iteration), "{iteration}");
        assert!(best < 0.0 && smoothed - best > 3.0 * -best);
        assert!(r.stop_reason.to_string().contains("rose above the best"));
        // The engine, the Lightning and torch-lr-finder rules alike.
        for rule in [StopRule::Lightning, StopRule::TorchLrFinder] {
            let c = RangeTestConfig {
                stop_rule: rule,
                ..cfg(40)
            };
            let mut t = RangeTest::new(c).unwrap();
            for k in 0..30 {
                t.record(-1.0 - 0.05 * k as f64);
            }
            assert!(!t.is_finished(), "{rule:?}: {:?}", t.stop_reason());
        }
    }

    #[test]
    fn a_nan_in_the_middle_is_skipped_by_cyclrs_rule_only() {
        // The calibrated rule's window needs the curve past the NaN: a fall, then a climb.
        let x = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        let loss = |lr: f64| {
            let l = lr.log10();
            if l < -3.0 {
                2.3
            } else if l < -1.0 {
                2.3 - (l + 3.0)
            } else {
                0.3 + 4.0 * (l + 1.0)
            }
        };
        let clean: Vec<f64> = x.iter().map(|&l| loss(l)).collect();
        let mut v = clean.clone();
        v[100] = f64::NAN;
        v[150] = f64::NAN;
        let r = analyze(&x, &v, &cfg(280)).unwrap();
        // fastai's record and suggestions stop at the first NaN, as fastai's do...
        assert_eq!(r.recorded_points(), 100);
        assert!(matches!(
            r.stop_reason,
            StopReason::NonFinite { iteration: 100, .. }
        ));
        assert_eq!(r.window_end, 100);
        // ...cyclr's rule reads on: nearly the rates of the curve without the gaps.
        assert_eq!(r.rule_skipped_nan, vec![100, 150]);
        let b = r.bounds.as_ref().expect("rates past the NaN");
        let full = analyze(&x, &clean, &cfg(280)).unwrap();
        let fb = full.bounds.unwrap();
        assert!(
            (b.max_lr / fb.max_lr).ln().abs() < 0.05,
            "{} {}",
            b.max_lr,
            fb.max_lr
        );
        assert!(r.rule_note().unwrap().contains("2 NaN"));
        assert_eq!(
            r.to_json()["rule_skipped_nan"],
            serde_json::json!([100, 150])
        );
        // Without the skip the rule would have seen only the fall (no climb).
        let cut = analyze(&x[..100], &clean[..100], &cfg(280));
        assert!(
            cut.is_err()
                || cut
                    .unwrap()
                    .bounds
                    .is_none_or(|c| c.max_lr < fb.max_lr / 2.0)
        );
        // A NaN at the very end, with nothing after it: nothing to skip.
        let mut v = clean.clone();
        v[279] = f64::NAN;
        assert!(
            analyze(&x, &v, &cfg(280))
                .unwrap()
                .rule_skipped_nan
                .is_empty()
        );
    }

    #[test]
    fn accuracy_mode_collapse_stop() {
        let c = RangeTestConfig {
            metric: Metric::Accuracy,
            beta: 0.0,
            ..cfg(50)
        };
        let mut t = RangeTest::new(c).unwrap();
        for a in [0.1, 0.5, 0.9, 0.5, 0.3] {
            t.record(a);
        }
        assert!(!t.is_finished());
        t.record(0.2); // < 0.9 / 4
        let r = t.finish();
        assert!(matches!(
            r.stop_reason,
            StopReason::Diverged { iteration: 5, .. }
        ));
        assert!(
            r.stop_reason.to_string().contains("accuracy collapsed"),
            "{}",
            r.stop_reason
        );
    }
}
