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
        (
            "csv:data/iris.csv",
            DatasetSpec::Csv {
                path: PathBuf::from("data/iris.csv"),
                label: "label".to_owned(),
            },
        ),
        (
            "CSV:/d/x.tsv#species",
            DatasetSpec::Csv {
                path: PathBuf::from("/d/x.tsv"),
                label: "species".to_owned(),
            },
        ),
        (
            // The column follows the last '#'.
            "csv:runs#3/x.csv#label",
            DatasetSpec::Csv {
                path: PathBuf::from("runs#3/x.csv"),
                label: "label".to_owned(),
            },
        ),
        (
            "csv:C:/data/x.csv#class name",
            DatasetSpec::Csv {
                path: PathBuf::from("C:/data/x.csv"),
                label: "class name".to_owned(),
            },
        ),
        (
            "folder:/data/pets",
            DatasetSpec::Folder(PathBuf::from("/data/pets")),
        ),
        ("Folder:a#b", DatasetSpec::Folder(PathBuf::from("a#b"))),
        (
            "text:data/input.txt",
            DatasetSpec::Text(PathBuf::from("data/input.txt")),
        ),
        // The path is verbatim: colons and '#' included.
        (
            "TEXT:C:/a#1/b.txt",
            DatasetSpec::Text(PathBuf::from("C:/a#1/b.txt")),
        ),
        ("shakespeare", DatasetSpec::Shakespeare),
        ("Shakespeare", DatasetSpec::Shakespeare),
    ];
    for (s, want) in cases {
        let got: DatasetSpec = s.parse().unwrap();
        assert_eq!(got, want, "{s}");
        // Display round-trips.
        assert_eq!(got.to_string().parse::<DatasetSpec>().unwrap(), want);
        // So does serde (the string form).
        let json = serde_json::to_string(&got).unwrap();
        assert_eq!(json, serde_json::to_string(&got.to_string()).unwrap());
        assert_eq!(serde_json::from_str::<DatasetSpec>(&json).unwrap(), want);
    }
}

#[test]
fn display_forms() {
    let csv = |p: &str, l: &str| DatasetSpec::Csv {
        path: PathBuf::from(p),
        label: l.to_owned(),
    };
    assert_eq!(csv("a.csv", "label").to_string(), "csv:a.csv");
    assert_eq!(csv("a.csv", "y").to_string(), "csv:a.csv#y");
    // A '#' in the path needs the column spelled out to parse back.
    assert_eq!(csv("a#1.csv", "label").to_string(), "csv:a#1.csv#label");
    assert_eq!(
        DatasetSpec::Folder(PathBuf::from("/p")).to_string(),
        "folder:/p"
    );
    assert_eq!(
        "csv:a.csv#label"
            .parse::<DatasetSpec>()
            .unwrap()
            .to_string(),
        "csv:a.csv"
    );
}

#[test]
fn names() {
    assert_eq!(DatasetSpec::Digits.name(), "digits");
    assert_eq!(DatasetSpec::FashionMnist(None).name(), "fashion-mnist");
    assert_eq!(DatasetSpec::Mnist("d".into()).name(), "mnist");
    assert_eq!(DatasetSpec::Cifar10("d".into()).name(), "cifar10");
    let csv: DatasetSpec = "csv:x.csv#y".parse().unwrap();
    assert_eq!(csv.name(), "x.csv");
    assert_eq!(DatasetSpec::Folder("data/photos".into()).name(), "photos/");
    assert_eq!(DatasetSpec::Shakespeare.name(), "shakespeare");
    assert_eq!(DatasetSpec::Shakespeare.to_string(), "shakespeare");
    assert_eq!(
        DatasetSpec::Shakespeare.absolute(),
        DatasetSpec::Shakespeare
    );
    let text: DatasetSpec = "text:corpora/tolstoy.txt".parse().unwrap();
    assert_eq!(text.name(), "tolstoy.txt");
    assert_eq!(text.to_string(), "text:corpora/tolstoy.txt");
    let DatasetSpec::Text(path) = text.absolute() else {
        panic!("a text spec")
    };
    assert!(
        path.is_absolute() && path.ends_with("corpora/tolstoy.txt"),
        "{}",
        path.display()
    );
    // Records keep absolute paths.
    let DatasetSpec::Csv { path, .. } = csv.absolute() else {
        panic!("a csv spec")
    };
    assert!(
        path.is_absolute() && path.ends_with("x.csv"),
        "{}",
        path.display()
    );
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
        "csv",
        "csv:",
        "csv:x.csv#",
        "csv:#label",
        "folder",
        "folder:",
        "text",
        "text:",
        "shakespeare:x",
        "shakespeare:",
    ] {
        let e = s.parse::<DatasetSpec>().unwrap_err();
        assert!(matches!(e, DataError::BadSpec { .. }), "{s}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(
                "digits, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, \
                 csv:PATH, csv:PATH#COLUMN, folder:DIR, text:PATH, shakespeare"
            ),
            "{msg}"
        );
    }
}

#[test]
fn text_spec_errors_say_what_is_wrong() {
    let msg = |s: &str| s.parse::<DatasetSpec>().unwrap_err().to_string();
    assert!(
        msg("text").starts_with("invalid dataset \"text\": text needs a file: text:PATH;"),
        "{}",
        msg("text")
    );
    assert!(msg("text:").starts_with("invalid dataset \"text:\": the path after ':' is empty;"));
    assert!(msg("shakespeare:x").starts_with(
        "invalid dataset \"shakespeare:x\": shakespeare is embedded and takes no path;"
    ));
}

#[test]
fn error_type_is_thread_safe() {
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<DataError>();
}
