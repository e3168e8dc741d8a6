//! `vici-mock --health-check`: asks a running mock's `GET /_mock/health` whether it is up, for
//! container health checks (the final image has no curl).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the whole probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the mock is not healthy.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Nothing answered on the address.
    #[error("connect to {addr}: {source}")]
    Connect {
        /// The address asked.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The connection broke.
    #[error("read the answer of {addr}: {source}")]
    Io {
        /// The address asked.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("{addr} did not answer within {} s", PROBE_TIMEOUT.as_secs())]
    Timeout {
        /// The address asked.
        addr: SocketAddr,
    },
    /// An answer, but not `200`.
    #[error("GET http://{addr}/_mock/health answered '{status_line}', not 200")]
    Status {
        /// The address asked.
        addr: SocketAddr,
        /// The first line of the answer.
        status_line: String,
    },
}

/// The address to ask for a mock listening on `listen`: an unspecified address (`0.0.0.0`,
/// `::`) is asked on loopback.
pub fn probe_addr(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// Sends `GET /_mock/health` to the mock listening on `listen`; `Ok` on a 200.
pub async fn probe(listen: SocketAddr) -> Result<(), ProbeError> {
    let addr = probe_addr(listen);
    match tokio::time::timeout(PROBE_TIMEOUT, ask(addr)).await {
        Ok(r) => r,
        Err(_) => Err(ProbeError::Timeout { addr }),
    }
}

async fn ask(addr: SocketAddr) -> Result<(), ProbeError> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|source| ProbeError::Connect { addr, source })?;
    let io = |source| ProbeError::Io { addr, source };
    let request =
        format!("GET /_mock/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 4096 {
        let n = stream.read(&mut buf).await.map_err(io)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or("").trim().to_owned();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(ProbeError::Status { addr, status_line })
    }
}
