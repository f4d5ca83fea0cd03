//! The range-test plot: the curve (raw, smoothed, and the no-lag line cyclr's rule reads), the suggestions marked, notes on why a curve is cut.
use std::path::Path;

use cyclr::finder::Metric;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::*;

/// A marked learning rate on a range-test plot (a suggestion).
pub struct Mark {
    pub name: String,
    pub lr: f64,
    pub value: f64,
}

/// One range-test curve (one seed).
pub struct RangeCurve<'a> {
    pub label: String,
    pub lrs: &'a [f64],
    pub raw: &'a [f64],
    pub smoothed: &'a [f64],
    /// The lag-free smoothing cyclr's rule reads (loss curves), if drawn.
    pub centred: Option<Vec<f64>>,
}

/// A range-test plot: one or more curves (seeds), fastai's suggestions marked, the CLR band
/// shaded, the picked rates drawn, and (several seeds) each pick's spread.
pub struct RangePlot<'a> {
    pub title: &'a str,
    /// What the curve records (the y axis).
    pub metric: Metric,
    /// The sweep is exponential (log x axis) or linear.
    pub log_x: bool,
    pub curves: Vec<RangeCurve<'a>>,
    pub marks: Vec<Mark>,
    /// The CLR band `(base_lr, max_lr, label)`; the legend shows the label and both rates.
    pub band: Option<(f64, f64, String)>,
    /// Vertical lines: `(label, lr)`.
    pub picks: Vec<(String, f64)>,
    /// Rates given to mark (`suggest --mark`), drawn as dashed vertical lines: `(label, lr)`.
    pub given: Vec<(String, f64)>,
    /// Shaded spans over seeds: `(label, min, max)`.
    pub spreads: Vec<(String, f64, f64)>,
    /// Notes printed under the legend: why the curve ends where it does (a NaN, a flat loss
    /// that gives no rates), see `report::range_notes`.
    pub notes: Vec<String>,
}

/// One drawn polyline of a range-test curve: `(curve index, smoothed?, points)`.
pub type Polyline = (usize, bool, Vec<(f64, f64)>);

/// The axes of a range-test plot and the polylines drawn (each curve's raw and smoothed values,
/// split where a value falls outside the y range).
pub struct RangeLayout {
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Drawn polylines; every point lies within the axes.
    pub lines: Vec<Polyline>,
    /// The lag-free smoothing's polylines (also within the axes).
    pub centred: Vec<Vec<(f64, f64)>>,
    /// Points above the y range, not drawn.
    pub above: usize,
}

/// Split a series into polylines of the points inside `y` (finite, within the range); the
/// count is of the finite points outside it (a NaN is a gap, not a point off the axis).
fn inside(xs: &[f64], ys: &[f64], y: (f64, f64)) -> (Vec<Vec<(f64, f64)>>, usize) {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut dropped = 0;
    for (&x, &v) in xs.iter().zip(ys) {
        if v.is_finite() && v >= y.0 && v <= y.1 {
            out.last_mut().expect("one").push((x, v));
        } else {
            dropped += usize::from(v.is_finite());
            if !out.last().expect("one").is_empty() {
                out.push(Vec::new());
            }
        }
    }
    out.retain(|l| !l.is_empty());
    (out, dropped)
}

/// The layout of [`range_test`]. The y range holds every value up to the point where the loss
/// has climbed back above its starting level (for accuracy: every value): the divergence at the
/// end of a loss sweep, often 100× the start, is cut off there and counted in `above` rather
/// than flattening the informative part.
pub fn range_layout(p: &RangePlot<'_>) -> RangeLayout {
    let (xlo, xhi) = min_max(p.curves.iter().flat_map(|c| c.lrs.iter().copied()));
    let (xlo, xhi) = if p.log_x {
        padded_log(xlo, xhi, 0.01)
    } else {
        padded(xlo, xhi, 0.01)
    };
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for c in &p.curves {
        let n = c.raw.len().min(c.smoothed.len()).min(c.lrs.len());
        let keep = if p.metric == Metric::Accuracy {
            n
        } else {
            // Up to where, past the smoothed minimum, the loss is back above its start (the
            // smoothed value) or jumps to half as much again (a raw value: the smoothed one lags).
            let start = c.smoothed.first().copied().unwrap_or(f64::NAN);
            let m = (0..n)
                .filter(|&i| c.smoothed[i].is_finite())
                .min_by(|&a, &b| c.smoothed[a].total_cmp(&c.smoothed[b]))
                .unwrap_or(0);
            (m..n)
                .find(|&i| c.smoothed[i] > start || c.raw[i] > 1.5 * start)
                .unwrap_or(n)
                .max(1)
        };
        let (a, b) = min_max(c.raw[..keep].iter().chain(&c.smoothed[..keep]).copied());
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let y = padded(lo, hi, 0.04);
    let mut lines = Vec::new();
    let mut centred = Vec::new();
    let mut above = 0;
    for (k, c) in p.curves.iter().enumerate() {
        for (smoothed, vals) in [(false, c.raw), (true, c.smoothed)] {
            let (l, d) = inside(c.lrs, vals, y);
            lines.extend(l.into_iter().map(|pts| (k, smoothed, pts)));
            above += d;
        }
        if let Some(cs) = &c.centred {
            centred.extend(inside(c.lrs, cs, y).0);
        }
    }
    RangeLayout {
        x: (xlo, xhi),
        y,
        lines,
        centred,
        above,
    }
}

pub fn range_test(path: &Path, p: &RangePlot<'_>) -> Result<(), PlotError> {
    render(
        path,
        (1150, 620),
        |root| draw_range(root, p),
        |root| draw_range(root, p),
    )
}

fn draw_range<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, p: &RangePlot<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, p.title, 22)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 270);
    let l = range_layout(p);
    let (ylo, yhi) = l.y;
    let mut items: Vec<(String, Swatch)> = Vec::new();
    // The legend's learning rates, in one format.
    let legend_lr = number_format(
        p.marks
            .iter()
            .map(|m| m.lr)
            .chain(p.picks.iter().chain(&p.given).map(|(_, lr)| *lr))
            .chain(p.band.iter().flat_map(|(b, m, _)| [*b, *m])),
    );
    // One drawing routine for both axis kinds.
    macro_rules! draw_on {
        ($chart:expr) => {{
            let chart = &mut $chart;
            chart
                .configure_mesh()
                .x_desc(if p.log_x {
                    "learning rate (log scale)"
                } else {
                    "learning rate"
                })
                .y_desc(match p.metric {
                    Metric::Accuracy => "accuracy (held out)",
                    Metric::ValLoss => "validation loss (held out)",
                    Metric::TrainLoss => "training loss",
                })
                .x_label_formatter(&number_format([l.x.0, l.x.1]))
                .y_label_formatter(&ticks_for(ylo, yhi))
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.08))
                .axis_desc_style(("sans-serif", 18))
                .draw()?;
            for (i, (label, a, b)) in p.spreads.iter().enumerate() {
                let c = color(i + 5).mix(0.12);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(*a, ylo), (*b, yhi)],
                    c.filled(),
                )))?;
                items.push((label.clone(), Swatch::Fill(c)));
            }
            if let Some((b, m, label)) = &p.band {
                let band = GREEN.mix(0.15);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(*b, ylo), (*m, yhi)],
                    band.filled(),
                )))?;
                items.push((
                    format!("{label} {} .. {}", legend_lr(b), legend_lr(m)),
                    Swatch::Fill(band),
                ));
            }
            let many = p.curves.len() > 1;
            let style = |k: usize, smoothed: bool| {
                let col = if many { color(k) } else { color(0) };
                if smoothed {
                    (col.mix(1.0), 3)
                } else {
                    (col.mix(0.35), 1)
                }
            };
            for (k, smoothed, pts) in &l.lines {
                let (c, w) = style(*k, *smoothed);
                chart.draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(w)))?;
            }
            let cc = BLACK.mix(0.75);
            for pts in &l.centred {
                chart.draw_series(DashedLineSeries::new(
                    pts.iter().copied(),
                    6,
                    4,
                    cc.stroke_width(2),
                ))?;
            }
            if !l.centred.is_empty() {
                items.push((
                    "smoothed without lag (cyclr's rule)".into(),
                    Swatch::Dashed(cc, 2),
                ));
            }
            for (k, c) in p.curves.iter().enumerate() {
                for (smoothed, what) in [(false, "raw"), (true, "smoothed")] {
                    if !many || smoothed {
                        let label = if many {
                            format!("{} ({what})", c.label)
                        } else {
                            what.to_string()
                        };
                        let (col, w) = style(k, smoothed);
                        items.push((label, Swatch::Line(col, w)));
                    }
                }
            }
            for (i, m) in p.marks.iter().enumerate() {
                let c = color(i + 1);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(m.lr, ylo), (m.lr, yhi)],
                    c.mix(0.5),
                )))?;
                if m.value.is_finite() && m.value >= ylo && m.value <= yhi {
                    chart.draw_series(std::iter::once(Circle::new(
                        (m.lr, m.value),
                        6,
                        c.filled(),
                    )))?;
                }
                items.push((
                    format!("{}: {}", m.name, legend_lr(&m.lr)),
                    Swatch::Dot(c.to_rgba()),
                ));
            }
            for (i, (label, lr)) in p.picks.iter().enumerate() {
                let c = color(i + 6);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*lr, ylo), (*lr, yhi)],
                    c.stroke_width(3),
                )))?;
                items.push((
                    format!("{label}: {}", legend_lr(lr)),
                    Swatch::Line(c.to_rgba(), 3),
                ));
            }
            // Dashed, in the palette's other end, so that a given rate is not read as a pick.
            for (i, (label, lr)) in p.given.iter().enumerate() {
                let c = color(PALETTE.len() - 1 - i);
                chart.draw_series(DashedLineSeries::new(
                    [(*lr, ylo), (*lr, yhi)],
                    8,
                    5,
                    c.stroke_width(2),
                ))?;
                items.push((
                    format!("{label}: {}", legend_lr(lr)),
                    Swatch::Dashed(c.to_rgba(), 2),
                ));
            }
        }};
    }
    let mut cb = ChartBuilder::on(&plot);
    cb.margin(12).x_label_area_size(44).y_label_area_size(80);
    if p.log_x {
        let mut chart = cb.build_cartesian_2d((l.x.0..l.x.1).log_scale(), ylo..yhi)?;
        draw_on!(chart);
    } else {
        let mut chart = cb.build_cartesian_2d(l.x.0..l.x.1, ylo..yhi)?;
        draw_on!(chart);
    }
    if l.above > 0 {
        items.push((
            format!("{} points above the axis (divergence)", l.above),
            Swatch::Fill(WHITE.mix(0.0)),
        ));
    }
    legend(&side, &items, &p.notes)?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::contains;
    use super::*;

    #[test]
    fn range_axes_hold_every_drawn_point_and_the_raw_minimum() {
        // A loss that dips to 1.61 raw while its smoothed minimum is 2.15, then explodes.
        let lrs: Vec<f64> = (0..100)
            .map(|i| 1e-6 * 10f64.powf(i as f64 / 14.0))
            .collect();
        let raw: Vec<f64> = (0..100)
            .map(|i| match i {
                0..60 => 2.3 - 0.002 * i as f64,
                60 => 1.61,
                61..90 => 2.2,
                _ => 2.2 * 3f64.powi(i - 89),
            })
            .collect();
        let smoothed = cyclr::finder::smooth(&raw, 0.98);
        let p = RangePlot {
            title: "t",
            metric: Metric::TrainLoss,
            log_x: true,
            curves: vec![RangeCurve {
                label: "seed 0".into(),
                lrs: &lrs,
                raw: &raw,
                smoothed: &smoothed,
                centred: Some(cyclr::finder::calibrated::centred_smooth(&lrs, &raw, 0.1)),
            }],
            marks: vec![],
            band: None,
            picks: vec![],
            given: vec![],
            spreads: vec![],
            notes: vec![],
        };
        let l = range_layout(&p);
        assert!(contains(l.y, 1.61), "{:?}", l.y);
        assert!(l.above > 0);
        for line in l.lines.iter().map(|l| &l.2).chain(&l.centred) {
            for &(x, y) in line {
                assert!(
                    contains(l.x, x) && contains(l.y, y),
                    "({x}, {y}) outside {:?} {:?}",
                    l.x,
                    l.y
                );
            }
        }
        // Accuracy: a rising curve keeps its whole range.
        let acc: Vec<f64> = (0..100).map(|i| 0.1 + 0.0076 * i as f64).collect();
        let p = RangePlot {
            metric: Metric::Accuracy,
            log_x: false,
            curves: vec![RangeCurve {
                label: "a".into(),
                lrs: &lrs,
                raw: &acc,
                smoothed: &acc,
                centred: None,
            }],
            ..p
        };
        let l = range_layout(&p);
        assert!(
            contains(l.y, 0.1) && contains(l.y, 0.1 + 0.0076 * 99.0),
            "{:?}",
            l.y
        );
        assert_eq!(l.above, 0);
    }

    #[test]
    fn a_flat_curve_gets_a_readable_axis_not_its_rounding_noise() {
        let lrs: Vec<f64> = (0..100)
            .map(|i| 1e-6 * 10f64.powf(i as f64 / 14.0))
            .collect();
        let raw = vec![2.3; 100];
        let smoothed = cyclr::finder::smooth(&raw, 0.98);
        assert!(smoothed.iter().any(|&v| v != 2.3), "the EMA rounds");
        let p = RangePlot {
            title: "t",
            metric: Metric::TrainLoss,
            log_x: true,
            curves: vec![RangeCurve {
                label: "x".into(),
                lrs: &lrs,
                raw: &raw,
                smoothed: &smoothed,
                centred: None,
            }],
            marks: vec![],
            band: None,
            picks: vec![],
            given: vec![],
            spreads: vec![],
            notes: vec![],
        };
        let l = range_layout(&p);
        assert!(l.y.1 - l.y.0 > 0.1, "{:?}", l.y);
        assert_eq!(l.above, 0, "every point drawn");
    }
}
