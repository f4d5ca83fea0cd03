//! `DatasetSpec` parsing and naming.

use std::path::PathBuf;

use cyclr_data::{DataError, DatasetSpec};

#[test]
fn parses_valid_forms() {
    let cases = [
        ("digits", DatasetSpec::Digits),
        ("fashion-mnist", DatasetSpec::FashionMnist(None)),
        (
            "fashion-mnist:/data/fm",
            DatasetSpec::FashionMnist(Some(PathBuf::from("/data/fm"))),
        ),
        (
            "mnist:rel/dir",
            DatasetSpec::Mnist(PathBuf::from("rel/dir")),
        ),
        (
            "cifar10:/x/y:z",
            DatasetSpec::Cifar10(PathBuf::from("/x/y:z")),
        ),
        ("CIFAR10:c", DatasetSpec::Cifar10(PathBuf::from("c"))),
    ];
    for (s, want) in cases {
        let got: DatasetSpec = s.parse().unwrap();
        assert_eq!(got, want, "{s}");
        // Display round-trips.
        assert_eq!(got.to_string().parse::<DatasetSpec>().unwrap(), want);
    }
}

#[test]
fn names() {
    assert_eq!(DatasetSpec::Digits.name(), "digits");
    assert_eq!(DatasetSpec::FashionMnist(None).name(), "fashion-mnist");
    assert_eq!(DatasetSpec::Mnist("d".into()).name(), "mnist");
    assert_eq!(DatasetSpec::Cifar10("d".into()).name(), "cifar10");
}

#[test]
fn rejects_invalid_forms_listing_valid_ones() {
    for s in [
        "",
        "mnist",
        "cifar10",
        "digits:/x",
        "imagenet",
        "mnist:",
        "cifar-100:/x",
    ] {
        let e = s.parse::<DatasetSpec>().unwrap_err();
        assert!(matches!(e, DataError::BadSpec { .. }), "{s}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("digits, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR"),
            "{msg}"
        );
    }
}

#[test]
fn error_type_is_thread_safe() {
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<DataError>();
}
