//! A persistent worker pool for large matrix products: helpers started once at load, each
//! with its own packing scratch, woken per product through a mutex and condition variable
//! (futex-based: nothing allocated, nothing spawned per call). The caller always does a
//! share of the work itself and returns only after every helper has finished its share.
//!
//! This is the one module in `nn` besides `kernel` with `unsafe`: a product's borrowed slices
//! are handed to the helpers as raw parts, which is sound because the caller blocks until
//! the helpers are done with them and every helper writes a disjoint part of the output.
//! The wait is a guard (`PostedJobs`) whose `Drop` waits for every job posted so far, so it
//! holds on every way out of [`ProductPool::linear`]: a normal return, and an unwind from a
//! panic in the caller's own share (the borrows — weights owned by a model being dropped —
//! would otherwise be freed under the helpers' feet).

use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::kernel::{KernelKind, PANEL_ROWS, TILE_COLUMNS_MAX};
use super::matmul::{matmul, matmul_part, panel_count, product_flops, MatmulScratch, PackedMatrix};

/// Products smaller than this run on the caller alone: waking a helper costs tens of
/// microseconds, more than it saves on the decoder's one-token products.
const PARALLEL_FLOPS_MIN: u64 = 4_000_000;

/// One helper's share of a product, as raw parts of the caller's borrows.
#[derive(Clone, Copy)]
struct Job {
    kind: KernelKind,
    x: *const f32,
    x_len: usize,
    tokens: usize,
    x_stride: usize,
    weights: *const PackedMatrix,
    bias: *const f32,
    bias_len: usize,
    has_bias: bool,
    out: *mut f32,
    out_len: usize,
    out_stride: usize,
    out_row_base: usize,
    panels: (usize, usize),
}

// SAFETY: a `Job` is only created by `ProductPool::linear`, which keeps the borrows it was
// made from alive (and the output part exclusively lent) until the helper reports it done.
unsafe impl Send for Job {}

#[derive(Default)]
struct SlotState {
    job: Option<Job>,
    finished: bool,
    panicked: bool,
    shutdown: bool,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    wake: Condvar,
    done: Condvar,
    /// Test hooks: while `test_hold` is set a helper waits before its job (so a caller that
    /// stops waiting is caught), and a count of finished jobs.
    #[cfg(test)]
    test_hold: std::sync::atomic::AtomicBool,
    #[cfg(test)]
    test_jobs_finished: std::sync::atomic::AtomicUsize,
}

fn lock(slot: &Slot) -> MutexGuard<'_, SlotState> {
    // A helper that panicked while holding the lock leaves the state consistent (every
    // field is written atomically under it), so poisoning is ignored.
    slot.state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn run(job: Job, scratch: &mut MatmulScratch) {
    // SAFETY: see `Job`: the caller of `ProductPool::linear` is blocked until this returns,
    // so every pointer is valid for its length; `out` is a part no other thread touches.
    let (x, weights, bias, out) = unsafe {
        (
            std::slice::from_raw_parts(job.x, job.x_len),
            &*job.weights,
            job.has_bias
                .then(|| std::slice::from_raw_parts(job.bias, job.bias_len)),
            std::slice::from_raw_parts_mut(job.out, job.out_len),
        )
    };
    matmul_part(
        job.kind,
        x,
        job.tokens,
        job.x_stride,
        weights,
        bias,
        out,
        job.out_stride,
        job.out_row_base,
        job.panels.0..job.panels.1,
        scratch,
    );
}

fn helper_loop(slot: Arc<Slot>, on_start: Option<fn()>) {
    if let Some(hook) = on_start {
        hook();
    }
    let mut scratch = MatmulScratch::new();
    let mut state = lock(&slot);
    loop {
        if state.shutdown {
            return;
        }
        if let Some(job) = state.job.take() {
            drop(state);
            #[cfg(test)]
            while slot.test_hold.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job, &mut scratch)));
            #[cfg(test)]
            slot.test_jobs_finished
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            state = lock(&slot);
            state.finished = true;
            state.panicked = outcome.is_err();
            slot.done.notify_one();
            continue;
        }
        state = slot
            .wake
            .wait(state)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

/// The helpers that hold a job of the current product: the first `posted` slots. Dropping
/// the guard waits for each of them to finish, so no helper still reads the caller's borrows
/// once `linear` has returned or unwound.
struct PostedJobs<'pool> {
    slots: &'pool [Arc<Slot>],
    posted: usize,
}

impl PostedJobs<'_> {
    /// Waits for every posted job; true if one of them panicked.
    fn wait_all(&mut self) -> bool {
        let mut helper_panicked = false;
        for slot in &self.slots[..self.posted] {
            let mut state = lock(slot);
            while !state.finished {
                state = slot
                    .done
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            helper_panicked |= state.panicked;
        }
        self.posted = 0;
        helper_panicked
    }
}

impl Drop for PostedJobs<'_> {
    fn drop(&mut self) {
        // On an unwind a helper's panic is not re-raised (that would abort); the caller's
        // own panic is already on its way.
        let _ = self.wait_all();
    }
}

/// The caller plus `helpers` threads splitting large products.
pub struct ProductPool {
    slots: Vec<Arc<Slot>>,
    handles: Vec<JoinHandle<()>>,
    /// Test hook: the caller's next share panics (as a bug in the kernel would).
    #[cfg(test)]
    test_caller_panics: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for ProductPool {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ProductPool({} helpers)", self.slots.len())
    }
}

impl ProductPool {
    /// Starts `threads - 1` helpers (the caller is the first thread).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        Self::with_start_hook(threads, None)
    }

    /// Like [`Self::new`], running `on_start` first on each helper thread (so the
    /// allocation guard can register the helpers under the ASR thread's role).
    pub fn with_start_hook(threads: usize, on_start: Option<fn()>) -> std::io::Result<Self> {
        let mut pool = ProductPool {
            slots: Vec::new(),
            handles: Vec::new(),
            #[cfg(test)]
            test_caller_panics: std::sync::atomic::AtomicBool::new(false),
        };
        for index in 1..threads.max(1) {
            let slot = Arc::new(Slot::default());
            let for_thread = Arc::clone(&slot);
            let handle = std::thread::Builder::new()
                .name(format!("tccc-nn-{index}"))
                .spawn(move || helper_loop(for_thread, on_start))?;
            pool.slots.push(slot);
            pool.handles.push(handle);
        }
        Ok(pool)
    }

    /// A pool with no helpers: every product runs on the caller.
    pub fn empty() -> Self {
        ProductPool {
            slots: Vec::new(),
            handles: Vec::new(),
            #[cfg(test)]
            test_caller_panics: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Threads that share a product (helpers plus the caller).
    pub fn threads(&self) -> usize {
        self.slots.len() + 1
    }

    /// `out = x · Wᵀ + bias`, split by tokens (many tokens) or by weight panels (one token)
    /// across the caller and the helpers.
    #[allow(clippy::too_many_arguments)]
    pub fn linear(
        &self,
        kind: KernelKind,
        x: &[f32],
        tokens: usize,
        x_stride: usize,
        weights: &PackedMatrix,
        bias: Option<&[f32]>,
        out: &mut [f32],
        out_stride: usize,
        scratch: &mut MatmulScratch,
    ) {
        let panels = panel_count(weights);
        let threads = self.threads();
        let by_tokens = tokens >= 2 * TILE_COLUMNS_MAX * threads;
        // Small products, and several tokens too few to split by tile, stay on this thread.
        let single_threaded = threads == 1
            || product_flops(tokens, weights) < PARALLEL_FLOPS_MIN
            || (!by_tokens && tokens != 1);
        if single_threaded {
            matmul(
                kind, x, tokens, x_stride, weights, bias, out, out_stride, scratch,
            );
            return;
        }
        // Shares: the caller takes the first, helper i the (i + 1)-th.
        let share = |index: usize, total: usize| -> Range<usize> {
            // Split on tile boundaries so no tile straddles two threads.
            let unit = if by_tokens { TILE_COLUMNS_MAX } else { 1 };
            let units = total.div_ceil(unit);
            let start = (units * index / threads * unit).min(total);
            let end = (units * (index + 1) / threads * unit).min(total);
            start..end
        };
        let total = if by_tokens { tokens } else { panels };
        // Created before the first job is posted: from here on, every way out of this
        // function waits for the posted helpers.
        let mut posted = PostedJobs {
            slots: &self.slots,
            posted: 0,
        };
        let mut rest: &mut [f32] = out;
        let mut consumed = 0; // output elements before `rest`
        let mut own: Option<(&mut [f32], Range<usize>)> = None;
        for index in 0..threads {
            let range = share(index, total);
            // Where this share's output ends inside the whole output.
            let end_element = if by_tokens {
                if index + 1 == threads {
                    consumed + rest.len()
                } else {
                    range.end * out_stride
                }
            } else if index + 1 == threads {
                consumed + rest.len()
            } else {
                (range.end * PANEL_ROWS).min(weights.rows())
            };
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(end_element - consumed);
            let part_base = consumed;
            consumed = end_element;
            rest = tail;
            if index == 0 {
                own = Some((part, range));
                continue;
            }
            let (job_x, job_tokens, job_panels, job_row_base) = if by_tokens {
                (&x[range.start * x_stride..], range.len(), (0, panels), 0)
            } else {
                (x, tokens, (range.start, range.end), part_base)
            };
            let job = Job {
                kind,
                x: job_x.as_ptr(),
                x_len: job_x.len(),
                tokens: job_tokens,
                x_stride,
                weights,
                bias: bias.map_or(std::ptr::null(), <[f32]>::as_ptr),
                bias_len: bias.map_or(0, <[f32]>::len),
                has_bias: bias.is_some(),
                out: part.as_mut_ptr(),
                out_len: part.len(),
                out_stride,
                out_row_base: job_row_base,
                panels: job_panels,
            };
            let slot = &self.slots[index - 1];
            let mut state = lock(slot);
            state.job = Some(job);
            state.finished = false;
            posted.posted = index;
            slot.wake.notify_one();
        }
        #[cfg(test)]
        if self
            .test_caller_panics
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            panic!("injected panic in the caller's share");
        }
        if let Some((part, range)) = own {
            if by_tokens {
                matmul_part(
                    kind,
                    x,
                    range.len(),
                    x_stride,
                    weights,
                    bias,
                    part,
                    out_stride,
                    0,
                    0..panels,
                    scratch,
                );
            } else {
                matmul_part(
                    kind, x, tokens, x_stride, weights, bias, part, out_stride, 0, range, scratch,
                );
            }
        }
        let helper_panicked = posted.wait_all();
        // A helper panics only on a bug (an index assert); surface it on the caller.
        assert!(!helper_panicked, "a product helper thread panicked");
    }
}

impl Drop for ProductPool {
    fn drop(&mut self) {
        for slot in &self.slots {
            lock(slot).shutdown = true;
            slot.wake.notify_one();
        }
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pooled_products_equal_single_threaded_ones() {
        let kind = KernelKind::detect();
        let pool = ProductPool::new(3).unwrap();
        for &(tokens, rows, depth) in &[
            (1, 12_000, 384),
            (1, 51_864, 384),
            (100, 384, 384),
            (37, 1536, 200),
            (5, 800, 400),
        ] {
            let x: Vec<f32> = (0..tokens * depth)
                .map(|i| ((i * 7) % 13) as f32 * 0.1 - 0.6)
                .collect();
            let w: Vec<f32> = (0..rows * depth)
                .map(|i| ((i * 5) % 11) as f32 * 0.1 - 0.5)
                .collect();
            let bias: Vec<f32> = (0..rows).map(|i| i as f32 * 0.01).collect();
            let packed = PackedMatrix::from_row_major(&w, rows, depth);
            let mut expected = vec![0.0; tokens * rows];
            let mut got = vec![0.0; tokens * rows];
            let mut scratch = MatmulScratch::new();
            matmul(
                kind,
                &x,
                tokens,
                depth,
                &packed,
                Some(&bias),
                &mut expected,
                rows,
                &mut scratch,
            );
            pool.linear(
                kind,
                &x,
                tokens,
                depth,
                &packed,
                Some(&bias),
                &mut got,
                rows,
                &mut scratch,
            );
            assert_eq!(got, expected, "{tokens}x{rows}x{depth}");
        }
    }

    /// Invariant: `linear` never unwinds while a helper still holds the caller's borrows.
    /// The helpers are held before their jobs; the caller's share panics (a test hook). A
    /// second thread releases the helpers only once `catch_unwind` has returned, or after
    /// two seconds. With the wait-on-drop guard the unwind waits for the release, so every
    /// job is finished when `catch_unwind` returns; without it the jobs would still be held.
    #[test]
    fn a_panic_in_the_callers_share_waits_for_every_posted_helper() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let kind = KernelKind::detect();
        let pool = ProductPool::new(3).unwrap();
        for slot in &pool.slots {
            slot.test_hold.store(true, Ordering::Release);
        }
        // One token against many rows: split by weight panels, one share per thread.
        let (rows, depth) = (12_000, 384);
        let x = vec![0.5f32; depth];
        let packed = PackedMatrix::from_row_major(&vec![0.25f32; rows * depth], rows, depth);
        let mut out = vec![0.0f32; rows];
        let mut scratch = MatmulScratch::new();
        pool.test_caller_panics.store(true, Ordering::Relaxed);
        let caller_returned = Arc::new(AtomicBool::new(false));
        let slots = pool.slots.clone();
        let releaser = {
            let caller_returned = Arc::clone(&caller_returned);
            std::thread::spawn(move || {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
                while !caller_returned.load(Ordering::Acquire)
                    && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                for slot in &slots {
                    slot.test_hold.store(false, Ordering::Release);
                }
            })
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.linear(
                kind,
                &x,
                1,
                depth,
                &packed,
                None,
                &mut out,
                rows,
                &mut scratch,
            );
        }));
        let finished_at_unwind: Vec<usize> = pool
            .slots
            .iter()
            .map(|slot| slot.test_jobs_finished.load(Ordering::Relaxed))
            .collect();
        caller_returned.store(true, Ordering::Release);
        releaser.join().unwrap();
        // Should the guard fail, let the helpers finish before the buffers go, so the test
        // reports the failure instead of racing a use-after-free.
        while pool
            .slots
            .iter()
            .any(|slot| slot.test_jobs_finished.load(Ordering::Relaxed) == 0)
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(outcome.is_err(), "the injected panic did not happen");
        assert_eq!(
            finished_at_unwind,
            vec![1; pool.slots.len()],
            "the caller unwound while helpers still used its weights and output"
        );
        drop((x, packed, out));

        // The pool still works after the panic.
        let x: Vec<f32> = (0..depth).map(|i| (i % 7) as f32 * 0.1).collect();
        let w: Vec<f32> = (0..rows * depth).map(|i| (i % 5) as f32 * 0.1).collect();
        let packed = PackedMatrix::from_row_major(&w, rows, depth);
        let mut expected = vec![0.0; rows];
        let mut got = vec![0.0; rows];
        matmul(
            kind,
            &x,
            1,
            depth,
            &packed,
            None,
            &mut expected,
            rows,
            &mut scratch,
        );
        pool.linear(
            kind,
            &x,
            1,
            depth,
            &packed,
            None,
            &mut got,
            rows,
            &mut scratch,
        );
        assert_eq!(got, expected);
    }
}
