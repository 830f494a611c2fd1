//! An MMS client: connect, identify, browse, read, write, conclude, with the blocking
//! [`mms::client::Client`].
//!
//! ```sh
//! cargo run -p mms --example client -- HOST:PORT     # against your server (port 102 usually)
//! cargo run -p mms --example client                  # starts the demo server on loopback first
//! ```
//!
//! The blocking client is thread-safe and pipelines: several threads may call it at once, each
//! request waits for its own answer (up to `ClientConfig::request_timeout`).
use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

use mms::client::{Client, ClientConfig};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::ObjectName;

fn main() -> Result<(), Box<dyn Error>> {
    // Your server, or the demo model served on a loopback port for the time of the example.
    let (address, demo_server) = match std::env::args().nth(1) {
        Some(a) => (a.parse::<SocketAddr>()?, None),
        None => {
            let config = ServerConfig::default().with_listen(vec!["127.0.0.1:0".parse()?]);
            let server = Server::bind(config, Arc::new(demo::model(None)?))?.spawn()?;
            (server.local_addr(), Some(server))
        }
    };

    let client = Client::connect(address, ClientConfig::default())?;
    let n = client.negotiated();
    println!(
        "associated with {address}: PDU size {}, {} requests outstanding at most",
        n.max_pdu_size, n.max_serv_outstanding_calling
    );

    let id = client.identify()?;
    println!("identify: {} / {} / {}", id.vendor, id.model, id.revision);

    // GetNameList, paged until the server says no more follow.
    for domain in client.browse()? {
        println!(
            "domain {}: {} variables, {} lists",
            domain.name,
            domain.variables.len(),
            domain.lists.len()
        );
    }

    if demo_server.is_some() {
        // Names the demo model has: an IEC 61850 setpoint and a measured value.
        let setpoint = ObjectName::domain("DEMOLD0", "GGIO1$SP$AnSet1$setMag$f");
        client.write(
            &setpoint,
            Data::FloatingPoint(FloatingPoint::from_f32(42.5)),
        )?;
        let back: f32 = client.read_value(&setpoint)?;
        println!("wrote 42.5, read back {back}");
        if back != 42.5 {
            return Err(format!("read back {back}, wrote 42.5").into());
        }
        let measured = ObjectName::domain("DEMOLD0", "GGIO1$MX$AnIn1$mag$f");
        println!("measured value: {}", client.read_value::<f32>(&measured)?);
    }

    client.conclude()?;
    if let Some(server) = demo_server {
        server.stop()?;
    }
    Ok(())
}
