//! ULMFiT's slanted triangular policy (`slanted-triangular`) through the public data types: the
//! config's TOML/JSON form and defaults, errors naming the key, and `--lr auto` (a range test's
//! one-cycle peak fills `max_lr`).
use cyclr::finder::ClrBounds;
use cyclr::schedule::{Auto, AutoLr, Policy, RunShape, ScheduleConfig, ScheduleSpec, Source};

#[test]
fn toml_round_trip_and_defaults() {
    let cfg: ScheduleConfig =
        toml::from_str("policy = \"slanted-triangular\"\nmax_lr = 0.01\n").unwrap();
    assert_eq!(
        cfg,
        ScheduleConfig::SlantedTriangular {
            max_lr: 0.01,
            total_steps: None,
            cut_frac: None,
            ratio: None,
            warmup: None,
        }
    );
    assert_eq!(
        toml::to_string(&cfg).unwrap(),
        "policy = \"slanted-triangular\"\nmax_lr = 0.01\n"
    );
    assert_eq!(
        serde_json::to_string(&cfg).unwrap(),
        r#"{"policy":"slanted-triangular","max_lr":0.01}"#
    );
    // Defaults: T = the run length, cut_frac 0.1, ratio 32.
    let s = cfg.build(100).unwrap();
    assert_eq!(s.lr(10), 0.01);
    assert!((s.lr(0) - 0.01 / 32.0).abs() < 1e-18);
    assert_eq!(cfg.bounds(), (0.01 / 32.0, 0.01));

    let full = ScheduleConfig::SlantedTriangular {
        max_lr: 0.02,
        total_steps: Some(50),
        cut_frac: Some(0.2),
        ratio: Some(10.0),
        warmup: Some(3),
    };
    let text = toml::to_string(&full).unwrap();
    assert_eq!(
        text,
        "policy = \"slanted-triangular\"\nmax_lr = 0.02\ntotal_steps = 50\ncut_frac = 0.2\n\
         ratio = 10.0\nwarmup = 3\n"
    );
    assert_eq!(toml::from_str::<ScheduleConfig>(&text).unwrap(), full);
    let json = serde_json::to_string(&full).unwrap();
    assert_eq!(serde_json::from_str::<ScheduleConfig>(&json).unwrap(), full);
    // total_steps = 50 whatever the run length: the peak at ⌊50 · 0.2⌋ = 10.
    let s = full.build(1000).unwrap();
    assert_eq!(s.lr(10), 0.02);

    // Unknown keys are rejected, listing the policy's keys.
    let e = toml::from_str::<ScheduleConfig>(
        "policy = \"slanted-triangular\"\nmax_lr = 0.01\ncut_fraction = 0.1\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(
            "unknown field `cut_fraction`, expected one of `max_lr`, `total_steps`, `cut_frac`, \
             `ratio`, `warmup`"
        ),
        "{e}"
    );
}

#[test]
fn keys_and_errors() {
    let p: Policy = "slanted-triangular".parse().unwrap();
    assert_eq!(p.required_keys(), ["max_lr"]);
    assert_eq!(
        p.optional_keys(),
        ["total_steps", "cut_frac", "ratio", "warmup"]
    );
    assert_eq!(p.auto_keys(), [("max_lr", AutoLr::OneCyclePeak)]);
    let err = |json: &str, iters: u64| {
        serde_json::from_str::<ScheduleConfig>(json)
            .unwrap()
            .build(iters)
            .unwrap_err()
    };
    let e = err(
        r#"{"policy":"slanted-triangular","max_lr":0.01,"cut_frac":2}"#,
        100,
    );
    assert_eq!(e.to_string(), "invalid `cut_frac` = 2: must be in (0, 1)");
    let e = err(
        r#"{"policy":"slanted-triangular","max_lr":0.01,"ratio":0.5}"#,
        100,
    );
    assert_eq!(
        e.to_string(),
        "invalid `ratio` = 0.5: must be finite and ≥ 1 (`max_lr` over the lowest lr)"
    );
    let e = err(r#"{"policy":"slanted-triangular","max_lr":0}"#, 100);
    assert_eq!(e.param, "max_lr");
    // T is the run length when not given, and the error says so.
    let e = err(r#"{"policy":"slanted-triangular","max_lr":0.01}"#, 1);
    assert_eq!(
        e.to_string(),
        "invalid `total_steps` = 1: must be ≥ 2 (a rise and a fall) (`total_steps` was not \
         given: it is the run length)"
    );
    let e = err(
        r#"{"policy":"slanted-triangular","max_lr":0.01,"total_steps":1}"#,
        100,
    );
    assert_eq!(e.valid, "must be ≥ 2 (a rise and a fall)");
    // Keys of other policies do not apply.
    let spec: ScheduleSpec =
        serde_json::from_str(r#"{"policy":"slanted-triangular","pct_start":0.3}"#).unwrap();
    let shape = RunShape {
        iters: 100,
        ..RunShape::default()
    };
    let e = spec.resolve(&shape, Auto::Off).unwrap_err().to_string();
    assert_eq!(
        e,
        "`pct_start` does not apply to slanted-triangular (its keys: `max_lr`, `total_steps`, \
         `cut_frac`, `ratio`, `warmup`)"
    );
}

#[test]
fn lr_auto_fills_max_lr_with_the_one_cycle_peak() {
    // A range test's picks: the one-cycle peak (0.08) differs from every other pick.
    let picks: ClrBounds = serde_json::from_str(
        r#"{"fixed_lr":0.02,"base_lr":0.01,"max_lr":0.04,"one_cycle_max_lr":0.08,"rule":"test"}"#,
    )
    .unwrap();
    let spec: ScheduleSpec =
        toml::from_str("policy = \"slanted-triangular\"\nratio = 16\n").unwrap();
    assert_eq!(
        toml::to_string(&spec).unwrap(),
        "policy = \"slanted-triangular\"\nratio = 16.0\n"
    );
    let shape = RunShape {
        iters: 200,
        iters_per_epoch: Some(20),
        step_epochs: None,
    };
    let missing = spec.resolve(&shape, Auto::Off).unwrap_err().to_string();
    assert_eq!(
        missing,
        "slanted-triangular: missing `max_lr` (give it, or `auto_lr = true` to take it from a \
         range test)"
    );
    let r = spec.resolve(&shape, Auto::Filled(&picks)).unwrap();
    assert_eq!(
        r.config,
        ScheduleConfig::SlantedTriangular {
            max_lr: 0.08,
            total_steps: None,
            cut_frac: None,
            ratio: Some(16.0),
            warmup: None,
        }
    );
    assert_eq!(r.choices.len(), 1);
    assert_eq!(r.choices[0].key, "max_lr");
    assert_eq!(r.choices[0].source, Source::RangeTest(AutoLr::OneCyclePeak));
    assert!(r.uses_range_test());
    // A given max_lr is kept.
    let given = ScheduleSpec {
        max_lr: Some(0.003),
        ..spec.clone()
    };
    let r = given.resolve(&shape, Auto::Filled(&picks)).unwrap();
    assert_eq!(r.choices[0].source, Source::Given);
    assert!(
        matches!(r.config, ScheduleConfig::SlantedTriangular { max_lr, .. } if max_lr == 0.003)
    );
    // The spec's new keys are fields like any other.
    assert_eq!((given.cut_frac, given.ratio), (None, Some(16.0)));
}
