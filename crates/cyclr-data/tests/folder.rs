//! `folder:DIR` datasets (torchvision `ImageFolder` layout) on small generated images.

use std::path::{Path, PathBuf};

use cyclr_data::{DataError, DatasetSpec, Split};
use image::{GrayImage, ImageBuffer, LumaA, Rgb, RgbImage};

/// Deterministic grey value of pixel (x, y) of image `i`.
fn grey_px(i: u32, x: u32, y: u32) -> u8 {
    ((i * 29 + x * 13 + y * 7) % 256) as u8
}

fn grey_image(i: u32, w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| image::Luma([grey_px(i, x, y)]))
}

fn rgb_image(i: u32, w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let g = grey_px(i, x, y);
        Rgb([g, g.wrapping_add(50), 255 - g])
    })
}

/// Writes `n` grey `w`×`h` PNGs into `dir` (created), named `img{k}.png`, `k` from `first`.
fn write_grey(dir: &Path, n: u32, first: u32, w: u32, h: u32) {
    std::fs::create_dir_all(dir).unwrap();
    for k in first..first + n {
        grey_image(k, w, h)
            .save(dir.join(format!("img{k}.png")))
            .unwrap();
    }
}

fn load(dir: &Path) -> Result<Split, DataError> {
    let spec: DatasetSpec = format!("folder:{}", dir.display()).parse().unwrap();
    assert_eq!(spec, DatasetSpec::Folder(dir.to_path_buf()));
    spec.load()
}

/// The `[0, 1]` value behind normalised value `v` of channel `c`.
fn raw(split: &Split, c: usize, v: f32) -> f32 {
    v * split.normalization.std[c] + split.normalization.mean[c]
}

#[test]
fn train_test_layout_greyscale() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    // Classes "cat" and "dog": 3 train and 1 test image each, 8 wide × 6 high.
    write_grey(&d.join("train/dog"), 3, 0, 8, 6);
    write_grey(&d.join("train/cat"), 3, 10, 8, 6);
    write_grey(&d.join("test/dog"), 1, 20, 8, 6);
    write_grey(&d.join("test/cat"), 1, 30, 8, 6);
    // Skipped: other extensions, hidden files, hidden folders, files in split folders.
    std::fs::write(d.join("train/cat/notes.txt"), "not an image").unwrap();
    std::fs::write(d.join("train/cat/.hidden.png"), "not an image").unwrap();
    std::fs::write(d.join("train/README.png"), "not an image").unwrap();
    write_grey(&d.join("train/.cache"), 1, 0, 3, 3);
    write_grey(&d.join("test/.cache"), 1, 0, 3, 3);
    // Upper-case extension counts.
    std::fs::rename(d.join("test/dog/img20.png"), d.join("test/dog/IMG20.PNG")).unwrap();

    let split = load(d).unwrap();
    assert!(
        split.name.ends_with('/'),
        "named by its folder: {}",
        split.name
    );
    assert_eq!((split.train.len(), split.test.len()), (6, 2));
    for ds in [&split.train, &split.test] {
        assert_eq!((ds.channels, ds.height, ds.width), (1, 6, 8));
        assert_eq!(ds.class_names, ["cat", "dog"]);
        assert_eq!(ds.num_classes, 2);
    }
    // Classes in sorted order, files in name order: cat img10..12, dog img0..2.
    assert_eq!(split.train.labels, [0, 0, 0, 1, 1, 1]);
    assert_eq!(split.test.labels, [0, 1]);
    assert_eq!(split.normalization.mean.len(), 1);
    for (pos, i) in [(0usize, 10u32), (2, 12), (3, 0), (5, 2)] {
        let img = split.train.image(pos);
        for (x, y) in [(0u32, 0u32), (7, 0), (3, 5), (7, 5)] {
            let got = raw(&split, 0, img[(y * 8 + x) as usize]);
            let want = f32::from(grey_px(i, x, y)) / 255.0;
            assert!((got - want).abs() < 1e-5, "train {pos} ({x},{y})");
        }
    }
    let got = raw(&split, 0, split.test.image(1)[9]);
    assert!((got - f32::from(grey_px(20, 1, 1)) / 255.0).abs() < 1e-5);
    assert!(
        split.source.contains("train/ and test/"),
        "{}",
        split.source
    );
    assert!(
        split.source.contains("1 channel, 6×8 as stored"),
        "{}",
        split.source
    );
    assert_eq!(load(d).unwrap(), split);
}

#[test]
fn val_folder_is_the_test_split() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    for c in ["a", "b"] {
        write_grey(&d.join("train").join(c), 2, 0, 4, 4);
        write_grey(&d.join("val").join(c), 1, 0, 4, 4);
    }
    let split = load(d).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (4, 2));
    assert!(split.source.contains("train/ and val/"), "{}", split.source);
}

#[test]
fn one_level_layout_is_split_80_20() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    for (k, c) in ["ant", "bee", "wasp"].iter().enumerate() {
        write_grey(&d.join(c), 10, 100 * k as u32, 5, 5);
    }
    let split = load(d).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (24, 6));
    assert_eq!(split.train.class_names, ["ant", "bee", "wasp"]);
    for c in 0..3u8 {
        assert_eq!(split.test.labels.iter().filter(|&&l| l == c).count(), 2);
    }
    assert!(split.source.contains("split 80/20"), "{}", split.source);
    // Deterministic.
    assert_eq!(load(d).unwrap(), split);
}

#[test]
fn colour_anywhere_gives_three_channels() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("grey"), 3, 0, 4, 3);
    std::fs::create_dir_all(d.join("red")).unwrap();
    for k in 0..3 {
        rgb_image(k, 4, 3)
            .save(d.join(format!("red/c{k}.png")))
            .unwrap();
    }
    // RGBA: alpha dropped.
    let rgba = ImageBuffer::from_fn(4, 3, |x, y| {
        let Rgb([r, g, b]) = *rgb_image(7, 4, 3).get_pixel(x, y);
        image::Rgba([r, g, b, 10])
    });
    rgba.save(d.join("red/d7.png")).unwrap();
    let split = load(d).unwrap();
    assert_eq!(split.train.channels, 3);
    assert_eq!((split.train.height, split.train.width), (3, 4));
    assert_eq!(split.normalization.mean.len(), 3);
    // Find each image by its label and check all three planes.
    let all: Vec<(&[f32], u8)> = (0..split.train.len())
        .map(|i| (split.train.image(i), split.train.labels[i]))
        .chain((0..split.test.len()).map(|i| (split.test.image(i), split.test.labels[i])))
        .collect();
    let hw = 12;
    for (img, label) in all {
        let r = raw(&split, 0, img[5]);
        let g = raw(&split, 1, img[hw + 5]);
        let b = raw(&split, 2, img[2 * hw + 5]);
        if label == 0 {
            // Greyscale repeated into R, G and B.
            assert!((r - g).abs() < 1e-5 && (g - b).abs() < 1e-5, "{r} {g} {b}");
        } else {
            // R + B = 255 for the generated colour images (and RGBA d7).
            assert!((r + b - 1.0).abs() < 1e-5, "{r} {b}");
            assert!((r - g).abs() > 1e-3, "{r} {g}");
        }
    }
}

#[test]
fn grey_with_alpha_stays_one_channel() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("a"), 2, 0, 4, 4);
    std::fs::create_dir_all(d.join("b")).unwrap();
    for k in 0..2 {
        let la: ImageBuffer<LumaA<u8>, Vec<u8>> =
            ImageBuffer::from_fn(4, 4, |x, y| LumaA([grey_px(k, x, y), 128]));
        la.save(d.join(format!("b/la{k}.png"))).unwrap();
    }
    let split = load(d).unwrap();
    assert_eq!(split.train.channels, 1);
}

#[test]
fn mixed_or_large_sizes_are_resized_to_32() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("a"), 3, 0, 10, 10);
    write_grey(&d.join("b"), 2, 0, 10, 10);
    write_grey(&d.join("b"), 1, 5, 12, 9);
    let split = load(d).unwrap();
    assert_eq!((split.train.height, split.train.width), (32, 32));
    assert_eq!(split.train.sample_dim(), 32 * 32);
    assert!(
        split.source.contains("resized to 32×32"),
        "{}",
        split.source
    );

    // One shared size above 64 is resized too; a uniform image stays uniform.
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    for (c, v) in [("a", 40u8), ("b", 200u8)] {
        std::fs::create_dir_all(d.join(c)).unwrap();
        for k in 0..2 {
            GrayImage::from_pixel(80, 65, image::Luma([v]))
                .save(d.join(format!("{c}/{k}.png")))
                .unwrap();
        }
    }
    let split = load(d).unwrap();
    assert_eq!((split.train.height, split.train.width), (32, 32));
    let img = split.train.image(0);
    let want = f32::from(if split.train.labels[0] == 0 {
        40u8
    } else {
        200
    }) / 255.0;
    assert!(img.iter().all(|&v| (raw(&split, 0, v) - want).abs() < 1e-5));

    // 64×64 exactly is kept.
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("a"), 2, 0, 64, 64);
    write_grey(&d.join("b"), 2, 0, 64, 64);
    assert_eq!(load(d).unwrap().train.width, 64);
}

#[test]
fn jpeg_files_load() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    for c in ["x", "y"] {
        std::fs::create_dir_all(d.join(c)).unwrap();
        for k in 0..3 {
            let ext = ["jpg", "JPEG", "Jpg"][k as usize];
            rgb_image(k, 16, 16)
                .save(d.join(format!("{c}/{k}.{ext}")))
                .unwrap();
        }
    }
    let split = load(d).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (4, 2));
    assert_eq!(
        (split.train.channels, split.train.height, split.train.width),
        (3, 16, 16)
    );
}

#[test]
fn corrupt_image_is_named_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("a"), 2, 0, 4, 4);
    write_grey(&d.join("b"), 2, 0, 4, 4);
    std::fs::write(d.join("b/broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let e = load(d).unwrap_err();
    assert!(matches!(e, DataError::Image { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("b/broken.png: cannot decode image: "), "{msg}");
    // Not an image format at all.
    std::fs::write(d.join("b/broken.png"), b"hello").unwrap();
    let msg = load(d).unwrap_err().to_string();
    assert!(msg.contains("b/broken.png: cannot decode image: "), "{msg}");
    // A truncated real PNG.
    let mut png = Vec::new();
    grey_image(0, 20, 20)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    std::fs::write(d.join("b/broken.png"), &png[..png.len() / 2]).unwrap();
    let msg = load(d).unwrap_err().to_string();
    assert!(msg.contains("b/broken.png: cannot decode image: "), "{msg}");
}

#[test]
fn layout_errors_name_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();

    // A class folder without images (only a text file and a nested folder).
    write_grey(&d.join("a"), 2, 0, 4, 4);
    write_grey(&d.join("empty/nested"), 2, 0, 4, 4);
    std::fs::write(d.join("empty/labels.txt"), "x").unwrap();
    let e = load(d).unwrap_err();
    assert!(matches!(e, DataError::BadFolder { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("empty: class folder \"empty\" has no images"),
        "{msg}"
    );
    std::fs::remove_dir_all(d.join("empty")).unwrap();

    // A single class.
    let msg = load(d).unwrap_err().to_string();
    assert!(msg.contains("only one class folder (\"a\")"), "{msg}");

    // No class folders at all.
    let empty = tempfile::tempdir().unwrap();
    let msg = load(empty.path()).unwrap_err().to_string();
    assert!(msg.contains("no class folders"), "{msg}");

    // Missing directory.
    let e = load(&d.join("nope")).unwrap_err();
    assert!(matches!(e, DataError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("nope: not found; expected"), "{e}");

    // train/ without test/ or val/.
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write_grey(&d.join("train/a"), 2, 0, 4, 4);
    write_grey(&d.join("train/b"), 2, 0, 4, 4);
    let msg = load(d).unwrap_err().to_string();
    assert!(
        msg.contains("has train/ but neither test/ nor val/"),
        "{msg}"
    );

    // Mismatched train and test classes.
    write_grey(&d.join("test/a"), 1, 0, 4, 4);
    write_grey(&d.join("test/c"), 1, 0, 4, 4);
    let msg = load(d).unwrap_err().to_string();
    assert!(
        msg.contains("only in train/: \"b\"; only in test/: \"c\""),
        "{msg}"
    );
    // An empty class folder in the test split.
    std::fs::remove_dir_all(d.join("test/c")).unwrap();
    std::fs::create_dir_all(d.join("test/b")).unwrap();
    let msg = load(d).unwrap_err().to_string();
    assert!(
        msg.contains("test/b: class folder \"b\" has no images"),
        "{msg}"
    );
}

#[test]
fn too_many_classes() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    let png = {
        let mut v = Vec::new();
        grey_image(0, 2, 2)
            .write_to(&mut std::io::Cursor::new(&mut v), image::ImageFormat::Png)
            .unwrap();
        v
    };
    for k in 0..256 {
        let c: PathBuf = d.join(format!("c{k:03}"));
        std::fs::create_dir(&c).unwrap();
        std::fs::write(c.join("0.png"), &png).unwrap();
    }
    let msg = load(d).unwrap_err().to_string();
    assert!(
        msg.contains("256 class folders, more than the 255"),
        "{msg}"
    );
}
