//! CPU time of the whole process, for benchmarks on a machine shared with other work (wall
//! time there counts other processes' turns on the cores).

/// Seconds of CPU time used by every thread of this process so far.
pub fn process_cpu_seconds() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec and the clock id is a constant Linux
    // defines; the call only writes `time`.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut time) };
    if status != 0 {
        return 0.0;
    }
    time.tv_sec as f64 + time.tv_nsec as f64 * 1e-9
}
