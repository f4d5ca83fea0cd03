//! Plots drawn with plotters, to PNG or SVG by the file's extension.
//!
//! Every plot is rendered into a temporary file and renamed into place (see `output`). Each
//! chart's axes come from a pure layout function ([`range_layout`], [`runs_layout`],
//! [`schedule_layout`]) that also returns the points that are drawn, so tests can check that the
//! axes hold every drawn point. Legends are drawn in a panel beside the chart, never over a
//! curve; long titles are wrapped.
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

/// Pad a data range so lines don't sit on the frame; handles constant series (a span below
/// 1e-9 of the values is rounding, e.g. the EMA of a flat loss, and gets ±10% of them).
pub fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= 1e-9 * hi.abs().max(lo.abs()).max(1e-300) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    (lo - span * frac, hi + span * frac)
}

/// A log range padded by a fraction of its decades.
fn padded_log(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo > 0.0 && hi > lo) {
        return if lo > 0.0 {
            (lo / 2.0, lo * 2.0)
        } else {
            (1e-7, 10.0)
        };
    }
    let d = (hi / lo).log10() * frac;
    (lo / 10f64.powf(d), hi * 10f64.powf(d))
}

fn min_max(v: impl IntoIterator<Item = f64>) -> (f64, f64) {
    v.into_iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        })
}

/// Short numbers for learning-rate ticks: `0.05`, `2e-4`.
pub fn sci(v: &f64) -> String {
    if *v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e-2 && v.abs() < 1e4 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// A tick formatter with as many decimals as the axis span needs (so ticks never repeat), in
/// scientific notation for very large or small values.
pub fn ticks_for(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let big = lo.abs().max(hi.abs());
    let decimals = (-(span / 5.0).log10().floor() + 1.0).clamp(0.0, 8.0) as usize;
    move |v: &f64| {
        if big >= 1e5 || (big < 1e-3 && big > 0.0) {
            format!("{v:.2e}")
        } else {
            format!("{v:.decimals$}")
        }
    }
}

/// Split a title into lines of at most `width` characters at spaces.
pub fn wrap(title: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in title.split(' ') {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    lines
}

/// Draw a (wrapped) title at the top of `root`; returns the area below it.
fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    size: u32,
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let width = root.dim_in_pixel().0 as usize;
    let per_line = (width * 2 / (size as usize)).max(20);
    let lines = wrap(title, per_line);
    let h = (lines.len() as u32) * (size + 6) + 8;
    let (top, rest) = root.split_vertically(h);
    for (i, l) in lines.iter().enumerate() {
        top.draw(&Text::new(
            l.clone(),
            (12, 6 + i as i32 * (size as i32 + 6)),
            ("sans-serif", size).into_font(),
        ))?;
    }
    Ok(rest)
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    /// A line of the given colour and width.
    Line(RGBAColor, u32),
    /// A dashed line of the given colour and width (as the series it names is drawn).
    Dashed(RGBAColor, u32),
    /// A cross (a run's divergence or "did not learn" mark).
    Cross(RGBAColor),
    /// A filled box.
    Fill(RGBAColor),
    /// A dot.
    Dot(RGBAColor),
}

/// Draw a legend as a panel of its own (never over the data), then `notes` below it (wrapped
/// text: what the plot cannot show as a curve, e.g. why a range test ended).
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, Swatch)],
    notes: &[String],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    // Long labels wrap onto further lines (15 px text: about 7 px a character).
    let per_line = (area.dim_in_pixel().0.saturating_sub(40) as usize / 7).max(12);
    let mut y = 30 - 24;
    for (label, sw) in items {
        y += 24;
        match sw {
            Swatch::Line(c, w) => area.draw(&PathElement::new(
                vec![(6, y), (30, y)],
                ShapeStyle::from(c).stroke_width(*w),
            ))?,
            Swatch::Dashed(c, w) => {
                for x in [6, 17, 28] {
                    area.draw(&PathElement::new(
                        vec![(x, y), ((x + 6).min(30), y)],
                        ShapeStyle::from(c).stroke_width(*w),
                    ))?;
                }
            }
            Swatch::Cross(c) => area.draw(&Cross::new((18, y), 6, c.stroke_width(2)))?,
            Swatch::Fill(c) => area.draw(&Rectangle::new([(6, y - 7), (30, y + 7)], c.filled()))?,
            Swatch::Dot(c) => area.draw(&Circle::new((18, y), 6, c.filled()))?,
        }
        for (k, line) in wrap(label, per_line).into_iter().enumerate() {
            if k > 0 {
                y += 18;
            }
            area.draw(&Text::new(
                line,
                (38, y - 8),
                ("sans-serif", 15).into_font(),
            ))?;
        }
    }
    let per_line = (area.dim_in_pixel().0 as usize * 2 / 14).max(20);
    y += 34;
    for note in notes {
        for line in wrap(note, per_line) {
            area.draw(&Text::new(
                line,
                (6, y),
                ("sans-serif", 14).into_font().color(&RED.mix(0.85)),
            ))?;
            y += 18;
        }
        y += 6;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Schedules.
// ---------------------------------------------------------------------------------------------

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
pub fn schedule(path: &Path, title: &str, lrs: &[f64], moms: Option<&[f64]>) -> Result<(), String> {
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
        .y_label_formatter(&sci)
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

// ---------------------------------------------------------------------------------------------
// Range tests.
// ---------------------------------------------------------------------------------------------

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
    /// `loss` or `accuracy`.
    pub metric: &'a str,
    /// The sweep is exponential (log x axis) or linear.
    pub log_x: bool,
    pub curves: Vec<RangeCurve<'a>>,
    pub marks: Vec<Mark>,
    pub band: Option<(f64, f64, String)>,
    /// Vertical lines: `(label, lr)`.
    pub picks: Vec<(String, f64)>,
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
        let keep = if p.metric == "accuracy" {
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

pub fn range_test(path: &Path, p: &RangePlot<'_>) -> Result<(), String> {
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
                .y_desc(if p.metric == "accuracy" {
                    "accuracy (held out)"
                } else {
                    "training loss"
                })
                .x_label_formatter(&sci)
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
                items.push((label.clone(), Swatch::Fill(band)));
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
                    format!("{}: {}", m.name, sci(&m.lr)),
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
                    format!("{label}: {}", sci(lr)),
                    Swatch::Line(c.to_rgba(), 3),
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

// ---------------------------------------------------------------------------------------------
// Runs.
// ---------------------------------------------------------------------------------------------

/// One policy's curves for the overlay plot.
pub struct RunCurves {
    pub name: String,
    /// (iteration, test accuracy in \[0,1\]): the mean over seeds.
    pub accuracy: Vec<(f64, f64)>,
    /// (iteration, lowest, highest) test accuracy over seeds (empty for one seed).
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
    let mut items: Vec<(String, Swatch)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), Swatch::Line(color(i).to_rgba(), 3)))
        .collect();
    if let Some((name, b)) = baseline {
        items.push((
            format!("{name} final {:.2}%", b * 100.0),
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
        .flat_map(|r| r.lr.iter().chain(&r.accuracy).chain(&r.loss).map(|p| p.0))
        .fold(1.0f64, f64::max);
    // The accuracy axis holds every evaluation, its seed band and the baseline, within
    // [0, 100%].
    let (alo, ahi) = min_max(
        runs.iter()
            .flat_map(|r| {
                r.accuracy
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
    let acc = padded(alo, ahi, 0.08);
    RunsLayout {
        x: (0.0, xmax),
        acc: (acc.0.max(0.0), acc.1.min(1.0)),
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
) -> Result<(), String> {
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
    acc.configure_mesh()
        .y_desc("test accuracy")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|v| {
            let f = ticks_for(l.acc.0 * 100.0, l.acc.1 * 100.0);
            format!("{}%", f(&(v * 100.0)))
        })
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
        let pts = clip_acc(&r.accuracy, l.acc);
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
    let loss_ticks = |v: &f64| {
        if l.log_loss {
            let x = 10f64.powf(*v);
            if (1e-3..1e4).contains(&x) {
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
    mark_events!(lr, l.lr.0, l.lr.1);
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Accuracy vs budget.
// ---------------------------------------------------------------------------------------------

/// One policy's final accuracy per budget: (budget, mean, std or 0).
pub struct BudgetSeries {
    pub name: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// Axes of the budget plot.
pub struct BudgetLayout {
    /// Budget (log axis).
    pub x: (f64, f64),
    /// Accuracy.
    pub acc: (f64, f64),
}

/// Axes of the budget plot: log budget, accuracy including every mean ± std and the target.
pub fn budget_layout(series: &[BudgetSeries], target: Option<f64>) -> BudgetLayout {
    let (blo, bhi) = min_max(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (alo, ahi) = min_max(
        series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
            .chain(target),
    );
    BudgetLayout {
        x: padded_log(blo, bhi, 0.06),
        acc: {
            let a = padded(alo, ahi, 0.08);
            (a.0.max(0.0), a.1.min(1.0))
        },
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

/// Final test accuracy against the training budget (log x; one line per policy, mean over
/// seeds with ± one std shaded; the baseline's full-budget accuracy dashed).
pub fn budgets(
    path: &Path,
    title: &str,
    series: &[BudgetSeries],
    target: Option<(String, f64)>,
) -> Result<(), String> {
    render(
        path,
        (1100, 620),
        |root| draw_budgets(root, title, series, target.as_ref()),
        |root| draw_budgets(root, title, series, target.as_ref()),
    )
}

fn draw_budgets<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    series: &[BudgetSeries],
    target: Option<&(String, f64)>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 24)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 260);
    let l = budget_layout(series, target.map(|t| t.1));
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
        .y_desc("final test accuracy")
        .x_label_formatter(&sci)
        .y_label_formatter(&|v| {
            let f = ticks_for(l.acc.0 * 100.0, l.acc.1 * 100.0);
            format!("{}%", f(&(v * 100.0)))
        })
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
            format!("{name} full budget {:.2}%", t * 100.0),
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

// ---------------------------------------------------------------------------------------------
// The head-to-head: accuracy against total compute.
// ---------------------------------------------------------------------------------------------

/// One contestant of the head-to-head plot.
pub struct ContestPoint {
    pub name: String,
    /// Training steps per seed, search included.
    pub total_steps: f64,
    /// Test accuracy per seed.
    pub accuracies: Vec<f64>,
}

/// Axes of the head-to-head plot: log total steps, accuracy holding every seed's value.
pub fn contest_layout(points: &[ContestPoint]) -> ((f64, f64), (f64, f64)) {
    let (xlo, xhi) = min_max(points.iter().map(|p| p.total_steps).filter(|x| *x > 0.0));
    // Room for the side-by-side offsets (see `draw_contest`).
    let xhi = xhi * 1.02f64.powi(points.len() as i32);
    let (alo, ahi) = min_max(
        points
            .iter()
            .flat_map(|p| p.accuracies.iter().copied())
            .filter(|a| a.is_finite()),
    );
    let (alo, ahi) = padded(alo, ahi, 0.08);
    (padded_log(xlo, xhi, 0.15), (alo.max(0.0), ahi.min(1.0)))
}

/// Ticks of a log axis over `x`: 1, 2 and 5 times the powers of ten inside it.
pub fn log_ticks(x: (f64, f64)) -> Vec<f64> {
    if !(x.0 > 0.0 && x.1 > x.0) {
        return Vec::new();
    }
    let within = |mantissas: &[f64]| {
        let mut t = Vec::new();
        let mut p = 10f64.powf(x.0.log10().floor());
        while p <= x.1 {
            for m in mantissas {
                let v = p * m;
                if v >= x.0 && v <= x.1 {
                    t.push(v);
                }
            }
            p *= 10.0;
        }
        t
    };
    let t = within(&[1.0, 2.0, 5.0]);
    if t.len() >= 3 {
        t
    } else {
        // Less than a decade or so: every integer mantissa, so the axis has ticks to read.
        within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}

/// Test accuracy against training steps including the learning-rate search (log x): one
/// marker per contestant at its mean over seeds, a bar from its lowest to its highest seed.
pub fn contest(path: &Path, title: &str, points: &[ContestPoint]) -> Result<(), String> {
    render(
        path,
        (1100, 620),
        |root| draw_contest(root, title, points),
        |root| draw_contest(root, title, points),
    )
}

fn draw_contest<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    points: &[ContestPoint],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = titled(&root, title, 24)?;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 - 300);
    let (x, y) = contest_layout(points);
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
        .y_desc("final test accuracy")
        .x_label_formatter(&sci)
        .y_label_formatter(&|v| {
            let f = ticks_for(y.0 * 100.0, y.1 * 100.0);
            format!("{}%", f(&(v * 100.0)))
        })
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    for (i, p) in points.iter().enumerate() {
        let c = color(i);
        let accs: Vec<f64> = p
            .accuracies
            .iter()
            .copied()
            .filter(|a| a.is_finite())
            .collect();
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
    if points.iter().any(|p| p.accuracies.len() > 1) {
        items.push((
            "bar: lowest to highest seed".into(),
            Swatch::Line(BLACK.mix(0.5), 2),
        ));
    }
    legend(&side, &items, &[])?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(axis: (f64, f64), v: f64) -> bool {
        v >= axis.0 && v <= axis.1
    }

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
            metric: "loss",
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
            metric: "accuracy",
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
            metric: "loss",
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
            spreads: vec![],
            notes: vec![],
        };
        let l = range_layout(&p);
        assert!(l.y.1 - l.y.0 > 0.1, "{:?}", l.y);
        assert_eq!(l.above, 0, "every point drawn");
    }

    #[test]
    fn run_axes_hold_bands_and_baseline_and_ticks_do_not_repeat() {
        let r = RunCurves {
            effective: false,
            name: "a".into(),
            accuracy: vec![(10.0, 0.5), (20.0, 0.96), (30.0, 0.97)],
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
            effective: false,
            name: name.into(),
            accuracy: vec![(10.0, 0.5), (20.0, 0.9)],
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

    #[test]
    fn a_log_axis_under_a_decade_still_has_ticks() {
        assert_eq!(
            log_ticks((0.9, 110.0)),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
        // 2.5e4 .. 1.2e5 (the converged head-to-head): 3e4 .. 1e5, not only 5e4 and 1e5.
        let t = log_ticks((2.5e4, 1.2e5));
        assert_eq!(t, [3e4, 4e4, 5e4, 6e4, 7e4, 8e4, 9e4, 1e5]);
    }

    #[test]
    fn budget_axes_hold_every_band_and_the_target() {
        let s = BudgetSeries {
            name: "a".into(),
            points: vec![(0.125, 0.85, 0.01), (0.5, 0.89, 0.004), (1.0, 0.9, 0.0)],
        };
        let l = budget_layout(&[s], Some(0.895));
        assert!(contains(l.x, 0.125) && contains(l.x, 1.0) && l.x.0 > 0.0);
        assert!(contains(l.acc, 0.84) && contains(l.acc, 0.9) && contains(l.acc, 0.895));
        let s = BudgetSeries {
            name: "b".into(),
            points: vec![(1.0, 0.9, 0.0), (0.125, 0.8, 0.0)],
        };
        assert_eq!(budget_ticks(&[s]), [0.125, 1.0]);
    }
}
