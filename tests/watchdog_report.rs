//! `tccc report`: a metrics file becomes one self-contained HTML page whose SVG charts
//! parse and hold every series; a malformed file is refused naming the line.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use tccc::watchdog::dashboard::Sample;

fn sample(t: u64) -> Sample {
    let t_s = t as f64;
    let heat = 50.0 + 40.0 * (t_s / 600.0).min(1.0);
    Sample {
        t_s,
        temps_c: vec![("CPU-therm".into(), heat), ("GPU-therm".into(), heat - 2.0)],
        rails_w: vec![
            ("VDD_IN".into(), 5.0 + t_s / 300.0),
            ("VDD_SOC".into(), 1.5),
        ],
        cpu_percent: 30.0 + (t % 7) as f64,
        threads_percent: vec![
            ("tccc-asr".into(), 40.0),
            ("tccc-frontend".into(), 3.0),
            ("tccc-watchdog".into(), 0.01),
        ],
        rss_mb: 400.0 + t_s / 1000.0,
        memory_mb: vec![("asr-model".into(), 75.0), ("heap".into(), 300.0)],
        profile: Some(if t < 300 { "performance" } else { "saver" }.into()),
        battery_hours_left: Some(10.0 - t_s / 360.0),
        latency_ms: (t > 5).then_some((600.0, 1_200.0)),
        drops: 0,
        realtime_allocations: 0,
    }
}

#[test]
fn the_report_is_self_contained_html_whose_svgs_hold_every_series() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wd-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let metrics = dir.join("metrics.jsonl");
    let lines: Vec<String> = (0..=900)
        .map(|t| serde_json::to_string(&sample(t)).unwrap())
        .collect();
    std::fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    let out = dir.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["report", "--metrics"])
        .arg(&metrics)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("901 samples over 900 s"));
    assert!(html.contains("<td>hottest zone (°C)</td><td>90.0</td>"));
    assert!(html.contains("<li>0 s: performance</li>") && html.contains("<li>300 s: saver</li>"));
    let svgs: Vec<&str> = html
        .split("<svg")
        .skip(1)
        .map(|rest| rest.split("</svg>").next().unwrap())
        .collect();
    let titles = [
        ("Temperatures", &["CPU-therm", "GPU-therm"][..]),
        ("Rail power", &["VDD_IN", "VDD_SOC"][..]),
        ("CPU, all cores", &["cpu"][..]),
        (
            "CPU per thread (busiest)",
            &["tccc-asr", "tccc-frontend", "tccc-watchdog"][..],
        ),
        ("Memory", &["resident", "asr-model", "heap"][..]),
        ("End-of-speech latency", &["p50", "p99"][..]),
        ("Battery", &["hours left"][..]),
    ];
    assert_eq!(svgs.len(), titles.len());
    for (svg, (title, series)) in svgs.iter().zip(titles) {
        let text = format!("<svg{svg}</svg>");
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("the {title} SVG does not parse: {e}"));
        let texts: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(texts.contains(&title), "{title}: {texts:?}");
        for name in series {
            assert!(texts.contains(name), "{title}: no {name} in {texts:?}");
        }
        let lines = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .filter(|n| {
                n.attribute("points")
                    .is_some_and(|p| p.split(' ').count() > 100)
            })
            .count();
        assert_eq!(lines, series.len(), "{title}: one long line per series");
    }

    std::fs::write(&metrics, format!("{}\nnot json\n", lines[0])).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(["report", "--metrics"])
        .arg(&metrics)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("line 2"));
}
