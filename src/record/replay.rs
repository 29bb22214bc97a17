//! Rebuilding a log from events read back from storage (the journal's replay), without
//! re-running extraction. Additive: the log's own appends are unchanged.

use super::{Event, EventLog, RecordError};
use crate::limits::RECORD_EVENTS_MAX;

impl EventLog {
    /// A log holding `events` exactly as they were recorded. Fact ids are kept as written,
    /// so a log with a lost event in the middle (a damaged journal record) still projects
    /// every later fact, and a correction whose target was lost corrects nothing. The next
    /// fact asserted gets an id above every id seen.
    pub fn from_events(events: Vec<Event>) -> Result<EventLog, RecordError> {
        if events.len() > RECORD_EVENTS_MAX {
            return Err(RecordError::Full(RECORD_EVENTS_MAX));
        }
        let facts_asserted = events
            .iter()
            .filter_map(|event| match event {
                Event::Asserted { id, .. } => Some(id.saturating_add(1)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Ok(EventLog {
            events,
            facts_asserted,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Fact, Provenance, Sex};
    use super::*;

    #[test]
    fn a_rebuilt_log_projects_like_the_original() {
        let p = Provenance {
            utterance: 0,
            char_start: 0,
            char_end: 1,
            heard_start_s: 0.0,
            heard_end_s: 1.0,
            confidence: 1.0,
            doubt: None,
            lexicon: "",
        };
        let mut log = EventLog::new();
        let first = log.assert_fact(1, Fact::Sex(Sex::Male), p).unwrap();
        let second = log.assert_fact(1, Fact::Sex(Sex::Female), p).unwrap();
        log.correct_fact(first, Some(second), p).unwrap();
        let rebuilt = EventLog::from_events(log.events().to_vec()).unwrap();
        assert_eq!(rebuilt.project(), log.project());
        assert_eq!(rebuilt.events(), log.events());
        let mut rebuilt = rebuilt;
        assert_eq!(rebuilt.assert_fact(1, Fact::Sex(Sex::Male), p).unwrap(), 2);
    }
}
