//! XML Encoding Rules for MMS (ITU-T X.693 BASIC-XER, canonical where CXER defines a form):
//! the encoding IEC 61850-8-2 carries MMS PDUs in through XMPP (docs/facts.md F-1203, F-1206).
//!
//! The element names are the ASN.1 identifiers of ISO 9506-2, as X.693 derives them, since the
//! normative schemas are not public (U-13); every choice is in `docs/xer.md` and
//! `e2e-sec/ASSUMPTIONS.md`. The values are the crate's own PDU types: encoding
//! writes the PDU with the BER codec and walks that encoding with the ASN.1 type tables
//! (`services.rs`, `data.rs`) to write XML; decoding reads the XML with `quick-xml` into a
//! bounded element tree, turns it into BER with the same tables, and decodes that with the BER
//! codec, so every value check of the BER decoders applies to XER too.
//!
//! Mapped: the whole MMSpdu envelope (initiate, conclude, cancel, reject, confirmed
//! request/response/error, unconfirmed) and the services status, GetNameList, identify, rename,
//! read, write, GetVariableAccessAttributes, define/get/delete named variable list, the file
//! services, ObtainFile, the journal services and InformationReport, and every `Data` alternative
//! of ISO 9506-2:2003 (not `real [8]`, a 1990 alternative). A PDU
//! outside that set is [`XerError::Unsupported`].

mod data;
mod services;

use copp::xer::{reader, writer};
pub use copp::xer::{XerError, XerLimits};

use crate::data::Data;
use crate::pdu::MmsPdu;

/// The root element of an MMSpdu document: the type's name (X.693 §8.2).
pub const PDU_ROOT: &str = "MMSpdu";
/// The root element of a `Data` document.
pub const DATA_ROOT: &str = "Data";

/// The XER encoding of `pdu`: an `<MMSpdu>` document without XML declaration.
pub fn encode_pdu(pdu: &MmsPdu<'_>) -> Result<String, XerError> {
    let ber = pdu.to_vec();
    encode_pdu_ber(&ber)
}

/// The XER encoding of the MMSpdu whose BER encoding is `ber` (a whole PDU, as received).
pub fn encode_pdu_ber(ber: &[u8]) -> Result<String, XerError> {
    let mut w = writer::XerWriter::new();
    w.root(PDU_ROOT, &services::MMS_PDU, ber)?;
    w.finish()
}

/// Decodes an `<MMSpdu>` document into `ber` (its BER encoding, which the value borrows) and
/// the PDU.
pub fn decode_pdu<'b>(
    xml: &str,
    limits: &XerLimits,
    ber: &'b mut Vec<u8>,
) -> Result<MmsPdu<'b>, XerError> {
    *ber = decode_pdu_ber(xml, limits)?;
    MmsPdu::decode(ber).map_err(|e| XerError::Mms(e.to_string()))
}

/// The BER encoding of the MMSpdu in an `<MMSpdu>` document, checked by the MMS decoder.
pub fn decode_pdu_ber(xml: &str, limits: &XerLimits) -> Result<Vec<u8>, XerError> {
    let root = reader::parse(xml, limits)?;
    let ber = reader::Ber::encode(PDU_ROOT, &services::MMS_PDU, &root)?;
    MmsPdu::decode(&ber).map_err(|e| XerError::Mms(e.to_string()))?;
    Ok(ber)
}

/// The XER encoding of one `Data` value: a `<Data>` document.
pub fn encode_data(data: &Data<'_>) -> Result<String, XerError> {
    use crate::codec::Choice;
    let ber = crate::codec::to_vec(|w| data.encode_choice(w));
    let mut w = writer::XerWriter::new();
    w.root(DATA_ROOT, &data::DATA, &ber)?;
    w.finish()
}

/// Decodes a `<Data>` document.
pub fn decode_data(xml: &str, limits: &XerLimits) -> Result<Data<'static>, XerError> {
    use crate::codec::Choice;
    let root = reader::parse(xml, limits)?;
    let ber = reader::Ber::encode(DATA_ROOT, &data::DATA, &root)?;
    let depth = u16::try_from(limits.max_depth).unwrap_or(u16::MAX);
    let d = crate::codec::decode_one(&ber, depth, Data::decode_choice)
        .map_err(|e| XerError::Mms(e.to_string()))?;
    Ok(d.into_owned())
}

#[cfg(test)]
mod tests;
