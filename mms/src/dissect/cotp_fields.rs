//! COTP TPDUs (ISO 8073 §13, class 0) as [`Field`]s: CR/CC parameters, DT EOT and number,
//! DR reason, ER reject cause.

use cot::tpdu::Tpdu;

use super::layers::hex;
use super::Field;

pub(super) fn cotp_field(tpdu: &Tpdu<'_>, raw: &[u8]) -> Field {
    let li = raw.first().copied().unwrap_or(0);
    let mut c = Field::new("COTP", "");
    c.push("length-indicator", li.to_string());
    match tpdu {
        Tpdu::ConnectionRequest(cr) | Tpdu::ConnectionConfirm(cr) => {
            let (name, code) = match tpdu {
                Tpdu::ConnectionRequest(_) => ("CR Connection Request", 0x0E),
                _ => ("CC Connection Confirm", 0x0D),
            };
            c.value = name.into();
            c.push("TPDU type", format!("{name} ({code:#04x})"));
            c.push("destination-reference", format!("{:#06x}", cr.dst_ref));
            c.push("source-reference", format!("{:#06x}", cr.src_ref));
            c.push("class", cr.class.to_string());
            c.push("options", format!("{:#04x}", cr.options));
            if let Some(s) = cr.tpdu_size {
                c.push(
                    "TPDU size (C0)",
                    format!("{} octets (code {:#04x})", s.size(), s.code()),
                );
            }
            if let Some(p) = cr.preferred_max_tpdu_size {
                c.push(
                    "preferred maximum TPDU size (F0)",
                    format!("{p} x 128 octets"),
                );
            }
            if let Some(t) = cr.calling_tsap {
                c.push("calling TSAP (C1)", hex(t));
            }
            if let Some(t) = cr.called_tsap {
                c.push("called TSAP (C2)", hex(t));
            }
            if let Some(o) = cr.additional_option_selection {
                c.push("additional option selection (C6)", format!("{o:#04x}"));
            }
            if let Some(a) = cr.alternative_classes {
                c.push("alternative protocol classes (C7)", hex(a));
            }
            if !cr.user_data.is_empty() {
                c.push("user data", format!("{} octets", cr.user_data.len()));
            }
        }
        Tpdu::DisconnectRequest(dr) => {
            c.value = "DR Disconnect Request".into();
            c.push("TPDU type", "DR Disconnect Request (0x08)");
            c.push("destination-reference", format!("{:#06x}", dr.dst_ref));
            c.push("source-reference", format!("{:#06x}", dr.src_ref));
            c.push(
                "reason",
                format!("{} ({})", dr_reason(dr.reason), dr.reason),
            );
            if let Some(a) = dr.additional_info {
                c.push("additional information (E0)", hex(a));
            }
            if !dr.user_data.is_empty() {
                c.push("user data", format!("{} octets", dr.user_data.len()));
            }
        }
        Tpdu::Data(dt) => {
            c.value = format!(
                "DT Data{}",
                if dt.eot { ", EOT" } else { ", more to follow" }
            );
            c.push("TPDU type", "DT Data (0x0f)");
            let nr = raw.get(2).copied().unwrap_or(0);
            c.push("TPDU-NR", (nr & 0x7F).to_string());
            c.push("EOT", dt.eot.to_string());
            c.push("user data", format!("{} octets", dt.user_data.len()));
        }
        Tpdu::Error(er) => {
            c.value = "ER TPDU Error".into();
            c.push("TPDU type", "ER TPDU Error (0x07)");
            c.push("destination-reference", format!("{:#06x}", er.dst_ref));
            let cause = match er.reject_cause {
                0 => "reason not specified",
                1 => "invalid parameter code",
                2 => "invalid TPDU type",
                3 => "invalid parameter value",
                _ => "unknown",
            };
            c.push("reject cause", format!("{cause} ({})", er.reject_cause));
            if let Some(t) = er.invalid_tpdu {
                c.push("invalid TPDU (C1)", hex(t));
            }
        }
    }
    c
}

/// ISO 8073 §13.5.3 d): the DR reason's name.
fn dr_reason(r: u8) -> &'static str {
    use cot::tpdu::reason::*;
    match r {
        NOT_SPECIFIED => "reason not specified",
        CONGESTION_AT_TSAP => "congestion at TSAP",
        NOT_ATTACHED => "session entity not attached to TSAP",
        ADDRESS_UNKNOWN => "address unknown",
        NORMAL => "normal disconnect initiated by session entity",
        REMOTE_CONGESTION => "remote transport entity congestion",
        NEGOTIATION_FAILED => "connection negotiation failed",
        DUPLICATE_SOURCE_REFERENCE => "duplicate source reference",
        MISMATCHED_REFERENCES => "mismatched references",
        PROTOCOL_ERROR => "protocol error",
        REFERENCE_OVERFLOW => "reference overflow",
        REFUSED_ON_THIS_CONNECTION => "connection request refused on this network connection",
        LENGTH_INVALID => "header or parameter length invalid",
        _ => "unknown",
    }
}
