use super::*;

#[test]
fn pytorch_endpoints() {
    let s = OneCycle::new(0.1, 1000).unwrap();
    assert!((s.lr(0) - 0.004).abs() < 1e-15);
    assert!((s.lr(299) - 0.1).abs() < 1e-15);
    assert!((s.lr(999) - 0.004 / 1e4).abs() < 1e-18);
    assert_eq!(s.lr(999), s.lr(1000));
    assert_eq!(s.lr(999), s.lr(u64::MAX));
    assert_eq!(s.momentum(0), Some(0.95));
    assert_eq!(s.warmup_end(), 299);
}

#[test]
fn pytorch_phase_validation() {
    let e = OneCycle::builder(0.1, 3).build().unwrap_err();
    assert_eq!(e.param, "total_steps", "{e}");
    assert!(OneCycle::builder(0.1, 4).build().is_ok());
    let e = OneCycle::builder(0.1, 100)
        .three_phase(true)
        .pct_start(0.6)
        .build()
        .unwrap_err();
    assert_eq!(e.param, "pct_start");
    assert!(
        OneCycle::builder(0.1, 100)
            .three_phase(true)
            .pct_start(0.5)
            .build()
            .is_ok()
    );
    assert_eq!(OneCycle::new(0.1, 0).unwrap_err().param, "total_steps");
    assert_eq!(
        OneCycle::builder(0.1, 10)
            .pct_start(1.0)
            .build()
            .unwrap_err()
            .param,
        "pct_start"
    );
}

/// Found by `fuzz_schedule_ctors` (docs/reliability-fuzz-core.md): with `total_steps`
/// above 2^53, `(total_steps − 1) as f64` can exceed the last phase's `end_step =
/// total_steps as f64 − 1.0`, so `pct` went past 1 and linear annealing extrapolated
/// beyond the final values (here lr −0.5·max_lr and momentum 1.0 at the last step).
#[test]
fn pct_never_exceeds_one_past_2_pow_53() {
    let total = (1u64 << 53) + 1;
    let pct_start = 1.0 - f64::EPSILON; // phase 1 ends at 2^53 − 3, phase 2 at 2^53 − 1
    for anneal in [Anneal::Linear, Anneal::Cos] {
        let s = OneCycle::builder(1.0, total)
            .pct_start(pct_start)
            .anneal(anneal)
            .build()
            .unwrap();
        let (lo, hi) = s.bounds();
        for t in [total - 3, total - 2, total - 1, total, u64::MAX] {
            let lr = s.lr(t);
            assert!(lr >= lo && lr <= hi, "{anneal:?}: lr({t}) = {lr}");
            let m = s.momentum(t).unwrap();
            assert!(
                (0.85..=0.95).contains(&m),
                "{anneal:?}: momentum({t}) = {m}"
            );
        }
        // The last step (and every later one) is the end of the last phase (pct = 1).
        let end_lr = anneal.apply(s.max_lr(), s.min_lr(), 1.0);
        assert_eq!(s.lr(total - 1), end_lr, "{anneal:?}");
        assert_eq!(s.lr(u64::MAX), end_lr, "{anneal:?}");
        assert_eq!(s.momentum(u64::MAX), Some(anneal.apply(0.85, 0.95, 1.0)));
    }
}

#[test]
fn fastai_endpoints() {
    let s = FastaiOneCycle::new(1e-3, 1000).unwrap();
    assert_eq!(s.lr(0), 4e-5);
    assert_eq!(s.lr(250), 1e-3);
    assert_eq!(s.warmup_end(), 249);
    assert_eq!(s.momentum(250), Some(0.85));
    assert_eq!(s.lr(999), s.lr(5000));
}

/// `|a − b| ≤ 1e-14 · |b|`.
fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-14 * b.abs()
}

/// ULMFiT's slanted triangular at the rise's first and last iterations, the peak and the last
/// iteration, against exact fractions computed independently (Python):
///
/// ```python
/// from fractions import Fraction as F
/// def lr(t, T, cut_frac=F(1, 10), ratio=32, max_lr=F(1, 100)):
///     cut = int(T * cut_frac)                      # 100 -> 10, 95 -> 9 (9.5 floored)
///     p = F(t, cut) if t < cut else 1 - F(t - cut, T - cut)
///     return max_lr * (1 + p * (ratio - 1)) / ratio
/// # T = 100: t = 0 -> 1/3200, 9 -> 289/32000, 10 -> 1/100, 99 -> 121/288000
/// # T = 95:  t = 0 -> 1/3200, 8 -> 257/28800,  9 -> 1/100, 94 -> 117/275200
/// ```
///
/// By hand for T = 100: cut = 10; t = 9: p = 0.9, lr = 0.01·(1 + 0.9·31)/32 = 0.01·28.9/32;
/// t = 99: p = 1 − 89/90 = 1/90, lr = 0.01·(1 + 31/90)/32 = 0.01·121/2880.
#[test]
fn slanted_triangular_values() {
    for (total, cut, want) in [
        (
            100u64,
            10u64,
            [1.0 / 3200.0, 289.0 / 32000.0, 1.0 / 100.0, 121.0 / 288000.0],
        ),
        (
            95,
            9,
            [1.0 / 3200.0, 257.0 / 28800.0, 1.0 / 100.0, 117.0 / 275200.0],
        ),
    ] {
        let s = SlantedTriangular::new(0.01, total, 0.1, 32.0).unwrap();
        assert_eq!(s.cut(), cut);
        for (t, w) in [0, cut - 1, cut, total - 1].into_iter().zip(want) {
            assert!(near(s.lr(t), w), "T={total} t={t}: {} vs {w}", s.lr(t));
        }
        // Past the end: the value at T − 1.
        for t in [total, total + 1, u64::MAX] {
            assert_eq!(s.lr(t), s.lr(total - 1));
        }
        assert!(!s.cycles_momentum());
        // Linear rise, linear fall: monotone on each side of the peak.
        for t in 1..total {
            let (a, b) = (s.lr(t - 1), s.lr(t));
            assert!(if t <= cut { b > a } else { b < a }, "T={total} t={t}");
        }
    }
    // ratio = 1: constant.
    let flat = SlantedTriangular::new(0.5, 10, 0.3, 1.0).unwrap();
    assert!((0..12).all(|t| flat.lr(t) == 0.5));
}

#[test]
fn slanted_triangular_checks_name_the_key_and_range() {
    let err = |max_lr, total, cut_frac, ratio| {
        SlantedTriangular::new(max_lr, total, cut_frac, ratio).unwrap_err()
    };
    for cut_frac in [0.0, 1.0, 2.0, -0.1, f64::NAN] {
        let e = err(0.01, 100, cut_frac, 32.0);
        assert_eq!(
            (e.param.as_str(), e.valid.as_str()),
            ("cut_frac", "must be in (0, 1)")
        );
    }
    for ratio in [0.5, 0.0, -2.0, f64::INFINITY, f64::NAN] {
        let e = err(0.01, 100, 0.1, ratio);
        assert_eq!(e.param, "ratio");
        assert!(e.valid.contains("≥ 1"), "{e}");
    }
    for max_lr in [0.0, -0.01, f64::NAN, f64::INFINITY] {
        let e = err(max_lr, 100, 0.1, 32.0);
        assert_eq!(e.param, "max_lr");
        assert!(e.valid.contains("> 0"), "{e}");
    }
    for total in [0, 1] {
        let e = err(0.01, total, 0.1, 32.0);
        assert_eq!(e.param, "total_steps");
        assert!(e.valid.contains("≥ 2"), "{e}");
    }
    // ⌊5 · 0.1⌋ = 0: no rise.
    let e = err(0.01, 5, 0.1, 32.0);
    assert_eq!(e.param, "cut_frac");
    assert_eq!(
        e.to_string(),
        "invalid `cut_frac` = 0.1: must be ≥ 1/`total_steps` (0.2) so that the rise lasts at \
         least one iteration"
    );
    assert!(SlantedTriangular::new(0.01, 5, 0.2, 32.0).is_ok());
    assert!(SlantedTriangular::new(0.01, 2, 0.5, 1.0).is_ok());
}
