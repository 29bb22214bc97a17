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

/// A product, as raw parts of the caller's borrows; threads claim its rows in chunks.
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
    chunk_rows: usize,
}

// SAFETY: a `Job` is made only by `RowPool::product`, which keeps the borrows it was made
// from alive until every claimed chunk is finished (`Shared::done`), and each chunk's
// output rows are written by the one thread that claimed it.
unsafe impl Send for Job {}

/// What the caller and its helpers share. `claim` packs the product's number (high 32
/// bits) and the next unclaimed chunk (low 32 bits): a helper claims with a
/// compare-and-swap that fails once the product it read is over, so a late helper never
/// touches a later product with an earlier one's pointers.
#[derive(Default)]
struct Shared {
    job: Mutex<Option<(u64, Job, usize)>>,
    claim: AtomicU64,
    done: AtomicU64,
    panicked: AtomicBool,
    stop: AtomicBool,
}

/// Runs products on the calling thread and `threads - 1` helpers. The caller claims chunks
/// of rows like any helper, so a helper the scheduler keeps off a core costs nothing: the
/// caller does its chunks too, and waits only for chunks a helper has started.
pub struct RowPool {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
    product: u64,
}

impl Default for RowPool {
    fn default() -> Self {
        RowPool {
            shared: Arc::new(Shared::default()),
            helpers: Vec::new(),
            product: 0,
        }
    }
}

impl std::fmt::Debug for RowPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowPool({} threads)", self.helpers.len() + 1)
    }
}

/// The fewest rows per claimed chunk (a multiple of the tiles' rows).
const CHUNK_ROWS: usize = 32;
/// Chunks per thread a product is cut into when that gives chunks above `CHUNK_ROWS`:
/// each claim and completion is an atomic operation on a line every thread writes, so
/// fewer, larger chunks cost less, while several per thread still let the caller take
/// over the chunks of a helper the scheduler keeps off a core.
const CHUNKS_PER_THREAD: usize = 3;

impl RowPool {
    /// A pool that runs everything on the caller.
    pub fn single() -> Self {
        RowPool::default()
    }

    /// A pool of `threads` threads (the caller and helpers). Each helper runs `on_start`
    /// first (the model's thread lowers their priority and names their allocation role).
    pub fn new(threads: usize, on_start: Option<fn()>) -> std::io::Result<Self> {
        let mut pool = RowPool::default();
        for index in 1..threads.max(1) {
            let shared = Arc::clone(&pool.shared);
            let thread = std::thread::Builder::new()
                .name(format!("tccc-llm-{index}"))
                .spawn(move || helper_loop(&shared, on_start))?;
            pool.helpers.push(thread);
        }
        Ok(pool)
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
        let (out_ptr, out_len) = (out.as_mut_ptr(), out.len());
        let job = Job {
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
            rows: (0, matrix.rows),
            chunk_rows: CHUNK_ROWS,
        };
        if self.helpers.is_empty() || matrix.rows * blocks * count < PARALLEL_BLOCKS_MIN {
            // SAFETY: the borrows of `job` are alive for this call; no other thread runs.
            unsafe { run(&job) };
            return;
        }
        let threads = self.helpers.len() + 1;
        let chunk_rows = matrix
            .rows
            .div_ceil(CHUNKS_PER_THREAD * threads)
            .next_multiple_of(ROWS_PER_TILE)
            .max(CHUNK_ROWS);
        let job = Job { chunk_rows, ..job };
        let chunks = matrix.rows.div_ceil(chunk_rows);
        // Product numbers are 32-bit and never 0 (a helper starts having seen 0).
        self.product = (self.product % u64::from(u32::MAX)) + 1;
        let shared = &*self.shared;
        shared.done.store(0, Ordering::Relaxed);
        *shared
            .job
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((self.product, job, chunks));
        shared.claim.store(self.product << 32, Ordering::Release);
        for helper in &self.helpers {
            helper.thread().unpark();
        }
        // SAFETY: the borrows of `job` are alive until every claimed chunk is done (below).
        unsafe { claim_and_run(shared, self.product, &job, chunks) };
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < chunks as u64 {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(1024) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        assert!(
            !shared.panicked.swap(false, Ordering::Relaxed),
            "a product helper of the language model panicked"
        );
    }
}

impl Drop for RowPool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for helper in self.helpers.drain(..) {
            helper.thread().unpark();
            let _ = helper.join();
        }
    }
}

/// Claims chunks of product `product` until none is left, running each.
///
/// # Safety
/// While `product` is the posted product, `job`'s pointers must be valid (the poster
/// waits for every claimed chunk before its borrows end).
unsafe fn claim_and_run(shared: &Shared, product: u64, job: &Job, chunks: usize) {
    loop {
        let now = shared.claim.load(Ordering::Acquire);
        let chunk = (now & u64::from(u32::MAX)) as usize;
        if now >> 32 != product || chunk >= chunks {
            return;
        }
        if shared
            .claim
            .compare_exchange_weak(now, now + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            continue;
        }
        let start = chunk * job.chunk_rows;
        let part = Job {
            rows: (start, (start + job.chunk_rows).min(job.rows.1)),
            ..*job
        };
        // SAFETY: the chunk was claimed while `product` was posted, so its poster waits
        // for it; its rows are this thread's alone.
        let outcome = std::panic::catch_unwind(|| unsafe { run(&part) });
        if outcome.is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        shared.done.fetch_add(1, Ordering::Release);
    }
}

fn helper_loop(shared: &Shared, on_start: Option<fn()>) {
    if let Some(hook) = on_start {
        hook();
    }
    let mut seen = 0u64;
    loop {
        let started = Instant::now();
        let mut spins = 0u32;
        while shared.claim.load(Ordering::Acquire) >> 32 == seen {
            if shared.stop.load(Ordering::Acquire) {
                return;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(256) && started.elapsed() > SPIN {
                std::thread::park_timeout(Duration::from_millis(50));
            } else {
                std::hint::spin_loop();
            }
        }
        let posted = *shared
            .job
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((product, job, chunks)) = posted else {
            seen = shared.claim.load(Ordering::Acquire) >> 32;
            continue;
        };
        seen = product;
        // SAFETY: see `claim_and_run`: a chunk is claimed only while `product` is posted.
        unsafe { claim_and_run(shared, product, &job, chunks) };
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
        // Large enough to be shared (`PARALLEL_BLOCKS_MIN`) with one token, and not a
        // multiple of the chunk.
        let (rows, depth, count) = (1_100, 4 * BLOCK, 7);
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
