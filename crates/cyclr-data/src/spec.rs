//! [`DatasetSpec`]: which dataset to load, parsed from a command-line string.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::{DataError, Split};

/// The accepted spellings, for error messages and `--help` texts.
pub const VALID_FORMS: &str = "digits, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, \
                               csv:PATH, csv:PATH#COLUMN, folder:DIR";

/// Name of the label column of a `csv:PATH` dataset when no `#COLUMN` is given.
pub const DEFAULT_LABEL_COLUMN: &str = "label";

/// Which dataset to load and from where. Serialized as its string form (`"fashion-mnist:DIR"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DatasetSpec {
    /// The scikit-learn digits, compiled into the crate (no files needed).
    Digits,
    /// Fashion-MNIST IDX files in the given directory, or by default in
    /// [`crate::FASHION_MNIST_DEFAULT_DIR`] (Debian package `dataset-fashion-mnist`).
    FashionMnist(Option<PathBuf>),
    /// MNIST IDX files in the given directory.
    Mnist(PathBuf),
    /// CIFAR-10 binary batches in the given directory (or its `cifar-10-batches-bin/`).
    Cifar10(PathBuf),
    /// Your own tabular data, `csv:PATH` or `csv:PATH#COLUMN`: a CSV file with a header
    /// row (tab-separated if the name ends in `.tsv`), one label column named `label`
    /// (or `COLUMN`) and any number of feature columns, every value a finite number.
    ///
    /// Labels may be any strings or integers; the classes are the distinct labels, sorted
    /// (numerically when every label is an integer), between 2 and [`crate::MAX_CLASSES`].
    /// Each row becomes a 1×1×features sample (channels 1, height 1, width = number of
    /// features), so only the MLP can train on it. The rows are split 80/20, stratified
    /// and deterministically ([`crate::stratified_split_indices`]), and the features are
    /// normalised one by one with the training split's mean and standard deviation.
    ///
    /// In the string form the label column follows the last `#`, so a path containing
    /// `#` needs an explicit `#COLUMN`, and a column name cannot contain `#`.
    Csv {
        /// The CSV (or `.tsv`) file.
        path: PathBuf,
        /// Name of the label column ([`DEFAULT_LABEL_COLUMN`] unless given after `#`).
        label: String,
    },
    /// Your own images, `folder:DIR`, in torchvision's `ImageFolder` layout: either
    /// `DIR/train/<class>/*` with `DIR/test/<class>/*` (or `DIR/val/<class>/*`) as the
    /// test split, or `DIR/<class>/*` alone, split 80/20 like [`DatasetSpec::Csv`].
    ///
    /// Classes are the sorted class-folder names (2 to [`crate::MAX_CLASSES`], the same in
    /// train and test). Images are the `.png`, `.jpg` and `.jpeg` files (any case) directly
    /// in a class folder; other and hidden files are skipped. 1 channel if every image is
    /// greyscale, else 3 (RGB, alpha dropped). Images keep their size if they all share
    /// one of at most 64×64 pixels; otherwise all are resized to 32×32 (triangle filter).
    /// Pixels are scaled to `[0, 1]` and normalised per channel like the built-in sets.
    Folder(PathBuf),
}

impl FromStr for DatasetSpec {
    type Err = DataError;

    /// Parses `digits`, `fashion-mnist`, `fashion-mnist:DIR`, `mnist:DIR`, `cifar10:DIR`,
    /// `csv:PATH`, `csv:PATH#COLUMN` or `folder:DIR`. The kind is case-insensitive;
    /// `DIR` and `PATH` are taken verbatim (for `csv:`, up to the last `#`, if any).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |detail: &str| DataError::BadSpec {
            spec: s.to_owned(),
            detail: detail.to_owned(),
        };
        let (kind, raw) = match s.split_once(':') {
            Some((k, d)) => (k, Some(d)),
            None => (s, None),
        };
        let kind = kind.trim().to_ascii_lowercase();
        let dir = match raw {
            Some("") => return Err(bad("the path after ':' is empty")),
            Some(d) => Some(PathBuf::from(d)),
            None => None,
        };
        match (kind.as_str(), dir) {
            ("digits", None) => Ok(DatasetSpec::Digits),
            ("digits", Some(_)) => Err(bad("digits is embedded and takes no directory")),
            ("fashion-mnist", d) => Ok(DatasetSpec::FashionMnist(d)),
            ("mnist", Some(d)) => Ok(DatasetSpec::Mnist(d)),
            ("mnist", None) => Err(bad("mnist needs a directory: mnist:DIR")),
            ("cifar10", Some(d)) => Ok(DatasetSpec::Cifar10(d)),
            ("cifar10", None) => Err(bad("cifar10 needs a directory: cifar10:DIR")),
            ("csv", Some(d)) => match raw.and_then(|r| r.rsplit_once('#')) {
                Some((_, "")) => Err(bad("the column name after '#' is empty")),
                Some(("", _)) => Err(bad("the path before '#' is empty")),
                Some((p, c)) => Ok(DatasetSpec::Csv {
                    path: PathBuf::from(p),
                    label: c.to_owned(),
                }),
                None => Ok(DatasetSpec::Csv {
                    path: d,
                    label: DEFAULT_LABEL_COLUMN.to_owned(),
                }),
            },
            ("csv", None) => Err(bad("csv needs a file: csv:PATH or csv:PATH#COLUMN")),
            ("folder", Some(d)) => Ok(DatasetSpec::Folder(d)),
            ("folder", None) => Err(bad("folder needs a directory: folder:DIR")),
            _ => Err(bad("unknown dataset")),
        }
    }
}

impl TryFrom<String> for DatasetSpec {
    type Error = DataError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DatasetSpec> for String {
    fn from(d: DatasetSpec) -> String {
        d.to_string()
    }
}

impl std::fmt::Display for DatasetSpec {
    /// The string form, which [`DatasetSpec::from_str`] parses back (for UTF-8 paths).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatasetSpec::Digits => write!(f, "digits"),
            DatasetSpec::FashionMnist(None) => write!(f, "fashion-mnist"),
            DatasetSpec::FashionMnist(Some(d)) => write!(f, "fashion-mnist:{}", d.display()),
            DatasetSpec::Mnist(d) => write!(f, "mnist:{}", d.display()),
            DatasetSpec::Cifar10(d) => write!(f, "cifar10:{}", d.display()),
            DatasetSpec::Csv { path, label } => {
                let p = path.display().to_string();
                if label == DEFAULT_LABEL_COLUMN && !p.contains('#') {
                    write!(f, "csv:{p}")
                } else {
                    write!(f, "csv:{p}#{label}")
                }
            }
            DatasetSpec::Folder(d) => write!(f, "folder:{}", d.display()),
        }
    }
}

impl DatasetSpec {
    /// Short name of the dataset: `digits`, `fashion-mnist`, `mnist`, `cifar10`, `csv` or
    /// `folder` (without the path; see `Display` for the full form).
    pub fn name(&self) -> String {
        match self {
            DatasetSpec::Digits => "digits",
            DatasetSpec::FashionMnist(_) => "fashion-mnist",
            DatasetSpec::Mnist(_) => "mnist",
            DatasetSpec::Cifar10(_) => "cifar10",
            // Your own data is named by its file or folder.
            DatasetSpec::Csv { path, .. } => return file_name(path),
            DatasetSpec::Folder(dir) => return format!("{}/", file_name(dir)),
        }
        .to_owned()
    }

    /// The size of the test split of the built-in datasets (digits 360; Fashion-MNIST, MNIST and
    /// CIFAR-10 10,000), without loading them; `None` for your own data.
    pub fn known_test_size(&self) -> Option<usize> {
        match self {
            DatasetSpec::Digits => Some(360),
            DatasetSpec::FashionMnist(_) | DatasetSpec::Mnist(_) | DatasetSpec::Cifar10(_) => {
                Some(10_000)
            }
            _ => None,
        }
    }

    /// The same dataset with its path (if any) made absolute against the current directory,
    /// so that a record of it can be read from anywhere.
    pub fn absolute(&self) -> DatasetSpec {
        let abs = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
        match self {
            DatasetSpec::Digits => DatasetSpec::Digits,
            DatasetSpec::FashionMnist(p) => DatasetSpec::FashionMnist(p.as_ref().map(abs)),
            DatasetSpec::Mnist(p) => DatasetSpec::Mnist(abs(p)),
            DatasetSpec::Cifar10(p) => DatasetSpec::Cifar10(abs(p)),
            DatasetSpec::Csv { path, label } => DatasetSpec::Csv {
                path: abs(path),
                label: label.clone(),
            },
            DatasetSpec::Folder(p) => DatasetSpec::Folder(abs(p)),
        }
    }

    /// Loads the dataset: reads and validates the files, scales pixels to `[0, 1]`
    /// (digits: value / 16, the others: byte / 255, or the 8-bit value / 255 for
    /// `folder:`) and normalises both splits per channel (per feature for `csv:`) with the
    /// training split's statistics (recorded in [`Split::normalization`]). `csv:` data and
    /// a one-level `folder:` are first split 80/20 ([`crate::stratified_split_indices`]).
    ///
    /// # Errors
    /// Any [`DataError`]: missing files (naming the path; for Fashion-MNIST at the default
    /// location, with the `apt-get` command that installs it), unreadable or corrupt files,
    /// headers inconsistent with the data, labels out of range; for `csv:`, values that are
    /// not finite numbers and the file-level problems of [`DataError::BadCsv`]; for
    /// `folder:`, images that do not decode and the layout problems of
    /// [`DataError::BadFolder`].
    pub fn load(&self) -> Result<Split, DataError> {
        match self {
            DatasetSpec::Digits => crate::digits::load_digits(),
            DatasetSpec::FashionMnist(None) => crate::idx::load_idx_dir(
                Path::new(crate::FASHION_MNIST_DEFAULT_DIR),
                crate::idx::IdxKind::FashionMnist,
                true,
            ),
            DatasetSpec::FashionMnist(Some(d)) => {
                crate::idx::load_idx_dir(d, crate::idx::IdxKind::FashionMnist, false)
            }
            DatasetSpec::Mnist(d) => crate::idx::load_idx_dir(d, crate::idx::IdxKind::Mnist, false),
            DatasetSpec::Cifar10(d) => crate::cifar::load_cifar10_dir(d),
            DatasetSpec::Csv { path, label } => crate::tabular::load_csv(path, label),
            DatasetSpec::Folder(d) => crate::folder::load_folder(d),
        }
    }
}

/// The last component of a path (the whole path when it has none).
fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
