//! The MEDEVAC 9-line request. Lines 3 to 5 are counted from the record; lines 1, 2 and 6
//! to 9 come only from configuration or explicit dictation and print "not stated"
//! otherwise — the renderer never invents a grid, a frequency or a marking.

use super::{NOT_STATED, UNCONFIRMED_MARK};
use crate::record::{Avpu, CasualtyField, CasualtyRecord, Evac, InjuryKind, Limb, Record};
use std::fmt::Write;

/// The 9-line values that cannot come from the medic's clinical narration.
#[derive(Clone, Debug, Default)]
pub struct NineLineSettings {
    /// Line 1: location of the pickup site (grid).
    pub location: Option<String>,
    /// Line 2: radio frequency, call sign and suffix.
    pub radio: Option<String>,
    /// Line 4: special equipment (A none, B hoist, C extraction, D ventilator).
    pub special_equipment: Option<String>,
    /// Line 6: security of the pickup site (N, P, E, X).
    pub security: Option<String>,
    /// Line 7: method of marking (A panels, B pyro, C smoke, D none, E other).
    pub marking: Option<String>,
    /// Line 8: patient nationality and status (A to E).
    pub nationality: Option<String>,
    /// Line 9: CBRN contamination or terrain.
    pub cbrn_or_terrain: Option<String>,
}

/// A casualty who cannot walk, by what the record shows: a leg tourniquet, a leg
/// amputation or fracture, or a level of consciousness below alert. Otherwise the type is
/// unknown: nothing in the record says a casualty can walk. `Some(true)` when only
/// unconfirmed values say so.
fn needs_litter(c: &CasualtyRecord) -> Option<bool> {
    let leg = |l: Option<Limb>| matches!(l, Some(Limb::LeftLeg | Limb::RightLeg));
    let reasons = c
        .tourniquets
        .iter()
        .filter(|t| leg(Some(t.limb)))
        .map(|t| t.unconfirmed)
        .chain(
            c.injuries
                .iter()
                .filter(|i| {
                    leg(Limb::of_region(i.region))
                        && matches!(i.kind, InjuryKind::Amputation | InjuryKind::Fracture)
                })
                .map(|i| i.unconfirmed),
        )
        .chain(
            c.vitals
                .iter()
                .filter(|v| matches!(v.avpu, Some(Avpu::Voice | Avpu::Pain | Avpu::Unresponsive)))
                .map(|v| v.unconfirmed.contains(&crate::record::VitalField::Avpu)),
        );
    reasons.reduce(|a, b| a && b)
}

/// `n`, with how many of them rest on unconfirmed values: "2" or "2 (1?)".
fn counted(n: usize, unconfirmed: usize) -> String {
    if unconfirmed == 0 {
        n.to_string()
    } else {
        format!("{n} ({unconfirmed}{UNCONFIRMED_MARK})")
    }
}

fn line(out: &mut String, number: u8, title: &str, value: Option<&str>) {
    let _ = writeln!(
        out,
        "LINE {number} {title:<28} {}",
        value.unwrap_or(NOT_STATED)
    );
}

/// The 9-line for the whole record.
pub fn render(record: &Record, settings: &NineLineSettings) -> String {
    let mut out = String::from("MEDEVAC REQUEST (9-LINE)\n");
    line(
        &mut out,
        1,
        "Location of pickup site",
        settings.location.as_deref(),
    );
    line(
        &mut out,
        2,
        "Frequency / call sign",
        settings.radio.as_deref(),
    );
    let count = |e: Evac| {
        let of = || {
            record
                .casualties
                .iter()
                .filter(move |c| c.evac_category == Some(e))
        };
        let doubted = of()
            .filter(|c| c.is_unconfirmed(CasualtyField::EvacCategory))
            .count();
        (of().count(), doubted)
    };
    let unknown = record
        .casualties
        .iter()
        .filter(|c| c.evac_category.is_none())
        .count();
    let mut precedence = Vec::new();
    for (code, evac) in [
        ("A", Evac::Urgent),
        ("C", Evac::Priority),
        ("D", Evac::Routine),
    ] {
        let (n, doubted) = count(evac);
        if n > 0 {
            precedence.push(format!("{code}{}", counted(n, doubted)));
        }
    }
    if unknown > 0 {
        precedence.push(format!("{unknown} precedence {NOT_STATED}"));
    }
    let precedence = if precedence.is_empty() {
        NOT_STATED.to_owned()
    } else {
        precedence.join(", ")
    };
    line(&mut out, 3, "Patients by precedence", Some(&precedence));
    line(
        &mut out,
        4,
        "Special equipment",
        settings.special_equipment.as_deref(),
    );
    let litter = record
        .casualties
        .iter()
        .filter_map(needs_litter)
        .collect::<Vec<bool>>();
    let doubted = litter.iter().filter(|d| **d).count();
    let litter = litter.len();
    let other = record.casualties.len() - litter;
    let mut types = Vec::new();
    if litter > 0 {
        types.push(format!("L{}", counted(litter, doubted)));
    }
    if other > 0 {
        types.push(format!("{other} type {NOT_STATED}"));
    }
    let types = if types.is_empty() {
        NOT_STATED.to_owned()
    } else {
        types.join(", ")
    };
    line(&mut out, 5, "Patients by type", Some(&types));
    line(
        &mut out,
        6,
        "Security of pickup site",
        settings.security.as_deref(),
    );
    line(
        &mut out,
        7,
        "Method of marking",
        settings.marking.as_deref(),
    );
    line(
        &mut out,
        8,
        "Nationality and status",
        settings.nationality.as_deref(),
    );
    line(
        &mut out,
        9,
        "CBRN / terrain",
        settings.cbrn_or_terrain.as_deref(),
    );
    out
}
