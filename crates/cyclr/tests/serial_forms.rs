//! The serialized forms of every policy, recorded on the code before the policy registry
//! (issue #26 item 3) and kept byte-identical since: run.json, checkpoints and outcome.json files
//! on disk hold these strings. For every policy, a config and a spec with only the required keys
//! and with every optional key, written as JSON and TOML, and good and bad inputs with the exact
//! error messages.
//!
//! The expected text is `tests/fixtures/serial_forms.txt`; `CYCLR_BLESS=1` rewrites it (only
//! ever for a new policy's lines).
use cyclr::schedule::{Auto, Policy, RunShape, ScheduleConfig, ScheduleSpec};

/// Every policy with its required keys only, then with every optional key: `name | JSON`, one
/// a line.
const CASES: &str = r#"
triangular | {"policy":"triangular","base_lr":0.001,"max_lr":0.006,"step_size":2000}
triangular full | {"policy":"triangular","base_lr":0.001,"max_lr":0.006,"step_size":2000,"step_size_down":1000,"base_momentum":0.8,"max_momentum":0.9,"warmup":100}
triangular2 | {"policy":"triangular2","base_lr":0.001,"max_lr":0.006,"step_size":2000}
triangular2 full | {"policy":"triangular2","warmup":3,"max_momentum":0.9,"base_momentum":0.8,"step_size_down":7,"step_size":5,"max_lr":1,"base_lr":0.1}
exp-range | {"policy":"exp-range","base_lr":0.001,"max_lr":0.006,"step_size":2000}
exp-range full | {"policy":"exp-range","base_lr":0.001,"max_lr":0.006,"step_size":2000,"step_size_down":10,"gamma":0.99994,"base_momentum":0.8,"max_momentum":0.9,"warmup":0}
welch | {"policy":"welch","base_lr":0.1,"max_lr":1.0,"step_size":5}
welch full | {"policy":"welch","base_lr":0.1,"max_lr":1.0,"step_size":5,"step_size_down":6,"base_momentum":0.85,"max_momentum":0.95,"warmup":2}
hann | {"policy":"hann","base_lr":0.1,"max_lr":1.0,"step_size":5}
hann full | {"policy":"hann","base_lr":0.1,"max_lr":1.0,"step_size":5,"step_size_down":7,"base_momentum":0.85,"max_momentum":0.95,"warmup":2}
one-cycle | {"policy":"one-cycle","max_lr":0.1}
one-cycle full | {"policy":"one-cycle","max_lr":0.1,"total_steps":1000,"style":"pytorch","pct_start":0.25,"anneal":"linear","div":10.0,"final_div":100.0,"three_phase":true,"base_momentum":0.8,"max_momentum":0.9,"cycle_momentum":true,"warmup":5}
one-cycle fastai | {"policy":"one-cycle","max_lr":0.1,"style":"fastai","anneal":"cos","cycle_momentum":false}
slanted-triangular | {"policy":"slanted-triangular","max_lr":0.01}
slanted-triangular full | {"policy":"slanted-triangular","ratio":10,"cut_frac":0.2,"total_steps":500,"max_lr":0.01,"warmup":4}
sgdr | {"policy":"sgdr","max_lr":0.1,"t0":10}
sgdr full | {"policy":"sgdr","max_lr":0.1,"min_lr":0.001,"t0":10,"t_mult":2,"warmup":4}
fixed | {"policy":"fixed","lr":0.01}
fixed full | {"policy":"fixed","lr":1,"warmup":0}
step | {"policy":"step","lr":0.1,"step_size":30}
step full | {"policy":"step","lr":0.1,"step_size":30,"gamma":0.5,"warmup":1}
multistep | {"policy":"multistep","lr":0.1,"milestones":[10,20]}
multistep full | {"policy":"multistep","lr":0.1,"milestones":[10,20],"gamma":0.2,"warmup":3}
exp | {"policy":"exp","lr":0.1,"gamma":0.999}
exp full | {"policy":"exp","lr":0.1,"gamma":0.999,"warmup":7}
inv | {"policy":"inv","lr":0.1,"gamma":0.0001,"power":0.75}
inv full | {"policy":"inv","lr":0.1,"gamma":0.0001,"power":0.75,"warmup":7}
poly | {"policy":"poly","lr":0.1}
poly full | {"policy":"poly","lr":0.1,"power":2.0,"max_iter":500,"warmup":7}
sigmoid | {"policy":"sigmoid","lr":0.1,"gamma":-0.01,"step_size":500}
sigmoid full | {"policy":"sigmoid","lr":0.1,"gamma":-0.01,"step_size":500,"warmup":7}
constant-with-warmup | {"policy":"constant-with-warmup","lr":0.1,"num_warmup_steps":10}
constant-with-warmup full | {"policy":"constant-with-warmup","lr":0.1,"num_warmup_steps":10,"warmup":2}
linear-with-warmup | {"policy":"linear-with-warmup","lr":0.1,"num_warmup_steps":10}
linear-with-warmup full | {"policy":"linear-with-warmup","lr":0.1,"num_warmup_steps":10,"num_training_steps":900,"warmup":2}
cosine-with-warmup | {"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":10}
cosine-with-warmup full | {"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":10,"num_training_steps":900,"num_cycles":0.5,"min_lr_rate":0.1,"warmup":2}
cosine-with-hard-restarts | {"policy":"cosine-with-hard-restarts","lr":0.1,"num_warmup_steps":10}
cosine-with-hard-restarts full | {"policy":"cosine-with-hard-restarts","lr":0.1,"num_warmup_steps":10,"num_training_steps":900,"num_cycles":3.0,"warmup":2}
polynomial-with-warmup | {"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":10}
polynomial-with-warmup full | {"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":10,"num_training_steps":900,"lr_end":0.0001,"power":2.0,"warmup":2}
inverse-sqrt | {"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":0}
inverse-sqrt full | {"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":10,"timescale":100,"warmup":2}
wsd | {"policy":"wsd","lr":0.1,"num_warmup_steps":100,"num_decay_steps":200}
wsd full | {"policy":"wsd","lr":0.1,"num_warmup_steps":0,"num_decay_steps":200,"num_training_steps":1000,"num_stable_steps":800,"warmup_type":"1-sqrt","decay_type":"linear","min_lr_ratio":0.01,"num_cycles":0.5,"warmup":3}
nanogpt-cosine | {"policy":"nanogpt-cosine","lr":0.001}
nanogpt-cosine full | {"policy":"nanogpt-cosine","min_lr":0.0001,"lr_decay_iters":2000,"warmup_iters":100,"lr":0.001}
nanogpt-cosine with warmup | {"policy":"nanogpt-cosine","lr":0.001,"warmup_iters":100,"warmup":5}
sequence | {"policy":"sequence","milestones":[100],"schedules":[{"policy":"fixed","lr":0.01},{"policy":"one-cycle","max_lr":0.1,"cycle_momentum":false}]}
sequence full | {"policy":"sequence","milestones":[100,200],"schedules":[{"policy":"fixed","lr":0.01,"warmup":1},{"policy":"sgdr","max_lr":0.1,"t0":10},{"policy":"wsd","lr":0.1,"num_warmup_steps":1,"num_decay_steps":5,"decay_type":"1-sqrt"}],"warmup":10}
"#;

/// Specs with open learning rates (what `--lr auto` fills) and other keys left out.
const OPEN_SPECS: &[&str] = &[
    r#"{"policy":"triangular"}"#,
    r#"{"policy":"triangular2","max_lr":0.5,"step_size":4}"#,
    r#"{"policy":"exp-range","gamma":0.999}"#,
    r#"{"policy":"one-cycle","pct_start":0.25,"style":"fastai"}"#,
    r#"{"policy":"slanted-triangular","cut_frac":0.25}"#,
    r#"{"policy":"sgdr","t0":10,"min_lr":0.001}"#,
    r#"{"policy":"fixed","warmup":3}"#,
    r#"{"policy":"wsd","num_decay_steps":5,"warmup_type":"cosine"}"#,
    r#"{"policy":"nanogpt-cosine","warmup_iters":10}"#,
    r#"{"policy":"sequence","milestones":[3],"schedules":[{"policy":"fixed","lr":0.1},{"policy":"exp","lr":0.1,"gamma":0.9}]}"#,
];

/// Inputs that must not parse as a config (JSON).
const BAD_CONFIGS: &[&str] = &[
    r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gama":0.9}"#,
    r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gamma":0.9}"#,
    r#"{"policy":"fixed","lr":0.1,"warm_up":5}"#,
    r#"{"policy":"sequence","milestones":[5],"schedules":[{"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.1,"extra":1}]}"#,
    r#"{"policy":"cosine","lr":0.1}"#,
    r#"{"lr":0.1}"#,
    r#"{"policy":"step","lr":0.1}"#,
    r#"{"policy":"one-cycle","max_lr":0.1,"style":"keras"}"#,
    r#"{"policy":"one-cycle","max_lr":0.1,"anneal":"cosine"}"#,
    r#"{"policy":"one-cycle","max_lr":"0.1"}"#,
    r#"{"policy":"sgdr","max_lr":0.1,"t0":-1}"#,
    r#"{"policy":"sgdr","max_lr":0.1,"t0":1.5}"#,
    r#"{"policy":"multistep","lr":0.1,"milestones":5}"#,
    r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":1,"num_decay_steps":1,"decay_type":"sqrt"}"#,
    r#"{"policy":"one-cycle","max_lr":0.1,"three_phase":"yes"}"#,
    r#"{"policy":"fixed","lr":0.1,"lr":0.2}"#,
    r#"[]"#,
    r#"{"policy":"Fixed","lr":0.1}"#,
    r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_iter":5}"#,
];

/// Inputs that must not parse as a config (TOML).
const BAD_TOML_CONFIGS: &[&str] = &[
    "policy = \"fixed\"\nlr = 0.1\nwarm_up = 5",
    "policy = \"cosine\"\nlr = 0.1",
    "policy = \"step\"\nlr = 0.1",
    "policy = \"one-cycle\"\nmax_lr = 0.1\nstyle = \"keras\"",
    "policy = \"sgdr\"\nmax_lr = 0.1\nt0 = -1",
    "lr = 0.1",
    "policy = \"triangular\"\nbase_lr = 0.1\nmax_lr = 1.0\nstep_size = 5\ngamma = 0.9",
];

/// Inputs that must not parse as a spec, or that parse and fail to resolve.
const BAD_SPECS: &[&str] = &[
    r#"{"policy":"cosine"}"#,
    r#"{"policy":"one-cycle","style":"keras"}"#,
    r#"{"policy":"one-cycle","pct_strt":0.3}"#,
    r#"{"policy":"one-cycle","gamma":0.3}"#,
    r#"{"policy":"triangular","base_lr":0.1}"#,
    r#"{"policy":"fixed"}"#,
    r#"{"policy":"multistep","lr":0.1}"#,
    r#"{"policy":"fixed","lr":0.1,"t0":"x"}"#,
    r#"{"policy":"triangular","base_lr":0.2,"max_lr":0.1,"step_size":5}"#,
    r#"{"policy":"sequence","milestones":[5],"schedules":[{"policy":"fixed","lr":0.1},{"policy":"exp","lr":0.1,"gamma":2.0}]}"#,
    r#"{"lr":0.1}"#,
    r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup":5}"#,
    r#"{"policy":"nanogpt-cosine","lr":0.1,"min_lr":0.2}"#,
    r#"{"policy":"nanogpt-cosine","lr":0.1,"warmup_iters":1000}"#,
];

fn line(out: &mut String, label: &str, text: &str) {
    out.push_str(&format!(
        "{}: {}\n",
        label.replace('\n', "\\n"),
        text.replace('\n', "\\n")
    ));
}

fn record() -> String {
    let mut out = String::new();
    let shape = RunShape {
        iters: 1000,
        iters_per_epoch: Some(50),
        step_epochs: None,
    };
    for (name, json) in CASES.lines().filter_map(|l| l.split_once(" | ")) {
        out.push_str(&format!("== {name}\n"));
        let cfg: ScheduleConfig =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
        line(
            &mut out,
            "config json",
            &serde_json::to_string(&cfg).unwrap(),
        );
        line(
            &mut out,
            "config json pretty",
            &serde_json::to_string_pretty(&cfg).unwrap(),
        );
        let toml_text = toml::to_string(&cfg).unwrap();
        line(&mut out, "config toml", &toml_text);
        assert_eq!(toml::from_str::<ScheduleConfig>(&toml_text).unwrap(), cfg);
        line(&mut out, "config debug", &format!("{cfg:?}"));
        line(&mut out, "name", cfg.name());
        line(&mut out, "bounds", &format!("{:?}", cfg.bounds()));
        line(&mut out, "warmup", &format!("{:?}", cfg.warmup()));
        let spec: ScheduleSpec =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
        line(
            &mut out,
            "spec json",
            &serde_json::to_string(&spec).unwrap(),
        );
        let spec_toml = toml::to_string(&spec).unwrap();
        line(&mut out, "spec toml", &spec_toml);
        assert_eq!(toml::from_str::<ScheduleSpec>(&spec_toml).unwrap(), spec);
        assert_eq!(ScheduleSpec::from(&cfg), spec);
        line(&mut out, "spec keys", &format!("{:?}", spec.given_keys()));
        match spec.resolve(&shape, Auto::Off) {
            Ok(r) => {
                assert_eq!(r.config, cfg);
                line(&mut out, "resolved", &r.describe(|k| format!("`{k}`")));
            }
            Err(e) => line(&mut out, "resolve error", &e.to_string()),
        }
    }
    out.push_str("== open specs\n");
    for json in OPEN_SPECS {
        let spec: ScheduleSpec = serde_json::from_str(json).unwrap();
        line(
            &mut out,
            "spec json",
            &serde_json::to_string(&spec).unwrap(),
        );
        line(&mut out, "spec toml", &toml::to_string(&spec).unwrap());
        for (what, auto) in [("off", Auto::Off), ("pending", Auto::Pending)] {
            match spec.resolve(&shape, auto) {
                Ok(r) => line(
                    &mut out,
                    &format!("resolved {what}"),
                    &format!(
                        "{} -> {}",
                        r.describe(|k| format!("--{}", k.replace('_', "-"))),
                        serde_json::to_string(&r.config).unwrap()
                    ),
                ),
                Err(e) => line(&mut out, &format!("error {what}"), &e.to_string()),
            }
        }
    }
    out.push_str("== bad configs\n");
    for json in BAD_CONFIGS {
        let e = serde_json::from_str::<ScheduleConfig>(json).unwrap_err();
        line(&mut out, json, &e.to_string());
    }
    for text in BAD_TOML_CONFIGS {
        let e = toml::from_str::<ScheduleConfig>(text).unwrap_err();
        line(&mut out, text, &e.to_string());
    }
    out.push_str("== bad specs\n");
    for json in BAD_SPECS {
        match serde_json::from_str::<ScheduleSpec>(json) {
            Err(e) => line(&mut out, json, &format!("parse: {e}")),
            Ok(spec) => match spec.resolve(&shape, Auto::Off) {
                Err(e) => line(&mut out, json, &format!("resolve: {e}")),
                Ok(r) => line(&mut out, json, &format!("ok?! {:?}", r.config)),
            },
        }
    }
    out.push_str("== policies\n");
    for p in Policy::ALL {
        line(
            &mut out,
            p.as_str(),
            &format!(
                "required {:?} optional {:?} auto {:?} cyclical {} transformers {} formula {}",
                p.required_keys(),
                p.optional_keys(),
                p.auto_keys(),
                p.is_cyclical(),
                p.is_transformers(),
                p.formula()
            ),
        );
    }
    line(&mut out, "all keys", &format!("{:?}", Policy::all_keys()));
    line(
        &mut out,
        "unknown policy",
        &"onecycle".parse::<Policy>().unwrap_err().to_string(),
    );
    out
}

#[test]
fn serialized_forms_are_unchanged() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serial_forms.txt");
    let got = record();
    if std::env::var_os("CYCLR_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).expect("the recorded forms");
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
