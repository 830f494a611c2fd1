//! Helpers shared by the model tests: an association, a channel ResponseSink, and a call that
//! round-trips the request and the answer through the MMSpdu codec (ISO 9506-2 §7).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::mpsc;

use mms::initiate::{ParameterCbb, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, MmsPdu};
use mms::server::model::Model;
use mms::server::{AssociationInfo, Handler, Negotiated, Reply, RequestContext, ResponseSink};
use mms::service_error::{ConfirmedErrorPdu, ServiceError};

/// A ResponseSink that sends into a channel.
pub struct ChannelSink(pub mpsc::Sender<(u64, u32)>);

impl ResponseSink for ChannelSink {
    fn complete(&self, association: u64, invoke_id: u32, _result: mms::server::ServiceResult) {
        let _ = self.0.send((association, invoke_id));
    }
}

/// An association with id `id` and the given negotiated PDU size.
pub fn assoc(id: u64, max_pdu_size: usize) -> AssociationInfo {
    AssociationInfo::new(
        id,
        Negotiated {
            max_pdu_size,
            max_serv_outstanding_calling: 5,
            max_serv_outstanding_called: 5,
            nesting_level: 10,
            version: 1,
            parameter_cbb: ParameterCbb::libiec61850_like(),
            peer_services: ServicesSupported::libiec61850_like(),
        },
    )
}

pub type Answer = Result<ConfirmedServiceResponse<'static>, ServiceError<'static>>;

/// Sends `req` through the codec to the model and returns its answer after encoding it as a
/// Confirmed-ResponsePDU / Confirmed-ErrorPDU and decoding it back (asserting equality).
pub fn call<'a>(
    m: &Model,
    info: &AssociationInfo,
    req: impl Into<ConfirmedServiceRequest<'a>>,
) -> Answer {
    try_call(m, info, req).expect("the model answers at once")
}

/// Like [`call`], `None` when the model answers Unsupported.
pub fn try_call<'a>(
    m: &Model,
    info: &AssociationInfo,
    req: impl Into<ConfirmedServiceRequest<'a>>,
) -> Option<Answer> {
    let bytes = MmsPdu::request(7, req).to_vec();
    let pdu = MmsPdu::decode(&bytes).unwrap();
    let MmsPdu::ConfirmedRequest(r) = pdu else {
        panic!("not a request")
    };
    let (tx, _rx) = mpsc::channel();
    let mut ctx = RequestContext::new(info, 7, std::sync::Arc::new(ChannelSink(tx)));
    let answer = match m.confirmed(&mut ctx, &r.service) {
        Reply::Now(a) => a,
        Reply::Unsupported => return None,
        Reply::Later => panic!("the model never answers later"),
    };
    match &answer {
        Ok(resp) => {
            let bytes = MmsPdu::response(7, resp.clone()).to_vec();
            let back = MmsPdu::decode(&bytes).unwrap();
            let MmsPdu::ConfirmedResponse(c) = back else {
                panic!("not a response")
            };
            assert_eq!(&c.service, resp, "the response survives the codec");
            assert_eq!(c.invoke_id, 7);
        }
        Err(e) => {
            let pdu = MmsPdu::ConfirmedError(ConfirmedErrorPdu {
                invoke_id: 7,
                modifier_position: None,
                service_error: e.clone(),
            });
            let bytes = pdu.to_vec();
            let back = MmsPdu::decode(&bytes).unwrap();
            assert_eq!(back, pdu, "the error survives the codec");
        }
    }
    Some(answer)
}
