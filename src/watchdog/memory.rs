//! Resident memory per component against the budgets in `limits`: the model files by their
//! mappings (`proc/self/smaps`: the resident pages of every mapping whose path lies under a
//! component's folder or file, as `nn::mapped_file` maps them), the heap and stacks
//! (`RssAnon` of `proc/self/status`), and the process as a whole (`VmRSS`).
//!
//! Walking `smaps` costs the kernel a page-table walk per mapping, so it is read at start
//! and then every `WATCHDOG_MEMORY_CHECK_INTERVAL_MS`, streamed through one fixed buffer
//! (no allocation after `MemoryWatch::new`).

use std::fs::File;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::limits::{
    ANON_RSS_BUDGET_BYTES, ASR_MODEL_RSS_BUDGET_BYTES, MODELS_OTHER_RSS_BUDGET_BYTES,
    VAD_MODEL_RSS_BUDGET_BYTES, WATCHDOG_MEMORY_COMPONENTS_MAX, WATCHDOG_NAME_BYTES_MAX,
    WATCHDOG_PROCFS_READ_BYTES_MAX,
};

/// A component's name (the sensors' `Name` type: same capacity).
pub type Name = heapless::String<WATCHDOG_NAME_BYTES_MAX>;

fn name_of(text: &str) -> Name {
    let mut name = Name::new();
    for c in text.chars() {
        if name.push(c).is_err() {
            break;
        }
    }
    name
}

/// A part of the process whose resident memory has its own budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryComponent {
    /// Its name in `status`, `top` and alerts (`asr-model`, `heap`, …).
    pub name: &'static str,
    /// What it holds: mapped files under a path, or the anonymous memory.
    pub source: ComponentSource,
    /// Its budget (a `limits` constant).
    pub budget_bytes: u64,
}

/// Where a component's pages are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentSource {
    /// Mappings of files at or under this path (made canonical by [`MemoryWatch::new`]).
    Files(PathBuf),
    /// Anonymous memory: heap, stacks, the decoded weights (`RssAnon`).
    Anonymous,
}

/// One component as last measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentMemory {
    /// Its name.
    pub name: Name,
    /// Resident bytes.
    pub rss_bytes: u64,
    /// Its budget.
    pub budget_bytes: u64,
}

impl ComponentMemory {
    /// Whether it is over its budget.
    pub fn over(&self) -> bool {
        self.rss_bytes > self.budget_bytes
    }
}

/// The components of a service started with `config`: the Whisper model folder, the VAD
/// weights, the rest of the models folder (the LLM), the heap. A model that cannot be found
/// is left out (the pipeline would not have started).
pub fn components_of(config: &Config) -> Vec<MemoryComponent> {
    let mut components = Vec::new();
    let mut files = |name: &'static str, path: Option<PathBuf>, budget_bytes: u64| {
        if let Some(path) = path {
            components.push(MemoryComponent {
                name,
                source: ComponentSource::Files(path),
                budget_bytes,
            });
        }
    };
    files(
        "asr-model",
        config.asr_model_dir().ok(),
        ASR_MODEL_RSS_BUDGET_BYTES,
    );
    files(
        "vad-model",
        config.vad_weights_path().ok(),
        VAD_MODEL_RSS_BUDGET_BYTES,
    );
    files(
        "other-models",
        config.models_dir().ok(),
        MODELS_OTHER_RSS_BUDGET_BYTES,
    );
    components.push(MemoryComponent {
        name: "heap",
        source: ComponentSource::Anonymous,
        budget_bytes: ANON_RSS_BUDGET_BYTES,
    });
    components
}

/// Reads the components' resident memory without allocating.
#[derive(Debug)]
pub struct MemoryWatch {
    smaps: Option<File>,
    status: Option<File>,
    /// Per component: the path prefix its mappings have (`None`: anonymous).
    prefixes: heapless::Vec<Option<Vec<u8>>, WATCHDOG_MEMORY_COMPONENTS_MAX>,
    buf: Box<[u8; WATCHDOG_PROCFS_READ_BYTES_MAX]>,
}

impl MemoryWatch {
    /// Opens `proc/self/smaps` and `proc/self/status` under `root` for `components` (the
    /// first `WATCHDOG_MEMORY_COMPONENTS_MAX`; a file counts for the first component whose
    /// path holds it) and sizes `out` to them.
    pub fn new(
        root: &Path,
        components: &[MemoryComponent],
        out: &mut heapless::Vec<ComponentMemory, WATCHDOG_MEMORY_COMPONENTS_MAX>,
    ) -> MemoryWatch {
        let mut prefixes = heapless::Vec::new();
        out.clear();
        for component in components.iter().take(WATCHDOG_MEMORY_COMPONENTS_MAX) {
            let prefix = match &component.source {
                ComponentSource::Files(path) => {
                    let path = path.canonicalize().unwrap_or_else(|_| path.clone());
                    Some(path.as_os_str().as_bytes().to_vec())
                }
                ComponentSource::Anonymous => None,
            };
            let _ = prefixes.push(prefix);
            let _ = out.push(ComponentMemory {
                name: name_of(component.name),
                rss_bytes: 0,
                budget_bytes: component.budget_bytes,
            });
        }
        MemoryWatch {
            smaps: File::open(root.join("proc/self/smaps")).ok(),
            status: File::open(root.join("proc/self/status")).ok(),
            prefixes,
            buf: Box::new([0u8; WATCHDOG_PROCFS_READ_BYTES_MAX]),
        }
    }

    /// Measures every component into `out` (sized by `new`). Allocates nothing.
    pub fn measure(&mut self, out: &mut [ComponentMemory]) {
        for component in out.iter_mut() {
            component.rss_bytes = 0;
        }
        if self.prefixes.iter().any(Option::is_none) {
            let anon_kb = self.status.as_ref().and_then(|status| {
                let n = status.read_at(&mut self.buf[..], 0).ok()?;
                status_kb(std::str::from_utf8(&self.buf[..n]).ok()?, "RssAnon:")
            });
            for (prefix, component) in self.prefixes.iter().zip(out.iter_mut()) {
                if prefix.is_none() {
                    component.rss_bytes = anon_kb.unwrap_or(0) * 1024;
                }
            }
        }
        if let Some(smaps) = &self.smaps {
            let prefixes = &self.prefixes;
            let mut current: Option<usize> = None;
            stream_lines(smaps, &mut self.buf[..], |line| {
                if is_mapping_header(line) {
                    current = mapping_path(line).and_then(|path| {
                        prefixes
                            .iter()
                            .position(|p| p.as_deref().is_some_and(|prefix| under(path, prefix)))
                    });
                } else if let (Some(i), Some(rest)) = (current, line.strip_prefix(b"Rss:")) {
                    if let (Some(component), Some(kb)) = (out.get_mut(i), kb_value(rest)) {
                        component.rss_bytes += kb * 1024;
                    }
                }
            });
        }
    }
}

/// Whether `path` is `prefix` or lies under it.
fn under(path: &[u8], prefix: &[u8]) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest[0] == b'/' || prefix.ends_with(b"/"))
}

/// Calls `each` for every line of `file`, read from offset 0 through `buf`; a line longer
/// than `buf` is skipped.
fn stream_lines(file: &File, buf: &mut [u8], mut each: impl FnMut(&[u8])) {
    let (mut offset, mut kept, mut skipping) = (0u64, 0usize, false);
    loop {
        let Ok(n) = file.read_at(&mut buf[kept..], offset) else {
            return;
        };
        offset += n as u64;
        let end = kept + n;
        let mut start = 0;
        while let Some(newline) = buf[start..end].iter().position(|&b| b == b'\n') {
            if !skipping {
                each(&buf[start..start + newline]);
            }
            skipping = false;
            start += newline + 1;
        }
        if n == 0 {
            if start < end && !skipping {
                each(&buf[start..end]);
            }
            return;
        }
        if start == 0 && end == buf.len() {
            // One line fills the buffer: drop it up to its newline.
            skipping = true;
            kept = 0;
        } else {
            buf.copy_within(start..end, 0);
            kept = end - start;
        }
    }
}

/// `7f00-7f10 r--p …`: the first word is two hex addresses.
fn is_mapping_header(line: &[u8]) -> bool {
    let word = line.split(|&b| b == b' ').next().unwrap_or(b"");
    word.contains(&b'-') && word.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-')
}

/// The path of a mapping header (after address, perms, offset, device and inode).
fn mapping_path(line: &[u8]) -> Option<&[u8]> {
    let mut rest = line;
    for _ in 0..5 {
        let trimmed = rest.iter().position(|&b| b != b' ')?;
        rest = &rest[trimmed..];
        let field_end = rest.iter().position(|&b| b == b' ')?;
        rest = &rest[field_end..];
    }
    let start = rest.iter().position(|&b| b != b' ')?;
    let path = &rest[start..];
    (path.first() == Some(&b'/')).then_some(path)
}

fn kb_value(rest: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(rest).ok()?;
    text.split_ascii_whitespace().next()?.parse().ok()
}

/// A `kB` field of `/proc/self/status` (`key` with its colon).
pub fn status_kb(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smaps_lines_are_told_apart_and_paths_matched_by_folder() {
        assert!(is_mapping_header(
            b"7f3a00000000-7f3a00100000 r--s 00000000 08:01 1234   /m/whisper/model.bin"
        ));
        assert!(!is_mapping_header(b"AnonHugePages:         0 kB"));
        assert!(!is_mapping_header(b"Rss:                 12 kB"));
        assert_eq!(
            mapping_path(b"7f-80 r--s 00000000 08:01 1234    /m/w x/model.bin"),
            Some(&b"/m/w x/model.bin"[..])
        );
        assert_eq!(mapping_path(b"7f-80 rw-p 00000000 00:00 0 "), None);
        assert_eq!(mapping_path(b"7f-80 rw-p 00000000 00:00 0   [heap]"), None);
        assert!(under(b"/m/whisper/model.bin", b"/m/whisper"));
        assert!(under(b"/m/vad.onnx", b"/m/vad.onnx"));
        assert!(!under(b"/m/whisper-base/model.bin", b"/m/whisper"));
    }

    #[test]
    fn lines_longer_than_the_buffer_are_skipped_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("tccc-smaps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or(());
        let path = dir.join("lines");
        let long = "x".repeat(100);
        std::fs::write(&path, format!("a\n{long}\nbb\nccc")).unwrap_or(());
        let Ok(file) = File::open(&path) else {
            return;
        };
        let mut lines = Vec::new();
        stream_lines(&file, &mut [0u8; 16], |l| lines.push(l.to_vec()));
        assert_eq!(lines, [b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
