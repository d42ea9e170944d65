//! Saving a stream that is not read by [`Client::download_to_file`](super::Client) (an
//! `https://` URL, a Cloud Storage object) to a file the same way: into a temporary file next
//! to the target, renamed over it only when every byte arrived (as many as the server
//! announced, when it did); on any failure the temporary file is removed and the target is
//! left as it was.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use super::download::{temp_path, TempFile};
use super::error::{InputError, IntegrityError, S3Error};
use super::progress::Progress;

/// Writes `reader` to `dest` (replaced if it exists) through a temporary file beside it;
/// `announced` is the length the server gave (`Content-Length`), checked at the end.
/// `progress` is told the bytes as they are written. Returns the bytes written.
pub fn save_stream(
    reader: &mut dyn Read,
    announced: Option<u64>,
    dest: &Path,
    progress: Option<&dyn Progress>,
) -> Result<u64, S3Error> {
    if dest.is_dir() {
        return Err(S3Error::InvalidInput(InputError::DestinationNotAFile(dest.to_path_buf())));
    }
    if dest.file_name().is_none() {
        return Err(S3Error::InvalidInput(InputError::DestinationNotAFile(dest.to_path_buf())));
    }
    let tmp_path = temp_path(dest);
    let mut tmp = TempFile { path: tmp_path.clone(), keep: false };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp_path)
        .map_err(|e| S3Error::io("create the temporary file", Some(tmp_path.clone()), e))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(S3Error::io(format!("receive (after {total} bytes) the body for"), Some(dest.into()), e))
            }
        };
        file.write_all(&buf[..n]).map_err(|e| S3Error::io("write", Some(tmp_path.clone()), e))?;
        total += n as u64;
        if let Some(p) = progress {
            p.advance(n as u64);
        }
    }
    if let Some(want) = announced.filter(|w| *w != total) {
        return Err(S3Error::Integrity(IntegrityError::Length { received: total, announced: want }));
    }
    file.flush().map_err(|e| S3Error::io("write", Some(tmp_path.clone()), e))?;
    drop(file);
    std::fs::rename(&tmp_path, dest)
        .map_err(|e| S3Error::io(format!("rename {} to", tmp_path.display()), Some(dest.to_owned()), e))?;
    tmp.keep = true;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn complete_streams_are_renamed_and_short_ones_leave_nothing() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("f.txt");
        std::fs::write(&dest, b"old").unwrap();
        let e = save_stream(&mut &b"abc"[..], Some(5), &dest, None).clean_err();
        assert!(e.to_string().contains('3') && e.to_string().contains('5'), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1, "the temporary file is gone");
        assert_eq!(save_stream(&mut &b"abcde"[..], Some(5), &dest, None).unwrap(), 5);
        assert_eq!(std::fs::read(&dest).unwrap(), b"abcde");
        assert_eq!(save_stream(&mut &b"xy"[..], None, &dest, None).unwrap(), 2);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
