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

    pub(super) fn close_for_switch(&mut self) {
        self.open = None;
        self.pending.clear();
        self.sentence_places.clear();
        self.frames_before_switch = self.frames.len();
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
}
