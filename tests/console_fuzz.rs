//! The console's line protocol under random input, in the stable style of
//! `tests/fuzz_harness.rs`: at least 10^5 structure-aware lines (real verbs with wrong,
//! huge, missing or extra arguments, control characters, invalid UTF-8, over-long lines)
//! go through framing, parsing and the console; every line gets exactly one reply head
//! (`OK`/`ERR`, blank lines none) and nothing panics. A second test checks that framing
//! does not depend on how the bytes are chunked. `TCCC_FUZZ_ITERATIONS` sets the count.
#![allow(clippy::unwrap_used)]

use std::sync::mpsc;
use std::sync::Arc;

use tccc::analysis::{Action, Published, Request};
use tccc::console::protocol::{body_lines, Frame, Framer};
use tccc::console::{After, Console};
use tccc::limits::CONSOLE_LINE_BYTES_MAX;

fn iterations() -> usize {
    std::env::var("TCCC_FUZZ_ITERATIONS")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100_000)
}

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

const VERBS: &[&str] = &[
    "help",
    "status",
    "casualties",
    "card",
    "mist",
    "atmist",
    "nine-line",
    "events",
    "say",
    "confirm",
    "reject",
    "alerts",
    "ack",
    "casualty",
    "mem",
    "thermal",
    "power",
    "log",
    "json",
    "export",
    "quit",
    "exit",
    "CARD",
    "frob",
    "",
];
const ARGS: &[&str] = &[
    "1",
    "0",
    "255",
    "256",
    "-1",
    "99999999999999999999",
    "x",
    "1 2",
    "casualty one tourniquet left leg",
    "\u{7}",
    "é",
    "  ",
    "on",
    "off",
];

/// One structure-aware line (without its terminator).
fn line(random: &mut Random) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(VERBS[random.below(VERBS.len())].as_bytes());
    for _ in 0..random.below(3) {
        bytes.push(b' ');
        bytes.extend_from_slice(ARGS[random.below(ARGS.len())].as_bytes());
    }
    match random.below(10) {
        0 => {
            let at = random.below(bytes.len() + 1);
            bytes.insert(at, random.next() as u8);
        }
        1 => bytes.extend((0..random.below(64)).map(|_| random.next() as u8)),
        2 if random.below(50) == 0 => bytes.extend(std::iter::repeat_n(
            b'a',
            CONSOLE_LINE_BYTES_MAX + random.below(9),
        )),
        _ => {}
    }
    bytes.retain(|&b| b != b'\n' && b != b'\r');
    bytes
}

/// A stand-in analysis thread: answers every request.
fn responder() -> (mpsc::SyncSender<Request>, std::thread::JoinHandle<()>) {
    let (requests, incoming) = mpsc::sync_channel::<Request>(16);
    let thread = std::thread::spawn(move || {
        while let Ok(request) = incoming.recv() {
            let answer = match request.action {
                Action::Confirm(id) | Action::Reject(id) if id > 5 => Err(format!("no fact {id}")),
                _ => Ok(String::new()),
            };
            let _ = request.reply.try_send(answer);
        }
    });
    (requests, thread)
}

#[test]
fn random_lines_each_get_one_reply_and_never_stop_the_console() {
    let (requests, thread) = responder();
    let console_requests = requests.clone();
    let mut console = Console::new(requests, Arc::new(Published::default()));
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut framer = Framer::new();
    let mut replies = Vec::new();
    for iteration in 0..iterations() {
        if iteration % 1000 == 999 {
            // A fresh console keeps the rate limit out of the way (it is tested below).
            let requests = console_requests.clone();
            console = Console::new(requests, Arc::new(Published::default()));
        }
        let mut bytes = line(&mut random);
        bytes.push(b'\n');
        let mut frames = Vec::new();
        framer.push(&bytes, |frame| frames.push(frame));
        assert_eq!(frames.len(), 1);
        let blank = matches!(&frames[0], Frame::Line(text) if text.trim().is_empty());
        replies.clear();
        let after = console.handle(frames.remove(0), &mut replies);
        if blank {
            assert!(replies.is_empty(), "{replies:?}");
            continue;
        }
        let head = &replies[0];
        if console.json() || head == "OK json off" {
            assert_eq!(replies.len(), 1, "{replies:?}");
            if head.starts_with('{') {
                let value: serde_json::Value = serde_json::from_str(head).unwrap();
                assert!(value["ok"].is_boolean(), "{head}");
            }
            continue;
        }
        assert!(head.starts_with("OK") || head.starts_with("ERR "), "{head}");
        assert_eq!(replies.len(), 1 + body_lines(head), "{replies:?}");
        assert!(replies.iter().all(|l| !l.contains('\n')));
        if after == After::Quit {
            assert_eq!(head, "OK bye");
        }
    }
    drop(console);
    drop(console_requests);
    thread.join().unwrap();
}

#[test]
fn a_flood_is_refused_at_the_rate_limit_and_the_console_goes_on() {
    let (requests, thread) = responder();
    let mut console = Console::new(requests, Arc::new(Published::default()));
    let mut replies = Vec::new();
    let mut refused = 0;
    for _ in 0..(tccc::limits::CONSOLE_LINES_BURST_MAX + 500) {
        replies.clear();
        console.handle(Frame::Line("status".to_owned()), &mut replies);
        if replies[0].starts_with("ERR rate ") {
            refused += 1;
        }
    }
    assert!(refused >= 400, "{refused}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    replies.clear();
    console.handle(Frame::Line("status".to_owned()), &mut replies);
    assert!(replies[0].starts_with("OK status"), "{replies:?}");
    drop(console);
    thread.join().unwrap();
}

#[test]
fn framing_does_not_depend_on_chunking() {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    for _ in 0..(iterations() / 100).max(100) {
        let mut stream = Vec::new();
        for _ in 0..random.below(20) {
            stream.extend(line(&mut random));
            stream.push([b'\n', b'\r'][random.below(2)]);
            if random.below(4) == 0 {
                stream.extend((0..random.below(40)).map(|_| random.next() as u8));
            }
        }
        let mut whole = Vec::new();
        Framer::new().push(&stream, |f| whole.push(f));
        let mut chunked = Vec::new();
        let mut framer = Framer::new();
        let mut at = 0;
        while at < stream.len() {
            let end = (at + 1 + random.below(97)).min(stream.len());
            framer.push(&stream[at..end], |f| chunked.push(f));
            at = end;
        }
        assert_eq!(whole, chunked);
    }
}
