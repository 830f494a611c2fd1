//! One application-entity address: the selectors of every layer below ACSE plus the ACSE
//! naming fields (ISO 8650-1 §7.1.1: AP-title, AE-qualifier, invocation identifiers).
//!
//! The defaults are those libIEC61850 peers expect (docs/facts.md F-307, F-410, F-505): TSEL
//! `00 01`, SSEL `00 01`, PSEL `00 00 00 01`. libIEC61850's client calls itself AP-title
//! 1.1.1.999 with AE-qualifier 12 and addresses its server as 1.1.1.999.1 / 12; those are the
//! values [`Address::default_local`] and [`Address::default_remote`] carry, so a stock
//! libIEC61850 peer sees exactly what it sees from its own client.

use copp::ber::{oid_from_arcs, Oid};

/// Addressing of one end of an association: transport, session and presentation selectors
/// (ISO 8073 TSAP-ID, ISO 8327-1 SSEL, ISO 8823-1 PSEL) and the ACSE AE-title parts
/// (ISO 8650-1 AP-title form 2, AE-qualifier form 2, AP- and AE-invocation-identifiers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Transport selector (ISO 8073 §13.3.4 calling/called TSAP-ID), 0 to 32 octets.
    pub tsel: Vec<u8>,
    /// Session selector (ISO 8327-1 PI 51/52), 0 to 16 octets.
    pub ssel: Vec<u8>,
    /// Presentation selector (ISO 8823-1 calling/called/responding-presentation-selector), 0 to 16 octets.
    pub psel: Vec<u8>,
    /// AP-title in form 2 (an OBJECT IDENTIFIER), if this end has one.
    pub ap_title: Option<Oid<'static>>,
    /// AE-qualifier in form 2 (an INTEGER), if this end has one.
    pub ae_qualifier: Option<i64>,
    /// AP-invocation-identifier, if used.
    pub ap_invocation_id: Option<i64>,
    /// AE-invocation-identifier, if used.
    pub ae_invocation_id: Option<i64>,
}

impl Address {
    /// The selectors libIEC61850 uses, with no AE-title.
    pub fn selectors_only() -> Address {
        Address {
            tsel: vec![0x00, 0x01],
            ssel: vec![0x00, 0x01],
            psel: vec![0x00, 0x00, 0x00, 0x01],
            ap_title: None,
            ae_qualifier: None,
            ap_invocation_id: None,
            ae_invocation_id: None,
        }
    }

    /// libIEC61850's client identity: AP-title 1.1.1.999, AE-qualifier 12, default selectors.
    pub fn default_local() -> Address {
        Address {
            ap_title: oid_from_arcs(&[1, 1, 1, 999]).ok(),
            ae_qualifier: Some(12),
            ..Address::selectors_only()
        }
    }

    /// libIEC61850's server identity: AP-title 1.1.1.999.1, AE-qualifier 12, default selectors.
    pub fn default_remote() -> Address {
        Address {
            ap_title: oid_from_arcs(&[1, 1, 1, 999, 1]).ok(),
            ae_qualifier: Some(12),
            ..Address::selectors_only()
        }
    }
}

impl Default for Address {
    /// Same as [`Address::default_local`].
    fn default() -> Self {
        Address::default_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_libiec61850() {
        let l = Address::default_local();
        assert_eq!(l.tsel, [0, 1]);
        assert_eq!(l.ssel, [0, 1]);
        assert_eq!(l.psel, [0, 0, 0, 1]);
        assert_eq!(
            l.ap_title.as_ref().map(|o| o.to_id_string()).as_deref(),
            Some("1.1.1.999")
        );
        let r = Address::default_remote();
        assert_eq!(
            r.ap_title.as_ref().map(|o| o.to_id_string()).as_deref(),
            Some("1.1.1.999.1")
        );
        assert_eq!(r.ae_qualifier, Some(12));
    }
}
