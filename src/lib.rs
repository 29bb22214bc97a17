//! tccc: listens to a combat medic narrating casualty care and keeps the casualty's TCCC
//! card, MIST handover and MEDEVAC 9-line up to date, offline and in real time.
//!
//! See ARCHITECTURE.md for the data flow, the code map and the invariants.

pub mod advisor;
pub mod analysis;
pub mod asr;
pub mod audio;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod dsp;
pub mod extract;
pub mod files;
pub mod frontend;
pub mod fuzzing;
pub mod journal;
pub mod limits;
pub mod live;
pub mod liveness;
pub mod llm;
pub mod logging;
pub mod nn;
pub mod record;
pub mod render;
pub mod segment;
pub mod speech;
pub mod sys;
pub mod vad;
pub mod watchdog;

/// tccc's allocator: the system allocator with per-thread-role counters, so tests and
/// `status` can prove that real-time threads never allocate (see `sys::alloc_guard`).
#[global_allocator]
static ALLOCATOR: sys::alloc_guard::GuardedAllocator = sys::alloc_guard::GuardedAllocator;
