//! The journal key in the Linux kernel keyring (`--key keyring:NAME`): keygen adds it to the
//! user keyring (never replacing one), process and export use it, a missing one is a clear
//! error naming the fix, purge invalidates it. Where the keyring is unavailable (a seccomp
//! filter that refuses keyctl) the test says it was skipped and why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ffi::OsStr;
use std::process::{Command, Output};

use common::scratch;

fn tccc(args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tccc"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_key_in_the_kernel_keyring_seals_and_opens_the_journal_and_purge_destroys_it() {
    let name = format!("tccc-test-{}", std::process::id());
    let probe = format!("{name}-probe");
    match tccc::sys::keyring::add(&probe, b"probe") {
        Ok(serial) => {
            let _ = tccc::sys::keyring::invalidate(serial);
        }
        Err(error) => {
            eprintln!(
                "test a_key_in_the_kernel_keyring_seals_and_opens_the_journal_and_purge_destroys_it ... skipped: the kernel keyring is not available here ({error})"
            );
            return;
        }
    }
    let dir = scratch("journal-keyring");
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let transcript = dir.join("n.txt");
    std::fs::write(
        &transcript,
        "casualty one tourniquet left leg at zero nine fifteen\npulse one twenty\n",
    )
    .unwrap();
    let key = format!("keyring:{name}");
    let key = OsStr::new(&key);

    let out = tccc(&["keygen".as_ref(), "--key".as_ref(), key]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("keyring"),
        "{}",
        text(&out.stdout)
    );
    assert!(!state.join("journal.key").exists());
    // Never replaced.
    let out = tccc(&["keygen".as_ref(), "--key".as_ref(), key]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );

    let out = tccc(&[
        "process".as_ref(),
        "--transcript".as_ref(),
        transcript.as_os_str(),
        "--state".as_ref(),
        state.as_os_str(),
        "--key".as_ref(),
        key,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = dir.join("record.json");
    let out = tccc(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--key".as_ref(),
        key,
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let record = std::fs::read_to_string(&json).unwrap();
    assert!(
        record.contains("\"tourniquets\"") && record.contains("\"09:15\""),
        "{record}"
    );

    // The key file it is not: without --key the state directory has none.
    let out = tccc(&["export".as_ref(), "--state".as_ref(), state.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    // A name the keyring lacks: a clear error naming the fix.
    let missing = format!("keyring:{name}-absent");
    let out = tccc(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--key".as_ref(),
        missing.as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let error = text(&out.stderr);
    assert!(
        error.contains("no key")
            && error.contains("kernel keyring")
            && error.contains("tccc keygen --key keyring:"),
        "{error}"
    );

    let out = tccc(&[
        "purge".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--key".as_ref(),
        key,
        "--yes".as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(matches!(
        tccc::journal::JournalKey::load_keyring(&name),
        Err(tccc::journal::JournalError::KeyringMissing(_))
    ));
    let out = tccc(&[
        "export".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
        "--key".as_ref(),
        key,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
