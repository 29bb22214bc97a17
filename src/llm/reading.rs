//! The second reader without waiting (issue 16, 3a): the analysis thread asks the model's
//! thread to read an utterance again ([`Readings::ask`]: a request in the ring, never a
//! wait), goes on with the next utterance, and files the proposals when the reply comes
//! ([`Readings::collect`]): checked as [`reader::file_answer_for`] does, unconfirmed
//! (`Doubt::Proposed`), under the casualty that was current when the utterance was heard,
//! and read back by the caller. The model's thread rebuilds the reader's grammar in place
//! (no allocation there after warm-up); what is asked is held here in fixed slots.

use crate::extract::lexicon::Lexicon;
use crate::extract::{Change, Extractor};
use crate::limits::{READER_ANSWER_TOKENS_MAX, READER_PENDING_MAX, READER_UTTERANCE_BYTES_MAX};
use crate::record::CasualtyId;

use super::checked::UseError;
use super::reader::{self, Reading};
use super::worker::{reply_text, LlmReply, LlmWorker, SubmitError, Task};

/// A reading asked of the model's thread and not yet answered.
#[derive(Debug)]
struct Asked {
    id: u32,
    index: u32,
    casualty: CasualtyId,
    heard: (f64, f64),
    text: heapless::String<READER_UTTERANCE_BYTES_MAX>,
}

/// What came of one reading.
#[derive(Debug)]
pub struct Collected {
    /// The utterance read again.
    pub index: u32,
    /// What was filed, or why nothing was (paused, failed).
    pub result: Result<Reading, UseError>,
}

/// The readings the model's thread has been asked for and has not answered.
#[derive(Debug, Default)]
pub struct Readings {
    asked: heapless::Vec<Asked, READER_PENDING_MAX>,
    /// Readings not asked because the rings or these slots were full.
    dropped: u64,
}

impl Readings {
    /// No reading asked.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the model's thread to read utterance `index` (just read by the rules into
    /// `changes`) again, when [`reader::should_read`] says so, and returns at once: the id
    /// of the request, or `None` when the utterance is not for the reader. A full ring (or
    /// too many readings unanswered) refuses the request and counts a drop.
    #[allow(clippy::too_many_arguments)]
    pub fn ask(
        &mut self,
        worker: &mut LlmWorker,
        extractor: &Extractor,
        lexicon: &Lexicon,
        index: u32,
        text: &str,
        changes: &[Change],
        heard: (f64, f64),
    ) -> Result<Option<u32>, SubmitError> {
        if !reader::should_read(text, changes, lexicon) {
            return Ok(None);
        }
        if self.asked.is_full() {
            self.dropped += 1;
            return Err(SubmitError::Full);
        }
        let mut held = heapless::String::new();
        held.push_str(text).map_err(|_| SubmitError::TooLong)?;
        let id = worker
            .submit(
                Task::Reader,
                &reader::prompt(text, worker.chat_format()),
                text,
                READER_ANSWER_TOKENS_MAX,
            )
            .inspect_err(|_| self.dropped += 1)?;
        let asked = Asked {
            id,
            index,
            casualty: extractor.current_casualty(),
            heard,
            text: held,
        };
        // Room was checked above.
        let _ = self.asked.push(asked);
        Ok(Some(id))
    }

    /// When `reply` answers one of the readings asked: files what holds up (unconfirmed,
    /// under the casualty current at the utterance) and says what came of it; `None` for
    /// another reply (a handover draft).
    pub fn collect(&mut self, reply: &LlmReply, extractor: &mut Extractor) -> Option<Collected> {
        let at = self.asked.iter().position(|a| a.id == reply.id)?;
        let asked = self.asked.swap_remove(at);
        let mut answer = String::new();
        let result = reply_text(reply, &mut answer).and_then(|()| {
            reader::file_answer_for(
                extractor,
                asked.casualty,
                asked.index,
                &asked.text,
                asked.heard,
                &answer,
            )
        });
        Some(Collected {
            index: asked.index,
            result,
        })
    }

    /// Readings asked and not yet answered.
    pub fn pending(&self) -> usize {
        self.asked.len()
    }

    /// Readings refused because a ring or these slots were full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
