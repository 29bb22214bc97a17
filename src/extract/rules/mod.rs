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
//! lives in `extract::Extractor`. Which clauses are plans, questions, orders or stories is
//! decided before, in `extract::scope`, from data.
//!
//! Parts: `frame` (frames and how attributes attach to them), `switching` (casualty
//! numbers), `dictation` (names, ranks, last four, roster, allergies), `corrections`
//! (corrections inside an utterance); each with its table-driven tests.

mod corrections;
mod dictation;
mod frame;
mod switching;

pub use frame::{Action, Attribute, Frame, FrameKind};

use super::items::{Item, ItemKind, Place};
use super::lexicon::{Concept, Part, Side, VitalCue};
use super::normalise::Number;
use crate::limits::{CASUALTIES_MAX, DICTATED_TEXT_BYTES_MAX, UTTERANCE_FACTS_MAX};
use crate::record::{
    Avpu, CasualtyId, Clock, InjuryKind, Mechanism, Route, TourniquetKind, TreatmentKind,
};

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
    /// After "removed", "converted": a tourniquet named later in the clause came off.
    removing: bool,
    /// After "over the uniform" with no tourniquet named yet: the next one in the clause
    /// is over clothing.
    over_clothing: bool,
    /// "two casualties" said anywhere in the utterance (with the number said, if any): an
    /// injury time said with it belongs to the group.
    group_said: Option<Option<u8>>,
    correcting: bool,
    /// Frames before this index were said before a correction cue and take no attributes.
    sealed_before: usize,
    retraction: Option<(usize, u32, u32)>,
    orphans: Vec<(Attribute, u32, u32)>,
    /// Kinds of attribute said so far, and those said before the latest correction cue:
    /// "time 1545, no, make that 1550" corrects the time of this utterance, never an
    /// earlier one.
    kinds_said: Vec<std::mem::Discriminant<Attribute>>,
    kinds_before_cue: Vec<std::mem::Discriminant<Attribute>>,
    has_evac_cue: bool,
    switched: bool,
    /// Places of this sentence that no frame took ("GSW. Left leg." on the radio).
    sentence_places: Vec<(Place, u32)>,
    /// ext17: sentences with an oral route no frame took ("swallow this, it's
    /// moxifloxacin"), with the route's end.
    oral_routes: Vec<(u32, u32)>,
    /// The last frame said before the latest casualty switch cannot take later places.
    frames_before_switch: usize,
    sentence: u32,
    clause: u32,
    /// extract3: where "both of them" was said (its step in `order`, its sentence), so a
    /// correction right after it ("no, just two") can narrow it.
    all_scope: Option<(usize, u32)>,
    /// study16b: the step in `order` of the last casualty switch that took the frames of
    /// its clause ("ketamine fifty IM into casualty one"), so a correction of the casualty
    /// ("correction, that was casualty two") can re-point it.
    kept_switch: Option<usize>,
    /// gaps10: the sentence being read follows a ';' (see `time_after_semicolon`).
    after_semicolon: bool,
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
            removing: false,
            over_clothing: false,
            group_said: None,
            correcting: false,
            sealed_before: 0,
            retraction: None,
            orphans: Vec::new(),
            kinds_said: Vec::new(),
            kinds_before_cue: Vec::new(),
            has_evac_cue: false,
            switched: false,
            sentence_places: Vec::new(),
            oral_routes: Vec::new(),
            frames_before_switch: 0,
            sentence: 0,
            clause: 0,
            all_scope: None,
            kept_switch: None,
            after_semicolon: false,
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
        frame.removed = self.removing && matches!(frame.kind, FrameKind::Tourniquet(_));
        frame.over_clothing = self.over_clothing && matches!(frame.kind, FrameKind::Tourniquet(_));
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
        // study15: "he's hit in the leg, the left, no, right leg, the thigh, it's a
        // gunshot": a wound named after its place takes the sentence's last place said
        // with a side.
        if matches!(frame.kind, FrameKind::Injury(..)) && frame.places.is_empty() {
            let sided = self
                .sentence_places
                .iter()
                .rposition(|(place, _)| place.side.is_some());
            if let Some(k) = sided {
                let (place, end) = self.sentence_places.remove(k);
                frame.take(Attribute::Place(place), end);
            }
        }
        // gaps10: "X on the belly, left lower, frag": a wound word said as a clause of its
        // own takes the place said as the clause of its own before it (past clauses that
        // only say where on that place).
        if matches!(frame.kind, FrameKind::Injury(..)) && frame.places.is_empty() {
            if let Some(end) = self.place_clause_before_bare_wound(i) {
                if let Some(k) = self.sentence_places.iter().rposition(|(_, e)| *e == end) {
                    let (place, end) = self.sentence_places.remove(k);
                    frame.take(Attribute::Place(place), end);
                }
            }
        }
        self.push_open(frame)
    }

    /// Files `frame` as the next frame, in spoken order, and makes it the open one; returns
    /// its index.
    fn push_open(&mut self, frame: Frame) -> usize {
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
            Attribute::Route(Route::Po) if !self.correcting && !self.hypothetical => {
                self.oral_routes.push((self.sentence, end));
            }
            // study15: a place said after "no" with no frame holding a place yet waits
            // for the wound named after it; it corrects nothing.
            Attribute::Place(place)
                if !self.frames.iter().any(|f| !f.places.is_empty())
                    && !self.sentence_places.is_empty() =>
            {
                self.sentence_places.push((place, end));
                return;
            }
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
        if let Attribute::Time(_) = attribute {
            self.corrects_unclaimed_time(i);
        }
        let attribute = match attribute {
            Attribute::Place(place) => Attribute::Place(self.side_from_sentence(place, i)),
            other => other,
        };
        let kind = std::mem::discriminant(&attribute);
        if !self.kinds_said.contains(&kind) {
            self.kinds_said.push(kind);
        }
        let item = &self.items[i];
        let (start, end) = (item.start, item.end);
        let open = self
            .open
            .filter(|&o| o >= self.sealed_before)
            .filter(|&o| self.frames[o].sentence == self.sentence)
            .or_else(|| self.drug_of_sentence_before(&attribute, i));
        // "two tourniquets on the right thigh, first at 1210, second at 1215": a further
        // time after "second" is a further tourniquet on the same limb.
        if let (Attribute::Time(_), Some(o)) = (&attribute, open) {
            let frame = &self.frames[o];
            if matches!(frame.kind, FrameKind::Tourniquet(_))
                && !frame.accepts(&attribute)
                && (self.further_one_before(i) || self.counted_anchor(o))
            {
                let mut further = Frame::new(frame.kind.clone(), item, self.sentence, self.clause);
                further.places = frame.places.clone();
                further.place_times = vec![None; frame.places.len()];
                further.another = true;
                further.negated = self.negation || self.hypothetical;
                further.take(attribute, end);
                self.push_open(further);
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
            let hedged_place =
                !same_clause && matches!(attribute, Attribute::Place(_)) && self.hedged_after(i);
            if frame.accepts(&attribute)
                && !next_anchor_takes_place
                && !hedged_place
                && (same_clause || !self.later_anchor_accepts(i, &attribute))
            {
                if let Attribute::Place(_) = attribute {
                    self.share_with_coordinated(o, &attribute, end);
                }
                self.frames[o].take(attribute, end);
                return;
            }
        }
        if self.later_anchor_accepts(i, &attribute) {
            self.pending.push((attribute, end));
            return;
        }
        // study15: a place said again after "no" with no frame holding a place yet
        // corrects nothing: it waits for the wound named after it.
        let place_to_come = matches!(attribute, Attribute::Place(_))
            && !self.frames.iter().any(|f| !f.places.is_empty())
            && self.place_said_before(i);
        if self.correcting && !place_to_come {
            self.orphans.push((attribute, start, end));
            return;
        }
        // "shrapnel from the mortar, wound to the left thigh": a place no open frame takes
        // belongs to the latest frame of the sentence that takes places.
        if let (Attribute::Place(_), false) = (&attribute, self.hedged_after(i)) {
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

    /// study16a: "Now his pulse: feel here, at the wrist. His is one-twenty-two.", "you take
    /// his pulse. One-oh-six? I count one-oh-eight": a number opening a clause after only
    /// "his is", "I count", "we write"… is the value of the pulse, breathing rate or sats
    /// named with no value in an earlier sentence of the utterance (when nothing in its
    /// own sentence takes it). True when it was taken (or repeats the value taken).
    fn value_for_earlier_sign(&mut self, number: &Number, i: usize) -> bool {
        const LEADS: &[&[&str]] = &[
            &["his", "is"],
            &["hers", "is"],
            &["i", "count"],
            &["i", "counted"],
            &["i", "get"],
            &["i", "got"],
            &["i've", "got"],
            &["we", "write"],
            &["write"],
        ];
        let Some(value) = number.as_integer() else {
            return false;
        };
        let mut start = i;
        while let Some(k) = start.checked_sub(1) {
            if matches!(self.kind_at(k), Some(ItemKind::Comma | ItemKind::Stop)) {
                break;
            }
            start = k;
        }
        let lead: Vec<&str> = self.items[start..i]
            .iter()
            .map(|item| match &item.kind {
                ItemKind::Word(w) => w.as_str(),
                _ => "",
            })
            .collect();
        if !LEADS.contains(&lead.as_slice()) {
            return false;
        }
        let sentence = self.sentence;
        if self
            .open
            .is_some_and(|o| self.frames[o].sentence == sentence)
        {
            return false;
        }
        let target = self.frames.iter().rposition(|f| {
            matches!(
                f.kind,
                FrameKind::Vital(VitalCue::Pulse | VitalCue::RespRate | VitalCue::Spo2)
            ) && !f.negated
                && f.sentence < sentence
        });
        let Some(o) = target else {
            return false;
        };
        if self.frames[o].number == Some(value) {
            return true;
        }
        if self.frames[o].accepts(&Attribute::Number(value)) {
            let end = self.items[i].end;
            self.frames[o].take(Attribute::Number(value), end);
            return true;
        }
        false
    }

    /// ext10: "Ketamine, first vial cracked, dropped it. Second vial, twenty milligrams slow
    /// IO push at thirteen twenty.": a dose said in a sentence that names nothing of its own
    /// is the dose of the drug named, with no dose, route or time, as the last frame of the
    /// sentence just before; that drug is reopened in this sentence so its route and time
    /// follow. Nothing when the sentence names a drug or any other anchor ("Ketamine's out.
    /// Morphine, ten milligrams"), when it says no route or clock time (a dose quoted, "fifty
    /// milligrams is the max"), when the drug already has a dose ("Ketamine fifty IV.
    /// Twenty milligrams more at 1330" is a new dose nobody named), or when it was denied.
    ///
    /// study22: terse dictation, one value a sentence ("Moxi. Four hundred. P O. Two three
    /// two five."): a sentence that is one dose, number, route or clock time and nothing
    /// else continues the drug of the sentence just before (said bare, or continued so)
    /// when the drug has no value of that kind yet; a route or time alone is given, not
    /// quoted. "Morphine ten IV. Twenty." gives no second dose.
    fn drug_of_sentence_before(&mut self, attribute: &Attribute, i: usize) -> Option<usize> {
        let one_value = matches!(
            attribute,
            Attribute::Quantity(..)
                | Attribute::Number(_)
                | Attribute::Route(_)
                | Attribute::Time(_)
        );
        if !one_value || self.hypothetical || self.negation {
            return None;
        }
        let sentence_start = self.items[..i]
            .iter()
            .rposition(|item| item.kind == ItemKind::Stop)
            .map_or(0, |p| p + 1);
        let sentence_end = self.items[i..]
            .iter()
            .position(|item| item.kind == ItemKind::Stop)
            .map_or(self.items.len(), |p| p + i);
        let sentence_items = &self.items[sentence_start..sentence_end];
        let names_anchor = sentence_items
            .iter()
            .any(|item| matches!(&item.kind, ItemKind::Concept(c) if anchor_kind(c).is_some()));
        // The dose is given, not quoted: its sentence says a route or a clock time too
        // ("Ketamine. Fifty milligrams is the max dose" gives the drug no dose).
        let given = sentence_items.iter().any(|item| {
            matches!(
                item.kind,
                ItemKind::Clock(_) | ItemKind::Concept(Concept::Route(_))
            )
        }) || sentence_items.windows(2).any(|pair| {
            matches!(
                (&pair[0].kind, &pair[1].kind),
                (ItemKind::Concept(Concept::At), ItemKind::Number(_))
            )
        });
        // "At two three two five." is a time alone too.
        let alone = sentence_items
            .iter()
            .filter(|item| item.kind != ItemKind::Concept(Concept::At))
            .count()
            == 1;
        let quantity = matches!(attribute, Attribute::Quantity(..));
        if names_anchor || !(alone || (quantity && given)) || sentence_start == 0 {
            return None;
        }
        let sentence = self.sentence;
        let clause = self.clause;
        let last = self.frames.len().checked_sub(1)?;
        let frame = self.last_open_frame()?;
        let bare = frame.quantity.is_none()
            && frame.number.is_none()
            && frame.route.is_none()
            && frame.time.is_none();
        let bare_drug = matches!(frame.kind, FrameKind::Medication(_))
            && frame.sentence + 1 == sentence
            && !frame.negated
            && (bare || alone)
            && frame.accepts(attribute);
        if !bare_drug {
            return None;
        }
        frame.sentence = sentence;
        frame.clause = clause;
        self.open = Some(last);
        Some(last)
    }

    /// ext10: "Pain was an eight, ketamine thirty IV, now it's a four", "pulse ox reading
    /// zero, swapping the probe. Okay, now ninety six": a number that is its whole clause
    /// after "now" (with only "it's", "a", "down to", "up to", "okay" beside it) is a new
    /// reading of the one-value sign (pulse, breathing rate, sats, pain) named last in this
    /// sentence or the one before, for the same casualty: a reading of its own when that
    /// sign has a value, its value when it has none. Nothing when the sign does not take the
    /// number (a clock time, a pain of forty), when no sign was named, or when the clause
    /// says anything else ("now it's a four-hour drive", "now two of them are down").
    fn reading_now(&mut self, number: &Number, i: usize) -> bool {
        const LEAD: &[&str] = &[
            "okay", "ok", "now", "it's", "its", "it", "is", "a", "an", "down", "up", "to",
        ];
        let Some(value) = number.as_integer() else {
            return false;
        };
        if number.digits.len() >= 4 || self.hypothetical || self.negation {
            return false;
        }
        let mut start = i;
        let mut now = false;
        while let Some(k) = start.checked_sub(1) {
            match self.kind_at(k) {
                Some(ItemKind::Comma | ItemKind::Stop) | None => break,
                Some(ItemKind::Word(w)) if LEAD.contains(&w.as_str()) => now |= w == "now",
                _ => return false,
            }
            start = k;
        }
        let ends = matches!(
            self.kind_at(i + 1),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        );
        if !now || !ends {
            return false;
        }
        let floor = self.sealed_before.max(self.frames_before_switch);
        let sentence = self.sentence;
        let Some(o) = self.frames[floor..]
            .iter()
            .rposition(|f| matches!(f.kind, FrameKind::Vital(_)) && f.sentence + 1 >= sentence)
            .map(|k| k + floor)
        else {
            return false;
        };
        let frame = &self.frames[o];
        let one_value = matches!(
            frame.kind,
            FrameKind::Vital(
                VitalCue::Pulse | VitalCue::RespRate | VitalCue::Spo2 | VitalCue::Pain
            )
        );
        let attribute = Attribute::Number(value);
        if !one_value || frame.negated || frame.correcting {
            return false;
        }
        let end = self.items[i].end;
        if frame.number.is_none() {
            if !frame.accepts(&attribute) {
                return false;
            }
            self.frames[o].take(attribute, end);
            return true;
        }
        let mut again = Frame::new(frame.kind.clone(), &self.items[i], sentence, self.clause);
        if !again.accepts(&attribute) {
            return false;
        }
        again.take(attribute, end);
        self.push_open(again);
        true
    }

    /// study16a: a value, "on" and maybe "the" before `i` ("ninety-seven on the oxygen").
    fn reading_on(&self, i: usize) -> bool {
        let word = |k: usize| match self.kind_at(k) {
            Some(ItemKind::Word(w)) => w.as_str(),
            _ => "",
        };
        let mut j = i;
        if j > 0 && word(j - 1) == "the" {
            j -= 1;
        }
        j >= 2
            && word(j - 1) == "on"
            && matches!(
                self.kind_at(j - 2),
                Some(ItemKind::Number(_) | ItemKind::Quantity { .. })
            )
    }

    /// study16a: "and he says his left ankle might be broken": a word of possibility
    /// follows in the clause, so a place said there is no place of an earlier clause's
    /// wound.
    fn hedged_after(&self, i: usize) -> bool {
        let mut j = i + 1;
        loop {
            match self.kind_at(j) {
                None | Some(ItemKind::Comma | ItemKind::Stop) => return false,
                Some(ItemKind::Word(w))
                    if matches!(
                        w.as_str(),
                        "might" | "may" | "could" | "maybe" | "possibly" | "probably"
                    ) =>
                {
                    return true
                }
                _ => j += 1,
            }
        }
    }

    /// "left hand, two fingers are gone": a limb part said without its side takes the side
    /// said for the same part in an earlier clause of the sentence.
    fn side_from_sentence(&self, place: Place, i: usize) -> Place {
        if place.side.is_some() || !place.is_lateral() {
            return place;
        }
        // Within its clause an unsided part refines the place before it ("left arm
        // amputation above the elbow"); only a later clause names the limb again.
        let mut j = i;
        let mut later_clause = false;
        while j > 0 {
            j -= 1;
            match self.kind_at(j) {
                Some(ItemKind::Stop) | None => break,
                Some(ItemKind::Comma) => later_clause = true,
                Some(ItemKind::Place(earlier))
                    if later_clause && earlier.part == place.part && earlier.side.is_some() =>
                {
                    return *earlier;
                }
                _ => {}
            }
        }
        place
    }

    /// "Burns and frag to the face": a bare wound said just before, joined by "and", has
    /// the place of the wound that takes it.
    fn share_with_coordinated(&mut self, o: usize, attribute: &Attribute, end: u32) {
        let Some(before) = o.checked_sub(1).filter(|&b| b >= self.sealed_before) else {
            return;
        };
        let (earlier, later) = (&self.frames[before], &self.frames[o]);
        let joined = matches!(earlier.kind, FrameKind::Injury(..))
            && matches!(later.kind, FrameKind::Injury(..))
            && earlier.places.is_empty()
            && !earlier.negated
            && earlier.sentence == later.sentence
            && earlier.clause == later.clause
            && self
                .items
                .iter()
                .filter(|item| item.start >= earlier.end && item.end <= later.start)
                .all(|item| matches!(&item.kind, ItemKind::Word(w) if w == "and"));
        if joined && self.frames[before].accepts(attribute) {
            self.frames[before].take(attribute.clone(), end);
        }
    }

    /// "back on three", "two's right arm", "Garcia says one has a GSW": a small number
    /// used as a casualty's name. The extractor switches only to a casualty already named.
    fn casualty_reference(&self, number: &Number, i: usize) -> Option<CasualtyId> {
        let id = number.as_integer()?;
        if !(1..=CASUALTIES_MAX as u32).contains(&id) || number.parts != 1 {
            return None;
        }
        let item = &self.items[i];
        let word_at = |k: Option<usize>| match k.and_then(|k| self.kind_at(k)) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        let before = i.checked_sub(1);
        let after = self.kind_at(i + 1);
        // "two's right arm", "one's unresponsive".
        let spoken = self
            .text
            .get(item.start as usize..(item.end as usize).min(self.text.len()))
            .unwrap_or_default();
        let apostrophe = matches!(spoken, [.., '\'' | '\u{2019}', 's' | 'S']);
        let after_vital = matches!(
            before.and_then(|k| self.kind_at(k)),
            Some(ItemKind::Concept(Concept::Vital(_)) | ItemKind::Number(_))
        ) || word_at(before) == Some("a");
        if apostrophe && !after_vital {
            return Some(id as CasualtyId);
        }
        // "One. Burns, both arms.": a casualty number said as a sentence of its own at the
        // start of an utterance; "number two, ..." opening a clause.
        let alone = before.is_none() && matches!(after, Some(ItemKind::Stop));
        let numbered = word_at(before) == Some("number")
            && matches!(
                before
                    .and_then(|b| b.checked_sub(1))
                    .and_then(|k| self.kind_at(k)),
                None | Some(ItemKind::Comma | ItemKind::Stop)
            )
            && matches!(after, None | Some(ItemKind::Comma | ItemKind::Stop));
        if alone || numbered {
            return Some(id as CasualtyId);
        }
        // study15: "Four, frag through the right hand": a casualty number called out at
        // the start of a sentence, before a comma (triage in short bursts). Not after a
        // question ("Pain? Four, maybe five.").
        let sentence_start = match before {
            None => true,
            Some(b) => {
                matches!(self.kind_at(b), Some(ItemKind::Stop))
                    && self.text.get(self.items[b].start as usize) != Some(&'?')
            }
        };
        if sentence_start && matches!(after, Some(ItemKind::Comma)) {
            return Some(id as CasualtyId);
        }
        // "back on three", "whole blood on three through the IO".
        let ends_reference = matches!(
            after,
            None | Some(
                ItemKind::Comma
                    | ItemKind::Stop
                    | ItemKind::Clock(_)
                    | ItemKind::Concept(Concept::At | Concept::Route(_))
            )
        ) || matches!(after, Some(ItemKind::Word(w)) if matches!(w.as_str(), "at" | "now" | "through" | "via" | "too" | "as" | "time"));
        let lifting =
            self.sentence_has_word(i, &["lift", "lifting", "count", "carry", "move", "go"]);
        // extract3: "fentanyl intranasal into three": care given into a casualty ("split
        // into two" divides a dose).
        let divided = word_at(before) == Some("into")
            && matches!(
                word_at(before.and_then(|b| b.checked_sub(1))),
                Some("split" | "divided" | "divide" | "cut" | "broken" | "broke" | "halves")
            );
        if matches!(word_at(before), Some("on" | "into")) && ends_reference && !lifting && !divided
        {
            return Some(id as CasualtyId);
        }
        // study16b: "ertapenem one gram IM to two".
        if self.given_to(i) && ends_reference {
            return Some(id as CasualtyId);
        }
        // extract3: "Needling four now, right chest": an act said as a verb ("-ing"), then
        // the casualty's number alone.
        let act_before = before.is_some_and(|b| {
            matches!(
                self.kind_at(b),
                Some(ItemKind::Concept(
                    Concept::Treatment(_) | Concept::Tourniquet(_)
                ))
            ) && {
                let item = &self.items[b];
                let said: String = self
                    .text
                    .get(item.start as usize..(item.end as usize).min(self.text.len()))
                    .unwrap_or_default()
                    .iter()
                    .collect();
                said.to_lowercase().ends_with("ing")
            }
        });
        let alone_or_now = matches!(after, Some(ItemKind::Comma | ItemKind::Stop) | None)
            || matches!(after, Some(ItemKind::Word(w)) if w == "now");
        if act_before && alone_or_now {
            return Some(id as CasualtyId);
        }
        // "back to two", "moving over to three".
        let moving = (word_at(before) == Some("to")
            && matches!(
                word_at(i.checked_sub(2)),
                Some("back" | "moving" | "over" | "switching")
            ))
            || matches!(
                before.and_then(|k| self.kind_at(k)),
                Some(ItemKind::Concept(Concept::SwitchCue))
            );
        if moving && ends_reference {
            return Some(id as CasualtyId);
        }
        // Two medics sharing the casualties: "mine's one: pulse ...".
        let mine = matches!(word_at(before), Some("mine's" | "mines" | "mine"))
            && before.is_some_and(|b| {
                matches!(
                    b.checked_sub(1).and_then(|k| self.kind_at(k)),
                    None | Some(ItemKind::Comma | ItemKind::Stop)
                )
            });
        if mine && ends_reference {
            return Some(id as CasualtyId);
        }
        // "Garcia says one has a GSW", "two took a round".
        let opens = matches!(
            before.and_then(|k| self.kind_at(k)),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        ) || matches!(
            word_at(before),
            Some("says" | "said" | "reports" | "reported" | "thinks")
        );
        const VERBS: &[&str] = &[
            "took",
            "has",
            "had",
            "got",
            "gets",
            "needs",
            "lost",
            "still",
            "just",
            "swallowed",
            "caught",
            // study16b: "one hasn't had anything", "two didn't get any".
            "hasn",
            "hadn",
            "didn",
        ];
        let first_word_after = self.items.get(i + 1).map(|next| {
            self.text
                .get(next.start as usize..(next.end as usize).min(self.text.len()))
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.is_alphabetic())
                .flat_map(|c| c.to_lowercase())
                .collect::<String>()
        });
        let verb = first_word_after.is_some_and(|w| VERBS.contains(&w.as_str()))
            && !matches!(after, Some(ItemKind::Number(_) | ItemKind::Place(_)));
        if opens && verb {
            return Some(id as CasualtyId);
        }
        None
    }

    /// study15: "on one and three", "for two and four" ending their clause: a pair of
    /// casualty numbers. Returns the second number and the index of its item.
    fn casualty_pair(&self, number: &Number, i: usize) -> Option<(CasualtyId, usize)> {
        let small = |n: &Number| {
            n.as_integer()
                .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id) && n.parts == 1)
        };
        let first = small(number)?;
        let word_at = |k: usize| match self.kind_at(k) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        if !matches!(i.checked_sub(1).and_then(word_at), Some("on" | "for"))
            || word_at(i + 1) != Some("and")
        {
            return None;
        }
        let second = match self.kind_at(i + 2) {
            Some(ItemKind::Number(n)) => small(n)?,
            _ => return None,
        };
        let ends = matches!(
            self.kind_at(i + 3),
            None | Some(ItemKind::Comma | ItemKind::Stop | ItemKind::Clock(_))
        );
        (ends && second != first).then_some((second as CasualtyId, i + 2))
    }

    /// study15: a number of casualties said without the word "casualties": "four down"
    /// (ending its clause), "two for you" (a handover), "there's two guys".
    fn announced_count(&self, number: &Number, i: usize) -> Option<u8> {
        let count = number
            .as_integer()
            .filter(|c| (2..=CASUALTIES_MAX as u32).contains(c) && number.parts == 1)?;
        let word_at = |k: usize| match self.kind_at(k) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        let ends_clause = |k: usize| {
            matches!(
                self.kind_at(k),
                None | Some(ItemKind::Comma | ItemKind::Stop)
            )
        };
        let down = word_at(i + 1) == Some("down") && ends_clause(i + 2);
        let for_you = word_at(i + 1) == Some("for") && word_at(i + 2) == Some("you");
        let there = i
            .checked_sub(1)
            .and_then(word_at)
            .is_some_and(|w| matches!(w, "there" | "theres" | "are" | "got" | "have"));
        let people = word_at(i + 1).is_some_and(|w| {
            matches!(
                w,
                "guys" | "men" | "soldiers" | "marines" | "dudes" | "people" | "patients"
            )
        });
        (down || for_you || (there && people)).then_some(count as u8)
    }

    fn sentence_has_word(&self, i: usize, words: &[&str]) -> bool {
        let start = self.items[..i]
            .iter()
            .rposition(|item| item.kind == ItemKind::Stop)
            .map_or(0, |p| p + 1);
        let end = self.items[i..]
            .iter()
            .position(|item| item.kind == ItemKind::Stop)
            .map_or(self.items.len(), |p| p + i);
        self.items[start..end]
            .iter()
            .any(|item| matches!(&item.kind, ItemKind::Word(w) if words.contains(&w.as_str())))
    }

    /// "I've got two," / "I'll take three.": a medic taking a casualty by number.
    fn taken_casualty(&self, number: &Number, i: usize) -> Option<CasualtyId> {
        let id = number.as_integer()?;
        if !(1..=CASUALTIES_MAX as u32).contains(&id) || number.parts != 1 {
            return None;
        }
        let word_at = |k: Option<usize>| match k.and_then(|k| self.kind_at(k)) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        let taken = matches!(word_at(i.checked_sub(1)), Some("got" | "have" | "take"))
            && matches!(
                word_at(i.checked_sub(2)),
                Some("i've" | "ive" | "i" | "i'll" | "ill")
            );
        let ends = matches!(
            self.kind_at(i + 1),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        );
        (taken && ends).then_some(id as CasualtyId)
    }

    /// The open frame when it is a tourniquet named in the current clause.
    fn open_tourniquet_in_clause(&self) -> Option<usize> {
        self.open.filter(|&o| {
            let frame = &self.frames[o];
            frame.sentence == self.sentence
                && frame.clause == self.clause
                && matches!(frame.kind, FrameKind::Tourniquet(_))
        })
    }

    /// The words of item `i` as said, in lower case.
    fn said_lower(&self, i: usize) -> String {
        let item = &self.items[i];
        self.text
            .get(item.start as usize..(item.end as usize).min(self.text.len()))
            .unwrap_or_default()
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect()
    }

    /// advisor4: "he was shot at 05:15", "got shot at oh-five-fifteen": the mechanism at
    /// `i` said as a verb with a time right after it also says when the casualty was
    /// injured.
    fn shot_at_a_time(&self, i: usize) -> bool {
        let verb = i > 0
            && matches!(self.kind_at(i - 1), Some(ItemKind::Word(w))
                if matches!(w.as_str(), "was" | "got" | "been" | "get" | "were"));
        verb && matches!(
            self.kind_at(i),
            Some(ItemKind::Concept(Concept::Mechanism(Mechanism::Gsw)))
        ) && self.said_lower(i) == "shot"
            && matches!(self.kind_at(i + 1), Some(ItemKind::Concept(Concept::At)))
            && matches!(
                self.kind_at(i + 2),
                Some(ItemKind::Clock(_) | ItemKind::Number(_))
            )
    }

    /// Whether the words of item `i` as said hold one of `words`.
    fn spoken_has(&self, i: usize, words: &[&str]) -> bool {
        let spoken = self.said_lower(i);
        spoken
            .split(|c: char| !c.is_alphabetic() && c != '\'')
            .map(|w| w.trim_end_matches("'s"))
            .any(|w| words.contains(&w))
    }

    /// Whether a drug is named in the sentence of item `i` (before or after it).
    fn drug_in_sentence(&self, i: usize) -> bool {
        let before = self.items[..i]
            .iter()
            .rev()
            .take_while(|item| item.kind != ItemKind::Stop);
        let after = self.items[i..]
            .iter()
            .take_while(|item| item.kind != ItemKind::Stop);
        before
            .chain(after)
            .any(|item| matches!(item.kind, ItemKind::Concept(Concept::Medication(_))))
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
        // extract3: "for both of them, no, just two".
        if let Some(id) = number
            .as_integer()
            .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id) && number.parts == 1)
        {
            if self.scope_corrected(i, id as CasualtyId) {
                return;
            }
            // study16b: "TXA two grams IV into one, no, wait, into two".
            if self.casualty_corrected(i, id as CasualtyId, false) {
                return;
            }
        }
        // Two medics sharing the casualties: "I've got two, ..." names casualty two (a
        // new one or one already named).
        if let Some(id) = self.taken_casualty(number, i) {
            let item = &self.items[i];
            self.switch(id, item.start, item.end);
            return;
        }
        if let Some(count) = self.announced_count(number, i) {
            // study15: "Mortar hit the FOB, four down", "got two for you from the
            // rollover", "there's two guys": a group of casualties.
            self.group = Some(Some(count));
            self.group_said = Some(Some(count));
            self.order.push(Step::Action(Action::Announce { count }));
            return;
        }
        if let Some(casualty) = self.casualty_reference(number, i) {
            let item = &self.items[i];
            let (start, end) = (item.start, item.end);
            let on = match i.checked_sub(1).and_then(|k| self.kind_at(k)) {
                Some(ItemKind::Word(w)) => w == "on" || w == "into",
                Some(ItemKind::Concept(Concept::Treatment(_) | Concept::Tourniquet(_))) => true,
                _ => false,
            } || self.given_to(i);
            self.switch_keeping_clause(
                Action::Refer {
                    casualty,
                    start,
                    end,
                },
                on,
            );
            return;
        }
        if self.value_for_earlier_sign(number, i) {
            return;
        }
        if self.reading_now(number, i) {
            return;
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
        // "three twenty" could be 03:20 or 15:20: a time only in a 24-hour form ("fifteen
        // twenty", "zero three twenty", "1520"); AM/PM were read by the normaliser.
        let clock = number.as_clock().filter(|_| number.digits.len() == 4);
        let ambiguous_clock = clock.is_none() && number.as_clock().is_some();
        // "zero one thirty" is a time even where a volume could go.
        let leading_zero_time = number.digits.len() == 4 && number.digits.starts_with('0');
        let attribute = if let (true, Some(clock)) = (leading_zero_time, clock) {
            Attribute::Time(clock)
        } else if after_at {
            match (clock, value) {
                (_, Some(v)) if open_wants_value && open_is_vital_value => Attribute::Number(v),
                (Some(clock), _) => Attribute::Time(clock),
                (None, _) if ambiguous_clock && number.parts >= 2 => return,
                (None, Some(v)) => Attribute::Number(v),
                (None, None) => return,
            }
        } else if open_wants_value {
            match value {
                Some(v) => Attribute::Number(v),
                None => return,
            }
        } else {
            // "pulse one one eight, no wait, one two eight": three digits said one by one
            // after a correction cue are the corrected value, not a clock time.
            let corrected_value = self.correcting && number.digits.len() <= 3;
            let clock_like = number.digits.len() == 4 || (number.parts >= 2 && !corrected_value);
            match (clock, value) {
                (Some(clock), _) if clock_like => Attribute::Time(clock),
                (None, _) if clock_like && ambiguous_clock => return,
                (_, Some(v)) => Attribute::Number(v),
                _ => return,
            }
        };
        self.attribute(attribute, i);
    }

    /// "vitals, one hundred over sixty eight, pulse ninety six": a pressure-like ratio that
    /// no frame takes, in a sentence of vital signs, is the blood pressure.
    fn ratio_opens_pressure(&self, a: u32, b: u32, i: usize) -> bool {
        if !(40..=300).contains(&a) || !(10..a).contains(&b) {
            return false;
        }
        let attribute = Attribute::Ratio(a, b);
        let open_takes = self
            .open
            .filter(|&o| o >= self.sealed_before && self.frames[o].sentence == self.sentence)
            .is_some_and(|o| self.frames[o].accepts(&attribute));
        if open_takes || self.later_anchor_accepts(i, &attribute) {
            return false;
        }
        let vital_said = self
            .frames
            .iter()
            .any(|f| f.sentence == self.sentence && f.is_vital() && !f.negated);
        let vital_next = self
            .items
            .get(i + 1..)
            .and_then(|rest| rest.iter().find(|item| item.kind != ItemKind::Comma))
            .is_some_and(|item| {
                matches!(
                    item.kind,
                    ItemKind::Concept(Concept::Vital(_) | Concept::Avpu(_))
                )
            });
        vital_said || vital_next
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
        if further && previous.is_none() {
            self.unit_of_earlier_fluid(i, number_after, next);
            return next;
        }
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
        self.push_open(frame);
        next
    }

    /// gaps10: "Hanging unit three", "Unit four going in", "Unit two's in, zero six ten",
    /// "next unit's up": a unit said with no fluid named in the utterance is a further
    /// unit of the blood product filed before for this casualty (`Frame::unit_of_earlier`;
    /// the extractor files nothing when none was, and nothing for a unit number already
    /// filed). Only when "unit" opens its clause or follows a hanging word, and only a
    /// hanging or running word, a time or the clause's end follows it: "his unit", "the
    /// unit is pinned down", "he's from unit four" are other units. `next` is the item
    /// after the unit (and its number).
    fn unit_of_earlier_fluid(&mut self, i: usize, number_after: Option<u32>, next: usize) {
        const HANGING: &[&str] = &[
            "hanging", "hang", "hung", "spiking", "spiked", "starting", "started", "running",
            "pushing", "and", "now",
        ];
        const GOING: &[&str] = &[
            "going", "goes", "in", "up", "running", "hung", "on", "started", "now", "at", "is",
            "s", "'s", "through", "flowing",
        ];
        let word = |k: usize| match self.kind_at(k) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        let ordinal = i.checked_sub(1).and_then(|k| match self.kind_at(k) {
            Some(ItemKind::Concept(Concept::Ordinal(n))) => Some(u32::from(*n)),
            _ => None,
        });
        // "next unit", "another unit" ("next" is the lexicon's `another`).
        let another = matches!(
            i.checked_sub(1).and_then(|k| self.kind_at(k)),
            Some(ItemKind::Concept(Concept::Another))
        );
        // What opens the unit's phrase: the clause's start or a hanging word.
        let lead = if ordinal.is_some() || another {
            i - 1
        } else {
            i
        };
        let opens = match lead.checked_sub(1) {
            None => true,
            Some(k) => {
                matches!(self.kind_at(k), Some(ItemKind::Comma | ItemKind::Stop))
                    || word(k).is_some_and(|w| HANGING.contains(&w))
            }
        };
        // "Unit two's in": the normaliser keeps "'s" on the number's word; the words after
        // the unit are all hanging or running words up to the clause's end or a time.
        let mut k = next;
        let mut follows_well = true;
        loop {
            match self.kind_at(k) {
                None | Some(ItemKind::Comma | ItemKind::Stop | ItemKind::Clock(_)) => break,
                Some(ItemKind::Concept(Concept::At | Concept::Route(_))) => {}
                Some(ItemKind::Word(w)) if GOING.contains(&w.as_str()) => {}
                _ => {
                    follows_well = false;
                    break;
                }
            }
            k += 1;
        }
        let number = number_after.or(ordinal);
        if !opens || !follows_well || (number.is_none() && !another) {
            return;
        }
        let mut frame = Frame::new(
            FrameKind::Fluid(crate::record::FluidName::WholeBlood),
            &self.items[i],
            self.sentence,
            self.clause,
        );
        frame.unit_of_earlier = true;
        frame.unit_number = number;
        frame.another = true;
        frame.negated = self.negation || self.hypothetical;
        self.push_open(frame);
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
    /// study16a: "two tourniquets on the right leg, zero four ten and zero four twelve":
    /// the frame's anchor was counted (two to four of them), so a second time said for it
    /// is a further one on the same limb.
    fn counted_anchor(&self, o: usize) -> bool {
        let start = self.frames[o].start;
        let Some(anchor) = self.items.iter().position(|item| item.start == start) else {
            return false;
        };
        matches!(
            anchor.checked_sub(1).and_then(|k| self.kind_at(k)),
            Some(ItemKind::Number(n)) if n.as_integer().is_some_and(|n| (2..=4).contains(&n))
        )
    }

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

    /// "tourniquet not needed, removed at 0640", "TQ right arm at 0600, took it off at
    /// 0640": a removal cue that opens its clause, with nothing but its time after it,
    /// and no tourniquet named in its own clause, is about the latest tourniquet named in
    /// the sentence for the same casualty (said or denied); its index.
    fn removal_of_earlier_tourniquet(&self, i: usize) -> Option<usize> {
        let lead = |w: &str| {
            is_glue(w)
                || matches!(
                    w,
                    "then" | "just" | "got" | "so" | "finally" | "they" | "we've" | "i've" | "it's"
                )
        };
        let mut j = i;
        while let Some(previous) = j.checked_sub(1) {
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Comma | ItemKind::Stop) => break,
                Some(ItemKind::Word(w)) if lead(w) => {}
                _ => return None,
            }
        }
        let mut k = i + 1;
        loop {
            match self.kind_at(k) {
                None | Some(ItemKind::Comma | ItemKind::Stop) => break,
                Some(ItemKind::Clock(_) | ItemKind::Number(_) | ItemKind::Concept(Concept::At)) => {
                }
                Some(ItemKind::Word(w)) if lead(w) || matches!(w.as_str(), "now" | "already") => {}
                _ => return None,
            }
            k += 1;
        }
        self.frames
            .iter()
            .enumerate()
            .rev()
            .take_while(|(index, frame)| {
                *index >= self.frames_before_switch && frame.sentence == self.sentence
            })
            .find(|(_, frame)| matches!(frame.kind, FrameKind::Tourniquet(_)) && !frame.removed)
            .map(|(index, _)| index)
    }

    /// Opens a frame for the removal (at item `i`) of the tourniquet of frame `earlier`:
    /// the same limbs, its own time.
    fn open_removal(&mut self, earlier: usize, i: usize) {
        let source = &self.frames[earlier];
        let mut off = Frame::new(
            source.kind.clone(),
            &self.items[i],
            self.sentence,
            self.clause,
        );
        off.places = source.places.clone();
        off.place_times = vec![None; source.places.len()];
        off.removed = true;
        off.negated = self.negation || self.hypothetical;
        self.push_open(off);
    }

    fn end_clause(&mut self) {
        self.negation = false;
        self.removing = false;
        self.over_clothing = false;
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
        self.header_place_for_tourniquet();
        self.time_after_semicolon();
        let places = std::mem::take(&mut self.sentence_places);
        if places.is_empty() || self.frames.iter().any(|f| f.sentence == self.sentence) {
            return;
        }
        // study17: "Left leg corner: blank." reads out an empty field of a card.
        if self
            .sentence_said(self.sentence)
            .split_whitespace()
            .any(|w| w == "blank")
        {
            return;
        }
        let sentence = self.sentence;
        let Some(frame) = self.last_open_frame() else {
            return;
        };
        if frame.sentence + 1 != sentence {
            return;
        }
        for (place, end) in places {
            let attribute = Attribute::Place(place);
            if frame.accepts(&attribute) {
                frame.take(attribute, end);
            }
        }
    }

    /// The last frame, unless a casualty switch or a seal came after it (then nothing said
    /// later may add to it).
    fn last_open_frame(&mut self) -> Option<&mut Frame> {
        let last = self.frames.len().checked_sub(1)?;
        if last < self.frames_before_switch || last < self.sealed_before {
            return None;
        }
        self.frames.get_mut(last)
    }

    /// gaps10: "put the tourniquet high and tight; that's on now, right leg, fourteen
    /// oh-five": a ';' ends a sentence (study17), but a sentence after it that names no
    /// frame and says one time goes on about the last frame before the ';', which takes
    /// the time when it has none (its places come by `end_sentence`, as after a full stop).
    fn time_after_semicolon(&mut self) {
        if !self.after_semicolon || self.frames.iter().any(|f| f.sentence == self.sentence) {
            return;
        }
        let sentence = self.sentence;
        let mut times = self.floating_times.iter().filter(|(_, s)| *s == sentence);
        let (Some(&(clock, _)), None) = (times.next(), times.next()) else {
            return;
        };
        let Some(frame) = self.last_open_frame() else {
            return;
        };
        let attribute = Attribute::Time(clock);
        if frame.sentence + 1 != sentence || frame.time.is_some() || !frame.accepts(&attribute) {
            return;
        }
        frame.take(attribute, 0);
        self.floating_times.retain(|(_, s)| *s != sentence);
    }

    /// Handles the item at `i`; returns the index of the next item to read.
    fn step(&mut self, i: usize) -> usize {
        if let Some(next) = self.another_tourniquet_said_as_one(i) {
            return next;
        }
        if self.wound_referred_to(i) {
            return i + 1;
        }
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
                self.after_semicolon = self.text.get(item.start as usize) == Some(&';');
            }
            ItemKind::Word(w) => {
                if let Some(next) = self.description(i) {
                    return next;
                }
                if w == "line" {
                    if let Some(next) = self.nine_line_precedence(i) {
                        return next;
                    }
                }
                // extract3: "no ketamine because he's a P": a reason opens a statement of
                // its own; the denial before it does not reach into it.
                if matches!(w.as_str(), "because" | "cause" | "cuz" | "coz") {
                    self.negation = false;
                }
                // "AVPU P": the letter after the AVPU cue.
                let avpu = match w.as_str() {
                    "a" => Some(Avpu::Alert),
                    "v" => Some(Avpu::Voice),
                    "p" => Some(Avpu::Pain),
                    "u" => Some(Avpu::Unresponsive),
                    _ => None,
                };
                // study23: "AVPU: A.", "Item six: AVPU, V.": the letter as the whole
                // clause after the cue's own.
                let letter_clause = i >= 2
                    && matches!(self.kind_at(i - 1), Some(ItemKind::Comma))
                    && matches!(
                        self.kind_at(i - 2),
                        Some(ItemKind::Concept(Concept::Vital(VitalCue::Avpu)))
                    )
                    && (self.text.get(self.items[i].end as usize) == Some(&'.')
                        || matches!(
                            self.kind_at(i + 1),
                            None | Some(ItemKind::Comma | ItemKind::Stop)
                        ));
                let after_cue = letter_clause
                    || matches!(
                        self.previous_significant(i),
                        Some(ItemKind::Concept(Concept::Vital(VitalCue::Avpu)))
                    );
                if let (Some(avpu), true) = (avpu, after_cue) {
                    self.attribute(Attribute::Avpu(avpu), i);
                } else if let Some(avpu) = avpu.filter(|a| {
                    *a != Avpu::Alert
                        || matches!(i.checked_sub(1).and_then(|k| self.kind_at(k)), Some(ItemKind::Word(w)) if w == "an")
                }) {
                    let word_at = |k: usize| match self.kind_at(k) {
                        Some(ItemKind::Word(w)) => Some(w.as_str()),
                        _ => None,
                    };
                    // "V on AVPU": the letter before the cue.
                    let before_cue = word_at(i + 1) == Some("on")
                        && matches!(
                            self.kind_at(i + 2),
                            Some(ItemKind::Concept(Concept::Vital(VitalCue::Avpu)))
                        );
                    // "so he's a V", "still a V", "he was a P": the letter as what he is.
                    // study16a: "he's a V now", "so he's an A. Pain's a nine" (a letter
                    // and its full stop read as an initial).
                    let full_stop = self.text.get(self.items[i].end as usize) == Some(&'.');
                    let ends = full_stop
                        || matches!(
                            self.kind_at(i + 1),
                            None | Some(ItemKind::Comma | ItemKind::Stop)
                        )
                        || (word_at(i + 1) == Some("now")
                        && matches!(
                            self.kind_at(i + 2),
                            None | Some(ItemKind::Comma | ItemKind::Stop)
                        ));
                    let spoken_before = |k: usize| -> String {
                        self.items
                            .get(k)
                            .and_then(|item| {
                                self.text.get(
                                    item.start as usize..(item.end as usize).min(self.text.len()),
                                )
                            })
                            .unwrap_or_default()
                            .iter()
                            .filter(|c| c.is_alphabetic())
                            .flat_map(|c| c.to_lowercase())
                            .collect()
                    };
                    // study15: "One's a V": a casualty number said with "'s".
                    let number_is = i >= 2
                        && matches!(self.kind_at(i - 2), Some(ItemKind::Number(_)))
                        && spoken_before(i - 2).ends_with('s');
                    let is_a = i >= 2
                        && matches!(word_at(i - 1), Some("a" | "an"))
                        && (number_is
                            || matches!(
                                spoken_before(i - 2).as_str(),
                                "hes" | "shes" | "s" | "is" | "still" | "now" | "was"
                            ));
                    if before_cue {
                        self.open_frame(FrameKind::Avpu(avpu), i);
                        return i + 3;
                    }
                    if is_a && ends {
                        let index = self.open_frame(FrameKind::Avpu(avpu), i);
                        self.frames[index].reason = self.said_as_reason(i);
                    }
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
            ItemKind::Ratio(a, b) => {
                if self.ratio_opens_pressure(*a, *b, i) {
                    self.open_frame(FrameKind::Vital(VitalCue::BloodPressure), i);
                }
                self.attribute(Attribute::Ratio(*a, *b), i)
            }
            ItemKind::Number(number) => {
                if let Some(next) = self.description(i) {
                    return next;
                }
                // "25 year old", "thirty feet", "18 gauge": a number with a measure that
                // is no sign, dose or time.
                if self.measure_follows(i) {
                    return i + 2;
                }
                if let Some((second, last)) = self.casualty_pair(number, i) {
                    // study15: "HPMKs on one and three", "ertapenem one gram for one and three":
                    // what the clause said concerns each casualty of the pair.
                    let first = number.as_integer().unwrap_or(1) as CasualtyId;
                    let (start, end) = (self.items[i].start, self.items[last].end);
                    self.switch_keeping_clause(
                        Action::SwitchToList {
                            casualties: vec![first, second],
                            start,
                            end,
                        },
                        true,
                    );
                    return last + 1;
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
            // study15: "eighty, no, eighty-four", "left, no, right leg": a bare "no"
            // between two values of a kind corrects the first.
            Concept::Negation if self.no_between_values(i) => {
                self.kinds_before_cue.clone_from(&self.kinds_said);
                self.correcting = true;
                self.sealed_before = self.frames.len();
                self.open = None;
            }
            // study17: "moxi no, can't swallow": a bare "no" right after an act named
            // alone denies that act.
            Concept::Negation if self.no_after_named_act(i) => {
                if let Some(o) = self.open {
                    self.frames[o].negated = true;
                }
            }
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
                self.group_said = Some(count);
                if let Some(count) = count.filter(|c| *c >= 2) {
                    self.order.push(Step::Action(Action::Announce { count }));
                }
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
            Concept::StillOn => {
                // "tourniquet still on": the one already on, not a new one; a dose said
                // after it in the sentence is still new.
                if let Some(o) = self.open.filter(|&o| {
                    let frame = &self.frames[o];
                    frame.sentence == self.sentence
                        && frame.clause == self.clause
                        && matches!(
                            frame.kind,
                            FrameKind::Tourniquet(_) | FrameKind::Treatment(_)
                        )
                }) {
                    self.frames[o].negated = true;
                }
            }
            Concept::Removed | Concept::Off => {
                // "tourniquet off", "TQ released": the tourniquet just named came off;
                // "removed the tourniquet": the one named next in the clause.
                let open_tourniquet = self.open_tourniquet_in_clause();
                match open_tourniquet {
                    Some(o) => self.frames[o].removed = true,
                    None => match self.removal_of_earlier_tourniquet(i) {
                        Some(earlier) => self.open_removal(earlier, i),
                        None if concept == Concept::Removed => self.removing = true,
                        None => {}
                    },
                }
            }
            Concept::OverClothing => {
                // "tourniquet right leg over the uniform": the tourniquet just named;
                // "over his trousers, CAT on the right leg": the one named next.
                let open_tourniquet = self.open_tourniquet_in_clause();
                match open_tourniquet {
                    Some(o) => self.frames[o].over_clothing = true,
                    None => self.over_clothing = true,
                }
            }
            Concept::Not => return self.not(i),
            Concept::Correction => {
                self.kinds_before_cue.clone_from(&self.kinds_said);
                self.correcting = true;
                self.sealed_before = self.frames.len();
                self.open = None;
            }
            // study19: "undo" is a command to the device only when said alone ("Undo. That
            // was the other casualty."); "undo his belt" is a verb on a thing.
            Concept::Retraction
                if self.said_lower(i) == "undo"
                    && !matches!(self.kind_at(i + 1), None | Some(ItemKind::Stop)) => {}
            Concept::Retraction => {
                self.correcting = true;
                if self.retraction.is_none() {
                    self.retraction = Some((self.frames.len(), item.start, item.end));
                }
                self.sealed_before = self.frames.len();
                self.open = None;
            }
            Concept::EvacCue => self.has_evac_cue = true,
            Concept::SameTime => {
                // study18: "moxi, four hundred by mouth, same time": the frame open in
                // this sentence.
                if let Some(o) = self
                    .open
                    .filter(|&o| self.frames[o].sentence == self.sentence)
                {
                    self.frames[o].same_time = true;
                }
            }
            Concept::AllCasualties => {
                let item = &self.items[i];
                let (start, end) = (item.start, item.end);
                // extract3: "blizzard bags on both of them", "ertapenem for both of them",
                // "same blast got both of them": what the clause said before concerns
                // each of them.
                // "weapons are off both of them": the disarm said just before is each one's.
                let keep = matches!(
                    i.checked_sub(1).and_then(|k| self.kind_at(k)),
                    Some(ItemKind::Word(w)) if matches!(
                        w.as_str(),
                        "on" | "for" | "to" | "into" | "in" | "got" | "hit" | "caught" | "over"
                    )
                ) || matches!(
                    i.checked_sub(1).and_then(|k| self.kind_at(k)),
                    Some(ItemKind::Concept(Concept::Disarmed))
                );
                self.switch_keeping_clause(Action::SwitchToAll { start, end }, keep);
                let step = self
                    .order
                    .iter()
                    .rposition(|s| matches!(s, Step::Action(Action::SwitchToAll { .. })));
                self.all_scope = step.map(|step| (step, self.sentence));
            }
            Concept::Route(route) => {
                // "gave him a second lozenge", "another lollipop": the oral transmucosal
                // form is fentanyl's; said with no drug in its sentence it names the drug.
                if route == Route::Otfc && !self.drug_in_sentence(i) {
                    self.open_frame(FrameKind::Medication("fentanyl"), i);
                }
                self.attribute(Attribute::Route(route), i);
            }
            // study19: "A and O times two" (oriented to two of four) says the casualty is
            // not fully oriented; it is no "alert" (the level comes from what he responds
            // to, "eyes open to voice"). "A and O times three" or "times four" is alert.
            Concept::Avpu(Avpu::Alert) if self.partly_oriented(i) => {}
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
            // study21: "that's no allergy" judges a reaction, it is no NKDA.
            Concept::NoKnownAllergies if self.reaction_judged(i) => {}
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
            // study16a: "sats ninety-seven on the oxygen": the oxygen a reading was taken
            // on restates the oxygen given (the extractor files it only if none was).
            Concept::Treatment(TreatmentKind::Oxygen) if self.reading_on(i) => {
                let index = self.open_frame(FrameKind::Treatment(TreatmentKind::Oxygen), i);
                self.frames[index].reading_on = true;
            }
            other => {
                if let Some(kind) = anchor_kind(&other) {
                    if self.type_of_open_frame(&kind, i) || self.reading_on_oxygen(&kind, i) {
                        return i + 1;
                    }
                    let binder = kind == FrameKind::Treatment(TreatmentKind::Other)
                        && self.spoken_has(i, &["pelvic", "binder", "pelvis"]);
                    let index = self.open_frame(kind, i);
                    if other == Concept::OpenFracture {
                        self.frames[index].open = true;
                    }
                    if other == Concept::Evisceration {
                        self.frames[index].eviscerated = true;
                    }
                    if self.shot_at_a_time(i) {
                        self.open_frame(FrameKind::InjuryTime, i);
                    }
                    // A pelvic binder (or sling) goes on the pelvis: its site is its name.
                    let pelvis = Attribute::Place(Place {
                        part: Part::Pelvis,
                        side: None,
                    });
                    if binder && self.frames[index].accepts(&pelvis) {
                        let end = self.items[i].end;
                        self.frames[index].take(pelvis, end);
                    }
                }
            }
        }
        i + 1
    }

    /// extract3: the level-of-response letter at `i` ("he was a P") is given as a reason:
    /// "because", "since", "cause" or "but" lead into its clause, or "so" follows it.
    fn said_as_reason(&self, i: usize) -> bool {
        let mut j = i;
        while let Some(previous) = j.checked_sub(1) {
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Comma | ItemKind::Stop) | None => break,
                Some(ItemKind::Concept(Concept::But)) => return true,
                Some(ItemKind::Word(w))
                    if matches!(w.as_str(), "because" | "since" | "cause" | "cuz" | "coz") =>
                {
                    return true;
                }
                _ => {}
            }
        }
        let so_at = |k: usize| matches!(self.kind_at(k), Some(ItemKind::Word(w)) if w == "so");
        so_at(i + 1) || (matches!(self.kind_at(i + 1), Some(ItemKind::Comma)) && so_at(i + 2))
    }

    /// extract3: the words of sentence `sentence` as said, in lower case.
    /// The text of sentence `sentence` (0-based) in lower case, from its first item up to
    /// the stop that ends it (or the end of the utterance): unlike [`Self::sentence_said`],
    /// it keeps the plain words after its last item ("… on his card, not this one").
    fn sentence_to_its_stop(&self, sentence: u32) -> String {
        let mut current = 0;
        let mut start = None;
        let mut end = self.text.len();
        for item in self.items {
            if item.kind == ItemKind::Stop {
                if current == sentence {
                    end = item.start as usize;
                    break;
                }
                current += 1;
                continue;
            }
            if current == sentence {
                start = start.or(Some(item.start as usize));
            }
        }
        let Some(start) = start else {
            return String::new();
        };
        self.text
            .get(start..end.min(self.text.len()))
            .unwrap_or_default()
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect()
    }

    fn sentence_said(&self, sentence: u32) -> String {
        let mut current = 0;
        let (mut start, mut end) = (None, 0);
        for item in self.items {
            if item.kind == ItemKind::Stop {
                if current == sentence {
                    break;
                }
                current += 1;
                continue;
            }
            if current == sentence {
                start = start.or(Some(item.start));
                end = item.end;
            }
        }
        let Some(start) = start else {
            return String::new();
        };
        self.text
            .get(start as usize..(end as usize).min(self.text.len()))
            .unwrap_or_default()
            .iter()
            .flat_map(|c| c.to_lowercase())
            .map(|c| {
                if c.is_alphanumeric() || c == '\'' {
                    c
                } else {
                    ' '
                }
            })
            .collect()
    }

    /// extract3: tourniquets said without a limb: "a second CAT above the first one" shares
    /// the first one's limb; "junctional tourniquet, right side" keeps the side said.
    fn tourniquets_without_a_limb(&mut self) {
        const BESIDE: &[&str] = &[
            "above the first",
            "below the first",
            "proximal to the first",
            "distal to the first",
            "next to the first",
            "beside the first",
            "higher than the first",
            "above the other",
            "proximal to the other",
            "above the old",
            "above the original",
            "above the existing",
            "proximal to the existing",
            "above it",
            "proximal to it",
            "above that one",
            "above the other one",
        ];
        for index in 0..self.frames.len() {
            let frame = &self.frames[index];
            let FrameKind::Tourniquet(kind) = frame.kind else {
                continue;
            };
            if !frame.places.is_empty() {
                continue;
            }
            let said = self.sentence_said(frame.sentence);
            let words: Vec<&str> = said.split_whitespace().collect();
            let joined = format!(" {} ", words.join(" "));
            let beside = BESIDE.iter().any(|p| joined.contains(&format!(" {p} ")));
            let side = if kind == TourniquetKind::Junctional {
                // adv15: "SAM junctional, left, cinched" (fresh10 B1): a bare side word
                // says the side as well as "left side", unless it is the verb ("we left
                // it") or not a side at all ("right now", "all right").
                let said_side = |side: &str| {
                    words.iter().enumerate().any(|(k, w)| {
                        let before = k.checked_sub(1).and_then(|b| words.get(b)).copied();
                        let after = words.get(k + 1).copied();
                        *w == side
                            && !before.is_some_and(|b| NOT_A_SIDE_BEFORE.contains(&b))
                            && !after.is_some_and(|a| NOT_A_SIDE_AFTER.contains(&a))
                    })
                };
                let left = said_side("left");
                let right = said_side("right");
                match (left, right) {
                    (true, false) => Some(Side::Left),
                    (false, true) => Some(Side::Right),
                    _ => None,
                }
            } else {
                None
            };
            let frame = &mut self.frames[index];
            frame.beside_first = beside;
            frame.side_only = side;
        }
    }

    /// study15: a place was said earlier in the sentence of item `i` (one a correction
    /// after it may say again).
    /// gaps10: "X on the belly, left lower, frag", "Abdomen, lower, shrapnel": the wound
    /// word at `i` is its whole clause (with glue words), the clauses before it say only
    /// where on a place ("left lower", "upper quadrant"), and the clause before those is
    /// only a place that names a region without a side ("X on the belly"), marked or not.
    /// The end of that place's item; none when anything else was said there (a place said
    /// with a finding, "belly's soft, frag", stays no wound).
    fn place_clause_before_bare_wound(&self, i: usize) -> Option<u32> {
        const WHERE_ON: &[&str] = &[
            "upper",
            "lower",
            "mid",
            "middle",
            "quadrant",
            "side",
            "left",
            "right",
            "the",
            "of",
            "his",
            "her",
            "lateral",
            "medial",
            "anterior",
            "posterior",
            "front",
        ];
        const MARKS: &[&str] = &[
            "x", "mark", "marked", "an", "a", "on", "to", "at", "the", "his", "her",
        ];
        let word_in = |k: usize, list: &[&str]| matches!(self.kind_at(k), Some(ItemKind::Word(w)) if list.contains(&w.as_str()));
        let glue = |k: usize| matches!(self.kind_at(k), Some(ItemKind::Word(w)) if is_glue(w));
        let after = self.next_significant(i + 1);
        if !matches!(
            self.kind_at(after),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        ) {
            return None;
        }
        // The wound word opens its clause.
        let mut k = i;
        while k > 0 && glue(k - 1) {
            k -= 1;
        }
        if !matches!(
            k.checked_sub(1).and_then(|c| self.kind_at(c)),
            Some(ItemKind::Comma)
        ) {
            return None;
        }
        let mut comma = k - 1;
        // Clauses that only say where on the place.
        loop {
            let mut start = comma;
            while start > 0 && word_in(start - 1, WHERE_ON) {
                start -= 1;
            }
            if start == comma {
                break;
            }
            match start.checked_sub(1).map(|c| (c, self.kind_at(c))) {
                Some((c, Some(ItemKind::Comma))) => comma = c,
                _ => return None,
            }
        }
        // The place's own clause: marks and the place only.
        let mut place = None;
        let mut start = comma;
        while let Some(k) = start.checked_sub(1) {
            match self.kind_at(k) {
                Some(ItemKind::Comma | ItemKind::Stop) => break,
                Some(ItemKind::Place(p)) if place.is_none() && !p.is_lateral() => place = Some(k),
                _ if word_in(k, MARKS) => {}
                _ => return None,
            }
            start = k;
        }
        place.map(|k| self.items[k].end)
    }

    fn place_said_before(&self, i: usize) -> bool {
        self.items[..i]
            .iter()
            .rev()
            .take_while(|item| item.kind != ItemKind::Stop)
            .any(|item| matches!(item.kind, ItemKind::Place(_)))
    }

    /// study15: "no" said as a clause of its own, after a value and before another of
    /// the same kind in its sentence: "eighty, no, eighty-four", "twenty-one ten, no,
    /// twenty-one twelve", "thirty, no, I counted, twenty-eight", "the left, no, right
    /// leg". "Left leg, no, no other wounds" has no value after it.
    fn no_between_values(&self, i: usize) -> bool {
        // ext16: or as a sentence of its own ("Pulse one twenty. No. One ten.").
        let alone = i > 0
            && matches!(self.kind_at(i - 1), Some(ItemKind::Comma | ItemKind::Stop))
            && matches!(self.kind_at(i + 1), Some(ItemKind::Comma | ItemKind::Stop));
        if !alone {
            return false;
        }
        // 1: a number, time or amount; 2: a place or side.
        let class = |kind: &ItemKind| match kind {
            ItemKind::Number(_)
            | ItemKind::Clock(_)
            | ItemKind::Quantity { .. }
            | ItemKind::Ratio(..) => Some(1),
            ItemKind::Place(_) | ItemKind::Concept(Concept::Side(_)) => Some(2),
            _ => None,
        };
        // The clauses around "no", read over a short aside of words ("he says", "I
        // counted"): the value before must end its clause, the one after open its own
        // (after words such as "he said").
        let aside = |clause: &[Item]| {
            clause.len() <= 3
                && clause
                    .iter()
                    .all(|item| matches!(item.kind, ItemKind::Word(_)))
        };
        let is_bound = |item: &Item| matches!(item.kind, ItemKind::Comma | ItemKind::Stop);
        let mut end = i - 1;
        let before = loop {
            let start = self.items[..end]
                .iter()
                .rposition(is_bound)
                .map_or(0, |p| p + 1);
            let clause = &self.items[start..end];
            if aside(clause) && start > 0 && self.items[start - 1].kind == ItemKind::Comma {
                end = start - 1;
                continue;
            }
            break clause.last().and_then(|item| class(&item.kind));
        };
        let mut start = i + 2;
        let after = loop {
            let end = self.items[start..]
                .iter()
                .position(is_bound)
                .map_or(self.items.len(), |p| start + p);
            let clause = &self.items[start..end];
            if aside(clause) && self.kind_at(end) == Some(&ItemKind::Comma) {
                start = end + 1;
                continue;
            }
            break clause
                .iter()
                .find(|item| !matches!(item.kind, ItemKind::Word(_)))
                .and_then(|item| class(&item.kind));
        };
        before.is_some() && before == after
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
            // study21: "that tourniquet is not mine, the CLS put it on", "the seal wasn't
            // me": "not" before whose work it was denies the doer, not the act; care by
            // someone else is still care on this casualty. ("He's not mine", said of a
            // person, is someone else's casualty: `someone_elses_casualty`.)
            Some(ItemKind::Word(w)) if matches!(w.as_str(), "mine" | "me" | "ours") => {
                return next + 1;
            }
            _ => {}
        }
        if let Some(o) = self.open.filter(|&o| {
            self.frames[o].clause == self.clause && self.frames[o].sentence == self.sentence
        }) {
            self.frames[o].negated = true;
        } else if self.denied_act_follows(i) {
            // "we're not giving Hextend", "not gonna start fluids": with nothing said
            // before it in its clause, "not" before an act denies it, as "no" does.
            self.negation = true;
        }
        i + 1
    }

    /// study17: "Right thigh: CAT, on at 1510": a limb said as the heading of a sentence,
    /// taken by no frame, is the place of the sentence's one tourniquet said after it with
    /// no limb of its own.
    fn header_place_for_tourniquet(&mut self) {
        let sentence = self.sentence;
        let mut bare = self.frames.iter().enumerate().filter(|(_, f)| {
            f.sentence == sentence
                && matches!(f.kind, FrameKind::Tourniquet(_))
                && f.places.is_empty()
                && !f.negated
        });
        let (Some((index, frame)), None) = (bare.next(), bare.next()) else {
            return;
        };
        let start = frame.start;
        let mut heading = self
            .sentence_places
            .iter()
            .enumerate()
            .filter(|(_, (place, end))| *end <= start && place.side.is_some());
        let (Some((k, (place, _))), None) = (heading.next(), heading.next()) else {
            return;
        };
        let attribute = Attribute::Place(*place);
        if self.frames[index].accepts(&attribute) {
            let (place, end) = self.sentence_places.remove(k);
            self.frames[index].take(Attribute::Place(place), end);
        }
    }

    /// study17: "sats ninety-five on the oxygen": a reading taken on oxygen already
    /// running, not oxygen started.
    fn reading_on_oxygen(&self, kind: &FrameKind, i: usize) -> bool {
        let on_before = (1..=2).any(|back| {
            i.checked_sub(back)
                .is_some_and(|j| matches!(self.kind_at(j), Some(ItemKind::Word(w)) if w == "on"))
        });
        *kind == FrameKind::Treatment(TreatmentKind::Oxygen) && on_before && self.clause_has_vital()
    }

    /// study17: "tourniquet, right leg: type CAT": a kind named after "type" is the type
    /// of the same thing opened earlier in the sentence, not a second one.
    fn type_of_open_frame(&self, kind: &FrameKind, i: usize) -> bool {
        let after_type = i
            .checked_sub(1)
            .is_some_and(|j| matches!(self.kind_at(j), Some(ItemKind::Word(w)) if w == "type"));
        after_type
            && self.open.is_some_and(|o| {
                let frame = &self.frames[o];
                frame.sentence == self.sentence
                    && std::mem::discriminant(&frame.kind) == std::mem::discriminant(kind)
            })
    }

    /// study17: "no" said straight after a drug or act that opened the clause's last frame,
    /// with the clause ending after it ("MOXI no, can't PO"); ext10: or as the whole clause
    /// after the act named alone ("Morphine, no, not with that pressure").
    fn no_after_named_act(&self, i: usize) -> bool {
        let Some(o) = self.open else {
            return false;
        };
        let frame = &self.frames[o];
        let act = matches!(
            frame.kind,
            FrameKind::Medication(_)
                | FrameKind::Treatment(_)
                | FrameKind::Fluid(_)
                | FrameKind::Tourniquet(_)
        );
        let anchor_at = |j: usize| matches!(self.kind_at(j), Some(ItemKind::Concept(concept)) if anchor_kind(concept).is_some());
        let straight_after = frame.clause == self.clause && i.checked_sub(1).is_some_and(anchor_at);
        // ext10: "Morphine, no, not with that pressure": the act named as a clause of its
        // own, then "no" as the whole next clause.
        let own_clause_before = i >= 2
            && frame.clause + 1 == self.clause
            && matches!(self.kind_at(i - 1), Some(ItemKind::Comma))
            && anchor_at(i - 2)
            && self.items[i - 2].start == frame.start
            && matches!(
                i.checked_sub(3).map(|j| self.kind_at(j)),
                None | Some(None | Some(ItemKind::Comma | ItemKind::Stop))
            );
        act && frame.sentence == self.sentence
            && frame.is_bare()
            && (straight_after || own_clause_before)
            && matches!(
                self.kind_at(i + 1),
                None | Some(ItemKind::Comma | ItemKind::Stop)
            )
    }

    /// After "not": an anchor follows, with only words of doing between ("not giving",
    /// "not gonna start any"); "not stopped, tourniquet" is no denial of the tourniquet.
    fn denied_act_follows(&self, i: usize) -> bool {
        const DOING: &[&str] = &[
            "giving", "give", "gonna", "going", "to", "start", "starting", "doing", "do", "use",
            "using", "put", "putting", "place", "placing", "hang", "hanging", "push", "pushing",
            "apply", "applying", "a", "an", "any", "the", "him", "her", "yet", "more", "another",
            "worth", "on",
            // study18: said to the casualty ("I'm not giving you morphine").
            "you",
        ];
        let mut j = i + 1;
        while let Some(ItemKind::Word(w)) = self.kind_at(j) {
            if !DOING.contains(&w.as_str()) {
                return false;
            }
            j += 1;
        }
        // study16a: "I'm not hanging the second unit": a further unit of a fluid.
        let further_unit = matches!(
            self.kind_at(j),
            Some(ItemKind::Concept(Concept::Ordinal(2..) | Concept::Another))
        ) && matches!(self.kind_at(j + 1), Some(ItemKind::Word(w)) if w == "unit" || w == "bag");
        further_unit
            || matches!(self.kind_at(j), Some(ItemKind::Concept(concept)) if anchor_kind(concept).is_some())
    }

    /// Applies what only the whole utterance shows: shared vital times, evacuation cues,
    /// retractions and corrections, then lists the actions in order.
    /// study19: "give him the morphine, we don't carry it, I give him the fentanyl lozenge
    /// instead": a drug named bare (no dose, route, time) before another drug said
    /// "instead" in the same sentence is the one not given. "Instead of" names what was
    /// not given after it, and a drug with its dose is a report of its own.
    fn drop_replaced_by_instead(&self, dropped: &mut [bool]) {
        let mut sentence = 0u32;
        for item in self.items {
            match &item.kind {
                ItemKind::Stop => sentence += 1,
                ItemKind::Word(w) if w == "instead" => {
                    let said = item.start;
                    let medication = |f: &Frame| matches!(f.kind, FrameKind::Medication(_));
                    let replacement = self
                        .frames
                        .iter()
                        .any(|g| medication(g) && g.sentence == sentence && g.start < said);
                    for (index, f) in self.frames.iter().enumerate() {
                        let bare = f.quantity.is_none()
                            && f.route.is_none()
                            && f.time.is_none()
                            && f.number.is_none();
                        let before_another = self.frames.iter().any(|g| {
                            medication(g)
                                && g.sentence == sentence
                                && g.start > f.end
                                && g.start < said
                        });
                        if medication(f)
                            && bare
                            && f.sentence == sentence
                            && replacement
                            && before_another
                        {
                            dropped[index] = true;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// study19: "A and O times two": the alert cue at `i` is followed by "times" and a
    /// count of orientations below three.
    fn partly_oriented(&self, i: usize) -> bool {
        matches!(self.kind_at(i + 1), Some(ItemKind::Word(w)) if w == "times" || w == "x")
            && matches!(self.kind_at(i + 2), Some(ItemKind::Number(n)) if n.value < 3.0)
    }

    /// study19: "Urgent, male, he needs a hospital.", "Priority, and put female on it.": a
    /// category word that opens the utterance as a clause of its own is the casualty's
    /// category without the word "evac" ("it's urgent that…" opens with other words).
    fn category_opens_utterance(&self, start: u32) -> bool {
        self.items.first().is_some_and(|item| item.start == start)
            && matches!(self.kind_at(1), Some(ItemKind::Comma))
    }

    /// study19: terse or whispered narration, one phrase a sentence ("pressure drsg. right
    /// calf. two three one five."): a clock time said as a sentence of its own dates the
    /// last act said before it when it has no time. A reading before it is not dated this
    /// way, nor an act before a time that vital signs follow (a time said alone before
    /// signs dates the signs after it), nor an act of an earlier utterance.
    fn time_alone_after_act(&mut self) {
        // ext17: every sentence of the utterance, not only its last ("TQ right leg. Zero
        // one fifteen. Tight.", "Ketamine twenty milligrams slow IV. Pushed at twelve oh
        // five.").
        let mut opens = 0;
        let mut sentence = 0u32;
        while opens < self.items.len() {
            let stop = self.items[opens..]
                .iter()
                .position(|item| item.kind == ItemKind::Stop)
                .map_or(self.items.len(), |p| opens + p);
            if stop > opens {
                self.time_alone_in(opens, stop - 1, sentence);
            }
            opens = stop + 1;
            sentence += 1;
        }
    }

    /// The sentence `sentence`, items `opens..=last`, when it says a time alone: the time
    /// of the latest act said before it, in the three sentences before, if it has none.
    fn time_alone_in(&mut self, opens: usize, last: usize, sentence: u32) {
        // "two three two zero": four digits said alone read as a 24-hour time.
        let clock_of = |item: &Item| match &item.kind {
            ItemKind::Clock(clock) => Some(*clock),
            ItemKind::Number(n) if n.digits.len() == 4 => n.as_clock(),
            _ => None,
        };
        // ext16: "Time is zero nine twelve, write that on the strap.": the time's clause may
        // say it is the time, and clauses of plain words may follow it.
        let first_comma = self.items[opens..=last]
            .iter()
            .position(|item| item.kind == ItemKind::Comma)
            .map_or(last + 1, |p| opens + p);
        let time_or_at =
            |item: &Item| clock_of(item).is_some() || item.kind == ItemKind::Concept(Concept::At);
        let alone = self.items[opens..first_comma].iter().all(|item| {
            time_or_at(item)
                || matches!(&item.kind, ItemKind::Word(w) if TIME_SAID_WORDS.contains(&w.as_str()))
        }) && self.items[first_comma..=last].iter().all(|item| {
            time_or_at(item) || matches!(item.kind, ItemKind::Comma | ItemKind::Word(_))
        });
        let mut clocks = self.items[opens..=last].iter().filter_map(clock_of);
        let (Some(clock), None, true) = (clocks.next(), clocks.next(), alone) else {
            return;
        };
        let attribute = Attribute::Time(clock);
        if self
            .frames
            .iter()
            .any(|f| f.sentence == sentence + 1 && f.is_vital())
        {
            return;
        }
        let floor = self.frames_before_switch.max(self.sealed_before);
        let Some(index) = self.frames.iter().rposition(|f| f.sentence < sentence) else {
            return;
        };
        if index < floor {
            return;
        }
        let frame = &mut self.frames[index];
        let act = !frame.is_vital() && !matches!(frame.kind, FrameKind::Evac(_));
        if act
            && frame.sentence + 3 >= sentence
            && frame.time.is_none()
            && frame.accepts(&attribute)
        {
            frame.take(attribute, 0);
            self.floating_times.retain(|(_, s)| *s != sentence);
        }
    }

    /// study19 (and studied18's f8-08): "packed the wound with Combat Gauze, pressure
    /// bandage over it, ten fifty five": a wound packed and a dressing put over it in one
    /// sentence are one procedure, so the time said for the dressing dates the packing.
    /// Only a dressing said "over it", "over the top", "on top" or "over that" reaches
    /// back; two dressings on two places, or in two sentences, keep their own times.
    fn packing_dated_by_its_cover(&mut self) {
        for b in 0..self.frames.len() {
            let cover = &self.frames[b];
            let (Some(time), FrameKind::Treatment(TreatmentKind::PressureDressing)) =
                (cover.time, &cover.kind)
            else {
                continue;
            };
            let (sentence, cover_start) = (cover.sentence, cover.start);
            let said_over = self.items.iter().enumerate().any(|(k, item)| {
                item.start >= cover_start
                    && matches!(&item.kind, ItemKind::Word(w) if w == "over" || w == "on")
                    && matches!(self.kind_at(k + 1), Some(ItemKind::Word(w)) if matches!(w.as_str(), "it" | "that" | "top" | "the"))
                    && (!matches!(self.kind_at(k + 1), Some(ItemKind::Word(w)) if w == "the")
                        || matches!(self.kind_at(k + 2), Some(ItemKind::Word(w)) if w == "top"))
                    && self.items[..k].iter().filter(|i| i.kind == ItemKind::Stop).count()
                        as u32
                        == sentence
            });
            if !said_over {
                continue;
            }
            for a in 0..b {
                let packing = &self.frames[a];
                if packing.sentence == sentence
                    && packing.time.is_none()
                    && matches!(
                        packing.kind,
                        FrameKind::Treatment(TreatmentKind::HemostaticDressing)
                    )
                    && !packing.negated
                {
                    self.frames[a].time = Some(time);
                }
            }
        }
    }

    /// study19: "the gunner's got a sore neck, he's walking around, he's someone else's
    /// card": a person the narrator says is not his to document is no casualty of this
    /// record. The description or number said in that sentence switches to no one and the
    /// sentence's facts are dropped; what follows goes on about the casualty before.
    fn someone_elses_casualty(&mut self, dropped: &mut [bool]) {
        const NOT_MINE: &[&str] = &[
            "someone else's card",
            "somebody else's card",
            "someone else's casualty",
            "somebody else's casualty",
            "not my casualty",
            "not my patient",
            "not mine to",
            // set 20: "the driver was still strapped in, Sergeant Ruiz took him, he's not
            // mine"; "casualty one got his TXA ten minutes ago, that's on his card, not
            // this one".
            "he's not mine",
            "she's not mine",
            "he is not mine",
            "she is not mine",
            "on his card, not this one",
            "on her card, not this one",
        ];
        let sentences = self.sentence + 1;
        for sentence in 0..sentences {
            let said = self.sentence_to_its_stop(sentence);
            if !NOT_MINE.iter().any(|phrase| said.contains(phrase)) {
                continue;
            }
            let in_sentence = |start: u32, items: &[Item]| sentence_at(items, start) == sentence;
            let items = self.items;
            // The person named in that sentence, by description or by number, is not
            // switched to: what follows stays with the casualty before.
            self.order.retain(|step| {
                !matches!(step,
                    Step::Action(
                        Action::Describe { start, .. }
                        | Action::Switch { start, .. }
                        | Action::Refer { start, .. }
                    ) if in_sentence(*start, items))
            });
            for (index, frame) in self.frames.iter().enumerate() {
                if frame.sentence == sentence {
                    dropped[index] = true;
                }
            }
        }
    }

    /// study23: "Loader took a scratch on his hand, he's fine, he put his own Band-Aid
    /// on": a crew member named by description, said to be fine and to have a minor
    /// injury or to have seen to it himself, is no casualty of this record. The
    /// description switches to no one and the sentence's facts are dropped, so what
    /// follows stays with the casualty being worked on. Both signs are needed: "the
    /// driver has a GSW to the thigh, he's fine for now" is a casualty.
    fn minor_self_care(&mut self, dropped: &mut [bool]) {
        const FINE: &[&str] = &[
            "he's fine",
            "she's fine",
            "he is fine",
            "she is fine",
            "he's okay",
            "she's okay",
            "he's ok",
            "she's ok",
            "he's good",
            "she's good",
            "he's all right",
            "she's all right",
        ];
        const MINOR_OR_SELF: &[&str] = &[
            "scratch", "scrape", "graze", "bruise", "nick", "his own", "her own", "himself",
            "herself", "self aid", "self-aid", "band-aid", "bandaid", "band aid",
        ];
        let sentences = self.sentence + 1;
        for sentence in 0..sentences {
            let said = self.sentence_to_its_stop(sentence);
            let has = |phrases: &[&str]| {
                phrases.iter().any(|phrase| {
                    said.match_indices(phrase).any(|(at, _)| {
                        let before = said[..at].chars().next_back();
                        let after = said[at + phrase.len()..].chars().next();
                        !before.is_some_and(char::is_alphanumeric)
                            && !after.is_some_and(char::is_alphanumeric)
                    })
                })
            };
            if !(has(FINE) && has(MINOR_OR_SELF)) {
                continue;
            }
            let items = self.items;
            let in_sentence = |start: u32| sentence_at(items, start) == sentence;
            // Only a person described (a role, a position), never a casualty number: "two's
            // fine, just a scratch" still speaks of casualty two.
            let described = self.order.iter().any(|step| {
                matches!(step,
                    Step::Action(Action::Describe { start, number: None, .. }) if in_sentence(*start))
            });
            if !described {
                continue;
            }
            self.order.retain(|step| {
                !matches!(step,
                    Step::Action(Action::Describe { start, number: None, .. }) if in_sentence(*start))
            });
            for (index, frame) in self.frames.iter().enumerate() {
                if frame.sentence == sentence {
                    dropped[index] = true;
                }
            }
        }
    }

    /// study23: "Did you give the driver anything? He got a pill pack from Ruiz": a
    /// question about the care of a person named by role ("the driver", "the other guy")
    /// is answered about that person, not the casualty being worked on. The answer's
    /// sentences (up to a casualty said by number or description) file nothing: when that
    /// person is a casualty of the record, the medic says so by switching.
    fn care_of_someone_asked_about(&mut self, dropped: &mut [bool]) {
        let mut stops = self
            .items
            .iter()
            .filter(|item| item.kind == ItemKind::Stop)
            .map(|item| item.start);
        let mut answering_from = None;
        for sentence in 0..=self.sentence {
            let stop = stops.next();
            let question = stop.is_some_and(|at| self.text.get(at as usize) == Some(&'?'));
            if !question {
                continue;
            }
            let said = self.sentence_to_its_stop(sentence);
            let words: Vec<&str> = said
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .collect();
            let asks_of_someone = words.windows(4).any(|w| {
                matches!(w[0], "give" | "gave" | "given")
                    && matches!(w[1], "the" | "your" | "that")
                    && (switching::names_a_person(w[2])
                        || (w[2] == "other" && switching::names_a_person(w[3])))
            });
            if asks_of_someone {
                answering_from = Some(sentence + 1);
                break;
            }
        }
        let Some(first) = answering_from else {
            return;
        };
        let items = self.items;
        let sentence_of = |start: u32| sentence_at(items, start);
        // The answer ends where a casualty is named.
        let until = self
            .order
            .iter()
            .filter_map(|step| match step {
                Step::Action(
                    Action::Switch { start, .. }
                    | Action::Refer { start, .. }
                    | Action::Describe { start, .. },
                ) => Some(sentence_of(*start)),
                _ => None,
            })
            .filter(|&s| s >= first)
            .min()
            .unwrap_or(u32::MAX);
        for (index, frame) in self.frames.iter().enumerate() {
            if frame.sentence >= first && frame.sentence < until {
                dropped[index] = true;
            }
        }
    }

    fn finish(mut self) -> Vec<Action> {
        self.time_alone_after_act();
        self.oral_route_said_before();
        self.share_times();
        self.packing_dated_by_its_cover();
        self.tourniquets_without_a_limb();
        if !self.has_evac_cue {
            for index in 0..self.frames.len() {
                let sentence = self.frames[index].sentence;
                if matches!(self.frames[index].kind, FrameKind::Evac(_))
                    && !self.only_evac_said(sentence)
                    && !self.category_said_of_casualty(self.frames[index].start)
                    && !self.category_opens_utterance(self.frames[index].start)
                {
                    self.frames[index].negated = true;
                }
            }
        }
        // study18: "urgent patients go straight there": a category naming a class of
        // patients is no casualty's category, evacuation word or not.
        for index in 0..self.frames.len() {
            if matches!(self.frames[index].kind, FrameKind::Evac(_))
                && self.category_of_a_class(self.frames[index].start)
            {
                self.frames[index].negated = true;
            }
        }
        let mut dropped = vec![false; self.frames.len()];
        self.replace_within_utterance(&mut dropped);
        self.allergen_corrected(&mut dropped);
        // "Just sulfa. Okay, sulfa allergy.": a drug named bare (no dose, route or time)
        // in the utterance that names it an allergen is the allergen, not a drug given.
        for (index, drop) in dropped.iter_mut().enumerate() {
            let frame = &self.frames[index];
            if let FrameKind::Medication(name) = &frame.kind {
                let bare = frame.quantity.is_none()
                    && frame.route.is_none()
                    && frame.time.is_none()
                    && frame.number.is_none();
                let allergen = self
                    .frames
                    .iter()
                    .any(|f| matches!(&f.kind, FrameKind::Allergen(a) if a.as_str() == *name));
                if bare && allergen {
                    *drop = true;
                }
            }
        }
        self.drop_replaced_by_instead(&mut dropped);
        self.someone_elses_casualty(&mut dropped);
        self.minor_self_care(&mut dropped);
        self.care_of_someone_asked_about(&mut dropped);
        // study16b: "tourniquet converted to a pressure dressing, tourniquet off at
        // seventeen thirty": one removal said twice, the second time with its time; the
        // timeless saying is no removal of its own.
        for index in 0..self.frames.len() {
            let frame = &self.frames[index];
            let timeless_removal = frame.removed
                && frame.time.is_none()
                && !frame.negated
                && matches!(frame.kind, FrameKind::Tourniquet(_));
            if !timeless_removal {
                continue;
            }
            let timed = self.frames.iter().enumerate().position(|(other, f)| {
                other != index
                    && !dropped[other]
                    && f.removed
                    && !f.negated
                    && f.time.is_some()
                    && f.sentence == frame.sentence
                    && f.kind == frame.kind
                    && (f.places.is_empty() || frame.places.is_empty() || f.places == frame.places)
            });
            if let Some(other) = timed {
                // The limb said once ("right leg tourniquet converted, tourniquet off at
                // 1730") stays with the removal.
                if self.frames[other].places.is_empty() && !frame.places.is_empty() {
                    self.frames[index].time = self.frames[other].time;
                    dropped[other] = true;
                } else {
                    dropped[index] = true;
                }
            }
        }
        // study16b: "Ketamine fifty IM into two, sixteen oh-six … Two got the ketamine": a
        // drug named bare after the same drug was said in full in this utterance restates
        // that dose; it is no second one.
        for index in 0..self.frames.len() {
            let frame = &self.frames[index];
            let bare = matches!(frame.kind, FrameKind::Medication(_))
                && frame.quantity.is_none()
                && frame.route.is_none()
                && frame.time.is_none()
                && frame.number.is_none()
                && !frame.another
                && !frame.negated;
            if bare
                && (0..index).any(|earlier| {
                    !dropped[earlier]
                        && !self.frames[earlier].negated
                        && self.frames[earlier].kind == frame.kind
                })
            {
                dropped[index] = true;
            }
        }
        // study15: "Private Lee burned a hole in his coveralls": a rank and a name in an
        // utterance that says nothing else of a casualty (no fact, no casualty or name cue)
        // is someone spoken about, not a casualty's name.
        let about_a_casualty = self.switched
            || self.frames.iter().enumerate().any(|(k, f)| {
                // A wound with no place is no fact ("burned a hole in his coveralls").
                let placeless_wound =
                    matches!(f.kind, FrameKind::Injury(..)) && f.places.is_empty();
                !dropped[k]
                    && !f.negated
                    && !placeless_wound
                    && !matches!(f.kind, FrameKind::Name(_))
            })
            || self.items.iter().any(|item| {
                matches!(
                    item.kind,
                    ItemKind::Concept(Concept::Casualty | Concept::NameCue)
                )
            });
        if !about_a_casualty {
            for (index, drop) in dropped.iter_mut().enumerate() {
                let frame = &self.frames[index];
                let by_rank = self.items.iter().any(|item| {
                    item.start == frame.start
                        && matches!(item.kind, ItemKind::Concept(Concept::RankCue))
                });
                if matches!(frame.kind, FrameKind::Name(_)) && by_rank {
                    *drop = true;
                }
            }
        }
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
                // A value whose kind was said before the cue corrects that value, which
                // no frame of this utterance held: nothing earlier is changed.
                let before_cue = std::mem::take(&mut self.kinds_before_cue);
                orphans
                    .into_iter()
                    .filter(|(attribute, _, _)| {
                        !before_cue.contains(&std::mem::discriminant(attribute))
                    })
                    .map(|(attribute, start, end)| Action::Amend {
                        attribute,
                        start,
                        end,
                    })
                    .collect()
            };
        let mut actions = extra;
        // study15: a mechanism said before any casualty is named belongs to the group
        // ("Mortar hit the FOB, four down. One by the wall, …").
        let mut named_yet = false;
        for step in std::mem::take(&mut self.order) {
            match step {
                Step::Action(action) => {
                    named_yet |= matches!(
                        action,
                        Action::Switch { .. }
                            | Action::Refer { .. }
                            | Action::Describe { .. }
                            | Action::SwitchToList { .. }
                            | Action::SwitchToNext { .. }
                    );
                    actions.push(action)
                }
                Step::Frame(index) => {
                    let frame = &self.frames[index];
                    if dropped[index] {
                        continue;
                    }
                    // "IED strike at 2305, two casualties", no casualty named: the group's
                    // mechanism and injury time, for each casualty named next.
                    match (&frame.kind, frame.time, self.group_said) {
                        (FrameKind::InjuryTime, Some(time), Some(count)) if !frame.negated => {
                            actions.push(Action::GroupInjuryTime {
                                time,
                                count,
                                start: frame.start,
                                end: frame.end,
                            });
                        }
                        (FrameKind::Mechanism(mechanism), _, Some(count))
                            if !frame.negated && (!self.switched || !named_yet) =>
                        {
                            actions.push(Action::GroupMechanism {
                                mechanism: *mechanism,
                                count,
                                start: frame.start,
                                end: frame.end,
                            });
                        }
                        _ => actions.push(Action::Assert(frame.clone())),
                    }
                }
            }
        }
        actions.extend(amendments);
        actions
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
        // A time said as a sentence of its own ("Eleven thirty five. Pulse ninety two.",
        // "Vitals zero eight zero eight. Pulse eighty four.") dates the vital signs of the
        // sentences after it in this utterance, up to the next such time. It never reaches
        // another utterance.
        let mut leading: Option<Clock> = None;
        for sentence in 0..sentences {
            let mut in_sentence = self.frames.iter().filter(|f| f.sentence == sentence);
            let own = if in_sentence.clone().next().is_none() {
                self.floating_times
                    .iter()
                    .find(|(_, s)| *s == sentence)
                    .map(|(clock, _)| *clock)
            } else if in_sentence
                .clone()
                .all(|f| matches!(f.kind, FrameKind::Vital(VitalCue::Set)))
            {
                // "Vitals zero eight zero eight."
                in_sentence.find_map(|f| f.time)
            } else {
                None
            };
            if own.is_some() {
                leading = own;
                continue;
            }
            let vital_said_time = self
                .frames
                .iter()
                .any(|f| f.sentence == sentence && f.is_vital() && f.time.is_some());
            if let (Some(time), false) = (leading, vital_said_time) {
                for frame in &mut self.frames {
                    if frame.sentence == sentence && frame.is_vital() && frame.time.is_none() {
                        frame.time = Some(time);
                    }
                }
            }
        }
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

    /// ext17: "tourniquet left leg at 1344; a second one on the left leg, on at 1350": "a
    /// second one" or "another one" with a limb said right after it, when the last thing
    /// said was a tourniquet put on, is a further tourniquet of that kind (with no limb
    /// said, which limb would be a guess).
    /// Returns the item after "one".
    fn another_tourniquet_said_as_one(&mut self, i: usize) -> Option<usize> {
        if !matches!(
            self.kind_at(i),
            Some(ItemKind::Concept(Concept::Ordinal(2..) | Concept::Another))
        ) {
            return None;
        }
        let one = match self.kind_at(i + 1) {
            Some(ItemKind::Number(n)) => n.as_integer() == Some(1),
            Some(ItemKind::Word(w)) => w == "one",
            _ => false,
        };
        if !one {
            return None;
        }
        let said_after =
            (i + 2..i + 5).any(|k| matches!(self.kind_at(k), Some(ItemKind::Place(_))));
        let floor = self.frames_before_switch.max(self.sealed_before);
        let last = self.frames.len().checked_sub(1).filter(|&l| l >= floor)?;
        let frame = &self.frames[last];
        let FrameKind::Tourniquet(kind) = frame.kind else {
            return None;
        };
        if !said_after || frame.negated || frame.removed || self.negation || self.hypothetical {
            return None;
        }
        self.open_frame(FrameKind::Tourniquet(kind), i + 1);
        Some(i + 2)
    }

    /// ext17: "packed into the back wound", "that wound": a wound of no kind named with a
    /// determiner is one already spoken of, not a new injury (its place still reaches the
    /// care said with it).
    fn wound_referred_to(&self, i: usize) -> bool {
        if !matches!(
            self.kind_at(i),
            Some(ItemKind::Concept(Concept::Injury(InjuryKind::Other, None)))
        ) || !matches!(self.said_lower(i).as_str(), "wound" | "wounds")
        {
            return false;
        }
        let mut j = i;
        while let Some(k) = j.checked_sub(1) {
            j = k;
            match self.kind_at(k) {
                Some(ItemKind::Place(_)) => {}
                Some(ItemKind::Word(w)) => {
                    return matches!(
                        w.as_str(),
                        "the" | "that" | "this" | "his" | "her" | "its" | "their" | "each"
                    );
                }
                _ => return false,
            }
        }
        false
    }

    /// ext17: the 9-line's line 3 for one patient ("Line three, one alpha"): the precedence
    /// code of that one patient (DOMAIN.md §4.2: A urgent, B urgent-surgical, C priority,
    /// D routine; E convenience has no card box) is the casualty's category. Two patients,
    /// or two codes, name no one casualty's. Returns the item after the code.
    fn nine_line_precedence(&mut self, i: usize) -> Option<usize> {
        let number = |k: usize| match self.kind_at(k) {
            Some(ItemKind::Number(n)) => n.as_integer(),
            _ => None,
        };
        if number(i + 1) != Some(3) {
            return None;
        }
        let mut k = i + 2;
        if matches!(self.kind_at(k), Some(ItemKind::Comma)) {
            k += 1;
        }
        if number(k) != Some(1) {
            return None;
        }
        let category = match self.kind_at(k + 1) {
            Some(ItemKind::Word(code)) => match code.as_str() {
                "alpha" | "alfa" | "bravo" => crate::record::Evac::Urgent,
                "charlie" => crate::record::Evac::Priority,
                "delta" => crate::record::Evac::Routine,
                _ => return None,
            },
            _ => return None,
        };
        let alone = match self.kind_at(k + 2) {
            None | Some(ItemKind::Stop) => true,
            Some(ItemKind::Comma) => {
                !matches!(
                    self.kind_at(k + 3),
                    Some(ItemKind::Number(_) | ItemKind::Word(_))
                ) || matches!(self.kind_at(k + 3), Some(ItemKind::Word(w)) if w == "line")
            }
            _ => false,
        };
        if !alone {
            return None;
        }
        self.has_evac_cue = true;
        self.open_frame(FrameKind::Evac(category), k + 1);
        self.open = None;
        Some(k + 2)
    }

    /// ext17: "Swallow this pill for me, it's moxifloxacin, four hundred milligrams": an
    /// oral route said in a clause before the drug's is that drug's route when the
    /// sentence names one drug without a route.
    fn oral_route_said_before(&mut self) {
        for (sentence, end) in std::mem::take(&mut self.oral_routes) {
            let mut drugs = self.frames.iter_mut().filter(|f| {
                f.sentence == sentence && matches!(f.kind, FrameKind::Medication(_)) && !f.negated
            });
            if let (Some(drug), None) = (drugs.next(), drugs.next()) {
                if drug.route.is_none() {
                    drug.take(Attribute::Route(Route::Po), end);
                }
            }
        }
    }

    /// study18: "Male, about twenty, he's urgent.", "you're priority", "I'm routine": a
    /// category said of the casualty as what he is (after "he's", "she's", "you're", "I'm",
    /// or "he is"…) is his category without the word "evac"; "it's urgent" is not.
    fn category_said_of_casualty(&self, start: u32) -> bool {
        let Some(i) = self.items.iter().position(|item| item.start == start) else {
            return false;
        };
        let mut words: Vec<&str> = Vec::new();
        let mut j = i;
        while let Some(k) = j.checked_sub(1) {
            j = k;
            match self.kind_at(k) {
                Some(ItemKind::Comma) if words.is_empty() => {}
                Some(ItemKind::Word(w)) if words.len() < 3 => words.push(w.as_str()),
                _ => break,
            }
        }
        let who = |w: &str| matches!(w, "he" | "she" | "hes" | "shes" | "youre" | "i'm");
        match words.as_slice() {
            // "he's" reads as "he" (the lexer takes "'s" for a possessive).
            [said, ..] if who(said) => true,
            ["is" | "am" | "are", said, ..] => matches!(*said, "he" | "she" | "i" | "you"),
            // ext17: "you're going out priority", "he goes out urgent".
            ["out", "going" | "goes", said] => who(said),
            _ => false,
        }
    }

    /// study18: the category word starting at `start` names a class ("urgent patients",
    /// "priority ones", "routine cases").
    /// study21: so do the categories said as a list of the scheme ("priority, urgent,
    /// routine, learn the evac categories"): a sentence that says "categories", or names
    /// three different categories and no casualty, names no casualty's category.
    fn category_of_a_class(&self, start: u32) -> bool {
        let Some(i) = self.items.iter().position(|item| item.start == start) else {
            return false;
        };
        let of_a_class = matches!(
            self.kind_at(i + 1),
            Some(ItemKind::Word(w)) if matches!(
                w.as_str(),
                "patients" | "casualties" | "ones" | "cases" | "guys" | "people"
            )
        );
        let opens = self.items[..i]
            .iter()
            .rposition(|item| item.kind == ItemKind::Stop)
            .map_or(0, |stop| stop + 1);
        let sentence: Vec<&Item> = self.items[opens..]
            .iter()
            .take_while(|item| item.kind != ItemKind::Stop)
            .collect();
        // ext17: "three is urgent, one is priority, two is routine": categories said of
        // casualty numbers are theirs.
        let of_numbers = sentence.windows(3).any(|w| {
            matches!(w[0].kind, ItemKind::Number(_))
                && matches!(&w[1].kind, ItemKind::Word(v) if matches!(v.as_str(), "is" | "goes" | "gets"))
                && matches!(w[2].kind, ItemKind::Concept(Concept::Evac(_)))
        });
        let sentence = sentence.into_iter();
        let mut categories: Vec<&crate::record::Evac> = Vec::new();
        let mut scheme = false;
        let mut casualty = false;
        for item in sentence {
            match &item.kind {
                ItemKind::Concept(Concept::Evac(category)) if !categories.contains(&category) => {
                    categories.push(category);
                }
                ItemKind::Concept(Concept::Casualty) => casualty = true,
                ItemKind::Word(w) if w == "categories" => scheme = true,
                _ => {}
            }
        }
        of_a_class || scheme || (categories.len() >= 3 && !casualty && !of_numbers)
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
        // ext17: "The mail is going out priority tomorrow." is about something else: more
        // than one word of substance besides the category in its clause ("He must go very
        // fast, urgent." says it in a clause of its own).
        let substantial = in_sentence
            .split(|item| item.kind == ItemKind::Comma)
            .filter(|clause| {
                clause
                    .iter()
                    .any(|item| matches!(item.kind, ItemKind::Concept(Concept::Evac(_))))
            })
            .any(|clause| {
                clause
                    .iter()
                    .filter(|item| matches!(&item.kind, ItemKind::Word(w) if !is_glue(w) && !CATEGORY_FILLER.contains(&w.as_str())))
                    .count()
                    > 1
            });
        !substantial
            && self
                .frames
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
        Concept::Injured => FrameKind::InjuryTime,
        Concept::OpenFracture => FrameKind::Injury(InjuryKind::Fracture, None),
        Concept::Evisceration => FrameKind::Injury(InjuryKind::Other, None),
        Concept::Perfusion(sign) => FrameKind::Perfusion(*sign),
        Concept::Disarmed => FrameKind::Disarmed,
        Concept::Expectant(expectant) => FrameKind::Expectant(*expectant),
        _ => return None,
    })
}

/// ext16: words a clause may hold around a clock time that only say it is the time of the
/// act before ("Time is zero nine twelve", "That was at seventeen twenty").
/// Words said around a category alone that say nothing else ("okay, so, urgent then").
const CATEGORY_FILLER: &[&str] = &[
    "okay", "ok", "so", "then", "copy", "roger", "yeah", "yes", "alright", "right", "call",
    "calling", "make", "him", "her", "that", "thats", "category", "cat", "evac", "surgical", "one",
    "two", "three", "four", "five", "uh", "um", "just", "i'm", "im", "up", "as", "going", "goes",
    "out", "send", "sending", "mark", "marking", "tag", "tagged", "list", "listed", "putting",
    "we're", "were", "he's", "she's", "hes", "shes",
];

const TIME_SAID_WORDS: &[&str] = &[
    "time", "is", "was", "the", "that", "thats", "it", "its", "now", "on", "put", "pushed",
    "given", "done", "in", "went",
];

/// adv15: words before "left" or "right" that make it no side of the body ("we left it
/// on", "all right", "that's right").
const NOT_A_SIDE_BEFORE: &[&str] = &[
    "i", "we", "he", "she", "they", "it", "was", "were", "been", "have", "has", "had", "is",
    "just", "i've", "we've", "they've", "all", "that's", "thats", "you're", "youre", "got",
];

/// adv15: words after "left" or "right" that make it no side of the body ("right now",
/// "right away", "left it", "left behind").
const NOT_A_SIDE_AFTER: &[&str] = &[
    "now", "away", "there", "here", "then", "behind", "it", "him", "her", "them", "over",
];

/// The sentence (counted by the stops before it) of the item starting at character `start`.
fn sentence_at(items: &[Item], start: u32) -> u32 {
    items
        .iter()
        .take_while(|item| item.start < start)
        .filter(|item| item.kind == ItemKind::Stop)
        .count() as u32
}

/// Shared by the parts' table-driven tests: an utterance's actions, one line each.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod table {
    use super::{parse, Action};
    use crate::extract::{items, lexicon::Lexicon, normalise, scope};

    /// The actions of `text` after the scope gate, as the extractor sees them.
    pub fn actions(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let lexicon = Lexicon::new();
        let mut items = items::items(&normalise::normalise(text), &lexicon);
        scope::gate(&mut items, &chars, &scope::ScopeCues::embedded().unwrap());
        parse(&items, &chars).iter().map(describe).collect()
    }

    fn describe(action: &Action) -> String {
        match action {
            Action::Assert(f) => {
                let mut text = format!("{:?}", f.kind);
                if !f.places.is_empty() {
                    text.push_str(&format!(" places={}", f.places.len()));
                }
                if let Some(t) = f.time {
                    text.push_str(&format!(" at {t}"));
                }
                if let Some(n) = f.number {
                    text.push_str(&format!(" n={n}"));
                }
                if let Some((a, b)) = f.ratio {
                    text.push_str(&format!(" {a}/{b}"));
                }
                if let Some((v, _)) = f.quantity {
                    text.push_str(&format!(" q={v}"));
                }
                if let Some(r) = f.route {
                    text.push_str(&format!(" {r}"));
                }
                if f.negated {
                    text.push_str(" negated");
                }
                if f.correcting {
                    text.push_str(" correcting");
                }
                text
            }
            Action::Switch { casualty, .. } => format!("switch {casualty}"),
            Action::SwitchToNext { .. } => "switch next".to_owned(),
            Action::SwitchToAll { .. } => "switch all".to_owned(),
            Action::Describe {
                key,
                number,
                switch,
                refer,
                ..
            } => format!(
                "Describe {key} {number:?} switch={switch}{}",
                if *refer { " refer" } else { "" }
            ),
            other => format!("{other:?}")
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned(),
        }
    }

    /// Checks each (text, expected actions) row.
    pub fn check(cases: &[(&str, &[&str])]) {
        let mut failures = Vec::new();
        for (text, want) in cases {
            let got = actions(text);
            if got != *want {
                failures.push(format!("{text:?}\n   want {want:?}\n   got  {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
