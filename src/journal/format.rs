//! The bytes on disk. A segment file is a 64-byte header and then frames:
//!
//! ```text
//! header: "TCCCJNL\0" | version u32 | 0u32 | file id u64 | nonce [24] | key check tag [16]
//! frame:  sync u32 | body length u32 | CRC32C u32 (of length and body) | body
//! body:   sequence u64 | kind u8 | nonce [24] | sealed (UTC ns i64, monotonic ns u64, payload) | tag [16]
//! ```
//!
//! Integers are little-endian. The sync marker lets a reader find the next frame after a
//! corrupt one; the CRC tells a torn or garbled frame from a good one cheaply; the AEAD
//! (XChaCha20-Poly1305, a fresh random nonce per record, the file id, sequence number and
//! kind as associated data) tells an altered, reordered or foreign record from a good one
//! and keeps the content unreadable without the key. The header's key check (a tag over
//! nothing) tells a wrong key from a damaged record.

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};

use super::key::JournalKey;
use super::JournalError;
use crate::limits::JOURNAL_RECORD_PAYLOAD_BYTES_MAX;

/// First bytes of every segment file.
pub const FILE_MAGIC: [u8; 8] = *b"TCCCJNL\0";
/// On-disk format version; a reader refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of the segment file header.
pub const FILE_HEADER_BYTES: usize = 64;
/// Marks the start of every frame.
pub const SYNC_MARKER: [u8; 4] = [0x7c, 0xcc, 0x13, 0x80];
/// Bytes before the body: marker, length, CRC.
pub const FRAME_HEADER_BYTES: usize = 12;
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;
const TIMES_BYTES: usize = 16;
/// Body bytes besides the payload.
pub const BODY_OVERHEAD_BYTES: usize = 8 + 1 + NONCE_BYTES + TIMES_BYTES + TAG_BYTES;
/// Largest body a reader accepts.
pub const BODY_BYTES_MAX: usize = BODY_OVERHEAD_BYTES + JOURNAL_RECORD_PAYLOAD_BYTES_MAX;
const KEY_CHECK_CONTEXT: &[u8] = b"tccc journal key check";

/// One record in the clear: what a producer appends and what replay returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Position in the journal, from 0, without gaps.
    pub seq: u64,
    /// What the payload is (see `codec::Kind`).
    pub kind: u8,
    /// UTC wall time, nanoseconds since the Unix epoch.
    pub wall_ns: i64,
    /// Monotonic time, nanoseconds since the journal was opened by this process.
    pub mono_ns: u64,
    /// The encoded payload.
    pub payload: Vec<u8>,
}

/// The AEAD with the journal key.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn associated_data(file_id: u64, seq: u64, kind: u8) -> [u8; 17] {
    let mut aad = [0u8; 17];
    aad[..8].copy_from_slice(&file_id.to_le_bytes());
    aad[8..16].copy_from_slice(&seq.to_le_bytes());
    aad[16] = kind;
    aad
}

fn random_nonce() -> Result<[u8; NONCE_BYTES], JournalError> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|e| JournalError::Random(e.to_string()))?;
    Ok(nonce)
}

/// Why a frame's body could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenFailure {
    /// Shorter than a body can be.
    Short,
    /// The AEAD refused it: altered, moved from another file or place, or another key.
    Unauthentic { seq: u64 },
}

impl Sealer {
    /// A sealer for `key`.
    pub fn new(key: &JournalKey) -> Sealer {
        let key = chacha20poly1305::Key::from(*key.bytes());
        Sealer {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// A segment file header for `file_id`.
    pub fn file_header(&self, file_id: u64) -> Result<[u8; FILE_HEADER_BYTES], JournalError> {
        let nonce = random_nonce()?;
        let mut aad = [0u8; KEY_CHECK_CONTEXT.len() + 8];
        aad[..KEY_CHECK_CONTEXT.len()].copy_from_slice(KEY_CHECK_CONTEXT);
        aad[KEY_CHECK_CONTEXT.len()..].copy_from_slice(&file_id.to_le_bytes());
        let tag = self
            .cipher
            .encrypt_inout_detached(&XNonce::from(nonce), &aad, (&mut [][..]).into())
            .map_err(|_| JournalError::Seal)?;
        let mut header = [0u8; FILE_HEADER_BYTES];
        header[..8].copy_from_slice(&FILE_MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[16..24].copy_from_slice(&file_id.to_le_bytes());
        header[24..48].copy_from_slice(&nonce);
        header[48..64].copy_from_slice(&tag);
        Ok(header)
    }

    /// Checks a segment file header: `Ok(file id)`, or why not.
    pub fn check_file_header(&self, header: &[u8]) -> Result<u64, HeaderProblem> {
        if header.len() < FILE_HEADER_BYTES || header[..8] != FILE_MAGIC {
            return Err(HeaderProblem::NotAJournal);
        }
        let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if version != FORMAT_VERSION {
            return Err(HeaderProblem::Version(version));
        }
        let file_id = read_u64(&header[16..24]);
        let mut nonce = [0u8; NONCE_BYTES];
        nonce.copy_from_slice(&header[24..48]);
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&header[48..64]);
        let mut aad = [0u8; KEY_CHECK_CONTEXT.len() + 8];
        aad[..KEY_CHECK_CONTEXT.len()].copy_from_slice(KEY_CHECK_CONTEXT);
        aad[KEY_CHECK_CONTEXT.len()..].copy_from_slice(&file_id.to_le_bytes());
        self.cipher
            .decrypt_inout_detached(
                &XNonce::from(nonce),
                &aad,
                (&mut [][..]).into(),
                &Tag::from(tag),
            )
            .map_err(|_| HeaderProblem::WrongKey)?;
        Ok(file_id)
    }

    /// Seals `entry` for file `file_id` and appends the whole frame to `out`.
    pub fn seal_frame(
        &self,
        file_id: u64,
        entry: &Entry,
        out: &mut Vec<u8>,
    ) -> Result<(), JournalError> {
        if entry.payload.len() > JOURNAL_RECORD_PAYLOAD_BYTES_MAX {
            return Err(JournalError::TooLarge(entry.payload.len()));
        }
        let nonce = random_nonce()?;
        let body_len = BODY_OVERHEAD_BYTES + entry.payload.len();
        let start = out.len();
        out.extend_from_slice(&SYNC_MARKER);
        out.extend_from_slice(&(body_len as u32).to_le_bytes());
        out.extend_from_slice(&[0u8; 4]);
        out.extend_from_slice(&entry.seq.to_le_bytes());
        out.push(entry.kind);
        out.extend_from_slice(&nonce);
        let sealed_start = out.len();
        out.extend_from_slice(&entry.wall_ns.to_le_bytes());
        out.extend_from_slice(&entry.mono_ns.to_le_bytes());
        out.extend_from_slice(&entry.payload);
        let aad = associated_data(file_id, entry.seq, entry.kind);
        let tag = self
            .cipher
            .encrypt_inout_detached(
                &XNonce::from(nonce),
                &aad,
                (&mut out[sealed_start..]).into(),
            )
            .map_err(|_| JournalError::Seal)?;
        out.extend_from_slice(&tag);
        let checksum = frame_checksum(&out[start + 4..start + 8], &out[start + 12..]);
        out[start + 8..start + 12].copy_from_slice(&checksum.to_le_bytes());
        debug_assert_eq!(out.len() - start, FRAME_HEADER_BYTES + body_len);
        Ok(())
    }

    /// Opens a frame's body (CRC already checked) read from file `file_id`.
    pub fn open_body(&self, file_id: u64, body: &[u8]) -> Result<Entry, OpenFailure> {
        if body.len() < BODY_OVERHEAD_BYTES {
            return Err(OpenFailure::Short);
        }
        let seq = read_u64(&body[..8]);
        let kind = body[8];
        let mut nonce = [0u8; NONCE_BYTES];
        nonce.copy_from_slice(&body[9..9 + NONCE_BYTES]);
        let sealed_end = body.len() - TAG_BYTES;
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&body[sealed_end..]);
        let mut clear = body[9 + NONCE_BYTES..sealed_end].to_vec();
        self.cipher
            .decrypt_inout_detached(
                &XNonce::from(nonce),
                &associated_data(file_id, seq, kind),
                (&mut clear[..]).into(),
                &Tag::from(tag),
            )
            .map_err(|_| OpenFailure::Unauthentic { seq })?;
        let wall_ns = i64::from_le_bytes(array8(&clear[..8]));
        let mono_ns = read_u64(&clear[8..16]);
        clear.drain(..TIMES_BYTES);
        Ok(Entry {
            seq,
            kind,
            wall_ns,
            mono_ns,
            payload: clear,
        })
    }
}

/// What is wrong with a segment file's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Too short or another file's magic.
    NotAJournal,
    /// A format this build does not read.
    Version(u32),
    /// The key check failed: another key, or the header was altered.
    WrongKey,
}

fn frame_checksum(length: &[u8], body: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(length), body)
}

fn array8(bytes: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&bytes[..8]);
    out
}

fn read_u64(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(array8(bytes))
}

/// One step of scanning a segment file's frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned<'a> {
    /// A frame whose CRC holds: its body and where it starts.
    Frame { offset: usize, body: &'a [u8] },
    /// Bytes that hold no valid frame, followed by a valid frame (a corrupt middle).
    Corrupt { offset: usize, bytes: usize },
    /// Bytes at the end of the file that hold no valid frame (a torn tail).
    TornTail { offset: usize, bytes: usize },
}

/// The valid frame at `offset`, if there is one.
fn frame_at(data: &[u8], offset: usize) -> Option<&[u8]> {
    let header = data.get(offset..offset + FRAME_HEADER_BYTES)?;
    if header[..4] != SYNC_MARKER {
        return None;
    }
    let body_len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !(BODY_OVERHEAD_BYTES..=BODY_BYTES_MAX).contains(&body_len) {
        return None;
    }
    let body = data.get(offset + FRAME_HEADER_BYTES..offset + FRAME_HEADER_BYTES + body_len)?;
    let stored = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    (frame_checksum(&header[4..8], body) == stored).then_some(body)
}

/// Scans the frames of a segment file's bytes after the header, resynchronising on the
/// sync marker after damage.
pub fn scan(data: &[u8]) -> Vec<Scanned<'_>> {
    let mut out = Vec::new();
    let mut offset = FILE_HEADER_BYTES.min(data.len());
    while offset < data.len() {
        if let Some(body) = frame_at(data, offset) {
            out.push(Scanned::Frame { offset, body });
            offset += FRAME_HEADER_BYTES + body.len();
            continue;
        }
        let mut next = offset + 1;
        let found = loop {
            match data[next.min(data.len())..]
                .windows(SYNC_MARKER.len())
                .position(|w| w == SYNC_MARKER)
            {
                None => break None,
                Some(at) => {
                    let candidate = next + at;
                    if frame_at(data, candidate).is_some() {
                        break Some(candidate);
                    }
                    next = candidate + 1;
                }
            }
        };
        match found {
            Some(good) => {
                out.push(Scanned::Corrupt {
                    offset,
                    bytes: good - offset,
                });
                offset = good;
            }
            None => {
                out.push(Scanned::TornTail {
                    offset,
                    bytes: data.len() - offset,
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(seq: u64, payload: &[u8]) -> Entry {
        Entry {
            seq,
            kind: 3,
            wall_ns: 1_700_000_000_000_000_000,
            mono_ns: seq * 1000,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn frames_round_trip_and_any_altered_byte_is_caught() {
        let sealer = Sealer::new(&JournalKey::from_bytes([7; 32]));
        let mut file = sealer.file_header(42).unwrap().to_vec();
        assert_eq!(sealer.check_file_header(&file), Ok(42));
        sealer
            .seal_frame(42, &entry(0, b"hello"), &mut file)
            .unwrap();
        sealer
            .seal_frame(42, &entry(1, b"world"), &mut file)
            .unwrap();
        let frames = scan(&file);
        assert_eq!(frames.len(), 2);
        for (seq, step) in frames.iter().enumerate() {
            let Scanned::Frame { body, .. } = step else {
                panic!("{step:?}")
            };
            let opened = sealer.open_body(42, body).unwrap();
            assert_eq!(opened.seq, seq as u64);
        }
        // Another file id (a record moved between files) is refused.
        let Scanned::Frame { body, .. } = &frames[0] else {
            panic!()
        };
        assert!(sealer.open_body(43, body).is_err());
        // Flip every byte of the frames in turn: never a good frame with other content.
        for i in FILE_HEADER_BYTES..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x5a;
            for step in scan(&bad) {
                if let Scanned::Frame { body, .. } = step {
                    let opened = sealer.open_body(42, body).unwrap();
                    assert!(opened == entry(0, b"hello") || opened == entry(1, b"world"));
                }
            }
        }
    }

    #[test]
    fn a_wrong_key_is_told_apart_from_damage() {
        let sealer = Sealer::new(&JournalKey::from_bytes([7; 32]));
        let other = Sealer::new(&JournalKey::from_bytes([8; 32]));
        let header = sealer.file_header(1).unwrap();
        assert_eq!(
            other.check_file_header(&header),
            Err(HeaderProblem::WrongKey)
        );
        assert_eq!(
            sealer.check_file_header(b"something else entirely, not a journal at all, no no no no"),
            Err(HeaderProblem::NotAJournal)
        );
    }

    #[test]
    fn scanning_resynchronises_after_a_corrupt_middle_and_reports_a_torn_tail() {
        let sealer = Sealer::new(&JournalKey::from_bytes([1; 32]));
        let mut file = sealer.file_header(9).unwrap().to_vec();
        let mut ends = Vec::new();
        for seq in 0..4 {
            sealer
                .seal_frame(9, &entry(seq, b"payload"), &mut file)
                .unwrap();
            ends.push(file.len());
        }
        let mut bad = file.clone();
        bad[ends[0] + 20] ^= 1;
        bad.truncate(ends[3] - 5);
        let steps = scan(&bad);
        assert!(matches!(steps[0], Scanned::Frame { .. }));
        assert!(matches!(steps[1], Scanned::Corrupt { offset, .. } if offset == ends[0]));
        assert!(matches!(steps[2], Scanned::Frame { .. }));
        assert!(matches!(steps[3], Scanned::TornTail { offset, .. } if offset == ends[2]));
        assert_eq!(steps.len(), 4);
    }
}
