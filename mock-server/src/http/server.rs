//! Starting and stopping a server: used by the binary and by tests.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::{AppState, ConfigError, Shared};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listen address could not be bound.
    #[error("bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A running mock.
pub struct Server {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds `config.listen` and serves in a background task.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let addr = config.listen;
        let state = AppState::new(config)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::http::app::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Ok(Server {
            addr,
            state,
            shutdown: Some(tx),
            task,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// `http://ADDR/_mock`.
    pub fn control_url(&self) -> String {
        format!("http://{}/_mock", self.addr)
    }

    /// The shared state (for in-process inspection in tests).
    pub fn state(&self) -> &Shared {
        &self.state
    }

    /// Stops accepting, finishes in-flight requests and waits for the task.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Waits until the server task ends (it runs until stopped).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}
