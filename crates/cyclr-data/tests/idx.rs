//! IDX (MNIST / Fashion-MNIST) parsing and loading, on small synthetic files.

mod common;

use common::*;
use cyclr_data::{DataError, DatasetSpec, FASHION_MNIST_CLASSES, Split, parse_idx_images};
use cyclr_data::{maybe_gunzip, parse_idx_labels};
use std::path::Path;

fn load_mnist(dir: &Path) -> Result<Split, DataError> {
    DatasetSpec::Mnist(dir.to_path_buf()).load()
}

/// Undoes the normalisation of value `v` in channel `c`.
fn raw(split: &Split, c: usize, v: f32) -> f32 {
    v * split.normalization.std[c] + split.normalization.mean[c]
}

fn err_string(r: Result<Split, DataError>) -> (DataError, String) {
    let e = r.expect_err("expected an error");
    let s = e.to_string();
    (e, s)
}

#[test]
fn raw_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    // Non-square images, so a rows/cols swap would show.
    write_idx_dataset(dir.path(), 23, 7, 4, 3, false);
    let split = load_mnist(dir.path()).unwrap();
    assert_eq!(split.name, "mnist");
    assert_eq!(split.train.len(), 23);
    assert_eq!(split.test.len(), 7);
    for ds in [&split.train, &split.test] {
        assert_eq!((ds.channels, ds.height, ds.width), (1, 4, 3));
        assert_eq!(ds.sample_dim(), 12);
        assert_eq!(ds.images.len(), ds.len() * 12);
        assert_eq!(ds.num_classes, 10);
        assert_eq!(ds.class_names[3], "3");
        assert_eq!(ds.labels, cyclic_labels(ds.len()));
        for i in 0..ds.len() {
            for (p, &v) in ds.image(i).iter().enumerate() {
                let want = f32::from(pixel(i, p)) / 255.0;
                assert!(
                    (raw(&split, 0, v) - want).abs() < 1e-5,
                    "sample {i} pixel {p}: {} vs {want}",
                    raw(&split, 0, v)
                );
            }
        }
    }
    // Normalised with the training statistics: train has mean 0, std 1.
    let n = split.train.images.len() as f64;
    let mean = split
        .train
        .images
        .iter()
        .map(|&v| f64::from(v))
        .sum::<f64>()
        / n;
    let var = split
        .train
        .images
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!(mean.abs() < 1e-5, "train mean {mean}");
    assert!((var.sqrt() - 1.0).abs() < 1e-4, "train std {}", var.sqrt());
    assert!(split.source.contains(&dir.path().display().to_string()));
}

#[test]
fn gzipped_files_round_trip_as_fashion_mnist() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 12, 5, 5, 6, true);
    let split = DatasetSpec::FashionMnist(Some(dir.path().to_path_buf()))
        .load()
        .unwrap();
    assert_eq!(split.name, "fashion-mnist");
    assert_eq!((split.train.len(), split.test.len()), (12, 5));
    assert_eq!((split.test.height, split.test.width), (5, 6));
    assert_eq!(split.train.class_names, FASHION_MNIST_CLASSES);
    assert_eq!(split.train.class_names[0], "T-shirt/top");
    let v = raw(&split, 0, split.test.image(4)[29]);
    assert!((v - f32::from(pixel(4, 29)) / 255.0).abs() < 1e-5);
    assert!(split.source.contains("train-images-idx3-ubyte.gz"));
}

#[test]
fn raw_file_preferred_when_both_exist() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 4, 2, 2, 2, false);
    // A corrupt .gz next to each raw file must not be read.
    for name in IDX_FILES {
        std::fs::write(dir.path().join(format!("{name}.gz")), [0x1f, 0x8b, 8, 0]).unwrap();
    }
    load_mnist(dir.path()).unwrap();
}

#[test]
fn dotted_file_names_accepted() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 4, 2, 2, 2, false);
    for name in IDX_FILES {
        let dotted = name.replacen("-idx", ".idx", 1);
        std::fs::rename(dir.path().join(name), dir.path().join(dotted)).unwrap();
    }
    load_mnist(dir.path()).unwrap();
}

#[test]
fn wrong_magic_in_images() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 4, 2, 2, 2, false);
    let p = dir.path().join("t10k-images-idx3-ubyte");
    let mut b = std::fs::read(&p).unwrap();
    b[3] = 0x02; // 0x00000802
    std::fs::write(&p, b).unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(
        matches!(e, DataError::BadMagic { found: 0x802, .. }),
        "{e:?}"
    );
    assert!(s.contains(&p.display().to_string()), "{s}");
    assert!(s.contains("bad magic number 0x00000802"), "{s}");
}

#[test]
fn label_file_in_place_of_image_file() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 4, 2, 2, 2, false);
    let p = dir.path().join("train-images-idx3-ubyte");
    std::fs::copy(dir.path().join("train-labels-idx1-ubyte"), &p).unwrap();
    let (_, s) = err_string(load_mnist(dir.path()));
    assert!(s.contains("looks like an IDX label file"), "{s}");
}

#[test]
fn wrong_magic_in_labels() {
    let b = idx_images(1, 1, 1);
    let e = parse_idx_labels(&b, "lbl").unwrap_err();
    assert!(
        matches!(
            e,
            DataError::BadMagic {
                expected: 0x801,
                found: 0x803,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("lbl: bad magic"), "{e}");
}

#[test]
fn header_claims_more_than_file_has() {
    // The example from the API description, verbatim.
    let mut b = idx_images(0, 28, 28);
    b[4..8].copy_from_slice(&60000u32.to_be_bytes());
    b.resize(1000, 0);
    let e = parse_idx_images(&b, "/data/train-images-idx3-ubyte.gz").unwrap_err();
    assert_eq!(
        e.to_string(),
        "/data/train-images-idx3-ubyte.gz: header says 60000 images of 28×28 \
         (47040016 bytes) but the file has 1000 bytes"
    );

    // And through the loader, with a file one byte short.
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 5, 2, 4, 3, false);
    let p = dir.path().join("train-images-idx3-ubyte");
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() - 1]).unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(
        matches!(e, DataError::SizeMismatch { actual: 75, .. }),
        "{e:?}"
    );
    assert_eq!(
        s,
        format!(
            "{}: header says 5 images of 4×3 (76 bytes) but the file has 75 bytes",
            p.display()
        )
    );
}

#[test]
fn header_claims_less_than_file_has() {
    let mut b = idx_images(5, 4, 3);
    b.push(0);
    let e = parse_idx_images(&b, "img").unwrap_err();
    assert_eq!(
        e.to_string(),
        "img: header says 5 images of 4×3 (76 bytes) but the file has 77 bytes"
    );

    let mut l = idx_labels(&[1, 2, 3]);
    l.push(4);
    let e = parse_idx_labels(&l, "lbl").unwrap_err();
    assert_eq!(
        e.to_string(),
        "lbl: header says 3 labels (11 bytes) but the file has 12 bytes"
    );
    l.truncate(10);
    let e = parse_idx_labels(&l, "lbl").unwrap_err();
    assert!(
        matches!(e, DataError::SizeMismatch { actual: 10, .. }),
        "{e:?}"
    );
}

#[test]
fn absurd_or_degenerate_headers() {
    // Dimensions whose product overflows usize.
    let mut b = idx_images(0, 1, 1);
    for at in [4, 8, 12] {
        b[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    }
    let e = parse_idx_images(&b, "img").unwrap_err();
    assert!(
        matches!(
            e,
            DataError::BadHeader { .. } | DataError::SizeMismatch { .. }
        ),
        "{e:?}"
    );
    // Zero-sized images.
    let e = parse_idx_images(&idx_images(0, 0, 28), "img").unwrap_err();
    assert!(matches!(e, DataError::BadHeader { .. }), "{e:?}");
    // Short headers.
    for len in [0, 3, 4, 15] {
        let e = parse_idx_images(&idx_images(1, 1, 1)[..len], "img").unwrap_err();
        assert!(matches!(e, DataError::ShortHeader { .. }), "{len}: {e:?}");
    }
    for len in [0, 7] {
        let e = parse_idx_labels(&idx_labels(&[1])[..len], "lbl").unwrap_err();
        assert!(matches!(e, DataError::ShortHeader { .. }), "{len}: {e:?}");
    }
}

#[test]
fn parsers_accept_valid_input() {
    let (n, r, c, px) = parse_idx_images(&idx_images(3, 2, 5), "img").unwrap();
    assert_eq!((n, r, c, px.len()), (3, 2, 5, 30));
    assert_eq!(px[12], pixel(1, 2));
    assert_eq!(
        parse_idx_labels(&idx_labels(&[9, 0, 3]), "lbl").unwrap(),
        [9, 0, 3]
    );
}

#[test]
fn label_out_of_range() {
    let e = parse_idx_labels(&idx_labels(&[1, 9, 10, 3]), "lbl").unwrap_err();
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

    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 5, 3, 2, 2, false);
    let p = dir.path().join("t10k-labels-idx1-ubyte");
    std::fs::write(&p, idx_labels(&[0, 255, 1])).unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(
        matches!(e, DataError::LabelOutOfRange { label: 255, .. }),
        "{e:?}"
    );
    assert!(s.contains(&p.display().to_string()), "{s}");
}

#[test]
fn image_label_count_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 5, 3, 2, 2, false);
    std::fs::write(
        dir.path().join("train-labels-idx1-ubyte"),
        idx_labels(&[0, 1, 2, 3]),
    )
    .unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(
        matches!(
            e,
            DataError::CountMismatch {
                n_images: 5,
                n_labels: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(s.contains("train-images-idx3-ubyte has 5 images"), "{s}");
    assert!(s.contains("train-labels-idx1-ubyte has 4 labels"), "{s}");
}

#[test]
fn train_test_shape_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 5, 3, 2, 2, false);
    std::fs::write(
        dir.path().join("t10k-images-idx3-ubyte"),
        idx_images(3, 2, 3),
    )
    .unwrap();
    let (e, _) = err_string(load_mnist(dir.path()));
    assert!(matches!(e, DataError::ShapeMismatch { .. }), "{e:?}");
}

#[test]
fn empty_split_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 0, 3, 2, 2, false);
    let (e, _) = err_string(load_mnist(dir.path()));
    assert!(matches!(e, DataError::Empty { .. }), "{e:?}");
}

#[test]
fn truncated_gzip() {
    let full = gzip(&idx_images(40, 8, 8));
    // Cut in the middle of the deflate data, and cut only the CRC/length trailer.
    for cut in [full.len() / 2, full.len() - 4, full.len() - 1] {
        let e = maybe_gunzip(&full[..cut], "x.gz").unwrap_err();
        assert!(matches!(e, DataError::Gzip { .. }), "cut {cut}: {e:?}");
        assert!(
            e.to_string()
                .starts_with("x.gz: truncated or corrupt gzip stream"),
            "{e}"
        );
    }
    // A corrupted CRC is detected too.
    let mut bad = full.clone();
    let n = bad.len();
    bad[n - 8] ^= 0xff;
    assert!(matches!(
        maybe_gunzip(&bad, "x.gz"),
        Err(DataError::Gzip { .. })
    ));
    // Through the loader: the message names the file.
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 40, 3, 8, 8, true);
    let p = dir.path().join("train-images-idx3-ubyte.gz");
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() / 2]).unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(matches!(e, DataError::Gzip { .. }), "{e:?}");
    assert!(
        s.starts_with(&format!(
            "{}: truncated or corrupt gzip stream",
            p.display()
        )),
        "{s}"
    );
}

#[test]
fn gunzip_passes_plain_data_through() {
    let data = idx_labels(&[1, 2, 3]);
    assert_eq!(maybe_gunzip(&data, "x").unwrap(), data);
    assert_eq!(maybe_gunzip(&gzip(&data), "x").unwrap(), data);
    assert_eq!(maybe_gunzip(&[], "x").unwrap(), Vec::<u8>::new());
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 5, 3, 2, 2, true);
    std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let (e, s) = err_string(load_mnist(dir.path()));
    assert!(matches!(e, DataError::NotFound { .. }), "{e:?}");
    let want = dir.path().join("t10k-labels-idx1-ubyte[.gz]");
    assert!(
        s.starts_with(&format!("{}: not found", want.display())),
        "{s}"
    );
}

#[test]
fn fashion_mnist_missing_at_custom_dir() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("no-such-dir");
    let (e, s) = err_string(DatasetSpec::FashionMnist(Some(gone.clone())).load());
    assert!(matches!(e, DataError::NotFound { .. }), "{e:?}");
    assert!(
        s.starts_with(&format!("{}: not found", gone.display())),
        "{s}"
    );
    assert!(s.contains("Fashion-MNIST"), "{s}");

    // An existing but empty directory: the first missing file is named.
    let (_, s) = err_string(DatasetSpec::FashionMnist(Some(dir.path().to_path_buf())).load());
    let want = dir.path().join("train-images-idx3-ubyte[.gz]");
    assert!(
        s.starts_with(&format!("{}: not found", want.display())),
        "{s}"
    );
}

/// The real Fashion-MNIST from the Debian package, when installed.
#[test]
fn real_fashion_mnist_if_installed() {
    let dir = Path::new(cyclr_data::FASHION_MNIST_DEFAULT_DIR);
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CYCLR_REQUIRE_FASHION_MNIST").is_none(),
            "CYCLR_REQUIRE_FASHION_MNIST is set but {} is missing",
            dir.display()
        );
        println!(
            "note: {} absent; skipping (apt-get install -y dataset-fashion-mnist)",
            dir.display()
        );
        return;
    }
    let split = DatasetSpec::FashionMnist(None).load().unwrap();
    assert_eq!(split.train.len(), 60000);
    assert_eq!(split.test.len(), 10000);
    for ds in [&split.train, &split.test] {
        assert_eq!((ds.channels, ds.height, ds.width), (1, 28, 28));
        assert_eq!(ds.images.len(), ds.len() * 784);
        let mut counts = [0usize; 10];
        for &l in &ds.labels {
            counts[usize::from(l)] += 1;
        }
        // Fashion-MNIST is exactly balanced.
        assert!(counts.iter().all(|&c| c == ds.len() / 10), "{counts:?}");
    }
    // Published statistics: mean ≈ 0.2860, std ≈ 0.3530 of pixel/255.
    assert!((split.normalization.mean[0] - 0.2860).abs() < 1e-3);
    assert!((split.normalization.std[0] - 0.3530).abs() < 1e-3);
    assert!(split.source.contains("fashion-mnist"));
}
