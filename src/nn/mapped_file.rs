//! Read-only memory maps of model files: the only `unsafe` the model loaders need.

use std::fs::File;
use std::path::Path;

/// A whole file mapped read-only into memory.
pub struct MappedFile {
    map: memmap2::Mmap,
}

impl std::fmt::Debug for MappedFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "MappedFile({} bytes)", self.map.len())
    }
}

impl MappedFile {
    /// Maps `path` read-only.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        // SAFETY: the map is read-only and private to this process. tccc never writes model
        // files, and the fetch step replaces them only by renaming a new file into place, so
        // the mapped pages cannot change underneath us while the program runs.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedFile { map })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}
