//! Fuzzes the CIFAR-10 batch parser, directly and behind `maybe_gunzip`.
#![no_main]

use cyclr_data::{CIFAR_PIXELS, CIFAR_RECORD, maybe_gunzip, parse_cifar_batch};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    match parse_cifar_batch(bytes, "fuzz") {
        Ok((pixels, labels)) => {
            assert!(!labels.is_empty());
            assert_eq!(labels.len() * CIFAR_RECORD, bytes.len());
            assert_eq!(pixels.len(), labels.len() * CIFAR_PIXELS);
            assert!(labels.iter().all(|&l| l < 10));
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz")),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Ok(plain) = maybe_gunzip(data, "fuzz") {
        check(&plain);
    }
});
