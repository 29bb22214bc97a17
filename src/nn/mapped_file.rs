//! The bytes of a model file: memory-mapped when the file lies in a folder that only the
//! model installer writes, read into memory otherwise. This is the only `unsafe` the model
//! loaders need.
//!
//! A map is only sound while nobody truncates or rewrites the file: a page cut off under a
//! live map is a SIGBUS, and a rewritten page changes bytes the loader already checked.
//! Two folders are trusted for that ([`trusted_models_dirs`]):
//! - the source tree's `models/`, which only `models/fetch` writes, replacing a file only by
//!   renaming a complete new file over the old name (the mapped inode is never written);
//! - `$TCCC_MODELS_DIR`, the deployment's model folder (the systemd unit sets it to a folder
//!   under /usr, read-only to the service through `ProtectSystem=strict`); whoever installs
//!   models there must do the same (write a new file, then rename it into place).
//!
//! A model path from the configuration can point anywhere else (a USB stick, a folder
//! another program rewrites), so such files are read instead: a copy costs memory at load,
//! not correctness.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A whole model file, mapped read-only or read into memory.
pub struct ModelFile {
    contents: Contents,
}

enum Contents {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::fmt::Debug for ModelFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.contents {
            Contents::Mapped(_) => "mapped",
            Contents::Read(_) => "read",
        };
        write!(formatter, "ModelFile({} bytes, {how})", self.bytes().len())
    }
}

/// The folder `models/fetch` fills: `models/` of the source tree this binary was built from.
pub fn fetched_models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// The folders whose files are mapped: the source tree's `models/` and `$TCCC_MODELS_DIR`
/// when set (see the module's documentation for why each is never written in place).
pub fn trusted_models_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![fetched_models_dir()];
    if let Some(dir) = std::env::var_os("TCCC_MODELS_DIR").filter(|dir| !dir.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    dirs
}

/// Whether `path`, with every link resolved, lies inside `models_dir` (also resolved).
/// False when either cannot be resolved.
pub fn is_inside(path: &Path, models_dir: &Path) -> bool {
    match (path.canonicalize(), models_dir.canonicalize()) {
        (Ok(file), Ok(dir)) => file.starts_with(dir),
        _ => false,
    }
}

impl ModelFile {
    /// Opens `path`, refusing a file longer than `bytes_max`: mapped if it lies inside one
    /// of the [`trusted_models_dirs`], read otherwise.
    pub fn open(path: &Path, bytes_max: usize) -> std::io::Result<Self> {
        Self::open_trusting(path, bytes_max, &trusted_models_dirs())
    }

    /// [`ModelFile::open`] with the trusted folders given (for tests).
    pub fn open_trusting(
        path: &Path,
        bytes_max: usize,
        trusted: &[PathBuf],
    ) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let too_long = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the file is longer than the {bytes_max} bytes allowed"),
            )
        };
        if metadata.len() > bytes_max as u64 {
            return Err(too_long());
        }
        if metadata.is_file() && trusted.iter().any(|dir| is_inside(path, dir)) {
            // SAFETY: the map is read-only and private to this process, and the file lies
            // (links resolved) inside a trusted model folder: the source tree's models/,
            // which only models/fetch writes, or $TCCC_MODELS_DIR, the deployment's folder
            // (read-only to the service). Both are written only by renaming a finished file
            // over the old name (os.replace; the installer's documented contract), so the
            // inode mapped here is never truncated or written while tccc runs: no SIGBUS,
            // no bytes changing after the loader checked them.
            let map = unsafe { memmap2::Mmap::map(&file)? };
            return Ok(ModelFile {
                contents: Contents::Mapped(map),
            });
        }
        // Anywhere else the file may change under a map; read it, bounded even if it grows
        // or is not a regular file.
        let mut bytes = Vec::with_capacity(metadata.len() as usize);
        file.take(bytes_max as u64 + 1).read_to_end(&mut bytes)?;
        if bytes.len() > bytes_max {
            return Err(too_long());
        }
        Ok(ModelFile {
            contents: Contents::Read(bytes),
        })
    }

    /// A model file already in memory (tests and fuzzing).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        ModelFile {
            contents: Contents::Read(bytes),
        }
    }

    /// Whether the file is memory-mapped (else it was read).
    pub fn is_mapped(&self) -> bool {
        matches!(self.contents, Contents::Mapped(_))
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.contents {
            Contents::Mapped(map) => map,
            Contents::Read(bytes) => bytes,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn files_under_the_fetched_models_folder_are_mapped() {
        // The manifest is a plain file inside models/ in every checkout.
        let manifest = fetched_models_dir().join("manifest.toml");
        let file = ModelFile::open(&manifest, 1 << 20).unwrap();
        assert!(file.is_mapped());
        assert_eq!(file.bytes(), std::fs::read(&manifest).unwrap());
    }

    #[test]
    fn files_elsewhere_are_read_not_mapped() {
        let dir = std::env::temp_dir().join(format!("tccc-model-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.bin");
        std::fs::write(&path, b"weights").unwrap();
        let file = ModelFile::open(&path, 1 << 20).unwrap();
        assert!(!file.is_mapped());
        assert_eq!(file.bytes(), b"weights");
        // Trusting the temporary folder maps the same file; a path that walks out of
        // models/ with `..` is not inside it.
        assert!(
            ModelFile::open_trusting(&path, 1 << 20, std::slice::from_ref(&dir))
                .unwrap()
                .is_mapped()
        );
        let escape = fetched_models_dir().join("..").join("Cargo.toml");
        assert!(!is_inside(&escape, &fetched_models_dir()));
        assert!(ModelFile::open(&path, 3).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
