//! What the MMS service fuzz targets share: the reading of a fuzz input as one service
//! alternative of a request or a response, and the two round-trip checks made on whatever
//! decodes.
//!
//! The checks are macros rather than generic functions: the value decoded from the fuzz input
//! and the one decoded from its re-encoding borrow from different buffers, so each needs its
//! own lifetime of the same service type, which a function generic over that type cannot name.

/// Splits a fuzz input into `(kind, tag number, service TLV)`: the first octet picks a request
/// (kind 0, even octet) or a response (kind 1, odd octet); the rest is the service
/// alternative, whose context tag number is read from its first octet, or from the second one
/// after a high-tag-number first octet (`0x9F` / `0xBF`). `None` for an input too short to
/// hold both.
pub fn service_input(data: &[u8]) -> Option<(u32, u32, &[u8])> {
    let (&sel, rest) = data.split_first()?;
    let number = match rest {
        [0x9F | 0xBF, n, ..] => u32::from(*n),
        [b, ..] => u32::from(b & 0x1F),
        [] => return None,
    };
    Some((u32::from(sel & 1), number, rest))
}

/// Decodes `$data` as the service alternative `$t` (nesting up to 32); when that succeeds, the
/// re-encoding must decode again and encode to the same octets (the encoding is canonical).
#[macro_export]
macro_rules! canonical {
    ($t:ty, $data:expr) => {{
        use ::mms::codec::Service as _;
        if let Ok(v) = ::mms::codec::decode_one($data, 32, <$t>::decode_service) {
            let again = ::mms::codec::to_vec(|w| v.encode_service(w));
            let back = ::mms::codec::decode_one(&again, 32, <$t>::decode_service)
                .map(|x| ::mms::codec::to_vec(|w| x.encode_service(w)));
            assert_eq!(back.ok().as_deref(), Some(&again[..]));
        }
    }};
}

/// Decodes `$data` as the service alternative `$t` (nesting up to 32); when that succeeds, the
/// re-encoding must decode (nesting up to 64) to the same value.
#[macro_export]
macro_rules! same_value {
    ($t:ty, $data:expr) => {{
        use ::mms::codec::Service as _;
        if let Ok(v) = ::mms::codec::decode_one($data, 32, <$t>::decode_service) {
            let b = ::mms::codec::to_vec(|w| v.encode_service(w));
            let back = ::mms::codec::decode_one(&b, 64, <$t>::decode_service);
            assert_eq!(
                back.as_ref().ok(),
                Some(&v),
                "re-encoding does not decode to the same value"
            );
        }
    }};
}
