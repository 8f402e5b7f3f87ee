//! How the shop reaches the gateways: the simulator's test merchants (`--sandbox URL`), or the
//! merchant's own settings read exactly as `pgkit` reads them (`pgkit.toml`, environment).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use pg_cli::config::{self, ConfigError, GatewayFlags, SmartroFlags};
use pg_core::Clock;
use time::OffsetDateTime;

/// The shop's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SQLite file holding orders and notification events.
    pub db: PathBuf,
    /// The URL at which buyers' browsers and the gateways reach the shop (`ReturnUrl`,
    /// notifications). Default: `http://` and the address it listens on.
    pub public_url: Option<String>,
    /// Where the gateways are.
    pub gateways: Gateways,
    /// Base of the Innopay help and terms pages the SMS request page links to.
    pub innopay_pages: String,
}

/// Where the gateways are.
#[derive(Debug, Clone)]
pub enum Gateways {
    /// The simulator at this base URL, with its test merchants (`testpay01m`, `t_2510201m`).
    /// The shop points the merchants' notifications at itself and follows the simulator's clock.
    Sandbox(String),
    /// The merchant's own settings: the config file (`None`: `$PGKIT_CONFIG` or `./pgkit.toml`)
    /// and the environment, as the `pgkit` command line reads them. A gateway without a merchant
    /// id is left out.
    Configured(Option<PathBuf>),
}

/// Settings the shop cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A gateway's settings are wrong.
    #[error("{gateway}: {source}")]
    Gateway {
        /// `innopay` or `smartro`.
        gateway: &'static str,
        /// What is wrong.
        source: ConfigError,
    },
    /// Neither gateway is configured.
    #[error(
        "no gateway is configured: give --sandbox URL, or set the merchant ids in pgkit.toml or the environment (PGKIT_INNOPAY_MID, PGKIT_SMARTRO_MID)"
    )]
    NoGateway,
}

/// The two clients' settings, resolved.
pub(crate) struct Resolved {
    pub(crate) innopay: Option<(pg_innopay::Credentials, pg_innopay::Environment)>,
    pub(crate) smartro: Option<(pg_smartro::Credentials, pg_smartro::Environment)>,
}

/// A missing merchant id means "this gateway is not used"; anything else is an error.
fn optional<T>(
    gateway: &'static str,
    r: Result<T, ConfigError>,
) -> Result<Option<T>, SettingsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ConfigError::Field { field, rule })
            if field.eq_ignore_ascii_case("mid") && rule.starts_with("is required") =>
        {
            tracing::info!("{gateway}: no merchant id configured, its pages are off");
            Ok(None)
        }
        Err(source) => Err(SettingsError::Gateway { gateway, source }),
    }
}

impl Gateways {
    pub(crate) fn resolve(&self) -> Result<Resolved, SettingsError> {
        let resolved = match self {
            Gateways::Sandbox(url) => Resolved {
                innopay: Some((
                    pg_innopay::Credentials::sandbox_manual_entry(),
                    pg_innopay::Environment::Custom(url.clone()),
                )),
                smartro: Some(
                    config::smartro(
                        &SmartroFlags {
                            gateway: GatewayFlags {
                                environment: Some(url.clone()),
                                ..GatewayFlags::default()
                            },
                            sandbox: true,
                        },
                        None,
                        None,
                    )
                    .map_err(|source| SettingsError::Gateway {
                        gateway: "smartro",
                        source,
                    })?,
                ),
            },
            Gateways::Configured(file) => {
                let flags = GatewayFlags {
                    config: file.clone(),
                    ..GatewayFlags::default()
                };
                let innopay = optional("innopay", config::innopay(&flags, false, None))?;
                let smartro = optional(
                    "smartro",
                    config::smartro(
                        &SmartroFlags {
                            gateway: flags,
                            sandbox: false,
                        },
                        None,
                        None,
                    ),
                )?;
                Resolved { innopay, smartro }
            }
        };
        if resolved.innopay.is_none() && resolved.smartro.is_none() {
            return Err(SettingsError::NoGateway);
        }
        Ok(resolved)
    }

    /// The simulator's base URL when rehearsing.
    pub(crate) fn sandbox(&self) -> Option<&str> {
        match self {
            Gateways::Sandbox(url) => Some(url),
            Gateways::Configured(_) => None,
        }
    }
}

/// The shop's clock: the system's, shifted to the simulator's virtual clock when rehearsing
/// (the simulator checks `EdiDate` against its own time).
#[derive(Debug, Default)]
pub(crate) struct ShopClock {
    offset_ms: AtomicI64,
}

impl Clock for ShopClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }
}

impl ShopClock {
    /// Follows the simulator at `base`: reads its clock (`/sandbox/api/clock`).
    pub(crate) async fn follow(&self, http: &reqwest::Client, base: &str) {
        let url = format!("{base}/sandbox/api/clock");
        let read = async {
            let text = http.get(&url).send().await.ok()?.text().await.ok()?;
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()?
                .get("unix_ms")?
                .as_i64()
        };
        match read.await {
            Some(virtual_ms) => {
                let system_ms =
                    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
                self.offset_ms
                    .store(virtual_ms - system_ms, Ordering::Relaxed);
            }
            None => tracing::warn!(url, "cannot read the simulator's clock; using the system's"),
        }
    }
}

/// Points the simulator's test merchants' notifications at the shop.
pub(crate) async fn point_notifications(
    http: &reqwest::Client,
    base: &str,
    public_url: &str,
    merchants: &[(&str, String)],
) -> Result<(), String> {
    for (gateway, mid) in merchants {
        let url = format!("{base}/sandbox/api/merchants/{gateway}/{mid}");
        let body = serde_json::json!({ "notify_url": format!("{public_url}/{gateway}/notify") });
        let response = http
            .patch(&url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("cannot reach the simulator at {base}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!(
                "the simulator refused the notification URL for {gateway} {mid}: HTTP {}",
                response.status()
            ));
        }
    }
    Ok(())
}

/// Shared so the clients and the handler read one clock.
pub(crate) type SharedClock = Arc<ShopClock>;
