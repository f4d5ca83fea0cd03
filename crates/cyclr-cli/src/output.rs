//! Writing output files so that nothing is ever half-written: write to a temporary file in the
//! same directory, fsync it, then rename it over the destination.
use std::fs;
use std::io::Write;
use std::path::Path;

use cyclr_burn::fsio;

use crate::error::{CliError, Result};
use crate::plot::PlotError;

// One way to write a file: the library's (`cyclr_burn::fsio`: temporary file beside the
// destination, fsync, rename, directory fsync; stale temporary files removed on the next run).
// These wrappers only turn its errors into the command line's.

/// The error for a failed write of `dest`: a full disk (or quota, or file-size limit) is said as
/// such, naming the file, since it is what the user must fix; anything else names the file and
/// the system's reason.
pub fn write_error(dest: &Path, e: &std::io::Error) -> CliError {
    CliError::runtime(write_error_text(dest, e))
}

/// [`write_error`]'s text.
pub fn write_error_text(dest: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    if matches!(e.kind(), StorageFull | QuotaExceeded | FileTooLarge) {
        format!(
            "disk full writing {}: free some space or choose another --out ({e})",
            dest.display()
        )
    } else {
        format!("cannot write {}: {e}", dest.display())
    }
}

/// Atomically replace `dest` with what `fill` writes.
pub fn write_atomic(
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    fsio::write_atomic(dest, fill).map_err(|e| write_error(dest, &e))
}

/// Atomically write bytes.
pub fn write_bytes(dest: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(dest, |w| w.write_all(bytes))
}

/// Render a plot into a temporary file with the same extension, then rename it into place.
/// `draw` receives the temporary path (the plot's format is taken from its extension).
pub fn plot_atomic(
    dest: &Path,
    draw: impl FnOnce(&Path) -> std::result::Result<(), PlotError>,
) -> Result<()> {
    fsio::draw_atomic(dest, draw).map_err(|e| match e {
        fsio::DrawError::Draw(PlotError::Draw(e)) => {
            CliError::runtime(format!("cannot draw {}: {e}", dest.display()))
        }
        fsio::DrawError::Draw(PlotError::Write(e)) | fsio::DrawError::Io(e) => {
            write_error(dest, &e)
        }
    })
}

/// Check that files can be created in `dir` (or, if it does not exist yet, in its nearest
/// existing ancestor, where it will be created) before any work is done: a usage error naming
/// `flag` otherwise. Leaves nothing behind.
pub fn check_writable_dir(flag: &str, dir: &Path) -> Result<()> {
    let mut at = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    let bad = |why: String| {
        CliError::usage(format!(
            "{flag} {}: cannot write there ({why}); give a directory you can write to",
            dir.display()
        ))
    };
    if !at.is_dir() {
        return Err(bad(format!("{} is not a directory", at.display())));
    }
    let probe = at.join(format!(".cyclr-probe.tmp-{}", std::process::id()));
    match fs::File::create(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

/// Check a plot path before any work is done: its extension, and that its folder is writable
/// (usage errors otherwise).
pub fn check_plot_path(flag: &str, path: &Path) -> Result<()> {
    check_plot_ext(flag, path)?;
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{flag} {}: is a directory; give a file name ending in .png or .svg",
            path.display()
        )));
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    check_writable_dir(flag, dir).map_err(|_| {
        CliError::usage(format!(
            "{flag} {}: cannot write there; give a file in a directory you can write to",
            path.display()
        ))
    })
}

fn check_plot_ext(flag: &str, path: &Path) -> Result<()> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
    {
        Some(e) if e == "png" || e == "svg" => Ok(()),
        _ => Err(CliError::usage(format!(
            "{flag} {}: the file name must end in .png or .svg",
            path.display()
        ))),
    }
}

/// `s` with its control characters (but line breaks and tabs) escaped as `\u{..}`, so that a
/// message quoting a binary file cannot drive the terminal.
pub fn escape_control(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_as_such_and_names_the_file() {
        let p = Path::new("out/range_test.png");
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let t = write_error_text(p, &full);
        assert!(
            t.starts_with("disk full writing out/range_test.png: free some space"),
            "{t}"
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let t = write_error_text(p, &denied);
        assert!(t.starts_with("cannot write out/range_test.png: "), "{t}");
    }
}
