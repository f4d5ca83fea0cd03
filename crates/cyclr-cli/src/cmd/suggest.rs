//! `cyclr suggest`: run the range-test pipeline (smoothing, stop rule, fastai suggestions, CLR
//! bounds) on a curve logged by any framework.
use std::fs::File;

use cyclr::finder::{self, Metric, RangeTestConfig};

use crate::args::{SuggestArgs, SuggestMethod, SuggestMetric, TextOrJson};
use crate::cmd::report;
use crate::error::{CliError, Result};
use crate::output;

pub fn run(a: SuggestArgs) -> Result<()> {
    if let Some(p) = &a.plot {
        output::check_plot_path("--plot", p)?;
    }
    let name = a.input.display().to_string();
    let opts = finder::CurveOptions {
        delimiter: None,
        loss_column: a.column.clone(),
    };
    let curve = if name == "-" {
        finder::read_curve(std::io::stdin().lock(), &opts)
    } else {
        let file = File::open(&a.input)
            .map_err(|e| CliError::usage(format!("--input {name}: cannot open: {e}")))?;
        finder::read_curve(file, &opts)
    }
    .map_err(|e| CliError::usage(format!("--input {name}: {e}")))?;
    let accuracy = a.accuracy || a.metric == Some(SuggestMetric::Accuracy);
    if accuracy && a.column.is_some() {
        return Err(CliError::usage(
            "--column names the loss column; with --metric accuracy the `accuracy` column is read",
        ));
    }
    let (values, metric, column) = if accuracy {
        let acc = curve.accuracies.clone().ok_or_else(|| {
            CliError::usage(format!(
                "--metric accuracy: {name} has no `accuracy` column"
            ))
        })?;
        (acc, Metric::Accuracy, curve.accuracy_column.clone())
    } else {
        let loss = curve.losses.clone().ok_or_else(|| {
            CliError::usage(format!(
                "--input {name}: no `loss` column (name it with --column, or use --metric \
                 accuracy for a curve of accuracies)"
            ))
        })?;
        (loss, Metric::TrainLoss, curve.loss_column.clone())
    };
    let n = curve.lrs.len();
    if n < 2 {
        return Err(CliError::usage(format!(
            "--input {name}: {n} data row(s); a range-test curve needs at least 2 points (and {} for the suggestions)",
            RangeTestConfig {
                num_it: n.max(2),
                ..RangeTestConfig::default()
            }
            .min_points_for_suggestions()
        )));
    }
    if let Some(i) = (1..n).find(|&i| curve.lrs[i] <= curve.lrs[i - 1]) {
        return Err(CliError::usage(format!(
            "--input {name}: the learning rate must strictly increase from row to row (a range \
             test sweeps upwards), but row {} has {} after {}",
            i + 1,
            curve.lrs[i],
            curve.lrs[i - 1]
        )));
    }
    let num_it = match a.iters {
        None => n,
        Some(k) => usize::try_from(k)
            .ok()
            .filter(|&k| k >= 2)
            .ok_or_else(|| CliError::usage(format!("--iters {k}: must be an integer >= 2")))?,
    };
    let cfg = RangeTestConfig {
        start_lr: curve.lrs.first().copied().unwrap_or(1e-7),
        end_lr: curve.lrs.last().copied().unwrap_or(10.0),
        num_it,
        beta: a.beta,
        stop_factor: Some(a.stop_factor),
        metric,
        ..RangeTestConfig::default()
    };
    cfg.validate()
        .map_err(|e| crate::cmd::find::range_error(&e))?;
    let result = finder::analyze(&curve.lrs, &values, &cfg).map_err(|e| {
        let msg = e.to_string().replace("num_it", "--iters");
        CliError::usage(format!("--input {name}: {msg}"))
    })?;

    if let Some(p) = &a.plot {
        let title = format!(
            "LR range test: {}",
            a.input
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        );
        report::plot_range_test(p, &title, &result)?;
    }
    match a.format {
        TextOrJson::Json => {
            let mut v = result.to_json();
            if a.method != SuggestMethod::All {
                keep_only(&mut v, a.method);
            }
            v["column"] = serde_json::json!(column);
            outln!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(CliError::runtime)?
            );
        }
        TextOrJson::Text => out!(
            "column: {}\n{}",
            column.as_deref().unwrap_or("?"),
            report::suggestions_text(&result, method_name(a.method))
        ),
    }
    Ok(())
}

fn method_name(m: SuggestMethod) -> Option<&'static str> {
    match m {
        SuggestMethod::Valley => Some("valley"),
        SuggestMethod::Steep => Some("steep"),
        SuggestMethod::Minimum => Some("minimum"),
        SuggestMethod::Slide => Some("slide"),
        SuggestMethod::All => None,
    }
}

/// With `--method X --format json`, the other suggestions are dropped (keys stay, as null).
fn keep_only(v: &mut serde_json::Value, m: SuggestMethod) {
    let keep = method_name(m).unwrap_or("");
    if let Some(obj) = v.as_object_mut() {
        for k in ["valley", "steep", "minimum", "slide"] {
            if k != keep {
                obj.insert(k.into(), serde_json::Value::Null);
            }
        }
    }
}
