//! From an utterance's text to facts in the casualty record.
//!
//! The stages, each in its own file: `normalise` (spoken numbers, times, doses), `lexicon`
//! (phrases to concepts, as data, with edit-distance and sound-alike matching of key
//! terms), `items` (concepts and places; sound-alikes only where their clause confirms
//! them), `rules` (frames and discourse cues: casualty switches, negation, plans,
//! reassessments, corrections, retractions), and here the `Extractor`, which turns frames
//! into facts with the record's context (which casualty, which side was spoken before, what
//! a correction replaces, what a group statement covers) and appends them to the event log.
//!
//! The extractor never guesses: a value that is out of range or too garbled to read is left
//! out, and a fact whose required parts were not said (a tourniquet without a limb, an
//! injury without a place) is not recorded.

pub mod answers;
pub mod burns;
pub mod exchange;
pub mod heard_doubt;
pub mod items;
pub mod lexicon;
pub mod normalise;
pub mod rules;
pub mod scope;

use crate::limits::{
    CASUALTIES_MAX, HEARD_RUN_ON_WORDS_MIN, REPEAT_DOSE_GAP_S, UTTERANCE_FACTS_MAX,
};
use crate::record::Doubt;
use crate::record::{
    CasualtyId, Clock, DoseUnit, Event, EventLog, Fact, FactId, FluidName, InjuryKind, Limb,
    LiveFact, Mechanism, Provenance, Record, RecordError, Region, Route, Slot, TourniquetKind,
    TreatmentKind, VitalValue,
};
use crate::speech::HeardWord;
use items::Place;
use lexicon::{Lexicon, Part, Side, VitalCue, MISHEARD};
use normalise::QuantityUnit;
use rules::{Action, Attribute, Frame, FrameKind};
use thiserror::Error;

/// What can go wrong while extracting.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExtractError {
    /// The record refused an event.
    #[error("cannot record what was said: {0}")]
    Record(#[from] RecordError),
    /// Utterances must arrive in order.
    #[error("utterance {got} arrived after utterance {last}; feed utterances in the order heard")]
    OutOfOrder { last: u32, got: u32 },
    /// The lexicon or scope cues built into this program failed validation: without them a
    /// plan or a question would be filed as a fact, so nothing may run.
    #[error(
        "the extraction data built into this program is invalid ({0}); this build is broken: \
         reinstall a released tccc or fix the data file and rebuild"
    )]
    Data(String),
}

/// Checks the lexicon and the clause-scope cues built into the program. Every entry point
/// that extracts calls it before its first utterance: an extractor whose data failed
/// validation would run with no rows or no scope gating, which must never happen silently.
pub fn check_embedded_data() -> Result<(), ExtractError> {
    if let Err(error) = lexicon::data() {
        return Err(ExtractError::Data(format!("lexicon.toml: {error}")));
    }
    if let Err(error) = scope::ScopeCues::shared() {
        return Err(ExtractError::Data(format!("scope_cues.toml: {error}")));
    }
    if let Err(error) = heard_doubt::HeardDoubt::shared() {
        return Err(ExtractError::Data(format!("heard_doubt.toml: {error}")));
    }
    Ok(())
}

/// Adds to `spans` the stretches of a recogniser's text whose clauses cannot be told apart
/// (studied17, slt): a sentence of `HEARD_RUN_ON_WORDS_MIN` words or more written without a
/// comma or colon ("… below the knee amputation X on the belly left lower frag …": which
/// wound is the amputation?), a sentence naming one vital sign twice (two sets run
/// together), a clause the next one denies ("NPA, not needed", "Second TQ. Not yet": the
/// recogniser wrote a comma or full stop where the medic asked a question), and a clause
/// that is only "blank" (a card's empty field, read out after a place). Facts read there
/// are filed unconfirmed; typed text is left alone (its punctuation was written, not
/// guessed). Adds to `stops` where each heard sentence ends. `sign_words` are the vital
/// signs' words of `heard_doubt.toml` (`[two_sets]`).
fn heard_unsure_spans(
    chars: &[char],
    sign_words: &[String],
    spans: &mut Vec<(u32, u32)>,
    stops: &mut Vec<u32>,
) {
    let ends_sentence = |i: usize| {
        matches!(chars[i], '.' | '?' | '!' | ';')
            && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
    };
    let pause = |c: char| matches!(c, ',' | ':');
    // Clause boundaries: (start, end, ends a sentence).
    let mut clauses: Vec<(usize, usize, bool)> = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        let sentence = ends_sentence(i);
        if sentence || pause(c) {
            clauses.push((start, i, sentence));
            start = i + 1;
        }
    }
    if start < chars.len() {
        clauses.push((start, chars.len(), true));
    }
    let words_in = |from: usize, to: usize| {
        chars[from..to]
            .split(|c| c.is_whitespace())
            .filter(|w| w.iter().any(|c| c.is_alphanumeric()))
            .count()
    };
    let first_word = |from: usize, to: usize| -> String {
        chars[from..to]
            .iter()
            .skip_while(|c| !c.is_alphanumeric())
            .take_while(|c| c.is_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect()
    };
    let mut sentence_start = 0;
    let mut sentence_pauses = false;
    let mut signs: Vec<String> = Vec::new();
    let mut sign_twice = false;
    for (k, &(from, to, ends)) in clauses.iter().enumerate() {
        if clauses
            .get(k + 1)
            .is_some_and(|&(next, next_end, _)| first_word(next, next_end) == "not")
        {
            spans.push((from as u32, to as u32));
        }
        // "left leg corner, blank": a card's empty field read out, not a place.
        if words_in(from, to) == 1 && first_word(from, to) == "blank" {
            spans.push((from as u32, to as u32));
        }
        for word in chars[from..to].split(|c| !c.is_alphanumeric()) {
            let word: String = word.iter().flat_map(|c| c.to_lowercase()).collect();
            if sign_words.contains(&word) {
                sign_twice |= signs.contains(&word);
                signs.push(word);
            }
        }
        if !ends {
            sentence_pauses = true;
            continue;
        }
        stops.push(to as u32);
        let run_on = !sentence_pauses && words_in(sentence_start, to) >= HEARD_RUN_ON_WORDS_MIN;
        // "pulse 110, BP 98 over 60, pain 7, third column 1445, pulse 102": two sets of
        // signs written as one sentence; which time goes with which set is a guess.
        if run_on || sign_twice {
            spans.push((sentence_start as u32, to as u32));
        }
        sentence_start = to + 1;
        sentence_pauses = false;
        signs.clear();
        sign_twice = false;
    }
}

/// The clock times said in `tokens`: written times ("14:32", "fourteen thirty hours") and
/// four-digit numbers that read as one ("1526", "0-9-1-0"), or three after "at" ("at 955",
/// and "at the 130", "at a 120": "at oh one thirty" heard, studied set 18, slt).
fn spoken_clocks(tokens: &[normalise::Token]) -> impl Iterator<Item = Clock> + '_ {
    use normalise::TokenKind;
    tokens
        .iter()
        .enumerate()
        .filter_map(|(i, token)| match &token.kind {
            TokenKind::Clock(clock) => Some(*clock),
            TokenKind::Number(number) => {
                let word = |back: usize| {
                    i.checked_sub(back)
                        .and_then(|k| tokens.get(k))
                        .and_then(normalise::Token::word)
                };
                let after_at = word(1) == Some("at")
                    || (matches!(word(1), Some("the" | "a")) && word(2) == Some("at"));
                let long_enough =
                    number.digits.len() == 4 || (after_at && number.digits.len() == 3);
                if long_enough {
                    number.as_clock()
                } else {
                    None
                }
            }
            _ => None,
        })
}

/// A medication or fluid given with no clock time: the kinds whose repetition can mean a
/// second dose.
fn is_untimed_dose(fact: &Fact) -> bool {
    matches!(
        fact,
        Fact::Medication { time: None, .. } | Fact::Fluid { time: None, .. }
    )
}

/// Settings of the extractor.
#[derive(Clone, Debug)]
pub struct ExtractorConfig {
    /// The casualty that facts belong to before any casualty is named.
    pub first_casualty: CasualtyId,
    /// A fact whose words include one the recogniser heard with less confidence than this
    /// is filed unconfirmed (`HEARD_CONFIDENCE_MIN` by default).
    pub heard_confidence_min: f32,
}

/// The default recogniser confidence (per word, in [0, 1]) below which a fact carried by
/// the word is filed unconfirmed. Not yet calibrated on the project's audio (the ASR does
/// not fill per-word confidences yet): 0.5 is a token probability at which Whisper's
/// greedy choice is as likely wrong as right.
pub const HEARD_CONFIDENCE_MIN: f32 = 0.5;

impl Default for ExtractorConfig {
    fn default() -> Self {
        ExtractorConfig {
            first_casualty: 1,
            heard_confidence_min: HEARD_CONFIDENCE_MIN,
        }
    }
}

/// What one utterance changed in the record.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Switched(CasualtyId),
    Asserted(CasualtyId, Fact),
    Corrected {
        casualty: CasualtyId,
        old: Fact,
        new: Option<Fact>,
    },
}

/// Turns utterances into events, one at a time, in the order heard.
#[derive(Debug)]
pub struct Extractor {
    lexicon: Lexicon,
    /// The scope cues (`scope_cues.toml`); empty if the embedded data failed validation,
    /// which `scope_error` then reports (a test keeps the shipped data valid).
    scope: &'static scope::ScopeCues,
    scope_error: Option<&'static scope::ScopeError>,
    log: EventLog,
    current: CasualtyId,
    highest: CasualtyId,
    /// Facts that hold now, kept beside the log so corrections find their target without
    /// replaying it.
    live: Vec<LiveFact>,
    /// Sides spoken per casualty and body part, to place "the leg" when only one was named.
    sides: Vec<(CasualtyId, Part, Side)>,
    last_utterance: Option<u32>,
    facts_dropped: u64,
    /// Casualties mentioned so far, in order.
    seen: Vec<CasualtyId>,
    /// Casualties named by description ("the driver", "wall guy"), each with its number.
    described: Vec<(String, CasualtyId)>,
    /// Mechanisms said of a group ("two casualties from the IED"), given to each casualty
    /// first mentioned afterwards while `group_remaining` allows.
    group: Vec<Mechanism>,
    group_remaining: Option<u8>,
    group_provenance: Option<Provenance>,
    /// The injury time said of the group ("IED strike at 2305, two casualties").
    group_injury: Option<crate::record::Clock>,
    /// The vascular access (IV or IO) each casualty last had established.
    access: Vec<(CasualtyId, Route)>,
    /// How many casualties the narration announced ("four casualties", "four down"): a
    /// casualty number up to it refers to a casualty even before it was named.
    announced: CasualtyId,
    /// The last utterance asked about allergies ("Any allergies?"): a bare drug name
    /// answering it is the allergen (study15).
    allergy_asked: bool,
    /// study18: the last utterance asked about pain ("how bad is the pain?"): a bare number
    /// answering it is the pain score.
    pain_asked: bool,
    heard_confidence_min: f32,
    /// study16a: the last utterance that was a read-back or asked to "say again": the
    /// utterance after it restates values.
    exchange_at: Option<u32>,
    /// study22: the last utterance ended in an order to someone else that the next one may
    /// confirm done ("Jones, get a tourniquet on his left leg." / "Tourniquet's on.").
    pending_order: Option<PendingOrder>,
}

/// study22: an order to someone else, kept for one utterance (`scope::pending_order`).
#[derive(Debug)]
struct PendingOrder {
    index: u32,
    start_s: f64,
    end_s: f64,
    /// The order utterance's characters.
    text: Vec<char>,
    /// The items of its last sentence (the order), before the scope gate.
    items: Vec<items::Item>,
    /// Character spans of the care words the order named.
    ordered: Vec<(u32, u32)>,
}

impl Extractor {
    /// A new extractor with an empty record. Builds the lexicon index (allocates).
    pub fn new(config: ExtractorConfig) -> Extractor {
        let first = config.first_casualty.clamp(1, CASUALTIES_MAX as CasualtyId);
        let (scope, scope_error) = match scope::ScopeCues::shared() {
            Ok(cues) => (cues, None),
            Err(error) => (&scope::NO_CUES, Some(error)),
        };
        Extractor {
            lexicon: Lexicon::new(),
            scope,
            scope_error,
            log: EventLog::new(),
            current: first,
            highest: 0,
            live: Vec::with_capacity(256),
            sides: Vec::new(),
            access: Vec::new(),
            announced: 0,
            allergy_asked: false,
            pain_asked: false,
            seen: Vec::new(),
            described: Vec::new(),
            group: Vec::new(),
            group_remaining: None,
            group_provenance: None,
            group_injury: None,
            last_utterance: None,
            facts_dropped: 0,
            heard_confidence_min: config.heard_confidence_min,
            exchange_at: None,
            pending_order: None,
        }
    }

    /// The record as it stands.
    pub fn record(&self) -> Record {
        self.log.project()
    }

    /// study16a: does this utterance only repeat, as a question or a read-back, what was
    /// filed in the two utterances before? Every fact frame must be of a kind filed there
    /// (on any casualty: a read-back may name the wrong one), and for a question one of
    /// its facts must repeat a value said there.
    fn is_read_back(
        &self,
        actions: &[Action],
        context: &UtteranceContext,
        read_back: exchange::ReadBack,
    ) -> bool {
        let recent: Vec<&LiveFact> = self
            .live
            .iter()
            .filter(|f| {
                f.provenance.utterance < context.index
                    && f.provenance.utterance + 2 >= context.index
            })
            .collect();
        let (mut frames, mut repeats) = (0, false);
        for action in actions {
            let Action::Assert(frame) = action else {
                continue;
            };
            if frame.negated {
                continue;
            }
            if !recent.iter().any(|f| fact_is_kind(&f.fact, &frame.kind)) {
                return false;
            }
            frames += 1;
            let regions: Vec<Region> = frame.places.iter().flat_map(|p| self.resolve(p)).collect();
            repeats |= self
                .facts_of(frame, &regions, context, None)
                .iter()
                .any(|fact| recent.iter().any(|f| restates(&f.fact, fact)));
        }
        frames > 0 && (repeats || read_back == exchange::ReadBack::Stated)
    }

    /// study16a: in an exchange, is `fact` said again as it was filed for this casualty in
    /// the last three utterances (a vital's value with no time or the same time; any other
    /// fact equal or with less detail)?
    fn restated(&self, fact: &Fact, index: u32) -> bool {
        self.live.iter().any(|f| {
            f.casualty == self.current
                && f.provenance.utterance < index
                && f.provenance.utterance + 3 >= index
                && match (&f.fact, fact) {
                    (Fact::Vital { value: a, time: t }, Fact::Vital { value: b, time: u }) => {
                        a == b && (u.is_none() || u == t)
                    }
                    (old, new) => restates(old, new),
                }
        })
    }

    /// Every event so far.
    pub fn events(&self) -> &[Event] {
        self.log.events()
    }

    /// The event log the record is projected from.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// Facts that hold now (kept incrementally; equals the log's projection).
    pub fn live_facts(&self) -> &[LiveFact] {
        &self.live
    }

    /// The medic confirmed fact `id` (e.g. from the console): its unconfirmed mark goes.
    pub fn confirm(&mut self, id: FactId, provenance: Provenance) -> Result<(), ExtractError> {
        self.log.confirm_fact(id, provenance)?;
        // A confirmation may bring back a fact rejected by mistake: take the log's view.
        self.live = self.log.live_facts();
        Ok(())
    }

    /// The medic corrected fact `old` (from the console): it leaves the card, replaced by
    /// `by` when given (a `Corrected` event, as a spoken correction makes).
    pub fn correct(
        &mut self,
        old: FactId,
        by: Option<FactId>,
        provenance: Provenance,
    ) -> Result<(), ExtractError> {
        self.log.correct_fact(old, by, provenance)?;
        self.live = self.log.live_facts();
        Ok(())
    }

    /// The medic rejected fact `id`: it leaves the card (the log keeps it) and later
    /// corrections no longer find it.
    pub fn reject(&mut self, id: FactId, provenance: Provenance) -> Result<(), ExtractError> {
        self.log.reject_fact(id, provenance)?;
        self.live.retain(|f| f.id != id);
        Ok(())
    }

    /// Why the embedded scope cues could not be used, if they could not (then plans,
    /// questions and stories are not told from reports: never the case in a tested build).
    pub fn scope_error(&self) -> Option<&'static scope::ScopeError> {
        self.scope_error
    }

    /// Why the embedded lexicon could not be used, if it could not (then nothing is read:
    /// never the case in a tested build).
    pub fn lexicon_error(&self) -> Option<&'static lexicon::LexiconError> {
        self.lexicon.error()
    }

    /// The casualty that facts are filed for now.
    pub fn current_casualty(&self) -> CasualtyId {
        self.current
    }

    /// Files a fact that something other than the rules proposed (the language model's
    /// second reading, `llm::reader`) about `casualty`. The caller gives a provenance with
    /// a doubt, so the fact is filed unconfirmed; it is read back like any other.
    pub fn file_proposed(
        &mut self,
        casualty: CasualtyId,
        fact: Fact,
        provenance: Provenance,
    ) -> Result<FactId, ExtractError> {
        let id = self.log.assert_fact(casualty, fact.clone(), provenance)?;
        self.highest = self.highest.max(casualty);
        self.live.push(LiveFact {
            id,
            casualty,
            fact,
            provenance,
            unconfirmed: provenance.doubt.is_some(),
        });
        Ok(id)
    }

    /// Facts not recorded because an utterance said more than `UTTERANCE_FACTS_MAX`.
    pub fn facts_dropped(&self) -> u64 {
        self.facts_dropped
    }

    /// Reads one utterance heard from `start_s` to `end_s` and records what it says. Typed
    /// text: no word confidences (unknown, not low).
    pub fn push_utterance(
        &mut self,
        index: u32,
        text: &str,
        start_s: f64,
        end_s: f64,
    ) -> Result<Vec<Change>, ExtractError> {
        self.push_heard(index, text, &[], start_s, end_s)
    }

    /// Reads one utterance as the recogniser heard it: `words` gives each word's byte span
    /// in `text` and its confidence. A fact is filed unconfirmed when a word inside its span
    /// was heard below `ExtractorConfig::heard_confidence_min`; words not listed (or an
    /// empty list) are of unknown confidence and cast no doubt.
    pub fn push_heard(
        &mut self,
        index: u32,
        text: &str,
        words: &[HeardWord],
        start_s: f64,
        end_s: f64,
    ) -> Result<Vec<Change>, ExtractError> {
        if let Some(last) = self.last_utterance {
            if index <= last {
                return Err(ExtractError::OutOfOrder { last, got: index });
            }
        }
        self.last_utterance = Some(index);
        let bounded = normalise::bounded(text);
        // study23: dictated punctuation, list labels and radio cuts, rewritten with the
        // same characters' count so that spans and heard words still line up.
        let marked = normalise::spoken_marks(bounded);
        let said = marked.as_deref().unwrap_or(bounded);
        let chars: Vec<char> = said.chars().collect();
        // Byte offset of each character (and of the end), to find the heard words of a span.
        let byte_of_char: Vec<u32> = if words.is_empty() {
            Vec::new()
        } else {
            bounded
                .char_indices()
                .map(|(b, _)| b as u32)
                .chain(std::iter::once(bounded.len() as u32))
                .collect()
        };
        let mut sound_alike = Vec::new();
        let tokens = normalise::normalise_marked(said, &mut sound_alike);
        let mut unsure = Vec::new();
        let mut heard_stops = Vec::new();
        if !words.is_empty() {
            // Without valid data (never in a tested build: `check_embedded_data`) no sign
            // word is known and only the other signals doubt.
            let sign_words = heard_doubt::HeardDoubt::shared()
                .map(|data| data.sign_words.as_slice())
                .unwrap_or_default();
            heard_unsure_spans(&chars, sign_words, &mut unsure, &mut heard_stops);
        }
        let mut items = items::items(&tokens, &self.lexicon);
        shot_then_place(&mut items);
        self.allergy_asked = answer_allergies(&mut items, &chars, self.allergy_asked);
        self.pain_asked = answers::answer_pain(&mut items, &chars, self.pain_asked);
        answers::answer_vitals(&mut items, &chars);
        let ungated = items.clone();
        let burns_said = burns::noted(&items, &chars);
        scope::gate(&mut items, &chars, self.scope);
        let burns_said = burns::kept(burns_said, &items, &chars);
        // study22: an order confirmed done by this utterance's first sentence is filed
        // first (it was done before what this utterance reports); an order left
        // unconfirmed is dropped.
        let confirmed = self
            .pending_order
            .take()
            .filter(|_| scope::confirms_done(&items, &chars, self.scope));
        let confirmed_changes = match confirmed {
            Some(order) => self.file_confirmed_order(order)?,
            None => Vec::new(),
        };
        self.pending_order = scope::pending_order(&ungated, &items, &chars, self.scope).map(
            |(sentence_start, ordered)| PendingOrder {
                index,
                start_s,
                end_s,
                text: chars.clone(),
                items: ungated[sentence_start..].to_vec(),
                ordered,
            },
        );
        let actions = rules::parse(&items, &chars);
        // Heard text: a clock time said in the utterance that no frame took ("… slow IV.
        // 1 5 2 6. No fentanyl.", "At 955. Pulse 108 …": the recogniser's full stop cut the
        // time from its fact).
        let unused_clock = !words.is_empty() && {
            let used: Vec<Clock> = actions
                .iter()
                .filter_map(|action| match action {
                    Action::Assert(frame) => Some(frame),
                    _ => None,
                })
                .flat_map(|frame| {
                    frame
                        .time
                        .into_iter()
                        .chain(frame.place_times.iter().flatten().copied())
                })
                .collect();
            // A number the normaliser read from sound-alikes that no frame took ("Reach
            // F0, 9 or 4 0. HR102, BP104 over 66, …": the recheck time 0940, misheard) may
            // be a lost time as well (studied17, slt).
            let frames_read = |&(from, to): &(u32, u32)| {
                actions.iter().any(|action| {
                    matches!(action, Action::Assert(frame) if frame.start < to && from < frame.end)
                })
            };
            spoken_clocks(&tokens).any(|clock| !used.contains(&clock))
                || !sound_alike.iter().all(frames_read)
        };
        let cues = exchange::cues(&chars);
        let mut context = UtteranceContext {
            index,
            start_s,
            end_s,
            changes: confirmed_changes,
            facts: 0,
            limbs_said: Vec::new(),
            regions_said: Vec::new(),
            retracted: Vec::new(),
            all_casualties: Vec::new(),
            words,
            byte_of_char,
            exchange: cues.exchange || self.exchange_at.is_some_and(|u| u + 1 == index),
            sound_alike,
            unsure,
            heard_stops,
            unused_clock,
        };
        // study16a: a teammate's read-back files nothing and switches no casualty.
        if cues.exchange {
            self.exchange_at = Some(index);
        }
        if cues.read_back != exchange::ReadBack::None
            && self.is_read_back(&actions, &context, cues.read_back)
        {
            return Ok(context.changes);
        }
        // adv15: a burned surface or a weight is filed for the casualty spoken of where
        // it was said, so it goes in among the actions by its position.
        let mut noted = burns_said.into_iter().peekable();
        for action in actions {
            let at = action_start(&action);
            while let Some(note) = noted.next_if(|n| at.is_some_and(|a| n.start < a)) {
                self.note(note, &mut context)?;
            }
            self.apply(action, &mut context)?;
        }
        for note in noted {
            self.note(note, &mut context)?;
        }
        Ok(context.changes)
    }

    /// study22: files the care an order to someone else named (`PendingOrder::ordered`),
    /// read as its utterance said it with the rules the confirmation lifts left out, with
    /// that utterance's provenance. Only care frames whose word the order named are filed:
    /// the rest of the sentence was read when it was said.
    fn file_confirmed_order(&mut self, order: PendingOrder) -> Result<Vec<Change>, ExtractError> {
        let lifted = scope::lifted(self.scope);
        let mut items = order.items;
        scope::gate(&mut items, &order.text, &lifted);
        let mut context = UtteranceContext {
            index: order.index,
            start_s: order.start_s,
            end_s: order.end_s,
            changes: Vec::new(),
            facts: 0,
            limbs_said: Vec::new(),
            regions_said: Vec::new(),
            retracted: Vec::new(),
            all_casualties: Vec::new(),
            words: &[],
            byte_of_char: Vec::new(),
            exchange: false,
            sound_alike: Vec::new(),
            unsure: Vec::new(),
            heard_stops: Vec::new(),
            unused_clock: false,
        };
        for action in rules::parse(&items, &order.text) {
            let Action::Assert(frame) = &action else {
                continue;
            };
            let care = matches!(
                frame.kind,
                FrameKind::Tourniquet(_)
                    | FrameKind::Treatment(_)
                    | FrameKind::Medication(_)
                    | FrameKind::Fluid(_)
            );
            let named = order
                .ordered
                .iter()
                .any(|&(start, end)| frame.start < end && start < frame.end);
            if care && named {
                self.apply(action, &mut context)?;
            }
        }
        Ok(context.changes)
    }

    /// adv15: files a burned surface or a weight (advisor evidence, not on the card).
    fn note(
        &mut self,
        note: burns::Noted,
        context: &mut UtteranceContext,
    ) -> Result<(), ExtractError> {
        if context.facts >= UTTERANCE_FACTS_MAX {
            self.facts_dropped += 1;
            return Ok(());
        }
        let provenance = self.provenance(context, note.start, note.end, note.confidence);
        self.record_fact(note.fact, provenance, context)?;
        Ok(())
    }

    fn provenance(
        &self,
        context: &UtteranceContext,
        start: u32,
        end: u32,
        confidence: f32,
    ) -> Provenance {
        Provenance {
            utterance: context.index,
            char_start: start,
            char_end: end,
            heard_start_s: context.start_s,
            heard_end_s: context.end_s,
            confidence,
            doubt: self.doubt(context, start, end, confidence),
            lexicon: self.lexicon.version(),
        }
    }

    /// Why a fact read from characters `start..end` with `confidence` is unconfirmed.
    fn doubt(
        &self,
        context: &UtteranceContext,
        start: u32,
        end: u32,
        confidence: f32,
    ) -> Option<Doubt> {
        if confidence <= MISHEARD {
            return Some(Doubt::SoundAlike);
        }
        if confidence <= scope::HEDGED {
            return Some(Doubt::Ambiguous);
        }
        let overlaps =
            |spans: &[(u32, u32)]| spans.iter().any(|&(from, to)| from < end && start < to);
        // A number the normaliser read from a sound-alike ("9 or 4" for niner four).
        if overlaps(&context.sound_alike) {
            return Some(Doubt::SoundAlike);
        }
        // A heard run-on's clauses could be cut elsewhere: the medic confirms it.
        if overlaps(&context.unsure)
            || context
                .heard_stops
                .iter()
                .any(|&stop| start <= stop && stop + 1 < end)
        {
            return Some(Doubt::Ambiguous);
        }
        let byte = |c: u32| context.byte_of_char.get(c as usize).copied();
        let (Some(first), Some(last)) = (
            byte(start),
            byte(end).or(context.byte_of_char.last().copied()),
        ) else {
            return None;
        };
        crate::speech::lowest_confidence(context.words, first, last)
            .filter(|lowest| *lowest < self.heard_confidence_min)
            .map(|_| Doubt::LowConfidence)
    }

    fn switch_to(
        &mut self,
        casualty: CasualtyId,
        provenance: Provenance,
        context: &mut UtteranceContext,
    ) -> Result<(), ExtractError> {
        self.current = casualty;
        self.highest = self.highest.max(casualty);
        context.all_casualties.clear();
        self.log.switch_casualty(casualty, provenance)?;
        context.changes.push(Change::Switched(casualty));
        context.limbs_said.clear();
        self.first_mention(context)?;
        Ok(())
    }

    /// A casualty heard for the first time takes the mechanisms said of its group.
    fn first_mention(&mut self, context: &mut UtteranceContext) -> Result<(), ExtractError> {
        if self.seen.contains(&self.current) {
            return Ok(());
        }
        self.seen.push(self.current);
        let Some(provenance) = self.group_provenance else {
            return Ok(());
        };
        if self.group_remaining == Some(0) {
            return Ok(());
        }
        self.group_remaining = self.group_remaining.map(|n| n.saturating_sub(1));
        let injury = self.group_injury.map(Fact::InjuryTime);
        for fact in self
            .group
            .iter()
            .map(|m| Fact::Mechanism(*m))
            .chain(injury)
            .collect::<Vec<_>>()
        {
            if matches!(self.relation_to_live(&fact, false), Relation::New) {
                self.record_fact(fact, provenance, context)?;
            }
        }
        Ok(())
    }

    fn apply(
        &mut self,
        action: Action,
        context: &mut UtteranceContext,
    ) -> Result<(), ExtractError> {
        match action {
            Action::Switch {
                casualty,
                start,
                end,
            } => {
                let provenance = self.provenance(context, start, end, 1.0);
                self.switch_to(casualty, provenance, context)?;
            }
            Action::Refer {
                casualty,
                start,
                end,
            } => {
                let named = self.seen.contains(&casualty) || casualty <= self.announced;
                if named && casualty != self.current {
                    let provenance = self.provenance(context, start, end, 1.0);
                    self.switch_to(casualty, provenance, context)?;
                }
            }
            Action::Describe {
                key,
                number,
                switch,
                refer,
                start,
                end,
            } => {
                let known = self
                    .described
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, id)| *id);
                // The first description of the narration names the casualty spoken of so
                // far ("Vehicle rollover, driver trapped"); every new one after it is a
                // casualty of its own, numbered in order of mention.
                let first_of_all =
                    self.described.is_empty() && self.seen.iter().all(|&c| c == self.current);
                let id = match (number, known) {
                    (Some(n), _) => n,
                    (None, Some(id)) => id,
                    (None, None) if first_of_all => self.current,
                    (None, None) => self.highest.max(self.current).saturating_add(1),
                };
                if usize::from(id) <= CASUALTIES_MAX && self.described.len() < CASUALTIES_MAX {
                    self.described.retain(|(k, _)| *k != key);
                    self.described.push((key, id));
                    if switch || (refer && known.is_some()) {
                        if id != self.current || !self.seen.contains(&id) {
                            let provenance = self.provenance(context, start, end, 1.0);
                            self.switch_to(id, provenance, context)?;
                        }
                    } else {
                        self.highest = self.highest.max(id);
                        if !self.seen.contains(&id) {
                            self.seen.push(id);
                        }
                    }
                }
            }
            Action::Announce { count } => {
                self.announced = self.announced.max(count);
            }
            Action::Recall { key, start, end } => {
                let known = self
                    .described
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, id)| *id);
                if let Some(id) = known.filter(|id| *id != self.current) {
                    let provenance = self.provenance(context, start, end, 1.0);
                    self.switch_to(id, provenance, context)?;
                }
            }
            Action::SwitchToNext { start, end } => {
                let next = if self.highest == 0 && self.live.is_empty() {
                    self.current
                } else {
                    self.highest.max(self.current).saturating_add(1)
                };
                if usize::from(next) <= CASUALTIES_MAX {
                    let provenance = self.provenance(context, start, end, 1.0);
                    self.switch_to(next, provenance, context)?;
                }
            }
            Action::Assert(frame) => {
                if context.all_casualties.is_empty() {
                    self.assert_frame(frame, context)?;
                } else {
                    let saved = self.current;
                    for casualty in context.all_casualties.clone() {
                        self.current = casualty;
                        self.assert_frame(frame.clone(), context)?;
                    }
                    self.current = saved;
                }
            }
            Action::GroupMechanism {
                mechanism,
                count,
                start,
                end,
            } => {
                let provenance = self.provenance(context, start, end, 1.0);
                let same_statement = self
                    .group_provenance
                    .is_some_and(|p| p.utterance == context.index);
                if !same_statement {
                    self.group.clear();
                    self.group_injury = None;
                    self.group_remaining = count;
                    self.group_provenance = Some(provenance);
                }
                if !self.group.contains(&mechanism) {
                    self.group.push(mechanism);
                }
            }
            Action::GroupInjuryTime {
                time,
                count,
                start,
                end,
            } => {
                let provenance = self.provenance(context, start, end, 1.0);
                let same_statement = self
                    .group_provenance
                    .is_some_and(|p| p.utterance == context.index);
                if !same_statement {
                    self.group.clear();
                    self.group_remaining = count;
                    self.group_provenance = Some(provenance);
                }
                self.group_injury = Some(time);
            }
            Action::SwitchToList {
                casualties,
                start,
                end,
            } => {
                let provenance = self.provenance(context, start, end, 1.0);
                for casualty in &casualties {
                    self.switch_to(*casualty, provenance, context)?;
                }
                context.all_casualties = casualties;
            }
            Action::SwitchToAll { .. } => {
                context.all_casualties = self.log.casualties_in_order();
            }
            Action::Access { route } => {
                self.access
                    .retain(|(casualty, _)| *casualty != self.current);
                self.access.push((self.current, route));
            }
            Action::RetractPrevious { start, end, kinds } => {
                let previous = self
                    .live
                    .iter()
                    .filter(|f| {
                        f.casualty == self.current && f.provenance.utterance < context.index
                    })
                    .map(|f| f.provenance.utterance)
                    .max();
                if let Some(utterance) = previous {
                    let targets: Vec<FactId> = self
                        .live
                        .iter()
                        .filter(|f| {
                            f.casualty == self.current
                                && f.provenance.utterance == utterance
                                && (kinds.is_empty()
                                    || kinds.iter().any(|k| fact_is_kind(&f.fact, k)))
                        })
                        .map(|f| f.id)
                        .collect();
                    let provenance = self.provenance(context, start, end, 1.0);
                    for id in targets {
                        if let Some(fact) = self.live.iter().find(|f| f.id == id) {
                            context.retracted.push(fact.fact.clone());
                        }
                        self.supersede(id, None, provenance, context)?;
                    }
                }
            }
            Action::Amend {
                attribute,
                start,
                end,
            } => {
                // A corrected time replaces a time said before; it never dates a fact
                // that was filed without one ("make that 1550" is not the vitals' time).
                let is_time = matches!(attribute, Attribute::Time(_));
                let target = self
                    .live
                    .iter()
                    .rev()
                    .filter(|f| f.casualty == self.current)
                    .filter(|f| !is_time || f.fact.time().is_some())
                    .find_map(|f| amended(&f.fact, &attribute).map(|fact| (f.id, fact)));
                if let Some((old, fact)) = target {
                    let provenance = self.provenance(context, start, end, 0.9);
                    let new = self
                        .log
                        .assert_fact(self.current, fact.clone(), provenance)?;
                    self.live.push(LiveFact {
                        id: new,
                        casualty: self.current,
                        fact: fact.clone(),
                        provenance,
                        unconfirmed: provenance.doubt.is_some(),
                    });
                    self.supersede(old, Some(new), provenance, context)?;
                }
            }
            Action::RejectMechanism {
                mechanism,
                start,
                end,
            } => {
                let target = self
                    .live
                    .iter()
                    .find(|f| f.casualty == self.current && f.fact == Fact::Mechanism(mechanism))
                    .map(|f| f.id);
                if let Some(id) = target {
                    let provenance = self.provenance(context, start, end, 1.0);
                    self.supersede(id, None, provenance, context)?;
                }
            }
        }
        Ok(())
    }

    /// Marks a fact superseded in the log and drops it from the live list.
    fn supersede(
        &mut self,
        old: FactId,
        by: Option<FactId>,
        provenance: Provenance,
        context: &mut UtteranceContext,
    ) -> Result<(), ExtractError> {
        self.log.correct_fact(old, by, provenance)?;
        if let Some(position) = self.live.iter().position(|f| f.id == old) {
            let removed = self.live.remove(position);
            let new = by
                .and_then(|id| self.live.iter().find(|f| f.id == id))
                .map(|f| f.fact.clone());
            context.changes.push(Change::Corrected {
                casualty: removed.casualty,
                old: removed.fact,
                new,
            });
        }
        Ok(())
    }

    fn learn_sides(&mut self, places: &[Place]) {
        for place in places {
            if let (true, Some(side)) = (place.is_lateral(), place.side) {
                if side != Side::Both && !self.sides.contains(&(self.current, place.part, side)) {
                    self.sides.push((self.current, place.part, side));
                }
            }
        }
    }

    /// A place without a side takes the only side spoken for that part of this casualty.
    fn resolve(&self, place: &Place) -> Vec<Region> {
        if place.side.is_some() || !place.is_lateral() {
            return place.regions();
        }
        let mut sides = self
            .sides
            .iter()
            .filter(|(casualty, part, _)| *casualty == self.current && *part == place.part)
            .map(|(_, _, side)| *side);
        match (sides.next(), sides.next()) {
            (Some(side), None) => Place {
                part: place.part,
                side: Some(side),
            }
            .regions(),
            _ => Vec::new(),
        }
    }

    /// The limb a tourniquet without a spoken limb is on: the only limb said in this
    /// utterance (filed unconfirmed). Never a wound's limb from an earlier utterance: that
    /// would be a guess, and a tourniquet without a limb is not recorded.
    fn implied_limb(&self, context: &UtteranceContext) -> Option<Limb> {
        let only = |mut limbs: Vec<Limb>| {
            limbs.dedup();
            if limbs.len() == 1 {
                limbs.first().copied()
            } else {
                None
            }
        };
        only(context.limbs_said.clone())
    }

    fn assert_frame(
        &mut self,
        frame: Frame,
        context: &mut UtteranceContext,
    ) -> Result<(), ExtractError> {
        self.learn_sides(&frame.places);
        let regions: Vec<Region> = frame.places.iter().flat_map(|p| self.resolve(p)).collect();
        for region in &regions {
            if let Some(limb) = Limb::of_region(*region) {
                context.limbs_said.push(limb);
            }
            context.regions_said.push(*region);
        }
        if frame.negated {
            return Ok(());
        }
        // study18: "Moxi too, four hundred by mouth, same time.": the time of the latest
        // act or reading filed with one (whoever it was for); an injury time is no act.
        let mut frame = frame;
        if frame.same_time && frame.time.is_none() {
            frame.time = self
                .live
                .iter()
                .rev()
                .filter(|f| !matches!(f.fact, Fact::InjuryTime(_)))
                .find_map(|f| f.fact.time());
        }
        let template = if frame.correcting {
            frame_slot(&frame).and_then(|slot| {
                self.live
                    .iter()
                    .rev()
                    .filter(|f| f.casualty == self.current && slots_match(f.fact.slot(), slot))
                    .find(|f| may_be_corrected(frame.rejected.as_ref(), &f.fact))
                    .map(|f| (f.id, f.fact.clone()))
            })
        } else {
            None
        };
        // After "scratch that", the withdrawn fact of the same kind lends its details to
        // the correction ("that was lactated ringers, not Hextend").
        let lender = match (&template, frame.correcting) {
            (Some((_, fact)), _) => Some(fact.clone()),
            (None, true) => context
                .retracted
                .iter()
                .rev()
                .find(|fact| same_kind(fact, &frame.kind))
                .cloned(),
            (None, false) => None,
        };
        let facts: Vec<Fact> = self
            .facts_of(&frame, &regions, context, lender.as_ref())
            .into_iter()
            .map(|fact| match &lender {
                Some(lender) => fill_from(fact, lender),
                None => fact,
            })
            .collect();
        let mut provenance = self.provenance(context, frame.start, frame.end, frame.confidence);
        // A limb or site the narrator did not say, taken from the same utterance's wound, is
        // likely but not said: the fact is filed unconfirmed.
        let implied = regions.is_empty()
            && lender.is_none()
            && facts.iter().any(|fact| match (fact, &frame.kind) {
                // adv15: "SAM junctional, left": the side was said, and a junctional device
                // on it sits at the groin or armpit of that side's limb; the schema files
                // it by that limb, which is no guess.
                (
                    Fact::Tourniquet {
                        limb,
                        kind: TourniquetKind::Junctional,
                        ..
                    },
                    FrameKind::Tourniquet(_),
                ) if frame.side_only.is_some_and(|side| {
                    matches!(
                        (side, limb),
                        (Side::Left, Limb::LeftArm | Limb::LeftLeg)
                            | (Side::Right, Limb::RightArm | Limb::RightLeg)
                    )
                }) =>
                {
                    false
                }
                (Fact::Tourniquet { .. }, FrameKind::Tourniquet(_)) => true,
                (Fact::Treatment { site, kind, .. }, FrameKind::Treatment(_)) => {
                    site.is_some() && *kind != TreatmentKind::EyeShield
                }
                _ => false,
            });
        if implied && provenance.doubt.is_none() {
            provenance.doubt = Some(Doubt::Ambiguous);
        }
        let untimed = |fact: &Fact| {
            matches!(
                fact,
                Fact::Tourniquet { time: None, .. }
                    | Fact::Vital { time: None, .. }
                    | Fact::Treatment { time: None, .. }
                    | Fact::Fluid { time: None, .. }
                    | Fact::Medication { time: None, .. }
            )
        };
        if context.unused_clock && provenance.doubt.is_none() && facts.iter().any(untimed) {
            provenance.doubt = Some(Doubt::Ambiguous);
        }
        // Heard text: a drug or fluid named with no dose, volume, route or time ("L.R.G.'s
        // block, penicillin" for "Allergies block: penicillin") was named in passing or
        // misheard; no gold drug of the project's corpora is bare.
        let bare = |fact: &Fact| {
            matches!(
                fact,
                Fact::Medication {
                    dose: None,
                    route: None,
                    time: None,
                    ..
                } | Fact::Fluid {
                    volume_ml: None,
                    route: None,
                    time: None,
                    ..
                }
            )
        };
        if !context.words.is_empty() && provenance.doubt.is_none() && facts.iter().any(bare) {
            provenance.doubt = Some(Doubt::Ambiguous);
        }
        let mut corrected = false;
        for fact in facts {
            if context.exchange && self.restated(&fact, context.index) {
                continue;
            }
            // study16a: "sats ninety-seven on the oxygen" with oxygen already on the card.
            let oxygen_on = |f: &LiveFact| {
                f.casualty == self.current
                    && matches!(
                        f.fact,
                        Fact::Treatment {
                            kind: TreatmentKind::Oxygen,
                            ..
                        }
                    )
            };
            if frame.reading_on && self.live.iter().any(oxygen_on) {
                continue;
            }
            if context.facts >= UTTERANCE_FACTS_MAX {
                self.facts_dropped += 1;
                continue;
            }
            if let (Some((old, _)), false) = (&template, corrected) {
                // The first fact of a correcting frame replaces the latest of its slot.
                let new = self.record_fact(fact, provenance, context)?;
                self.supersede(*old, Some(new), provenance, context)?;
                corrected = true;
                continue;
            }
            match self.relation_to_live(&fact, frame.another) {
                Relation::AlreadyKnown
                    if is_untimed_dose(&fact)
                        && self.heard_again_later(&fact, provenance.heard_start_s) =>
                {
                    // The same untimed dose said again minutes later is most likely a repeat
                    // dose, but could be a restatement: filed as a new dose, unconfirmed, so
                    // the medic confirms or rejects it.
                    let mut repeat = provenance;
                    repeat.doubt = Some(Doubt::Ambiguous);
                    self.record_fact(fact, repeat, context)?;
                }
                Relation::AlreadyKnown => {}
                Relation::Refines(old) => {
                    let new = self.record_fact(fact, provenance, context)?;
                    self.supersede(old, Some(new), provenance, context)?;
                }
                Relation::New => {
                    self.record_fact(fact, provenance, context)?;
                }
            }
        }
        Ok(())
    }

    fn record_fact(
        &mut self,
        fact: Fact,
        provenance: Provenance,
        context: &mut UtteranceContext,
    ) -> Result<FactId, ExtractError> {
        self.first_mention(context)?;
        let id = self
            .log
            .assert_fact(self.current, fact.clone(), provenance)?;
        self.highest = self.highest.max(self.current);
        self.live.push(LiveFact {
            id,
            casualty: self.current,
            fact: fact.clone(),
            provenance,
            unconfirmed: provenance.doubt.is_some(),
        });
        context.changes.push(Change::Asserted(self.current, fact));
        context.facts += 1;
        Ok(id)
    }

    /// Whether the latest live copy of `fact` (same casualty) was heard at least
    /// `REPEAT_DOSE_GAP_S` before `heard_start_s`.
    fn heard_again_later(&self, fact: &Fact, heard_start_s: f64) -> bool {
        self.live
            .iter()
            .rev()
            .find(|f| f.casualty == self.current && f.fact == *fact)
            .is_some_and(|f| heard_start_s - f.provenance.heard_end_s >= REPEAT_DOSE_GAP_S)
    }

    /// Is this fact new, a repeat of a live one, or a fuller version of one?
    fn relation_to_live(&self, fact: &Fact, another: bool) -> Relation {
        for live in self
            .live
            .iter()
            .rev()
            .filter(|f| f.casualty == self.current)
        {
            if !slots_match(live.fact.slot(), fact.slot()) {
                continue;
            }
            match (&live.fact, fact) {
                // A sign felt again is a new observation (weak, then palpable, then weak).
                (Fact::Vital { .. } | Fact::Perfusion(_), _) => return Relation::New,
                (
                    Fact::Sex(_)
                    | Fact::Evac(_)
                    | Fact::Name(_)
                    | Fact::Last4(_)
                    | Fact::BattleRoster(_),
                    _,
                ) => {
                    return if live.fact == *fact {
                        Relation::AlreadyKnown
                    } else {
                        Relation::Refines(live.id)
                    };
                }
                (old, new) if old == new => {
                    if another
                        && matches!(
                            new,
                            Fact::Tourniquet { .. }
                                | Fact::Medication { .. }
                                | Fact::Fluid { .. }
                                | Fact::Treatment { .. }
                        )
                    {
                        return Relation::New;
                    }
                    return Relation::AlreadyKnown;
                }
                (old, new) => {
                    if another {
                        continue;
                    }
                    if subsumes(old, new) {
                        return Relation::AlreadyKnown;
                    }
                    if subsumes(new, old) {
                        return Relation::Refines(live.id);
                    }
                }
            }
        }
        Relation::New
    }

    /// gaps10: "hanging unit three", "unit four going in" said with no fluid named: one
    /// more unit of the blood product (whole blood, packed cells, plasma, platelets) filed
    /// last for this casualty, through its route unless one was said; its volume only when
    /// said. Nothing when no blood product was filed for the casualty (the unit is not
    /// known to be blood), or when the unit's number is already filed ("unit two's in"
    /// about the second unit on the card).
    fn further_unit_of_blood(&self, frame: &Frame) -> Option<Fact> {
        let blood = |name: &FluidName| {
            matches!(
                name,
                FluidName::WholeBlood | FluidName::Prbc | FluidName::Plasma | FluidName::Platelets
            )
        };
        let mine = || self.live.iter().filter(|f| f.casualty == self.current);
        let (name, earlier_route) = mine().rev().find_map(|f| match f.fact {
            Fact::Fluid { name, route, .. } if blood(&name) => Some((name, route)),
            _ => None,
        })?;
        let filed = mine()
            .filter(|f| matches!(f.fact, Fact::Fluid { name: n, .. } if n == name))
            .count();
        if frame
            .unit_number
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| filed >= n))
        {
            return None;
        }
        let volume_ml = match frame.quantity {
            Some((value, QuantityUnit::Ml)) if (1.0..=10_000.0).contains(&value) => {
                Some(value.round() as u32)
            }
            _ => None,
        };
        let route = frame
            .route
            .filter(|r| matches!(r, Route::Iv | Route::Io))
            .or(earlier_route);
        Some(Fact::Fluid {
            name,
            volume_ml,
            route,
            time: frame.time,
        })
    }

    /// The facts a frame states, or none when a required part was not said.
    fn facts_of(
        &self,
        frame: &Frame,
        regions: &[Region],
        context: &UtteranceContext,
        template: Option<&Fact>,
    ) -> Vec<Fact> {
        let time = frame.time;
        let mut facts = Vec::new();
        match &frame.kind {
            FrameKind::Injury(kind, mechanism) => {
                if let Some(mechanism) = mechanism {
                    facts.push(Fact::Mechanism(*mechanism));
                }
                let mut filed: Vec<Region> = regions.to_vec();
                if regions.is_empty() {
                    if let Some(Fact::Injury { region, .. }) = template {
                        filed.push(*region);
                    }
                }
                // adv18: bowel out, an evisceration, is of the abdomen when no place is said
                // (what the words mean, not a guess).
                if filed.is_empty() && frame.eviscerated {
                    filed.push(Region::Abdomen);
                }
                for region in filed {
                    // adv18: the organs out of a wound already on the card ("GSW to the
                    // belly, intestines hanging out") are that wound, not another one.
                    // ext17: so is a wound of no kind said where one is ("GSW left
                    // thigh … the wound on the left leg").
                    let wound_there = (frame.eviscerated || *kind == InjuryKind::Other)
                        && self.live.iter().any(|f| {
                            f.casualty == self.current
                                && matches!(f.fact, Fact::Injury { region: r, .. } if r == region)
                        });
                    if !wound_there {
                        facts.push(Fact::Injury {
                            region,
                            kind: *kind,
                        });
                    }
                    if frame.open && *kind == InjuryKind::Fracture {
                        facts.push(Fact::OpenFracture { region });
                    }
                    if frame.eviscerated && *kind == InjuryKind::Other {
                        facts.push(Fact::Evisceration { region });
                    }
                }
            }
            FrameKind::Tourniquet(kind) => {
                // Each place keeps the time said with it; a place said without one takes the
                // frame's time.
                let mut limbs: Vec<(Limb, Option<crate::record::Clock>)> = Vec::new();
                for (index, place) in frame.places.iter().enumerate() {
                    let place_time = frame.place_times.get(index).copied().flatten();
                    for region in self.resolve(place) {
                        if let Some(limb) = Limb::of_region(region) {
                            if !limbs.iter().any(|(l, _)| *l == limb) {
                                limbs.push((limb, place_time));
                            }
                        }
                    }
                }
                let template_fields = match template {
                    Some(Fact::Tourniquet { limb, time, .. }) => Some((*limb, *time)),
                    _ => None,
                };
                if limbs.is_empty() {
                    if let Some((limb, _)) = template_fields {
                        limbs.push((limb, None));
                    } else if let Some(limb) = self.implied_limb(context) {
                        limbs.push((limb, None));
                    }
                }
                if limbs.is_empty() && frame.removed {
                    if let Some(limb) = self.only_tourniquet_on() {
                        limbs.push((limb, None));
                    }
                }
                // extract3: "a second CAT above the first one": the limb of the latest
                // tourniquet of this casualty (none on: nothing is filed).
                if limbs.is_empty() && frame.beside_first && !frame.removed {
                    let first = self.live.iter().rev().find_map(|f| match f.fact {
                        Fact::Tourniquet { limb, .. } if f.casualty == self.current => Some(limb),
                        _ => None,
                    });
                    limbs.extend(first.map(|limb| (limb, None)));
                }
                // extract3: "junctional tourniquet, right side": the limb of this casualty's
                // only junctional wound (groin or armpit) on that side; none or two: nothing
                // is filed.
                if let (true, Some(side), TourniquetKind::Junctional) =
                    (limbs.is_empty(), frame.side_only, kind)
                {
                    let mut found: Vec<Limb> = self
                        .live
                        .iter()
                        .filter(|f| f.casualty == self.current)
                        .filter_map(|f| match f.fact {
                            Fact::Injury { region, .. } => junctional_limb(region, side),
                            _ => None,
                        })
                        .collect();
                    found.sort();
                    found.dedup();
                    if let [limb] = found.as_slice() {
                        limbs.push((*limb, None));
                    }
                }
                let time = time.or(template_fields.and_then(|(_, t)| t));
                for (limb, place_time) in limbs {
                    facts.push(if frame.removed {
                        Fact::TourniquetOff {
                            limb,
                            time: place_time.or(time),
                        }
                    } else {
                        Fact::Tourniquet {
                            limb,
                            kind: *kind,
                            time: place_time.or(time),
                        }
                    });
                    if frame.over_clothing && !frame.removed {
                        facts.push(Fact::TourniquetOverClothing { limb });
                    }
                }
            }
            FrameKind::Vital(cue) => {
                if let Some(value) = vital_value(*cue, frame) {
                    facts.push(Fact::Vital { value, time });
                }
            }
            FrameKind::Avpu(avpu) => {
                // extract3: "no ketamine, he was a P" restates the latest level filed.
                let latest = self.live.iter().rev().find_map(|f| match f.fact {
                    Fact::Vital {
                        value: VitalValue::Avpu(a),
                        ..
                    } if f.casualty == self.current => Some(a),
                    _ => None,
                });
                let restated = frame.reason && time.is_none() && latest == Some(*avpu);
                if !restated {
                    facts.push(Fact::Vital {
                        value: VitalValue::Avpu(*avpu),
                        time,
                    });
                }
            }
            FrameKind::Treatment(kind) => {
                let site = regions
                    .first()
                    .copied()
                    .or(match template {
                        Some(Fact::Treatment { site, .. }) => *site,
                        _ => None,
                    })
                    .or_else(|| self.implied_site(*kind, context));
                facts.push(Fact::Treatment {
                    kind: *kind,
                    site,
                    time,
                });
                if let Some(second) = regions.get(1) {
                    facts.push(Fact::Treatment {
                        kind: *kind,
                        site: Some(*second),
                        time,
                    });
                }
            }
            FrameKind::Fluid(_) if frame.unit_of_earlier => {
                if let Some(fact) = self.further_unit_of_blood(frame) {
                    facts.push(fact);
                }
            }
            FrameKind::Fluid(name) => {
                let volume_ml = match frame.quantity {
                    Some((value, QuantityUnit::Ml)) if (1.0..=10_000.0).contains(&value) => {
                        Some(value.round() as u32)
                    }
                    _ => frame.number,
                };
                let access = self
                    .access
                    .iter()
                    .find(|(casualty, _)| *casualty == self.current)
                    .map(|(_, route)| *route);
                let route = frame
                    .route
                    .filter(|r| matches!(r, Route::Iv | Route::Io))
                    .or(access);
                facts.push(Fact::Fluid {
                    name: *name,
                    volume_ml,
                    route,
                    time,
                });
            }
            // study21: "allergy tag says penicillin, matches": a drug named bare (no dose,
            // route or time) that this casualty is already recorded as allergic to is that
            // allergy said again, never a drug given.
            FrameKind::Medication(name)
                if frame.quantity.is_none()
                    && frame.number.is_none()
                    && frame.route.is_none()
                    && frame.time.is_none()
                    && self.live.iter().any(|f| {
                        f.casualty == self.current
                            && matches!(&f.fact, Fact::Allergy(a) if a.as_str() == *name)
                    }) => {}
            FrameKind::Medication(name) => {
                let (dose, unit) = match frame.quantity {
                    Some((value, unit)) if value > 0.0 && value < 100_000.0 => {
                        (Some(value), dose_unit(unit))
                    }
                    _ => (frame.number.map(f64::from), None),
                };
                // "another four of Zofran", "fifty more of fentanyl": a repeat dose said
                // without its unit takes the unit of the same dose given before.
                let unit = unit.or_else(|| {
                    let dose = dose?;
                    self.live
                        .iter()
                        .filter(|f| f.casualty == self.current)
                        .find_map(|f| match f.fact {
                            Fact::Medication {
                                name: n,
                                dose: Some(d),
                                unit: Some(u),
                                ..
                            } if n == *name && (d - dose).abs() < 1e-6 => Some(u),
                            _ => None,
                        })
                });
                // study15: "Moxi four hundred by mouth": a bare dose in the range the drug
                // is only ever given in has that unit.
                let unit = unit.or_else(|| {
                    let dose = dose?;
                    USUAL_DOSES
                        .iter()
                        .find(|(n, _, low, high)| n == name && (*low..=*high).contains(&dose))
                        .map(|(_, unit, _, _)| *unit)
                });
                facts.push(Fact::Medication {
                    name,
                    dose,
                    unit,
                    route: frame.route,
                    time,
                });
            }
            FrameKind::Mechanism(m) => facts.push(Fact::Mechanism(*m)),
            FrameKind::Sex(sex) => facts.push(Fact::Sex(*sex)),
            FrameKind::Evac(evac) => facts.push(Fact::Evac(*evac)),
            FrameKind::NoKnownAllergies => facts.push(Fact::Allergy("nkda".to_owned())),
            FrameKind::Allergen(name) => facts.push(Fact::Allergy(name.to_lowercase())),
            FrameKind::Name(name) => facts.push(Fact::Name(name.clone())),
            FrameKind::Last4(digits) => facts.push(Fact::Last4(digits.clone())),
            FrameKind::BattleRoster(roster) => facts.push(Fact::BattleRoster(roster.clone())),
            FrameKind::InjuryTime => facts.extend(time.map(Fact::InjuryTime)),
            FrameKind::Perfusion(sign) => facts.push(Fact::Perfusion(*sign)),
            FrameKind::Disarmed => facts.push(Fact::Disarmed),
            FrameKind::Expectant(expectant) => facts.push(Fact::Expectant(*expectant)),
        }
        facts
    }

    /// The limb of the current casualty's only tourniquet still on ("tourniquet off at
    /// 0730" said without a limb), if there is exactly one.
    fn only_tourniquet_on(&self) -> Option<Limb> {
        let mine = || self.live.iter().filter(|f| f.casualty == self.current);
        let mut on: Vec<Limb> = mine()
            .filter_map(|f| match f.fact {
                Fact::Tourniquet { limb, .. } => Some(limb),
                _ => None,
            })
            .filter(|limb| {
                !mine().any(|f| matches!(f.fact, Fact::TourniquetOff { limb: l, .. } if l == *limb))
            })
            .collect();
        on.sort();
        on.dedup();
        match on.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }
}

impl Extractor {
    /// Where a treatment said without a place went, when only one place is possible: a
    /// dressing on the wound named in the same utterance or on the casualty's only wound
    /// (either way filed unconfirmed: the site was not said);
    /// a chest seal, needle or chest tube on the only chest side spoken for the casualty;
    /// an eye shield on the face.
    fn implied_site(&self, kind: TreatmentKind, context: &UtteranceContext) -> Option<Region> {
        match kind {
            TreatmentKind::PressureDressing
            | TreatmentKind::HemostaticDressing
            | TreatmentKind::Splint => {
                if let Some(region) = context.regions_said.last() {
                    return Some(*region);
                }
                let mut wounds: Vec<Region> = self
                    .live
                    .iter()
                    .filter(|f| f.casualty == self.current)
                    .filter_map(|f| match f.fact {
                        Fact::Injury { region, .. } => Some(region),
                        _ => None,
                    })
                    .collect();
                wounds.sort();
                wounds.dedup();
                match wounds.as_slice() {
                    [only] => Some(*only),
                    _ => None,
                }
            }
            TreatmentKind::ChestSeal
            | TreatmentKind::NeedleDecompression
            | TreatmentKind::ChestTube => {
                let regions = self.resolve(&Place {
                    part: Part::Chest,
                    side: None,
                });
                match regions.as_slice() {
                    [only] => Some(*only),
                    _ => None,
                }
            }
            TreatmentKind::EyeShield => Some(Region::Face),
            _ => None,
        }
    }
}

/// True when a fact is of the kind a frame states: "scratch that, tourniquet time was
/// 1620" withdraws the tourniquet said before, not the injury said with it.
/// adv15: where in the utterance an action was said (none for those with no span).
fn action_start(action: &Action) -> Option<u32> {
    match action {
        Action::Switch { start, .. }
        | Action::Refer { start, .. }
        | Action::Describe { start, .. }
        | Action::Recall { start, .. }
        | Action::SwitchToAll { start, .. }
        | Action::GroupMechanism { start, .. }
        | Action::SwitchToList { start, .. }
        | Action::GroupInjuryTime { start, .. }
        | Action::SwitchToNext { start, .. }
        | Action::RetractPrevious { start, .. }
        | Action::Amend { start, .. }
        | Action::RejectMechanism { start, .. } => Some(*start),
        Action::Assert(frame) => Some(frame.start),
        Action::Announce { .. } | Action::Access { .. } => None,
    }
}

/// extract3: the limb of a junctional region (groin, armpit) on `side`.
fn junctional_limb(region: Region, side: Side) -> Option<Limb> {
    let junctional = match side {
        Side::Left => matches!(region, Region::LeftGroin | Region::LeftAxilla),
        Side::Right => matches!(region, Region::RightGroin | Region::RightAxilla),
        Side::Both => false,
    };
    if junctional {
        Limb::of_region(region)
    } else {
        None
    }
}

fn fact_is_kind(fact: &Fact, kind: &FrameKind) -> bool {
    match (fact, kind) {
        (Fact::Mechanism(_), FrameKind::Injury(_, Some(_)) | FrameKind::Mechanism(_)) => true,
        (Fact::Injury { .. }, FrameKind::Injury(..)) => true,
        (Fact::Vital { .. }, FrameKind::Vital(_) | FrameKind::Avpu(_)) => {
            frame_slot_of(kind).is_none_or(|slot| slot == fact.slot())
        }
        (Fact::Sex(_), FrameKind::Sex(_)) | (Fact::Evac(_), FrameKind::Evac(_)) => true,
        (Fact::Allergy(_), FrameKind::NoKnownAllergies | FrameKind::Allergen(_)) => true,
        (Fact::Name(_), FrameKind::Name(_))
        | (Fact::Last4(_), FrameKind::Last4(_))
        | (Fact::BattleRoster(_), FrameKind::BattleRoster(_)) => true,
        _ => same_kind(fact, kind),
    }
}

fn frame_slot_of(kind: &FrameKind) -> Option<Slot> {
    use crate::record::VitalField as F;
    match kind {
        FrameKind::Vital(VitalCue::Pulse) => Some(Slot::Vital(F::Pulse)),
        FrameKind::Vital(VitalCue::BloodPressure) => Some(Slot::Vital(F::BloodPressure)),
        FrameKind::Vital(VitalCue::RespRate) => Some(Slot::Vital(F::RespRate)),
        FrameKind::Vital(VitalCue::Spo2) => Some(Slot::Vital(F::Spo2)),
        FrameKind::Vital(VitalCue::Pain) => Some(Slot::Vital(F::Pain)),
        FrameKind::Vital(VitalCue::Avpu) | FrameKind::Avpu(_) => Some(Slot::Vital(F::Avpu)),
        _ => None,
    }
}

/// Whether a correction may replace `fact`: any fact of its slot, or, when a value was
/// rejected ("not eighty eight"), only a fact that holds that value.
fn may_be_corrected(rejected: Option<&Attribute>, fact: &Fact) -> bool {
    let Some(rejected) = rejected else {
        return true;
    };
    match (rejected, fact) {
        (Attribute::Number(n), Fact::Vital { value, .. }) => match value {
            VitalValue::Pulse(v) | VitalValue::RespRate(v) => u32::from(*v) == *n,
            VitalValue::Spo2(v) | VitalValue::Pain(v) => u32::from(*v) == *n,
            VitalValue::BloodPressure { systolic, .. } => u32::from(*systolic) == *n,
            VitalValue::Avpu(_) => false,
        },
        (
            Attribute::Ratio(a, b),
            Fact::Vital {
                value:
                    VitalValue::BloodPressure {
                        systolic,
                        diastolic,
                    },
                ..
            },
        ) => u32::from(*systolic) == *a && diastolic.map(u32::from) == Some(*b),
        (Attribute::Quantity(value, _), Fact::Medication { dose, .. }) => {
            dose.is_some_and(|d| (d - value).abs() < 1e-9)
        }
        (Attribute::Quantity(value, _), Fact::Fluid { volume_ml, .. }) => {
            volume_ml.is_some_and(|v| (f64::from(v) - value).abs() < 0.5)
        }
        (Attribute::Time(time), fact) => fact.time() == Some(*time),
        (Attribute::Place(place), Fact::Injury { region, .. }) => place.regions().contains(region),
        (Attribute::Place(place), Fact::Tourniquet { limb, .. }) => place
            .regions()
            .iter()
            .any(|r| Limb::of_region(*r) == Some(*limb)),
        (
            Attribute::Place(place),
            Fact::Treatment {
                site: Some(site), ..
            },
        ) => place.regions().contains(site),
        _ => false,
    }
}

/// study16a: `new` says again what `old` said (a vital's value, whatever its time; any
/// other fact equal or with less detail).
fn restates(old: &Fact, new: &Fact) -> bool {
    match (old, new) {
        (Fact::Vital { value: a, .. }, Fact::Vital { value: b, .. }) => a == b,
        (old, new) => old == new || subsumes(old, new),
    }
}

/// True when a withdrawn fact is of the kind a frame states (a fluid for a fluid).
fn same_kind(fact: &Fact, kind: &FrameKind) -> bool {
    matches!(
        (fact, kind),
        (Fact::Fluid { .. }, FrameKind::Fluid(_))
            | (Fact::Medication { .. }, FrameKind::Medication(_))
            | (Fact::Tourniquet { .. }, FrameKind::Tourniquet(_))
            | (Fact::Treatment { .. }, FrameKind::Treatment(_))
            | (Fact::TourniquetOff { .. }, FrameKind::Tourniquet(_))
            | (Fact::InjuryTime(_), FrameKind::InjuryTime)
            | (Fact::Perfusion(_), FrameKind::Perfusion(_))
            | (Fact::Disarmed, FrameKind::Disarmed)
            | (Fact::Expectant(_), FrameKind::Expectant(_))
    )
}

/// Fills what `fact` leaves open from `lender`, a fact of the same kind that it corrects.
/// A dose moves only between mentions of the same drug.
fn fill_from(fact: Fact, lender: &Fact) -> Fact {
    match (fact, lender) {
        (Fact::Tourniquet { limb, kind, time }, Fact::Tourniquet { time: t, .. }) => {
            Fact::Tourniquet {
                limb,
                kind,
                time: time.or(*t),
            }
        }
        (
            Fact::Treatment { kind, site, time },
            Fact::Treatment {
                site: s, time: t, ..
            },
        ) => Fact::Treatment {
            kind,
            site: site.or(*s),
            time: time.or(*t),
        },
        (
            Fact::Fluid {
                name,
                volume_ml,
                route,
                time,
            },
            Fact::Fluid {
                volume_ml: v,
                route: r,
                time: t,
                ..
            },
        ) => Fact::Fluid {
            name,
            volume_ml: volume_ml.or(*v),
            route: route.or(*r),
            time: time.or(*t),
        },
        (
            Fact::Medication {
                name,
                dose,
                unit,
                route,
                time,
            },
            Fact::Medication {
                name: n,
                dose: d,
                unit: u,
                route: r,
                time: t,
            },
        ) => {
            let (dose, unit) = if dose.is_none() && name == *n {
                (*d, *u)
            } else {
                (dose, unit)
            };
            Fact::Medication {
                name,
                dose,
                unit,
                route: route.or(*r),
                time: time.or(*t),
            }
        }
        (Fact::Vital { value, time }, Fact::Vital { time: t, .. }) => Fact::Vital {
            value,
            time: time.or(*t),
        },
        (Fact::TourniquetOff { limb, time }, Fact::TourniquetOff { time: t, .. }) => {
            Fact::TourniquetOff {
                limb,
                time: time.or(*t),
            }
        }
        (fact, _) => fact,
    }
}

/// Per-utterance bookkeeping.
struct UtteranceContext<'w> {
    /// The recogniser's words (empty for typed text).
    words: &'w [HeardWord],
    /// Byte offset of each character of the text, and of its end (empty without words).
    byte_of_char: Vec<u32>,
    index: u32,
    start_s: f64,
    end_s: f64,
    changes: Vec<Change>,
    facts: usize,
    limbs_said: Vec<Limb>,
    regions_said: Vec<Region>,
    /// study16a: values are being restated (a read-back, "say again", an answer to one).
    exchange: bool,
    /// Facts withdrawn by "scratch that" in this utterance: what a following "that was
    /// lactated ringers" takes its dose, route and time from.
    retracted: Vec<Fact>,
    /// After "both of them": the casualties every later frame of the utterance is about.
    all_casualties: Vec<CasualtyId>,
    /// Character spans of numbers the normaliser read from sound-alikes ("9 or 4" for niner
    /// four, "H.E.8"): a fact resting on one is filed unconfirmed.
    sound_alike: Vec<(u32, u32)>,
    /// Heard clauses that cannot be told apart (`heard_unsure_spans`).
    unsure: Vec<(u32, u32)>,
    /// Where the recogniser ended a sentence (heard text only): a fact read across one rests
    /// on punctuation the recogniser guessed ("Right thigh. Cat … on at 1510. Left forearm.").
    heard_stops: Vec<u32>,
    /// Heard text: the utterance said a clock time, or a number read from sound-alikes,
    /// that no frame took, so a fact filed without a time may have lost it (filed
    /// unconfirmed).
    unused_clock: bool,
}

enum Relation {
    AlreadyKnown,
    Refines(FactId),
    New,
}

/// Slots for corrections: a tourniquet correction replaces the latest tourniquet, a pulse
/// correction the latest pulse.
fn frame_slot(frame: &Frame) -> Option<Slot> {
    use crate::record::VitalField as F;
    Some(match &frame.kind {
        FrameKind::Injury(..) => Slot::Injury,
        FrameKind::Tourniquet(_) if frame.removed => Slot::TourniquetOff,
        FrameKind::Tourniquet(_) => Slot::Tourniquet,
        FrameKind::InjuryTime => Slot::InjuryTime,
        FrameKind::Perfusion(_) => Slot::Perfusion,
        FrameKind::Disarmed => Slot::Disarmed,
        FrameKind::Expectant(_) => Slot::Expectant,
        FrameKind::Vital(cue) => Slot::Vital(match cue {
            VitalCue::Pulse => F::Pulse,
            VitalCue::BloodPressure => F::BloodPressure,
            VitalCue::RespRate => F::RespRate,
            VitalCue::Spo2 => F::Spo2,
            VitalCue::Pain => F::Pain,
            VitalCue::Avpu => F::Avpu,
            VitalCue::Set | VitalCue::Unrecorded => return None,
        }),
        FrameKind::Avpu(_) => Slot::Vital(F::Avpu),
        FrameKind::Treatment(kind) => Slot::Treatment(*kind),
        FrameKind::Fluid(name) => Slot::Fluid(*name),
        FrameKind::Medication(name) => Slot::Medication(name),
        FrameKind::Mechanism(_) => Slot::Mechanism,
        FrameKind::Sex(_) => Slot::Sex,
        FrameKind::Evac(_) => Slot::Evac,
        FrameKind::NoKnownAllergies | FrameKind::Allergen(_) => Slot::Allergy,
        FrameKind::Name(_) => Slot::Name,
        FrameKind::Last4(_) => Slot::Last4,
        FrameKind::BattleRoster(_) => Slot::BattleRoster,
    })
}

fn slots_match(a: Slot, b: Slot) -> bool {
    a == b
}

/// True when everything `small` says, `big` says too (a repeat with less detail).
/// Whether `big` says all `small` says: the same fact, each optional part `small` states
/// (time, site, dose, route…) equal in `big`.
pub fn subsumes(big: &Fact, small: &Fact) -> bool {
    fn field<T: PartialEq>(big: &Option<T>, small: &Option<T>) -> bool {
        small.is_none() || big == small
    }
    match (big, small) {
        (
            Fact::Tourniquet {
                limb: l1,
                kind: k1,
                time: t1,
            },
            Fact::Tourniquet {
                limb: l2,
                kind: k2,
                time: t2,
            },
        ) => l1 == l2 && k1 == k2 && field(t1, t2),
        (
            Fact::TourniquetOff { limb: l1, time: t1 },
            Fact::TourniquetOff { limb: l2, time: t2 },
        ) => l1 == l2 && field(t1, t2),
        (
            Fact::Treatment {
                kind: k1,
                site: s1,
                time: t1,
            },
            Fact::Treatment {
                kind: k2,
                site: s2,
                time: t2,
            },
        ) => k1 == k2 && field(s1, s2) && field(t1, t2),
        (
            Fact::Fluid {
                name: n1,
                volume_ml: v1,
                route: r1,
                time: t1,
            },
            Fact::Fluid {
                name: n2,
                volume_ml: v2,
                route: r2,
                time: t2,
            },
        ) => n1 == n2 && field(v1, v2) && field(r1, r2) && field(t1, t2),
        (
            Fact::Medication {
                name: n1,
                dose: d1,
                unit: u1,
                route: r1,
                time: t1,
            },
            Fact::Medication {
                name: n2,
                dose: d2,
                unit: u2,
                route: r2,
                time: t2,
            },
        ) => n1 == n2 && field(d1, d2) && field(u1, u2) && field(r1, r2) && field(t1, t2),
        (a, b) => a == b,
    }
}

/// The fact with an attribute changed, when the fact has that attribute.
fn amended(fact: &Fact, attribute: &Attribute) -> Option<Fact> {
    match attribute {
        Attribute::Time(time) => fact.with_time(*time),
        Attribute::Place(place) => {
            let regions = place.regions();
            match regions.as_slice() {
                [region] => fact.with_region(*region),
                _ => None,
            }
        }
        Attribute::Number(n) => match fact {
            Fact::Vital { value, time } => {
                let value = match value {
                    VitalValue::Pulse(_) if (20..=250).contains(n) => VitalValue::Pulse(*n as u16),
                    VitalValue::RespRate(_) if (2..=80).contains(n) => {
                        VitalValue::RespRate(*n as u16)
                    }
                    VitalValue::Spo2(_) if (40..=100).contains(n) => VitalValue::Spo2(*n as u8),
                    VitalValue::Pain(_) if *n <= 10 => VitalValue::Pain(*n as u8),
                    _ => return None,
                };
                Some(Fact::Vital { value, time: *time })
            }
            _ => None,
        },
        Attribute::Ratio(a, b) => match fact {
            Fact::Vital {
                value: VitalValue::BloodPressure { .. },
                time,
            } => blood_pressure(*a, Some(*b)).map(|value| Fact::Vital { value, time: *time }),
            _ => None,
        },
        Attribute::Quantity(value, unit) => match fact {
            Fact::Medication {
                name, route, time, ..
            } if *unit != QuantityUnit::Percent => Some(Fact::Medication {
                name,
                dose: Some(*value),
                unit: dose_unit(*unit),
                route: *route,
                time: *time,
            }),
            Fact::Fluid {
                name, route, time, ..
            } if *unit == QuantityUnit::Ml => Some(Fact::Fluid {
                name: *name,
                volume_ml: Some(value.round().clamp(0.0, 100_000.0) as u32),
                route: *route,
                time: *time,
            }),
            Fact::Vital {
                value: VitalValue::Spo2(_),
                time,
            } if *unit == QuantityUnit::Percent && (40.0..=100.0).contains(value) => {
                Some(Fact::Vital {
                    value: VitalValue::Spo2(value.round() as u8),
                    time: *time,
                })
            }
            _ => None,
        },
        Attribute::Route(route) => match fact {
            Fact::Medication {
                name,
                dose,
                unit,
                time,
                ..
            } => Some(Fact::Medication {
                name,
                dose: *dose,
                unit: *unit,
                route: Some(*route),
                time: *time,
            }),
            _ => None,
        },
        Attribute::Avpu(avpu) => match fact {
            Fact::Vital {
                value: VitalValue::Avpu(_),
                time,
            } => Some(Fact::Vital {
                value: VitalValue::Avpu(*avpu),
                time: *time,
            }),
            _ => None,
        },
    }
}

/// ext16: "He's been shot, right upper arm.": a gunshot said as a mechanism and the place
/// said right after it as a clause of its own is a gunshot wound there, as "shot in the
/// right upper arm" is. Only a place alone in its clause (a side and a part) is read so;
/// "shot, pulse one twenty" or "shot, left it there" are not.
fn shot_then_place(items: &mut Vec<items::Item>) {
    use items::ItemKind as K;
    use lexicon::Concept as C;
    let mut i = 0;
    while i + 2 < items.len() {
        let place_alone = matches!(items[i + 2].kind, K::Place(_))
            && items
                .get(i + 3)
                .is_none_or(|next| matches!(next.kind, K::Comma | K::Stop));
        if items[i].kind == K::Concept(C::Mechanism(Mechanism::Gsw))
            && items[i + 1].kind == K::Comma
            && place_alone
        {
            items[i].kind = K::Concept(C::Injury(InjuryKind::Gsw, Some(Mechanism::Gsw)));
            items.remove(i + 1);
        }
        i += 1;
    }
}

/// Words that deny on their own (besides the lexicon's negations "no", "none", "negative").
const DENIALS: &[&str] = &["nope", "nah", "nothing", "denies"];

/// Words a bare denial may hold around its denial ("he says none", "none that he knows of").
const DENIAL_WORDS: &[&str] = &[
    "he", "she", "says", "said", "that", "knows", "known", "of", "um", "uh", "okay", "ok", "thats",
    "any", "reported",
];

/// study15: answers to a question about allergies. A sentence of drug names alone
/// ("Morphine.", "No, no, amoxicillin, it was amoxicillin.") right after a sentence that
/// asks about allergies ("Any allergies?", in the utterance before when `asked`, or "he's
/// allergic to penicillin?") names the allergens: an allergy cue is read before them.
/// Returns whether the utterance's last sentence asks about allergies.
fn answer_allergies(items: &mut Vec<items::Item>, text: &[char], mut asked: bool) -> bool {
    use items::ItemKind as K;
    use lexicon::Concept as C;
    let mut start = 0;
    while start < items.len() {
        let end = items[start..]
            .iter()
            .position(|item| item.kind == K::Stop)
            .map_or(items.len(), |p| start + p);
        let sentence = &items[start..end];
        let answer = sentence
            .iter()
            .any(|item| matches!(item.kind, K::Concept(C::Medication(_))))
            && sentence.iter().all(|item| match &item.kind {
                K::Concept(C::Medication(_) | C::Negation | C::Correction) | K::Comma => true,
                K::Word(w) => matches!(
                    w.as_str(),
                    "and" | "or" | "just" | "only" | "it" | "was" | "its" | "no"
                ),
                _ => false,
            });
        let mut end = end;
        // ext14: "Any allergies? None." — a bare denial answers the question: no known
        // allergies (the denial's own negation words are replaced by the one fact).
        let denial = sentence.iter().any(|item| match &item.kind {
            K::Concept(C::Negation) => true,
            K::Word(w) => DENIALS.contains(&w.as_str()),
            _ => false,
        }) && sentence.iter().all(|item| match &item.kind {
            K::Concept(C::Negation) | K::Comma => true,
            K::Word(w) => DENIALS.contains(&w.as_str()) || DENIAL_WORDS.contains(&w.as_str()),
            _ => false,
        });
        if asked && denial {
            let first = &items[start];
            let last = &items[end - 1];
            let cue = items::Item {
                kind: K::Concept(C::NoKnownAllergies),
                start: first.start,
                end: last.end,
                confidence: items[start..end]
                    .iter()
                    .map(|item| item.confidence)
                    .fold(f32::INFINITY, f32::min),
            };
            items.splice(start..end, [cue]);
            end = start + 1;
        } else if asked && answer {
            if let Some(first) = sentence
                .iter()
                .position(|item| matches!(item.kind, K::Concept(C::Medication(_))))
            {
                let drug = &items[start + first];
                let cue = items::Item {
                    kind: K::Concept(C::Allergy),
                    start: drug.start,
                    end: drug.start,
                    confidence: drug.confidence,
                };
                items.insert(start + first, cue);
                end += 1;
            }
        }
        let question = items
            .get(end)
            .and_then(|stop| text.get(stop.start as usize))
            .is_some_and(|c| *c == '?');
        asked = question
            && items[start..end]
                .iter()
                .any(|item| item.kind == K::Concept(C::Allergy));
        start = end + 1;
    }
    asked
}

/// study15: doses said without their unit that can only mean one unit: (drug, unit,
/// lowest, highest). Fentanyl is dosed in micrograms, ketamine in milligrams, TXA in grams.
const USUAL_DOSES: &[(&str, DoseUnit, f64, f64)] = &[
    ("moxifloxacin", DoseUnit::Mg, 400.0, 400.0),
    ("ertapenem", DoseUnit::G, 1.0, 1.0),
    ("txa", DoseUnit::G, 1.0, 2.0),
    ("ondansetron", DoseUnit::Mg, 4.0, 8.0),
    ("ketamine", DoseUnit::Mg, 10.0, 500.0),
    ("fentanyl", DoseUnit::Mcg, 25.0, 1600.0),
    ("morphine", DoseUnit::Mg, 2.0, 20.0),
    ("meloxicam", DoseUnit::Mg, 15.0, 15.0),
    ("midazolam", DoseUnit::Mg, 1.0, 5.0),
];

fn dose_unit(unit: QuantityUnit) -> Option<DoseUnit> {
    match unit {
        QuantityUnit::Mcg => Some(DoseUnit::Mcg),
        QuantityUnit::Mg => Some(DoseUnit::Mg),
        QuantityUnit::G => Some(DoseUnit::G),
        QuantityUnit::Ml => Some(DoseUnit::Ml),
        QuantityUnit::Units => Some(DoseUnit::Units),
        QuantityUnit::Percent => None,
    }
}

/// A blood pressure within what a living casualty can have.
fn blood_pressure(systolic: u32, diastolic: Option<u32>) -> Option<VitalValue> {
    if !(40..=300).contains(&systolic) {
        return None;
    }
    let diastolic = match diastolic {
        Some(d) if (15..=200).contains(&d) && d < systolic => Some(d as u16),
        Some(_) => return None,
        None => None,
    };
    Some(VitalValue::BloodPressure {
        systolic: systolic as u16,
        diastolic,
    })
}

/// The vital sign a frame measured, if its value is plausible.
fn vital_value(cue: VitalCue, frame: &Frame) -> Option<VitalValue> {
    let n = frame.number;
    match cue {
        VitalCue::Pulse => n
            .filter(|v| (20..=250).contains(v))
            .map(|v| VitalValue::Pulse(v as u16)),
        VitalCue::RespRate => n
            .filter(|v| (2..=80).contains(v))
            .map(|v| VitalValue::RespRate(v as u16)),
        VitalCue::Spo2 => n
            .filter(|v| (40..=100).contains(v))
            .map(|v| VitalValue::Spo2(v as u8)),
        VitalCue::Pain => n.filter(|v| *v <= 10).map(|v| VitalValue::Pain(v as u8)),
        VitalCue::BloodPressure => match (frame.ratio, n) {
            (Some((a, b)), _) => blood_pressure(a, Some(b)),
            (None, Some(a)) => blood_pressure(a, None),
            _ => None,
        },
        VitalCue::Avpu => frame.avpu.map(VitalValue::Avpu),
        VitalCue::Set | VitalCue::Unrecorded => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod heard_doubt_tests {
    use super::*;
    use crate::speech::HeardWord;

    /// Every word of `text` heard clearly (confidence 0.95): only the text casts doubt.
    fn clear_words(text: &str) -> Vec<HeardWord> {
        let mut words = Vec::new();
        let mut at = 0;
        for word in text.split(' ') {
            words.push(HeardWord {
                start: at as u32,
                end: (at + word.len()) as u32,
                confidence: 0.95,
            });
            at += word.len() + 1;
        }
        words
    }

    /// The facts `text` files, as (fact, unconfirmed), heard or typed.
    fn filed(text: &str, heard: bool) -> Vec<(String, bool)> {
        let mut extractor = Extractor::new(ExtractorConfig::default());
        let words = if heard { clear_words(text) } else { Vec::new() };
        extractor.push_heard(0, text, &words, 0.0, 1.0).unwrap();
        extractor
            .live_facts()
            .iter()
            .map(|f| (f.fact.to_string(), f.unconfirmed))
            .collect()
    }

    /// Whether every fact of `text` starting with `kind` is unconfirmed (`Some`), `None` when
    /// there is none.
    fn doubted(text: &str, heard: bool, kind: &str) -> Option<bool> {
        let marks: Vec<bool> = filed(text, heard)
            .into_iter()
            .filter(|(fact, _)| fact.starts_with(kind))
            .map(|(_, doubt)| doubt)
            .collect();
        (!marks.is_empty()).then(|| marks.iter().all(|m| *m))
    }

    #[test]
    fn heard_text_whose_clauses_cannot_be_told_apart_is_unconfirmed() {
        // (text, fact kind, unconfirmed when heard).
        let cases: &[(&str, &str, bool)] = &[
            // A limb taken across the recogniser's full stop.
            (
                "Right thigh. Cat high and tight on at 1510. Left forearm. Pressure dressing 1513.",
                "tourniquet",
                true,
            ),
            // A clause the next one denies.
            ("NPA, not needed, he's talking.", "treatment npa", true),
            // A card's empty field read out after a place.
            (
                "Turn EK corner, right leg, type cat, time 1404 Zulu, left leg corner, blank, both arm corners, blank.",
                "tourniquet extremity left_arm",
                true,
            ),
            // Two sets of signs run together: which time goes with which is a guess.
            (
                "Second column 1430. pulse 110, BP 98 over 60, third column 1445, pulse 102.",
                "pulse",
                true,
            ),
            // A long sentence with no pause at all.
            (
                "Injuries X on the right leg below the knee amputation X on the belly left lower frag X on the face left eye frag",
                "injury",
                true,
            ),
            // A clock time no fact took, and a fact filed without one.
            ("By tools. At 955. BP 118 over 74. Alert, pain 8.", "blood pressure", true),
            ("Ketamine 20 milligrams slow IV. 1526. No fentanyl.", "medication", true),
            ("His vitals at the 130, pulse 92, sat 99.", "pulse", true),
            // A number read from sound-alikes that no fact took ("9 or 4 0": the recheck
            // time 0940, misheard), and signs filed without a time.
            (
                "Reach F0, 9 or 4 0. HR102, BP104 over 66, still alpha, pain 4.",
                "blood pressure",
                true,
            ),
            // A drug named with nothing said of giving it.
            ("L.R.G.'s block, penicillin.", "medication", true),
            // Unchanged: one set with its time, a timed drug, a short sentence without
            // commas.
            ("Recheck 1545, pulse 110, BP 100 over 62, pain 4.", "pulse", false),
            ("Ketamine 20 milligrams slow IV at 1526.", "medication", false),
            ("Half past ten in the morning HPMK on", "treatment", false),
            ("Tourniquet left leg at 0915, pulse 120.", "tourniquet", false),
            // The sound-alike reading is the sats' own value: no time was lost.
            ("Sats 9 or 4, BP 120 over 80.", "blood pressure", false),
        ];
        let mut wrong = Vec::new();
        for (text, kind, heard_doubt) in cases {
            let heard = doubted(text, true, kind);
            // Typed text's punctuation was written, not guessed: never doubted for it.
            let typed = doubted(text, false, kind);
            if heard != Some(*heard_doubt) || typed != Some(false) {
                wrong.push(format!("{text}: {kind} heard {heard:?}, typed {typed:?}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_two_set_examples_of_the_data_are_heard_as_it_says() {
        let data = heard_doubt::HeardDoubt::shared().unwrap();
        let mut wrong = Vec::new();
        for (examples, heard_doubt) in [(&data.doubted, true), (&data.kept, false)] {
            for text in examples {
                let heard = doubted(text, true, "pulse");
                if heard != Some(heard_doubt) || doubted(text, false, "pulse") != Some(false) {
                    wrong.push(format!("{text}: pulse heard {heard:?}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn a_number_read_from_a_sound_alike_is_unconfirmed() {
        // "Sats 9 or 4": niner four. Typed or heard, the reading is a sound-alike.
        for heard in [true, false] {
            let facts = filed("Sats 9 or 4, pulse 1, 2, 6.", heard);
            assert!(facts.contains(&("SpO2 94%".to_owned(), true)), "{facts:?}");
            // Digits written apart and joined are what was said: not doubted.
            assert!(
                facts.contains(&("pulse 126".to_owned(), false)),
                "{facts:?}"
            );
        }
    }
}
