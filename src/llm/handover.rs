//! The handover paragraph (issue 16, 3b): a short plain-English MIST narrative of one
//! casualty, written by the model from the record alone and kept only where the checker
//! (`checked`) finds every value of a sentence in the record. The result is a draft: the
//! console (`mist N prose`) and the export (`tccc export --mist --prose`) show it under
//! [`DRAFT_HEADING`], beside the MIST lines rendered from the record itself.
//!
//! Values the medic has not confirmed are left out of the prompt and of the record the
//! paragraph is checked against, so the paragraph never states one as known.

use super::checked::{check_paragraph, record_facts, Checked, Generate, UseError};
use super::{ChatFormat, Constraint};
use crate::limits::{
    HANDOVER_ANSWER_BYTES_MAX, HANDOVER_ANSWER_TOKENS_MAX, HANDOVER_PROMPT_BYTES_MAX,
};
use crate::record::{CasualtyField, CasualtyId, CasualtyRecord, Fact, VitalValue};
use std::fmt::Write;

/// The heading every machine-written paragraph is shown under.
pub const DRAFT_HEADING: &str = "DRAFT (machine-written, checked against the record)";

/// The model's own default system line (SmolLM2 was tuned with it).
const SYSTEM: &str = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

/// The request before the facts. Measured with llama.cpp on SmolLM2-135M (see README):
/// asked to "write a handover" the model loops or invents; asked to rewrite notes given
/// as short sentences it keeps their values.
const REQUEST: &str = "Rewrite these medic's notes as one short paragraph of full sentences. \
Keep every number exactly as written and add nothing.";

/// The casualty's record without the values the medic has not confirmed.
pub fn confirmed_only(c: &CasualtyRecord) -> CasualtyRecord {
    let mut out = c.clone();
    let doubt = |field| c.is_unconfirmed(field);
    if doubt(CasualtyField::Sex) {
        out.sex = None;
    }
    if doubt(CasualtyField::EvacCategory) {
        out.evac_category = None;
    }
    if doubt(CasualtyField::Name) {
        out.name = None;
    }
    if doubt(CasualtyField::Last4) {
        out.last4 = None;
    }
    if doubt(CasualtyField::BattleRoster) {
        out.battle_roster = None;
    }
    out.mechanisms
        .retain(|m| !c.unconfirmed_mechanisms.contains(m));
    out.allergies
        .retain(|a| !c.unconfirmed_allergies.contains(a));
    out.injuries.retain(|i| !i.unconfirmed);
    out.tourniquets.retain(|t| !t.unconfirmed);
    out.treatments.retain(|t| !t.unconfirmed);
    out.fluids.retain(|f| !f.unconfirmed);
    out.medications.retain(|m| !m.unconfirmed);
    for set in &mut out.vitals {
        use crate::record::VitalField as F;
        for field in std::mem::take(&mut set.unconfirmed) {
            match field {
                F::Pulse => set.pulse = None,
                F::BloodPressure => {
                    set.bp_systolic = None;
                    set.bp_diastolic = None;
                }
                F::RespRate => set.resp_rate = None,
                F::Spo2 => set.spo2 = None,
                F::Avpu => set.avpu = None,
                F::Pain => set.pain = None,
            }
        }
    }
    out.vitals.retain(|s| {
        s.pulse.is_some()
            || s.bp_systolic.is_some()
            || s.resp_rate.is_some()
            || s.spo2.is_some()
            || s.avpu.is_some()
            || s.pain.is_some()
    });
    out.unconfirmed_fields.clear();
    out.unconfirmed_mechanisms.clear();
    out.unconfirmed_allergies.clear();
    out
}

fn human(text: &str) -> String {
    text.replace('_', " ")
}

fn at(time: Option<crate::record::Clock>) -> String {
    time.map(|t| format!(" at {t}")).unwrap_or_default()
}

/// One fact as a line of the prompt ("tourniquet on the left leg at 14:10").
fn fact_line(fact: &Fact) -> String {
    match fact {
        Fact::Sex(s) => s.to_string(),
        Fact::Evac(e) => format!("evacuation {e}"),
        Fact::Allergy(a) if a == "nkda" => "no known drug allergies".to_owned(),
        Fact::Allergy(a) => format!("allergic to {a}"),
        Fact::Name(n) => format!("name {n}"),
        Fact::Last4(l) => format!("last four {l}"),
        Fact::BattleRoster(r) => format!("battle roster number {r}"),
        Fact::Mechanism(m) => format!("mechanism {}", mechanism_words(m.as_str())),
        Fact::Injury { region, kind } => format!(
            "{} to the {}",
            injury_words(kind.as_str()),
            human(region.as_str())
        ),
        Fact::Tourniquet { limb, kind, time } => format!(
            "{} tourniquet on the {}{}",
            kind,
            human(limb.as_str()),
            at(*time)
        ),
        Fact::Vital { value, time } => {
            let text = match value {
                VitalValue::Pulse(v) => format!("pulse {v}"),
                VitalValue::BloodPressure {
                    systolic,
                    diastolic: Some(d),
                } => format!("blood pressure {systolic}/{d}"),
                VitalValue::BloodPressure {
                    systolic,
                    diastolic: None,
                } => format!("blood pressure {systolic} by palpation"),
                VitalValue::RespRate(v) => format!("respiratory rate {v}"),
                VitalValue::Spo2(v) => format!("SpO2 {v}%"),
                VitalValue::Avpu(a) => format!("AVPU {}", avpu_words(a.as_str())),
                VitalValue::Pain(v) => format!("pain {v}/10"),
            };
            format!("{text}{}", at(*time))
        }
        Fact::Treatment { kind, site, time } => format!(
            "{}{}{}",
            treatment_words(kind.as_str()),
            site.map(|s| format!(" to the {}", human(s.as_str())))
                .unwrap_or_default(),
            at(*time)
        ),
        Fact::Fluid {
            name,
            volume_ml,
            route,
            time,
        } => format!(
            "{}{}{}{}",
            volume_ml.map(|v| format!("{v} ml ")).unwrap_or_default(),
            human(name.as_str()),
            route
                .map(|r| format!(" {}", r.as_str().to_uppercase()))
                .unwrap_or_default(),
            at(*time)
        ),
        Fact::Medication {
            name,
            dose,
            unit,
            route,
            time,
        } => format!(
            "{}{}{}{}",
            if name.len() <= 3 {
                name.to_uppercase()
            } else {
                human(name)
            },
            match (dose, unit) {
                (Some(d), Some(u)) => format!(" {d} {u}"),
                (Some(d), None) => format!(" {d}"),
                _ => String::new(),
            },
            route
                .map(|r| format!(" {}", r.as_str().to_uppercase()))
                .unwrap_or_default(),
            at(*time)
        ),
        Fact::InjuryTime(time) => format!("injured at {time}"),
        Fact::TourniquetOff { limb, time } => {
            format!("tourniquet off the {}{}", human(limb.as_str()), at(*time))
        }
        Fact::TourniquetOverClothing { limb } => {
            format!("tourniquet on the {} over clothing", human(limb.as_str()))
        }
        Fact::OpenFracture { region } => {
            format!("open fracture of the {}", human(region.as_str()))
        }
        Fact::Evisceration { region } => {
            format!("evisceration of the {}", human(region.as_str()))
        }
        Fact::Perfusion(sign) => human(sign.as_str()),
        Fact::Disarmed => "weapons taken from the casualty".to_owned(),
        Fact::BurnExtent { percent } => format!("burns {percent} % total body surface area"),
        Fact::BodyWeight { kg } => format!("weight {kg} kg"),
        Fact::Expectant(true) => "triaged expectant".to_owned(),
        Fact::Expectant(false) => "re-triaged from expectant".to_owned(),
    }
}

fn mechanism_words(m: &str) -> String {
    match m {
        "gsw" => "gunshot".to_owned(),
        "ied" => "IED blast".to_owned(),
        "mvc" => "vehicle crash".to_owned(),
        "rpg" => "RPG".to_owned(),
        other => other.to_owned(),
    }
}

fn injury_words(kind: &str) -> String {
    match kind {
        "gsw" => "gunshot wound".to_owned(),
        "penetrating" => "penetrating wound".to_owned(),
        "blunt" => "blunt injury".to_owned(),
        other => other.to_owned(),
    }
}

fn treatment_words(kind: &str) -> String {
    match kind {
        "npa" => "nasopharyngeal airway".to_owned(),
        "sga" => "supraglottic airway".to_owned(),
        "ett" => "endotracheal tube".to_owned(),
        "cric" => "cricothyroidotomy".to_owned(),
        "o2" => "oxygen".to_owned(),
        other => human(other),
    }
}

fn avpu_words(level: &str) -> &'static str {
    match level {
        "A" => "alert",
        "V" => "responds to voice",
        "P" => "responds to pain",
        _ => "unresponsive",
    }
}

/// The facts of a (confirmed-only) casualty record as the prompt gives them: "Casualty
/// 2." and one short sentence per fact, cut at a whole sentence so the prompt stays under
/// `HANDOVER_PROMPT_BYTES_MAX`.
pub fn facts_text(c: &CasualtyRecord) -> String {
    let mut out = format!("Casualty {}.", c.id);
    let budget = HANDOVER_PROMPT_BYTES_MAX.saturating_sub(SYSTEM.len() + REQUEST.len() + 128);
    for fact in record_facts(c) {
        let line = fact_line(&fact);
        let mut chars = line.chars();
        let sentence = match chars.next() {
            Some(first) => format!(" {}{}.", first.to_uppercase(), chars.as_str()),
            None => continue,
        };
        if out.len() + sentence.len() > budget {
            break;
        }
        out.push_str(&sentence);
    }
    out
}

/// The whole prompt for one casualty, in the chat layout of the model that answers.
pub fn prompt(c: &CasualtyRecord, format: ChatFormat) -> String {
    // SmolLM2's own system line names it; Gemma has no system role and is not SmolLM.
    let system = match format {
        ChatFormat::ChatMl => SYSTEM,
        ChatFormat::Gemma => "",
    };
    format.prompt(system, &format!("{REQUEST}\n\n{}", facts_text(c)))
}

/// What the paragraph may be written with: one paragraph of plain text (no line break, no
/// markup, no chat markers), at most `HANDOVER_ANSWER_BYTES_MAX` bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prose;

impl Constraint for Prose {
    fn allows(&self, written: &[u8], piece: &[u8]) -> bool {
        written.len() + piece.len() <= HANDOVER_ANSWER_BYTES_MAX
            && piece.iter().all(|b| {
                !matches!(
                    b,
                    b'\n' | b'\r' | b'#' | b'*' | b'|' | b'<' | b'>' | b'`' | b'_'
                )
            })
            && !(written.is_empty() && piece.first().is_some_and(u8::is_ascii_whitespace))
    }
    fn complete(&self, written: &[u8]) -> bool {
        !written.is_empty()
    }
}

/// A checked paragraph about one casualty.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub casualty: CasualtyId,
    pub checked: Checked,
    /// Values left out because the medic has not confirmed them.
    pub unconfirmed_left_out: usize,
}

impl Draft {
    /// The draft for people: the heading, the kept paragraph wrapped at 80 columns, and
    /// how many sentences were dropped.
    pub fn render(&self) -> String {
        let mut out = format!("{DRAFT_HEADING} — casualty {}\n", self.casualty);
        let paragraph = self.checked.paragraph();
        if paragraph.is_empty() {
            out.push_str("  (no sentence of the model's paragraph passed the check)\n");
        } else {
            crate::render::wrap_into(&mut out, "  ", "  ", &paragraph);
        }
        let dropped = self.checked.dropped.len();
        if dropped > 0 {
            let _ = writeln!(
                out,
                "  [{dropped} sentence(s) dropped by the check against the record]"
            );
        }
        if self.unconfirmed_left_out > 0 {
            let _ = writeln!(
                out,
                "  [{} unconfirmed value(s) left out]",
                self.unconfirmed_left_out
            );
        }
        out
    }
}

/// Writes and checks the handover paragraph for casualty `c`.
pub fn draft(generator: &mut dyn Generate, c: &CasualtyRecord) -> Result<Draft, UseError> {
    let confirmed = confirmed_only(c);
    let left_out = record_facts(c)
        .len()
        .saturating_sub(record_facts(&confirmed).len());
    let mut answer = String::new();
    generator.generate(
        &prompt(&confirmed, generator.chat_format()),
        &Prose,
        HANDOVER_ANSWER_TOKENS_MAX,
        &mut answer,
    )?;
    Ok(Draft {
        casualty: c.id,
        checked: check_paragraph(&answer, &confirmed),
        unconfirmed_left_out: left_out,
    })
}
