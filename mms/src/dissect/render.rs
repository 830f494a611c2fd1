//! Output of `mms decode`: an indented text tree, or JSON (written by hand, no serde: one
//! array of frame objects, each `{"frame", "packet", "timestamp_ns", "src", "dst", "offset",
//! "length", "layers": [field...], "errors": [...], "notes": [...]}` with fields as
//! `{"name", "value", "children"}`). Frames are written as they come.

use std::io::{self, Write};

use super::{Field, Frame};

/// Appends `s` to `out` as a JSON string literal (RFC 8259 §7).
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_field(out: &mut String, f: &Field) {
    out.push_str("{\"name\":");
    json_string(out, &f.name);
    out.push_str(",\"value\":");
    json_string(out, &f.value);
    if !f.children.is_empty() {
        out.push_str(",\"children\":[");
        for (i, c) in f.children.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_field(out, c);
        }
        out.push(']');
    }
    out.push('}');
}

/// One frame as a JSON object.
pub fn frame_json(f: &Frame) -> String {
    let mut o = String::new();
    o.push_str(&format!("{{\"frame\":{}", f.number));
    if let Some(origin) = &f.origin {
        o.push_str(&format!(",\"packet\":{}", origin.packet));
        if let Some(ts) = origin.timestamp_ns {
            o.push_str(&format!(",\"timestamp_ns\":{ts}"));
        }
        if !origin.src.is_empty() {
            o.push_str(",\"src\":");
            json_string(&mut o, &origin.src);
            o.push_str(",\"dst\":");
            json_string(&mut o, &origin.dst);
        }
    }
    o.push_str(&format!(",\"offset\":{},\"length\":{}", f.offset, f.len));
    o.push_str(",\"layers\":[");
    for (i, l) in f.layers.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_field(&mut o, l);
    }
    o.push_str("],\"errors\":[");
    for (i, e) in f.issues.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"layer\":");
        json_string(&mut o, e.layer.name());
        o.push_str(&format!(",\"offset\":{},\"base\":", e.offset));
        json_string(&mut o, e.base.name());
        o.push_str(",\"message\":");
        json_string(&mut o, &e.message);
        o.push('}');
    }
    o.push_str("],\"notes\":[");
    for (i, n) in f.notes.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_string(&mut o, n);
    }
    o.push_str("]}");
    o
}

fn text_field(out: &mut String, f: &Field, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(&f.name);
    if !f.value.is_empty() {
        if !f.name.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&f.value);
    }
    out.push('\n');
    for c in &f.children {
        text_field(out, c, depth + 1);
    }
}

/// One frame as an indented text tree.
pub fn frame_text(f: &Frame) -> String {
    let mut o = format!("Frame {}", f.number);
    let mut parts = Vec::new();
    if let Some(origin) = &f.origin {
        parts.push(format!("packet {}", origin.packet));
        if !origin.src.is_empty() {
            parts.push(format!("{} -> {}", origin.src, origin.dst));
        }
    }
    if f.len > 0 {
        parts.push(format!("offset {}, {} octets", f.offset, f.len));
    }
    if !parts.is_empty() {
        o.push_str(&format!(" ({})", parts.join(", ")));
    }
    o.push('\n');
    for l in &f.layers {
        text_field(&mut o, l, 1);
    }
    for e in &f.issues {
        o.push_str(&format!("  ERROR: {e}\n"));
    }
    for n in &f.notes {
        o.push_str(&format!("  note: {n}\n"));
    }
    o
}

/// Writes frames one by one in the chosen format.
pub struct Sink<'w> {
    out: &'w mut dyn Write,
    json: bool,
    count: usize,
}

impl<'w> Sink<'w> {
    /// A sink writing text, or JSON when `json`.
    pub fn new(out: &'w mut dyn Write, json: bool) -> Sink<'w> {
        Sink {
            out,
            json,
            count: 0,
        }
    }

    /// Writes what comes before the first frame.
    pub fn start(&mut self) -> io::Result<()> {
        if self.json {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    /// Writes one frame.
    pub fn frame(&mut self, f: &Frame) -> io::Result<()> {
        if self.json {
            if self.count > 0 {
                self.out.write_all(b",\n")?;
            } else {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(frame_json(f).as_bytes())?;
        } else {
            if self.count > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(frame_text(f).as_bytes())?;
        }
        self.count += 1;
        Ok(())
    }

    /// Writes what comes after the last frame.
    pub fn end(&mut self) -> io::Result<()> {
        if self.json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::{Issue, Layer, OffsetBase};

    #[test]
    fn json_escapes_and_shape() {
        let f = Frame {
            number: 2,
            layers: vec![Field::new("MMS", "a\"b\\c\n\u{1}").with(Field::new("invokeID", "7"))],
            issues: vec![Issue {
                layer: Layer::Cotp,
                offset: 4,
                base: OffsetBase::Frame,
                message: "bad".into(),
            }],
            ..Frame::default()
        };
        let j = frame_json(&f);
        assert!(j.contains(r#""value":"a\"b\\c\n\u0001""#), "{j}");
        assert!(j.contains(r#"{"name":"invokeID","value":"7"}"#), "{j}");
        assert!(
            j.contains(r#""errors":[{"layer":"COTP","offset":4,"base":"frame","message":"bad"}]"#)
        );
        let t = frame_text(&f);
        assert!(t.contains("    invokeID: 7\n"), "{t}");
        assert!(
            t.contains("ERROR: COTP error at frame offset 4: bad"),
            "{t}"
        );
    }
}
