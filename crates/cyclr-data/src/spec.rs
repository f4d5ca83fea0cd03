//! [`DatasetSpec`]: which dataset to load, parsed from a command-line string.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::{DataError, Split, TextSplit};

/// The accepted spellings, for error messages and `--help` texts.
pub const VALID_FORMS: &str = "digits, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, \
                               csv:PATH, csv:PATH#COLUMN, folder:DIR, text:PATH, shakespeare";

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
    /// Your own text, `text:PATH`: a UTF-8 text file (or a gzip-compressed one), for a
    /// character-level GPT. Every character (Unicode scalar value) is a token; the first
    /// 90 % of the characters train, the last 10 % test, as nanoGPT's `shakespeare_char`
    /// (see [`crate::text`]). Load it with [`DatasetSpec::load_text`].
    Text(PathBuf),
    /// tinyshakespeare, compressed into the crate (no files needed): the 1,115,394
    /// characters of nanoGPT's `shakespeare_char` benchmark, 65 distinct, split 1,003,854
    /// train / 111,540 test. Load it with [`DatasetSpec::load_text`].
    Shakespeare,
}

impl FromStr for DatasetSpec {
    type Err = DataError;

    /// Parses `digits`, `fashion-mnist`, `fashion-mnist:DIR`, `mnist:DIR`, `cifar10:DIR`,
    /// `csv:PATH`, `csv:PATH#COLUMN`, `folder:DIR`, `text:PATH` or `shakespeare`. The kind
    /// is case-insensitive; `DIR` and `PATH` are taken verbatim (for `csv:`, up to the last
    /// `#`, if any).
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
            ("text", Some(p)) => Ok(DatasetSpec::Text(p)),
            ("text", None) => Err(bad("text needs a file: text:PATH")),
            ("shakespeare", None) => Ok(DatasetSpec::Shakespeare),
            ("shakespeare", Some(_)) => Err(bad("shakespeare is embedded and takes no path")),
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
            DatasetSpec::Text(p) => write!(f, "text:{}", p.display()),
            DatasetSpec::Shakespeare => write!(f, "shakespeare"),
        }
    }
}

impl DatasetSpec {
    /// Short name of the dataset: `digits`, `fashion-mnist`, `mnist`, `cifar10`,
    /// `shakespeare`; your own data is named by its file (`csv:`, `text:`) or folder
    /// (`folder:`, with a trailing `/`), without the rest of the path (see `Display` for the
    /// full form).
    pub fn name(&self) -> String {
        match self {
            DatasetSpec::Digits => "digits",
            DatasetSpec::FashionMnist(_) => "fashion-mnist",
            DatasetSpec::Mnist(_) => "mnist",
            DatasetSpec::Cifar10(_) => "cifar10",
            DatasetSpec::Shakespeare => "shakespeare",
            // Your own data is named by its file or folder.
            DatasetSpec::Csv { path, .. } => return file_name(path),
            DatasetSpec::Folder(dir) => return format!("{}/", file_name(dir)),
            DatasetSpec::Text(path) => return file_name(path),
        }
        .to_owned()
    }

    /// The size of the test split of the built-in datasets (digits 360; Fashion-MNIST, MNIST and
    /// CIFAR-10 10,000), without loading them; `None` for your own data and for text (whose
    /// test part is counted in characters, not samples).
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
            DatasetSpec::Text(p) => DatasetSpec::Text(abs(p)),
            DatasetSpec::Shakespeare => DatasetSpec::Shakespeare,
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
    /// [`DataError::BadFolder`]; [`DataError::TextDataset`] for a text dataset (`text:`,
    /// `shakespeare`), which [`DatasetSpec::load_text`] loads.
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
            DatasetSpec::Text(_) | DatasetSpec::Shakespeare => Err(DataError::TextDataset {
                spec: self.to_string(),
            }),
        }
    }

    /// Whether this is a text dataset (`text:PATH`, `shakespeare`), loaded with
    /// [`DatasetSpec::load_text`] rather than [`DatasetSpec::load`].
    pub fn is_text(&self) -> bool {
        matches!(self, DatasetSpec::Text(_) | DatasetSpec::Shakespeare)
    }

    /// Loads a text dataset: the embedded tinyshakespeare (checked against
    /// [`crate::SHAKESPEARE_SHA256`]) or a `text:PATH` file, encoded and split as nanoGPT's
    /// `shakespeare_char` (see [`crate::text`]).
    ///
    /// # Errors
    /// [`DataError::NotText`] for an image or tabular dataset; for `text:`,
    /// [`DataError::NotFound`] (with a hint), [`DataError::Io`], and the problems of
    /// [`crate::parse_text`] ([`DataError::BadText`]: a directory, not UTF-8, empty, too many
    /// distinct characters; a corrupt gzip stream); [`DataError::ChecksumMismatch`] if the
    /// embedded copy is corrupt. Whether the text is long enough for a context length is
    /// [`TextSplit::check_context`]'s business.
    pub fn load_text(&self) -> Result<TextSplit, DataError> {
        match self {
            DatasetSpec::Text(p) => crate::text::load_text_file(p, &self.name()),
            DatasetSpec::Shakespeare => crate::text::load_shakespeare(),
            _ => Err(DataError::NotText {
                spec: self.to_string(),
            }),
        }
    }
}

/// The last component of a path (the whole path when it has none).
fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
