//! The vocabulary of a casualty record: every value the schema allows, as Rust types, so
//! that a record that compiles cannot hold a value the schema rejects.

use std::fmt;

/// A casualty's spoken number ("casualty two" is 2).
pub type CasualtyId = u8;

/// A local 24-hour clock time as spoken ("zero nine fifteen" is 09:15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock {
    pub hour: u8,
    pub minute: u8,
}

impl Clock {
    /// A clock time, or `None` when the hour or minute is out of range.
    pub fn new(hour: u32, minute: u32) -> Option<Clock> {
        if hour < 24 && minute < 60 {
            Some(Clock {
                hour: hour as u8,
                minute: minute as u8,
            })
        } else {
            None
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// Declares a closed set of values with the spelling the schema uses for each.
macro_rules! schema_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the schema's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the schema spells it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

schema_enum!(
    /// Sex as dictated.
    Sex { Male => "male", Female => "female" }
);

schema_enum!(
    /// The card's EVAC box; "urgent surgical" is urgent.
    Evac { Urgent => "urgent", Priority => "priority", Routine => "routine" }
);

schema_enum!(
    /// The card's mechanism-of-injury boxes.
    Mechanism {
        Artillery => "artillery", Blunt => "blunt", Burn => "burn", Fall => "fall",
        Grenade => "grenade", Gsw => "gsw", Ied => "ied", Landmine => "landmine",
        Mvc => "mvc", Rpg => "rpg", Other => "other",
    }
);

schema_enum!(
    /// Body regions of the card's silhouette as the schema names them.
    Region {
        Head => "head", Face => "face", Neck => "neck", LeftChest => "left_chest",
        RightChest => "right_chest", Abdomen => "abdomen", Pelvis => "pelvis", Back => "back",
        LeftAxilla => "left_axilla", RightAxilla => "right_axilla", LeftGroin => "left_groin",
        RightGroin => "right_groin", LeftArm => "left_arm", RightArm => "right_arm",
        LeftLeg => "left_leg", RightLeg => "right_leg",
    }
);

schema_enum!(
    /// The four tourniquet corners of the card.
    Limb { LeftArm => "left_arm", RightArm => "right_arm", LeftLeg => "left_leg", RightLeg => "right_leg" }
);

impl Limb {
    /// The limb a region lies on; junctional regions (axilla, groin) belong to their limb.
    pub fn of_region(region: Region) -> Option<Limb> {
        match region {
            Region::LeftArm | Region::LeftAxilla => Some(Limb::LeftArm),
            Region::RightArm | Region::RightAxilla => Some(Limb::RightArm),
            Region::LeftLeg | Region::LeftGroin => Some(Limb::LeftLeg),
            Region::RightLeg | Region::RightGroin => Some(Limb::RightLeg),
            _ => None,
        }
    }
}

schema_enum!(
    /// Kinds of injury drawn on the card.
    InjuryKind {
        Gsw => "gsw", Amputation => "amputation", Burn => "burn", Laceration => "laceration",
        Fracture => "fracture", Penetrating => "penetrating", Blunt => "blunt", Other => "other",
    }
);

schema_enum!(
    /// Tourniquet kinds of the MARCH "C" row.
    TourniquetKind { Extremity => "extremity", Junctional => "junctional", Truncal => "truncal" }
);

schema_enum!(
    /// AVPU level of consciousness.
    Avpu { Alert => "A", Voice => "V", Pain => "P", Unresponsive => "U" }
);

schema_enum!(
    /// MARCH treatments and the card's "other" boxes.
    TreatmentKind {
        PressureDressing => "pressure_dressing", HemostaticDressing => "hemostatic_dressing",
        Npa => "npa", Sga => "sga", Ett => "ett", Cric => "cric", Oxygen => "o2",
        NeedleDecompression => "needle_decompression", ChestTube => "chest_tube",
        ChestSeal => "chest_seal", HypothermiaPrevention => "hypothermia_prevention",
        EyeShield => "eye_shield", Splint => "splint", CombatPillPack => "combat_pill_pack",
        Other => "other",
    }
);

schema_enum!(
    /// Fluids and blood products.
    FluidName {
        WholeBlood => "whole_blood", Prbc => "prbc", Plasma => "plasma", Platelets => "platelets",
        LactatedRingers => "lactated_ringers", NormalSaline => "normal_saline",
        Hextend => "hextend", Other => "other",
    }
);

schema_enum!(
    /// Routes of fluids and medications.
    Route {
        Iv => "iv", Io => "io", Im => "im", Po => "po", In => "in", Otfc => "otfc",
        Sl => "sl", Topical => "topical",
    }
);

schema_enum!(
    /// Dose units.
    DoseUnit { Mcg => "mcg", Mg => "mg", G => "g", Ml => "ml", Units => "units" }
);

/// One vital sign as measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VitalValue {
    Pulse(u16),
    BloodPressure {
        systolic: u16,
        diastolic: Option<u16>,
    },
    RespRate(u16),
    Spo2(u8),
    Avpu(Avpu),
    Pain(u8),
}

impl VitalValue {
    /// Which column of a vitals set this value fills.
    pub fn field(&self) -> VitalField {
        match self {
            VitalValue::Pulse(_) => VitalField::Pulse,
            VitalValue::BloodPressure { .. } => VitalField::BloodPressure,
            VitalValue::RespRate(_) => VitalField::RespRate,
            VitalValue::Spo2(_) => VitalField::Spo2,
            VitalValue::Avpu(_) => VitalField::Avpu,
            VitalValue::Pain(_) => VitalField::Pain,
        }
    }
}

/// The rows of the card's signs-and-symptoms grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VitalField {
    Pulse,
    BloodPressure,
    RespRate,
    Spo2,
    Avpu,
    Pain,
}

/// One atomic thing said about a casualty.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Sex(Sex),
    Evac(Evac),
    /// A lower-case substance, or "nkda".
    Allergy(String),
    Name(String),
    Last4(String),
    BattleRoster(String),
    Mechanism(Mechanism),
    Injury {
        region: Region,
        kind: InjuryKind,
    },
    Tourniquet {
        limb: Limb,
        kind: TourniquetKind,
        time: Option<Clock>,
    },
    Vital {
        value: VitalValue,
        time: Option<Clock>,
    },
    Treatment {
        kind: TreatmentKind,
        site: Option<Region>,
        time: Option<Clock>,
    },
    Fluid {
        name: FluidName,
        volume_ml: Option<u32>,
        route: Option<Route>,
        time: Option<Clock>,
    },
    Medication {
        name: &'static str,
        dose: Option<f64>,
        unit: Option<DoseUnit>,
        route: Option<Route>,
        time: Option<Clock>,
    },
    /// "Hit at ten thirty", "IED strike at twelve forty": when the casualty was injured.
    /// The advisor reads it (the TXA window); the card schema has no field for it, so it
    /// is not in `--json`.
    InjuryTime(Clock),
    /// "Tourniquet off at 0730", "converted the tourniquet to a pressure dressing": the
    /// tourniquet on `limb` came off. The advisor stops its tourniquet clocks; the card
    /// schema has no field for it, so it is not in `--json`.
    TourniquetOff {
        limb: Limb,
        time: Option<Clock>,
    },
    /// "CAT right over his trousers", "tourniquet over the uniform": the tourniquet on
    /// `limb` was put on over clothing and must be reassessed (exposed, replaced on skin or
    /// removed). The advisor reads it; the card schema has no field for it, so it is not in
    /// `--json`.
    TourniquetOverClothing {
        limb: Limb,
    },
    /// "Open fracture right shin", "compound fracture", "bone sticking out": the fracture
    /// (also filed as an injury `fracture`) is open, an open wound for the antibiotics rule.
    /// The card schema has no field for it, so it is not in `--json`.
    OpenFracture {
        region: Region,
    },
    /// adv18: "abdominal evisceration", "bowel out of the belly": organs out through a
    /// wound at `region` (G2024 l.452-468: cover, nothing by mouth). Advisor-only, like
    /// an open fracture: the card has an injury `other` there, and no field for this.
    Evisceration {
        region: Region,
    },
    /// "radial's weak", "no radial pulse", "strong radial", "altered mental status": a sign
    /// the guideline reads for shock (G2024 l.203). The advisor reads it (shock → fluids,
    /// TXA, evacuation); the card schema has no field for it, so it is not in `--json`.
    Perfusion(Perfusion),
    /// "his weapons are off him", "took his rifle", "disarmed": the casualty's weapons were
    /// taken (G2024 l.394-395 asks for it after OTFC, IV/IO fentanyl, ketamine or
    /// midazolam). The advisor reads it; the card schema has no field for it.
    Disarmed,
    /// adv15: "burns, I make it thirty percent", "thirty percent TBSA": the burned total
    /// body surface area, in percent, as the medic estimated it. The advisor reads it (burn
    /// fluids, DOMAIN.md §4.4 #26); the card schema has no field for it, so it is not in
    /// `--json`.
    BurnExtent {
        percent: u8,
    },
    /// adv15: "he's about seventy kilos": the casualty's body weight as said. The advisor
    /// reads it (the burn fluid rate); the card schema has no field for it.
    BodyWeight {
        kg: u16,
    },
    /// adv17: "he's expectant", "black tag", "KIA" (`true`); "no longer expectant",
    /// "re-triage him immediate" (`false`): the casualty's triage as expectant (or dead)
    /// and its reversal. The advisor holds back every alert of an expectant casualty; the
    /// card schema has no field for it, so it is not in `--json`.
    Expectant(bool),
}

schema_enum!(
    /// Signs of perfusion said in words (not numbers): the radial pulse as felt, and a
    /// mental status said to be altered.
    Perfusion {
        RadialWeak => "radial_weak", RadialAbsent => "radial_absent",
        RadialPalpable => "radial_palpable", AlteredMentalStatus => "altered_mental_status",
    }
);

impl Perfusion {
    /// Is this a sign of shock (weak or absent radial pulse, altered mental status)?
    pub fn is_shock_sign(self) -> bool {
        !matches!(self, Perfusion::RadialPalpable)
    }
}

/// Facts that occupy the same slot: a correction of one replaces the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Sex,
    Evac,
    Allergy,
    Name,
    Last4,
    BattleRoster,
    Mechanism,
    Injury,
    Tourniquet,
    Vital(VitalField),
    Treatment(TreatmentKind),
    Fluid(FluidName),
    Medication(&'static str),
    InjuryTime,
    TourniquetOff,
    TourniquetOverClothing,
    OpenFracture,
    Evisceration,
    Perfusion,
    Disarmed,
    BurnExtent,
    BodyWeight,
    Expectant,
}

impl Fact {
    /// The slot this fact fills, for corrections.
    pub fn slot(&self) -> Slot {
        match self {
            Fact::Sex(_) => Slot::Sex,
            Fact::Evac(_) => Slot::Evac,
            Fact::Allergy(_) => Slot::Allergy,
            Fact::Name(_) => Slot::Name,
            Fact::Last4(_) => Slot::Last4,
            Fact::BattleRoster(_) => Slot::BattleRoster,
            Fact::Mechanism(_) => Slot::Mechanism,
            Fact::Injury { .. } => Slot::Injury,
            Fact::Tourniquet { .. } => Slot::Tourniquet,
            Fact::Vital { value, .. } => Slot::Vital(value.field()),
            Fact::Treatment { kind, .. } => Slot::Treatment(*kind),
            Fact::Fluid { name, .. } => Slot::Fluid(*name),
            Fact::Medication { name, .. } => Slot::Medication(name),
            Fact::InjuryTime(_) => Slot::InjuryTime,
            Fact::TourniquetOff { .. } => Slot::TourniquetOff,
            Fact::TourniquetOverClothing { .. } => Slot::TourniquetOverClothing,
            Fact::OpenFracture { .. } => Slot::OpenFracture,
            Fact::Evisceration { .. } => Slot::Evisceration,
            Fact::Perfusion(_) => Slot::Perfusion,
            Fact::Disarmed => Slot::Disarmed,
            Fact::BurnExtent { .. } => Slot::BurnExtent,
            Fact::BodyWeight { .. } => Slot::BodyWeight,
            Fact::Expectant(_) => Slot::Expectant,
        }
    }

    /// The clock time the fact carries, if its kind has one.
    pub fn time(&self) -> Option<Clock> {
        match self {
            Fact::Tourniquet { time, .. }
            | Fact::Vital { time, .. }
            | Fact::Treatment { time, .. }
            | Fact::Fluid { time, .. }
            | Fact::Medication { time, .. }
            | Fact::TourniquetOff { time, .. } => *time,
            Fact::InjuryTime(time) => Some(*time),
            _ => None,
        }
    }

    /// The same fact with its time replaced, for kinds that carry one.
    pub fn with_time(&self, new_time: Clock) -> Option<Fact> {
        let mut fact = self.clone();
        match &mut fact {
            Fact::Tourniquet { time, .. }
            | Fact::Vital { time, .. }
            | Fact::Treatment { time, .. }
            | Fact::Fluid { time, .. }
            | Fact::Medication { time, .. }
            | Fact::TourniquetOff { time, .. } => *time = Some(new_time),
            Fact::InjuryTime(time) => *time = new_time,
            _ => return None,
        }
        Some(fact)
    }

    /// The same fact moved to another region, for kinds that have one.
    pub fn with_region(&self, region: Region) -> Option<Fact> {
        let mut fact = self.clone();
        match &mut fact {
            Fact::Injury { region: r, .. } => *r = region,
            Fact::Tourniquet { limb, .. }
            | Fact::TourniquetOff { limb, .. }
            | Fact::TourniquetOverClothing { limb } => *limb = Limb::of_region(region)?,
            Fact::OpenFracture { region: r } | Fact::Evisceration { region: r } => *r = region,
            Fact::Treatment { site, .. } => *site = Some(region),
            _ => return None,
        }
        Some(fact)
    }
}

fn time_suffix(time: &Option<Clock>) -> String {
    time.map(|t| format!(" at {t}")).unwrap_or_default()
}

fn optional<T: fmt::Display>(label: &str, value: &Option<T>) -> String {
    value
        .as_ref()
        .map(|v| format!(" {label}{v}"))
        .unwrap_or_default()
}

impl fmt::Display for Fact {
    /// One line for people and logs: "tourniquet extremity left_leg at 09:15".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Sex(sex) => write!(f, "sex {sex}"),
            Fact::Evac(evac) => write!(f, "evac {evac}"),
            Fact::Allergy(allergen) => write!(f, "allergy {allergen}"),
            Fact::Name(name) => write!(f, "name {name}"),
            Fact::Last4(last4) => write!(f, "last four {last4}"),
            Fact::BattleRoster(roster) => write!(f, "battle roster {roster}"),
            Fact::Mechanism(m) => write!(f, "mechanism {m}"),
            Fact::Injury { region, kind } => write!(f, "injury {kind} {region}"),
            Fact::Tourniquet { limb, kind, time } => {
                write!(f, "tourniquet {kind} {limb}{}", time_suffix(time))
            }
            Fact::Vital { value, time } => {
                let text = match value {
                    VitalValue::Pulse(v) => format!("pulse {v}"),
                    VitalValue::BloodPressure {
                        systolic,
                        diastolic,
                    } => match diastolic {
                        Some(d) => format!("blood pressure {systolic}/{d}"),
                        None => format!("blood pressure {systolic}/palp"),
                    },
                    VitalValue::RespRate(v) => format!("respiratory rate {v}"),
                    VitalValue::Spo2(v) => format!("SpO2 {v}%"),
                    VitalValue::Avpu(v) => format!("AVPU {v}"),
                    VitalValue::Pain(v) => format!("pain {v}/10"),
                };
                write!(f, "{text}{}", time_suffix(time))
            }
            Fact::Treatment { kind, site, time } => {
                write!(
                    f,
                    "treatment {kind}{}{}",
                    optional("", site),
                    time_suffix(time)
                )
            }
            Fact::Fluid {
                name,
                volume_ml,
                route,
                time,
            } => write!(
                f,
                "fluid {name}{}{}{}",
                volume_ml.map(|v| format!(" {v} ml")).unwrap_or_default(),
                optional("", route),
                time_suffix(time)
            ),
            Fact::Medication {
                name,
                dose,
                unit,
                route,
                time,
            } => write!(
                f,
                "medication {name}{}{}{}{}",
                optional("", dose),
                optional("", unit),
                optional("", route),
                time_suffix(time)
            ),
            Fact::InjuryTime(time) => write!(f, "injured at {time}"),
            Fact::TourniquetOff { limb, time } => {
                write!(f, "tourniquet off {limb}{}", time_suffix(time))
            }
            Fact::TourniquetOverClothing { limb } => {
                write!(f, "tourniquet over clothing {limb}")
            }
            Fact::OpenFracture { region } => write!(f, "open fracture {region}"),
            Fact::Evisceration { region } => write!(f, "evisceration {region}"),
            Fact::Perfusion(sign) => write!(f, "{}", sign.as_str().replace('_', " ")),
            Fact::Disarmed => write!(f, "disarmed"),
            Fact::BurnExtent { percent } => write!(f, "burns {percent} % TBSA"),
            Fact::BodyWeight { kg } => write!(f, "weight {kg} kg"),
            Fact::Expectant(true) => write!(f, "triaged expectant"),
            Fact::Expectant(false) => write!(f, "re-triaged from expectant"),
        }
    }
}

/// Why a fact was filed unconfirmed: the card shows it marked until the medic confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Doubt {
    /// A word carrying the fact's value was heard below the recogniser-confidence threshold.
    LowConfidence,
    /// The fact rests on a sound-alike row or an edit-distance match, not the word itself.
    SoundAlike,
    /// The clause could be read more than one way (a hedge, a range, an unplaced part).
    Ambiguous,
    /// The rules read nothing here; the language model proposed the fact (`llm::reader`).
    Proposed,
    /// `tccc reprocess --all` heard the journaled audio again (another model or lexicon)
    /// and read this fact where the record held another or none: a proposal beside the
    /// journaled facts, never in their place.
    Reprocessed,
}

impl Doubt {
    /// A short name for logs and the console.
    pub fn as_str(self) -> &'static str {
        match self {
            Doubt::LowConfidence => "low recogniser confidence",
            Doubt::SoundAlike => "sound-alike match",
            Doubt::Ambiguous => "ambiguous clause",
            Doubt::Proposed => "proposed by the language model",
            Doubt::Reprocessed => "proposed by reprocessing the journaled audio",
        }
    }
}

impl fmt::Display for Doubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

schema_enum!(
    /// The casualty's own fields that can be marked unconfirmed (`unconfirmed_fields`).
    CasualtyField {
        BattleRoster => "battle_roster", Name => "name", Last4 => "last4", Sex => "sex",
        Allergies => "allergies", EvacCategory => "evac_category", Mechanisms => "mechanisms",
    }
);
