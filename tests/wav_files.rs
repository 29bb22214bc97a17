//! WAV reading against sox-written files of every supported encoding, and malformed files
//! that must give a clear error, never a panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Cursor;
use std::process::Command;

use common::*;
use tccc::audio::source::{AudioSource, SourceRead, WavSource};
use tccc::audio::wav::{read_header, read_wav_mono, write_wav_mono_i16, WavReader};
use tccc::audio::SampleEncoding;

fn tone(count: usize) -> Vec<f32> {
    (0..count)
        .map(|i| ((i as f32) * 0.031).sin() * 0.5)
        .collect()
}

#[test]
fn every_encoding_sox_writes_decodes_to_the_same_signal() {
    require_tool("sox");
    let dir = scratch("wav-encodings");
    let reference = dir.join("reference.wav");
    let samples = tone(22_050);
    write_wav_mono_i16(&reference, &samples, 22_050).unwrap();
    let cases: [(&[&str], SampleEncoding, usize); 7] = [
        (&["-b", "8", "-e", "unsigned"], SampleEncoding::U8, 1),
        (&["-b", "16"], SampleEncoding::I16, 1),
        (&["-b", "24"], SampleEncoding::I24, 1),
        (&["-b", "32", "-e", "signed"], SampleEncoding::I32, 1),
        (
            &["-b", "32", "-e", "floating-point"],
            SampleEncoding::F32,
            1,
        ),
        (&["-b", "16", "-c", "2"], SampleEncoding::I16, 2),
        (&["-b", "24", "-c", "6"], SampleEncoding::I24, 6),
    ];
    for (index, (arguments, encoding, channels)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{index}.wav"));
        let status = Command::new("sox")
            .arg(&reference)
            .args(*arguments)
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let (decoded, format) = read_wav_mono(&path).unwrap();
        assert_eq!(format.encoding, *encoding, "case {arguments:?}");
        assert_eq!(format.channels, *channels, "case {arguments:?}");
        assert_eq!(format.sample_rate_hz, 22_050);
        assert_eq!(decoded.len(), samples.len(), "case {arguments:?}");
        let tolerance = if *encoding == SampleEncoding::U8 {
            1.0 / 64.0
        } else {
            1.0 / 16_000.0
        };
        for (a, b) in decoded.iter().zip(&samples) {
            assert!((a - b).abs() <= tolerance, "case {arguments:?}: {a} vs {b}");
        }
    }
}

fn header(tag: u16, channels: u16, rate: u32, bits: u16, block_align: u16, data: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&tag.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn error_of(bytes: Vec<u8>) -> String {
    match WavReader::new(Cursor::new(bytes)) {
        Ok(_) => "opened".to_owned(),
        Err(error) => error.to_string(),
    }
}

#[test]
fn malformed_files_give_errors_that_say_what_is_wrong() {
    let good = header(1, 1, 16_000, 16, 2, &[0; 64]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "ends inside the RIFF header"),
        (b"RIFF\0\0\0\0WAVX".to_vec(), "not a RIFF/WAVE file"),
        (b"RIFX\0\0\0\0WAVE".to_vec(), "RIFX"),
        (good[..20].to_vec(), "ends inside"),
        (header(2, 1, 16_000, 4, 256, &[0; 64]), "compressed audio"),
        (header(1, 1, 16_000, 12, 2, &[0; 64]), "12-bit"),
        (header(1, 0, 16_000, 16, 0, &[0; 64]), "0 channels"),
        (header(1, 64, 16_000, 16, 128, &[0; 64]), "64 channels"),
        (header(1, 1, 1_000, 16, 2, &[0; 64]), "1000 Hz"),
        (header(1, 2, 16_000, 16, 2, &[0; 64]), "block align"),
        (header(3, 1, 16_000, 64, 8, &[0; 64]), "64-bit float"),
    ];
    for (bytes, expected) in cases {
        let error = error_of(bytes);
        assert!(
            error.contains(expected),
            "expected `{expected}` in: {error}"
        );
    }
    // A data chunk before the format chunk.
    let mut data_first = b"RIFF\x24\0\0\0WAVEdata\x04\0\0\0\0\0\0\0".to_vec();
    data_first.extend_from_slice(&good[12..36]);
    assert!(error_of(data_first).contains("before any `fmt `"));
    // A chunk claiming 4 GiB before the data.
    let mut huge = b"RIFF\0\0\0\0WAVEjunk\xff\xff\xff\x7f".to_vec();
    huge.extend_from_slice(&[0; 16]);
    assert!(error_of(huge).contains("bytes of chunks before"));
}

#[test]
fn a_truncated_data_chunk_delivers_what_is_there_and_says_so() {
    let data: Vec<u8> = (0..100i16).flat_map(|v| (v * 100).to_le_bytes()).collect();
    let mut bytes = header(1, 1, 16_000, 16, 2, &data);
    // Promise 1000 bytes, hold 200, and end mid-sample.
    bytes[40..44].copy_from_slice(&1000u32.to_le_bytes());
    bytes.push(7);
    let mut source = WavSource::from_reader(Cursor::new(bytes), "cut.wav").unwrap();
    let mut out = vec![0f32; 4096];
    let mut total = 0;
    while let SourceRead::Frames(count) = source.read_mono(&mut out).unwrap() {
        total += count;
    }
    assert_eq!(total, 100);
    let warning = source.final_warning().unwrap();
    assert!(
        warning.contains("cut.wav") && warning.contains("truncated"),
        "{warning}"
    );
}

#[test]
fn streamed_wavs_with_open_size_read_to_the_end() {
    let data: Vec<u8> = (0..50i16).flat_map(|v| v.to_le_bytes()).collect();
    let mut bytes = header(1, 1, 16_000, 16, 2, &data);
    bytes[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    let header = read_header(&mut Cursor::new(&bytes)).unwrap();
    assert_eq!(header.data_bytes, None);
    let mut reader = WavReader::new(Cursor::new(bytes)).unwrap();
    let mut out = vec![0f32; 4096];
    assert_eq!(reader.read_mono(&mut out).unwrap(), 50);
    assert_eq!(reader.read_mono(&mut out).unwrap(), 0);
    assert!(!reader.was_truncated());
}

#[test]
fn extensible_format_is_read() {
    require_tool("sox");
    let dir = scratch("wav-extensible");
    let reference = dir.join("reference.wav");
    write_wav_mono_i16(&reference, &tone(1_000), 16_000).unwrap();
    // sox writes WAVE_FORMAT_EXTENSIBLE for more than two channels or more than 16 bits.
    let path = dir.join("extensible.wav");
    assert!(Command::new("sox")
        .arg(&reference)
        .args(["-b", "24", "-c", "4"])
        .arg(&path)
        .status()
        .unwrap()
        .success());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[20], bytes[21]]),
        0xFFFE,
        "sox did not write an extensible header"
    );
    let (decoded, format) = read_wav_mono(&path).unwrap();
    assert_eq!(format.channels, 4);
    assert_eq!(decoded.len(), 1_000);
}
