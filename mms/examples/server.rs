//! An MMS server with an application's own [`mms::server::Handler`] instead of the object model:
//! a feeder bay whose values live in the application (here a `Mutex`), served to any MMS
//! client. It answers Identify, GetNameList, Read and Write; every other service gets the
//! RejectPDU ISO 9506-2 §7.5 prescribes for a service the server does not support.
//!
//! ```sh
//! cargo run -p mms --example server -- --listen 127.0.0.1:10102   # serve until killed
//! cargo run -p mms --example server                               # serve, test itself, stop
//! ```
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use mms::access::VariableSpecification;
use mms::client::{Client, ClientConfig};
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::server::{AssociationInfo, Handler, Reply, RequestContext, Server, ServerConfig};
use mms::service_error::{AccessProblem, ErrorClass, ServiceError};
use mms::services::variables::{ReadResponse, WriteResponse, WriteResult};
use mms::services::vmd::{
    BasicObjectClass, GetNameListResponse, IdentifyResponse, ObjectClass, ObjectScope,
};
use mms::{
    AccessResult, Data, DataAccessError, FloatingPoint, ObjectName, VariableAccessSpecification,
};

/// The one domain this VMD has.
const DOMAIN: &str = "FEEDER1";

/// The application's data: variable name to value.
struct Feeder {
    values: Mutex<BTreeMap<&'static str, Data<'static>>>,
}

impl Feeder {
    fn new() -> Feeder {
        let f = |v: f32| Data::FloatingPoint(FloatingPoint::from_f32(v));
        Feeder {
            values: Mutex::new(BTreeMap::from([
                ("Voltage", f(20.4)),
                ("Current", f(312.0)),
                ("Breaker", Data::Boolean(true)),
            ])),
        }
    }

    /// The variable a name designates, if it is one of ours.
    fn variable<'n>(spec: &'n VariableSpecification<'_>) -> Option<&'n str> {
        match spec {
            VariableSpecification::Name(ObjectName::DomainSpecific { domain_id, item_id })
                if domain_id == DOMAIN =>
            {
                Some(item_id)
            }
            _ => None,
        }
    }

    fn read(&self, spec: &VariableAccessSpecification<'_>) -> ConfirmedServiceResponse<'static> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        let results = match spec {
            VariableAccessSpecification::ListOfVariable(list) => list
                .iter()
                .map(|v| {
                    match Self::variable(&v.variable_specification).and_then(|n| values.get(n)) {
                        Some(value) => AccessResult::Success(value.clone()),
                        None => AccessResult::Failure(DataAccessError::ObjectNonExistent),
                    }
                })
                .collect(),
            // No named variable lists here.
            VariableAccessSpecification::VariableListName(_) => Vec::new(),
        };
        ConfirmedServiceResponse::Read(ReadResponse::new(results))
    }

    fn write(
        &self,
        spec: &VariableAccessSpecification<'_>,
        data: &[Data<'_>],
    ) -> ConfirmedServiceResponse<'static> {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        let VariableAccessSpecification::ListOfVariable(list) = spec else {
            return ConfirmedServiceResponse::Write(WriteResponse(Vec::new()));
        };
        let results = list
            .iter()
            .zip(data)
            .map(|(v, new)| {
                let Some(slot) =
                    Self::variable(&v.variable_specification).and_then(|n| values.get_mut(n))
                else {
                    return WriteResult::Failure(DataAccessError::ObjectNonExistent);
                };
                // A write must keep the variable's type (ISO 9506-2 §14.4.2).
                if std::mem::discriminant(slot) != std::mem::discriminant(new) {
                    return WriteResult::Failure(DataAccessError::TypeInconsistent);
                }
                *slot = new.clone().into_owned();
                WriteResult::Success
            })
            .collect();
        ConfirmedServiceResponse::Write(WriteResponse(results))
    }
}

impl Handler for Feeder {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_services([
            ServiceKind::Identify,
            ServiceKind::GetNameList,
            ServiceKind::Read,
            ServiceKind::Write,
        ])
    }

    fn associated(&self, info: &AssociationInfo) -> Result<(), ServiceError<'static>> {
        // The place for access control by calling AE-title or authenticated peer.
        println!("server: association {} from {:?}", info.id, info.peer_addr);
        Ok(())
    }

    fn confirmed(
        &self,
        _ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        let response = match request {
            ConfirmedServiceRequest::Identify(_) => {
                ConfirmedServiceResponse::Identify(IdentifyResponse {
                    vendor_name: Cow::Borrowed("example"),
                    model_name: Cow::Borrowed("feeder bay"),
                    revision: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
                    list_of_abstract_syntaxes: None,
                })
            }
            ConfirmedServiceRequest::GetNameList(req) => {
                let names: Vec<Cow<'static, str>> = match (&req.object_class, &req.object_scope) {
                    (ObjectClass::Basic(BasicObjectClass::Domain), ObjectScope::VmdSpecific) => {
                        vec![Cow::Borrowed(DOMAIN)]
                    }
                    (
                        ObjectClass::Basic(BasicObjectClass::NamedVariable),
                        ObjectScope::DomainSpecific(d),
                    ) if d == DOMAIN => {
                        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
                        values.keys().map(|k| Cow::Borrowed(*k)).collect()
                    }
                    (_, ObjectScope::DomainSpecific(_)) => {
                        return Reply::Now(Err(ServiceError::new(ErrorClass::Access(
                            AccessProblem::ObjectNonExistent,
                        ))))
                    }
                    _ => Vec::new(),
                };
                // The answer continues after `continueAfter`, and is never paged here.
                let after = req.continue_after.as_deref();
                let list_of_identifier = names
                    .into_iter()
                    .filter(|n| after.map_or(true, |a| n.as_ref() > a))
                    .collect();
                ConfirmedServiceResponse::GetNameList(GetNameListResponse {
                    list_of_identifier,
                    more_follows: false,
                })
            }
            ConfirmedServiceRequest::Read(req) => self.read(&req.variable_access_specification),
            ConfirmedServiceRequest::Write(req) => {
                self.write(&req.variable_access_specification, &req.list_of_data)
            }
            _ => return Reply::Unsupported,
        };
        Reply::Now(Ok(response))
    }

    fn closed(&self, info: &AssociationInfo) {
        println!("server: association {} closed", info.id);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let listen: Option<SocketAddr> = match (args.next().as_deref(), args.next()) {
        (Some("--listen"), Some(a)) => Some(a.parse()?),
        (None, _) => None,
        _ => return Err("usage: server [--listen ADDR]".into()),
    };
    let config = ServerConfig::default()
        .with_listen(vec![listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)))]);
    let server = Server::bind(config, Arc::new(Feeder::new()))?.spawn()?;
    println!("server: listening on {}", server.local_addr());
    if listen.is_some() {
        loop {
            std::thread::park();
        }
    }

    // No address given: be our own first client, then stop.
    let client = Client::connect(server.local_addr(), ClientConfig::default())?;
    let voltage = ObjectName::domain(DOMAIN, "Voltage");
    println!("client: variables {:?}", client.variables(DOMAIN)?);
    println!(
        "client: Voltage = {:?}",
        client.read_value::<f32>(&voltage)?
    );
    client.write(&voltage, Data::FloatingPoint(FloatingPoint::from_f32(21.0)))?;
    let now: f32 = client.read_value(&voltage)?;
    println!("client: Voltage = {now} after the write");
    // A write of the wrong type is refused by the handler, per variable.
    let refused = client.write(&voltage, Data::Boolean(false));
    println!("client: writing a boolean to Voltage -> {refused:?}");
    if now != 21.0 || refused.is_ok() {
        return Err("the feeder did not behave".into());
    }
    client.conclude()?;
    server.stop()?;
    Ok(())
}
