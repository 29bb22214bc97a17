//! The only place in tccc with `unsafe` code and direct system calls: the allocation guard,
//! the real-time thread set-up (pinning, SCHED_FIFO, `mlockall`) and the kernel keyring
//! (`keyring`). Everything else calls the safe functions here.

pub mod alloc_guard;
pub mod keyring;
pub mod localtime;
pub mod realtime;
