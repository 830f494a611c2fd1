//! Wireshark's MMS dissector as an independent judge of bare ISO 9506-2 MMSpdus: every PDU of
//! a batch goes into one pcap of link type 147 (`USER0`, mapped to the `mms` dissector), tshark
//! runs ONCE over it with `-T json`, and each frame comes back as a flat list of
//! `(field name, value)` pairs plus its malformed flag and error-level expert infos.
//!
//! The JSON output of tshark 4.0 repeats keys inside one object when a field occurs several
//! times (e.g. fifty `mms.listOfVariable_item_element` in one list), so it is read here with a
//! small own parser that keeps every occurrence instead of a map-based JSON crate.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::pcap::{write_raw, LINKTYPE_USER0};
use crate::scratch_dir;
use crate::tshark::{bare_mms_args, Tshark};

/// tshark's expert severity "error" (`PI_ERROR`, 0x00800000); "warning" is 0x00600000.
pub const EXPERT_SEVERITY_ERROR: u32 = 0x0080_0000;

/// Deepest JSON nesting accepted from tshark (its own tree depth limit is far lower for MMS
/// data; this only keeps the recursive parser bounded).
const MAX_JSON_DEPTH: usize = 512;

/// Numbers the pcap files of one test process, so that parallel tests never share one.
static NEXT_CAPTURE: AtomicUsize = AtomicUsize::new(0);

/// What Wireshark's MMS dissector (ISO 9506-2 ASN.1, tshark 4.0) saw in one bare MMSpdu.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MmsFrame {
    /// Every field of the frame's JSON tree, depth first: `(name, value)` for string-valued
    /// keys, `(name, "")` for keys whose value is a subtree, one pair per occurrence.
    pub fields: Vec<(String, String)>,
    /// `_ws.malformed` occurred anywhere in the frame ("[Malformed Packet]").
    pub malformed: bool,
    /// Messages of `_ws.expert` entries with severity error or above.
    pub expert_errors: Vec<String>,
}

impl MmsFrame {
    /// All values of `field`, in tree order.
    pub fn values<'s>(&'s self, field: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.fields
            .iter()
            .filter(move |(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }

    /// Whether some occurrence of `field` has exactly `value`.
    pub fn has(&self, field: &str, value: &str) -> bool {
        self.values(field).any(|v| v == value)
    }

    /// Number of occurrences of `field`.
    pub fn count(&self, field: &str) -> usize {
        self.values(field).count()
    }

    /// The frame reached the MMS dissector: there is an `mms` layer and at least one `mms.`
    /// field in it.
    pub fn is_mms(&self) -> bool {
        self.fields.iter().any(|(name, _)| name == "mms")
            && self.fields.iter().any(|(name, _)| name.starts_with("mms."))
    }

    /// Whether the dissector recognised the service alternative of a confirmed-RequestPDU
    /// (`A0`), confirmed-ResponsePDU (`A1`) or unconfirmed-PDU (`A3`) whose first octet is
    /// `first_octet`. Wireshark silently skips an unknown CHOICE tag there (no malformed flag),
    /// so a PDU it did not understand would otherwise pass; other PDU kinds return `true`.
    pub fn service_recognised(&self, first_octet: u8) -> bool {
        let selector = match first_octet {
            0xa0 => "mms.confirmedServiceRequest",
            0xa1 => "mms.confirmedServiceResponse",
            0xa3 => "mms.unconfirmedService",
            _ => return true,
        };
        self.count(selector) > 0
    }

    /// No malformed flag and no error-level expert info.
    pub fn is_clean(&self) -> bool {
        !self.malformed && self.expert_errors.is_empty()
    }
}

/// Dissects every bare MMSpdu of `pdus` with the tshark found by [`Tshark::locate`]; see
/// [`dissect_bare_mms_with`].
pub fn dissect_bare_mms(pdus: &[&[u8]]) -> Result<Vec<MmsFrame>, String> {
    let tshark = Tshark::locate().map_err(|missing| missing.to_string())?;
    dissect_bare_mms_with(&tshark, pdus)
}

/// Writes all `pdus` into one pcap (link type 147) in a scratch directory (a new file per call), runs `tshark -T json`
/// once with the `user_dlts` mapping to `mms`, and returns one [`MmsFrame`] per PDU, in order.
/// Fails if tshark cannot run, exits non-zero, or returns another number of frames.
pub fn dissect_bare_mms_with(tshark: &Tshark, pdus: &[&[u8]]) -> Result<Vec<MmsFrame>, String> {
    let serial = NEXT_CAPTURE.fetch_add(1, Ordering::Relaxed);
    let path = scratch_dir("mms-dissect").join(format!("bare-mms-{serial}.pcap"));
    write_raw(&path, LINKTYPE_USER0, pdus)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let json = run_json(tshark, &path)?;
    let frames = frames_from_json(&json)?;
    if frames.len() != pdus.len() {
        return Err(format!(
            "tshark returned {} frames for {} PDUs ({})",
            frames.len(),
            pdus.len(),
            path.display()
        ));
    }
    Ok(frames)
}

fn run_json(tshark: &Tshark, pcap: &Path) -> Result<String, String> {
    let out = Command::new(tshark.path())
        .arg("-n")
        .arg("-r")
        .arg(pcap)
        .args(bare_mms_args())
        .args(["-T", "json"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tshark.path().display()))?;
    if !out.status.success() {
        return Err(format!(
            "tshark failed ({}) on {}:\n{}",
            out.status,
            pcap.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("tshark printed non-UTF-8 JSON: {e}"))
}

/// Turns tshark's `-T json` output (an array of packets) into frames.
pub fn frames_from_json(text: &str) -> Result<Vec<MmsFrame>, String> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let root = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(format!("trailing characters at offset {}", parser.pos));
    }
    let Json::Array(packets) = root else {
        return Err("tshark JSON is not an array of packets".into());
    };
    packets
        .iter()
        .enumerate()
        .map(|(index, packet)| {
            let layers = packet
                .get("_source")
                .and_then(|source| source.get("layers"))
                .ok_or_else(|| format!("packet {index} has no _source.layers"))?;
            let mut frame = MmsFrame::default();
            flatten(layers, &mut frame);
            Ok(frame)
        })
        .collect()
}

fn flatten(node: &Json, frame: &mut MmsFrame) {
    match node {
        Json::Object(members) => {
            for (key, value) in members {
                if key == "_ws.malformed" {
                    frame.malformed = true;
                }
                if key == "_ws.expert" {
                    note_expert(value, frame);
                }
                match value {
                    Json::Text(text) => frame.fields.push((key.clone(), text.clone())),
                    Json::Array(items) => {
                        for item in items {
                            match item {
                                Json::Text(text) => frame.fields.push((key.clone(), text.clone())),
                                other => {
                                    frame.fields.push((key.clone(), String::new()));
                                    flatten(other, frame);
                                }
                            }
                        }
                    }
                    Json::Object(_) => {
                        frame.fields.push((key.clone(), String::new()));
                        flatten(value, frame);
                    }
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|item| flatten(item, frame)),
        Json::Text(_) => {}
    }
}

fn note_expert(expert: &Json, frame: &mut MmsFrame) {
    let severity = expert
        .get("_ws.expert.severity")
        .and_then(Json::text)
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0);
    if severity >= EXPERT_SEVERITY_ERROR {
        let message = expert
            .get("_ws.expert.message")
            .and_then(Json::text)
            .unwrap_or("(no message)");
        frame.expert_errors.push(message.to_string());
    }
}

/// A JSON value as tshark writes it; numbers, `true`, `false` and `null` are kept as their text.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Text(String),
    Array(Vec<Json>),
    /// Members in order, duplicates kept.
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Json::Text(text) => Some(text),
            _ => None,
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at offset {} of tshark JSON",
                char::from(byte),
                self.pos
            ))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_JSON_DEPTH {
            return Err("tshark JSON nested too deeply".into());
        }
        self.skip_ws();
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.expect(b':')?;
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(format!("bad object at offset {}", self.pos)),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(format!("bad array at offset {}", self.pos)),
                    }
                }
            }
            Some(b'"') => self.string().map(Json::Text),
            Some(_) => {
                // number, true, false, null: keep the literal text
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || b"+-.".contains(&c))
                {
                    self.pos += 1;
                }
                if start == self.pos {
                    return Err(format!("unexpected character at offset {}", self.pos));
                }
                let literal = self.bytes.get(start..self.pos).unwrap_or_default();
                Ok(Json::Text(String::from_utf8_lossy(literal).into_owned()))
            }
            None => Err("tshark JSON ends early".into()),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.peek() != Some(b'"') {
            return Err(format!("expected a string at offset {}", self.pos));
        }
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let byte = self.peek().ok_or("unterminated string in tshark JSON")?;
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let escape = self.peek().ok_or("unterminated escape in tshark JSON")?;
                    self.pos += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        other => {
                            return Err(format!(
                                "bad escape \\{} in tshark JSON",
                                char::from(other)
                            ))
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).map_err(|e| format!("non-UTF-8 string in tshark JSON: {e}"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or("short \\u escape in tshark JSON")?;
        let text = std::str::from_utf8(digits).map_err(|e| e.to_string())?;
        let value = u32::from_str_radix(text, 16).map_err(|e| format!("bad \\u escape: {e}"))?;
        self.pos += 4;
        Ok(value)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&first)
            && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
        {
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xdc00..0xe000).contains(&second) {
                return Err("unpaired surrogate in tshark JSON".into());
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else {
            first
        };
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shape of tshark 4.0 `-T json` output for two frames (trimmed), with a repeated key, an
    // error-level expert info and escapes.
    const SAMPLE: &str = r#"[
  {"_index": "packets", "_source": {"layers": {
     "frame": {"frame.number": "1", "frame.protocols": "user_dlt:mms"},
     "user_dlt": "DLT: 147",
     "mms": {"mms.confirmed_RequestPDU_element": {
        "mms.invokeID": "7",
        "mms.itemId": "A\"B\u00e9",
        "mms.itemId": "C\\D",
        "mms.flag": true, "mms.n": -12.5e3, "mms.x": null, "mms.list": ["1", {"mms.y": "2"}]
     }}}}},
  {"_source": {"layers": {"frame": {"frame.number": "2"}, "mms": {"mms.invokeID": "8"},
     "_ws.malformed": {"_ws.expert": {"_ws.expert.message": "Malformed Packet (Exception occurred)",
        "_ws.expert.severity": "8388608"}, "_ws.malformed": "Malformed Packet"},
     "warn": {"_ws.expert": {"_ws.expert.message": "just a warning", "_ws.expert.severity": "6291456"}}
  }}}
]"#;

    #[test]
    fn json_frames_keep_every_occurrence_and_flags() {
        let frames = frames_from_json(SAMPLE).expect("parse");
        assert_eq!(frames.len(), 2);
        let first = &frames[0];
        assert_eq!(
            first.values("mms.itemId").collect::<Vec<_>>(),
            vec!["A\"B\u{e9}", "C\\D"]
        );
        assert!(first.has("mms.invokeID", "7"));
        assert!(first.has("mms.flag", "true"));
        assert!(first.has("mms.n", "-12.5e3"));
        assert!(first.has("mms.x", "null"));
        assert_eq!(first.values("mms.list").collect::<Vec<_>>(), vec!["1", ""]);
        assert!(first.has("mms.y", "2"));
        assert!(first.has("mms.confirmed_RequestPDU_element", ""));
        assert!(first.is_mms());
        assert!(first.is_clean());
        assert!(!first.service_recognised(0xa0));
        assert!(first.service_recognised(0x8b));

        let second = &frames[1];
        assert!(second.malformed);
        assert_eq!(
            second.expert_errors,
            vec!["Malformed Packet (Exception occurred)".to_string()]
        );
        assert!(!second.is_clean());
    }

    #[test]
    fn broken_json_is_an_error_not_a_panic() {
        for bad in [
            "",
            "[",
            "[{\"_source\": ",
            "{\"a\": \"b\"}",
            "[{\"x\": 1}]",
            "[\"\\q\"]",
            "[\"\\u12\"]",
            "[\"\\ud800\\u0041\"]",
            "[] x",
            "[@]",
        ] {
            assert!(frames_from_json(bad).is_err(), "{bad:?} accepted");
        }
        let deep = "[".repeat(MAX_JSON_DEPTH + 2);
        assert_eq!(
            frames_from_json(&deep),
            Err("tshark JSON nested too deeply".to_string())
        );
    }

    #[test]
    fn surrogate_pairs_decode() {
        let frames =
            frames_from_json(r#"[{"_source":{"layers":{"k":"\ud83d\ude00"}}}]"#).expect("parse");
        assert!(frames[0].has("k", "\u{1f600}"));
    }
}
