//! Fuzzes the XMPP stream tokenizer (`cot::xmpp::parser::StreamParser`, the bounded parser
//! every received octet of the client stream goes through after TLS): a valid stream header,
//! then arbitrary octets in chunks of a fuzzed size. Must never panic, every framed element
//! must respect the size limit, and after an error the parser must stay failed.
#![no_main]

use cot::xmpp::parser::{Frame, StreamParser};
use cot::xmpp::XmppLimits;
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='s' from='example.org' version='1.0'>";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let limits = XmppLimits {
        max_stanza_size: 4096,
        max_depth: 8,
        max_attributes: 8,
        max_attribute_size: 256,
        max_text_size: 1024,
        ..XmppLimits::default()
    };
    let mut p = StreamParser::new(limits.clone());
    // selector bit 7: start without the header (the header parser is fuzzed too)
    if selector & 0x80 == 0 {
        p.feed(HEADER);
    }
    let chunk = usize::from(selector & 0x7f) + 1;
    let mut failed = false;
    for piece in rest.chunks(chunk) {
        p.feed(piece);
        loop {
            match p.next_frame() {
                Ok(Some(Frame::Element { bytes, root })) => {
                    assert!(!failed, "a frame after an error");
                    assert!(bytes.len() <= limits.max_stanza_size);
                    assert!(root.span.end <= bytes.len());
                }
                Ok(Some(_)) => assert!(!failed, "a frame after an error"),
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
    }
});
