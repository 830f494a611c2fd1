//! Hand-written MMS initiate PDUs (ISO 9506-2 §8.2 / the `Initiate-RequestPDU`
//! and `Initiate-ResponsePDU` types of the ISO 9506-2 ASN.1 module) so the
//! association tests can carry real MMS user data before an MMS codec exists.
//!
//! Both vectors were checked twice:
//! - checked with tshark 4.0.17 (dissector mms), as bare PDUs in a pcap of link
//!   type 147 mapped with `uat:user_dlts` (see [`crate::tshark::bare_mms_args`]):
//!   clean decode, no malformed frame, field values as listed below
//!   (test `mms_vectors_decode_in_tshark` in `tests/harness.rs`);
//! - decoded by hat-drivers 0.10.10's own ASN.1 module and BER codec
//!   (`peers/hat_mms_decode.py`), which re-encodes them to the identical octets
//!   (test `mms_vectors_decode_in_hat_drivers`).

/// MMS `initiate-RequestPDU` (\[8\], tag `A8`):
/// - localDetailCalling \[0\] = 65000 (`80 03 00 FD E8`, the max PDU size)
/// - proposedMaxServOutstandingCalling \[1\] = 5, proposedMaxServOutstandingCalled \[2\] = 5
/// - proposedDataStructureNestingLevel \[3\] = 10
/// - initRequestDetail \[4\]: proposedVersionNumber 1; proposedParameterCBB, 11 bits
///   (`05 F1 00`): str1 str2 vnam valt vlis; servicesSupportedCalling, 85 bits
///   (`03 EE 1C 00 .. ED 10`): status getNameList identify read write
///   getVariableAccessAttributes defineNamedVariableList
///   getNamedVariableListAttributes deleteNamedVariableList fileOpen fileRead
///   fileClose fileDelete fileDirectory informationReport conclude.
pub const INITIATE_REQUEST: &[u8] = &[
    0xa8, 0x26, // initiate-RequestPDU
    0x80, 0x03, 0x00, 0xfd, 0xe8, // localDetailCalling 65000
    0x81, 0x01, 0x05, // proposedMaxServOutstandingCalling 5
    0x82, 0x01, 0x05, // proposedMaxServOutstandingCalled 5
    0x83, 0x01, 0x0a, // proposedDataStructureNestingLevel 10
    0xa4, 0x16, // initRequestDetail
    0x80, 0x01, 0x01, // proposedVersionNumber 1
    0x81, 0x03, 0x05, 0xf1, 0x00, // proposedParameterCBB
    0x82, 0x0c, 0x03, 0xee, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xed,
    0x10, // servicesSupportedCalling
];

/// MMS `initiate-ResponsePDU` (\[9\], tag `A9`) accepting [`INITIATE_REQUEST`]:
/// localDetailCalled \[0\] = 65000, negotiatedMaxServOutstandingCalling \[1\] = 5,
/// negotiatedMaxServOutstandingCalled \[2\] = 5, negotiatedDataStructureNestingLevel
/// \[3\] = 10, initResponseDetail \[4\]: negotiatedVersionNumber 1,
/// negotiatedParameterCBB and servicesSupportedCalled equal to the request's.
/// (Wireshark spells the field names `negociated...`.)
pub const INITIATE_RESPONSE: &[u8] = &[
    0xa9, 0x26, // initiate-ResponsePDU
    0x80, 0x03, 0x00, 0xfd, 0xe8, // localDetailCalled 65000
    0x81, 0x01, 0x05, // negotiatedMaxServOutstandingCalling 5
    0x82, 0x01, 0x05, // negotiatedMaxServOutstandingCalled 5
    0x83, 0x01, 0x0a, // negotiatedDataStructureNestingLevel 10
    0xa4, 0x16, // initResponseDetail
    0x80, 0x01, 0x01, // negotiatedVersionNumber 1
    0x81, 0x03, 0x05, 0xf1, 0x00, // negotiatedParameterCBB
    0x82, 0x0c, 0x03, 0xee, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xed,
    0x10, // servicesSupportedCalled
];

/// MMS `conclude-RequestPDU` (\[11\] IMPLICIT NULL, `8B 00`), as hat-drivers sends
/// it before closing (checked with tshark 4.0.17, dissector mms, in the hat
/// captures listed in `peers/README.md`).
pub const CONCLUDE_REQUEST: &[u8] = &[0x8b, 0x00];

/// MMS `conclude-ResponsePDU` (\[12\] IMPLICIT NULL, `8C 00`).
pub const CONCLUDE_RESPONSE: &[u8] = &[0x8c, 0x00];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_lengths_match_contents() {
        for pdu in [INITIATE_REQUEST, INITIATE_RESPONSE] {
            assert_eq!(usize::from(pdu[1]) + 2, pdu.len());
            // initRequestDetail / initResponseDetail ends the PDU
            assert_eq!(pdu[16], 0xa4);
            assert_eq!(usize::from(pdu[17]) + 18, pdu.len());
        }
    }
}
