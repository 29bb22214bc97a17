//! Dictated fields: names (with ranks), last four, battle roster, allergies.

use super::*;

/// Allergens that are no drug of the lexicon (which are allergens whenever said after
/// "allergic to"). Any other word after "allergic to" is no allergy: "allergic to
/// mornings", "allergic to work" are jokes.
fn is_allergen_word(word: &str) -> bool {
    matches!(
        word,
        "latex"
            | "sulfa"
            | "sulpha"
            | "sulfur"
            | "sulfonamides"
            | "peanuts"
            | "peanut"
            | "nuts"
            | "shellfish"
            | "shrimp"
            | "fish"
            | "eggs"
            | "egg"
            | "bees"
            | "bee"
            | "wasps"
            | "stings"
            | "iodine"
            | "contrast"
            | "adhesive"
            | "tape"
            | "penicillin"
            | "penicillins"
            | "amoxicillin"
            | "codeine"
            | "aspirin"
            | "ibuprofen"
            | "nsaids"
            | "opioids"
            | "opiates"
            | "cephalosporins"
            | "antibiotics"
            | "dairy"
            | "milk"
            | "soy"
            | "gluten"
            | "tramadol"
            | "lidocaine"
            | "novocaine"
            | "sulphonamides"
    )
}

impl Parser<'_> {
    /// "allergic to penicillin", "allergies: none", "penicillin allergy".
    /// study21: "ibuprofen upsets his stomach, but that's no allergy": a reaction judged no
    /// allergy (item `i` follows "that's no", "it's no" …) says nothing of his other
    /// allergies, so it is no NKDA.
    pub(super) fn reaction_judged(&self, i: usize) -> bool {
        let before: String = self
            .text
            .get(..self.items[i].start as usize)
            .unwrap_or_default()
            .iter()
            .flat_map(|c| c.to_lowercase())
            .map(|c| if c == '\u{2019}' { '\'' } else { c })
            .collect();
        let before = before.trim_end();
        let judged_no = [
            "that's no",
            "that is no",
            "it's no",
            "it is no",
            "thats no",
            "its no",
            "that's no real",
            "it's no real",
        ];
        // The lexicon reads "no allergy" as one item: then the judgement is "that's".
        let judged = ["that's", "that is", "it's", "it is", "thats", "its"];
        judged_no.iter().any(|cue| before.ends_with(cue))
            || (self.items[i].kind == ItemKind::Concept(Concept::NoKnownAllergies)
                && judged.iter().any(|cue| before.ends_with(cue)))
    }

    pub(super) fn allergy(&mut self, i: usize) -> usize {
        // ext17: "he's not allergic to penicillin": the drugs named after are no
        // allergens, and no drugs given either.
        if matches!(
            self.previous_significant(i),
            Some(ItemKind::Concept(Concept::Not))
        ) {
            let mut j = i + 1;
            while match self.kind_at(j) {
                Some(ItemKind::Concept(Concept::Medication(_)) | ItemKind::Comma) => true,
                Some(ItemKind::Word(w)) => is_glue(w) || w == "or",
                _ => false,
            } {
                j += 1;
            }
            return j;
        }
        let judged = self.reaction_judged(i);
        if self.negation && judged {
            return i + 1;
        }
        if self.negation {
            self.open_frame(FrameKind::NoKnownAllergies, i);
            return i + 1;
        }
        // "penicillin allergy": the drug just named is the allergen, not a dose given.
        if let Some(o) = self.open.filter(|&o| o + 1 == self.frames.len()) {
            if let FrameKind::Medication(name) = self.frames[o].kind {
                // study19: "mom says amoxicillin, she broke out in a rash": a reaction said
                // in the clause after a drug named bare names it too.
                let frame = &self.frames[o];
                let bare = frame.quantity.is_none()
                    && frame.route.is_none()
                    && frame.time.is_none()
                    && frame.number.is_none();
                let reaction_after_comma = bare
                    && self.said_lower(i).contains("broke out")
                    && matches!(self.previous_significant(i), Some(ItemKind::Comma))
                    && matches!(
                        i.checked_sub(1).and_then(|k| self.previous_significant(k)),
                        Some(ItemKind::Concept(Concept::Medication(_)))
                    );
                // set 20: "sulfa drugs give him a rash": the class word between the drug
                // and its reaction.
                let class_of_drugs = matches!(
                    self.previous_significant(i),
                    Some(ItemKind::Word(w)) if matches!(w.as_str(), "drugs" | "drug" | "meds")
                ) && matches!(
                    i.checked_sub(1).and_then(|k| self.previous_significant(k)),
                    Some(ItemKind::Concept(Concept::Medication(_)))
                );
                let said_just_before = reaction_after_comma
                    || class_of_drugs
                    || matches!(
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
            || matches!(self.kind_at(j), Some(ItemKind::Word(w)) if is_glue(w) || matches!(w.as_str(), "include" | "includes" | "for" | "block" | "box" | "says" | "said"))
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
                        )
                        && is_allergen_word(w) =>
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

    pub(super) fn allergen_frame(&mut self, name: String, j: usize) {
        let index = self.open_frame(FrameKind::Allergen(name), j);
        self.frames[index].negated = false;
        self.open = None;
    }

    /// "Sergeant Miller": a rank followed by one or two capitalised unknown words is a
    /// dictated name, rank included. Anything else ("major bleeding", "private vehicle")
    /// is no name.
    pub(super) fn rank_name(&mut self, i: usize) -> usize {
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
        // study16a: "Private Diaz, watch me": a rank and name opening the utterance before
        // a comma and an order or "you" is someone spoken to, not the casualty's name.
        let spoken_to = |last: usize| {
            let opens = self.items[..i].iter().all(|item| {
                matches!(&item.kind, ItemKind::Word(w) if matches!(w.as_str(), "okay" | "ok" | "hey" | "alright" | "right" | "now"))
                    || matches!(item.kind, ItemKind::Comma)
            });
            let next_word = match self.items.get(last + 2).map(|item| &item.kind) {
                Some(ItemKind::Word(w)) => w.as_str(),
                _ => "",
            };
            opens
                && matches!(
                    self.items.get(last + 1).map(|item| &item.kind),
                    Some(ItemKind::Comma)
                )
                && VOCATIVE_NEXT.contains(&next_word)
        };
        if let Some(last) = last.filter(|&last| spoken_to(last)) {
            return last + 1;
        }
        // study19: "Sergeant Kim goes, give him the morphine", "Sergeant Kim says…": a rank
        // and name followed by a verb of speech is someone talking, not the casualty's name.
        let speaking = |last: usize| {
            matches!(self.items.get(last + 1).map(|item| &item.kind),
                Some(ItemKind::Word(w)) if SPEECH_VERBS.contains(&w.as_str()))
        };
        if let Some(last) = last.filter(|&last| speaking(last)) {
            return last + 1;
        }
        // study21: "Sergeant Vega, this is Pike": a rank and name before "this is" is the
        // station called on the radio; "this is Doc Ames" names the caller. Neither is the
        // casualty.
        let word_at = |k: usize| match self.items.get(k).map(|item| &item.kind) {
            Some(ItemKind::Word(w)) => w.as_str(),
            _ => "",
        };
        let called = |last: usize| {
            matches!(
                self.items.get(last + 1).map(|item| &item.kind),
                Some(ItemKind::Comma)
            ) && word_at(last + 2) == "this"
                && word_at(last + 3) == "is"
        };
        // Only in the radio's "station, this is caller" form: "This is Specialist Ortiz,
        // twenty three" in a handover still dictates the casualty's name.
        let caller = i >= 3
            && word_at(i - 2) == "this"
            && word_at(i - 1) == "is"
            && matches!(self.items[i - 3].kind, ItemKind::Comma);
        // study21: "Specialist Hale put it on", "Sergeant Ruiz took him": a rank and name
        // followed by a verb of care done to another is who did it, not the casualty
        // ("Corporal Diaz took a round" is still the casualty's name).
        let doing = |last: usize| {
            let verb = word_at(last + 1);
            let object = word_at(last + 2);
            DOER_VERBS.contains(&verb)
                || (matches!(verb, "took" | "takes" | "has" | "had" | "got" | "grabbed")
                    && matches!(object, "him" | "her" | "them" | "over" | "it"))
        };
        if let Some(last) = last.filter(|&last| called(last) || caller || doing(last)) {
            return last + 1;
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
    pub(super) fn name(&mut self, i: usize) -> usize {
        // "he knows his name and where he is": a name never opens with a joining or
        // question word.
        if let Some(ItemKind::Word(w)) = self.kind_at(i + 1) {
            if matches!(
                w.as_str(),
                "and" | "or" | "but" | "so" | "where" | "what" | "who" | "how" | "if" | "when"
            ) {
                return i + 1;
            }
        }
        let mut j = self.next_significant(i + 1);
        if let Some(ItemKind::Word(w)) = self.kind_at(j) {
            if matches!(w.as_str(), "where" | "what" | "who" | "how" | "if" | "when") {
                return j + 1;
            }
        }
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
    pub(super) fn last4(&mut self, i: usize) -> usize {
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
    pub(super) fn roster(&mut self, i: usize) -> usize {
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

    pub(super) fn dictated(&mut self, kind: FrameKind, cue: usize, last: usize) {
        let index = self.open_frame(kind, cue);
        let frame = &mut self.frames[index];
        frame.negated = false;
        frame.end = self.items[last].end;
        self.open = None;
    }
}

/// study16a: words that open an order or a remark to the person just named ("Private
/// Diaz, watch me").
/// study19: verbs of speech after a rank and name: the person is talking ("Sergeant Kim
/// goes, …", "Sergeant Kim says …"), not dictated as the casualty.
const SPEECH_VERBS: &[&str] = &[
    "goes", "went", "says", "said", "tells", "told", "yells", "yelled", "shouts", "shouted",
    "asks", "asked", "calls", "called", "radios", "radioed", "wants", "wanted", "reckons",
    "thinks", "thought",
];

/// study21: verbs whose subject, right after a rank and name, did care to someone else
/// ("Specialist Hale put it on", "Sergeant Mills applied the dressing").
const DOER_VERBS: &[&str] = &[
    "put",
    "puts",
    "applied",
    "applies",
    "gave",
    "gives",
    "packed",
    "placed",
    "pushed",
    "hung",
    "started",
    "wrapped",
    "splinted",
    "dressed",
    "treated",
    "cinched",
    "tightened",
    "carried",
    "dragged",
    "pulled",
    "checked",
    "bandaged",
    "slapped",
    "did",
    "does",
];

const VOCATIVE_NEXT: &[&str] = &[
    "watch", "look", "listen", "you", "you're", "your", "come", "help", "hand", "grab", "take",
    "get", "go", "stay", "hold", "keep", "see", "check", "pay", "eyes", "over", "here",
];

/// Spoken letters for dictated roster numbers (NATO alphabet).
pub(super) fn nato_letter(word: &str) -> Option<char> {
    const ALPHABET: &[&str] = &[
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra",
        "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
    ];
    let position = ALPHABET.iter().position(|w| *w == word)?;
    char::from_u32(u32::from(b'A') + position as u32)
}

pub(super) fn title_case(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::table::check;

    #[test]
    fn dictated_fields_are_read_as_said() {
        check(&[
            (
                "Name is Brooks, last four zero eight one two.",
                &["Name(\"Brooks\")", "Last4(\"0812\")"],
            ),
            (
                "Roster M R four four one two.",
                &["BattleRoster(\"MR4412\")"],
            ),
            (
                "Casualty one is Sergeant Miller.",
                &["switch 1", "Name(\"Sergeant Miller\")"],
            ),
            ("Major bleeding from the thigh.", &[]),
            ("Allergic to penicillin.", &["Allergen(\"penicillin\")"]),
        ]);
    }
}
