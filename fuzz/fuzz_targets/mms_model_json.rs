//! Fuzz target: the JSON model file reader (`Model::from_json_str`, docs/model-format.md) must
//! never panic, and a model it accepts must survive `to_json_string` and a second read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::server::model::Model;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A model file naming a file store would touch the file system: skip those.
    if text.contains("\"files\"") {
        return;
    }
    if let Ok(m) = Model::from_json_str(text) {
        let out = m.to_json_string();
        assert!(Model::from_json_str(&out).is_ok(), "{out}");
    }
});
