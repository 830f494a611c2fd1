//! Addressing flags shared by `mms server` and `mms client`: the OSI selectors and the ACSE
//! AE-title (ISO 8073 TSAP, ISO 8327 SSAP, ISO 8823 PSAP, ISO 8650 AP-title / AE-qualifier).

use acse::address::Address;

/// Selectors and AE-title of one end, as flags. Selectors are hex (`0001`); the AP-title is a
/// dotted OBJECT IDENTIFIER (`1.1.1.999`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AddressArgs {
    /// Transport selector, hex (default 0001).
    #[arg(long, value_name = "HEX")]
    pub tsel: Option<String>,
    /// Session selector, hex (default 0001).
    #[arg(long, value_name = "HEX")]
    pub ssel: Option<String>,
    /// Presentation selector, hex (default 00000001).
    #[arg(long, value_name = "HEX")]
    pub psel: Option<String>,
    /// AP-title, dotted OID (client default 1.1.1.999, server 1.1.1.999.1).
    #[arg(long, value_name = "OID")]
    pub ap_title: Option<String>,
    /// AE-qualifier (default 12).
    #[arg(long, value_name = "N")]
    pub ae_qualifier: Option<i64>,
}

fn hex(s: &str, what: &str, max: usize) -> Result<Vec<u8>, String> {
    let s = s.trim_start_matches("0x");
    if s.len() % 2 != 0 || s.len() / 2 > max {
        return Err(format!(
            "{what} '{s}': an even number of hex digits, at most {max} octets"
        ));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("{what} '{s}' is not hex"))
        })
        .collect()
}

/// A dotted OBJECT IDENTIFIER.
pub fn oid(s: &str) -> Result<copp::ber::Oid<'static>, String> {
    let arcs: Result<Vec<u64>, _> = s.split('.').map(str::parse::<u64>).collect();
    let arcs = arcs.map_err(|_| format!("'{s}' is not a dotted OID"))?;
    copp::ber::oid_from_arcs(&arcs).map_err(|e| format!("'{s}' is not a valid OID: {e}"))
}

impl AddressArgs {
    /// These flags applied over `base`.
    pub fn apply(&self, mut base: Address) -> Result<Address, String> {
        if let Some(t) = &self.tsel {
            base.tsel = hex(t, "TSEL", 32)?;
        }
        if let Some(t) = &self.ssel {
            base.ssel = hex(t, "SSEL", 16)?;
        }
        if let Some(t) = &self.psel {
            base.psel = hex(t, "PSEL", 16)?;
        }
        if let Some(t) = &self.ap_title {
            base.ap_title = Some(oid(t)?);
        }
        if let Some(q) = self.ae_qualifier {
            base.ae_qualifier = Some(q);
        }
        Ok(base)
    }
}
