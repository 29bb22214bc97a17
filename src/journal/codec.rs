//! The payloads of journal records, in a small tagged binary form written here (the record
//! types themselves stay free of any storage concern).
//!
//! Extending it: a new record kind or a new event gets a new tag; a reader that does not
//! know a tag reports the record and goes on. Fields added to an existing event go at its
//! end: a reader ignores trailing bytes it does not know, and a newer reader takes absent
//! trailing fields as their defaults. Closed sets (regions, routes, …) are written as the
//! schema's spelling, so reordering an enum never changes what a journal means.

use crate::limits::HEARD_WORDS_MAX;
use crate::record::{
    Avpu, CasualtyId, Clock, DoseUnit, Doubt, Evac, Event, Fact, FluidName, InjuryKind, Limb,
    Mechanism, Perfusion, Provenance, Region, Route, Sex, TourniquetKind, TreatmentKind,
    VitalValue,
};
use crate::speech::{HeardWord, HeardWords};

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A speech segment's audio, appended before it is transcribed.
    Audio = 1,
    /// What the recogniser heard (or a transcript line).
    Utterance = 2,
    /// A record event (casualty switched, fact asserted, corrected, …).
    Event = 3,
    /// A console command.
    Command = 4,
    /// An alert raised by tccc (storage faults included).
    Alert = 5,
    /// Records `from..=to` are void: a resumed run found them after a gap (written after
    /// the last durable point before a crash, so never acknowledged) and writes them again.
    Void = 6,
}

impl Kind {
    /// The kind of a tag, or `None` for one this build does not know.
    pub fn from_tag(tag: u8) -> Option<Kind> {
        Some(match tag {
            1 => Kind::Audio,
            2 => Kind::Utterance,
            3 => Kind::Event,
            4 => Kind::Command,
            5 => Kind::Alert,
            6 => Kind::Void,
            _ => return None,
        })
    }
}

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the payload ends early")]
    Short,
    #[error("unknown {what} tag {tag} (written by a newer tccc?)")]
    UnknownTag { what: &'static str, tag: u8 },
    #[error("unknown {what} {text:?}")]
    UnknownName { what: &'static str, text: String },
    #[error("a text field is not UTF-8")]
    NotText,
    #[error("a value is out of range: {0}")]
    OutOfRange(&'static str),
}

/// A speech segment's audio as heard.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioRecord {
    /// Index of the segment in the run.
    pub segment: u32,
    /// Seconds from the start of the input.
    pub start_s: f64,
    pub rate_hz: u32,
    /// 16-bit samples.
    pub samples: Vec<i16>,
}

/// One utterance as the extractor read it.
#[derive(Debug, Clone, PartialEq)]
pub struct UtteranceRecord {
    /// The utterance index the events' provenance refers to.
    pub index: u32,
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// Per-word confidence from the recogniser (empty for typed text).
    pub words: Vec<HeardWord>,
    /// The recogniser that produced the text ("transcript" for typed text).
    pub model: String,
    /// The lexicon (extractor) version that read it.
    pub lexicon: String,
    /// The sequence number of the `Audio` record it was heard from (`None`: typed text, or
    /// a record written before audio was journaled).
    pub audio_seq: Option<u64>,
    /// `Some(i)`: a second hearing of utterance `i` by `tccc reprocess --all` (another
    /// model or lexicon). It is not read again on replay; the facts it proposed are
    /// journaled as events (`Doubt::Reprocessed`) and filed again as they were.
    pub rehearing_of: Option<u32>,
}

/// An alert, as shown to the medic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub message: String,
}

/// A console command as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRecord {
    pub line: String,
}

// ---- primitive writer and reader ----

struct Out<'a>(&'a mut Vec<u8>);

impl Out<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A text of at most 65 535 bytes; a longer one is cut at a character boundary (no
    /// field the journal stores comes near: utterances are bounded far below).
    fn text(&mut self, v: &str) {
        let mut end = v.len().min(usize::from(u16::MAX));
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        self.u16(end as u16);
        self.0.extend_from_slice(&v.as_bytes()[..end]);
    }
    fn option<T>(&mut self, v: Option<T>, mut write: impl FnMut(&mut Self, T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                write(self, v);
            }
        }
    }
    fn clock(&mut self, v: Option<Clock>) {
        self.option(v, |out, c| {
            out.u8(c.hour);
            out.u8(c.minute);
        });
    }
}

struct In<'a> {
    bytes: &'a [u8],
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Short);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    /// A byte, or `None` at the end of the payload (a field added later).
    fn u8_or_end(&mut self) -> Result<Option<u8>, DecodeError> {
        if self.is_empty() {
            return Ok(None);
        }
        self.u8().map(Some)
    }
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn f32(&mut self) -> Result<f32, DecodeError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn f64(&mut self) -> Result<f64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }
    fn text(&mut self) -> Result<&'a str, DecodeError> {
        let n = usize::from(self.u16()?);
        std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError::NotText)
    }
    fn option<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            tag => Err(DecodeError::UnknownTag {
                what: "option",
                tag,
            }),
        }
    }
    fn clock(&mut self) -> Result<Option<Clock>, DecodeError> {
        self.option(|input| {
            let hour = input.u8()?;
            let minute = input.u8()?;
            Clock::new(u32::from(hour), u32::from(minute)).ok_or(DecodeError::OutOfRange("clock"))
        })
    }
    fn named<T: Copy + 'static>(
        &mut self,
        what: &'static str,
        all: &'static [T],
        name: impl Fn(T) -> &'static str,
    ) -> Result<T, DecodeError> {
        let text = self.text()?;
        all.iter()
            .copied()
            .find(|v| name(*v) == text)
            .ok_or_else(|| DecodeError::UnknownName {
                what,
                text: text.to_owned(),
            })
    }
}

macro_rules! named {
    ($input:expr, $ty:ident) => {
        $input.named(stringify!($ty), $ty::ALL, $ty::as_str)
    };
}

// ---- utterances, audio, alerts, commands ----

/// Encodes an utterance record.
pub fn encode_utterance(u: &UtteranceRecord, buf: &mut Vec<u8>) {
    let mut out = Out(buf);
    out.u32(u.index);
    out.f64(u.start_s);
    out.f64(u.end_s);
    out.text(&u.text);
    let words = &u.words[..u.words.len().min(HEARD_WORDS_MAX)];
    out.u16(words.len() as u16);
    for word in words {
        out.u32(word.start);
        out.u32(word.end);
        out.f32(word.confidence);
    }
    out.text(&u.model);
    out.text(&u.lexicon);
    // Added with journaled audio; a record written before it ends here.
    out.option(u.audio_seq, Out::u64);
    // Added with `reprocess --all`; a record written before it ends here.
    out.option(u.rehearing_of, Out::u32);
}

/// Decodes an utterance record.
pub fn decode_utterance(bytes: &[u8]) -> Result<UtteranceRecord, DecodeError> {
    let mut input = In { bytes };
    let index = input.u32()?;
    let start_s = input.f64()?;
    let end_s = input.f64()?;
    let text = input.text()?.to_owned();
    let count = usize::from(input.u16()?);
    if count > HEARD_WORDS_MAX {
        return Err(DecodeError::OutOfRange("word count"));
    }
    let mut words = Vec::with_capacity(count);
    for _ in 0..count {
        words.push(HeardWord {
            start: input.u32()?,
            end: input.u32()?,
            confidence: input.f32()?,
        });
    }
    Ok(UtteranceRecord {
        index,
        start_s,
        end_s,
        text,
        words,
        model: input.text()?.to_owned(),
        lexicon: input.text()?.to_owned(),
        audio_seq: if input.is_empty() {
            None
        } else {
            input.option(In::u64)?
        },
        rehearing_of: if input.is_empty() {
            None
        } else {
            input.option(In::u32)?
        },
    })
}

/// The words of a recogniser's output as the journal keeps them.
pub fn words_of(heard: &HeardWords) -> Vec<HeardWord> {
    heard.iter().copied().collect()
}

/// Bytes of an audio record before its samples.
pub const AUDIO_HEADER_BYTES: usize = 4 + 8 + 4 + 4;

/// Encodes a segment's audio.
pub fn encode_audio(a: &AudioRecord, buf: &mut Vec<u8>) {
    encode_audio_parts(a.segment, a.start_s, a.rate_hz, &a.samples, buf);
}

/// Encodes a segment's audio from its parts (the writer's preallocated buffers).
pub fn encode_audio_parts(
    segment: u32,
    start_s: f64,
    rate_hz: u32,
    samples: &[i16],
    buf: &mut Vec<u8>,
) {
    let mut out = Out(buf);
    out.u32(segment);
    out.f64(start_s);
    out.u32(rate_hz);
    out.u32(u32::try_from(samples.len()).unwrap_or(u32::MAX));
    for sample in samples.iter().take(u32::MAX as usize) {
        out.0.extend_from_slice(&sample.to_le_bytes());
    }
}

/// What an audio record says of its segment, without its samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioHeader {
    pub segment: u32,
    pub start_s: f64,
    pub rate_hz: u32,
    /// Number of samples.
    pub samples: usize,
}

impl AudioHeader {
    /// Seconds from the start of the input where the segment ends.
    pub fn end_s(&self) -> f64 {
        if self.rate_hz == 0 {
            self.start_s
        } else {
            self.start_s + self.samples as f64 / f64::from(self.rate_hz)
        }
    }
}

/// Reads an audio record's header and checks that its samples are all there.
pub fn decode_audio_header(bytes: &[u8]) -> Result<AudioHeader, DecodeError> {
    let mut input = In { bytes };
    let segment = input.u32()?;
    let start_s = input.f64()?;
    if !start_s.is_finite() || start_s < 0.0 {
        return Err(DecodeError::OutOfRange("audio start time"));
    }
    let rate_hz = input.u32()?;
    if rate_hz == 0 {
        return Err(DecodeError::OutOfRange("sample rate"));
    }
    let count = input.u32()? as usize;
    input.take(count.checked_mul(2).ok_or(DecodeError::Short)?)?;
    Ok(AudioHeader {
        segment,
        start_s,
        rate_hz,
        samples: count,
    })
}

/// Decodes a segment's audio.
pub fn decode_audio(bytes: &[u8]) -> Result<AudioRecord, DecodeError> {
    let header = decode_audio_header(bytes)?;
    let raw = &bytes[AUDIO_HEADER_BYTES..AUDIO_HEADER_BYTES + 2 * header.samples];
    Ok(AudioRecord {
        segment: header.segment,
        start_s: header.start_s,
        rate_hz: header.rate_hz,
        samples: raw
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
    })
}

/// Encodes an alert.
pub fn encode_alert(a: &AlertRecord, buf: &mut Vec<u8>) {
    Out(buf).text(&a.message);
}

/// Decodes an alert.
pub fn decode_alert(bytes: &[u8]) -> Result<AlertRecord, DecodeError> {
    Ok(AlertRecord {
        message: In { bytes }.text()?.to_owned(),
    })
}

/// Encodes a void range of sequence numbers.
pub fn encode_void(from: u64, to: u64, buf: &mut Vec<u8>) {
    buf.extend_from_slice(&from.to_le_bytes());
    buf.extend_from_slice(&to.to_le_bytes());
}

/// Decodes a void range of sequence numbers.
pub fn decode_void(bytes: &[u8]) -> Result<(u64, u64), DecodeError> {
    let mut input = In { bytes };
    let mut read = || -> Result<u64, DecodeError> {
        let b = input.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    };
    let from = read()?;
    let to = read()?;
    if from > to {
        return Err(DecodeError::OutOfRange("void range"));
    }
    Ok((from, to))
}

/// Encodes a console command.
pub fn encode_command(c: &CommandRecord, buf: &mut Vec<u8>) {
    Out(buf).text(&c.line);
}

/// Decodes a console command.
pub fn decode_command(bytes: &[u8]) -> Result<CommandRecord, DecodeError> {
    Ok(CommandRecord {
        line: In { bytes }.text()?.to_owned(),
    })
}

// ---- record events ----

const EVENT_SWITCHED: u8 = 1;
const EVENT_ASSERTED: u8 = 2;
const EVENT_CORRECTED: u8 = 3;
const EVENT_CONFIRMED: u8 = 4;
const EVENT_REJECTED: u8 = 5;

const DOUBT_NONE: u8 = 0;
const DOUBT_LOW_CONFIDENCE: u8 = 1;
const DOUBT_SOUND_ALIKE: u8 = 2;
const DOUBT_AMBIGUOUS: u8 = 3;
const DOUBT_PROPOSED: u8 = 4;
const DOUBT_REPROCESSED: u8 = 5;

fn provenance(out: &mut Out<'_>, p: &Provenance) {
    out.u32(p.utterance);
    out.u32(p.char_start);
    out.u32(p.char_end);
    out.f64(p.heard_start_s);
    out.f64(p.heard_end_s);
    out.f32(p.confidence);
    // Added with unconfirmed facts; a record written before them ends here.
    out.u8(match p.doubt {
        None => DOUBT_NONE,
        Some(Doubt::LowConfidence) => DOUBT_LOW_CONFIDENCE,
        Some(Doubt::SoundAlike) => DOUBT_SOUND_ALIKE,
        Some(Doubt::Ambiguous) => DOUBT_AMBIGUOUS,
        Some(Doubt::Proposed) => DOUBT_PROPOSED,
        Some(Doubt::Reprocessed) => DOUBT_REPROCESSED,
    });
    out.text(p.lexicon);
}

fn read_provenance(input: &mut In<'_>) -> Result<Provenance, DecodeError> {
    Ok(Provenance {
        utterance: input.u32()?,
        char_start: input.u32()?,
        char_end: input.u32()?,
        heard_start_s: input.f64()?,
        heard_end_s: input.f64()?,
        confidence: input.f32()?,
        doubt: match input.u8_or_end()? {
            None | Some(DOUBT_NONE) => None,
            Some(DOUBT_LOW_CONFIDENCE) => Some(Doubt::LowConfidence),
            Some(DOUBT_SOUND_ALIKE) => Some(Doubt::SoundAlike),
            Some(DOUBT_AMBIGUOUS) => Some(Doubt::Ambiguous),
            Some(DOUBT_PROPOSED) => Some(Doubt::Proposed),
            Some(DOUBT_REPROCESSED) => Some(Doubt::Reprocessed),
            Some(tag) => return Err(DecodeError::UnknownTag { what: "doubt", tag }),
        },
        lexicon: if input.is_empty() {
            ""
        } else {
            lexicon_version(input.text()?)
        },
    })
}

/// Encodes a record event.
pub fn encode_event(event: &Event, buf: &mut Vec<u8>) {
    let mut out = Out(buf);
    match event {
        Event::CasualtySwitched {
            casualty,
            provenance: p,
        } => {
            out.u8(EVENT_SWITCHED);
            out.u8(*casualty);
            provenance(&mut out, p);
        }
        Event::Asserted {
            id,
            casualty,
            fact,
            provenance: p,
        } => {
            out.u8(EVENT_ASSERTED);
            out.u32(*id);
            out.u8(*casualty);
            encode_fact(&mut out, fact);
            provenance(&mut out, p);
        }
        Event::Corrected {
            superseded,
            by,
            provenance: p,
        } => {
            out.u8(EVENT_CORRECTED);
            out.u32(*superseded);
            out.option(*by, |out, id| out.u32(id));
            provenance(&mut out, p);
        }
        Event::Confirmed { id, provenance: p } => {
            out.u8(EVENT_CONFIRMED);
            out.u32(*id);
            provenance(&mut out, p);
        }
        Event::Rejected { id, provenance: p } => {
            out.u8(EVENT_REJECTED);
            out.u32(*id);
            provenance(&mut out, p);
        }
    }
}

/// Decodes a record event; an unknown event tag is an error the caller reports.
pub fn decode_event(bytes: &[u8]) -> Result<Event, DecodeError> {
    let mut input = In { bytes };
    match input.u8()? {
        EVENT_SWITCHED => {
            let casualty: CasualtyId = input.u8()?;
            Ok(Event::CasualtySwitched {
                casualty,
                provenance: read_provenance(&mut input)?,
            })
        }
        EVENT_ASSERTED => {
            let id = input.u32()?;
            let casualty = input.u8()?;
            let fact = decode_fact(&mut input)?;
            Ok(Event::Asserted {
                id,
                casualty,
                fact,
                provenance: read_provenance(&mut input)?,
            })
        }
        EVENT_CORRECTED => {
            let superseded = input.u32()?;
            let by = input.option(In::u32)?;
            Ok(Event::Corrected {
                superseded,
                by,
                provenance: read_provenance(&mut input)?,
            })
        }
        EVENT_CONFIRMED => Ok(Event::Confirmed {
            id: input.u32()?,
            provenance: read_provenance(&mut input)?,
        }),
        EVENT_REJECTED => Ok(Event::Rejected {
            id: input.u32()?,
            provenance: read_provenance(&mut input)?,
        }),
        tag => Err(DecodeError::UnknownTag { what: "event", tag }),
    }
}

fn encode_fact(out: &mut Out<'_>, fact: &Fact) {
    match fact {
        Fact::Sex(v) => {
            out.u8(1);
            out.text(v.as_str());
        }
        Fact::Evac(v) => {
            out.u8(2);
            out.text(v.as_str());
        }
        Fact::Allergy(v) => {
            out.u8(3);
            out.text(v);
        }
        Fact::Name(v) => {
            out.u8(4);
            out.text(v);
        }
        Fact::Last4(v) => {
            out.u8(5);
            out.text(v);
        }
        Fact::BattleRoster(v) => {
            out.u8(6);
            out.text(v);
        }
        Fact::Mechanism(v) => {
            out.u8(7);
            out.text(v.as_str());
        }
        Fact::Injury { region, kind } => {
            out.u8(8);
            out.text(region.as_str());
            out.text(kind.as_str());
        }
        Fact::Tourniquet { limb, kind, time } => {
            out.u8(9);
            out.text(limb.as_str());
            out.text(kind.as_str());
            out.clock(*time);
        }
        Fact::Vital { value, time } => {
            out.u8(10);
            match value {
                VitalValue::Pulse(v) => {
                    out.u8(1);
                    out.u16(*v);
                }
                VitalValue::BloodPressure {
                    systolic,
                    diastolic,
                } => {
                    out.u8(2);
                    out.u16(*systolic);
                    out.option(*diastolic, Out::u16);
                }
                VitalValue::RespRate(v) => {
                    out.u8(3);
                    out.u16(*v);
                }
                VitalValue::Spo2(v) => {
                    out.u8(4);
                    out.u8(*v);
                }
                VitalValue::Avpu(v) => {
                    out.u8(5);
                    out.text(v.as_str());
                }
                VitalValue::Pain(v) => {
                    out.u8(6);
                    out.u8(*v);
                }
            }
            out.clock(*time);
        }
        Fact::Treatment { kind, site, time } => {
            out.u8(11);
            out.text(kind.as_str());
            out.option(*site, |out, r| out.text(r.as_str()));
            out.clock(*time);
        }
        Fact::Fluid {
            name,
            volume_ml,
            route,
            time,
        } => {
            out.u8(12);
            out.text(name.as_str());
            out.option(*volume_ml, Out::u32);
            out.option(*route, |out, r| out.text(r.as_str()));
            out.clock(*time);
        }
        Fact::Medication {
            name,
            dose,
            unit,
            route,
            time,
        } => {
            out.u8(13);
            out.text(name);
            out.option(*dose, Out::f64);
            out.option(*unit, |out, u| out.text(u.as_str()));
            out.option(*route, |out, r| out.text(r.as_str()));
            out.clock(*time);
        }
        Fact::InjuryTime(time) => {
            out.u8(14);
            out.clock(Some(*time));
        }
        Fact::TourniquetOff { limb, time } => {
            out.u8(15);
            out.text(limb.as_str());
            out.clock(*time);
        }
        Fact::TourniquetOverClothing { limb } => {
            out.u8(16);
            out.text(limb.as_str());
        }
        Fact::OpenFracture { region } => {
            out.u8(17);
            out.text(region.as_str());
        }
        Fact::Perfusion(sign) => {
            out.u8(18);
            out.text(sign.as_str());
        }
        Fact::Disarmed => out.u8(19),
        Fact::BurnExtent { percent } => {
            out.u8(20);
            out.u8(*percent);
        }
        Fact::BodyWeight { kg } => {
            out.u8(21);
            out.u32(u32::from(*kg));
        }
        Fact::Expectant(expectant) => {
            out.u8(22);
            out.u8(u8::from(*expectant));
        }
        Fact::Evisceration { region } => {
            out.u8(23);
            out.text(region.as_str());
        }
    }
}

/// The lexicon's spelling of a medication, which the record keeps as a `'static` name.
fn medication_name(text: &str) -> Option<&'static str> {
    crate::extract::lexicon::medication_name(text)
}

/// The lexicon version a fact was read with, as the record keeps it (`'static`): the
/// version this build reads, or "" (no lexicon; or one this build does not know, which the
/// journal keeps only as that: the fact itself is decoded the same).
fn lexicon_version(text: &str) -> &'static str {
    use crate::extract::lexicon::LEXICON_VERSION;
    if text == LEXICON_VERSION {
        LEXICON_VERSION
    } else {
        ""
    }
}

fn decode_fact(input: &mut In<'_>) -> Result<Fact, DecodeError> {
    Ok(match input.u8()? {
        1 => Fact::Sex(named!(input, Sex)?),
        2 => Fact::Evac(named!(input, Evac)?),
        3 => Fact::Allergy(input.text()?.to_owned()),
        4 => Fact::Name(input.text()?.to_owned()),
        5 => Fact::Last4(input.text()?.to_owned()),
        6 => Fact::BattleRoster(input.text()?.to_owned()),
        7 => Fact::Mechanism(named!(input, Mechanism)?),
        8 => Fact::Injury {
            region: named!(input, Region)?,
            kind: named!(input, InjuryKind)?,
        },
        9 => Fact::Tourniquet {
            limb: named!(input, Limb)?,
            kind: named!(input, TourniquetKind)?,
            time: input.clock()?,
        },
        10 => {
            let value = match input.u8()? {
                1 => VitalValue::Pulse(input.u16()?),
                2 => VitalValue::BloodPressure {
                    systolic: input.u16()?,
                    diastolic: input.option(In::u16)?,
                },
                3 => VitalValue::RespRate(input.u16()?),
                4 => VitalValue::Spo2(input.u8()?),
                5 => VitalValue::Avpu(named!(input, Avpu)?),
                6 => VitalValue::Pain(input.u8()?),
                tag => return Err(DecodeError::UnknownTag { what: "vital", tag }),
            };
            Fact::Vital {
                value,
                time: input.clock()?,
            }
        }
        11 => Fact::Treatment {
            kind: named!(input, TreatmentKind)?,
            site: input.option(|i| named!(i, Region))?,
            time: input.clock()?,
        },
        12 => Fact::Fluid {
            name: named!(input, FluidName)?,
            volume_ml: input.option(In::u32)?,
            route: input.option(|i| named!(i, Route))?,
            time: input.clock()?,
        },
        13 => {
            let text = input.text()?;
            let name = medication_name(text).ok_or_else(|| DecodeError::UnknownName {
                what: "medication",
                text: text.to_owned(),
            })?;
            Fact::Medication {
                name,
                dose: input.option(In::f64)?,
                unit: input.option(|i| named!(i, DoseUnit))?,
                route: input.option(|i| named!(i, Route))?,
                time: input.clock()?,
            }
        }
        14 => match input.clock()? {
            Some(time) => Fact::InjuryTime(time),
            None => return Err(DecodeError::OutOfRange("injury time without a time")),
        },
        15 => Fact::TourniquetOff {
            limb: named!(input, Limb)?,
            time: input.clock()?,
        },
        16 => Fact::TourniquetOverClothing {
            limb: named!(input, Limb)?,
        },
        17 => Fact::OpenFracture {
            region: named!(input, Region)?,
        },
        18 => Fact::Perfusion(named!(input, Perfusion)?),
        19 => Fact::Disarmed,
        20 => Fact::BurnExtent {
            percent: input.u8()?,
        },
        21 => Fact::BodyWeight {
            kg: u16::try_from(input.u32()?)
                .map_err(|_| DecodeError::OutOfRange("body weight over 65535 kg"))?,
        },
        22 => Fact::Expectant(match input.u8()? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::OutOfRange("expectant flag not 0 or 1")),
        }),
        23 => Fact::Evisceration {
            region: named!(input, Region)?,
        },
        tag => return Err(DecodeError::UnknownTag { what: "fact", tag }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(u: u32) -> Provenance {
        Provenance {
            utterance: u,
            char_start: 1,
            char_end: 9,
            heard_start_s: 1.5,
            heard_end_s: 2.25,
            confidence: 0.75,
            doubt: [
                None,
                Some(Doubt::LowConfidence),
                Some(Doubt::SoundAlike),
                Some(Doubt::Ambiguous),
                Some(Doubt::Proposed),
                Some(Doubt::Reprocessed),
            ][u as usize % 6],
            lexicon: crate::extract::lexicon::LEXICON_VERSION,
        }
    }

    /// `event` as a reader finds it when the fields added with unconfirmed facts are cut
    /// (the lexicon version always; the doubt too unless `keep_doubt`).
    fn without_trust_fields(event: &Event, keep_doubt: bool) -> Event {
        let mut event = event.clone();
        let (Event::CasualtySwitched { provenance, .. }
        | Event::Asserted { provenance, .. }
        | Event::Corrected { provenance, .. }
        | Event::Confirmed { provenance, .. }
        | Event::Rejected { provenance, .. }) = &mut event;
        provenance.lexicon = "";
        if !keep_doubt {
            provenance.doubt = None;
        }
        event
    }

    fn every_kind_of_event() -> Vec<Event> {
        let t = Clock::new(9, 15);
        let facts = vec![
            Fact::Sex(Sex::Female),
            Fact::Evac(Evac::Urgent),
            Fact::Allergy("penicillin".into()),
            Fact::Name("Jones".into()),
            Fact::Last4("1234".into()),
            Fact::BattleRoster("AB1234".into()),
            Fact::Mechanism(Mechanism::Ied),
            Fact::Injury {
                region: Region::LeftLeg,
                kind: InjuryKind::Amputation,
            },
            Fact::Tourniquet {
                limb: Limb::LeftLeg,
                kind: TourniquetKind::Extremity,
                time: t,
            },
            Fact::InjuryTime(Clock::new(8, 55).unwrap()),
            Fact::TourniquetOff {
                limb: Limb::LeftLeg,
                time: t,
            },
            Fact::TourniquetOff {
                limb: Limb::RightArm,
                time: None,
            },
            Fact::TourniquetOverClothing {
                limb: Limb::RightLeg,
            },
            Fact::OpenFracture {
                region: Region::RightLeg,
            },
            Fact::Perfusion(Perfusion::RadialWeak),
            Fact::Perfusion(Perfusion::AlteredMentalStatus),
            Fact::Disarmed,
            Fact::BurnExtent { percent: 30 },
            Fact::BodyWeight { kg: 70 },
            Fact::Expectant(true),
            Fact::Expectant(false),
            Fact::Evisceration {
                region: Region::Abdomen,
            },
            Fact::Vital {
                value: VitalValue::BloodPressure {
                    systolic: 90,
                    diastolic: None,
                },
                time: None,
            },
            Fact::Vital {
                value: VitalValue::Avpu(Avpu::Voice),
                time: t,
            },
            Fact::Treatment {
                kind: TreatmentKind::NeedleDecompression,
                site: Some(Region::RightChest),
                time: t,
            },
            Fact::Fluid {
                name: FluidName::WholeBlood,
                volume_ml: Some(500),
                route: Some(Route::Io),
                time: None,
            },
            Fact::Medication {
                name: "txa",
                dose: Some(2.0),
                unit: Some(DoseUnit::G),
                route: Some(Route::Iv),
                time: t,
            },
        ];
        let mut events = vec![Event::CasualtySwitched {
            casualty: 2,
            provenance: p(0),
        }];
        for (id, fact) in facts.into_iter().enumerate() {
            events.push(Event::Asserted {
                id: id as u32,
                casualty: 2,
                fact,
                provenance: p(id as u32),
            });
        }
        events.push(Event::Corrected {
            superseded: 1,
            by: Some(3),
            provenance: p(5),
        });
        events.push(Event::Corrected {
            superseded: 2,
            by: None,
            provenance: p(6),
        });
        events.push(Event::Confirmed {
            id: 4,
            provenance: p(7),
        });
        events.push(Event::Rejected {
            id: 5,
            provenance: p(8),
        });
        events
    }

    #[test]
    fn every_event_round_trips() {
        for event in every_kind_of_event() {
            let mut buf = Vec::new();
            encode_event(&event, &mut buf);
            assert_eq!(decode_event(&buf).unwrap(), event);
            // Trailing fields from a newer writer are ignored.
            buf.extend_from_slice(&[1, 2, 3]);
            assert_eq!(decode_event(&buf).unwrap(), event);
            // Every truncation is an error, never a panic, except one that cuts only the
            // fields added with unconfirmed facts: that reads as a record written before them.
            for cut in 0..buf.len() - 3 {
                if let Ok(decoded) = decode_event(&buf[..cut]) {
                    assert!(
                        decoded == without_trust_fields(&event, false)
                            || decoded == without_trust_fields(&event, true),
                        "cut at {cut}: {decoded:?}"
                    );
                }
            }
        }
        assert_eq!(
            decode_event(&[99, 0, 0]),
            Err(DecodeError::UnknownTag {
                what: "event",
                tag: 99
            })
        );
    }

    #[test]
    fn an_overlong_text_is_cut_at_a_character_boundary() {
        let long = "é".repeat(40_000);
        let mut buf = Vec::new();
        encode_alert(&AlertRecord { message: long }, &mut buf);
        let back = decode_alert(&buf).unwrap().message;
        assert_eq!(back.len(), 65_534);
        assert!(back.chars().all(|c| c == 'é'));
    }

    #[test]
    fn utterances_audio_alerts_and_commands_round_trip() {
        let u = UtteranceRecord {
            index: 4,
            start_s: 1.0,
            end_s: 2.5,
            text: "tourniquet left leg".into(),
            words: vec![HeardWord {
                start: 0,
                end: 10,
                confidence: 0.5,
            }],
            model: "whisper-tiny.en".into(),
            lexicon: "1".into(),
            audio_seq: Some(41),
            rehearing_of: Some(2),
        };
        let mut buf = Vec::new();
        encode_utterance(&u, &mut buf);
        assert_eq!(decode_utterance(&buf).unwrap(), u);
        // A record written before `reprocess --all` reads as a first hearing.
        let mut old = Vec::new();
        encode_utterance(&u, &mut old);
        old.truncate(old.len() - 5);
        let mut first = u.clone();
        first.rehearing_of = None;
        assert_eq!(decode_utterance(&old).unwrap(), first);
        // A record written before audio was journaled reads as heard from no audio.
        old.truncate(old.len() - 9);
        let mut without = first.clone();
        without.audio_seq = None;
        assert_eq!(decode_utterance(&old).unwrap(), without);
        let a = AudioRecord {
            segment: 3,
            start_s: 0.5,
            rate_hz: 16_000,
            samples: vec![0, -1, 32767, -32768],
        };
        buf.clear();
        encode_audio(&a, &mut buf);
        assert_eq!(decode_audio(&buf).unwrap(), a);
        assert_eq!(buf.len(), AUDIO_HEADER_BYTES + 2 * a.samples.len());
        let header = decode_audio_header(&buf).unwrap();
        assert_eq!((header.segment, header.samples), (3, 4));
        assert!((header.end_s() - (0.5 + 4.0 / 16_000.0)).abs() < 1e-12);
        // Every truncation, a zero rate or a negative start is an error, never a panic.
        for cut in 0..buf.len() {
            assert!(decode_audio(&buf[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = buf.clone();
        bad[12..16].copy_from_slice(&0u32.to_le_bytes());
        assert!(decode_audio(&bad).is_err());
        let mut bad = buf.clone();
        bad[4..12].copy_from_slice(&(-1.0f64).to_le_bytes());
        assert!(decode_audio(&bad).is_err());
        buf.clear();
        encode_alert(
            &AlertRecord {
                message: "disk".into(),
            },
            &mut buf,
        );
        assert_eq!(decode_alert(&buf).unwrap().message, "disk");
        buf.clear();
        encode_command(
            &CommandRecord {
                line: "confirm 3".into(),
            },
            &mut buf,
        );
        assert_eq!(decode_command(&buf).unwrap().line, "confirm 3");
    }
}
