//! The head-to-head plot: the test figure (accuracy, or loss for text) against total compute, the
//! learning-rate search included.
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// One contestant of the head-to-head plot.
pub struct ContestPoint {
    pub name: String,
    /// Training steps per seed, search included.
    pub total_steps: f64,
    /// The final test figure per seed.
    pub values: Vec<f64>,
}

/// Axes of the head-to-head plot: log total steps, the figure holding every seed's value.
pub fn contest_layout(points: &[ContestPoint], metric: Metric) -> ((f64, f64), (f64, f64)) {
    let (xlo, xhi) = min_max(points.iter().map(|p| p.total_steps).filter(|x| *x > 0.0));
    // Room for the side-by-side offsets (see `draw_contest`).
    let xhi = xhi * 1.02f64.powi(points.len() as i32);
    let (alo, ahi) = min_max(
        points
            .iter()
            .flat_map(|p| p.values.iter().copied())
            .filter(|a| a.is_finite()),
    );
    (
        padded_log(xlo, xhi, 0.15),
        metric_range(metric, padded(alo, ahi, 0.08)),
    )
}

/// The test figure against training steps including the learning-rate search (log x): one
/// marker per contestant at its mean over seeds, a bar from its lowest to its highest seed.
pub fn contest(
    path: &Path,
    title: &str,
    metric: Metric,
    points: &[ContestPoint],
) -> Result<(), PlotError> {
    render(
        path,
        (1100, 620),
        |root| draw_contest(root, title, metric, points),
        |root| draw_contest(root, title, metric, points),
    )
}

fn draw_contest<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    metric: Metric,
    points: &[ContestPoint],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 24)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 300);
    let (x, y) = contest_layout(points, metric);
    let mut items: Vec<(String, Swatch)> = Vec::new();
    let mut ch = ChartBuilder::on(&plot)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (x.0..x.1).log_scale().with_key_points(log_ticks(x)),
            y.0..y.1,
        )?;
    ch.configure_mesh()
        .x_desc("training steps per seed, learning-rate search included (log scale)")
        .y_desc(metric_desc(metric, "final test"))
        .x_label_formatter(&number_format([x.0, x.1]))
        .y_label_formatter(&metric_ticks(metric, y))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, p) in points.iter().enumerate() {
        let c = color(i);
        let accs: Vec<f64> = p.values.iter().copied().filter(|a| a.is_finite()).collect();
        if accs.is_empty() || p.total_steps <= 0.0 {
            continue;
        }
        // Contestants at the same cost are drawn side by side (2% apart), not on top of each
        // other.
        let same = points[..i]
            .iter()
            .filter(|q| (q.total_steps / p.total_steps - 1.0).abs() < 1e-9)
            .count();
        let x = p.total_steps * 1.02f64.powi(same as i32);
        let m = accs.iter().sum::<f64>() / accs.len() as f64;
        let lo = accs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = accs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if hi > lo {
            ch.draw_series(LineSeries::new(vec![(x, lo), (x, hi)], c.stroke_width(2)))?;
        }
        ch.draw_series(std::iter::once(Circle::new((x, m), 6, c.filled())))?;
        items.push((p.name.clone(), Swatch::Line(c.to_rgba(), 3)));
    }
    if points.iter().any(|p| p.values.len() > 1) {
        items.push((
            "bar: lowest to highest seed".into(),
            Swatch::Line(BLACK.mix(0.5), 2),
        ));
    }
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}
