use super::*;

fn bounds() -> LrBounds {
    LrBounds {
        fixed_lr: 0.02,
        base_lr: 0.01,
        max_lr: 0.04,
        one_cycle_max_lr: 0.08,
        rule: "test".into(),
        window: None,
        pretrained: None,
        from_minimum: false,
        warnings: Vec::new(),
    }
}

fn shape(iters: u64) -> RunShape {
    RunShape {
        iters,
        iters_per_epoch: Some(100),
        step_epochs: None,
    }
}

#[test]
fn default_rate_fills_the_main_rate_only_when_open() {
    let s = ScheduleSpec::new(Policy::Fixed).with_default_rate(1.0);
    assert_eq!(s.lr, Some(1.0));
    let given = ScheduleSpec {
        lr: Some(0.5),
        ..ScheduleSpec::new(Policy::Fixed)
    };
    assert_eq!(given.with_default_rate(1.0).lr, Some(0.5));
    assert_eq!(
        ScheduleSpec::new(Policy::Sgdr)
            .with_default_rate(1.0)
            .max_lr,
        Some(1.0)
    );
    assert_eq!(
        ScheduleSpec::new(Policy::OneCycle)
            .with_default_rate(2.0)
            .max_lr,
        Some(2.0)
    );
    assert_eq!(
        ScheduleSpec::new(Policy::CosineWithWarmup)
            .with_default_rate(1.0)
            .lr,
        Some(1.0)
    );
    let tri = ScheduleSpec::new(Policy::Triangular).with_default_rate(1.0);
    assert_eq!((tri.base_lr, tri.max_lr), (None, None));
    let r = ScheduleSpec::new(Policy::Fixed)
        .with_default_rate(0.0025)
        .resolve(&shape(10), Auto::Off)
        .unwrap();
    assert_eq!(
        r.config,
        ScheduleConfig::Fixed {
            lr: 0.0025,
            warmup: None
        }
    );
}

#[test]
fn auto_fills_only_what_is_open() {
    let b = bounds();
    let spec = ScheduleSpec::new(Policy::Triangular2);
    let r = spec.resolve(&shape(1000), Auto::Filled(&b)).unwrap();
    assert_eq!(
        r.config,
        ScheduleConfig::Triangular2 {
            base_lr: 0.01,
            max_lr: 0.04,
            step_size: 400,
            step_size_down: None,
            base_momentum: None,
            max_momentum: None,
            warmup: None
        }
    );
    assert!(r.uses_range_test());
    // A given max_lr is kept; base_lr keeps the picks' ratio.
    let spec = ScheduleSpec {
        max_lr: Some(0.1),
        ..ScheduleSpec::new(Policy::Triangular)
    };
    let r = spec.resolve(&shape(1000), Auto::Filled(&b)).unwrap();
    assert_eq!(r.choices[0].key, "base_lr");
    assert!((r.choices[0].value - 0.025).abs() < 1e-15);
    assert_eq!(r.choices[1].source, Source::Given);
    let text = r.describe(|k| format!("--{}", k.replace('_', "-")));
    assert!(text.contains("--max-lr = 1.0000e-1 (given)"), "{text}");
    assert!(text.contains("given --max-lr x 0.2500"), "{text}");
    // one-cycle takes the peak, fixed the fixed pick.
    let oc = ScheduleSpec::new(Policy::OneCycle)
        .resolve(&shape(1000), Auto::Filled(&b))
        .unwrap();
    assert!(matches!(oc.config, ScheduleConfig::OneCycle { max_lr, .. } if max_lr == 0.08));
    let f = ScheduleSpec::new(Policy::Fixed)
        .resolve(&shape(1000), Auto::Filled(&b))
        .unwrap();
    assert!(matches!(f.config, ScheduleConfig::Fixed { lr, .. } if lr == 0.02));
    // A constant rate after a warm-up takes the fixed pick as well; the schedules that anneal
    // (WSD in its cooldown) take the peak.
    let lr_of = |json: &str| {
        let spec: ScheduleSpec = serde_json::from_str(json).unwrap();
        let r = spec.resolve(&shape(1000), Auto::Filled(&b)).unwrap();
        (r.choices[0].value, r.choices[0].source.clone())
    };
    let fixed = (0.02, Source::RangeTest(AutoLr::Fixed));
    let peak = (0.08, Source::RangeTest(AutoLr::OneCyclePeak));
    assert_eq!(
        lr_of(r#"{"policy":"constant-with-warmup","num_warmup_steps":10}"#),
        fixed
    );
    assert_eq!(
        lr_of(r#"{"policy":"wsd","num_warmup_steps":10,"num_decay_steps":200}"#),
        peak
    );
    assert_eq!(
        lr_of(r#"{"policy":"cosine-with-warmup","num_warmup_steps":10}"#),
        peak
    );
}

#[test]
fn step_size_rules() {
    let spec = ScheduleSpec {
        base_lr: Some(0.01),
        max_lr: Some(0.1),
        ..ScheduleSpec::new(Policy::Triangular)
    };
    // 4 epochs, at most half the run.
    let step = |r: Resolved| r.choices.last().unwrap().value;
    assert_eq!(
        step(spec.resolve(&shape(10_000), Auto::Off).unwrap()),
        400.0
    );
    assert_eq!(step(spec.resolve(&shape(300), Auto::Off).unwrap()), 150.0);
    let with_epochs = RunShape {
        step_epochs: Some(1.5),
        ..shape(1000)
    };
    assert_eq!(step(spec.resolve(&with_epochs, Auto::Off).unwrap()), 150.0);
    // Unknown epoch length: step_size is required.
    let no_epoch = RunShape {
        iters: 100,
        ..RunShape::default()
    };
    assert!(matches!(
        spec.resolve(&no_epoch, Auto::Off),
        Err(SpecError::Missing {
            key: "step_size",
            ..
        })
    ));
    let both = ScheduleSpec {
        step_size: Some(5),
        ..spec.clone()
    };
    assert!(matches!(
        both.resolve(&with_epochs, Auto::Off),
        Err(SpecError::Conflict { .. })
    ));
}

#[test]
fn errors_are_structured_and_rendered() {
    let flag = |k: &str| format!("--{}", k.replace('_', "-"));
    let e = ScheduleSpec::new(Policy::Triangular)
        .resolve(&shape(100), Auto::Off)
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::Missing {
            policy: Policy::Triangular,
            key: "base_lr",
            auto_fillable: true
        }
    );
    assert!(
        e.render(flag).contains("missing --base-lr"),
        "{}",
        e.render(flag)
    );
    let e = ScheduleSpec {
        t0: Some(3),
        ..ScheduleSpec::new(Policy::Fixed)
    }
    .resolve(&shape(100), Auto::Pending)
    .unwrap_err();
    assert_eq!(
        e.render(flag),
        "--t0 does not apply to fixed (its keys: --lr, --warmup)"
    );
    let e = ScheduleSpec {
        base_lr: Some(0.2),
        max_lr: Some(0.1),
        step_size: Some(3),
        ..ScheduleSpec::new(Policy::Triangular)
    }
    .resolve(&shape(100), Auto::Off)
    .unwrap_err();
    assert!(e.render(flag).contains("--max-lr"), "{}", e.render(flag));
    let e = ScheduleSpec {
        lr: Some(f64::NAN),
        ..ScheduleSpec::new(Policy::Fixed)
    }
    .resolve(&shape(100), Auto::Off)
    .unwrap_err();
    assert_eq!(e.key(), "lr");
}

#[test]
fn pending_checks_everything_but_the_rates() {
    let bad = ScheduleSpec {
        pct_start: Some(1.5),
        ..ScheduleSpec::new(Policy::OneCycle)
    };
    assert_eq!(
        bad.resolve(&shape(100), Auto::Pending).unwrap_err().key(),
        "pct_start"
    );
    ScheduleSpec::new(Policy::OneCycle)
        .resolve(&shape(100), Auto::Pending)
        .unwrap();
}

#[test]
fn deserialize_names_unknown_keys() {
    let s: ScheduleSpec =
        serde_json::from_str(r#"{"policy": "one-cycle", "pct_strt": 0.2}"#).unwrap();
    let e = s.resolve(&shape(100), Auto::Pending).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown key `pct_strt` (did you mean `pct_start`?)"
    );
    let e = serde_json::from_str::<ScheduleSpec>(r#"{"policy": "onecycle"}"#).unwrap_err();
    assert!(e.to_string().contains("did you mean \"one-cycle\""), "{e}");
}

#[test]
fn table_matches_the_configs() {
    // Every config round-trips through a spec, and resolves to itself.
    let cfgs: Vec<ScheduleConfig> = vec![
        serde_json::from_str(
            r#"{"policy":"exp-range","base_lr":0.1,"max_lr":0.2,"step_size":5,"step_size_down":3,"gamma":0.99,"base_momentum":0.8,"max_momentum":0.9,"warmup":2}"#,
        )
        .unwrap(),
        serde_json::from_str(
            r#"{"policy":"one-cycle","max_lr":0.1,"total_steps":50,"style":"pytorch","pct_start":0.25,"anneal":"linear","div":10,"final_div":100,"three_phase":true,"base_momentum":0.8,"max_momentum":0.9,"cycle_momentum":true}"#,
        )
        .unwrap(),
        serde_json::from_str(r#"{"policy":"sgdr","max_lr":0.1,"min_lr":0.01,"t0":5,"t_mult":2}"#)
            .unwrap(),
        serde_json::from_str(r#"{"policy":"multistep","lr":0.1,"milestones":[3,6],"gamma":0.5}"#)
            .unwrap(),
        serde_json::from_str(r#"{"policy":"poly","lr":0.1,"power":2,"max_iter":50}"#).unwrap(),
        serde_json::from_str(r#"{"policy":"inv","lr":0.1,"gamma":0.1,"power":0.5}"#).unwrap(),
        serde_json::from_str(r#"{"policy":"sigmoid","lr":0.1,"gamma":0.1,"step_size":5}"#)
            .unwrap(),
        serde_json::from_str(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,"num_stable_steps":20,"warmup_type":"cosine","decay_type":"1-sqrt","min_lr_ratio":0.1,"num_cycles":0.5}"#,
        )
        .unwrap(),
        serde_json::from_str(
            r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":5,"num_training_steps":50,"num_cycles":0.5,"min_lr_rate":0.1}"#,
        )
        .unwrap(),
        serde_json::from_str(
            r#"{"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":5,"num_training_steps":50,"lr_end":0.001,"power":2}"#,
        )
        .unwrap(),
        serde_json::from_str(r#"{"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":5,"timescale":7}"#)
            .unwrap(),
    ];
    for c in cfgs {
        let spec = ScheduleSpec::from(&c);
        for k in spec.given_keys() {
            assert!(spec.policy.accepts(k), "{}: {k}", spec.policy);
        }
        let r = spec.resolve(&shape(100), Auto::Off).unwrap();
        assert_eq!(r.config, c);
    }
    // Each required key, when missing, is reported.
    for p in Policy::ALL {
        for &k in p.required_keys() {
            let mut full: serde_json::Value = serde_json::json!({"policy": p.as_str()});
            for &r in p.required_keys() {
                if r != k {
                    full[r] = match r {
                        "milestones" => serde_json::json!([1]),
                        "schedules" => {
                            serde_json::json!([{"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.2}])
                        }
                        "step_size" | "t0" | "num_warmup_steps" => serde_json::json!(5),
                        "num_decay_steps" => serde_json::json!(10),
                        "base_lr" => serde_json::json!(0.01),
                        _ => serde_json::json!(0.1),
                    };
                }
            }
            let spec: ScheduleSpec = serde_json::from_value(full).unwrap();
            let no_epochs = RunShape {
                iters: 100,
                ..RunShape::default()
            };
            let e = spec.resolve(&no_epochs, Auto::Off).unwrap_err();
            assert_eq!(e.key(), k, "{p}: {e}");
        }
    }
}
