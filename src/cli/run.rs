//! `tccc run`: the service. Starts the pipeline of [`crate::analysis`] (models loaded and
//! warmed, journal replayed) and the console, then tells systemd `READY=1` (when
//! `NOTIFY_SOCKET` is set); runs until SIGTERM/SIGINT (or `quit` on a stdio console),
//! then stops capture, flushes the journal and exits 0.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::common::{CliError, ConfigArg};
use super::listen::analysis_error;
use super::segments::{open_source, SourceChoice};
use crate::analysis::{self, AnalysisOptions, JournalSetup};
use crate::audio::source::AudioSource;
use crate::console::transport::{serve, SerialLine, Terminal, Transport};
use crate::console::{Console, WatchdogView};
use crate::frontend::pipeline::Pacing;
use crate::limits::{
    ASR_HEARTBEAT_WINDOW_MS, JOURNAL_HEARTBEAT_WINDOW_MS, STAGE_HEARTBEAT_WINDOW_MS,
};
use crate::liveness::{Beat, BeatReader, Liveness};
use crate::watchdog::{MonotonicClock, WatchClock, Watchdog, WatchdogEvent, WatchdogHandle};

/// How long a stop may take before the service leaves without waiting for the recogniser
/// (systemd and the issue allow 2 s; the journal is flushed first).
const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(1800);
/// How long a stop waits for a recogniser that is mid-segment once the journal is flushed
/// (the segment's audio is journaled before it is transcribed: `tccc reprocess` hears it).
const SHUTDOWN_GRACE_FLUSHED: Duration = Duration::from_millis(400);
/// How often the main thread looks at the stop flag.
const WAIT: Duration = Duration::from_millis(20);

/// `tccc run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Journal to the state directory DIR (encrypted; `tccc keygen --state DIR` first);
    /// the record is rebuilt from it on start
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The journal key file, if not DIR/journal.key
    #[arg(long, value_name = "FILE", requires = "state")]
    pub key: Option<PathBuf>,
    /// The console: `stdio`, `pty` (its path is printed on standard error) or a serial
    /// device (set to raw mode)
    #[arg(long, value_name = "stdio|pty|DEVICE", default_value = "stdio")]
    pub console: String,
    /// Play a WAV, paced in real time, instead of capturing from ALSA ([audio] device)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
}

fn open_input(
    args: &RunArgs,
    config: &crate::config::Config,
) -> Result<Box<dyn AudioSource>, CliError> {
    if args.input.is_none() {
        return open_capture(config);
    }
    let choice = SourceChoice {
        input: args.input.as_deref(),
        alsa: None,
        rate: None,
        channels: None,
    };
    open_source(&choice, config)
}

/// The capture device (`[audio] device`, else `fallback_device`). A device missing at
/// start does not stop the service: capture starts lost and is reopened with back-off.
#[cfg(feature = "alsa-capture")]
fn open_capture(config: &crate::config::Config) -> Result<Box<dyn AudioSource>, CliError> {
    use crate::audio::alsa_capture::{AlsaSettings, AlsaSource};
    let settings = AlsaSettings {
        device: config.audio.device.clone(),
        rate_hz: config.audio.rate_hz,
        channels: config.audio.channels,
        period_frames: config.audio.period_frames,
    };
    let (source, problem) = AlsaSource::open_or_wait(&settings, &config.audio.fallback_device);
    if let Some(problem) = problem {
        eprintln!(
            "tccc: warning: {problem}; capturing from `{}` (reopened with back-off while lost)",
            source.device()
        );
    }
    Ok(Box::new(source))
}

#[cfg(not(feature = "alsa-capture"))]
fn open_capture(config: &crate::config::Config) -> Result<Box<dyn AudioSource>, CliError> {
    let choice = SourceChoice {
        input: None,
        alsa: Some(config.audio.device.as_str()),
        rate: None,
        channels: None,
    };
    open_source(&choice, config)
}

/// SIGTERM and SIGINT set `stop` (a handler that only stores a flag, whichever thread
/// the kernel picks to run it).
fn watch_signals(stop: &Arc<AtomicBool>) -> Result<(), CliError> {
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(stop))
            .map_err(|e| CliError::Internal(format!("cannot handle signal {signal}: {e}")))?;
    }
    Ok(())
}

/// The heartbeats of every stage: capture, frontend, ASR (each until the input ends),
/// analysis, journal writer (with `--state`) and console.
fn watch_stages(
    stage: &analysis::Analysis,
    console_beat: &Arc<AtomicU64>,
    now_ms: u64,
) -> Liveness {
    let frontend = stage.frontend_stats();
    let published = stage.published();
    let mut liveness = Liveness::new();
    let counter = |beat: Arc<AtomicU64>| -> BeatReader {
        Box::new(move || Beat::Alive(beat.load(Ordering::Relaxed)))
    };
    {
        let stats = Arc::clone(&frontend);
        liveness.watch(
            "capture",
            STAGE_HEARTBEAT_WINDOW_MS,
            Box::new(move || {
                if stats.capture_ended.load(Ordering::Acquire) {
                    Beat::Done
                } else {
                    Beat::Alive(stats.capture_beats.load(Ordering::Relaxed))
                }
            }),
            now_ms,
        );
    }
    {
        let stats = Arc::clone(&frontend);
        liveness.watch(
            "frontend",
            STAGE_HEARTBEAT_WINDOW_MS,
            Box::new(move || {
                if stats.frontend_ended.load(Ordering::Acquire) {
                    Beat::Done
                } else {
                    Beat::Alive(stats.frontend_beats.load(Ordering::Relaxed))
                }
            }),
            now_ms,
        );
    }
    liveness.watch(
        "asr",
        ASR_HEARTBEAT_WINDOW_MS,
        Box::new(move || {
            if published.load().status.input_ended {
                Beat::Done
            } else {
                Beat::Alive(frontend.asr_beats.load(Ordering::Relaxed))
            }
        }),
        now_ms,
    );
    liveness.watch(
        "analysis",
        STAGE_HEARTBEAT_WINDOW_MS,
        counter(stage.heartbeat()),
        now_ms,
    );
    if let Some(beat) = stage.journal_heartbeat() {
        liveness.watch(
            "journal",
            JOURNAL_HEARTBEAT_WINDOW_MS,
            counter(beat),
            now_ms,
        );
    }
    liveness.watch(
        "console",
        STAGE_HEARTBEAT_WINDOW_MS,
        counter(Arc::clone(console_beat)),
        now_ms,
    );
    liveness
}

/// SIGHUP: reads the configuration again and says what differs. Every section sizes or
/// drives a running thread (models, capture device, VAD, placement, recogniser), so none is
/// reloaded in place; each change is named as waiting for a restart.
fn report_reload(args: &RunArgs, running: &crate::config::Config) {
    let fresh = match args.config.load() {
        Ok(fresh) => fresh,
        Err(error) => {
            eprintln!("tccc: SIGHUP: the configuration does not load ({error}); nothing changed");
            return;
        }
    };
    let mut changed = Vec::new();
    if fresh.models != running.models {
        changed.push("[models]");
    }
    if fresh.audio != running.audio {
        changed.push("[audio]");
    }
    if fresh.vad != running.vad {
        changed.push("[vad]");
    }
    if fresh.threads != running.threads {
        changed.push("[threads]");
    }
    if fresh.asr != running.asr {
        changed.push("[asr]");
    }
    if changed.is_empty() {
        eprintln!("tccc: SIGHUP: configuration unchanged; nothing to reload");
    } else {
        eprintln!(
            "tccc: SIGHUP: {} changed; not reloaded (they drive running threads): restart the service to apply",
            changed.join(", ")
        );
    }
}

/// Starts the watchdog (`[watchdog]`), or says why it does not run.
fn start_watchdog(
    full: &crate::config::Config,
    clock: &Arc<MonotonicClock>,
    knobs: Arc<crate::watchdog::SharedKnobs>,
) -> Result<Arc<WatchdogHandle>, String> {
    let config = &full.watchdog;
    if !config.enabled {
        return Err("disabled (watchdog.enabled = false)".to_owned());
    }
    let clock: Arc<dyn WatchClock> = clock.clone();
    let (root, nvpmodel) = (&config.sysfs_root, &config.nvpmodel_path);
    let memory = crate::watchdog::components_of(full);
    match Watchdog::start_publishing(config, root, nvpmodel, clock, knobs, &memory) {
        Ok(handle) => Ok(Arc::new(handle)),
        Err(error) => {
            // Printed whole (a log line is cut at LOG_LINE_BYTES_MAX): the reason and its fix.
            eprintln!(
                "tccc: warning: the watchdog does not run (no thermal or power management; \
                 set watchdog.enabled = false where there is none): {error}"
            );
            Err(error.to_string())
        }
    }
}

/// Sends the watchdog's new decisions to the analysis thread (journaled as alerts,
/// announced as `EVT POWER`/`EVT THERMAL`).
fn forward_watchdog_events(
    handle: &WatchdogHandle,
    requests: &std::sync::mpsc::SyncSender<analysis::Request>,
    events: &mut Vec<WatchdogEvent>,
) {
    handle.drain_events(events);
    if events.is_empty() {
        return;
    }
    let (reply, _answer) = std::sync::mpsc::sync_channel(1);
    let request = analysis::Request {
        action: analysis::Action::Watchdog(std::mem::take(events)),
        reply,
    };
    if let Err(error) = requests.try_send(request) {
        log::warn!("watchdog events not journaled (the analysis thread is busy): {error:?}");
    }
}

/// Runs the service.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let config = args.config.load()?;
    let stop = Arc::new(AtomicBool::new(false));
    watch_signals(&stop)?;
    let transport = Transport::parse(&args.console);
    let line =
        SerialLine::from_config(&config.console).map_err(|e| CliError::BadInput(e.to_string()))?;
    let terminal =
        Terminal::open(&transport, &line).map_err(|e| CliError::BadInput(e.to_string()))?;
    let source = open_input(args, &config)?;
    let mut stage = analysis::start(
        source,
        &config,
        AnalysisOptions {
            pacing: Pacing::RealTime,
            journal: args.state.as_ref().map(|state| JournalSetup {
                state: state.clone(),
                key: args.key.clone(),
            }),
            advisor: true,
            stay_after_input: true,
            observer: None,
        },
    )
    .map_err(analysis_error)?;
    if let Some(peer) = &terminal.peer {
        eprintln!("tccc: console on {}", peer.display());
    }
    // The pipeline's threads are up: watch them (and the board).
    let clock = Arc::new(MonotonicClock::new());
    // The stage knobs it publishes are read by the ASR thread before each segment.
    let power_watch = start_watchdog(&config, &clock, stage.knobs());
    let mut console = Console::new(stage.requests(), stage.published());
    console.set_watchdog(match &power_watch {
        Ok(handle) => WatchdogView::Running(Arc::clone(handle)),
        Err(reason) => WatchdogView::NotRunning(reason.clone()),
    });
    let notices = stage.take_notices();
    let console_beat = Arc::new(AtomicU64::new(0));
    let console_thread = {
        let stop = Arc::clone(&stop);
        let beat = Arc::clone(&console_beat);
        std::thread::Builder::new()
            .name("tccc-console".to_owned())
            .spawn(move || serve(terminal, console, notices, &stop, &beat))
            .map_err(|e| CliError::Internal(format!("cannot start the console thread: {e}")))?
    };
    if let Ok(handle) = &power_watch {
        handle.rescan_threads();
    }
    let requests = stage.requests();
    let published = stage.published();
    let mut heard = published.load().status.utterances;
    let mut watchdog_events = Vec::new();
    // Every thread runs with its models loaded and warmed: tell systemd.
    if std::env::var_os("NOTIFY_SOCKET").is_some() {
        if let Err(error) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
            log::warn!("cannot tell systemd READY=1: {error}");
        }
    }
    eprintln!("tccc: ready");
    let started = Instant::now();
    let mut liveness = watch_stages(&stage, &console_beat, 0);
    let watchdog = sd_notify::watchdog_enabled().map(|interval| interval / 2);
    let mut last_ping = Instant::now();
    let hangup = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hangup))
        .map_err(|e| CliError::Internal(format!("cannot handle SIGHUP: {e}")))?;
    while !stop.load(Ordering::Acquire) && !stage.is_finished() {
        std::thread::sleep(WAIT);
        if hangup.swap(false, Ordering::AcqRel) {
            report_reload(args, &config);
        }
        if let Ok(handle) = &power_watch {
            let utterances = published.load().status.utterances;
            if utterances != heard {
                heard = utterances;
                handle.note_speech(clock.now_ms());
            }
            forward_watchdog_events(handle, &requests, &mut watchdog_events);
        }
        if let Some(every) = watchdog {
            if last_ping.elapsed() >= every {
                last_ping = Instant::now();
                let now_ms = started.elapsed().as_millis() as u64;
                if let Err(stalled) = liveness.ping(now_ms) {
                    log::warn!("{stalled}; WATCHDOG=1 withheld (systemd will restart tccc)");
                }
            }
        }
    }
    // The deadline counts from the stop request, not from after the console and the
    // watchdog have let go: systemd's stop timeout and the 2 s bar count from the signal.
    let deadline = Instant::now() + SHUTDOWN_DEADLINE;
    if std::env::var_os("NOTIFY_SOCKET").is_some() {
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    }
    stop.store(true, Ordering::Release);
    stage.request_stop();
    let _ = console_thread.join();
    if let Ok(handle) = power_watch {
        forward_watchdog_events(&handle, &requests, &mut watchdog_events);
        // The console has let go of its view: stop the thread (dropping the last handle
        // stops it too).
        if let Ok(handle) = Arc::try_unwrap(handle) {
            if let Err(error) = handle.stop() {
                log::warn!("the watchdog: {error}");
            }
        }
    }
    let grace = deadline - SHUTDOWN_DEADLINE + SHUTDOWN_GRACE_FLUSHED;
    while !stage.is_finished() && Instant::now() < deadline {
        if Instant::now() >= grace && stage.is_flushed() {
            break;
        }
        std::thread::sleep(WAIT);
    }
    if !stage.is_finished() {
        if stage.is_flushed() {
            // The recogniser is still on a segment: the journal is closed, leave.
            eprintln!("tccc: stopped (journal flushed; speech recognition was mid-segment)");
            return Ok(());
        }
        return Err(CliError::Internal(
            "the journal was not flushed within the shutdown deadline".to_owned(),
        ));
    }
    let outcome = stage.join().map_err(analysis_error)?;
    eprintln!(
        "tccc: stopped; {} utterance(s) in the record's input, {} event(s)",
        outcome.utterances.len(),
        outcome.extractor.events().len()
    );
    Ok(())
}
