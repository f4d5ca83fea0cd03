//! [`DatasetSpec`]: which dataset to load, parsed from a command-line string.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::{DataError, Split};

/// The accepted spellings, for error messages and `--help` texts.
pub const VALID_FORMS: &str = "digits, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR";

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
}

impl FromStr for DatasetSpec {
    type Err = DataError;

    /// Parses `digits`, `fashion-mnist`, `fashion-mnist:DIR`, `mnist:DIR` or
    /// `cifar10:DIR`. The kind is case-insensitive; `DIR` is taken verbatim.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |detail: &str| DataError::BadSpec {
            spec: s.to_owned(),
            detail: detail.to_owned(),
        };
        let (kind, dir) = match s.split_once(':') {
            Some((k, d)) => (k, Some(d)),
            None => (s, None),
        };
        let kind = kind.trim().to_ascii_lowercase();
        let dir = match dir {
            Some("") => return Err(bad("the directory after ':' is empty")),
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
        }
    }
}

impl DatasetSpec {
    /// Short name of the dataset: `digits`, `fashion-mnist`, `mnist` or `cifar10`
    /// (without the directory; see `Display` for the full form).
    pub fn name(&self) -> String {
        match self {
            DatasetSpec::Digits => "digits",
            DatasetSpec::FashionMnist(_) => "fashion-mnist",
            DatasetSpec::Mnist(_) => "mnist",
            DatasetSpec::Cifar10(_) => "cifar10",
        }
        .to_owned()
    }

    /// Loads the dataset: reads and validates the files, scales pixels to `[0, 1]`
    /// (digits: value / 16, the others: byte / 255) and normalises both splits per channel
    /// with the training split's statistics (recorded in [`Split::normalization`]).
    ///
    /// # Errors
    /// Any [`DataError`]: missing files (naming the path; for Fashion-MNIST at the default
    /// location, with the `apt-get` command that installs it), unreadable or corrupt files,
    /// headers inconsistent with the data, labels out of range.
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
        }
    }
}
