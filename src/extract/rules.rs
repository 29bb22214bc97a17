//! The rule extractor: reads one utterance's items left to right and fills frames. An
//! anchor (a tourniquet, a drug, a vital sign, an injury…) opens a frame; attributes (a
//! place, a clock time, a dose, a route, a value) join the open frame when it takes them,
//! or wait for the next anchor of the same clause ("right leg tourniquet"). Discourse cues
//! act on frames: a casualty number switches the casualty, a negation stops what follows
//! in its clause, a plan ("if", "prepare") or a reassessment stops what follows in its
//! sentence, "not" stops what precedes or rejects the value after it, and a correction or
//! retraction makes what follows replace what was said.
//!
//! The rules only read items; turning frames into facts needs the record's context and
//! lives in `extract::Extractor`.

use super::items::{Item, ItemKind, Place};
use super::lexicon::{Concept, VitalCue};
use super::normalise::{Number, QuantityUnit};
use crate::limits::{CASUALTIES_MAX, DICTATED_TEXT_BYTES_MAX, UTTERANCE_FACTS_MAX};
use crate::record::{
    Avpu, CasualtyId, Clock, Evac, FluidName, InjuryKind, Mechanism, Route, Sex, TourniquetKind,
    TreatmentKind,
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
    sentence: u32,
    clause: u32,
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
    fn new(kind: FrameKind, item: &Item, sentence: u32, clause: u32) -> Frame {
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
            (K::Treatment(_), A::Place(_)) => self.places.len() < 2,
            (K::Tourniquet(_), A::Time(_)) => {
                self.time.is_none()
                    || (self.places.len() > 1
                        && self.place_times.last().is_some_and(Option::is_none))
            }
            (
                K::Treatment(_) | K::Fluid(_) | K::Medication(_) | K::Vital(_) | K::Avpu(_),
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
            (K::Fluid(_), A::Number(n)) => {
                *n >= 50 && *n <= 5000 && self.quantity.is_none() && self.number.is_none()
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
    fn take(&mut self, attribute: Attribute, end: u32) {
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
    fn replace(&mut self, attribute: Attribute, end: u32) -> bool {
        match &attribute {
            Attribute::Place(_) if !self.places.is_empty() => {
                self.places.clear();
                self.place_times.clear();
            }
            Attribute::Time(_) if self.time.is_some() => self.time = None,
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

    /// Nothing has been said about the frame yet.
    fn is_bare(&self) -> bool {
        self.places.is_empty()
            && self.time.is_none()
            && self.quantity.is_none()
            && self.number.is_none()
            && self.ratio.is_none()
            && self.route.is_none()
            && self.avpu.is_none()
            && !self.negated
    }

    fn is_vital(&self) -> bool {
        matches!(self.kind, FrameKind::Vital(_) | FrameKind::Avpu(_))
    }
}

/// Words that only join other words.
fn is_glue(word: &str) -> bool {
    matches!(
        word,
        "is" | "are"
            | "was"
            | "were"
            | "of"
            | "the"
            | "a"
            | "an"
            | "to"
            | "on"
            | "in"
            | "with"
            | "and"
            | "he"
            | "she"
            | "his"
            | "her"
            | "we"
            | "i"
            | "has"
            | "had"
            | "been"
            | "be"
            | "given"
            | "applied"
            | "placed"
            | "gave"
            | "put"
            | "now"
            | "about"
            | "approximately"
            | "around"
            | "roughly"
            | "its"
            | "it"
    )
}

/// Spoken letters for dictated roster numbers (NATO alphabet).
fn nato_letter(word: &str) -> Option<char> {
    const ALPHABET: &[&str] = &[
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra",
        "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
    ];
    let position = ALPHABET.iter().position(|w| *w == word)?;
    char::from_u32(u32::from(b'A') + position as u32)
}

/// Reads one utterance. `text` is the utterance's characters, for dictated names.
pub fn parse(items: &[Item], text: &[char]) -> Vec<Action> {
    Parser::new(items, text).run()
}

struct Parser<'a> {
    items: &'a [Item],
    text: &'a [char],
    frames: Vec<Frame>,
    /// Actions in order; `Assert` frames are indices into `frames` until the end.
    order: Vec<Step>,
    open: Option<usize>,
    pending: Vec<(Attribute, u32)>,
    floating_times: Vec<(Clock, u32)>,
    negation: bool,
    /// A plan or possibility ("if", "prepare") reaches to the end of the sentence.
    hypothetical: bool,
    /// After "two casualties": mechanisms of this sentence belong to the group.
    group: Option<Option<u8>>,
    /// After "reassessed": tourniquets and treatments named are not new.
    reassessing: bool,
    correcting: bool,
    /// Frames before this index were said before a correction cue and take no attributes.
    sealed_before: usize,
    retraction: Option<(usize, u32, u32)>,
    orphans: Vec<(Attribute, u32, u32)>,
    has_evac_cue: bool,
    switched: bool,
    /// Places of this sentence that no frame took ("GSW. Left leg." on the radio).
    sentence_places: Vec<(Place, u32)>,
    /// The last frame said before the latest casualty switch cannot take later places.
    frames_before_switch: usize,
    sentence: u32,
    clause: u32,
}

enum Step {
    Action(Action),
    Frame(usize),
}

impl<'a> Parser<'a> {
    fn new(items: &'a [Item], text: &'a [char]) -> Self {
        Parser {
            items,
            text,
            frames: Vec::new(),
            order: Vec::new(),
            open: None,
            pending: Vec::new(),
            floating_times: Vec::new(),
            negation: false,
            hypothetical: false,
            group: None,
            reassessing: false,
            correcting: false,
            sealed_before: 0,
            retraction: None,
            orphans: Vec::new(),
            has_evac_cue: false,
            switched: false,
            sentence_places: Vec::new(),
            frames_before_switch: 0,
            sentence: 0,
            clause: 0,
        }
    }

    fn kind_at(&self, i: usize) -> Option<&ItemKind> {
        self.items.get(i).map(|item| &item.kind)
    }

    /// The next item that is not glue.
    fn next_significant(&self, mut i: usize) -> usize {
        while let Some(ItemKind::Word(w)) = self.kind_at(i) {
            if !is_glue(w) {
                break;
            }
            i += 1;
        }
        i
    }

    fn previous_significant(&self, i: usize) -> Option<&ItemKind> {
        let mut j = i;
        while j > 0 {
            j -= 1;
            match self.kind_at(j) {
                Some(ItemKind::Word(w)) if is_glue(w) => continue,
                other => return other,
            }
        }
        None
    }

    fn open_frame(&mut self, kind: FrameKind, i: usize) -> usize {
        // "Tourniquet, CAT, on the left thigh", "GSW, gunshot wound to the leg": the same
        // thing named twice before anything was said about it is one frame.
        if let Some(o) = self.open.filter(|&o| o >= self.sealed_before) {
            let open = &self.frames[o];
            if open.kind == kind
                && open.sentence == self.sentence
                && open.is_bare()
                && !self.negation
            {
                let end = self.items[i].end;
                self.frames[o].end = end;
                return o;
            }
        }
        let item = &self.items[i];
        let mut frame = Frame::new(kind, item, self.sentence, self.clause);
        let looked_at_again = self.reassessing
            && matches!(
                frame.kind,
                FrameKind::Tourniquet(_)
                    | FrameKind::Treatment(_)
                    | FrameKind::Fluid(_)
                    | FrameKind::Medication(_)
            );
        frame.negated = self.negation || self.hypothetical || looked_at_again;
        frame.correcting = self.correcting;
        if matches!(
            self.previous_significant(i),
            Some(ItemKind::Concept(Concept::Another | Concept::Ordinal(2..)))
        ) {
            frame.another = true;
        }
        // Attributes said before the anchor in this clause belong to it ("right leg TQ").
        let pending = std::mem::take(&mut self.pending);
        for (attribute, end) in pending {
            if frame.accepts(&attribute) {
                frame.take(attribute, end);
            } else {
                self.leftover(attribute, end);
            }
        }
        // "Bleeding from the left groin, packed with XStat": a dressing with no place of
        // its own goes where the sentence's unclaimed place was.
        let is_dressing = matches!(
            frame.kind,
            FrameKind::Treatment(
                TreatmentKind::PressureDressing | TreatmentKind::HemostaticDressing
            )
        );
        if is_dressing && frame.places.is_empty() {
            if let Some((place, end)) = self.sentence_places.pop() {
                frame.take(Attribute::Place(place), end);
            }
        }
        let index = self.frames.len();
        self.frames.push(frame);
        self.order.push(Step::Frame(index));
        self.open = Some(index);
        index
    }

    /// An attribute no frame took.
    fn leftover(&mut self, attribute: Attribute, end: u32) {
        match attribute {
            Attribute::Time(clock) => self.floating_times.push((clock, self.sentence)),
            Attribute::Route(route @ (Route::Iv | Route::Io)) if !self.correcting => {
                self.order.push(Step::Action(Action::Access { route }));
            }
            Attribute::Place(place) if !self.correcting => self.sentence_places.push((place, end)),
            _ => {}
        }
        if self.correcting {
            let start = end;
            self.orphans.push((attribute, start, end));
        }
    }

    /// Does an anchor later in this clause take the attribute?
    fn later_anchor_accepts(&self, i: usize, attribute: &Attribute) -> bool {
        let mut j = i + 1;
        while let Some(kind) = self.kind_at(j) {
            match kind {
                ItemKind::Comma | ItemKind::Stop => return false,
                ItemKind::Concept(concept) => {
                    if let Some(kind) = anchor_kind(concept) {
                        // A bare number waits only for a drug or fluid ("20 of ketamine");
                        // before a vital sign it is something else ("a 25 year old").
                        let number_for_dose =
                            matches!(kind, FrameKind::Medication(_) | FrameKind::Fluid(_));
                        if matches!(attribute, Attribute::Number(_)) && !number_for_dose {
                            return false;
                        }
                        let probe = Frame::new(kind, &self.items[j], self.sentence, self.clause);
                        return probe.accepts(attribute);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        false
    }

    fn attribute(&mut self, attribute: Attribute, i: usize) {
        let item = &self.items[i];
        let (start, end) = (item.start, item.end);
        let open = self
            .open
            .filter(|&o| o >= self.sealed_before)
            .filter(|&o| self.frames[o].sentence == self.sentence);
        // "two tourniquets on the right thigh, first at 1210, second at 1215": a further
        // time after "second" is a further tourniquet on the same limb.
        if let (Attribute::Time(_), Some(o)) = (&attribute, open) {
            let frame = &self.frames[o];
            if matches!(frame.kind, FrameKind::Tourniquet(_))
                && !frame.accepts(&attribute)
                && self.further_one_before(i)
            {
                let mut further = Frame::new(frame.kind.clone(), item, self.sentence, self.clause);
                further.places = frame.places.clone();
                further.place_times = vec![None; frame.places.len()];
                further.another = true;
                further.negated = self.negation || self.hypothetical;
                further.take(attribute, end);
                let index = self.frames.len();
                self.frames.push(further);
                self.order.push(Step::Frame(index));
                self.open = Some(index);
                return;
            }
        }
        if let Some(o) = open {
            let frame = &self.frames[o];
            let same_clause = frame.clause == self.clause;
            // "injury to the right eye and facial lacerations": a place right before an
            // anchor that takes it belongs to that anchor once the open frame has a place.
            // An unsided limb part ("above the elbow") only refines the place before it.
            let next_anchor_takes_place = matches!(attribute, Attribute::Place(place) if place.side.is_some() || !place.is_lateral())
                && !frame.places.is_empty()
                && self.next_anchor_takes(i, &attribute);
            if frame.accepts(&attribute)
                && !next_anchor_takes_place
                && (same_clause || !self.later_anchor_accepts(i, &attribute))
            {
                self.frames[o].take(attribute, end);
                return;
            }
        }
        if self.later_anchor_accepts(i, &attribute) {
            self.pending.push((attribute, end));
            return;
        }
        if self.correcting {
            self.orphans.push((attribute, start, end));
            return;
        }
        // "shrapnel from the mortar, wound to the left thigh": a place no open frame takes
        // belongs to the latest frame of the sentence that takes places.
        if let Attribute::Place(_) = attribute {
            let floor = self.sealed_before.max(self.frames_before_switch);
            let sentence = self.sentence;
            if let Some(frame) = self.frames[floor..]
                .iter_mut()
                .rev()
                .filter(|f| f.sentence == sentence)
                .find(|f| f.accepts(&attribute))
            {
                frame.take(attribute, end);
                return;
            }
        }
        self.leftover(attribute, end);
    }

    /// A bare number: a vital value, a clock time or a volume, by context.
    fn number(&mut self, number: &Number, i: usize) {
        // "casualty one urgent, two priority", "one is urgent, two is routine", "one and
        // two urgent": casualty numbers before their category. A number that opens its
        // clause (or follows a casualty switch) and is followed by a category, perhaps
        // through "is"/"are" or a list of further numbers, names the casualty.
        let mut k = i + 1;
        let mut listed = false;
        while let Some(kind) = self.kind_at(k) {
            match kind {
                ItemKind::Word(w) if matches!(w.as_str(), "is" | "are" | "goes" | "gets") => {}
                ItemKind::Word(w) if w == "and" => listed = true,
                ItemKind::Number(_) if listed => {}
                _ => break,
            }
            k += 1;
        }
        let evac = match self.kind_at(k) {
            Some(ItemKind::Concept(Concept::Evac(evac))) => Some(*evac),
            _ => None,
        };
        let opens_clause = matches!(
            i.checked_sub(1).and_then(|p| self.kind_at(p)),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        );
        if let (Some(evac), Some(id)) = (evac, number.as_integer()) {
            let direct = k == i + 1 && self.switched;
            if (1..=CASUALTIES_MAX as u32).contains(&id) && (direct || opens_clause || listed) {
                let item = &self.items[i];
                self.switch(id as CasualtyId, item.start, item.end);
                self.has_evac_cue = true;
                if listed && k > i + 1 {
                    // "one and two urgent": this casualty's category is the one after
                    // the list.
                    self.open_frame(FrameKind::Evac(evac), k);
                    self.open = None;
                }
                return;
            }
        }
        let after_at = matches!(
            self.previous_significant(i),
            Some(ItemKind::Concept(Concept::At))
        );
        let open = self
            .open
            .filter(|&o| o >= self.sealed_before && self.frames[o].sentence == self.sentence);
        let value = number.as_integer();
        // "pain went from 8 to 4": the value after "from … to" replaces the first.
        let from_to = i >= 2
            && matches!(self.kind_at(i - 1), Some(ItemKind::Word(w)) if w == "to")
            && matches!(self.kind_at(i - 2), Some(ItemKind::Number(_)));
        if let (true, Some(o), Some(v)) = (from_to, open, value) {
            let frame = &mut self.frames[o];
            if matches!(frame.kind, FrameKind::Vital(_)) && frame.number.is_some() {
                frame.number = None;
                if frame.accepts(&Attribute::Number(v)) {
                    frame.take(Attribute::Number(v), self.items[i].end);
                    return;
                }
            }
        }
        let open_wants_value = match (open, value) {
            (Some(o), Some(v)) => self.frames[o].accepts(&Attribute::Number(v)),
            _ => false,
        };
        let open_is_vital_value = open.is_some_and(
            |o| matches!(self.frames[o].kind, FrameKind::Vital(cue) if cue != VitalCue::Set),
        );
        let clock = number.as_clock();
        // "zero one thirty" is a time even where a volume could go.
        let leading_zero_time = number.digits.len() == 4 && number.digits.starts_with('0');
        let attribute = if let (true, Some(clock)) = (leading_zero_time, clock) {
            Attribute::Time(clock)
        } else if after_at {
            match (clock, value) {
                (_, Some(v)) if open_wants_value && open_is_vital_value => Attribute::Number(v),
                (Some(clock), _) => Attribute::Time(clock),
                (None, Some(v)) => Attribute::Number(v),
                (None, None) => return,
            }
        } else if open_wants_value {
            match value {
                Some(v) => Attribute::Number(v),
                None => return,
            }
        } else {
            let clock_like = number.digits.len() == 4 || number.parts >= 2;
            match (clock, value) {
                (Some(clock), _) if clock_like => Attribute::Time(clock),
                (_, Some(v)) => Attribute::Number(v),
                _ => return,
            }
        };
        self.attribute(attribute, i);
    }

    /// Words after a number that make it a measure the card does not hold.
    fn measure_follows(&self, i: usize) -> bool {
        const MEASURES: &[&str] = &[
            "year", "years", "yo", "yr", "yrs", "minute", "minutes", "min", "mins", "second",
            "seconds", "secs", "feet", "foot", "ft", "meter", "meters", "metre", "metres", "m",
            "inch", "inches", "gauge", "ga", "kilo", "kilos", "kg", "pounds", "lbs", "days", "day",
            "weeks", "months", "mph", "km",
        ];
        let Some(next) = self.items.get(i + 1) else {
            return false;
        };
        let spoken: String = self
            .text
            .get(next.start as usize..next.end as usize)
            .unwrap_or_default()
            .iter()
            .collect::<String>()
            .to_lowercase();
        spoken
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .is_some_and(|first| MEASURES.contains(&first))
    }

    /// "whole blood unit one at 1220, unit two at 1235", "second unit at 1235": another
    /// unit of the fluid last named in this utterance, through the same route.
    fn further_unit(&mut self, i: usize) -> usize {
        let number_after = match self.kind_at(i + 1) {
            Some(ItemKind::Number(n)) => n.as_integer(),
            _ => None,
        };
        let ordinal_before = matches!(
            i.checked_sub(1).and_then(|j| self.kind_at(j)),
            Some(ItemKind::Concept(Concept::Ordinal(2..) | Concept::Another))
        );
        let further = number_after.is_some_and(|n| (2..=10).contains(&n)) || ordinal_before;
        let previous = self.frames.iter().rposition(|f| {
            matches!(f.kind, FrameKind::Fluid(_)) && f.sentence + 1 >= self.sentence
        });
        let next = if number_after.is_some() { i + 2 } else { i + 1 };
        let (true, Some(previous)) = (further, previous) else {
            return next;
        };
        let item = &self.items[i];
        let mut frame = Frame::new(
            self.frames[previous].kind.clone(),
            item,
            self.sentence,
            self.clause,
        );
        frame.route = self.frames[previous].route;
        frame.another = true;
        frame.negated = self.negation || self.hypothetical;
        let index = self.frames.len();
        self.frames.push(frame);
        self.order.push(Step::Frame(index));
        self.open = Some(index);
        next
    }

    /// The item right after `i` (skipping glue words) is an anchor that takes the attribute.
    fn next_anchor_takes(&self, i: usize, attribute: &Attribute) -> bool {
        let next = self.next_significant(i + 1);
        match self.kind_at(next) {
            Some(ItemKind::Concept(concept)) => anchor_kind(concept).is_some_and(|kind| {
                Frame::new(kind, &self.items[next], self.sentence, self.clause).accepts(attribute)
            }),
            _ => false,
        }
    }

    /// "second", "another" just before (skipping "at" and glue words).
    fn further_one_before(&self, i: usize) -> bool {
        let mut j = i;
        for _ in 0..3 {
            let Some(previous) = j.checked_sub(1) else {
                return false;
            };
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Concept(Concept::Ordinal(2..) | Concept::Another)) => return true,
                Some(ItemKind::Concept(Concept::At)) => {}
                Some(ItemKind::Word(w)) if is_glue(w) => {}
                _ => return false,
            }
        }
        false
    }

    fn end_clause(&mut self) {
        self.negation = false;
        self.clause += 1;
        let pending = std::mem::take(&mut self.pending);
        for (attribute, end) in pending {
            self.leftover(attribute, end);
        }
    }

    fn run(mut self) -> Vec<Action> {
        let mut i = 0;
        while i < self.items.len() && self.frames.len() < UTTERANCE_FACTS_MAX {
            i = self.step(i);
        }
        self.end_clause();
        self.end_sentence();
        self.finish()
    }

    /// A sentence of places only, in terse radio style ("GSW. Left leg."), belongs to the
    /// frame of the sentence before, when that frame takes places.
    fn end_sentence(&mut self) {
        let places = std::mem::take(&mut self.sentence_places);
        if places.is_empty() || self.frames.iter().any(|f| f.sentence == self.sentence) {
            return;
        }
        let Some(last) = self.frames.len().checked_sub(1) else {
            return;
        };
        if last < self.frames_before_switch || last < self.sealed_before {
            return;
        }
        let frame = &mut self.frames[last];
        if frame.sentence + 1 != self.sentence {
            return;
        }
        for (place, end) in places {
            let attribute = Attribute::Place(place);
            if frame.accepts(&attribute) {
                frame.take(attribute, end);
            }
        }
    }

    /// Handles the item at `i`; returns the index of the next item to read.
    fn step(&mut self, i: usize) -> usize {
        let item = self.items[i].clone();
        match &item.kind {
            ItemKind::Comma => {
                self.end_clause();
            }
            ItemKind::Stop => {
                self.end_clause();
                self.end_sentence();
                self.hypothetical = false;
                self.reassessing = false;
                self.group = None;
                self.sentence += 1;
                self.open = None;
            }
            ItemKind::Word(w) => {
                // "AVPU P": the letter after the AVPU cue.
                let avpu = match w.as_str() {
                    "a" => Some(Avpu::Alert),
                    "v" => Some(Avpu::Voice),
                    "p" => Some(Avpu::Pain),
                    "u" => Some(Avpu::Unresponsive),
                    _ => None,
                };
                let after_cue = matches!(
                    self.previous_significant(i),
                    Some(ItemKind::Concept(Concept::Vital(VitalCue::Avpu)))
                );
                if let (Some(avpu), true) = (avpu, after_cue) {
                    self.attribute(Attribute::Avpu(avpu), i);
                }
                if matches!(w.as_str(), "unit" | "bag") {
                    return self.further_unit(i);
                }
            }
            ItemKind::Place(place) => self.attribute(Attribute::Place(*place), i),
            ItemKind::Clock(clock) => self.attribute(Attribute::Time(*clock), i),
            ItemKind::Quantity { value, unit } => {
                self.attribute(Attribute::Quantity(*value, *unit), i)
            }
            ItemKind::Ratio(a, b) => self.attribute(Attribute::Ratio(*a, *b), i),
            ItemKind::Number(number) => {
                // "25 year old", "thirty feet", "18 gauge": a number with a measure that
                // is no sign, dose or time.
                if self.measure_follows(i) {
                    return i + 2;
                }
                self.number(number, i)
            }
            ItemKind::Concept(concept) => return self.concept(*concept, i),
        }
        i + 1
    }

    fn concept(&mut self, concept: Concept, i: usize) -> usize {
        let item = self.items[i].clone();
        match concept {
            Concept::Casualty => return self.casualty(i),
            Concept::Negation => self.negation = true,
            Concept::Hypothetical => self.hypothetical = true,
            // "Casualties 2" is the recogniser's "casualty two".
            Concept::Group if matches!(self.kind_at(i + 1), Some(ItemKind::Number(_))) => {
                return self.casualty(i);
            }
            Concept::Group => {
                let count = match i.checked_sub(1).and_then(|j| self.kind_at(j)) {
                    Some(ItemKind::Number(n)) => n
                        .as_integer()
                        .filter(|c| (1..=CASUALTIES_MAX as u32).contains(c))
                        .map(|c| c as u8),
                    _ => None,
                };
                self.group = Some(count);
            }
            Concept::Mechanism(mechanism) if self.group.is_some() && !self.negation => {
                let item = &self.items[i];
                let (start, end) = (item.start, item.end);
                self.order.push(Step::Action(Action::GroupMechanism {
                    mechanism,
                    count: self.group.flatten(),
                    start,
                    end,
                }));
            }
            Concept::Reassess => {
                self.reassessing = true;
                // "Tourniquet reassessed at 0740": the tourniquet named just before is
                // the one already on, not a new one.
                if let Some(o) = self.open.filter(|&o| {
                    self.frames[o].sentence == self.sentence && self.frames[o].clause == self.clause
                }) {
                    if matches!(
                        self.frames[o].kind,
                        FrameKind::Tourniquet(_)
                            | FrameKind::Treatment(_)
                            | FrameKind::Fluid(_)
                            | FrameKind::Medication(_)
                    ) {
                        self.frames[o].negated = true;
                    }
                }
            }
            Concept::But => {
                self.negation = false;
            }
            Concept::Not => return self.not(i),
            Concept::Correction => {
                self.correcting = true;
                self.sealed_before = self.frames.len();
                self.open = None;
            }
            Concept::Retraction => {
                self.correcting = true;
                if self.retraction.is_none() {
                    self.retraction = Some((self.frames.len(), item.start, item.end));
                }
                self.sealed_before = self.frames.len();
                self.open = None;
            }
            Concept::EvacCue => self.has_evac_cue = true,
            Concept::AllCasualties => {
                let item = &self.items[i];
                let (start, end) = (item.start, item.end);
                self.close_for_switch();
                self.switched = true;
                self.order
                    .push(Step::Action(Action::SwitchToAll { start, end }));
            }
            Concept::Route(route) => self.attribute(Attribute::Route(route), i),
            Concept::Avpu(avpu) => {
                let open_takes = self
                    .open
                    .is_some_and(|o| self.frames[o].accepts(&Attribute::Avpu(avpu)));
                if open_takes {
                    self.attribute(Attribute::Avpu(avpu), i);
                } else {
                    self.open_frame(FrameKind::Avpu(avpu), i);
                }
            }
            Concept::Vital(VitalCue::Pain)
                if self.open.is_some_and(|o| {
                    self.frames[o].accepts(&Attribute::Avpu(Avpu::Pain))
                        && o + 1 == self.frames.len()
                        && self.frames[o].sentence == self.sentence
                }) =>
            {
                // "AVPU pain" is P, not a pain score.
                self.attribute(Attribute::Avpu(Avpu::Pain), i);
            }
            Concept::Allergy => return self.allergy(i),
            Concept::NoKnownAllergies => {
                let index = self.open_frame(FrameKind::NoKnownAllergies, i);
                self.frames[index].negated = false;
            }
            Concept::NameCue => return self.name(i),
            Concept::RankCue => return self.rank_name(i),
            Concept::Last4Cue => return self.last4(i),
            Concept::RosterCue => return self.roster(i),
            Concept::Mechanism(Mechanism::Fall) if self.clause_has_vital() => {
                // "pressure starting to fall" is a trend, not a mechanism.
            }
            other => {
                if let Some(kind) = anchor_kind(&other) {
                    self.open_frame(kind, i);
                }
            }
        }
        i + 1
    }

    fn clause_has_vital(&self) -> bool {
        self.frames.iter().any(|f| {
            matches!(
                f.kind,
                FrameKind::Vital(
                    VitalCue::Pulse | VitalCue::BloodPressure | VitalCue::RespRate | VitalCue::Spo2
                )
            ) && f.clause == self.clause
                && f.sentence == self.sentence
        })
    }

    /// "casualty two", "second casualty", "next casualty", and the recogniser's "casualty
    /// to" for two.
    fn casualty(&mut self, i: usize) -> usize {
        let item = self.items[i].clone();
        match self.kind_at(i + 1) {
            Some(ItemKind::Number(n)) => {
                if let Some(id) = n
                    .as_integer()
                    .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id))
                {
                    self.switch(id as CasualtyId, item.start, self.items[i + 1].end);
                }
                return i + 2;
            }
            Some(ItemKind::Word(w)) => {
                let spoken = match w.as_str() {
                    "to" | "too" => Some(2),
                    "won" => Some(1),
                    "for" => Some(4),
                    _ => None,
                };
                let ends_clause = matches!(
                    self.kind_at(i + 2),
                    None | Some(ItemKind::Comma | ItemKind::Stop)
                );
                if let (Some(id), true) = (spoken, ends_clause) {
                    self.switch(id, item.start, self.items[i + 1].end);
                    return i + 2;
                }
            }
            _ => {}
        }
        match i.checked_sub(1).and_then(|j| self.kind_at(j)) {
            Some(ItemKind::Concept(Concept::Ordinal(n))) => {
                let n = *n;
                self.switch(n, item.start, item.end);
            }
            Some(ItemKind::Concept(Concept::Another)) => {
                self.close_for_switch();
                self.order.push(Step::Action(Action::SwitchToNext {
                    start: item.start,
                    end: item.end,
                }));
            }
            _ => {}
        }
        i + 1
    }

    fn close_for_switch(&mut self) {
        self.open = None;
        self.pending.clear();
        self.sentence_places.clear();
        self.frames_before_switch = self.frames.len();
    }

    fn switch(&mut self, casualty: CasualtyId, start: u32, end: u32) {
        self.close_for_switch();
        self.switched = true;
        self.order.push(Step::Action(Action::Switch {
            casualty,
            start,
            end,
        }));
    }

    /// "not eighty eight" rejects a value; "tourniquet not needed" negates the frame.
    fn not(&mut self, i: usize) -> usize {
        let next = self.next_significant(i + 1);
        let item = self.items[i].clone();
        match self.kind_at(next) {
            Some(
                ItemKind::Number(_)
                | ItemKind::Quantity { .. }
                | ItemKind::Ratio(..)
                | ItemKind::Clock(_)
                | ItemKind::Place(_),
            ) => {
                // The value after "not" is what was wrong; the frame now corrects a fact
                // that holds that value, if one was recorded.
                let rejected = match self.kind_at(next) {
                    Some(ItemKind::Number(n)) => n.as_integer().map(Attribute::Number),
                    Some(ItemKind::Quantity { value, unit }) => {
                        Some(Attribute::Quantity(*value, *unit))
                    }
                    Some(ItemKind::Ratio(a, b)) => Some(Attribute::Ratio(*a, *b)),
                    Some(ItemKind::Clock(c)) => Some(Attribute::Time(*c)),
                    Some(ItemKind::Place(p)) => Some(Attribute::Place(*p)),
                    _ => None,
                };
                if let Some(o) = self
                    .open
                    .filter(|&o| self.frames[o].sentence == self.sentence)
                {
                    self.frames[o].correcting = true;
                    self.frames[o].rejected = rejected;
                }
                return next + 1;
            }
            Some(ItemKind::Concept(Concept::Mechanism(mechanism))) => {
                let mechanism = *mechanism;
                let end = self.items[next].end;
                self.order.push(Step::Action(Action::RejectMechanism {
                    mechanism,
                    start: item.start,
                    end,
                }));
                return next + 1;
            }
            Some(ItemKind::Concept(concept)) if anchor_kind(concept).is_some() => {
                // "not an RPG", "not alert": the thing after "not" was not so.
                return next + 1;
            }
            _ => {}
        }
        if let Some(o) = self.open.filter(|&o| {
            self.frames[o].clause == self.clause && self.frames[o].sentence == self.sentence
        }) {
            self.frames[o].negated = true;
        }
        i + 1
    }

    /// "allergic to penicillin", "allergies: none", "penicillin allergy".
    fn allergy(&mut self, i: usize) -> usize {
        if self.negation {
            self.open_frame(FrameKind::NoKnownAllergies, i);
            return i + 1;
        }
        // "penicillin allergy": the drug just named is the allergen, not a dose given.
        if let Some(o) = self.open.filter(|&o| o + 1 == self.frames.len()) {
            if let FrameKind::Medication(name) = self.frames[o].kind {
                let said_just_before = matches!(
                    self.previous_significant(i),
                    Some(ItemKind::Concept(Concept::Medication(_)))
                );
                if said_just_before {
                    self.frames[o].kind = FrameKind::Allergen(name.to_owned());
                    self.frames[o].end = self.items[i].end;
                    self.open = None;
                    return i + 1;
                }
            }
        }
        let mut j = i + 1;
        while matches!(self.kind_at(j), Some(ItemKind::Comma))
            || matches!(self.kind_at(j), Some(ItemKind::Word(w)) if is_glue(w) || w == "include" || w == "includes")
        {
            j += 1;
        }
        match self.kind_at(j) {
            Some(ItemKind::Concept(Concept::Negation | Concept::NoKnownAllergies)) => {
                self.open_frame(FrameKind::NoKnownAllergies, i);
                return j + 1;
            }
            Some(ItemKind::Word(w)) if matches!(w.as_str(), "nil" | "nkda" | "negative") => {
                self.open_frame(FrameKind::NoKnownAllergies, i);
                return j + 1;
            }
            _ => {}
        }
        let mut found = 0;
        while found < 3 {
            match self.kind_at(j) {
                Some(ItemKind::Concept(Concept::Medication(name))) => {
                    let name = (*name).to_owned();
                    self.allergen_frame(name, j);
                    found += 1;
                }
                Some(ItemKind::Word(w)) if w == "and" || w == "or" => {}
                Some(ItemKind::Comma) => {}
                Some(ItemKind::Word(w))
                    if w.len() >= 3
                        && w.len() <= DICTATED_TEXT_BYTES_MAX
                        && w.chars().all(|c| c.is_alphabetic())
                        && !is_glue(w)
                        && !matches!(
                            w.as_str(),
                            "known" | "drug" | "drugs" | "unknown" | "any"
                        ) =>
                {
                    let name = w.clone();
                    self.allergen_frame(name, j);
                    found += 1;
                }
                _ => break,
            }
            j += 1;
        }
        j.max(i + 1)
    }

    fn allergen_frame(&mut self, name: String, j: usize) {
        let index = self.open_frame(FrameKind::Allergen(name), j);
        self.frames[index].negated = false;
        self.open = None;
    }

    /// "Sergeant Miller": a rank followed by one or two capitalised unknown words is a
    /// dictated name, rank included. Anything else ("major bleeding", "private vehicle")
    /// is no name.
    fn rank_name(&mut self, i: usize) -> usize {
        let spoken = |item: &Item| -> String {
            self.text
                .get(item.start as usize..item.end as usize)
                .unwrap_or_default()
                .iter()
                .collect()
        };
        let mut last = None;
        let mut j = i + 1;
        while j <= i + 2 {
            let capitalised = match self.items.get(j) {
                Some(item) if matches!(&item.kind, ItemKind::Word(w) if w.chars().all(char::is_alphabetic)) => {
                    spoken(item).chars().next().is_some_and(char::is_uppercase)
                }
                _ => false,
            };
            if !capitalised {
                break;
            }
            last = Some(j);
            j += 1;
        }
        if let Some(last) = last {
            let start = self.items[i].start as usize;
            let end = self.items[last].end as usize;
            let said: String = self
                .text
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .collect();
            let name = title_case(said.trim());
            if !name.is_empty() && name.len() <= DICTATED_TEXT_BYTES_MAX {
                self.dictated(FrameKind::Name(name), i, last);
            }
            return last + 1;
        }
        i + 1
    }

    /// "name is John Smith": the unknown words after the cue, as said.
    fn name(&mut self, i: usize) -> usize {
        let mut j = self.next_significant(i + 1);
        let first = j;
        let mut last = None;
        let mut words = 0;
        while words < 4 {
            match self.kind_at(j) {
                Some(ItemKind::Word(w)) if w.chars().all(char::is_alphabetic) => {
                    if matches!(w.as_str(), "unknown" | "not" | "unk") {
                        return j + 1;
                    }
                    last = Some(j);
                    words += 1;
                }
                // "name Sergeant Miller": the rank is part of the dictated name.
                Some(ItemKind::Concept(Concept::RankCue)) => {
                    last = Some(j);
                    words += 1;
                }
                Some(ItemKind::Comma) if words == 1 => {}
                _ => break,
            }
            j += 1;
        }
        if let Some(last) = last {
            let start = self.items[first].start as usize;
            let end = self.items[last].end as usize;
            let spoken: String = self
                .text
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .collect();
            let name = title_case(spoken.trim());
            if !name.is_empty() && name.len() <= DICTATED_TEXT_BYTES_MAX {
                self.dictated(FrameKind::Name(name), i, last);
            }
        }
        j
    }

    /// "last four five six seven eight": four digits.
    fn last4(&mut self, i: usize) -> usize {
        let j = self.next_significant(i + 1);
        if let Some(ItemKind::Number(n)) = self.kind_at(j) {
            if n.digits.len() == 4 {
                let digits = n.digits.clone();
                self.dictated(FrameKind::Last4(digits), i, j);
            }
            return j + 1;
        }
        i + 1
    }

    /// "battle roster JS 1234", "zap number juliet sierra one two three four".
    fn roster(&mut self, i: usize) -> usize {
        let mut j = self.next_significant(i + 1);
        let mut roster = String::new();
        let mut last = None;
        while roster.len() < 12 {
            // A letter the item stage folded away (a lone "R" read as a side with no part)
            // still belongs to the roster: take single letters spoken before this item.
            if let (Some(previous), Some(item)) =
                (last.map(|l: usize| &self.items[l]), self.items.get(j))
            {
                let gap: String = self
                    .text
                    .get(previous.end as usize..item.start as usize)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                for word in gap.split(|c: char| !c.is_alphanumeric()) {
                    if word.chars().count() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                        roster.push_str(&word.to_ascii_uppercase());
                    }
                }
            }
            match self.kind_at(j) {
                Some(ItemKind::Word(w)) => {
                    if let Some(letter) = nato_letter(w) {
                        roster.push(letter);
                    } else if w.chars().all(|c| c.is_ascii_alphanumeric()) && w.len() <= 8 {
                        roster.push_str(&w.to_ascii_uppercase());
                    } else {
                        break;
                    }
                }
                Some(ItemKind::Number(n)) if !n.digits.is_empty() => roster.push_str(&n.digits),
                Some(ItemKind::Concept(Concept::Side(_))) => {
                    // "L" and "R" spelled as letters of a roster number.
                    let spoken: String = self
                        .text
                        .get(self.items[j].start as usize..self.items[j].end as usize)
                        .unwrap_or_default()
                        .iter()
                        .collect();
                    if spoken.chars().count() != 1 {
                        break;
                    }
                    roster.push_str(&spoken.to_ascii_uppercase());
                }
                _ => break,
            }
            last = Some(j);
            j += 1;
        }
        let has_letter = roster.chars().any(|c| c.is_ascii_alphabetic());
        let has_digit = roster.chars().any(|c| c.is_ascii_digit());
        if let (Some(last), true, true) = (last, has_letter, has_digit) {
            if (3..=12).contains(&roster.len()) {
                self.dictated(FrameKind::BattleRoster(roster), i, last);
            }
        }
        j.max(i + 1)
    }

    fn dictated(&mut self, kind: FrameKind, cue: usize, last: usize) {
        let index = self.open_frame(kind, cue);
        let frame = &mut self.frames[index];
        frame.negated = false;
        frame.end = self.items[last].end;
        self.open = None;
    }

    /// Applies what only the whole utterance shows: shared vital times, evacuation cues,
    /// retractions and corrections, then lists the actions in order.
    fn finish(mut self) -> Vec<Action> {
        self.share_times();
        if !self.has_evac_cue {
            for index in 0..self.frames.len() {
                let sentence = self.frames[index].sentence;
                if matches!(self.frames[index].kind, FrameKind::Evac(_))
                    && !self.only_evac_said(sentence)
                {
                    self.frames[index].negated = true;
                }
            }
        }
        let mut dropped = vec![false; self.frames.len()];
        self.replace_within_utterance(&mut dropped);
        let mut extra: Vec<Action> = Vec::new();
        let orphans = std::mem::take(&mut self.orphans);
        let retraction = self.retraction;
        match retraction {
            Some((0, start, end)) if orphans.is_empty() => {
                let kinds = self
                    .frames
                    .iter()
                    .filter(|f| !f.negated)
                    .map(|f| f.kind.clone())
                    .collect();
                extra.push(Action::RetractPrevious { start, end, kinds });
            }
            Some((before, _, _))
                if before > 0
                    && (orphans.is_empty() || !self.amend_in_utterance(before, &orphans)) =>
            {
                dropped[before - 1] = true;
            }
            _ => {}
        }
        let in_utterance = self.sealed_before > 0
            && self.retraction.is_none()
            && self.amend_in_utterance(self.sealed_before, &orphans);
        let amendments: Vec<Action> =
            if in_utterance || matches!(self.retraction, Some((before, _, _)) if before > 0) {
                Vec::new()
            } else {
                orphans
                    .into_iter()
                    .map(|(attribute, start, end)| Action::Amend {
                        attribute,
                        start,
                        end,
                    })
                    .collect()
            };
        let mut actions = extra;
        for step in std::mem::take(&mut self.order) {
            match step {
                Step::Action(action) => actions.push(action),
                Step::Frame(index) => {
                    if !dropped[index] {
                        actions.push(Action::Assert(self.frames[index].clone()));
                    }
                }
            }
        }
        actions.extend(amendments);
        actions
    }

    /// "cefazolin 2 grams IV, correction, ertapenem 1 gram IV": a frame said after a
    /// correction cue replaces the last frame of the same kind said before it in the same
    /// utterance; the correction is then settled and reaches no earlier utterance.
    fn replace_within_utterance(&mut self, dropped: &mut [bool]) {
        if self.sealed_before == 0 || self.retraction.is_some() {
            return;
        }
        fn same_category(a: &FrameKind, b: &FrameKind) -> bool {
            match (a, b) {
                (FrameKind::Vital(x), FrameKind::Vital(y)) => x == y,
                _ => std::mem::discriminant(a) == std::mem::discriminant(b),
            }
        }
        for later in self.sealed_before..self.frames.len() {
            if self.frames[later].negated {
                continue;
            }
            let earlier = (0..self.sealed_before).rev().find(|&i| {
                !dropped[i] && same_category(&self.frames[i].kind, &self.frames[later].kind)
            });
            if let Some(earlier) = earlier {
                dropped[earlier] = true;
                self.frames[later].correcting = false;
            }
        }
    }

    /// "Tourniquet left leg, I mean right leg": replaces the attribute in the last frame
    /// said before the cue that has it.
    fn amend_in_utterance(&mut self, before: usize, orphans: &[(Attribute, u32, u32)]) -> bool {
        if orphans.is_empty() || before == 0 {
            return false;
        }
        let mut changed = false;
        for (attribute, _, end) in orphans {
            for frame in self.frames[..before].iter_mut().rev() {
                if frame.replace(attribute.clone(), *end) {
                    changed = true;
                    break;
                }
                // Said after the cue but new to the frame ("IM, I mean IV, at 1155").
                if changed && frame.accepts(attribute) {
                    frame.take(attribute.clone(), *end);
                    break;
                }
            }
        }
        changed
    }

    /// Vital signs said in one sentence share its time; a time after "vitals" or a time
    /// no frame took applies to the frames of its sentence that have none.
    fn share_times(&mut self) {
        // Drugs said in one clause ("meloxicam 15 mg and Tylenol 1 g by mouth") share
        // the route and time said once for them.
        let clauses: Vec<(u32, u32)> = self.frames.iter().map(|f| (f.sentence, f.clause)).collect();
        for (sentence, clause) in clauses {
            let in_clause = |f: &Frame| {
                f.sentence == sentence
                    && f.clause == clause
                    && matches!(f.kind, FrameKind::Medication(_))
            };
            let mut routes = self
                .frames
                .iter()
                .filter(|f| in_clause(f))
                .filter_map(|f| f.route);
            let route = match (routes.next(), routes.next()) {
                (Some(route), None) => Some(route),
                _ => None,
            };
            let mut times = self
                .frames
                .iter()
                .filter(|f| in_clause(f))
                .filter_map(|f| f.time);
            let time = match (times.next(), times.next()) {
                (Some(time), None) => Some(time),
                _ => None,
            };
            for frame in self.frames.iter_mut().filter(|f| in_clause(f)) {
                frame.route = frame.route.or(route);
                frame.time = frame.time.or(time);
            }
        }
        let sentences = self.sentence + 1;
        for sentence in 0..sentences {
            let vital_time = self
                .frames
                .iter()
                .filter(|f| f.sentence == sentence && f.is_vital())
                .find_map(|f| f.time);
            if let Some(time) = vital_time {
                for frame in &mut self.frames {
                    if frame.sentence == sentence && frame.is_vital() && frame.time.is_none() {
                        frame.time = Some(time);
                    }
                }
            }
            let floating = self
                .floating_times
                .iter()
                .find(|(_, s)| *s == sentence)
                .map(|(clock, _)| *clock);
            if let Some(time) = floating {
                for frame in &mut self.frames {
                    if frame.sentence == sentence
                        && frame.time.is_none()
                        && frame.accepts(&Attribute::Time(time))
                    {
                        frame.time = Some(time);
                    }
                }
            }
        }
    }

    /// "Urgent surgical." said alone (a sentence with nothing else of substance) is a
    /// category even without the word "evac".
    fn only_evac_said(&self, sentence: u32) -> bool {
        let mut current = 0;
        let mut in_sentence = Vec::new();
        for item in self.items {
            if current == sentence {
                in_sentence.push(item);
            }
            if item.kind == ItemKind::Stop {
                current += 1;
            }
        }
        self.frames
            .iter()
            .filter(|f| f.sentence == sentence)
            .all(|f| matches!(f.kind, FrameKind::Evac(_)))
            && in_sentence.iter().all(|item| {
                matches!(
                    item.kind,
                    ItemKind::Comma
                        | ItemKind::Stop
                        | ItemKind::Word(_)
                        | ItemKind::Number(_)
                        | ItemKind::Concept(
                            Concept::Evac(_)
                                | Concept::Casualty
                                | Concept::AllCasualties
                                | Concept::Negation
                                | Concept::Correction
                        )
                )
            })
    }
}

/// The frame an anchor concept opens.
fn anchor_kind(concept: &Concept) -> Option<FrameKind> {
    Some(match concept {
        Concept::Mechanism(m) => FrameKind::Mechanism(*m),
        Concept::Injury(kind, mechanism) => FrameKind::Injury(*kind, *mechanism),
        Concept::Tourniquet(kind) => FrameKind::Tourniquet(*kind),
        Concept::Vital(cue) => FrameKind::Vital(*cue),
        Concept::Treatment(kind) => FrameKind::Treatment(*kind),
        Concept::Fluid(name) => FrameKind::Fluid(*name),
        Concept::Medication(name) => FrameKind::Medication(name),
        Concept::Sex(sex) => FrameKind::Sex(*sex),
        Concept::Evac(evac) => FrameKind::Evac(*evac),
        Concept::Avpu(avpu) => FrameKind::Avpu(*avpu),
        _ => return None,
    })
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = true;
    for c in text.chars() {
        if word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        word_start = !c.is_alphanumeric();
    }
    out
}
