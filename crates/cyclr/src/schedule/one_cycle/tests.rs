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
