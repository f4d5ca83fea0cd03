//! IDX files (MNIST, Fashion-MNIST) and the directory loader for them.

use std::path::{Path, PathBuf};

use crate::{DataError, Dataset, NUM_CLASSES, Split, normalize_split, read_file};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

const IMAGES_HEADER: usize = 16;
const LABELS_HEADER: usize = 8;

/// Class names of Fashion-MNIST, in label order.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Class names of MNIST, in label order.
pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Default location of Fashion-MNIST: where the Debian package `dataset-fashion-mnist`
/// installs it (as `train-images-idx3-ubyte.gz` etc.).
pub const FASHION_MNIST_DEFAULT_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Reads the big-endian `u32` at `at`; `None` if `bytes` is too short.
fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// A second opinion on a wrong magic number, for the error message.
fn magic_note(found: u32, expected: u32) -> String {
    match found {
        _ if found == expected => String::new(),
        IDX_IMAGES_MAGIC => "; this looks like an IDX image file".to_owned(),
        IDX_LABELS_MAGIC => "; this looks like an IDX label file".to_owned(),
        0x1f8b_0000..=0x1f8b_ffff => {
            "; this looks like gzip data that was not decompressed".to_owned()
        }
        _ if found.swap_bytes() == expected => {
            "; the header is little-endian, IDX is big-endian".to_owned()
        }
        _ => String::new(),
    }
}

/// Parses an IDX image file (magic `0x00000803`, big-endian `u32` count, rows, columns,
/// then `count × rows × columns` pixel bytes, row-major).
///
/// Returns `(count, rows, columns, pixels)`. `what` names the source in error messages.
/// The input must already be decompressed (see [`crate::maybe_gunzip`]).
///
/// # Errors
/// If the file is shorter than the 16-byte header, the magic number is wrong, `rows` or
/// `columns` is zero, the implied size overflows, or the file length is not exactly
/// `16 + count × rows × columns`.
pub fn parse_idx_images(
    bytes: &[u8],
    what: &str,
) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    let short = || DataError::ShortHeader {
        what: what.to_owned(),
        kind: "IDX images",
        needed: IMAGES_HEADER,
        actual: bytes.len(),
    };
    let magic = be_u32(bytes, 0).ok_or_else(short)?;
    if magic != IDX_IMAGES_MAGIC {
        return Err(DataError::BadMagic {
            what: what.to_owned(),
            kind: "IDX images: unsigned bytes, 3 dimensions",
            expected: IDX_IMAGES_MAGIC,
            found: magic,
            note: magic_note(magic, IDX_IMAGES_MAGIC),
        });
    }
    let (Some(n), Some(rows), Some(cols)) = (be_u32(bytes, 4), be_u32(bytes, 8), be_u32(bytes, 12))
    else {
        return Err(short());
    };
    // u32 -> usize is lossless on every target with 32-bit or wider pointers.
    let (n, rows, cols) = (n as usize, rows as usize, cols as usize);
    if rows == 0 || cols == 0 {
        return Err(DataError::BadHeader {
            what: what.to_owned(),
            detail: format!("images of {rows}×{cols} pixels"),
        });
    }
    let claim = || format!("{n} images of {rows}×{cols}");
    let total = rows
        .checked_mul(cols)
        .and_then(|px| px.checked_mul(n))
        .and_then(|px| px.checked_add(IMAGES_HEADER));
    let Some(total) = total else {
        return Err(DataError::BadHeader {
            what: what.to_owned(),
            detail: format!("{}, which is more bytes than can be addressed", claim()),
        });
    };
    if bytes.len() != total {
        return Err(DataError::SizeMismatch {
            what: what.to_owned(),
            expected: format!("{} ({total} bytes)", claim()),
            actual: bytes.len(),
        });
    }
    Ok((n, rows, cols, bytes[IMAGES_HEADER..].to_vec()))
}

/// Parses an IDX label file (magic `0x00000801`, big-endian `u32` count, then `count`
/// label bytes) and checks that every label is below 10.
///
/// `what` names the source in error messages. The input must already be decompressed.
///
/// # Errors
/// If the file is shorter than the 8-byte header, the magic number is wrong, the file
/// length is not exactly `8 + count`, or a label is 10 or more.
pub fn parse_idx_labels(bytes: &[u8], what: &str) -> Result<Vec<u8>, DataError> {
    let short = || DataError::ShortHeader {
        what: what.to_owned(),
        kind: "IDX labels",
        needed: LABELS_HEADER,
        actual: bytes.len(),
    };
    let magic = be_u32(bytes, 0).ok_or_else(short)?;
    if magic != IDX_LABELS_MAGIC {
        return Err(DataError::BadMagic {
            what: what.to_owned(),
            kind: "IDX labels: unsigned bytes, 1 dimension",
            expected: IDX_LABELS_MAGIC,
            found: magic,
            note: magic_note(magic, IDX_LABELS_MAGIC),
        });
    }
    let n = be_u32(bytes, 4).ok_or_else(short)? as usize;
    let Some(total) = n.checked_add(LABELS_HEADER) else {
        return Err(DataError::BadHeader {
            what: what.to_owned(),
            detail: format!("{n} labels, which is more bytes than can be addressed"),
        });
    };
    if bytes.len() != total {
        return Err(DataError::SizeMismatch {
            what: what.to_owned(),
            expected: format!("{n} labels ({total} bytes)"),
            actual: bytes.len(),
        });
    }
    let labels = &bytes[LABELS_HEADER..];
    crate::check_labels(labels, what)?;
    Ok(labels.to_vec())
}

/// The four files of an IDX dataset, by base name (each may also exist as `.gz`).
const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// Finds `base` in `dir`: the raw file if it exists, else `base.gz`; also accepts the
/// `train-images.idx3-ubyte` spelling some mirrors use.
fn find_idx_file(dir: &Path, base: &str, hint: &str) -> Result<PathBuf, DataError> {
    let dotted = base.replacen("-idx", ".idx", 1);
    let candidates = [
        base.to_owned(),
        format!("{base}.gz"),
        dotted.clone(),
        format!("{dotted}.gz"),
    ];
    candidates
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| DataError::NotFound {
            path: dir.join(format!("{base}[.gz]")),
            hint: Some(hint.to_owned()),
        })
}

/// Which flavour of IDX dataset is being loaded (for names, class names and hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdxKind {
    Mnist,
    FashionMnist,
}

impl IdxKind {
    fn title(self) -> &'static str {
        match self {
            IdxKind::Mnist => "MNIST",
            IdxKind::FashionMnist => "Fashion-MNIST",
        }
    }
    fn classes(self) -> &'static [&'static str; 10] {
        match self {
            IdxKind::Mnist => &MNIST_CLASSES,
            IdxKind::FashionMnist => &FASHION_MNIST_CLASSES,
        }
    }
}

/// Reads and decompresses one file; `what` in errors is its path.
fn read_maybe_gz(path: &Path) -> Result<(Vec<u8>, String), DataError> {
    let what = path.display().to_string();
    let raw = read_file(path)?;
    Ok((crate::maybe_gunzip(&raw, &what)?, what))
}

/// One validated image file plus its label file.
struct IdxPair {
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    /// The image file's path, for messages.
    what: String,
}

fn load_idx_pair(images: &Path, labels: &Path) -> Result<IdxPair, DataError> {
    let (img_bytes, img_what) = read_maybe_gz(images)?;
    let (n, rows, cols, pixels) = parse_idx_images(&img_bytes, &img_what)?;
    drop(img_bytes);
    let (lbl_bytes, lbl_what) = read_maybe_gz(labels)?;
    let labels = parse_idx_labels(&lbl_bytes, &lbl_what)?;
    if labels.len() != n {
        return Err(DataError::CountMismatch {
            images: img_what,
            n_images: n,
            labels: lbl_what,
            n_labels: labels.len(),
        });
    }
    if n == 0 {
        return Err(DataError::Empty { what: img_what });
    }
    Ok(IdxPair {
        rows,
        cols,
        pixels,
        labels,
        what: img_what,
    })
}

/// Loads an IDX dataset (the four standard files, raw or gzipped) from `dir`.
///
/// `default_location` changes the "not found" hint to the install command.
pub(crate) fn load_idx_dir(
    dir: &Path,
    kind: IdxKind,
    default_location: bool,
) -> Result<Split, DataError> {
    let hint = if default_location {
        format!(
            "{} is not installed at its default location; install it with: \
             apt-get install -y dataset-fashion-mnist",
            kind.title()
        )
    } else {
        format!(
            "expected the {} IDX files {} (raw or .gz) in {}",
            kind.title(),
            IDX_FILES.join(", "),
            dir.display()
        )
    };
    if !dir.is_dir() {
        return Err(DataError::NotFound {
            path: dir.to_path_buf(),
            hint: Some(hint),
        });
    }
    let paths = IDX_FILES
        .iter()
        .map(|base| find_idx_file(dir, base, &hint))
        .collect::<Result<Vec<_>, _>>()?;
    let tr = load_idx_pair(&paths[0], &paths[1])?;
    let te = load_idx_pair(&paths[2], &paths[3])?;
    let (rows, cols) = (tr.rows, tr.cols);
    if (rows, cols) != (te.rows, te.cols) {
        return Err(DataError::ShapeMismatch {
            train: tr.what,
            train_shape: format!("{rows}×{cols}"),
            test: te.what,
            test_shape: format!("{}×{}", te.rows, te.cols),
        });
    }
    let class_names: Vec<String> = kind.classes().iter().map(|s| (*s).to_owned()).collect();
    let make = |px: Vec<u8>, labels: Vec<u8>| Dataset {
        images: px.into_iter().map(|p| f32::from(p) / 255.0).collect(),
        labels,
        channels: 1,
        height: rows,
        width: cols,
        num_classes: NUM_CLASSES,
        class_names: class_names.clone(),
    };
    let train = make(tr.pixels, tr.labels);
    let test = make(te.pixels, te.labels);
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
        })
        .collect();
    let source = format!(
        "{} IDX files in {} ({}); {} train / {} test images of {rows}×{cols}",
        kind.title(),
        dir.display(),
        names.join(", "),
        train.len(),
        test.len()
    );
    let name = match kind {
        IdxKind::Mnist => "mnist",
        IdxKind::FashionMnist => "fashion-mnist",
    };
    Ok(normalize_split(name, train, test, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_location_hint_names_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("fashion-mnist");
        let e = load_idx_dir(&gone, IdxKind::FashionMnist, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: not found; Fashion-MNIST is not installed at its default location; \
                 install it with: apt-get install -y dataset-fashion-mnist",
                gone.display()
            )
        );
        // Also when the directory exists but a file is missing.
        let e = load_idx_dir(dir.path(), IdxKind::FashionMnist, true).unwrap_err();
        assert!(
            e.to_string()
                .contains("train-images-idx3-ubyte[.gz]: not found"),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("apt-get install -y dataset-fashion-mnist"),
            "{e}"
        );
    }

    #[test]
    fn magic_notes() {
        assert!(magic_note(0x0308_0000, IDX_IMAGES_MAGIC).contains("little-endian"));
        assert!(magic_note(0x1f8b_0800, IDX_IMAGES_MAGIC).contains("gzip"));
        assert_eq!(magic_note(0xdead_beef, IDX_IMAGES_MAGIC), "");
    }
}
