//! The lexicon: what spoken words and phrases mean, kept as data. Each row maps a phrase
//! (lower-case words as the normaliser writes them) to a concept. Misrecognitions that a
//! small Whisper model produces ("tour nicket", "key to mean") are rows of their own with a
//! lower confidence; single long words also match a few key terms by edit distance.
//!
//! Adding a synonym is adding a row; no rule needs to change.

use crate::limits::LEXICON_PHRASE_WORDS_MAX;
use crate::record::{
    Avpu, Evac, FluidName, InjuryKind, Mechanism, Route, Sex, TourniquetKind, TreatmentKind,
};
use std::collections::HashMap;

/// Left or right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
    Both,
}

/// Body parts as spoken, before the side is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Head,
    Face,
    Neck,
    Chest,
    Abdomen,
    Pelvis,
    Back,
    Axilla,
    Groin,
    Arm,
    Leg,
}

/// A vital sign keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VitalCue {
    Pulse,
    BloodPressure,
    RespRate,
    Spo2,
    Pain,
    Avpu,
    /// "vitals", "vital signs": a set follows.
    Set,
    /// A measurement the card has no row for (GCS, temperature, EtCO2): its number is
    /// read and dropped so that it never lands in another sign.
    Unrecorded,
}

/// What a phrase means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Concept {
    /// "casualty", "patient": a number after it switches the casualty.
    Casualty,
    /// "first", "second": an ordinal ("second casualty", "second tourniquet").
    Ordinal(u8),
    /// "next", "another", "new": a further casualty or a further tourniquet.
    Another,
    Side(Side),
    Part(Part),
    Mechanism(Mechanism),
    /// An injury kind; `Some` mechanism when the wording also names the mechanism.
    Injury(InjuryKind, Option<Mechanism>),
    Tourniquet(TourniquetKind),
    Vital(VitalCue),
    Avpu(Avpu),
    Treatment(TreatmentKind),
    Fluid(FluidName),
    Medication(&'static str),
    Route(Route),
    Sex(Sex),
    Evac(Evac),
    /// "evac", "medevac", "category", "precedence": a category follows or precedes.
    EvacCue,
    /// "allergies", "allergic to".
    Allergy,
    /// "no known drug allergies", "nkda".
    NoKnownAllergies,
    /// "no", "denies", "without": what follows in the clause did not happen.
    Negation,
    /// "if", "may need", "prepare", "watch for": what follows in the sentence is a plan or
    /// a possibility, not something done.
    Hypothetical,
    /// "reassessed", "rechecked": what follows in the sentence is a look at something
    /// already done; a tourniquet or treatment named there is not a new one.
    Reassess,
    /// "not", "never": negates what precedes in the clause, or a number that follows.
    Not,
    /// "correction", "I mean", "make that": what follows replaces what was said.
    Correction,
    /// "scratch that", "disregard": withdraws what was said.
    Retraction,
    /// "at", "time", "@": a clock time follows.
    At,
    /// "name is": a dictated name follows.
    NameCue,
    /// "last four": four dictated digits follow.
    Last4Cue,
    /// "battle roster", "zap number": a dictated roster number follows.
    RosterCue,
    /// "but", "and then": ends a negation's reach.
    But,
    /// "both of them", "all casualties": what follows in the utterance is about every
    /// casualty heard so far.
    AllCasualties,
    /// "casualties" (plural): a mechanism said with it ("two casualties from the IED")
    /// belongs to each casualty named from then on (as many as the number before it).
    Group,
    /// "back to", "moving to": casualty switching wording (carries no fact).
    SwitchCue,
    /// "out of" in "seven out of ten".
    OutOf,
    /// A phrase that must not be read word by word ("not responding to voice" is neither
    /// V nor U) and says nothing by itself.
    Filler,
}

use Concept as C;

/// Confidence of an exact row.
pub const EXACT: f32 = 1.0;
/// Confidence of a row that spells a known misrecognition.
pub const MISHEARD: f32 = 0.8;
/// Confidence of an edit-distance match.
pub const FUZZY: f32 = 0.7;

/// The lexicon rows: phrase, concept, confidence.
pub const ROWS: &[(&str, Concept, f32)] = &[
    ("rest", C::Vital(VitalCue::RespRate), MISHEARD),
    ("pals", C::Vital(VitalCue::Pulse), MISHEARD),
    (
        "pressure pressing",
        C::Treatment(TreatmentKind::PressureDressing),
        MISHEARD,
    ),
    ("slinted", C::Treatment(TreatmentKind::Splint), MISHEARD),
    ("kda", C::NoKnownAllergies, MISHEARD),
    ("piles", C::Vital(VitalCue::Pulse), MISHEARD),
    ("rest rate", C::Vital(VitalCue::RespRate), MISHEARD),
    ("restoration", C::Vital(VitalCue::RespRate), MISHEARD),
    ("restorations", C::Vital(VitalCue::RespRate), MISHEARD),
    ("saas", C::Vital(VitalCue::Spo2), MISHEARD),
    (
        "turn the kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "turn the kits",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "turner kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "turn kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "surgical creek",
        C::Treatment(TreatmentKind::Cric),
        MISHEARD,
    ),
    ("tqd", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("tqed", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    (
        "tourniqueted",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    ("cass", C::Casualty, MISHEARD),
    ("deformed", C::Injury(InjuryKind::Fracture, None), EXACT),
    ("hit by a vehicle", C::Mechanism(Mechanism::Mvc), EXACT),
    ("struck by a vehicle", C::Mechanism(Mechanism::Mvc), EXACT),
    ("hit by a car", C::Mechanism(Mechanism::Mvc), EXACT),
    ("hit by a truck", C::Mechanism(Mechanism::Mvc), EXACT),
    ("run over", C::Mechanism(Mechanism::Mvc), EXACT),
    ("rib", C::Part(Part::Chest), EXACT),
    ("ribs", C::Part(Part::Chest), EXACT),
    ("rib cage", C::Part(Part::Chest), EXACT),
    ("reassess", C::Reassess, EXACT),
    ("reassessed", C::Reassess, EXACT),
    ("reassessing", C::Reassess, EXACT),
    ("reassessment", C::Reassess, EXACT),
    ("recheck", C::Reassess, EXACT),
    ("rechecked", C::Reassess, EXACT),
    ("checked", C::Reassess, EXACT),
    ("check", C::Reassess, EXACT),
    ("checking", C::Reassess, EXACT),
    ("re assessed", C::Reassess, EXACT),
    ("if", C::Hypothetical, EXACT),
    ("in case", C::Hypothetical, EXACT),
    ("may need", C::Hypothetical, EXACT),
    ("might need", C::Hypothetical, EXACT),
    ("will need", C::Hypothetical, EXACT),
    ("may require", C::Hypothetical, EXACT),
    ("need to", C::Hypothetical, EXACT),
    ("i need", C::Hypothetical, EXACT),
    ("we need", C::Hypothetical, EXACT),
    ("consider", C::Hypothetical, EXACT),
    ("considering", C::Hypothetical, EXACT),
    ("prepare", C::Hypothetical, EXACT),
    ("preparing", C::Hypothetical, EXACT),
    ("get ready", C::Hypothetical, EXACT),
    ("getting ready", C::Hypothetical, EXACT),
    ("watch for", C::Hypothetical, EXACT),
    ("monitor for", C::Hypothetical, EXACT),
    ("hold the", C::Hypothetical, EXACT),
    ("hold off", C::Hypothetical, EXACT),
    ("holding off", C::Hypothetical, EXACT),
    ("plan to", C::Hypothetical, EXACT),
    ("planning to", C::Hypothetical, EXACT),
    ("does anyone have", C::Hypothetical, EXACT),
    ("do you have", C::Hypothetical, EXACT),
    ("anyone have", C::Hypothetical, EXACT),
    ("ready to", C::Hypothetical, EXACT),
    ("should", C::Hypothetical, EXACT),
    ("could", C::Hypothetical, EXACT),
    ("crash", C::Mechanism(Mechanism::Mvc), EXACT),
    ("car crash", C::Mechanism(Mechanism::Mvc), EXACT),
    ("truck crash", C::Mechanism(Mechanism::Mvc), EXACT),
    ("helicopter crash", C::Mechanism(Mechanism::Other), EXACT),
    ("aircraft crash", C::Mechanism(Mechanism::Other), EXACT),
    ("shield", C::Treatment(TreatmentKind::EyeShield), EXACT),
    ("gcs", C::Vital(VitalCue::Unrecorded), EXACT),
    ("g c s", C::Vital(VitalCue::Unrecorded), EXACT),
    ("glasgow coma scale", C::Vital(VitalCue::Unrecorded), EXACT),
    ("glasgow", C::Vital(VitalCue::Unrecorded), EXACT),
    ("temperature", C::Vital(VitalCue::Unrecorded), EXACT),
    ("temp", C::Vital(VitalCue::Unrecorded), EXACT),
    ("etco2", C::Vital(VitalCue::Unrecorded), EXACT),
    ("end tidal", C::Vital(VitalCue::Unrecorded), EXACT),
    ("end tidal co2", C::Vital(VitalCue::Unrecorded), EXACT),
    ("glucose", C::Vital(VitalCue::Unrecorded), EXACT),
    ("blood sugar", C::Vital(VitalCue::Unrecorded), EXACT),
    ("cap refill", C::Vital(VitalCue::Unrecorded), EXACT),
    ("capillary refill", C::Vital(VitalCue::Unrecorded), EXACT),
    // Added wordings: rounds, lost limbs, spoken self-corrections.
    (
        "took a round",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "hit by a round",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "round to the",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "round through the",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "bullet",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    ("lost his", C::Injury(InjuryKind::Amputation, None), EXACT),
    ("lost her", C::Injury(InjuryKind::Amputation, None), EXACT),
    ("blown off", C::Injury(InjuryKind::Amputation, None), EXACT),
    ("no wait", C::Correction, EXACT),
    ("wait", C::Correction, EXACT),
    ("actually no", C::Correction, EXACT),
    ("i meant", C::Correction, EXACT),
    ("my mistake", C::Correction, EXACT),
    // Casualties and switching.
    ("casualty", C::Casualty, EXACT),
    ("casualties", C::Group, EXACT),
    ("patients", C::Group, EXACT),
    ("wounded", C::Group, EXACT),
    ("cas", C::Casualty, EXACT),
    ("patient", C::Casualty, EXACT),
    ("pt", C::Casualty, EXACT),
    ("casualty number", C::Casualty, EXACT),
    ("patient number", C::Casualty, EXACT),
    ("casually", C::Casualty, MISHEARD),
    ("casual tea", C::Casualty, MISHEARD),
    ("casual t", C::Casualty, MISHEARD),
    ("causality", C::Casualty, MISHEARD),
    ("casualy", C::Casualty, MISHEARD),
    ("first", C::Ordinal(1), EXACT),
    ("second", C::Ordinal(2), EXACT),
    ("third", C::Ordinal(3), EXACT),
    ("fourth", C::Ordinal(4), EXACT),
    ("fifth", C::Ordinal(5), EXACT),
    ("next", C::Another, EXACT),
    ("another", C::Another, EXACT),
    ("additional", C::Another, EXACT),
    ("new", C::Another, EXACT),
    ("repeat", C::Another, EXACT),
    ("repeated", C::Another, EXACT),
    ("redose", C::Another, EXACT),
    ("re dose", C::Another, EXACT),
    ("back to", C::SwitchCue, EXACT),
    ("both of them", C::AllCasualties, EXACT),
    ("both casualties", C::AllCasualties, EXACT),
    ("all casualties", C::AllCasualties, EXACT),
    ("all of them", C::AllCasualties, EXACT),
    ("all three", C::AllCasualties, EXACT),
    ("both are", C::AllCasualties, EXACT),
    ("both from", C::AllCasualties, EXACT),
    ("moving to", C::SwitchCue, EXACT),
    ("moving on to", C::SwitchCue, EXACT),
    ("switching to", C::SwitchCue, EXACT),
    ("going to", C::SwitchCue, EXACT),
    ("now on", C::SwitchCue, EXACT),
    // Sides.
    ("left", C::Side(Side::Left), EXACT),
    ("right", C::Side(Side::Right), EXACT),
    ("l", C::Side(Side::Left), EXACT),
    ("r", C::Side(Side::Right), EXACT),
    ("lt", C::Side(Side::Left), EXACT),
    ("rt", C::Side(Side::Right), EXACT),
    ("left sided", C::Side(Side::Left), EXACT),
    ("right sided", C::Side(Side::Right), EXACT),
    ("both", C::Side(Side::Both), EXACT),
    ("bilateral", C::Side(Side::Both), EXACT),
    ("bilaterally", C::Side(Side::Both), EXACT),
    // Body parts.
    ("head", C::Part(Part::Head), EXACT),
    ("scalp", C::Part(Part::Head), EXACT),
    ("skull", C::Part(Part::Head), EXACT),
    ("forehead", C::Part(Part::Face), EXACT),
    ("face", C::Part(Part::Face), EXACT),
    ("facial", C::Part(Part::Face), EXACT),
    ("jaw", C::Part(Part::Face), EXACT),
    ("cheek", C::Part(Part::Face), EXACT),
    ("nose", C::Part(Part::Face), EXACT),
    ("mouth", C::Part(Part::Face), EXACT),
    ("eye", C::Part(Part::Face), EXACT),
    ("neck", C::Part(Part::Neck), EXACT),
    ("throat", C::Part(Part::Neck), EXACT),
    ("chest", C::Part(Part::Chest), EXACT),
    ("thorax", C::Part(Part::Chest), EXACT),
    ("hemithorax", C::Part(Part::Chest), EXACT),
    ("chest wall", C::Part(Part::Chest), EXACT),
    ("abdomen", C::Part(Part::Abdomen), EXACT),
    ("abdominal", C::Part(Part::Abdomen), EXACT),
    ("belly", C::Part(Part::Abdomen), EXACT),
    ("stomach", C::Part(Part::Abdomen), EXACT),
    ("gut", C::Part(Part::Abdomen), EXACT),
    ("pelvis", C::Part(Part::Pelvis), EXACT),
    ("pelvic", C::Part(Part::Pelvis), EXACT),
    ("hip", C::Part(Part::Pelvis), EXACT),
    ("buttock", C::Part(Part::Pelvis), EXACT),
    ("buttocks", C::Part(Part::Pelvis), EXACT),
    ("back", C::Part(Part::Back), EXACT),
    ("lower back", C::Part(Part::Back), EXACT),
    ("upper back", C::Part(Part::Back), EXACT),
    ("spine", C::Part(Part::Back), EXACT),
    ("flank", C::Part(Part::Back), EXACT),
    ("axilla", C::Part(Part::Axilla), EXACT),
    ("armpit", C::Part(Part::Axilla), EXACT),
    ("axillary", C::Part(Part::Axilla), EXACT),
    ("groin", C::Part(Part::Groin), EXACT),
    ("inguinal", C::Part(Part::Groin), EXACT),
    ("arm", C::Part(Part::Arm), EXACT),
    ("upper arm", C::Part(Part::Arm), EXACT),
    ("lower arm", C::Part(Part::Arm), EXACT),
    ("forearm", C::Part(Part::Arm), EXACT),
    ("shoulder", C::Part(Part::Arm), EXACT),
    ("elbow", C::Part(Part::Arm), EXACT),
    ("wrist", C::Part(Part::Arm), EXACT),
    ("hand", C::Part(Part::Arm), EXACT),
    ("fingers", C::Part(Part::Arm), EXACT),
    ("bicep", C::Part(Part::Arm), EXACT),
    ("biceps", C::Part(Part::Arm), EXACT),
    ("humerus", C::Part(Part::Arm), EXACT),
    ("leg", C::Part(Part::Leg), EXACT),
    ("upper leg", C::Part(Part::Leg), EXACT),
    ("lower leg", C::Part(Part::Leg), EXACT),
    ("thigh", C::Part(Part::Leg), EXACT),
    ("knee", C::Part(Part::Leg), EXACT),
    ("shin", C::Part(Part::Leg), EXACT),
    ("calf", C::Part(Part::Leg), EXACT),
    ("ankle", C::Part(Part::Leg), EXACT),
    ("foot", C::Part(Part::Leg), EXACT),
    ("femur", C::Part(Part::Leg), EXACT),
    ("tibia", C::Part(Part::Leg), EXACT),
    ("lower extremity", C::Part(Part::Leg), EXACT),
    ("lower extremities", C::Part(Part::Leg), EXACT),
    ("upper extremities", C::Part(Part::Arm), EXACT),
    ("legs", C::Part(Part::Leg), EXACT),
    ("thighs", C::Part(Part::Leg), EXACT),
    ("feet", C::Part(Part::Leg), EXACT),
    ("knees", C::Part(Part::Leg), EXACT),
    ("arms", C::Part(Part::Arm), EXACT),
    ("hands", C::Part(Part::Arm), EXACT),
    ("forearms", C::Part(Part::Arm), EXACT),
    ("eyes", C::Part(Part::Face), EXACT),
    ("chests", C::Part(Part::Chest), MISHEARD),
    ("upper extremity", C::Part(Part::Arm), EXACT),
    // Mechanisms.
    ("ied", C::Mechanism(Mechanism::Ied), EXACT),
    ("i e d", C::Mechanism(Mechanism::Ied), EXACT),
    (
        "improvised explosive device",
        C::Mechanism(Mechanism::Ied),
        EXACT,
    ),
    ("roadside bomb", C::Mechanism(Mechanism::Ied), EXACT),
    ("i.e.d", C::Mechanism(Mechanism::Ied), EXACT),
    ("ie d", C::Mechanism(Mechanism::Ied), MISHEARD),
    ("rpg", C::Mechanism(Mechanism::Rpg), EXACT),
    ("r p g", C::Mechanism(Mechanism::Rpg), EXACT),
    (
        "rocket propelled grenade",
        C::Mechanism(Mechanism::Rpg),
        EXACT,
    ),
    ("grenade", C::Mechanism(Mechanism::Grenade), EXACT),
    ("hand grenade", C::Mechanism(Mechanism::Grenade), EXACT),
    ("artillery", C::Mechanism(Mechanism::Artillery), EXACT),
    ("mortar", C::Mechanism(Mechanism::Artillery), EXACT),
    ("mortar round", C::Mechanism(Mechanism::Artillery), EXACT),
    ("indirect fire", C::Mechanism(Mechanism::Artillery), EXACT),
    ("shelling", C::Mechanism(Mechanism::Artillery), EXACT),
    ("landmine", C::Mechanism(Mechanism::Landmine), EXACT),
    ("land mine", C::Mechanism(Mechanism::Landmine), EXACT),
    ("mine", C::Mechanism(Mechanism::Landmine), EXACT),
    (
        "anti personnel mine",
        C::Mechanism(Mechanism::Landmine),
        EXACT,
    ),
    ("mvc", C::Mechanism(Mechanism::Mvc), EXACT),
    ("m v c", C::Mechanism(Mechanism::Mvc), EXACT),
    ("mva", C::Mechanism(Mechanism::Mvc), EXACT),
    ("vehicle rollover", C::Mechanism(Mechanism::Mvc), EXACT),
    ("rollover", C::Mechanism(Mechanism::Mvc), EXACT),
    ("vehicle crash", C::Mechanism(Mechanism::Mvc), EXACT),
    ("vehicle accident", C::Mechanism(Mechanism::Mvc), EXACT),
    (
        "motor vehicle collision",
        C::Mechanism(Mechanism::Mvc),
        EXACT,
    ),
    ("motor vehicle crash", C::Mechanism(Mechanism::Mvc), EXACT),
    (
        "motor vehicle accident",
        C::Mechanism(Mechanism::Mvc),
        EXACT,
    ),
    ("vehicle collision", C::Mechanism(Mechanism::Mvc), EXACT),
    ("fall", C::Mechanism(Mechanism::Fall), EXACT),
    ("fallen", C::Mechanism(Mechanism::Fall), EXACT),
    ("fell from", C::Mechanism(Mechanism::Fall), EXACT),
    ("fell", C::Mechanism(Mechanism::Fall), EXACT),
    ("fell off", C::Mechanism(Mechanism::Fall), EXACT),
    ("fell down", C::Mechanism(Mechanism::Fall), EXACT),
    (
        "blunt trauma",
        C::Injury(InjuryKind::Blunt, Some(Mechanism::Blunt)),
        EXACT,
    ),
    (
        "blunt force",
        C::Injury(InjuryKind::Blunt, Some(Mechanism::Blunt)),
        EXACT,
    ),
    (
        "blunt force trauma",
        C::Injury(InjuryKind::Blunt, Some(Mechanism::Blunt)),
        EXACT,
    ),
    ("blunt", C::Mechanism(Mechanism::Blunt), EXACT),
    ("shot", C::Mechanism(Mechanism::Gsw), EXACT),
    ("small arms fire", C::Mechanism(Mechanism::Gsw), EXACT),
    ("small arms", C::Mechanism(Mechanism::Gsw), EXACT),
    ("sniper", C::Mechanism(Mechanism::Gsw), EXACT),
    ("burn", C::Mechanism(Mechanism::Burn), EXACT),
    ("vehicle fire", C::Mechanism(Mechanism::Burn), EXACT),
    ("flash burn", C::Mechanism(Mechanism::Burn), EXACT),
    ("stabbed", C::Mechanism(Mechanism::Other), EXACT),
    // Injuries.
    (
        "gunshot wound",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gunshot",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gunshot wounds",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gun shot wound",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gsw",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "g s w",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gsws",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "bullet wound",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gunshot wound to",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "gun shot",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        MISHEARD,
    ),
    (
        "shot in",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    (
        "shot through",
        C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)),
        EXACT,
    ),
    ("amputation", C::Injury(InjuryKind::Amputation, None), EXACT),
    (
        "amputations",
        C::Injury(InjuryKind::Amputation, None),
        EXACT,
    ),
    ("amputated", C::Injury(InjuryKind::Amputation, None), EXACT),
    (
        "traumatic amputation",
        C::Injury(InjuryKind::Amputation, None),
        EXACT,
    ),
    (
        "partial amputation",
        C::Injury(InjuryKind::Amputation, None),
        EXACT,
    ),
    ("amputee", C::Injury(InjuryKind::Amputation, None), MISHEARD),
    (
        "ampu tation",
        C::Injury(InjuryKind::Amputation, None),
        MISHEARD,
    ),
    ("burns", C::Injury(InjuryKind::Burn, None), EXACT),
    ("burned", C::Injury(InjuryKind::Burn, None), EXACT),
    ("burnt", C::Injury(InjuryKind::Burn, None), EXACT),
    ("burn to", C::Injury(InjuryKind::Burn, None), EXACT),
    ("burns to", C::Injury(InjuryKind::Burn, None), EXACT),
    (
        "partial thickness burns",
        C::Injury(InjuryKind::Burn, None),
        EXACT,
    ),
    (
        "full thickness burns",
        C::Injury(InjuryKind::Burn, None),
        EXACT,
    ),
    ("laceration", C::Injury(InjuryKind::Laceration, None), EXACT),
    (
        "lacerations",
        C::Injury(InjuryKind::Laceration, None),
        EXACT,
    ),
    ("lac", C::Injury(InjuryKind::Laceration, None), EXACT),
    ("gash", C::Injury(InjuryKind::Laceration, None), EXACT),
    (
        "lacer ation",
        C::Injury(InjuryKind::Laceration, None),
        MISHEARD,
    ),
    ("fracture", C::Injury(InjuryKind::Fracture, None), EXACT),
    ("fractures", C::Injury(InjuryKind::Fracture, None), EXACT),
    ("fractured", C::Injury(InjuryKind::Fracture, None), EXACT),
    ("broken", C::Injury(InjuryKind::Fracture, None), EXACT),
    (
        "open fracture",
        C::Injury(InjuryKind::Fracture, None),
        EXACT,
    ),
    (
        "closed fracture",
        C::Injury(InjuryKind::Fracture, None),
        EXACT,
    ),
    ("deformity", C::Injury(InjuryKind::Fracture, None), EXACT),
    ("fx", C::Injury(InjuryKind::Fracture, None), EXACT),
    (
        "frack sure",
        C::Injury(InjuryKind::Fracture, None),
        MISHEARD,
    ),
    (
        "penetrating",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "penetrating wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "penetrating injury",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    ("shrapnel", C::Injury(InjuryKind::Penetrating, None), EXACT),
    (
        "shrapnel wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "shrapnel wounds",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "fragment wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "fragment wounds",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "fragmentation wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "fragmentation wounds",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "frag wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    ("frag", C::Injury(InjuryKind::Penetrating, None), EXACT),
    ("frags", C::Injury(InjuryKind::Penetrating, None), EXACT),
    ("fragment", C::Injury(InjuryKind::Penetrating, None), EXACT),
    ("fragments", C::Injury(InjuryKind::Penetrating, None), EXACT),
    (
        "fragmentation",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "frag wounds",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    (
        "stab wound",
        C::Injury(InjuryKind::Penetrating, Some(Mechanism::Other)),
        EXACT,
    ),
    (
        "puncture wound",
        C::Injury(InjuryKind::Penetrating, None),
        EXACT,
    ),
    ("impaled", C::Injury(InjuryKind::Penetrating, None), EXACT),
    (
        "blunt injury",
        C::Injury(InjuryKind::Blunt, Some(Mechanism::Blunt)),
        EXACT,
    ),
    ("contusion", C::Injury(InjuryKind::Blunt, None), EXACT),
    ("contusions", C::Injury(InjuryKind::Blunt, None), EXACT),
    ("bruising", C::Injury(InjuryKind::Blunt, None), EXACT),
    ("crush injury", C::Injury(InjuryKind::Blunt, None), EXACT),
    ("abrasion", C::Injury(InjuryKind::Other, None), EXACT),
    ("abrasions", C::Injury(InjuryKind::Other, None), EXACT),
    ("evisceration", C::Injury(InjuryKind::Other, None), EXACT),
    // Tourniquets and their brands.
    (
        "tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    (
        "tourniquets",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    ("tq", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("t q", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("cat", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("c a t", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    (
        "cat tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    ("soft t", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    (
        "soft t wide",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    ("softt", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("softt w", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("softtw", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    (
        "soft tee",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    ("sam xt", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    ("rmt", C::Tourniquet(TourniquetKind::Extremity), EXACT),
    (
        "extremity tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    (
        "limb tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    (
        "hasty tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    (
        "deliberate tourniquet",
        C::Tourniquet(TourniquetKind::Extremity),
        EXACT,
    ),
    (
        "tour nicket",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tour nickel",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tourney kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tourney kid",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tornicate",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "turn a kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "turnicate",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tournicate",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tourniquette",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "tour kit",
        C::Tourniquet(TourniquetKind::Extremity),
        MISHEARD,
    ),
    (
        "junctional tourniquet",
        C::Tourniquet(TourniquetKind::Junctional),
        EXACT,
    ),
    (
        "sam junctional",
        C::Tourniquet(TourniquetKind::Junctional),
        EXACT,
    ),
    (
        "sam junctional tourniquet",
        C::Tourniquet(TourniquetKind::Junctional),
        EXACT,
    ),
    ("jett", C::Tourniquet(TourniquetKind::Junctional), EXACT),
    ("croc", C::Tourniquet(TourniquetKind::Junctional), EXACT),
    (
        "junctional emergency treatment tool",
        C::Tourniquet(TourniquetKind::Junctional),
        EXACT,
    ),
    (
        "truncal tourniquet",
        C::Tourniquet(TourniquetKind::Truncal),
        EXACT,
    ),
    ("aaj", C::Tourniquet(TourniquetKind::Truncal), EXACT),
    (
        "abdominal aortic junctional tourniquet",
        C::Tourniquet(TourniquetKind::Truncal),
        EXACT,
    ),
    // Vital signs.
    ("pulse", C::Vital(VitalCue::Pulse), EXACT),
    ("pulse rate", C::Vital(VitalCue::Pulse), EXACT),
    ("radial pulse", C::Vital(VitalCue::Pulse), EXACT),
    ("radial", C::Vital(VitalCue::Pulse), EXACT),
    ("carotid pulse", C::Vital(VitalCue::Pulse), EXACT),
    ("heart rate", C::Vital(VitalCue::Pulse), EXACT),
    ("heartrate", C::Vital(VitalCue::Pulse), EXACT),
    ("hr", C::Vital(VitalCue::Pulse), EXACT),
    ("h r", C::Vital(VitalCue::Pulse), EXACT),
    ("heart rates", C::Vital(VitalCue::Pulse), MISHEARD),
    ("hart rate", C::Vital(VitalCue::Pulse), MISHEARD),
    ("pulses", C::Vital(VitalCue::Pulse), MISHEARD),
    ("blood pressure", C::Vital(VitalCue::BloodPressure), EXACT),
    ("bp", C::Vital(VitalCue::BloodPressure), EXACT),
    ("b p", C::Vital(VitalCue::BloodPressure), EXACT),
    ("bps", C::Vital(VitalCue::BloodPressure), MISHEARD),
    ("bee pee", C::Vital(VitalCue::BloodPressure), MISHEARD),
    ("pressure", C::Vital(VitalCue::BloodPressure), EXACT),
    ("respirations", C::Vital(VitalCue::RespRate), EXACT),
    ("respiration", C::Vital(VitalCue::RespRate), EXACT),
    ("respiratory rate", C::Vital(VitalCue::RespRate), EXACT),
    ("respiration rate", C::Vital(VitalCue::RespRate), EXACT),
    ("resp rate", C::Vital(VitalCue::RespRate), EXACT),
    ("resps", C::Vital(VitalCue::RespRate), EXACT),
    ("resp", C::Vital(VitalCue::RespRate), EXACT),
    ("rr", C::Vital(VitalCue::RespRate), EXACT),
    ("r r", C::Vital(VitalCue::RespRate), EXACT),
    ("breathing rate", C::Vital(VitalCue::RespRate), EXACT),
    ("breathing at", C::Vital(VitalCue::RespRate), EXACT),
    ("breaths per minute", C::Vital(VitalCue::RespRate), EXACT),
    ("breathes", C::Vital(VitalCue::RespRate), EXACT),
    ("breathing", C::Vital(VitalCue::RespRate), EXACT),
    ("resperations", C::Vital(VitalCue::RespRate), MISHEARD),
    ("respirations are", C::Vital(VitalCue::RespRate), EXACT),
    ("spo2", C::Vital(VitalCue::Spo2), EXACT),
    ("sp o2", C::Vital(VitalCue::Spo2), EXACT),
    ("s p o 2", C::Vital(VitalCue::Spo2), EXACT),
    ("s p o2", C::Vital(VitalCue::Spo2), EXACT),
    ("sat", C::Vital(VitalCue::Spo2), EXACT),
    ("sats", C::Vital(VitalCue::Spo2), EXACT),
    ("saturation", C::Vital(VitalCue::Spo2), EXACT),
    ("saturating", C::Vital(VitalCue::Spo2), EXACT),
    ("satting", C::Vital(VitalCue::Spo2), EXACT),
    ("sating", C::Vital(VitalCue::Spo2), EXACT),
    ("o2 sat", C::Vital(VitalCue::Spo2), EXACT),
    ("o2 sats", C::Vital(VitalCue::Spo2), EXACT),
    ("oxygen saturation", C::Vital(VitalCue::Spo2), EXACT),
    ("oxygen sat", C::Vital(VitalCue::Spo2), EXACT),
    ("oxygen sats", C::Vital(VitalCue::Spo2), EXACT),
    ("pulse ox", C::Vital(VitalCue::Spo2), EXACT),
    ("pulse oximetry", C::Vital(VitalCue::Spo2), EXACT),
    ("pulse ox of", C::Vital(VitalCue::Spo2), EXACT),
    ("pulsox", C::Vital(VitalCue::Spo2), MISHEARD),
    ("pulseocks", C::Vital(VitalCue::Spo2), MISHEARD),
    ("pain", C::Vital(VitalCue::Pain), EXACT),
    ("pain scale", C::Vital(VitalCue::Pain), EXACT),
    ("pain score", C::Vital(VitalCue::Pain), EXACT),
    ("pain level", C::Vital(VitalCue::Pain), EXACT),
    ("avpu", C::Vital(VitalCue::Avpu), EXACT),
    ("a v p u", C::Vital(VitalCue::Avpu), EXACT),
    ("loc", C::Vital(VitalCue::Avpu), EXACT),
    ("level of consciousness", C::Vital(VitalCue::Avpu), EXACT),
    ("mental status", C::Vital(VitalCue::Avpu), EXACT),
    ("vitals", C::Vital(VitalCue::Set), EXACT),
    ("vital signs", C::Vital(VitalCue::Set), EXACT),
    ("vital", C::Vital(VitalCue::Set), EXACT),
    ("repeat vitals", C::Vital(VitalCue::Set), EXACT),
    ("set of vitals", C::Vital(VitalCue::Set), EXACT),
    ("second set of vitals", C::Vital(VitalCue::Set), EXACT),
    // AVPU wordings.
    ("alert", C::Avpu(Avpu::Alert), EXACT),
    ("alert and oriented", C::Avpu(Avpu::Alert), EXACT),
    ("a and o", C::Avpu(Avpu::Alert), EXACT),
    ("a and ox4", C::Avpu(Avpu::Alert), EXACT),
    ("awake", C::Avpu(Avpu::Alert), EXACT),
    ("responds to voice", C::Avpu(Avpu::Voice), EXACT),
    ("responsive to voice", C::Avpu(Avpu::Voice), EXACT),
    ("responding to voice", C::Avpu(Avpu::Voice), EXACT),
    ("response to voice", C::Avpu(Avpu::Voice), EXACT),
    ("responds to verbal", C::Avpu(Avpu::Voice), EXACT),
    ("responsive to verbal", C::Avpu(Avpu::Voice), EXACT),
    ("responds to verbal stimuli", C::Avpu(Avpu::Voice), EXACT),
    ("responds to pain", C::Avpu(Avpu::Pain), EXACT),
    ("responsive to pain", C::Avpu(Avpu::Pain), EXACT),
    ("responding to pain", C::Avpu(Avpu::Pain), EXACT),
    ("response to pain", C::Avpu(Avpu::Pain), EXACT),
    ("responds only to pain", C::Avpu(Avpu::Pain), EXACT),
    ("responds to painful stimuli", C::Avpu(Avpu::Pain), EXACT),
    ("responsive to painful stimuli", C::Avpu(Avpu::Pain), EXACT),
    ("painful stimuli", C::Avpu(Avpu::Pain), EXACT),
    ("unresponsive", C::Avpu(Avpu::Unresponsive), EXACT),
    ("not responsive", C::Avpu(Avpu::Unresponsive), EXACT),
    ("non responsive", C::Avpu(Avpu::Unresponsive), EXACT),
    ("nonresponsive", C::Avpu(Avpu::Unresponsive), EXACT),
    ("unconscious", C::Avpu(Avpu::Unresponsive), EXACT),
    ("no response", C::Avpu(Avpu::Unresponsive), EXACT),
    ("un responsive", C::Avpu(Avpu::Unresponsive), MISHEARD),
    ("not responding to voice", C::Filler, EXACT),
    ("back of the", C::Filler, EXACT),
    ("back of his", C::Filler, EXACT),
    ("back of her", C::Filler, EXACT),
    ("front of the", C::Filler, EXACT),
    ("front of his", C::Filler, EXACT),
    ("front of her", C::Filler, EXACT),
    ("not responsive to voice", C::Filler, EXACT),
    ("no response to voice", C::Filler, EXACT),
    ("not responding to verbal", C::Filler, EXACT),
    ("not responding to pain", C::Avpu(Avpu::Unresponsive), EXACT),
    ("no response to pain", C::Avpu(Avpu::Unresponsive), EXACT),
    // Treatments (MARCH order).
    (
        "pressure dressing",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "pressure bandage",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "israeli bandage",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "israeli dressing",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "emergency trauma dressing",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "olaes",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "olaes bandage",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    ("etd", C::Treatment(TreatmentKind::PressureDressing), EXACT),
    (
        "hemostatic",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "hemostatic dressing",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "hemostatic gauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "haemostatic",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "haemostatic dressing",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "combat gauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "quikclot",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "quick clot",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "quikclot combat gauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "celox",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "sell ox",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "cell ox",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "seloxx",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "chitogauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "chito gauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "kito gauze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "xstat",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "x stat",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "combat gaze",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "combat cause",
        C::Treatment(TreatmentKind::HemostaticDressing),
        MISHEARD,
    ),
    (
        "wound packing",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    ("npa", C::Treatment(TreatmentKind::Npa), EXACT),
    ("n p a", C::Treatment(TreatmentKind::Npa), EXACT),
    (
        "nasopharyngeal airway",
        C::Treatment(TreatmentKind::Npa),
        EXACT,
    ),
    ("nasopharyngeal", C::Treatment(TreatmentKind::Npa), EXACT),
    ("nasal airway", C::Treatment(TreatmentKind::Npa), EXACT),
    ("nasal trumpet", C::Treatment(TreatmentKind::Npa), EXACT),
    (
        "naso pharyngeal airway",
        C::Treatment(TreatmentKind::Npa),
        MISHEARD,
    ),
    ("sga", C::Treatment(TreatmentKind::Sga), EXACT),
    ("supraglottic", C::Treatment(TreatmentKind::Sga), EXACT),
    (
        "supraglottic airway",
        C::Treatment(TreatmentKind::Sga),
        EXACT,
    ),
    ("i gel", C::Treatment(TreatmentKind::Sga), EXACT),
    ("igel", C::Treatment(TreatmentKind::Sga), EXACT),
    ("king lt", C::Treatment(TreatmentKind::Sga), EXACT),
    ("king airway", C::Treatment(TreatmentKind::Sga), EXACT),
    ("ett", C::Treatment(TreatmentKind::Ett), EXACT),
    ("et tube", C::Treatment(TreatmentKind::Ett), EXACT),
    ("e t tube", C::Treatment(TreatmentKind::Ett), EXACT),
    ("endotracheal tube", C::Treatment(TreatmentKind::Ett), EXACT),
    ("endotracheal", C::Treatment(TreatmentKind::Ett), EXACT),
    ("intubated", C::Treatment(TreatmentKind::Ett), EXACT),
    ("intubation", C::Treatment(TreatmentKind::Ett), EXACT),
    ("cric", C::Treatment(TreatmentKind::Cric), EXACT),
    ("crike", C::Treatment(TreatmentKind::Cric), MISHEARD),
    ("crick", C::Treatment(TreatmentKind::Cric), MISHEARD),
    (
        "cricothyroidotomy",
        C::Treatment(TreatmentKind::Cric),
        EXACT,
    ),
    ("surgical cric", C::Treatment(TreatmentKind::Cric), EXACT),
    ("surgical airway", C::Treatment(TreatmentKind::Cric), EXACT),
    ("cricked", C::Treatment(TreatmentKind::Cric), EXACT),
    ("oxygen", C::Treatment(TreatmentKind::Oxygen), EXACT),
    ("o2", C::Treatment(TreatmentKind::Oxygen), EXACT),
    (
        "supplemental oxygen",
        C::Treatment(TreatmentKind::Oxygen),
        EXACT,
    ),
    ("non rebreather", C::Treatment(TreatmentKind::Oxygen), EXACT),
    (
        "needle decompression",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "needle decompressed",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "needle chest decompression",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "needle d",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "needle dee",
        C::Treatment(TreatmentKind::NeedleDecompression),
        MISHEARD,
    ),
    (
        "ndc",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "n d c",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "decompressed",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "decompression",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    (
        "needle thoracostomy",
        C::Treatment(TreatmentKind::NeedleDecompression),
        EXACT,
    ),
    ("chest tube", C::Treatment(TreatmentKind::ChestTube), EXACT),
    (
        "thoracostomy",
        C::Treatment(TreatmentKind::ChestTube),
        EXACT,
    ),
    (
        "finger thoracostomy",
        C::Treatment(TreatmentKind::ChestTube),
        EXACT,
    ),
    ("chest seal", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    ("chest seals", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    (
        "vented chest seal",
        C::Treatment(TreatmentKind::ChestSeal),
        EXACT,
    ),
    (
        "occlusive dressing",
        C::Treatment(TreatmentKind::ChestSeal),
        EXACT,
    ),
    ("hyfin", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    ("hyfin vent", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    ("high fin", C::Treatment(TreatmentKind::ChestSeal), MISHEARD),
    ("halo seal", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    ("bolin", C::Treatment(TreatmentKind::ChestSeal), EXACT),
    (
        "sentinel seal",
        C::Treatment(TreatmentKind::ChestSeal),
        EXACT,
    ),
    (
        "chess seal",
        C::Treatment(TreatmentKind::ChestSeal),
        MISHEARD,
    ),
    (
        "hypothermia prevention",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "hypothermia kit",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "hypothermia wrap",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "hypothermia blanket",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "hpmk",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "h p m k",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "blizzard blanket",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "blizzard bag",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "ready heat",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "warming blanket",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "space blanket",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "heat reflective shell",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        EXACT,
    ),
    (
        "hypo thermia",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
        MISHEARD,
    ),
    ("eye shield", C::Treatment(TreatmentKind::EyeShield), EXACT),
    ("eye shields", C::Treatment(TreatmentKind::EyeShield), EXACT),
    (
        "rigid eye shield",
        C::Treatment(TreatmentKind::EyeShield),
        EXACT,
    ),
    ("i shield", C::Treatment(TreatmentKind::EyeShield), MISHEARD),
    ("splint", C::Treatment(TreatmentKind::Splint), EXACT),
    ("splints", C::Treatment(TreatmentKind::Splint), EXACT),
    (
        "pressure dressings",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "pressure bandages",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "israeli bandages",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "israeli dressings",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "hemostatic dressings",
        C::Treatment(TreatmentKind::HemostaticDressing),
        EXACT,
    ),
    (
        "trauma dressing",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    (
        "trauma dressings",
        C::Treatment(TreatmentKind::PressureDressing),
        EXACT,
    ),
    ("splinted", C::Treatment(TreatmentKind::Splint), EXACT),
    ("sam splint", C::Treatment(TreatmentKind::Splint), EXACT),
    (
        "traction splint",
        C::Treatment(TreatmentKind::Splint),
        EXACT,
    ),
    ("splinting", C::Treatment(TreatmentKind::Splint), EXACT),
    ("pelvic binder", C::Treatment(TreatmentKind::Other), EXACT),
    (
        "sam pelvic sling",
        C::Treatment(TreatmentKind::Other),
        EXACT,
    ),
    ("pelvic sling", C::Treatment(TreatmentKind::Other), EXACT),
    ("c collar", C::Treatment(TreatmentKind::Other), EXACT),
    (
        "combat pill pack",
        C::Treatment(TreatmentKind::CombatPillPack),
        EXACT,
    ),
    (
        "pill pack",
        C::Treatment(TreatmentKind::CombatPillPack),
        EXACT,
    ),
    (
        "combat wound pill pack",
        C::Treatment(TreatmentKind::CombatPillPack),
        EXACT,
    ),
    (
        "combat wound medication pack",
        C::Treatment(TreatmentKind::CombatPillPack),
        EXACT,
    ),
    ("cwmp", C::Treatment(TreatmentKind::CombatPillPack), EXACT),
    (
        "combat pillpack",
        C::Treatment(TreatmentKind::CombatPillPack),
        EXACT,
    ),
    // Fluids and blood products.
    ("whole blood", C::Fluid(FluidName::WholeBlood), EXACT),
    (
        "low titer o whole blood",
        C::Fluid(FluidName::WholeBlood),
        EXACT,
    ),
    (
        "low titre o whole blood",
        C::Fluid(FluidName::WholeBlood),
        EXACT,
    ),
    ("ltowb", C::Fluid(FluidName::WholeBlood), EXACT),
    ("lto whole blood", C::Fluid(FluidName::WholeBlood), EXACT),
    ("fresh whole blood", C::Fluid(FluidName::WholeBlood), EXACT),
    ("walking blood bank", C::Fluid(FluidName::WholeBlood), EXACT),
    ("hole blood", C::Fluid(FluidName::WholeBlood), MISHEARD),
    ("prbc", C::Fluid(FluidName::Prbc), EXACT),
    ("prbcs", C::Fluid(FluidName::Prbc), EXACT),
    ("p r b c", C::Fluid(FluidName::Prbc), EXACT),
    ("packed red blood cells", C::Fluid(FluidName::Prbc), EXACT),
    ("packed red cells", C::Fluid(FluidName::Prbc), EXACT),
    ("packed cells", C::Fluid(FluidName::Prbc), EXACT),
    ("red cells", C::Fluid(FluidName::Prbc), EXACT),
    ("plasma", C::Fluid(FluidName::Plasma), EXACT),
    ("ffp", C::Fluid(FluidName::Plasma), EXACT),
    ("fresh frozen plasma", C::Fluid(FluidName::Plasma), EXACT),
    ("freeze dried plasma", C::Fluid(FluidName::Plasma), EXACT),
    ("dried plasma", C::Fluid(FluidName::Plasma), EXACT),
    ("fdp", C::Fluid(FluidName::Plasma), EXACT),
    ("platelets", C::Fluid(FluidName::Platelets), EXACT),
    (
        "lactated ringers",
        C::Fluid(FluidName::LactatedRingers),
        EXACT,
    ),
    (
        "lactated ringer",
        C::Fluid(FluidName::LactatedRingers),
        EXACT,
    ),
    (
        "ringers lactate",
        C::Fluid(FluidName::LactatedRingers),
        EXACT,
    ),
    (
        "ringer lactate",
        C::Fluid(FluidName::LactatedRingers),
        EXACT,
    ),
    ("ringers", C::Fluid(FluidName::LactatedRingers), EXACT),
    ("lr", C::Fluid(FluidName::LactatedRingers), EXACT),
    ("l r", C::Fluid(FluidName::LactatedRingers), EXACT),
    ("normal saline", C::Fluid(FluidName::NormalSaline), EXACT),
    ("saline", C::Fluid(FluidName::NormalSaline), EXACT),
    ("ns", C::Fluid(FluidName::NormalSaline), EXACT),
    ("hextend", C::Fluid(FluidName::Hextend), EXACT),
    ("hex tend", C::Fluid(FluidName::Hextend), MISHEARD),
    ("hextended", C::Fluid(FluidName::Hextend), MISHEARD),
    ("hespan", C::Fluid(FluidName::Other), EXACT),
    (
        "hypertonic saline",
        C::Medication("hypertonic_saline"),
        EXACT,
    ),
    // Medications (generic names as the schema wants them).
    ("txa", C::Medication("txa"), EXACT),
    ("t x a", C::Medication("txa"), EXACT),
    ("tranexamic acid", C::Medication("txa"), EXACT),
    ("tranexamic", C::Medication("txa"), EXACT),
    ("trans examic acid", C::Medication("txa"), MISHEARD),
    ("tranexamic acids", C::Medication("txa"), MISHEARD),
    ("tx a", C::Medication("txa"), MISHEARD),
    ("ketamine", C::Medication("ketamine"), EXACT),
    ("ketamin", C::Medication("ketamine"), MISHEARD),
    ("keta mean", C::Medication("ketamine"), MISHEARD),
    ("key to mean", C::Medication("ketamine"), MISHEARD),
    ("ketamene", C::Medication("ketamine"), MISHEARD),
    ("cat a mean", C::Medication("ketamine"), MISHEARD),
    ("fentanyl", C::Medication("fentanyl"), EXACT),
    ("fentanil", C::Medication("fentanyl"), MISHEARD),
    ("fent", C::Medication("fentanyl"), EXACT),
    ("sent a nil", C::Medication("fentanyl"), MISHEARD),
    ("fenta nil", C::Medication("fentanyl"), MISHEARD),
    ("actiq", C::Medication("fentanyl"), EXACT),
    ("morphine", C::Medication("morphine"), EXACT),
    ("morphene", C::Medication("morphine"), MISHEARD),
    ("more fean", C::Medication("morphine"), MISHEARD),
    ("ondansetron", C::Medication("ondansetron"), EXACT),
    ("zofran", C::Medication("ondansetron"), EXACT),
    ("ondan setron", C::Medication("ondansetron"), MISHEARD),
    ("zo fran", C::Medication("ondansetron"), MISHEARD),
    ("naloxone", C::Medication("naloxone"), EXACT),
    ("narcan", C::Medication("naloxone"), EXACT),
    ("nar can", C::Medication("naloxone"), MISHEARD),
    ("moxifloxacin", C::Medication("moxifloxacin"), EXACT),
    ("moxi", C::Medication("moxifloxacin"), EXACT),
    ("moxy", C::Medication("moxifloxacin"), MISHEARD),
    ("moxie", C::Medication("moxifloxacin"), MISHEARD),
    ("moxi floxacin", C::Medication("moxifloxacin"), MISHEARD),
    ("avelox", C::Medication("moxifloxacin"), EXACT),
    ("ertapenem", C::Medication("ertapenem"), EXACT),
    ("invanz", C::Medication("ertapenem"), EXACT),
    ("erta penem", C::Medication("ertapenem"), MISHEARD),
    ("cefazolin", C::Medication("cefazolin"), EXACT),
    ("ancef", C::Medication("cefazolin"), EXACT),
    ("ceftriaxone", C::Medication("ceftriaxone"), EXACT),
    ("rocephin", C::Medication("ceftriaxone"), EXACT),
    ("cefadroxil", C::Medication("cefadroxil"), EXACT),
    ("cephalexin", C::Medication("cephalexin"), EXACT),
    ("keflex", C::Medication("cephalexin"), EXACT),
    ("meloxicam", C::Medication("meloxicam"), EXACT),
    ("mobic", C::Medication("meloxicam"), EXACT),
    ("acetaminophen", C::Medication("acetaminophen"), EXACT),
    ("tylenol", C::Medication("acetaminophen"), EXACT),
    ("paracetamol", C::Medication("acetaminophen"), EXACT),
    ("calcium chloride", C::Medication("calcium_chloride"), EXACT),
    (
        "calcium gluconate",
        C::Medication("calcium_gluconate"),
        EXACT,
    ),
    ("epinephrine", C::Medication("epinephrine"), EXACT),
    ("epi", C::Medication("epinephrine"), EXACT),
    ("adrenaline", C::Medication("epinephrine"), EXACT),
    ("midazolam", C::Medication("midazolam"), EXACT),
    ("versed", C::Medication("midazolam"), EXACT),
    ("lidocaine", C::Medication("lidocaine"), EXACT),
    ("diphenhydramine", C::Medication("diphenhydramine"), EXACT),
    ("benadryl", C::Medication("diphenhydramine"), EXACT),
    ("promethazine", C::Medication("promethazine"), EXACT),
    ("phenergan", C::Medication("promethazine"), EXACT),
    ("hydromorphone", C::Medication("hydromorphone"), EXACT),
    ("dilaudid", C::Medication("hydromorphone"), EXACT),
    ("penicillin", C::Medication("penicillin"), EXACT),
    ("sulfa", C::Medication("sulfa"), EXACT),
    ("codeine", C::Medication("codeine"), EXACT),
    ("aspirin", C::Medication("aspirin"), EXACT),
    ("ibuprofen", C::Medication("ibuprofen"), EXACT),
    ("latex", C::Medication("latex"), EXACT),
    // Routes.
    ("iv", C::Route(Route::Iv), EXACT),
    ("i v", C::Route(Route::Iv), EXACT),
    ("intravenous", C::Route(Route::Iv), EXACT),
    ("intravenously", C::Route(Route::Iv), EXACT),
    ("ivp", C::Route(Route::Iv), EXACT),
    ("iv push", C::Route(Route::Iv), EXACT),
    ("slow iv push", C::Route(Route::Iv), EXACT),
    ("io", C::Route(Route::Io), EXACT),
    ("i o", C::Route(Route::Io), EXACT),
    ("intraosseous", C::Route(Route::Io), EXACT),
    ("intra osseous", C::Route(Route::Io), EXACT),
    ("fast one", C::Route(Route::Io), EXACT),
    ("eye oh", C::Route(Route::Io), MISHEARD),
    ("im", C::Route(Route::Im), EXACT),
    ("i m", C::Route(Route::Im), EXACT),
    ("intramuscular", C::Route(Route::Im), EXACT),
    ("intramuscularly", C::Route(Route::Im), EXACT),
    ("po", C::Route(Route::Po), EXACT),
    ("p o", C::Route(Route::Po), EXACT),
    ("by mouth", C::Route(Route::Po), EXACT),
    ("orally", C::Route(Route::Po), EXACT),
    ("oral", C::Route(Route::Po), EXACT),
    ("intranasal", C::Route(Route::In), EXACT),
    ("intranasally", C::Route(Route::In), EXACT),
    ("intra nasal", C::Route(Route::In), EXACT),
    ("nasal", C::Route(Route::In), EXACT),
    ("otfc", C::Route(Route::Otfc), EXACT),
    ("o t f c", C::Route(Route::Otfc), EXACT),
    ("lollipop", C::Route(Route::Otfc), EXACT),
    ("lozenge", C::Route(Route::Otfc), EXACT),
    ("transmucosal", C::Route(Route::Otfc), EXACT),
    ("oral transmucosal", C::Route(Route::Otfc), EXACT),
    ("sublingual", C::Route(Route::Sl), EXACT),
    ("sublingually", C::Route(Route::Sl), EXACT),
    ("topical", C::Route(Route::Topical), EXACT),
    ("topically", C::Route(Route::Topical), EXACT),
    // Sex.
    ("male", C::Sex(Sex::Male), EXACT),
    ("female", C::Sex(Sex::Female), EXACT),
    // Evacuation category.
    ("urgent", C::Evac(Evac::Urgent), EXACT),
    ("urgent surgical", C::Evac(Evac::Urgent), EXACT),
    ("urgent surgery", C::Evac(Evac::Urgent), EXACT),
    ("priority", C::Evac(Evac::Priority), EXACT),
    ("routine", C::Evac(Evac::Routine), EXACT),
    ("evac", C::EvacCue, EXACT),
    ("evacuation", C::EvacCue, EXACT),
    ("medevac", C::EvacCue, EXACT),
    ("med evac", C::EvacCue, EXACT),
    ("medivac", C::EvacCue, EXACT),
    ("casevac", C::EvacCue, EXACT),
    ("cas evac", C::EvacCue, EXACT),
    ("evac category", C::EvacCue, EXACT),
    ("evac cat", C::EvacCue, EXACT),
    ("category", C::EvacCue, EXACT),
    ("precedence", C::EvacCue, EXACT),
    ("triage category", C::EvacCue, EXACT),
    ("e vac", C::EvacCue, MISHEARD),
    // Allergies.
    ("allergies", C::Allergy, EXACT),
    ("allergy", C::Allergy, EXACT),
    ("allergic to", C::Allergy, EXACT),
    ("allergic", C::Allergy, EXACT),
    ("nkda", C::NoKnownAllergies, EXACT),
    ("n k d a", C::NoKnownAllergies, EXACT),
    ("no known drug allergies", C::NoKnownAllergies, EXACT),
    ("no known allergies", C::NoKnownAllergies, EXACT),
    ("no allergies", C::NoKnownAllergies, EXACT),
    ("no drug allergies", C::NoKnownAllergies, EXACT),
    ("denies allergies", C::NoKnownAllergies, EXACT),
    ("denies any allergies", C::NoKnownAllergies, EXACT),
    ("no known drug allergy", C::NoKnownAllergies, EXACT),
    ("allergies none", C::NoKnownAllergies, EXACT),
    ("allergies none known", C::NoKnownAllergies, EXACT),
    ("allergies nkda", C::NoKnownAllergies, EXACT),
    ("allergies negative", C::NoKnownAllergies, EXACT),
    ("no allergy", C::NoKnownAllergies, EXACT),
    ("no known allergy", C::NoKnownAllergies, EXACT),
    // Negation, correction and other discourse cues.
    ("no", C::Negation, EXACT),
    ("denies", C::Negation, EXACT),
    ("without", C::Negation, EXACT),
    ("negative for", C::Negation, EXACT),
    ("unable to", C::Negation, EXACT),
    ("could not", C::Negation, EXACT),
    ("couldnt", C::Negation, EXACT),
    ("cannot", C::Negation, EXACT),
    ("cant", C::Negation, EXACT),
    ("did not", C::Negation, EXACT),
    ("didnt", C::Negation, EXACT),
    ("none", C::Negation, EXACT),
    ("not", C::Not, EXACT),
    ("never", C::Not, EXACT),
    ("isnt", C::Not, EXACT),
    ("wasnt", C::Not, EXACT),
    ("not yet", C::Not, EXACT),
    ("held", C::Not, EXACT),
    ("withheld", C::Not, EXACT),
    ("correction", C::Correction, EXACT),
    ("correct that", C::Correction, EXACT),
    ("i mean", C::Correction, EXACT),
    ("make that", C::Correction, EXACT),
    ("make it", C::Correction, EXACT),
    ("sorry", C::Correction, EXACT),
    ("change that", C::Correction, EXACT),
    ("amend", C::Correction, EXACT),
    ("let me correct", C::Correction, EXACT),
    ("scratch that", C::Retraction, EXACT),
    ("strike that", C::Retraction, EXACT),
    ("disregard", C::Retraction, EXACT),
    ("disregard that", C::Retraction, EXACT),
    ("disregard last", C::Retraction, EXACT),
    ("ignore that", C::Retraction, EXACT),
    ("delete that", C::Retraction, EXACT),
    ("cancel that", C::Retraction, EXACT),
    ("scratch", C::Retraction, EXACT),
    ("at", C::At, EXACT),
    ("@", C::At, EXACT),
    ("time", C::At, EXACT),
    ("timed at", C::At, EXACT),
    ("time of", C::At, EXACT),
    ("name", C::NameCue, EXACT),
    ("name is", C::NameCue, EXACT),
    ("his name is", C::NameCue, EXACT),
    ("her name is", C::NameCue, EXACT),
    ("casualty name", C::NameCue, EXACT),
    ("patient name", C::NameCue, EXACT),
    ("last four", C::Last4Cue, EXACT),
    ("last 4", C::Last4Cue, EXACT),
    ("last four is", C::Last4Cue, EXACT),
    ("last four are", C::Last4Cue, EXACT),
    ("last four of", C::Last4Cue, EXACT),
    ("last four digits", C::Last4Cue, EXACT),
    ("last four digits are", C::Last4Cue, EXACT),
    ("battle roster", C::RosterCue, EXACT),
    ("battle roster number", C::RosterCue, EXACT),
    ("battle roster is", C::RosterCue, EXACT),
    ("battle roster number is", C::RosterCue, EXACT),
    ("roster number", C::RosterCue, EXACT),
    ("roster", C::RosterCue, EXACT),
    ("zap number", C::RosterCue, EXACT),
    ("zap", C::RosterCue, EXACT),
    ("kill number", C::RosterCue, EXACT),
    ("but", C::But, EXACT),
    ("however", C::But, EXACT),
    ("then", C::But, EXACT),
    ("and then", C::But, EXACT),
    ("out of", C::OutOf, EXACT),
    ("of ten", C::OutOf, EXACT),
];

/// Long words matched by edit distance when no row matches: key terms whose misspellings
/// are too many to list.
const FUZZY_TARGETS: &[(&str, Concept)] = &[
    ("tourniquet", C::Tourniquet(TourniquetKind::Extremity)),
    ("casualty", C::Casualty),
    ("ketamine", C::Medication("ketamine")),
    ("fentanyl", C::Medication("fentanyl")),
    ("ondansetron", C::Medication("ondansetron")),
    ("moxifloxacin", C::Medication("moxifloxacin")),
    ("ertapenem", C::Medication("ertapenem")),
    ("tranexamic", C::Medication("txa")),
    ("respirations", C::Vital(VitalCue::RespRate)),
    ("saturation", C::Vital(VitalCue::Spo2)),
    ("amputation", C::Injury(InjuryKind::Amputation, None)),
    ("laceration", C::Injury(InjuryKind::Laceration, None)),
    (
        "hemostatic",
        C::Treatment(TreatmentKind::HemostaticDressing),
    ),
    ("nasopharyngeal", C::Treatment(TreatmentKind::Npa)),
    ("cricothyroidotomy", C::Treatment(TreatmentKind::Cric)),
    (
        "decompression",
        C::Treatment(TreatmentKind::NeedleDecompression),
    ),
    (
        "hypothermia",
        C::Treatment(TreatmentKind::HypothermiaPrevention),
    ),
    ("intraosseous", C::Route(Route::Io)),
    ("naloxone", C::Medication("naloxone")),
    ("morphine", C::Medication("morphine")),
    ("ceftriaxone", C::Medication("ceftriaxone")),
    ("cefazolin", C::Medication("cefazolin")),
    ("acetaminophen", C::Medication("acetaminophen")),
    ("meloxicam", C::Medication("meloxicam")),
];

/// Confidence of a sound-alike match that its context confirmed.
pub const SOUNDS_LIKE: f32 = 0.6;

/// Terms the recogniser breaks into sound-alike words ("turn a kit", "key to mean"), with
/// the context that must confirm them: a drug needs a dose or route in its clause, a
/// tourniquet a limb or a time, a casualty its number right after.
pub const SOUND_ALIKE_TARGETS: &[(&str, Concept)] = &[
    ("tourniquet", C::Tourniquet(TourniquetKind::Extremity)),
    ("casualty", C::Casualty),
    ("ketamine", C::Medication("ketamine")),
    ("fentanyl", C::Medication("fentanyl")),
    ("morphine", C::Medication("morphine")),
    ("ondansetron", C::Medication("ondansetron")),
    ("zofran", C::Medication("ondansetron")),
    ("naloxone", C::Medication("naloxone")),
    ("moxifloxacin", C::Medication("moxifloxacin")),
    ("ertapenem", C::Medication("ertapenem")),
    ("tranexamic", C::Medication("txa")),
    ("cefazolin", C::Medication("cefazolin")),
    ("ceftriaxone", C::Medication("ceftriaxone")),
    ("midazolam", C::Medication("midazolam")),
    ("meloxicam", C::Medication("meloxicam")),
    ("acetaminophen", C::Medication("acetaminophen")),
];

/// A rough sound key: consonants as heard, voicing ignored, vowels and repeats dropped
/// ("turn a kit", "tour nicket" and "tourniquet" all give "trnkt").
pub fn sound_key(text: &str) -> String {
    let letters: Vec<char> = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut key = String::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let c = letters[i];
        let next = letters.get(i + 1).copied();
        let (sound, width) = match (c, next) {
            ('p', Some('h')) => (Some('f'), 2),
            ('c', Some('k')) | ('q', Some('u')) => (Some('k'), 2),
            ('g', Some('h')) => (None, 2),
            ('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w', _) => (None, 1),
            ('c' | 'q' | 'g', _) => (Some('k'), 1),
            ('x', _) => {
                if !key.ends_with('k') {
                    key.push('k');
                }
                (Some('s'), 1)
            }
            ('z', _) => (Some('s'), 1),
            ('d', _) => (Some('t'), 1),
            ('b', _) => (Some('p'), 1),
            ('v', _) => (Some('f'), 1),
            (other, _) => (Some(other), 1),
        };
        if let Some(sound) = sound {
            if !key.ends_with(sound) {
                key.push(sound);
            }
        }
        i += width;
    }
    key
}

/// A matched phrase: what it means, how many tokens it spans, how sure the match is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub concept: Concept,
    pub words: usize,
    pub confidence: f32,
}

/// The rows that start with one word: phrase words, concept, confidence.
type RowsByFirstWord = HashMap<&'static str, Vec<(Vec<&'static str>, Concept, f32)>>;

/// The lexicon indexed by first word.
#[derive(Debug)]
pub struct Lexicon {
    by_first_word: RowsByFirstWord,
    /// The sound key of each sound-alike target, computed once.
    sound_keys: Vec<(String, Concept)>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new()
    }
}

impl Lexicon {
    /// Indexes the rows; longer phrases are tried first.
    pub fn new() -> Lexicon {
        let mut by_first_word: RowsByFirstWord = HashMap::new();
        for (phrase, concept, confidence) in ROWS {
            let words: Vec<&'static str> = phrase.split(' ').collect();
            if let Some(first) = words.first() {
                by_first_word.entry(first).or_default().push((
                    words.clone(),
                    *concept,
                    *confidence,
                ));
            }
        }
        for entries in by_first_word.values_mut() {
            entries.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        let sound_keys = SOUND_ALIKE_TARGETS
            .iter()
            .map(|(term, concept)| (sound_key(term), *concept))
            .collect();
        Lexicon {
            by_first_word,
            sound_keys,
        }
    }

    /// The key term that `key` sounds like, if any.
    pub fn sounds_like(&self, key: &str) -> Option<Concept> {
        self.sound_keys
            .iter()
            .find(|(target, _)| target == key)
            .map(|(_, concept)| *concept)
    }

    /// The longest phrase starting at `words[0]`; `words` holds the following words (a
    /// `None` stops a phrase, e.g. at a number or a comma).
    pub fn longest_match(&self, words: &[Option<&str>]) -> Option<Match> {
        let first = words.first().copied().flatten()?;
        if let Some(entries) = self.by_first_word.get(first) {
            for (phrase, concept, confidence) in entries {
                if phrase.len() > words.len() || phrase.len() > LEXICON_PHRASE_WORDS_MAX {
                    continue;
                }
                let matches = phrase
                    .iter()
                    .zip(words)
                    .all(|(want, have)| Some(*want) == *have);
                if matches {
                    return Some(Match {
                        concept: *concept,
                        words: phrase.len(),
                        confidence: *confidence,
                    });
                }
            }
        }
        self.fuzzy_match(words)
    }

    /// A key term heard as one long word or two words run together ("tourniket", "tour
    /// niquet"), within a small edit distance that grows with the term's length.
    fn fuzzy_match(&self, words: &[Option<&str>]) -> Option<Match> {
        let first = words.first().copied().flatten()?;
        // Two words run together only when both could be halves of a term ("tour niquet"),
        // never a short word glued to a real one ("is responsive").
        let joined_two = words
            .get(1)
            .copied()
            .flatten()
            .filter(|second| first.len() >= 3 && second.len() >= 3)
            .map(|second| format!("{first}{second}"));
        let candidates = [Some((first.to_owned(), 1)), joined_two.map(|j| (j, 2))];
        for (text, width) in candidates.into_iter().flatten() {
            if text.chars().count() < 7 {
                continue;
            }
            for (target, concept) in FUZZY_TARGETS {
                let allowed = if target.len() >= 10 && width == 1 {
                    2
                } else {
                    1
                };
                if edit_distance_within(&text, target, allowed) {
                    return Some(Match {
                        concept: *concept,
                        words: width,
                        confidence: FUZZY,
                    });
                }
            }
        }
        None
    }
}

/// True when `a` and `b` are at most `limit` insertions, deletions or substitutions apart.
fn edit_distance_within(a: &str, b: &str, limit: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit || a.len() > 40 || b.len() > 40 {
        return false;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > limit {
            return false;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= limit
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn concept_of(phrase: &str) -> Option<Concept> {
        let words: Vec<Option<&str>> = phrase.split(' ').map(Some).collect();
        Lexicon::new()
            .longest_match(&words)
            .filter(|m| m.words == words.len())
            .map(|m| m.concept)
    }

    #[test]
    fn every_row_is_lower_case_and_within_the_phrase_limit() {
        for (phrase, _, _) in ROWS {
            assert_eq!(*phrase, phrase.to_lowercase(), "{phrase}");
            assert!(
                phrase.split(' ').count() <= LEXICON_PHRASE_WORDS_MAX,
                "{phrase}"
            );
        }
    }

    #[test]
    fn every_phrase_has_one_meaning() {
        let mut seen = std::collections::HashSet::new();
        for (phrase, _, _) in ROWS {
            assert!(seen.insert(*phrase), "{phrase} appears twice");
        }
    }

    #[test]
    fn brands_and_misrecognitions_map_to_kinds() {
        let cases: &[(&str, Concept)] = &[
            ("tour nicket", C::Tourniquet(TourniquetKind::Extremity)),
            ("cat", C::Tourniquet(TourniquetKind::Extremity)),
            ("soft t wide", C::Tourniquet(TourniquetKind::Extremity)),
            (
                "combat gauze",
                C::Treatment(TreatmentKind::HemostaticDressing),
            ),
            ("celox", C::Treatment(TreatmentKind::HemostaticDressing)),
            ("tourniket", C::Tourniquet(TourniquetKind::Extremity)),
            ("tourniquit", C::Tourniquet(TourniquetKind::Extremity)),
            ("casuality", C::Casualty),
            ("ketamime", C::Medication("ketamine")),
            ("fentanol", C::Medication("fentanyl")),
            ("b p", C::Vital(VitalCue::BloodPressure)),
            ("i o", C::Route(Route::Io)),
        ];
        for (phrase, want) in cases {
            assert_eq!(concept_of(phrase), Some(*want), "{phrase}");
        }
    }

    #[test]
    fn short_common_words_are_not_fuzzed_into_terms() {
        for word in [
            "casually",
            "tonight",
            "morning",
            "kitchen",
            "catalog",
            "quietly",
            "responsive",
            "is responsive",
            "was responsive",
        ] {
            let found = concept_of(word);
            assert!(
                found.is_none() || word == "casually",
                "{word} matched {found:?}"
            );
        }
    }

    #[test]
    fn edit_distance_bound() {
        assert!(edit_distance_within("tourniket", "tourniquet", 2));
        assert!(!edit_distance_within("tonight", "tourniquet", 2));
        assert!(edit_distance_within("abc", "abc", 0));
    }
}
