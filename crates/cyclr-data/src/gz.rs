//! Transparent gzip decompression.

use std::io::Read;

use flate2::read::GzDecoder;

use crate::DataError;

/// Largest decompressed size [`maybe_gunzip`] will produce (1 GiB).
///
/// The biggest file this crate reads, the MNIST training images, is 47 MB; the cap only
/// exists so that a corrupt or hostile gzip stream cannot exhaust memory.
pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 30;

/// The two magic bytes every gzip stream starts with.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Returns `bytes` decompressed if they start with the gzip magic, or a copy of them
/// otherwise. `what` names the source in error messages.
///
/// Only the first gzip member is read (that is what `gzip` writes for a single file).
///
/// # Errors
/// [`DataError::Gzip`] ("truncated or corrupt gzip stream") if the stream is cut short,
/// its CRC or length check fails, or it is otherwise malformed;
/// [`DataError::TooLarge`] if it decompresses to more than [`MAX_DECOMPRESSED_BYTES`].
pub fn maybe_gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    // Read one byte past the limit to tell "exactly at the limit" from "over it".
    GzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip {
            what: what.to_owned(),
            source,
        })?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(DataError::TooLarge {
            what: what.to_owned(),
            limit: MAX_DECOMPRESSED_BYTES,
        });
    }
    Ok(out)
}
