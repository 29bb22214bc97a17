//! `tccc report` as a person sees it: metrics recorded by `tccc top --record` (the real
//! /proc of this machine; thermal zones and INA3221 rails from the fake sys/ tree, as this
//! machine has none) become a page that headless Chromium renders to a PNG, and the
//! screenshot is checked as a viewer would: every chart of the page is there, in order,
//! one under the other at a steady spacing and the same left edge; each series' colour is
//! in its legend and each line runs across at least half of the width where a viewer
//! could see it (its time span, less where a later series with the same values covers
//! it); the title, the tick labels and the axis names are drawn; nothing reaches past the
//! right edge of a 1000-pixel-wide window; the page is not blank. Pages broken on purpose
//! (empty SVGs, lines without colour, data lines or text hidden, a chart too wide,
//! nothing visible) must fail the same check.
//!
//! Needs Chromium: missing, the test fails naming the fix (scripts/setup installs it).
//! `TCCC_REPORT_METRICS=FILE` looks at the report of that metrics file instead (what
//! `scripts/check-report-render FILE` does, e.g. for a long soak's metrics).
#![allow(clippy::unwrap_used)]

mod watchdog_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use plotters::style::{Color as _, Palette as _, Palette99};
use tccc::cli::report::{charts, read_samples, Chart};
use tccc::limits::{REPORT_CHART_HEIGHT_PX, REPORT_CHART_WIDTH_PX, REPORT_PAGE_WIDTH_PX};
use tccc::watchdog::dashboard::Sample;
use watchdog_support::{scratch, FakeTree, Layout};

/// The browser window's width: the page must fit in it.
const WINDOW_WIDTH_PX: u32 = REPORT_PAGE_WIDTH_PX;
/// Columns at the right edge that must stay page-white (no overflow).
const RIGHT_MARGIN_PX: u32 = 24;
/// A channel within this of a series' colour (or its tint) counts as that colour.
const COLOUR_TOLERANCE: u8 = 20;
/// The least tint of a series' colour its 1-pixel legend line shows (anti-aliased).
const LEGEND_TINT_MIN: f64 = 0.3;
/// The least tint of a series' colour a pixel of its 2-pixel line shows.
const LINE_TINT_MIN: f64 = 0.8;
/// A line spans at least this share of the width where it should show.
const LINE_SPAN_SHARE: f64 = 0.5;
/// Pixels of a series' colour its legend entry shows at least.
const LEGEND_PIXELS_MIN: usize = 12;
/// Dark pixels of text (tick labels, axis names, title) each place shows at least.
const TEXT_PIXELS_MIN: usize = 80;

/// A decoded screenshot.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<[u8; 3]>,
}

impl Image {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.width + x) as usize]
    }
}

fn decode_png(path: &Path) -> Image {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{path:?}");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("{path:?}: unexpected colour type {other:?}"),
    };
    let rgb = buffer[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Image {
        width: info.width,
        height: info.height,
        rgb,
    }
}

/// Chromium's binary, or a failure naming the fix.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed, so the report cannot be rendered and looked at: run \
             scripts/setup (it runs `apt-get install -y --no-install-recommends chromium`, \
             chromium-browser on Ubuntu)"
        )
    })
}

/// Renders `html` in headless Chromium into a PNG `height` pixels tall.
fn screenshot(html: &Path, height: u32) -> Image {
    let png = html.with_extension("png");
    let profile = html.with_extension("profile");
    let _ = std::fs::remove_file(&png);
    let run = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={WINDOW_WIDTH_PX},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(
        png.is_file(),
        "chromium made no screenshot ({}): {}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let _ = std::fs::remove_dir_all(&profile);
    decode_png(&png)
}

fn is_white(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c >= 245)
}

/// Dark grey or black: text and axes (not the light mesh, not a coloured line).
fn is_ink(p: [u8; 3]) -> bool {
    let (lo, hi) = (*p.iter().min().unwrap(), *p.iter().max().unwrap());
    hi <= 150 && hi - lo <= 30
}

/// How strongly `p` shows `colour` over the white page: 1 for the colour itself, 0.5 for
/// a half-covered (anti-aliased) pixel such as a 1-pixel legend line; 0 when it is not
/// that colour at all.
fn tint(p: [u8; 3], colour: [u8; 3]) -> f64 {
    let depth = |c: u8| 255.0 - f64::from(c);
    let strongest = (0..3)
        .max_by(|&a, &b| depth(colour[a]).total_cmp(&depth(colour[b])))
        .unwrap_or(0);
    let weight = (depth(p[strongest]) / depth(colour[strongest]).max(1.0)).clamp(0.0, 1.0);
    let fits = (0..3).all(|i| {
        let predicted = 255.0 - weight * depth(colour[i]);
        (f64::from(p[i]) - predicted).abs() <= f64::from(COLOUR_TOLERANCE)
    });
    if fits {
        weight
    } else {
        0.0
    }
}

/// What the page should show for one chart: its series' colours and, for each, the share
/// of the plot's width over which a viewer can see its line (its time span, less the
/// points a later series with the same value draws over).
struct Expected {
    title: String,
    colours: Vec<[u8; 3]>,
    visible: Vec<f64>,
}

fn expected(chart: &Chart) -> Expected {
    let colours = (0..chart.series.len())
        .map(|i| {
            let (r, g, b) = Palette99::pick(i).rgb();
            [r, g, b]
        })
        .collect();
    let all = || chart.series.iter().flat_map(|(_, p)| p.iter());
    let (low, high) = all().fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let (first, last) = all().fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.0), h.max(p.0)));
    // Under a pixel apart: the later series covers the point.
    let pixel = (high - low).max(1.0) / f64::from(REPORT_CHART_HEIGHT_PX);
    let visible = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, (_, points))| {
            if points.len() < 2 || last <= first {
                return 0.0;
            }
            let covered = points
                .iter()
                .filter(|p| {
                    chart.series[i + 1..].iter().any(|(_, later)| {
                        later
                            .iter()
                            .any(|q| q.0 == p.0 && (q.1 - p.1).abs() < pixel)
                    })
                })
                .count();
            let extent = (points[points.len() - 1].0 - points[0].0) / (last - first);
            extent * (points.len() - covered) as f64 / points.len() as f64
        })
        .collect();
    Expected {
        title: chart.title.clone(),
        colours,
        visible,
    }
}

/// A chart found in the screenshot: its plot's top row, the row of its x axis, the
/// column of its y axis and the x axis's right end.
#[derive(Debug, Clone, Copy)]
struct Found {
    plot_top: u32,
    axis_y: u32,
    axis_x: u32,
    right: u32,
}

/// Marked strongly enough to be an axis or a data line (not the light mesh, not white).
fn is_drawn(p: [u8; 3]) -> bool {
    p.iter().min().is_some_and(|&c| c < 180)
}

/// The charts, top to bottom, found by their y axes: long vertical dark lines (data lines
/// may hide an x axis at 0, never a y axis). The x axis runs right from the y axis's
/// foot, under any data line lying on it.
fn find_charts(image: &Image) -> Vec<Found> {
    let long = REPORT_CHART_HEIGHT_PX * 2 / 5;
    let mut found: Vec<Found> = Vec::new();
    for x in 0..image.width / 2 {
        let mut start = 0;
        for y in 0..=image.height {
            if y < image.height && is_ink(image.at(x, y)) {
                continue;
            }
            let (top, foot) = (start, y.saturating_sub(1));
            start = y + 1;
            if y - top < long {
                continue;
            }
            // The same axis seen in the next column (anti-aliased).
            if found
                .iter()
                .any(|f| f.axis_x + 3 >= x && f.axis_y.abs_diff(foot) <= 3)
            {
                continue;
            }
            let right = (x..image.width)
                .take_while(|&r| {
                    (foot.saturating_sub(1)..=foot + 1).any(|v| is_drawn(image.at(r, v)))
                })
                .last()
                .unwrap_or(x);
            // A chart's x axis, not a box's side (the summary table's, a legend's).
            if right - x < REPORT_CHART_WIDTH_PX * 3 / 5 {
                continue;
            }
            found.push(Found {
                plot_top: top,
                axis_y: foot,
                axis_x: x,
                right,
            });
        }
    }
    found.sort_by_key(|f| f.axis_y);
    found
}

/// Checks the screenshot against the charts the page should hold; `Err` says what a
/// viewer would miss.
fn check(image: &Image, wanted: &[Expected]) -> Result<String, String> {
    let total = image.rgb.len();
    let marked = image.rgb.iter().filter(|&&p| !is_white(p)).count();
    if marked * 500 < total {
        return Err(format!(
            "the page is blank ({marked} of {total} pixels marked)"
        ));
    }
    for x in image.width - RIGHT_MARGIN_PX..image.width {
        if let Some(y) = (0..image.height).find(|&y| !is_white(image.at(x, y))) {
            return Err(format!(
                "the page overflows its {} px width: a mark at x {x}, y {y}",
                image.width
            ));
        }
    }
    let found = find_charts(image);
    if found.len() != wanted.len() {
        return Err(format!(
            "{} charts drawn ({found:?}), the page holds {}",
            found.len(),
            wanted.len()
        ));
    }
    let mut report = Vec::new();
    for (k, (chart, want)) in found.iter().zip(wanted).enumerate() {
        let first = found[0];
        if chart.axis_x.abs_diff(first.axis_x) > 2 || chart.right.abs_diff(first.right) > 2 {
            return Err(format!(
                "{}: not at its place: its axis spans {}..{}, the first chart's {}..{}",
                want.title, chart.axis_x, chart.right, first.axis_x, first.right
            ));
        }
        if k >= 2 {
            let (step, before) = (
                chart.axis_y - found[k - 1].axis_y,
                found[k - 1].axis_y - found[k - 2].axis_y,
            );
            if step.abs_diff(before) > 4 {
                return Err(format!(
                    "{}: not at its place: {step} px below the chart above, which is \
                     {before} px below its own",
                    want.title
                ));
            }
        }
        let top = chart.plot_top;
        let count =
            |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>, f: &dyn Fn([u8; 3]) -> bool| {
                let mut n = 0;
                for y in ys.start..ys.end.min(image.height) {
                    for x in xs.clone() {
                        n += usize::from(f(image.at(x, y)));
                    }
                }
                n
            };
        let below = count(
            chart.axis_x..chart.right,
            chart.axis_y + 3..chart.axis_y + 40,
            &is_ink,
        );
        let left = count(
            chart.axis_x.saturating_sub(60)..chart.axis_x.saturating_sub(2),
            top..chart.axis_y,
            &is_ink,
        );
        let title = count(
            chart.axis_x..chart.right,
            top.saturating_sub(40)..top,
            &is_ink,
        );
        for (place, n) in [
            ("tick labels and axis name below", below),
            ("tick labels and unit at the left", left),
            ("title", title),
        ] {
            if n < TEXT_PIXELS_MIN {
                return Err(format!("{}: no {place} ({n} dark pixels)", want.title));
            }
        }
        let mut spans = Vec::new();
        for (i, (&colour, &visible)) in want.colours.iter().zip(&want.visible).enumerate() {
            let in_legend = |p: [u8; 3]| tint(p, colour) >= LEGEND_TINT_MIN;
            let pixels = count(chart.axis_x..chart.right, top..chart.axis_y, &in_legend);
            if pixels < LEGEND_PIXELS_MIN {
                return Err(format!(
                    "{}: series {i}'s colour {colour:?} is not drawn ({pixels} pixels)",
                    want.title
                ));
            }
            let columns = (chart.axis_x..chart.right)
                .filter(|&x| {
                    (top..chart.axis_y + 2).any(|y| tint(image.at(x, y), colour) >= LINE_TINT_MIN)
                })
                .count();
            let share = columns as f64 / f64::from(chart.right - chart.axis_x);
            if share < LINE_SPAN_SHARE * visible {
                return Err(format!(
                    "{}: series {i}'s line ({colour:?}) spans {:.0} % of the plot, where \
                     {:.0} % of it should show",
                    want.title,
                    share * 100.0,
                    visible * 100.0
                ));
            }
            spans.push(format!("{:.0}%", share * 100.0));
        }
        report.push(format!(
            "{} at y {}: text {below}/{left}/{title} px, lines {}",
            want.title,
            chart.axis_y,
            spans.join(" ")
        ));
    }
    Ok(report.join("\n"))
}

fn window_height(charts: usize) -> u32 {
    500 + (REPORT_CHART_HEIGHT_PX + 80) * u32::try_from(charts).unwrap()
}

/// Metrics recorded by `tccc top` on this machine's /proc with the fake tree's sys/.
fn recorded_metrics(dir: &Path) -> PathBuf {
    let tree = FakeTree::new("wd-render-tree", Layout::JetPack4);
    std::fs::remove_dir_all(tree.root.join("proc")).unwrap();
    std::os::unix::fs::symlink("/proc", tree.root.join("proc")).unwrap();
    let metrics = dir.join("metrics.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args([
            "top",
            "--count",
            "12",
            "--interval-ms",
            "100",
            "--sysfs-root",
        ])
        .arg(&tree.root)
        .arg("--record")
        .arg(&metrics)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    metrics
}

fn report(metrics: &Path, out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["report", "--metrics"])
        .arg(metrics)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn the_report_of_recorded_metrics_renders_every_chart_in_chromium() {
    let dir = scratch("wd-render");
    // Another metrics file (a long soak's) to look at: scripts/check-report-render FILE.
    let given = std::env::var_os("TCCC_REPORT_METRICS").map(PathBuf::from);
    let metrics = given.clone().unwrap_or_else(|| recorded_metrics(&dir));
    let samples = read_samples(&metrics).unwrap();
    let wanted: Vec<Expected> = charts(&samples).iter().map(expected).collect();
    let titles: Vec<&str> = wanted.iter().map(|w| w.title.as_str()).collect();
    if given.is_none() {
        assert_eq!(
            titles,
            [
                "Temperatures",
                "Rail power",
                "CPU, all cores",
                "CPU per thread (busiest)",
                "Memory"
            ],
            "the recorded metrics hold zones, rails, CPU, threads and memory"
        );
    }
    let page = dir.join("report.html");
    report(&metrics, &page);
    let image = screenshot(&page, window_height(wanted.len()));
    match check(&image, &wanted) {
        Ok(seen) => eprintln!("{}x{} screenshot:\n{seen}", image.width, image.height),
        Err(error) => panic!("{error} (screenshot {:?})", page.with_extension("png")),
    }
}

/// The same page broken on purpose (charts emptied, line colours lost, data lines
/// hidden, text hidden, a chart too wide, nothing visible): the check passes the page itself and
/// refuses each broken copy.
#[test]
fn a_broken_report_fails_the_check() {
    let dir = scratch("wd-render-broken");
    let metrics = dir.join("metrics.jsonl");
    let lines: Vec<String> = (0..60u32)
        .map(|t| {
            let t_s = f64::from(t);
            serde_json::to_string(&Sample {
                t_s,
                temps_c: vec![
                    ("CPU-therm".into(), 50.0 + t_s / 2.0),
                    ("GPU-therm".into(), 45.0 + t_s / 3.0),
                ],
                rails_w: Vec::new(),
                cpu_percent: 20.0 + f64::from(t % 7),
                threads_percent: Vec::new(),
                rss_mb: 300.0 + t_s,
                memory_mb: Vec::new(),
                profile: None,
                battery_hours_left: None,
                latency_ms: None,
                drops: 0,
                realtime_allocations: 0,
            })
            .unwrap()
        })
        .collect();
    std::fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    let samples = read_samples(&metrics).unwrap();
    let wanted: Vec<Expected> = charts(&samples).iter().map(expected).collect();
    assert_eq!(wanted.len(), 3);
    let good = dir.join("good.html");
    report(&metrics, &good);
    let html = std::fs::read_to_string(&good).unwrap();
    let height = window_height(wanted.len());
    check(&screenshot(&good, height), &wanted).unwrap();

    // Every SVG emptied: a page with headings and no charts.
    let mut empty = String::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
        let open_end = rest[start..].find('>').unwrap() + start + 1;
        empty.push_str(&rest[..open_end]);
        empty.push_str("</svg>");
        rest = &rest[end..];
    }
    empty.push_str(rest);
    // The lines drawn without colour (as if the palette were lost).
    let colourless = (0..wanted.len()).fold(html.clone(), |page, i| {
        let (r, g, b) = Palette99::pick(i).rgb();
        page.replace(&format!("#{r:02X}{g:02X}{b:02X}"), "#FFFFFF")
    });
    // The data lines hidden, the legends left: colours shown, no line across a plot.
    let lineless = html
        .split("<polyline")
        .enumerate()
        .map(|(i, part)| {
            let points = part.split_once("points=\"").map_or(0, |(_, rest)| {
                rest.split('"').next().unwrap().split(' ').count()
            });
            if i > 0 && points > 10 {
                format!("<polyline visibility=\"hidden\"{part}")
            } else if i > 0 {
                format!("<polyline{part}")
            } else {
                part.to_owned()
            }
        })
        .collect::<String>();
    assert_ne!(lineless, html);
    // The charts' text (titles, tick labels, axis names, legends) hidden.
    let textless = html.replace("<text", "<text visibility=\"hidden\"");
    assert_ne!(textless, html);
    // A chart wider than the window.
    let wide = html.replacen(
        &format!("width=\"{REPORT_CHART_WIDTH_PX}\""),
        &format!("width=\"{}\"", WINDOW_WIDTH_PX + 200),
        1,
    );
    // Nothing shown at all.
    let blank = html.replacen("<body>", "<body style=\"visibility:hidden\">", 1);
    assert_ne!(blank, html);
    assert_ne!(colourless, html, "the page names its colours as #RRGGBB");
    assert_ne!(wide, html);
    for (name, page, why) in [
        ("empty", empty, "charts drawn"),
        ("colourless", colourless, "is not drawn"),
        ("lineless", lineless, "of the plot"),
        ("textless", textless, "tick labels"),
        ("wide", wide, "overflows"),
        ("blank", blank, "blank"),
    ] {
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, page).unwrap();
        let error = check(&screenshot(&path, height), &wanted).unwrap_err();
        assert!(error.contains(why), "{name}: {error}");
        eprintln!("{name}: refused: {error}");
    }
}

#[test]
fn the_colour_test_matches_plotters_palette() {
    let (r, g, b) = Palette99::pick(0).to_rgba().rgb();
    assert_eq!(tint([r, g, b], [r, g, b]), 1.0);
    // Chromium's half-covered pixel of a 1-pixel legend line in that red.
    assert!((tint([241, 138, 163], [r, g, b]) - 0.5).abs() < 0.02);
    let (g1, g2, g3) = Palette99::pick(1).rgb();
    assert_eq!(tint([r, g, b], [g1, g2, g3]), 0.0);
    assert_eq!(tint([255, 255, 255], [r, g, b]), 0.0);
    assert!(!is_ink([r, g, b]) && !is_white([r, g, b]));
    assert!(is_ink([0, 0, 0]) && is_ink([128, 128, 128]) && !is_ink([204, 204, 204]));
}
