//! The crate's error type.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while locating, reading or parsing a dataset.
///
/// Every message names the file (or, for the embedded data, the embedded file name)
/// and says what is wrong with it, so it can be shown to a user as-is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A dataset file (or directory) does not exist. `hint` says what to do about it.
    ///
    /// When either a raw or a `.gz` file would have done, `path` is written
    /// `…/train-images-idx3-ubyte[.gz]`.
    #[error("{}: not found{}", path.display(), with_hint(hint.as_deref()))]
    NotFound {
        /// The path that was looked for.
        path: PathBuf,
        /// What to do, e.g. "install it with: apt-get install -y dataset-fashion-mnist".
        hint: Option<String>,
    },

    /// An I/O error while reading a file that exists.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A `.gz` file (or gzip-magic input) that does not decompress.
    #[error("{what}: truncated or corrupt gzip stream ({source})")]
    Gzip {
        /// The file.
        what: String,
        /// The decompressor's error.
        #[source]
        source: std::io::Error,
    },

    /// Decompressed data larger than [`crate::MAX_DECOMPRESSED_BYTES`].
    #[error("{what}: gzip stream decompresses to more than {limit} bytes; refusing to load it")]
    TooLarge {
        /// The file.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// The file is too short to hold its own header.
    #[error("{what}: file has {actual} bytes, too short for the {needed}-byte {kind} header")]
    ShortHeader {
        /// The file.
        what: String,
        /// "IDX images" / "IDX labels".
        kind: &'static str,
        /// Header length in bytes.
        needed: usize,
        /// File length in bytes.
        actual: usize,
    },

    /// The magic number at the start of an IDX file is not the expected one.
    #[error("{what}: bad magic number 0x{found:08x}, expected 0x{expected:08x} ({kind}){note}")]
    BadMagic {
        /// The file.
        what: String,
        /// What kind of file was expected.
        kind: &'static str,
        /// The expected magic number.
        expected: u32,
        /// The magic number found.
        found: u32,
        /// Extra diagnosis, e.g. "; this looks like an IDX label file" (may be empty).
        note: String,
    },

    /// The header is self-inconsistent (zero dimensions, sizes that overflow).
    #[error("{what}: invalid header: {detail}")]
    BadHeader {
        /// The file.
        what: String,
        /// What is wrong.
        detail: String,
    },

    /// The header's counts disagree with the file's length.
    ///
    /// `expected` describes the header's claim, e.g.
    /// "60000 images of 28×28 (47040016 bytes)".
    #[error("{what}: header says {expected} but the file has {actual} bytes")]
    SizeMismatch {
        /// The file.
        what: String,
        /// The header's claim, including the byte count it implies.
        expected: String,
        /// The actual length in bytes (after decompression).
        actual: usize,
    },

    /// A file that must consist of whole fixed-size records does not.
    #[error("{what}: {detail}")]
    BadLength {
        /// The file.
        what: String,
        /// What is wrong, including the actual length.
        detail: String,
    },

    /// A class label outside `0..num_classes`.
    #[error("{what}: label {label} of sample {index} is out of range (must be < {num_classes})")]
    LabelOutOfRange {
        /// The file.
        what: String,
        /// Index of the sample (record) within the file.
        index: usize,
        /// The offending label.
        label: u8,
        /// Number of classes.
        num_classes: usize,
    },

    /// An image file and its label file disagree on the number of samples.
    #[error("{images} has {n_images} images but {labels} has {n_labels} labels")]
    CountMismatch {
        /// The image file.
        images: String,
        /// Number of images in it.
        n_images: usize,
        /// The label file.
        labels: String,
        /// Number of labels in it.
        n_labels: usize,
    },

    /// The train and test files disagree on the image shape.
    #[error("{test}: images are {test_shape} but {train} has {train_shape}")]
    ShapeMismatch {
        /// The training file.
        train: String,
        /// Its image shape, e.g. "28×28".
        train_shape: String,
        /// The test file.
        test: String,
        /// Its image shape.
        test_shape: String,
    },

    /// A split with no samples, which cannot be normalised or trained on.
    #[error("{what}: contains no samples")]
    Empty {
        /// The file.
        what: String,
    },

    /// A malformed line in a CSV file (the embedded digits data, or a `csv:` dataset: a
    /// value that is not a finite number, a row with the wrong number of fields).
    #[error("{what}: line {line}: {detail}")]
    Csv {
        /// The file.
        what: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },

    /// A `csv:` dataset file that is unusable as a whole: no header or no data rows, no
    /// label column or no feature columns, too few or too many classes.
    #[error("{what}: {detail}")]
    BadCsv {
        /// The file.
        what: String,
        /// What is wrong and what would be valid.
        detail: String,
    },

    /// A `folder:` dataset directory whose layout is unusable: no class folders, a class
    /// folder without images, train and test class folders that differ, too few or too
    /// many classes.
    #[error("{}: {detail}", path.display())]
    BadFolder {
        /// The directory (or class folder) concerned.
        path: PathBuf,
        /// What is wrong and what would be valid.
        detail: String,
    },

    /// An image file of a `folder:` dataset that cannot be decoded.
    #[error("{}: cannot decode image: {reason}", path.display())]
    Image {
        /// The file.
        path: PathBuf,
        /// The decoder's reason.
        reason: String,
    },

    /// A text dataset (`text:PATH`, `shakespeare`) given where images or tabular data are
    /// needed ([`crate::DatasetSpec::load`]).
    #[error("{spec} is a text dataset: only --model gpt trains on it")]
    TextDataset {
        /// The dataset, in its string form.
        spec: String,
    },

    /// An image or tabular dataset given where text is needed
    /// ([`crate::DatasetSpec::load_text`]).
    #[error(
        "{spec} is not a text dataset: --model gpt trains on text (text:PATH, a UTF-8 text \
         file, or the embedded shakespeare)"
    )]
    NotText {
        /// The dataset, in its string form.
        spec: String,
    },

    /// A `text:` file that is unusable: a directory, not UTF-8 (with the byte offset of the
    /// first invalid byte), empty, more distinct characters than token ids.
    #[error("{what}: {detail}")]
    BadText {
        /// The file.
        what: String,
        /// What is wrong and what to do about it.
        detail: String,
    },

    /// A text whose training or test part is too short for the context length
    /// ([`crate::TextSplit::check_context`]).
    #[error(
        "{what}: its {part} has {len} characters, too few for --context {context} (at least \
         {needed} are needed); {fix}"
    )]
    TextTooShort {
        /// The file.
        what: String,
        /// "training part (the first 90%)" or "test part (the last 10%)".
        part: &'static str,
        /// Characters in that part.
        len: usize,
        /// The context length asked for.
        context: usize,
        /// Characters that part needs: `context + 2` (training), `context + 1` (test).
        needed: usize,
        /// What to do: the smallest text that would do, the largest context that does.
        fix: String,
    },

    /// Embedded data whose checksum is not the pinned one.
    #[error(
        "{what}: SHA-256 of the decompressed data is {actual}, expected {expected}: the \
         embedded copy is corrupt; rebuild cyclr from a clean checkout"
    )]
    ChecksumMismatch {
        /// The embedded file.
        what: String,
        /// The pinned SHA-256 (hex).
        expected: String,
        /// The SHA-256 found (hex).
        actual: String,
    },

    /// A string that is not a valid [`crate::DatasetSpec`].
    #[error(
        "invalid dataset {spec:?}: {detail}; valid forms: {}",
        crate::spec::VALID_FORMS
    )]
    BadSpec {
        /// The string given.
        spec: String,
        /// What is wrong.
        detail: String,
    },
}

impl DataError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            DataError::NotFound {
                path: path.to_path_buf(),
                hint: None,
            }
        } else {
            DataError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

fn with_hint(hint: Option<&str>) -> String {
    hint.map(|h| format!("; {h}")).unwrap_or_default()
}
