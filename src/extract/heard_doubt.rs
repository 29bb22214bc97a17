//! The heard-text doubt data (`heard_doubt.toml`): the vital signs' words whose second
//! mention in one heard sentence marks the sentence's facts unconfirmed. Data, not code, so
//! a recogniser's spelling of a sign ("sat", "spo two") is one more word with an example.

use crate::limits::HEARD_SIGN_WORDS_MAX;
use serde::Deserialize;
use thiserror::Error;

/// The data file, embedded.
pub const HEARD_DOUBT_TOML: &str = include_str!("heard_doubt.toml");

/// The version the data must declare.
pub const HEARD_DOUBT_VERSION: &str = "heard-doubt/1";

/// Why the data cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeardDoubtError {
    #[error("heard-doubt data is not valid TOML: {0}")]
    Syntax(String),
    #[error(
        "heard-doubt data declares version {found:?}, this build reads {HEARD_DOUBT_VERSION:?}"
    )]
    Version { found: String },
    #[error("heard-doubt [two_sets]: {0}")]
    TwoSets(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TwoSetsFile {
    sign_words: Vec<String>,
    doubted: Vec<String>,
    kept: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeardDoubtFile {
    version: String,
    two_sets: TwoSetsFile,
}

/// The validated data.
#[derive(Clone, Debug, Default)]
pub struct HeardDoubt {
    pub version: String,
    /// Lower-case words, one word each.
    pub sign_words: Vec<String>,
    /// Heard sentences that name a sign twice (their facts are unconfirmed).
    pub doubted: Vec<String>,
    /// Heard sentences that do not (their facts stay as the other signals leave them).
    pub kept: Vec<String>,
}

/// The lower-case alphanumeric words of `text`, as `heard_unsure_spans` cuts them.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl HeardDoubt {
    /// Parses and validates the data.
    pub fn parse(text: &str) -> Result<HeardDoubt, HeardDoubtError> {
        let file: HeardDoubtFile =
            toml::from_str(text).map_err(|e| HeardDoubtError::Syntax(e.to_string()))?;
        if file.version != HEARD_DOUBT_VERSION {
            return Err(HeardDoubtError::Version {
                found: file.version,
            });
        }
        let problem = |p: String| Err(HeardDoubtError::TwoSets(p));
        let sets = file.two_sets;
        if sets.sign_words.is_empty() || sets.sign_words.len() > HEARD_SIGN_WORDS_MAX {
            return problem(format!(
                "{} sign words; 1 to HEARD_SIGN_WORDS_MAX ({HEARD_SIGN_WORDS_MAX}) are read",
                sets.sign_words.len()
            ));
        }
        for (k, word) in sets.sign_words.iter().enumerate() {
            let clean = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if !clean {
                return problem(format!("{word:?} is not one lower-case word"));
            }
            if sets.sign_words[..k].contains(word) {
                return problem(format!("{word:?} is listed twice"));
            }
        }
        if sets.doubted.is_empty() || sets.kept.is_empty() {
            return problem("each of doubted and kept needs an example".to_owned());
        }
        let names_a_sign_twice = |example: &str| {
            example.split(['.', '?', '!', ';']).any(|sentence| {
                let said: Vec<String> = words_of(sentence)
                    .filter(|w| sets.sign_words.contains(w))
                    .collect();
                said.iter().enumerate().any(|(k, w)| said[..k].contains(w))
            })
        };
        if let Some(example) = sets.doubted.iter().find(|e| !names_a_sign_twice(e)) {
            return problem(format!(
                "doubted example {example:?} names no sign word twice in one sentence"
            ));
        }
        if let Some(example) = sets.kept.iter().find(|e| names_a_sign_twice(e)) {
            return problem(format!(
                "kept example {example:?} names a sign word twice in one sentence"
            ));
        }
        Ok(HeardDoubt {
            version: file.version,
            sign_words: sets.sign_words,
            doubted: sets.doubted,
            kept: sets.kept,
        })
    }

    /// The embedded data, parsed and validated once per process.
    pub fn shared() -> Result<&'static HeardDoubt, &'static HeardDoubtError> {
        static SHARED: std::sync::OnceLock<Result<HeardDoubt, HeardDoubtError>> =
            std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| HeardDoubt::parse(HEARD_DOUBT_TOML))
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_is_valid() {
        let data = HeardDoubt::shared().expect("heard_doubt.toml validates");
        assert_eq!(data.version, HEARD_DOUBT_VERSION);
        assert!(data.sign_words.iter().any(|w| w == "pulse"));
        // "pain" would doubt "pain 8, fentanyl for the pain" (one set).
        assert!(!data.sign_words.iter().any(|w| w == "pain"));
    }

    #[test]
    fn bad_data_is_refused() {
        let with = |words: &str, doubted: &str, kept: &str| {
            format!(
                "version = \"{HEARD_DOUBT_VERSION}\"\n[two_sets]\nsign_words = [{words}]\n\
                 doubted = [{doubted}]\nkept = [{kept}]\n"
            )
        };
        let good = with("\"pulse\"", "\"pulse 1, pulse 2\"", "\"pulse 1. pulse 2\"");
        assert!(HeardDoubt::parse(&good).is_ok());
        for (text, why) in [
            (good.replace("heard-doubt/1", "heard-doubt/0"), "version"),
            ("version = ".to_owned(), "TOML"),
            (
                with("\"Pulse\"", "\"pulse 1, pulse 2\"", "\"x\""),
                "lower-case",
            ),
            (
                with("\"pulse\", \"pulse\"", "\"pulse 1, pulse 2\"", "\"x\""),
                "twice",
            ),
            (with("\"pulse\"", "\"pulse 1\"", "\"x\""), "doubted example"),
            (
                with("\"pulse\"", "\"pulse 1, pulse 2\"", "\"pulse, pulse\""),
                "kept example",
            ),
            (with("\"pulse\"", "", "\"x\""), "example"),
        ] {
            let error = HeardDoubt::parse(&text).expect_err(why).to_string();
            assert!(error.contains(why), "{why}: {error}");
        }
    }
}
