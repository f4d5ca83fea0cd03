//! nanoGPT's `get_lr` as the policy `nanogpt-cosine`.
//!
//! The golden: `tests/fixtures/nanogpt_get_lr.json`, written by `bench/nanogpt/get_lr_golden.py`,
//! which takes `get_lr` out of nanoGPT's `train.py` (commit 3adf61e) with `ast` and runs it as
//! written. The replay builds every case FROM ITS PARAMETERS through [`ScheduleConfig`]'s serde
//! (the keys a user writes) and requires EVERY point bit for bit: the warm-up and the floor use
//! only correctly rounded operations (`×`, `÷`, int → float), so they are exact on any platform;
//! the cosine points use libm's `cos`, exact with glibc's (the libm CPython used for the golden,
//! as in `golden_hf.rs`) and within 1e-12 relative elsewhere.
//!
//! Also: the TOML/JSON forms, the defaults (`min_lr` = `lr / 10` of the final `lr`, also after
//! `--lr auto`; `lr_decay_iters` = the run length; `warmup_iters` = 0), bad inputs with their
//! exact messages (cyclr's `warmup` refused), `--lr auto`, and the new flags.
use std::path::PathBuf;

use cyclr::Schedule;
use cyclr::finder::ClrBounds;
use cyclr::schedule::registry::{FlagKind, flags};
use cyclr::schedule::{
    Auto, AutoLr, NanogptCosine, Policy, RunShape, ScheduleConfig, ScheduleSpec, Source,
};
use serde_json::{Value, json};

/// Whether `f64::cos` is the libm CPython used for the golden (glibc).
const GLIBC_LIBM: bool = cfg!(all(target_os = "linux", target_env = "gnu"));

fn golden() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nanogpt_get_lr.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shape(iters: u64) -> RunShape {
    RunShape {
        iters,
        ..RunShape::default()
    }
}

/// `config.build(iters)`'s error as text.
fn build_err(json: &str, iters: u64) -> String {
    serde_json::from_str::<ScheduleConfig>(json)
        .unwrap_or_else(|e| panic!("{json}: {e}"))
        .build(iters)
        .unwrap_err()
        .to_string()
}

/// A spec's resolve error, keys rendered as flags (as the command line shows them).
fn resolve_err_flags(json: &str, iters: u64) -> String {
    let spec: ScheduleSpec = serde_json::from_str(json).unwrap();
    spec.resolve(&shape(iters), Auto::Off)
        .unwrap_err()
        .render(|k| format!("--{}", k.replace('_', "-")))
}

#[test]
fn replays_nanogpt_get_lr_bit_for_bit() {
    let g = golden();
    let about = &g["about"];
    assert_eq!(about["nanogpt_commit"], "3adf61e");
    let src = about["get_lr_source"].as_str().unwrap();
    // The golden was made from this very text (nanoGPT's order of operations).
    for line in [
        "return learning_rate * (it + 1) / (warmup_iters + 1)",
        "if it > lr_decay_iters:",
        "decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)",
        "coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))",
        "return min_lr + coeff * (learning_rate - min_lr)",
    ] {
        assert!(src.contains(line), "{line}");
    }
    let cases = g["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    let (mut points, mut exact, mut defaults) = (0, 0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let lr = case["learning_rate"].as_f64().unwrap();
        let w = case["warmup_iters"].as_u64().unwrap();
        let d = case["lr_decay_iters"].as_u64().unwrap();
        let min_lr = case["min_lr"].as_f64().unwrap();
        let pts: Vec<(u64, f64)> = case["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        // Every phase boundary is in the golden.
        let its: Vec<u64> = pts.iter().map(|p| p.0).collect();
        for b in [w.saturating_sub(1), w, w + 1, d - 1, d, d + 1] {
            assert!(its.contains(&b), "{name}: no point at {b}");
        }
        let run = its.last().unwrap() + 1;
        // The case as a user writes it (nanoGPT's names; `learning_rate` is cyclr's `lr`).
        let given: ScheduleConfig = serde_json::from_value(json!({
            "policy": "nanogpt-cosine",
            "lr": lr,
            "warmup_iters": w,
            "lr_decay_iters": d,
            "min_lr": min_lr,
        }))
        .unwrap();
        let mut built = vec![("given", given.build(run).unwrap())];
        // The defaults reproduce nanoGPT where they equal the case's values: `min_lr` = lr / 10,
        // `lr_decay_iters` = the run length, `warmup_iters` = 0.
        let mut defaulted = serde_json::json!({"policy": "nanogpt-cosine", "lr": lr});
        if w > 0 {
            defaulted["warmup_iters"] = json!(w);
        }
        if min_lr.to_bits() != (lr / 10.0).to_bits() {
            defaulted["min_lr"] = json!(min_lr);
        }
        let defaulted: ScheduleConfig = serde_json::from_value(defaulted).unwrap();
        built.push(("defaults", defaulted.build(d).unwrap()));
        defaults += 1;
        for (how, s) in &built {
            for &(t, want) in &pts {
                let got = s.lr(t);
                points += 1;
                let cosine = t >= w && t <= d;
                if GLIBC_LIBM || !cosine {
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{name} ({how}): lr({t}) = {got:e}, nanoGPT {want:e}"
                    );
                    exact += 1;
                } else {
                    assert!(
                        (got - want).abs() <= 1e-12 * want.abs(),
                        "{name} ({how}): lr({t}) = {got:e}, nanoGPT {want:e}"
                    );
                }
            }
        }
    }
    assert!(points > 3000, "{points} points");
    assert_eq!(defaults, cases.len());
    if GLIBC_LIBM {
        assert_eq!(exact, points);
    }
}

#[test]
fn toml_and_json_forms() {
    let cfg: ScheduleConfig = toml::from_str("policy = \"nanogpt-cosine\"\nlr = 0.001\n").unwrap();
    assert_eq!(
        cfg,
        ScheduleConfig::NanogptCosine {
            lr: 0.001,
            warmup_iters: None,
            lr_decay_iters: None,
            min_lr: None,
            warmup: None,
        }
    );
    assert_eq!(
        toml::to_string(&cfg).unwrap(),
        "policy = \"nanogpt-cosine\"\nlr = 0.001\n"
    );
    assert_eq!(
        serde_json::to_string(&cfg).unwrap(),
        r#"{"policy":"nanogpt-cosine","lr":0.001}"#
    );

    let full = ScheduleConfig::NanogptCosine {
        lr: 6e-4,
        warmup_iters: Some(2000),
        lr_decay_iters: Some(600_000),
        min_lr: Some(6e-5),
        warmup: None,
    };
    let text = toml::to_string(&full).unwrap();
    assert_eq!(
        text,
        "policy = \"nanogpt-cosine\"\nlr = 0.0006\nwarmup_iters = 2000\nlr_decay_iters = 600000\n\
         min_lr = 0.00006\n"
    );
    assert_eq!(toml::from_str::<ScheduleConfig>(&text).unwrap(), full);
    let json = serde_json::to_string(&full).unwrap();
    assert_eq!(
        json,
        r#"{"policy":"nanogpt-cosine","lr":0.0006,"warmup_iters":2000,"lr_decay_iters":600000,"min_lr":0.00006}"#
    );
    assert_eq!(serde_json::from_str::<ScheduleConfig>(&json).unwrap(), full);
    // The spec has the same form, and resolves to the config.
    let spec: ScheduleSpec = toml::from_str(&text).unwrap();
    assert_eq!(ScheduleSpec::from(&full), spec);
    // (A spec writes the shared keys first, as every spec does.)
    assert_eq!(
        toml::to_string(&spec).unwrap(),
        "policy = \"nanogpt-cosine\"\nlr = 0.0006\nmin_lr = 0.00006\nwarmup_iters = 2000\n\
         lr_decay_iters = 600000\n"
    );
    assert_eq!(
        spec.given_keys(),
        ["lr", "min_lr", "warmup_iters", "lr_decay_iters"]
    );
    assert_eq!(spec.resolve(&shape(10), Auto::Off).unwrap().config, full);
    assert_eq!(full.bounds(), (6e-4 / 2001.0, 6e-4));
    assert_eq!(cfg.bounds(), (0.001 / 10.0, 0.001));
}

#[test]
fn defaults() {
    // min_lr = lr / 10, lr_decay_iters = the run length, warmup_iters = 0.
    let cfg: ScheduleConfig = toml::from_str("policy = \"nanogpt-cosine\"\nlr = 0.003\n").unwrap();
    let s = cfg.build(1000).unwrap();
    let explicit = NanogptCosine::new(0.003, 0, 1000, 0.003 / 10.0).unwrap();
    for t in (0..1100).chain([u64::MAX]) {
        assert_eq!(s.lr(t).to_bits(), explicit.lr(t).to_bits(), "t = {t}");
    }
    assert_eq!(s.lr(0), 0.003 / 10.0 + (0.003 - 0.003 / 10.0));
    assert_eq!(s.lr(1001), 0.003 / 10.0);
    // Another run length moves the end of the decay.
    let s = cfg.build(400).unwrap();
    assert_eq!(s.lr(401), 0.003 / 10.0);
    assert!(s.lr(399) > 0.003 / 10.0);
}

#[test]
fn keys_and_flags() {
    let p: Policy = "nanogpt-cosine".parse().unwrap();
    assert_eq!(p, Policy::NanogptCosine);
    assert_eq!(p.required_keys(), ["lr"]);
    // cyclr's `warmup` is not one of its keys.
    assert_eq!(
        p.optional_keys(),
        ["warmup_iters", "lr_decay_iters", "min_lr"]
    );
    assert!(!p.accepts("warmup"));
    assert_eq!(p.auto_keys(), [("lr", AutoLr::OneCyclePeak)]);
    assert!(!p.is_cyclical() && !p.is_transformers());
    assert!(p.formula().contains("nanoGPT get_lr"));
    assert!(p.warmup_refusal().unwrap().contains("`warmup_iters`"));
    // Its flags: two new ones, and the shared --lr and --min-lr; every flag name is unique.
    let f = flags();
    let kind = |key: &str| f.iter().find(|(k, _)| *k == key).map(|(_, f)| f.kind);
    assert_eq!(kind("warmup_iters"), Some(FlagKind::Count));
    assert_eq!(kind("lr_decay_iters"), Some(FlagKind::Count));
    assert_eq!(kind("min_lr"), Some(FlagKind::Float));
    assert_eq!(kind("lr"), Some(FlagKind::LrOrAuto));
    let mut names: Vec<_> = f.iter().map(|(k, _)| k.replace('_', "-")).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "a flag name twice");
    for (k, fl) in f {
        if ["warmup_iters", "lr_decay_iters", "min_lr"].contains(k) {
            assert!(fl.help.contains("nanogpt-cosine"), "{k}: {}", fl.help);
        }
    }
}

#[test]
fn bad_inputs_and_their_messages() {
    const TICK: &str = "(nanoGPT's linear warm-up lr·(it+1)/(warmup_iters+1))";
    // cyclr's warmup: refused, whatever its value, in a config, a spec and on the command line.
    for w in [5, 0] {
        assert_eq!(
            build_err(
                &format!(r#"{{"policy":"nanogpt-cosine","lr":0.1,"warmup":{w}}}"#),
                100
            ),
            format!(
                "invalid `warmup` = {w}: nanogpt-cosine has its own `warmup_iters` {TICK}; \
                 `warmup` does not apply"
            )
        );
    }
    assert_eq!(
        resolve_err_flags(r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup":5}"#, 100),
        format!(
            "invalid --warmup = 5: nanogpt-cosine has its own --warmup-iters {TICK}; --warmup \
             does not apply"
        )
    );
    // Also with --lr auto pending (checked before any range test).
    let spec: ScheduleSpec =
        serde_json::from_str(r#"{"policy":"nanogpt-cosine","warmup":5}"#).unwrap();
    assert_eq!(
        spec.resolve(&shape(100), Auto::Pending)
            .unwrap_err()
            .to_string(),
        format!(
            "invalid `warmup` = 5: nanogpt-cosine has its own `warmup_iters` {TICK}; `warmup` \
             does not apply"
        )
    );
    // And inside a sequence.
    let seq = r#"{"policy":"sequence","milestones":[10],"schedules":[{"policy":"fixed","lr":0.1},{"policy":"nanogpt-cosine","lr":0.1,"warmup":3}]}"#;
    assert!(build_err(seq, 100).contains("nanogpt-cosine has its own `warmup_iters`"));

    // lr.
    assert_eq!(
        build_err(r#"{"policy":"nanogpt-cosine","lr":0}"#, 100),
        "invalid `lr` = 0: must be > 0 and ≤ 1e300"
    );
    assert_eq!(
        resolve_err_flags(r#"{"policy":"nanogpt-cosine","lr":-0.001}"#, 100),
        "invalid --lr = -0.001: must be > 0 and ≤ 1e300"
    );
    // min_lr.
    assert_eq!(
        build_err(r#"{"policy":"nanogpt-cosine","lr":0.1,"min_lr":0.2}"#, 100),
        "invalid `min_lr` = 0.2: must be ≤ `lr` (0.1): it is the floor the cosine decays to \
         (nanoGPT suggests `lr` / 10); a floor above the peak is likely a typo"
    );
    assert_eq!(
        resolve_err_flags(r#"{"policy":"nanogpt-cosine","lr":0.1,"min_lr":0.2}"#, 100),
        "invalid --min-lr = 0.2: must be ≤ --lr (0.1): it is the floor the cosine decays to \
         (nanoGPT suggests --lr / 10); a floor above the peak is likely a typo"
    );
    assert_eq!(
        build_err(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"min_lr":-1e-9}"#,
            100
        ),
        "invalid `min_lr` = -0.000000001: must be finite and ≥ 0"
    );
    assert!(
        serde_json::from_str::<ScheduleConfig>(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"min_lr":0.1}"#
        )
        .unwrap()
        .build(100)
        .is_ok(),
        "min_lr = lr: a warm-up, then constant"
    );
    let spec = ScheduleSpec {
        lr: Some(0.1),
        min_lr: Some(f64::NAN),
        ..ScheduleSpec::new(Policy::NanogptCosine)
    };
    assert_eq!(
        spec.resolve(&shape(100), Auto::Off)
            .unwrap_err()
            .to_string(),
        "invalid `min_lr` = NaN: must be a finite number"
    );
    // lr_decay_iters > warmup_iters.
    let after = "the cosine runs from `warmup_iters` to `lr_decay_iters`, and nanoGPT divides \
                 by their difference (by zero when they are equal)";
    assert_eq!(
        build_err(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_iters":100,"lr_decay_iters":100}"#,
            1000
        ),
        format!("invalid `lr_decay_iters` = 100: must be > `warmup_iters` (100): {after}")
    );
    assert_eq!(
        build_err(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_iters":100,"lr_decay_iters":50}"#,
            1000
        ),
        format!("invalid `lr_decay_iters` = 50: must be > `warmup_iters` (100): {after}")
    );
    // Without warm-up too: nanoGPT's 0 / 0 at it = 0.
    assert_eq!(
        build_err(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"lr_decay_iters":0}"#,
            1000
        ),
        format!("invalid `lr_decay_iters` = 0: must be > `warmup_iters` (0): {after}")
    );
    // The default (the run length) is named as such.
    assert_eq!(
        build_err(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_iters":100}"#,
            100
        ),
        format!(
            "invalid `lr_decay_iters` = 100: must be > `warmup_iters` (100): {after} \
             (`lr_decay_iters` was not given: it is the run length)"
        )
    );
    // Unknown keys, keys of other policies.
    let e = toml::from_str::<ScheduleConfig>(
        "policy = \"nanogpt-cosine\"\nlr = 0.1\nwarmup_iter = 10\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(
            "unknown field `warmup_iter`, expected one of `lr`, `warmup_iters`, \
             `lr_decay_iters`, `min_lr`, `warmup`"
        ),
        "{e}"
    );
    assert_eq!(
        resolve_err_flags(
            r#"{"policy":"nanogpt-cosine","lr":0.1,"num_warmup_steps":10}"#,
            100
        ),
        "--num-warmup-steps does not apply to nanogpt-cosine (its keys: --lr, --warmup-iters, \
         --lr-decay-iters, --min-lr)"
    );
    let spec: ScheduleSpec =
        serde_json::from_str(r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_itres":10}"#).unwrap();
    assert_eq!(
        spec.resolve(&shape(100), Auto::Off)
            .unwrap_err()
            .to_string(),
        "unknown key `warmup_itres` (did you mean `warmup_iters`?)"
    );
    // The warm-up keys of other policies do not take nanoGPT's.
    assert_eq!(
        resolve_err_flags(r#"{"policy":"fixed","lr":0.1,"warmup_iters":10}"#, 100),
        "--warmup-iters does not apply to fixed (its keys: --lr, --warmup)"
    );
}

#[test]
fn lr_auto_fills_lr_and_min_lr_follows_it() {
    // A range test's picks: the one-cycle peak (0.08) differs from every other pick.
    let picks: ClrBounds = serde_json::from_str(
        r#"{"fixed_lr":0.02,"base_lr":0.01,"max_lr":0.04,"one_cycle_max_lr":0.08,"rule":"test"}"#,
    )
    .unwrap();
    let spec: ScheduleSpec =
        toml::from_str("policy = \"nanogpt-cosine\"\nwarmup_iters = 10\n").unwrap();
    let run = shape(200);
    assert_eq!(
        spec.resolve(&run, Auto::Off).unwrap_err().to_string(),
        "nanogpt-cosine: missing `lr` (give it, or `auto_lr = true` to take it from a range test)"
    );
    let r = spec.resolve(&run, Auto::Filled(&picks)).unwrap();
    assert_eq!(
        r.config,
        ScheduleConfig::NanogptCosine {
            lr: 0.08,
            warmup_iters: Some(10),
            lr_decay_iters: None,
            min_lr: None,
            warmup: None,
        }
    );
    assert_eq!(r.choices.len(), 1);
    assert_eq!(r.choices[0].key, "lr");
    assert_eq!(r.choices[0].source, Source::RangeTest(AutoLr::OneCyclePeak));
    assert!(r.uses_range_test());
    // min_lr was not given: it is lr / 10 of the filled lr, when the schedule is built.
    let s = r.config.build(200).unwrap();
    assert_eq!(s.lr(201), 0.08 / 10.0);
    assert_eq!(s.lr(0), 0.08 * 1.0 / 11.0);
    assert_eq!(r.config.bounds(), (0.08 / 11.0, 0.08));
    // Pending (before the range test): checks pass with a stand-in lr.
    assert!(spec.resolve(&run, Auto::Pending).is_ok());
    // A given min_lr is kept; one above the filled lr is an error naming it.
    let floor = ScheduleSpec {
        min_lr: Some(0.001),
        ..spec.clone()
    };
    let r = floor.resolve(&run, Auto::Filled(&picks)).unwrap();
    assert_eq!(r.config.build(200).unwrap().lr(500), 0.001);
    let high = ScheduleSpec {
        min_lr: Some(0.5),
        ..spec.clone()
    };
    let e = high.resolve(&run, Auto::Filled(&picks)).unwrap_err();
    assert_eq!(e.key(), "min_lr");
    // A given lr is kept.
    let given = ScheduleSpec {
        lr: Some(0.003),
        ..spec.clone()
    };
    let r = given.resolve(&run, Auto::Filled(&picks)).unwrap();
    assert_eq!(r.choices[0].source, Source::Given);
    assert!(matches!(r.config, ScheduleConfig::NanogptCosine { lr, .. } if lr == 0.003));
    // An optimizer's default lr fills it like a range test would.
    let r = spec.resolve_defaulted(&run, Auto::Off, Some(1.0)).unwrap();
    assert!(matches!(r.config, ScheduleConfig::NanogptCosine { lr, .. } if lr == 1.0));
    assert_eq!(r.choices[0].source, Source::OptimizerDefault);
}

#[test]
fn budgets_scale_the_iteration_counts() {
    let c = ScheduleConfig::NanogptCosine {
        lr: 1e-3,
        warmup_iters: Some(100),
        lr_decay_iters: Some(2000),
        min_lr: None,
        warmup: None,
    };
    let s = cyclr::schedule::budget::scale(&c, 2000, 500).unwrap();
    assert_eq!(
        s,
        ScheduleConfig::NanogptCosine {
            lr: 1e-3,
            warmup_iters: Some(25),
            lr_decay_iters: Some(500),
            min_lr: None,
            warmup: None,
        }
    );
    let none = ScheduleConfig::NanogptCosine {
        lr: 1e-3,
        warmup_iters: Some(0),
        lr_decay_iters: None,
        min_lr: Some(1e-4),
        warmup: None,
    };
    assert_eq!(
        cyclr::schedule::budget::scale(&none, 2000, 500).unwrap(),
        none,
        "a warm-up of 0 stays 0; the default decay follows the run"
    );
}
