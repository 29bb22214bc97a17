//! The DD Form 1380 TCCC card as plain text in the card's section order: header,
//! mechanism, injuries, tourniquets, signs and symptoms (four timed columns per block,
//! more on continuation blocks), MARCH treatments, meds, other, notes. Every line fits 80
//! columns.

use super::{human, mark, wrap_into, NOT_STATED, UNCONFIRMED_LEGEND};
use crate::limits::{CARD_COLUMNS_MAX, CARD_VITAL_COLUMNS_MAX};
use crate::record::{
    CasualtyField, CasualtyRecord, Clock, Evac, Limb, Mechanism, Record, TreatmentKind, VitalField,
    VitalsSet,
};
use std::fmt::Write;

const RULE_HEAVY: &str =
    "================================================================================";
const RULE_LIGHT: &str =
    "--------------------------------------------------------------------------------";

const _: () = assert!(RULE_HEAVY.len() == CARD_COLUMNS_MAX);
const _: () = assert!(RULE_LIGHT.len() == CARD_COLUMNS_MAX);

/// Every casualty's card, one after the other.
pub fn render(record: &Record) -> String {
    if record.casualties.is_empty() {
        return format!("{RULE_HEAVY}\n TCCC CARD (DD 1380): no casualty heard\n{RULE_HEAVY}\n");
    }
    record.casualties.iter().map(render_casualty).collect()
}

fn time_text(time: Option<Clock>) -> String {
    time.map_or_else(|| "time not stated".to_owned(), |t| t.to_string())
}

/// A box ticked with an unconfirmed value shows `[?]`.
fn check_or_doubt(marked: bool, unconfirmed: bool) -> &'static str {
    match (marked, unconfirmed) {
        (true, true) => "[?]",
        (true, false) => "[X]",
        (false, _) => "[ ]",
    }
}

/// One casualty's card.
pub fn render_casualty(c: &CasualtyRecord) -> String {
    let mut out = String::new();
    let title = " TCCC CARD (DD 1380)";
    let id = format!("CASUALTY {}", c.id);
    let gap = CARD_COLUMNS_MAX.saturating_sub(title.len() + id.len());
    let _ = writeln!(
        out,
        "{RULE_HEAVY}\n{title}{}{id}\n{RULE_HEAVY}",
        " ".repeat(gap)
    );
    header(&mut out, c);
    mechanism(&mut out, c);
    injuries(&mut out, c);
    tourniquets(&mut out, c);
    vitals(&mut out, &c.vitals);
    treatments(&mut out, c);
    medications(&mut out, c);
    other(&mut out, c);
    let _ = writeln!(out, "{RULE_LIGHT}\n NOTES: {NOT_STATED}");
    if c.has_unconfirmed() {
        let _ = writeln!(out, "{UNCONFIRMED_LEGEND}");
    }
    let _ = writeln!(out, "{RULE_HEAVY}");
    out
}

fn header(out: &mut String, c: &CasualtyRecord) {
    let doubt = |field| mark(c.is_unconfirmed(field));
    let roster = c
        .battle_roster
        .as_deref()
        .map_or(NOT_STATED.to_owned(), |r| {
            format!("{}{}", truncate(r, 19), doubt(CasualtyField::BattleRoster))
        });
    let roster = roster.as_str();
    let evac = |e| {
        check_or_doubt(
            c.evac_category == Some(e),
            c.is_unconfirmed(CasualtyField::EvacCategory),
        )
    };
    let _ = writeln!(
        out,
        " BATTLE ROSTER #: {:<20} EVAC: {} Urgent {} Priority {} Routine",
        truncate(roster, 20),
        evac(Evac::Urgent),
        evac(Evac::Priority),
        evac(Evac::Routine)
    );
    let gender = match c.sex {
        Some(crate::record::Sex::Male) => "M",
        Some(crate::record::Sex::Female) => "F",
        None => NOT_STATED,
    };
    let gender = format!("{gender}{}", doubt(CasualtyField::Sex));
    let name = c.name.as_deref().map_or(NOT_STATED.to_owned(), |n| {
        format!("{}{}", truncate(n, 31), doubt(CasualtyField::Name))
    });
    let last4 = c.last4.as_deref().map_or(NOT_STATED.to_owned(), |l| {
        format!("{l}{}", doubt(CasualtyField::Last4))
    });
    let _ = writeln!(
        out,
        " NAME: {:<32} LAST 4: {:<11} GENDER: {}",
        truncate(&name, 32),
        last4,
        gender
    );
    let allergies = if c.allergies.is_empty() {
        NOT_STATED.to_owned()
    } else {
        c.allergies
            .iter()
            .map(|a| {
                let text = if a == "nkda" {
                    "NKDA".to_owned()
                } else {
                    a.clone()
                };
                format!("{text}{}", mark(c.unconfirmed_allergies.contains(a)))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    wrap_into(out, &format!(" ALLERGIES: {allergies}"), "   ", "");
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

fn mechanism(out: &mut String, c: &CasualtyRecord) {
    let _ = writeln!(out, "{RULE_LIGHT}\n MECHANISM OF INJURY");
    let labels = [
        (Mechanism::Artillery, "Artillery"),
        (Mechanism::Blunt, "Blunt"),
        (Mechanism::Burn, "Burn"),
        (Mechanism::Fall, "Fall"),
        (Mechanism::Grenade, "Grenade"),
        (Mechanism::Gsw, "GSW"),
        (Mechanism::Ied, "IED"),
        (Mechanism::Landmine, "Landmine"),
        (Mechanism::Mvc, "MVC"),
        (Mechanism::Rpg, "RPG"),
        (Mechanism::Other, "Other"),
    ];
    for row in labels.chunks(6) {
        let boxes: Vec<String> = row
            .iter()
            .map(|(m, label)| {
                let box_ = check_or_doubt(
                    c.mechanisms.contains(m),
                    c.unconfirmed_mechanisms.contains(m),
                );
                format!("{box_} {label}")
            })
            .collect();
        let _ = writeln!(out, "   {}", boxes.join("  "));
    }
}

fn injuries(out: &mut String, c: &CasualtyRecord) {
    let _ = writeln!(out, "{RULE_LIGHT}\n INJURIES");
    if c.injuries.is_empty() {
        let _ = writeln!(out, "   {NOT_STATED}");
        return;
    }
    for injury in &c.injuries {
        let _ = writeln!(
            out,
            "   {:<16} {}{}",
            human(injury.region.as_str()),
            injury.kind.as_str().to_uppercase(),
            mark(injury.unconfirmed)
        );
    }
}

fn tourniquets(out: &mut String, c: &CasualtyRecord) {
    let _ = writeln!(out, "{RULE_LIGHT}\n TOURNIQUETS (TQ)");
    let corner = |limb: Limb| -> String {
        let entries: Vec<String> = c
            .tourniquets
            .iter()
            .filter(|t| t.limb == limb)
            .map(|t| {
                format!(
                    "{} {}{}",
                    t.kind.as_str(),
                    t.time.map_or("--:--".to_owned(), |t| t.to_string()),
                    mark(t.unconfirmed)
                )
            })
            .collect();
        if entries.is_empty() {
            "-".to_owned()
        } else {
            entries.join("; ")
        }
    };
    let _ = writeln!(
        out,
        "   R Arm: {:<30} L Arm: {}",
        truncate(&corner(Limb::RightArm), 30),
        truncate(&corner(Limb::LeftArm), 32)
    );
    let _ = writeln!(
        out,
        "   R Leg: {:<30} L Leg: {}",
        truncate(&corner(Limb::RightLeg), 30),
        truncate(&corner(Limb::LeftLeg), 32)
    );
}

/// The signs-and-symptoms grid: up to four timed columns per block.
fn vitals(out: &mut String, sets: &[VitalsSet]) {
    let _ = writeln!(out, "{RULE_LIGHT}\n SIGNS & SYMPTOMS");
    if sets.is_empty() {
        let _ = writeln!(out, "   {NOT_STATED}");
        return;
    }
    type Cell = fn(&VitalsSet) -> Option<String>;
    let rows: [(&str, Option<VitalField>, Cell); 7] = [
        ("Time", None, |v| v.time.map(|t| t.to_string())),
        ("Pulse (rate)", Some(VitalField::Pulse), |v| {
            v.pulse.map(|p| p.to_string())
        }),
        ("Blood pressure", Some(VitalField::BloodPressure), |v| {
            v.bp_systolic.map(|s| match v.bp_diastolic {
                Some(d) => format!("{s}/{d}"),
                None => format!("{s}/palp"),
            })
        }),
        ("Resp rate", Some(VitalField::RespRate), |v| {
            v.resp_rate.map(|r| r.to_string())
        }),
        ("Pulse ox % SpO2", Some(VitalField::Spo2), |v| {
            v.spo2.map(|s| s.to_string())
        }),
        ("AVPU", Some(VitalField::Avpu), |v| {
            v.avpu.map(|a| a.as_str().to_owned())
        }),
        ("Pain (0-10)", Some(VitalField::Pain), |v| {
            v.pain.map(|p| p.to_string())
        }),
    ];
    for (block, chunk) in sets.chunks(CARD_VITAL_COLUMNS_MAX).enumerate() {
        if block > 0 {
            let _ = writeln!(
                out,
                "   (continued, sets {} to {})",
                block * CARD_VITAL_COLUMNS_MAX + 1,
                block * CARD_VITAL_COLUMNS_MAX + chunk.len()
            );
        }
        for (label, field, cell) in rows {
            let mut line = format!("   {label:<18}");
            for set in chunk {
                let doubt = field.is_some_and(|f| set.unconfirmed.contains(&f));
                let text =
                    cell(set).map_or_else(|| "-".to_owned(), |t| format!("{t}{}", mark(doubt)));
                let _ = write!(line, "| {:<12}", truncate(&text, 12));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

fn treatments(out: &mut String, c: &CasualtyRecord) {
    let _ = writeln!(out, "{RULE_LIGHT}\n TREATMENTS (MARCH)");
    let describe = |kinds: &[TreatmentKind]| -> Vec<String> {
        c.treatments
            .iter()
            .filter(|t| kinds.contains(&t.kind))
            .map(|t| {
                let mut text = human(t.kind.as_str());
                if let Some(site) = t.site {
                    let _ = write!(text, " {}", human(site.as_str()));
                }
                if let Some(time) = t.time {
                    let _ = write!(text, " {time}");
                }
                text.push_str(mark(t.unconfirmed));
                text
            })
            .collect()
    };
    let tq: Vec<String> = c
        .tourniquets
        .iter()
        .map(|t| {
            format!(
                "TQ-{} {} {}{}",
                t.kind.as_str(),
                human(t.limb.as_str()),
                time_text(t.time),
                mark(t.unconfirmed)
            )
        })
        .collect();
    let mut massive = tq;
    massive.extend(describe(&[
        TreatmentKind::PressureDressing,
        TreatmentKind::HemostaticDressing,
    ]));
    line_list(out, " M/C:", &massive);
    line_list(
        out,
        " A:  ",
        &describe(&[
            TreatmentKind::Npa,
            TreatmentKind::Sga,
            TreatmentKind::Ett,
            TreatmentKind::Cric,
        ]),
    );
    line_list(
        out,
        " B:  ",
        &describe(&[
            TreatmentKind::Oxygen,
            TreatmentKind::NeedleDecompression,
            TreatmentKind::ChestTube,
            TreatmentKind::ChestSeal,
        ]),
    );
    let fluids: Vec<String> = c
        .fluids
        .iter()
        .map(|f| {
            let mut text = human(f.name.as_str());
            if let Some(v) = f.volume_ml {
                let _ = write!(text, " {v} ml");
            }
            if let Some(r) = f.route {
                let _ = write!(text, " {}", r.as_str().to_uppercase());
            }
            if let Some(t) = f.time {
                let _ = write!(text, " {t}");
            }
            text.push_str(mark(f.unconfirmed));
            text
        })
        .collect();
    line_list(out, " C:  ", &fluids);
}

fn line_list(out: &mut String, label: &str, entries: &[String]) {
    let text = if entries.is_empty() {
        "-".to_owned()
    } else {
        entries.join("; ")
    };
    wrap_into(out, &format!("{label} "), "       ", &text);
}

/// Drugs the card lists as analgesics and antibiotics; everything else is "other".
const ANALGESICS: &[&str] = &[
    "ketamine",
    "fentanyl",
    "morphine",
    "hydromorphone",
    "acetaminophen",
    "meloxicam",
];
const ANTIBIOTICS: &[&str] = &[
    "moxifloxacin",
    "ertapenem",
    "cefazolin",
    "ceftriaxone",
    "cefadroxil",
    "cephalexin",
];

fn medications(out: &mut String, c: &CasualtyRecord) {
    let _ = writeln!(out, "{RULE_LIGHT}\n MEDS");
    let rows: Vec<(bool, bool, String)> = c
        .medications
        .iter()
        .map(|m| {
            let mut text = m.name.replace('_', " ");
            if let Some(dose) = m.dose {
                let _ = write!(text, " {dose}");
                if let Some(unit) = m.unit {
                    let _ = write!(text, " {}", unit.as_str());
                }
            }
            if let Some(route) = m.route {
                let _ = write!(text, " {}", route.as_str().to_uppercase());
            }
            if let Some(time) = m.time {
                let _ = write!(text, " {time}");
            }
            text.push_str(mark(m.unconfirmed));
            (
                ANALGESICS.contains(&m.name),
                ANTIBIOTICS.contains(&m.name),
                text,
            )
        })
        .collect();
    let pick = |analgesic: bool, antibiotic: bool| -> Vec<String> {
        rows.iter()
            .filter(|(a, b, _)| *a == analgesic && *b == antibiotic)
            .map(|(_, _, t)| t.clone())
            .collect()
    };
    line_list(out, "   Analgesic: ", &pick(true, false));
    line_list(out, "   Antibiotic:", &pick(false, true));
    line_list(out, "   Other:     ", &pick(false, false));
}

fn other(out: &mut String, c: &CasualtyRecord) {
    // `[?]` when every saying of the treatment is unconfirmed.
    let has = |kind| {
        let said = c.treatments.iter().any(|t| t.kind == kind);
        let sure = c
            .treatments
            .iter()
            .any(|t| t.kind == kind && !t.unconfirmed);
        check_or_doubt(said, said && !sure)
    };
    let _ = writeln!(out, "{RULE_LIGHT}\n OTHER");
    let _ = writeln!(
        out,
        "   {} Combat pill pack  {} Eye shield  {} Splint  {} Hypothermia prevention",
        has(TreatmentKind::CombatPillPack),
        has(TreatmentKind::EyeShield),
        has(TreatmentKind::Splint),
        has(TreatmentKind::HypothermiaPrevention)
    );
    let others: Vec<String> = c
        .treatments
        .iter()
        .filter(|t| t.kind == TreatmentKind::Other)
        .map(|t| {
            format!(
                "other{}{}",
                t.site
                    .map(|s| format!(" {}", human(s.as_str())))
                    .unwrap_or_default(),
                mark(t.unconfirmed)
            )
        })
        .collect();
    if !others.is_empty() {
        line_list(out, "   Also:", &others);
    }
}
