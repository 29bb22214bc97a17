//! Corrections inside one utterance ("left leg, I mean right") and amendments of an
//! earlier frame.

use super::*;

impl Parser<'_> {
    /// "cefazolin 2 grams IV, correction, ertapenem 1 gram IV": a frame said after a
    /// correction cue replaces the last frame of the same kind said before it in the same
    /// utterance; the correction is then settled and reaches no earlier utterance.
    pub(super) fn replace_within_utterance(&mut self, dropped: &mut [bool]) {
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
            // study15: "shot in the arm, the right, no, left arm, it's a gunshot": a wound
            // named again with no place replaces nothing.
            let later_frame = &self.frames[later];
            if matches!(later_frame.kind, FrameKind::Injury(..)) && later_frame.places.is_empty() {
                continue;
            }
            let earlier = (0..self.sealed_before).rev().find(|&i| {
                !dropped[i] && same_category(&self.frames[i].kind, &self.frames[later].kind)
            });
            // ext17: "tourniquet left leg at 1115, correction, 1112, the TQ went on at
            // 1112": a tourniquet named again with no limb restates the one corrected; the
            // corrected time goes to that one, and the restatement adds nothing.
            if matches!(later_frame.kind, FrameKind::Tourniquet(_))
                && later_frame.places.is_empty()
                && earlier.is_some_and(|e| !self.frames[e].places.is_empty())
            {
                dropped[later] = true;
                continue;
            }
            if let Some(earlier) = earlier {
                dropped[earlier] = true;
                self.frames[later].correcting = false;
            }
        }
    }

    /// ext17: "Allergic to sulfa. Correction: codeine, not sulfa.": a drug named bare (no
    /// dose, route or time) after a correction cue, in an utterance whose last fact before
    /// the cue is an allergy, is the allergen corrected, not a drug given.
    pub(super) fn allergen_corrected(&mut self, dropped: &mut [bool]) {
        if self.sealed_before == 0 || self.retraction.is_some() {
            return;
        }
        let Some(earlier) = (0..self.sealed_before)
            .rev()
            .find(|&i| !dropped[i] && !self.frames[i].negated)
        else {
            return;
        };
        if !matches!(self.frames[earlier].kind, FrameKind::Allergen(_)) {
            return;
        }
        let later = (self.sealed_before..self.frames.len()).find(|&i| {
            let frame = &self.frames[i];
            matches!(frame.kind, FrameKind::Medication(_))
                && !frame.negated
                && !dropped[i]
                && frame.quantity.is_none()
                && frame.route.is_none()
                && frame.time.is_none()
                && frame.number.is_none()
        });
        let Some(later) = later else {
            return;
        };
        if let FrameKind::Medication(name) = self.frames[later].kind {
            self.frames[later].kind = FrameKind::Allergen(name.to_owned());
            self.frames[later].correcting = false;
            dropped[earlier] = true;
        }
    }

    /// study16b: "Ketamine fifty IM into casualty one, sixteen oh-six. Correction, that was
    /// casualty two", "TXA two grams IV into one, no, wait, into two": a casualty named
    /// right after a correction cue (through "that was", "into", "to"…), in an utterance whose
    /// care was said into a casualty, re-points that switch: the care concerns the casualty
    /// named last, and the correction is settled there. A bare number (`named` false) needs
    /// its preposition ("into two"), so "pain three, correction, that was two" stays a value.
    /// Returns whether it did.
    pub(super) fn casualty_corrected(
        &mut self,
        i: usize,
        casualty: CasualtyId,
        named: bool,
    ) -> bool {
        let Some(step) = self.kept_switch else {
            return false;
        };
        let mut j = i;
        let mut cue = false;
        let mut preposition = false;
        while let Some(previous) = j.checked_sub(1) {
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Comma) => {}
                Some(ItemKind::Word(w))
                    if matches!(w.as_str(), "into" | "to" | "for" | "on") && !cue =>
                {
                    preposition = true;
                }
                Some(ItemKind::Word(w))
                    if matches!(
                        w.as_str(),
                        "that"
                            | "was"
                            | "it"
                            | "it's"
                            | "its"
                            | "went"
                            | "goes"
                            | "uh"
                            | "um"
                            | "sorry"
                            | "actually"
                            | "wait"
                            | "meant"
                    ) => {}
                Some(ItemKind::Concept(Concept::Correction)) => cue = true,
                Some(ItemKind::Concept(Concept::Negation)) if self.spoken_has(j, &["no"]) => {
                    cue = true;
                }
                _ => break,
            }
        }
        if !cue || !(named || preposition) {
            return false;
        }
        let ends = if named { i + 2 } else { i + 1 };
        if !matches!(
            self.kind_at(ends),
            None | Some(ItemKind::Comma | ItemKind::Stop)
        ) {
            return false;
        }
        match self.order.get_mut(step) {
            Some(Step::Action(
                Action::Switch { casualty: to, .. } | Action::Refer { casualty: to, .. },
            )) => *to = casualty,
            _ => return false,
        }
        self.kept_switch = None;
        self.correcting = false;
        self.negation = false;
        self.sealed_before = 0;
        true
    }

    /// extract3: "At twenty-two fifteen, sorry, twenty-two eighteen, his pulse was …": a time
    /// said right after a correction cue ("sorry", "no", "correction") that follows a time
    /// no frame took yet replaces that time, and the correction is settled there: what
    /// follows is said anew, not a correction of an earlier fact. Returns whether it did.
    pub(super) fn corrects_unclaimed_time(&mut self, i: usize) -> bool {
        let mut j = i;
        let mut cue = false;
        let earlier = loop {
            let Some(previous) = j.checked_sub(1) else {
                return false;
            };
            j = previous;
            match self.kind_at(j) {
                Some(ItemKind::Comma) => {}
                Some(ItemKind::Concept(Concept::Correction)) => cue = true,
                Some(ItemKind::Concept(Concept::Negation)) if self.spoken_has(j, &["no"]) => {
                    cue = true;
                }
                Some(ItemKind::Word(w)) if matches!(w.as_str(), "uh" | "um" | "er" | "oh") => {}
                Some(ItemKind::Clock(clock)) => break *clock,
                Some(ItemKind::Number(n)) => match n.as_clock() {
                    Some(clock) if n.digits.len() == 4 => break clock,
                    _ => return false,
                },
                _ => return false,
            }
        };
        if !cue {
            return false;
        }
        let end = self.items[j].end;
        let pending = self.pending.len();
        self.pending
            .retain(|(a, e)| !(*e == end && matches!(a, Attribute::Time(c) if *c == earlier)));
        let mut replaced = self.pending.len() != pending;
        if !replaced {
            let sentence = self.sentence;
            if let Some(p) = self
                .floating_times
                .iter()
                .rposition(|(c, s)| *c == earlier && *s == sentence)
            {
                self.floating_times.remove(p);
                replaced = true;
            }
        }
        if replaced {
            self.correcting = false;
            self.negation = false;
        }
        replaced
    }

    /// "Tourniquet left leg, I mean right leg": replaces the attribute in the last frame
    /// said before the cue that has it.
    pub(super) fn amend_in_utterance(
        &mut self,
        before: usize,
        orphans: &[(Attribute, u32, u32)],
    ) -> bool {
        if orphans.is_empty() || before == 0 {
            return false;
        }
        let mut changed = false;
        // study15: "frag in his left arm, no wait, his right arm, and his face": the
        // places said after the one that replaced are added to the same frame.
        let mut replaced_place: Option<usize> = None;
        for (attribute, _, end) in orphans {
            if let (Attribute::Place(place), Some(k)) = (attribute, replaced_place) {
                let frame = &mut self.frames[k];
                if frame.places.contains(place) || frame.accepts(attribute) {
                    if !frame.places.contains(place) {
                        frame.take(attribute.clone(), *end);
                    }
                    continue;
                }
            }
            let mut placed = false;
            for (k, frame) in self.frames[..before].iter_mut().enumerate().rev() {
                if frame.replace(attribute.clone(), *end) {
                    changed = true;
                    placed = true;
                    if matches!(attribute, Attribute::Place(_)) {
                        replaced_place = Some(k);
                    }
                    break;
                }
                // Said after the cue but new to the frame ("IM, I mean IV, at 1155").
                if changed && frame.accepts(attribute) {
                    frame.take(attribute.clone(), *end);
                    placed = true;
                    break;
                }
            }
            // "wound to the left, no wait, right thigh": the first try named no whole
            // place; the correction completes the last frame that lacks one.
            if !placed {
                if let Some(frame) = self.frames[..before]
                    .iter_mut()
                    .rev()
                    .find(|f| !f.negated && f.lacks(attribute) && f.accepts(attribute))
                {
                    frame.take(attribute.clone(), *end);
                    changed = true;
                }
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::check;

    #[test]
    fn corrections_inside_an_utterance_replace_what_they_correct() {
        check(&[
            (
                "Tourniquet left leg, I mean right leg.",
                &["Tourniquet(Extremity) places=1"],
            ),
            ("Pulse 88, correction, 98.", &["Vital(Pulse) n=98"]),
            (
                "Shrapnel wound to the right, sorry, left calf.",
                &["Injury(Penetrating, None) places=1"],
            ),
            (
                "Pressure one forty over, I mean, one thirty over ninety.",
                &["Vital(BloodPressure) 130/90"],
            ),
            (
                "Hung Hextend, no, scratch that, we are not giving Hextend.",
                &["Fluid(Hextend) negated correcting"],
            ),
            (
                "Bleeding has not stopped tourniquet left leg.",
                &["Tourniquet(Extremity) places=1"],
            ),
        ]);
    }
}
