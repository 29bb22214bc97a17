//! Casualty switching: "casualty two", "second casualty", "next casualty", "back to".

use super::*;

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
                        Some(ItemKind::Word(w)) if matches!(w.as_str(), "on" | "for")
                    ) || self.topic_first(i);
                    // "casualties one and two hit by the IED": what follows concerns each.
                    let second = match (self.kind_at(i + 2), self.kind_at(i + 3)) {
                        (Some(ItemKind::Word(w)), Some(ItemKind::Number(m))) if w == "and" => m
                            .as_integer()
                            .filter(|m| (1..=CASUALTIES_MAX as u32).contains(m) && *m != id),
                        _ => None,
                    };
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
                    self.switch_keeping_clause(
                        Action::Switch {
                            casualty: id as CasualtyId,
                            start: item.start,
                            end: self.items[i + 1].end,
                        },
                        on,
                    );
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

    pub(super) fn close_for_switch(&mut self) {
        self.open = None;
        self.pending.clear();
        self.sentence_places.clear();
        self.frames_before_switch = self.frames.len();
    }

    /// Switches with `action` (a `Switch` or `Refer`). When `keep_clause` ("whole blood on
    /// three", "tourniquet on casualty one"), the frames said earlier in this clause since
    /// the last switch move after it and stay open: they concern the casualty named.
    pub(super) fn switch_keeping_clause(&mut self, action: Action, keep_clause: bool) {
        let mut moved = Vec::new();
        if keep_clause {
            while let Some(Step::Frame(index)) = self.order.last() {
                let index = *index;
                let frame = &self.frames[index];
                if index < self.frames_before_switch
                    || frame.sentence != self.sentence
                    || frame.clause != self.clause
                {
                    break;
                }
                moved.push(index);
                self.order.pop();
            }
            moved.reverse();
        }
        let open = self.open;
        self.close_for_switch();
        self.switched = true;
        self.order.push(Step::Action(action));
        if let Some(&first) = moved.first() {
            self.frames_before_switch = first;
            self.open = open.filter(|o| moved.contains(o));
        }
        for index in moved {
            self.order.push(Step::Frame(index));
        }
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

#[cfg(test)]
mod tests {
    use super::super::table::check;

    #[test]
    fn casualty_numbers_switch_the_casualty() {
        check(&[
            ("Casualty two, male.", &["switch 2", "Sex(Male)"]),
            ("Second casualty, female.", &["switch 2", "Sex(Female)"]),
            ("Back to casualty one.", &["switch 1"]),
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
