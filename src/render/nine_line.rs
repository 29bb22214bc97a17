//! The MEDEVAC 9-line request. Lines 3 to 5 are counted from the record; lines 1, 2 and 6
//! to 9 come only from configuration or explicit dictation and print "not stated"
//! otherwise — the renderer never invents a grid, a frequency or a marking.

use super::NOT_STATED;
use crate::record::{Avpu, CasualtyRecord, Evac, InjuryKind, Limb, Record, Region};
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
/// unknown: nothing in the record says a casualty can walk.
fn needs_litter(c: &CasualtyRecord) -> bool {
    let leg = |r: &Region| matches!(Limb::of_region(*r), Some(Limb::LeftLeg | Limb::RightLeg));
    c.tourniquets
        .iter()
        .any(|t| matches!(t.limb, Limb::LeftLeg | Limb::RightLeg))
        || c.injuries
            .iter()
            .any(|(r, k)| leg(r) && matches!(k, InjuryKind::Amputation | InjuryKind::Fracture))
        || c.vitals
            .iter()
            .any(|v| matches!(v.avpu, Some(Avpu::Voice | Avpu::Pain | Avpu::Unresponsive)))
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
        record
            .casualties
            .iter()
            .filter(|c| c.evac_category == Some(e))
            .count()
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
        let n = count(evac);
        if n > 0 {
            precedence.push(format!("{code}{n}"));
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
    let litter = record.casualties.iter().filter(|c| needs_litter(c)).count();
    let other = record.casualties.len() - litter;
    let mut types = Vec::new();
    if litter > 0 {
        types.push(format!("L{litter}"));
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
