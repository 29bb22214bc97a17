//! `tccc run` end to end (issue 13's console bar): the bundled narration played in real
//! time, the console on a pty, then on standard input/output. Needs the models (skips with
//! its reason on standard error without them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use tccc::console::protocol::body_lines;

const BIN: &str = env!("CARGO_BIN_EXE_tccc");

fn models_present() -> bool {
    match tccc::config::Config::default().asr_model_dir() {
        Ok(dir) if dir.is_dir() => true,
        other => {
            eprintln!("skipped: no Whisper model ({other:?}); run models/fetch");
            false
        }
    }
}

fn narration(dir: &Path) -> PathBuf {
    let path = dir.join("narration.wav");
    std::fs::write(&path, tccc::demo::NARRATION_WAV).unwrap();
    path
}

/// One second of silence, 16 kHz mono s16le.
fn silence(dir: &Path) -> PathBuf {
    let samples = 16_000u32;
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples * 2).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&32_000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(samples * 2).to_le_bytes());
    wav.resize(wav.len() + samples as usize * 2, 0);
    let path = dir.join("silence.wav");
    std::fs::write(&path, wav).unwrap();
    path
}

fn lines_of(reader: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            // A serial console ends lines with \r\n.
            let line = line.trim_end_matches('\r').to_owned();
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A console client: writes commands, reads replies, keeps `EVT` lines aside.
struct Client {
    input: Box<dyn Write>,
    lines: Receiver<String>,
    events: Vec<String>,
    /// A serial console echoes each typed line before its reply.
    echo: bool,
}

impl Client {
    /// The next line that is not an `EVT` line (those are kept aside).
    fn next_reply_line(&mut self, within: Duration) -> String {
        loop {
            let line = self.next_line(within);
            if !line.starts_with("EVT ") {
                return line;
            }
            self.events.push(line);
        }
    }

    fn next_line(&mut self, within: Duration) -> String {
        self.lines
            .recv_timeout(within)
            .expect("the console did not answer in time")
    }

    /// The next reply: its head and body.
    fn reply(&mut self) -> Vec<String> {
        loop {
            let head = self.next_line(Duration::from_secs(30));
            if head.starts_with("EVT ") {
                self.events.push(head);
                continue;
            }
            assert!(
                head.starts_with("OK") || head.starts_with("ERR "),
                "not a reply: {head:?}"
            );
            let mut reply = vec![head];
            for _ in 0..body_lines(&reply[0]) {
                reply.push(self.next_line(Duration::from_secs(5)));
            }
            return reply;
        }
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.input.write_all(bytes).unwrap();
        self.input.flush().unwrap();
    }

    fn ask(&mut self, line: &str) -> Vec<String> {
        self.send_bytes(format!("{line}\r").as_bytes());
        if self.echo {
            loop {
                let echoed = self.next_line(Duration::from_secs(30));
                if echoed.starts_with("EVT ") {
                    self.events.push(echoed);
                    continue;
                }
                assert_eq!(echoed, line, "the echo");
                break;
            }
        }
        self.reply()
    }

    /// Waits for an `EVT` line starting with `prefix`.
    fn wait_event(&mut self, prefix: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            if let Some(at) = self.events.iter().position(|e| e.starts_with(prefix)) {
                return self.events.remove(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {prefix} within {within:?}");
            let line = self.next_line(left);
            assert!(line.starts_with("EVT "), "unexpected line {line:?}");
            self.events.push(line);
        }
    }
}

/// Each test runs a whole service (Whisper on two cores): one at a time, so that the
/// shutdown and timing bars measure the service, not six of them sharing the CPU.
fn one_service_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn spawn(state: &Path, input: &Path, console: &str) -> Child {
    Command::new(BIN)
        .args(["run", "--console", console, "--state"])
        .arg(state)
        .arg("--input")
        .arg(input)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The unit's `TimeoutStopSec` (kernel-config/tccc.service): systemd kills the service when it
/// has not exited that long after SIGTERM, so that is the bound a clean stop must keep.
fn stop_timeout() -> Duration {
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel-config/tccc.service"),
    )
    .unwrap();
    let seconds = unit
        .lines()
        .find_map(|line| line.trim().strip_prefix("TimeoutStopSec="))
        .expect("the unit sets TimeoutStopSec")
        .trim()
        .parse()
        .expect("TimeoutStopSec in whole seconds");
    Duration::from_secs(seconds)
}

/// SIGTERM; the service must exit 0 within the unit's stop timeout.
fn terminate(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let sent = Instant::now();
    let bound = stop_timeout();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(
            sent.elapsed() < bound,
            "still running {bound:?} after SIGTERM (the unit's TimeoutStopSec)"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn keygen(state: &Path) {
    let status = Command::new(BIN)
        .args(["keygen", "--state"])
        .arg(state)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Opens the pty the service names on standard error.
fn pty_client(child: &mut Child) -> Client {
    let stderr = lines_of(child.stderr.take().unwrap());
    let path = loop {
        let line = stderr
            .recv_timeout(Duration::from_secs(120))
            .expect("no console path on stderr");
        if let Some(path) = line.strip_prefix("tccc: console on ") {
            break PathBuf::from(path);
        }
    };
    std::thread::spawn(move || while stderr.recv().is_ok() {});
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    Client {
        input: Box::new(tty.try_clone().unwrap()),
        lines: lines_of(tty),
        events: Vec::new(),
        echo: false,
    }
}

#[test]
fn the_service_answers_on_a_pty_survives_garbage_and_restarts_to_the_same_card() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    let dir = tempdir("pty");
    let state = dir.join("state");
    std::fs::create_dir(&state).unwrap();
    keygen(&state);
    let mut child = spawn(&state, &narration(&dir), "pty");
    let mut client = pty_client(&mut child);

    let status = client.ask("status");
    assert!(status[0].starts_with("OK status"), "{status:?}");
    assert!(
        status.iter().any(|l| l.starts_with("journal")),
        "{status:?}"
    );

    let said = client.ask("say casualty one tourniquet left leg at fourteen thirty two");
    assert!(said[0].starts_with("OK"), "{said:?}");
    let card = client.ask("card 1");
    assert!(card[0].starts_with("OK card"), "{card:?}");
    assert!(
        card.iter()
            .any(|l| l.contains("L Leg:") && l.contains("14:32")),
        "{card:#?}"
    );

    // A hedged value is filed unconfirmed and read back.
    assert!(client.ask("say casualty one maybe pulse one twenty")[0].starts_with("OK"));
    let readback = client.wait_event("EVT READBACK ", Duration::from_secs(10));
    let id: u32 = readback.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(
        client.ask(&format!("confirm {id}"))[0],
        format!("OK fact {id} confirmed")
    );
    assert!(client.ask("confirm 99999")[0].starts_with("ERR "));
    assert!(client.ask("say casualty one maybe spo2 ninety one")[0].starts_with("OK"));
    let readback = client.wait_event("EVT READBACK ", Duration::from_secs(10));
    let second: u32 = readback.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(
        client.ask(&format!("reject {second}"))[0],
        format!("OK fact {second} rejected")
    );

    // 1000 random garbage lines, then a 1 MB line: each refused, the service goes on.
    let mut seed = 0x1234_5678_9abc_def1u64;
    for _ in 0..1000 {
        let mut line: Vec<u8> = (0..1 + seed % 80)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .filter(|&b| b != b'\n' && b != b'\r')
            .collect();
        line.insert(0, b'#');
        line.push(b'\n');
        client.send_bytes(&line);
        let reply = client.reply();
        assert!(reply[0].starts_with("ERR "), "{reply:?}");
    }
    let mut huge = vec![b'x'; 1 << 20];
    huge.push(b'\n');
    client.send_bytes(&huge);
    assert!(client.reply()[0].starts_with("ERR too-long"));
    assert!(client.ask("status")[0].starts_with("OK status"));

    client.wait_event("EVT INPUT-ENDED", Duration::from_secs(180));
    // The advisor's alerts (the narration's gunshot wound calls for antibiotics).
    let alert = client.wait_event("EVT ALERT ", Duration::from_secs(30));
    let alert_id: u32 = alert.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(
        client.ask(&format!("ack {alert_id}"))[0],
        format!("OK alert {alert_id} acknowledged")
    );
    let alerts = client.ask("alerts");
    assert!(
        alerts
            .iter()
            .any(|l| l.trim_start().starts_with(&format!("{alert_id} ack"))),
        "{alerts:?}"
    );
    assert!(client.ask("ack 99999")[0].starts_with("ERR refused"));
    let before = client.ask("card 1");
    let exported = client.ask("export");
    assert!(exported[0].starts_with("OK exported to"), "{exported:?}");
    let json = std::fs::read_to_string(state.join("record.json")).unwrap();
    assert!(json.contains("tccc.casualty-record/1"), "{json}");
    terminate(child);

    // Restarted on the same state (silence as input): the same card.
    let mut child = spawn(&state, &silence(&dir), "pty");
    let mut client = pty_client(&mut child);
    let after = client.ask("card 1");
    assert_eq!(before, after);
    // The advisor's alerts come back from the journal, acknowledged as they were.
    let restored = client.ask("alerts");
    assert_eq!(restored, alerts);
    terminate(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stdio_console_answers_and_quit_stops_the_service() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    let dir = tempdir("stdio");
    let state = dir.join("state");
    std::fs::create_dir(&state).unwrap();
    keygen(&state);
    let mut child = spawn(&state, &silence(&dir), "stdio");
    let mut client = Client {
        input: Box::new(child.stdin.take().unwrap()),
        lines: lines_of(child.stdout.take().unwrap()),
        events: Vec::new(),
        echo: false,
    };
    assert!(client.ask("help")[0].starts_with("OK commands"));
    assert!(client.ask("card 1")[0].starts_with("ERR no-casualty"));
    assert!(client.ask("say casualty two gunshot wound left thigh")[0].starts_with("OK"));
    assert!(client
        .ask("casualties")
        .iter()
        .any(|l| l.contains("casualty  2")));
    assert_eq!(client.ask("quit"), vec!["OK bye".to_owned()]);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "quit did not stop it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tccc-service-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_serial_device_console_and_systemd_notifications() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    use std::os::unix::net::UnixDatagram;
    let dir = tempdir("notify");
    let socket_path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    // The test holds the pty's master; the service gets the other end as its DEVICE.
    let pty = nix::pty::openpty(None, None).unwrap();
    let device = nix::unistd::ttyname(&pty.slave).unwrap();
    let child = Command::new(BIN)
        .args(["run", "--console"])
        .arg(&device)
        .arg("--input")
        .arg(silence(&dir))
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut buffer = [0u8; 256];
    let mut received = |socket: &UnixDatagram| {
        let n = socket.recv(&mut buffer).unwrap();
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    };
    assert_eq!(received(&socket).trim(), "READY=1");
    assert_eq!(received(&socket).trim(), "WATCHDOG=1");
    let master = std::fs::File::from(pty.master);
    let mut client = Client {
        input: Box::new(master.try_clone().unwrap()),
        lines: lines_of(master),
        events: Vec::new(),
        echo: true,
    };
    assert!(client.ask("status")[0].starts_with("OK status"));
    assert!(client.ask("say casualty one pulse one ten")[0].starts_with("OK"));
    // Line editing: a typo rubbed out with DEL, a line cancelled with Ctrl-C.
    client.send_bytes(b"purge\x03");
    assert_eq!(client.next_reply_line(Duration::from_secs(5)), "purge^C");
    client.send_bytes(b"stx\x7fatus\r");
    assert_eq!(
        client.next_reply_line(Duration::from_secs(5)),
        "stx\x08 \x08atus"
    );
    assert!(client.reply()[0].starts_with("OK status"));
    assert!(client.ask("card 1").iter().any(|l| l.contains("110")));
    // A pty or serial console's `quit` closes nothing: the service goes on.
    assert_eq!(client.ask("quit"), vec!["OK bye".to_owned()]);
    assert!(client.ask("status")[0].starts_with("OK status"));
    terminate(child);
    drop(pty.slave);
    let mut rest = Vec::new();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    while let Ok(n) = socket.recv(&mut buffer) {
        rest.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
    }
    assert!(rest.iter().any(|m| m.trim() == "STOPPING=1"), "{rest:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_mid_narration_exits_0_within_2_s_with_the_heard_utterances_journaled() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    let dir = tempdir("sigterm");
    let state = dir.join("state");
    std::fs::create_dir(&state).unwrap();
    keygen(&state);
    let mut child = spawn(&state, &narration(&dir), "stdio");
    let mut client = Client {
        input: Box::new(child.stdin.take().unwrap()),
        lines: lines_of(child.stdout.take().unwrap()),
        events: Vec::new(),
        echo: false,
    };
    let first = client.wait_event("EVT UTTERANCE ", Duration::from_secs(120));
    // The recogniser is likely on the next segment now.
    terminate(child);
    let out = Command::new(BIN)
        .args(["export", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let card = String::from_utf8_lossy(&out.stdout);
    assert!(card.contains("CASUALTY 1"), "after {first}: {card}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fake sysfs root (one zone with trip points, one INA3221 rail, /proc) and an nvpmodel
/// script that lists the Xavier NX modes, as in tests/watchdog_fake_tree.rs.
fn fake_board(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let put = |path: PathBuf, text: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let root = dir.join("root");
    let zone = root.join("sys/class/thermal/thermal_zone0");
    put(zone.join("type"), "CPU-therm\n");
    put(zone.join("temp"), "51500\n");
    put(zone.join("trip_point_0_temp"), "90000\n");
    put(zone.join("trip_point_0_type"), "passive\n");
    put(zone.join("trip_point_1_temp"), "100000\n");
    put(zone.join("trip_point_1_type"), "critical\n");
    let hwmon = root.join("sys/class/hwmon/hwmon1");
    put(hwmon.join("name"), "ina3221\n");
    put(hwmon.join("in1_label"), "VDD_IN\n");
    put(hwmon.join("in1_input"), "5080\n");
    put(hwmon.join("curr1_input"), "1000\n");
    put(
        root.join("proc/stat"),
        "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n",
    );
    put(
        root.join("proc/self/status"),
        "Name:\ttccc\nVmRSS:\t  204800 kB\n",
    );
    let state = dir.join("nvpmodel-state");
    put(
        state.join("listing"),
        include_str!("fixtures/nvpmodel/xavier-nx-p.txt"),
    );
    put(state.join("mode_id"), "2\n");
    let nvpmodel = dir.join("nvpmodel");
    let script = format!(
        "#!/bin/sh\nD='{}'\ncase \"$1\" in\n\
         -p) cat \"$D/listing\" ;;\n\
         -q) id=$(cat \"$D/mode_id\"); echo \"NV Power Mode: $(grep \"ID=$id \" \"$D/listing\" | sed 's/.*NAME=//')\"; echo \"$id\" ;;\n\
         -m) echo \"$2\" > \"$D/mode_id\" ;;\n\
         *) exit 2 ;;\nesac\n",
        state.display()
    );
    put(nvpmodel.clone(), &script);
    std::fs::set_permissions(&nvpmodel, std::fs::Permissions::from_mode(0o755)).unwrap();
    (root, nvpmodel)
}

/// `tccc run --console stdio` with `[watchdog]` from `watchdog_toml`.
fn spawn_with_watchdog(dir: &Path, watchdog_toml: &str) -> (Child, Client) {
    let config = dir.join("tccc.toml");
    std::fs::write(&config, format!("[watchdog]\n{watchdog_toml}")).unwrap();
    let mut child = Command::new(BIN)
        .args(["run", "--console", "stdio", "--config"])
        .arg(&config)
        .arg("--input")
        .arg(silence(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let client = Client {
        input: Box::new(child.stdin.take().unwrap()),
        lines: lines_of(child.stdout.take().unwrap()),
        events: Vec::new(),
        echo: false,
    };
    (child, client)
}

#[test]
fn thermal_and_power_show_the_watchdog_or_why_it_does_not_run() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    let dir = tempdir("watchdog");
    let (root, nvpmodel) = fake_board(&dir);
    let (child, mut client) = spawn_with_watchdog(
        &dir,
        &format!(
            "sysfs_root = {:?}\nnvpmodel_path = {:?}\npoll_interval_ms = 100\n",
            root.display().to_string(),
            nvpmodel.display().to_string()
        ),
    );
    let thermal = client.ask("thermal");
    assert!(thermal[0].starts_with("OK thermal"), "{thermal:?}");
    let zone = thermal
        .iter()
        .find(|l| l.starts_with("CPU-therm"))
        .unwrap_or_else(|| panic!("no zone in {thermal:?}"));
    assert!(
        zone.contains("51.5") && zone.contains("90.0") && zone.contains("100.0"),
        "{zone:?}"
    );
    assert!(thermal[1].contains("profile performance (MODE_15W_6CORE)"));
    let power = client.ask("power");
    let rail = power
        .iter()
        .find(|l| l.starts_with("VDD_IN"))
        .unwrap_or_else(|| panic!("no rail in {power:?}"));
    assert!(rail.contains("5080 mV") && rail.contains("1000 mA") && rail.contains("5.08 W"));
    let mem = client.ask("mem");
    assert!(mem[1].starts_with("rss 200.0 MiB of"), "{mem:?}");
    let status = client.ask("status");
    assert!(
        status
            .iter()
            .any(|l| l.starts_with("watchdog     profile performance, thermal normal")),
        "{status:?}"
    );
    // `top`: the dashboard of the running service (governor, sensors, pipeline).
    let top = client.ask("top");
    assert!(top[0].starts_with("OK top"), "{top:?}");
    let text = top.join("\n");
    for expected in [
        "profile performance (MODE_15W_6CORE)",
        "51.5°C",
        "VDD_IN",
        "pipeline:",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {top:?}");
    }
    assert!(top.iter().all(|l| l.chars().count() <= 80), "{top:?}");
    assert!(power
        .iter()
        .chain(&thermal)
        .all(|l| l.chars().count() <= 80));
    // The start decision is journaled and announced.
    client.wait_event("EVT POWER watchdog #1", Duration::from_secs(10));
    terminate(child);

    let (child, mut client) = spawn_with_watchdog(
        &dir,
        &format!(
            "sysfs_root = {:?}\nnvpmodel_path = \"/nonexistent/nvpmodel\"\n",
            root.display().to_string()
        ),
    );
    let thermal = client.ask("thermal");
    assert!(thermal[0].starts_with("OK thermal"), "{thermal:?}");
    assert!(
        thermal[1].starts_with("watchdog not running: `/nonexistent/nvpmodel"),
        "{thermal:?}"
    );
    assert!(client.ask("power")[1].starts_with("watchdog not running:"));
    assert!(
        thermal.iter().all(|l| l.chars().count() <= 80),
        "{thermal:?}"
    );
    assert!(
        thermal.join(" ").contains("nvpmodel is installed"),
        "{thermal:?}"
    );
    assert!(client.ask("status")[0].starts_with("OK"));
    terminate(child);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tccc run --console stdio` on `state` with silence as input.
fn stdio_service(state: &Path, dir: &Path) -> (Child, Client) {
    let mut child = spawn(state, &silence(dir), "stdio");
    let client = Client {
        input: Box::new(child.stdin.take().unwrap()),
        lines: lines_of(child.stdout.take().unwrap()),
        events: Vec::new(),
        echo: false,
    };
    (child, client)
}

#[test]
fn correct_replaces_a_fact_across_a_restart_and_purge_takes_a_typed_token() {
    let _serial = one_service_at_a_time();
    if !models_present() {
        return;
    }
    let dir = tempdir("correct-purge");
    let state = dir.join("state");
    std::fs::create_dir(&state).unwrap();
    keygen(&state);
    let (child, mut client) = stdio_service(&state, &dir);
    assert!(client.ask("say casualty one pulse one twenty")[0].starts_with("OK"));
    let events = client.ask("events");
    let line = events
        .iter()
        .find(|l| l.contains(" fact ") && l.contains("120"))
        .unwrap_or_else(|| panic!("{events:?}"));
    let id: u32 = line
        .split(" fact ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(client.ask(&format!("correct {id} pulse"))[0].starts_with("ERR usage"));
    assert!(client.ask("correct 9999 pulse 110")[0].starts_with("ERR refused"));
    let corrected = client.ask(&format!("correct {id} pulse one ten"));
    assert!(
        corrected[0].starts_with(&format!("OK fact {id} corrected by fact ")),
        "{corrected:?}"
    );
    let card = client.ask("card 1");
    assert!(card.iter().any(|l| l.contains("110")), "{card:#?}");
    assert!(!card.iter().any(|l| l.contains("120")), "{card:#?}");
    assert!(client
        .ask("events")
        .iter()
        .any(|l| l.contains(&format!("fact {id} corrected by"))));
    terminate(child);

    // Restarted: the correction is read back from the journal.
    let (child, mut client) = stdio_service(&state, &dir);
    assert_eq!(client.ask("card 1"), card);
    // Purge: a token first, used once, and only the one given.
    assert!(client.ask("purge confirm 123456")[0].starts_with("ERR refused no purge is armed"));
    let armed = client.ask("purge");
    assert!(
        armed[0].starts_with("OK purge armed: type `purge confirm "),
        "{armed:?}"
    );
    let token = armed[0]
        .split("purge confirm ")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap()
        .to_owned();
    assert!(client.ask("purge confirm nottoken")[0].starts_with("ERR refused that is not"));
    assert!(client.ask(&format!("purge confirm {token}"))[0].starts_with("ERR refused no purge"));
    let armed = client.ask("purge");
    let token = armed[0]
        .split("purge confirm ")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap()
        .to_owned();
    let purged = client.ask(&format!("purge confirm {token}"));
    assert!(
        purged[0].starts_with("OK purged: key destroyed"),
        "{purged:?}"
    );
    assert!(!state.join("journal.key").exists());
    assert!(client.ask("card 1")[0].starts_with("ERR no-casualty"));
    let status = client.ask("status");
    assert!(
        status.iter().any(|l| l.starts_with("journal      off")),
        "{status:?}"
    );
    terminate(child);
    let _ = std::fs::remove_dir_all(&dir);
}
