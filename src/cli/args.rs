//! A small command-line reader: `--flag`, `--key VALUE` and `--key=VALUE`, with errors that
//! name the option. Every subcommand lists the options it takes, so a typo is an error.

use super::CliError;

/// The options of one subcommand invocation.
#[derive(Debug, Default)]
pub struct Options {
    pairs: Vec<(String, Option<String>)>,
}

impl Options {
    /// Parses `args`; `valued` lists the options that take a value, `flags` those that don't.
    pub fn parse(args: &[String], valued: &[&str], flags: &[&str]) -> Result<Self, CliError> {
        let mut pairs = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            if valued.contains(&name) {
                let value = match inline {
                    Some(value) => value,
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| CliError::Usage(format!("option {name} needs a value")))?,
                };
                pairs.push((name.to_owned(), Some(value)));
            } else if flags.contains(&name) && inline.is_none() {
                pairs.push((name.to_owned(), None));
            } else {
                let mut known: Vec<&str> = valued.iter().chain(flags.iter()).copied().collect();
                known.sort_unstable();
                return Err(CliError::Usage(format!(
                    "unexpected argument `{arg}`; this command takes: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(Options { pairs })
    }

    /// The value of `name`, if given (the last one wins).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.as_deref())
    }

    /// Whether the flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| key == name)
    }

    /// The value of `name` parsed as a number.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        self.value(name)
            .map(|text| {
                text.parse::<T>().map_err(|_| {
                    CliError::Usage(format!("option {name}: `{text}` is not a valid number"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_values_flags_and_inline_values() {
        let options = Options::parse(
            &strings(&["--input", "a.wav", "--json", "--rate=8000"]),
            &["--input", "--rate"],
            &["--json"],
        )
        .unwrap();
        assert_eq!(options.value("--input"), Some("a.wav"));
        assert!(options.flag("--json"));
        assert_eq!(options.number::<u32>("--rate").unwrap(), Some(8000));
    }

    #[test]
    fn unknown_options_and_missing_values_are_errors() {
        assert!(Options::parse(&strings(&["--inptu", "a"]), &["--input"], &[]).is_err());
        assert!(Options::parse(&strings(&["--input"]), &["--input"], &[]).is_err());
        assert!(Options::parse(&strings(&["--json=1"]), &[], &["--json"]).is_err());
        let options = Options::parse(&strings(&["--rate", "fast"]), &["--rate"], &[]).unwrap();
        assert!(options.number::<u32>("--rate").is_err());
    }
}
