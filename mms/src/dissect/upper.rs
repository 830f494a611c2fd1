//! Session and everything above it for one TSDU: the SPDU (X.225), the PPDU it carries
//! (X.226 §8: CP-type, CPA, CPR, ARU/ARP or User-data), and the handing of each presentation
//! data value to ACSE or MMS by its presentation context.

use copp::ppdu::{self, AbortPpdu, ContextResult, Pdv, PdvValue, UserData};
use cosp::spdu::Spdu;

use super::acse_fields::acse_layer;
use super::layers::{hex, issue, kebab, offset_in, oid_text, Conn, Syntax, ACSE_AS, MMS_AS};
use super::session_fields::{session_field, si_name};
use super::{mms_fields, Field, Frame, Layer, OffsetBase};

/// Session and everything above, for one TSDU. `at`/`base`: where the TSDU starts.
pub(super) fn decode_tsdu(
    conn: &mut Conn,
    tsdu: &[u8],
    at: usize,
    base: OffsetBase,
    f: &mut Frame,
) {
    let limits = cosp::spdu::Limits::default();
    let spdu = match cosp::spdu::parse(tsdu, &limits) {
        Ok(s) => s,
        Err(e) => {
            let mut s = Field::new("Session", "malformed SPDU");
            if let Some(si) = tsdu.first() {
                s.push("SPDU type (SI)", format!("{} ({si})", si_name(*si)));
            }
            f.layers.push(s);
            issue(f, Layer::Session, at, base, e.to_string());
            return;
        }
    };
    f.layers.push(session_field(&spdu));
    let off = |sub: &[u8]| at + offset_in(tsdu, sub);
    match spdu {
        Spdu::Connect(cn) => {
            let ud = cn.data();
            if !ud.is_empty() {
                connect_ppdu(conn, ud, off(ud), base, f);
            }
        }
        Spdu::Accept(ac) => {
            let ud = ac.data();
            if !ud.is_empty() {
                accept_ppdu(conn, ud, off(ud), base, f);
            }
        }
        Spdu::Refuse(rf) => {
            if !rf.user_data.is_empty() {
                refuse_ppdu(conn, rf.user_data, off(rf.user_data), base, f);
            }
        }
        Spdu::Finish(x) => opt_user_data(conn, x.user_data, &off, base, f),
        Spdu::Disconnect(x) => opt_user_data(conn, x.user_data, &off, base, f),
        Spdu::NotFinished(x) => opt_user_data(conn, x.user_data, &off, base, f),
        Spdu::Abort(ab) => {
            if let Some(ud) = ab.user_data.filter(|u| !u.is_empty()) {
                abort_ppdu(conn, ud, off(ud), base, f);
            }
        }
        Spdu::AbortAccept => {}
        Spdu::Data(ud) => data_ppdu(conn, ud, off(ud), base, f),
    }
}

fn opt_user_data(
    conn: &mut Conn,
    ud: Option<&[u8]>,
    off: &dyn Fn(&[u8]) -> usize,
    base: OffsetBase,
    f: &mut Frame,
) {
    if let Some(ud) = ud.filter(|u| !u.is_empty()) {
        data_ppdu(conn, ud, off(ud), base, f);
    }
}

fn syntax_of(oid: &copp::ber::Oid<'_>) -> Syntax {
    match oid.as_bytes() {
        ACSE_AS => Syntax::Acse,
        MMS_AS => Syntax::Mms,
        _ => Syntax::Other(oid.to_id_string()),
    }
}

fn pres_error(f: &mut Frame, at: usize, base: OffsetBase, e: copp::PresentationError) {
    issue(f, Layer::Presentation, at, base, e.to_string());
}

fn bits(b: &copp::ber::BitString<'_>) -> String {
    let set: Vec<String> = (0..b.len())
        .filter(|n| b.bit(*n))
        .map(|n| n.to_string())
        .collect();
    format!("{} bits, set: [{}]", b.len(), set.join(", "))
}

fn results_field(list: &[ContextResult<'_>]) -> Field {
    let mut g = Field::new(
        "presentation-context-definition-result-list",
        format!("{} items", list.len()),
    );
    for r in list {
        let mut item = Field::new("Result-list item", kebab(&format!("{:?}", r.result)));
        item.push(
            "result",
            format!(
                "{} ({})",
                kebab(&format!("{:?}", r.result)),
                r.result as i64
            ),
        );
        if let Some(t) = &r.transfer_syntax {
            item.push("transfer-syntax-name", oid_text(t));
        }
        if let Some(p) = r.provider_reason {
            item.push(
                "provider-reason",
                format!("{} ({})", kebab(&format!("{p:?}")), p as i64),
            );
        }
        g.children.push(item);
    }
    g
}

fn connect_ppdu(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    let cp = match ppdu::parse_connect(b) {
        Ok(cp) => cp,
        Err(e) => {
            f.layers
                .push(Field::new("Presentation", "CP-type (malformed)"));
            return pres_error(f, at, base, e);
        }
    };
    let mut p = Field::new("Presentation", "CP-type");
    p.push(
        "mode-selector",
        format!("{} ({})", kebab(&format!("{:?}", cp.mode)), cp.mode as i64),
    );
    if let Some(v) = &cp.protocol_version {
        p.push("protocol-version", bits(v));
    }
    if let Some(s) = cp.calling_selector {
        p.push("calling-presentation-selector", hex(s));
    }
    if let Some(s) = cp.called_selector {
        p.push("called-presentation-selector", hex(s));
    }
    let mut list = Field::new(
        "presentation-context-definition-list",
        format!("{} items", cp.context_definitions.len()),
    );
    conn.contexts.clear();
    for d in &cp.context_definitions {
        conn.contexts.insert(d.id, syntax_of(&d.abstract_syntax));
        let mut item = Field::new("Context-list item", d.id.to_string());
        item.push("presentation-context-identifier", d.id.to_string());
        item.push("abstract-syntax-name", oid_text(&d.abstract_syntax));
        let mut ts = Field::new("transfer-syntax-name-list", "");
        for t in &d.transfer_syntaxes {
            ts.push("transfer-syntax-name", oid_text(t));
        }
        item.children.push(ts);
        list.children.push(item);
    }
    p.children.push(list);
    if let Some(dc) = &cp.default_context {
        p.children.push(Field::group(
            "default-context-name",
            "",
            vec![
                Field::new("abstract-syntax-name", oid_text(&dc.abstract_syntax)),
                Field::new("transfer-syntax-name", oid_text(&dc.transfer_syntax)),
            ],
        ));
    }
    if let Some(v) = &cp.presentation_requirements {
        p.push("presentation-requirements", bits(v));
    }
    if let Some(v) = &cp.user_session_requirements {
        p.push("user-session-requirements", bits(v));
    }
    user_data_layers(conn, cp.user_data.as_ref(), p, b, at, base, f);
}

fn accept_ppdu(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    let cpa = match ppdu::parse_accept(b) {
        Ok(x) => x,
        Err(e) => {
            f.layers
                .push(Field::new("Presentation", "CPA-PPDU (malformed)"));
            return pres_error(f, at, base, e);
        }
    };
    let mut p = Field::new("Presentation", "CPA-PPDU");
    if let Some(v) = &cpa.protocol_version {
        p.push("protocol-version", bits(v));
    }
    if let Some(s) = cpa.responding_selector {
        p.push("responding-presentation-selector", hex(s));
    }
    p.children.push(results_field(&cpa.context_results));
    if let Some(v) = &cpa.presentation_requirements {
        p.push("presentation-requirements", bits(v));
    }
    if let Some(v) = &cpa.user_session_requirements {
        p.push("user-session-requirements", bits(v));
    }
    user_data_layers(conn, cpa.user_data.as_ref(), p, b, at, base, f);
}

fn refuse_ppdu(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    let cpr = match ppdu::parse_refuse(b) {
        Ok(x) => x,
        Err(e) => {
            f.layers
                .push(Field::new("Presentation", "CPR-PPDU (malformed)"));
            return pres_error(f, at, base, e);
        }
    };
    let mut p = Field::new("Presentation", "CPR-PPDU");
    if let Some(s) = cpr.responding_selector {
        p.push("responding-presentation-selector", hex(s));
    }
    if let Some(list) = &cpr.context_results {
        p.children.push(results_field(list));
    }
    if let Some(r) = cpr.default_context_result {
        p.push("default-context-result", kebab(&format!("{r:?}")));
    }
    if let Some(r) = cpr.provider_reason {
        p.push(
            "provider-reason",
            format!("{} ({})", kebab(&format!("{r:?}")), r as i64),
        );
    }
    user_data_layers(conn, cpr.user_data.as_ref(), p, b, at, base, f);
}

fn abort_ppdu(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    let ab = match ppdu::parse_abort(b) {
        Ok(x) => x,
        Err(e) => {
            f.layers
                .push(Field::new("Presentation", "Abort-type (malformed)"));
            return pres_error(f, at, base, e);
        }
    };
    match ab {
        AbortPpdu::User {
            context_ids,
            user_data,
        } => {
            let mut p = Field::new("Presentation", "ARU-PPDU");
            if let Some(ids) = &context_ids {
                let mut g = Field::new("presentation-context-identifier-list", "");
                for (id, ts) in ids {
                    g.push(
                        "presentation-context-identifier",
                        format!("{id} ({})", oid_text(ts)),
                    );
                }
                p.children.push(g);
            }
            user_data_layers(conn, user_data.as_ref(), p, b, at, base, f);
        }
        AbortPpdu::Provider { reason, event } => {
            let mut p = Field::new("Presentation", "ARP-PPDU");
            if let Some(r) = reason {
                p.push(
                    "provider-reason",
                    format!("{} ({})", kebab(&format!("{r:?}")), r as i64),
                );
            }
            if let Some(e) = event {
                p.push("event-identifier", e.to_string());
            }
            f.layers.push(p);
        }
    }
}

fn data_ppdu(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    match ppdu::parse_user_data(b) {
        Ok(ud) => {
            let p = Field::new("Presentation", "User-data");
            user_data_layers(conn, Some(&ud), p, b, at, base, f);
        }
        Err(e) => {
            f.layers
                .push(Field::new("Presentation", "User-data (malformed)"));
            pres_error(f, at, base, e);
        }
    }
}

/// Adds the user-data fields to the presentation field `p`, pushes it, then decodes each PDV.
fn user_data_layers(
    conn: &mut Conn,
    ud: Option<&UserData<'_>>,
    mut p: Field,
    b: &[u8],
    at: usize,
    base: OffsetBase,
    f: &mut Frame,
) {
    let mut pdvs: Vec<Pdv<'_>> = Vec::new();
    match ud {
        None => {}
        Some(UserData::Simple(s)) => {
            p.push("simply-encoded-data", format!("{} octets", s.len()));
        }
        Some(UserData::Fully(fe)) => {
            let mut g = Field::new("fully-encoded-data", "");
            for pdv in fe.pdvs() {
                match pdv {
                    Ok(pdv) => {
                        let mut item = Field::new("PDV-list", pdv.context_id.to_string());
                        if let Some(t) = &pdv.transfer_syntax {
                            item.push("transfer-syntax-name", oid_text(t));
                        }
                        item.push(
                            "presentation-context-identifier",
                            pdv.context_id.to_string(),
                        );
                        let v = match &pdv.value {
                            PdvValue::SingleAsn1Type(v) => {
                                format!("single-ASN1-type ({} octets)", v.len())
                            }
                            PdvValue::OctetAligned(v) => {
                                format!("octet-aligned ({} octets)", v.len())
                            }
                            PdvValue::Arbitrary(v) => format!("arbitrary ({} bits)", v.len()),
                        };
                        item.push("presentation-data-values", v);
                        g.children.push(item);
                        pdvs.push(pdv);
                    }
                    Err(e) => {
                        issue(f, Layer::Presentation, at, base, e.to_string());
                        break;
                    }
                }
            }
            g.value = format!("{} PDV-list", g.children.len());
            p.children.push(g);
        }
    }
    f.layers.push(p);
    for pdv in pdvs {
        let value = match pdv.value {
            PdvValue::SingleAsn1Type(v) | PdvValue::OctetAligned(v) => v,
            PdvValue::Arbitrary(_) => continue,
        };
        let pos = at + offset_in(b, value);
        apdu_for_context(conn, pdv.context_id, value, pos, base, f);
    }
}

/// Which layer a value of presentation context `id` belongs to.
pub(super) fn layer_for(conn: &Conn, id: u32, value: &[u8]) -> Option<Layer> {
    match conn.contexts.get(&id) {
        Some(Syntax::Acse) => Some(Layer::Acse),
        Some(Syntax::Mms) => Some(Layer::Mms),
        Some(Syntax::Other(_)) => None,
        // No CP seen: ACSE APDUs are [APPLICATION n] (class bits 01), MMSpdus [n] (10).
        None => match value.first().map(|b| b >> 6) {
            Some(1) => Some(Layer::Acse),
            Some(2) => Some(Layer::Mms),
            _ => None,
        },
    }
}

fn apdu_for_context(
    conn: &mut Conn,
    id: u32,
    value: &[u8],
    at: usize,
    base: OffsetBase,
    f: &mut Frame,
) {
    match layer_for(conn, id, value) {
        Some(Layer::Acse) => acse_layer(conn, value, at, base, f),
        Some(Layer::Mms) => mms_layer(f, value, at, base),
        _ => f.notes.push(format!(
            "presentation context {id}: {} octets of an abstract syntax not decoded here",
            value.len()
        )),
    }
}

/// Decodes one MMS PDU and adds its field (or the error).
pub(super) fn mms_layer(f: &mut Frame, b: &[u8], at: usize, base: OffsetBase) {
    match crate::pdu::MmsPdu::decode(b) {
        Ok(pdu) => f.layers.push(mms_fields::pdu_field(&pdu)),
        Err(e) => {
            let mut m = Field::new("MMS", "malformed MMSpdu");
            if let Some(p) = e.pdu {
                m.push("PDU type", format!("{p:?}"));
            }
            if let Some(id) = e.invoke_id {
                m.push("invokeID", id.to_string());
            }
            f.layers.push(m);
            let answer = match e.reject_reason() {
                Some(r) => format!(" (answered by a RejectPDU, reason {r:?})"),
                None => String::new(),
            };
            issue(f, Layer::Mms, at, base, format!("{e}{answer}"));
        }
    }
}
