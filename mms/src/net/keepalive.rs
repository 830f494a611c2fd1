//! TCP keep-alive for the sockets the runtimes own. RFC 1006 over ISO 8073 class 0 has no
//! inactivity timer of its own (class 0 has no keep-alive TPDU), so a peer that vanished without a
//! FIN is found by TCP keep-alive; the runtimes apply [`KeepAlive`] to every socket they accept
//! or connect, and it is configured in `ServerConfig` / `ClientConfig`.

use socket2::{SockRef, TcpKeepalive};
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
    /// Enables keep-alive on `socket` (a `std` or `mio` TCP stream) with these settings.
    #[cfg(unix)]
    pub fn apply(&self, socket: &impl std::os::fd::AsFd) -> std::io::Result<()> {
        self.apply_to(SockRef::from(socket))
    }

    /// Enables keep-alive on `socket` (a `std` or `mio` TCP stream) with these settings.
    #[cfg(windows)]
    pub fn apply(&self, socket: &impl std::os::windows::io::AsSocket) -> std::io::Result<()> {
        self.apply_to(SockRef::from(socket))
    }

    fn apply_to(&self, socket: SockRef<'_>) -> std::io::Result<()> {
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
        socket.set_tcp_keepalive(&params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

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
