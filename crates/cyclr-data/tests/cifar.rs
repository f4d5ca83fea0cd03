//! CIFAR-10 binary parsing and loading on small synthetic files (the full-size
//! loader happy path is a unit test in `src/cifar.rs`, with a smaller record count).

mod common;

use common::*;
use cyclr_data::{CIFAR_RECORD, DataError, DatasetSpec, parse_cifar_batch};

#[test]
fn parse_round_trip() {
    let labels = [3u8, 0, 9, 7];
    let (px, lbl) = parse_cifar_batch(&cifar_records(&labels), "b").unwrap();
    assert_eq!(lbl, labels);
    assert_eq!(px.len(), 4 * 3072);
    for i in 0..4 {
        for p in [0, 1, 1023, 1024, 2047, 2048, 3071] {
            assert_eq!(px[i * 3072 + p], pixel(i, p), "record {i} byte {p}");
        }
    }
}

#[test]
fn wrong_length() {
    let good = cifar_records(&[1, 2]);
    for len in [1, CIFAR_RECORD - 1, CIFAR_RECORD + 1, 2 * CIFAR_RECORD - 1] {
        let e = parse_cifar_batch(&good[..len.min(good.len())], "data_batch_1.bin").unwrap_err();
        assert!(matches!(e, DataError::BadLength { .. }), "{len}: {e:?}");
        let s = e.to_string();
        assert!(s.starts_with("data_batch_1.bin: file has"), "{s}");
        assert!(s.contains("3073"), "{s}");
    }
    let mut long = good.clone();
    long.push(0);
    assert!(parse_cifar_batch(&long, "b").is_err());
    assert!(matches!(
        parse_cifar_batch(&[], "b"),
        Err(DataError::BadLength { .. })
    ));
}

#[test]
fn label_out_of_range() {
    let e = parse_cifar_batch(&cifar_records(&[0, 9, 10]), "b").unwrap_err();
    assert!(
        matches!(
            e,
            DataError::LabelOutOfRange {
                index: 2,
                label: 10,
                ..
            }
        ),
        "{e:?}"
    );
}

fn write_cifar_dir(dir: &std::path::Path, records: usize) {
    let labels = cyclic_labels(records);
    for f in [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
    ] {
        std::fs::write(dir.join(f), cifar_records(&labels)).unwrap();
    }
}

#[test]
fn loader_requires_full_batches() {
    // Well-formed records, but not the official 10000 per file.
    let dir = tempfile::tempdir().unwrap();
    write_cifar_dir(dir.path(), 3);
    let e = DatasetSpec::Cifar10(dir.path().to_path_buf())
        .load()
        .unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, DataError::BadLength { .. }), "{e:?}");
    let p = dir.path().join("data_batch_1.bin");
    assert!(
        s.starts_with(&format!("{}: expected 10000 records", p.display())),
        "{s}"
    );
    assert!(
        s.contains(&format!("file has {} bytes", 3 * CIFAR_RECORD)),
        "{s}"
    );
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar_dir(dir.path(), 1);
    std::fs::remove_file(dir.path().join("test_batch.bin")).unwrap();
    let e = DatasetSpec::Cifar10(dir.path().to_path_buf())
        .load()
        .unwrap_err();
    let want = dir.path().join("test_batch.bin");
    assert!(
        e.to_string()
            .starts_with(&format!("{}: not found", want.display())),
        "{e}"
    );

    let gone = dir.path().join("nope");
    let e = DatasetSpec::Cifar10(gone.clone()).load().unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}: not found", gone.display())),
        "{e}"
    );
}
