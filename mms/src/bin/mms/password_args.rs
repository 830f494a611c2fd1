//! `--password-file` of `mms server` and `mms client`: ACSE password authentication
//! (ISO 8650-1 authentication functional unit, mechanism password-1 2.2.3.1; `acse::password`).
//! The password is read from a file, never from the command line, where other users of the
//! machine could read it in the process list.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use acse::password::PasswordFactory;
use acse::security::SecurityFactory;

/// ACSE password authentication options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PasswordArgs {
    /// ACSE password authentication (mechanism 2.2.3.1): the password is the first line of
    /// FILE (a client sends it, a server requires it). Never give a password on the command
    /// line.
    #[arg(long = "password-file", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// The first line of `path`, without its line end: the password. Refuses an empty one.
fn read_password(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes =
        std::fs::read(path).map_err(|e| format!("--password-file {}: {e}", path.display()))?;
    warn_if_readable_by_others(path);
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let end = if end > 0 && bytes.get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    };
    let password = bytes.get(..end).unwrap_or_default().to_vec();
    // Wipe the file's copy (best effort, as acse::password does with its own).
    bytes.iter_mut().for_each(|b| *b = 0);
    std::hint::black_box(&mut bytes);
    if password.is_empty() {
        return Err(format!(
            "--password-file {}: the first line is empty (no password)",
            path.display()
        ));
    }
    Ok(password)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(md) = std::fs::metadata(path) {
        if md.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "mms: warning: --password-file {} is readable by other users (chmod 600 it)",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

impl PasswordArgs {
    /// The security factory for `ServerConfig.security` / `ClientConfig.security`, or `None`
    /// without `--password-file`.
    pub fn factory(&self) -> Result<Option<Arc<dyn SecurityFactory>>, String> {
        let Some(path) = &self.password_file else {
            return Ok(None);
        };
        let password = read_password(path)?;
        Ok(Some(Arc::new(PasswordFactory::new(password))))
    }
}
