//! The latency chart: latency (µs, log scale) by percentile, on the logarithmic
//! `1/(1-p)` axis that HdrHistogram's plotter uses (0%, 90%, 99%, 99.9%, ...), one line
//! per hop.
//!
//! SVG only: plotters draws text into bitmaps only with a font (its `ttf` feature
//! needs fontconfig, `ab_glyph` a font file), and neither is sure to be on a machine.

use plotters::prelude::*;

use super::hgrm::{percentile_steps, NS_PER_US, TICKS_PER_HALF_DISTANCE};
use super::Report;

/// The chart's size in pixels.
pub const SIZE: (u32, u32) = (1024, 640);

/// Each hop's line: `(1/(1-p), µs)` at every percentile step but the last (100%).
pub fn lines(report: &Report) -> Vec<(String, Vec<(f64, f64)>)> {
    report
        .hops
        .iter()
        .map(|(key, h)| {
            let steps = percentile_steps(h, TICKS_PER_HALF_DISTANCE);
            let points = steps
                .iter()
                .filter(|s| s.percentile < 100.0)
                .map(|s| (1.0 / (1.0 - s.percentile / 100.0), s.value as f64 / NS_PER_US))
                .filter(|(x, y)| x.is_finite() && *y > 0.0)
                .collect();
            (key.label(), points)
        })
        .collect()
}

/// The percentile label of `x = 1/(1-p)` at a power of ten: 0%, 90%, 99%, 99.9%, ...
pub fn percentile_label(x: f64) -> String {
    let k = x.log10().round();
    if k < 0.5 {
        return "0%".into();
    }
    if k < 1.5 {
        return "90%".into();
    }
    format!("99{}{}%", if k >= 2.5 { "." } else { "" }, "9".repeat((k as usize).saturating_sub(2)))
}

/// A latency in microseconds in the unit that reads best: `100 ns`, `1 µs`, `10 ms`, `1 s`.
pub fn latency_label(us: f64) -> String {
    let (v, unit) = match us {
        u if u < 1.0 => (u * 1e3, "ns"),
        u if u < 1e3 => (u, "µs"),
        u if u < 1e6 => (u / 1e3, "ms"),
        u => (u / 1e6, "s"),
    };
    let v = format!("{v:.3}");
    format!("{} {unit}", v.trim_end_matches('0').trim_end_matches('.'))
}

/// The chart as SVG text.
pub fn svg(report: &Report) -> anyhow::Result<String> {
    let lines = lines(report);
    let all = || lines.iter().flat_map(|(_, p)| p.iter());
    // x: from 0% to at least 99.99%, to the next power of ten past the last point.
    let x_max = all().map(|p| p.0).fold(1e4, f64::max);
    let x_decades = x_max.log10().ceil() as i32;
    // y: whole decades around every value, at least one.
    let (lo, hi) = all().fold((f64::MAX, 0.0_f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (lo, hi) = if hi > 0.0 { (lo, hi) } else { (1.0, 10.0) };
    let y_lo = lo.log10().floor() as i32;
    let y_hi = (hi.log10().ceil() as i32).max(y_lo + 1);
    let x_keys: Vec<f64> = (0..=x_decades).map(|k| 10f64.powi(k)).collect();
    let y_keys: Vec<f64> = (y_lo..=y_hi).map(|k| 10f64.powi(k)).collect();
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("drawing the chart: {e}");

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Latency by percentile", ("sans-serif", 22))
            .margin(20)
            .margin_right(45)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                (1.0..10f64.powi(x_decades)).log_scale().with_key_points(x_keys),
                (10f64.powi(y_lo)..10f64.powi(y_hi)).log_scale().with_key_points(y_keys),
            )
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("percentile")
            .y_desc("latency")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 16))
            .x_label_formatter(&|x| percentile_label(*x))
            .y_label_formatter(&|y| latency_label(*y))
            .draw()
            .map_err(|e| err(&e))?;
        for (i, (name, points)) in lines.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if !lines.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_are_percentiles() {
        let labels: Vec<String> =
            [1.0, 10.0, 100.0, 1e3, 1e4, 1e5].into_iter().map(percentile_label).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
        let labels: Vec<String> = [0.1, 1.0, 10.0, 1e3, 1e5, 1e7].map(latency_label).into();
        assert_eq!(labels, ["100 ns", "1 µs", "10 µs", "1 ms", "100 ms", "10 s"]);
    }
}
