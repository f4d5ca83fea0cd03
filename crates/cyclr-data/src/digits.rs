//! The embedded scikit-learn digits data set and its fixed train/test split.

use crate::{DataError, Dataset, NUM_CLASSES, Split, normalize_split, shuffle};

/// `digits.csv.gz` exactly as shipped by scikit-learn (see `data/digits/LICENSE-NOTE.md`).
pub(crate) static DIGITS_CSV_GZ: &[u8] = include_bytes!("../data/digits/digits.csv.gz");

/// Name of the embedded file, used in error messages and reports.
const WHAT: &str = "embedded digits.csv.gz";

/// Number of samples in the digits data set.
pub const DIGITS_LEN: usize = 1797;
/// Side length of a digits image (8×8, one channel).
pub const DIGITS_SIDE: usize = 8;
/// Largest pixel value in the digits data (pixels are counts of "on" pixels in 4×4 blocks).
pub const DIGITS_MAX_PIXEL: u8 = 16;
/// Size of the fixed digits test split (≈ 20 %). The training split has the other 1437.
pub const DIGITS_TEST_LEN: usize = 360;
/// Seed of the fixed digits split (ChaCha8 key; see [`digits_split_indices`]).
pub const DIGITS_SPLIT_SEED: u64 = 0x00C7_C1D5_D161_7500;

/// Parses the embedded CSV: 1797 lines of 64 pixel values (0–16) and a label (0–9).
///
/// Returns raw pixels (0–16, sample-major, row-major) and labels.
fn parse_digits_csv(text: &str) -> Result<(Vec<u8>, Vec<u8>), DataError> {
    let features = DIGITS_SIDE * DIGITS_SIDE;
    let mut pixels = Vec::with_capacity(DIGITS_LEN * features);
    let mut labels = Vec::with_capacity(DIGITS_LEN);
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let err = |detail: String| DataError::Csv {
            what: WHAT.to_owned(),
            line: i + 1,
            detail,
        };
        let fields: Vec<&str> = line.trim().split(',').collect();
        if fields.len() != features + 1 {
            return Err(err(format!(
                "expected {} comma-separated values, found {}",
                features + 1,
                fields.len()
            )));
        }
        for (j, f) in fields.iter().enumerate() {
            let v: u8 = f
                .trim()
                .parse()
                .map_err(|_| err(format!("value {} ({f:?}) is not an integer 0-255", j + 1)))?;
            if j < features {
                if v > DIGITS_MAX_PIXEL {
                    return Err(err(format!(
                        "pixel {} is {v}, above the maximum {DIGITS_MAX_PIXEL}",
                        j + 1
                    )));
                }
                pixels.push(v);
            } else {
                if usize::from(v) >= NUM_CLASSES {
                    return Err(err(format!("label {v} is not a digit 0-9")));
                }
                labels.push(v);
            }
        }
    }
    if labels.len() != DIGITS_LEN {
        return Err(DataError::BadLength {
            what: WHAT.to_owned(),
            detail: format!("expected {DIGITS_LEN} samples, found {}", labels.len()),
        });
    }
    Ok((pixels, labels))
}

/// The raw embedded digits: pixels 0–16 (`1797 × 64`, sample-major) and labels, in the
/// order of the CSV file.
pub fn digits_raw() -> Result<(Vec<u8>, Vec<u8>), DataError> {
    let bytes = crate::maybe_gunzip(DIGITS_CSV_GZ, WHAT)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| DataError::BadLength {
        what: WHAT.to_owned(),
        detail: format!("not UTF-8 text: {e}"),
    })?;
    parse_digits_csv(text)
}

/// The fixed, stratified digits split: `(train, test)` row indices into the CSV, each
/// sorted ascending.
///
/// Rule: each class `c` with `n_c` samples gets `floor(360 · n_c / 1797)` test samples;
/// the 360 − Σ floor leftover slots go to the classes with the largest remainders (ties:
/// lower class first). Within each class the row indices are shuffled with a ChaCha8 RNG
/// keyed by [`DIGITS_SPLIT_SEED`] (one RNG, classes in order 0–9) and the first quota
/// rows go to the test split. The result is 1437 train / 360 test samples with every
/// class in both and class proportions equal to the full set's to within one sample.
///
/// For inputs other than the 1797 digits labels the test split has `len / 5` samples
/// (same rule); labels of 10 or more are left out of both splits.
pub fn digits_split_indices(labels: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let n = labels.len();
    let test_total = if n == DIGITS_LEN {
        DIGITS_TEST_LEN
    } else {
        // Not used by the crate itself; keep the same 20 % ratio for other inputs.
        n / 5
    };
    stratified_split(labels, NUM_CLASSES, test_total, DIGITS_SPLIT_SEED, false)
}

/// The stratified split behind [`digits_split_indices`] and
/// [`crate::stratified_split_indices`]: `test_total` samples apportioned over the classes
/// `0..num_classes` by largest remainder (ties: lower class first), each class's row
/// indices shuffled with one ChaCha8 RNG keyed by `seed` (classes in order) and its first
/// quota rows sent to the test split. With `keep_one_in_train`, a class never gives its
/// last sample to the test split (so every class is trained on, at the cost of a smaller
/// test split when a class has a single sample). Labels of `num_classes` or more are left
/// out of both splits. Both halves are sorted ascending.
pub(crate) fn stratified_split(
    labels: &[u8],
    num_classes: usize,
    test_total: usize,
    seed: u64,
    keep_one_in_train: bool,
) -> (Vec<usize>, Vec<usize>) {
    let n = labels.len();
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); num_classes];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(v) = by_class.get_mut(usize::from(l)) {
            v.push(i);
        }
    }
    let counted: usize = by_class.iter().map(Vec::len).sum();
    // Largest-remainder apportionment of `test_total` over the classes.
    let mut quota: Vec<usize> = Vec::with_capacity(num_classes);
    let mut remainders: Vec<(usize, usize)> = Vec::with_capacity(num_classes);
    for (c, members) in by_class.iter().enumerate() {
        let num = members.len() * test_total;
        quota.push(num.checked_div(counted).unwrap_or(0));
        remainders.push((num.checked_rem(counted).unwrap_or(0), c));
    }
    let leftover = test_total.saturating_sub(quota.iter().sum());
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, c) in remainders.iter().take(leftover) {
        quota[c] += 1;
    }
    let mut rng = crate::chacha(seed, 0);
    let mut train = Vec::with_capacity(n - test_total.min(n));
    let mut test = Vec::with_capacity(test_total);
    for (members, &q) in by_class.iter_mut().zip(&quota) {
        shuffle(members, &mut rng);
        let q = q.min(members.len().saturating_sub(usize::from(keep_one_in_train)));
        test.extend_from_slice(&members[..q]);
        train.extend_from_slice(&members[q..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Loads the embedded digits as a [`Split`]: 1 channel, 8×8, pixels divided by 16, then
/// normalised with the training split's mean and standard deviation.
pub(crate) fn load_digits() -> Result<Split, DataError> {
    let (pixels, labels) = digits_raw()?;
    let features = DIGITS_SIDE * DIGITS_SIDE;
    let all = Dataset {
        images: pixels
            .iter()
            .map(|&p| f32::from(p) / f32::from(DIGITS_MAX_PIXEL))
            .collect(),
        labels,
        channels: 1,
        height: DIGITS_SIDE,
        width: DIGITS_SIDE,
        num_classes: NUM_CLASSES,
        class_names: (0..NUM_CLASSES).map(|d| d.to_string()).collect(),
    };
    debug_assert_eq!(all.images.len(), all.labels.len() * features);
    let (train_idx, test_idx) = digits_split_indices(&all.labels);
    let train = all.subset(&train_idx);
    let test = all.subset(&test_idx);
    let source = format!(
        "embedded scikit-learn digits (UCI Optical Recognition of Handwritten Digits, \
         CC BY 4.0, Alpaydin & Kaynak): {DIGITS_LEN} 8×8 images, stratified split \
         {} train / {} test, seed {DIGITS_SPLIT_SEED:#x}",
        train.len(),
        test.len()
    );
    Ok(normalize_split("digits", train, test, source))
}
