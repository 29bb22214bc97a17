//! GFLOP/s of the `nn` matrix products at Whisper tiny's shapes (encoder products for a 5 s
//! and a 30 s segment, the decoder's one-token products and its vocabulary projection).
//! Run: `cargo bench --bench asr_kernels`.

/// CPU time of this thread: the machine is shared, and wall time would count other
/// processes' turns on the cores.
fn thread_cpu_seconds() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec; the clock id is a constant Linux defines.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    time.tv_sec as f64 + time.tv_nsec as f64 * 1e-9
}

use tccc::nn::matmul::{matmul, product_flops, MatmulScratch};
use tccc::nn::{KernelKind, PackedMatrix};

fn main() {
    let kind = KernelKind::detect();
    println!("kernel: {kind:?}");
    let shapes: [(&str, usize, usize, usize); 8] = [
        ("encoder ffn_in, 5 s", 250, 1536, 384),
        ("encoder ffn_out, 5 s", 250, 384, 1536),
        ("encoder qkv, 30 s", 1500, 1152, 384),
        ("encoder ffn_in, 30 s", 1500, 1536, 384),
        ("decoder ffn_in, 1 token", 1, 1536, 384),
        ("vocabulary projection, 1 token", 1, 51_864, 384),
        ("decoder ffn_in, 1 token, half", 1, 1536, 384),
        ("vocabulary projection, 1 token, half", 1, 51_864, 384),
    ];
    for (name, tokens, rows, depth) in shapes {
        let x: Vec<f32> = (0..tokens * depth)
            .map(|i| (i % 17) as f32 * 0.01)
            .collect();
        let w: Vec<f32> = (0..rows * depth).map(|i| (i % 13) as f32 * 0.01).collect();
        let packed = if name.contains("half") {
            PackedMatrix::from_row_major_half(&w, rows, depth)
        } else {
            PackedMatrix::from_row_major(&w, rows, depth)
        };
        let mut out = vec![0.0f32; tokens * rows];
        let mut scratch = MatmulScratch::new();
        let mut product = || {
            matmul(
                kind,
                &x,
                tokens,
                depth,
                &packed,
                None,
                &mut out,
                rows,
                &mut scratch,
            )
        };
        product(); // warm caches and scratch before timing
        let repeats = (2e9 / product_flops(tokens, &packed) as f64).clamp(3.0, 2000.0) as usize;
        let started = thread_cpu_seconds();
        for _ in 0..repeats {
            product();
        }
        let seconds = (thread_cpu_seconds() - started) / repeats as f64;
        let gflops = product_flops(tokens, &packed) as f64 / seconds / 1e9;
        println!(
            "{name:34} {:8.3} ms CPU  {gflops:6.1} GFLOP/s",
            seconds * 1e3
        );
    }
}
