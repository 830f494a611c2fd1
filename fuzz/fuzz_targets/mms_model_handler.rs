//! Fuzz target: every confirmed request that decodes (ISO 9506-2 §7.2) is served by the demo
//! object model without a panic, and every answer encodes.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mms::initiate::{ParameterCbb, ServicesSupported};
use mms::pdu::MmsPdu;
use mms::server::model::{demo, Model};
use mms::server::{AssociationInfo, Handler, Negotiated, Reply, RequestContext, ResponseSink, ServiceResult};

struct Drop;

impl ResponseSink for Drop {
    fn complete(&self, _a: u64, _i: u32, _r: ServiceResult) {}
}

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| demo::model(None).expect("the demo model builds"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(MmsPdu::ConfirmedRequest(r)) = MmsPdu::decode(data) else {
        return;
    };
    let info = AssociationInfo::new(
        1,
        Negotiated {
            max_pdu_size: 1024,
            max_serv_outstanding_calling: 5,
            max_serv_outstanding_called: 5,
            nesting_level: 10,
            version: 1,
            parameter_cbb: ParameterCbb::libiec61850_like(),
            peer_services: ServicesSupported::libiec61850_like(),
        },
    );
    let mut ctx = RequestContext::new(&info, r.invoke_id, std::sync::Arc::new(Drop));
    if let Reply::Now(Ok(resp)) = model().confirmed(&mut ctx, &r.service) {
        let _ = MmsPdu::response(r.invoke_id, resp).to_vec();
    }
    model().closed(&info);
});
