//! CIFAR-10 "binary version" batches and the directory loader for them.

use std::path::{Path, PathBuf};

use crate::{DataError, Dataset, NUM_CLASSES, Split, check_labels, normalize_split, read_file};

/// Image side length of CIFAR-10.
pub const CIFAR_SIDE: usize = 32;
/// Pixel bytes per CIFAR-10 record: R, G and B planes of 32×32, in that order.
pub const CIFAR_PIXELS: usize = 3 * CIFAR_SIDE * CIFAR_SIDE;
/// Bytes per CIFAR-10 record: one label byte, then the pixels.
pub const CIFAR_RECORD: usize = 1 + CIFAR_PIXELS;
/// Records in each of the six files of the official CIFAR-10 binary distribution.
pub const CIFAR_RECORDS_PER_FILE: usize = 10_000;

/// Class names of CIFAR-10, in label order.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const TEST_FILE: &str = "test_batch.bin";
const NESTED_DIR: &str = "cifar-10-batches-bin";

/// Parses one CIFAR-10 binary batch: a sequence of 3073-byte records, each a label byte
/// (< 10) followed by 3072 pixel bytes (R, G, B planes of 32×32, row-major).
///
/// Returns `(pixels, labels)` with `pixels.len() == 3072 × labels.len()`; the pixels of
/// each record are already in CHW order. Any positive whole number of records is
/// accepted (the loader additionally requires the official 10000 per file).
/// `what` names the source in error messages. The input must already be decompressed.
///
/// # Errors
/// If the input is empty or not a multiple of 3073 bytes, or a label is 10 or more.
pub fn parse_cifar_batch(bytes: &[u8], what: &str) -> Result<(Vec<u8>, Vec<u8>), DataError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(CIFAR_RECORD) {
        return Err(DataError::BadLength {
            what: what.to_owned(),
            detail: format!(
                "file has {} bytes, which is not a positive multiple of the {CIFAR_RECORD}-byte \
                 CIFAR-10 record (1 label byte + {CIFAR_PIXELS} pixel bytes){}",
                bytes.len(),
                if bytes.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} whole records and {} bytes left over",
                        bytes.len() / CIFAR_RECORD,
                        bytes.len() % CIFAR_RECORD
                    )
                }
            ),
        });
    }
    let n = bytes.len() / CIFAR_RECORD;
    let mut labels = Vec::with_capacity(n);
    let mut pixels = Vec::with_capacity(n * CIFAR_PIXELS);
    for record in bytes.chunks_exact(CIFAR_RECORD) {
        let (label, px) = record.split_at(1);
        labels.push(label[0]);
        pixels.extend_from_slice(px);
    }
    check_labels(&labels, what)?;
    Ok((pixels, labels))
}

/// Finds `name` (or `name.gz`) in `dir`.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.is_file())
}

fn read_batch(
    path: &Path,
    records_per_file: Option<usize>,
) -> Result<(Vec<u8>, Vec<u8>), DataError> {
    let what = path.display().to_string();
    let bytes = crate::maybe_gunzip(&read_file(path)?, &what)?;
    if let Some(want) = records_per_file {
        // `want` is a small constant in practice; saturate rather than overflow anyway.
        let want_bytes = want.saturating_mul(CIFAR_RECORD);
        if bytes.len() != want_bytes {
            return Err(DataError::BadLength {
                what,
                detail: format!(
                    "expected {want} records of {CIFAR_RECORD} bytes ({want_bytes} bytes) \
                     but the file has {} bytes",
                    bytes.len()
                ),
            });
        }
    }
    parse_cifar_batch(&bytes, &what)
}

/// Loads CIFAR-10 from `dir` (or `dir/cifar-10-batches-bin/`).
pub(crate) fn load_cifar10_dir(dir: &Path) -> Result<Split, DataError> {
    load_cifar10_dir_with(dir, Some(CIFAR_RECORDS_PER_FILE))
}

/// As [`load_cifar10_dir`], with the per-file record count check configurable so that
/// tests can use small files.
pub(crate) fn load_cifar10_dir_with(
    dir: &Path,
    records_per_file: Option<usize>,
) -> Result<Split, DataError> {
    let hint = || {
        Some(format!(
            "expected the CIFAR-10 binary files {} and {TEST_FILE} in {} or in {}",
            TRAIN_FILES.join(", "),
            dir.display(),
            dir.join(NESTED_DIR).display()
        ))
    };
    if !dir.is_dir() {
        return Err(DataError::NotFound {
            path: dir.to_path_buf(),
            hint: hint(),
        });
    }
    let nested = dir.join(NESTED_DIR);
    let base = if find(dir, TRAIN_FILES[0]).is_none() && find(&nested, TRAIN_FILES[0]).is_some() {
        nested
    } else {
        dir.to_path_buf()
    };
    let locate = |name: &str| {
        find(&base, name).ok_or_else(|| DataError::NotFound {
            path: base.join(name),
            hint: hint(),
        })
    };
    let train_paths = TRAIN_FILES
        .iter()
        .map(|n| locate(n))
        .collect::<Result<Vec<_>, _>>()?;
    let test_path = locate(TEST_FILE)?;

    let mut train_px = Vec::new();
    let mut train_lbl = Vec::new();
    for p in &train_paths {
        let (px, lbl) = read_batch(p, records_per_file)?;
        train_px.extend_from_slice(&px);
        train_lbl.extend_from_slice(&lbl);
    }
    let (test_px, test_lbl) = read_batch(&test_path, records_per_file)?;

    let class_names: Vec<String> = CIFAR10_CLASSES.iter().map(|s| (*s).to_owned()).collect();
    let make = |px: Vec<u8>, labels: Vec<u8>| Dataset {
        images: px.into_iter().map(|p| f32::from(p) / 255.0).collect(),
        labels,
        channels: 3,
        height: CIFAR_SIDE,
        width: CIFAR_SIDE,
        num_classes: NUM_CLASSES,
        class_names: class_names.clone(),
    };
    let train = make(train_px, train_lbl);
    let test = make(test_px, test_lbl);
    let source = format!(
        "CIFAR-10 binary batches in {} (data_batch_1..5.bin, {TEST_FILE}); \
         {} train / {} test images of 3×32×32",
        base.display(),
        train.len(),
        test.len()
    );
    Ok(normalize_split("cifar10", train, test, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(labels: &[u8], salt: u8) -> Vec<u8> {
        let mut v = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            v.push(l);
            v.extend((0..CIFAR_PIXELS).map(|p| (p as u8).wrapping_mul(3) ^ (i as u8) ^ salt));
        }
        v
    }

    fn write_dir(dir: &Path, n: usize) {
        for (k, f) in TRAIN_FILES.iter().chain([&TEST_FILE]).enumerate() {
            let labels: Vec<u8> = (0..n).map(|i| ((i + k) % 10) as u8).collect();
            std::fs::write(dir.join(f), records(&labels, k as u8)).unwrap();
        }
    }

    #[test]
    fn loads_small_batches() {
        let dir = tempfile::tempdir().unwrap();
        write_dir(dir.path(), 4);
        let split = load_cifar10_dir_with(dir.path(), Some(4)).unwrap();
        assert_eq!(split.name, "cifar10");
        assert_eq!((split.train.len(), split.test.len()), (20, 4));
        let t = &split.train;
        assert_eq!((t.channels, t.height, t.width), (3, 32, 32));
        assert_eq!(t.class_names[9], "truck");
        assert_eq!(split.normalization.mean.len(), 3);
        // Train sample 4·k + i comes from data_batch_{k+1}, record i.
        let (k, i) = (2usize, 3usize);
        assert_eq!(usize::from(t.labels[4 * k + i]), (i + k) % 10);
        let img = t.image(4 * k + i);
        for p in [0usize, 5, 1024, 2050, 3071] {
            let c = p / 1024;
            let want = f32::from((p as u8).wrapping_mul(3) ^ (i as u8) ^ (k as u8)) / 255.0;
            let got = img[p] * split.normalization.std[c] + split.normalization.mean[c];
            assert!((got - want).abs() < 1e-5, "pixel {p}: {got} vs {want}");
        }
    }

    #[test]
    fn accepts_nested_directory_and_gz() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join(NESTED_DIR);
        std::fs::create_dir(&nested).unwrap();
        write_dir(&nested, 2);
        // One file gzipped.
        let p = nested.join("data_batch_3.bin");
        let raw = std::fs::read(&p).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, &raw).unwrap();
        std::fs::write(nested.join("data_batch_3.bin.gz"), enc.finish().unwrap()).unwrap();
        std::fs::remove_file(&p).unwrap();
        let split = load_cifar10_dir_with(dir.path(), Some(2)).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (10, 2));
        assert!(split.source.contains(NESTED_DIR));
    }

    #[test]
    fn wrong_record_count_names_file() {
        let dir = tempfile::tempdir().unwrap();
        write_dir(dir.path(), 2);
        std::fs::write(dir.path().join("data_batch_4.bin"), records(&[1], 0)).unwrap();
        let e = load_cifar10_dir_with(dir.path(), Some(2)).unwrap_err();
        assert!(
            e.to_string()
                .contains("data_batch_4.bin: expected 2 records"),
            "{e}"
        );
        // Without the count check, a bad label is still caught and located.
        std::fs::write(dir.path().join("data_batch_4.bin"), records(&[1, 12], 0)).unwrap();
        let e = load_cifar10_dir_with(dir.path(), None).unwrap_err();
        assert!(
            e.to_string()
                .contains("data_batch_4.bin: label 12 of sample 1"),
            "{e}"
        );
    }
}
