//! Time per `lr(t)` for every policy, at an iteration deep into training.
//!
//! `cargo bench -p cyclr --bench schedules -- --warm-up-time 1 --measurement-time 2`
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use cyclr::Schedule;
use cyclr::schedule::ScheduleConfig;

/// Deep into training: ~1.5 M iterations (the middle of a cycle for the cyclical policies).
const T: u64 = 1_501_234;
/// Run length given to the policies that need one.
const TOTAL: u64 = 2_000_000;

fn configs() -> Vec<(&'static str, ScheduleConfig)> {
    let cyc = |policy: &str| {
        let json = format!(
            r#"{{"policy":"{policy}","base_lr":0.001,"max_lr":0.006,"step_size":2000,"gamma":0.99994}}"#
        );
        let json = if policy == "exp-range" {
            json
        } else {
            json.replace(r#","gamma":0.99994"#, "")
        };
        serde_json::from_str::<ScheduleConfig>(&json).unwrap()
    };
    let cfg = |json: &str| serde_json::from_str::<ScheduleConfig>(json).unwrap();
    vec![
        ("triangular", cyc("triangular")),
        ("triangular2", cyc("triangular2")),
        ("exp-range", cyc("exp-range")),
        ("welch", cyc("welch")),
        ("hann", cyc("hann")),
        (
            "triangular+momentum (asym)",
            cfg(
                r#"{"policy":"triangular","base_lr":0.01,"max_lr":0.1,"step_size":300,
                   "step_size_down":700,"base_momentum":0.8,"max_momentum":0.9}"#,
            ),
        ),
        (
            "one-cycle pytorch",
            cfg(r#"{"policy":"one-cycle","max_lr":0.1}"#),
        ),
        (
            "one-cycle pytorch three-phase linear",
            cfg(r#"{"policy":"one-cycle","max_lr":0.1,"three_phase":true,"anneal":"linear"}"#),
        ),
        (
            "one-cycle fastai",
            cfg(r#"{"policy":"one-cycle","max_lr":0.1,"style":"fastai"}"#),
        ),
        (
            "sgdr (t_mult 2)",
            cfg(r#"{"policy":"sgdr","max_lr":0.1,"t0":100,"t_mult":2}"#),
        ),
        (
            "sgdr (t_mult 1)",
            cfg(r#"{"policy":"sgdr","max_lr":0.1,"t0":100}"#),
        ),
        ("fixed", cfg(r#"{"policy":"fixed","lr":0.1}"#)),
        (
            "step",
            cfg(r#"{"policy":"step","lr":0.1,"step_size":300000}"#),
        ),
        (
            "multistep",
            cfg(r#"{"policy":"multistep","lr":0.1,"milestones":[500000,1000000,1500000]}"#),
        ),
        ("exp", cfg(r#"{"policy":"exp","lr":0.1,"gamma":0.999999}"#)),
        (
            "inv",
            cfg(r#"{"policy":"inv","lr":0.01,"gamma":0.0001,"power":0.75}"#),
        ),
        ("poly", cfg(r#"{"policy":"poly","lr":0.1,"power":2.0}"#)),
        (
            "sigmoid",
            cfg(r#"{"policy":"sigmoid","lr":0.1,"gamma":-0.00001,"step_size":1000000}"#),
        ),
        (
            "sequence (warmup+one-cycle+fixed)",
            cfg(
                r#"{"policy":"sequence","milestones":[1000000],"warmup":1000,"schedules":[
                   {"policy":"one-cycle","max_lr":0.1},{"policy":"fixed","lr":0.0001}]}"#,
            ),
        ),
        (
            "triangular + warmup",
            cfg(
                r#"{"policy":"triangular","base_lr":0.001,"max_lr":0.006,"step_size":2000,"warmup":500}"#,
            ),
        ),
    ]
}

fn bench_lr(c: &mut Criterion) {
    let mut group = c.benchmark_group("lr");
    for (name, cfg) in configs() {
        let sched = cfg.build(TOTAL).unwrap();
        group.bench_function(name, |b| b.iter(|| black_box(&sched).lr(black_box(T))));
    }
    group.finish();
}

criterion_group!(benches, bench_lr);
criterion_main!(benches);
