//! The file store and the file services of ISO 9506-1 Annex D / ISO 9506-2 Annex D: FileOpen,
//! FileRead, FileClose (file read state machines, FRSMs, per association), FileDirectory,
//! FileDelete and FileRename, confined to one directory.
//!
//! A file name (the `/`-joined GraphicStrings of a FileName) is relative to the root. Absolute
//! names and `..` components are refused with file / file-access-denied, control characters and
//! backslashes with file / filename-syntax-error, and a name whose canonical path (after
//! symbolic links) leaves the root with file / file-access-denied.

use std::borrow::Cow;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::codec::{Asn1, Writer};
use crate::common::FileName;
use crate::pdu::ConfirmedServiceResponse;
use crate::service_error::{ErrorClass, FileProblem, ResourceProblem, ServiceError};
use crate::services::file::{
    DirectoryEntry, FileAttributes, FileCloseRequest, FileCloseResponse, FileDeleteRequest,
    FileDeleteResponse, FileDirectoryRequest, FileDirectoryResponse, FileOpenRequest,
    FileOpenResponse, FileReadRequest, FileReadResponse, FileRenameRequest, FileRenameResponse,
};

use super::access::{Object, Operation};
use super::{AssociationInfo, Model, ModelError, ServiceResult};

/// The most files one association may have open.
pub const MAX_OPEN_FILES: usize = 8;
/// Octets a FileRead-Response needs besides the file data (envelope, moreFollows).
pub const FILE_READ_OVERHEAD: usize = 32;
/// Octets a FileDirectory-Response needs besides its entries.
pub const DIRECTORY_OVERHEAD: usize = 40;

/// A file store rooted in one directory (ISO 9506-1 Annex D: the VMD's filestore).
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// One open file: an FRSM (ISO 9506-1 Annex D.4).
#[derive(Debug)]
pub struct OpenFile {
    file: fs::File,
    path: PathBuf,
    size: u64,
    pos: u64,
}

fn file_error(p: FileProblem, d: impl Into<Cow<'static, str>>) -> ServiceError<'static> {
    ServiceError::new(ErrorClass::File(p)).with_description(d)
}

fn io_error(e: &std::io::Error, what: &str) -> ServiceError<'static> {
    match e.kind() {
        std::io::ErrorKind::NotFound => file_error(
            FileProblem::FileNonExistent,
            format!("{what}: no such file"),
        ),
        std::io::ErrorKind::PermissionDenied => file_error(
            FileProblem::FileAccessDenied,
            format!("{what}: access denied"),
        ),
        _ => file_error(FileProblem::Other(0), format!("{what}: {e}")),
    }
}

pub use crate::common::generalized_time;

fn attributes(md: &fs::Metadata) -> FileAttributes<'static> {
    FileAttributes {
        size_of_file: u32::try_from(md.len()).unwrap_or(u32::MAX),
        last_modified: md.modified().ok().map(|t| Cow::Owned(generalized_time(t))),
    }
}

impl FileStore {
    /// A store serving the directory `root` (which must exist).
    pub fn new(root: &Path) -> Result<FileStore, ModelError> {
        let err = |reason: String| ModelError::Files {
            path: root.display().to_string(),
            reason,
        };
        let root = fs::canonicalize(root).map_err(|e| err(e.to_string()))?;
        if !root.is_dir() {
            return Err(err("not a directory".into()));
        }
        Ok(FileStore { root })
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The relative path a FileName names, checked for syntax and traversal: its `/`-separated
    /// segments (`.` and empty segments dropped).
    pub fn relative(name: &FileName<'_>) -> Result<Vec<String>, ServiceError<'static>> {
        let joined = name.0.join("/");
        if joined.is_empty() {
            return Err(file_error(
                FileProblem::FilenameSyntaxError,
                "empty file name",
            ));
        }
        if joined.chars().any(|c| c.is_control() || c == '\\') {
            return Err(file_error(
                FileProblem::FilenameSyntaxError,
                "control characters or backslashes in the file name",
            ));
        }
        let b = joined.as_bytes();
        if b.first() == Some(&b'/') || (b.len() >= 2 && b.get(1) == Some(&b':')) {
            return Err(file_error(
                FileProblem::FileAccessDenied,
                "absolute file names are refused",
            ));
        }
        let mut segs = Vec::new();
        for s in joined.split('/') {
            match s {
                "" | "." => {}
                ".." => {
                    return Err(file_error(
                        FileProblem::FileAccessDenied,
                        "'..' in a file name is refused",
                    ))
                }
                s => segs.push(s.to_string()),
            }
        }
        Ok(segs)
    }

    fn inside(&self, p: &Path) -> Result<(), ServiceError<'static>> {
        if p.starts_with(&self.root) {
            Ok(())
        } else {
            Err(file_error(
                FileProblem::FileAccessDenied,
                "the file is outside the file store",
            ))
        }
    }

    /// An existing file or directory: its canonical path and its relative name.
    pub fn resolve(&self, name: &FileName<'_>) -> Result<(PathBuf, String), ServiceError<'static>> {
        let segs = Self::relative(name)?;
        let rel = segs.join("/");
        let mut p = self.root.clone();
        p.extend(&segs);
        let canon = fs::canonicalize(&p).map_err(|e| io_error(&e, &rel))?;
        self.inside(&canon)?;
        Ok((canon, rel))
    }

    /// A name for a file that does not exist yet (its directory must be inside the root).
    pub fn resolve_new(
        &self,
        name: &FileName<'_>,
    ) -> Result<(PathBuf, String), ServiceError<'static>> {
        let segs = Self::relative(name)?;
        let (last, dirs) = segs
            .split_last()
            .ok_or_else(|| file_error(FileProblem::FilenameSyntaxError, "empty file name"))?;
        let mut dir = self.root.clone();
        dir.extend(dirs);
        let rel = segs.join("/");
        let dir = fs::canonicalize(&dir).map_err(|e| io_error(&e, &rel))?;
        self.inside(&dir)?;
        let p = dir.join(last);
        if fs::symlink_metadata(&p).is_ok() {
            return Err(file_error(
                FileProblem::DuplicateFilename,
                format!("{rel} exists"),
            ));
        }
        Ok((p, rel))
    }
}

fn store(m: &Model) -> Result<&FileStore, ServiceError<'static>> {
    m.file_store()
        .ok_or_else(|| ServiceError::access_unsupported().with_description("no file store"))
}

fn unknown_frsm(id: i32) -> ServiceError<'static> {
    file_error(
        FileProblem::Other(0),
        format!("no open file with FRSM id {id}"),
    )
}

/// FileOpen (ISO 9506-1 Annex D.4): opens a file for reading at `initialPosition`.
pub fn open(m: &Model, info: &AssociationInfo, q: &FileOpenRequest<'_>) -> ServiceResult {
    let fsx = store(m)?;
    let (path, rel) = fsx.resolve(&q.file_name)?;
    if !m.allowed(info, Operation::ReadFile, &Object::File(&rel)) {
        return Err(file_error(
            FileProblem::FileAccessDenied,
            format!("{rel}: access denied"),
        ));
    }
    let md = fs::metadata(&path).map_err(|e| io_error(&e, &rel))?;
    if !md.is_file() {
        return Err(file_error(
            FileProblem::FileAccessDenied,
            format!("{rel} is not a file"),
        ));
    }
    if u64::from(q.initial_position) > md.len() {
        return Err(file_error(
            FileProblem::PositionInvalid,
            format!("{rel} has {} octets", md.len()),
        ));
    }
    let mut file = fs::File::open(&path).map_err(|e| io_error(&e, &rel))?;
    file.seek(SeekFrom::Start(u64::from(q.initial_position)))
        .map_err(|e| io_error(&e, &rel))?;
    let open = OpenFile {
        file,
        path,
        size: md.len(),
        pos: u64::from(q.initial_position),
    };
    let id = m.with_aa(info.id, |s| {
        if s.files.len() >= MAX_OPEN_FILES {
            return Err(ServiceError::new(ErrorClass::Resource(
                ResourceProblem::CapabilityUnavailable,
            ))
            .with_description(format!("at most {MAX_OPEN_FILES} open files")));
        }
        let mut id = s.last_frsm;
        loop {
            id = if id == i32::MAX { 1 } else { id + 1 };
            if !s.files.contains_key(&id) {
                break;
            }
        }
        s.last_frsm = id;
        s.files.insert(id, open);
        Ok(id)
    })?;
    Ok(ConfirmedServiceResponse::FileOpen(FileOpenResponse {
        frsm_id: id,
        file_attributes: attributes(&md),
    }))
}

/// FileRead (ISO 9506-1 Annex D.5): the next chunk, sized to the negotiated PDU size.
pub fn read(m: &Model, info: &AssociationInfo, q: &FileReadRequest) -> ServiceResult {
    let id = q.frsm_id;
    // Take the FRSM out so the file I/O runs without the association table's lock.
    let mut f = m
        .with_aa(info.id, |s| s.files.remove(&id))
        .ok_or_else(|| unknown_frsm(id))?;
    let chunk = info
        .negotiated
        .max_pdu_size
        .saturating_sub(FILE_READ_OVERHEAD)
        .max(1);
    let want = usize::try_from(f.size.saturating_sub(f.pos))
        .unwrap_or(usize::MAX)
        .min(chunk);
    let mut buf = vec![0u8; want];
    let mut got = 0usize;
    let r = loop {
        match buf.get_mut(got..).map(|b| f.file.read(b)) {
            Some(Ok(0)) | None => break Ok(()),
            Some(Ok(n)) => {
                got += n;
                if got >= want {
                    break Ok(());
                }
            }
            Some(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Some(Err(e)) => break Err(e),
        }
    };
    buf.truncate(got);
    f.pos += got as u64;
    let more = got > 0 && f.pos < f.size;
    m.with_aa(info.id, |s| s.files.insert(id, f));
    r.map_err(|e| io_error(&e, "read"))?;
    Ok(ConfirmedServiceResponse::FileRead(FileReadResponse {
        file_data: Cow::Owned(buf),
        more_follows: more,
    }))
}

/// FileClose (ISO 9506-1 Annex D.6): frees the FRSM.
pub fn close(m: &Model, info: &AssociationInfo, q: &FileCloseRequest) -> ServiceResult {
    m.with_aa(info.id, |s| s.files.remove(&q.frsm_id))
        .ok_or_else(|| unknown_frsm(q.frsm_id))?;
    Ok(ConfirmedServiceResponse::FileClose(FileCloseResponse))
}

fn entry(name: String, md: &fs::Metadata) -> DirectoryEntry<'static> {
    DirectoryEntry {
        file_name: FileName::new(name),
        file_attributes: if md.is_dir() {
            FileAttributes {
                size_of_file: 0,
                last_modified: md.modified().ok().map(|t| Cow::Owned(generalized_time(t))),
            }
        } else {
            attributes(md)
        },
    }
}

/// FileDirectory (ISO 9506-1 Annex D.8): the files of the root, of a directory, or one file;
/// sorted by name, after `continueAfter`, cut to the PDU size with `moreFollows`.
/// Directories are listed with a trailing `/`.
pub fn directory(m: &Model, info: &AssociationInfo, q: &FileDirectoryRequest<'_>) -> ServiceResult {
    let fsx = store(m)?;
    let (path, rel) = match &q.file_specification {
        Some(n) if !n.0.iter().all(|s| s.is_empty()) => fsx.resolve(n)?,
        _ => (fsx.root().to_path_buf(), String::new()),
    };
    if !rel.is_empty() && !m.allowed(info, Operation::Browse, &Object::File(&rel)) {
        return Err(file_error(
            FileProblem::FileNonExistent,
            format!("{rel}: no such file"),
        ));
    }
    let md = fs::metadata(&path).map_err(|e| io_error(&e, &rel))?;
    let mut entries: Vec<DirectoryEntry<'static>> = Vec::new();
    if md.is_dir() {
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{rel}/")
        };
        let rd = fs::read_dir(&path).map_err(|e| io_error(&e, &rel))?;
        for e in rd.flatten() {
            let Some(n) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(canon) = fs::canonicalize(e.path()) else {
                continue;
            };
            if !canon.starts_with(fsx.root()) {
                continue;
            }
            let Ok(emd) = fs::metadata(&canon) else {
                continue;
            };
            let full = format!("{prefix}{n}");
            if !m.allowed(info, Operation::Browse, &Object::File(&full)) {
                continue;
            }
            let shown = if emd.is_dir() {
                format!("{full}/")
            } else {
                full
            };
            entries.push(entry(shown, &emd));
        }
    } else {
        entries.push(entry(rel, &md));
    }
    entries.sort_by(|a, b| a.file_name.0.cmp(&b.file_name.0));
    let after = q.continue_after.as_ref().map(|c| c.0.join("/"));
    let budget = info
        .negotiated
        .max_pdu_size
        .saturating_sub(DIRECTORY_OVERHEAD);
    let mut used = 0usize;
    let mut out = Vec::new();
    let mut more = false;
    for e in entries {
        let name = e.file_name.0.join("/");
        if after.as_deref().is_some_and(|a| name.as_str() <= a) {
            continue;
        }
        let mut w = Writer::new();
        e.encode(&mut w);
        let cost = w.len();
        if !out.is_empty() && used + cost > budget {
            more = true;
            break;
        }
        used += cost;
        out.push(e);
    }
    Ok(ConfirmedServiceResponse::FileDirectory(
        FileDirectoryResponse {
            list_of_directory_entry: out,
            more_follows: more,
        },
    ))
}

fn is_open(m: &Model, path: &Path) -> bool {
    let aa = super::lock(&m.aa);
    aa.values()
        .any(|s| s.files.values().any(|f| f.path == path))
}

/// FileDelete (ISO 9506-1 Annex D.9): deletes a file no association has open (else
/// file / file-busy).
pub fn delete(m: &Model, info: &AssociationInfo, q: &FileDeleteRequest<'_>) -> ServiceResult {
    let fsx = store(m)?;
    let (path, rel) = fsx.resolve(&q.0)?;
    if !m.allowed(info, Operation::ModifyFile, &Object::File(&rel)) {
        return Err(file_error(
            FileProblem::FileAccessDenied,
            format!("{rel}: access denied"),
        ));
    }
    if !path.is_file() {
        return Err(file_error(
            FileProblem::FileAccessDenied,
            format!("{rel} is not a file"),
        ));
    }
    if is_open(m, &path) {
        return Err(file_error(FileProblem::FileBusy, format!("{rel} is open")));
    }
    fs::remove_file(&path).map_err(|e| io_error(&e, &rel))?;
    Ok(ConfirmedServiceResponse::FileDelete(FileDeleteResponse))
}

/// FileRename (ISO 9506-1 Annex D.7): renames a file inside the store (the new name must not
/// exist: file / duplicate-filename).
pub fn rename(m: &Model, info: &AssociationInfo, q: &FileRenameRequest<'_>) -> ServiceResult {
    let fsx = store(m)?;
    let (from, rel_from) = fsx.resolve(&q.current_file_name)?;
    let (to, rel_to) = fsx.resolve_new(&q.new_file_name)?;
    for r in [&rel_from, &rel_to] {
        if !m.allowed(info, Operation::ModifyFile, &Object::File(r)) {
            return Err(file_error(
                FileProblem::FileAccessDenied,
                format!("{r}: access denied"),
            ));
        }
    }
    if !from.is_file() {
        return Err(file_error(
            FileProblem::FileAccessDenied,
            format!("{rel_from} is not a file"),
        ));
    }
    if is_open(m, &from) {
        return Err(file_error(
            FileProblem::FileBusy,
            format!("{rel_from} is open"),
        ));
    }
    fs::rename(&from, &to).map_err(|e| io_error(&e, &rel_from))?;
    Ok(ConfirmedServiceResponse::FileRename(FileRenameResponse))
}

/// How much an ObtainFile (ISO 9506-1 Annex D.3) may fetch into the store, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObtainLimits {
    /// The largest file accepted, in octets (default 16 MiB).
    pub max_octets: u64,
    /// The longest a transfer may take, FileOpen to FileClose (default 60 s).
    pub time: std::time::Duration,
}

impl Default for ObtainLimits {
    fn default() -> Self {
        ObtainLimits {
            max_octets: 16 * 1024 * 1024,
            time: std::time::Duration::from_secs(60),
        }
    }
}

impl ObtainLimits {
    /// Limits of `max_octets` octets and `time`.
    pub fn new(max_octets: u64, time: std::time::Duration) -> ObtainLimits {
        ObtainLimits { max_octets, time }
    }
}

/// Where an ObtainFile writes: a partial file next to the destination, which becomes the
/// destination only when the whole file arrived within the limits (and is removed otherwise).
#[cfg(feature = "runtime")]
struct Incoming {
    file: fs::File,
    written: u64,
    limits: ObtainLimits,
    deadline: std::time::Instant,
}

#[cfg(feature = "runtime")]
impl std::io::Write for Incoming {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let over = |what: String| std::io::Error::other(what);
        self.written = self.written.saturating_add(buf.len() as u64);
        if self.written > self.limits.max_octets {
            return Err(over(format!(
                "larger than {} octets",
                self.limits.max_octets
            )));
        }
        if std::time::Instant::now() > self.deadline {
            return Err(over(format!(
                "not transferred within {} s",
                self.limits.time.as_secs()
            )));
        }
        std::io::Write::write_all(&mut self.file, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.sync_all()
    }
}

/// ObtainFile (ISO 9506-1 Annex D.3) with the requester as the source: checks the destination
/// with the rules of the other file services (a new name inside the store, modify-file
/// permission), then fetches `sourceFile` from the requester on the same association
/// (FileOpen / FileRead / FileClose with the server as the requester, through `peer`) on a
/// thread of its own, and answers once the file is in the store. A third-party source
/// (`sourceFileServer`) is refused with access / object-access-unsupported.
#[cfg(feature = "runtime")]
pub fn obtain(
    m: &Model,
    peer: &crate::server::ServerHandle,
    ctx: &mut crate::server::RequestContext<'_>,
    q: &crate::services::file::ObtainFileRequest<'_>,
) -> crate::server::Reply {
    use crate::server::Reply;
    let info = ctx.association;
    let checked = (|| {
        let fsx = store(m)?;
        if q.source_file_server.is_some() {
            return Err(ServiceError::access_unsupported()
                .with_description("obtainFile from a third party is not served"));
        }
        let (dest, rel) = fsx.resolve_new(&q.destination_file)?;
        if !m.allowed(info, Operation::ModifyFile, &Object::File(&rel)) {
            return Err(file_error(
                FileProblem::FileAccessDenied,
                format!("{rel}: access denied"),
            ));
        }
        let source = q.source_file.0.join("/");
        if source.is_empty() {
            return Err(file_error(
                FileProblem::FilenameSyntaxError,
                "empty source file name",
            ));
        }
        Ok((dest, rel, source))
    })();
    let (dest, rel, source) = match checked {
        Ok(x) => x,
        Err(e) => return Reply::Now(Err(e)),
    };
    let Some(responder) = ctx.responder() else {
        return Reply::Now(Err(
            ServiceError::access_unsupported().with_description("obtainFile needs an answer later")
        ));
    };
    let Some(slot) = m.obtain_slot() else {
        responder.respond(Err(ServiceError::new(ErrorClass::Resource(
            ResourceProblem::CapabilityUnavailable,
        ))
        .with_description(format!(
            "at most {MAX_OBTAINING} obtainFile transfers at a time"
        ))));
        return Reply::Later;
    };
    let peer = peer.clone();
    let association = info.id;
    let limits = m.obtain_limits();
    // If the thread cannot start, the responder goes down with the closure and answers
    // service / other.
    let _ = std::thread::Builder::new()
        .name("mms-obtain-file".into())
        .spawn(move || {
            let r = fetch(&peer, association, &source, &dest, &rel, limits);
            drop(slot);
            responder.respond(r.map(|()| {
                ConfirmedServiceResponse::ObtainFile(crate::services::file::ObtainFileResponse)
            }));
        });
    Reply::Later
}

/// The most ObtainFile transfers one model runs at a time (each holds a thread).
pub const MAX_OBTAINING: usize = 4;

/// One running ObtainFile transfer, counted in the model until dropped.
#[cfg(feature = "runtime")]
pub(crate) struct ObtainSlot(pub(crate) std::sync::Arc<std::sync::atomic::AtomicUsize>);

#[cfg(feature = "runtime")]
impl Drop for ObtainSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Fetches `source` from the partner of `association` into `dest` (see [`obtain`]).
#[cfg(feature = "runtime")]
fn fetch(
    peer: &crate::server::ServerHandle,
    association: u64,
    source: &str,
    dest: &Path,
    rel: &str,
    limits: ObtainLimits,
) -> Result<(), ServiceError<'static>> {
    let failed = |why: String| file_error(FileProblem::Other(0), format!("{rel}: {why}"));
    let client = peer
        .client(association)
        .map_err(|e| failed(format!("cannot reach the source: {e}")))?;
    let part = dest.with_file_name(format!(
        ".{}.obtaining-{association}",
        dest.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part)
        .map_err(|e| io_error(&e, rel))?;
    let mut incoming = Incoming {
        file,
        written: 0,
        limits,
        deadline: std::time::Instant::now() + limits.time,
    };
    let got = client.download(source, &mut incoming, |_, _| {});
    drop(incoming);
    let result = match got {
        Ok(_) => fs::hard_link(&part, dest).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                file_error(FileProblem::DuplicateFilename, format!("{rel} exists"))
            }
            _ => io_error(&e, rel),
        }),
        Err(e) => Err(failed(format!("fetching {source} from the requester: {e}"))),
    };
    let _ = fs::remove_file(&part);
    result
}
