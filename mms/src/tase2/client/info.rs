//! Information messages as a client receives them (IEC 60870-6-802 Block 4): an
//! InformationReport with the list of variables [`Info_Mess_Header`, `Info_Buff_<n>`], both of
//! the message's scope (docs/tase2-client.md, "Information messages").

use crate::access::AccessResult;
use crate::common::ObjectName;
use crate::tase2::names::{parse_info_buff_name, INFO_MESS_HEADER};
use crate::tase2::{InfoMessHeader, Scope, Tase2Type};

use super::report::ReportError;

/// A received information message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InfoMessage {
    /// The message's scope, taken from the buffer variable (VCC: VMD-specific, ICC:
    /// domain-specific).
    pub scope: Scope,
    /// The ICC (domain) of an ICC-scope message.
    pub icc: Option<String>,
    /// `Info_Mess_Header`.
    pub header: InfoMessHeader,
    /// The `<n>` of `Info_Buff_<n>`: the buffer's declared size.
    pub buffer_size: u32,
    /// The octets in use: the first `header.size` octets of the buffer.
    pub data: Vec<u8>,
}

impl InfoMessage {
    /// The message as text (free text is the usual content); octets that are not UTF-8 are
    /// replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// True when the variables are those of an information message (an `Info_Mess_Header` and an
/// `Info_Buff_<n>`).
pub(crate) fn is_info_message(names: &[&ObjectName<'_>]) -> bool {
    names.iter().any(|n| n.item() == INFO_MESS_HEADER)
        && names
            .iter()
            .any(|n| parse_info_buff_name(n.item()).is_some())
}

/// Decodes an information message; `names` and `values` have the same length.
pub(crate) fn decode_info_message(
    names: &[&ObjectName<'_>],
    values: &[AccessResult<'_>],
) -> Result<InfoMessage, ReportError> {
    let mut header = None;
    let mut buffer = None;
    for (n, v) in names.iter().zip(values) {
        if n.item() == INFO_MESS_HEADER {
            let d = v.data().ok_or(ReportError::InfoMessage(
                "Info_Mess_Header came as an access error",
            ))?;
            header = Some(
                InfoMessHeader::from_data(d).map_err(|error| ReportError::Special {
                    what: INFO_MESS_HEADER,
                    error,
                })?,
            );
        } else if let Some(size) = parse_info_buff_name(n.item()) {
            let d = v.data().ok_or(ReportError::InfoMessage(
                "Info_Buff came as an access error",
            ))?;
            let octets = d
                .as_bytes()
                .ok_or(ReportError::InfoMessage("Info_Buff is not an octet string"))?;
            let (scope, icc) = match n {
                ObjectName::DomainSpecific { domain_id, .. } => {
                    (Scope::Icc, Some(domain_id.to_string()))
                }
                _ => (Scope::Vcc, None),
            };
            buffer = Some((scope, icc, size, octets));
        }
    }
    let header = header.ok_or(ReportError::InfoMessage("no Info_Mess_Header"))?;
    let (scope, icc, buffer_size, octets) =
        buffer.ok_or(ReportError::InfoMessage("no Info_Buff_<n>"))?;
    // The buffer is sent whole; Size says how much of it is used, and a buffer shorter than
    // Size is refused (docs/tase2-client.md, "Information messages").
    let used = usize::try_from(header.size)
        .ok()
        .filter(|&s| s <= octets.len())
        .ok_or(ReportError::InfoSize {
            size: header.size,
            buffer: octets.len(),
        })?;
    Ok(InfoMessage {
        scope,
        icc,
        header,
        buffer_size,
        data: octets.get(..used).unwrap_or_default().to_vec(),
    })
}
