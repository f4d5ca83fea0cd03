//! Helpers shared by the integration tests: writers for small synthetic dataset files.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// Deterministic pixel value for sample `i`, pixel `p` (covers the whole 0–255 range).
pub fn pixel(i: usize, p: usize) -> u8 {
    ((i * 37 + p * 11 + (p * p) % 7) % 256) as u8
}

/// IDX image bytes: `n` images of `rows`×`cols` filled with [`pixel`].
pub fn idx_images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0x0803u32.to_be_bytes());
    v.extend_from_slice(&n.to_be_bytes());
    v.extend_from_slice(&rows.to_be_bytes());
    v.extend_from_slice(&cols.to_be_bytes());
    let px = (rows * cols) as usize;
    for i in 0..n as usize {
        for p in 0..px {
            v.push(pixel(i, p));
        }
    }
    v
}

/// IDX label bytes for `labels`.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0x0801u32.to_be_bytes());
    v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    v.extend_from_slice(labels);
    v
}

/// Labels `i % 10` for `n` samples.
pub fn cyclic_labels(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 10) as u8).collect()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes a complete small IDX dataset into `dir`: `n_train` / `n_test` images of
/// `rows`×`cols`, labels `i % 10`; gzipped (`name.gz`) if `gz`.
pub fn write_idx_dataset(dir: &Path, n_train: u32, n_test: u32, rows: u32, cols: u32, gz: bool) {
    let contents = [
        idx_images(n_train, rows, cols),
        idx_labels(&cyclic_labels(n_train as usize)),
        idx_images(n_test, rows, cols),
        idx_labels(&cyclic_labels(n_test as usize)),
    ];
    for (name, bytes) in IDX_FILES.iter().zip(contents) {
        if gz {
            std::fs::write(dir.join(format!("{name}.gz")), gzip(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// CIFAR-10 binary records with labels `labels` and pixels from [`pixel`].
pub fn cifar_records(labels: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        v.push(l);
        for p in 0..3072 {
            v.push(pixel(i, p));
        }
    }
    v
}
