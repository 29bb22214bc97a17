//! `tccc report`: a metrics file (JSON lines written by `tccc top --record` or `tccc soak
//! --metrics`) as one self-contained HTML page — SVG charts drawn with `plotters`
//! (temperatures, rail power, CPU, CPU per thread, memory, end-of-speech latency over time)
//! and a summary table; no script, no outside file.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use plotters::prelude::*;

use super::common::CliError;
use crate::watchdog::dashboard::Sample;

use crate::limits::{
    METRICS_FILE_BYTES_MAX, REPORT_CHART_HEIGHT_PX, REPORT_CHART_WIDTH_PX,
    REPORT_POINTS_PER_SERIES_MAX as POINTS_PER_SERIES_MAX,
    REPORT_THREADS_DRAWN_MAX as THREADS_DRAWN_MAX,
};

/// Chart size in pixels.
const CHART_SIZE: (u32, u32) = (REPORT_CHART_WIDTH_PX, REPORT_CHART_HEIGHT_PX);

/// `tccc report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The metrics file (JSON lines from `tccc top --record` or `tccc soak --metrics`)
    #[arg(long, value_name = "FILE.jsonl")]
    pub metrics: PathBuf,
    /// Where to write the HTML page
    #[arg(long, value_name = "OUT.html")]
    pub out: PathBuf,
}

/// A chart: a title, the y unit and named series of (seconds, value).
pub struct Chart {
    /// Its title.
    pub title: String,
    /// The y axis's unit.
    pub unit: &'static str,
    /// The series.
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

fn named_series(
    samples: &[Sample],
    pick: impl Fn(&Sample) -> &[(String, f64)],
) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for s in samples {
        for (name, value) in pick(s) {
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, points)) => points.push((s.t_s, *value)),
                None => out.push((name.clone(), vec![(s.t_s, *value)])),
            }
        }
    }
    out
}

/// The charts of a session's samples (a chart without data is left out).
pub fn charts(samples: &[Sample]) -> Vec<Chart> {
    let mut charts = vec![
        Chart {
            title: "Temperatures".to_owned(),
            unit: "°C",
            series: named_series(samples, |s| &s.temps_c),
        },
        Chart {
            title: "Rail power".to_owned(),
            unit: "W",
            series: named_series(samples, |s| &s.rails_w),
        },
        Chart {
            title: "CPU, all cores".to_owned(),
            unit: "%",
            series: vec![(
                "cpu".to_owned(),
                samples.iter().map(|s| (s.t_s, s.cpu_percent)).collect(),
            )],
        },
    ];
    let mut threads = named_series(samples, |s| &s.threads_percent);
    let mean = |points: &[(f64, f64)]| {
        points.iter().map(|p| p.1).sum::<f64>() / points.len().max(1) as f64
    };
    threads.sort_by(|a, b| mean(&b.1).total_cmp(&mean(&a.1)));
    threads.truncate(THREADS_DRAWN_MAX);
    charts.push(Chart {
        title: "CPU per thread (busiest)".to_owned(),
        unit: "% of a core",
        series: threads,
    });
    let mut memory = vec![(
        "resident".to_owned(),
        samples
            .iter()
            .map(|s| (s.t_s, s.rss_mb))
            .collect::<Vec<_>>(),
    )];
    memory.extend(named_series(samples, |s| &s.memory_mb));
    charts.push(Chart {
        title: "Memory".to_owned(),
        unit: "MB",
        series: memory,
    });
    let latency: Vec<(f64, (f64, f64))> = samples
        .iter()
        .filter_map(|s| s.latency_ms.map(|l| (s.t_s, l)))
        .collect();
    charts.push(Chart {
        title: "End-of-speech latency".to_owned(),
        unit: "ms",
        series: vec![
            (
                "p50".to_owned(),
                latency.iter().map(|(t, l)| (*t, l.0)).collect(),
            ),
            (
                "p99".to_owned(),
                latency.iter().map(|(t, l)| (*t, l.1)).collect(),
            ),
        ],
    });
    let hours: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|s| s.battery_hours_left.map(|h| (s.t_s, h)))
        .collect();
    charts.push(Chart {
        title: "Battery".to_owned(),
        unit: "hours left",
        series: vec![("hours left".to_owned(), hours)],
    });
    for chart in &mut charts {
        chart.series.retain(|(_, points)| !points.is_empty());
    }
    charts.retain(|c| !c.series.is_empty());
    charts
}

fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let step = points.len().div_ceil(POINTS_PER_SERIES_MAX).max(1);
    points.iter().step_by(step).copied().collect()
}

/// One chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, String> {
    let points = chart.series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points {
        (x0, x1, y0, y1) = (x0.min(*x), x1.max(*x), y0.min(*y), y1.max(*y));
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.1).max(1.0);
    let (y0, y1) = (
        (y0 - pad).max(if y0 >= 0.0 { 0.0 } else { f64::MIN }),
        y1 + pad,
    );
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, CHART_SIZE).into_drawing_area();
        let fail = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", chart.title);
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut area = ChartBuilder::on(&root)
            .caption(&chart.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| fail(&e))?;
        area.configure_mesh()
            .x_desc("seconds")
            .y_desc(chart.unit)
            .draw()
            .map_err(|e| fail(&e))?;
        for (i, (name, points)) in chart.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            area.draw_series(LineSeries::new(thin(points), color.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        area.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The whole page.
pub fn html(samples: &[Sample], source: &str) -> Result<String, String> {
    let mut page = String::new();
    let duration = samples.last().map_or(0.0, |s| s.t_s) - samples.first().map_or(0.0, |s| s.t_s);
    let max = |f: &dyn Fn(&Sample) -> f64| samples.iter().map(f).fold(f64::MIN, f64::max);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>tccc report</title><style>body{{font-family:sans-serif;margin:1em 2em}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:2px 8px;\
         text-align:right}}</style></head><body>\n<h1>tccc report</h1>\n<p>{} samples over \
         {:.0} s from <code>{}</code>.</p>\n<table><tr><th>figure</th><th>value</th></tr>\n",
        samples.len(),
        duration,
        escape(source)
    );
    let rows: [(&str, String); 5] = [
        (
            "hottest zone (°C)",
            samples
                .iter()
                .flat_map(|s| s.temps_c.iter().map(|t| t.1))
                .reduce(f64::max)
                .map_or_else(|| "no zone".to_owned(), |t| format!("{t:.1}")),
        ),
        (
            "peak resident memory (MB)",
            format!("{:.1}", max(&|s| s.rss_mb)),
        ),
        ("peak CPU (%)", format!("{:.1}", max(&|s| s.cpu_percent))),
        (
            "drops at the end",
            samples.last().map_or(0, |s| s.drops).to_string(),
        ),
        (
            "real-time allocations at the end",
            samples
                .last()
                .map_or(0, |s| s.realtime_allocations)
                .to_string(),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(page, "<tr><td>{name}</td><td>{value}</td></tr>");
    }
    page.push_str("</table>\n");
    let mut profiles: Vec<(f64, &str)> = Vec::new();
    for s in samples {
        if let Some(p) = &s.profile {
            if profiles.last().is_none_or(|(_, last)| last != p) {
                profiles.push((s.t_s, p));
            }
        }
    }
    if !profiles.is_empty() {
        page.push_str("<h2>Profile changes</h2>\n<ul>\n");
        for (t, p) in profiles {
            let _ = writeln!(page, "<li>{t:.0} s: {}</li>", escape(p));
        }
        page.push_str("</ul>\n");
    }
    for chart in charts(samples) {
        let _ = writeln!(page, "<h2>{}</h2>", escape(&chart.title));
        page.push_str(&svg(&chart)?);
        page.push('\n');
    }
    page.push_str("</body></html>\n");
    Ok(page)
}

/// Reads a metrics file (one JSON sample per line; a malformed line is an error naming it).
pub fn read_samples(path: &std::path::Path) -> Result<Vec<Sample>, CliError> {
    let bytes = crate::files::read_bounded(path, METRICS_FILE_BYTES_MAX)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::BadInput(format!("{} is not UTF-8 text", path.display())))?;
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let sample = serde_json::from_str(line).map_err(|e| {
            CliError::BadInput(format!(
                "{} line {}: not a tccc metrics sample ({e}); write it with `tccc top --record` \
                 or `tccc soak --metrics`",
                path.display(),
                i + 1
            ))
        })?;
        samples.push(sample);
    }
    if samples.is_empty() {
        return Err(CliError::BadInput(format!(
            "{} holds no samples",
            path.display()
        )));
    }
    Ok(samples)
}

/// Runs `tccc report`.
pub fn run(args: &ReportArgs) -> Result<(), CliError> {
    let samples = read_samples(&args.metrics)?;
    let page = html(&samples, &args.metrics.display().to_string()).map_err(CliError::Internal)?;
    crate::journal::atomic::write_atomically(&args.out, page.as_bytes())
        .map_err(|e| CliError::BadInput(format!("cannot write {}: {e}", args.out.display())))?;
    eprintln!(
        "tccc: wrote {} ({} samples)",
        args.out.display(),
        samples.len()
    );
    Ok(())
}
