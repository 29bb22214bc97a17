//! Matrix products of the language model: each weight row read once and multiplied with
//! every token of the batch in tiles (`quant::dot_tile`: 4 rows x 1 token when decoding,
//! 2 rows x 4 tokens for a prompt), rows split between the caller and helper threads.
//!
//! Helpers are started at load and wait for work by spinning briefly, then parking (the
//! caller unparks them): a product of the model takes tens of microseconds, too short for
//! a condition variable's wake-up. The caller does the first share itself and returns
//! only once every helper has finished its share; helpers write disjoint rows of the
//! output through raw pointers. This is the `llm` module with `unsafe` besides `quant`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::nn::KernelKind;

use super::quant::{self, BlockQ8, Matrix};

/// Rows per decoding tile and the unit rows are shared out in.
const ROWS_PER_TILE: usize = 4;
/// Tokens per prompt tile.
const TOKENS_PER_TILE: usize = 4;
/// Products with fewer block products than this run on the caller alone.
const PARALLEL_BLOCKS_MIN: usize = 4_096;
/// How long a helper spins for the next product before parking.
const SPIN: Duration = Duration::from_micros(300);

/// One share of a product, as raw parts of the caller's borrows.
#[derive(Clone, Copy)]
struct Job {
    kernel: KernelKind,
    file: *const u8,
    file_len: usize,
    matrix: *const Matrix,
    x: *const BlockQ8,
    x_len: usize,
    blocks: usize,
    count: usize,
    out: *mut f32,
    out_len: usize,
    rows: (usize, usize),
}

// SAFETY: a `Job` is made only by `RowPool::product`, which keeps the borrows it was made
// from alive, and the rows it names written by no other thread, until the helper has
// reported it finished.
unsafe impl Send for Job {}

#[derive(Default)]
struct Slot {
    job: Mutex<Option<Job>>,
    posted: AtomicU64,
    finished: AtomicU64,
    panicked: AtomicBool,
    stop: AtomicBool,
}

struct Helper {
    slot: Arc<Slot>,
    thread: Option<JoinHandle<()>>,
}

/// Runs products on the calling thread and `threads - 1` helpers.
#[derive(Default)]
pub struct RowPool {
    helpers: Vec<Helper>,
}

impl std::fmt::Debug for RowPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowPool({} threads)", self.helpers.len() + 1)
    }
}

impl RowPool {
    /// A pool that runs everything on the caller.
    pub fn single() -> Self {
        RowPool::default()
    }

    /// A pool of `threads` threads (the caller and helpers). Each helper runs `on_start`
    /// first (the model's thread lowers their priority and names their allocation role).
    pub fn new(threads: usize, on_start: Option<fn()>) -> std::io::Result<Self> {
        let mut helpers = Vec::with_capacity(threads.saturating_sub(1));
        for index in 1..threads.max(1) {
            let slot = Arc::new(Slot::default());
            let for_thread = Arc::clone(&slot);
            let thread = std::thread::Builder::new()
                .name(format!("tccc-llm-{index}"))
                .spawn(move || helper_loop(&for_thread, on_start))?;
            helpers.push(Helper {
                slot,
                thread: Some(thread),
            });
        }
        Ok(RowPool { helpers })
    }

    /// `out[t * rows + r] = row r of matrix · x[t]` for `t < count`, where `x[t]` is the
    /// `blocks` blocks from `t * blocks`.
    #[allow(clippy::too_many_arguments)]
    pub fn product(
        &mut self,
        kernel: KernelKind,
        file: &[u8],
        matrix: &Matrix,
        x: &[BlockQ8],
        blocks: usize,
        count: usize,
        out: &mut [f32],
    ) {
        assert!(
            x.len() >= count * blocks && out.len() >= count * matrix.rows,
            "product buffers too short"
        );
        let units = matrix.rows.div_ceil(ROWS_PER_TILE);
        let shares = if matrix.rows * blocks * count < PARALLEL_BLOCKS_MIN {
            1
        } else {
            (self.helpers.len() + 1).min(units)
        };
        let (out_ptr, out_len) = (out.as_mut_ptr(), out.len());
        let job = |rows: (usize, usize)| Job {
            kernel,
            file: file.as_ptr(),
            file_len: file.len(),
            matrix,
            x: x.as_ptr(),
            x_len: x.len(),
            blocks,
            count,
            out: out_ptr,
            out_len,
            rows,
        };
        let share = |index: usize| {
            let row = |i: usize| (units * i / shares * ROWS_PER_TILE).min(matrix.rows);
            (row(index), row(index + 1))
        };
        for (index, helper) in self.helpers.iter().enumerate().take(shares - 1) {
            let posted = job(share(index + 1));
            *helper
                .slot
                .job
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(posted);
            helper.slot.posted.fetch_add(1, Ordering::Release);
            if let Some(thread) = &helper.thread {
                thread.thread().unpark();
            }
        }
        // SAFETY: the borrows of `job` are alive for this call, and the caller's rows are
        // written by no helper.
        unsafe { run(&job(share(0))) };
        let mut panicked = false;
        for helper in self.helpers.iter().take(shares - 1) {
            let slot = &helper.slot;
            let mut spins = 0u32;
            while slot.finished.load(Ordering::Acquire) != slot.posted.load(Ordering::Relaxed) {
                spins = spins.wrapping_add(1);
                if spins % 1024 == 0 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
            panicked |= slot.panicked.swap(false, Ordering::Relaxed);
        }
        assert!(!panicked, "a product helper of the language model panicked");
    }
}

impl Drop for RowPool {
    fn drop(&mut self) {
        for helper in &mut self.helpers {
            helper.slot.stop.store(true, Ordering::Release);
            if let Some(thread) = helper.thread.take() {
                thread.thread().unpark();
                let _ = thread.join();
            }
        }
    }
}

fn helper_loop(slot: &Slot, on_start: Option<fn()>) {
    if let Some(hook) = on_start {
        hook();
    }
    let mut seen = 0u64;
    loop {
        let started = Instant::now();
        let mut spins = 0u32;
        while slot.posted.load(Ordering::Acquire) == seen {
            if slot.stop.load(Ordering::Acquire) {
                return;
            }
            spins = spins.wrapping_add(1);
            if spins % 256 == 0 && started.elapsed() > SPIN {
                std::thread::park_timeout(Duration::from_millis(50));
            } else {
                std::hint::spin_loop();
            }
        }
        seen = slot.posted.load(Ordering::Acquire);
        let job = slot
            .job
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(job) = job {
            // SAFETY: see `Job`: the poster waits for `finished` before its borrows end.
            let outcome = std::panic::catch_unwind(|| unsafe { run(&job) });
            if outcome.is_err() {
                slot.panicked.store(true, Ordering::Relaxed);
            }
        }
        slot.finished.store(seen, Ordering::Release);
    }
}

/// Computes the rows `job.rows` of the product.
///
/// # Safety
/// Every pointer of `job` must be valid for its length for the whole call, and no other
/// thread may touch the output rows `job.rows` (of any token) meanwhile.
unsafe fn run(job: &Job) {
    // SAFETY: the caller guarantees the borrows; the output is not made a slice (other
    // threads write other rows of it), only written element by element below.
    let (file, matrix, x) = unsafe {
        (
            std::slice::from_raw_parts(job.file, job.file_len),
            &*job.matrix,
            std::slice::from_raw_parts(job.x, job.x_len),
        )
    };
    let total = matrix.rows;
    let (blocks, count) = (job.blocks, job.count);
    assert!(job.rows.1 <= total && job.out_len >= count * total && x.len() >= count * blocks);
    let store = |row: usize, t: usize, value: f32| {
        // SAFETY: `row < total` and `t < count`, so the index is below `count * total <=
        // out_len`; the row is this call's alone.
        unsafe { *job.out.add(t * total + row) = value };
    };
    let activation = |t: usize| &x[t * blocks..(t + 1) * blocks];
    let format = matrix.format;
    let mut row = job.rows.0;
    while row < job.rows.1 {
        if count == 1 && row + ROWS_PER_TILE <= job.rows.1 {
            let rows: [&[u8]; ROWS_PER_TILE] = std::array::from_fn(|i| matrix.row(file, row + i));
            let tile = quant::dot_tile(job.kernel, format, &rows, &[activation(0)]);
            for (i, values) in tile.iter().enumerate() {
                store(row + i, 0, values[0]);
            }
            row += ROWS_PER_TILE;
        } else if count > 1 && row + 2 <= job.rows.1 {
            let rows = [matrix.row(file, row), matrix.row(file, row + 1)];
            let mut t = 0;
            while t + TOKENS_PER_TILE <= count {
                let xs: [&[BlockQ8]; TOKENS_PER_TILE] = std::array::from_fn(|i| activation(t + i));
                let tile = quant::dot_tile(job.kernel, format, &rows, &xs);
                for (i, values) in tile.iter().enumerate() {
                    for (j, &value) in values.iter().enumerate() {
                        store(row + i, t + j, value);
                    }
                }
                t += TOKENS_PER_TILE;
            }
            while t < count {
                let tile = quant::dot_tile(job.kernel, format, &rows, &[activation(t)]);
                store(row, t, tile[0][0]);
                store(row + 1, t, tile[1][0]);
                t += 1;
            }
            row += 2;
        } else {
            let weights = matrix.row(file, row);
            for t in 0..count {
                store(
                    row,
                    t,
                    quant::dot(job.kernel, format, weights, activation(t)),
                );
            }
            row += 1;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::llm::quant::{quantize, WeightFormat, BLOCK};

    #[test]
    fn shared_products_equal_the_single_threads_bit_for_bit() {
        let (rows, depth, count) = (70, 4 * BLOCK, 7);
        let format = WeightFormat::Q4_1;
        let mut file = vec![0u8; rows * (depth / BLOCK) * format.block_bytes()];
        let mut state = 12_345u32;
        for (i, byte) in file.iter_mut().enumerate() {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Small half-precision scales at the start of each 20-byte block.
            *byte = match i % 20 {
                1 | 3 => 0x20,
                _ => (state >> 8) as u8,
            };
        }
        let matrix = Matrix {
            format,
            rows,
            depth,
            bytes: 0..file.len(),
            row_bytes: (depth / BLOCK) * format.block_bytes(),
        };
        let values: Vec<f32> = (0..count * depth)
            .map(|i| ((i * 29 % 83) as f32 - 41.0) / 9.0)
            .collect();
        let mut x = vec![BlockQ8::default(); count * depth / BLOCK];
        quantize(&values, &mut x);
        let kernel = KernelKind::detect();
        for tokens in [1, count] {
            let mut expected = vec![0.0f32; tokens * rows];
            for t in 0..tokens {
                for r in 0..rows {
                    expected[t * rows + r] =
                        quant::dot(kernel, format, matrix.row(&file, r), &x[t * 4..(t + 1) * 4]);
                }
            }
            for threads in [1, 3] {
                let mut pool = RowPool::new(threads, None).unwrap();
                let mut out = vec![0.0f32; tokens * rows];
                for _ in 0..3 {
                    out.fill(f32::NAN);
                    pool.product(kernel, &file, &matrix, &x, 4, tokens, &mut out);
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&out),
                        bits(&expected),
                        "{threads} threads, {tokens} tokens"
                    );
                }
            }
        }
    }
}
