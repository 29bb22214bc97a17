//! tccc: listens to a combat medic narrating casualty care and keeps the casualty's TCCC
//! card, MIST handover and MEDEVAC 9-line up to date, offline and in real time.
//!
//! See ARCHITECTURE.md for the data flow, the code map and the invariants.

pub mod asr;
pub mod cli;
pub mod limits;
pub mod nn;
