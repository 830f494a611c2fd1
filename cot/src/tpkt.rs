//! RFC 1006 §6 TPKT framing: a 4-octet header (version 3, reserved, 16-bit
//! big-endian packet length including the header) in front of every TPDU.
//!
//! The reserved octet (RFC 1006 §6, octet 2) is accepted with any value, as the
//! RFC reserves it without giving receivers a rule; we always send 0.

use thiserror::Error;

/// RFC 1006 §6: length of the TPKT header (version, reserved, 2 length octets).
pub const HEADER_LEN: usize = 4;
/// RFC 1006 §6: smallest valid packet length (4-octet header + 3-octet class 0 DT header).
pub const MIN_PACKET_LEN: usize = 7;
/// RFC 1006 §6: largest packet length the 16-bit length field can carry.
pub const MAX_PACKET_LEN: usize = 65535;
/// RFC 1006 §6: the only defined TPKT version.
pub const VERSION: u8 = 3;
/// RFC 1006 §6: largest TPDU (TPKT payload) a packet can carry (65535 − 4).
pub const MAX_PAYLOAD_LEN: usize = MAX_PACKET_LEN - HEADER_LEN;

/// A TPKT header that violates RFC 1006 §6. Framing is lost after any of these,
/// so no protocol response is possible: the connection must be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TpktError {
    /// RFC 1006 §6: octet 1 (version) is not 3.
    #[error("TPKT version {version} is not 3 (RFC 1006 §6)")]
    UnsupportedVersion {
        /// The version octet received.
        version: u8,
    },
    /// RFC 1006 §6: packet length below 7 (header plus the smallest TPDU).
    #[error("TPKT length {length} is below the minimum of 7 (RFC 1006 §6)")]
    LengthTooSmall {
        /// The packet length received.
        length: usize,
    },
    /// The packet length exceeds the configured maximum.
    #[error("TPKT length {length} exceeds the configured maximum of {max}")]
    LengthTooLarge {
        /// The packet length received.
        length: usize,
        /// The configured maximum packet length.
        max: usize,
    },
}

/// RFC 1006 §6: inspects the TPKT header at the start of `buf`.
///
/// Returns `Ok(None)` when fewer than 4 octets are present, otherwise the total
/// packet length (header included) even when the rest of the packet has not
/// arrived yet. Nothing is allocated: the caller decides how to buffer.
pub fn frame_len(buf: &[u8], max_packet_len: usize) -> Result<Option<usize>, TpktError> {
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let (version, hi, lo) = match header {
        [v, _reserved, hi, lo] => (*v, *hi, *lo),
        _ => return Ok(None),
    };
    if version != VERSION {
        return Err(TpktError::UnsupportedVersion { version });
    }
    let length = usize::from(u16::from_be_bytes([hi, lo]));
    if length < MIN_PACKET_LEN {
        return Err(TpktError::LengthTooSmall { length });
    }
    let max = max_packet_len.min(MAX_PACKET_LEN);
    if length > max {
        return Err(TpktError::LengthTooLarge { length, max });
    }
    Ok(Some(length))
}

/// RFC 1006 §6: appends a TPKT header for a TPDU of `payload_len` octets.
///
/// Contract: `payload_len` ≤ [`MAX_PAYLOAD_LEN`] (65531). Every caller in this
/// crate guarantees it (TPDU sizes are capped at 65531); a larger value is a
/// programming error caught by `debug_assert!` and, in release builds, the
/// length field saturates at 65535 instead of panicking.
pub fn write_header(out: &mut Vec<u8>, payload_len: usize) {
    debug_assert!(payload_len <= MAX_PAYLOAD_LEN, "TPKT payload too long");
    let total = payload_len.saturating_add(HEADER_LEN).min(MAX_PACKET_LEN);
    let len = u16::try_from(total).unwrap_or(u16::MAX).to_be_bytes();
    out.extend_from_slice(&[VERSION, 0, len[0], len[1]]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn needs_four_octets() {
        assert_eq!(frame_len(&[], 65535), Ok(None));
        assert_eq!(frame_len(&[3, 0, 0], 65535), Ok(None));
    }

    #[test]
    fn valid_header_returns_total_even_if_incomplete() {
        assert_eq!(frame_len(&[3, 0, 0, 7], 65535), Ok(Some(7)));
        assert_eq!(frame_len(&[3, 0, 0xff, 0xff], 65535), Ok(Some(65535)));
    }

    #[test]
    fn reserved_octet_is_ignored() {
        assert_eq!(
            frame_len(&[3, 0xAA, 0, 9, 2, 0xF0, 0x80], 65535),
            Ok(Some(9))
        );
    }

    #[test]
    fn bad_version_is_rejected() {
        assert_eq!(
            frame_len(&[2, 0, 0, 7], 65535),
            Err(TpktError::UnsupportedVersion { version: 2 })
        );
    }

    #[test]
    fn lengths_0_to_6_are_rejected() {
        for l in 0u8..7 {
            assert_eq!(
                frame_len(&[3, 0, 0, l], 65535),
                Err(TpktError::LengthTooSmall {
                    length: usize::from(l)
                })
            );
        }
    }

    #[test]
    fn length_above_configured_max_is_rejected() {
        assert_eq!(
            frame_len(&[3, 0, 0x20, 0x05], 8196),
            Err(TpktError::LengthTooLarge {
                length: 0x2005,
                max: 8196
            })
        );
    }

    #[test]
    fn write_header_layout() {
        let mut v = Vec::new();
        write_header(&mut v, 3);
        assert_eq!(v, [3, 0, 0, 7]);
        v.clear();
        write_header(&mut v, MAX_PAYLOAD_LEN);
        assert_eq!(v, [3, 0, 0xff, 0xff]);
    }

    proptest! {
        #[test]
        fn header_round_trip(len in 3usize..=MAX_PAYLOAD_LEN) {
            let mut v = Vec::new();
            write_header(&mut v, len);
            prop_assert_eq!(frame_len(&v, MAX_PACKET_LEN), Ok(Some(len + 4)));
        }

        #[test]
        fn frame_len_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..8), max in 0usize..70000) {
            let _ = frame_len(&bytes, max);
        }
    }
}
