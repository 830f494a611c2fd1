//! ISO 8823-1 / ITU-T X.226 connection-oriented presentation protocol, normal mode, with the
//! BER transfer syntax (ITU-T X.690) that the whole stack uses.
#![forbid(unsafe_code)]

pub mod ber;
