//! Frames (one thing said, with what was said about it) and how attributes attach to them.

use super::super::items::{Item, Place};
use super::super::lexicon::{Side, VitalCue};
use super::super::normalise::QuantityUnit;
use crate::record::{
    Avpu, CasualtyId, Clock, Evac, FluidName, InjuryKind, Mechanism, Perfusion, Route, Sex,
    TourniquetKind, TreatmentKind,
};

/// What a frame is about.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameKind {
    Injury(InjuryKind, Option<Mechanism>),
    Tourniquet(TourniquetKind),
    Vital(VitalCue),
    Treatment(TreatmentKind),
    Fluid(FluidName),
    Medication(&'static str),
    Mechanism(Mechanism),
    Avpu(Avpu),
    Sex(Sex),
    Evac(Evac),
    NoKnownAllergies,
    Allergen(String),
    Name(String),
    Last4(String),
    BattleRoster(String),
    /// "was hit", "IED strike": when the casualty was injured (a fact only with a time).
    InjuryTime,
    /// advisor4: "radial's weak", "altered mental status" (`Fact::Perfusion`).
    Perfusion(Perfusion),
    /// "weapons are off him" (`Fact::Disarmed`).
    Disarmed,
    /// adv17: "he's expectant" (`true`), "no longer expectant" (`false`)
    /// (`Fact::Expectant`).
    Expectant(bool),
}

/// One thing said, with what was said about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub kind: FrameKind,
    pub start: u32,
    pub end: u32,
    pub confidence: f32,
    pub places: Vec<Place>,
    /// The time said with each place, for tourniquets said together ("right leg at 1140
    /// and left leg at 1142").
    pub place_times: Vec<Option<Clock>>,
    pub time: Option<Clock>,
    pub quantity: Option<(f64, QuantityUnit)>,
    pub number: Option<u32>,
    pub ratio: Option<(u32, u32)>,
    pub route: Option<Route>,
    pub avpu: Option<Avpu>,
    /// Said not to have happened ("no tourniquet"): produces no fact.
    pub negated: bool,
    /// Said after a correction cue: replaces the latest fact of its slot.
    pub correcting: bool,
    /// "second tourniquet", "another dose": a new entry even if one like it exists.
    pub another: bool,
    /// "not eighty eight": the value said to be wrong; the correction replaces only a
    /// fact that holds it.
    pub rejected: Option<Attribute>,
    /// "tourniquet off", "converted the tourniquet": a tourniquet that came off.
    pub removed: bool,
    /// "tourniquet over the uniform": a tourniquet put on over clothing.
    pub over_clothing: bool,
    /// "open fracture", "bone sticking out": an injury that is an open fracture.
    pub open: bool,
    /// adv18: "abdominal evisceration": an injury that is an evisceration.
    pub eviscerated: bool,
    /// extract3: "a second CAT above the first one": a tourniquet said beside the one
    /// already on, whose limb it shares.
    pub beside_first: bool,
    /// extract3: "junctional tourniquet, right side": the side said with no body part.
    pub side_only: Option<Side>,
    /// extract3: "no ketamine because he's a P": a level of response given as a reason;
    /// it restates the casualty's level unless it differs from the latest one filed.
    pub reason: bool,
    /// study16a: "sats ninety-seven on the oxygen": oxygen named as what a reading was
    /// taken on; it restates the oxygen given unless none was filed.
    pub reading_on: bool,
    /// gaps10: "hanging unit three", "unit four going in" with no fluid named in the
    /// utterance: a further unit of the blood product already filed for the casualty (the
    /// extractor names it, or files nothing when none was filed). The kind's name is a
    /// placeholder.
    pub unit_of_earlier: bool,
    /// The unit's number as said ("unit three": 3; "second unit": 2), when said.
    pub unit_number: Option<u32>,
    /// study18: "same time" said of it: it takes the time of the latest fact filed with one
    /// when it has none of its own.
    pub same_time: bool,
    pub(super) sentence: u32,
    pub(super) clause: u32,
}

/// An attribute that can join a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Attribute {
    Place(Place),
    Time(Clock),
    Quantity(f64, QuantityUnit),
    Number(u32),
    Ratio(u32, u32),
    Route(Route),
    Avpu(Avpu),
}

/// What one utterance asks of the record, in the order said.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Later frames concern this casualty.
    Switch {
        casualty: CasualtyId,
        start: u32,
        end: u32,
    },
    /// A bare casualty number ("back on three", "two's right arm", "Garcia says one has a
    /// GSW"): later frames concern this casualty, if it was already named; a number nobody
    /// introduced as a casualty switches nothing.
    Refer {
        casualty: CasualtyId,
        start: u32,
        end: u32,
    },
    /// A casualty named by role, position or look ("the driver", "the guy by the wall",
    /// "doorway guy", "the big guy"): the same description always names the same casualty.
    /// `number` when the description was numbered on the spot ("driver is casualty one",
    /// "casualty one, the driver"); `switch` when the description opens its clause (so
    /// later frames concern it), otherwise it is only registered in order of mention.
    Describe {
        key: String,
        number: Option<CasualtyId>,
        switch: bool,
        /// extract3: said inside a clause as the one cared for ("splint on the driver's
        /// left leg", "calcium into the driver"): when the description names a casualty
        /// already, the clause concerns that casualty.
        refer: bool,
        start: u32,
        end: u32,
    },
    /// "four casualties", "four down", "got two for you": how many casualties the
    /// narration announced. A casualty number that refers to one ("Four, frag to the
    /// hand") may then switch to it before it was named.
    Announce { count: u8 },
    /// "Doorway, red, frag to the neck": a word opening its sentence that may repeat a
    /// description said before ("two in the doorway"); switches to that casualty if it
    /// was one, else nothing.
    Recall { key: String, start: u32, end: u32 },
    /// "both of them": later frames of this utterance concern every casualty heard so far.
    SwitchToAll { start: u32, end: u32 },
    /// "two casualties from the IED": a mechanism for the next `count` casualties named
    /// (all of them when no number was said).
    GroupMechanism {
        mechanism: Mechanism,
        count: Option<u8>,
        start: u32,
        end: u32,
    },
    /// "casualties one and two": later frames of this utterance concern each of them.
    SwitchToList {
        casualties: Vec<CasualtyId>,
        start: u32,
        end: u32,
    },
    /// "IED strike at 2305, two casualties": the injury time of the next `count`
    /// casualties named (all of them when no number was said).
    GroupInjuryTime {
        time: Clock,
        count: Option<u8>,
        start: u32,
        end: u32,
    },
    /// "next casualty": one more than the highest so far.
    SwitchToNext { start: u32, end: u32 },
    /// A frame to turn into facts.
    Assert(Frame),
    /// "scratch that" with nothing before it: withdraw the previous utterance's facts.
    RetractPrevious {
        start: u32,
        end: u32,
        /// "scratch that, tourniquet time was 1620": only facts of these kinds are
        /// withdrawn (all facts of the utterance when empty).
        kinds: Vec<FrameKind>,
    },
    /// "correction, zero nine fifty one": change the latest fact that has this attribute.
    Amend {
        attribute: Attribute,
        start: u32,
        end: u32,
    },
    /// "IO access", "IV established": the route later fluids run through.
    Access { route: Route },
    /// "not an RPG": withdraw this mechanism if it was recorded.
    RejectMechanism {
        mechanism: Mechanism,
        start: u32,
        end: u32,
    },
}

impl Frame {
    pub(super) fn new(kind: FrameKind, item: &Item, sentence: u32, clause: u32) -> Frame {
        Frame {
            kind,
            start: item.start,
            end: item.end,
            confidence: item.confidence,
            places: Vec::new(),
            place_times: Vec::new(),
            time: None,
            quantity: None,
            number: None,
            ratio: None,
            route: None,
            avpu: None,
            negated: false,
            correcting: false,
            another: false,
            rejected: None,
            removed: false,
            over_clothing: false,
            open: false,
            eviscerated: false,
            beside_first: false,
            side_only: None,
            reason: false,
            reading_on: false,
            unit_of_earlier: false,
            unit_number: None,
            same_time: false,
            sentence,
            clause,
        }
    }

    /// True when the frame takes this attribute now.
    pub fn accepts(&self, attribute: &Attribute) -> bool {
        use Attribute as A;
        use FrameKind as K;
        match (&self.kind, attribute) {
            (K::Injury(..), A::Place(_)) => self.places.len() < 4,
            (K::Tourniquet(_), A::Place(place)) => place.is_lateral() && self.places.len() < 4,
            // gaps10: a pill pack is swallowed; it has no site ("hand him the pill pack":
            // "hand" is the verb).
            (K::Treatment(TreatmentKind::CombatPillPack), A::Place(_)) => false,
            // ext17: a cric is in the neck; "cric is in, good chest rise" names no site.
            (K::Treatment(TreatmentKind::Cric), A::Place(place)) => {
                place.part == super::super::lexicon::Part::Neck && self.places.is_empty()
            }
            (K::Treatment(_), A::Place(_)) => self.places.len() < 2,
            (K::Tourniquet(_), A::Time(_)) => {
                self.time.is_none()
                    || (self.places.len() > 1
                        && self.place_times.last().is_some_and(Option::is_none))
            }
            (
                K::Treatment(_)
                | K::Fluid(_)
                | K::Medication(_)
                | K::Vital(_)
                | K::Avpu(_)
                | K::InjuryTime,
                A::Time(_),
            ) => self.time.is_none(),
            (
                K::Vital(VitalCue::Pulse | VitalCue::RespRate | VitalCue::Unrecorded),
                A::Number(_),
            ) => self.number.is_none(),
            (K::Vital(VitalCue::Spo2), A::Number(_) | A::Quantity(_, QuantityUnit::Percent)) => {
                self.number.is_none()
            }
            (K::Vital(VitalCue::Pain), A::Number(n)) => self.number.is_none() && *n <= 10,
            (K::Vital(VitalCue::Pain), A::Ratio(_, 10)) => self.number.is_none(),
            (K::Vital(VitalCue::BloodPressure), A::Ratio(..)) => {
                self.number.is_none() && self.ratio.is_none()
            }
            // "BP 120 80": the second number, lower than the first, is the diastolic.
            (K::Vital(VitalCue::BloodPressure), A::Number(n)) => match self.number {
                None => self.ratio.is_none(),
                Some(systolic) => self.ratio.is_none() && *n >= 20 && *n < systolic,
            },
            (K::Vital(VitalCue::Avpu), A::Avpu(_)) => self.avpu.is_none(),
            (K::Fluid(_), A::Quantity(_, QuantityUnit::Ml | QuantityUnit::Units)) => {
                self.quantity.is_none() && self.number.is_none()
            }
            // A bare volume is round ("five hundred", "one thousand", "two fifty"): a
            // four-digit number such as "fourteen twenty-four" is a clock time, never a
            // volume.
            (K::Fluid(_), A::Number(n)) => {
                (50..=5000).contains(n)
                    && (*n < 1000 || *n % 100 == 0)
                    && self.quantity.is_none()
                    && self.number.is_none()
            }
            (K::Fluid(_), A::Route(Route::Iv | Route::Io)) => self.route.is_none(),
            (K::Medication(_), A::Quantity(_, unit)) => {
                *unit != QuantityUnit::Percent && self.quantity.is_none()
            }
            (K::Medication(_), A::Route(_)) => self.route.is_none(),
            // "20 of ketamine": a dose whose unit was not said (never a clock time).
            (K::Medication(_), A::Number(n)) => {
                *n > 0 && *n < 1000 && self.quantity.is_none() && self.number.is_none()
            }
            _ => false,
        }
    }

    /// Takes the attribute; the caller checked `accepts`.
    pub(super) fn take(&mut self, attribute: Attribute, end: u32) {
        match attribute {
            Attribute::Place(place) => {
                if !self.places.contains(&place) {
                    self.places.push(place);
                    self.place_times.push(None);
                }
            }
            Attribute::Time(time) => {
                if let Some(last @ None) = self.place_times.last_mut() {
                    *last = Some(time);
                }
                if self.time.is_none() {
                    self.time = Some(time);
                }
            }
            Attribute::Quantity(value, unit) => {
                if unit == QuantityUnit::Percent {
                    self.number = Some(value.round().clamp(0.0, 1000.0) as u32);
                } else {
                    self.quantity = Some((value, unit));
                }
            }
            Attribute::Number(n) => match (&self.kind, self.number) {
                (FrameKind::Vital(VitalCue::BloodPressure), Some(systolic)) => {
                    self.ratio = Some((systolic, n));
                    self.number = None;
                }
                _ => self.number = Some(n),
            },
            Attribute::Ratio(a, b) => {
                if matches!(self.kind, FrameKind::Vital(VitalCue::Pain)) {
                    self.number = Some(a);
                } else {
                    self.ratio = Some((a, b));
                }
            }
            Attribute::Route(route) => self.route = Some(route),
            Attribute::Avpu(avpu) => self.avpu = Some(avpu),
        }
        self.end = self.end.max(end);
    }

    /// Replaces an attribute (a correction inside the utterance: "left leg, I mean right").
    pub(super) fn replace(&mut self, attribute: Attribute, end: u32) -> bool {
        match &attribute {
            Attribute::Place(_) if !self.places.is_empty() => {
                self.places.clear();
                self.place_times.clear();
            }
            Attribute::Time(_) if self.time.is_some() => {
                self.time = None;
                // The corrected time is also the time of the place it was said for.
                if let Some(last) = self.place_times.last_mut() {
                    *last = None;
                }
            }
            Attribute::Quantity(..) if self.quantity.is_some() || self.number.is_some() => {
                self.quantity = None;
                if !matches!(self.kind, FrameKind::Medication(_) | FrameKind::Fluid(_)) {
                    self.number = None;
                }
            }
            Attribute::Number(_) if self.number.is_some() => self.number = None,
            Attribute::Ratio(..) if self.ratio.is_some() || self.number.is_some() => {
                self.ratio = None;
                self.number = None;
            }
            Attribute::Route(_) if self.route.is_some() => self.route = None,
            Attribute::Avpu(_) if self.avpu.is_some() => self.avpu = None,
            _ => return false,
        }
        if self.accepts(&attribute) {
            self.take(attribute, end);
            true
        } else {
            false
        }
    }

    /// The frame holds nothing of the attribute's kind yet.
    pub(super) fn lacks(&self, attribute: &Attribute) -> bool {
        match attribute {
            Attribute::Place(_) => self.places.is_empty(),
            Attribute::Time(_) => self.time.is_none(),
            Attribute::Quantity(..) => self.quantity.is_none(),
            Attribute::Number(_) => self.number.is_none() && self.ratio.is_none(),
            Attribute::Ratio(..) => self.ratio.is_none() && self.number.is_none(),
            Attribute::Route(_) => self.route.is_none(),
            Attribute::Avpu(_) => self.avpu.is_none(),
        }
    }

    /// Nothing has been said about the frame yet.
    pub(super) fn is_bare(&self) -> bool {
        self.places.is_empty()
            && self.time.is_none()
            && self.quantity.is_none()
            && self.number.is_none()
            && self.ratio.is_none()
            && self.route.is_none()
            && self.avpu.is_none()
            && !self.negated
    }

    pub(super) fn is_vital(&self) -> bool {
        matches!(self.kind, FrameKind::Vital(_) | FrameKind::Avpu(_))
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::check;

    /// Attribute attachment: places, times, values, doses and routes join the frame they
    /// belong to, before or after its anchor.
    #[test]
    fn attributes_attach_to_their_frame() {
        check(&[
            (
                "Tourniquet left leg at 0915.",
                &["Tourniquet(Extremity) places=1 at 09:15"],
            ),
            ("Right leg tourniquet.", &["Tourniquet(Extremity) places=1"]),
            (
                "Pulse 120, BP 90 over 60.",
                &["Vital(Pulse) n=120", "Vital(BloodPressure) 90/60"],
            ),
            (
                "Morphine 10 milligrams IV.",
                &["Medication(\"morphine\") q=10 iv"],
            ),
            ("No tourniquet needed.", &["Tourniquet(Extremity) negated"]),
        ]);
    }

    /// Values and places with no anchor of their own: a pressure-like ratio among vital
    /// signs is the blood pressure; a wound joined by "and" shares the place said after
    /// the next; a part said without a side in a later clause takes the side said before.
    #[test]
    fn bare_values_and_shared_places() {
        check(&[
            (
                "Vitals, 110 over 72, pulse 90.",
                &[
                    "Vital(Set)",
                    "Vital(BloodPressure) 110/72",
                    "Vital(Pulse) n=90",
                ],
            ),
            ("Grid 120 over 80.", &[]),
            (
                "Lacerations and frag to the neck.",
                &[
                    "Injury(Laceration, None) places=1",
                    "Injury(Penetrating, None) places=1",
                ],
            ),
            (
                "Grenade went off by his right foot, toes are gone.",
                &["Mechanism(Grenade)", "Injury(Amputation, None) places=1"],
            ),
        ]);
    }

    /// A clock time must be a 24-hour form or carry AM/PM: "three twenty" is dropped,
    /// "two twenty in the afternoon" is 14:20.
    #[test]
    fn twelve_hour_times_need_am_or_pm() {
        check(&[
            (
                "Splint left arm at three twenty.",
                &["Treatment(Splint) places=1"],
            ),
            (
                "Splint left arm at two twenty in the afternoon.",
                &["Treatment(Splint) places=1 at 14:20"],
            ),
            (
                "Splint left arm at eight forty PM.",
                &["Treatment(Splint) places=1 at 20:40"],
            ),
            (
                "Splint left arm at zero three twenty.",
                &["Treatment(Splint) places=1 at 03:20"],
            ),
            (
                "Splint left arm at fifteen twenty.",
                &["Treatment(Splint) places=1 at 15:20"],
            ),
        ]);
    }
}
