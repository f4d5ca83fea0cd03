//! The embedded digits data set, its fixed split, and `batches`.

use cyclr_data::{DatasetSpec, batches, digits_raw, digits_split_indices};

/// Rows 1, 2, 1000 and 1797 (1-based) of digits.csv.gz, copied from `zcat | sed -n`.
const CSV_ROWS: [(usize, &str); 4] = [
    (
        0,
        "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0",
    ),
    (
        1,
        "0,0,0,12,13,5,0,0,0,0,0,11,16,9,0,0,0,0,3,15,16,6,0,0,0,7,15,16,16,2,0,0,0,0,1,16,16,3,0,0,0,0,1,16,16,6,0,0,0,0,1,16,16,6,0,0,0,0,0,11,16,10,0,0,1",
    ),
    (
        999,
        "0,0,9,15,14,2,0,0,0,0,9,3,9,8,0,0,0,0,0,0,6,10,0,0,0,0,0,10,15,2,0,0,0,0,2,10,11,15,2,0,0,3,1,0,0,14,4,0,0,10,13,7,2,12,4,0,0,0,7,14,16,10,0,0,3",
    ),
    (
        1796,
        "0,0,10,14,8,1,0,0,0,2,16,14,6,1,0,0,0,0,15,15,8,15,0,0,0,0,5,16,16,10,0,0,0,0,12,15,15,12,0,0,0,4,16,6,4,16,6,0,0,8,16,10,8,16,8,0,0,1,8,12,14,12,1,0,8",
    ),
];

fn parse_row(s: &str) -> (Vec<u8>, u8) {
    let v: Vec<u8> = s.split(',').map(|x| x.parse().unwrap()).collect();
    (v[..64].to_vec(), v[64])
}

#[test]
fn raw_digits_match_csv() {
    let (pixels, labels) = digits_raw().unwrap();
    assert_eq!(labels.len(), 1797);
    assert_eq!(pixels.len(), 1797 * 64);
    for (row, text) in CSV_ROWS {
        let (px, label) = parse_row(text);
        assert_eq!(&pixels[row * 64..(row + 1) * 64], &px[..], "row {row}");
        assert_eq!(labels[row], label, "row {row}");
    }
    assert!(pixels.iter().all(|&p| p <= 16));
}

#[test]
fn split_sizes_classes_and_pixels() {
    let split = DatasetSpec::Digits.load().unwrap();
    assert_eq!(split.name, "digits");
    assert_eq!(split.train.len(), 1437);
    assert_eq!(split.test.len(), 360);
    assert_eq!(split.train.len() + split.test.len(), 1797);
    for ds in [&split.train, &split.test] {
        assert_eq!((ds.channels, ds.height, ds.width), (1, 8, 8));
        assert_eq!(ds.images.len(), ds.len() * 64);
        assert_eq!(ds.num_classes, 10);
        assert_eq!(ds.class_names.len(), 10);
        let mut seen = [0usize; 10];
        for &l in &ds.labels {
            seen[usize::from(l)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 0), "{seen:?}");
    }
    // Stratified: every class is 20 % ± 1 sample of its total in the test split.
    let (_, labels) = digits_raw().unwrap();
    for c in 0..10u8 {
        let total = labels.iter().filter(|&&l| l == c).count() as f64;
        let test = split.test.labels.iter().filter(|&&l| l == c).count() as f64;
        assert!((test - total * 360.0 / 1797.0).abs() < 1.0, "class {c}");
    }

    // The loaded images are the CSV rows / 16, normalised; check the rows above wherever
    // the split put them.
    let (train_idx, test_idx) = digits_split_indices(&labels);
    let norm = &split.normalization;
    for (row, text) in CSV_ROWS {
        let (px, label) = parse_row(text);
        let (ds, pos) = match train_idx.binary_search(&row) {
            Ok(p) => (&split.train, p),
            Err(_) => (&split.test, test_idx.binary_search(&row).unwrap()),
        };
        assert_eq!(ds.labels[pos], label);
        for (p, &v) in ds.image(pos).iter().enumerate() {
            let got = v * norm.std[0] + norm.mean[0];
            assert!(
                (got - f32::from(px[p]) / 16.0).abs() < 1e-5,
                "row {row} px {p}"
            );
        }
    }
    assert!(norm.std[0] > 0.0 && norm.mean[0] > 0.0);
}

#[test]
fn split_is_deterministic_and_pinned() {
    let (_, labels) = digits_raw().unwrap();
    let (train, test) = digits_split_indices(&labels);
    assert_eq!(digits_split_indices(&labels), (train.clone(), test.clone()));
    // A partition of 0..1797, each half sorted.
    let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1797).collect::<Vec<_>>());
    assert!(train.windows(2).all(|w| w[0] < w[1]));
    assert!(test.windows(2).all(|w| w[0] < w[1]));
    // Pinned: a change here means a different split, which invalidates every result
    // reported on digits. Update only deliberately.
    assert_eq!(&test[..8], &PINNED_TEST_HEAD);
    assert_eq!(test.iter().sum::<usize>(), PINNED_TEST_SUM);

    let a = DatasetSpec::Digits.load().unwrap();
    let b = DatasetSpec::Digits.load().unwrap();
    assert_eq!(a, b);
}

const PINNED_TEST_HEAD: [usize; 8] = [7, 18, 22, 24, 28, 34, 39, 45];
const PINNED_TEST_SUM: usize = 314_698;

#[test]
fn batches_deterministic_and_complete() {
    let a = batches(103, 10, 42, 3, false);
    assert_eq!(a, batches(103, 10, 42, 3, false));
    assert_eq!(a.len(), 11);
    assert!(a[..10].iter().all(|b| b.len() == 10));
    assert_eq!(a[10].len(), 3);
    let mut all: Vec<usize> = a.concat();
    all.sort_unstable();
    assert_eq!(all, (0..103).collect::<Vec<_>>());
    // Actually shuffled, and different per epoch and per seed.
    assert_ne!(a.concat(), (0..103).collect::<Vec<_>>());
    assert_ne!(a, batches(103, 10, 42, 4, false));
    assert_ne!(a, batches(103, 10, 43, 3, false));
    // drop_last drops only the short batch, keeping the same order.
    let d = batches(103, 10, 42, 3, true);
    assert_eq!(d.len(), 10);
    assert_eq!(d[..], a[..10]);
    assert_eq!(batches(100, 10, 1, 0, true).len(), 10);
    assert!(batches(5, 10, 1, 0, true).is_empty());
    assert_eq!(batches(5, 10, 1, 0, false).len(), 1);
    assert!(batches(0, 4, 1, 0, false).is_empty());
    // Pinned order (ChaCha8, value-stable across rand upgrades).
    assert_eq!(batches(12, 12, 7, 1, false)[0], PINNED_BATCH);
}

const PINNED_BATCH: [usize; 12] = [1, 10, 3, 8, 2, 4, 5, 9, 7, 6, 11, 0];

#[test]
#[should_panic(expected = "batch_size must be at least 1")]
fn batches_rejects_zero_batch_size() {
    batches(10, 0, 0, 0, false);
}
