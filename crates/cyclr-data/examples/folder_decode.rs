//! How fast `folder:DIR` loads: images per second for decode + resize + normalise.
//!
//! ```text
//! # Write 10000 Fashion-MNIST images as PNG files (5/6 train, 1/6 test), 28×28 grey:
//! cargo run --release -p cyclr-data --example folder_decode -- --write 10000 /tmp/fm-folder
//! # ... or enlarged to 96×96, so that loading also resizes them (to 32×32):
//! cargo run --release -p cyclr-data --example folder_decode -- --write 10000 --size 96 /tmp/fm96
//! # Load a folder three times and print the median images/s:
//! cargo run --release -p cyclr-data --example folder_decode -- /tmp/fm-folder
//! ```
//!
//! `--write` reads Fashion-MNIST from /usr/share/datasets/fashion-mnist/ (Debian package
//! `dataset-fashion-mnist`) with the crate's own IDX parser; without it, it writes
//! synthetic 10-class images of the same shape instead (and says so). Classes go to
//! `DIR/train/<k>-<name>/` and `DIR/test/<k>-<name>/`. Decoding uses rayon's global pool
//! (`RAYON_NUM_THREADS` sets its size).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use cyclr_data::{
    DatasetSpec, FASHION_MNIST_CLASSES, FASHION_MNIST_DEFAULT_DIR, maybe_gunzip, parse_idx_images,
    parse_idx_labels,
};
use image::GrayImage;
use image::imageops::FilterType;

const USAGE: &str = "usage: folder_decode [--write N [--size S]] DIR";

/// `n` images (28×28, row-major) and labels from one Fashion-MNIST IDX pair.
fn read_fashion(
    dir: &Path,
    images: &str,
    labels: &str,
    n: usize,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |name: &str| -> Result<Vec<u8>, String> {
        let p = dir.join(name);
        let raw = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        maybe_gunzip(&raw, &p.display().to_string()).map_err(|e| e.to_string())
    };
    let (count, rows, cols, px) =
        parse_idx_images(&read(images)?, images).map_err(|e| e.to_string())?;
    let lbl = parse_idx_labels(&read(labels)?, labels).map_err(|e| e.to_string())?;
    if (rows, cols) != (28, 28) || n > count {
        return Err(format!(
            "{images}: {count} images of {rows}×{cols}, wanted {n} of 28×28"
        ));
    }
    Ok((px[..n * 784].to_vec(), lbl[..n].to_vec()))
}

/// Synthetic stand-in: class `k` is a bright bar at row `2k`, over noise.
fn synthetic(n: usize, salt: usize) -> (Vec<u8>, Vec<u8>) {
    let mut px = Vec::with_capacity(n * 784);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let k = (i * 7 + salt) % 10;
        labels.push(k as u8);
        for p in 0..784 {
            let noise = ((i * 131 + p * 31 + salt) % 97) as u8;
            px.push(if p / 28 == 2 * k + 3 { 255 } else { noise });
        }
    }
    (px, labels)
}

fn class_dir(k: u8) -> String {
    let name = FASHION_MNIST_CLASSES[usize::from(k)].replace(['/', ' '], "_");
    format!("{k}-{name}")
}

fn write(dir: &Path, n: usize, size: u32) -> Result<(), String> {
    let n_test = n / 6;
    let n_train = n - n_test;
    if n_train > 60_000 || n_test > 10_000 {
        return Err(format!(
            "--write {n}: at most 70000 (60000 train + 10000 test)"
        ));
    }
    let src = Path::new(FASHION_MNIST_DEFAULT_DIR);
    let (train, test, origin) = match (
        read_fashion(
            src,
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            n_train,
        ),
        read_fashion(
            src,
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            n_test,
        ),
    ) {
        (Ok(a), Ok(b)) => (
            a,
            b,
            format!("Fashion-MNIST from {FASHION_MNIST_DEFAULT_DIR}"),
        ),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("Fashion-MNIST not usable ({e}); writing synthetic images instead");
            (
                synthetic(n_train, 0),
                synthetic(n_test, 1),
                "synthetic images".to_owned(),
            )
        }
    };
    let start = Instant::now();
    for (split, (px, labels)) in [("train", train), ("test", test)] {
        for k in 0..10u8 {
            let d = dir.join(split).join(class_dir(k));
            std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        for (i, (img, &k)) in px.chunks_exact(784).zip(&labels).enumerate() {
            let mut g = GrayImage::from_raw(28, 28, img.to_vec()).ok_or("bad buffer")?;
            if size != 28 {
                g = image::imageops::resize(&g, size, size, FilterType::Triangle);
            }
            let p = dir
                .join(split)
                .join(class_dir(k))
                .join(format!("{i:05}.png"));
            g.save(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    println!(
        "wrote {n_train} train + {n_test} test {size}×{size} PNGs ({origin}) into {} in {:.2} s",
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn bench(dir: &Path) -> Result<(), String> {
    let spec = DatasetSpec::Folder(dir.to_path_buf());
    let mut rates = Vec::new();
    for run in 1..=3 {
        let start = Instant::now();
        let split = spec.load().map_err(|e| e.to_string())?;
        let secs = start.elapsed().as_secs_f64();
        let n = split.train.len() + split.test.len();
        let rate = n as f64 / secs;
        if run == 1 {
            println!("{}", split.source);
        }
        println!("load {run}: {n} images in {secs:.3} s = {rate:.0} images/s");
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} images/s (decode + resize + normalise, {} rayon threads)",
        rates[1],
        rayon::current_num_threads()
    );
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let mut n_write = None;
    let mut size = 28u32;
    let mut dir: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--write" => {
                let v = it.next().ok_or(USAGE)?;
                n_write = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--write {v}: not a count"))?,
                );
            }
            "--size" => {
                let v = it.next().ok_or(USAGE)?;
                size = v.parse().map_err(|_| format!("--size {v}: not a size"))?;
                if size == 0 {
                    return Err("--size must be at least 1".to_owned());
                }
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            d if dir.is_none() && !d.starts_with("--") => dir = Some(PathBuf::from(d)),
            other => return Err(format!("unexpected argument {other:?}; {USAGE}")),
        }
    }
    let dir = dir.ok_or(USAGE)?;
    match n_write {
        Some(n) => write(&dir, n, size),
        None => bench(&dir),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("folder_decode: {e}");
            ExitCode::from(2)
        }
    }
}
