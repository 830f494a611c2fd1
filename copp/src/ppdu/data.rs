//! The data path (P-DATA carried in a TD PPDU, X.226 §8.4): the header octets in front of one
//! single-ASN1-type presentation data value, built on the stack so the user's value is never
//! copied by this layer.

use crate::ber::{length_len, write_header_into, Tag};

/// Room for the longest header [`encode_data_header`] writes (25 octets for a
/// [`DATA_VALUE_MAX`]-octet value and a context identifier near `u32::MAX`).
pub const DATA_HEADER_MAX: usize = 32;

/// The longest value [`encode_data_header`] frames: every length then fits in five octets.
pub const DATA_VALUE_MAX: usize = u32::MAX as usize - 64;

/// Minimal two's-complement contents octets of a non-negative INTEGER (X.690 §8.3.2).
fn int_contents(v: u32) -> ([u8; 5], usize) {
    let b = u64::from(v).to_be_bytes();
    let mut out = [0u8; 5];
    out.copy_from_slice(&b[3..8]);
    let mut skip = 0;
    while skip < 4 && out[skip] == 0 && out[skip + 1] & 0x80 == 0 {
        skip += 1;
    }
    (out, skip)
}

/// Data path (P-DATA / TD, X.226 §8.4.2): writes into `out` the header octets
/// `61 L 30 L 02 n <context_id> A0 L` of fully-encoded-data holding ONE PDV-list whose
/// single-ASN1-type value is `value_len` octets long, and returns how many octets it wrote.
/// The caller sends the header and then the value itself (zero copy).
///
/// Returns 0 (writes nothing useful) when `value_len` exceeds [`DATA_VALUE_MAX`].
pub fn encode_data_header(
    context_id: u32,
    value_len: usize,
    out: &mut [u8; DATA_HEADER_MAX],
) -> usize {
    if value_len > DATA_VALUE_MAX {
        return 0;
    }
    let (id, skip) = int_contents(context_id);
    let id = &id[skip..];
    let a0_len = 1 + length_len(value_len) + value_len;
    let int_len = 2 + id.len();
    let seq_contents = int_len + a0_len;
    let seq_len = 1 + length_len(seq_contents) + seq_contents;
    let mut write = || -> Option<usize> {
        let mut pos = write_header_into(out, Tag::application(1, true), seq_len)?;
        pos += write_header_into(out.get_mut(pos..)?, Tag::SEQUENCE, seq_contents)?;
        pos += write_header_into(out.get_mut(pos..)?, Tag::INTEGER, id.len())?;
        out.get_mut(pos..pos + id.len())?.copy_from_slice(id);
        pos += id.len();
        pos += write_header_into(out.get_mut(pos..)?, Tag::context(0, true), value_len)?;
        Some(pos)
    };
    write().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ber::Writer;
    use crate::ppdu::encode_single_pdv;
    use crate::vectors;

    #[test]
    fn header_matches_the_tshark_checked_data_pdu() {
        let mut out = [0u8; DATA_HEADER_MAX];
        let n = encode_data_header(3, vectors::MMS_IDENTIFY.len(), &mut out);
        let mut frame = out[..n].to_vec();
        frame.extend_from_slice(vectors::MMS_IDENTIFY);
        assert_eq!(frame, vectors::DATA);
        assert_eq!(n, 9);
    }

    #[test]
    fn header_matches_the_writer_for_all_length_forms() {
        for (id, len) in [
            (0u32, 0usize),
            (1, 0x7F),
            (3, 0x80),
            (127, 0xFF),
            (128, 0x100),
            (255, 0xFFFF),
            (65535, 0x1_0000),
            (u32::MAX, 70_000),
        ] {
            let value = vec![0xAAu8; len];
            let mut out = [0u8; DATA_HEADER_MAX];
            let n = encode_data_header(id, len, &mut out);
            let mut w = Writer::new();
            encode_single_pdv(&mut w, id, &value);
            assert_eq!(&w.as_slice()[..n], &out[..n], "id {id} len {len}");
            assert_eq!(w.len(), n + len);
        }
    }

    #[test]
    fn largest_header_fits_and_too_long_is_refused() {
        let mut out = [0u8; DATA_HEADER_MAX];
        assert_eq!(encode_data_header(u32::MAX, DATA_VALUE_MAX, &mut out), 25);
        assert_eq!(encode_data_header(1, DATA_VALUE_MAX + 1, &mut out), 0);
    }
}
