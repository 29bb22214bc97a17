//! `tccc export --card OUT.pdf`: the printable DD 1380 renders (poppler's `pdftoppm` turns
//! every page into a PNG) and shows the record's facts in the card's places (poppler's
//! `pdftotext -layout` keeps each row's text on its line). Without poppler the test says it
//! was skipped and why. The rendered pages were also looked at (README, Journal).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

mod common;

const NARRATION: &str = "casualty one male gunshot wound left thigh
tourniquet left leg at zero nine fifteen
pulse one twenty respiratory rate twenty four
blood pressure ninety over sixty spo2 ninety four percent
gave one gram txa iv at zero nine twenty
five hundred milliliters whole blood io
needle decompression right chest at zero nine thirty
allergic to penicillin
evac urgent
casualty two blast injury right arm";

fn line_with<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?} in:\n{text}"))
}

#[test]
fn the_card_renders_and_shows_the_facts_in_their_places() {
    let (dir, state) =
        common::journaled_narration(&format!("pdf-{}", std::process::id()), NARRATION);
    let run = |args: &[&std::ffi::OsStr]| {
        common::tccc_ok(args);
    };
    let pdf = dir.join("card.pdf");
    run(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--card".as_ref(),
        pdf.as_os_str(),
    ]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "50"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .status();
    match rendered {
        Err(error) => {
            eprintln!(
                "test the_card_renders_and_shows_the_facts_in_their_places ... skipped: pdftoppm not found ({error}); install poppler-utils"
            );
            return;
        }
        Ok(status) => assert!(status.success(), "pdftoppm failed on the card"),
    }
    // Two casualties, front and back each.
    let pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".png"))
        .collect();
    assert_eq!(pages.len(), 4);
    for page in &pages {
        let png = std::fs::read(page.path()).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 2_000);
    }
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(line_with(&text, "TQ: L LEG").contains("extremity 09:15"));
    assert!(!line_with(&text, "TQ: R ARM").contains("extremity"));
    assert!(line_with(&text, "PULSE (RATE)").contains("120"));
    assert!(line_with(&text, "BLOOD PRESSURE").contains("90/60"));
    assert!(line_with(&text, "RESPIRATORY RATE").contains("24"));
    assert!(line_with(&text, "PULSE OX").contains("94"));
    assert!(line_with(&text, "left leg: gsw").contains("left leg"));
    // pdftotext may drop a narrow space ("1 g" reads "1g"): compare without spaces.
    let squeeze = |line: &str| {
        line.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    let txa = squeeze(line_with(&text, "txa"));
    assert!(txa.contains("1giv09:20"), "{txa}");
    let blood = squeeze(line_with(&text, "whole blood"));
    assert!(blood.contains("500mlio"), "{blood}");
    assert!(text.contains("needle decompression right chest at 09:30"));
    assert!(text.contains("penicillin"));
    assert!(text.contains("CASUALTY 2"));
    let _ = std::fs::remove_dir_all(&dir);
}
