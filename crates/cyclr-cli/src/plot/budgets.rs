//! The budgets plot: the final test figure (accuracy, or loss for text) against the training
//! budget, with the baseline's target.
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// One policy's final test figure per budget: (budget, mean, std or 0).
pub struct BudgetSeries {
    pub name: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// Axes of the budget plot.
pub struct BudgetLayout {
    /// Budget (log axis).
    pub x: (f64, f64),
    /// The test figure.
    pub acc: (f64, f64),
}

/// Axes of the budget plot: log budget, the figure including every mean ± std and the target.
pub fn budget_layout(series: &[BudgetSeries], target: Option<f64>, metric: Metric) -> BudgetLayout {
    let (blo, bhi) = min_max(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (alo, ahi) = min_max(
        series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
            .chain(target),
    );
    BudgetLayout {
        x: padded_log(blo, bhi, 0.06),
        acc: metric_range(metric, padded(alo, ahi, 0.08)),
    }
}

/// The budgets themselves as x ticks (a log axis over one decade has almost no ticks of its own).
pub fn budget_ticks(series: &[BudgetSeries]) -> Vec<f64> {
    let mut t: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    t.sort_by(f64::total_cmp);
    t.dedup();
    t
}

/// The final test figure against the training budget (log x; one line per policy, mean over
/// seeds with ± one std shaded; the baseline's full-budget figure dashed).
pub fn budgets(
    path: &Path,
    title: &str,
    metric: Metric,
    series: &[BudgetSeries],
    target: Option<(String, f64)>,
) -> Result<(), PlotError> {
    render(
        path,
        (1100, 620),
        |root| draw_budgets(root, title, metric, series, target.as_ref()),
        |root| draw_budgets(root, title, metric, series, target.as_ref()),
    )
}

fn draw_budgets<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    metric: Metric,
    series: &[BudgetSeries],
    target: Option<&(String, f64)>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 24)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 260);
    let l = budget_layout(series, target.map(|t| t.1), metric);
    let mut items: Vec<(String, Swatch)> = Vec::new();
    let mut ch = ChartBuilder::on(&plot)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (l.x.0..l.x.1)
                .log_scale()
                .with_key_points(budget_ticks(series)),
            l.acc.0..l.acc.1,
        )?;
    ch.configure_mesh()
        .x_desc("training budget (fraction of the full run, log scale)")
        .y_desc(metric_desc(metric, "final test"))
        .x_label_formatter(&number_format([l.x.0, l.x.1]))
        .y_label_formatter(&metric_ticks(metric, l.acc))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        if s.points.iter().any(|p| p.2 > 0.0) {
            let mut poly: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1 + p.2)).collect();
            poly.extend(s.points.iter().rev().map(|p| (p.0, p.1 - p.2)));
            ch.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.15).filled())))?;
        }
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|p| (p.0, p.1))
            .collect();
        ch.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
        ch.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
        items.push((s.name.clone(), Swatch::Line(c.to_rgba(), 3)));
    }
    if let Some((name, t)) = target {
        ch.draw_series(DashedLineSeries::new(
            vec![(l.x.0, *t), (l.x.1, *t)],
            8,
            6,
            BLACK.mix(0.6).stroke_width(1),
        ))?;
        items.push((
            format!("{name} full budget {}", metric.display_target(*t)),
            Swatch::Dashed(BLACK.mix(0.6), 1),
        ));
    }
    if series.iter().any(|s| s.points.iter().any(|p| p.2 > 0.0)) {
        items.push(("± 1 std over seeds".into(), Swatch::Fill(BLACK.mix(0.12))));
    }
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::contains;
    use super::*;

    #[test]
    fn budget_axes_hold_every_band_and_the_target() {
        let s = BudgetSeries {
            name: "a".into(),
            points: vec![(0.125, 0.85, 0.01), (0.5, 0.89, 0.004), (1.0, 0.9, 0.0)],
        };
        let l = budget_layout(&[s], Some(0.895), Metric::Accuracy);
        assert!(contains(l.x, 0.125) && contains(l.x, 1.0) && l.x.0 > 0.0);
        assert!(contains(l.acc, 0.84) && contains(l.acc, 0.9) && contains(l.acc, 0.895));
        let s = BudgetSeries {
            name: "b".into(),
            points: vec![(1.0, 0.9, 0.0), (0.125, 0.8, 0.0)],
        };
        assert_eq!(budget_ticks(&[s]), [0.125, 1.0]);
    }
}
