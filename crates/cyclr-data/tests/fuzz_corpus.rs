//! Replays the committed fuzz seed corpus (and any crash artifacts lying around) through
//! the parsers, so that inputs the fuzzer once tripped on stay fixed.

use std::path::Path;

use cyclr_data::{maybe_gunzip, parse_cifar_batch, parse_idx_images, parse_idx_labels, parse_text};

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let what = path.display().to_string();
        for b in [Some(bytes.clone()), maybe_gunzip(&bytes, &what).ok()]
            .into_iter()
            .flatten()
        {
            let _ = parse_idx_images(&b, &what);
            let _ = parse_idx_labels(&b, &what);
            let _ = parse_cifar_batch(&b, &what);
            let _ = parse_text(&b, &what);
        }
        n += 1;
    }
    n
}

#[test]
fn fuzz_corpus_replays_without_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for target in ["fuzz_idx", "fuzz_cifar"] {
        n += replay(&fuzz.join("corpus").join(target));
        n += replay(&fuzz.join("artifacts").join(target));
    }
    if n == 0 {
        println!(
            "note: no fuzz corpus at {}; nothing replayed",
            fuzz.display()
        );
    }
}

#[test]
fn seed_corpus_valid_files_parse() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    if !corpus.is_dir() {
        println!("note: no fuzz corpus at {}; skipping", corpus.display());
        return;
    }
    let read = |t: &str, f: &str| {
        let p = corpus.join(t).join(f);
        let b = std::fs::read(&p).unwrap();
        maybe_gunzip(&b, &p.display().to_string()).unwrap()
    };
    assert_eq!(
        parse_idx_images(&read("fuzz_idx", "images-2x3x2.gz"), "x")
            .unwrap()
            .0,
        2
    );
    assert_eq!(
        parse_idx_labels(&read("fuzz_idx", "labels-5"), "x").unwrap(),
        [0, 9, 3, 1, 7]
    );
    assert_eq!(
        parse_cifar_batch(&read("fuzz_cifar", "two-records"), "x")
            .unwrap()
            .1,
        [9, 0]
    );
    assert!(parse_cifar_batch(&read("fuzz_cifar", "bad-label"), "x").is_err());
}
