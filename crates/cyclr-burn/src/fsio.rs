//! Files that are never half-written: every output (checkpoints, `metrics.csv`,
//! `summary.json`, experiment outcomes, range-test results, plots) is written to a hidden
//! temporary file in the destination's directory (`.NAME.tmp-PID[.EXT]`), `fsync`ed, and renamed
//! over the destination; the directory is then `fsync`ed (best effort), so a crash leaves either
//! the previous file or the complete new one. A killed process can leave temporary files
//! behind; [`remove_stale_temps`] deletes them.
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary path for `dest`: `.NAME.tmp-PID` beside it (same directory, so the rename is
/// atomic). With `keep_ext`, the extension is repeated at the end (`.NAME.tmp-PID.png`), for
/// writers that choose the format from it.
pub fn temp_path(dest: &Path, keep_ext: bool) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = match (keep_ext, dest.extension()) {
        (true, Some(e)) => format!(".{}", e.to_string_lossy()),
        _ => String::new(),
    };
    dest.with_file_name(format!(".{name}.tmp-{}{ext}", std::process::id()))
}

fn parent_dir(dest: &Path) -> Option<&Path> {
    dest.parent().filter(|d| !d.as_os_str().is_empty())
}

fn sync_dir(dest: &Path) {
    if let Some(d) = parent_dir(dest).and_then(|d| File::open(d).ok()) {
        let _ = d.sync_all();
    }
}

/// Atomically replace `dest` with what `fill` writes (creating its directory). On an error
/// nothing is left behind and `dest` is unchanged.
pub fn write_atomic(
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(dir) = parent_dir(dest) {
        fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(dest, false);
    let res = (|| {
        let file = File::create(&tmp)?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, dest)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res?;
    sync_dir(dest);
    Ok(())
}

/// Atomically replace `dest` with `bytes`.
pub fn write_bytes_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic(dest, |w| w.write_all(bytes))
}

/// Atomically create `dest` with `bytes` unless it exists: returns `Ok(false)` (and writes
/// nothing) when another writer created it first — the way concurrent processes agree on one
/// version of a file (a hard link of the complete temporary file, which fails if `dest` exists).
pub fn create_new_atomic(dest: &Path, bytes: &[u8]) -> io::Result<bool> {
    if let Some(dir) = parent_dir(dest) {
        fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(dest, false);
    let res = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        match fs::hard_link(&tmp, dest) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    })();
    let _ = fs::remove_file(&tmp);
    if res.as_ref().is_ok_and(|created| *created) {
        sync_dir(dest);
    }
    res
}

/// Write a file whose format the writer takes from the path's extension (plots): `draw` gets a
/// temporary path ending in the same extension; on success it is renamed over `dest`.
pub fn draw_atomic<E>(
    dest: &Path,
    draw: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), DrawError<E>> {
    if let Some(dir) = parent_dir(dest) {
        fs::create_dir_all(dir).map_err(DrawError::Io)?;
    }
    let tmp = temp_path(dest, true);
    if let Err(e) = draw(&tmp) {
        let _ = fs::remove_file(&tmp);
        return Err(DrawError::Draw(e));
    }
    let res = File::open(&tmp)
        .and_then(|f| f.sync_all())
        .and_then(|_| fs::rename(&tmp, dest));
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(DrawError::Io(e));
    }
    sync_dir(dest);
    Ok(())
}

/// Why [`draw_atomic`] failed.
#[derive(Debug)]
pub enum DrawError<E> {
    /// The drawing itself failed.
    Draw(E),
    /// Creating the directory, syncing or renaming failed.
    Io(io::Error),
}

/// `true` for the names [`temp_path`] makes (checkpoints' included), and for the checkpoints'
/// temporary name of earlier versions (`.ckpt-<iteration>.cyclr.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && (name.contains(".tmp-") || crate::train::checkpoint::is_legacy_temp_name(name))
}

/// Files written together, all or none: they are written into a hidden staging folder inside
/// `dest` (`.stage.tmp-PID`, a temporary name [`remove_stale_temps`] cleans up), and
/// [`commit`](Staged::commit) moves them into `dest` by renames only (no new space needed, so a
/// full disk cannot stop it half-way); dropped without a commit, the staging folder is removed
/// and `dest` holds what it held before. `find` writes its CSV, JSON and plots this way.
#[derive(Debug)]
pub struct Staged {
    dest: PathBuf,
    stage: PathBuf,
    committed: bool,
}

impl Staged {
    /// A staging folder for files that will go into `dest` (both created).
    pub fn new(dest: &Path) -> io::Result<Self> {
        fs::create_dir_all(dest)?;
        let stage = dest.join(format!(".stage.tmp-{}", std::process::id()));
        if stage.exists() {
            fs::remove_dir_all(&stage)?;
        }
        fs::create_dir(&stage)?;
        Ok(Staged {
            dest: dest.to_path_buf(),
            stage,
            committed: false,
        })
    }

    /// Where to write the files (the same layout they will have in `dest`).
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// The final destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// `path` under the staging folder, said as where it will be in `dest` (for messages).
    pub fn final_path(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.stage)
            .map(|rel| self.dest.join(rel))
            .unwrap_or_else(|_| path.to_path_buf())
    }

    /// Move every staged file into `dest` (sub-folders merged), then remove the staging folder.
    pub fn commit(mut self) -> io::Result<()> {
        fn move_into(from: &Path, to: &Path) -> io::Result<()> {
            for entry in fs::read_dir(from)? {
                let entry = entry?;
                let target = to.join(entry.file_name());
                if entry.file_type()?.is_dir() {
                    fs::create_dir_all(&target)?;
                    move_into(&entry.path(), &target)?;
                } else {
                    fs::rename(entry.path(), &target)?;
                }
            }
            if let Ok(d) = File::open(to) {
                let _ = d.sync_all();
            }
            Ok(())
        }
        move_into(&self.stage, &self.dest)?;
        self.committed = true;
        fs::remove_dir_all(&self.stage)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.stage);
        }
    }
}

/// Remove the temporary files a killed process left in `dir` ([`is_temp_name`]); returns how
/// many. A missing directory has none. The one place stale temporary files are cleaned up: runs,
/// checkpoints and the CLI's outputs all call it.
pub fn remove_stale_temps(dir: &Path) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(is_temp_name) {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Staged files appear together on commit; dropped, nothing appears and earlier files stay.
    #[test]
    fn staged_files_are_all_or_nothing() {
        let dir = crate::test_dir("fsio-staged");
        let out = dir.join("out");
        write_bytes_atomic(&out.join("a.csv"), b"old").unwrap();
        {
            let st = Staged::new(&out).unwrap();
            write_bytes_atomic(&st.path().join("a.csv"), b"new").unwrap();
            write_bytes_atomic(&st.path().join("seed1/b.json"), b"b").unwrap();
            assert_eq!(
                st.final_path(&st.path().join("seed1/b.json")),
                out.join("seed1/b.json")
            );
            // A failed third file: dropped without a commit.
        }
        assert_eq!(fs::read(out.join("a.csv")).unwrap(), b"old");
        assert!(!out.join("seed1").exists());
        let left: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("a.csv")]);
        let st = Staged::new(&out).unwrap();
        write_bytes_atomic(&st.path().join("a.csv"), b"new").unwrap();
        write_bytes_atomic(&st.path().join("seed1/b.json"), b"b").unwrap();
        st.commit().unwrap();
        assert_eq!(fs::read(out.join("a.csv")).unwrap(), b"new");
        assert_eq!(fs::read(out.join("seed1/b.json")).unwrap(), b"b");
        let mut names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.csv", "seed1"]);
        // A staging folder a killed process left is a stale temp.
        fs::create_dir_all(out.join(".stage.tmp-1/x")).unwrap();
        assert_eq!(remove_stale_temps(&out).unwrap(), 1);
    }

    #[test]
    fn atomic_writes_leave_no_temp_and_create_new_keeps_the_first() {
        let dir = crate::test_dir("fsio");
        let p = dir.join("sub/a.json");
        write_bytes_atomic(&p, b"one").unwrap();
        write_bytes_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let q = dir.join("sub/b.json");
        assert!(create_new_atomic(&q, b"first").unwrap());
        assert!(!create_new_atomic(&q, b"second").unwrap());
        assert_eq!(fs::read(&q).unwrap(), b"first");
        let err = write_atomic(&p, |_| Err(io::Error::other("boom")));
        assert!(err.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<String> = fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !is_temp_name(n)), "{names:?}");
        fs::write(dir.join("sub/.x.tmp-1"), b"").unwrap();
        assert_eq!(remove_stale_temps(&dir.join("sub")).unwrap(), 1);
        assert_eq!(
            temp_path(Path::new("d/c.png"), true),
            PathBuf::from(format!("d/.c.png.tmp-{}.png", std::process::id()))
        );
    }
}
