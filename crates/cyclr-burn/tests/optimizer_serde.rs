//! `OptimizerConfig`'s serde form, pinned: what every optimizer serializes to (JSON compact and
//! pretty, TOML; defaults and non-default values) and what a set of JSON / TOML inputs parse to,
//! or the exact error message they give (unknown keys, unknown kinds, wrong types, the shorthand
//! kinds `nesterov` / `adamw`, inputs that rely on defaults). run.json, checkpoints and
//! experiment files on disk hold these forms, so they must not drift.
//!
//! The expected text is `tests/fixtures/optimizer_serde.txt`, recorded from the code before the
//! per-family split of `optim` (#26); `CYCLR_BLESS_OPTIMIZER_SERDE=1` rewrites it (only do that
//! for an intended change of the format, and say so).

use std::fmt::Write;
use std::path::Path;

use cyclr_burn::OptimizerConfig;
use serde::Deserialize;

/// An optimizer nested in a larger document, as run.json and experiment files hold it (errors
/// then carry the outer deserializer's position).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Outer {
    name: String,
    optimizer: OptimizerConfig,
}

fn describe(out: &mut String, c: &OptimizerConfig) {
    let json = serde_json::to_string(c).unwrap();
    let _ = writeln!(out, "  name: {}", c.name());
    let _ = writeln!(out, "  json: {json}");
    let _ = writeln!(
        out,
        "  pretty:\n{}",
        indent(&serde_json::to_string_pretty(c).unwrap())
    );
    match toml::to_string(c) {
        Ok(t) => {
            let _ = writeln!(out, "  toml:\n{}", indent(t.trim_end()));
            let back: Result<OptimizerConfig, _> = toml::from_str(&t);
            let _ = writeln!(
                out,
                "  toml round trip equal: {}",
                back.as_ref().ok() == Some(c)
            );
        }
        Err(e) => {
            let _ = writeln!(out, "  toml error: {e}");
        }
    }
    let back: Result<OptimizerConfig, _> = serde_json::from_str(&json);
    let _ = writeln!(
        out,
        "  json round trip equal: {} (same json: {})",
        back.as_ref().ok() == Some(c),
        back.as_ref()
            .map(|b| serde_json::to_string(b).unwrap() == json)
            .unwrap_or(false)
    );
    match toml::Table::try_from(c) {
        Ok(t) => {
            let _ = writeln!(out, "  toml table: {t:?}");
        }
        Err(e) => {
            let _ = writeln!(out, "  toml table error: {e}");
        }
    }
    let _ = writeln!(out, "  keys: {:?}", c.keys());
    let _ = writeln!(
        out,
        "  default_lr: {:?}; default_momentum: {:?}; weight_decay: {:?}",
        c.default_lr(),
        c.default_momentum(),
        c.weight_decay()
    );
    let _ = writeln!(
        out,
        "  validate: {:?}",
        c.validate().map_err(|e| e.to_string())
    );
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_json(out: &mut String, input: &str) {
    let _ = writeln!(out, "== json: {input}");
    match serde_json::from_str::<OptimizerConfig>(input) {
        Ok(c) => describe(out, &c),
        Err(e) => {
            let _ = writeln!(out, "  error: {e}");
        }
    }
    // The same from a serde_json::Value (from_name_with's path).
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(input) {
        let r = serde_json::from_value::<OptimizerConfig>(v);
        let _ = writeln!(
            out,
            "  from_value: {}",
            match r {
                Ok(c) => serde_json::to_string(&c).unwrap(),
                Err(e) => format!("error: {e}"),
            }
        );
    }
}

fn parse_toml(out: &mut String, input: &str) {
    let _ = writeln!(out, "== toml:\n{}", indent(input));
    match toml::from_str::<OptimizerConfig>(input) {
        Ok(c) => describe(out, &c),
        Err(e) => {
            let _ = writeln!(out, "  error:\n{}", indent(&e.to_string()));
        }
    }
    // The same from a toml::Value (the template's path).
    if let Ok(v) = toml::from_str::<toml::Value>(input) {
        let r: Result<OptimizerConfig, _> = v.try_into();
        let _ = writeln!(
            out,
            "  from toml::Value: {}",
            match r {
                Ok(c) => serde_json::to_string(&c).unwrap(),
                Err(e) => format!("error: {e}"),
            }
        );
    }
}

fn report() -> String {
    let mut out = String::new();
    let o = &mut out;

    // Every name with its defaults, then with non-default values set through the public API.
    for name in OptimizerConfig::NAMES {
        let _ = writeln!(o, "== from_name({name:?})");
        let c = OptimizerConfig::from_name(name).unwrap();
        describe(o, &c);
        let _ = writeln!(
            o,
            "== {name}: with_momentum(0.8), with_weight_decay(0.0125)"
        );
        match c.clone().with_momentum(0.8) {
            Ok(m) => describe(o, &m.with_weight_decay(0.0125)),
            Err(e) => {
                let _ = writeln!(o, "  with_momentum error: {e}");
                describe(o, &c.clone().with_weight_decay(0.0125));
            }
        }
        let _ = writeln!(o, "== {name}: scaled(0.25)");
        describe(o, &c.scaled(0.25));
    }
    let _ = writeln!(o, "== sgd: with_weight_decay(NaN)");
    describe(
        o,
        &OptimizerConfig::from_name("sgd")
            .unwrap()
            .with_weight_decay(f64::NAN),
    );
    for name in ["Nesterov", " adamw ", "sgdd", "prodigyy", ""] {
        let _ = writeln!(o, "== from_name({name:?})");
        match OptimizerConfig::from_name(name) {
            Ok(c) => describe(o, &c),
            Err(e) => {
                let _ = writeln!(o, "  error: {e}");
            }
        }
    }
    for (name, keys) in [
        ("sgd", r#"{"momentum": 0.5, "weight_decay": 0.001}"#),
        ("nesterov", r#"{"momentum": 0.5}"#),
        ("nesterov", r#"{"nesterov": false}"#),
        ("adamw", r#"{"beta1": 0.8, "eps": 1e-6}"#),
        ("adamw", r#"{"decoupled_weight_decay": false}"#),
        ("adam", r#"{"betas": [0.9, 0.99]}"#),
        ("rmsprop", r#"{"alpha": 0.9, "centered": true}"#),
        ("adagrad", r#"{"momentum": 0.9}"#),
        ("adadelta", r#"{"rho": 0.95, "lr": 1.0}"#),
        ("sgd-schedulefree", r#"{"warmup_steps": 1000, "r": 1.0}"#),
        ("sgd-schedulefree", r#"{"d_coef": 0.5}"#),
        (
            "adamw-schedulefree",
            r#"{"betas": [0.95, 0.999], "weight_lr_power": 0}"#,
        ),
        ("prodigy", r#"{"growth_rate": 1.02, "beta3": 0.99}"#),
        ("prodigy", r#"{"growth_rate": "inf", "decouple": false}"#),
        ("prodigy", r#"{"beta3": "x"}"#),
        ("dadapt-adam", r#"{"d0": 1e-5, "decouple": true}"#),
        ("dadapt-sgd", r#"{"momentum": 0.5, "growth_rate": 2}"#),
        ("dadapt-sgd", r#"{"betas": [0.9, 0.99]}"#),
    ] {
        let _ = writeln!(o, "== from_name_with({name:?}, {keys})");
        let keys: serde_json::Map<String, serde_json::Value> = serde_json::from_str(keys).unwrap();
        match OptimizerConfig::from_name_with(name, &keys) {
            Ok(c) => describe(o, &c),
            Err(e) => {
                let _ = writeln!(o, "  error: {e}");
            }
        }
    }

    for input in [
        // Defaults and full forms of every kind, shorthands included.
        r#"{"kind":"sgd"}"#,
        r#"{"kind":"sgd","momentum":0.5,"nesterov":true,"weight_decay":0.0005}"#,
        r#"{"weight_decay":1e-4,"kind":"sgd","momentum":0}"#,
        r#"{"kind":"nesterov"}"#,
        r#"{"kind":"nesterov","momentum":0.95,"weight_decay":5e-4}"#,
        r#"{"kind":"adam"}"#,
        r#"{"kind":"adam","beta1":0.85,"beta2":0.99,"eps":1e-7,"weight_decay":0.01,"decoupled_weight_decay":true}"#,
        r#"{"kind":"adamw"}"#,
        r#"{"kind":"adamw","beta1":0.95,"weight_decay":0.05}"#,
        r#"{"kind":"rmsprop"}"#,
        r#"{"kind":"rmsprop","alpha":0.9,"eps":1e-6,"momentum":0.5,"weight_decay":1e-3}"#,
        r#"{"kind":"adagrad"}"#,
        r#"{"kind":"adagrad","eps":1e-8,"weight_decay":0.1}"#,
        r#"{"kind":"adadelta"}"#,
        r#"{"kind":"adadelta","rho":0.95,"eps":1e-5,"weight_decay":0.2}"#,
        r#"{"kind":"sgd-schedulefree"}"#,
        r#"{"kind":"sgd-schedulefree","momentum":0.8,"weight_decay":1e-4,"warmup_steps":500,"r":0.5,"weight_lr_power":1.0}"#,
        r#"{"kind":"adamw-schedulefree"}"#,
        r#"{"kind":"adamw-schedulefree","betas":[0.95,0.99],"eps":1e-6,"weight_decay":0.01,"warmup_steps":100,"r":1,"weight_lr_power":3}"#,
        r#"{"kind":"prodigy"}"#,
        r#"{"kind":"prodigy","betas":[0.8,0.9],"beta3":0.95,"eps":1e-7,"weight_decay":0.1,"decouple":false,"use_bias_correction":true,"safeguard_warmup":true,"d0":1e-5,"d_coef":2.0,"growth_rate":1.02}"#,
        r#"{"kind":"prodigy","growth_rate":"inf","beta3":null}"#,
        r#"{"kind":"prodigy","growth_rate":"Infinity"}"#,
        r#"{"kind":"dadapt-adam"}"#,
        r#"{"kind":"dadapt-adam","betas":[0.8,0.9],"eps":1e-7,"weight_decay":0.1,"decouple":true,"use_bias_correction":true,"d0":1e-5,"growth_rate":1.5}"#,
        r#"{"kind":"dadapt-sgd"}"#,
        r#"{"kind":"dadapt-sgd","momentum":0.5,"weight_decay":0.1,"d0":1e-5,"growth_rate":"inf"}"#,
        // Bad inputs: unknown keys (on every kind), unknown kinds, wrong types, odd shapes.
        r#"{"kind":"sgd","lr":1}"#,
        r#"{"kind":"nesterov","nesterov":false}"#,
        r#"{"kind":"nesterov","momentum":0.9,"dampening":0}"#,
        r#"{"kind":"adam","momentum":0.9}"#,
        r#"{"kind":"adamw","decoupled_weight_decay":true}"#,
        r#"{"kind":"adamw","betas":[0.9,0.99]}"#,
        r#"{"kind":"rmsprop","centered":true}"#,
        r#"{"kind":"adagrad","lr_decay":0.1}"#,
        r#"{"kind":"adadelta","momentum":0.9}"#,
        r#"{"kind":"sgd-schedulefree","betas":[0.9,0.99]}"#,
        r#"{"kind":"adamw-schedulefree","momentum":0.9}"#,
        r#"{"kind":"prodigy","d_coef":1,"x":1}"#,
        r#"{"kind":"dadapt-adam","beta3":0.9}"#,
        r#"{"kind":"dadapt-sgd","nesterov":true}"#,
        r#"{"kind":"sgdd"}"#,
        r#"{"kind":"SGD"}"#,
        r#"{"kind":"adam_w"}"#,
        r#"{}"#,
        r#"{"momentum":0.9}"#,
        r#"{"kind":"sgd","kind":"adam"}"#,
        r#"{"kind":"sgd","momentum":0.9,"momentum":0.8}"#,
        r#"{"kind":"sgd","momentum":"x"}"#,
        r#"{"kind":"sgd","nesterov":1}"#,
        r#"{"kind":"sgd","momentum":null}"#,
        r#"{"kind":"sgd","momentum":[0.9]}"#,
        r#"{"kind":"sgd","momentum":{"a":1}}"#,
        r#"{"kind":"sgd","momentum":1e400}"#,
        r#"{"kind":"adam","weight_decay":true}"#,
        r#"{"kind":"prodigy","betas":[0.9]}"#,
        r#"{"kind":"prodigy","betas":[0.9,0.99,0.5]}"#,
        r#"{"kind":"prodigy","betas":0.9}"#,
        r#"{"kind":"prodigy","growth_rate":"fast"}"#,
        r#"{"kind":"prodigy","growth_rate":null}"#,
        r#"{"kind":"prodigy","beta3":"0.9"}"#,
        r#"{"kind":"sgd-schedulefree","warmup_steps":-1}"#,
        r#"{"kind":"sgd-schedulefree","warmup_steps":1.5}"#,
        r#"{"kind":"sgd-schedulefree","warmup_steps":"10"}"#,
        r#"{"kind":null}"#,
        r#"{"kind":true}"#,
        r#"{"kind":["sgd"]}"#,
        r#""sgd""#,
        r#"null"#,
        r#"3"#,
        r#"{"kind":"sgd",}"#,
        r#"{"kind":"sgd""#,
        r#"{"kind":"sgd"} x"#,
        // The sequence form serde accepts for an internally tagged enum (tag first).
        r#"["sgd"]"#,
        r#"["sgd",0.5,true,0.1]"#,
        r#"["sgd",0.5,true,0.1,1]"#,
        r#"["nesterov",0.5,0.1]"#,
        r#"["prodigy",[0.8,0.9]]"#,
        r#"[]"#,
        r#"[1]"#,
        r#"{"kind":0}"#,
        r#"{"kind":1}"#,
        r#"{"kind":3,"beta1":0.5}"#,
        r#"{"kind":12}"#,
    ] {
        parse_json(o, input);
    }

    for input in [
        "kind = \"sgd\"",
        "kind = \"sgd\"\nmomentum = 0.95\nnesterov = true\nweight_decay = 5e-4",
        "momentum = 0\nkind = \"sgd\"",
        "kind = \"nesterov\"\nweight_decay = 1e-4",
        "kind = \"adam\"\nbeta2 = 0.98",
        "kind = \"adamw\"\nweight_decay = 0.05",
        "kind = \"rmsprop\"\nmomentum = 1",
        "kind = \"adagrad\"\neps = 1e-12",
        "kind = \"adadelta\"\nrho = 0.5",
        "kind = \"sgd-schedulefree\"\nwarmup_steps = 100",
        "kind = \"adamw-schedulefree\"\nbetas = [0.9, 0.95]",
        "kind = \"prodigy\"\ngrowth_rate = inf\nbeta3 = 0.99\nsafeguard_warmup = true",
        "kind = \"prodigy\"\ngrowth_rate = \"inf\"",
        "kind = \"prodigy\"\nd0 = nan",
        "kind = \"dadapt-adam\"\ngrowth_rate = 1.02",
        "kind = \"dadapt-sgd\"\ngrowth_rate = \"inf\"\nmomentum = 0.0",
        // Bad.
        "kind = \"sgd\"\nlr = 0.1",
        "kind = \"nesterov\"\nnesterov = true",
        "kind = \"adamw\"\ndecoupled_weight_decay = false",
        "kind = \"adam\"\nbeta1 = \"x\"",
        "kind = \"adagrad\"\nmomentum = 0.9",
        "kind = \"prodigy\"\nbetas = [0.9]",
        "kind = \"prodigy\"\ngrowth_rate = \"fast\"",
        "kind = \"sgd-schedulefree\"\nwarmup_steps = -5",
        "kind = \"sgd-schedulefree\"\nwarmup_steps = 2.5",
        "kind = \"lion\"",
        "momentum = 0.9",
        "kind = 1",
        "kind = \"sgd\"\n[extra]\na = 1",
        "kind = \"sgd\"\nmomentum = 1979-05-27",
    ] {
        parse_toml(o, input);
    }

    // Nested in a larger document: the outer deserializer's positions and paths.
    for input in [
        r#"{"name":"a","optimizer":{"kind":"adamw","weight_decay":0.1}}"#,
        r#"{"name":"a","optimizer":{"kind":"sgd","lr":1}}"#,
        r#"{"name":"a","optimizer":{"kind":"nesterov","nesterov":true}}"#,
        r#"{"name":"a","optimizer":{"kind":"sgdd"}}"#,
        r#"{"name":"a","optimizer":{"momentum":0.9}}"#,
        r#"{"name":"a","optimizer":{"kind":"prodigy","betas":[1]}}"#,
        r#"{"name":"a","optimizer":{"kind":"prodigy"},"x":1}"#,
    ] {
        let _ = writeln!(o, "== outer json: {input}");
        let _ = writeln!(
            o,
            "  {}",
            match serde_json::from_str::<Outer>(input) {
                Ok(v) => format!("ok: {}", serde_json::to_string(&v.optimizer).unwrap()),
                Err(e) => format!("error: {e}"),
            }
        );
    }
    for input in [
        "name = \"a\"\n[optimizer]\nkind = \"adamw\"\nweight_decay = 0.1",
        "name = \"a\"\n[optimizer]\nkind = \"sgd\"\nlr = 0.1",
        "name = \"a\"\n[optimizer]\nkind = \"nesterov\"\nnesterov = true",
        "name = \"a\"\n[optimizer]\nkind = \"sgdd\"",
        "name = \"a\"\n[optimizer]\nmomentum = 0.9",
        "name = \"a\"\n[optimizer]\nkind = \"prodigy\"\nbetas = [1]",
        "name = \"a\"\noptimizer = { kind = \"adam\", beta1 = \"x\" }",
        "name = \"a\"\noptimizer = \"sgd\"",
    ] {
        let _ = writeln!(o, "== outer toml:\n{}", indent(input));
        let _ = writeln!(
            o,
            "  {}",
            indent(&match toml::from_str::<Outer>(input) {
                Ok(v) => format!("ok: {}", serde_json::to_string(&v.optimizer).unwrap()),
                Err(e) => format!("error: {e}"),
            })
        );
    }
    out
}

#[test]
fn optimizer_serde_forms_are_unchanged() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optimizer_serde.txt");
    let got = report();
    if std::env::var("CYCLR_BLESS_OPTIMIZER_SERDE").as_deref() == Ok("1") {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (record it with CYCLR_BLESS_OPTIMIZER_SERDE=1)",
            path.display()
        )
    });
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        let context = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "the serde forms changed at line {} of {}:\n--- want\n{}\n--- got\n{}",
            first + 1,
            path.display(),
            context(&want),
            context(&got)
        );
    }
}
