//! The bounds of the XER decoder (as the BER decoders bound depth and size).

/// What one XER document may cost the decoder; every bound is checked before the memory is
/// used, and exceeding one is a typed [`super::XerError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XerLimits {
    /// Largest document, in octets.
    pub max_input: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most elements in one document.
    pub max_elements: usize,
    /// Longest character content of one element, in octets (after entity replacement).
    pub max_text: usize,
}

impl Default for XerLimits {
    /// 1 MiB, 64 levels (as the MMS BER decoder's default depth), 100 000 elements, 512 KiB of
    /// text per element (an MMS FileRead response's hexadecimal data).
    fn default() -> Self {
        XerLimits {
            max_input: 1 << 20,
            max_depth: 64,
            max_elements: 100_000,
            max_text: 512 << 10,
        }
    }
}

impl XerLimits {
    /// The defaults with another nesting bound (e.g. from a negotiated data structure nesting
    /// level: two XER levels per Data level plus the envelope).
    pub fn with_max_depth(self, max_depth: usize) -> XerLimits {
        XerLimits { max_depth, ..self }
    }
}
