//! The equity chart: the run's equity (total PnL, net of fees) against exchange time,
//! one point per interval of its backtest statistics, titled with the run's command,
//! commit and date. SVG only, as the latency chart (see `chart`).

use mycelium_execution::BacktestStats;
use plotters::prelude::*;

use super::RunInfo;

/// The chart's file name.
pub const EQUITY_CHART_FILE: &str = "equity.svg";

/// The chart's title: the command line, the commit and the date of the run.
pub fn title(run: &RunInfo) -> String {
    format!("Equity: {}  ({}, {})", run.command_line.join(" "), run.git_commit, run.date)
}

/// The curve as `(seconds of exchange time since the start of its first interval,
/// equity)`, starting at zero equity.
pub fn points(stats: &BacktestStats) -> Vec<(f64, f64)> {
    let Some(first) = stats.equity.first() else {
        return Vec::new();
    };
    let start = first.ts_ns - stats.interval_ns;
    std::iter::once((0.0, 0.0))
        .chain(stats.equity.iter().map(|p| ((p.ts_ns - start) as f64 / 1e9, p.equity)))
        .collect()
}

/// The chart as SVG text.
pub fn svg(stats: &BacktestStats, run: &RunInfo) -> anyhow::Result<String> {
    let points = points(stats);
    let x_max = points.last().map_or(1.0, |p| p.0).max(1e-3);
    let (lo, hi) = points.iter().fold((0.0_f64, 0.0_f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let pad = ((hi - lo) * 0.05).max(1e-6);
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("drawing the equity chart: {e}");
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, super::chart::SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title(run), ("sans-serif", 16))
            .margin(20)
            .margin_right(45)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x_max, (lo - pad)..(hi + pad))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc(format!(
                "exchange time (s); one point per {} ms",
                stats.interval_ns as f64 / 1e6
            ))
            .y_desc("equity (total PnL, net of fees)")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(|e| err(&e))?;
        let color = Palette99::pick(0).to_rgba();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}
