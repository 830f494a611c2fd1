//! Key material that is overwritten when dropped (sec-common brief: "zero key material you own
//! on drop"; IEC 62351-4 §8 key handling). A small wrapper, no extra crate.

use std::fmt;

/// Octets of secret key material (HKDF output, DH shared secrets, derived keys), overwritten
/// with zeros when dropped. `Debug` never shows the value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `v`.
    pub fn new(v: Vec<u8>) -> Secret {
        Secret(v)
    }

    /// `n` zero octets, to be filled in place.
    pub fn zeroed(n: usize) -> Secret {
        Secret(vec![0; n])
    }

    /// The key octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key octets, writable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in octets.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A copy of octets `range` (clamped to the length) as a new secret.
    pub fn slice(&self, start: usize, len: usize) -> Secret {
        let end = start.saturating_add(len).min(self.0.len());
        let start = start.min(end);
        Secret(self.0.get(start..end).unwrap_or_default().to_vec())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Volatile-free overwrite: `black_box` keeps the compiler from eliding the stores of a
        // value that is about to be freed.
        for b in self.0.iter_mut() {
            *b = 0;
        }
        std::hint::black_box(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} octets)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value_and_slice_clamps() {
        let s = Secret::new(vec![1, 2, 3, 4]);
        assert_eq!(format!("{s:?}"), "Secret(4 octets)");
        assert_eq!(s.slice(1, 2).as_bytes(), [2, 3]);
        assert_eq!(s.slice(3, 9).as_bytes(), [4]);
        assert!(s.slice(9, 1).is_empty());
    }
}
