//! Golden tests: the transformers schedules against transformers 5.24's own numbers.
//!
//! `tests/fixtures/golden/hf/manifest.json` lists each case with transformers' scheduler name
//! (`SchedulerType` value), its parameters under transformers' names and the iteration count;
//! each CSV holds `iteration,lr` = `base_lr * lr_lambda(t)` as torch's `LambdaLR` computes it.
//! Every case is built FROM THE MANIFEST'S PARAMS through [`ScheduleConfig`]'s serde (the keys
//! a user writes, plus the `policy` tag), and EVERY row must match to a relative error of 1e-9.
//!
//! Measured here (x86_64 Linux, glibc): all 49 900 rows of the 12 cases are bit-exact, and the
//! test requires it where that is portable: cases whose formula uses only correctly rounded
//! operations (`+ − × ÷`, `sqrt`, int → float) must be bit-exact on any platform; cases with
//! `cos` or `pow` must be bit-exact with glibc's libm (the one CPython used for the goldens) and
//! within 1e-9 elsewhere.
use std::collections::BTreeMap;
use std::path::PathBuf;

use cyclr::Schedule;
use cyclr::schedule::ScheduleConfig;
use serde_json::{Map, Value};

const REL_TOL: f64 = 1e-9;

/// Whether `f64::cos` / `powf` are the libm CPython used for the goldens (glibc).
const GLIBC_LIBM: bool = cfg!(all(target_os = "linux", target_env = "gnu"));

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/hf")
}

fn read_csv(file: &str) -> Vec<f64> {
    let path = fixtures().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("iteration,lr"), "{file}: header");
    let mut lrs = Vec::new();
    for (i, line) in lines.filter(|l| !l.trim().is_empty()).enumerate() {
        let (t, lr) = line
            .split_once(',')
            .unwrap_or_else(|| panic!("{file}: {line:?}"));
        assert_eq!(
            t.parse::<usize>().unwrap(),
            i,
            "{file}: iterations 0, 1, 2, …"
        );
        lrs.push(lr.parse().unwrap());
    }
    lrs
}

/// cyclr's policy for transformers' scheduler name. `cosine` with `min_lr_rate` is
/// transformers' `cosine_with_min_lr` (`get_cosine_schedule_with_warmup` takes no
/// `min_lr_rate`); both are cyclr's `cosine-with-warmup`.
fn policy(schedule: &str) -> &'static str {
    match schedule {
        "constant_with_warmup" => "constant-with-warmup",
        "linear" => "linear-with-warmup",
        "cosine" | "cosine_with_min_lr" => "cosine-with-warmup",
        "cosine_with_restarts" => "cosine-with-hard-restarts",
        "polynomial" => "polynomial-with-warmup",
        "inverse_sqrt" => "inverse-sqrt",
        "wsd" | "warmup_stable_decay" => "wsd",
        other => panic!("no cyclr policy for transformers' {other:?}"),
    }
}

/// Whether the case's formula uses libm's `cos` or `pow` (not required to be correctly rounded).
fn uses_libm(schedule: &str, params: &Map<String, Value>) -> bool {
    match schedule {
        "cosine" | "cosine_with_min_lr" | "cosine_with_restarts" => true,
        // pow(x, 1.0) = x exactly.
        "polynomial" => params.get("power").and_then(Value::as_f64).unwrap_or(1.0) != 1.0,
        "wsd" => {
            let shape = |key: &str, default: &'static str| {
                params.get(key).and_then(Value::as_str).unwrap_or(default)
            };
            let warmup_steps = params["num_warmup_steps"].as_u64().unwrap();
            (warmup_steps > 0 && shape("warmup_type", "linear") == "cosine")
                || shape("decay_type", "cosine") == "cosine"
        }
        _ => false,
    }
}

fn config(schedule: &str, params: &Map<String, Value>) -> ScheduleConfig {
    let mut obj = params.clone();
    obj.insert("policy".into(), Value::from(policy(schedule)));
    serde_json::from_value(Value::Object(obj))
        .unwrap_or_else(|e| panic!("{schedule} {params:?}: {e}"))
}

#[derive(Debug, Default)]
struct Summary {
    rows: usize,
    bit_exact: usize,
    max_rel: f64,
}

fn rel_err(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
    }
}

fn check_rows(case: &str, via: &str, sched: &dyn Schedule, want: &[f64]) -> Summary {
    let mut s = Summary::default();
    let mut failures = Vec::new();
    for (t, &w) in want.iter().enumerate() {
        let got = sched.lr(t as u64);
        s.rows += 1;
        s.bit_exact += usize::from(got.to_bits() == w.to_bits());
        let rel = rel_err(got, w);
        s.max_rel = s.max_rel.max(rel);
        // NaN fails too.
        let close = rel <= REL_TOL;
        if !close && failures.len() < 10 {
            failures.push(format!("t={t}: lr {got:e} != {w:e} (rel {rel:e})"));
        }
    }
    assert!(
        failures.is_empty(),
        "{case} ({via}):\n{}",
        failures.join("\n")
    );
    assert!(!sched.cycles_momentum(), "{case}: unexpected momentum");
    s
}

#[test]
fn transformers_golden() {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    assert!(
        manifest["source"]
            .as_str()
            .unwrap()
            .contains("transformers 5.24")
    );
    let cases = manifest["configs"].as_array().expect("configs");
    let mut summaries = BTreeMap::new();
    let mut defaulted = 0;
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let schedule = case["schedule"].as_str().unwrap();
        let params = case["params"].as_object().expect("params");
        let iterations = case["iterations"].as_u64().unwrap();
        let want = read_csv(file);
        assert_eq!(want.len() as u64, iterations, "{file}: rows vs iterations");

        let cfg = config(schedule, params);
        assert_eq!(cfg.name(), policy(schedule));
        assert_eq!(cfg.warmup(), None);
        // The config survives JSON and TOML round trips.
        let json: ScheduleConfig =
            serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(json, cfg, "{file}");
        let toml: ScheduleConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(toml, cfg, "{file}");

        let sched = cfg
            .build(iterations)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let s = check_rows(file, "ScheduleConfig", sched.as_ref(), &want);
        let (lo, hi) = cfg.bounds();
        for (t, &w) in want.iter().enumerate() {
            assert!(
                lo <= w && w <= hi,
                "{file}: golden lr({t}) = {w} outside {lo}..{hi}"
            );
        }
        if GLIBC_LIBM || !uses_libm(schedule, params) {
            assert_eq!(
                s.bit_exact, s.rows,
                "{file}: not bit-exact (max rel {:e})",
                s.max_rel
            );
        }

        // Without `num_training_steps`, the run length stands in for it.
        if params.get("num_training_steps").and_then(Value::as_u64) == Some(iterations) {
            let mut without = params.clone();
            without.remove("num_training_steps");
            let cfg = config(schedule, &without);
            let sched = cfg.build(iterations).unwrap();
            let d = check_rows(
                file,
                "run length as num_training_steps",
                sched.as_ref(),
                &want,
            );
            assert_eq!(d.bit_exact, s.bit_exact);
            defaulted += 1;
        }
        summaries.insert(file.to_owned(), s);
    }
    assert_eq!(summaries.len(), 12);
    assert!(defaulted >= 3, "{defaulted} cases exercised the default");
    let (mut rows, mut exact) = (0, 0);
    for (name, s) in &summaries {
        println!(
            "{name:34} rows {:6}  bit-exact {:6}  max rel err {:.2e}",
            s.rows, s.bit_exact, s.max_rel
        );
        rows += s.rows;
        exact += s.bit_exact;
    }
    println!("all: {rows} rows, {exact} bit-exact");
}

/// The manifest's keys are the config keys: a misspelt or unknown one is rejected, and
/// cyclr's own `warmup` still works on top of transformers' warm-up.
#[test]
fn keys_as_a_user_writes_them() {
    let err = serde_json::from_str::<ScheduleConfig>(
        r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":5,"num_cycle":2}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown field `num_cycle`"), "{err}");
    let err = serde_json::from_str::<ScheduleConfig>(r#"{"policy":"linear-with-warmup","lr":0.1}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `num_warmup_steps`"), "{err}");

    let cfg: ScheduleConfig = toml::from_str(
        r#"
        policy = "wsd"
        lr = 0.001
        num_warmup_steps = 100
        num_decay_steps = 300
        num_training_steps = 1500
        warmup_type = "cosine"
        decay_type = "1-sqrt"
        min_lr_ratio = 0.1
        warmup = 10
        "#,
    )
    .unwrap();
    assert_eq!(cfg.warmup(), Some(10));
    let with = cfg.build(1500).unwrap();
    let mut plain = cfg.clone();
    if let ScheduleConfig::Wsd { warmup, .. } = &mut plain {
        *warmup = None;
    }
    let plain = plain.build(1500).unwrap();
    // cyclr's warm-up multiplies by (t + 1)/10 for t < 10, on top of WSD's own warm-up.
    for t in 0..10u64 {
        assert_eq!(with.lr(t), plain.lr(t) * ((t + 1) as f64 / 10.0), "t={t}");
    }
    for t in [10, 100, 1499, 1500] {
        assert_eq!(with.lr(t), plain.lr(t));
    }
}
