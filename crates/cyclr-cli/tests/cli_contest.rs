//! The head-to-head from an experiment file: grids picked on the validation split, the search
//! counted, the files written; a bad grid is a usage error.
mod common;

use common::*;

const EXPERIMENT: &str = r#"
name = "h2h"
dataset = "digits"
model = "mlp"
batch_size = 64
iters = 100
eval_every = 50
seeds = [0]
baseline = "fixed-grid"
[[run]]
name = "one-cycle-auto"
auto_lr = true
schedule = { policy = "one-cycle" }
[[run]]
name = "fixed-grid"
schedule = { policy = "multistep", milestones = [80, 90] }
grid = { lr = [0.025, 0.1, 0.4] }
[[run]]
name = "adamw-schedulefree"
optimizer = { kind = "adamw-schedulefree", warmup_steps = 5 }
schedule = { policy = "fixed" }
"#;

#[test]
fn grids_are_picked_on_validation_and_the_search_is_counted() {
    let tmp = tempdir();
    std::fs::write(tmp.path().join("h2h.toml"), EXPERIMENT).unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "compare", "--config", "h2h.toml", "--out", "c", "--quiet", "--format", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("c");
    for f in [
        "contest.csv",
        "contest.png",
        "contest.svg",
        "report.html",
        "results.json",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let h = &results["head_to_head"][0];
    assert_eq!(h["reference"], "fixed-grid");
    let rows = h["rows"].as_array().unwrap();
    let row = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap().clone();
    // The grid's pick: the point of best validation accuracy, whatever its test accuracy.
    let runs = results["runs"].as_array().unwrap();
    let points: Vec<&serde_json::Value> = runs
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("fixed-grid_at_"))
        .collect();
    assert_eq!(points.len(), 3);
    let best_val = points
        .iter()
        .max_by(|a, b| {
            a["val"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["val"].as_f64().unwrap())
        })
        .unwrap();
    let grid = row("fixed-grid");
    assert_eq!(grid["choice"]["run"], best_val["name"]);
    assert_eq!(results["metric"], "accuracy");
    assert_eq!(grid["test_mean"], best_val["final_test_accuracy"]);
    assert_eq!(best_val["final_test"], best_val["final_test_accuracy"]);
    // Steps add up: the grid's search is its other points' steps.
    let all: u64 = points
        .iter()
        .map(|p| p["train_steps"].as_u64().unwrap())
        .sum();
    let pick_steps = best_val["train_steps"].as_f64().unwrap();
    assert_eq!(
        grid["search_steps"].as_f64().unwrap(),
        all as f64 - pick_steps
    );
    assert_eq!(
        grid["total_steps"].as_f64().unwrap(),
        grid["search_steps"].as_f64().unwrap() + grid["train_steps"].as_f64().unwrap()
    );
    let auto = row("one-cycle-auto");
    assert_eq!(auto["choice"]["kind"], "range_test");
    assert!(auto["search_steps"].as_f64().unwrap() > 50.0, "{auto}");
    let sf = row("adamw-schedulefree");
    assert_eq!(sf["choice"]["kind"], "optimizer_default");
    assert_eq!(sf["search_steps"].as_f64().unwrap(), 0.0);
    // Every run trained beside the same 10% validation split and says so.
    let outcome: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("runs/adamw-schedulefree-seed0/outcome.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(outcome["validation"], 0.1);
    assert!(outcome["val_accuracy"].as_f64().is_some());
    let table = std::fs::read_to_string(dir.join("table.md")).unwrap();
    assert!(
        table.contains("Validation split: 10% of the training set held out"),
        "{table}"
    );
}

#[test]
fn a_bad_grid_key_is_a_usage_error() {
    let tmp = tempdir();
    let bad = EXPERIMENT.replace("grid = { lr = ", "grid = { learning_rate = ");
    std::fs::write(tmp.path().join("bad.toml"), bad).unwrap();
    let out = run_in(
        tmp.path(),
        &["compare", "--config", "bad.toml", "--out", "c", "--quiet"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("run \"fixed-grid\": grid: \"learning_rate\" is not a learning-rate key")
            && stderr.contains("lr, max_lr"),
        "{stderr}"
    );
    assert!(!tmp.path().join("c").join("runs").exists());
}
