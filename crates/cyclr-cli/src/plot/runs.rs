//! The runs plot: the test figure (accuracy, or loss for text), training loss and learning rate of several policies (mean over seeds, seed bands), divergence and "did not learn" marked.
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// One policy's curves for the overlay plot.
pub struct RunCurves {
    pub name: String,
    /// (iteration, test figure): the mean over seeds of the test accuracy in \[0,1\], or of the
    /// test loss for [`Metric::Loss`].
    pub test: Vec<(f64, f64)>,
    /// What the top panel shows: the test accuracy (higher is better), or for text the test loss
    /// in nats per character (lower is better).
    pub metric: Metric,
    /// (iteration, lowest, highest) test figure over seeds (empty for one seed).
    pub band: Vec<(f64, f64, f64)>,
    /// (iteration, learning rate), or the effective step `lr·d` when `effective`
    pub lr: Vec<(f64, f64)>,
    /// `lr` holds `lr·d` (Prodigy, D-Adaptation: the learning rate multiplies the step size `d`
    /// they estimate).
    pub effective: bool,
    /// (iteration, smoothed training loss)
    pub loss: Vec<(f64, f64)>,
    /// Where a run (a seed) of this policy diverged or ended without learning: marked on
    /// every panel and named in the legend.
    pub events: Vec<RunEvent>,
}

/// What happened to a run, for its mark on the run plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEventKind {
    /// The divergence rule fired (training stopped there).
    Diverged,
    /// The run finished at chance accuracy.
    DidNotLearn,
}

/// A mark on the run plot: a dashed vertical line in the policy's colour across every panel at
/// `iteration`, a cross on the accuracy panel, and `label` in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEvent {
    pub iteration: f64,
    pub kind: RunEventKind,
    /// e.g. `diverged at iteration 172 (lr 8.4e-1, seed 0)`.
    pub label: String,
}

/// The legend of [`runs`]: each policy, the baseline (dashed, as drawn), each divergence or
/// "did not learn" mark (a cross in the policy's colour) and the seed band.
pub fn runs_legend(runs: &[RunCurves], baseline: Option<&(String, f64)>) -> Vec<(String, Swatch)> {
    let metric = runs.first().map_or(Metric::Accuracy, |r| r.metric);
    let mut items: Vec<(String, Swatch)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), Swatch::Line(color(i).to_rgba(), 3)))
        .collect();
    if let Some((name, b)) = baseline {
        items.push((
            format!("{name} final {}", metric.display_target(*b)),
            Swatch::Dashed(BLACK.mix(0.6), 1),
        ));
    }
    for (i, r) in runs.iter().enumerate() {
        for e in &r.events {
            let who = if runs.len() > 1 {
                format!("{}: ", r.name)
            } else {
                String::new()
            };
            items.push((
                format!("{who}{}", e.label),
                Swatch::Cross(color(i).to_rgba()),
            ));
        }
    }
    if runs.iter().any(|r| !r.band.is_empty()) {
        items.push(("range over seeds".into(), Swatch::Fill(BLACK.mix(0.12))));
    }
    items
}

/// Axes of the overlay plot.
pub struct RunsLayout {
    pub x: (f64, f64),
    pub acc: (f64, f64),
    /// The loss axis: log10 of the loss when `log_loss`.
    pub loss: (f64, f64),
    /// The loss falls by more than a decade: its panel is drawn on a log axis.
    pub log_loss: bool,
    pub lr: (f64, f64),
}

/// The layout of [`runs`]: each panel's range from its own data (accuracy with its seed bands
/// and the baseline line), so differences of a tenth of a point are visible.
pub fn runs_layout(runs: &[RunCurves], baseline: Option<f64>) -> RunsLayout {
    let xmax = runs
        .iter()
        .flat_map(|r| r.lr.iter().chain(&r.test).chain(&r.loss).map(|p| p.0))
        .fold(1.0f64, f64::max);
    // The accuracy axis holds every evaluation, its seed band and the baseline, within
    // [0, 100%].
    let (alo, ahi) = min_max(
        runs.iter()
            .flat_map(|r| {
                r.test
                    .iter()
                    .map(|p| p.1)
                    .chain(r.band.iter().flat_map(|b| [b.1, b.2]))
            })
            .chain(baseline),
    );
    let (llo, lhi) = min_max(runs.iter().flat_map(|r| r.loss.iter().map(|p| p.1)));
    let log_loss = llo > 0.0 && lhi / llo > 10.0;
    let (llo, lhi) = if log_loss {
        (llo.log10(), lhi.log10())
    } else {
        (llo, lhi)
    };
    let (lo, hi) = min_max(runs.iter().flat_map(|r| r.lr.iter().map(|p| p.1)));
    // At least 2 points of accuracy: a difference of an image or two on a small test set
    // should not fill the panel.
    let (alo, ahi) = if ahi - alo < 0.02 {
        let mid = (alo + ahi) / 2.0;
        (mid - 0.01, mid + 0.01)
    } else {
        (alo, ahi)
    };
    let metric = runs.first().map_or(Metric::Accuracy, |r| r.metric);
    RunsLayout {
        x: (0.0, xmax),
        acc: metric_range(metric, padded(alo, ahi, 0.08)),
        loss: padded(llo, lhi, 0.05),
        log_loss,
        lr: padded(lo.min(0.0), hi, 0.05),
    }
}

/// Test accuracy of every policy against iteration (the paper's Figure 1; mean over seeds with
/// the seeds' range shaded, the baseline's final accuracy as a dashed line), the smoothed
/// training loss, and the LR schedules beneath.
pub fn runs(
    path: &Path,
    title: &str,
    runs: &[RunCurves],
    baseline: Option<(String, f64)>,
) -> Result<(), PlotError> {
    render(
        path,
        (1200, 980),
        |root| draw_runs(root, title, runs, baseline.as_ref()),
        |root| draw_runs(root, title, runs, baseline.as_ref()),
    )
}

fn clip_acc(points: &[(f64, f64)], y: (f64, f64)) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter(|p| p.1.is_finite())
        .map(|&(x, v)| (x, v.clamp(y.0, y.1)))
        .collect()
}

fn draw_runs<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    runs: &[RunCurves],
    baseline: Option<&(String, f64)>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 24)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 230);
    let (top, rest) = plot.split_vertically(440);
    let (mid, bottom) = rest.split_vertically(230);
    let l = runs_layout(runs, baseline.map(|b| b.1));
    let items = runs_legend(runs, baseline);
    // A run's divergence / "did not learn" mark: a dashed vertical line in its colour.
    macro_rules! mark_events {
        ($chart:expr, $lo:expr, $hi:expr) => {
            for (i, r) in runs.iter().enumerate() {
                for e in &r.events {
                    $chart.draw_series(DashedLineSeries::new(
                        vec![(e.iteration, $lo), (e.iteration, $hi)],
                        5,
                        4,
                        color(i).mix(0.8).stroke_width(2),
                    ))?;
                }
            }
        };
    }

    let mut acc = ChartBuilder::on(&top)
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(l.x.0..l.x.1, l.acc.0..l.acc.1)?;
    let metric = runs.first().map_or(Metric::Accuracy, |r| r.metric);
    acc.configure_mesh()
        .y_desc(metric_desc(metric, "test"))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&metric_ticks(metric, l.acc))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        let c = color(i);
        if !r.band.is_empty() {
            let mut poly: Vec<(f64, f64)> = r
                .band
                .iter()
                .map(|&(x, _, hi)| (x, hi.clamp(l.acc.0, l.acc.1)))
                .collect();
            poly.extend(
                r.band
                    .iter()
                    .rev()
                    .map(|&(x, lo, _)| (x, lo.clamp(l.acc.0, l.acc.1))),
            );
            acc.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.15).filled())))?;
        }
        let pts = clip_acc(&r.test, l.acc);
        acc.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
        acc.draw_series(pts.iter().map(|&p| Circle::new(p, 2, c.filled())))?;
        // The cross sits on the accuracy curve where the run stopped (its last evaluation at or
        // before the mark), or on the bottom edge when there is none.
        acc.draw_series(r.events.iter().map(|e| {
            let y = pts
                .iter()
                .rev()
                .find(|p| p.0 <= e.iteration)
                .map_or(l.acc.0, |p| p.1);
            Cross::new((e.iteration, y), 7, c.stroke_width(3))
        }))?;
    }
    mark_events!(acc, l.acc.0, l.acc.1);
    if let Some((_, b)) = baseline {
        acc.draw_series(DashedLineSeries::new(
            vec![(l.x.0, *b), (l.x.1, *b)],
            8,
            6,
            BLACK.mix(0.6).stroke_width(1),
        ))?;
    }

    let mut loss = ChartBuilder::on(&mid)
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(l.x.0..l.x.1, l.loss.0..l.loss.1)?;
    let linear_ticks = ticks_for(l.loss.0, l.loss.1);
    // A log axis: two significant digits, scientific for every tick when any needs it.
    let log_sci = scientific([10f64.powf(l.loss.0), 10f64.powf(l.loss.1)]);
    let loss_ticks = |v: &f64| {
        if l.log_loss {
            let x = 10f64.powf(*v);
            if !log_sci {
                let digits = (1 - x.log10().floor() as i32).max(0) as usize;
                format!("{x:.digits$}")
            } else {
                format!("{x:.1e}")
            }
        } else {
            linear_ticks(v)
        }
    };
    loss.configure_mesh()
        .y_desc(if l.log_loss {
            "train loss (smoothed, log scale)"
        } else {
            "train loss (smoothed)"
        })
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&loss_ticks)
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        loss.draw_series(LineSeries::new(
            r.loss
                .iter()
                .copied()
                .filter(|p| p.1.is_finite() && (!l.log_loss || p.1 > 0.0))
                .map(|(x, v)| (x, if l.log_loss { v.log10() } else { v })),
            color(i).stroke_width(1),
        ))?;
    }
    mark_events!(loss, l.loss.0, l.loss.1);

    let mut lr = ChartBuilder::on(&bottom)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(l.x.0..l.x.1, l.lr.0..l.lr.1)?;
    let lr_desc = if runs.iter().any(|r| r.effective) {
        "learning rate (lr·d where d is estimated)"
    } else {
        "learning rate"
    };
    lr.configure_mesh()
        .x_desc("iteration")
        .y_desc(lr_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&number_format([l.lr.0, l.lr.1]))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        lr.draw_series(LineSeries::new(
            r.lr.iter().copied(),
            color(i).stroke_width(2),
        ))?;
    }
    mark_events!(lr, l.lr.0, l.lr.1);
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::contains;
    use super::*;

    #[test]
    fn run_axes_hold_bands_and_baseline_and_ticks_do_not_repeat() {
        let r = RunCurves {
            metric: Metric::Accuracy,
            effective: false,
            name: "a".into(),
            test: vec![(10.0, 0.5), (20.0, 0.96), (30.0, 0.97)],
            band: vec![(10.0, 0.4, 0.6), (20.0, 0.955, 0.965), (30.0, 0.965, 0.975)],
            lr: vec![(1.0, 0.1), (30.0, 0.01)],
            loss: vec![(1.0, 2.0), (30.0, 0.1)],
            events: vec![],
        };
        let l = runs_layout(&[r], Some(0.968));
        assert!(contains(l.acc, 0.975) && contains(l.acc, 0.955) && contains(l.acc, 0.968));
        assert!(
            contains(l.acc, 0.4),
            "every value, early ones too: {:?}",
            l.acc
        );
        assert!(l.acc.1 <= 1.0, "never above 100%: {:?}", l.acc);
        assert!(l.log_loss, "2.0 -> 0.1 falls by more than a decade");
        assert!(contains(l.loss, 0.1f64.log10()) && contains(l.loss, 2.0f64.log10()));
        let f = ticks_for(0.18, 0.21);
        let ticks: Vec<String> = (0..7).map(|i| f(&(0.18 + 0.005 * i as f64))).collect();
        let mut dedup = ticks.clone();
        dedup.dedup();
        assert_eq!(ticks, dedup, "{ticks:?}");
        assert_eq!(ticks_for(0.0, 1e24)(&1e24), "1.00e24");
        assert_eq!(wrap("exp-range (base_lr=0.001, max_lr=0.006)", 20).len(), 3);
    }

    #[test]
    fn run_legend_draws_the_baseline_dashed_and_names_each_divergence() {
        let run = |name: &str, events: Vec<RunEvent>| RunCurves {
            metric: Metric::Accuracy,
            effective: false,
            name: name.into(),
            test: vec![(10.0, 0.5), (20.0, 0.9)],
            band: vec![],
            lr: vec![(1.0, 0.1), (20.0, 0.01)],
            loss: vec![(1.0, 2.0), (20.0, 0.5)],
            events,
        };
        let diverged = RunEvent {
            iteration: 15.0,
            kind: RunEventKind::Diverged,
            label: "diverged at iteration 14 (lr 8.4e-1, seed 1)".into(),
        };
        let runs = [run("decay", vec![]), run("one-cycle", vec![diverged])];
        let items = runs_legend(&runs, Some(&("decay".to_string(), 0.9)));
        let names: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "decay",
                "one-cycle",
                "decay final 90.00%",
                "one-cycle: diverged at iteration 14 (lr 8.4e-1, seed 1)"
            ]
        );
        assert!(matches!(items[2].1, Swatch::Dashed(..)), "{:?}", items[2].1);
        assert_eq!(items[3].1, Swatch::Cross(color(1).to_rgba()));
    }
}
