//! How a tokio application wraps the sans-IO [`mms::endpoint::Endpoint`]: one task owns the
//! `tokio::net::TcpStream` and the endpoint, and moves bytes between them, sleeping with
//! tokio's timer until the endpoint's next deadline ([`Endpoint::poll_timeout`]) and then
//! calling [`Endpoint::handle_timeout`]. The crate itself has no tokio dependency (this
//! example's is a dev-dependency).
//!
//! The peer is the crate's demo server on a loopback port (so the example runs alone); the
//! client side uses nothing of the crate's runtimes.
//!
//! ```sh
//! cargo run -p mms --example tokio_client
//! ```
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
use mms::initiate::ServicesSupported;
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::services::variables::ReadRequest;
use mms::ObjectName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// One association on a tokio socket.
struct AsyncAssociation {
    socket: TcpStream,
    endpoint: Endpoint,
}

impl AsyncAssociation {
    /// Writes out everything the endpoint has queued.
    async fn flush(&mut self) -> Result<()> {
        while !self.endpoint.transmit().is_empty() {
            let n = self.socket.write(self.endpoint.transmit()).await?;
            self.endpoint.advance_transmit(n);
        }
        Ok(())
    }

    /// Moves bytes until `pick` returns `Some` for an event. The endpoint keeps the
    /// deadlines (request, establishment, release); this loop sleeps until the earliest.
    async fn until<T>(&mut self, mut pick: impl FnMut(MmsEvent<'_>) -> Option<T>) -> Result<T> {
        loop {
            self.flush().await?;
            let deadline = self.endpoint.poll_timeout();
            let timer = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let read = tokio::select! {
                n = self.socket.read(self.endpoint.recv_buffer()) => Some(n?),
                () = timer => None,
            };
            match read {
                Some(0) => return Err("the peer closed the connection".into()),
                Some(n) => self.endpoint.recv_commit(n),
                None => self.endpoint.handle_timeout(Instant::now()),
            }
            while let Some(event) = self.endpoint.poll_event()? {
                if let Some(t) = pick(event) {
                    self.flush().await?;
                    return Ok(t);
                }
            }
        }
    }

    /// Connects and completes the initiate exchange.
    async fn connect(address: std::net::SocketAddr) -> Result<AsyncAssociation> {
        let mut config = EndpointConfig::default();
        config.initiate.init_request_detail.services_supported =
            ServicesSupported::libiec61850_like();
        config.request_timeout = Some(Duration::from_secs(10));
        config.association.timeouts.establish = Some(Duration::from_secs(10));
        config.association.timeouts.release = Some(Duration::from_secs(10));
        let mut a = AsyncAssociation {
            socket: TcpStream::connect(address).await?,
            endpoint: Endpoint::connect(config, None),
        };
        a.until(|e| match e {
            MmsEvent::Established(_) => Some(Ok(())),
            MmsEvent::Refused(refusal) => Some(Err(format!("refused: {refusal}"))),
            MmsEvent::Closed(reason) => Some(Err(format!("closed: {reason}"))),
            _ => None,
        })
        .await??;
        Ok(a)
    }

    /// One confirmed request and its answer, rendered as text.
    async fn request(&mut self, service: &ConfirmedServiceRequest<'_>) -> Result<String> {
        let id = self.endpoint.send_request(service)?;
        self.until(|e| match e {
            MmsEvent::RequestTimedOut(t) if t == id => Some("timed out".to_string()),
            MmsEvent::Response { pdu, .. } if pdu.invoke_id == id => match pdu.service {
                ConfirmedServiceResponse::Read(r) => Some(format!("{:?}", r.list_of_access_result)),
                other => Some(format!("{other:?}")),
            },
            MmsEvent::Error(e) if e.invoke_id == id => Some(format!("error {:?}", e.service_error)),
            _ => None,
        })
        .await
    }

    /// Concludes and releases.
    async fn close(mut self) -> Result<()> {
        self.endpoint.conclude()?;
        let reason = self
            .until(|e| match e {
                MmsEvent::Closed(reason) => Some(reason),
                _ => None,
            })
            .await?;
        println!("closed: {reason:?}");
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let config = ServerConfig::default().with_listen(vec!["127.0.0.1:0".parse()?]);
    let server = Server::bind(config, Arc::new(demo::model(None)?))?.spawn()?;

    let mut association = AsyncAssociation::connect(server.local_addr()).await?;
    let identity = association
        .request(&ConfirmedServiceRequest::Identify(Default::default()))
        .await?;
    println!("identify: {identity}");
    let name = ObjectName::domain("DEMOLD0", "GGIO1$MX$AnIn1$mag$f");
    let read = ReadRequest::names([name]);
    let value = association
        .request(&ConfirmedServiceRequest::Read(read))
        .await?;
    println!("read: {value}");
    association.close().await?;
    server.stop()?;
    Ok(())
}
