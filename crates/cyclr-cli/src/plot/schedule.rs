//! The schedule plot: learning rate (and momentum, when it cycles) against the iteration.
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// Axes of a schedule plot: iterations, lr range (from 0), momentum range.
pub struct ScheduleLayout {
    /// x range.
    pub x: (f64, f64),
    /// lr axis.
    pub y: (f64, f64),
    /// momentum axis, when momentum cycles.
    pub y2: Option<(f64, f64)>,
}

/// The axes of [`schedule`].
pub fn schedule_layout(lrs: &[f64], moms: Option<&[f64]>) -> ScheduleLayout {
    let n = lrs.len().max(2) as f64;
    let (lo, hi) = min_max(lrs.iter().copied());
    ScheduleLayout {
        x: (0.0, n - 1.0),
        y: padded(lo.min(0.0), hi, 0.05),
        y2: moms.map(|m| {
            let (a, b) = min_max(m.iter().copied());
            padded(a, b, 0.1)
        }),
    }
}

/// The schedule of one policy: LR against iteration, momentum on a second axis when it cycles.
pub fn schedule(
    path: &Path,
    title: &str,
    lrs: &[f64],
    moms: Option<&[f64]>,
) -> Result<(), PlotError> {
    render(
        path,
        (1100, 540),
        |root| draw_schedule(root, title, lrs, moms),
        |root| draw_schedule(root, title, lrs, moms),
    )
}

fn draw_schedule<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    lrs: &[f64],
    moms: Option<&[f64]>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 20)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 220);
    let l = schedule_layout(lrs, moms);
    let mut builder = ChartBuilder::on(&plot);
    builder
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(80);
    if moms.is_some() {
        builder.right_y_label_area_size(70);
    }
    let y2 = l.y2.unwrap_or((0.0, 1.0));
    let mut chart = builder
        .build_cartesian_2d(l.x.0..l.x.1, l.y.0..l.y.1)?
        .set_secondary_coord(l.x.0..l.x.1, y2.0..y2.1);
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("learning rate")
        .y_label_formatter(&number_format([l.y.0, l.y.1]))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    let lr_color = color(0);
    chart.draw_series(LineSeries::new(
        lrs.iter().enumerate().map(|(i, &v)| (i as f64, v)),
        lr_color.stroke_width(2),
    ))?;
    let mut items = vec![(
        "learning rate".to_string(),
        Swatch::Line(lr_color.to_rgba(), 2),
    )];
    if let Some(m) = moms {
        chart
            .configure_secondary_axes()
            .y_desc("momentum")
            .y_label_formatter(&ticks_for(y2.0, y2.1))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        let mc = color(1);
        chart.draw_secondary_series(LineSeries::new(
            m.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            mc.stroke_width(2),
        ))?;
        items.push((
            "momentum (right axis)".into(),
            Swatch::Line(mc.to_rgba(), 2),
        ));
    }
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}
