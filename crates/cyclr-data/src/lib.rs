//! Datasets for `cyclr`, with no ML-framework dependency (so the parsers can be fuzzed
//! and tested without building one).
//!
//! - [`DatasetSpec::Digits`]: the scikit-learn digits (1797 8×8 greyscale images, values
//!   0–16), compiled into the crate; a fixed stratified split of 1437 train / 360 test
//!   (see [`digits_split_indices`]).
//! - [`DatasetSpec::FashionMnist`] / [`DatasetSpec::Mnist`]: the four IDX files
//!   `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
//!   `t10k-labels-idx1-ubyte`, raw or `.gz`. Fashion-MNIST defaults to
//!   `/usr/share/datasets/fashion-mnist/` (Debian package `dataset-fashion-mnist`).
//! - [`DatasetSpec::Cifar10`]: the CIFAR-10 binary batches `data_batch_1.bin` …
//!   `data_batch_5.bin` and `test_batch.bin`.
//! - [`DatasetSpec::Csv`] (`csv:PATH` or `csv:PATH#COLUMN`): your own tabular data, a CSV
//!   (or `.tsv`) file with a header row, numeric feature columns and one label column.
//!   Each row becomes a 1×1×features "image", so only the MLP can use it. See the `csv`
//!   rules in [`DatasetSpec::Csv`].
//! - [`DatasetSpec::Folder`] (`folder:DIR`): your own images in torchvision's
//!   `ImageFolder` layout, `DIR/train/<class>/*` and `DIR/test/<class>/*` (or
//!   `DIR/val/<class>/*`), or `DIR/<class>/*` alone; PNG and JPEG. See the rules in
//!   [`DatasetSpec::Folder`].
//! - [`DatasetSpec::Shakespeare`] (`shakespeare`, embedded) and [`DatasetSpec::Text`]
//!   (`text:PATH`, your own UTF-8 text file): character-level text for a GPT, loaded with
//!   [`DatasetSpec::load_text`] as a [`TextSplit`] with exactly the semantics of nanoGPT's
//!   `shakespeare_char`: the vocabulary is the sorted distinct characters, the first
//!   `int(n × 0.9)` characters train and the rest test; [`text_batch`] draws nanoGPT's
//!   random windows, deterministically per iteration. See the [`text`] module.
//!
//! Your own data without a test split (`csv:`, and `folder:` in the one-level layout) is
//! split 80/20, stratified and deterministically ([`stratified_split_indices`], seed
//! [`STRATIFIED_SPLIT_SEED`]); the built-in datasets have 10 classes, yours may have
//! 2 to [`MAX_CLASSES`].
//!
//! Every split is returned as `f32` CHW images normalised with the training split's mean
//! and standard deviation ([`Normalization`]): per channel for images, per feature for
//! CSV data (as scikit-learn's `StandardScaler` does).
//!
//! The pure parsers ([`parse_idx_images`], [`parse_idx_labels`], [`parse_cifar_batch`],
//! [`parse_csv_table`], [`parse_text`], [`maybe_gunzip`]) never panic, whatever the input; they are fuzzed
//! by the targets in the repository's `fuzz/` directory (the CSV and text parsers, so far,
//! only by the property tests in `tests/no_panic.rs`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cifar;
mod digits;
mod error;
mod folder;
mod gz;
mod idx;
mod spec;
mod tabular;
pub mod text;

use std::path::Path;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use cifar::{
    CIFAR_PIXELS, CIFAR_RECORD, CIFAR_RECORDS_PER_FILE, CIFAR_SIDE, CIFAR10_CLASSES,
    parse_cifar_batch,
};
pub use digits::{
    DIGITS_LEN, DIGITS_MAX_PIXEL, DIGITS_SIDE, DIGITS_SPLIT_SEED, DIGITS_TEST_LEN, digits_raw,
    digits_split_indices,
};
pub use error::DataError;
pub use folder::{FOLDER_IMAGE_EXTENSIONS, FOLDER_MAX_KEPT_SIDE, FOLDER_RESIZED_SIDE};
pub use gz::{MAX_DECOMPRESSED_BYTES, maybe_gunzip};
pub use idx::{
    FASHION_MNIST_CLASSES, FASHION_MNIST_DEFAULT_DIR, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC,
    MNIST_CLASSES, parse_idx_images, parse_idx_labels,
};
pub use spec::{DEFAULT_LABEL_COLUMN, DatasetSpec, VALID_FORMS};
pub use tabular::{CsvTable, csv_delimiter, parse_csv_table};
pub use text::{
    MAX_VOCAB, SHAKESPEARE_LEN, SHAKESPEARE_SHA256, TEXT_BATCH_KEY_TAG, TEXT_TRAIN_FRACTION,
    TextSplit, Vocab, full_pass_windows, parse_text, shakespeare_text, text_batch,
    text_batch_offsets,
};

/// Number of classes of every built-in dataset (digits, MNIST, Fashion-MNIST, CIFAR-10).
/// Your own data (`csv:`, `folder:`) has its own count, in [`Dataset::num_classes`].
pub const NUM_CLASSES: usize = 10;

/// Most classes a `csv:` or `folder:` dataset may have (labels are stored as `u8`).
pub const MAX_CLASSES: usize = 255;

/// Seed of the 80/20 split of your own data ([`stratified_split_indices`]): the ChaCha8
/// key of the shuffles, so the split depends only on the labels, in file order.
pub const STRATIFIED_SPLIT_SEED: u64 = 0x00C7_C1D5_5EED_0080;

/// The deterministic, stratified 80/20 split used for `csv:` data and for a `folder:`
/// without `train/` and `test/`: `(train, test)` indices into `labels`, each sorted.
///
/// The test split gets `ceil(len / 5)` samples (as scikit-learn's `test_size=0.2`),
/// apportioned over the classes `0..num_classes` exactly as for the digits
/// ([`digits_split_indices`]: largest remainder, then the rows of each class shuffled by a
/// ChaCha8 RNG, here keyed by [`STRATIFIED_SPLIT_SEED`], the first ones going to the
/// test split), except that a class never gives its last sample to the test split: a
/// class with a single sample is trained on and not tested, and the test split is then
/// one sample short. Labels of `num_classes` or more are left out of both splits.
pub fn stratified_split_indices(labels: &[u8], num_classes: usize) -> (Vec<usize>, Vec<usize>) {
    let test_total = labels.len().div_ceil(5);
    digits::stratified_split(labels, num_classes, test_total, STRATIFIED_SPLIT_SEED, true)
}

/// The seed of [`validation_split`]'s shuffle (fixed: every run of an experiment holds out the
/// same samples).
pub const VALIDATION_SPLIT_SEED: u64 = 0x00C7_C1D5_0000_7A11;

/// A validation split carved out of a training set: `(train, validation)`, the validation part
/// holding `round(len × fraction)` samples, stratified by class and deterministic (the same
/// apportionment as [`stratified_split_indices`], shuffled with [`VALIDATION_SPLIT_SEED`]; a
/// class keeps at least one sample for training). `fraction` must be in (0, 1).
pub fn validation_split(ds: &Dataset, fraction: f64) -> (Dataset, Dataset) {
    let total = ((ds.len() as f64 * fraction).round() as usize).min(ds.len());
    let (train, val) = digits::stratified_split(
        &ds.labels,
        ds.num_classes,
        total,
        VALIDATION_SPLIT_SEED,
        true,
    );
    (ds.subset(&train), ds.subset(&val))
}

/// A set of labelled images.
///
/// `images` holds `len() × channels × height × width` values: sample-major, CHW within a
/// sample, already normalised. `labels[i] < num_classes` is the class of sample `i`.
#[derive(Clone, PartialEq)]
pub struct Dataset {
    /// Pixel values, `len() × sample_dim()`, sample-major, CHW within a sample.
    pub images: Vec<f32>,
    /// Class of each sample.
    pub labels: Vec<u8>,
    /// Channels per image (1 for greyscale, 3 for RGB).
    pub channels: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// Number of classes.
    pub num_classes: usize,
    /// Human-readable class names, indexed by label.
    pub class_names: Vec<String>,
}

impl std::fmt::Debug for Dataset {
    /// A summary (the pixel data of a real dataset runs to millions of values).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("len", &self.len())
            .field("channels", &self.channels)
            .field("height", &self.height)
            .field("width", &self.width)
            .field("num_classes", &self.num_classes)
            .field("class_names", &self.class_names)
            .finish_non_exhaustive()
    }
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Values per sample: `channels × height × width`.
    pub fn sample_dim(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The `sample_dim()` values of sample `i` (CHW).
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn image(&self, i: usize) -> &[f32] {
        let d = self.sample_dim();
        &self.images[i * d..(i + 1) * d]
    }

    /// A new dataset with the samples at `idx`, in that order (repeats allowed).
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        let mut images = Vec::with_capacity(idx.len() * self.sample_dim());
        let mut labels = Vec::with_capacity(idx.len());
        for &i in idx {
            images.extend_from_slice(self.image(i));
            labels.push(self.labels[i]);
        }
        Dataset {
            images,
            labels,
            channels: self.channels,
            height: self.height,
            width: self.width,
            num_classes: self.num_classes,
            class_names: self.class_names.clone(),
        }
    }
}

/// Normalisation `x' = (x − mean[k]) / std[k]`, with statistics computed on a training
/// split and applied to both splits.
///
/// For images `k` is the channel (`mean` has one entry per channel, [`Normalization::compute`]);
/// for tabular data it is the position within the sample (`mean` has
/// [`Dataset::sample_dim`] entries, one per feature, [`Normalization::compute_per_feature`]).
/// The two agree when images are 1×1.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Normalization {
    /// Mean of each channel (of the pixel values scaled to `[0, 1]`), or of each feature.
    pub mean: Vec<f32>,
    /// Population standard deviation of each channel or feature; 1 where it is constant.
    pub std: Vec<f32>,
}

/// Mean and population std from `f64` sums; std 1 where the spread is (near) zero or
/// there are no values.
fn mean_std(sum: f64, sum_sq: f64, count: f64) -> (f32, f32) {
    if count == 0.0 {
        return (0.0, 1.0);
    }
    let m = sum / count;
    let var = (sum_sq / count - m * m).max(0.0);
    let s = var.sqrt();
    (m as f32, if s > 1e-6 { s as f32 } else { 1.0 })
}

impl Normalization {
    /// Mean and population standard deviation of each channel of `ds` (accumulated in
    /// `f64`). A channel with (near-)zero spread, or an empty dataset, gets std 1 so that
    /// applying the normalisation never divides by zero.
    pub fn compute(ds: &Dataset) -> Normalization {
        let hw = ds.height * ds.width;
        let mut sum = vec![0.0f64; ds.channels];
        let mut sum_sq = vec![0.0f64; ds.channels];
        if hw > 0 && ds.channels > 0 {
            for sample in ds.images.chunks_exact(ds.channels * hw) {
                for (c, plane) in sample.chunks_exact(hw).enumerate() {
                    for &v in plane {
                        let v = f64::from(v);
                        sum[c] += v;
                        sum_sq[c] += v * v;
                    }
                }
            }
        }
        let count = (ds.len() * hw) as f64;
        let (mean, std) = (0..ds.channels)
            .map(|c| mean_std(sum[c], sum_sq[c], count))
            .unzip();
        Normalization { mean, std }
    }

    /// Mean and population standard deviation of each of the [`Dataset::sample_dim`]
    /// values of a sample, over the samples of `ds` (per feature, as scikit-learn's
    /// `StandardScaler`); std 1 where a feature is (near-)constant or `ds` is empty.
    pub fn compute_per_feature(ds: &Dataset) -> Normalization {
        let d = ds.sample_dim();
        let mut sum = vec![0.0f64; d];
        let mut sum_sq = vec![0.0f64; d];
        if d > 0 {
            for sample in ds.images.chunks_exact(d) {
                for ((s, q), &v) in sum.iter_mut().zip(&mut sum_sq).zip(sample) {
                    let v = f64::from(v);
                    *s += v;
                    *q += v * v;
                }
            }
        }
        let count = ds.len() as f64;
        let (mean, std) = (0..d).map(|k| mean_std(sum[k], sum_sq[k], count)).unzip();
        Normalization { mean, std }
    }

    /// Normalises `ds.images` in place: per feature if `self` has
    /// [`Dataset::sample_dim`] entries, otherwise per channel.
    ///
    /// # Panics
    /// If `self` has neither `sample_dim()` entries nor at least as many as `ds` has
    /// channels.
    pub fn apply(&self, ds: &mut Dataset) {
        let hw = ds.height * ds.width;
        if hw == 0 || ds.channels == 0 {
            return;
        }
        let d = ds.sample_dim();
        if self.mean.len() == d && self.std.len() == d {
            let inv: Vec<f32> = self.std.iter().map(|s| 1.0 / s).collect();
            for sample in ds.images.chunks_exact_mut(d) {
                for ((v, &m), &i) in sample.iter_mut().zip(&self.mean).zip(&inv) {
                    *v = (*v - m) * i;
                }
            }
            return;
        }
        let channels = ds.channels;
        for sample in ds.images.chunks_exact_mut(channels * hw) {
            for (c, plane) in sample.chunks_exact_mut(hw).enumerate() {
                let (m, inv) = (self.mean[c], 1.0 / self.std[c]);
                for v in plane {
                    *v = (*v - m) * inv;
                }
            }
        }
    }
}

/// A named train/test pair, as loaded by [`DatasetSpec::load`].
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Short dataset name ([`DatasetSpec::name`]).
    pub name: String,
    /// Training split (normalised).
    pub train: Dataset,
    /// Test split (normalised with the training statistics).
    pub test: Dataset,
    /// Where the data came from, for reports (directory and files, or "embedded …").
    pub source: String,
    /// The normalisation applied to both splits (computed on `train`).
    pub normalization: Normalization,
}

/// Computes the per-channel normalisation on `train`, applies it to both, and builds the
/// [`Split`].
pub(crate) fn normalize_split(name: &str, train: Dataset, test: Dataset, source: String) -> Split {
    let normalization = Normalization::compute(&train);
    finish_split(name, train, test, source, normalization)
}

/// Applies `normalization` (computed on `train`) to both splits and builds the [`Split`].
pub(crate) fn finish_split(
    name: &str,
    mut train: Dataset,
    mut test: Dataset,
    source: String,
    normalization: Normalization,
) -> Split {
    normalization.apply(&mut train);
    normalization.apply(&mut test);
    Split {
        name: name.to_owned(),
        train,
        test,
        source,
        normalization,
    }
}

/// Checks every label is below [`NUM_CLASSES`].
pub(crate) fn check_labels(labels: &[u8], what: &str) -> Result<(), DataError> {
    match labels.iter().position(|&l| usize::from(l) >= NUM_CLASSES) {
        Some(index) => Err(DataError::LabelOutOfRange {
            what: what.to_owned(),
            index,
            label: labels[index],
            num_classes: NUM_CLASSES,
        }),
        None => Ok(()),
    }
}

/// Reads a whole file, mapping errors to [`DataError`] naming the path.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

/// A ChaCha8 generator keyed by `seed` on stream `stream`. ChaCha8's output is
/// value-stable across `rand_chacha` releases, so orders derived from it are reproducible.
pub(crate) fn chacha(seed: u64, stream: u64) -> ChaCha8Rng {
    chacha_tagged(seed, b"cyclr-data", stream)
}

/// A ChaCha8 generator whose 32-byte key is the 8 little-endian bytes of `seed`, then `tag`,
/// then zeros, on stream `stream`. [`chacha`] is the tag `cyclr-data`; a different tag gives
/// generators independent of all of its streams (the text batches use `cyclr-text`).
pub(crate) fn chacha_tagged(seed: u64, tag: &[u8; 10], stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..18].copy_from_slice(tag);
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// Uniform integer in `0..bound` (`bound > 0`), unbiased (Lemire's multiply-and-reject).
/// Implemented here rather than taken from `rand` so that shuffles stay identical across
/// `rand` releases.
pub(crate) fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(bound);
        if (m as u64) >= threshold {
            return (m >> 64) as u64;
        }
    }
}

/// Fisher–Yates shuffle driven by [`below`].
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// The mini-batches of one epoch: the indices `0..n` shuffled and cut into batches of
/// `batch_size` (the last one shorter unless `drop_last`, in which case it is dropped).
///
/// Deterministic: the order depends only on `(n, seed, epoch)`. Each epoch uses its own
/// stream of a ChaCha8 generator keyed by `seed`, so epochs differ from one another and
/// the result is stable across `rand` upgrades.
///
/// # Panics
/// If `batch_size` is 0.
pub fn batches(
    n: usize,
    batch_size: usize,
    seed: u64,
    epoch: u64,
    drop_last: bool,
) -> Vec<Vec<usize>> {
    assert!(batch_size > 0, "batches: batch_size must be at least 1");
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, &mut chacha(seed, epoch));
    order
        .chunks(batch_size)
        .filter(|b| !drop_last || b.len() == batch_size)
        .map(<[usize]>::to_vec)
        .collect()
}
