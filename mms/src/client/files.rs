//! File services on a blocking [`Client`] (ISO 9506-1 Annex D, ISO 9506-2 Annex D):
//! directory listing with `continueAfter` paging, download (FileOpen / FileRead / FileClose),
//! delete, rename, and upload through ObtainFile.
//!
//! MMS has no "put": ObtainFile (Annex D.3) asks the server to fetch a file, from the client
//! itself when no third party is named. So the client must serve FileOpen / FileRead /
//! FileClose on its own association while it waits: connect with a [`LocalFiles`] handler
//! (`Client::connect_with(addr, config, Some(files.clone()))`) and call [`Client::upload`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::client::blocking::Client;
use crate::client::ops::OpError;
use crate::common::FileName;
use crate::initiate::{ServiceKind, ServicesSupported};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use crate::server::handler::{AssociationInfo, Handler, Reply, RequestContext};
use crate::service_error::{ErrorClass, FileProblem, ServiceError};
use crate::services::file::{
    FileAttributes, FileCloseRequest, FileCloseResponse, FileDeleteRequest, FileDirectoryRequest,
    FileOpenRequest, FileOpenResponse, FileReadRequest, FileReadResponse, FileRenameRequest,
    ObtainFileRequest,
};

/// The most directory entries [`Client::file_directory`] collects.
pub const MAX_DIRECTORY_ENTRIES: usize = 1_000_000;

/// How many FileRead answers in a row may carry no data while saying `moreFollows` before
/// [`Client::download`] gives up.
const MAX_EMPTY_READS: usize = 16;

/// One file of a FileDirectory-Response (ISO 9506-2 Annex D.8.2, `DirectoryEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The file name, its components joined with `/`.
    pub name: String,
    /// `sizeOfFile` in octets.
    pub size: u64,
    /// `lastModified` (GeneralizedTime text as sent), when given.
    pub modified: Option<String>,
}

impl FileEntry {
    /// `lastModified` as a time, when it is of the form `YYYYMMDDhhmmss[.fff]Z` (UTC).
    pub fn modified_time(&self) -> Option<SystemTime> {
        parse_generalized_time(self.modified.as_deref()?)
    }
}

/// Parses the UTC `GeneralizedTime` forms file servers send (`20240101120000Z`,
/// `20240101120000.123Z`; X.680 §46). Local times (no `Z`) are read as UTC.
pub fn parse_generalized_time(s: &str) -> Option<SystemTime> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (main, frac) = match s.split_once(['.', ',']) {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| main.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(8..10)?, num(10..12)?, num(12..14)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    // mo and d were checked to 1..=12 and 1..=31 above.
    let days = crate::common::days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se;
    let mut nanos = 0u32;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = f.parse().ok()?;
        nanos = v * 10u32.pow(9 - f.len() as u32);
    }
    let secs = u64::try_from(secs).ok()?;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
}

fn file_name(name: &str) -> FileName<'_> {
    FileName::new(name)
}

fn joined(n: &FileName<'_>) -> String {
    n.0.join("/")
}

fn wrong(service: &'static str, got: &ConfirmedServiceResponse<'_>) -> OpError {
    crate::client::ClientError::Unexpected(crate::client::connection::Unexpected::Service {
        request: service,
        found: got.tag(),
    })
    .into()
}

impl Client {
    /// FileDirectory (ISO 9506-1 Annex D.8, ISO 9506-2 Annex D.8): the files matching `spec`
    /// (a directory or pattern in the server's syntax; empty: every file), following
    /// `continueAfter` (the last file name of the previous page) while `moreFollows`.
    pub fn file_directory(&self, spec: &str) -> Result<Vec<FileEntry>, OpError> {
        let mut out: Vec<FileEntry> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let req = ConfirmedServiceRequest::FileDirectory(FileDirectoryRequest {
                file_specification: (!spec.is_empty()).then(|| file_name(spec)),
                continue_after: after.as_deref().map(file_name),
            });
            let more = self.call(&req, |r| match r {
                ConfirmedServiceResponse::FileDirectory(d) => {
                    let n = d.list_of_directory_entry.len();
                    if out.len().saturating_add(n) > MAX_DIRECTORY_ENTRIES {
                        return Err(OpError::TooMany {
                            what: "directory entries",
                            limit: MAX_DIRECTORY_ENTRIES,
                        });
                    }
                    out.extend(d.list_of_directory_entry.into_iter().map(|e| FileEntry {
                        name: joined(&e.file_name),
                        size: u64::from(e.file_attributes.size_of_file),
                        modified: e.file_attributes.last_modified.map(|t| t.into_owned()),
                    }));
                    Ok(d.more_follows)
                }
                other => Err(wrong("fileDirectory", &other)),
            })?;
            if !more {
                return Ok(out);
            }
            match out.last() {
                Some(last) if after.as_deref() != Some(last.name.as_str()) => {
                    after = Some(last.name.clone());
                }
                _ => return Err(OpError::NoProgress("directory entries")),
            }
        }
    }

    /// Downloads a file (ISO 9506-1 Annex D.4–D.6): FileOpen at position 0, FileRead until
    /// `moreFollows` is FALSE, FileClose. Writes the contents to `out`, calls `progress(bytes
    /// so far, size the server announced)` after each part, and returns the number of octets.
    /// The file is closed on the server on every path once it was opened.
    pub fn download(
        &self,
        remote: &str,
        out: &mut impl Write,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<u64, OpError> {
        let req = ConfirmedServiceRequest::FileOpen(FileOpenRequest {
            file_name: file_name(remote),
            initial_position: 0,
        });
        let (frsm, size) = self.call(&req, |r| match r {
            ConfirmedServiceResponse::FileOpen(o) => {
                Ok((o.frsm_id, u64::from(o.file_attributes.size_of_file)))
            }
            other => Err(wrong("fileOpen", &other)),
        })?;
        let result = self.read_frsm(frsm, size, out, &mut progress);
        let closed = self.call(
            &ConfirmedServiceRequest::FileClose(FileCloseRequest { frsm_id: frsm }),
            |r| match r {
                ConfirmedServiceResponse::FileClose(_) => Ok(()),
                other => Err(wrong("fileClose", &other)),
            },
        );
        let total = result?;
        closed?;
        Ok(total)
    }

    fn read_frsm(
        &self,
        frsm: i32,
        size: u64,
        out: &mut impl Write,
        progress: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<u64, OpError> {
        let mut total = 0u64;
        let mut empty = 0usize;
        let req = ConfirmedServiceRequest::FileRead(FileReadRequest { frsm_id: frsm });
        loop {
            let more = self.call(&req, |r| match r {
                ConfirmedServiceResponse::FileRead(d) => {
                    out.write_all(&d.file_data)?;
                    let n = d.file_data.len() as u64;
                    total = total.saturating_add(n);
                    empty = if n == 0 { empty + 1 } else { 0 };
                    Ok(d.more_follows)
                }
                other => Err(wrong("fileRead", &other)),
            })?;
            progress(total, Some(size));
            if !more {
                out.flush()?;
                return Ok(total);
            }
            if empty >= MAX_EMPTY_READS {
                return Err(OpError::NoProgress("file data"));
            }
        }
    }

    /// FileDelete (ISO 9506-1 Annex D.9).
    pub fn delete_file(&self, name: &str) -> Result<(), OpError> {
        let req = ConfirmedServiceRequest::FileDelete(FileDeleteRequest(file_name(name)));
        self.call(&req, |r| match r {
            ConfirmedServiceResponse::FileDelete(_) => Ok(()),
            other => Err(wrong("fileDelete", &other)),
        })
    }

    /// FileRename (ISO 9506-1 Annex D.7).
    pub fn rename_file(&self, from: &str, to: &str) -> Result<(), OpError> {
        let req = ConfirmedServiceRequest::FileRename(FileRenameRequest {
            current_file_name: file_name(from),
            new_file_name: file_name(to),
        });
        self.call(&req, |r| match r {
            ConfirmedServiceResponse::FileRename(_) => Ok(()),
            other => Err(wrong("fileRename", &other)),
        })
    }

    /// Uploads `local` to the server as `remote` with ObtainFile (ISO 9506-1 Annex D.3): the
    /// server fetches the file from this client, which serves it through `files` (the
    /// [`LocalFiles`] this client was connected with, see the module documentation) for the
    /// duration of the call only. The request time-out of the client bounds the transfer.
    pub fn upload(
        &self,
        files: &LocalFiles,
        local: impl AsRef<Path>,
        remote: &str,
    ) -> Result<(), OpError> {
        let local = local.as_ref();
        // Fail early, before the server is involved.
        File::open(local)?;
        let source = files.offer(local);
        let req = ConfirmedServiceRequest::ObtainFile(ObtainFileRequest {
            source_file_server: None,
            source_file: file_name(&source),
            destination_file: file_name(remote),
        });
        let r = self.call(&req, |r| match r {
            ConfirmedServiceResponse::ObtainFile(_) => Ok(()),
            other => Err(wrong("obtainFile", &other)),
        });
        files.withdraw(&source);
        r
    }
}

/// Serves local files to the server over the client's own association (ISO 9506-1 Annex D.4–
/// D.6, FileOpen / FileRead / FileClose as the responder), for [`Client::upload`]. Only files
/// offered by a running upload can be opened, under the name the ObtainFile request gave.
#[derive(Debug, Default)]
pub struct LocalFiles {
    offered: Mutex<HashMap<String, PathBuf>>,
    open: Mutex<HashMap<(u64, i32), File>>,
    next_frsm: AtomicI32,
    next_offer: AtomicU64,
}

/// At most this many octets per FileRead-Response, whatever the PDU size allows.
const MAX_READ_CHUNK: usize = 16 * 1024;

/// The most files one association may hold open on a [`LocalFiles`].
const MAX_OPEN_FILES: usize = 16;

fn file_error(p: FileProblem) -> ServiceError<'static> {
    ServiceError::new(ErrorClass::File(p))
}

impl LocalFiles {
    /// A new, empty file server; pass a clone of the `Arc` to `Client::connect_with`.
    pub fn new() -> Arc<LocalFiles> {
        Arc::new(LocalFiles::default())
    }

    fn offer(&self, path: &Path) -> String {
        let n = self.next_offer.fetch_add(1, Ordering::SeqCst);
        let base = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let name = format!("upload{n}/{base}");
        if let Ok(mut m) = self.offered.lock() {
            m.insert(name.clone(), path.to_path_buf());
        }
        name
    }

    fn withdraw(&self, name: &str) {
        if let Ok(mut m) = self.offered.lock() {
            m.remove(name);
        }
    }

    fn open_file(
        &self,
        info: &AssociationInfo,
        r: &FileOpenRequest<'_>,
    ) -> Result<ConfirmedServiceResponse<'static>, ServiceError<'static>> {
        let name = joined(&r.file_name);
        let path = self
            .offered
            .lock()
            .ok()
            .and_then(|m| m.get(&name).cloned())
            .ok_or_else(|| file_error(FileProblem::FileNonExistent))?;
        let mut f = File::open(&path).map_err(|_| file_error(FileProblem::FileAccessDenied))?;
        let len = f
            .metadata()
            .map_err(|_| file_error(FileProblem::FileAccessDenied))?
            .len();
        let size = u32::try_from(len).map_err(|_| file_error(FileProblem::FileAccessDenied))?;
        if u64::from(r.initial_position) > len {
            return Err(file_error(FileProblem::PositionInvalid));
        }
        f.seek(SeekFrom::Start(u64::from(r.initial_position)))
            .map_err(|_| file_error(FileProblem::PositionInvalid))?;
        let mut open = self
            .open
            .lock()
            .map_err(|_| file_error(FileProblem::FileBusy))?;
        if open.keys().filter(|(a, _)| *a == info.id).count() >= MAX_OPEN_FILES {
            return Err(file_error(FileProblem::FileBusy));
        }
        let frsm = self.next_frsm.fetch_add(1, Ordering::SeqCst) & i32::MAX;
        open.insert((info.id, frsm), f);
        Ok(ConfirmedServiceResponse::FileOpen(FileOpenResponse {
            frsm_id: frsm,
            file_attributes: FileAttributes {
                size_of_file: size,
                last_modified: None,
            },
        }))
    }

    fn read_file(
        &self,
        info: &AssociationInfo,
        frsm: i32,
    ) -> Result<ConfirmedServiceResponse<'static>, ServiceError<'static>> {
        // PDU minus the FileRead-Response, OCTET STRING and PDU headers.
        let chunk = info
            .negotiated
            .max_pdu_size
            .saturating_sub(32)
            .clamp(1, MAX_READ_CHUNK);
        let mut open = self
            .open
            .lock()
            .map_err(|_| file_error(FileProblem::FileBusy))?;
        let f = open
            .get_mut(&(info.id, frsm))
            .ok_or_else(ServiceError::object_non_existent)?;
        let mut buf = vec![0u8; chunk];
        let mut n = 0;
        while n < chunk {
            match f.read(buf.get_mut(n..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(file_error(FileProblem::FileAccessDenied)),
            }
        }
        buf.truncate(n);
        Ok(ConfirmedServiceResponse::FileRead(FileReadResponse {
            more_follows: n == chunk,
            file_data: buf.into(),
        }))
    }

    fn close_file(
        &self,
        info: &AssociationInfo,
        frsm: i32,
    ) -> Result<ConfirmedServiceResponse<'static>, ServiceError<'static>> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| file_error(FileProblem::FileBusy))?;
        match open.remove(&(info.id, frsm)) {
            Some(_) => Ok(ConfirmedServiceResponse::FileClose(FileCloseResponse)),
            None => Err(ServiceError::object_non_existent()),
        }
    }
}

impl Handler for LocalFiles {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_services([
            ServiceKind::FileOpen,
            ServiceKind::FileRead,
            ServiceKind::FileClose,
        ])
    }

    /// FileOpen, FileRead and FileClose of offered files (ISO 9506-1 Annex D.4–D.6); every
    /// other service is unsupported (a RejectPDU).
    ///
    /// The answer goes through the request's responder at once (`Reply::Later`), which wakes
    /// the client's I/O thread: a `Reply::Now` from a client-side handler is sent only at the
    /// thread's next wake-up (up to a second later), which would make uploads crawl.
    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        let info = ctx.association;
        let result = match request {
            ConfirmedServiceRequest::FileOpen(r) => self.open_file(info, r),
            ConfirmedServiceRequest::FileRead(r) => self.read_file(info, r.frsm_id),
            ConfirmedServiceRequest::FileClose(r) => self.close_file(info, r.frsm_id),
            _ => return Reply::Unsupported,
        };
        match ctx.responder() {
            Some(responder) => {
                responder.respond(result);
                Reply::Later
            }
            None => Reply::Now(result),
        }
    }

    fn closed(&self, info: &AssociationInfo) {
        if let Ok(mut open) = self.open.lock() {
            open.retain(|(a, _), _| *a != info.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn generalized_times() {
        let t = parse_generalized_time("20240101120000Z").expect("time");
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).ok(),
            Some(Duration::from_secs(1_704_110_400))
        );
        let t = parse_generalized_time("19700101000001.5Z").expect("time");
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).ok(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_generalized_time("2024"), None);
        assert_eq!(parse_generalized_time("20241301120000Z"), None);
        assert_eq!(parse_generalized_time("20240101120000.Z"), None);
        assert_eq!(parse_generalized_time("2024010112000xZ"), None);
        assert_eq!(parse_generalized_time("20240101120000.1234567890Z"), None);
    }

    proptest::proptest! {
        /// Whatever a file server sends as `lastModified`, parsing never panics.
        #[test]
        fn generalized_time_never_panics(s in "[0-9.,Z]{0,24}|\\PC{0,40}") {
            let _ = parse_generalized_time(&s);
        }

        /// Every UTC time of the digits form parses back to itself.
        #[test]
        fn generalized_time_round_trip(secs in 0u64..8_000_000_000, millis in 0u32..1000) {
            let days = (secs / 86_400) as i64;
            let (y, m, d) = crate::common::civil_from_days(days);
            let rem = secs % 86_400;
            let text = format!(
                "{y:04}{m:02}{d:02}{:02}{:02}{:02}.{millis:03}Z",
                rem / 3600,
                rem / 60 % 60,
                rem % 60
            );
            let t = parse_generalized_time(&text);
            let want = SystemTime::UNIX_EPOCH
                + Duration::from_secs(secs)
                + Duration::from_millis(u64::from(millis));
            proptest::prop_assert_eq!(t, Some(want), "{}", text);
        }
    }
}
