//! Property tests: the parsers never panic, and accept what a correct writer produces.

use cyclr_data::{
    full_pass_windows, maybe_gunzip, parse_cifar_batch, parse_csv_table, parse_idx_images,
    parse_idx_labels, parse_text, text_batch,
};
use proptest::prelude::*;

fn with_prefix(prefix: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_be_bytes().to_vec();
    v.extend_from_slice(rest);
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_idx_images(&bytes, "x");
        let _ = parse_idx_labels(&bytes, "x");
        let _ = parse_cifar_batch(&bytes, "x");
        let _ = maybe_gunzip(&bytes, "x");
        // With the right magic numbers, to get past the first check.
        let _ = parse_idx_images(&with_prefix(0x803, &bytes), "x");
        let _ = parse_idx_labels(&with_prefix(0x801, &bytes), "x");
        let mut gz = vec![0x1f, 0x8b, 8, 0];
        gz.extend_from_slice(&bytes);
        let _ = maybe_gunzip(&gz, "x");
        let _ = parse_text(&bytes, "x");
        let _ = parse_text(&gz, "x");
        for delimiter in [b',', b'\t'] {
            let _ = parse_csv_table(&bytes, "x", "label", delimiter);
            let mut with_header = b"a,label,b\n".to_vec();
            with_header.extend_from_slice(&bytes);
            let _ = parse_csv_table(&with_header, "x", "label", delimiter);
        }
    }

    #[test]
    fn csv_like_text_never_panics(
        text in "[a-c0-9.,\t\"\n eE+-]{0,300}",
        label in "(label|a|b|)",
    ) {
        let header = "a,label,b\n".to_owned() + &text;
        for input in [&text, &header] {
            if let Ok(t) = parse_csv_table(input.as_bytes(), "x", &label, b',') {
                let rows = t.labels.len();
                prop_assert_eq!(t.features.len(), rows * t.feature_names.len());
                prop_assert!(t.class_names.len() >= 2);
                prop_assert!(t.labels.iter().all(|&l| usize::from(l) < t.class_names.len()));
                prop_assert!(t.features.iter().all(|v| v.is_finite()));
            }
        }
    }

    #[test]
    fn text_parses_consistently(text in "(?s).{0,200}", context in 0usize..40) {
        let s = parse_text(text.as_bytes(), "x");
        prop_assert_eq!(s.is_err(), text.is_empty());
        let Ok(s) = s else { return Ok(()) };
        let n = text.chars().count();
        prop_assert_eq!(s.train.len(), (n as f64 * 0.9) as usize);
        prop_assert_eq!(s.train.len() + s.test.len(), n);
        prop_assert!(s.vocab.chars.windows(2).all(|w| w[0] < w[1]));
        let ids = [s.train.clone(), s.test.clone()].concat();
        prop_assert_eq!(s.vocab.decode(&ids), text.clone());
        prop_assert_eq!(s.vocab.encode(&text).unwrap(), ids);
        prop_assert!(s.char_frequencies_loss().is_finite());
        if s.check_context(context).is_ok() {
            let (x, y) = text_batch(&s.train, 3, context, 1, 2);
            prop_assert_eq!((x.len(), y.len()), (3 * context, 3 * context));
            let (x, y) = text_batch(&s.test, 3, context, 1, 2);
            prop_assert_eq!((x.len(), y.len()), (3 * context, 3 * context));
        }
        if context > 0 {
            let w = full_pass_windows(s.test.len(), context);
            prop_assert_eq!(w.iter().map(|w| w.1).sum::<usize>(), s.test.len() - 1);
        }
    }

    #[test]
    fn headers_with_arbitrary_dims_never_panic(
        n in any::<u32>(), r in any::<u32>(), c in any::<u32>(),
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut b = 0x803u32.to_be_bytes().to_vec();
        for d in [n, r, c] { b.extend_from_slice(&d.to_be_bytes()); }
        b.extend_from_slice(&tail);
        if let Ok((n2, r2, c2, px)) = parse_idx_images(&b, "x") {
            prop_assert_eq!((n2, r2, c2), (n as usize, r as usize, c as usize));
            prop_assert_eq!(px.len(), n2 * r2 * c2);
        }
    }

    #[test]
    fn valid_idx_round_trips(n in 0u32..20, r in 1u32..10, c in 1u32..10, seed in any::<u8>()) {
        let px: Vec<u8> = (0..n * r * c).map(|i| (i as u8).wrapping_mul(seed)).collect();
        let labels: Vec<u8> = (0..n).map(|i| ((i + u32::from(seed)) % 10) as u8).collect();
        let mut img = 0x803u32.to_be_bytes().to_vec();
        for d in [n, r, c] { img.extend_from_slice(&d.to_be_bytes()); }
        img.extend_from_slice(&px);
        let mut lbl = 0x801u32.to_be_bytes().to_vec();
        lbl.extend_from_slice(&n.to_be_bytes());
        lbl.extend_from_slice(&labels);
        let got = parse_idx_images(&img, "x").unwrap();
        prop_assert_eq!(got, (n as usize, r as usize, c as usize, px));
        prop_assert_eq!(parse_idx_labels(&lbl, "x").unwrap(), labels);
    }
}
