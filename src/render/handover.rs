//! MIST and ATMIST handovers: the same record told in the order a receiving clinician
//! expects, one line per letter. What was not said is "not stated".

use super::{human, mark, wrap_into, NOT_STATED, UNCONFIRMED_LEGEND};
use crate::record::{CasualtyField, CasualtyRecord, Clock, Record, TreatmentKind, VitalField};
use std::fmt::Write;

fn or_not_stated(items: Vec<String>) -> String {
    if items.is_empty() {
        NOT_STATED.to_owned()
    } else {
        items.join("; ")
    }
}

fn mechanism(c: &CasualtyRecord) -> String {
    or_not_stated(
        c.mechanisms
            .iter()
            .map(|m| {
                format!(
                    "{}{}",
                    m.as_str().to_uppercase(),
                    mark(c.unconfirmed_mechanisms.contains(m))
                )
            })
            .collect(),
    )
}

fn injuries(c: &CasualtyRecord) -> String {
    or_not_stated(
        c.injuries
            .iter()
            .map(|i| {
                format!(
                    "{} {}{}",
                    i.kind.as_str().to_uppercase(),
                    human(i.region.as_str()),
                    mark(i.unconfirmed)
                )
            })
            .collect(),
    )
}

fn signs(c: &CasualtyRecord) -> String {
    or_not_stated(
        c.vitals
            .iter()
            .map(|v| {
                let q = |field| mark(v.unconfirmed.contains(&field));
                let mut parts = Vec::new();
                if let Some(t) = v.time {
                    parts.push(format!("at {t}"));
                }
                if let Some(p) = v.pulse {
                    parts.push(format!("HR {p}{}", q(VitalField::Pulse)));
                }
                if let Some(s) = v.bp_systolic {
                    parts.push(match v.bp_diastolic {
                        Some(d) => format!("BP {s}/{d}{}", q(VitalField::BloodPressure)),
                        None => format!("BP {s}/palp{}", q(VitalField::BloodPressure)),
                    });
                }
                if let Some(r) = v.resp_rate {
                    parts.push(format!("RR {r}{}", q(VitalField::RespRate)));
                }
                if let Some(s) = v.spo2 {
                    parts.push(format!("SpO2 {s}%{}", q(VitalField::Spo2)));
                }
                if let Some(a) = v.avpu {
                    parts.push(format!("AVPU {}{}", a.as_str(), q(VitalField::Avpu)));
                }
                if let Some(p) = v.pain {
                    parts.push(format!("pain {p}/10{}", q(VitalField::Pain)));
                }
                parts.join(" ")
            })
            .collect(),
    )
}

fn at(time: Option<Clock>) -> String {
    time.map(|t| format!(" at {t}")).unwrap_or_default()
}

fn treatments(c: &CasualtyRecord) -> String {
    let mut items: Vec<String> = c
        .tourniquets
        .iter()
        .map(|t| {
            format!(
                "{} tourniquet {}{}{}",
                t.kind.as_str(),
                human(t.limb.as_str()),
                at(t.time),
                mark(t.unconfirmed)
            )
        })
        .collect();
    items.extend(c.treatments.iter().map(|t| {
        let site = t
            .site
            .map(|s| format!(" {}", human(s.as_str())))
            .unwrap_or_default();
        let name = if t.kind == TreatmentKind::Other {
            "other treatment".to_owned()
        } else {
            human(t.kind.as_str())
        };
        format!("{name}{site}{}{}", at(t.time), mark(t.unconfirmed))
    }));
    items.extend(c.fluids.iter().map(|f| {
        let volume = f.volume_ml.map(|v| format!(" {v} ml")).unwrap_or_default();
        let route = f
            .route
            .map(|r| format!(" {}", r.as_str().to_uppercase()))
            .unwrap_or_default();
        format!(
            "{}{volume}{route}{}{}",
            human(f.name.as_str()),
            at(f.time),
            mark(f.unconfirmed)
        )
    }));
    items.extend(c.medications.iter().map(|m| {
        let dose = match (m.dose, m.unit) {
            (Some(d), Some(u)) => format!(" {d} {}", u.as_str()),
            (Some(d), None) => format!(" {d}"),
            _ => String::new(),
        };
        let route = m
            .route
            .map(|r| format!(" {}", r.as_str().to_uppercase()))
            .unwrap_or_default();
        format!(
            "{}{dose}{route}{}{}",
            m.name.replace('_', " "),
            at(m.time),
            mark(m.unconfirmed)
        )
    }));
    or_not_stated(items)
}

/// The MIST handover for every casualty.
pub fn mist(record: &Record) -> String {
    let mut out = String::new();
    for c in &record.casualties {
        let _ = writeln!(out, "MIST — casualty {}", c.id);
        wrap_into(&mut out, &format!("  M  {}", mechanism(c)), "     ", "");
        wrap_into(&mut out, "  I  ", "     ", &injuries(c));
        wrap_into(&mut out, "  S  ", "     ", &signs(c));
        wrap_into(&mut out, "  T  ", "     ", &treatments(c));
        if c.has_unconfirmed() {
            let _ = writeln!(out, "{UNCONFIRMED_LEGEND}");
        }
    }
    if out.is_empty() {
        out.push_str("MIST — no casualty heard\n");
    }
    out
}

/// The earliest clock time said about the casualty: the best the record knows of the
/// time of incident. Labelled as such, never as the time of injury itself.
fn earliest_time(c: &CasualtyRecord) -> Option<Clock> {
    let facts_times = c
        .tourniquets
        .iter()
        .map(|t| t.time)
        .chain(c.treatments.iter().map(|t| t.time))
        .chain(c.fluids.iter().map(|f| f.time))
        .chain(c.medications.iter().map(|m| m.time))
        .chain(c.vitals.iter().map(|v| v.time));
    facts_times.flatten().min()
}

/// The ATMIST handover for every casualty. Age is not part of the record, so it is never
/// printed as known.
pub fn atmist(record: &Record) -> String {
    let mut out = String::new();
    for c in &record.casualties {
        let _ = writeln!(out, "ATMIST — casualty {}", c.id);
        let sex = c.sex.map_or(NOT_STATED, |s| s.as_str());
        let doubt = mark(c.is_unconfirmed(CasualtyField::Sex));
        let _ = writeln!(out, "  A  age {NOT_STATED}; sex {sex}{doubt}");
        let time = earliest_time(c).map_or_else(
            || format!("time of incident {NOT_STATED}"),
            |t| format!("time of incident {NOT_STATED}; first recorded care {t}"),
        );
        let _ = writeln!(out, "  T  {time}");
        wrap_into(&mut out, &format!("  M  {}", mechanism(c)), "     ", "");
        wrap_into(&mut out, "  I  ", "     ", &injuries(c));
        wrap_into(&mut out, "  S  ", "     ", &signs(c));
        wrap_into(&mut out, "  T  ", "     ", &treatments(c));
        if c.has_unconfirmed() {
            let _ = writeln!(out, "{UNCONFIRMED_LEGEND}");
        }
    }
    if out.is_empty() {
        out.push_str("ATMIST — no casualty heard\n");
    }
    out
}
