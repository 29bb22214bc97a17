//! Shared by the advisor tests: clock times of a narration and the extractor run over its
//! timed lines, as the live pipeline would have heard them.

#![allow(dead_code, clippy::unwrap_used)]

use tccc::advisor::clock::{Stamp, DAY_S};
use tccc::extract::{Extractor, ExtractorConfig};

/// "HH:MM" or "HH:MM:SS" on the first day.
pub fn at(text: &str) -> Stamp {
    let mut parts = text.split(':').map(|p| p.parse::<i64>().unwrap());
    let (h, m) = (parts.next().unwrap(), parts.next().unwrap());
    Stamp(h * 3600 + m * 60 + parts.next().unwrap_or(0))
}

/// `time` on the day of `start`, or the next day when it is earlier (past midnight).
pub fn after(start: Stamp, time: Stamp) -> Stamp {
    if time < start {
        Stamp(time.0 + DAY_S)
    } else {
        time
    }
}

/// The extractor after `lines` (clock time the utterance ended, text), heard from `start`.
pub fn extract(start: Stamp, lines: &[(&str, &str)]) -> Extractor {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (index, (time, text)) in lines.iter().enumerate() {
        let end_s = (after(start, at(time)).0 - start.0) as f64;
        extractor
            .push_utterance(index as u32, text, end_s - 1.0, end_s)
            .unwrap();
    }
    extractor
}

/// The alerts raised when `lines` (end of utterance, text) are replayed from `start` to
/// `until` with `rules` on a simulated clock.
pub fn replay_with(
    rules: tccc::advisor::rules::RuleSet,
    start: &str,
    lines: &[(&str, &str)],
    until: &str,
) -> Vec<tccc::advisor::Alert> {
    let start = at(start);
    let extractor = extract(start, lines);
    let mut advisor = tccc::advisor::Advisor::new(rules, start);
    let mut clock = tccc::advisor::clock::SimClock::new(start);
    advisor
        .replay(
            extractor.events(),
            &mut clock,
            Some(after(start, at(until))),
        )
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            tccc::advisor::AlertEvent::Raised(a) => Some(a),
            tccc::advisor::AlertEvent::Acknowledged { .. } => None,
        })
        .collect()
}
