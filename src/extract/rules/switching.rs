//! Casualty switching: "casualty two", "second casualty", "next casualty", "back to".

use super::*;
use crate::record::Sex;

impl Parser<'_> {
    /// "casualty two", "second casualty", "next casualty", and the recogniser's "casualty
    /// to" for two.
    pub(super) fn casualty(&mut self, i: usize) -> usize {
        let item = self.items[i].clone();
        match self.kind_at(i + 1) {
            Some(ItemKind::Number(n)) => {
                if let Some(id) = n
                    .as_integer()
                    .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id))
                {
                    // "tourniquet on casualty one, left leg": what was said of the
                    // casualty in this clause concerns it.
                    let on = matches!(
                        i.checked_sub(1).and_then(|k| self.kind_at(k)),
                        Some(ItemKind::Word(w)) if matches!(w.as_str(), "on" | "for" | "into")
                    ) || self.topic_first(i)
                        || self.given_to(i);
                    // "casualties one and two hit by the IED": what follows concerns each.
                    let second = match (self.kind_at(i + 2), self.kind_at(i + 3)) {
                        (Some(ItemKind::Word(w)), Some(ItemKind::Number(m))) if w == "and" => m
                            .as_integer()
                            .filter(|m| (1..=CASUALTIES_MAX as u32).contains(m) && *m != id),
                        _ => None,
                    };
                    // extract3: "casualty one and casualty two, both hit by the same
                    // round": the same list said with the word twice.
                    let second_named = match (
                        self.kind_at(i + 2),
                        self.kind_at(i + 3),
                        self.kind_at(i + 4),
                    ) {
                        (
                            Some(ItemKind::Word(w)),
                            Some(ItemKind::Concept(Concept::Casualty)),
                            Some(ItemKind::Number(m)),
                        ) if w == "and" && m.parts == 1 => m
                            .as_integer()
                            .filter(|m| (1..=CASUALTIES_MAX as u32).contains(m) && *m != id),
                        _ => None,
                    };
                    if let Some(second) = second_named {
                        self.close_for_switch();
                        self.switched = true;
                        self.order.push(Step::Action(Action::SwitchToList {
                            casualties: vec![id as CasualtyId, second as CasualtyId],
                            start: item.start,
                            end: self.items[i + 4].end,
                        }));
                        return i + 5;
                    }
                    // extract3: "for both of them, correction, only casualty one".
                    if self.scope_corrected(i, id as CasualtyId) {
                        return i + 2;
                    }
                    // study16b: "… into casualty one. Correction, that was casualty two."
                    if self.casualty_corrected(i, id as CasualtyId, true) {
                        return i + 2;
                    }
                    if let (Some(second), Some(ItemKind::Concept(Concept::Group))) =
                        (second, self.kind_at(i))
                    {
                        self.close_for_switch();
                        self.switched = true;
                        self.order.push(Step::Action(Action::SwitchToList {
                            casualties: vec![id as CasualtyId, second as CasualtyId],
                            start: item.start,
                            end: self.items[i + 3].end,
                        }));
                        return i + 4;
                    }
                    let action = Action::Switch {
                        casualty: id as CasualtyId,
                        start: item.start,
                        end: self.items[i + 1].end,
                    };
                    if !on && self.trailing_tag(i) {
                        self.switch_keeping_sentence(action);
                    } else {
                        self.switch_keeping_clause(action, on);
                    }
                    // ext10: "cas 1 M GSW abd", "pt 2, F, 24": a typed casualty header.
                    if let Some((sex, letter)) = self.typed_sex_letter(i + 2) {
                        self.open_frame(FrameKind::Sex(sex), letter);
                        return letter + 1;
                    }
                }
                return i + 2;
            }
            Some(ItemKind::Word(w)) => {
                let spoken = match w.as_str() {
                    "to" | "too" => Some(2),
                    "won" | "juan" => Some(1),
                    // ext17: "Casualty-free female" is tiny.en's "casualty three, female".
                    "free" | "tree" => Some(3),
                    "for" => Some(4),
                    _ => None,
                };
                // ext17: or before what is said of the casualty ("Casualty to deformed left
                // thigh", "Casualty too is expectant"); "casualty to the CCP" is no number.
                let ends_clause = match self.kind_at(i + 2) {
                    None | Some(ItemKind::Comma | ItemKind::Stop) => true,
                    Some(ItemKind::Word(next)) => {
                        matches!(next.as_str(), "is" | "was" | "has" | "needs" | "gets")
                    }
                    Some(ItemKind::Concept(concept)) => {
                        anchor_kind(concept).is_some() || matches!(concept, Concept::Expectant(_))
                    }
                    _ => false,
                };
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

    /// study16b: "ertapenem one gram IM to casualty two", "moxi four hundred by mouth to
    /// one": "to" right after a drug's route, dose or name gives the care to the casualty
    /// named (`i` is the casualty word or its bare number).
    /// ext10: also with a verb of going between ("TXA goes to casualty two", "the blood
    /// went to two").
    pub(super) fn given_to(&self, i: usize) -> bool {
        let Some(to) = i.checked_sub(1) else {
            return false;
        };
        let going = to.checked_sub(1).is_some_and(|k| {
            matches!(self.kind_at(k), Some(ItemKind::Word(w)) if matches!(w.as_str(), "goes" | "went" | "going"))
        });
        let care = if going {
            to.checked_sub(2)
        } else {
            to.checked_sub(1)
        };
        matches!(self.kind_at(to), Some(ItemKind::Word(w)) if w == "to")
            && matches!(
                care.and_then(|k| self.kind_at(k)),
                Some(
                    ItemKind::Quantity { .. }
                        | ItemKind::Concept(
                            Concept::Route(_) | Concept::Medication(_) | Concept::Fluid(_)
                        )
                )
            )
    }

    /// "Tourniquet casualty one right leg": a bare anchor that opens the utterance's
    /// first clause, right before the casualty number, is about that casualty.
    fn topic_first(&self, i: usize) -> bool {
        let Some(anchor) = i.checked_sub(1) else {
            return false;
        };
        let opens_clause = anchor == 0
            || matches!(
                self.kind_at(anchor - 1),
                Some(ItemKind::Comma | ItemKind::Stop)
            );
        let bare_open = self.open.is_some_and(|o| {
            let frame = &self.frames[o];
            o + 1 == self.frames.len()
                && frame.sentence == self.sentence
                && frame.clause == self.clause
                && frame.is_bare()
        });
        opens_clause
            && bare_open
            && matches!(self.kind_at(anchor), Some(ItemKind::Concept(c)) if !matches!(c, Concept::Casualty | Concept::Group))
    }

    /// A casualty described by role, position or look: "the driver", "gunner", "the guy
    /// by the wall", "the one in the doorway", "guy sitting up", "wall guy", "the big
    /// guy". Returns the index after the description (and after "is casualty one" when it
    /// is numbered there), or `None` when the words at `i` describe nobody.
    pub(super) fn description(&mut self, i: usize) -> Option<usize> {
        if let Some(next) = self.numbered_person(i) {
            return Some(next);
        }
        if let Some(next) = self.numbered_position(i) {
            return Some(next);
        }
        if let Some(next) = self.ordinal_person(i) {
            return Some(next);
        }
        let word = |k: usize| self.word_at(k);
        let one_at = |k: usize| matches!(self.kind_at(k), Some(ItemKind::Number(n)) if n.as_integer() == Some(1) && n.parts == 1);
        let head = word(i).filter(|w| PERSON_NOUNS.contains(w)).is_some()
            || (one_at(i) && i > 0 && word(i - 1) == Some("the"));
        let (key, last) = if let Some(role) = word(i).filter(|w| ROLE_NOUNS.contains(w)) {
            (role.to_owned(), i)
        } else if head {
            match word(i + 1) {
                // "the guy by the wall", "the one in the doorway".
                Some(p) if PLACE_PREPOSITIONS.contains(&p) => {
                    let mut k = i + 2;
                    if word(k) == Some("to") {
                        k += 1;
                    }
                    while matches!(word(k), Some("the" | "that" | "this")) {
                        k += 1;
                    }
                    let noun = word(k).filter(|w| is_describing_word(w))?;
                    (noun.to_owned(), k)
                }
                // "guy sitting up", "the guy lying down".
                Some(p) if p.len() > 5 && p.ends_with("ing") && is_describing_word(p) => {
                    (p.to_owned(), i + 1)
                }
                _ => {
                    // "wall guy", "the big guy".
                    let before = word(i.checked_sub(1)?)?;
                    if one_at(i) || !is_describing_word(before) {
                        return None;
                    }
                    (before.to_owned(), i)
                }
            }
        } else {
            self.recall(i);
            return None;
        };
        // The description's first word: "the", "back to the" and the like lead into it.
        let mut first = i;
        if key.as_str() == word(i.wrapping_sub(1)).unwrap_or_default() {
            first = i - 1;
        }
        let mut lead = self.lead_start(first);
        // "Back to the wall guy": "back" was read as a body part; as a lead it is a word.
        let spoken_back = lead > 0 && self.said_lower(lead - 1) == "back";
        if spoken_back
            || (lead > 0
                && matches!(
                    self.kind_at(lead - 1),
                    Some(ItemKind::Concept(Concept::SwitchCue))
                ))
        {
            lead -= 1;
        }
        let opens = lead == 0
            || matches!(
                self.kind_at(lead - 1),
                Some(ItemKind::Comma | ItemKind::Stop)
            );
        // study23: "Driver, commander, keep the engine running": a crew member named
        // to be spoken to is no casualty; nothing is registered or switched.
        if opens && self.addressed(last) {
            return Some(last + 1);
        }
        let start = self.items[first].start;
        // "driver is casualty one", "guy on the stretcher is one", "guy sitting up is two".
        let mut last = last;
        if matches!(word(last + 1), Some("up" | "down")) {
            last += 1;
        }
        let mut next = last + 1;
        let mut number = None;
        if word(next) == Some("is") {
            let mut k = next + 1;
            if matches!(self.kind_at(k), Some(ItemKind::Concept(Concept::Casualty))) {
                k += 1;
            }
            let numbered = match self.kind_at(k) {
                Some(ItemKind::Number(n)) if n.parts == 1 => n
                    .as_integer()
                    .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id)),
                _ => None,
            };
            let ends = matches!(
                self.kind_at(k + 1),
                None | Some(ItemKind::Comma | ItemKind::Stop)
            );
            if let (Some(id), true) = (numbered, ends) {
                number = Some(id as CasualtyId);
                next = k + 1;
            }
        }
        // "Casualty one, the driver": the number just said; "casualty four is the
        // driver", "Four, green, the interpreter" (study15).
        let after_is = lead > 0 && word(lead - 1) == Some("is");
        if number.is_none() && (opens || after_is) {
            if let Some(Step::Action(
                Action::Switch { casualty, .. } | Action::Refer { casualty, .. },
            )) = self.order.last()
            {
                let just_said = self.frames.len() == self.frames_before_switch;
                if just_said {
                    number = Some(*casualty);
                }
            }
        }
        let end = self.items[last].end;
        let switch = opens || number.is_some();
        // extract3: "SAM splint on the driver's left leg", "calcium into the driver": a
        // description inside a clause, as the one whose body or care it is, refers to that
        // casualty when the description is known (the extractor decides); what was said
        // before it in the clause moves with it.
        let possessive = {
            let item = &self.items[last];
            let said = self
                .text
                .get(item.start as usize..(item.end as usize).min(self.text.len()))
                .unwrap_or_default();
            matches!(said, [.., '\'' | '\u{2019}', 's' | 'S'])
        };
        let led_in = first > 0
            && word(first - 1).is_some_and(|w| matches!(w, "the" | "my" | "your"))
            && first > 1
            && word(first - 2).is_some_and(|w| matches!(w, "on" | "into" | "to" | "for" | "in"));
        // "Your driver told me he's allergic…": a description opening its clause behind
        // "your"/"my" names that casualty when it is known; "my forearm guy" said first is
        // only registered.
        let owned = first > 0
            && word(first - 1).is_some_and(|w| matches!(w, "your" | "my"))
            && (first == 1
                || matches!(
                    self.kind_at(first - 2),
                    Some(ItemKind::Comma | ItemKind::Stop)
                ));
        let refer = !switch && (possessive || led_in || owned);
        if switch {
            self.close_for_switch();
            self.switched = true;
        }
        let action = Action::Describe {
            key,
            number,
            switch,
            refer,
            start,
            end,
        };
        if refer {
            self.switch_keeping_clause(action, true);
        } else {
            self.order.push(Step::Action(action));
        }
        Some(next)
    }

    /// extract3: "ertapenem for both of them, no, just two": a casualty reference at `i`
    /// right after a correction cue ("no", "correction", "sorry", then "just"/"only") in
    /// the sentence that said "both of them" narrows that scope to the casualty named.
    /// Returns whether it did.
    pub(super) fn scope_corrected(&mut self, i: usize, casualty: CasualtyId) -> bool {
        let Some((step, sentence)) = self.all_scope else {
            return false;
        };
        if sentence != self.sentence {
            return false;
        }
        let mut j = i;
        let mut cue = false;
        while let Some(previous) = j.checked_sub(1) {
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Comma) => {}
                Some(ItemKind::Word(w)) if matches!(w.as_str(), "just" | "only" | "uh" | "um") => {}
                Some(ItemKind::Concept(Concept::Correction)) => cue = true,
                Some(ItemKind::Concept(Concept::Negation)) if self.spoken_has(j, &["no"]) => {
                    cue = true;
                }
                _ => break,
            }
        }
        if !cue {
            return false;
        }
        let item = &self.items[i];
        let end = self
            .items
            .get(i + 1)
            .filter(|_| matches!(self.kind_at(i), Some(ItemKind::Concept(Concept::Casualty))))
            .map_or(item.end, |next| next.end);
        if let Some(slot) = self.order.get_mut(step) {
            *slot = Step::Action(Action::Refer {
                casualty,
                start: item.start,
                end,
            });
        }
        self.all_scope = None;
        self.correcting = false;
        self.negation = false;
        true
    }

    /// study23: "Sailor one, male, flash burns", "Marine two is alert", "back to soldier
    /// one": a person noun (`NUMBERED_PERSONS`) followed by a casualty number is that
    /// casualty, as "casualty one" is. The noun must open its clause (or follow "on",
    /// "for", "to", "into") and the number must end its clause or be followed by a verb of
    /// state, so "soldier one step behind" names no one.
    fn numbered_person(&mut self, i: usize) -> Option<usize> {
        let word = |k: usize| self.word_at(k);
        let noun = word(i)?;
        if !NUMBERED_PERSONS.contains(&noun) {
            return None;
        }
        match self.kind_at(i + 1) {
            Some(ItemKind::Number(n))
                if n.parts == 1
                    && n.as_integer()
                        .is_some_and(|id| (1..=CASUALTIES_MAX as u32).contains(&id)) => {}
            _ => return None,
        }
        let lead = self.lead_start(i);
        let opens = self.clause_opens_at(lead)
            || matches!(
                self.kind_at(lead - 1),
                Some(ItemKind::Concept(Concept::SwitchCue))
            )
            || word(i - 1).is_some_and(|w| matches!(w, "on" | "for" | "to" | "into"));
        let said_s = {
            let item = &self.items[i + 1];
            let said = self
                .text
                .get(item.start as usize..(item.end as usize).min(self.text.len()))
                .unwrap_or_default();
            matches!(said, [.., '\'' | '\u{2019}', 's' | 'S'])
        };
        let ends = said_s
            || match self.kind_at(i + 2) {
                None | Some(ItemKind::Comma | ItemKind::Stop) => true,
                Some(ItemKind::Word(w)) => NUMBERED_PERSON_NEXT.contains(&w.as_str()),
                Some(ItemKind::Concept(_)) => true,
                _ => false,
            };
        if !(opens && ends) {
            return None;
        }
        Some(self.casualty(i))
    }

    /// study23: a role named to be spoken to ("Driver, commander, keep the engine
    /// running", "Gunner, stay on the gun"): the description at `last` is followed by a
    /// comma, at most a few more names each with its comma, then an order word
    /// (`ADDRESSED_ORDERS`).
    fn addressed(&self, last: usize) -> bool {
        let mut k = last + 1;
        for _ in 0..4 {
            if !matches!(self.kind_at(k), Some(ItemKind::Comma)) {
                return false;
            }
            match self.kind_at(k + 1) {
                Some(ItemKind::Word(w)) if ADDRESSED_ORDERS.contains(&w.as_str()) => {
                    return true;
                }
                // Another name in the list of those spoken to: a single plain word.
                Some(ItemKind::Word(w)) if is_describing_word(w) => k += 2,
                _ => return false,
            }
        }
        false
    }

    /// study15: "one by the wall, two in the doorway, four sitting on the ammo can": a
    /// casualty number opening its clause, then a position. Numbers the description and
    /// switches to it. Body parts are places, not words: "one in the chest" is no position.
    fn numbered_position(&mut self, i: usize) -> Option<usize> {
        let id = match self.kind_at(i) {
            Some(ItemKind::Number(n)) if n.parts == 1 => n
                .as_integer()
                .filter(|id| (1..=CASUALTIES_MAX as u32).contains(id))?,
            _ => return None,
        };
        let opens = i == 0 || matches!(self.kind_at(i - 1), Some(ItemKind::Comma | ItemKind::Stop));
        if !opens {
            return None;
        }
        let word = |k: usize| self.word_at(k);
        let mut k = i + 1;
        // "four sitting on the ammo can".
        if word(k).is_some_and(|w| w.len() >= 5 && w.ends_with("ing")) {
            k += 1;
        }
        if !word(k).is_some_and(|w| PLACE_PREPOSITIONS.contains(&w)) {
            return None;
        }
        k += 1;
        while matches!(word(k), Some("the" | "that" | "this")) {
            k += 1;
        }
        let key = word(k).filter(|w| is_describing_word(w))?.to_owned();
        // "ammo can": the description is its first word; the rest of the name is read
        // over.
        let mut last = k;
        while word(last + 1).is_some_and(is_describing_word) {
            last += 1;
        }
        let (start, end) = (self.items[i].start, self.items[last].end);
        self.close_for_switch();
        self.switched = true;
        self.order.push(Step::Action(Action::Describe {
            key,
            number: Some(id as CasualtyId),
            switch: true,
            refer: false,
            start,
            end,
        }));
        Some(last + 1)
    }

    /// study15: "First guy, the driver", "Second guy's okay-ish", "second one here,
    /// their interpreter": casualties counted in order of mention. Switches to the
    /// casualty of that number when the words open their clause.
    fn ordinal_person(&mut self, i: usize) -> Option<usize> {
        let word = |k: usize| self.word_at(k);
        let n = match i.checked_sub(1).and_then(|k| self.kind_at(k)) {
            Some(ItemKind::Concept(Concept::Ordinal(n))) => *n,
            _ => return None,
        };
        let person = word(i).is_some_and(|w| PERSON_NOUNS.contains(&w));
        // "second one here": "one" is a casualty only with "here"/"there" after it ("a
        // second one above the first" is a tourniquet).
        let one_here = matches!(self.kind_at(i), Some(ItemKind::Number(m)) if m.as_integer() == Some(1) && m.parts == 1)
            && matches!(word(i + 1), Some("here" | "there"));
        if !(person || one_here) || !(1..=CASUALTIES_MAX as CasualtyId).contains(&n) {
            return None;
        }
        let lead = self.lead_start(i - 1);
        let opens = self.clause_opens_at(lead);
        if !opens {
            return None;
        }
        let (start, end) = (self.items[i - 1].start, self.items[i].end);
        self.switch(n, start, end);
        Some(if one_here { i + 2 } else { i + 1 })
    }

    /// study15: "Doorway, red, frag to the neck", "Ammo can, green": a word opening its
    /// sentence before a comma may repeat a description; the extractor switches only if
    /// it was one.
    fn recall(&mut self, i: usize) {
        let word = |k: usize| self.word_at(k);
        let Some(key) = word(i) else {
            return;
        };
        if !is_describing_word(key) || ROLE_NOUNS.contains(&key) || PERSON_NOUNS.contains(&key) {
            return;
        }
        let mut lead = i;
        while lead > 0
            && word(lead - 1).is_some_and(|w| matches!(w, "back" | "to" | "the" | "and" | "now"))
        {
            lead -= 1;
        }
        let opens = lead == 0 || matches!(self.kind_at(lead - 1), Some(ItemKind::Stop));
        let mut last = i;
        if word(last + 1).is_some_and(is_describing_word) {
            last += 1;
        }
        // "Doorway's sats ninety-seven": the description with "'s".
        let item = &self.items[i];
        let said_s = item.end >= 2
            && matches!(
                self.text.get(item.end as usize - 2..item.end as usize),
                Some(['\'' | '\u{2019}', 's' | 'S'])
            );
        let closes = said_s
            || matches!(
                self.kind_at(last + 1),
                Some(ItemKind::Comma | ItemKind::Stop)
            );
        if !(opens && closes) {
            return;
        }
        let key = key.to_owned();
        let (start, end) = (self.items[i].start, self.items[last].end);
        self.order
            .push(Step::Action(Action::Recall { key, start, end }));
    }

    pub(super) fn close_for_switch(&mut self) {
        self.open = None;
        self.pending.clear();
        self.sentence_places.clear();
        self.frames_before_switch = self.frames.len();
    }

    /// study23: "Fentanyl fifty micrograms IV, casualty one, ten oh eight": a casualty
    /// number said as a clause of its own after care in the same sentence, with nothing
    /// after it but the end of the sentence or a clock time, tags that care with the
    /// casualty. `i` is the casualty word (its number at `i + 1`).
    fn trailing_tag(&self, i: usize) -> bool {
        let after_comma = i > 0 && matches!(self.kind_at(i - 1), Some(ItemKind::Comma));
        if !after_comma {
            return false;
        }
        let ends = match self.kind_at(i + 2) {
            None | Some(ItemKind::Stop) => true,
            Some(ItemKind::Comma) => {
                // A clock time, or four digits read as one ("ten oh eight").
                let time = match self.kind_at(i + 3) {
                    Some(ItemKind::Clock(_)) => true,
                    Some(ItemKind::Number(n)) => n.digits.len() == 4 && n.as_clock().is_some(),
                    _ => false,
                };
                time && matches!(self.kind_at(i + 4), None | Some(ItemKind::Stop))
            }
            _ => false,
        };
        // Care said earlier in this sentence since the last switch.
        let care_before = self.frames[self.frames_before_switch.min(self.frames.len())..]
            .iter()
            .any(|frame| frame.sentence == self.sentence);
        ends && care_before
    }

    /// The word at item `k`, if it is a plain word.
    fn word_at(&self, k: usize) -> Option<&str> {
        match self.kind_at(k) {
            Some(ItemKind::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    /// Item `i`, or the first of the `LEADS` words said right before it ("and", "now" …).
    fn lead_start(&self, i: usize) -> usize {
        let mut lead = i;
        while lead > 0 && self.word_at(lead - 1).is_some_and(|w| LEADS.contains(&w)) {
            lead -= 1;
        }
        lead
    }

    /// Whether item `lead` opens its clause: first, or after a comma or a stop.
    fn clause_opens_at(&self, lead: usize) -> bool {
        lead == 0
            || matches!(
                self.kind_at(lead - 1),
                Some(ItemKind::Comma | ItemKind::Stop)
            )
    }

    /// study23: switches with `action`, moving every frame said earlier in this sentence
    /// since the last switch after it (`trailing_tag`).
    pub(super) fn switch_keeping_sentence(&mut self, action: Action) {
        let sentence = self.sentence;
        self.switch_moving(action, |frame| frame.sentence == sentence);
    }

    /// Switches with `action` (a `Switch` or `Refer`). When `keep_clause` ("whole blood on
    /// three", "tourniquet on casualty one"), the frames said earlier in this clause since
    /// the last switch move after it and stay open: they concern the casualty named.
    pub(super) fn switch_keeping_clause(&mut self, action: Action, keep_clause: bool) {
        let (sentence, clause) = (self.sentence, self.clause);
        self.switch_moving(action, |frame| {
            keep_clause && frame.sentence == sentence && frame.clause == clause
        });
    }

    /// Switches with `action`, moving after it the frames said since the last switch, from
    /// the latest back, while `keep` holds for them: they concern the casualty named.
    fn switch_moving(&mut self, action: Action, keep: impl Fn(&Frame) -> bool) {
        let mut moved = Vec::new();
        while let Some(Step::Frame(index)) = self.order.last() {
            let index = *index;
            if index < self.frames_before_switch || !keep(&self.frames[index]) {
                break;
            }
            moved.push(index);
            self.order.pop();
        }
        moved.reverse();
        let open = self.open;
        self.close_for_switch();
        self.switched = true;
        self.order.push(Step::Action(action));
        if !moved.is_empty() {
            self.kept_switch = Some(self.order.len() - 1);
        }
        if let Some(&first) = moved.first() {
            self.frames_before_switch = first;
            self.open = open.filter(|o| moved.contains(o));
        }
        for index in moved {
            self.order.push(Step::Frame(index));
        }
    }

    /// ext10: a phone-typed casualty header ("cas 1 M GSW abd + L thigh", "pt 2, F, 24"):
    /// a lone "m" or "f" right after the casualty's number (or as the whole clause after
    /// it) is the casualty's sex. The letter must be followed by the end of its clause or
    /// by something the lexicon reads (a wound, a number), never by a plain word: "cas 1 m
    /// from the wall" is a distance, "cas 2 f and g" no sex. `k` is the item after the
    /// number; returns the sex and the letter's index.
    fn typed_sex_letter(&self, k: usize) -> Option<(Sex, usize)> {
        let after_comma = matches!(self.kind_at(k), Some(ItemKind::Comma));
        let letter = if after_comma { k + 1 } else { k };
        let sex = match self.kind_at(letter) {
            Some(ItemKind::Word(w)) if w == "m" => Sex::Male,
            Some(ItemKind::Word(w)) if w == "f" => Sex::Female,
            _ => return None,
        };
        let next_ok = match self.kind_at(letter + 1) {
            None | Some(ItemKind::Comma | ItemKind::Stop) => true,
            // After a comma the letter is its whole clause ("pt 2, F, 24").
            _ if after_comma => false,
            Some(ItemKind::Word(_)) => false,
            Some(_) => true,
        };
        next_ok.then_some((sex, letter))
    }

    pub(super) fn switch(&mut self, casualty: CasualtyId, start: u32, end: u32) {
        self.close_for_switch();
        self.switched = true;
        self.order.push(Step::Action(Action::Switch {
            casualty,
            start,
            end,
        }));
    }
}

/// study23: whether `word` names a person by role or as a person ("driver", "guy").
pub(super) fn names_a_person(word: &str) -> bool {
    ROLE_NOUNS.contains(&word) || PERSON_NOUNS.contains(&word)
}

/// Roles a casualty is named by in a crew or a team.
const ROLE_NOUNS: &[&str] = &[
    "driver",
    "gunner",
    "interpreter",
    "terp",
    "pilot",
    "copilot",
    "passenger",
    "loader",
];

/// study23: nouns for a person that, with a casualty number after them, name that
/// casualty ("Sailor one", "Marine two", "patient" is a lexicon row of its own).
const NUMBERED_PERSONS: &[&str] = &[
    "sailor",
    "marine",
    "soldier",
    "airman",
    "airmen",
    "crewman",
    "crewmember",
    "trooper",
    "ranger",
    "paratrooper",
    "guardsman",
    "victim",
    "civilian",
    "hostage",
    "detainee",
    "firefighter",
];

/// study23: words after "Sailor one" that keep it a casualty's name: verbs of state and
/// report ("Sailor one is alert", "Marine two has a tourniquet").
const NUMBERED_PERSON_NEXT: &[&str] = &[
    "is", "was", "has", "had", "got", "took", "needs", "now", "here", "there", "responds",
    "received", "gets",
];

/// study23: order words after a role named to be spoken to ("Driver, keep the engine
/// running", "Gunner, don't move").
const ADDRESSED_ORDERS: &[&str] = &[
    "keep", "do", "don't", "dont", "hold", "get", "grab", "watch", "stay", "help", "go", "stop",
    "move", "bring", "hand", "open", "drop", "cover", "call", "find", "check", "start", "turn",
    "kill", "shut", "pass", "come", "look", "listen", "you", "you're", "your", "take", "give",
    "push", "pull", "back", "wait", "make", "put", "tell", "radio", "lift", "carry",
];

/// Nouns for a person, described by what follows or precedes them.
const PERSON_NOUNS: &[&str] = &["guy", "man", "dude", "soldier", "kid", "fella", "marine"];

/// Prepositions of a position: "the guy by the wall".
const PLACE_PREPOSITIONS: &[&str] = &[
    "by", "on", "in", "at", "near", "against", "under", "behind", "next", "beside", "inside",
    "outside",
];

/// Words that may lead into a description that still opens its clause: "back to the
/// wall guy", "what about the doorway guy", "and the gunner".
const LEADS: &[&str] = &[
    "the", "back", "to", "what", "about", "and", "so", "now", "okay", "over", "this", "that",
    "then", "ok", "alright", "right", // study15: "their interpreter", "our gunner".
    "their", "our",
];

/// A word that can tell one casualty from another ("wall", "doorway", "big", "sitting"),
/// not a determiner, pronoun or a word that names nobody in particular.
fn is_describing_word(word: &str) -> bool {
    word.len() >= 3
        && word.chars().all(|c| c.is_ascii_alphabetic())
        && !is_glue(word)
        && !matches!(
            word,
            "this"
                | "that"
                | "other"
                | "another"
                | "some"
                | "any"
                | "each"
                | "every"
                | "same"
                | "new"
                | "old"
                | "first"
                | "second"
                | "third"
                | "next"
                | "last"
                | "poor"
                | "good"
                | "bad"
                | "nice"
                | "lucky"
                | "tough"
                | "your"
                | "our"
                | "their"
                | "him"
                | "them"
                | "you"
                | "what"
                | "which"
                | "who"
                | "way"
                | "middle"
                | "morning"
                | "afternoon"
                | "evening"
                | "night"
                | "front"
                | "field"
                | "ground"
                | "dirt"
                | "mud"
                | "water"
                | "end"
                | "meantime"
                | "case"
                | "head"
                | "charge"
                | "country"
                | "army"
                | "unit"
                | "squad"
                | "platoon"
                | "company"
                | "team"
                | "convoy"
                | "trouble"
                | "pain"
                | "shock"
                | "here"
                | "there"
                | "one"
                | "two"
                | "three"
                | "four"
                | "five"
                | "being"
                | "going"
                | "doing"
                | "getting"
                | "saying"
                | "telling"
                | "talking"
                | "asking"
                | "thing"
                | "something"
                | "nothing"
                | "everything"
                | "anything"
                | "bleeding"
                | "breathing"
        )
}

#[cfg(test)]
mod tests {
    use super::super::table::check;

    #[test]
    fn casualty_numbers_switch_the_casualty() {
        check(&[
            ("Casualty two, male.", &["switch 2", "Sex(Male)"]),
            ("Second casualty, female.", &["switch 2", "Sex(Female)"]),
            ("Back to casualty one.", &["switch 1"]),
            // ext10: a typed casualty header.
            (
                "cas 1 M GSW abd",
                &["switch 1", "Sex(Male)", "Injury(Gsw, Some(Gsw)) places=1"],
            ),
            ("pt 2, F, 24", &["switch 2", "Sex(Female)"]),
            ("cas 1 m from the wall", &["switch 1"]),
            ("casualty 2 f and g", &["switch 2"]),
            ("Next casualty.", &["switch next"]),
            (
                "One is urgent, two is routine.",
                &["switch 1", "Evac(Urgent)", "switch 2", "Evac(Routine)"],
            ),
        ]);
    }

    /// A bare number used as a casualty's name refers to it (the extractor switches only
    /// to a casualty already named); what the clause said before "on N" concerns it.
    #[test]
    fn short_casualty_references_refer() {
        check(&[
            ("Back on two, pulse 110.", &["Refer", "Vital(Pulse) n=110"]),
            (
                "Pushed morphine 5 milligrams IV on three at 1720.",
                &["Refer", "Medication(\"morphine\") at 17:20 q=5 iv"],
            ),
            (
                "Doc says two took a round to the left arm.",
                &["Refer", "Injury(Gsw, Some(Gsw)) places=1"],
            ),
            (
                "Three's pinking up, sats 95.",
                &["Refer", "Vital(Spo2) n=95"],
            ),
            (
                "Splint on casualty two, right leg.",
                &["switch 2", "Treatment(Splint) places=1"],
            ),
            (
                "Moving over to three, pulse 90.",
                &["Refer", "Vital(Pulse) n=90"],
            ),
            (
                "Back to one, BP 110 over 70.",
                &["Refer", "Vital(BloodPressure) 110/70"],
            ),
            (
                "Going to two now, pulse 100.",
                &["Refer", "Vital(Pulse) n=100"],
            ),
            ("On three, lift.", &[]),
            ("Pain's a two.", &["Vital(Pain) n=2"]),
            (
                "Two tourniquets on the left leg.",
                &["Tourniquet(Extremity) places=1"],
            ),
        ]);
    }
}
