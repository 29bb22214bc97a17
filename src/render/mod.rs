//! Renderers of the record: the DD 1380 card as 80-column text, the MIST and ATMIST
//! handovers, and the MEDEVAC 9-line. Renderers only read the record; they never add a
//! fact. What was not said prints as "not stated".

pub mod card;
pub mod handover;
pub mod nine_line;

use crate::limits::CARD_COLUMNS_MAX;

/// What a renderer prints for a value nobody said.
pub const NOT_STATED: &str = "not stated";

/// Appends `text` to `out` as lines of at most `CARD_COLUMNS_MAX` columns: the first line
/// starts with `first_prefix`, continuation lines with `next_prefix`. Words longer than a
/// line are cut.
pub(crate) fn wrap_into(out: &mut String, first_prefix: &str, next_prefix: &str, text: &str) {
    let mut line = String::from(first_prefix);
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let width = line.chars().count();
        let word_width = word.chars().count();
        if line_has_word && width + 1 + word_width > CARD_COLUMNS_MAX {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(next_prefix);
            line_has_word = false;
        }
        if line_has_word {
            line.push(' ');
        }
        let room = CARD_COLUMNS_MAX.saturating_sub(line.chars().count());
        line.extend(word.chars().take(room.max(1)));
        line_has_word = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A region or limb name for people ("right_arm" → "right arm").
pub(crate) fn human(text: &str) -> String {
    text.replace('_', " ")
}

/// One change to the record as a line for people: `>` casualty switch, `+` asserted,
/// `~` corrected, `-` withdrawn (what `--changes` and the demo print).
pub fn describe_change(change: &crate::extract::Change) -> String {
    use crate::extract::Change;
    match change {
        Change::Switched(casualty) => format!("> casualty {casualty}"),
        Change::Asserted(casualty, fact) => format!("+ casualty {casualty}: {fact}"),
        Change::Corrected {
            casualty,
            old,
            new: Some(new),
        } => format!("~ casualty {casualty}: {old} -> {new}"),
        Change::Corrected {
            casualty,
            old,
            new: None,
        } => format!("- casualty {casualty}: {old} withdrawn"),
    }
}
