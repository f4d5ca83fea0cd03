//! `cyclr suggest`: run the range-test pipeline (smoothing, stop rule, fastai suggestions, CLR
//! bounds) on a curve logged by any framework, and replay Lightning's and torch-lr-finder's own
//! range tests on it.
use std::fs::File;

use cyclr::finder::{self, Finder, FinderRun, Metric, RangeTestConfig};

use crate::args::{SuggestArgs, SuggestMethod, SuggestMetric, TextOrJson};
use crate::cmd::report;
use crate::error::{CliError, Result};
use crate::output;

pub fn run(a: SuggestArgs) -> Result<()> {
    if let Some(p) = &a.plot {
        output::check_plot_path("--plot", p)?;
    }
    let marks = a
        .mark
        .iter()
        .map(|m| parse_mark(m))
        .collect::<Result<Vec<_>>>()?;
    if !marks.is_empty() && a.plot.is_none() {
        return Err(CliError::usage(
            "--mark draws a rate on the plot: give --plot FILE too",
        ));
    }
    let name = a.input.display().to_string();
    let opts = finder::CurveOptions {
        delimiter: None,
        loss_column: a.column.clone(),
        lr_column: a.lr_column.clone(),
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
    let library = library_of(a.method);
    if let (true, Some(f)) = (accuracy, library) {
        return Err(CliError::usage(format!(
            "--method {}: {} ranks losses; with --metric accuracy use valley, steep, minimum, \
             slide or all",
            f.name(),
            f.library()
        )));
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
        (loss, curve.loss_metric(), curve.loss_column.clone())
    };
    // Any order of rows: sorted by lr, repeated lrs averaged (and said so).
    let merged = finder::sort_and_merge(&curve.lrs, &values);
    let mut notes = merged.notes();
    let (lrs, values) = (&merged.lrs, &merged.values);
    let n = lrs.len();
    if n < 2 {
        let what = if merged.rows == n {
            format!("{n} data row(s)")
        } else {
            format!("{n} point(s) after merging repeated learning rates")
        };
        return Err(CliError::usage(format!(
            "--input {name}: {what}; a range-test curve needs at least 2 points (and {} for the \
             suggestions)",
            RangeTestConfig {
                num_it: n.max(2),
                ..RangeTestConfig::default()
            }
            .min_points_for_suggestions()
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
        start_lr: lrs[0],
        end_lr: lrs[n - 1],
        num_it,
        // An already smoothed curve is not smoothed again (fastai's EMA with β = 0 is the
        // identity).
        beta: if a.smoothed { 0.0 } else { a.beta },
        stop_factor: Some(a.stop_factor),
        metric,
        architecture: a.architecture.into(),
        ..RangeTestConfig::default()
    };
    cfg.validate()
        .map_err(|e| crate::cmd::find::range_error(&e))?;
    let result = finder::analyze(lrs, values, &cfg).map_err(|e| {
        // num_it is --iters when given, else the curve's own length.
        let msg = e.to_string().replace(
            "num_it",
            if a.iters.is_some() {
                "--iters"
            } else {
                "points"
            },
        );
        CliError::usage(format!("--input {name}: {msg}"))
    })?;
    // The libraries' own range tests on the same raw losses (loss curves only); on a curve one
    // of them recorded (--smoothed), its suggestion alone.
    let others: Vec<FinderRun> = if accuracy {
        Vec::new()
    } else {
        Finder::ALL
            .into_iter()
            .map(|f| {
                if a.smoothed {
                    FinderRun {
                        finder: f,
                        lrs: lrs.clone(),
                        raw: values.clone(),
                        smoothed: values.clone(),
                        stop_reason: finder::StopReason::Completed,
                        suggestion: f.suggestion(lrs, values),
                    }
                } else {
                    finder::replay(f, lrs, values, Some(f.threshold()))
                }
            })
            .collect()
    };
    if a.smoothed {
        notes.push(
            "--smoothed: the loss is read as already smoothed (fastai's functions and cyclr's \
             rule with no EMA, the libraries' suggestions on it directly, no stop rule of theirs)"
                .to_string(),
        );
    } else if curve.format == finder::CurveFormat::Json {
        notes.push(
            "JSON: the loss is read as raw and smoothed here; if the file is torch-lr-finder's \
             `history` or Lightning's `results` (which hold the loss the library already \
             smoothed), give --smoothed to read it as it is"
                .to_string(),
        );
    }

    if let Some(p) = &a.plot {
        let title = format!(
            "LR range test: {}",
            a.input
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        );
        // The libraries' picks the text shows, then the user's marks.
        let shown = others
            .iter()
            .filter(|f| method_name(a.method).is_none_or(|m| m == f.finder.name()));
        report::plot_range_test(
            p,
            &title,
            &result,
            Some((lrs.as_slice(), values.as_slice())),
            &report::library_picks(shown),
            &marks,
        )?;
    }
    // A curve with nothing in it: the picks are printed (they are the libraries' exact replays)
    // but marked, and the command fails (exit 1) when no finder has anything to say.
    let meaningless = finder::uninformative(values);
    let anything = meaningless.is_none()
        && (result.bounds.is_some()
            || [
                &result.suggestions.valley,
                &result.suggestions.steep,
                &result.suggestions.minimum,
                &result.suggestions.slide,
            ]
            .iter()
            .any(|x| x.is_some())
            || others.iter().any(|r| r.suggestion.is_some()));
    match a.format {
        TextOrJson::Json => {
            let mut v = result.to_json();
            v["no_information"] = serde_json::json!(meaningless);
            for f in Finder::ALL {
                let run = others.iter().find(|r| r.finder == f);
                v[f.key()] = serde_json::json!(run.and_then(|r| r.suggestion).map(|s| s.lr));
            }
            v["finders"] = others
                .iter()
                .map(|r| (r.finder.key().to_string(), r.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into();
            if a.method != SuggestMethod::All {
                keep_only(&mut v, a.method);
            }
            v["column"] = serde_json::json!(column);
            v["lr_column"] = serde_json::json!(curve.lr_column);
            v["format"] = serde_json::json!(curve.format.describe());
            v["notes"] = serde_json::json!(
                notes
                    .iter()
                    .cloned()
                    .chain(result.rule_note())
                    .collect::<Vec<_>>()
            );
            outln!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(CliError::runtime)?
            );
        }
        TextOrJson::Text => {
            let mut head = format!("column: {}\n", column.as_deref().unwrap_or("?"));
            if !curve.lr_column.eq_ignore_ascii_case("lr") {
                head.push_str(&format!("lr column: {}\n", curve.lr_column));
            }
            // (The NaN note is printed by the summary itself, beside the rates.)
            for note in &notes {
                head.push_str(&format!("note: {note}\n"));
            }
            out!(
                "{head}{}",
                report::suggestions_text_with(
                    &result,
                    method_name(a.method),
                    &others,
                    meaningless.as_deref()
                )
            )
        }
    }
    if !anything {
        return Err(CliError::runtime(format!(
            "--input {name}: no finder has a learning rate to suggest on this curve{}",
            meaningless.map_or(String::new(), |why| format!(": it {why}"))
        )));
    }
    Ok(())
}

fn library_of(m: SuggestMethod) -> Option<Finder> {
    match m {
        SuggestMethod::Lightning => Some(Finder::Lightning),
        SuggestMethod::TorchLrFinder => Some(Finder::TorchLrFinder),
        _ => None,
    }
}

/// `--mark LABEL=LR`: a non-empty label and a finite rate > 0 (the last `=` splits them).
fn parse_mark(m: &str) -> Result<(String, f64)> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "--mark {m:?}: {why}; give LABEL=LR, e.g. --mark \"grid best=1e-3\""
        ))
    };
    let (label, lr) = m.rsplit_once('=').ok_or_else(|| bad("no `=`"))?;
    let label = label.trim();
    if label.is_empty() {
        return Err(bad("the label is empty"));
    }
    let lr: f64 = lr
        .trim()
        .parse()
        .map_err(|_| bad("the rate is not a number"))?;
    if !(lr.is_finite() && lr > 0.0) {
        return Err(bad("the rate must be finite and > 0"));
    }
    Ok((label.to_string(), lr))
}

fn method_name(m: SuggestMethod) -> Option<&'static str> {
    match m {
        SuggestMethod::Valley => Some("valley"),
        SuggestMethod::Steep => Some("steep"),
        SuggestMethod::Minimum => Some("minimum"),
        SuggestMethod::Slide => Some("slide"),
        SuggestMethod::Lightning => Some(Finder::Lightning.name()),
        SuggestMethod::TorchLrFinder => Some(Finder::TorchLrFinder.name()),
        SuggestMethod::All => None,
    }
}

/// With `--method X --format json`, the other suggestions are dropped (keys stay, as null).
fn keep_only(v: &mut serde_json::Value, m: SuggestMethod) {
    let keep = match library_of(m) {
        Some(f) => f.key(),
        None => method_name(m).unwrap_or(""),
    };
    if let Some(obj) = v.as_object_mut() {
        for k in [
            "valley",
            "steep",
            "minimum",
            "slide",
            Finder::Lightning.key(),
            Finder::TorchLrFinder.key(),
        ] {
            if k != keep {
                obj.insert(k.into(), serde_json::Value::Null);
            }
        }
    }
}
