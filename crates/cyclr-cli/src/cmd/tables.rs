//! The comparison's tables (Markdown, CSV) and its self-contained HTML report: presentation of
//! the core's statistics (`cyclr::compare`), no rule of its own.
use std::fmt::Write as _;

use cyclr::compare::{BudgetSummary, Metric, PolicySummary};
use cyclr_burn::experiment::contest::HeadToHead;
use cyclr_burn::experiment::{Experiment, RunOutcome};

use crate::plot;

/// The final-figure-vs-budget tables as Markdown.
pub fn budget_markdown(exp: &Experiment, baseline: &str, b: &BudgetSummary) -> String {
    let mut s = String::new();
    let m = b.metric;
    let full = exp.full_budget().unwrap_or(1.0);
    let seeds = if exp.seeds.len() == 1 {
        "1 seed".to_string()
    } else {
        format!("mean ± std, {} seeds", exp.seeds.len())
    };
    let _ = writeln!(
        s,
        "| policy | budget | iterations | final test {} ({seeds}) | wall time / run |",
        m.heading()
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    for r in &b.rows {
        let acc = mean_std_cell(m, r.final_mean, r.final_std);
        let mark = if m.reaches(r.final_mean, b.target) {
            " ✓"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {acc}{mark} | {:.1} s |",
            r.policy, r.budget, r.iterations, r.wall_time_mean_s
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| policy | smallest budget reaching {} ({baseline} at budget {full}, the largest run) | ratio to budget {full} |",
        m.display_target(b.target)
    );
    let _ = writeln!(s, "|---|---:|---:|");
    for r in &b.reach {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            r.policy,
            r.smallest_budget
                .map_or("not reached".into(), |x| x.to_string()),
            r.ratio.map_or("-".into(), |x| format!("{x:.3}"))
        );
    }
    s
}

/// CSV rows of the budget table.
pub fn budget_csv(b: &BudgetSummary) -> String {
    let n = b.metric.name();
    let mut s =
        format!("policy,budget,iterations,seeds,final_{n}_mean,final_{n}_std,wall_time_mean_s\n",);
    for r in &b.rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            r.policy,
            r.budget,
            r.iterations,
            r.seeds,
            r.final_mean,
            r.final_std.map_or(String::new(), |x| x.to_string()),
            r.wall_time_mean_s
        );
    }
    s
}

pub(crate) fn budget_series(b: &BudgetSummary) -> Vec<plot::BudgetSeries> {
    b.reach
        .iter()
        .map(|p| plot::BudgetSeries {
            name: p.policy.clone(),
            points: b
                .rows
                .iter()
                .filter(|r| r.policy == p.policy)
                .map(|r| (r.budget, r.final_mean, r.final_std.unwrap_or(0.0)))
                .collect(),
        })
        .collect()
}

/// `mean ± std` (or the mean alone, with one seed) as [`Metric::display`] prints them.
pub(crate) fn mean_std_cell(m: Metric, mean: f64, std: Option<f64>) -> String {
    match std {
        Some(sd) => format!("{} ± {}", m.display(mean), m.display(sd)),
        None => m.display(mean),
    }
}

/// The comparison table as Markdown.
pub fn table_markdown(
    exp: &Experiment,
    target: f64,
    rows: &[PolicySummary],
    outcomes: &[RunOutcome],
) -> String {
    let mut s = String::new();
    let m = exp.metric();
    let _ = writeln!(
        s,
        "| policy | LR bounds (how found) | iterations | final test {} ({}) | iterations to {} (baseline final) | ratio to baseline | wall time / run |",
        m.heading(),
        if exp.seeds.len() == 1 {
            "1 seed".to_string()
        } else {
            format!("mean ± std, {} seeds", exp.seeds.len())
        },
        m.display_target(target)
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let bounds = outcomes
            .iter()
            .find(|o| o.name == r.policy)
            .map(bounds_cell)
            .unwrap_or_default();
        let reach = match r.iterations_to_baseline {
            Some(i) => format!("{i:.0}"),
            None if r.reached > 0 => {
                format!("not reached ({}/{} seeds alone did)", r.reached, r.seeds)
            }
            None => "not reached".into(),
        };
        let ratio = r
            .ratio_to_baseline
            .map_or("-".into(), |x| format!("{x:.2}"));
        let of_policy: Vec<&RunOutcome> = outcomes.iter().filter(|o| o.name == r.policy).collect();
        let count = |f: &dyn Fn(&RunOutcome) -> bool| of_policy.iter().filter(|o| f(o)).count();
        let mut marks = Vec::new();
        let diverged = count(&|o| o.summary.diverged.is_some());
        if diverged > 0 {
            marks.push(format!("diverged {diverged}/{}", of_policy.len()));
        }
        let stuck = count(&|o| o.summary.did_not_learn.is_some());
        if stuck > 0 {
            marks.push(format!("did not learn {stuck}/{}", of_policy.len()));
        }
        let name = if marks.is_empty() {
            r.policy.clone()
        } else {
            format!("{} ({})", r.policy, marks.join(", "))
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {:.1} s |",
            name,
            bounds,
            r.iterations,
            mean_std_cell(m, r.final_mean, r.final_std),
            reach,
            ratio,
            r.wall_time_mean_s
        );
    }
    s
}

pub(crate) fn bounds_cell(o: &RunOutcome) -> String {
    let (lo, hi) = o.schedule.bounds();
    let lrs = match o.schedule.policy() {
        p if p.is_cyclical() => format!("{lo:.2e} .. {hi:.2e}"),
        cyclr::schedule::Policy::Sgdr => format!("{lo:.2e} .. {hi:.2e}"),
        cyclr::schedule::Policy::Fixed => format!("{hi:.2e}"),
        cyclr::schedule::Policy::OneCycle => format!("max {hi:.2e}"),
        _ => format!("{hi:.2e}"),
    };
    let how = if o.from_range_test {
        "range test"
    } else if o.bounds.contains("the optimizer's default") {
        "optimizer's default"
    } else {
        "given"
    };
    format!("{}: {lrs} ({how})", o.schedule.name())
}

/// The head-to-head as Markdown (one table per budget).
pub fn contest_markdown(exp: &Experiment, h: &HeadToHead) -> String {
    let mut s = String::new();
    let seeds = if exp.seeds.len() == 1 {
        "1 seed".to_string()
    } else {
        format!("mean ± std, {} seeds", exp.seeds.len())
    };
    let reference = h.reference.as_deref().unwrap_or("-");
    let m = h.metric;
    let _ = writeln!(
        s,
        "| contestant | learning rate chosen by | test {} ({seeds}) | val. {} | search steps | train steps | total steps | vs {reference}: {}, compute |",
        m.heading(),
        m.heading(),
        m.name()
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|");
    for c in &h.rows {
        let acc = mean_std_cell(m, c.test_mean, c.test_std);
        let versus = match h.versus_reference(c) {
            Some(_) if h.reference.as_deref() == Some(c.name.as_str()) => "reference".to_string(),
            Some((gap, ratio)) => format!("{}, {:.2}x", m.display_shortfall(gap), 1.0 / ratio),
            None => "-".into(),
        };
        let diverged = if c.failed > 0 {
            format!(" ({}/{} failed)", c.failed, c.seeds)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {}{diverged} | {} | {acc} | {} | {:.0} | {:.0} | {:.0} | {versus} |",
            c.name,
            c.choice,
            c.val_mean.map_or("-".into(), |v| m.display(v)),
            c.search_steps,
            c.train_steps,
            c.total_steps
        );
    }
    s
}

/// CSV of the head-to-head (every budget).
pub fn contest_csv(metric: Metric, hs: &[HeadToHead]) -> String {
    let (n, u) = (metric.name(), metric.unit());
    let mut s = format!(
        "contestant,budget,choice,seeds,test_{n}_mean,test_{n}_std,val_{n}_mean,search_steps,train_steps,total_steps,gap_to_reference_{u},reference_compute_ratio,failed\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    for h in hs {
        for c in &h.rows {
            let v = h.versus_reference(c);
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                c.name,
                opt(c.budget),
                format!("{}", c.choice).replace(',', ";"),
                c.seeds,
                c.test_mean,
                opt(c.test_std),
                opt(c.val_mean),
                c.search_steps,
                c.train_steps,
                c.total_steps,
                opt(v.map(|x| x.0)),
                opt(v.map(|x| x.1)),
                c.failed
            );
        }
    }
    s
}

/// CSV rows of the table.
pub fn table_csv(metric: Metric, rows: &[PolicySummary]) -> String {
    let n = metric.name();
    let mut s = format!(
        "policy,seeds,iterations,final_{n}_mean,final_{n}_std,iterations_to_baseline,reached,ratio_to_baseline,wall_time_mean_s\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{}",
            r.policy,
            r.seeds,
            r.iterations,
            r.final_mean,
            opt(r.final_std),
            opt(r.iterations_to_baseline),
            r.reached,
            opt(r.ratio_to_baseline),
            r.wall_time_mean_s
        );
    }
    s
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Markdown we generate (tables, with plain paragraphs between them) -> HTML.
pub(crate) fn md_table_html(md: &str) -> String {
    let mut h = String::new();
    let mut in_table = false;
    let mut header = false;
    for line in md.lines() {
        if !line.starts_with('|') {
            if in_table {
                h.push_str("</table>\n");
                in_table = false;
            }
            if !line.trim().is_empty() {
                let _ = writeln!(h, "<p>{}</p>", html_escape(line.trim()));
            }
            continue;
        }
        if !in_table {
            h.push_str("<table>\n");
            in_table = true;
            header = true;
        }
        if line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let tag = if header { "th" } else { "td" };
        header = false;
        h.push_str("<tr>");
        for c in cells {
            let _ = write!(h, "<{tag}>{}</{tag}>", html_escape(c));
        }
        h.push_str("</tr>\n");
    }
    if in_table {
        h.push_str("</table>\n");
    }
    h
}

/// A self-contained HTML report: table, inline SVG plot, the exact config.
pub fn report_html(
    exp: &Experiment,
    config_text: &str,
    table_md: &str,
    svg: &str,
    plots: &[(String, String)],
    range_svgs: &[(String, String)],
    notes: &str,
) -> String {
    let body = |s: &str| s.find("<svg").map_or(s.to_string(), |i| s[i..].to_string());
    let svg_body = body(svg);
    let budget_part: String = plots
        .iter()
        .map(|(title, b)| {
            format!(
                "<h2>{}</h2>\n<div class=\"plot\">{}</div>\n",
                html_escape(title),
                body(b)
            )
        })
        .collect();
    let range_part: String = range_svgs
        .iter()
        .map(|(title, svg)| {
            format!(
                "<h2>{}</h2>\n<div class=\"plot\">{}</div>\n",
                html_escape(title),
                body(svg)
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cyclr compare: {name}</title>
<style>
body {{ font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1150px; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: .2em; }} .sub {{ color: #666; margin-top: 0; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35em .7em; text-align: right; }}
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) {{ text-align: left; }}
th {{ background: #f4f6f8; }} tr:hover td {{ background: #fafbfc; }}
pre {{ background: #f6f8fa; padding: 1em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; }}
.plot svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>cyclr compare: {name}</h1>
<p class="sub">{desc}</p>
<h2>Results</h2>
{table}
<p>{notes}</p>
{budget_part}<h2>Test {metric} (mean over seeds), training loss and learning rate</h2>
<div class="plot">{svg}</div>
{range_part}<h2>Configuration</h2>
<pre>{config}</pre>
<p class="sub">Generated by cyclr {version}.</p>
</body></html>
"#,
        name = html_escape(&exp.name),
        metric = exp.metric().name(),
        desc = html_escape(&exp.description),
        table = md_table_html(table_md),
        notes = html_escape(notes),
        svg = svg_body,
        config = html_escape(config_text),
        version = env!("CARGO_PKG_VERSION"),
    )
}
