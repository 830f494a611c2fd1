//! Information messages (IEC 60870-6-503 Block 4; docs/tase2.md, "Information messages"):
//! the application posts a message; it goes as an InformationReport
//! [`Info_Mess_Header`, `Info_Buff_<n>`] to every association that enabled `IM_Transfer_Set`
//! and whose bilateral table lists the message.

use crate::access::{AccessResult, VariableAccessSpecification};
use crate::common::ObjectName;
use crate::data::Data;
use crate::pdu::UnconfirmedService;
use crate::services::variables::InformationReport;
use crate::tase2::names;
use crate::tase2::{InfoMessHeader, Tase2Type};

use super::{bump, lock, Shared};

/// An information message (Block 4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InfoMessage {
    /// The ICC of an ICC-scope message; `None` for a VCC-scope message.
    pub icc: Option<String>,
    /// InfoReference: what kind of message (agreed in the bilateral tables).
    pub info_reference: i32,
    /// LocalReference.
    pub local_reference: i32,
    /// MessageId.
    pub message_id: i32,
    /// The contents (text or binary).
    pub data: Vec<u8>,
}

impl InfoMessage {
    /// A VCC-scope message.
    pub fn vcc(
        info_reference: i32,
        local_reference: i32,
        message_id: i32,
        data: &[u8],
    ) -> InfoMessage {
        InfoMessage {
            icc: None,
            info_reference,
            local_reference,
            message_id,
            data: data.to_vec(),
        }
    }

    /// An ICC-scope message of ICC `icc`.
    pub fn icc(
        icc: &str,
        info_reference: i32,
        local_reference: i32,
        message_id: i32,
        data: &[u8],
    ) -> InfoMessage {
        InfoMessage {
            icc: Some(icc.into()),
            ..InfoMessage::vcc(info_reference, local_reference, message_id, data)
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The message names an ICC the server does not have.
    #[error("no ICC {0}")]
    UnknownIcc(String),
    /// The message is larger than the largest information buffer configured.
    #[error("{size} octets: the largest information buffer holds {max}")]
    TooLarge {
        /// The message's size.
        size: usize,
        /// The largest buffer.
        max: u32,
    },
    /// The server is not attached to a running MMS server.
    #[error("the server is not running")]
    NotRunning,
}

/// Sends `m`; see [`super::Tase2Server::post_message`].
pub(crate) fn post(shared: &Shared, m: &InfoMessage) -> Result<usize, MessageError> {
    let icc = match &m.icc {
        Some(name) => Some(
            shared
                .dir
                .icc_of(name)
                .ok_or_else(|| MessageError::UnknownIcc(name.clone()))?,
        ),
        None => None,
    };
    let max = shared.info_buffer_sizes.last().copied().unwrap_or(0);
    let size = shared
        .info_buffer_sizes
        .iter()
        .copied()
        .find(|&n| usize::try_from(n).is_ok_and(|n| n >= m.data.len()))
        .ok_or(MessageError::TooLarge {
            size: m.data.len(),
            max,
        })?;
    if !shared.can_send() {
        return Err(MessageError::NotRunning);
    }
    let name = |item: String| match &m.icc {
        Some(d) => ObjectName::domain(d.clone(), item),
        None => ObjectName::vmd(item),
    };
    let header = InfoMessHeader {
        info_reference: m.info_reference,
        local_reference: m.local_reference,
        message_id: m.message_id,
        size: i32::try_from(m.data.len()).unwrap_or(i32::MAX),
    };
    // The whole buffer is sent, zero-padded; Size gives the octets in use.
    let mut buffer = m.data.clone();
    buffer.resize(usize::try_from(size).unwrap_or(0), 0);
    let service = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::names([
            name(names::INFO_MESS_HEADER.to_string()),
            name(names::info_buff_name(size)),
        ]),
        list_of_access_result: vec![
            AccessResult::Success(header.to_data()),
            AccessResult::Success(Data::OctetString(buffer.into())),
        ],
    });
    // An association whose PDU size the message exceeds does not get it.
    let size_on_wire = {
        let mut w = copp::ber::Writer::with_capacity(256);
        crate::pdu::write_unconfirmed_pdu(&mut w, &service);
        w.into_vec().len()
    };
    let targets: Vec<u64> = lock(&shared.sessions)
        .iter()
        .filter(|(_, s)| {
            s.im_enabled
                && s.blt.may_receive(m.info_reference, m.local_reference, icc)
                && size_on_wire <= s.info.negotiated.max_pdu_size
        })
        .map(|(id, _)| *id)
        .collect();
    let mut n = 0;
    for id in targets {
        if shared.send_unconfirmed(id, &service) {
            bump(&shared.counters.messages_sent);
            n += 1;
        }
    }
    Ok(n)
}
