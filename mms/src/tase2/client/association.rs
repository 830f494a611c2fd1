//! The association check of a TASE.2 client (IEC 60870-6-503 association, Block 1): what the
//! client read from the server (TASE2_Version, Supported_Features, Bilateral_Table_ID), what
//! the caller expects, and the mismatches between the two (docs/tase2-client.md,
//! "Association").

use crate::data::{Data, DataAccessError};
use crate::tase2::{
    BilateralTableId, Edition, SupportedFeatures, Tase2Error, Tase2Type, Tase2Version,
};

/// What the caller expects of the server; `None` / empty: not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expectations {
    /// The TASE2_Version both sides must hold.
    pub version: Option<Tase2Version>,
    /// Conformance blocks the server must support.
    pub blocks: SupportedFeatures,
    /// The Bilateral_Table_ID agreed with the partner.
    pub bilateral_table_id: Option<BilateralTableId>,
}

impl Expectations {
    /// Nothing expected.
    pub fn new() -> Expectations {
        Expectations::default()
    }

    /// Expects this TASE2_Version.
    #[must_use]
    pub fn version(mut self, v: Tase2Version) -> Expectations {
        self.version = Some(v);
        self
    }

    /// Expects these conformance blocks (1..=12) to be supported.
    #[must_use]
    pub fn blocks(mut self, blocks: impl IntoIterator<Item = u8>) -> Expectations {
        self.blocks = SupportedFeatures::from_blocks(blocks);
        self
    }

    /// Expects this Bilateral_Table_ID.
    #[must_use]
    pub fn bilateral_table_id(mut self, id: BilateralTableId) -> Expectations {
        self.bilateral_table_id = Some(id);
        self
    }
}

/// What the client read when the association started.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssociationParams {
    /// The ICC (domain) the client works in.
    pub icc: String,
    /// VMD `TASE2_Version`.
    pub version: Tase2Version,
    /// VMD `Supported_Features`; `None` when it could not be read or decoded (tolerated:
    /// see `features_error`).
    pub features: Option<SupportedFeatures>,
    /// Why `Supported_Features` could not be read, when it could not.
    pub features_error: Option<String>,
    /// `<icc>/Bilateral_Table_ID`.
    pub bilateral_table_id: BilateralTableId,
    /// The domains the server listed (GetNameList).
    pub domains: Vec<String>,
}

impl AssociationParams {
    /// The edition the client uses for DSTransferSet layouts: the server's, when its
    /// TASE2_Version names a known one, else 2000.08 (docs/tase2-client.md, "Decisions").
    pub fn edition(&self) -> Edition {
        self.version.edition().unwrap_or(Edition::V2000_08)
    }
}

/// One difference between what the caller expects and what the server holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// TASE2_Version differs.
    Version {
        /// Expected.
        expected: Tase2Version,
        /// Read.
        found: Tase2Version,
    },
    /// Blocks expected but not in Supported_Features (or Supported_Features unreadable).
    MissingBlocks {
        /// The blocks expected and missing.
        missing: SupportedFeatures,
        /// What the server said, if anything.
        found: Option<SupportedFeatures>,
    },
    /// Bilateral_Table_ID differs.
    BilateralTableId {
        /// Expected.
        expected: BilateralTableId,
        /// Read.
        found: BilateralTableId,
    },
}

/// The mismatches between `expect` and `params` (empty: everything as agreed).
pub fn check(expect: &Expectations, params: &AssociationParams) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(v) = expect.version {
        if v != params.version {
            out.push(Mismatch::Version {
                expected: v,
                found: params.version,
            });
        }
    }
    let have = params.features.unwrap_or_default();
    let missing =
        SupportedFeatures::from_blocks(expect.blocks.blocks().filter(|&b| !have.block(b)));
    if missing.blocks().next().is_some() {
        out.push(Mismatch::MissingBlocks {
            missing,
            found: params.features,
        });
    }
    if let Some(id) = &expect.bilateral_table_id {
        if *id != params.bilateral_table_id {
            out.push(Mismatch::BilateralTableId {
                expected: id.clone(),
                found: params.bilateral_table_id.clone(),
            });
        }
    }
    out
}

/// Why one association object could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The server answered the read with a DataAccessError.
    #[error("access error {0:?}")]
    Access(DataAccessError),
    /// The value has the wrong shape.
    #[error(transparent)]
    Shape(#[from] Tase2Error),
}

/// Decodes one association object from its read result.
pub fn decode_object<T: Tase2Type>(
    r: &Result<Data<'static>, DataAccessError>,
) -> Result<T, ObjectError> {
    match r {
        Ok(d) => Ok(T::from_data(d)?),
        Err(e) => Err(ObjectError::Access(*e)),
    }
}
