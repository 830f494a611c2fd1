//! `mms cert`: a demo certificate authority and leaf certificates for a LAB (cot::pki): one
//! certificate per AE-title, usable for TLS (IEC 62351-3), the A-security-profile and
//! end-to-end security (IEC 62351-4), with the X.520 objectIdentifier (2.5.4.106) subject
//! attribute holding the AP-title with the AE-qualifier appended (IEC 62351-4 Annex G.6.2).
//! The CA's private key is thrown away: nothing more can be issued, and the CRL written is
//! empty. For real deployments, docs/certificates.md shows the openssl command line.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use cot::pki::{KeyKind, LeafSpec, Pki};

const WARNING: &str = "LAB USE ONLY - NOT FOR PRODUCTION: these certificates come from a \
throw-away demo CA made by `mms cert`; use your organisation's PKI (docs/certificates.md) for \
anything real";

/// Options of `mms cert`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "LAB USE ONLY, NEVER FOR PRODUCTION: a throw-away demo CA and leaf certificates \
             for given AE-titles (TLS, A-security-profile, end-to-end security)",
    long_about = "LAB USE ONLY, NEVER FOR PRODUCTION.\n\n\
        Makes a throw-away demo CA (its private key is discarded) and one leaf certificate per \
        NAME=AP-TITLE,AE-QUALIFIER: subject CN=NAME and objectIdentifier (2.5.4.106) = the \
        AP-title with the AE-qualifier appended (IEC 62351-4 Annex G.6.2) - or, for \
        NAME=jid:USER@DOMAIN, the jid attribute (2.5.4.105) the XMPP environment binds - keyUsage \
        digitalSignature + keyEncipherment + keyAgreement, extendedKeyUsage serverAuth + \
        clientAuth, subjectAltName localhost / 127.0.0.1 and any --dns. Writes ca.pem, \
        ca-crl.pem (an empty CRL), NAME.crt and NAME.key (mode 0600) into --out.\n\n\
        For real deployments follow docs/certificates.md with your own CA."
)]
pub struct CertArgs {
    /// The directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Leaf certificates: NAME=AP-TITLE,AE-QUALIFIER (e.g. server=1.1.1.999.1,12), or
    /// NAME=jid:USER@DOMAIN for the XMPP environment (subject jid, 2.5.4.105).
    #[arg(
        required = true,
        value_name = "NAME=AP-TITLE,AE-QUALIFIER|NAME=jid:USER@DOMAIN"
    )]
    pub leaves: Vec<String>,
    /// ECDSA P-256 keys instead of RSA-2048.
    #[arg(long)]
    pub ec: bool,
    /// An extra subjectAltName dNSName for every leaf; repeatable.
    #[arg(long, value_name = "NAME")]
    pub dns: Vec<String>,
    /// Days the certificates are valid.
    #[arg(long, default_value_t = 30)]
    pub days: u64,
}

/// How a leaf names a JID instead of an AE-title: `NAME=jid:USER@DOMAIN`.
const JID_PREFIX: &str = "jid:";

/// One leaf the command line asks for: its name and its 2.5.4.106 value (or `jid:` and the
/// bare JID for 2.5.4.105).
fn parse_leaf(s: &str) -> Result<(String, String), String> {
    let bad = || {
        format!(
            "'{s}': expected NAME=AP-TITLE,AE-QUALIFIER (e.g. server=1.1.1.999.1,12) or \
             NAME=jid:USER@DOMAIN"
        )
    };
    let (name, rest) = s.split_once('=').ok_or_else(bad)?;
    if let Some(jid) = rest.strip_prefix(JID_PREFIX) {
        let ok = jid.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && !d.is_empty() && !d.contains('/') && !u.contains('/')
        });
        if !ok {
            return Err(format!("'{jid}': a bare JID is USER@DOMAIN (no resource)"));
        }
        return Ok((name.to_string(), rest.to_string()));
    }
    let (ap, aeq) = rest.split_once(',').ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(format!("'{name}': a NAME is letters, digits, '-' and '_'"));
    }
    let arcs: Vec<&str> = ap.split('.').collect();
    if arcs.len() < 2 || arcs.iter().any(|a| a.parse::<u64>().is_err()) {
        return Err(format!(
            "'{ap}' is not a dotted AP-title (form 2, e.g. 1.1.1.999)"
        ));
    }
    let q: u64 = aeq
        .parse()
        .map_err(|_| format!("'{aeq}' is not an AE-qualifier (a non-negative integer)"))?;
    Ok((name.to_string(), format!("{ap}.{q}")))
}

/// `mms cert`.
/// The files a lab PKI was written to.
pub(crate) struct LabPki {
    /// The CA certificate (PEM).
    pub ca: PathBuf,
    /// An empty CRL of the CA (PEM).
    pub crl: PathBuf,
    /// Per leaf: (name, certificate PEM, key PEM).
    pub leaves: Vec<(String, PathBuf, PathBuf)>,
}

/// Makes a throw-away CA and one leaf per (name, AP-title ++ AE-qualifier OID) under `out`:
/// what `mms cert` writes, also used by the benchmarks that need certificates.
pub(crate) fn lab_pki(
    out: &std::path::Path,
    leaves: &[(String, String)],
    key: KeyKind,
    days: u64,
    dns: &[String],
) -> Result<LabPki, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let e = |what: &str| {
        let what = what.to_string();
        move |err: cot::pki::PkiError| format!("{what}: {err}")
    };
    let pki = Pki::new_root("osi-mms LAB-ONLY demo CA (not for production)", key)
        .map_err(e("the demo CA"))?;
    let now = SystemTime::now();
    let until = now + Duration::from_secs(days.saturating_mul(86_400));
    let write = |name: &str, data: &[u8]| {
        let p = out.join(name);
        std::fs::write(&p, data).map_err(|err| format!("cannot write {}: {err}", p.display()))?;
        Ok::<PathBuf, String>(p)
    };
    let ca = write("ca.pem", &pki.ca().cert_pem().map_err(e("ca.pem"))?)?;
    let crl = pki
        .crl(&[], until)
        .map_err(e("the CRL"))?
        .to_pem()
        .map_err(|err| format!("the CRL: {err}"))?;
    let crl = write("ca-crl.pem", &crl)?;
    let mut written = Vec::new();
    for (name, oid) in leaves {
        let spec = LeafSpec::new(name).with_key(key);
        let spec = match oid.strip_prefix(JID_PREFIX) {
            // The XMPP environment's binding: the bare JID in 2.5.4.105 (F-1207).
            Some(jid) => spec.with_jid(jid),
            None => spec.with_object_identifier(oid),
        };
        let mut spec = spec.with_validity(now - Duration::from_secs(3600), until);
        spec.dns_names.extend(dns.iter().cloned());
        let cred = pki.issue(&spec).map_err(e(name))?;
        let (cert, key) = cred.write_pem(out, name).map_err(e(name))?;
        written.push((name.clone(), cert, key));
    }
    Ok(LabPki {
        ca,
        crl,
        leaves: written,
    })
}

pub fn run(args: &CertArgs) -> Result<(), String> {
    let leaves = args
        .leaves
        .iter()
        .map(|l| parse_leaf(l))
        .collect::<Result<Vec<_>, _>>()?;
    eprintln!("mms: WARNING: {WARNING}");
    let key = if args.ec {
        KeyKind::EcP256
    } else {
        KeyKind::Rsa(2048)
    };
    let pki = lab_pki(&args.out, &leaves, key, args.days, &args.dns)?;
    outln!("# {WARNING}");
    outln!("ca: {}", pki.ca.display());
    outln!("crl: {}", pki.crl.display());
    for ((name, cert, key), (_, oid)) in pki.leaves.iter().zip(&leaves) {
        let binding = match oid.strip_prefix(JID_PREFIX) {
            Some(jid) => format!("2.5.4.105 (jid)={jid}"),
            None => format!("2.5.4.106={oid}"),
        };
        outln!(
            "{name}: {} (key {}), subject CN={name}, {binding}",
            cert.display(),
            key.display()
        );
    }
    outln!("# use: --tls-cert N.crt --tls-key N.key --tls-ca ca.pem (TLS),");
    outln!("#      --auth-cert N.crt --auth-key N.key --auth-ca ca.pem --auth-crl ca-crl.pem (A-profile),");
    outln!("#      --e2e-cert N.crt --e2e-key N.key --e2e-ca ca.pem (end-to-end security),");
    outln!("#      with --ap-title/--ae-qualifier matching the certificate's 2.5.4.106,");
    outln!("#      or --xmpp-jid matching its jid (2.5.4.105) over XMPP.");
    Ok(())
}
