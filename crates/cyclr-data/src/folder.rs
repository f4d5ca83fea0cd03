//! `folder:` datasets: your own images in torchvision's `ImageFolder` layout.
//!
//! Layout, one of:
//! - `DIR/train/<class>/*` and `DIR/test/<class>/*`, or `DIR/val/<class>/*` as the test
//!   split (`test/` wins if both exist). Other entries of `DIR` are ignored. The class
//!   folders of the two splits must have the same names.
//! - `DIR/<class>/*` alone. The images are then split 80/20, stratified and
//!   deterministically ([`crate::stratified_split_indices`], ChaCha8 seed
//!   [`crate::STRATIFIED_SPLIT_SEED`], in the sorted order of classes and file names).
//!   A `DIR` with a `train/`, `test/` or `val/` folder but not a train/test pair is
//!   refused, since such a folder is almost certainly not meant as a class.
//!
//! Classes are the class-folder names, sorted (byte order, as Python's `sorted`); label
//! `k` is the `k`-th. There must be 2 to [`crate::MAX_CLASSES`] of them. Hidden entries
//! (names starting with `.`) are skipped everywhere.
//!
//! Images are the files directly in a class folder whose names end in `.png`, `.jpg` or
//! `.jpeg` (any case), in file-name order; other files are skipped and sub-folders are
//! not searched. A class folder without images is an error, as is a file that does not
//! decode (the decoder's own format detection is used, so a JPEG named `.png` is fine).
//!
//! Channels: 1 if every image is greyscale (grey or grey + alpha), otherwise 3 (RGB;
//! greyscale images are repeated into the three channels). Alpha is dropped, not
//! composited; 16-bit images are reduced to 8 bits.
//!
//! Size: if every image has the same size and it is at most 64×64, images keep it;
//! otherwise (sizes differ, or any side is above 64) every image is resized to 32×32
//! with the `image` crate's `resize_exact` and `FilterType::Triangle` (bilinear), which
//! changes the aspect ratio of non-square images. Resizing happens after the conversion
//! to 8-bit grey or RGB.
//!
//! Pixels are scaled to `[0, 1]` (byte / 255) and normalised per channel with the training
//! split's mean and standard deviation, as for the built-in datasets.
//!
//! Images are decoded on all cores (rayon's global pool); the result does not depend on
//! the number of threads.

use std::path::{Path, PathBuf};

use image::DynamicImage;
use image::imageops::FilterType;
use rayon::prelude::*;

use crate::{
    DataError, Dataset, MAX_CLASSES, STRATIFIED_SPLIT_SEED, Split, normalize_split, read_file,
    stratified_split_indices,
};

/// Largest side of images that are kept at their size (when all share it).
pub const FOLDER_MAX_KEPT_SIDE: u32 = 64;
/// Side of the images when they are resized (mixed sizes, or a side above 64).
pub const FOLDER_RESIZED_SIDE: u32 = 32;
/// File extensions read as images (compared case-insensitively).
pub const FOLDER_IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// What the layout of `DIR` should be, for "not found" and layout errors.
fn layout_hint(dir: &Path) -> String {
    format!(
        "expected image folders {d}/train/<class>/ and {d}/test/<class>/ (or \
         {d}/val/<class>/), or {d}/<class>/ alone, holding .png/.jpg/.jpeg files",
        d = dir.display()
    )
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// The entries of `dir` that are not hidden, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, DataError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let name = entry.file_name();
        if is_hidden(&name) {
            continue;
        }
        out.push((name.to_string_lossy().into_owned(), entry.path()));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// One class folder and its image files.
struct Class {
    name: String,
    files: Vec<PathBuf>,
}

/// The class folders of `split_dir` (sorted) and their image files (sorted).
fn read_classes(split_dir: &Path, hint: &str) -> Result<Vec<Class>, DataError> {
    let mut classes = Vec::new();
    for (name, path) in sorted_entries(split_dir)? {
        if !path.is_dir() {
            continue;
        }
        let files: Vec<PathBuf> = sorted_entries(&path)?
            .into_iter()
            .filter(|(_, p)| {
                p.extension().is_some_and(|e| {
                    let e = e.to_string_lossy();
                    FOLDER_IMAGE_EXTENSIONS
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(x))
                }) && p.is_file()
            })
            .map(|(_, p)| p)
            .collect();
        if files.is_empty() {
            return Err(DataError::BadFolder {
                path,
                detail: format!(
                    "class folder {name:?} has no images (files ending in .png, .jpg or \
                     .jpeg; sub-folders are not searched)"
                ),
            });
        }
        classes.push(Class { name, files });
    }
    if classes.is_empty() {
        return Err(DataError::BadFolder {
            path: split_dir.to_path_buf(),
            detail: format!("no class folders; {hint}"),
        });
    }
    Ok(classes)
}

/// Class names, image files and labels (class indices), classes in order.
fn flatten(classes: Vec<Class>) -> (Vec<String>, Vec<PathBuf>, Vec<u8>) {
    let mut names = Vec::with_capacity(classes.len());
    let mut files = Vec::new();
    let mut labels = Vec::new();
    for (k, c) in classes.into_iter().enumerate() {
        // Callers check there are at most MAX_CLASSES (255) classes before using labels.
        let k = u8::try_from(k).unwrap_or(u8::MAX);
        labels.extend(std::iter::repeat_n(k, c.files.len()));
        files.extend(c.files);
        names.push(c.name);
    }
    (names, files, labels)
}

/// Checks that the train and test splits have the same class folders.
fn check_same_classes(
    dir: &Path,
    train: &[Class],
    test: &[Class],
    test_name: &str,
) -> Result<(), DataError> {
    let names = |cs: &[Class]| cs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (tr, te) = (names(train), names(test));
    if tr == te {
        return Ok(());
    }
    let only = |a: &[String], b: &[String]| {
        let v: Vec<String> = a
            .iter()
            .filter(|x| !b.contains(x))
            .map(|x| format!("{x:?}"))
            .collect();
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    Err(DataError::BadFolder {
        path: dir.to_path_buf(),
        detail: format!(
            "the class folders of train/ and {test_name}/ differ: only in train/: {}; only \
             in {test_name}/: {}; both splits need the same class folders",
            only(&tr, &te),
            only(&te, &tr)
        ),
    })
}

/// Checks the number of classes.
fn check_class_count(dir: &Path, classes: &[Class]) -> Result<(), DataError> {
    let n = classes.len();
    let detail = if n < 2 {
        format!(
            "only one class folder ({:?}); a classifier needs at least 2 classes, \
             one sub-folder each",
            classes[0].name
        )
    } else if n > MAX_CLASSES {
        format!(
            "{n} class folders, more than the {MAX_CLASSES} classes supported \
             (labels are stored as bytes)"
        )
    } else {
        return Ok(());
    };
    Err(DataError::BadFolder {
        path: dir.to_path_buf(),
        detail,
    })
}

/// One decoded image: 8-bit grey or interleaved RGB, at most 64×64 (or already resized).
struct Decoded {
    width: u32,
    height: u32,
    grey: bool,
    /// Resized to 32×32 because a side was above [`FOLDER_MAX_KEPT_SIDE`].
    resized: bool,
    /// `width × height` (grey) or `width × height × 3` (RGB) bytes, row-major.
    pixels: Vec<u8>,
}

/// Converts to 8-bit grey or RGB, dropping alpha.
fn to_8bit(img: DynamicImage, grey: bool) -> DynamicImage {
    if grey {
        DynamicImage::ImageLuma8(img.into_luma8())
    } else {
        DynamicImage::ImageRgb8(img.into_rgb8())
    }
}

fn resize(img: &DynamicImage) -> DynamicImage {
    img.resize_exact(
        FOLDER_RESIZED_SIDE,
        FOLDER_RESIZED_SIDE,
        FilterType::Triangle,
    )
}

fn decode(path: &Path) -> Result<Decoded, DataError> {
    let bytes = read_file(path)?;
    let img = image::load_from_memory(&bytes).map_err(|e| DataError::Image {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    drop(bytes);
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return Err(DataError::Image {
            path: path.to_path_buf(),
            reason: format!("image of {width}×{height} pixels has no pixels"),
        });
    }
    let grey = !img.color().has_color();
    let mut img = to_8bit(img, grey);
    let resized = width > FOLDER_MAX_KEPT_SIDE || height > FOLDER_MAX_KEPT_SIDE;
    if resized {
        img = resize(&img);
    }
    Ok(Decoded {
        width: img.width(),
        height: img.height(),
        grey,
        resized,
        pixels: img.into_bytes(),
    })
}

/// Resizes `d` to 32×32 unless it already is.
fn resize_decoded(d: &mut Decoded) {
    let side = FOLDER_RESIZED_SIDE;
    if (d.width, d.height) == (side, side) {
        return;
    }
    let pixels = std::mem::take(&mut d.pixels);
    let img = if d.grey {
        image::GrayImage::from_raw(d.width, d.height, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(d.width, d.height, pixels).map(DynamicImage::ImageRgb8)
    };
    // `from_raw` only fails on a short buffer, which `decode` never produces.
    if let Some(img) = img {
        let img = resize(&img);
        d.width = side;
        d.height = side;
        d.pixels = img.into_bytes();
    }
}

/// Writes `d` as `channels` planes of `[0, 1]` values into `out` (CHW).
fn fill(out: &mut [f32], d: &Decoded, channels: usize) {
    let hw = out.len() / channels;
    if d.grey {
        for plane in out.chunks_exact_mut(hw) {
            for (o, &p) in plane.iter_mut().zip(&d.pixels) {
                *o = f32::from(p) / 255.0;
            }
        }
    } else {
        for (i, rgb) in d.pixels.chunks_exact(3).enumerate() {
            for (c, &p) in rgb.iter().enumerate() {
                out[c * hw + i] = f32::from(p) / 255.0;
            }
        }
    }
}

/// Loads a `folder:` dataset (rules in the module docs).
pub(crate) fn load_folder(dir: &Path) -> Result<Split, DataError> {
    let hint = layout_hint(dir);
    if !dir.is_dir() {
        return Err(DataError::NotFound {
            path: dir.to_path_buf(),
            hint: Some(hint),
        });
    }
    let (train_dir, test_dir) = (dir.join("train"), dir.join("test"));
    let val_dir = dir.join("val");
    let two_level = if train_dir.is_dir() && (test_dir.is_dir() || val_dir.is_dir()) {
        Some(if test_dir.is_dir() { test_dir } else { val_dir })
    } else if train_dir.is_dir() || test_dir.is_dir() || val_dir.is_dir() {
        let has = if train_dir.is_dir() {
            "train/ but neither test/ nor val/"
        } else {
            "test/ or val/ but no train/"
        };
        return Err(DataError::BadFolder {
            path: dir.to_path_buf(),
            detail: format!(
                "has {has}; {hint}. To have the images split 80/20 automatically, put \
                 the class folders directly in {}",
                dir.display()
            ),
        });
    } else {
        None
    };

    // Every image file with its label; in the two-level layout, train files first.
    let (class_names, files, labels, n_train, layout) = match &two_level {
        Some(test_dir) => {
            let train = read_classes(&train_dir, &hint)?;
            let test = read_classes(test_dir, &hint)?;
            let test_name = test_dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            check_same_classes(dir, &train, &test, &test_name)?;
            check_class_count(&train_dir, &train)?;
            let n_train = train.iter().map(|c| c.files.len()).sum();
            let (names, mut files, mut labels) = flatten(train);
            let (_, test_files, test_labels) = flatten(test);
            files.extend(test_files);
            labels.extend(test_labels);
            let layout = format!("train/ and {test_name}/");
            (names, files, labels, Some(n_train), layout)
        }
        None => {
            let classes = read_classes(dir, &hint)?;
            check_class_count(dir, &classes)?;
            let (names, files, labels) = flatten(classes);
            let layout =
                format!("class folders split 80/20, stratified, seed {STRATIFIED_SPLIT_SEED:#x}");
            (names, files, labels, None, layout)
        }
    };

    // Decode on all cores; report the first failure in file order.
    let results: Vec<Result<Decoded, DataError>> = files.par_iter().map(|p| decode(p)).collect();
    let mut decoded = Vec::with_capacity(results.len());
    for r in results {
        decoded.push(r?);
    }
    let channels = if decoded.iter().all(|d| d.grey) { 1 } else { 3 };
    let first = (decoded[0].width, decoded[0].height);
    let keep = decoded
        .iter()
        .all(|d| !d.resized && (d.width, d.height) == first);
    if !keep {
        decoded.par_iter_mut().for_each(resize_decoded);
    }
    let (width, height) = if keep {
        (first.0 as usize, first.1 as usize)
    } else {
        let s = FOLDER_RESIZED_SIDE as usize;
        (s, s)
    };
    let dim = channels * height * width;
    let mut images = vec![0.0f32; decoded.len() * dim];
    images
        .par_chunks_mut(dim)
        .zip(decoded.par_iter())
        .for_each(|(out, d)| fill(out, d, channels));
    drop(decoded);

    let num_classes = class_names.len();
    let mut all = Dataset {
        images,
        labels,
        channels,
        height,
        width,
        num_classes,
        class_names,
    };
    let (train, test) = match n_train {
        Some(n) => {
            // Contiguous: cut rather than copy.
            let test = Dataset {
                images: all.images.split_off(n * dim),
                labels: all.labels.split_off(n),
                class_names: all.class_names.clone(),
                ..all
            };
            (all, test)
        }
        None => {
            let (train_idx, test_idx) = stratified_split_indices(&all.labels, num_classes);
            if test_idx.is_empty() {
                return Err(DataError::BadFolder {
                    path: dir.to_path_buf(),
                    detail: format!(
                        "{} images are too few for an 80/20 train/test split: every class \
                         has a single image, and a class's only image is kept for \
                         training; need at least 2 images in some class (or train/ and \
                         test/ folders)",
                        all.len()
                    ),
                });
            }
            (all.subset(&train_idx), all.subset(&test_idx))
        }
    };
    let size = if keep {
        format!("{height}×{width} as stored")
    } else {
        format!(
            "resized to {FOLDER_RESIZED_SIDE}×{FOLDER_RESIZED_SIDE} (sizes differ or exceed \
             {FOLDER_MAX_KEPT_SIDE}×{FOLDER_MAX_KEPT_SIDE})"
        )
    };
    let source = format!(
        "image folder {} ({layout}): {} train / {} test images, {num_classes} classes, \
         {channels} channel{}, {size}",
        dir.display(),
        train.len(),
        test.len(),
        if channels == 1 { "" } else { "s" }
    );
    let name = crate::DatasetSpec::Folder(dir.to_owned()).name();
    Ok(normalize_split(&name, train, test, source))
}
