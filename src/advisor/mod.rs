//! The guideline advisor: watches the record and the clock and says what the TCCC
//! guidelines call for — a tourniquet at two hours, TXA still possible (or no longer), a
//! repeat dose too early — as alerts with ids. It reads the record's live facts and never
//! changes the record.
//!
//! The rules are data (`rules.toml`, versioned, validated at start: `rules.rs`). Time is a
//! continuous local timeline (`clock.rs`): a fact's time is the clock time said with it,
//! placed nearest to when it was heard, or, when none was said, the time it was heard
//! (and the alert says the time was assumed). The injury time is the time set with
//! [`Advisor::set_injury_time`], else the latest `Fact::InjuryTime` heard for the casualty
//! ("hit at ten thirty"; never placed more than `INJURY_TIME_AHEAD_S` after it was heard:
//! an injury reported hours "ahead" was the day before), else the earliest time known of
//! the casualty (first mention or an earlier spoken time), flagged as assumed. The true injury can only be earlier than
//! an assumed one, so "give TXA by" may be generous (the message says so), and "TXA given
//! late" measured from it is raised as an advisory only. A tourniquet with a confirmed
//! `Fact::TourniquetOff` for its limb said after it has no elapsed-time clock (with no
//! removal time said, from when it was heard; `tq-off-time-missing` asks for the time);
//! an unconfirmed one stops nothing, the alert resting on it is an advisory.
//! An injury time heard unconfirmed ("around 0515") sets the window, but TXA late measured
//! from it is only an advisory. Each blood unit re-arms `reassess_after`: cleared by a
//! pulse, blood pressure, AVPU or radial sign taken after that unit.
//!
//! Alerts are events ([`AlertEvent`]) that a journal can store and a console can list and
//! acknowledge. Each is raised once per trigger — rule, casualty, the facts it rests on
//! and its severity — so it re-arms only on new evidence: a corrected tourniquet time or a
//! new dose is a new fact, and a confirmation turns an advisory into a warning. A rule
//! resting on an unconfirmed fact raises at most an advisory. At most
//! `ALERTS_PER_CASUALTY_MAX` alerts are raised per casualty; the rest are counted.
//! [`Advisor::restore`] replays journaled events so that nothing is raised twice.

pub mod clock;
pub mod rules;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::limits::{ALERTS_MAX, ALERTS_PER_CASUALTY_MAX, INJURY_TIME_AHEAD_S};
use crate::record::{
    CasualtyId, Evac, Event, EventLog, Fact, FactId, Limb, LiveFact, Perfusion, Provenance,
    RecordError, VitalValue,
};
use clock::{hhmm, Clock, SimClock, Stamp};
use rules::{Condition, Rule, RuleSet, Selector, Severity, Trigger};

/// What can go wrong in the advisor.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdvisorError {
    /// The rule file is malformed or fails validation.
    #[error("advisor rules {file}, rule `{rule}`: {problem}; fix the rule file")]
    Rules {
        file: String,
        rule: String,
        problem: String,
    },
    /// An acknowledgement named an alert this advisor never raised.
    #[error("no alert #{0}; list the active alerts and acknowledge one of their ids")]
    UnknownAlert(AlertId),
    /// A record's event log could not be replayed (it is inconsistent).
    #[error("cannot replay the record for the advisor: {0}; this is a bug in tccc")]
    Replay(RecordError),
}

/// Identifies one alert; ids grow from 1 in the order alerts are raised.
pub type AlertId = u32;

/// One raised alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    /// The rule's id in the rule file.
    pub rule: String,
    pub casualty: CasualtyId,
    pub severity: Severity,
    /// When the rule said it was due.
    pub due: Stamp,
    /// When it was raised (the clock at the tick that found it due).
    pub raised: Stamp,
    pub message: String,
    /// The record facts it rests on (with the rule, casualty and severity: its identity).
    pub evidence: Vec<FactId>,
    /// A time it rests on was assumed (no time said, or no injury time).
    pub assumed_time: bool,
    /// The guideline line, from the rule file.
    pub source: String,
    pub acknowledged: bool,
}

/// What a journal stores and a console shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AlertEvent {
    Raised(Alert),
    Acknowledged { id: AlertId, at: Stamp },
}

fn provenance_of(event: &Event) -> &Provenance {
    match event {
        Event::CasualtySwitched { provenance, .. }
        | Event::Asserted { provenance, .. }
        | Event::Corrected { provenance, .. }
        | Event::Confirmed { provenance, .. }
        | Event::Rejected { provenance, .. } => provenance,
    }
}

/// Appends one event of another log to `log` (same order, so the same fact ids).
fn apply(log: &mut EventLog, event: &Event) -> Result<(), RecordError> {
    match event {
        Event::CasualtySwitched {
            casualty,
            provenance,
        } => log.switch_casualty(*casualty, *provenance),
        Event::Asserted {
            casualty,
            fact,
            provenance,
            ..
        } => log
            .assert_fact(*casualty, fact.clone(), *provenance)
            .map(|_| ()),
        Event::Corrected {
            superseded,
            by,
            provenance,
        } => log.correct_fact(*superseded, *by, *provenance),
        Event::Confirmed { id, provenance } => log.confirm_fact(*id, *provenance),
        Event::Rejected { id, provenance } => log.reject_fact(*id, *provenance),
    }
}

/// One alert the rules call for now or later, before it is raised.
#[derive(Clone, Debug)]
struct Candidate {
    rule: usize,
    casualty: CasualtyId,
    evidence: Vec<FactId>,
    due: Stamp,
    severity: Severity,
    message: String,
    assumed_time: bool,
}

/// The advisor: rules, the alerts raised, and the injury times it was told.
#[derive(Debug)]
pub struct Advisor {
    rules: RuleSet,
    /// The timeline moment of input second 0 (utterance times are seconds from it).
    input_start: Stamp,
    injury_times: Vec<(CasualtyId, Stamp)>,
    alerts: Vec<Alert>,
    /// Triggers not raised because their casualty was at `ALERTS_PER_CASUALTY_MAX`.
    suppressed: Vec<(String, CasualtyId, Vec<FactId>, Severity)>,
    dropped: u64,
}

impl Advisor {
    /// An advisor with `rules`, for input whose second 0 is `input_start` on the timeline.
    pub fn new(rules: RuleSet, input_start: Stamp) -> Advisor {
        Advisor {
            rules,
            input_start,
            injury_times: Vec::new(),
            alerts: Vec::with_capacity(64),
            suppressed: Vec::new(),
            dropped: 0,
        }
    }

    /// The rule set in use.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Sets the time of injury of a casualty (when the narration or the console gives it).
    pub fn set_injury_time(&mut self, casualty: CasualtyId, at: Stamp) {
        self.injury_times.retain(|(c, _)| *c != casualty);
        self.injury_times.push((casualty, at));
    }

    /// Every alert raised, in order.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Alerts raised and not acknowledged.
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| !a.acknowledged)
    }

    /// Alerts not raised because a casualty had `ALERTS_PER_CASUALTY_MAX` already.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The medic acknowledged alert `id` at `at`: it leaves the active list.
    pub fn acknowledge(&mut self, id: AlertId, at: Stamp) -> Result<AlertEvent, AdvisorError> {
        let alert = self
            .alerts
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(AdvisorError::UnknownAlert(id))?;
        alert.acknowledged = true;
        Ok(AlertEvent::Acknowledged { id, at })
    }

    /// Replays an event from the journal after a restart: a raised alert is not raised again.
    pub fn restore(&mut self, event: &AlertEvent) {
        match event {
            AlertEvent::Raised(alert) => {
                if self.alerts.len() < ALERTS_MAX && !self.alerts.iter().any(|a| a.id == alert.id) {
                    self.alerts.push(alert.clone());
                }
            }
            AlertEvent::Acknowledged { id, .. } => {
                if let Some(a) = self.alerts.iter_mut().find(|a| a.id == *id) {
                    a.acknowledged = true;
                }
            }
        }
    }

    /// The earliest moment after `now` at which a not yet raised alert falls due, so that a
    /// simulated clock can step exactly to it.
    pub fn next_due(&self, now: Stamp, facts: &[LiveFact]) -> Option<Stamp> {
        self.candidates(facts)
            .into_iter()
            .filter(|c| c.due > now && !self.is_raised(c))
            .map(|c| c.due)
            .min()
    }

    /// Raises every alert due at or before `now` that was not raised before; returns them.
    pub fn tick(&mut self, now: Stamp, facts: &[LiveFact]) -> Vec<AlertEvent> {
        let mut due: Vec<Candidate> = self
            .candidates(facts)
            .into_iter()
            .filter(|c| c.due <= now && !self.is_raised(c))
            .collect();
        due.sort_by_key(|c| (c.due, c.casualty, c.rule));
        let mut raised = Vec::new();
        for c in due {
            let rule = &self.rules.rules[c.rule];
            let key = (rule.id.clone(), c.casualty, c.evidence.clone(), c.severity);
            let count = self
                .alerts
                .iter()
                .filter(|a| a.casualty == c.casualty)
                .count();
            if count >= ALERTS_PER_CASUALTY_MAX || self.alerts.len() >= ALERTS_MAX {
                if !self.suppressed.contains(&key) {
                    self.dropped += 1;
                    if self.suppressed.len() < ALERTS_MAX {
                        self.suppressed.push(key);
                    }
                }
                continue;
            }
            let alert = Alert {
                id: self.alerts.iter().map(|a| a.id).max().unwrap_or(0) + 1,
                rule: rule.id.clone(),
                casualty: c.casualty,
                severity: c.severity,
                due: c.due,
                raised: now,
                message: c.message,
                evidence: c.evidence,
                assumed_time: c.assumed_time,
                source: rule.source.clone(),
                acknowledged: false,
            };
            self.alerts.push(alert.clone());
            raised.push(AlertEvent::Raised(alert));
        }
        raised
    }

    /// Moves a simulated clock to `to`, stopping at every due time on the way, so each
    /// alert is raised exactly when it falls due; returns what was raised.
    pub fn run_until(
        &mut self,
        clock: &mut SimClock,
        to: Stamp,
        facts: &[LiveFact],
    ) -> Vec<AlertEvent> {
        let mut raised = Vec::new();
        while let Some(due) = self.next_due(clock.now(), facts) {
            if due > to {
                break;
            }
            clock.set(due);
            raised.extend(self.tick(clock.now(), facts));
        }
        clock.set(to);
        raised.extend(self.tick(clock.now(), facts));
        raised
    }

    /// Replays a record's event log on a simulated clock: the record as it stood after
    /// each utterance is evaluated from the moment that utterance ended until the next
    /// one (and, after the last, until `until` if later), so alerts fall due as they would
    /// have live. A fact corrected later still raised what it called for while it stood.
    pub fn replay(
        &mut self,
        events: &[Event],
        clock: &mut SimClock,
        until: Option<Stamp>,
    ) -> Result<Vec<AlertEvent>, AdvisorError> {
        let mut log = EventLog::new();
        let mut raised = Vec::new();
        let mut facts: Vec<LiveFact> = Vec::new();
        let mut index = 0;
        while index < events.len() {
            let utterance = provenance_of(&events[index]).utterance;
            let heard = self
                .input_start
                .plus_seconds(provenance_of(&events[index]).heard_end_s);
            raised.extend(self.run_until(clock, heard, &facts));
            while index < events.len() && provenance_of(&events[index]).utterance == utterance {
                apply(&mut log, &events[index]).map_err(AdvisorError::Replay)?;
                index += 1;
            }
            facts = log.live_facts();
            raised.extend(self.run_until(clock, heard, &facts));
        }
        if let Some(until) = until {
            raised.extend(self.run_until(clock, until, &facts));
        }
        Ok(raised)
    }

    fn is_raised(&self, c: &Candidate) -> bool {
        let id = &self.rules.rules[c.rule].id;
        let same = |rule: &str, casualty: CasualtyId, evidence: &[FactId], severity: Severity| {
            rule == id && casualty == c.casualty && evidence == c.evidence && severity == c.severity
        };
        self.alerts
            .iter()
            .any(|a| same(&a.rule, a.casualty, &a.evidence, a.severity))
            || self
                .suppressed
                .iter()
                .any(|(r, cas, e, s)| same(r, *cas, e, *s))
    }

    /// When a fact was heard on the timeline (the end of its utterance).
    fn heard(&self, fact: &LiveFact) -> Stamp {
        self.input_start.plus_seconds(fact.provenance.heard_end_s)
    }

    /// When a fact happened: its spoken time, or when it was heard (assumed: `true`).
    fn happened(&self, fact: &LiveFact) -> (Stamp, bool) {
        let heard = self.heard(fact);
        match fact.fact.time() {
            Some(t) => (Stamp::of_spoken(t, heard), false),
            None => (heard, true),
        }
    }

    /// The casualty's injury time and whether it is assumed: the time set with
    /// [`Advisor::set_injury_time`], else the latest injury time heard for the casualty
    /// ("hit at ten thirty"), else the earliest time known of the casualty (assumed); and
    /// whether the injury time heard is unconfirmed ("around oh-five-fifteen").
    fn injury(&self, casualty: CasualtyId, facts: &[&LiveFact]) -> (Stamp, bool, bool) {
        if let Some((_, t)) = self.injury_times.iter().find(|(c, _)| *c == casualty) {
            return (*t, false, false);
        }
        let said = facts
            .iter()
            .filter(|f| matches!(f.fact, Fact::InjuryTime(_)))
            .max_by_key(|f| (self.heard(f), f.id));
        if let Some(f) = said {
            let heard = self.heard(f);
            let at = match f.fact.time() {
                Some(t) => Stamp::of_spoken_past(t, heard, INJURY_TIME_AHEAD_S),
                None => heard,
            };
            return (at, false, f.unconfirmed);
        }
        let earliest = facts
            .iter()
            .map(|f| self.happened(f).0.min(self.heard(f)))
            .min()
            .unwrap_or(self.input_start);
        (earliest, true, false)
    }

    /// adv17: is the casualty triaged expectant (or dead) by the latest triage said? Its
    /// alerts are held back until it is re-triaged; what falls due meanwhile is raised then.
    /// An unconfirmed "expectant" holds nothing back: a misheard word must not silence the
    /// clocks of a living casualty.
    fn expectant(&self, facts: &[&LiveFact]) -> bool {
        facts
            .iter()
            .filter(|f| matches!(f.fact, Fact::Expectant(_)) && !f.unconfirmed)
            .max_by_key(|f| (self.heard(f), f.id))
            .is_some_and(|f| matches!(f.fact, Fact::Expectant(true)))
    }

    /// Every alert the rules call for given the facts, raised or not, with its due time.
    fn candidates(&self, facts: &[LiveFact]) -> Vec<Candidate> {
        let mut casualties: Vec<CasualtyId> = facts.iter().map(|f| f.casualty).collect();
        casualties.sort_unstable();
        casualties.dedup();
        let mut out = Vec::new();
        for casualty in casualties {
            let mine: Vec<&LiveFact> = facts.iter().filter(|f| f.casualty == casualty).collect();
            if self.expectant(&mine) {
                continue;
            }
            for (index, rule) in self.rules.rules.iter().enumerate() {
                self.evaluate(index, rule, casualty, &mine, &mut out);
            }
        }
        out
    }

    fn evaluate(
        &self,
        index: usize,
        rule: &Rule,
        casualty: CasualtyId,
        facts: &[&LiveFact],
        out: &mut Vec<Candidate>,
    ) {
        let select = |selectors: &[Selector]| -> Vec<&LiveFact> {
            let mut chosen: Vec<&LiveFact> = facts
                .iter()
                .copied()
                .filter(|f| selectors.iter().any(|s| s.matches(&f.fact)))
                .collect();
            chosen.sort_by_key(|f| (self.happened(f).0, f.id));
            chosen
        };
        let injury = self.injury(casualty, facts);
        let mut push = |evidence: &[&LiveFact],
                        due: Stamp,
                        time_of: Option<&LiveFact>,
                        extra: Extra| {
            let unconfirmed = evidence.iter().any(|f| f.unconfirmed);
            let severity = if unconfirmed {
                Severity::Advisory
            } else {
                rule.severity
            };
            let (time, time_assumed) = time_of.map_or((due, false), |f| self.happened(f));
            let mut assumed_time = time_of.is_some() && time_assumed;
            // A late dose measured from an assumed injury time (first mention) is
            // worth a look, never a warning: the injury time was not said.
            let severity = if extra.advisory_if_injury_assumed && (injury.1 || injury.2) {
                Severity::Advisory
            } else {
                severity
            };
            let mut message = rule.message.clone();
            let fact_text = evidence
                .first()
                .map_or(String::new(), |f| f.fact.to_string());
            let time_text = if time_assumed && time_of.is_some() {
                format!("{} (time assumed: when heard)", hhmm(time))
            } else {
                hhmm(time)
            };
            let injury_text = if injury.1 && message.contains("{due}") {
                // The injury came before the casualty was first mentioned, so a
                // deadline counted from the first mention is later than the real one.
                format!(
                    "{} (assumed: first mention; the injury was earlier, so the real limit is sooner)",
                    hhmm(injury.0)
                )
            } else if injury.1 {
                format!("{} (assumed: first mention)", hhmm(injury.0))
            } else if injury.2 {
                format!("{} (unconfirmed)", hhmm(injury.0))
            } else {
                hhmm(injury.0)
            };
            if message.contains("{injury}") && injury.1 {
                assumed_time = true;
            }
            let due_text = hhmm(extra.due_shown.unwrap_or(due));
            let category = extra.category.map_or("", |c| c.as_str());
            let rate = extra.rate.as_deref().unwrap_or("");
            for (name, value) in [
                ("{rate}", rate),
                ("{fact}", fact_text.as_str()),
                ("{time}", time_text.as_str()),
                ("{due}", due_text.as_str()),
                ("{injury}", injury_text.as_str()),
                ("{category}", category),
            ] {
                message = message.replace(name, value);
            }
            if unconfirmed {
                message.push_str(" [rests on an unconfirmed fact: confirm it]");
            }
            let mut ids: Vec<FactId> = evidence.iter().map(|f| f.id).collect();
            ids.sort_unstable();
            out.push(Candidate {
                rule: index,
                casualty,
                evidence: if extra.once_per_casualty {
                    Vec::new()
                } else {
                    ids
                },
                due,
                severity,
                message,
                assumed_time,
            });
        };
        let conditions_since = |conditions: &[Condition]| -> Option<(Stamp, Vec<&LiveFact>)> {
            conditions
                .iter()
                .filter_map(|c| {
                    let evidence = c.evidence(facts);
                    let since = evidence.iter().map(|f| self.heard(f)).max()?;
                    Some((since, evidence))
                })
                .min_by_key(|(since, _)| *since)
        };
        match &rule.trigger {
            Trigger::Elapsed {
                facts: sel,
                after_min,
                unless_injury_on_limb,
                unless_conditions,
                when_conditions,
            } => {
                // Held back while a condition holds (no conversion in shock): the record
                // as it stands now decides, so the alert falls due once it no longer holds.
                if unless_conditions
                    .iter()
                    .any(|c| !c.evidence(facts).is_empty())
                {
                    return;
                }
                // adv15: only while one of these holds (the 2 h mark in shock).
                if !when_conditions.is_empty()
                    && when_conditions.iter().all(|c| c.evidence(facts).is_empty())
                {
                    return;
                }
                // A tourniquet that came off (converted, removed) has no clock: an "off"
                // for its limb said after it, or timed at or after it. An off said with no
                // time stops the clock all the same (the removal is taken as when heard;
                // `time_missing` asks for the time). An unconfirmed off (on/off misheard?)
                // stops nothing: the alert still comes, as an advisory resting on it.
                let off_of = |f: &LiveFact, confirmed: bool| -> Option<&LiveFact> {
                    let Fact::Tourniquet { limb, .. } = f.fact else {
                        return None;
                    };
                    let on_since = self.happened(f).0;
                    facts.iter().copied().find(|other| {
                        matches!(other.fact, Fact::TourniquetOff { limb: l, .. } if l == limb)
                            && other.unconfirmed != confirmed
                            && (other.provenance.utterance > f.provenance.utterance
                                || self.happened(other).0 >= on_since)
                    })
                };
                let exempt = |f: &LiveFact| {
                    let Fact::Tourniquet { limb, .. } = f.fact else {
                        return false;
                    };
                    off_of(f, true).is_some()
                        || facts.iter().any(|other| {
                            matches!(other.fact, Fact::Injury { region, kind }
                                if unless_injury_on_limb.contains(&kind)
                                    && Limb::of_region(region) == Some(limb))
                        })
                };
                for f in select(sel).into_iter().filter(|f| !exempt(f)) {
                    let due = self.happened(f).0.plus_minutes(*after_min);
                    match off_of(f, false) {
                        Some(off) => push(&[f, off], due, Some(f), Extra::default()),
                        None => push(&[f], due, Some(f), Extra::default()),
                    }
                }
            }
            Trigger::MissingAfter {
                facts: sel,
                absent,
                delay_min,
            } => {
                if !select(absent).is_empty() {
                    return;
                }
                if let Some(first) = select(sel).first() {
                    let due = self.heard(first).plus_minutes(*delay_min);
                    push(&[first], due, Some(first), Extra::default());
                }
            }
            Trigger::MissingBefore {
                facts: sel,
                required,
            } => {
                let required = select(required);
                for f in select(sel) {
                    let documented = required.iter().any(|r| {
                        r.provenance.utterance <= f.provenance.utterance
                            || self.happened(r).0 <= self.happened(f).0
                    });
                    if !documented {
                        push(&[f], self.heard(f), Some(f), Extra::default());
                    }
                }
            }
            Trigger::TooSoon {
                facts: sel,
                interval_min,
            } => {
                let doses = select(sel);
                for pair in doses.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    let gap = self.happened(b).0 .0 - self.happened(a).0 .0;
                    if gap < interval_min * 60 {
                        let due = self.heard(a).max(self.heard(b));
                        push(&[b, a], due, Some(b), Extra::default());
                    }
                }
            }
            Trigger::GivenWith { facts: sel, with } => {
                // Once per `facts` fact: with the first `with` fact given (a second opioid
                // is no new evidence that the benzodiazepine was given with one).
                let others = select(with);
                for f in select(sel) {
                    if let Some(w) = others.first() {
                        let due = self.heard(f).max(self.heard(w));
                        let later = if self.heard(f) >= self.heard(w) { f } else { w };
                        push(&[f, w], due, Some(later), Extra::default());
                    }
                }
            }
            Trigger::DoseCap {
                facts: sel,
                window_min,
                max_dose,
                unit,
            } => {
                let doses = select(sel);
                for (i, f) in doses.iter().enumerate() {
                    let end = self.happened(f).0;
                    let total: f64 = doses[..=i]
                        .iter()
                        .filter(|d| self.happened(d).0 .0 > end.0 - window_min * 60)
                        .filter_map(|d| match &d.fact {
                            Fact::Medication {
                                dose: Some(v),
                                unit: Some(u),
                                ..
                            } if u == unit => Some(*v),
                            _ => None,
                        })
                        .sum();
                    if total > *max_dose + 1e-9 {
                        push(&[*f], self.heard(f), Some(f), Extra::default());
                    }
                }
            }
            Trigger::WindowOpen {
                conditions,
                facts: sel,
                within_min,
            } => {
                if !select(sel).is_empty() {
                    return;
                }
                let deadline = injury.0.plus_minutes(*within_min);
                if let Some((since, evidence)) = conditions_since(conditions) {
                    if since < deadline {
                        let extra = Extra {
                            due_shown: Some(deadline),
                            once_per_casualty: true,
                            ..Extra::default()
                        };
                        push(&evidence, since, None, extra);
                    }
                }
            }
            Trigger::WindowClosed {
                conditions,
                facts: sel,
                within_min,
            } => {
                if !select(sel).is_empty() {
                    return;
                }
                let deadline = injury.0.plus_minutes(*within_min);
                if let Some((since, evidence)) = conditions_since(conditions) {
                    let extra = Extra {
                        once_per_casualty: true,
                        ..Extra::default()
                    };
                    push(&evidence, since.max(deadline), None, extra);
                }
            }
            Trigger::GivenLate {
                facts: sel,
                within_min,
            } => {
                let deadline = injury.0.plus_minutes(*within_min);
                for f in select(sel) {
                    if self.happened(f).0 > deadline {
                        let extra = Extra {
                            advisory_if_injury_assumed: true,
                            ..Extra::default()
                        };
                        push(&[f], self.heard(f), Some(f), extra);
                    }
                }
            }
            Trigger::TimeMissing { facts: sel } => {
                for f in select(sel).into_iter().filter(|f| f.fact.time().is_none()) {
                    push(&[f], self.heard(f), Some(f), Extra::default());
                }
            }
            Trigger::ConditionMissing { conditions, absent } => {
                if !select(absent).is_empty() {
                    return;
                }
                if let Some((since, evidence)) = conditions_since(conditions) {
                    push(&evidence, since, None, Extra::default());
                }
            }
            Trigger::GivenPastEndpoint {
                facts: sel,
                sbp_endpoint,
            } => {
                // The sign said last before the product (earlier utterance, or earlier in
                // the same one): a blood pressure at or above the endpoint, or a radial pulse
                // said to be palpable again (G2024 l.224-253: either is an endpoint); a
                // pressure or pulse still short of it holds the alert back.
                let reached = |sign: &LiveFact| match sign.fact {
                    Fact::Vital {
                        value: VitalValue::BloodPressure { systolic, .. },
                        ..
                    } => Some(systolic >= *sbp_endpoint),
                    // A radial pulse as felt; "altered mental status" is no pulse.
                    Fact::Perfusion(Perfusion::AlteredMentalStatus) => None,
                    Fact::Perfusion(p) => Some(p == Perfusion::RadialPalpable),
                    _ => None,
                };
                for f in select(sel) {
                    // The latest of the two kinds: a pressure still low after the pulse
                    // came back (or a pulse lost after a good pressure) has not reached it.
                    let last = facts
                        .iter()
                        .copied()
                        .filter(|o| said_after(f, o) && reached(o).is_some())
                        .max_by_key(|o| (o.provenance.utterance, o.id));
                    if let Some(sign) = last.filter(|sign| reached(sign) == Some(true)) {
                        push(&[f, sign], self.heard(f), Some(f), Extra::default());
                    }
                }
            }
            Trigger::UntilCleared {
                facts: sel,
                cleared_by,
                delay_min,
            } => {
                let cleared = select(cleared_by);
                for f in select(sel) {
                    let Some(limb) = limb_of(&f.fact) else {
                        continue;
                    };
                    // Cleared by an "off" for the limb said after it, or a tourniquet on the limb said in a later utterance that is not
                    // itself over clothing (a new one on skin).
                    let is_cleared = cleared.iter().any(|c| {
                        if limb_of(&c.fact) != Some(limb) || c.id == f.id {
                            return false;
                        }
                        match c.fact {
                            Fact::Tourniquet { .. } => {
                                c.provenance.utterance > f.provenance.utterance
                                    && !facts.iter().any(|o| {
                                        o.provenance.utterance == c.provenance.utterance
                                            && o.fact == f.fact
                                    })
                            }
                            _ => said_after(c, f),
                        }
                    });
                    if !is_cleared {
                        let due = self.heard(f).plus_minutes(*delay_min);
                        push(&[f], due, None, Extra::default());
                    }
                }
            }
            Trigger::ReassessAfter {
                facts: sel,
                cleared_by,
                delay_min,
            } => {
                // Each unit on its own: cleared by a sign taken after it (timed at or after
                // it, or said after it with no time).
                let cleared = select(cleared_by);
                for f in select(sel) {
                    let given = self.happened(f).0;
                    let reassessed = cleared.iter().any(|c| {
                        // A sign read back with its time counts from that time; a unit
                        // with no time said was given when heard, as is a sign without one.
                        match c.fact.time() {
                            Some(_) => {
                                self.happened(c).0 >= given
                                    || (said_after(c, f) && f.fact.time().is_none())
                            }
                            None => said_after(c, f),
                        }
                    });
                    if !reassessed {
                        let due = given.plus_minutes(*delay_min).max(self.heard(f));
                        push(&[f], due, Some(f), Extra::default());
                    }
                }
            }
            Trigger::BurnFluids {
                over_percent,
                ml_h_per_percent,
                band_kg: (low, high),
                ml_h_per_10kg_above,
            } => {
                // The value said last, and the first fact of its run of equal values: the
                // same surface said again is no new evidence, a different one is.
                let latest_run =
                    |value: &dyn Fn(&Fact) -> Option<u16>| -> Option<(&LiveFact, u16)> {
                        let said: Vec<(&LiveFact, u16)> = facts
                            .iter()
                            .copied()
                            .filter_map(|f| value(&f.fact).map(|v| (f, v)))
                            .collect();
                        let (_, last) = *said.last()?;
                        said.iter()
                            .rev()
                            .take_while(|(_, v)| *v == last)
                            .last()
                            .copied()
                    };
                let Some((burn, percent)) = latest_run(&|f| match f {
                    Fact::BurnExtent { percent } => Some(u16::from(*percent)),
                    _ => None,
                }) else {
                    return;
                };
                if percent <= u16::from(*over_percent) {
                    return;
                }
                let weight = latest_run(&|f| match f {
                    Fact::BodyWeight { kg } => Some(*kg),
                    _ => None,
                });
                let base = u32::from(percent) * ml_h_per_percent;
                let rate = match weight {
                    Some((_, kg)) if kg > *high => {
                        let steps = u32::from((kg - high) / 10);
                        format!(
                            "{} ml/h ({percent} % x {ml_h_per_percent} ml/h + {ml_h_per_10kg_above} ml/h per full 10 kg above {high} kg; {kg} kg)",
                            base + steps * ml_h_per_10kg_above
                        )
                    }
                    Some((_, kg)) if kg >= *low => {
                        format!("{base} ml/h ({percent} % x {ml_h_per_percent} ml/h; {kg} kg)")
                    }
                    Some((_, kg)) => format!(
                        "{percent} % x {ml_h_per_percent} ml/h = {base} ml/h is set for {low}-{high} kg; {kg} kg is under it"
                    ),
                    None => format!(
                        "{percent} % x {ml_h_per_percent} ml/h = {base} ml/h for {low}-{high} kg, +{ml_h_per_10kg_above} ml/h per 10 kg above {high} kg (no weight said)"
                    ),
                };
                let mut evidence = vec![burn];
                evidence.extend(weight.map(|(f, _)| f));
                let due = evidence
                    .iter()
                    .map(|f| self.heard(f))
                    .max()
                    .unwrap_or_else(|| self.heard(burn));
                let extra = Extra {
                    rate: Some(rate),
                    ..Extra::default()
                };
                push(&evidence, due, None, extra);
            }
            Trigger::SuggestEvac {
                conditions,
                category,
            } => {
                let already = facts.iter().any(|f| match f.fact {
                    Fact::Evac(e) => e == *category || (e == Evac::Urgent),
                    _ => false,
                });
                if already {
                    return;
                }
                if let Some((since, evidence)) = conditions_since(conditions) {
                    let extra = Extra {
                        category: Some(*category),
                        once_per_casualty: true,
                        ..Extra::default()
                    };
                    push(&evidence, since, None, extra);
                }
            }
        }
    }
}

/// The limb a tourniquet fact is about.
/// Whether `later` was said after `earlier`: in a later utterance, or later in the same one.
fn said_after(later: &LiveFact, earlier: &LiveFact) -> bool {
    (later.provenance.utterance, later.id) > (earlier.provenance.utterance, earlier.id)
}

fn limb_of(fact: &Fact) -> Option<Limb> {
    match fact {
        Fact::Tourniquet { limb, .. }
        | Fact::TourniquetOff { limb, .. }
        | Fact::TourniquetOverClothing { limb } => Some(*limb),
        _ => None,
    }
}

/// Per-kind details of a candidate alert.
#[derive(Clone, Debug, Default)]
struct Extra {
    /// adv15: what `{rate}` shows (the burn fluid rate, or its formula).
    rate: Option<String>,
    /// The time `{due}` shows when it is not the alert's own due time (a deadline).
    due_shown: Option<Stamp>,
    category: Option<Evac>,
    /// The alert is raised once per casualty whatever evidence later adds.
    once_per_casualty: bool,
    /// At most an advisory when the injury time it rests on was assumed.
    advisory_if_injury_assumed: bool,
}

/// "! 14:32:05 casualty 1: WARNING tq-convert-2h #3 …": one line for `tccc process`.
pub fn describe(alert: &Alert) -> String {
    format!(
        "! {} casualty {}: {} #{} {}: {}",
        alert.raised,
        alert.casualty,
        alert.severity.as_str(),
        alert.id,
        alert.rule,
        alert.message
    )
}
