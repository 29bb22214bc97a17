//! A global allocator wrapper that knows which threads must not allocate.
//!
//! Each thread may declare a [`ThreadRole`]. Every allocation (reallocations included) made
//! on a thread with a role is counted in that role's allocation counter, every free in its
//! free counter: a free on a real-time thread can take the allocator's lock just as an
//! allocation can. On a real-time role (capture, frontend) either is a bug: debug builds
//! abort at once with a message that names the role (so a test run finds it), release
//! builds only count it (so a field unit keeps running and `status` shows the count).
//! Inference roles are counted but never abort: their warm-up allocates by design, and
//! tests assert that both counts stop growing after it.
//!
//! The allocator itself never allocates and never locks: the role lives in a const-initialised
//! thread-local `Cell`, the counters are relaxed atomics.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::limits::THREAD_ROLES_MAX;

/// What a thread does, for the allocation counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadRole {
    /// Audio capture: real-time, never allocates.
    Capture = 1,
    /// Resampler, VAD and segmenter: real-time, never allocates.
    Frontend = 2,
    /// Speech recognition: allocates during warm-up only.
    Asr = 3,
    /// Workers of the inference thread pool: allocate during warm-up only.
    InferenceWorker = 4,
    /// Language model: allocates during warm-up only.
    Llm = 5,
    /// The watchdog thread: allocates at start only (a power-mode switch, which starts
    /// `nvpmodel`, and a rescan of the threads allocate; a poll does not).
    Watchdog = 6,
}

impl ThreadRole {
    /// Every role, in counter order.
    pub const ALL: [ThreadRole; 6] = [
        ThreadRole::Capture,
        ThreadRole::Frontend,
        ThreadRole::Asr,
        ThreadRole::InferenceWorker,
        ThreadRole::Llm,
        ThreadRole::Watchdog,
    ];

    /// Real-time roles may never allocate.
    pub fn is_realtime(self) -> bool {
        matches!(self, ThreadRole::Capture | ThreadRole::Frontend)
    }

    /// A short lower-case name for `status` lines.
    pub fn name(self) -> &'static str {
        match self {
            ThreadRole::Capture => "capture",
            ThreadRole::Frontend => "frontend",
            ThreadRole::Asr => "asr",
            ThreadRole::InferenceWorker => "inference-worker",
            ThreadRole::Llm => "llm",
            ThreadRole::Watchdog => "watchdog",
        }
    }
}

const _: () = assert!(ThreadRole::ALL.len() < THREAD_ROLES_MAX);

const NO_ROLE: u8 = 0;

thread_local! {
    static CURRENT_ROLE: Cell<u8> = const { Cell::new(NO_ROLE) };
}

static ALLOCATIONS_BY_ROLE: [AtomicU64; THREAD_ROLES_MAX] =
    [const { AtomicU64::new(0) }; THREAD_ROLES_MAX];
static FREES_BY_ROLE: [AtomicU64; THREAD_ROLES_MAX] =
    [const { AtomicU64::new(0) }; THREAD_ROLES_MAX];
/// Debug builds abort on a real-time allocation or free unless a test turned this off to
/// observe the counters instead.
static ABORT_ON_REALTIME_ALLOCATION: AtomicBool = AtomicBool::new(cfg!(debug_assertions));

/// Declares what the calling thread does; its allocations count from now on.
pub fn set_thread_role(role: ThreadRole) {
    CURRENT_ROLE.with(|cell| cell.set(role as u8));
}

/// Ends the calling thread's role (used when a pooled thread changes job and in tests).
pub fn clear_thread_role() {
    CURRENT_ROLE.with(|cell| cell.set(NO_ROLE));
}

/// Whether the calling thread declared a real-time role.
pub fn is_realtime_thread() -> bool {
    let role = CURRENT_ROLE.try_with(Cell::get).unwrap_or(NO_ROLE);
    role == ThreadRole::Capture as u8 || role == ThreadRole::Frontend as u8
}

/// Allocations (including reallocations) counted for `role` since start-up.
pub fn allocations(role: ThreadRole) -> u64 {
    ALLOCATIONS_BY_ROLE[role as usize].load(Ordering::Relaxed)
}

/// Frees counted for `role` since start-up (a reallocation counts as an allocation only).
pub fn frees(role: ThreadRole) -> u64 {
    FREES_BY_ROLE[role as usize].load(Ordering::Relaxed)
}

/// Chooses whether debug builds abort on a real-time allocation or free (default) or only
/// count.
pub fn set_abort_on_realtime_allocation(abort: bool) {
    ABORT_ON_REALTIME_ALLOCATION.store(abort, Ordering::Relaxed);
}

/// The allocator tccc installs as `#[global_allocator]`: the system allocator, counted.
#[derive(Debug)]
pub struct GuardedAllocator;

/// What the allocator was asked to do, for the counters and the abort message.
#[derive(Clone, Copy)]
enum HeapCall {
    Allocation,
    Free,
}

#[inline]
fn note(call: HeapCall) {
    // `try_with` because the allocator runs during thread-local destruction too.
    let role = CURRENT_ROLE.try_with(Cell::get).unwrap_or(NO_ROLE);
    if role == NO_ROLE {
        return;
    }
    let counters = match call {
        HeapCall::Allocation => &ALLOCATIONS_BY_ROLE,
        HeapCall::Free => &FREES_BY_ROLE,
    };
    counters[usize::from(role)].fetch_add(1, Ordering::Relaxed);
    let realtime = role == ThreadRole::Capture as u8 || role == ThreadRole::Frontend as u8;
    if realtime && ABORT_ON_REALTIME_ALLOCATION.load(Ordering::Relaxed) {
        realtime_heap_abort(role, call);
    }
}

#[cold]
fn realtime_heap_abort(role: u8, call: HeapCall) -> ! {
    let name = ThreadRole::ALL
        .iter()
        .find(|r| **r as u8 == role)
        .map_or("unknown", |r| r.name());
    super::realtime::write_stderr_raw(match call {
        HeapCall::Allocation => b"tccc: allocation on real-time thread `",
        HeapCall::Free => b"tccc: free on real-time thread `",
    });
    super::realtime::write_stderr_raw(name.as_bytes());
    super::realtime::write_stderr_raw(
        b"`; real-time code must use buffers reserved at start-up and keep them until it \
          leaves real time (debug builds abort here)\n",
    );
    std::process::abort()
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is upheld by the system allocator; the counting around it neither
// allocates nor unwinds.
unsafe impl GlobalAlloc for GuardedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(HeapCall::Allocation);
        // SAFETY: same contract as our caller's; forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(HeapCall::Allocation);
        // SAFETY: same contract as our caller's; forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(HeapCall::Allocation);
        // SAFETY: same contract as our caller's; forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(HeapCall::Free);
        // SAFETY: same contract as our caller's; forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (allocations, frees) of the `Llm` role, which no other test uses.
    fn llm_counts() -> (u64, u64) {
        (allocations(ThreadRole::Llm), frees(ThreadRole::Llm))
    }

    #[test]
    fn counts_allocations_and_frees_of_a_role_and_not_of_unroled_threads() {
        let handle = std::thread::spawn(|| {
            set_thread_role(ThreadRole::Llm);
            let before = llm_counts();
            let boxed = std::hint::black_box(Box::new([0u8; 64]));
            let allocated = llm_counts();
            drop(boxed);
            let freed = llm_counts();
            clear_thread_role();
            let untouched = llm_counts();
            drop(std::hint::black_box(vec![1u8; 16]));
            (before, allocated, freed, untouched, llm_counts())
        });
        let (before, allocated, freed, untouched, last) = handle.join().unwrap_or_default();
        assert_eq!(
            allocated,
            (before.0 + 1, before.1),
            "one allocation on an Llm thread, no free"
        );
        assert_eq!(freed, (before.0 + 1, before.1 + 1), "then one free");
        assert_eq!(untouched, last, "a thread without a role was counted");
    }
}
