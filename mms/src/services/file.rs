//! File management services (ISO 9506-2 Annex D, the `ISO-9506-MMS-1A` module; service
//! definitions in ISO 9506-1 Annex D): ObtainFile \[46\], FileOpen \[72\], FileRead \[73\],
//! FileClose \[74\], FileRename \[75\], FileDelete \[76\] and FileDirectory \[77\].
//!
//! Wire forms follow Wireshark's MMS module: `listOfDirectoryEntry [0] SEQUENCE OF
//! DirectoryEntry` has no IMPLICIT, so it is an EXPLICIT `[0]` around a universal SEQUENCE.
//! FileRead's data is borrowed from the input.

use crate::codec::write_bool_default;
use crate::services::service_fields;
use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, int32, octets, seq_of, string, uint32, write_explicit,
    write_seq_of, write_string, write_uint, Asn1, Result, Service, Tag, Tlv, Writer,
};
use crate::common::{ApplicationReference, FileName};

/// `FileAttributes` (ISO 9506-2 Annex D.2): size and modification time of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAttributes<'a> {
    /// `sizeOfFile [0] IMPLICIT Unsigned32` (octets).
    pub size_of_file: u32,
    /// `lastModified [1] IMPLICIT GeneralizedTime OPTIONAL`, the text as received (e.g.
    /// `20240101120000Z` or with fractional seconds).
    pub last_modified: Option<Cow<'a, str>>,
}

impl<'a> FileAttributes<'a> {
    /// Detaches the value from the input buffer.
    pub fn into_owned(self) -> FileAttributes<'static> {
        FileAttributes {
            size_of_file: self.size_of_file,
            last_modified: self.last_modified.map(|s| Cow::Owned(s.into_owned())),
        }
    }
}

impl<'a> Asn1<'a> for FileAttributes<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = crate::codec::Fields::new(tlv)?;
        let size_of_file = uint32(&f.req(ctx(0), "sizeOfFile")?)?;
        let last_modified = f.opt_map(ctx(1), string)?;
        f.finish()?;
        Ok(FileAttributes {
            size_of_file,
            last_modified,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        if let Some(t) = &self.last_modified {
            write_string(w, ctx(1), t);
        }
        write_uint(w, ctx(0), u64::from(self.size_of_file));
    }
}

/// `DirectoryEntry` (ISO 9506-2 Annex D.8.2): one file of a FileDirectory-Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry<'a> {
    /// `filename [0] IMPLICIT FileName`.
    pub file_name: FileName<'a>,
    /// `fileAttributes [1] IMPLICIT FileAttributes`.
    pub file_attributes: FileAttributes<'a>,
}

impl<'a> DirectoryEntry<'a> {
    /// Detaches the value from the input buffer.
    pub fn into_owned(self) -> DirectoryEntry<'static> {
        DirectoryEntry {
            file_name: self.file_name.into_owned(),
            file_attributes: self.file_attributes.into_owned(),
        }
    }
}

impl<'a> Asn1<'a> for DirectoryEntry<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = crate::codec::Fields::new(tlv)?;
        let file_name = FileName::decode_implicit(&f.req(ctx_c(0), "filename")?, ctx_c(0))?;
        let file_attributes =
            FileAttributes::decode_implicit(&f.req(ctx_c(1), "fileAttributes")?, ctx_c(1))?;
        f.finish()?;
        Ok(DirectoryEntry {
            file_name,
            file_attributes,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.file_attributes.encode_tagged(w, ctx_c(1));
        self.file_name.encode_tagged(w, ctx_c(0));
    }
}

// ---------------------------------------------------------------------------------------------
// ObtainFile [46]

/// `ObtainFile-Request` (ISO 9506-2 Annex D.3.1): make the server fetch a file from a third
/// party (or from the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObtainFileRequest<'a> {
    /// `sourceFileServer [0] IMPLICIT ApplicationReference OPTIONAL`.
    pub source_file_server: Option<ApplicationReference<'a>>,
    /// `sourceFile [1] IMPLICIT FileName`.
    pub source_file: FileName<'a>,
    /// `destinationFile [2] IMPLICIT FileName`.
    pub destination_file: FileName<'a>,
}

impl<'a> Service<'a> for ObtainFileRequest<'a> {
    const TAG: u32 = 46;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let source_file_server = f
            .opt(ctx_c(0))?
            .map(|t| ApplicationReference::decode_implicit(&t, ctx_c(0)))
            .transpose()?;
        let source_file = FileName::decode_implicit(&f.req(ctx_c(1), "sourceFile")?, ctx_c(1))?;
        let destination_file =
            FileName::decode_implicit(&f.req(ctx_c(2), "destinationFile")?, ctx_c(2))?;
        f.finish()?;
        Ok(ObtainFileRequest {
            source_file_server,
            source_file,
            destination_file,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        self.destination_file.encode_tagged(w, ctx_c(2));
        self.source_file.encode_tagged(w, ctx_c(1));
        if let Some(a) = &self.source_file_server {
            a.encode_tagged(w, ctx_c(0));
        }
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `ObtainFile-Response ::= NULL` (ISO 9506-2 Annex D.3.2).
    ObtainFileResponse = 46
);

// ---------------------------------------------------------------------------------------------
// FileOpen [72]

/// `FileOpen-Request` (ISO 9506-2 Annex D.4.1): open a file for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOpenRequest<'a> {
    /// `fileName [0] IMPLICIT FileName`.
    pub file_name: FileName<'a>,
    /// `initialPosition [1] IMPLICIT Unsigned32` (octet offset).
    pub initial_position: u32,
}

impl<'a> Service<'a> for FileOpenRequest<'a> {
    const TAG: u32 = 72;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let file_name = FileName::decode_implicit(&f.req(ctx_c(0), "fileName")?, ctx_c(0))?;
        let initial_position = uint32(&f.req(ctx(1), "initialPosition")?)?;
        f.finish()?;
        Ok(FileOpenRequest {
            file_name,
            initial_position,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_uint(w, ctx(1), u64::from(self.initial_position));
        self.file_name.encode_tagged(w, ctx_c(0));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `FileOpen-Response` (ISO 9506-2 Annex D.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOpenResponse<'a> {
    /// `frsmID [0] IMPLICIT Integer32`: the file read state machine to use in FileRead and
    /// FileClose.
    pub frsm_id: i32,
    /// `fileAttributes [1] IMPLICIT FileAttributes`.
    pub file_attributes: FileAttributes<'a>,
}

impl<'a> Service<'a> for FileOpenResponse<'a> {
    const TAG: u32 = 72;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let frsm_id = int32(&f.req(ctx(0), "frsmID")?)?;
        let file_attributes =
            FileAttributes::decode_implicit(&f.req(ctx_c(1), "fileAttributes")?, ctx_c(1))?;
        f.finish()?;
        Ok(FileOpenResponse {
            frsm_id,
            file_attributes,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        self.file_attributes.encode_tagged(w, ctx_c(1));
        w.integer(ctx(0), i64::from(self.frsm_id));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// FileRead [73], FileClose [74]

/// Declares a request whose body is an IMPLICIT `Integer32` FRSM identifier.
macro_rules! frsm_request {
    ($(#[$m:meta])* $name:ident, $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            /// The FRSM identifier FileOpen returned.
            pub frsm_id: i32,
        }

        impl<'a> Service<'a> for $name {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                expect_tag(tlv, ctx($tag))?;
                Ok($name {
                    frsm_id: int32(tlv)?,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                w.integer(ctx($tag), i64::from(self.frsm_id));
            }
        }
    };
}

frsm_request!(
    /// `FileRead-Request ::= Integer32` (ISO 9506-2 Annex D.5.1): read the next part of an
    /// open file.
    FileReadRequest,
    73
);

/// `FileRead-Response` (ISO 9506-2 Annex D.5.2): the next part of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReadResponse<'a> {
    /// `fileData [0] IMPLICIT OCTET STRING`, borrowed from the input.
    pub file_data: Cow<'a, [u8]>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for FileReadResponse<'a> {
    const TAG: u32 = 73;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let file_data = octets(&f.req(ctx(0), "fileData")?)?;
        let more_follows = f.bool_default(1, true)?;
        f.finish()?;
        Ok(FileReadResponse {
            file_data,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_bool_default(w, 1, self.more_follows, true);
        w.octets(ctx(0), &self.file_data);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

frsm_request!(
    /// `FileClose-Request ::= Integer32` (ISO 9506-2 Annex D.6.1): close an open file.
    FileCloseRequest,
    74
);

null_service!(
    /// `FileClose-Response ::= NULL` (ISO 9506-2 Annex D.6.2).
    FileCloseResponse = 74
);

// ---------------------------------------------------------------------------------------------
// FileRename [75], FileDelete [76]

/// `FileRename-Request` (ISO 9506-2 Annex D.7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRenameRequest<'a> {
    /// `currentFileName [0] IMPLICIT FileName`.
    pub current_file_name: FileName<'a>,
    /// `newFileName [1] IMPLICIT FileName`.
    pub new_file_name: FileName<'a>,
}

impl<'a> Service<'a> for FileRenameRequest<'a> {
    const TAG: u32 = 75;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let current_file_name =
            FileName::decode_implicit(&f.req(ctx_c(0), "currentFileName")?, ctx_c(0))?;
        let new_file_name = FileName::decode_implicit(&f.req(ctx_c(1), "newFileName")?, ctx_c(1))?;
        f.finish()?;
        Ok(FileRenameRequest {
            current_file_name,
            new_file_name,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        self.new_file_name.encode_tagged(w, ctx_c(1));
        self.current_file_name.encode_tagged(w, ctx_c(0));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `FileRename-Response ::= NULL` (ISO 9506-2 Annex D.7.2).
    FileRenameResponse = 75
);

/// `FileDelete-Request ::= FileName` (ISO 9506-2 Annex D.9.1), IMPLICIT `[76]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDeleteRequest<'a>(pub FileName<'a>);

impl<'a> Service<'a> for FileDeleteRequest<'a> {
    const TAG: u32 = 76;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        Ok(FileDeleteRequest(FileName::decode_implicit(
            tlv,
            ctx_c(Self::TAG),
        )?))
    }

    fn encode_service(&self, w: &mut Writer) {
        self.0.encode_tagged(w, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `FileDelete-Response ::= NULL` (ISO 9506-2 Annex D.9.2).
    FileDeleteResponse = 76
);

// ---------------------------------------------------------------------------------------------
// FileDirectory [77]

/// `FileDirectory-Request` (ISO 9506-2 Annex D.8.1): list files matching a specification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDirectoryRequest<'a> {
    /// `fileSpecification [0] IMPLICIT FileName OPTIONAL` (absent: every file).
    pub file_specification: Option<FileName<'a>>,
    /// `continueAfter [1] IMPLICIT FileName OPTIONAL`.
    pub continue_after: Option<FileName<'a>>,
}

impl<'a> Service<'a> for FileDirectoryRequest<'a> {
    const TAG: u32 = 77;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let file_specification = f
            .opt(ctx_c(0))?
            .map(|t| FileName::decode_implicit(&t, ctx_c(0)))
            .transpose()?;
        let continue_after = f
            .opt(ctx_c(1))?
            .map(|t| FileName::decode_implicit(&t, ctx_c(1)))
            .transpose()?;
        f.finish()?;
        Ok(FileDirectoryRequest {
            file_specification,
            continue_after,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(c) = &self.continue_after {
            c.encode_tagged(w, ctx_c(1));
        }
        if let Some(s) = &self.file_specification {
            s.encode_tagged(w, ctx_c(0));
        }
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `FileDirectory-Response` (ISO 9506-2 Annex D.8.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDirectoryResponse<'a> {
    /// `listOfDirectoryEntry [0] SEQUENCE OF DirectoryEntry` (EXPLICIT `[0]`).
    pub list_of_directory_entry: Vec<DirectoryEntry<'a>>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for FileDirectoryResponse<'a> {
    const TAG: u32 = 77;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list = explicit(&f.req(ctx_c(0), "listOfDirectoryEntry")?)?;
        expect_tag(&list, Tag::SEQUENCE)?;
        let list_of_directory_entry = seq_of(&list, DirectoryEntry::decode)?;
        let more_follows = f.bool_default(1, false)?;
        f.finish()?;
        Ok(FileDirectoryResponse {
            list_of_directory_entry,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_bool_default(w, 1, self.more_follows, false);
        write_explicit(w, 0, |w| {
            write_seq_of(w, Tag::SEQUENCE, &self.list_of_directory_entry, |w, e| {
                e.encode(w)
            })
        });
        w.wrap(m, ctx_c(Self::TAG));
    }
}

#[cfg(test)]
pub(crate) mod arb {
    //! proptest strategies for the file services.
    use super::*;
    use crate::services::semaphore::arb::{application_reference, bytes, file_name};
    use proptest::prelude::*;

    pub(crate) fn file_attributes() -> impl Strategy<Value = FileAttributes<'static>> {
        (
            any::<u32>(),
            proptest::option::of("20[0-9]{12}(\\.[0-9]{3})?Z".prop_map(Cow::Owned)),
        )
            .prop_map(|(s, t)| FileAttributes {
                size_of_file: s,
                last_modified: t,
            })
    }

    pub(crate) fn directory_entry() -> impl Strategy<Value = DirectoryEntry<'static>> {
        (file_name(), file_attributes()).prop_map(|(n, a)| DirectoryEntry {
            file_name: n,
            file_attributes: a,
        })
    }

    pub(crate) fn obtain_file_request() -> impl Strategy<Value = ObtainFileRequest<'static>> {
        (
            proptest::option::of(application_reference()),
            file_name(),
            file_name(),
        )
            .prop_map(|(a, s, d)| ObtainFileRequest {
                source_file_server: a,
                source_file: s,
                destination_file: d,
            })
    }

    pub(crate) fn file_open_request() -> impl Strategy<Value = FileOpenRequest<'static>> {
        (file_name(), any::<u32>()).prop_map(|(n, p)| FileOpenRequest {
            file_name: n,
            initial_position: p,
        })
    }

    pub(crate) fn file_open_response() -> impl Strategy<Value = FileOpenResponse<'static>> {
        (any::<i32>(), file_attributes()).prop_map(|(id, a)| FileOpenResponse {
            frsm_id: id,
            file_attributes: a,
        })
    }

    pub(crate) fn file_read_response() -> impl Strategy<Value = FileReadResponse<'static>> {
        (bytes(), any::<bool>()).prop_map(|(d, m)| FileReadResponse {
            file_data: d,
            more_follows: m,
        })
    }

    pub(crate) fn file_rename_request() -> impl Strategy<Value = FileRenameRequest<'static>> {
        (file_name(), file_name()).prop_map(|(c, n)| FileRenameRequest {
            current_file_name: c,
            new_file_name: n,
        })
    }

    pub(crate) fn file_directory_request() -> impl Strategy<Value = FileDirectoryRequest<'static>> {
        (
            proptest::option::of(file_name()),
            proptest::option::of(file_name()),
        )
            .prop_map(|(s, c)| FileDirectoryRequest {
                file_specification: s,
                continue_after: c,
            })
    }

    pub(crate) fn file_directory_response() -> impl Strategy<Value = FileDirectoryResponse<'static>>
    {
        (
            proptest::collection::vec(directory_entry(), 0..4),
            any::<bool>(),
        )
            .prop_map(|(l, m)| FileDirectoryResponse {
                list_of_directory_entry: l,
                more_follows: m,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{to_vec, BerError, DecodeError};
    use crate::testvec::{self, reencode, round_trip_tests, rt, Tolerant};
    use proptest::prelude::*;

    #[test]
    fn vectors() {
        testvec::check_file("file.vec", 14, Tolerant::Decodes, |kind, t| {
            Some(match (kind, t.tag.number) {
                (0, 46) => reencode::<ObtainFileRequest>(t),
                (1, 46) => reencode::<ObtainFileResponse>(t),
                (0, 72) => reencode::<FileOpenRequest>(t),
                (1, 72) => reencode::<FileOpenResponse>(t),
                (0, 73) => reencode::<FileReadRequest>(t),
                (1, 73) => reencode::<FileReadResponse>(t),
                (0, 74) => reencode::<FileCloseRequest>(t),
                (1, 74) => reencode::<FileCloseResponse>(t),
                (0, 75) => reencode::<FileRenameRequest>(t),
                (1, 75) => reencode::<FileRenameResponse>(t),
                (0, 76) => reencode::<FileDeleteRequest>(t),
                (1, 76) => reencode::<FileDeleteResponse>(t),
                (0, 77) => reencode::<FileDirectoryRequest>(t),
                (1, 77) => reencode::<FileDirectoryResponse>(t),
                _ => return None,
            })
        });
    }

    fn body(name: &str) -> Vec<u8> {
        testvec::body("file.vec", name)
    }

    #[test]
    fn decoded_values() {
        let b = body("file-open-response");
        let (r, _) = rt::<FileOpenResponse>(&b).unwrap();
        assert_eq!(r.frsm_id, 1);
        assert_eq!(r.file_attributes.size_of_file, 1234);
        assert_eq!(
            r.file_attributes.last_modified.as_deref(),
            Some("20240102030405Z")
        );
        let b = body("file-read-response-last");
        let (r, _) = rt::<FileReadResponse>(&b).unwrap();
        assert_eq!(r.file_data.as_ref(), b"hello");
        assert!(matches!(r.file_data, Cow::Borrowed(_)));
        assert!(!r.more_follows);
        let b = body("file-directory-response");
        let (r, _) = rt::<FileDirectoryResponse>(&b).unwrap();
        assert_eq!(r.list_of_directory_entry.len(), 2);
        assert_eq!(
            r.list_of_directory_entry[1].file_name,
            FileName(vec!["COMTRADE".into(), "a.cfg".into()])
        );
        assert!(r.more_follows);
        let b = body("file-read-request");
        assert_eq!(rt::<FileReadRequest>(&b).unwrap().0.frsm_id, 1);
        let b = body("obtain-file-request-third-party");
        let (r, _) = rt::<ObtainFileRequest>(&b).unwrap();
        assert_eq!(
            r.source_file_server
                .and_then(|a| a.ap_title_oid())
                .as_deref(),
            Some("1.1.1.999")
        );
    }

    #[test]
    fn malformed() {
        // FileOpen: missing initialPosition
        assert_eq!(
            rt::<FileOpenRequest>(&[0xBF, 0x48, 5, 0xA0, 3, 0x19, 1, b'a']).map(|x| x.0),
            Err(DecodeError::Ber(BerError::Missing("initialPosition")))
        );
        // FileRead: frsmID above Integer32
        assert_eq!(
            rt::<FileReadRequest>(&[0x9F, 0x49, 5, 1, 0, 0, 0, 0]).map(|x| x.0),
            Err(DecodeError::OutOfRange("Integer32"))
        );
        // FileRead: constructed form
        assert!(rt::<FileReadRequest>(&[0xBF, 0x49, 0]).is_err());
        // FileRead-Response: fileData length beyond the input
        assert!(matches!(
            rt::<FileReadResponse>(&[0xBF, 0x49, 4, 0x80, 9, 1, 2]),
            Err(DecodeError::Ber(BerError::Truncated { .. }))
        ));
        // FileDirectory-Response sent with an IMPLICIT [0] (not what the ASN.1 says)
        assert!(rt::<FileDirectoryResponse>(&[0xBF, 0x4D, 2, 0xA0, 0]).is_err());
        // FileDelete: a VisibleString instead of GraphicString component
        assert!(matches!(
            rt::<FileDeleteRequest>(&[0xBF, 0x4C, 3, 0x1A, 1, b'a']),
            Err(DecodeError::Ber(BerError::UnexpectedTag { .. }))
        ));
        // FileRename: trailing element
        assert!(matches!(
            rt::<FileRenameRequest>(&[0xBF, 0x4B, 6, 0xA0, 0, 0xA1, 0, 0x82, 0]),
            Err(DecodeError::Ber(BerError::TrailingData(_)))
        ));
        // FileAttributes: negative size
        assert_eq!(
            rt::<FileOpenResponse>(&[0xBF, 0x48, 8, 0x80, 1, 1, 0xA1, 3, 0x80, 1, 0xFF])
                .map(|x| x.0),
            Err(DecodeError::OutOfRange("unsigned INTEGER"))
        );
        // zero-length file data is valid
        let (r, _) = rt::<FileReadResponse>(&[0xBF, 0x49, 2, 0x80, 0]).unwrap();
        assert!(r.file_data.is_empty() && r.more_follows);
    }

    round_trip_tests! {
        rt_obtain_req: arb::obtain_file_request() => ObtainFileRequest;
        rt_open_req: arb::file_open_request() => FileOpenRequest;
        rt_open_resp: arb::file_open_response() => FileOpenResponse;
        rt_read_req: any::<i32>().prop_map(|frsm_id| FileReadRequest { frsm_id }) => FileReadRequest;
        rt_read_resp: arb::file_read_response() => FileReadResponse;
        rt_close_req: any::<i32>().prop_map(|frsm_id| FileCloseRequest { frsm_id }) => FileCloseRequest;
        rt_rename_req: arb::file_rename_request() => FileRenameRequest;
        rt_delete_req: crate::services::semaphore::arb::file_name().prop_map(FileDeleteRequest) => FileDeleteRequest;
        rt_dir_req: arb::file_directory_request() => FileDirectoryRequest;
        rt_dir_resp: arb::file_directory_response() => FileDirectoryResponse;
    }

    #[test]
    fn null_responses() {
        assert_eq!(
            to_vec(|w| ObtainFileResponse.encode_service(w)),
            [0x9F, 0x2E, 0]
        );
        assert_eq!(
            to_vec(|w| FileCloseResponse.encode_service(w)),
            [0x9F, 0x4A, 0]
        );
        assert_eq!(
            to_vec(|w| FileRenameResponse.encode_service(w)),
            [0x9F, 0x4B, 0]
        );
        assert_eq!(
            to_vec(|w| FileDeleteResponse.encode_service(w)),
            [0x9F, 0x4C, 0]
        );
        assert!(rt::<FileCloseResponse>(&[0x9F, 0x4A, 0]).is_ok());
        assert!(rt::<FileCloseResponse>(&[0x9F, 0x4B, 0]).is_err());
    }
}
