//! The confirmed and unconfirmed services of ISO 9506-2, one module per service family
//! (§10 VMD support, §11 domain management, §12 program invocation, §14 variable access,
//! §15 semaphores, §16 operator communication, §17–§19 event management, §20 journals,
//! Annex D files).

use crate::codec::{ctx_c, expect_tag, Fields, Result, Tlv};

/// Declares a service alternative whose body is `[n] IMPLICIT NULL` (a unit struct), as the
/// many NULL responses of ISO 9506-2 are.
macro_rules! null_service {
    ($(#[$m:meta])* $name:ident = $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl<'a> $crate::codec::Service<'a> for $name {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &$crate::codec::Tlv<'a>) -> $crate::codec::Result<Self> {
                $crate::codec::expect_tag(tlv, $crate::codec::ctx($tag))?;
                $crate::codec::null(tlv)?;
                Ok($name)
            }

            fn encode_service(&self, w: &mut $crate::codec::Writer) {
                $crate::codec::write_null(w, $crate::codec::ctx($tag));
            }
        }
    };
}

/// The fields of a service body that is a SEQUENCE tagged `[n] IMPLICIT` (constructed `[n]`).
pub(crate) fn service_fields<'a>(tlv: &Tlv<'a>, n: u32) -> Result<Fields<'a>> {
    expect_tag(tlv, ctx_c(n))?;
    Fields::new(tlv)
}

pub mod domain;
pub mod event;
pub mod file;
pub mod journal;
pub mod operator;
pub mod program;
pub mod semaphore;
pub mod variables;
pub mod vmd;
