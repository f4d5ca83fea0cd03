//! Property tests of the range-test engine, the smoothing and the suggestions.
use cyclr::finder::{
    Architecture, Metric, RangeTest, RangeTestConfig, RangeTestResult, StopReason, StopRule,
    Suggestion, Sweep, analyze, read_curve_csv, smooth,
};
use proptest::prelude::*;

fn sweep() -> impl Strategy<Value = Sweep> {
    prop_oneof![
        Just(Sweep::Exponential),
        Just(Sweep::ExponentialTorch),
        Just(Sweep::Linear),
        Just(Sweep::ExponentialLightning),
        Just(Sweep::LinearLightning)
    ]
}

fn stop_rule() -> impl Strategy<Value = StopRule> {
    prop_oneof![
        2 => Just(StopRule::Fastai),
        1 => Just(StopRule::Lightning),
        1 => Just(StopRule::TorchLrFinder)
    ]
}

fn metric() -> impl Strategy<Value = Metric> {
    prop_oneof![
        Just(Metric::TrainLoss),
        Just(Metric::ValLoss),
        Just(Metric::Accuracy)
    ]
}

/// Any valid configuration.
fn config() -> impl Strategy<Value = RangeTestConfig> {
    (
        -9.0f64..0.0,
        0.5f64..9.0,
        2usize..260,
        sweep(),
        prop_oneof![Just(0.0), 0.0f64..0.999, Just(0.98)],
        prop::option::of(1.01f64..10.0),
        metric(),
        prop::collection::vec(0.01f64..100.0, 0..3),
        (
            stop_rule(),
            prop::sample::select(Architecture::ALL.to_vec()),
        ),
    )
        .prop_map(
            |(
                log_start,
                decades,
                num_it,
                sweep,
                beta,
                stop_factor,
                metric,
                group_scales,
                (rule, architecture),
            )| {
                RangeTestConfig {
                    start_lr: 10f64.powf(log_start),
                    end_lr: 10f64.powf(log_start + decades),
                    num_it,
                    sweep,
                    beta,
                    stop_factor,
                    // The other libraries' rules are for losses only.
                    stop_rule: if metric.is_loss() {
                        rule
                    } else {
                        StopRule::Fastai
                    },
                    metric,
                    group_scales,
                    architecture,
                    // The properties count values per recorded point; a warm-up (values not
                    // recorded) has its own tests in the engine.
                    warmup_it: 0,
                }
            },
        )
}

/// Any f64 at all, weighted towards ordinary losses.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => 0.0f64..10.0,
        1 => prop::num::f64::ANY,
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.0)],
    ]
}

/// Drive a test with `values` until it ends or they run out.
fn drive(cfg: &RangeTestConfig, values: &[f64]) -> RangeTestResult {
    let mut t = RangeTest::new(cfg.clone()).expect("valid config");
    for &v in values {
        if t.is_finished() {
            break;
        }
        let lr = t.next_lr().expect("not finished");
        let lrs = t.next_lrs().expect("not finished");
        assert_eq!(lrs.len(), cfg.group_scales.len().max(1));
        assert_eq!(lrs[0], lr);
        t.record(v);
    }
    t.finish()
}

fn all_suggestions(r: &RangeTestResult) -> Vec<(&'static str, Suggestion)> {
    r.suggestions
        .iter()
        .into_iter()
        .filter_map(|(n, s)| s.map(|s| (n, s)))
        .collect()
}

proptest! {
    /// fastai's debiased EMA of a constant is that constant, from the first point on.
    #[test]
    fn smoothing_a_constant_is_constant(c in -1e6f64..1e6, beta in 0.0f64..0.999, n in 1usize..400) {
        for (i, s) in smooth(&vec![c; n], beta).into_iter().enumerate() {
            prop_assert!((s - c).abs() <= 1e-9 * c.abs().max(1e-300), "point {i}: {s} vs {c}");
        }
    }

    /// Through the engine too: a constant positive loss never diverges, runs to num_it, and its
    /// smoothed curve is flat.
    #[test]
    fn engine_constant_loss(c in 1e-3f64..1e3, mut cfg in config()) {
        cfg.metric = Metric::TrainLoss;
        if cfg.stop_rule == StopRule::Lightning {
            // Lightning's debiasing from step 1 makes its smoothed constant climb from 0.505 c to
            // c: its rule (as Lightning's own) stops a constant loss for a threshold below 1.98.
            cfg.stop_factor = cfg.stop_factor.map(|f| f.max(2.0));
        }
        let r = drive(&cfg, &vec![c; cfg.num_it]);
        prop_assert_eq!(r.stop_reason, StopReason::Completed);
        prop_assert_eq!(r.recorded_points(), cfg.num_it);
        for s in &r.smoothed {
            prop_assert!((s - c).abs() <= 1e-9 * c);
        }
    }

    /// Arbitrary values (NaN, ±∞, huge, negative) never panic, and the result is consistent.
    #[test]
    fn engine_never_panics(cfg in config(), values in prop::collection::vec(value(), 0..300)) {
        let r = drive(&cfg, &values);
        let n = r.recorded_points();
        prop_assert!(n <= cfg.num_it);
        prop_assert!(n <= values.len());
        prop_assert_eq!(r.lrs.len(), n);
        prop_assert_eq!(r.raw.len(), n);
        prop_assert_eq!(r.smoothed.len(), n);
        prop_assert!(r.raw.iter().all(|v| v.is_finite()), "only finite values are recorded");
        prop_assert_eq!(&r.raw[..], &values[..n]);
        match r.stop_reason {
            StopReason::NonFinite { iteration, value } => {
                prop_assert_eq!(iteration, n);
                prop_assert!(!value.is_finite());
                prop_assert_eq!(value.to_bits(), values[n].to_bits());
            }
            StopReason::Diverged { iteration, .. } => prop_assert_eq!(iteration + 1, n),
            StopReason::Completed => {
                prop_assert!(n == cfg.num_it || n == values.len());
            }
        }
        prop_assert!(r.window_start <= r.window_end && r.window_end <= n.max(r.window_start));
        let _ = r.to_json();
        let mut buf = Vec::new();
        r.write_csv(&mut buf).unwrap();
        prop_assert_eq!(buf.iter().filter(|&&b| b == b'\n').count(), n + 1);
        let _ = r.stop_reason.to_string();
    }

    /// The recorded learning rates are the sweep's, increasing, within [start, end] (group 0).
    #[test]
    fn lrs_follow_the_sweep(cfg in config(), values in prop::collection::vec(1.0f64..2.0, 0..300)) {
        let r = drive(&cfg, &values);
        let s0 = cfg.group_scales.first().copied().unwrap_or(1.0);
        let (lo, hi) = (cfg.start_lr * s0, cfg.end_lr * s0);
        for (i, &lr) in r.lrs.iter().enumerate() {
            let want = cfg.sweep.lr(lo, hi, i, cfg.num_it);
            prop_assert_eq!(lr, want);
            prop_assert!(lr >= lo * (1.0 - 1e-12) && lr <= hi * (1.0 + 1e-12));
            if i > 0 {
                prop_assert!(lr > r.lrs[i - 1]);
            }
        }
    }

    /// Every suggestion lies within the swept range (minimum: its lr × 10), reads a point of the
    /// suggestion window, and reports that point's smoothed value.
    #[test]
    fn suggestions_lie_in_the_swept_range(
        cfg in config(),
        values in prop::collection::vec(0.0f64..10.0, 0..300),
    ) {
        let r = drive(&cfg, &values);
        if r.recorded_points() == 0 {
            return Ok(());
        }
        let (lo, hi) = (r.lrs[0], r.lrs[r.recorded_points() - 1]);
        for (name, s) in all_suggestions(&r) {
            let lr = if name == "minimum" { s.lr * 10.0 } else { s.lr };
            prop_assert!(lr >= lo * (1.0 - 1e-12) && lr <= hi * (1.0 + 1e-12), "{name}: {lr} not in [{lo}, {hi}]");
            prop_assert!(s.index >= r.window_start && s.index < r.window_end, "{name}: index {}", s.index);
            prop_assert_eq!(s.value.to_bits(), r.smoothed[s.index].to_bits());
        }
        if r.window_end - r.window_start >= 2 {
            prop_assert!(r.suggestions.valley.is_some() && r.suggestions.steep.is_some()
                && r.suggestions.minimum.is_some());
        } else {
            // fastai's steep and slide need 2+ points; valley and minimum work on one.
            prop_assert!(r.suggestions.steep.is_none() && r.suggestions.slide.is_none());
            prop_assert_eq!(r.suggestions.valley.is_some(), r.window_end > r.window_start);
        }
        if let Some(b) = &r.bounds {
            prop_assert!(b.fixed_lr > 0.0 && b.base_lr > 0.0 && b.base_lr < b.max_lr, "{b:?}");
            prop_assert!(!b.rule.is_empty());
            if let Some(w) = b.window {
                // The calibrated window lies in the swept range, in order.
                prop_assert!(lo <= w.knee && w.knee <= w.minimum && w.minimum <= w.climb && w.climb <= hi, "{w:?}");
            }
        }
        prop_assert_eq!(r.bounds.is_none(), r.bounds_note.is_some());
    }

    /// A NaN (or ±∞) at step k, after ordinary losses, stops the test with k points kept.
    #[test]
    fn non_finite_at_k_keeps_k_points(
        mut cfg in config(),
        seed_values in prop::collection::vec(1.0f64..2.0, 300),
        k_frac in 0.0f64..1.0,
        bad in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
    ) {
        cfg.metric = Metric::TrainLoss;
        cfg.stop_factor = Some(4.0);
        let k = ((cfg.num_it as f64 * k_frac) as usize).min(cfg.num_it - 1);
        let mut values = seed_values[..cfg.num_it].to_vec();
        values[k] = bad;
        let r = drive(&cfg, &values);
        prop_assert_eq!(r.recorded_points(), k);
        let stopped_at_k = matches!(r.stop_reason, StopReason::NonFinite { iteration, .. } if iteration == k);
        prop_assert!(stopped_at_k, "{:?}", r.stop_reason);
        // fastai's window for a NaN: [num_it/10 : min(k, num_it - 5)].
        if bad.is_nan() && cfg.num_it / 10 < k.min(cfg.num_it.saturating_sub(5)) {
            prop_assert_eq!((r.window_start, r.window_end), (cfg.num_it / 10, k.min(cfg.num_it - 5)));
        }
    }

    /// `analyze` on the sweep's own learning rates gives exactly what the engine gives.
    #[test]
    fn analyze_matches_the_engine(cfg in config(), values in prop::collection::vec(value(), 0..300)) {
        let n = values.len().min(cfg.num_it);
        let s0 = cfg.group_scales.first().copied().unwrap_or(1.0);
        let lrs: Vec<f64> = (0..n)
            .map(|i| cfg.sweep.lr(cfg.start_lr * s0, cfg.end_lr * s0, i, cfg.num_it))
            .collect();
        let from_engine = drive(&cfg, &values[..n]);
        match analyze(&lrs, &values[..n], &cfg) {
            Ok(r) => {
                prop_assert_eq!(&r.lrs, &from_engine.lrs);
                prop_assert_eq!(r.raw.len(), from_engine.raw.len());
                prop_assert_eq!(r.suggestions, from_engine.suggestions);
                prop_assert_eq!(r.stop_reason.to_string(), from_engine.stop_reason.to_string());
                // Except where a NaN in the middle was skipped by cyclr's rule (which the engine,
                // stopping at the NaN, cannot do).
                if r.rule_skipped_nan.is_empty() {
                    prop_assert_eq!(r.bounds, from_engine.bounds);
                } else {
                    let k = r.recorded_points();
                    prop_assert!(values[k].is_nan() && values[k..n].iter().any(|v| !v.is_nan()));
                }
            }
            Err(e) => prop_assert!(n < cfg.min_points_for_suggestions(), "{e}"),
        }
    }

    /// CSV written by a result reads back to the same curve and the same analysis.
    #[test]
    fn csv_round_trip(cfg in config(), values in prop::collection::vec(value(), 0..300)) {
        let r = drive(&cfg, &values);
        let mut buf = Vec::new();
        r.write_csv(&mut buf).unwrap();
        if r.recorded_points() == 0 {
            return Ok(());
        }
        let c = read_curve_csv(&buf[..]).unwrap();
        prop_assert_eq!(&c.lrs, &r.lrs);
        let vals = if cfg.metric == Metric::Accuracy { c.accuracies.unwrap() } else { c.losses.unwrap() };
        prop_assert_eq!(vals.len(), r.raw.len());
        for (a, b) in vals.iter().zip(&r.raw) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    /// Accuracy mode runs fastai's functions on the negated accuracy: the same points a loss-mode
    /// test of the negated values picks.
    #[test]
    fn accuracy_mode_is_negated_loss(
        mut cfg in config(),
        values in prop::collection::vec(0.0f64..1.0, 0..300),
    ) {
        cfg.stop_factor = None;
        cfg.stop_rule = StopRule::Fastai;
        cfg.metric = Metric::Accuracy;
        let acc = drive(&cfg, &values);
        cfg.metric = Metric::TrainLoss;
        let neg: Vec<f64> = values.iter().map(|v| -v).collect();
        let loss = drive(&cfg, &neg);
        for (a, l) in acc.suggestions.iter().into_iter().zip(loss.suggestions.iter()) {
            prop_assert_eq!(a.1.map(|s| (s.index, s.lr)), l.1.map(|s| (s.index, s.lr)));
            if let Some(s) = a.1 {
                prop_assert_eq!(s.value, acc.smoothed[s.index]);
            }
        }
    }
}
