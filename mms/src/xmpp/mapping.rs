//! Which stanza carries which MMS PDU in the XMPP environment: IEC 61850-8-2 Annex D, Table D.1
//! (docs/facts.md F-1204), read from the BER encoding without decoding the whole PDU.
//!
//! * confirmed-RequestPDU: `iq type='get'` for the services that only read (GetNameList, Read,
//!   GetVariableAccessAttributes, ReadJournal, FileRead, FileDirectory, ObtainFile, and the
//!   other services that change nothing at the server: Status, Identify, the attribute
//!   services, GetCapabilityList, ReportJournalStatus), `iq type='set'` for every other service
//!   (Write, the define and delete services, FileOpen, FileClose, FileDelete, FileRename, ...).
//!   The table names only some services; the rest follow its rule (state-changing = set), which
//!   is our reading (docs/xmpp-mms.md).
//! * confirmed-ResponsePDU and confirmed-ErrorPDU: `iq type='result'` answering the request's iq.
//! * unconfirmed-PDU (InformationReport) and rejectPDU: `message type='normal'`.
//! * cancel-RequestPDU: `iq type='get'`; cancel-Response / cancel-Error: `iq type='result'`.
//! * conclude-RequestPDU: `iq type='set'`; conclude-Response / conclude-Error: `iq type='result'`.
//! * initiate-Request / -Response / -Error ride in the handshake SecPDUs (HandshakeReq,
//!   HandshakeAcc, ApplicationReject), never in a transfer.

use copp::ber::{Class, Reader};

/// The role of one MMS PDU in the stanza exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduRole {
    /// A confirmed request, sent as `iq get` (`set == false`) or `iq set`.
    Request {
        /// Its invokeID.
        invoke_id: u32,
        /// Whether the service changes the server's state (`iq set`).
        set: bool,
    },
    /// A confirmed response or error: `iq result` answering the request's iq.
    Answer {
        /// The invokeID it answers.
        invoke_id: u32,
    },
    /// A cancel-RequestPDU (`iq get`) for the request with this invokeID.
    CancelRequest {
        /// The invokeID to cancel.
        invoke_id: u32,
    },
    /// A cancel-Response or cancel-Error (`iq result` answering the cancel's iq).
    CancelAnswer {
        /// The invokeID whose cancel is answered.
        invoke_id: u32,
    },
    /// conclude-RequestPDU (`iq set`).
    ConcludeRequest,
    /// conclude-Response or conclude-Error (`iq result` answering the conclude's iq).
    ConcludeAnswer,
    /// unconfirmed-PDU or rejectPDU (`message type='normal'`).
    Message,
    /// An initiate PDU: carried by the handshake, never by a transfer.
    Initiate,
}

/// The confirmed services (ConfirmedServiceRequest alternatives, ISO 9506-2 §7.2) that change
/// nothing at the server, by tag number: status 0, getNameList 1, identify 2, read 4,
/// getVariableAccessAttributes 6, getScatteredAccessAttributes 9,
/// getNamedVariableListAttributes 12, getNamedTypeAttributes 15, the semaphore reports 23–25,
/// getDomainAttributes 37, getProgramInvocationAttributes 45, obtainFile 46 (F-1204 lists it
/// with the reads), getEventConditionAttributes 49, reportEventConditionStatus 50,
/// getEventActionAttributes 55, reportEventActionStatus 56, reportEventEnrollmentStatus 60,
/// getEventEnrollmentAttributes 61, getAlarmSummary 63, getAlarmEnrollmentSummary 64,
/// readJournal 65, reportJournalStatus 68, getCapabilityList 71, fileRead 73, fileDirectory 77.
const READ_ONLY: &[u32] = &[
    0, 1, 2, 4, 6, 9, 12, 15, 23, 24, 25, 37, 45, 46, 49, 50, 55, 56, 60, 61, 63, 64, 65, 68, 71,
    73, 77,
];

/// Why a PDU could not be classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an MMSpdu: {0}")]
pub struct ClassifyError(&'static str);

/// The stanza role of the MMSpdu whose BER encoding is `ber` (F-1204).
pub fn classify(ber: &[u8]) -> Result<PduRole, ClassifyError> {
    let mut r = Reader::new(ber);
    let top = r.read().map_err(|_| ClassifyError("undecodable"))?;
    if top.tag.class != Class::Context {
        return Err(ClassifyError("not a context-specific alternative"));
    }
    let number = top.tag.number;
    let invoke = |what: &'static str| -> Result<u32, ClassifyError> {
        if top.tag.constructed {
            let mut inner = Reader::new(top.contents);
            let id = inner.read().map_err(|_| ClassifyError(what))?;
            uint(id.contents).ok_or(ClassifyError(what))
        } else {
            uint(top.contents).ok_or(ClassifyError(what))
        }
    };
    Ok(match number {
        0 => {
            let mut inner = Reader::new(top.contents);
            let id = inner
                .read()
                .map_err(|_| ClassifyError("request invokeID"))?;
            let invoke_id = uint(id.contents).ok_or(ClassifyError("request invokeID"))?;
            let mut service = inner.read().map_err(|_| ClassifyError("request service"))?;
            if service.tag.class == Class::Universal && service.tag.number == 16 {
                // listOfModifier.
                service = inner.read().map_err(|_| ClassifyError("request service"))?;
            }
            let set =
                service.tag.class != Class::Context || !READ_ONLY.contains(&service.tag.number);
            PduRole::Request { invoke_id, set }
        }
        1 => PduRole::Answer {
            invoke_id: invoke("response invokeID")?,
        },
        2 => {
            // confirmed-ErrorPDU: invokeID [0] IMPLICIT Unsigned32 first.
            PduRole::Answer {
                invoke_id: invoke("error invokeID")?,
            }
        }
        3 | 4 => PduRole::Message,
        5 => PduRole::CancelRequest {
            invoke_id: invoke("cancel invokeID")?,
        },
        6 => PduRole::CancelAnswer {
            invoke_id: invoke("cancel invokeID")?,
        },
        7 => PduRole::CancelAnswer {
            invoke_id: invoke("cancel invokeID")?,
        },
        8..=10 => PduRole::Initiate,
        11 => PduRole::ConcludeRequest,
        12 | 13 => PduRole::ConcludeAnswer,
        _ => return Err(ClassifyError("unknown MMSpdu alternative")),
    })
}

/// An unsigned INTEGER's contents octets as a u32.
fn uint(octets: &[u8]) -> Option<u32> {
    if octets.is_empty() || octets.len() > 5 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in octets {
        v = (v << 8) | u64::from(b);
    }
    if octets.len() == 5 && octets.first() != Some(&0) {
        return None;
    }
    u32::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::MmsPdu;

    #[test]
    fn reads_are_get_and_writes_are_set() {
        // confirmed-Request invokeID 7, read [4].
        let read = [0xA0, 0x06, 0x02, 0x01, 0x07, 0xA4, 0x01, 0x00];
        assert_eq!(
            classify(&read),
            Ok(PduRole::Request {
                invoke_id: 7,
                set: false
            })
        );
        // write [5], invokeID 300.
        let write = [0xA0, 0x07, 0x02, 0x02, 0x01, 0x2C, 0xA5, 0x01, 0x00];
        assert_eq!(
            classify(&write),
            Ok(PduRole::Request {
                invoke_id: 300,
                set: true
            })
        );
        // fileOpen [72] is set, fileRead [73] get (F-1204).
        let file_open = [0xA0, 0x07, 0x02, 0x01, 0x01, 0xBF, 0x48, 0x01, 0x00];
        assert!(matches!(
            classify(&file_open),
            Ok(PduRole::Request { set: true, .. })
        ));
        let file_read = [0xA0, 0x07, 0x02, 0x01, 0x01, 0x9F, 0x49, 0x01, 0x05];
        assert!(matches!(
            classify(&file_read),
            Ok(PduRole::Request { set: false, .. })
        ));
    }

    #[test]
    fn answers_cancels_concludes_and_messages() {
        let conclude = MmsPdu::ConcludeRequest.to_vec();
        assert_eq!(classify(&conclude), Ok(PduRole::ConcludeRequest));
        assert_eq!(
            classify(&MmsPdu::ConcludeResponse.to_vec()),
            Ok(PduRole::ConcludeAnswer)
        );
        assert_eq!(
            classify(&MmsPdu::CancelRequest(9).to_vec()),
            Ok(PduRole::CancelRequest { invoke_id: 9 })
        );
        assert_eq!(
            classify(&MmsPdu::CancelResponse(9).to_vec()),
            Ok(PduRole::CancelAnswer { invoke_id: 9 })
        );
        // confirmed-Response invokeID 7, read response.
        let resp = [0xA1, 0x06, 0x02, 0x01, 0x07, 0xA4, 0x01, 0x00];
        assert_eq!(classify(&resp), Ok(PduRole::Answer { invoke_id: 7 }));
        // unconfirmed informationReport.
        let report = [0xA3, 0x02, 0xA0, 0x00];
        assert_eq!(classify(&report), Ok(PduRole::Message));
        assert!(classify(&[0x30, 0x00]).is_err());
        assert!(classify(&[]).is_err());
    }
}
