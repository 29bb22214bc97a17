//! Issue 13's liveness bar: a stage blocked on purpose stops `WATCHDOG=1` within its
//! window, and the pings come back once it runs again. systemd is played by a unix
//! datagram socket named by `NOTIFY_SOCKET` (the only test in this binary, so setting the
//! variable races with nothing); time is simulated (milliseconds given to `ping`).
#![allow(clippy::unwrap_used)]

use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tccc::liveness::{Beat, BeatReader, Liveness};

const WINDOW_MS: u64 = 5_000;

/// A stage thread: advances its heartbeat on every turn, taking `gate` each time (a
/// stage that waits on a lock held elsewhere, as a deadlock would).
fn stage(gate: Arc<Mutex<()>>, stop: Arc<AtomicBool>) -> (Arc<AtomicU64>, Arc<AtomicBool>) {
    let beat = Arc::new(AtomicU64::new(0));
    let waiting = Arc::new(AtomicBool::new(false));
    {
        let beat = Arc::clone(&beat);
        let waiting = Arc::clone(&waiting);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                waiting.store(true, Ordering::Release);
                let _held = gate.lock().unwrap();
                waiting.store(false, Ordering::Release);
                beat.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now();
            }
        });
    }
    (beat, waiting)
}

fn reader(beat: &Arc<AtomicU64>) -> BeatReader {
    let beat = Arc::clone(beat);
    Box::new(move || Beat::Alive(beat.load(Ordering::Relaxed)))
}

/// Waits (without a deadline: the test harness has one) until `beat` moves past `from`.
fn advances(beat: &AtomicU64, from: u64) {
    while beat.load(Ordering::Relaxed) <= from {
        std::thread::yield_now();
    }
}

/// The next datagram, if one is waiting (a send on a datagram socket is complete when
/// `sd_notify` returns, so none waiting means none was sent).
fn pending(socket: &UnixDatagram) -> Option<String> {
    let mut buffer = [0u8; 256];
    match socket.recv(&mut buffer) {
        Ok(n) => Some(String::from_utf8_lossy(&buffer[..n]).trim().to_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn a_blocked_stage_stops_watchdog_pings_within_its_window_and_they_resume() {
    let dir = std::env::temp_dir().join(format!("tccc-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_nonblocking(true).unwrap();
    std::env::set_var("NOTIFY_SOCKET", &path);

    let stop = Arc::new(AtomicBool::new(false));
    let capture_gate = Arc::new(Mutex::new(()));
    let analysis_gate = Arc::new(Mutex::new(()));
    let (capture, _) = stage(Arc::clone(&capture_gate), Arc::clone(&stop));
    let (analysis, analysis_waiting) = stage(Arc::clone(&analysis_gate), Arc::clone(&stop));
    let mut liveness = Liveness::new();
    liveness.watch("capture", WINDOW_MS, reader(&capture), 0);
    liveness.watch("analysis", WINDOW_MS, reader(&analysis), 0);
    liveness.watch("input", 1, Box::new(|| Beat::Done), 0);

    // Both run: pinged.
    advances(&capture, 0);
    advances(&analysis, 0);
    assert!(liveness.ping(1_000).is_ok());
    assert_eq!(pending(&socket).as_deref(), Some("WATCHDOG=1"));

    // The analysis stage blocks on a lock.
    let held = analysis_gate.lock().unwrap();
    while !analysis_waiting.load(Ordering::Acquire) {
        std::thread::yield_now();
    }
    let frozen = analysis.load(Ordering::Relaxed);
    // Within its window (its last advance was seen at 1 000 or 2 000 ms) pings go on...
    let seen = capture.load(Ordering::Relaxed);
    advances(&capture, seen);
    assert!(liveness.ping(2_000).is_ok());
    assert_eq!(pending(&socket).as_deref(), Some("WATCHDOG=1"));
    assert_eq!(
        analysis.load(Ordering::Relaxed),
        frozen,
        "a blocked stage beat"
    );
    // ...and stop once it is silent for longer than its window.
    let seen = capture.load(Ordering::Relaxed);
    advances(&capture, seen);
    let stalled = liveness.ping(2_000 + WINDOW_MS + 1).unwrap_err();
    assert_eq!(stalled.stage, "analysis");
    assert!(stalled.to_string().contains("analysis"), "{stalled}");
    assert_eq!(
        pending(&socket),
        None,
        "WATCHDOG=1 sent with a stage blocked"
    );
    let seen = capture.load(Ordering::Relaxed);
    advances(&capture, seen);
    assert!(liveness.ping(2_000 + 2 * WINDOW_MS).is_err());
    assert_eq!(pending(&socket), None);

    // Unblocked: pings resume.
    drop(held);
    advances(&analysis, frozen);
    let seen = capture.load(Ordering::Relaxed);
    advances(&capture, seen);
    assert!(liveness.ping(2_000 + 3 * WINDOW_MS).is_ok());
    assert_eq!(pending(&socket).as_deref(), Some("WATCHDOG=1"));

    stop.store(true, Ordering::Release);
    drop(capture_gate);
    let _ = std::fs::remove_dir_all(&dir);
}
