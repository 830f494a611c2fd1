//! TCP keep-alive for the runtime that owns the RFC 1006 socket. This is the one
//! place in `cot` that touches a socket: it only sets options (no I/O). Class 0
//! (ISO 8073 §6.x) has no inactivity timer of its own, so dead peers are found
//! by TCP keep-alive.

use socket2::{SockRef, TcpKeepalive};
use std::net::TcpStream;
use std::time::Duration;

/// TCP keep-alive settings (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT)
/// applied to an RFC 1006 connection's socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    /// Idle time before the first probe.
    pub idle: Duration,
    /// Time between probes.
    pub interval: Duration,
    /// Unanswered probes before the connection is dropped (where the OS supports it).
    pub retries: u32,
}

impl Default for KeepAlive {
    /// 60 s idle, 10 s interval, 5 probes: a dead peer is noticed within ~2 minutes.
    fn default() -> Self {
        KeepAlive {
            idle: Duration::from_secs(60),
            interval: Duration::from_secs(10),
            retries: 5,
        }
    }
}

impl KeepAlive {
    /// Enables keep-alive on `stream` with these settings.
    pub fn apply(&self, stream: &TcpStream) -> std::io::Result<()> {
        let params = TcpKeepalive::new()
            .with_time(self.idle)
            .with_interval(self.interval);
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd"
        ))]
        let params = params.with_retries(self.retries);
        SockRef::from(stream).set_tcp_keepalive(&params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn applies_to_loopback_stream() -> std::io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let stream = TcpStream::connect(listener.local_addr()?)?;
        let ka = KeepAlive {
            idle: Duration::from_secs(42),
            interval: Duration::from_secs(7),
            retries: 3,
        };
        ka.apply(&stream)?;
        let sock = SockRef::from(&stream);
        assert!(sock.keepalive()?);
        #[cfg(target_os = "linux")]
        {
            assert_eq!(sock.keepalive_time()?, Duration::from_secs(42));
            assert_eq!(sock.keepalive_interval()?, Duration::from_secs(7));
            assert_eq!(sock.keepalive_retries()?, 3);
        }
        Ok(())
    }

    #[test]
    fn default_values() {
        let d = KeepAlive::default();
        assert_eq!(d.idle, Duration::from_secs(60));
        assert_eq!(d.interval, Duration::from_secs(10));
        assert_eq!(d.retries, 5);
    }
}
