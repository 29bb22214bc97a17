//! `tccc export --card OUT.pdf`: a printable DD Form 1380 per casualty, front and back, on
//! US Letter pages, drawn with `pdf-writer` in the standard Helvetica fonts (no embedded
//! font; text is kept to ASCII). Front: battle roster number, evacuation category, name,
//! last four, gender, allergies, mechanism boxes, injuries with their locations, the four
//! tourniquet corners, the signs-and-symptoms grid (four timed columns per block, further
//! blocks below). Back: the MARCH treatment boxes, fluids and blood products, medications,
//! the other treatments, notes and the first responder. What was not said stays blank or
//! reads "not stated".

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

use crate::record::{CasualtyRecord, Evac, Limb, Mechanism, Record, Sex, TreatmentKind, VitalsSet};

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 36.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
/// Vital sign sets drawn on the front (three blocks of four columns).
const VITAL_BLOCKS_MAX: usize = 3;

/// How a row of the vitals grid reads its value from a set.
type VitalCell = fn(&VitalsSet) -> String;

/// One page being drawn; `y` values are measured from the top of the page.
struct Sheet {
    content: Content,
}

fn ascii(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                b'?'
            }
        })
        .collect()
}

impl Sheet {
    fn new() -> Sheet {
        let mut content = Content::new();
        content.set_line_width(0.8);
        Sheet { content }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let bytes = ascii(text);
        self.content
            .begin_text()
            .set_font(if bold { BOLD } else { REGULAR }, size)
            .next_line(x, PAGE_HEIGHT - y)
            .show(Str(&bytes))
            .end_text();
    }

    fn frame(&mut self, x: f32, y: f32, width: f32, height: f32) {
        self.content
            .rect(x, PAGE_HEIGHT - y - height, width, height)
            .stroke();
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.content
            .move_to(x1, PAGE_HEIGHT - y1)
            .line_to(x2, PAGE_HEIGHT - y2)
            .stroke();
    }

    /// A labelled box with its label in small capitals at the top left.
    fn field(&mut self, x: f32, y: f32, width: f32, height: f32, label: &str, value: &str) {
        self.frame(x, y, width, height);
        self.text(x + 3.0, y + 9.0, 6.5, true, label);
        self.text(x + 4.0, y + height - 6.0, 10.0, false, value);
    }

    /// A check box and its label; returns the x after it.
    fn check(&mut self, x: f32, y: f32, checked: bool, label: &str) -> f32 {
        self.frame(x, y - 8.0, 8.0, 8.0);
        if checked {
            self.line(x + 1.0, y - 7.0, x + 7.0, y - 1.0);
            self.line(x + 1.0, y - 1.0, x + 7.0, y - 7.0);
        }
        self.text(x + 11.0, y, 8.5, false, label);
        x + 16.0 + label.len() as f32 * 4.6
    }

    fn finish(self) -> Vec<u8> {
        self.content.finish().to_vec()
    }
}

fn or_not_stated(value: Option<&str>) -> String {
    value.map_or_else(|| "not stated".to_owned(), str::to_owned)
}

fn clock(time: Option<crate::record::Clock>) -> String {
    time.map(|t| t.to_string()).unwrap_or_default()
}

fn front(casualty: &CasualtyRecord) -> Vec<u8> {
    let mut sheet = Sheet::new();
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let left = MARGIN;
    sheet.text(
        left,
        50.0,
        14.0,
        true,
        "TACTICAL COMBAT CASUALTY CARE (TCCC) CARD",
    );
    sheet.text(
        left,
        64.0,
        8.0,
        false,
        &format!("DD FORM 1380 - FRONT - CASUALTY {}", casualty.id),
    );
    // Identity and evacuation.
    sheet.field(
        left,
        74.0,
        width * 0.45,
        30.0,
        "BATTLE ROSTER #",
        &or_not_stated(casualty.battle_roster.as_deref()),
    );
    sheet.frame(left + width * 0.45, 74.0, width * 0.55, 30.0);
    sheet.text(left + width * 0.45 + 3.0, 83.0, 6.5, true, "EVAC");
    let mut x = left + width * 0.45 + 6.0;
    for (evac, label) in [
        (Evac::Urgent, "Urgent"),
        (Evac::Priority, "Priority"),
        (Evac::Routine, "Routine"),
    ] {
        x = sheet.check(x, 98.0, casualty.evac_category == Some(evac), label) + 8.0;
    }
    sheet.field(
        left,
        104.0,
        width * 0.5,
        30.0,
        "NAME (LAST, FIRST)",
        &or_not_stated(casualty.name.as_deref()),
    );
    sheet.field(
        left + width * 0.5,
        104.0,
        width * 0.2,
        30.0,
        "LAST 4",
        &or_not_stated(casualty.last4.as_deref()),
    );
    sheet.frame(left + width * 0.7, 104.0, width * 0.3, 30.0);
    sheet.text(left + width * 0.7 + 3.0, 113.0, 6.5, true, "GENDER");
    let x = sheet.check(
        left + width * 0.7 + 6.0,
        128.0,
        casualty.sex == Some(Sex::Male),
        "M",
    );
    sheet.check(x + 8.0, 128.0, casualty.sex == Some(Sex::Female), "F");
    let allergies = if casualty.allergies.is_empty() {
        "not stated".to_owned()
    } else {
        casualty
            .allergies
            .iter()
            .map(|a| if a == "nkda" { "NKDA" } else { a.as_str() })
            .collect::<Vec<_>>()
            .join(", ")
    };
    sheet.field(left, 134.0, width, 30.0, "ALLERGIES", &allergies);
    // Mechanism of injury.
    sheet.frame(left, 164.0, width, 44.0);
    sheet.text(left + 3.0, 173.0, 6.5, true, "MECHANISM OF INJURY");
    let mut x = left + 6.0;
    let mut y = 186.0;
    for mechanism in Mechanism::ALL {
        if x > left + width - 80.0 {
            x = left + 6.0;
            y += 14.0;
        }
        let label = match mechanism {
            Mechanism::Gsw => "GSW".to_owned(),
            Mechanism::Ied => "IED".to_owned(),
            Mechanism::Mvc => "MVC".to_owned(),
            Mechanism::Rpg => "RPG".to_owned(),
            other => {
                let text = other.as_str();
                let mut chars = text.chars();
                chars.next().map_or_else(String::new, |c| {
                    c.to_ascii_uppercase().to_string() + chars.as_str()
                })
            }
        };
        x = sheet.check(x, y, casualty.mechanisms.contains(mechanism), &label) + 6.0;
    }
    // Injuries and tourniquets.
    sheet.frame(left, 208.0, width * 0.55, 120.0);
    sheet.text(left + 3.0, 217.0, 6.5, true, "INJURY (LOCATION: KIND)");
    for (row, injury) in casualty.injuries.iter().take(8).enumerate() {
        sheet.text(
            left + 8.0,
            232.0 + row as f32 * 12.0,
            9.5,
            false,
            &format!(
                "{}: {}{}",
                injury.region.as_str().replace('_', " "),
                injury.kind,
                unconfirmed_mark(injury.unconfirmed)
            ),
        );
    }
    if casualty.injuries.len() > 8 {
        sheet.text(
            left + 8.0,
            324.0,
            8.0,
            false,
            &format!("+ {} more (see notes)", casualty.injuries.len() - 8),
        );
    }
    let tq_left = left + width * 0.55;
    sheet.frame(tq_left, 208.0, width * 0.45, 120.0);
    sheet.text(tq_left + 3.0, 217.0, 6.5, true, "TQ (TYPE, TIME)");
    for (row, (limb, label)) in [
        (Limb::RightArm, "TQ: R ARM"),
        (Limb::LeftArm, "TQ: L ARM"),
        (Limb::RightLeg, "TQ: R LEG"),
        (Limb::LeftLeg, "TQ: L LEG"),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 236.0 + row as f32 * 22.0;
        sheet.text(tq_left + 8.0, y, 9.0, true, label);
        let applied: Vec<String> = casualty
            .tourniquets
            .iter()
            .filter(|t| t.limb == limb)
            .map(|t| {
                let time = clock(t.time);
                let mark = unconfirmed_mark(t.unconfirmed);
                if time.is_empty() {
                    format!("{}{mark}", t.kind)
                } else {
                    format!("{} {time}{mark}", t.kind)
                }
            })
            .collect();
        sheet.text(tq_left + 70.0, y, 9.5, false, &applied.join("; "));
        sheet.line(
            tq_left + 66.0,
            y + 3.0,
            tq_left + width * 0.45 - 8.0,
            y + 3.0,
        );
    }
    // Signs and symptoms.
    let mut top = 340.0;
    let blocks: Vec<&[VitalsSet]> = casualty.vitals.chunks(4).collect();
    let drawn = blocks.len().clamp(1, VITAL_BLOCKS_MAX);
    for block in 0..drawn {
        let sets = blocks.get(block).copied().unwrap_or(&[]);
        vitals_grid(&mut sheet, left, top, width, sets, block == 0);
        top += 124.0;
    }
    if blocks.len() > VITAL_BLOCKS_MAX {
        sheet.text(
            left,
            top + 4.0,
            8.0,
            false,
            &format!(
                "+ {} more vital sign set(s): see the JSON or FHIR export",
                casualty.vitals.len() - 4 * VITAL_BLOCKS_MAX
            ),
        );
    }
    sheet.finish()
}

/// What the card prints after an unconfirmed value (the text card's mark too).
fn unconfirmed_mark(unconfirmed: bool) -> &'static str {
    if unconfirmed {
        " ?"
    } else {
        ""
    }
}

fn vitals_grid(
    sheet: &mut Sheet,
    left: f32,
    top: f32,
    width: f32,
    sets: &[VitalsSet],
    first: bool,
) {
    let label_width = 130.0;
    let column = (width - label_width) / 4.0;
    let row_height = 15.0;
    let rows: [(&str, VitalCell); 7] = [
        ("TIME", |s| clock(s.time)),
        ("PULSE (RATE)", |s| {
            s.pulse.map(|v| v.to_string()).unwrap_or_default()
        }),
        ("BLOOD PRESSURE", |s| {
            match (s.bp_systolic, s.bp_diastolic) {
                (Some(sys), Some(dia)) => format!("{sys}/{dia}"),
                (Some(sys), None) => format!("{sys}/palp"),
                _ => String::new(),
            }
        }),
        ("RESPIRATORY RATE", |s| {
            s.resp_rate.map(|v| v.to_string()).unwrap_or_default()
        }),
        ("PULSE OX % O2 SAT", |s| {
            s.spo2.map(|v| v.to_string()).unwrap_or_default()
        }),
        ("AVPU", |s| {
            s.avpu.map(|v| v.to_string()).unwrap_or_default()
        }),
        ("PAIN SCALE (0-10)", |s| {
            s.pain.map(|v| v.to_string()).unwrap_or_default()
        }),
    ];
    sheet.text(
        left + 3.0,
        top + 8.0,
        6.5,
        true,
        if first {
            "SIGNS & SYMPTOMS"
        } else {
            "SIGNS & SYMPTOMS (CONTINUED)"
        },
    );
    let grid_top = top + 12.0;
    sheet.frame(left, grid_top, width, row_height * rows.len() as f32);
    for (row, (label, value)) in rows.iter().enumerate() {
        let y = grid_top + row as f32 * row_height;
        if row > 0 {
            sheet.line(left, y, left + width, y);
        }
        sheet.text(left + 4.0, y + 11.0, 8.0, true, label);
        for (col, set) in sets.iter().enumerate() {
            let x = left + label_width + col as f32 * column;
            sheet.text(x + 6.0, y + 11.0, 9.5, false, &value(set));
        }
    }
    for col in 0..4 {
        let x = left + label_width + col as f32 * column;
        sheet.line(x, grid_top, x, grid_top + row_height * rows.len() as f32);
    }
}

fn back(casualty: &CasualtyRecord) -> Vec<u8> {
    let mut sheet = Sheet::new();
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let left = MARGIN;
    let has = |kind: TreatmentKind| casualty.treatments.iter().any(|t| t.kind == kind);
    let has_tq =
        |kind: crate::record::TourniquetKind| casualty.tourniquets.iter().any(|t| t.kind == kind);
    sheet.text(
        left,
        50.0,
        10.0,
        true,
        &format!("DD FORM 1380 - BACK - CASUALTY {}", casualty.id),
    );
    sheet.frame(left, 60.0, width, 100.0);
    sheet.text(left + 3.0, 69.0, 6.5, true, "TREATMENTS (MARCH)");
    use crate::record::TourniquetKind as Tq;
    let rows: [(&str, Vec<(bool, &str)>); 4] = [
        (
            "C:",
            vec![
                (has_tq(Tq::Extremity), "TQ-Extremity"),
                (has_tq(Tq::Junctional), "TQ-Junctional"),
                (has_tq(Tq::Truncal), "TQ-Truncal"),
                (
                    has(TreatmentKind::HemostaticDressing),
                    "Dressing-Hemostatic",
                ),
                (has(TreatmentKind::PressureDressing), "Dressing-Pressure"),
            ],
        ),
        (
            "A:",
            vec![
                (has(TreatmentKind::Npa), "NPA"),
                (has(TreatmentKind::Cric), "CRIC"),
                (has(TreatmentKind::Ett), "ET-Tube"),
                (has(TreatmentKind::Sga), "SGA"),
            ],
        ),
        (
            "B:",
            vec![
                (has(TreatmentKind::Oxygen), "O2"),
                (has(TreatmentKind::NeedleDecompression), "Needle-D"),
                (has(TreatmentKind::ChestTube), "Chest-Tube"),
                (has(TreatmentKind::ChestSeal), "Chest-Seal"),
            ],
        ),
        (
            "OTHER:",
            vec![
                (has(TreatmentKind::CombatPillPack), "Combat-Pill-Pack"),
                (has(TreatmentKind::EyeShield), "Eye-Shield"),
                (has(TreatmentKind::Splint), "Splint"),
                (
                    has(TreatmentKind::HypothermiaPrevention),
                    "Hypothermia-Prevention",
                ),
                (has(TreatmentKind::Other), "Other"),
            ],
        ),
    ];
    for (row, (label, boxes)) in rows.iter().enumerate() {
        let y = 88.0 + row as f32 * 19.0;
        sheet.text(left + 6.0, y, 9.0, true, label);
        let mut x = left + 50.0;
        for (checked, text) in boxes {
            x = sheet.check(x, y, *checked, text) + 6.0;
        }
    }
    // Fluids and blood products.
    let mut top = 172.0;
    sheet.text(left + 3.0, top, 6.5, true, "C: FLUID / BLOOD PRODUCT");
    let fluid_rows: Vec<[String; 4]> = casualty
        .fluids
        .iter()
        .map(|f| {
            [
                f.name.as_str().replace('_', " "),
                f.volume_ml.map(|v| format!("{v} ml")).unwrap_or_default(),
                f.route.map(|r| r.to_string()).unwrap_or_default(),
                clock(f.time),
            ]
        })
        .collect();
    top = table(
        &mut sheet,
        left,
        top + 4.0,
        width,
        ["NAME", "VOLUME", "ROUTE", "TIME"],
        &fluid_rows,
    );
    top += 14.0;
    sheet.text(
        left + 3.0,
        top,
        6.5,
        true,
        "MEDS (ANALGESIC, ANTIBIOTIC, OTHER)",
    );
    let med_rows: Vec<[String; 4]> = casualty
        .medications
        .iter()
        .map(|m| {
            [
                m.name.to_owned(),
                match (m.dose, m.unit) {
                    (Some(dose), Some(unit)) => format!("{dose} {unit}"),
                    (Some(dose), None) => dose.to_string(),
                    _ => String::new(),
                },
                m.route.map(|r| r.to_string()).unwrap_or_default(),
                clock(m.time),
            ]
        })
        .collect();
    top = table(
        &mut sheet,
        left,
        top + 4.0,
        width,
        ["NAME", "DOSE", "ROUTE", "TIME"],
        &med_rows,
    );
    // Notes: treatment sites and times, which the boxes cannot hold.
    top += 14.0;
    sheet.frame(left, top, width, 130.0);
    sheet.text(left + 3.0, top + 9.0, 6.5, true, "NOTES");
    let mut notes: Vec<String> = casualty
        .treatments
        .iter()
        .filter(|t| t.site.is_some() || t.time.is_some())
        .map(|t| {
            let mut note = t.kind.as_str().replace('_', " ");
            if let Some(site) = t.site {
                note.push_str(&format!(" {}", site.as_str().replace('_', " ")));
            }
            if let Some(time) = t.time {
                note.push_str(&format!(" at {time}"));
            }
            note
        })
        .collect();
    notes.push("Recorded by tccc from the medic's narration; times as spoken.".to_owned());
    for (row, note) in notes.iter().take(8).enumerate() {
        sheet.text(left + 8.0, top + 24.0 + row as f32 * 13.0, 9.0, false, note);
    }
    top += 130.0;
    sheet.field(
        left,
        top,
        width * 0.6,
        30.0,
        "FIRST RESPONDER NAME",
        "not stated",
    );
    sheet.field(
        left + width * 0.6,
        top,
        width * 0.4,
        30.0,
        "LAST 4",
        "not stated",
    );
    sheet.finish()
}

/// A four-column table with at least three rows; returns the y below it.
fn table(
    sheet: &mut Sheet,
    left: f32,
    top: f32,
    width: f32,
    header: [&str; 4],
    rows: &[[String; 4]],
) -> f32 {
    let widths = [0.4, 0.2, 0.2, 0.2];
    let row_height = 14.0;
    let count = rows.len().clamp(3, 8) + 1;
    sheet.frame(left, top, width, row_height * count as f32);
    for row in 0..count {
        let y = top + row as f32 * row_height;
        if row > 0 {
            sheet.line(left, y, left + width, y);
        }
        let mut x = left;
        for (col, fraction) in widths.iter().enumerate() {
            let text = if row == 0 {
                header[col].to_owned()
            } else {
                rows.get(row - 1)
                    .map(|r| r[col].clone())
                    .unwrap_or_default()
            };
            sheet.text(
                x + 4.0,
                y + 10.5,
                if row == 0 { 7.0 } else { 9.0 },
                row == 0,
                &text,
            );
            x += width * fraction;
            if col < 3 {
                sheet.line(x, top, x, top + row_height * count as f32);
            }
        }
    }
    top + row_height * count as f32
}

/// The record as a PDF: front and back of a DD 1380 for each casualty (one blank card when
/// no casualty was heard).
pub fn card(record: &Record) -> Vec<u8> {
    let blank = [CasualtyRecord {
        id: 1,
        ..CasualtyRecord::default()
    }];
    let casualties: &[CasualtyRecord] = if record.casualties.is_empty() {
        &blank
    } else {
        &record.casualties
    };
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let mut next = 5;
    let mut pages = Vec::new();
    let mut streams = Vec::new();
    for casualty in casualties {
        for content in [front(casualty), back(casualty)] {
            let page = Ref::new(next);
            let stream = Ref::new(next + 1);
            next += 2;
            pages.push(page);
            streams.push((page, stream, content));
        }
    }
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (page, stream, content) in &streams {
        let mut writer = pdf.page(*page);
        writer
            .parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(*stream);
        writer
            .resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        drop(writer);
        pdf.stream(*stream, content);
    }
    pdf.finish()
}
