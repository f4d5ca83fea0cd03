//! Crash-safe checkpoint files: named byte sections, a CRC-32, atomic replacement.
//!
//! # Format (`ckpt-<iteration, 12 digits>.cyclr`)
//!
//! ```text
//! magic    8 bytes  "CYCLRCKP"
//! version  u32 LE   1
//! count    u32 LE   number of sections
//! count × { name_len u16 LE, name (UTF-8), len u64 LE, bytes }
//! crc32    u32 LE   CRC-32 (IEEE) of every byte before it
//! ```
//!
//! A file is written atomically ([`fsio`](crate::fsio): a hidden temporary name in the same
//! directory, `fsync`, rename over its final name, `fsync` of the directory), so a crash leaves
//! either the previous file or the complete new one. A truncated, partial or corrupted file fails the length checks or the
//! CRC and is skipped by [`latest_valid`], which falls back to the previous checkpoint; the
//! [`KEEP`] most recent checkpoints are kept for that reason.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CYCLRCKP";
const VERSION: u32 = 1;
const PREFIX: &str = "ckpt-";
const SUFFIX: &str = ".cyclr";

/// How many checkpoints [`write()`] keeps (older ones are deleted after a successful write).
pub const KEEP: usize = 2;

/// Why a checkpoint file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Wrong magic, version, lengths or CRC.
    #[error("{path}: corrupt checkpoint ({why})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

/// CRC-32 (IEEE 802.3, as zlib/PNG), by flate2.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(bytes);
    c.sum()
}

/// The file name of the checkpoint taken after `iteration` steps.
pub fn file_name(iteration: u64) -> String {
    format!("{PREFIX}{iteration:012}{SUFFIX}")
}

fn parse_name(name: &str) -> Option<u64> {
    name.strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

/// Serializes `sections` into the checkpoint format.
pub fn encode(sections: &[(&str, &[u8])]) -> Vec<u8> {
    let total: usize = sections
        .iter()
        .map(|(n, b)| 2 + n.len() + 8 + b.len())
        .sum();
    let mut out = Vec::with_capacity(16 + total + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (name, bytes) in sections {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Parses and verifies a checkpoint; the sections in file order.
pub fn decode(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    if bytes.len() < 20 {
        return Err(format!("{} bytes, too short", bytes.len()));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
    let actual = crc32(body);
    if stored != actual {
        return Err(format!(
            "CRC mismatch: stored {stored:08x}, computed {actual:08x}"
        ));
    }
    if &body[..8] != MAGIC {
        return Err("not a cyclr checkpoint (bad magic)".into());
    }
    let version = u32::from_le_bytes(body[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(format!("unsupported version {version}"));
    }
    let count = u32::from_le_bytes(body[12..16].try_into().expect("4 bytes"));
    let mut rest = &body[16..];
    let mut take = |n: usize| -> Result<&[u8], String> {
        if rest.len() < n {
            return Err("truncated section".into());
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let mut sections = Vec::new();
    for _ in 0..count {
        let name_len = u16::from_le_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
        let name = String::from_utf8(take(name_len)?.to_vec()).map_err(|_| "bad section name")?;
        let len = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        let len = usize::try_from(len).map_err(|_| "section too large")?;
        sections.push((name, take(len)?.to_vec()));
    }
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes", rest.len()));
    }
    Ok(sections)
}

/// Writes the checkpoint of `iteration` into `dir` atomically (see the
/// [module documentation](self)), then deletes all but the [`KEEP`] most recent checkpoints.
pub fn write(dir: &Path, iteration: u64, sections: &[(&str, &[u8])]) -> io::Result<PathBuf> {
    let final_path = dir.join(file_name(iteration));
    crate::fsio::write_bytes_atomic(&final_path, &encode(sections))?;
    let all = list(dir)?;
    if all.len() > KEEP {
        for (_, old) in &all[KEEP..] {
            let _ = fs::remove_file(old);
        }
    }
    Ok(final_path)
}

/// `true` for `.ckpt-<iteration>.cyclr.tmp`, the temporary name earlier versions wrote a
/// checkpoint under (today's is [`fsio::temp_path`](crate::fsio::temp_path)'s); removed with
/// every other stale temporary file by [`fsio::remove_stale_temps`](crate::fsio::remove_stale_temps).
pub(crate) fn is_legacy_temp_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .and_then(parse_name)
        .is_some()
}

/// The checkpoints in `dir`, newest (highest iteration) first. A missing directory has none.
pub fn list(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        if let Some(it) = entry.file_name().to_str().and_then(parse_name) {
            out.push((it, entry.path()));
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.0));
    Ok(out)
}

/// Reads and verifies one checkpoint file.
pub fn read(path: &Path) -> Result<Vec<(String, Vec<u8>)>, CheckpointError> {
    let bytes = fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    })?;
    decode(&bytes).map_err(|why| CheckpointError::Corrupt {
        path: path.to_owned(),
        why,
    })
}

/// What [`latest_valid`] found: the newest accepted checkpoint (iteration, value), if any, and
/// the files it skipped with why.
pub type Found<T> = (Option<(u64, T)>, Vec<CheckpointError>);

/// The newest checkpoint in `dir` that `accept` takes (it is given the verified sections and may
/// reject them, e.g. when they do not parse), with the files skipped on the way and why.
pub fn latest_valid<T>(
    dir: &Path,
    mut accept: impl FnMut(u64, Vec<(String, Vec<u8>)>) -> Result<T, String>,
) -> io::Result<Found<T>> {
    let mut skipped = Vec::new();
    for (it, path) in list(dir)? {
        match read(&path) {
            Ok(sections) => match accept(it, sections) {
                Ok(v) => return Ok((Some((it, v)), skipped)),
                Err(why) => skipped.push(CheckpointError::Corrupt { path, why }),
            },
            Err(e) => skipped.push(e),
        }
    }
    Ok((None, skipped))
}

/// The bytes of section `name`, if present.
pub fn section<'a>(sections: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    sections
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn round_trip_and_corruption_detected() {
        let bytes = encode(&[("a", b"hello"), ("bb", &[0u8; 1000])]);
        let s = decode(&bytes).unwrap();
        assert_eq!(section(&s, "a"), Some(&b"hello"[..]));
        assert_eq!(section(&s, "bb").unwrap().len(), 1000);
        for cut in [0, 10, 19, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[30] ^= 0x40;
        assert!(decode(&flipped).unwrap_err().contains("CRC"));
    }

    #[test]
    fn corrupt_latest_falls_back_to_previous() {
        let dir = crate::test_dir("ckpt-fallback");
        write(&dir, 10, &[("x", b"ten")]).unwrap();
        write(&dir, 20, &[("x", b"twenty")]).unwrap();
        write(&dir, 30, &[("x", b"thirty")]).unwrap();
        // Only KEEP = 2 remain.
        let names: Vec<u64> = list(&dir).unwrap().into_iter().map(|(i, _)| i).collect();
        assert_eq!(names, vec![30, 20]);
        // Truncate the newest, as a crash mid-copy would.
        let newest = dir.join(file_name(30));
        let len = fs::metadata(&newest).unwrap().len();
        fs::File::options()
            .write(true)
            .open(&newest)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let (found, skipped) = latest_valid(&dir, |_, s| {
            Ok::<_, String>(section(&s, "x").unwrap().to_vec())
        })
        .unwrap();
        assert_eq!(found, Some((20, b"twenty".to_vec())));
        assert_eq!(skipped.len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
