//! The library half of `pgkit`, shared with the example shop (`examples/shop`): the gateway
//! settings (config file, environment, flags), read the same way by both, and the stop signal
//! their servers wait for.

pub mod config;

/// Ctrl-C (SIGINT) or SIGTERM: when a server should finish what is in flight and stop.
///
/// Install it before announcing that the server is ready: from then on a signal is caught and
/// waited for, never the default action that would kill the process mid-start.
#[derive(Debug)]
pub struct StopSignal {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    /// Catches both signals from now on (inside a Tokio runtime).
    pub fn install() -> StopSignal {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignal {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            StopSignal {}
        }
    }

    /// Resolves when either signal arrives (at once if one arrived since `install`).
    pub async fn wait(self) {
        #[cfg(unix)]
        {
            let (mut interrupt, mut terminate) = (self.interrupt, self.terminate);
            let int = async {
                match &mut interrupt {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let term = async {
                match &mut terminate {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = int => {},
                () = term => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
