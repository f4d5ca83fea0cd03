//! Fuzzes the IDX image and label parsers, directly and behind `maybe_gunzip`.
#![no_main]

use cyclr_data::{maybe_gunzip, parse_idx_images, parse_idx_labels};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    if let Ok((n, rows, cols, pixels)) = parse_idx_images(bytes, "fuzz") {
        // On success the header and payload must agree exactly.
        assert!(rows > 0 && cols > 0);
        assert_eq!(pixels.len(), n * rows * cols);
        assert_eq!(bytes.len(), 16 + pixels.len());
    }
    if let Ok(labels) = parse_idx_labels(bytes, "fuzz") {
        assert_eq!(bytes.len(), 8 + labels.len());
        assert!(labels.iter().all(|&l| l < 10));
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    match maybe_gunzip(data, "fuzz") {
        Ok(plain) => check(&plain),
        Err(e) => {
            // Errors must render (and name the source) without panicking.
            assert!(e.to_string().starts_with("fuzz"));
        }
    }
});
