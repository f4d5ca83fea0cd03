//! Weight averaging from the command line (#30): `train --average` reports, writes and resumes
//! the average with the live model's figures beside it; `compare` takes `average` per run.
mod common;

use common::*;

/// Runs `cyclr ARGS`, which must succeed; its stdout.
fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "cyclr {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn train_reports_the_average_and_the_live_model_and_resume_keeps_it() {
    let dir = tempdir();
    let out = dir.path().join("swa");
    let out_s = out.to_str().unwrap();
    let args = [
        "train",
        "--dataset",
        "digits",
        "--batch-norm",
        "--policy",
        "triangular",
        "--base-lr",
        "0.01",
        "--max-lr",
        "0.1",
        "--step-size",
        "5",
        "--iters",
        "40",
        "--eval-every",
        "10",
        "--average",
        "swa",
        "--average-start",
        "0.5",
        "--average-every",
        "cycle",
        "--quiet",
        "--out",
        out_s,
    ];
    let stdout = ok(&args);
    // first = 21; cycles of 10 end at 30 and 40.
    assert!(
        stdout.contains("averaged 2 models (swa from 50% of the run, at each cycle's end)"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["averaged_models"], 2);
    assert!(
        summary["final_live_test_loss"].as_f64().is_some(),
        "{summary}"
    );
    assert!(summary["final_live_test_accuracy"].as_f64().is_some());
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "iteration,lr,momentum,train_loss,test_loss,test_accuracy,live_test_loss,\
             live_test_accuracy"
        )
    );
    // Evaluations before the first update carry no live figures; after it, both.
    let cells = |i: usize| -> Vec<String> {
        csv.lines()
            .nth(i + 1)
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
    };
    assert!(cells(9)[4].parse::<f64>().is_ok() && cells(9)[6].is_empty());
    assert!(cells(29)[6].parse::<f64>().is_ok() && cells(39)[7].parse::<f64>().is_ok());
    // The plot draws the live model's curve beside the average's.
    let svg = std::fs::read_to_string(out.join("curves.svg")).unwrap();
    assert!(
        svg.contains("triangular, averaged") && svg.contains("triangular, live model"),
        "the curves' legend"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["config"]["average"]["kind"], "swa");
    assert_eq!(record["config"]["average"]["every"], "cycle");

    // --resume with another average is refused, naming both.
    let o = run(&[
        "train",
        "--resume",
        "--out",
        out_s,
        "--average",
        "ema:0.9",
        "--iters",
        "40",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--average ema:0.9 from 0% of the run, every step")
            && err.contains("swa from 50% of the run, at each cycle's end"),
        "{err}"
    );
}

#[test]
fn compare_scores_a_run_by_its_average() {
    let dir = tempdir();
    let cfg = dir.path().join("avg.toml");
    std::fs::write(
        &cfg,
        "name = \"avg\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 30\neval_every = 10\n\
         baseline = \"plain\"\n\
         [[run]]\nname = \"plain\"\nschedule = { policy = \"fixed\", lr = 0.05 }\n\
         [[run]]\nname = \"ema\"\nschedule = { policy = \"fixed\", lr = 0.05 }\n\
         average = { kind = \"ema\", decay = 0.8 }\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let stdout = ok(&[
        "compare",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        stdout.contains("plain") && stdout.contains("ema"),
        "{stdout}"
    );
    let summary = |name: &str| -> serde_json::Value {
        let p = out
            .join("runs")
            .join(format!("{name}-seed0"))
            .join("summary.json");
        serde_json::from_str(
            &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap()
    };
    let (plain, ema) = (summary("plain"), summary("ema"));
    assert_eq!(ema["averaged_models"], 30);
    assert!(plain.get("averaged_models").is_none());
    // The live model of the averaged run is the plain run, to the bit.
    assert_eq!(ema["final_live_test_loss"], plain["final_test_loss"]);
    assert_ne!(ema["final_test_loss"], plain["final_test_loss"]);
}
