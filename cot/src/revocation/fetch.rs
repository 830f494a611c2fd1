//! Fetching revocation data by URL: `file:` URLs (and plain paths) from the file system, `http:`
//! URLs with a blocking HTTP/1.1 client (feature `revocation-http`): GET for CRL distribution
//! points (RFC 5280 §4.2.1.13), POST of a DER `OCSPRequest` with content type
//! `application/ocsp-request` for OCSP (RFC 6960 Appendix A.1). Every read is bounded by a size
//! limit and every network wait by a timeout.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Why a fetch failed: timed out (IEC 62351-9 `CERT_V_R_TO_OCSP`) or could not be done at all
/// (unreachable, refused, HTTP error status, too large, unsupported scheme).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// No answer within the timeout.
    Timeout(String),
    /// Any other failure.
    Unreachable(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Timeout(s) => write!(f, "timeout: {s}"),
            FetchError::Unreachable(s) => f.write_str(s),
        }
    }
}

/// The path of a `file:` URL (`file:///p`, `file:/p`, `file:p`), `None` for other schemes.
pub(crate) fn file_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    // `file://localhost/p` and `file:///p`: the authority is empty or localhost.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    Some(PathBuf::from(rest))
}

/// Reads at most `max` octets of a file; more is an error (a huge CRL is refused, not loaded).
fn read_file(path: &std::path::Path, max: usize) -> Result<Vec<u8>, FetchError> {
    let f = std::fs::File::open(path)
        .map_err(|e| FetchError::Unreachable(format!("{}: {e}", path.display())))?;
    read_bounded(f, max).map_err(|e| match e {
        FetchError::Unreachable(s) => FetchError::Unreachable(format!("{}: {s}", path.display())),
        other => other,
    })
}

fn read_bounded(r: impl Read, max: usize) -> Result<Vec<u8>, FetchError> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit).read_to_end(&mut out).map_err(|e| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ) {
            FetchError::Timeout(e.to_string())
        } else {
            FetchError::Unreachable(e.to_string())
        }
    })?;
    if out.len() > max {
        return Err(FetchError::Unreachable(format!(
            "response larger than {max} octets"
        )));
    }
    Ok(out)
}

/// GET (`body` = `None`) or POST `body` as `content_type` to `url`; returns the body of a 200
/// answer, at most `max` octets.
pub(crate) fn fetch(
    url: &str,
    body: Option<(&str, &[u8])>,
    timeout: Duration,
    max: usize,
) -> Result<Vec<u8>, FetchError> {
    if let Some(path) = file_path(url) {
        if body.is_some() {
            return Err(FetchError::Unreachable(format!(
                "{url}: a file: URL cannot answer a request"
            )));
        }
        return read_file(&path, max);
    }
    if url.starts_with("http:") {
        return http(url, body, timeout, max);
    }
    Err(FetchError::Unreachable(format!(
        "{url}: unsupported URL scheme (file: and http: are)"
    )))
}

#[cfg(feature = "revocation-http")]
fn http(
    url: &str,
    body: Option<(&str, &[u8])>,
    timeout: Duration,
    max: usize,
) -> Result<Vec<u8>, FetchError> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(timeout)
        .timeout(timeout)
        .redirects(0)
        .build();
    let result = match body {
        None => agent.get(url).call(),
        Some((ct, data)) => agent.post(url).set("Content-Type", ct).send_bytes(data),
    };
    match result {
        Ok(resp) => read_bounded(resp.into_reader(), max),
        Err(ureq::Error::Status(code, _)) => Err(FetchError::Unreachable(format!(
            "{url}: HTTP status {code}"
        ))),
        Err(ureq::Error::Transport(t)) => {
            let text = t.to_string();
            let timed_out = std::error::Error::source(&t)
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some_and(|e| {
                    matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    )
                })
                || text.contains("timed out");
            if timed_out {
                Err(FetchError::Timeout(format!("{url}: {text}")))
            } else {
                Err(FetchError::Unreachable(format!("{url}: {text}")))
            }
        }
    }
}

#[cfg(not(feature = "revocation-http"))]
fn http(
    url: &str,
    _body: Option<(&str, &[u8])>,
    _timeout: Duration,
    _max: usize,
) -> Result<Vec<u8>, FetchError> {
    Err(FetchError::Unreachable(format!(
        "{url}: HTTP fetching needs the cot feature `revocation-http`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls() {
        assert_eq!(
            file_path("file:///a/b.crl"),
            Some(PathBuf::from("/a/b.crl"))
        );
        assert_eq!(file_path("file:/a/b.crl"), Some(PathBuf::from("/a/b.crl")));
        assert_eq!(
            file_path("file://localhost/a/b.crl"),
            Some(PathBuf::from("/a/b.crl"))
        );
        assert_eq!(file_path("http://x/y"), None);
    }

    #[test]
    fn bounded_reads_refuse_large_input() {
        let data = [7u8; 100];
        assert_eq!(read_bounded(&data[..], 100).map(|v| v.len()), Ok(100));
        assert!(matches!(
            read_bounded(&data[..], 99),
            Err(FetchError::Unreachable(s)) if s.contains("larger")
        ));
        assert!(matches!(
            fetch("ldap://x/y", None, Duration::from_secs(1), 10),
            Err(FetchError::Unreachable(s)) if s.contains("unsupported")
        ));
    }
}
