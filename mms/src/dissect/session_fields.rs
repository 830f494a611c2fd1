//! Session SPDUs (ISO 8327-1 / X.225 §8.3) as [`Field`]s: the SI and every PI / PGI the
//! SPDU carried, by name and value.

use cosp::spdu::{ConnectionIdentifier, Spdu};

use super::layers::hex;
use super::Field;

/// X.225 §8.3: the SPDU name for an SI.
pub(super) fn si_name(si: u8) -> &'static str {
    match si {
        1 => "GIVE TOKENS / DATA TRANSFER",
        8 => "NOT FINISHED",
        9 => "FINISH",
        10 => "DISCONNECT",
        12 => "REFUSE",
        13 => "CONNECT",
        14 => "ACCEPT",
        25 => "ABORT",
        26 => "ABORT ACCEPT",
        _ => "unknown",
    }
}

fn conn_id(c: &ConnectionIdentifier<'_>) -> Field {
    let mut g = Field::new("Connection Identifier (PGI 1)", "");
    if let Some(v) = c.ss_user_reference {
        g.push("SS-user Reference", hex(v));
    }
    if let Some(v) = c.common_reference {
        g.push("Common Reference (PI 11)", hex(v));
    }
    if let Some(v) = c.additional_reference {
        g.push("Additional Reference Information (PI 12)", hex(v));
    }
    g
}

fn requirements(v: u16) -> String {
    const FU: [&str; 12] = [
        "half-duplex",
        "duplex",
        "expedited",
        "minor-synchronize",
        "major-synchronize",
        "resynchronize",
        "activity-management",
        "negotiated-release",
        "capability-data",
        "exceptions",
        "typed-data",
        "symmetric-synchronize",
    ];
    let on: Vec<&str> = FU
        .iter()
        .enumerate()
        .filter(|(i, _)| v & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    format!("{v:#06x} ({})", on.join(", "))
}

fn transport_disconnect(v: u8) -> String {
    let mut on = Vec::new();
    on.push(if v & 0x01 != 0 {
        "release transport connection"
    } else {
        "keep transport connection"
    });
    if v & 0x02 != 0 {
        on.push("user abort");
    }
    if v & 0x04 != 0 {
        on.push("protocol error");
    }
    if v & 0x08 != 0 {
        on.push("no reason");
    }
    if v & 0x10 != 0 {
        on.push("implementation restriction");
    }
    format!("{v:#04x} ({})", on.join(", "))
}

fn byte(v: Option<u8>) -> Option<String> {
    v.map(|v| format!("{v:#04x}"))
}

fn tsdu(t: Option<cosp::spdu::TsduMaxSize>) -> Option<String> {
    t.map(|t| {
        format!(
            "initiator to responder {}, responder to initiator {}",
            t.initiator_to_responder, t.responder_to_initiator
        )
    })
}

/// Pushes every parameter that is present, in the order given.
fn push_all(s: &mut Field, params: Vec<(&str, Option<String>)>) {
    for (name, v) in params {
        if let Some(v) = v {
            s.push(name, v);
        }
    }
}

fn user_data(s: &mut Field, u: Option<&[u8]>, ext: bool) {
    if let Some(u) = u {
        let name = if ext {
            "Extended User Data (PGI 194)"
        } else {
            "User Data (PGI 193)"
        };
        s.push(name, format!("{} octets", u.len()));
    }
}

fn si(s: &mut Field, n: u8) {
    s.children.push(Field::new(
        "SPDU type (SI)",
        format!("{} ({n})", si_name(n)),
    ));
}

pub(super) fn session_field(spdu: &Spdu<'_>) -> Field {
    let mut s = Field::new("Session", spdu.name());
    match spdu {
        Spdu::Connect(cn) => {
            si(&mut s, 13);
            if let Some(c) = &cn.connection_identifier {
                s.children.push(conn_id(c));
            }
            push_all(
                &mut s,
                vec![
                    ("Protocol Options (PI 19)", byte(cn.protocol_options)),
                    ("TSDU Maximum Size (PI 21)", tsdu(cn.tsdu_max_size)),
                    ("Version Number (PI 22)", byte(cn.version_number)),
                    (
                        "Initial Serial Number (PI 23)",
                        cn.initial_serial_number.map(hex),
                    ),
                    ("Token Setting Item (PI 26)", byte(cn.token_setting)),
                    (
                        "Session User Requirements (PI 20)",
                        cn.session_user_requirements.map(requirements),
                    ),
                    ("Calling Session Selector (PI 51)", cn.calling_ssel.map(hex)),
                    ("Called Session Selector (PI 52)", cn.called_ssel.map(hex)),
                    ("Data Overflow (PI 60)", byte(cn.data_overflow)),
                    ("Enclosure Item (PI 25)", byte(cn.enclosure)),
                ],
            );
            user_data(&mut s, cn.user_data, false);
            user_data(&mut s, cn.extended_user_data, true);
        }
        Spdu::Accept(ac) => {
            si(&mut s, 14);
            if let Some(c) = &ac.connection_identifier {
                s.children.push(conn_id(c));
            }
            push_all(
                &mut s,
                vec![
                    ("Protocol Options (PI 19)", byte(ac.protocol_options)),
                    ("TSDU Maximum Size (PI 21)", tsdu(ac.tsdu_max_size)),
                    ("Version Number (PI 22)", byte(ac.version_number)),
                    (
                        "Initial Serial Number (PI 23)",
                        ac.initial_serial_number.map(hex),
                    ),
                    ("Token Setting Item (PI 26)", byte(ac.token_setting)),
                    ("Token Item (PI 16)", byte(ac.token_item)),
                    (
                        "Session User Requirements (PI 20)",
                        ac.session_user_requirements.map(requirements),
                    ),
                    ("Enclosure Item (PI 25)", byte(ac.enclosure)),
                    ("Calling Session Selector (PI 51)", ac.calling_ssel.map(hex)),
                    (
                        "Responding Session Selector (PI 52)",
                        ac.responding_ssel.map(hex),
                    ),
                ],
            );
            user_data(&mut s, ac.user_data, false);
            user_data(&mut s, ac.extended_user_data, true);
        }
        Spdu::Refuse(rf) => {
            si(&mut s, 12);
            if let Some(c) = &rf.connection_identifier {
                s.children.push(conn_id(c));
            }
            push_all(
                &mut s,
                vec![
                    (
                        "Transport Disconnect (PI 17)",
                        rf.transport_disconnect.map(transport_disconnect),
                    ),
                    (
                        "Session User Requirements (PI 20)",
                        rf.session_user_requirements.map(requirements),
                    ),
                    ("Version Number (PI 22)", byte(rf.version_number)),
                    ("Enclosure Item (PI 25)", byte(rf.enclosure)),
                    (
                        "Reason Code (PI 50)",
                        rf.reason.map(|r| format!("{r} ({})", r.code())),
                    ),
                ],
            );
            if !rf.user_data.is_empty() {
                s.push("reason user data", format!("{} octets", rf.user_data.len()));
            }
        }
        Spdu::Finish(x) => {
            si(&mut s, 9);
            push_all(
                &mut s,
                vec![
                    (
                        "Transport Disconnect (PI 17)",
                        x.transport_disconnect.map(transport_disconnect),
                    ),
                    ("Enclosure Item (PI 25)", byte(x.enclosure)),
                ],
            );
            user_data(&mut s, x.user_data, false);
        }
        Spdu::Disconnect(x) => {
            si(&mut s, 10);
            push_all(&mut s, vec![("Enclosure Item (PI 25)", byte(x.enclosure))]);
            user_data(&mut s, x.user_data, false);
        }
        Spdu::NotFinished(x) => {
            si(&mut s, 8);
            push_all(&mut s, vec![("Enclosure Item (PI 25)", byte(x.enclosure))]);
            user_data(&mut s, x.user_data, false);
        }
        Spdu::Abort(ab) => {
            si(&mut s, 25);
            push_all(
                &mut s,
                vec![
                    (
                        "Transport Disconnect (PI 17)",
                        ab.transport_disconnect.map(transport_disconnect),
                    ),
                    ("Enclosure Item (PI 25)", byte(ab.enclosure)),
                    (
                        "Reflect Parameter Values (PI 49)",
                        ab.reflect_parameter_values.map(hex),
                    ),
                ],
            );
            user_data(&mut s, ab.user_data, false);
        }
        Spdu::AbortAccept => si(&mut s, 26),
        Spdu::Data(ud) => {
            s.value = "GIVE TOKENS + DATA TRANSFER".into();
            s.children
                .push(Field::new("SPDU type (SI)", "GIVE TOKENS (1)"));
            s.children
                .push(Field::new("SPDU type (SI)", "DATA TRANSFER (1)"));
            s.push("User Information", format!("{} octets", ud.len()));
        }
    }
    s
}
