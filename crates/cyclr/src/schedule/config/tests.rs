use super::*;
use crate::schedule::one_cycle::Anneal;
use crate::schedule::policy::Policy;
use crate::schedule::transformers::WsdCurve;

fn all_variants() -> Vec<ScheduleConfig> {
    use ScheduleConfig as C;
    vec![
        C::Triangular {
            base_lr: 0.001,
            max_lr: 0.006,
            step_size: 2000,
            step_size_down: Some(1000),
            base_momentum: Some(0.8),
            max_momentum: Some(0.9),
            warmup: Some(100),
        },
        C::Triangular2 {
            base_lr: 0.001,
            max_lr: 0.006,
            step_size: 2000,
            step_size_down: None,
            base_momentum: None,
            max_momentum: None,
            warmup: None,
        },
        C::ExpRange {
            base_lr: 0.001,
            max_lr: 0.006,
            step_size: 2000,
            step_size_down: None,
            gamma: Some(0.99994),
            base_momentum: None,
            max_momentum: None,
            warmup: None,
        },
        C::Welch {
            base_lr: 0.1,
            max_lr: 1.0,
            step_size: 5,
            step_size_down: None,
            base_momentum: None,
            max_momentum: None,
            warmup: None,
        },
        C::Hann {
            base_lr: 0.1,
            max_lr: 1.0,
            step_size: 5,
            step_size_down: Some(7),
            base_momentum: None,
            max_momentum: None,
            warmup: None,
        },
        C::OneCycle {
            max_lr: 0.1,
            total_steps: Some(1000),
            style: Some(OneCycleStyle::Pytorch),
            pct_start: Some(0.25),
            anneal: Some(Anneal::Linear),
            div: Some(10.0),
            final_div: Some(100.0),
            three_phase: Some(true),
            base_momentum: Some(0.8),
            max_momentum: Some(0.9),
            cycle_momentum: Some(true),
            warmup: None,
        },
        C::OneCycle {
            max_lr: 0.1,
            total_steps: None,
            style: Some(OneCycleStyle::Fastai),
            pct_start: None,
            anneal: None,
            div: None,
            final_div: None,
            three_phase: None,
            base_momentum: None,
            max_momentum: None,
            cycle_momentum: None,
            warmup: None,
        },
        C::SlantedTriangular {
            max_lr: 0.01,
            total_steps: None,
            cut_frac: None,
            ratio: None,
            warmup: None,
        },
        C::SlantedTriangular {
            max_lr: 0.05,
            total_steps: Some(800),
            cut_frac: Some(0.25),
            ratio: Some(8.0),
            warmup: Some(20),
        },
        C::Sgdr {
            max_lr: 0.1,
            min_lr: Some(1e-4),
            t0: 100,
            t_mult: Some(2),
            warmup: None,
        },
        C::Fixed {
            lr: 0.1,
            warmup: Some(10),
        },
        C::Step {
            lr: 0.1,
            step_size: 30,
            gamma: Some(0.5),
            warmup: None,
        },
        C::Multistep {
            lr: 0.1,
            milestones: vec![10, 20],
            gamma: None,
            warmup: None,
        },
        C::Exp {
            lr: 0.1,
            gamma: 0.999,
            warmup: None,
        },
        C::Inv {
            lr: 0.01,
            gamma: 1e-4,
            power: 0.75,
            warmup: None,
        },
        C::Poly {
            lr: 0.1,
            power: Some(2.0),
            max_iter: None,
            warmup: None,
        },
        C::Sigmoid {
            lr: 0.1,
            gamma: -0.01,
            step_size: 500,
            warmup: None,
        },
        C::ConstantWithWarmup {
            lr: 0.1,
            num_warmup_steps: 100,
            warmup: None,
        },
        C::LinearWithWarmup {
            lr: 0.1,
            num_warmup_steps: 100,
            num_training_steps: None,
            warmup: Some(5),
        },
        C::CosineWithWarmup {
            lr: 0.1,
            num_warmup_steps: 0,
            num_training_steps: Some(800),
            num_cycles: Some(1.5),
            min_lr_rate: Some(0.1),
            warmup: None,
        },
        C::CosineWithHardRestarts {
            lr: 0.1,
            num_warmup_steps: 10,
            num_training_steps: None,
            num_cycles: Some(3.0),
            warmup: None,
        },
        C::PolynomialWithWarmup {
            lr: 0.1,
            num_warmup_steps: 10,
            num_training_steps: Some(900),
            lr_end: Some(1e-4),
            power: Some(2.0),
            warmup: None,
        },
        C::InverseSqrt {
            lr: 0.1,
            num_warmup_steps: 0,
            timescale: None,
            warmup: None,
        },
        C::Wsd {
            lr: 0.1,
            num_warmup_steps: 100,
            num_decay_steps: 200,
            num_training_steps: None,
            num_stable_steps: None,
            warmup_type: None,
            decay_type: None,
            min_lr_ratio: None,
            num_cycles: None,
            warmup: None,
        },
        C::Wsd {
            lr: 0.1,
            num_warmup_steps: 0,
            num_decay_steps: 200,
            num_training_steps: Some(1000),
            num_stable_steps: Some(800),
            warmup_type: Some(WsdCurve::OneMinusSqrt),
            decay_type: Some(WsdCurve::Linear),
            min_lr_ratio: Some(0.01),
            num_cycles: Some(0.5),
            warmup: Some(3),
        },
        C::NanogptCosine {
            lr: 0.001,
            warmup_iters: Some(100),
            lr_decay_iters: None,
            min_lr: None,
            warmup: None,
        },
        C::Sequence {
            milestones: vec![100],
            schedules: vec![
                C::Fixed {
                    lr: 0.01,
                    warmup: None,
                },
                C::OneCycle {
                    max_lr: 0.1,
                    total_steps: None,
                    style: None,
                    pct_start: None,
                    anneal: None,
                    div: None,
                    final_div: None,
                    three_phase: None,
                    base_momentum: None,
                    max_momentum: None,
                    cycle_momentum: Some(false),
                    warmup: None,
                },
            ],
            warmup: Some(10),
        },
    ]
}

#[test]
fn every_variant_round_trips_and_builds() {
    let all = all_variants();
    let mut names: Vec<&str> = all.iter().map(ScheduleConfig::name).collect();
    names.dedup();
    assert_eq!(names, Policy::names());
    for cfg in &all {
        let json = serde_json::to_string(cfg).unwrap();
        assert_eq!(
            &serde_json::from_str::<ScheduleConfig>(&json).unwrap(),
            cfg,
            "{json}"
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["policy"], cfg.name());
        let toml_text = toml::to_string(cfg).unwrap();
        assert_eq!(
            &toml::from_str::<ScheduleConfig>(&toml_text).unwrap(),
            cfg,
            "{toml_text}"
        );
        let sched = cfg
            .build(1000)
            .unwrap_or_else(|e| panic!("{}: {e}", cfg.name()));
        let (lo, hi) = cfg.bounds();
        for t in [0, 1, 99, 100, 500, 999, 1000, 1 << 40] {
            let lr = sched.lr(t);
            assert!(lr.is_finite() && lr >= lo * (1.0 - 1e-12) && lr <= hi * (1.0 + 1e-12));
        }
    }
}

#[test]
fn toml_as_written_by_hand() {
    let cfg: ScheduleConfig = toml::from_str(
        r#"
        policy = "triangular"
        base_lr = 0.001
        max_lr = 0.006
        step_size = 2000
        warmup = 500
        "#,
    )
    .unwrap();
    assert_eq!(cfg.warmup(), Some(500));
    // An integer where a float is expected is fine.
    let cfg: ScheduleConfig = toml::from_str("policy = \"fixed\"\nlr = 1").unwrap();
    assert_eq!(
        cfg,
        ScheduleConfig::Fixed {
            lr: 1.0,
            warmup: None
        }
    );
    let seq: ScheduleConfig = toml::from_str(
        r#"
        policy = "sequence"
        milestones = [50]
        [[schedules]]
        policy = "fixed"
        lr = 0.01
        [[schedules]]
        policy = "one-cycle"
        max_lr = 0.1
        style = "fastai"
        "#,
    )
    .unwrap();
    let s = seq.build(1000).unwrap();
    assert_eq!(s.lr(0), 0.01);
    assert_eq!(s.lr(50), 0.1 / 25.0);
    assert!(s.cycles_momentum());
}

#[test]
fn unknown_keys_are_rejected() {
    for bad in [
        r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gama":0.9}"#,
        r#"{"policy":"fixed","lr":0.1,"warm_up":5}"#,
        r#"{"policy":"sequence","milestones":[5],"schedules":[
            {"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.1,"extra":1}]}"#,
        r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gamma":0.9}"#,
    ] {
        let err = serde_json::from_str::<ScheduleConfig>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{bad}: {err}");
    }
    let err = toml::from_str::<ScheduleConfig>("policy = \"fixed\"\nlr = 0.1\nwarm_up = 5")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field"), "{err}");
    let err = serde_json::from_str::<ScheduleConfig>(r#"{"policy":"cosine","lr":0.1}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant"), "{err}");
    let err = serde_json::from_str::<ScheduleConfig>(r#"{"policy":"step","lr":0.1}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `step_size`"), "{err}");
    let err = serde_json::from_str::<ScheduleConfig>(
        r#"{"policy":"one-cycle","max_lr":0.1,"style":"keras"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown variant"), "{err}");
}

#[test]
fn build_errors_name_the_parameter() {
    let param = |json: &str, total: u64| {
        serde_json::from_str::<ScheduleConfig>(json)
            .unwrap()
            .build(total)
            .unwrap_err()
            .param
    };
    assert_eq!(
        param(
            r#"{"policy":"triangular","base_lr":0.2,"max_lr":0.1,"step_size":5}"#,
            10
        ),
        "base_lr"
    );
    assert_eq!(
        param(
            r#"{"policy":"hann","base_lr":0.1,"max_lr":0.2,"step_size":5,"base_momentum":0.8}"#,
            10
        ),
        "max_momentum"
    );
    assert_eq!(
        param(r#"{"policy":"one-cycle","max_lr":0.1}"#, 0),
        "total_steps"
    );
    assert_eq!(
        param(
            r#"{"policy":"one-cycle","max_lr":0.1,"style":"fastai","anneal":"linear"}"#,
            9
        ),
        "anneal"
    );
    assert_eq!(
        param(
            r#"{"policy":"one-cycle","max_lr":0.1,"cycle_momentum":false,"max_momentum":0.9}"#,
            9
        ),
        "max_momentum"
    );
    assert_eq!(param(r#"{"policy":"sgdr","max_lr":0.1,"t0":0}"#, 9), "t0");
    assert_eq!(param(r#"{"policy":"poly","lr":0.1}"#, 0), "max_iter");
    assert_eq!(
        param(
            r#"{"policy":"sequence","milestones":[5],"schedules":[
                {"policy":"fixed","lr":0.1},{"policy":"exp","lr":0.1,"gamma":2.0}]}"#,
            10
        ),
        "schedules[1].gamma"
    );
    assert_eq!(
        param(
            r#"{"policy":"sequence","milestones":[10],"schedules":[
                {"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.1}]}"#,
            10
        ),
        "milestones"
    );
    let e = serde_json::from_str::<ScheduleConfig>(
        r#"{"policy":"triangular","base_lr":0.2,"max_lr":0.1,"step_size":5}"#,
    )
    .unwrap()
    .build(10)
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid `base_lr` = 0.2: must be < `max_lr` (0.1)"
    );
}

#[test]
fn transformers_policies_name_the_parameter() {
    let err = |json: &str, total: u64| {
        serde_json::from_str::<ScheduleConfig>(json)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .build(total)
            .unwrap_err()
    };
    let param = |json: &str, total: u64| err(json, total).param;
    assert_eq!(
        param(
            r#"{"policy":"constant-with-warmup","lr":0,"num_warmup_steps":5}"#,
            9
        ),
        "lr"
    );
    // `num_training_steps` defaults to the run length, and an error says so.
    let e = err(
        r#"{"policy":"linear-with-warmup","lr":0.1,"num_warmup_steps":5}"#,
        0,
    );
    assert_eq!(e.param, "num_training_steps");
    assert!(e.valid.contains("run length"), "{e}");
    let e = err(
        r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":50}"#,
        10,
    );
    assert_eq!(e.param, "num_warmup_steps");
    assert!(e.valid.contains("run length"), "{e}");
    let e = err(
        r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":50,"num_training_steps":10}"#,
        1000,
    );
    assert_eq!(e.param, "num_warmup_steps");
    assert!(!e.valid.contains("run length"), "{e}");
    assert_eq!(
        param(
            r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":5,"min_lr_rate":2}"#,
            10
        ),
        "min_lr_rate"
    );
    assert_eq!(
        param(
            r#"{"policy":"cosine-with-hard-restarts","lr":0.1,"num_warmup_steps":5,"num_cycles":0}"#,
            10
        ),
        "num_cycles"
    );
    assert_eq!(
        param(
            r#"{"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":10}"#,
            10
        ),
        "num_warmup_steps"
    );
    assert_eq!(
        param(
            r#"{"policy":"polynomial-with-warmup","lr":1e-7,"num_warmup_steps":1}"#,
            10
        ),
        "lr_end"
    );
    assert_eq!(
        param(
            r#"{"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":1,"timescale":0}"#,
            10
        ),
        "timescale"
    );
    let e = err(
        r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10}"#,
        12,
    );
    assert_eq!(e.param, "num_decay_steps");
    assert!(e.valid.contains("run length"), "{e}");
    assert_eq!(
        param(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
                "num_training_steps":100,"num_stable_steps":80}"#,
            100
        ),
        "num_stable_steps"
    );
    assert_eq!(
        param(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
                "num_stable_steps":1,"min_lr_ratio":-0.5}"#,
            100
        ),
        "min_lr_ratio"
    );
    let e = serde_json::from_str::<ScheduleConfig>(
        r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
            "num_stable_steps":1,"decay_type":"sqrt"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown variant `sqrt`"), "{e}");
    // With `num_stable_steps`, the run length is not needed.
    let s = serde_json::from_str::<ScheduleConfig>(
        r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":0,"num_decay_steps":10,
            "num_stable_steps":10,"decay_type":"linear"}"#,
    )
    .unwrap()
    .build(0)
    .unwrap();
    assert_eq!(s.lr(9), 0.1);
    assert_eq!(s.lr(15), 0.1 * 0.5);
    assert_eq!(s.lr(20), 0.0);
}

const TRANSFORMERS: [&str; 7] = [
    "constant-with-warmup",
    "linear-with-warmup",
    "cosine-with-warmup",
    "cosine-with-hard-restarts",
    "polynomial-with-warmup",
    "inverse-sqrt",
    "wsd",
];

/// cyclr's `warmup` key multiplies every transformers policy by `(t + 1)/warmup`, on top
/// of its own `num_warmup_steps`.
#[test]
fn warmup_key_on_transformers_policies() {
    let mut seen = 0;
    for cfg in all_variants()
        .into_iter()
        .filter(|c| TRANSFORMERS.contains(&c.name()))
    {
        let with_warmup = |w: Option<u64>| {
            let mut c = cfg.clone();
            match &mut c {
                ScheduleConfig::ConstantWithWarmup { warmup, .. }
                | ScheduleConfig::LinearWithWarmup { warmup, .. }
                | ScheduleConfig::CosineWithWarmup { warmup, .. }
                | ScheduleConfig::CosineWithHardRestarts { warmup, .. }
                | ScheduleConfig::PolynomialWithWarmup { warmup, .. }
                | ScheduleConfig::InverseSqrt { warmup, .. }
                | ScheduleConfig::Wsd { warmup, .. } => *warmup = w,
                _ => unreachable!(),
            }
            assert_eq!(c.warmup(), w);
            c.build(1000).unwrap()
        };
        let (plain, wrapped) = (with_warmup(None), with_warmup(Some(4)));
        seen += 1;
        for t in 0..4u64 {
            assert_eq!(
                wrapped.lr(t),
                plain.lr(t) * ((t + 1) as f64 / 4.0),
                "{} t={t}",
                cfg.name()
            );
        }
        for t in [4, 50, 999, 1000, u64::MAX] {
            assert_eq!(wrapped.lr(t), plain.lr(t), "{} t={t}", cfg.name());
        }
    }
    assert_eq!(seen, 8);
}

#[test]
fn warmup_wraps_any_policy() {
    let cfg: ScheduleConfig =
        serde_json::from_str(r#"{"policy":"fixed","lr":0.1,"warmup":4}"#).unwrap();
    let s = cfg.build(100).unwrap();
    assert_eq!(s.lr(0), 0.1 * 0.25);
    assert_eq!(s.lr(3), 0.1);
    assert_eq!(cfg.bounds(), (0.1 / 4.0, 0.1));
    let no: ScheduleConfig =
        serde_json::from_str(r#"{"policy":"fixed","lr":0.1,"warmup":0}"#).unwrap();
    assert_eq!(no.build(100).unwrap().lr(0), 0.1);
}
