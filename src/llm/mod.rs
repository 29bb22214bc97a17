//! The small language model beside the recogniser (issue 16): a GGUF llama-family runtime on
//! tccc's own kernels, used only where its output can be checked.
//!
//! This file fixes the contract between the runtime (model loading, decoding) and its uses
//! (the second reader for what the rules missed, the handover paragraph): a use asks a
//! [`Generator`] for text under a [`Constraint`], and checks what comes back.

/// What the model may write next. Grammar-constrained decoding asks the constraint about the
/// candidate tokens, best first, and takes the first one it allows.
pub trait Constraint {
    /// Whether `piece` (one token's bytes) may follow `written` (the bytes written so far).
    fn allows(&self, written: &[u8], piece: &[u8]) -> bool;
    /// Whether `written` is a complete answer: only then may decoding stop at an
    /// end-of-sequence token.
    fn complete(&self, written: &[u8]) -> bool;
}

/// No constraint: any token may follow, any text is complete.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unconstrained;

impl Constraint for Unconstrained {
    fn allows(&self, _written: &[u8], _piece: &[u8]) -> bool {
        true
    }
    fn complete(&self, _written: &[u8]) -> bool {
        true
    }
}

pub mod checked;
pub mod handover;
pub mod reader;
