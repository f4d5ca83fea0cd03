//! Plots drawn with plotters, to PNG or SVG by the file's extension.
//!
//! Every plot is rendered into a temporary file and renamed into place (see `output`).
use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

type PlotResult = Result<(), Box<dyn Error>>;

/// Colours for up to ten series (Tableau 10), readable on white.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Render `draw` to `path` (PNG or SVG by extension) at `size` pixels.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> PlotResult,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> PlotResult,
) -> Result<(), String> {
    let is_svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let res = if is_svg {
        draw_svg(SVGBackend::new(path, size).into_drawing_area())
    } else {
        draw(BitMapBackend::new(path, size).into_drawing_area())
    };
    res.map_err(|e| e.to_string())
}

/// Pad a data range so lines don't sit on the frame; handles constant series.
fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * hi.abs().max(1e-300) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    (lo - span * frac, hi + span * frac)
}

fn min_max(v: impl IntoIterator<Item = f64>) -> (f64, f64) {
    v.into_iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        })
}

fn sci(v: &f64) -> String {
    if *v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e-2 && v.abs() < 1e4 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// The schedule of one policy: LR against iteration, momentum on a second axis when it cycles.
pub fn schedule(path: &Path, title: &str, lrs: &[f64], moms: Option<&[f64]>) -> Result<(), String> {
    render(
        path,
        (1000, 520),
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
    let n = lrs.len().max(2) as f64;
    let (lo, hi) = min_max(lrs.iter().copied());
    let (lo, hi) = padded(lo.min(0.0), hi, 0.05);
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80);
    if moms.is_some() {
        builder.right_y_label_area_size(70);
    }
    let (mlo, mhi) = moms.map_or((0.0, 1.0), |m| {
        let (a, b) = min_max(m.iter().copied());
        padded(a, b, 0.1)
    });
    let mut chart = builder
        .build_cartesian_2d(0f64..n - 1.0, lo..hi)?
        .set_secondary_coord(0f64..n - 1.0, mlo..mhi);
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("learning rate")
        .y_label_formatter(&sci)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    let lr_color = color(0);
    chart
        .draw_series(LineSeries::new(
            lrs.iter().enumerate().map(|(i, &v)| (i as f64, v)),
            lr_color.stroke_width(2),
        ))?
        .label("learning rate")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], lr_color.stroke_width(2))
        });
    if let Some(m) = moms {
        chart
            .configure_secondary_axes()
            .y_desc("momentum")
            .y_label_formatter(&|v| format!("{v:.3}"))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        let mc = color(1);
        chart
            .draw_secondary_series(LineSeries::new(
                m.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                mc.stroke_width(2),
            ))?
            .label("momentum (right axis)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], mc.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 16))
        .draw()?;
    root.present()?;
    Ok(())
}

/// A marked learning rate on a range-test plot (a suggestion).
pub struct Mark {
    pub name: String,
    pub lr: f64,
    pub value: f64,
}

/// Raw and smoothed metric against LR (log axis), suggestions marked, CLR band shaded.
pub struct RangePlot<'a> {
    pub title: &'a str,
    pub y_desc: &'a str,
    pub lrs: &'a [f64],
    pub raw: &'a [f64],
    pub smoothed: &'a [f64],
    pub marks: Vec<Mark>,
    pub band: Option<(f64, f64, String)>,
}

pub fn range_test(path: &Path, p: &RangePlot<'_>) -> Result<(), String> {
    render(
        path,
        (1000, 600),
        |root| draw_range(root, p),
        |root| draw_range(root, p),
    )
}

fn draw_range<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, p: &RangePlot<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (xlo, xhi) = min_max(p.lrs.iter().copied());
    let (xlo, xhi) = if xlo > 0.0 && xhi > xlo {
        (xlo, xhi)
    } else {
        (1e-7, 10.0)
    };
    // y range: from the lowest smoothed value to a little above the starting value, so the
    // divergence at the end (which can be 100x the start) does not flatten the informative part.
    let (slo, shi) = min_max(p.smoothed.iter().copied());
    let start = p
        .smoothed
        .iter()
        .copied()
        .find(|v| v.is_finite())
        .unwrap_or(shi);
    let top = start.max(slo + (shi - slo).min((start - slo).abs().max(start.abs() * 0.05) * 2.5));
    let (ylo, yhi) = padded(slo - (top - slo) * 0.15, top, 0.05);
    let mut chart = ChartBuilder::on(&root)
        .caption(p.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d((xlo..xhi).log_scale(), ylo..yhi)?;
    chart
        .configure_mesh()
        .x_desc("learning rate (log scale)")
        .y_desc(p.y_desc)
        .x_label_formatter(&sci)
        .y_label_formatter(&|v| format!("{v:.2}"))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    if let Some((b, m, label)) = &p.band {
        let band = GREEN.mix(0.15);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(*b, ylo), (*m, yhi)],
                band.filled(),
            )))?
            .label(label.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], band.filled()));
    }
    let clip = |v: f64| v.clamp(ylo, yhi);
    let raw_c = color(0).mix(0.35);
    chart
        .draw_series(LineSeries::new(
            p.lrs
                .iter()
                .zip(p.raw)
                .filter(|(_, v)| v.is_finite())
                .map(|(&x, &v)| (x, clip(v))),
            raw_c,
        ))?
        .label("raw")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], raw_c));
    let sm_c = color(0);
    chart
        .draw_series(LineSeries::new(
            p.lrs
                .iter()
                .zip(p.smoothed)
                .filter(|(_, v)| v.is_finite())
                .map(|(&x, &v)| (x, clip(v))),
            sm_c.stroke_width(3),
        ))?
        .label("smoothed")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], sm_c.stroke_width(3)));
    for (i, m) in p.marks.iter().enumerate() {
        let c = color(i + 1);
        let (lr, v) = (m.lr, clip(m.value));
        chart
            .draw_series(std::iter::once(Circle::new((lr, v), 7, c.filled())))?
            .label(format!("{}: {}", m.name, sci(&m.lr)))
            .legend(move |(x, y)| Circle::new((x + 10, y), 6, c.filled()));
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(lr, ylo), (lr, yhi)],
            c.mix(0.5),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 16))
        .draw()?;
    root.present()?;
    Ok(())
}

/// One training run's curves for the overlay plot.
pub struct RunCurves {
    pub name: String,
    /// (iteration, test accuracy in [0,1])
    pub accuracy: Vec<(f64, f64)>,
    /// (iteration, learning rate)
    pub lr: Vec<(f64, f64)>,
    /// (iteration, smoothed training loss)
    pub loss: Vec<(f64, f64)>,
}

/// Test accuracy of every run against iteration (the paper's Figure 1), training loss, and the
/// LR schedules beneath.
pub fn runs(path: &Path, title: &str, runs: &[RunCurves]) -> Result<(), String> {
    render(
        path,
        (1100, 950),
        |root| draw_runs(root, title, runs),
        |root| draw_runs(root, title, runs),
    )
}

fn draw_runs<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    runs: &[RunCurves],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 26))?;
    let (top, rest) = root.split_vertically(440);
    let (mid, bottom) = rest.split_vertically(230);
    let xmax = runs
        .iter()
        .flat_map(|r| r.lr.iter().chain(&r.accuracy).map(|p| p.0))
        .fold(1.0f64, f64::max);

    let (alo, ahi) = min_max(runs.iter().flat_map(|r| r.accuracy.iter().map(|p| p.1)));
    let (alo, ahi) = padded(alo, ahi.min(1.0), 0.05);
    let mut acc = ChartBuilder::on(&top)
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..xmax, alo.max(0.0)..ahi.min(1.005))?;
    acc.configure_mesh()
        .y_desc("test accuracy")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|v| format!("{:.1}%", v * 100.0))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        let c = color(i);
        acc.draw_series(LineSeries::new(
            r.accuracy.iter().copied(),
            c.stroke_width(2),
        ))?
        .label(r.name.clone())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
        acc.draw_series(r.accuracy.iter().map(|&p| Circle::new(p, 2, c.filled())))?;
    }
    acc.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 16))
        .draw()?;

    let (llo, lhi) = min_max(runs.iter().flat_map(|r| r.loss.iter().map(|p| p.1)));
    let (llo, lhi) = padded(llo, lhi, 0.05);
    let mut loss = ChartBuilder::on(&mid)
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..xmax, llo.max(0.0)..lhi)?;
    loss.configure_mesh()
        .y_desc("train loss (smoothed)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        loss.draw_series(LineSeries::new(
            r.loss.iter().copied(),
            color(i).stroke_width(1),
        ))?;
    }

    let (lo, hi) = min_max(runs.iter().flat_map(|r| r.lr.iter().map(|p| p.1)));
    let (lo, hi) = padded(lo.min(0.0), hi, 0.05);
    let mut lr = ChartBuilder::on(&bottom)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..xmax, lo..hi)?;
    lr.configure_mesh()
        .x_desc("iteration")
        .y_desc("learning rate")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&sci)
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
    root.present()?;
    Ok(())
}
