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

pub use cyclr::compare::Metric;

mod budgets;
mod contest;
mod range;
mod runs;
mod schedule;

pub use budgets::*;
pub use contest::*;
pub use range::*;
pub use runs::*;
pub use schedule::*;

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

/// Tableau 20's light tints of [`PALETTE`], in the same order: series 11 to 20.
const PALETTE_LIGHT: [RGBColor; 10] = [
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(255, 152, 150),
    RGBColor(197, 176, 213),
    RGBColor(196, 156, 148),
    RGBColor(247, 182, 210),
    RGBColor(199, 199, 199),
    RGBColor(219, 219, 141),
    RGBColor(158, 218, 229),
];

/// The colour of series `i`: Tableau 10, then its light tints (Tableau 20), so up to twenty
/// series are told apart; the twenty-first repeats the first.
fn color(i: usize) -> RGBColor {
    let k = i % PALETTE.len();
    if (i / PALETTE.len()).is_multiple_of(2) {
        PALETTE[k]
    } else {
        PALETTE_LIGHT[k]
    }
}

/// Why a plot was not written: the drawing failed (plotters), or writing its file did.
#[derive(Debug)]
pub enum PlotError {
    /// The drawing failed (fonts, a backend error).
    Draw(String),
    /// Writing the encoded file failed (a full disk, say): the I/O error itself, so the caller
    /// can name what was being written.
    Write(std::io::Error),
}

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlotError::Draw(e) => f.write_str(e),
            PlotError::Write(e) => e.fmt(f),
        }
    }
}

/// Render `draw` to `path` (PNG or SVG by extension) at `size` pixels. The picture is drawn in
/// memory and encoded here (PNG by the `image` crate), then written in one call, so a failed
/// write is an I/O error of ours ([`PlotError::Write`]) and not plotters' debug text of its
/// encoder's error.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> PlotResult,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> PlotResult,
) -> Result<(), PlotError> {
    let is_svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let drawn = |r: PlotResult| r.map_err(|e| PlotError::Draw(e.to_string()));
    let bytes = if is_svg {
        let mut svg = String::new();
        drawn(draw_svg(
            SVGBackend::with_string(&mut svg, size).into_drawing_area(),
        ))?;
        svg.into_bytes()
    } else {
        let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
        drawn(draw(
            BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area(),
        ))?;
        let img = image::RgbImage::from_raw(size.0, size.1, rgb)
            .ok_or_else(|| PlotError::Draw("the bitmap has the wrong size".into()))?;
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)
            .map_err(|e| PlotError::Draw(format!("encoding the PNG: {e}")))?;
        png.into_inner()
    };
    std::fs::write(path, bytes).map_err(PlotError::Write)
}

/// The y-axis name of a test figure: `what` (e.g. `final test`) and the metric's name, with
/// the unit for a loss.
pub fn metric_desc(metric: Metric, what: &str) -> String {
    match metric {
        Metric::Accuracy => format!("{what} accuracy"),
        Metric::Loss => format!("{what} loss (nats/char)"),
    }
}

/// The y-axis tick labels of a test figure on `(lo, hi)`: percent for accuracy, plain numbers
/// for a loss.
pub fn metric_ticks(metric: Metric, (lo, hi): (f64, f64)) -> impl Fn(&f64) -> String {
    let pct = metric == Metric::Accuracy;
    let f = if pct {
        ticks_for(lo * 100.0, hi * 100.0)
    } else {
        ticks_for(lo, hi)
    };
    move |v: &f64| {
        if pct {
            format!("{}%", f(&(v * 100.0)))
        } else {
            f(v)
        }
    }
}

/// A test figure's axis range kept where the figure can be: accuracy in [0, 1], a loss at or
/// above 0.
pub fn metric_range(metric: Metric, (lo, hi): (f64, f64)) -> (f64, f64) {
    match metric {
        Metric::Accuracy => (lo.max(0.0), hi.min(1.0)),
        Metric::Loss => (lo.max(0.0), hi),
    }
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

/// `true` when values shown together need scientific notation: some non-zero one lies outside
/// [1e-3, 1e4) (see [`number_format`]).
pub fn scientific(values: impl IntoIterator<Item = f64>) -> bool {
    values
        .into_iter()
        .any(|v| v != 0.0 && v.is_finite() && (v.abs() < 1e-3 || v.abs() >= 1e4))
}

/// One number format for every value an axis or a legend shows, chosen from all of them (its
/// range's ends, or the legend's values): plain decimals when every non-zero one is within
/// [1e-3, 1e4) (`0.001, 0.01, 0.1, 1`), else scientific for all (`1.0e-6 … 1.0e1`) — never a mix
/// such as `1.0e-3, 0.01`.
pub fn number_format(values: impl IntoIterator<Item = f64>) -> impl Fn(&f64) -> String {
    let scientific = scientific(values);
    move |v: &f64| {
        if *v == 0.0 {
            "0".into()
        } else if scientific {
            format!("{v:.1e}")
        } else {
            let s = format!("{v:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `true` when `v` lies inside `axis`.
    pub(super) fn contains(axis: (f64, f64), v: f64) -> bool {
        v >= axis.0 && v <= axis.1
    }

    #[test]
    fn an_axis_or_a_legend_has_one_number_format() {
        let wide = number_format([1e-6, 10.0]);
        let shown: Vec<String> = [1e-3, 1e-2, 0.1, 1.0].iter().map(&wide).collect();
        assert_eq!(shown, ["1.0e-3", "1.0e-2", "1.0e-1", "1.0e0"]);
        let narrow = number_format([1e-3, 1.0]);
        let shown: Vec<String> = [1e-3, 1e-2, 0.1, 1.0].iter().map(&narrow).collect();
        assert_eq!(shown, ["0.001", "0.01", "0.1", "1"]);
        // A legend: 2.0e-3 beside 0.01 was the mix; now both scientific.
        let legend = number_format([2e-4, 0.01]);
        assert_eq!(
            (legend(&2e-4), legend(&0.01)),
            ("2.0e-4".into(), "1.0e-2".into())
        );
        assert_eq!(number_format([0.0, 0.2])(&0.0), "0");
    }

    #[test]
    fn twenty_series_have_twenty_colours() {
        let colours: std::collections::HashSet<_> = (0..20)
            .map(|i| {
                let c = color(i);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(colours.len(), 20);
        assert_eq!(color(20), color(0));
        assert_eq!(
            color(3),
            PALETTE[3],
            "the first ten are Tableau 10's, unchanged"
        );
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
}
