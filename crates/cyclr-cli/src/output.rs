//! Writing output files so that nothing is ever half-written: write to a temporary file in the
//! same directory, fsync it, then rename it over the destination.
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// A temporary path next to `dest` (same directory, so the rename is atomic).
pub fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Atomically replace `dest` with what `fill` writes.
pub fn write_atomic(
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| {
            CliError::runtime(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    let tmp = temp_path(dest);
    let res = (|| -> std::io::Result<()> {
        let file = fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, dest)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(CliError::runtime(format!(
            "cannot write {}: {e}",
            dest.display()
        )));
    }
    Ok(())
}

/// Atomically write bytes.
pub fn write_bytes(dest: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(dest, |w| w.write_all(bytes))
}

/// Render a plot into a temporary file with the same extension, then rename it into place.
/// `draw` receives the temporary path (plotters picks PNG or SVG from the caller).
pub fn plot_atomic(
    dest: &Path,
    draw: impl FnOnce(&Path) -> std::result::Result<(), String>,
) -> Result<()> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| {
            CliError::runtime(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    let ext = dest.extension().and_then(|e| e.to_str()).unwrap_or("png");
    let stem = dest
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{stem}.tmp-{}.{ext}", std::process::id()));
    match draw(&tmp) {
        Ok(()) => {
            if let Ok(f) = fs::File::open(&tmp) {
                let _ = f.sync_all();
            }
            fs::rename(&tmp, dest).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                CliError::runtime(format!("cannot write {}: {e}", dest.display()))
            })
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(CliError::runtime(format!(
                "cannot draw {}: {e}",
                dest.display()
            )))
        }
    }
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

/// Remove the temporary files (`.NAME.tmp-PID[.ext]`) that a killed earlier run of ours left in
/// `dir` (a missing directory has none).
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = fs::remove_file(e.path());
        }
    }
}
