//! After warm-up, transcribing a segment allocates nothing: 100 segments (speech clips,
//! silence and a too-short segment, both encoder windows) under a counting global allocator
//! that, while a window flag is set, counts the allocations of the ASR thread and of the
//! product pool's helpers (registered through `AsrConfig::helper_thread_start`), and of no
//! other thread (the test harness prints progress notes on its own thread).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tccc::asr::{AsrConfig, EncoderWindow};

struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

static WATCHING: AtomicBool = AtomicBool::new(false);

thread_local! {
    static ASR_THREAD: Cell<bool> = const { Cell::new(false) };
}

fn mark_asr_thread() {
    ASR_THREAD.with(|flag| flag.set(true));
}

fn note_allocation() {
    // `try_with`: the allocator also runs while a thread's locals are being torn down.
    if WATCHING.load(Ordering::Relaxed) && ASR_THREAD.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

fn watch(on: bool) {
    WATCHING.store(on, Ordering::SeqCst);
}

// SAFETY: every method forwards to the system allocator unchanged; counting touches only two
// atomics and a const-initialised thread-local `Cell`, none of which allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `pointer` came from this allocator (hence from `System`) with `layout`.
        unsafe { System.realloc(pointer, layout, new_size) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` came from this allocator (hence from `System`) with `layout`.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn transcribing_after_warm_up_allocates_nothing() {
    mark_asr_thread();
    // The counter itself works: one allocation while watching is seen.
    watch(true);
    let probe = std::hint::black_box(Box::new(1u64));
    watch(false);
    drop(probe);
    assert_eq!(
        ALLOCATIONS.swap(0, Ordering::Relaxed),
        1,
        "the counting allocator does not count"
    );

    // A 2 s encoder floor keeps the 100 segments quick; the buffers are the same.
    let config = AsrConfig {
        helper_thread_start: Some(mark_asr_thread),
        segment_window_frames_min: 200,
        ..AsrConfig::default()
    };
    let mut transcriber = common::transcriber(&config);
    assert!(
        config.threads > 1,
        "the pool's helpers must be exercised too"
    );
    transcriber.warm_up().unwrap();
    let clips: Vec<Vec<f32>> = ["c02", "c09", "c15", "c21"]
        .iter()
        .map(|name| common::read_clip(&common::fixture(&format!("clips/{name}.wav"))))
        .collect();
    let silence = vec![0.0f32; 16_000 * 3];
    let short = vec![0.0f32; 100];
    let mut segments: Vec<&[f32]> = clips.iter().map(Vec::as_slice).collect();
    segments.push(&silence);
    segments.push(&short);

    let mut accepted = 0;
    watch(true);
    for index in 0..100 {
        let window = if index % 50 == 0 {
            EncoderWindow::Full
        } else {
            EncoderWindow::Segment
        };
        transcriber.set_encoder_window(window);
        if transcriber
            .transcribe(segments[index % segments.len()])
            .unwrap()
            .is_some()
        {
            accepted += 1;
        }
    }
    watch(false);

    // Beam search reuses its reserved hypotheses and batched decoder slots.
    let beam_config = AsrConfig {
        beam_width: 3,
        segment_window_frames_min: 200,
        helper_thread_start: Some(mark_asr_thread),
        ..AsrConfig::default()
    };
    let mut beam_transcriber = common::transcriber(&beam_config);
    beam_transcriber.warm_up().unwrap();
    watch(true);
    for index in 0..8 {
        beam_transcriber
            .transcribe(segments[index % segments.len()])
            .unwrap();
    }
    watch(false);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(
        accepted > 0,
        "no segment was accepted, so the decode path was not exercised"
    );
    assert_eq!(
        allocations, 0,
        "transcribe allocated {allocations} times after warm-up"
    );
}
