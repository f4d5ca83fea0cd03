//! The validation split carved out of a training set: sizes, stratification, disjointness,
//! determinism.

use cyclr_data::{DatasetSpec, validation_split};

#[test]
fn validation_split_is_stratified_disjoint_and_fixed() {
    let split = DatasetSpec::Digits.load().unwrap();
    let train = &split.train;
    let (rest, val) = validation_split(train, 0.1);
    assert_eq!(val.len(), (train.len() as f64 * 0.1).round() as usize);
    assert_eq!(rest.len() + val.len(), train.len());
    // Disjoint: every training image is in exactly one part (images are distinct rows here).
    let key = |ds: &cyclr_data::Dataset, i: usize| -> Vec<u32> {
        ds.image(i).iter().map(|v| v.to_bits()).collect()
    };
    let mut all: Vec<Vec<u32>> = (0..rest.len()).map(|i| key(&rest, i)).collect();
    all.extend((0..val.len()).map(|i| key(&val, i)));
    let mut orig: Vec<Vec<u32>> = (0..train.len()).map(|i| key(train, i)).collect();
    all.sort();
    orig.sort();
    assert_eq!(all, orig);
    // Stratified: each class's share of the validation split within one sample of its share.
    for c in 0..train.num_classes as u8 {
        let n = train.labels.iter().filter(|&&l| l == c).count() as f64;
        let v = val.labels.iter().filter(|&&l| l == c).count() as f64;
        assert!((v - n * 0.1).abs() <= 1.0, "class {c}: {v} of {n}");
    }
    // Deterministic.
    let (_, again) = validation_split(train, 0.1);
    assert_eq!(again.labels, val.labels);
    assert_eq!(again.images, val.images);
}
