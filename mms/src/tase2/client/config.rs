//! How the blocking TASE.2 client connects and behaves (docs/tase2-client.md, "Configuration").

use std::collections::HashMap;
use std::time::Duration;

use crate::client::ClientConfig;
use crate::common::ObjectName;
use crate::tase2::PointType;

use super::association::Expectations;
use super::error::Tase2ClientError;

/// When the client acknowledges DS transfer reports with Transfer_Report_ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AckMode {
    /// Reports of transfer sets configured `Critical` are acknowledged as they arrive (the
    /// default).
    #[default]
    Critical,
    /// Every report is acknowledged, critical or not (one field client does this; servers
    /// accept it).
    All,
    /// None: the caller acknowledges with [`super::Client::ack`].
    Manual,
}

/// Which form the client writes a DSTransferSet in (IEC 60870-6-503, starting a transfer set;
/// both are used in the field and servers must accept both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WriteForm {
    /// Read the transfer set to learn its layout (12 or 13 components), write the whole
    /// structure, and fall back to component writes if the server refuses the whole write
    /// (the default; docs/tase2-client.md, "Decisions").
    #[default]
    Auto,
    /// One Write of the whole structure, in the association's edition.
    Whole,
    /// One Write of every component but Status (alternate access), then Status.
    Components,
}

/// The configuration of a [`super::Client`].
#[derive(Clone)]
#[non_exhaustive]
pub struct Tase2Config {
    /// The MMS association: AP-title, AE-qualifier and selectors
    /// (`mms.endpoint.association.local` / `remote`), TLS, the A-security-profile, time-outs.
    pub mms: ClientConfig,
    /// The ICC (MMS domain) the bilateral table gives this client.
    pub icc: String,
    /// What the server must hold (checked at connect).
    pub expect: Expectations,
    /// When reports are acknowledged.
    pub ack: AckMode,
    /// Answer reports of unknown transfer sets with Transfer_Report_NACK (default true).
    pub nack_unknown: bool,
    /// The most events kept for the caller; beyond, the oldest is dropped and counted.
    pub queue_limit: usize,
    /// How DSTransferSets are written.
    pub write_form: WriteForm,
    /// The local point table: the TASE.2 type of each point, for reads without a type.
    pub points: HashMap<ObjectName<'static>, PointType>,
    /// How often the report thread looks whether the client was dropped.
    pub poll_interval: Duration,
}

impl std::fmt::Debug for Tase2Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tase2Config")
            .field("mms", &self.mms)
            .field("icc", &self.icc)
            .field("expect", &self.expect)
            .field("ack", &self.ack)
            .field("nack_unknown", &self.nack_unknown)
            .field("queue_limit", &self.queue_limit)
            .field("write_form", &self.write_form)
            .field("points", &self.points.len())
            .finish_non_exhaustive()
    }
}

/// The default bound of the event queue.
pub const DEFAULT_QUEUE_LIMIT: usize = 1024;

impl Tase2Config {
    /// A configuration for ICC `icc` with the default MMS configuration, no expectations,
    /// automatic ACK of critical reports, NACK of unknown ones, a queue of
    /// [`DEFAULT_QUEUE_LIMIT`] events, [`WriteForm::Auto`].
    pub fn new(icc: &str) -> Tase2Config {
        Tase2Config {
            mms: ClientConfig::default(),
            icc: icc.to_owned(),
            expect: Expectations::default(),
            ack: AckMode::default(),
            nack_unknown: true,
            queue_limit: DEFAULT_QUEUE_LIMIT,
            write_form: WriteForm::default(),
            points: HashMap::new(),
            poll_interval: Duration::from_millis(100),
        }
    }

    /// Sets the MMS configuration.
    #[must_use]
    pub fn with_mms(mut self, mms: ClientConfig) -> Tase2Config {
        self.mms = mms;
        self
    }

    /// Sets what the server must hold.
    #[must_use]
    pub fn with_expect(mut self, expect: Expectations) -> Tase2Config {
        self.expect = expect;
        self
    }

    /// Sets when reports are acknowledged.
    #[must_use]
    pub fn with_ack(mut self, ack: AckMode) -> Tase2Config {
        self.ack = ack;
        self
    }

    /// Sets whether reports of unknown transfer sets are NACKed.
    #[must_use]
    pub fn with_nack_unknown(mut self, on: bool) -> Tase2Config {
        self.nack_unknown = on;
        self
    }

    /// Sets the bound of the event queue (at least 1).
    #[must_use]
    pub fn with_queue_limit(mut self, limit: usize) -> Tase2Config {
        self.queue_limit = limit.max(1);
        self
    }

    /// Sets the DSTransferSet write form.
    #[must_use]
    pub fn with_write_form(mut self, form: WriteForm) -> Tase2Config {
        self.write_form = form;
        self
    }

    /// Adds a point to the local point table.
    #[must_use]
    pub fn with_point(mut self, name: ObjectName<'static>, ty: PointType) -> Tase2Config {
        self.points.insert(name, ty);
        self
    }

    /// Our (calling) AP-title (dotted OID) and AE-qualifier, by which the server picks the
    /// bilateral table.
    pub fn with_calling(
        mut self,
        ap_title: &str,
        ae_qualifier: Option<i64>,
    ) -> Result<Tase2Config, Tase2ClientError> {
        let local = &mut self.mms.endpoint.association.local;
        local.ap_title = Some(oid(ap_title)?);
        local.ae_qualifier = ae_qualifier;
        Ok(self)
    }

    /// The server's (called) AP-title (dotted OID) and AE-qualifier.
    pub fn with_called(
        mut self,
        ap_title: &str,
        ae_qualifier: Option<i64>,
    ) -> Result<Tase2Config, Tase2ClientError> {
        let remote = &mut self.mms.endpoint.association.remote;
        remote.ap_title = Some(oid(ap_title)?);
        remote.ae_qualifier = ae_qualifier;
        Ok(self)
    }

    /// The server's (called) transport, session and presentation selectors.
    #[must_use]
    pub fn with_called_selectors(mut self, tsel: &[u8], ssel: &[u8], psel: &[u8]) -> Tase2Config {
        let remote = &mut self.mms.endpoint.association.remote;
        remote.tsel = tsel.to_vec();
        remote.ssel = ssel.to_vec();
        remote.psel = psel.to_vec();
        self
    }

    /// Our (calling) transport, session and presentation selectors.
    #[must_use]
    pub fn with_calling_selectors(mut self, tsel: &[u8], ssel: &[u8], psel: &[u8]) -> Tase2Config {
        let local = &mut self.mms.endpoint.association.local;
        local.tsel = tsel.to_vec();
        local.ssel = ssel.to_vec();
        local.psel = psel.to_vec();
        self
    }
}

fn oid(s: &str) -> Result<copp::ber::Oid<'static>, Tase2ClientError> {
    copp::ber::oid_from_str(s)
        .map_err(|_| Tase2ClientError::Invalid(format!("not an object identifier: {s}")))
}
