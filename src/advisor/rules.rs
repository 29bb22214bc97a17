//! The guideline rules as versioned data: `rules.toml` (embedded) is read into typed rules
//! and validated at start — every fact name exists in the record's vocabulary (medications
//! in the extractor's lexicon), every condition is one the advisor computes, every message
//! uses only known placeholders, every rule cites DOMAIN.md §4.4, and no two rules of the
//! same kind watch the same facts with the same timing (an overlapping duplicate would
//! alert twice for one thing).

use serde::{Deserialize, Serialize};

use super::AdvisorError;
use crate::limits::{ADVISOR_MESSAGE_BYTES_MAX, ADVISOR_RULES_MAX};
use crate::record::{
    Avpu, Fact, FluidName, InjuryKind, LiveFact, Region, Route, TreatmentKind, VitalField,
    VitalValue,
};

/// The SpO2 a casualty with a traumatic brain injury is kept above (DOMAIN.md §4.4 #16,
/// G2024 l.161-166). A guideline value, not a capacity: it changes with the guideline.
pub const TBI_SPO2_TARGET_PERCENT: u8 = 90;

/// The SpO2 under which torso trauma makes a tension pneumothorax suspected (DOMAIN.md
/// §4.4 #14, G2024 l.98-108). A guideline value, not a capacity.
pub const TENSION_PTX_SPO2_PERCENT: u8 = 90;

/// The rules tccc ships with.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; may rest on an unconfirmed fact.
    Advisory,
    /// Something is due now or was done against the guideline; only on confirmed facts.
    Warning,
}

impl Severity {
    /// The word the console shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Advisory => "advisory",
            Severity::Warning => "WARNING",
        }
    }
}

/// What the record must hold for a rule to apply: one kind of fact, optionally narrowed.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    Tourniquet,
    /// "tourniquet off at 0730" (`Fact::TourniquetOff`).
    TourniquetOff,
    /// A tourniquet said to be over clothing (`Fact::TourniquetOverClothing`).
    TourniquetOverClothing,
    /// An open fracture (`Fact::OpenFracture`).
    OpenFracture,
    /// adv18: an evisceration (`Fact::Evisceration`).
    Evisceration,
    /// The casualty's weapons taken (`Fact::Disarmed`).
    Disarmed,
    /// An injury of this kind, in one of these regions (any region when empty).
    Injury(InjuryKind, Vec<Region>),
    Avpu,
    /// advisor4: a measured vital sign of this field ("vital:pulse", "vital:blood_pressure",
    /// "vital:resp_rate", "vital:spo2").
    Vital(VitalField),
    /// advisor4: a sign of perfusion said in words ("radial's weak", "strong radial").
    Perfusion,
    /// A treatment of this kind, at one of these sites (any site when empty).
    Treatment(TreatmentKind, Vec<Region>),
    Fluid(FluidName),
    /// A medication by name, by any route when the list is empty.
    Medication(&'static str, Vec<Route>),
}

impl Selector {
    /// Reads "medication:fentanyl@iv,io", "injury:amputation@left_leg,right_leg",
    /// "treatment:other@pelvis" and the other spellings of the rule file.
    pub fn parse(text: &str) -> Option<Selector> {
        if text == "tourniquet" {
            return Some(Selector::Tourniquet);
        }
        if text == "vital:avpu" {
            return Some(Selector::Avpu);
        }
        match text {
            "vital:pulse" => return Some(Selector::Vital(VitalField::Pulse)),
            "vital:blood_pressure" => return Some(Selector::Vital(VitalField::BloodPressure)),
            "vital:resp_rate" => return Some(Selector::Vital(VitalField::RespRate)),
            "vital:spo2" => return Some(Selector::Vital(VitalField::Spo2)),
            "perfusion" => return Some(Selector::Perfusion),
            "tourniquet_off" => return Some(Selector::TourniquetOff),
            "tourniquet_over_clothing" => return Some(Selector::TourniquetOverClothing),
            "open_fracture" => return Some(Selector::OpenFracture),
            "evisceration" => return Some(Selector::Evisceration),
            "disarmed" => return Some(Selector::Disarmed),
            _ => {}
        }
        let (kind, name) = text.split_once(':')?;
        match kind {
            "injury" => {
                let (name, regions) = list_after_at(name, Region::ALL, |r| r.as_str())?;
                InjuryKind::ALL
                    .iter()
                    .find(|k| k.as_str() == name)
                    .map(|k| Selector::Injury(*k, regions))
            }
            "treatment" => {
                let (name, regions) = list_after_at(name, Region::ALL, |r| r.as_str())?;
                TreatmentKind::ALL
                    .iter()
                    .find(|k| k.as_str() == name)
                    .map(|k| Selector::Treatment(*k, regions))
            }
            "fluid" => FluidName::ALL
                .iter()
                .find(|k| k.as_str() == name)
                .map(|k| Selector::Fluid(*k)),
            "medication" => {
                let (drug, routes) = list_after_at(name, Route::ALL, |r| r.as_str())?;
                Some(Selector::Medication(lexicon_medication(drug)?, routes))
            }
            _ => None,
        }
    }

    /// Does this fact fall under the selector?
    pub fn matches(&self, fact: &Fact) -> bool {
        match (self, fact) {
            (Selector::Tourniquet, Fact::Tourniquet { .. }) => true,
            (Selector::TourniquetOff, Fact::TourniquetOff { .. }) => true,
            (Selector::TourniquetOverClothing, Fact::TourniquetOverClothing { .. }) => true,
            (Selector::OpenFracture, Fact::OpenFracture { .. }) => true,
            (Selector::Evisceration, Fact::Evisceration { .. }) => true,
            (Selector::Disarmed, Fact::Disarmed) => true,
            (Selector::Injury(k, regions), Fact::Injury { kind, region, .. }) => {
                k == kind && (regions.is_empty() || regions.contains(region))
            }
            (
                Selector::Avpu,
                Fact::Vital {
                    value: VitalValue::Avpu(_),
                    ..
                },
            ) => true,
            (Selector::Vital(field), Fact::Vital { value, .. }) => value.field() == *field,
            (Selector::Perfusion, Fact::Perfusion(_)) => true,
            (Selector::Treatment(k, sites), Fact::Treatment { kind, site, .. }) => {
                k == kind && (sites.is_empty() || site.is_some_and(|s| sites.contains(&s)))
            }
            (Selector::Fluid(n), Fact::Fluid { name, .. }) => n == name,
            (Selector::Medication(drug, routes), Fact::Medication { name, route, .. }) => {
                drug == name && (routes.is_empty() || route.is_some_and(|r| routes.contains(&r)))
            }
            _ => false,
        }
    }
}

/// Splits "amputation@left_leg,right_leg" or "fentanyl@iv,io" into the name and the
/// values after `@` (none without `@`), each one of `all` by its schema spelling; `None`
/// when a value is not one the schema knows (or the list after `@` is empty).
fn list_after_at<'a, T: Copy>(
    text: &'a str,
    all: &[T],
    spelling: impl Fn(&T) -> &'static str,
) -> Option<(&'a str, Vec<T>)> {
    let Some((name, list)) = text.split_once('@') else {
        return Some((text, Vec::new()));
    };
    let mut values = Vec::new();
    for v in list.split(',') {
        values.push(*all.iter().find(|x| spelling(x) == v)?);
    }
    Some((name, values))
}

/// The medication name as the lexicon (and so the record) spells it.
fn lexicon_medication(name: &str) -> Option<&'static str> {
    crate::extract::lexicon::medication_name(name)
}

/// States of a casualty that the advisor reads from the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// A weak or absent radial pulse (the latest said), or altered mental status (latest
    /// AVPU not "A", or "altered mental status" said) without a head injury on the card
    /// (G2024 l.203).
    Shock,
    /// An amputation on the card.
    Amputation,
    /// A GSW or penetrating injury of chest, abdomen, pelvis or back.
    PenetratingTorso,
    /// A tourniquet on the card (severe bleeding).
    Tourniquet,
    /// A blood product given (transfusion under way).
    BloodProduct,
    /// A head injury, or AVPU below "A", after a blunt or blast mechanism.
    TbiBluntOrBlast,
    /// A head injury (or a blunt/blast TBI) and the latest SpO2 below
    /// [`TBI_SPO2_TARGET_PERCENT`] (G2024 l.161-166: oxygen to keep SpO2 above 90 %).
    HeadInjuryLowSpo2,
    /// adv5: an injury of the chest, back or abdomen (not a burn) and the latest SpO2 below
    /// [`TENSION_PTX_SPO2_PERCENT`] (G2024 l.98-108: suspect a tension pneumothorax).
    TorsoTraumaLowSpo2,
}

impl Condition {
    /// Every condition and its spelling in the rule file.
    pub const ALL: &'static [(Condition, &'static str)] = &[
        (Condition::Shock, "shock"),
        (Condition::Amputation, "amputation"),
        (Condition::PenetratingTorso, "penetrating_torso"),
        (Condition::Tourniquet, "tourniquet"),
        (Condition::BloodProduct, "blood_product"),
        (Condition::TbiBluntOrBlast, "tbi_blunt_or_blast"),
        (Condition::HeadInjuryLowSpo2, "head_injury_low_spo2"),
        (Condition::TorsoTraumaLowSpo2, "torso_trauma_low_spo2"),
    ];

    fn parse(text: &str) -> Option<Condition> {
        Condition::ALL
            .iter()
            .find(|(_, n)| *n == text)
            .map(|(c, _)| *c)
    }

    /// The name the rule file uses.
    pub fn as_str(self) -> &'static str {
        Condition::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("?", |(_, n)| n)
    }

    /// The live facts of one casualty that make this condition hold (empty when it does
    /// not), in the order they were said.
    pub fn evidence<'a>(self, facts: &[&'a LiveFact]) -> Vec<&'a LiveFact> {
        use crate::record::{Mechanism, Perfusion};
        let head_injury = facts.iter().any(|f| {
            matches!(
                f.fact,
                Fact::Injury {
                    region: Region::Head,
                    ..
                }
            )
        });
        let latest_avpu = facts.iter().rev().find(|f| {
            matches!(
                f.fact,
                Fact::Vital {
                    value: VitalValue::Avpu(_),
                    ..
                }
            )
        });
        let altered = latest_avpu.filter(|f| {
            !matches!(
                f.fact,
                Fact::Vital {
                    value: VitalValue::Avpu(Avpu::Alert),
                    ..
                }
            )
        });
        // advisor4: the latest word on the radial pulse ("radial's weak", then "strong
        // radial"), and "altered mental status" unless an AVPU "A" was said after it.
        let latest_radial = facts.iter().rev().find(|f| {
            matches!(
                f.fact,
                Fact::Perfusion(
                    Perfusion::RadialWeak | Perfusion::RadialAbsent | Perfusion::RadialPalpable
                )
            )
        });
        let weak_radial = latest_radial.filter(|f| {
            matches!(
                f.fact,
                Fact::Perfusion(Perfusion::RadialWeak | Perfusion::RadialAbsent)
            )
        });
        let latest_mental = facts.iter().rev().find(|f| {
            matches!(
                f.fact,
                Fact::Perfusion(Perfusion::AlteredMentalStatus)
                    | Fact::Vital {
                        value: VitalValue::Avpu(_),
                        ..
                    }
            )
        });
        let said_altered = latest_mental
            .filter(|f| matches!(f.fact, Fact::Perfusion(Perfusion::AlteredMentalStatus)));
        let pick = |test: &dyn Fn(&Fact) -> bool| -> Vec<&'a LiveFact> {
            facts.iter().copied().filter(|f| test(&f.fact)).collect()
        };
        // The latest SpO2 said, when it is under `limit` (a reading back above it ends it).
        // The first reading of the latest run of SpO2 readings under `limit`: "sats eighty
        // four still" after "eighty six" is the same episode (no new alert), a low reading
        // after a good one a new one. None when the latest reading is at or above it.
        let low_spo2_run_start = |limit: u8| -> Option<&'a LiveFact> {
            facts
                .iter()
                .rev()
                .copied()
                .filter_map(|f| match f.fact {
                    Fact::Vital {
                        value: VitalValue::Spo2(v),
                        ..
                    } => Some((f, v)),
                    _ => None,
                })
                .take_while(|(_, v)| *v < limit)
                .last()
                .map(|(f, _)| f)
        };
        match self {
            // Shock = altered mental status without brain injury and/or a weak or absent
            // radial pulse (G2024 l.203): the earliest-heard of the signs present now.
            Condition::Shock => {
                let mut signs: Vec<&'a LiveFact> = weak_radial.copied().into_iter().collect();
                if !head_injury {
                    signs.extend(altered.or(said_altered).copied());
                }
                signs.sort_by_key(|f| (f.provenance.utterance, f.id));
                signs.truncate(1);
                signs
            }
            Condition::Amputation => pick(&|f| {
                matches!(
                    f,
                    Fact::Injury {
                        kind: InjuryKind::Amputation,
                        ..
                    }
                )
            }),
            Condition::PenetratingTorso => pick(&|f| {
                matches!(
                    f,
                    Fact::Injury {
                        kind: InjuryKind::Gsw | InjuryKind::Penetrating,
                        region: Region::LeftChest
                            | Region::RightChest
                            | Region::Abdomen
                            | Region::Pelvis
                            | Region::Back
                    }
                )
            }),
            Condition::Tourniquet => pick(&|f| matches!(f, Fact::Tourniquet { .. })),
            Condition::BloodProduct => pick(&|f| {
                matches!(
                    f,
                    Fact::Fluid {
                        name: FluidName::WholeBlood
                            | FluidName::Prbc
                            | FluidName::Plasma
                            | FluidName::Platelets,
                        ..
                    }
                )
            }),
            Condition::TbiBluntOrBlast => {
                let blunt_or_blast = pick(&|f| {
                    matches!(
                        f,
                        Fact::Mechanism(
                            Mechanism::Blunt
                                | Mechanism::Ied
                                | Mechanism::Grenade
                                | Mechanism::Artillery
                                | Mechanism::Rpg
                                | Mechanism::Landmine
                                | Mechanism::Mvc
                                | Mechanism::Fall
                        )
                    )
                });
                let brain = pick(&|f| {
                    matches!(
                        f,
                        Fact::Injury {
                            region: Region::Head,
                            ..
                        }
                    )
                });
                let sign = brain.first().copied().or(latest_avpu.and(altered.copied()));
                match (blunt_or_blast.first(), sign) {
                    (Some(m), Some(s)) => vec![*m, s],
                    _ => Vec::new(),
                }
            }
            Condition::HeadInjuryLowSpo2 => {
                let low = low_spo2_run_start(TBI_SPO2_TARGET_PERCENT);
                let brain = facts.iter().copied().find(|f| {
                    matches!(
                        f.fact,
                        Fact::Injury {
                            region: Region::Head,
                            ..
                        }
                    )
                });
                let brain =
                    brain.or_else(|| Condition::TbiBluntOrBlast.evidence(facts).first().copied());
                match (brain, low) {
                    (Some(b), Some(l)) => vec![l, b],
                    _ => Vec::new(),
                }
            }
            // Torso trauma: any injury of the chest, back or abdomen but a burn (not the
            // trauma the guideline means). The first such injury is the evidence, so a
            // second wound is no new alert; a new low reading is.
            Condition::TorsoTraumaLowSpo2 => {
                let torso = facts.iter().copied().find(|f| {
                    matches!(
                        f.fact,
                        Fact::Injury {
                            region: Region::LeftChest
                                | Region::RightChest
                                | Region::Back
                                | Region::Abdomen,
                            kind,
                        } if kind != InjuryKind::Burn
                    )
                });
                let low_run = low_spo2_run_start(TENSION_PTX_SPO2_PERCENT);
                match (torso, low_run) {
                    (Some(t), Some(l)) => vec![l, t],
                    _ => Vec::new(),
                }
            }
        }
    }
}

/// How a rule is evaluated (the `kind` of the rule file), with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    Elapsed {
        facts: Vec<Selector>,
        after_min: i64,
        /// Injury kinds that, on the fact's limb, exempt it (an amputation is never
        /// converted).
        unless_injury_on_limb: Vec<InjuryKind>,
        /// Conditions that hold it back while they hold (a tourniquet is not converted
        /// while the casualty is in shock); it falls due when they no longer hold.
        unless_conditions: Vec<Condition>,
        /// adv15: conditions of which one must hold when it falls due (the 2 h mark of a
        /// tourniquet on a casualty in shock); empty: none needed.
        when_conditions: Vec<Condition>,
    },
    MissingAfter {
        facts: Vec<Selector>,
        absent: Vec<Selector>,
        delay_min: i64,
    },
    MissingBefore {
        facts: Vec<Selector>,
        required: Vec<Selector>,
    },
    TooSoon {
        facts: Vec<Selector>,
        interval_min: i64,
    },
    /// A `facts` fact and a `with` fact both given (in either order): due when the second
    /// is heard.
    GivenWith {
        facts: Vec<Selector>,
        with: Vec<Selector>,
    },
    DoseCap {
        facts: Vec<Selector>,
        window_min: i64,
        max_dose: f64,
        unit: crate::record::DoseUnit,
    },
    WindowOpen {
        conditions: Vec<Condition>,
        facts: Vec<Selector>,
        within_min: i64,
    },
    WindowClosed {
        conditions: Vec<Condition>,
        facts: Vec<Selector>,
        within_min: i64,
    },
    GivenLate {
        facts: Vec<Selector>,
        within_min: i64,
    },
    SuggestEvac {
        conditions: Vec<Condition>,
        category: crate::record::Evac,
    },
    /// Each `facts` fact said with no clock time: due when it was heard.
    TimeMissing { facts: Vec<Selector> },
    /// A `conditions` state and none of `absent` in the record: due when the state was
    /// heard (again on new evidence).
    ConditionMissing {
        conditions: Vec<Condition>,
        absent: Vec<Selector>,
    },
    /// A `facts` fact given when the latest blood pressure heard before it had reached
    /// `sbp_endpoint` (resuscitation endpoint): due when it was heard.
    GivenPastEndpoint {
        facts: Vec<Selector>,
        sbp_endpoint: u16,
    },
    /// Each `facts` fact (of a limb) with no `cleared_by` fact for the same limb said after
    /// it: due `delay_min` after it was heard.
    UntilCleared {
        facts: Vec<Selector>,
        cleared_by: Vec<Selector>,
        delay_min: i64,
    },
    /// advisor4: each `facts` fact (every unit given) with no `cleared_by` fact after it:
    /// due `delay_min` after it happened, and not before it was heard.
    ReassessAfter {
        facts: Vec<Selector>,
        cleared_by: Vec<Selector>,
        delay_min: i64,
    },
    /// adv15: the burned surface said last (`Fact::BurnExtent`) over `over_percent`: fluids
    /// at percent × `ml_h_per_percent` ml/h for a weight in `band_kg`, plus
    /// `ml_h_per_10kg_above` per full 10 kg above it; due when the surface (or a new
    /// weight) is heard, again when a different surface or weight is said.
    BurnFluids {
        over_percent: u8,
        ml_h_per_percent: u32,
        band_kg: (u16, u16),
        ml_h_per_10kg_above: u32,
    },
}

/// One validated rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub trigger: Trigger,
    pub severity: Severity,
    pub message: String,
    pub source: String,
    /// Utterances that make the rule fire (replayed by the tests).
    pub example: Vec<String>,
}

/// The validated rule set.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    pub version: String,
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: String,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    kind: String,
    #[serde(default)]
    facts: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    conditions: Vec<String>,
    #[serde(default)]
    unless_injury_on_limb: Vec<String>,
    #[serde(default)]
    unless_conditions: Vec<String>,
    #[serde(default)]
    when_conditions: Vec<String>,
    #[serde(default)]
    with: Vec<String>,
    #[serde(default)]
    cleared_by: Vec<String>,
    after_min: Option<i64>,
    delay_min: Option<i64>,
    interval_min: Option<i64>,
    window_min: Option<i64>,
    within_min: Option<i64>,
    max_dose: Option<f64>,
    unit: Option<String>,
    category: Option<String>,
    sbp_endpoint: Option<u16>,
    tbsa_over_percent: Option<u8>,
    ml_h_per_percent: Option<u32>,
    band_kg: Option<[u16; 2]>,
    ml_h_per_10kg_above: Option<u32>,
    severity: Severity,
    message: String,
    source: String,
    #[serde(default)]
    example: Vec<String>,
}

/// Placeholders a message may use.
pub const PLACEHOLDERS: &[&str] = &["fact", "time", "due", "injury", "category", "rate"];

impl RuleSet {
    /// The rules tccc ships with.
    pub fn builtin() -> Result<RuleSet, AdvisorError> {
        RuleSet::parse(BUILTIN_RULES, "built-in rules.toml")
    }

    /// Reads and validates a rule file; `name` goes into errors.
    pub fn parse(text: &str, name: &str) -> Result<RuleSet, AdvisorError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| AdvisorError::Rules {
            file: name.to_owned(),
            rule: "-".to_owned(),
            problem: e.to_string(),
        })?;
        let fail = |rule: &str, problem: String| AdvisorError::Rules {
            file: name.to_owned(),
            rule: rule.to_owned(),
            problem,
        };
        if raw.version.trim().is_empty() {
            return Err(fail(
                "-",
                "`version` is empty; give the rule set a version".into(),
            ));
        }
        if raw.rule.is_empty() || raw.rule.len() > ADVISOR_RULES_MAX {
            return Err(fail(
                "-",
                format!(
                    "holds {} rules; between 1 and {ADVISOR_RULES_MAX} are accepted",
                    raw.rule.len()
                ),
            ));
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(raw.rule.len());
        for r in raw.rule {
            let id = r.id.clone();
            let rule = RuleSet::rule(r).map_err(|problem| fail(&id, problem))?;
            if rules.iter().any(|x| x.id == rule.id) {
                return Err(fail(
                    &id,
                    "the id is used by an earlier rule; ids must be unique".into(),
                ));
            }
            if let Some(other) = rules.iter().find(|x| x.trigger == rule.trigger) {
                return Err(fail(
                    &id,
                    format!(
                        "watches the same facts with the same timing as rule `{}`; remove one",
                        other.id
                    ),
                ));
            }
            rules.push(rule);
        }
        Ok(RuleSet {
            version: raw.version,
            rules,
        })
    }

    fn rule(r: RawRule) -> Result<Rule, String> {
        let selectors = |names: &[String], field: &str| -> Result<Vec<Selector>, String> {
            if names.is_empty() {
                return Err(format!("`{field}` is empty; name at least one fact"));
            }
            names
                .iter()
                .map(|n| {
                    let selector = Selector::parse(n)
                        .ok_or_else(|| format!("`{field}` names unknown fact `{n}`"))?;
                    // "other" is the schema's catch-all treatment (a pelvic binder, a
                    // c-collar…): unnarrowed it would stand for any of them.
                    if selector == Selector::Treatment(TreatmentKind::Other, Vec::new()) {
                        return Err(format!(
                            "`{field}` names `{n}` with no site; `other` is a catch-all \
                             treatment, narrow it with @SITE (a pelvic binder is \
                             `treatment:other@pelvis`)"
                        ));
                    }
                    Ok(selector)
                })
                .collect()
        };
        let conditions = |names: &[String]| -> Result<Vec<Condition>, String> {
            if names.is_empty() {
                return Err("`conditions` is empty; name at least one".into());
            }
            names
                .iter()
                .map(|n| {
                    Condition::parse(n)
                        .ok_or_else(|| format!("`conditions` names unknown condition `{n}`"))
                })
                .collect()
        };
        let minutes = |value: Option<i64>, field: &str| -> Result<i64, String> {
            match value {
                Some(m) if (0..=24 * 60).contains(&m) => Ok(m),
                Some(m) => Err(format!("`{field}` = {m} is outside 0..=1440 minutes")),
                None => Err(format!("kind `{}` needs `{field}`", r.kind)),
            }
        };
        let trigger = match r.kind.as_str() {
            "elapsed" => Trigger::Elapsed {
                facts: selectors(&r.facts, "facts")?,
                after_min: minutes(r.after_min, "after_min")?,
                unless_injury_on_limb: r
                    .unless_injury_on_limb
                    .iter()
                    .map(|n| {
                        InjuryKind::ALL
                            .iter()
                            .find(|k| k.as_str() == n)
                            .copied()
                            .ok_or_else(|| {
                                format!("`unless_injury_on_limb` names unknown injury kind `{n}`")
                            })
                    })
                    .collect::<Result<_, _>>()?,
                unless_conditions: if r.unless_conditions.is_empty() {
                    Vec::new()
                } else {
                    conditions(&r.unless_conditions)?
                },
                when_conditions: if r.when_conditions.is_empty() {
                    Vec::new()
                } else {
                    conditions(&r.when_conditions)?
                },
            },
            "missing_after" => Trigger::MissingAfter {
                facts: selectors(&r.facts, "facts")?,
                absent: selectors(&r.absent, "absent")?,
                delay_min: minutes(r.delay_min, "delay_min")?,
            },
            // The first `facts` fact, whatever else is in the record: a reminder once.
            "first_given" => Trigger::MissingAfter {
                facts: selectors(&r.facts, "facts")?,
                absent: Vec::new(),
                delay_min: 0,
            },
            "missing_before" => Trigger::MissingBefore {
                facts: selectors(&r.facts, "facts")?,
                required: selectors(&r.required, "required")?,
            },
            "given_with" => Trigger::GivenWith {
                facts: selectors(&r.facts, "facts")?,
                with: selectors(&r.with, "with")?,
            },
            "too_soon" => Trigger::TooSoon {
                facts: selectors(&r.facts, "facts")?,
                interval_min: minutes(r.interval_min, "interval_min")?,
            },
            "dose_cap" => Trigger::DoseCap {
                facts: selectors(&r.facts, "facts")?,
                window_min: minutes(r.window_min, "window_min")?,
                max_dose: match r.max_dose {
                    Some(d) if d > 0.0 && d.is_finite() => d,
                    _ => return Err("kind `dose_cap` needs a positive `max_dose`".into()),
                },
                unit: {
                    let unit = r.unit.as_deref().unwrap_or("");
                    *crate::record::DoseUnit::ALL
                        .iter()
                        .find(|u| u.as_str() == unit)
                        .ok_or_else(|| {
                            format!("`unit` = \"{unit}\" is not a dose unit of the schema")
                        })?
                },
            },
            "window_open" => Trigger::WindowOpen {
                conditions: conditions(&r.conditions)?,
                facts: selectors(&r.facts, "facts")?,
                within_min: minutes(r.within_min, "within_min")?,
            },
            "window_closed" => Trigger::WindowClosed {
                conditions: conditions(&r.conditions)?,
                facts: selectors(&r.facts, "facts")?,
                within_min: minutes(r.within_min, "within_min")?,
            },
            "given_late" => Trigger::GivenLate {
                facts: selectors(&r.facts, "facts")?,
                within_min: minutes(r.within_min, "within_min")?,
            },
            "suggest_evac" => Trigger::SuggestEvac {
                conditions: conditions(&r.conditions)?,
                category: {
                    let c = r.category.as_deref().unwrap_or("");
                    *crate::record::Evac::ALL
                        .iter()
                        .find(|e| e.as_str() == c)
                        .ok_or_else(|| format!("`category` = \"{c}\" is not an EVAC category"))?
                },
            },
            "time_missing" => Trigger::TimeMissing {
                facts: selectors(&r.facts, "facts")?,
            },
            "condition_missing" => Trigger::ConditionMissing {
                conditions: conditions(&r.conditions)?,
                absent: selectors(&r.absent, "absent")?,
            },
            "given_past_endpoint" => Trigger::GivenPastEndpoint {
                facts: selectors(&r.facts, "facts")?,
                sbp_endpoint: match r.sbp_endpoint {
                    Some(v) if (40..=250).contains(&v) => v,
                    Some(v) => {
                        return Err(format!("`sbp_endpoint` = {v} is outside 40..=250 mmHg"))
                    }
                    None => return Err("kind `given_past_endpoint` needs `sbp_endpoint`".into()),
                },
            },
            "until_cleared" => Trigger::UntilCleared {
                facts: selectors(&r.facts, "facts")?,
                cleared_by: selectors(&r.cleared_by, "cleared_by")?,
                delay_min: minutes(r.delay_min, "delay_min")?,
            },
            "reassess_after" => Trigger::ReassessAfter {
                facts: selectors(&r.facts, "facts")?,
                cleared_by: selectors(&r.cleared_by, "cleared_by")?,
                delay_min: minutes(r.delay_min, "delay_min")?,
            },
            "burn_fluids" => Trigger::BurnFluids {
                over_percent: match r.tbsa_over_percent {
                    Some(p) if (1..100).contains(&p) => p,
                    _ => return Err("kind `burn_fluids` needs `tbsa_over_percent` in 1..=99".into()),
                },
                ml_h_per_percent: match r.ml_h_per_percent {
                    Some(m) if (1..=100).contains(&m) => m,
                    _ => return Err("kind `burn_fluids` needs `ml_h_per_percent` in 1..=100".into()),
                },
                band_kg: match r.band_kg {
                    Some([lo, hi]) if 0 < lo && lo < hi && hi <= 300 => (lo, hi),
                    _ => {
                        return Err(
                            "kind `burn_fluids` needs `band_kg` = [LOW, HIGH] kg, 0 < LOW < HIGH <= 300"
                                .into(),
                        )
                    }
                },
                ml_h_per_10kg_above: match r.ml_h_per_10kg_above {
                    Some(m) if m <= 1000 => m,
                    _ => {
                        return Err(
                            "kind `burn_fluids` needs `ml_h_per_10kg_above` in 0..=1000".into()
                        )
                    }
                },
            },
            other => return Err(format!("unknown kind `{other}`")),
        };
        if r.kind != "elapsed" && !(r.unless_conditions.is_empty() && r.when_conditions.is_empty())
        {
            return Err(format!(
                "`unless_conditions` and `when_conditions` are for kind `elapsed`, not `{}`",
                r.kind
            ));
        }
        if r.message.is_empty() || r.message.len() > ADVISOR_MESSAGE_BYTES_MAX {
            return Err(format!(
                "`message` must hold 1 to {ADVISOR_MESSAGE_BYTES_MAX} bytes"
            ));
        }
        let mut rest = r.message.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or("`message` has an unclosed `{`")?;
            let name = &after[..close];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "`message` uses unknown placeholder {{{name}}}; known: {PLACEHOLDERS:?}"
                ));
            }
            rest = &after[close + 1..];
        }
        if !r.source.contains("DOMAIN.md §4.4") || !r.source.contains("l.") {
            return Err("`source` must cite DOMAIN.md §4.4 and the guideline lines (l.N)".into());
        }
        if r.example.is_empty() {
            return Err("`example` is empty; give a narration that makes the rule fire".into());
        }
        Ok(Rule {
            id: r.id,
            trigger,
            severity: r.severity,
            message: r.message,
            source: r.source,
            example: r.example,
        })
    }
}
