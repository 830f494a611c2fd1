//! Domain management services (ISO 9506-2 §11; service definitions in ISO 9506-1 §11): loading
//! a domain's content into the VMD (download), reading it back (upload), asking the VMD to do
//! either from or to a file, deleting a domain and reading its attributes.
//!
//! ConfirmedServiceRequest / ConfirmedServiceResponse alternatives `[26]`..`[37]`. All of them are
//! tagged IMPLICIT in the CHOICE, so a body that is a bare `Identifier` or `Integer32` is a
//! primitive `[n]` and a SEQUENCE body is a constructed `[n]`.
//!
//! Where ISO 9506-2:2003 writes `MMSString` for the capability strings, Wireshark's (1990-based)
//! module writes `VisibleString`; the decoders accept either universal tag and the encoders send
//! VisibleString, which both editions' peers and Wireshark accept.

use crate::services::service_fields;
use std::borrow::Cow;

use crate::codec::{
    boolean, ctx, ctx_c, expect_tag, int32, int8, octets, seq_of, string, write_constructed,
    write_seq_of, write_string, Asn1, BerError, Choice, Class, Fields, RawValue, Result, Service,
    Tag, Tlv, Writer, UTF8_STRING, VISIBLE_STRING,
};
use crate::common::{
    identifier, named_integer, visible_identifier, write_identifier, ApplicationReference,
    FileName, Identifier,
};

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the program invocation services).

/// Declares a service alternative whose body is `[n] IMPLICIT Identifier` (a newtype over
/// [`Identifier`]).
macro_rules! identifier_service {
    ($(#[$m:meta])* $name:ident = $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a>(pub $crate::common::Identifier<'a>);

        impl<'a> $crate::codec::Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &$crate::codec::Tlv<'a>) -> $crate::codec::Result<Self> {
                $crate::codec::expect_tag(tlv, $crate::codec::ctx($tag))?;
                Ok($name($crate::common::identifier(tlv)?))
            }

            fn encode_service(&self, w: &mut $crate::codec::Writer) {
                $crate::codec::write_string(w, $crate::codec::ctx($tag), &self.0);
            }
        }
    };
}
pub(crate) use identifier_service;

/// Decodes `SEQUENCE OF VisibleString` (capabilities, ISO 9506-2 §11). ISO 9506-2:2003 makes the
/// elements `MMSString`, so UTF8String elements are accepted too.
pub(crate) fn capability_list<'a>(tlv: &Tlv<'a>) -> Result<Vec<Cow<'a, str>>> {
    seq_of(tlv, |e| {
        if e.tag != VISIBLE_STRING && e.tag != UTF8_STRING {
            return Err(BerError::UnexpectedTag {
                expected: VISIBLE_STRING,
                found: e.tag,
            }
            .into());
        }
        string(e)
    })
}

/// Writes `SEQUENCE OF VisibleString` tagged IMPLICIT `tag`.
pub(crate) fn write_capability_list(w: &mut Writer, tag: Tag, items: &[Cow<'_, str>]) {
    write_seq_of(w, tag, items, |w, s| write_string(w, VISIBLE_STRING, s));
}

/// Decodes `SEQUENCE OF Identifier` (untagged VisibleString elements).
pub(crate) fn identifier_list<'a>(tlv: &Tlv<'a>) -> Result<Vec<Identifier<'a>>> {
    seq_of(tlv, visible_identifier)
}

/// Writes `SEQUENCE OF Identifier` tagged IMPLICIT `tag`.
pub(crate) fn write_identifier_list(w: &mut Writer, tag: Tag, items: &[Identifier<'_>]) {
    write_seq_of(w, tag, items, |w, s| write_identifier(w, s));
}

/// Checks that `tlv` is a well-formed `EXTERNAL` (X.690 §8.18: `[UNIVERSAL 8] IMPLICIT SEQUENCE
/// { direct-reference OBJECT IDENTIFIER OPTIONAL, indirect-reference INTEGER OPTIONAL,
/// data-value-descriptor ObjectDescriptor OPTIONAL, encoding CHOICE { single-ASN1-type [0],
/// octet-aligned [1] IMPLICIT OCTET STRING, arbitrary [2] IMPLICIT BIT STRING } }`) and keeps it
/// as received.
pub(crate) fn external<'a>(tlv: &Tlv<'a>) -> Result<RawValue<'a>> {
    expect_tag(tlv, Tag::EXTERNAL)?;
    let mut f = Fields::new(tlv)?;
    if let Some(t) = f.opt(Tag::OID)? {
        t.oid()?;
    }
    if let Some(t) = f.opt(Tag::INTEGER)? {
        t.integer()?;
    }
    if let Some(t) = f.opt(Tag::universal(7, false))? {
        t.octets()?;
    }
    let enc = f.next("EXTERNAL encoding")?;
    match (enc.tag.class, enc.tag.number, enc.tag.constructed) {
        (Class::Context, 0, true) => {
            crate::codec::explicit(&enc)?;
        }
        (Class::Context, 1, false) => {
            enc.octets()?;
        }
        (Class::Context, 2, false) => {
            enc.bit_string()?;
        }
        (Class::Context, 0..=2, _) => return Err(BerError::WrongForm(enc.tag).into()),
        _ => return Err(BerError::InvalidValue("EXTERNAL encoding").into()),
    }
    f.finish()?;
    Ok(RawValue::from_tlv(tlv))
}

// ---------------------------------------------------------------------------------------------
// Types.

named_integer!(
    /// `DomainState` (ISO 9506-2 §11.12, GetDomainAttributes): the state of a domain. Value 6 is
    /// not assigned; d1..d9 are the transitional states of ISO 9506-1 §11.1.
    DomainState, "DomainState" {
        /// non-existent (0).
        NonExistent = 0,
        /// loading (1).
        Loading = 1,
        /// ready (2).
        Ready = 2,
        /// in-use (3).
        InUse = 3,
        /// complete (4).
        Complete = 4,
        /// incomplete (5).
        Incomplete = 5,
        /// d1 (7).
        D1 = 7,
        /// d2 (8).
        D2 = 8,
        /// d3 (9).
        D3 = 9,
        /// d4 (10).
        D4 = 10,
        /// d5 (11).
        D5 = 11,
        /// d6 (12).
        D6 = 12,
        /// d7 (13).
        D7 = 13,
        /// d8 (14).
        D8 = 14,
        /// d9 (15).
        D9 = 15,
    }
);

/// `loadData` of DownloadSegment-Response and UploadSegment-Response (ISO 9506-2 §11.2, §11.5):
/// a segment of domain content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadData<'a> {
    /// `non-coded [0] IMPLICIT OCTET STRING`: the content octets.
    NonCoded(Cow<'a, [u8]>),
    /// `coded EXTERNAL`: content in an abstract syntax of its own, kept as received (the whole
    /// EXTERNAL, tag `28` included).
    Coded(RawValue<'a>),
}

impl<'a> Choice<'a> for LoadData<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number) {
            (Class::Context, 0) => Ok(LoadData::NonCoded(octets(tlv)?)),
            (Class::Universal, 8) => Ok(LoadData::Coded(external(tlv)?)),
            _ => Err(BerError::InvalidValue("loadData").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            LoadData::NonCoded(b) => w.octets(ctx(0), b),
            LoadData::Coded(r) => r.encode(w),
        }
    }
}

/// True for the tags that start a `LoadData`.
fn is_load_data_tag(t: Tag) -> bool {
    matches!(
        (t.class, t.number),
        (Class::Context, 0) | (Class::Universal, 8)
    )
}

/// Decodes the common body of DownloadSegment-Response and UploadSegment-Response.
fn decode_segment<'a>(tlv: &Tlv<'a>, n: u32) -> Result<(LoadData<'a>, bool)> {
    let mut f = service_fields(tlv, n)?;
    let ld = f
        .opt_if(is_load_data_tag)?
        .ok_or(BerError::Missing("loadData"))?;
    let load_data = LoadData::decode_choice(&ld)?;
    let more_follows = f.bool_default(1, true)?;
    f.finish()?;
    Ok((load_data, more_follows))
}

/// Writes the common body of DownloadSegment-Response and UploadSegment-Response.
fn encode_segment(w: &mut Writer, n: u32, load_data: &LoadData<'_>, more_follows: bool) {
    write_constructed(w, ctx_c(n), |w| {
        if !more_follows {
            w.boolean(ctx(1), false);
        }
        load_data.encode_choice(w);
    });
}

// ---------------------------------------------------------------------------------------------
// [26] InitiateDownloadSequence.

/// `InitiateDownloadSequence-Request` (ISO 9506-2 §11.1), ConfirmedServiceRequest `[26]`: starts
/// loading a domain into the VMD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateDownloadSequenceRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `listOfCapabilities [1] IMPLICIT SEQUENCE OF VisibleString`.
    pub list_of_capabilities: Vec<Cow<'a, str>>,
    /// `sharable [2] IMPLICIT BOOLEAN`.
    pub sharable: bool,
}

impl<'a> Service<'a> for InitiateDownloadSequenceRequest<'a> {
    const TAG: u32 = 26;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let list_of_capabilities = capability_list(&f.req(ctx_c(1), "listOfCapabilities")?)?;
        let sharable = boolean(&f.req(ctx(2), "sharable")?)?;
        f.finish()?;
        Ok(InitiateDownloadSequenceRequest {
            domain_name,
            list_of_capabilities,
            sharable,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            w.boolean(ctx(2), self.sharable);
            write_capability_list(w, ctx_c(1), &self.list_of_capabilities);
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `InitiateDownloadSequence-Response ::= NULL` (ISO 9506-2 §11.1), ConfirmedServiceResponse
    /// `[26]`.
    InitiateDownloadSequenceResponse = 26
);

// ---------------------------------------------------------------------------------------------
// [27] DownloadSegment.

identifier_service!(
    /// `DownloadSegment-Request ::= Identifier` (ISO 9506-2 §11.2), ConfirmedServiceRequest
    /// `[27]`: the name of the domain being loaded.
    DownloadSegmentRequest = 27
);

/// `DownloadSegment-Response` (ISO 9506-2 §11.2), ConfirmedServiceResponse `[27]`: one segment
/// of the domain's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadSegmentResponse<'a> {
    /// `loadData CHOICE { non-coded [0] IMPLICIT OCTET STRING, coded EXTERNAL }`.
    pub load_data: LoadData<'a>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for DownloadSegmentResponse<'a> {
    const TAG: u32 = 27;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let (load_data, more_follows) = decode_segment(tlv, Self::TAG)?;
        Ok(DownloadSegmentResponse {
            load_data,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        encode_segment(w, Self::TAG, &self.load_data, self.more_follows);
    }
}

// ---------------------------------------------------------------------------------------------
// [28] TerminateDownloadSequence.

/// `TerminateDownloadSequence-Request` (ISO 9506-2 §11.3), ConfirmedServiceRequest `[28]`: ends
/// a download, optionally discarding the domain with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminateDownloadSequenceRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `discard [1] IMPLICIT ServiceError OPTIONAL`: why the domain is discarded.
    pub discard: Option<crate::service_error::ServiceError<'a>>,
}

impl<'a> Service<'a> for TerminateDownloadSequenceRequest<'a> {
    const TAG: u32 = 28;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let discard = f
            .opt(ctx(1))?
            .map(|t| crate::service_error::ServiceError::decode_implicit(&t, ctx_c(1)))
            .transpose()?;
        f.finish()?;
        Ok(TerminateDownloadSequenceRequest {
            domain_name,
            discard,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(d) = &self.discard {
                d.encode_tagged(w, ctx_c(1));
            }
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `TerminateDownloadSequence-Response ::= NULL` (ISO 9506-2 §11.3),
    /// ConfirmedServiceResponse `[28]`.
    TerminateDownloadSequenceResponse = 28
);

// ---------------------------------------------------------------------------------------------
// [29] InitiateUploadSequence.

identifier_service!(
    /// `InitiateUploadSequence-Request ::= Identifier` (ISO 9506-2 §11.4),
    /// ConfirmedServiceRequest `[29]`: the domain to upload.
    InitiateUploadSequenceRequest = 29
);

/// `InitiateUploadSequence-Response` (ISO 9506-2 §11.4), ConfirmedServiceResponse `[29]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateUploadSequenceResponse<'a> {
    /// `ulsmID [0] IMPLICIT Integer32`: the upload state machine the later requests name.
    pub ulsm_id: i32,
    /// `listOfCapabilities [1] IMPLICIT SEQUENCE OF VisibleString`.
    pub list_of_capabilities: Vec<Cow<'a, str>>,
}

impl<'a> Service<'a> for InitiateUploadSequenceResponse<'a> {
    const TAG: u32 = 29;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let ulsm_id = int32(&f.req(ctx(0), "ulsmID")?)?;
        let list_of_capabilities = capability_list(&f.req(ctx_c(1), "listOfCapabilities")?)?;
        f.finish()?;
        Ok(InitiateUploadSequenceResponse {
            ulsm_id,
            list_of_capabilities,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            write_capability_list(w, ctx_c(1), &self.list_of_capabilities);
            w.integer(ctx(0), i64::from(self.ulsm_id));
        });
    }
}

// ---------------------------------------------------------------------------------------------
// [30] UploadSegment.

/// `UploadSegment-Request ::= Integer32` (ISO 9506-2 §11.5), ConfirmedServiceRequest `[30]`:
/// the ULSM identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadSegmentRequest(pub i32);

impl<'a> Service<'a> for UploadSegmentRequest {
    const TAG: u32 = 30;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx(Self::TAG))?;
        Ok(UploadSegmentRequest(int32(tlv)?))
    }

    fn encode_service(&self, w: &mut Writer) {
        w.integer(ctx(Self::TAG), i64::from(self.0));
    }
}

/// `UploadSegment-Response` (ISO 9506-2 §11.5), ConfirmedServiceResponse `[30]`: one segment of
/// the domain's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSegmentResponse<'a> {
    /// `loadData CHOICE { non-coded [0] IMPLICIT OCTET STRING, coded EXTERNAL }`.
    pub load_data: LoadData<'a>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for UploadSegmentResponse<'a> {
    const TAG: u32 = 30;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let (load_data, more_follows) = decode_segment(tlv, Self::TAG)?;
        Ok(UploadSegmentResponse {
            load_data,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        encode_segment(w, Self::TAG, &self.load_data, self.more_follows);
    }
}

// ---------------------------------------------------------------------------------------------
// [31] TerminateUploadSequence.

/// `TerminateUploadSequence-Request ::= Integer32` (ISO 9506-2 §11.6), ConfirmedServiceRequest
/// `[31]`: the ULSM identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminateUploadSequenceRequest(pub i32);

impl<'a> Service<'a> for TerminateUploadSequenceRequest {
    const TAG: u32 = 31;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx(Self::TAG))?;
        Ok(TerminateUploadSequenceRequest(int32(tlv)?))
    }

    fn encode_service(&self, w: &mut Writer) {
        w.integer(ctx(Self::TAG), i64::from(self.0));
    }
}

null_service!(
    /// `TerminateUploadSequence-Response ::= NULL` (ISO 9506-2 §11.6), ConfirmedServiceResponse
    /// `[31]`.
    TerminateUploadSequenceResponse = 31
);

// ---------------------------------------------------------------------------------------------
// [32] RequestDomainDownload.

/// `RequestDomainDownload-Request` (ISO 9506-2 §11.7), ConfirmedServiceRequest `[32]`: asks the
/// VMD to load a domain from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDomainDownloadRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `listOfCapabilities [1] IMPLICIT SEQUENCE OF VisibleString OPTIONAL`.
    pub list_of_capabilities: Option<Vec<Cow<'a, str>>>,
    /// `sharable [2] IMPLICIT BOOLEAN`.
    pub sharable: bool,
    /// `fileName [4] IMPLICIT FileName`.
    pub file_name: FileName<'a>,
}

impl<'a> Service<'a> for RequestDomainDownloadRequest<'a> {
    const TAG: u32 = 32;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let list_of_capabilities = f.opt_map(ctx_c(1), capability_list)?;
        let sharable = boolean(&f.req(ctx(2), "sharable")?)?;
        let file_name = FileName::decode_implicit(&f.next("fileName")?, ctx_c(4))?;
        f.finish()?;
        Ok(RequestDomainDownloadRequest {
            domain_name,
            list_of_capabilities,
            sharable,
            file_name,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            self.file_name.encode_tagged(w, ctx_c(4));
            w.boolean(ctx(2), self.sharable);
            if let Some(l) = &self.list_of_capabilities {
                write_capability_list(w, ctx_c(1), l);
            }
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `RequestDomainDownload-Response ::= NULL` (ISO 9506-2 §11.7), ConfirmedServiceResponse
    /// `[32]`.
    RequestDomainDownloadResponse = 32
);

// ---------------------------------------------------------------------------------------------
// [33] RequestDomainUpload.

/// `RequestDomainUpload-Request` (ISO 9506-2 §11.8), ConfirmedServiceRequest `[33]`: asks the
/// VMD to store a domain to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDomainUploadRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `fileName [1] IMPLICIT FileName`.
    pub file_name: FileName<'a>,
}

impl<'a> Service<'a> for RequestDomainUploadRequest<'a> {
    const TAG: u32 = 33;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let file_name = FileName::decode_implicit(&f.next("fileName")?, ctx_c(1))?;
        f.finish()?;
        Ok(RequestDomainUploadRequest {
            domain_name,
            file_name,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            self.file_name.encode_tagged(w, ctx_c(1));
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `RequestDomainUpload-Response ::= NULL` (ISO 9506-2 §11.8), ConfirmedServiceResponse
    /// `[33]`.
    RequestDomainUploadResponse = 33
);

// ---------------------------------------------------------------------------------------------
// [34] LoadDomainContent.

/// `LoadDomainContent-Request` (ISO 9506-2 §11.9), ConfirmedServiceRequest `[34]`: asks the VMD
/// to load a domain from a file, possibly held by a third party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadDomainContentRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `listOfCapabilities [1] IMPLICIT SEQUENCE OF VisibleString OPTIONAL`.
    pub list_of_capabilities: Option<Vec<Cow<'a, str>>>,
    /// `sharable [2] IMPLICIT BOOLEAN`.
    pub sharable: bool,
    /// `fileName [4] IMPLICIT FileName`.
    pub file_name: FileName<'a>,
    /// `thirdParty [5] IMPLICIT ApplicationReference OPTIONAL`: the file server.
    pub third_party: Option<ApplicationReference<'a>>,
}

impl<'a> Service<'a> for LoadDomainContentRequest<'a> {
    const TAG: u32 = 34;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let list_of_capabilities = f.opt_map(ctx_c(1), capability_list)?;
        let sharable = boolean(&f.req(ctx(2), "sharable")?)?;
        let file_name = FileName::decode_implicit(&f.next("fileName")?, ctx_c(4))?;
        let third_party = f
            .opt(ctx_c(5))?
            .map(|t| ApplicationReference::decode_implicit(&t, ctx_c(5)))
            .transpose()?;
        f.finish()?;
        Ok(LoadDomainContentRequest {
            domain_name,
            list_of_capabilities,
            sharable,
            file_name,
            third_party,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(t) = &self.third_party {
                t.encode_tagged(w, ctx_c(5));
            }
            self.file_name.encode_tagged(w, ctx_c(4));
            w.boolean(ctx(2), self.sharable);
            if let Some(l) = &self.list_of_capabilities {
                write_capability_list(w, ctx_c(1), l);
            }
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `LoadDomainContent-Response ::= NULL` (ISO 9506-2 §11.9), ConfirmedServiceResponse `[34]`.
    LoadDomainContentResponse = 34
);

// ---------------------------------------------------------------------------------------------
// [35] StoreDomainContent.

/// `StoreDomainContent-Request` (ISO 9506-2 §11.10), ConfirmedServiceRequest `[35]`: asks the
/// VMD to store a domain's content to a file, possibly held by a third party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDomainContentRequest<'a> {
    /// `domainName [0] IMPLICIT Identifier`.
    pub domain_name: Identifier<'a>,
    /// `fileName [1] IMPLICIT FileName` (spelled `filenName` in Wireshark's module).
    pub file_name: FileName<'a>,
    /// `thirdParty [2] IMPLICIT ApplicationReference OPTIONAL`.
    pub third_party: Option<ApplicationReference<'a>>,
}

impl<'a> Service<'a> for StoreDomainContentRequest<'a> {
    const TAG: u32 = 35;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let domain_name = identifier(&f.req(ctx(0), "domainName")?)?;
        let file_name = FileName::decode_implicit(&f.next("fileName")?, ctx_c(1))?;
        let third_party = f
            .opt(ctx_c(2))?
            .map(|t| ApplicationReference::decode_implicit(&t, ctx_c(2)))
            .transpose()?;
        f.finish()?;
        Ok(StoreDomainContentRequest {
            domain_name,
            file_name,
            third_party,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(t) = &self.third_party {
                t.encode_tagged(w, ctx_c(2));
            }
            self.file_name.encode_tagged(w, ctx_c(1));
            write_string(w, ctx(0), &self.domain_name);
        });
    }
}

null_service!(
    /// `StoreDomainContent-Response ::= NULL` (ISO 9506-2 §11.10), ConfirmedServiceResponse
    /// `[35]`.
    StoreDomainContentResponse = 35
);

// ---------------------------------------------------------------------------------------------
// [36] DeleteDomain.

identifier_service!(
    /// `DeleteDomain-Request ::= Identifier` (ISO 9506-2 §11.11), ConfirmedServiceRequest `[36]`:
    /// the domain to delete.
    DeleteDomainRequest = 36
);

null_service!(
    /// `DeleteDomain-Response ::= NULL` (ISO 9506-2 §11.11), ConfirmedServiceResponse `[36]`.
    DeleteDomainResponse = 36
);

// ---------------------------------------------------------------------------------------------
// [37] GetDomainAttributes.

identifier_service!(
    /// `GetDomainAttributes-Request ::= Identifier` (ISO 9506-2 §11.12), ConfirmedServiceRequest
    /// `[37]`: the domain whose attributes are asked for.
    GetDomainAttributesRequest = 37
);

/// `GetDomainAttributes-Response` (ISO 9506-2 §11.12), ConfirmedServiceResponse `[37]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDomainAttributesResponse<'a> {
    /// `listOfCapabilities [0] IMPLICIT SEQUENCE OF VisibleString`.
    pub list_of_capabilities: Vec<Cow<'a, str>>,
    /// `state [1] IMPLICIT DomainState`.
    pub state: DomainState,
    /// `mmsDeletable [2] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `sharable [3] IMPLICIT BOOLEAN`.
    pub sharable: bool,
    /// `listOfProgramInvocations [4] IMPLICIT SEQUENCE OF Identifier`: the program invocations
    /// using the domain.
    pub list_of_program_invocations: Vec<Identifier<'a>>,
    /// `uploadInProgress [5] IMPLICIT Integer8`: the number of uploads in progress.
    pub upload_in_progress: i8,
}

impl<'a> Service<'a> for GetDomainAttributesResponse<'a> {
    const TAG: u32 = 37;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list_of_capabilities = capability_list(&f.req(ctx_c(0), "listOfCapabilities")?)?;
        let state = DomainState::decode_value(&f.req(ctx(1), "state")?)?;
        let mms_deletable = boolean(&f.req(ctx(2), "mmsDeletable")?)?;
        let sharable = boolean(&f.req(ctx(3), "sharable")?)?;
        let list_of_program_invocations =
            identifier_list(&f.req(ctx_c(4), "listOfProgramInvocations")?)?;
        let upload_in_progress = int8(&f.req(ctx(5), "uploadInProgress")?)?;
        f.finish()?;
        Ok(GetDomainAttributesResponse {
            list_of_capabilities,
            state,
            mms_deletable,
            sharable,
            list_of_program_invocations,
            upload_in_progress,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            w.integer(ctx(5), i64::from(self.upload_in_progress));
            write_identifier_list(w, ctx_c(4), &self.list_of_program_invocations);
            w.boolean(ctx(3), self.sharable);
            w.boolean(ctx(2), self.mms_deletable);
            self.state.encode_value(w, ctx(1));
            write_capability_list(w, ctx_c(0), &self.list_of_capabilities);
        });
    }
}

/// Proptest strategies for the domain management types, reused by other service modules.
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use crate::codec::to_vec;
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    /// An Identifier.
    pub(crate) fn identifier() -> impl Strategy<Value = Identifier<'static>> {
        "[A-Za-z_$][A-Za-z0-9_$]{0,15}".prop_map(Cow::Owned)
    }

    /// A VisibleString.
    pub(crate) fn visible() -> impl Strategy<Value = Cow<'static, str>> {
        "[ -~]{0,12}".prop_map(Cow::Owned)
    }

    /// A list of capabilities.
    pub(crate) fn capabilities() -> impl Strategy<Value = Vec<Cow<'static, str>>> {
        vec(visible(), 0..4)
    }

    /// A FileName.
    pub(crate) fn file_name() -> impl Strategy<Value = FileName<'static>> {
        vec(visible(), 0..4).prop_map(FileName)
    }

    /// An encoded OBJECT IDENTIFIER (whole TLV).
    pub(crate) fn oid_tlv() -> impl Strategy<Value = Vec<u8>> {
        (0u64..=2, 0u64..=39, vec(any::<u32>(), 0..4)).prop_map(|(a, b, rest)| {
            let mut arcs = vec![a, b];
            arcs.extend(rest.into_iter().map(u64::from));
            let oid = copp::ber::oid_from_arcs(&arcs).expect("valid arcs");
            to_vec(|w| w.oid(Tag::OID, &oid))
        })
    }

    /// An ApplicationReference with a form-2 AP-title and an INTEGER AE-qualifier.
    pub(crate) fn application_reference() -> impl Strategy<Value = ApplicationReference<'static>> {
        (
            option::of(oid_tlv()),
            option::of(any::<i64>()),
            option::of(any::<i32>()),
            option::of(any::<i64>()),
        )
            .prop_map(|(t, api, aeq, aei)| ApplicationReference {
                ap_title: t.map(|b| RawValue(b.into())),
                ap_invocation_id: api,
                ae_qualifier: aeq
                    .map(|q| RawValue(to_vec(|w| w.integer(Tag::INTEGER, i64::from(q))).into())),
                ae_invocation_id: aei,
            })
    }

    /// A well-formed EXTERNAL (all three encoding alternatives).
    pub(crate) fn external() -> impl Strategy<Value = RawValue<'static>> {
        (
            option::of(oid_tlv()),
            option::of(any::<i32>()),
            0u8..3,
            vec(any::<u8>(), 0..8),
        )
            .prop_map(|(oid, ind, enc, bytes)| {
                let b = to_vec(|w| {
                    let m = w.mark();
                    match enc {
                        0 => crate::codec::write_explicit(w, 0, |w| {
                            w.octets(Tag::OCTET_STRING, &bytes)
                        }),
                        1 => w.octets(ctx(1), &bytes),
                        _ => w.bit_string(ctx(2), if bytes.is_empty() { 0 } else { 3 }, &bytes),
                    }
                    if let Some(i) = ind {
                        w.integer(Tag::INTEGER, i64::from(i));
                    }
                    if let Some(o) = &oid {
                        w.raw(o);
                    }
                    w.wrap(m, Tag::EXTERNAL);
                });
                RawValue(b.into())
            })
    }

    /// A LoadData.
    pub(crate) fn load_data() -> impl Strategy<Value = LoadData<'static>> {
        prop_oneof![
            vec(any::<u8>(), 0..16).prop_map(|b| LoadData::NonCoded(b.into())),
            external().prop_map(LoadData::Coded),
        ]
    }

    /// A ServiceError for [`TerminateDownloadSequenceRequest::discard`].
    pub(crate) fn discard() -> impl Strategy<Value = crate::service_error::ServiceError<'static>> {
        crate::service_error::arb::service_error()
    }

    /// A DomainState.
    pub(crate) fn domain_state() -> impl Strategy<Value = DomainState> {
        prop_oneof![Just(0i64), Just(3), Just(5), 7i64..=15]
            .prop_map(|v| DomainState::from_i64(v).expect("listed value"))
    }

    /// An InitiateDownloadSequence-Request.
    pub(crate) fn initiate_download_sequence_request(
    ) -> impl Strategy<Value = InitiateDownloadSequenceRequest<'static>> {
        (identifier(), capabilities(), any::<bool>()).prop_map(|(d, c, s)| {
            InitiateDownloadSequenceRequest {
                domain_name: d,
                list_of_capabilities: c,
                sharable: s,
            }
        })
    }

    /// A DownloadSegment-Response.
    pub(crate) fn download_segment_response(
    ) -> impl Strategy<Value = DownloadSegmentResponse<'static>> {
        (load_data(), any::<bool>()).prop_map(|(l, m)| DownloadSegmentResponse {
            load_data: l,
            more_follows: m,
        })
    }

    /// An UploadSegment-Response.
    pub(crate) fn upload_segment_response() -> impl Strategy<Value = UploadSegmentResponse<'static>>
    {
        (load_data(), any::<bool>()).prop_map(|(l, m)| UploadSegmentResponse {
            load_data: l,
            more_follows: m,
        })
    }

    /// A TerminateDownloadSequence-Request.
    pub(crate) fn terminate_download_sequence_request(
    ) -> impl Strategy<Value = TerminateDownloadSequenceRequest<'static>> {
        (identifier(), option::of(discard())).prop_map(|(d, x)| TerminateDownloadSequenceRequest {
            domain_name: d,
            discard: x,
        })
    }

    /// An InitiateUploadSequence-Response.
    pub(crate) fn initiate_upload_sequence_response(
    ) -> impl Strategy<Value = InitiateUploadSequenceResponse<'static>> {
        (any::<i32>(), capabilities()).prop_map(|(u, c)| InitiateUploadSequenceResponse {
            ulsm_id: u,
            list_of_capabilities: c,
        })
    }

    /// A RequestDomainDownload-Request.
    pub(crate) fn request_domain_download_request(
    ) -> impl Strategy<Value = RequestDomainDownloadRequest<'static>> {
        (
            identifier(),
            option::of(capabilities()),
            any::<bool>(),
            file_name(),
        )
            .prop_map(|(d, c, s, f)| RequestDomainDownloadRequest {
                domain_name: d,
                list_of_capabilities: c,
                sharable: s,
                file_name: f,
            })
    }

    /// A RequestDomainUpload-Request.
    pub(crate) fn request_domain_upload_request(
    ) -> impl Strategy<Value = RequestDomainUploadRequest<'static>> {
        (identifier(), file_name()).prop_map(|(d, f)| RequestDomainUploadRequest {
            domain_name: d,
            file_name: f,
        })
    }

    /// A LoadDomainContent-Request.
    pub(crate) fn load_domain_content_request(
    ) -> impl Strategy<Value = LoadDomainContentRequest<'static>> {
        (
            identifier(),
            option::of(capabilities()),
            any::<bool>(),
            file_name(),
            option::of(application_reference()),
        )
            .prop_map(|(d, c, s, f, t)| LoadDomainContentRequest {
                domain_name: d,
                list_of_capabilities: c,
                sharable: s,
                file_name: f,
                third_party: t,
            })
    }

    /// A StoreDomainContent-Request.
    pub(crate) fn store_domain_content_request(
    ) -> impl Strategy<Value = StoreDomainContentRequest<'static>> {
        (
            identifier(),
            file_name(),
            option::of(application_reference()),
        )
            .prop_map(|(d, f, t)| StoreDomainContentRequest {
                domain_name: d,
                file_name: f,
                third_party: t,
            })
    }

    /// A GetDomainAttributes-Response.
    pub(crate) fn get_domain_attributes_response(
    ) -> impl Strategy<Value = GetDomainAttributesResponse<'static>> {
        (
            capabilities(),
            domain_state(),
            any::<bool>(),
            any::<bool>(),
            vec(identifier(), 0..4),
            any::<i8>(),
        )
            .prop_map(|(c, st, d, s, p, u)| GetDomainAttributesResponse {
                list_of_capabilities: c,
                state: st,
                mms_deletable: d,
                sharable: s,
                list_of_program_invocations: p,
                upload_in_progress: u,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::{self, dec, prop_round_trip, reencode, Tolerant};
    use proptest::prelude::*;

    // The vectors in mms/vectors/domain.vec were checked with tshark 4.0 (dissector mms).
    #[test]
    fn vectors_decode_and_reencode() {
        testvec::check_file("domain.vec", 30, Tolerant::NotCanonical, |kind, t| {
            Some(match (kind, t.tag.number) {
                (0, 26) => reencode::<InitiateDownloadSequenceRequest>(t),
                (1, 26) => reencode::<InitiateDownloadSequenceResponse>(t),
                (0, 27) => reencode::<DownloadSegmentRequest>(t),
                (1, 27) => reencode::<DownloadSegmentResponse>(t),
                (0, 28) => reencode::<TerminateDownloadSequenceRequest>(t),
                (1, 28) => reencode::<TerminateDownloadSequenceResponse>(t),
                (0, 29) => reencode::<InitiateUploadSequenceRequest>(t),
                (1, 29) => reencode::<InitiateUploadSequenceResponse>(t),
                (0, 30) => reencode::<UploadSegmentRequest>(t),
                (1, 30) => reencode::<UploadSegmentResponse>(t),
                (0, 31) => reencode::<TerminateUploadSequenceRequest>(t),
                (1, 31) => reencode::<TerminateUploadSequenceResponse>(t),
                (0, 32) => reencode::<RequestDomainDownloadRequest>(t),
                (1, 32) => reencode::<RequestDomainDownloadResponse>(t),
                (0, 33) => reencode::<RequestDomainUploadRequest>(t),
                (1, 33) => reencode::<RequestDomainUploadResponse>(t),
                (0, 34) => reencode::<LoadDomainContentRequest>(t),
                (1, 34) => reencode::<LoadDomainContentResponse>(t),
                (0, 35) => reencode::<StoreDomainContentRequest>(t),
                (1, 35) => reencode::<StoreDomainContentResponse>(t),
                (0, 36) => reencode::<DeleteDomainRequest>(t),
                (1, 36) => reencode::<DeleteDomainResponse>(t),
                (0, 37) => reencode::<GetDomainAttributesRequest>(t),
                (1, 37) => reencode::<GetDomainAttributesResponse>(t),
                _ => return None,
            })
        });
    }

    fn body(name: &str) -> Vec<u8> {
        testvec::body("domain.vec", name)
    }

    #[test]
    fn typed_values_of_vectors() {
        let b = body("initiate-download-sequence-request");
        let r: InitiateDownloadSequenceRequest = dec(&b).unwrap();
        assert_eq!(r.domain_name, "PROG1");
        assert_eq!(r.list_of_capabilities, ["cap1", "cap2"]);
        assert!(r.sharable);

        let b = body("download-segment-response-non-coded");
        let r: DownloadSegmentResponse = dec(&b).unwrap();
        assert_eq!(
            r.load_data,
            LoadData::NonCoded(Cow::Borrowed(&[1, 2, 3, 4]))
        );
        assert!(r.more_follows, "moreFollows absent means TRUE");

        let b = body("download-segment-response-last");
        assert!(!dec::<DownloadSegmentResponse>(&b).unwrap().more_follows);

        let b = body("download-segment-response-coded");
        match dec::<DownloadSegmentResponse>(&b).unwrap().load_data {
            LoadData::Coded(r) => assert_eq!(r.0.first(), Some(&0x28)),
            other => panic!("{other:?}"),
        }

        let b = body("terminate-download-sequence-request-discard");
        let r: TerminateDownloadSequenceRequest = dec(&b).unwrap();
        let d = r.discard.expect("discard");
        assert!(matches!(
            d.error_class,
            crate::service_error::ErrorClass::VmdState(_)
        ));
        assert_eq!(d.additional_description.as_deref(), Some("bad"));

        let b = body("initiate-upload-sequence-response");
        let r: InitiateUploadSequenceResponse = dec(&b).unwrap();
        assert_eq!(r.ulsm_id, 300);

        let b = body("upload-segment-request");
        assert_eq!(
            dec::<UploadSegmentRequest>(&b).unwrap(),
            UploadSegmentRequest(300)
        );

        let b = body("request-domain-download-request-no-caps");
        let r: RequestDomainDownloadRequest = dec(&b).unwrap();
        assert_eq!(r.list_of_capabilities, None);
        assert_eq!(r.file_name, FileName::new("prog.bin"));

        let b = body("load-domain-content-request-third-party");
        let r: LoadDomainContentRequest = dec(&b).unwrap();
        let tp = r.third_party.expect("third party");
        assert_eq!(tp.ap_title_oid().as_deref(), Some("1.3.9999.1"));
        assert_eq!(tp.ap_invocation_id, Some(5));
        assert_eq!(r.file_name.0, ["dir", "prog.bin"]);

        let b = body("store-domain-content-request-third-party");
        let r: StoreDomainContentRequest = dec(&b).unwrap();
        assert!(r.third_party.is_some());

        let b = body("delete-domain-request");
        assert_eq!(dec::<DeleteDomainRequest>(&b).unwrap().0, "PROG1");

        let b = body("get-domain-attributes-response");
        let r: GetDomainAttributesResponse = dec(&b).unwrap();
        assert_eq!(r.state, DomainState::InUse);
        assert_eq!(r.list_of_program_invocations, ["PI1", "PI2"]);
        assert!(r.mms_deletable && !r.sharable);
        assert_eq!(r.upload_in_progress, 0);

        let b = body("download-segment-response-more-follows-explicit");
        assert!(dec::<DownloadSegmentResponse>(&b).unwrap().more_follows);
    }

    fn err<'a, S: Service<'a> + core::fmt::Debug>(b: &'a [u8]) -> DecodeError {
        dec::<S>(b).expect_err("must fail")
    }

    #[test]
    fn malformed_inputs() {
        // domainName claims 5 octets, 3 present.
        assert!(matches!(
            err::<InitiateDownloadSequenceRequest>(&[0xBA, 5, 0x80, 5, b'P', b'R', b'O']),
            DecodeError::Ber(BerError::Truncated { .. })
        ));
        // sharable missing.
        assert_eq!(
            err::<InitiateDownloadSequenceRequest>(&[0xBA, 5, 0x80, 1, b'D', 0xA1, 0]),
            DecodeError::Ber(BerError::Missing("sharable"))
        );
        // fields out of order: sharable before listOfCapabilities.
        assert!(matches!(
            err::<InitiateDownloadSequenceRequest>(&[0xBA, 8, 0x80, 1, b'D', 0x82, 1, 1, 0xA1, 0]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // repeated sharable: trailing element.
        assert_eq!(
            err::<InitiateDownloadSequenceRequest>(&[
                0xBA, 11, 0x80, 1, b'D', 0xA1, 0, 0x82, 1, 1, 0x82, 1, 1
            ]),
            DecodeError::Ber(BerError::TrailingData(3))
        );
        // a capability that is an INTEGER.
        assert!(matches!(
            err::<InitiateDownloadSequenceRequest>(&[
                0xBA, 11, 0x80, 1, b'D', 0xA1, 3, 2, 1, 0, 0x82, 1, 1
            ]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // DeleteDomain-Request sent constructed.
        assert!(matches!(
            err::<DeleteDomainRequest>(&[0xBF, 0x24, 0]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // NULL response with contents.
        assert_eq!(
            err::<DeleteDomainResponse>(&[0x9F, 0x24, 1, 0]),
            DecodeError::Ber(BerError::InvalidValue("NULL"))
        );
        // Wrong service tag for the type.
        assert!(matches!(
            err::<DeleteDomainResponse>(&[0x9F, 0x25, 0]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // ULSM identifier that needs five octets.
        assert_eq!(
            err::<UploadSegmentRequest>(&[0x9E, 5, 1, 0, 0, 0, 0]),
            DecodeError::OutOfRange("Integer32")
        );
        // Empty INTEGER.
        assert!(err::<TerminateUploadSequenceRequest>(&[0x9F, 0x1F, 0])
            .to_string()
            .contains("INTEGER"));
    }

    #[test]
    fn malformed_load_data_and_discard() {
        // loadData missing.
        assert_eq!(
            err::<DownloadSegmentResponse>(&[0xBB, 3, 0x81, 1, 0]),
            DecodeError::Ber(BerError::Missing("loadData"))
        );
        // loadData with an unknown alternative [2].
        assert_eq!(
            decode_one(&[0x82, 0], 8, LoadData::decode_choice),
            Err(DecodeError::Ber(BerError::InvalidValue("loadData")))
        );
        // non-coded sent constructed (segmented OCTET STRING).
        assert!(matches!(
            err::<DownloadSegmentResponse>(&[0xBB, 5, 0xA0, 3, 4, 1, 0]),
            DecodeError::Ber(BerError::WrongForm(_))
        ));
        // EXTERNAL without its encoding.
        assert_eq!(
            err::<UploadSegmentResponse>(&[0xBE, 7, 0x28, 5, 6, 3, 0x2B, 0xCE, 0x0F]),
            DecodeError::Ber(BerError::Missing("EXTERNAL encoding"))
        );
        // EXTERNAL with an unknown encoding [3].
        assert_eq!(
            err::<UploadSegmentResponse>(&[0xBE, 4, 0x28, 2, 0x83, 0]),
            DecodeError::Ber(BerError::InvalidValue("EXTERNAL encoding"))
        );
        // EXTERNAL octet-aligned sent constructed.
        assert!(matches!(
            err::<UploadSegmentResponse>(&[0xBE, 4, 0x28, 2, 0xA1, 0]),
            DecodeError::Ber(BerError::WrongForm(_))
        ));
        // moreFollows that is not one octet.
        assert_eq!(
            err::<UploadSegmentResponse>(&[0xBE, 6, 0x80, 0, 0x81, 2, 0, 0]),
            DecodeError::Ber(BerError::InvalidBoolean)
        );
        // discard primitive.
        assert!(matches!(
            err::<TerminateDownloadSequenceRequest>(&[0xBC, 5, 0x80, 1, b'D', 0x81, 0]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // discard without errorClass.
        assert_eq!(
            err::<TerminateDownloadSequenceRequest>(&[0xBC, 5, 0x80, 1, b'D', 0xA1, 0]),
            DecodeError::Ber(BerError::Missing("errorClass"))
        );
        // Nesting budget: an EXTERNAL single-ASN1-type three levels down.
        let b = [0xBB, 9, 0x28, 7, 0xA0, 5, 0x30, 3, 0x02, 1, 5];
        assert!(decode_one(&b, 3, DownloadSegmentResponse::decode_service)
            .unwrap_err()
            .is_too_deep());
        assert!(decode_one(&b, 8, DownloadSegmentResponse::decode_service).is_ok());
    }

    #[test]
    fn malformed_domain_attributes() {
        let good = body("get-domain-attributes-response");
        assert!(dec::<GetDomainAttributesResponse>(&good).is_ok());
        // state 6 is not a DomainState.
        let mut b = good.clone();
        let i = b.windows(3).position(|w| w == [0x81, 1, 3]).expect("state");
        b[i + 2] = 6;
        assert_eq!(
            err::<GetDomainAttributesResponse>(&b),
            DecodeError::OutOfRange("DomainState")
        );
        // uploadInProgress = 200 does not fit Integer8.
        let mut b = good.clone();
        b.truncate(b.len() - 3);
        b.extend([0x85, 2, 0, 200]);
        b[2] += 1;
        assert_eq!(
            err::<GetDomainAttributesResponse>(&b),
            DecodeError::OutOfRange("Integer8")
        );
        // Extra element after uploadInProgress (outer length adjusted).
        let mut b = good.clone();
        b.extend([0x86, 0]);
        b[2] += 2;
        assert_eq!(
            err::<GetDomainAttributesResponse>(&b),
            DecodeError::Ber(BerError::TrailingData(2))
        );
    }

    #[test]
    fn tolerated_forms() {
        // ISO 9506-2:2003 MMSString (UTF8String) capability; tshark 4.0 flags it ("Wrong field in
        // SEQUENCE OF"), so it is kept out of domain.vec.
        let b = [
            0xBA, 0x18, 0x80, 5, b'P', b'R', b'O', b'G', b'1', 0xA1, 0x0C, 0x0C, 4, b'c', b'a',
            b'p', b'1', 0x1A, 4, b'c', b'a', b'p', b'2', 0x82, 1, 1,
        ];
        let r: InitiateDownloadSequenceRequest = dec(&b).unwrap();
        assert_eq!(r.list_of_capabilities, ["cap1", "cap2"]);
        // Re-encoded as VisibleString.
        let enc = to_vec(|w| r.encode_service(w));
        assert_eq!(enc[11], 0x1A);
        // BOOLEAN TRUE as 0xFF, re-encoded as 0x01.
        let b = [0xBA, 8, 0x80, 1, b'D', 0xA1, 0, 0x82, 1, 0xFF];
        let r: InitiateDownloadSequenceRequest = dec(&b).unwrap();
        assert!(r.sharable);
        assert_eq!(to_vec(|w| r.encode_service(w)).last(), Some(&1));
        // Zero-length load data.
        let r = DownloadSegmentResponse {
            load_data: LoadData::NonCoded(Cow::Borrowed(&[])),
            more_follows: false,
        };
        let b = to_vec(|w| r.encode_service(w));
        assert_eq!(b, [0xBB, 5, 0x80, 0, 0x81, 1, 0]);
        assert_eq!(dec::<DownloadSegmentResponse>(&b).unwrap(), r);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn round_trip_requests(
            ids in arb::initiate_download_sequence_request(),
            tds in arb::terminate_download_sequence_request(),
            rdd in arb::request_domain_download_request(),
            rdu in arb::request_domain_upload_request(),
            ldc in arb::load_domain_content_request(),
            sdc in arb::store_domain_content_request(),
            name in arb::identifier(),
            ulsm in any::<i32>(),
        ) {
            prop_round_trip!(InitiateDownloadSequenceRequest, ids, 64);
            prop_round_trip!(TerminateDownloadSequenceRequest, tds, 64);
            prop_round_trip!(RequestDomainDownloadRequest, rdd, 64);
            prop_round_trip!(RequestDomainUploadRequest, rdu, 64);
            prop_round_trip!(LoadDomainContentRequest, ldc, 64);
            prop_round_trip!(StoreDomainContentRequest, sdc, 64);
            prop_round_trip!(DownloadSegmentRequest, DownloadSegmentRequest(name.clone()), 64);
            prop_round_trip!(InitiateUploadSequenceRequest, InitiateUploadSequenceRequest(name.clone()), 64);
            prop_round_trip!(DeleteDomainRequest, DeleteDomainRequest(name.clone()), 64);
            prop_round_trip!(GetDomainAttributesRequest, GetDomainAttributesRequest(name), 64);
            prop_round_trip!(UploadSegmentRequest, UploadSegmentRequest(ulsm), 64);
            prop_round_trip!(TerminateUploadSequenceRequest, TerminateUploadSequenceRequest(ulsm), 64);
        }

        #[test]
        fn round_trip_responses(
            dsr in arb::download_segment_response(),
            usr in arb::upload_segment_response(),
            ius in arb::initiate_upload_sequence_response(),
            gda in arb::get_domain_attributes_response(),
        ) {
            prop_round_trip!(DownloadSegmentResponse, dsr, 64);
            prop_round_trip!(UploadSegmentResponse, usr, 64);
            prop_round_trip!(InitiateUploadSequenceResponse, ius, 64);
            prop_round_trip!(GetDomainAttributesResponse, gda, 64);
            prop_round_trip!(InitiateDownloadSequenceResponse, InitiateDownloadSequenceResponse, 64);
            prop_round_trip!(TerminateDownloadSequenceResponse, TerminateDownloadSequenceResponse, 64);
            prop_round_trip!(TerminateUploadSequenceResponse, TerminateUploadSequenceResponse, 64);
            prop_round_trip!(RequestDomainDownloadResponse, RequestDomainDownloadResponse, 64);
            prop_round_trip!(RequestDomainUploadResponse, RequestDomainUploadResponse, 64);
            prop_round_trip!(LoadDomainContentResponse, LoadDomainContentResponse, 64);
            prop_round_trip!(StoreDomainContentResponse, StoreDomainContentResponse, 64);
            prop_round_trip!(DeleteDomainResponse, DeleteDomainResponse, 64);
        }
    }
}
