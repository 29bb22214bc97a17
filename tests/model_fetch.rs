//! `models/fetch`: verifies what it unpacks, says clearly what is wrong, and is idempotent.
//! Runs a copy of the script on a manipulated manifest in a scratch folder, using the wheel
//! the main checkout already verified (no download).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::scratch;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch models/ folder with the fetch script, the given manifest, and the silero-vad
/// wheel in its cache.
fn models_folder(name: &str, manifest: &str) -> PathBuf {
    let dir = scratch(name).join("models");
    std::fs::create_dir_all(dir.join(".wheels")).unwrap();
    std::fs::copy(repo().join("models/fetch"), dir.join("fetch")).unwrap();
    std::fs::write(dir.join("manifest.toml"), manifest).unwrap();
    let wheel = "silero_vad-6.2.3-py3-none-any.whl";
    let cached = [
        repo().join("models/.wheels").join(wheel),
        std::env::var_os("TCCC_WHEEL_CACHE")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(wheel),
    ];
    let source = cached
        .iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no cached {wheel}: run models/fetch first"));
    std::fs::copy(source, dir.join(".wheels").join(wheel)).unwrap();
    dir
}

fn silero_manifest() -> String {
    let manifest = std::fs::read_to_string(repo().join("models/manifest.toml")).unwrap();
    // The silero-vad entry only: everything up to the second [[model]].
    let second = manifest.match_indices("[[model]]").nth(1).unwrap().0;
    manifest[..second].to_owned()
}

fn fetch(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new("python3")
        .arg(dir.join("fetch"))
        .args(args)
        .env_remove("TCCC_WHEEL_CACHE")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn fetch_unpacks_verifies_and_is_idempotent() {
    let dir = models_folder("fetch-good", &silero_manifest());
    let (code, text) = fetch(&dir, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(dir.join("silero-vad/silero_vad_16k.safetensors").is_file());
    let (code, text) = fetch(&dir, &[]);
    assert_eq!(code, 0);
    assert!(
        text.contains("present and verified"),
        "second run was not a no-op: {text}"
    );
    // A truncated model is found by --check and repaired by the next fetch.
    let model = dir.join("silero-vad/silero_vad_16k_op15.onnx");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let (code, text) = fetch(&dir, &["--check"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("silero-vad") && text.contains("models/fetch"),
        "{text}"
    );
    let (code, _) = fetch(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(&model).unwrap(), bytes);
}

#[test]
fn a_wrong_file_hash_is_an_error_that_names_the_file() {
    let manifest = silero_manifest().replace(
        "c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1",
        "0000000000000000000000000000000000000000000000000000000000000000",
    );
    let dir = models_folder("fetch-bad-hash", &manifest);
    let (code, text) = fetch(&dir, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("silero_vad_16k.safetensors") && text.contains("sha256"),
        "{text}"
    );
    assert!(
        !dir.join("silero-vad/silero_vad_16k.safetensors").exists(),
        "a file that failed its hash was left in place"
    );
}

#[test]
fn a_missing_member_and_an_unknown_model_are_errors() {
    let manifest = silero_manifest().replace(
        "silero_vad/data/silero_vad_16k.safetensors",
        "silero_vad/data/nothing.bin",
    );
    let dir = models_folder("fetch-missing-member", &manifest);
    let (code, text) = fetch(&dir, &[]);
    assert_eq!(code, 2);
    assert!(
        text.contains("nothing.bin") && text.contains("missing"),
        "{text}"
    );
    let (code, text) = fetch(&dir, &["no-such-model"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("no-such-model") && text.contains("silero-vad"),
        "{text}"
    );
}

/// Whisper small's registry packages hold only part of its model.bin (models/manifest.toml):
/// the real manifest entry is refused by name with its reason and skipped by `--all`, and
/// nothing of it is downloaded or unpacked.
#[test]
fn an_unusable_model_is_refused_with_its_reason_and_skipped_by_all() {
    let manifest = std::fs::read_to_string(repo().join("models/manifest.toml")).unwrap();
    let start = manifest.find("name = \"whisper-small\"").unwrap();
    let start = manifest[..start].rfind("[[model]]").unwrap();
    let end = manifest[start + 1..]
        .find("[[model]]\n")
        .map_or(manifest.len(), |i| start + 1 + i);
    let small = &manifest[start..end];
    assert!(small.contains("unusable = "), "{small}");
    let dir = models_folder("fetch-unusable", &(silero_manifest() + small));
    let (code, text) = fetch(&dir, &["whisper-small"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("whisper-small cannot be fetched") && text.contains("180 MiB"),
        "{text}"
    );
    let (code, text) = fetch(&dir, &["--all"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("skipping whisper-small"), "{text}");
    assert!(dir.join("silero-vad/silero_vad_16k.safetensors").is_file());
    assert!(!dir.join("whisper-small").exists());
    let wheels: Vec<_> = std::fs::read_dir(dir.join(".wheels"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
}
