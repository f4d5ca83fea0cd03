use super::*;

fn err<T: std::fmt::Debug>(r: Result<T, ParamError>) -> String {
    let e = r.unwrap_err();
    assert!(!e.valid.is_empty());
    e.param
}

#[test]
fn warm_up_starts_at_zero() {
    let c = ConstantWithWarmup::new(1.0, 4).unwrap();
    let lrs: Vec<f64> = (0..6).map(|t| c.lr(t)).collect();
    assert_eq!(lrs, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
    assert_eq!(ConstantWithWarmup::new(0.1, 0).unwrap().lr(0), 0.1);
    assert_eq!(c.lr(u64::MAX), 1.0);
}

#[test]
fn linear_decays_to_zero_at_num_training_steps() {
    let s = LinearWithWarmup::new(2.0, 2, 10).unwrap();
    assert_eq!(s.lr(1), 1.0);
    assert_eq!(s.lr(2), 2.0);
    assert_eq!(s.lr(6), 1.0); // (10 − 6)/8
    assert_eq!(s.lr(9), 0.25);
    for t in [10, 11, 1 << 40, u64::MAX] {
        assert_eq!(s.lr(t).to_bits(), 0.0f64.to_bits(), "t={t}");
    }
    // N = T: warm-up, then 0 (transformers: (T − t) / max(1, 0)).
    let w = LinearWithWarmup::new(1.0, 4, 4).unwrap();
    assert_eq!(w.lr(3), 0.75);
    assert_eq!(w.lr(4), 0.0);
}

#[test]
fn cosine_half_wave_and_floor() {
    let s = CosineWithWarmup::new(1.0, 0, 100, 0.5, 0.0).unwrap();
    assert_eq!(s.lr(0), 1.0);
    assert!((s.lr(50) - 0.5).abs() < 1e-15);
    assert!(s.lr(100) < 1e-15);
    // Past T the cosine rises again, as in transformers.
    assert!(s.lr(150) > 0.49);
    let m = CosineWithWarmup::new(1.0, 10, 110, 0.5, 0.1).unwrap();
    assert_eq!(m.lr(5), 0.5);
    assert_eq!(m.lr(10), 1.0);
    assert!((m.lr(110) - 0.1).abs() < 1e-15);
    assert!(m.lr(110) >= 0.1);
    // min_lr_rate = 0 is the plain cosine bit for bit (x·1 + 0 = x).
    let a = CosineWithWarmup::new(0.3, 7, 1000, 1.5, 0.0).unwrap();
    for t in 0..1000 {
        let p = (t.max(7) - 7) as f64 / 993.0;
        let plain = if t < 7 {
            t as f64 / 7.0
        } else {
            py_max0(0.5 * (1.0 + (PI * 1.5 * 2.0 * p).cos()))
        };
        assert_eq!(a.lr(t).to_bits(), (0.3 * plain).to_bits(), "t={t}");
    }
    assert!(a.lr(u64::MAX).is_finite());
}

#[test]
fn hard_restarts_restart() {
    let s = CosineWithHardRestarts::new(1.0, 0, 400, 4.0).unwrap();
    assert_eq!(s.lr(0), 1.0);
    assert_eq!(s.lr(100), 1.0);
    assert_eq!(s.lr(200), 1.0);
    assert!(s.lr(99) < 0.001 && s.lr(199) < 0.001);
    assert!((s.lr(50) - 0.5).abs() < 1e-15);
    assert!(s.lr(399) < 0.001);
    assert_eq!(s.lr(400), 0.0);
    assert_eq!(s.lr(u64::MAX), 0.0);
}

#[test]
fn polynomial_reaches_lr_end() {
    let s = PolynomialWithWarmup::new(1.0, 0, 10, 0.0, 2.0).unwrap();
    assert_eq!(s.lr(0), 1.0);
    assert_eq!(s.lr(5), 0.25);
    assert_eq!(s.lr(10), 0.0);
    let e = PolynomialWithWarmup::new(0.001, 10, 20, 1e-6, 1.0).unwrap();
    assert_eq!(e.lr(5), 0.0005);
    assert!((e.lr(10) - 0.001).abs() < 1e-18);
    assert_eq!(e.lr(21), 0.001 * (1e-6 / 0.001));
    assert_eq!(e.lr(u64::MAX), e.lr(21));
}

#[test]
fn inverse_sqrt_timescale_default() {
    assert_eq!(InverseSqrt::new(1.0, 0, None).unwrap().timescale(), 10_000);
    assert_eq!(InverseSqrt::new(1.0, 400, None).unwrap().timescale(), 400);
    assert_eq!(InverseSqrt::new(1.0, 400, Some(7)).unwrap().timescale(), 7);
    let s = InverseSqrt::new(1.0, 100, None).unwrap();
    assert_eq!(s.lr(50), 0.5);
    assert_eq!(s.lr(100), 1.0);
    assert_eq!(s.lr(400), 0.5); // 1/sqrt((400 + 0)/100)
    let z = InverseSqrt::new(1.0, 0, None).unwrap();
    assert_eq!(z.lr(0), 1.0);
    assert_eq!(z.lr(30_000), 0.5);
    // A timescale shorter than the warm-up: t + shift stays ≥ timescale.
    let short = InverseSqrt::new(1.0, 100, Some(1)).unwrap();
    assert_eq!(short.lr(100), 1.0);
    assert_eq!(short.lr(103), 0.5);
    for s in [&s, &z, &short] {
        let lr = s.lr(u64::MAX);
        assert!(lr.is_finite() && lr > 0.0 && lr < 1e-7);
    }
}

#[test]
fn wsd_phases() {
    let s = Wsd::builder(1.0, 4, 4)
        .num_training_steps(12)
        .decay_type(WsdCurve::Linear)
        .min_lr_ratio(0.5)
        .build()
        .unwrap();
    assert_eq!(s.num_stable_steps(), 4);
    let lrs: Vec<f64> = (0..14).map(|t| s.lr(t)).collect();
    assert_eq!(
        lrs,
        [
            0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0, 1.0, 1.0, 0.875, 0.75, 0.625, 0.5, 0.5
        ]
    );
    assert_eq!(s.lr(u64::MAX), 0.5);
    let c = Wsd::builder(1.0, 4, 4)
        .num_stable_steps(0)
        .warmup_type(WsdCurve::Cosine)
        .decay_type(WsdCurve::OneMinusSqrt)
        .build()
        .unwrap();
    assert_eq!(c.lr(0), 0.0);
    assert!((c.lr(2) - 0.5).abs() < 1e-15);
    assert_eq!(c.lr(4), 1.0);
    assert_eq!(c.lr(5), 0.5); // 1 − sqrt(1/4)
    assert_eq!(c.lr(8), 0.0);
    let q = Wsd::builder(1.0, 4, 1)
        .num_stable_steps(1)
        .warmup_type(WsdCurve::OneMinusSqrt)
        .build()
        .unwrap();
    assert_eq!(q.lr(3), 0.5); // 1 − sqrt(1 − 3/4)
    // Phase ends past u64::MAX do not overflow: the stable phase lasts for ever.
    let long = Wsd::builder(1.0, 1, u64::MAX)
        .num_stable_steps(u64::MAX)
        .build()
        .unwrap();
    assert_eq!(long.lr(u64::MAX), 1.0);
    // Both lengths, consistent.
    let both = Wsd::builder(1.0, 1, 2)
        .num_training_steps(10)
        .num_stable_steps(7)
        .build()
        .unwrap();
    assert_eq!(both.num_stable_steps(), 7);
}

#[test]
fn every_bad_parameter_is_named() {
    for lr in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e301] {
        assert_eq!(err(ConstantWithWarmup::new(lr, 1)), "lr");
        assert_eq!(err(LinearWithWarmup::new(lr, 1, 2)), "lr");
        assert_eq!(err(CosineWithWarmup::new(lr, 1, 2, 0.5, 0.0)), "lr");
        assert_eq!(err(CosineWithHardRestarts::new(lr, 1, 2, 1.0)), "lr");
        assert_eq!(err(PolynomialWithWarmup::new(lr, 1, 2, 0.0, 1.0)), "lr");
        assert_eq!(err(InverseSqrt::new(lr, 1, None)), "lr");
        assert_eq!(
            err(Wsd::builder(lr, 1, 1).num_stable_steps(1).build()),
            "lr"
        );
    }
    // num_training_steps: ≥ 1 and ≥ num_warmup_steps.
    assert_eq!(err(LinearWithWarmup::new(0.1, 0, 0)), "num_training_steps");
    assert_eq!(err(LinearWithWarmup::new(0.1, 11, 10)), "num_warmup_steps");
    assert_eq!(
        err(CosineWithWarmup::new(0.1, 0, 0, 0.5, 0.0)),
        "num_training_steps"
    );
    assert_eq!(
        err(CosineWithWarmup::new(0.1, 11, 10, 0.5, 0.0)),
        "num_warmup_steps"
    );
    assert_eq!(
        err(CosineWithHardRestarts::new(0.1, 0, 0, 1.0)),
        "num_training_steps"
    );
    assert_eq!(
        err(CosineWithHardRestarts::new(0.1, 11, 10, 1.0)),
        "num_warmup_steps"
    );
    assert_eq!(
        err(PolynomialWithWarmup::new(0.1, 0, 0, 0.0, 1.0)),
        "num_training_steps"
    );
    assert_eq!(
        err(PolynomialWithWarmup::new(0.1, 10, 10, 0.0, 1.0)),
        "num_warmup_steps"
    );
    // num_cycles: finite, > 0.
    for c in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        assert_eq!(err(CosineWithWarmup::new(0.1, 0, 9, c, 0.0)), "num_cycles");
        assert_eq!(err(CosineWithHardRestarts::new(0.1, 0, 9, c)), "num_cycles");
        assert_eq!(
            err(Wsd::builder(0.1, 1, 1)
                .num_stable_steps(1)
                .num_cycles(c)
                .build()),
            "num_cycles"
        );
    }
    // Ratios in [0, 1].
    for r in [-0.1, 1.5, f64::NAN] {
        assert_eq!(err(CosineWithWarmup::new(0.1, 0, 9, 0.5, r)), "min_lr_rate");
        assert_eq!(
            err(Wsd::builder(0.1, 1, 1)
                .num_stable_steps(1)
                .min_lr_ratio(r)
                .build()),
            "min_lr_ratio"
        );
    }
    // lr_end in [0, lr); power ≥ 0.
    for e in [0.1, 0.2, -1e-9, f64::NAN] {
        assert_eq!(err(PolynomialWithWarmup::new(0.1, 0, 9, e, 1.0)), "lr_end");
    }
    for p in [-1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(err(PolynomialWithWarmup::new(0.1, 0, 9, 0.0, p)), "power");
    }
    assert_eq!(err(InverseSqrt::new(0.1, 5, Some(0))), "timescale");
    // WSD lengths.
    assert_eq!(err(Wsd::builder(0.1, 1, 1).build()), "num_training_steps");
    assert_eq!(
        err(Wsd::builder(0.1, 0, 0).num_training_steps(0).build()),
        "num_training_steps"
    );
    assert_eq!(
        err(Wsd::builder(0.1, 5, 6).num_training_steps(10).build()),
        "num_decay_steps"
    );
    assert_eq!(
        err(Wsd::builder(0.1, u64::MAX, u64::MAX)
            .num_training_steps(u64::MAX)
            .build()),
        "num_decay_steps"
    );
    assert_eq!(
        err(Wsd::builder(0.1, 1, 2)
            .num_training_steps(10)
            .num_stable_steps(6)
            .build()),
        "num_stable_steps"
    );
    assert_eq!(
        err(Wsd::builder(0.1, 0, 0).num_stable_steps(0).build()),
        "num_stable_steps"
    );
    let e = PolynomialWithWarmup::new(0.1, 0, 9, 0.2, 1.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid `lr_end` = 0.2: must be < `lr` (0.1)"
    );
}

#[test]
fn python_max_semantics() {
    assert_eq!(py_max0(f64::NAN), 0.0);
    assert_eq!(py_max0(-0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(py_max0(-1.0), 0.0);
    assert_eq!(py_max0(0.25), 0.25);
    // An angle that overflows to ∞ (cos = NaN; Python raises) gives 0, not NaN.
    let s = CosineWithWarmup::new(1.0, 0, 1, 1e300, 0.0).unwrap();
    assert_eq!(s.lr(u64::MAX), 0.0);
}
