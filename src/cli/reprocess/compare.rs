//! What `tccc reprocess --all` makes of a second hearing: the facts of the journaled record,
//! each where the medic left it (confirmed, rejected, corrected or not yet looked at), set
//! against the facts a fresh reading of the second hearing makes.
//!
//! The rules (the medic's word is never overridden by a machine):
//! - a fact read again as the record holds it is left exactly as it stands: confirmed stays
//!   confirmed, rejected stays rejected, corrected stays corrected (nothing is journaled);
//! - a fact read again with less detail than the record holds is left as it stands too;
//! - a fact read with another value where the record shows one of its slot (same casualty,
//!   e.g. a pulse, a tourniquet, TXA) is *proposed* beside it, unconfirmed; the journaled
//!   fact stays on the card until the medic confirms one and rejects the other;
//! - a fact read where the record holds nothing like it is proposed, unconfirmed;
//! - a fact on the card, read from an utterance heard again, that the second hearing does
//!   not yield is reported and kept: nothing is taken off the card.
//!
//! Matching is one to one, in the order facts were said, so a repeated dose read twice
//! where the record holds it once is one kept and one proposed.

use std::collections::HashMap;

use crate::extract::subsumes;
use crate::record::{CasualtyId, Doubt, Event, Fact, FactId, LiveFact};

/// Where the journaled record leaves an asserted fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// On the card; nothing cast doubt on it.
    Clear,
    /// On the card, marked unconfirmed.
    Unconfirmed,
    /// On the card, confirmed by the medic.
    Confirmed,
    /// Rejected by the medic: off the card.
    Rejected,
    /// Replaced or withdrawn by a correction: off the card.
    Corrected,
}

impl Standing {
    /// Whether the card shows the fact.
    pub fn on_card(self) -> bool {
        matches!(
            self,
            Standing::Clear | Standing::Unconfirmed | Standing::Confirmed
        )
    }

    /// A word for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Clear => "heard clearly, not confirmed",
            Standing::Unconfirmed => "unconfirmed",
            Standing::Confirmed => "confirmed",
            Standing::Rejected => "rejected",
            Standing::Corrected => "corrected",
        }
    }
}

/// One fact the journal asserted, and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Journaled {
    pub id: FactId,
    pub casualty: CasualtyId,
    pub fact: Fact,
    pub standing: Standing,
    /// The utterance it was read from.
    pub utterance: u32,
    pub doubt: Option<Doubt>,
}

/// Every fact `events` asserts, in order, with where the latest verdict and corrections
/// leave it (as `EventLog::live_facts` decides: the latest confirmation or rejection holds,
/// a corrected fact is off the card whatever its verdict).
pub fn journaled_facts(events: &[Event]) -> Vec<Journaled> {
    #[derive(Clone, Copy, PartialEq)]
    enum Verdict {
        None,
        Confirmed,
        Rejected,
    }
    let mut facts: Vec<(Journaled, Verdict, bool)> = Vec::new();
    let mut position: HashMap<FactId, usize> = HashMap::new();
    for event in events {
        match event {
            Event::Asserted {
                id,
                casualty,
                fact,
                provenance,
            } => {
                position.insert(*id, facts.len());
                facts.push((
                    Journaled {
                        id: *id,
                        casualty: *casualty,
                        fact: fact.clone(),
                        standing: Standing::Clear,
                        utterance: provenance.utterance,
                        doubt: provenance.doubt,
                    },
                    Verdict::None,
                    false,
                ));
            }
            Event::Corrected { superseded, .. } => {
                if let Some(&i) = position.get(superseded) {
                    facts[i].2 = true;
                }
            }
            Event::Confirmed { id, .. } => {
                if let Some(&i) = position.get(id) {
                    facts[i].1 = Verdict::Confirmed;
                }
            }
            Event::Rejected { id, .. } => {
                if let Some(&i) = position.get(id) {
                    facts[i].1 = Verdict::Rejected;
                }
            }
            Event::CasualtySwitched { .. } => {}
        }
    }
    facts
        .into_iter()
        .map(|(mut fact, verdict, superseded)| {
            fact.standing = match (superseded, verdict) {
                (true, _) => Standing::Corrected,
                (false, Verdict::Rejected) => Standing::Rejected,
                (false, Verdict::Confirmed) => Standing::Confirmed,
                (false, Verdict::None) if fact.doubt.is_some() => Standing::Unconfirmed,
                (false, Verdict::None) => Standing::Clear,
            };
            fact
        })
        .collect()
}

/// What the second hearing says of one fact. `old` indexes the journaled facts, `heard` the
/// facts of the fresh reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Read again as the record holds it (or with less detail): left as it stands.
    Kept { old: usize, heard: usize },
    /// Read with another value where the card shows `old` (same casualty and slot):
    /// proposed beside it, unconfirmed.
    Changed { old: usize, heard: usize },
    /// Read where the record holds nothing like it: proposed, unconfirmed.
    Added { heard: usize },
    /// On the card, read from an utterance heard again, not yielded by the second
    /// hearing: reported, kept.
    NotHeardAgain { old: usize },
}

/// How a fresh fact may pair with a journaled one.
#[derive(Clone, Copy)]
enum Pass {
    /// The same fact: kept.
    Exact,
    /// The journaled fact says all the fresh one says: kept.
    LessDetail,
    /// Another value of a slot the card shows: changed.
    SameSlot,
}

impl Pass {
    /// `Some(true)`: kept, `Some(false)`: changed, `None`: no pair.
    fn pairs(self, old: &Journaled, new: &LiveFact) -> Option<bool> {
        match self {
            Pass::Exact => (old.fact == new.fact).then_some(true),
            Pass::LessDetail => subsumes(&old.fact, &new.fact).then_some(true),
            Pass::SameSlot => {
                (old.standing.on_card() && old.fact.slot() == new.fact.slot()).then_some(false)
            }
        }
    }
}

/// Sets the fresh reading's facts `heard` against the journaled ones. `reheard` says
/// whether an utterance was heard again (a fact of one that was not, e.g. typed text or a
/// language-model proposal, is not expected again and is never reported missing).
pub fn compare(
    journaled: &[Journaled],
    heard: &[LiveFact],
    reheard: impl Fn(u32) -> bool,
) -> Vec<Finding> {
    let mut old_used = vec![false; journaled.len()];
    let mut outcome: Vec<Option<Finding>> = vec![None; heard.len()];
    // Three passes, so an exact match anywhere wins over a looser one earlier.
    for pass in [Pass::Exact, Pass::LessDetail, Pass::SameSlot] {
        for (h, new) in heard.iter().enumerate() {
            if outcome[h].is_some() {
                continue;
            }
            let found = journaled.iter().enumerate().find_map(|(o, old)| {
                if old_used[o] || old.casualty != new.casualty {
                    return None;
                }
                pass.pairs(old, new).map(|kept| (o, kept))
            });
            if let Some((o, kept)) = found {
                old_used[o] = true;
                outcome[h] = Some(if kept {
                    Finding::Kept { old: o, heard: h }
                } else {
                    Finding::Changed { old: o, heard: h }
                });
            }
        }
    }
    let mut findings: Vec<Finding> = outcome
        .into_iter()
        .enumerate()
        .map(|(h, found)| found.unwrap_or(Finding::Added { heard: h }))
        .collect();
    for (o, old) in journaled.iter().enumerate() {
        let expected = !matches!(old.doubt, Some(Doubt::Proposed | Doubt::Reprocessed));
        if !old_used[o] && old.standing.on_card() && expected && reheard(old.utterance) {
            findings.push(Finding::NotHeardAgain { old: o });
        }
    }
    findings
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::record::{EventLog, Limb, Provenance, TourniquetKind, VitalValue};

    fn provenance(utterance: u32, doubt: Option<Doubt>) -> Provenance {
        Provenance {
            utterance,
            char_start: 0,
            char_end: 1,
            heard_start_s: 0.0,
            heard_end_s: 1.0,
            confidence: 1.0,
            doubt,
            lexicon: "",
        }
    }

    fn pulse(v: u16) -> Fact {
        Fact::Vital {
            value: VitalValue::Pulse(v),
            time: None,
        }
    }

    fn tourniquet(limb: Limb) -> Fact {
        Fact::Tourniquet {
            limb,
            kind: TourniquetKind::Extremity,
            time: None,
        }
    }

    fn txa(route: bool) -> Fact {
        Fact::Medication {
            name: "tranexamic acid",
            dose: Some(1.0),
            unit: None,
            route: route.then_some(crate::record::Route::Iv),
            time: None,
        }
    }

    fn live(log: &EventLog) -> Vec<LiveFact> {
        log.live_facts()
    }

    #[test]
    fn standings_follow_the_latest_verdict_and_corrections() {
        let mut log = EventLog::new();
        let a = log.assert_fact(1, pulse(110), provenance(0, None)).unwrap();
        let b = log
            .assert_fact(
                1,
                tourniquet(Limb::LeftLeg),
                provenance(0, Some(Doubt::SoundAlike)),
            )
            .unwrap();
        let c = log.assert_fact(1, txa(false), provenance(1, None)).unwrap();
        let d = log.assert_fact(1, pulse(120), provenance(1, None)).unwrap();
        let e = log
            .assert_fact(
                1,
                tourniquet(Limb::RightArm),
                provenance(1, Some(Doubt::Ambiguous)),
            )
            .unwrap();
        log.confirm_fact(b, provenance(1, None)).unwrap();
        log.reject_fact(c, provenance(1, None)).unwrap();
        log.correct_fact(a, Some(d), provenance(1, None)).unwrap();
        // A mistaken press undone: the latest verdict holds.
        log.reject_fact(e, provenance(1, None)).unwrap();
        log.confirm_fact(e, provenance(1, None)).unwrap();
        let standings: Vec<Standing> = journaled_facts(log.events())
            .iter()
            .map(|f| f.standing)
            .collect();
        assert_eq!(
            standings,
            [
                Standing::Corrected,
                Standing::Confirmed,
                Standing::Rejected,
                Standing::Clear,
                Standing::Confirmed
            ]
        );
        // The card agrees with the standings.
        let on_card: Vec<FactId> = journaled_facts(log.events())
            .iter()
            .filter(|f| f.standing.on_card())
            .map(|f| f.id)
            .collect();
        let live: Vec<FactId> = log.live_facts().iter().map(|f| f.id).collect();
        assert_eq!(on_card, live);
    }

    #[test]
    fn verdicts_are_kept_changes_proposed_and_nothing_on_the_card_is_dropped() {
        // The record: a confirmed tourniquet, a rejected pulse, a clear TXA, a clear SpO2.
        let mut old = EventLog::new();
        let tq = old
            .assert_fact(1, tourniquet(Limb::LeftLeg), provenance(0, None))
            .unwrap();
        let p = old.assert_fact(1, pulse(140), provenance(0, None)).unwrap();
        old.assert_fact(1, txa(false), provenance(1, None)).unwrap();
        old.assert_fact(
            1,
            Fact::Vital {
                value: VitalValue::Spo2(94),
                time: None,
            },
            provenance(1, None),
        )
        .unwrap();
        old.confirm_fact(tq, provenance(1, None)).unwrap();
        old.reject_fact(p, provenance(1, None)).unwrap();
        let journaled = journaled_facts(old.events());

        // The second hearing: the same tourniquet and pulse, TXA with its route, a second
        // tourniquet, no SpO2.
        let mut new = EventLog::new();
        new.assert_fact(1, tourniquet(Limb::LeftLeg), provenance(0, None))
            .unwrap();
        new.assert_fact(1, pulse(140), provenance(0, None)).unwrap();
        new.assert_fact(1, txa(true), provenance(1, None)).unwrap();
        new.assert_fact(1, tourniquet(Limb::RightLeg), provenance(1, None))
            .unwrap();
        let findings = compare(&journaled, &live(&new), |_| true);
        assert_eq!(
            findings,
            [
                // Confirmed stays confirmed, rejected stays rejected: nothing to journal.
                Finding::Kept { old: 0, heard: 0 },
                Finding::Kept { old: 1, heard: 1 },
                Finding::Changed { old: 2, heard: 2 },
                Finding::Added { heard: 3 },
                Finding::NotHeardAgain { old: 3 },
            ]
        );
        assert_eq!(journaled[0].standing, Standing::Confirmed);
        assert_eq!(journaled[1].standing, Standing::Rejected);
    }

    #[test]
    fn a_rejected_or_corrected_fact_is_not_proposed_again_nor_paired_as_changed() {
        let mut old = EventLog::new();
        let a = old.assert_fact(1, pulse(110), provenance(0, None)).unwrap();
        let b = old.assert_fact(1, pulse(120), provenance(0, None)).unwrap();
        old.correct_fact(a, Some(b), provenance(0, None)).unwrap();
        old.reject_fact(b, provenance(0, None)).unwrap();
        let journaled = journaled_facts(old.events());
        let mut new = EventLog::new();
        new.assert_fact(1, pulse(110), provenance(0, None)).unwrap();
        new.assert_fact(1, pulse(130), provenance(0, None)).unwrap();
        let findings = compare(&journaled, &live(&new), |_| true);
        // 110 was corrected away: kept so. 130 pairs with nothing on the card: added.
        assert_eq!(
            findings,
            [
                Finding::Kept { old: 0, heard: 0 },
                Finding::Added { heard: 1 }
            ]
        );
    }

    #[test]
    fn a_repeat_dose_heard_twice_where_the_record_has_one_is_one_kept_and_one_proposed() {
        let mut old = EventLog::new();
        old.assert_fact(1, txa(true), provenance(0, None)).unwrap();
        let journaled = journaled_facts(old.events());
        let mut new = EventLog::new();
        new.assert_fact(1, txa(true), provenance(0, None)).unwrap();
        new.assert_fact(1, txa(true), provenance(1, None)).unwrap();
        let findings = compare(&journaled, &live(&new), |_| true);
        assert_eq!(
            findings,
            [
                Finding::Kept { old: 0, heard: 0 },
                Finding::Added { heard: 1 }
            ]
        );
    }

    #[test]
    fn facts_of_utterances_not_heard_again_and_proposals_are_never_reported_missing() {
        let mut old = EventLog::new();
        old.assert_fact(1, pulse(110), provenance(0, None)).unwrap();
        old.assert_fact(1, pulse(90), provenance(1, Some(Doubt::Proposed)))
            .unwrap();
        old.assert_fact(2, pulse(80), provenance(1, None)).unwrap();
        let journaled = journaled_facts(old.events());
        let findings = compare(&journaled, &[], |u| u == 1);
        assert_eq!(findings, [Finding::NotHeardAgain { old: 2 }]);
        // Another casualty's fact never pairs.
        let mut new = EventLog::new();
        new.assert_fact(3, pulse(110), provenance(0, None)).unwrap();
        let findings = compare(&journaled, &live(&new), |_| false);
        assert_eq!(findings, [Finding::Added { heard: 0 }]);
    }
}
