//! Reading outside files whole, with a bound. A size from `metadata` is not enough: a FIFO,
//! a character device (`/dev/zero`) or a file that grows while it is read reports a small
//! or zero length and then never ends. These readers stop one byte past the bound instead.

use std::io::Read;
use std::path::Path;

/// Reads the whole file at `path`, refusing one longer than `bytes_max` bytes (an
/// `InvalidData` error that says so).
pub fn read_bounded(path: &Path, bytes_max: usize) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let hint = file
        .metadata()
        .map(|metadata| metadata.len())
        .unwrap_or(0)
        .min(bytes_max as u64) as usize;
    let mut bytes = Vec::with_capacity(hint);
    file.take(bytes_max as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > bytes_max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file is longer than the {bytes_max} bytes accepted (is it the right file?)"
            ),
        ));
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text; bytes that are not UTF-8 are an `InvalidData` error
/// naming the offset of the first bad byte.
pub fn read_text_bounded(path: &Path, bytes_max: usize) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, bytes_max)?).map_err(|error| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (bad byte at offset {}); save it as UTF-8",
                error.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn endless_and_oversized_inputs_stop_at_the_bound() {
        let error = read_bounded(Path::new("/dev/zero"), 1000).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("1000"), "{error}");
        let dir = std::env::temp_dir().join(format!("tccc-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("text.txt");
        std::fs::write(&path, "pulse 80\n").unwrap();
        assert_eq!(read_text_bounded(&path, 9).unwrap(), "pulse 80\n");
        assert!(read_text_bounded(&path, 8).is_err());
        std::fs::write(&path, [b'a', 0xff]).unwrap();
        assert!(read_text_bounded(&path, 100)
            .unwrap_err()
            .to_string()
            .contains("offset 1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
