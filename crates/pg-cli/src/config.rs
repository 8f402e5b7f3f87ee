//! Settings for the commands that reach a gateway (shared by `pgkit` and the example shop): a TOML file (`--config`, `PGKIT_CONFIG`,
//! or `./pgkit.toml`), then environment variables, then flags. Secrets come only from the
//! environment or from a file named in the config; a secret written into the config itself is
//! refused, and no secret is ever printed.
//!
//! ```toml
//! [innopay]
//! environment = "live"            # or a base URL, e.g. the simulator
//! mid = "testpay01m"
//! pg_mid = "nictest14m"
//! license_key_file = "/run/secrets/innopay-license"   # or PGKIT_INNOPAY_LICENSE_KEY
//! cancel_password_file = "/run/secrets/innopay-cancel" # or PGKIT_INNOPAY_CANCEL_PASSWORD
//!
//! [smartro]
//! environment = "test"            # "test" (STG), "live" (REAL), or a base URL
//! mid = "t_2510201m"
//! ssp_mall_id = "SMTSSPAY0p"
//! merchant_key_file = "/run/secrets/smartro-key"      # or PGKIT_MERCHANT_KEY
//! cancel_password_file = "/run/secrets/smartro-cancel" # or PGKIT_SMARTRO_CANCEL_PASSWORD
//! ```

use std::path::{Path, PathBuf};

use pg_core::{Mid, Secret};
use serde::Deserialize;

/// A setting that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A setting breaks a rule: the setting's name (flag, variable or config key) and the rule.
    #[error("invalid input: {field} {rule}")]
    Field {
        /// The setting.
        field: String,
        /// What is wrong.
        rule: String,
    },
    /// The configuration cannot be read.
    #[error("{0}")]
    Unreadable(String),
}

impl ConfigError {
    fn field(field: &str, rule: impl std::fmt::Display) -> Self {
        ConfigError::Field {
            field: field.to_owned(),
            rule: rule.to_string(),
        }
    }

    fn invalid(message: impl std::fmt::Display) -> Self {
        ConfigError::Unreadable(message.to_string())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    innopay: Option<GatewayFile>,
    smartro: Option<GatewayFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatewayFile {
    environment: Option<String>,
    mid: Option<String>,
    pg_mid: Option<String>,
    ssp_mall_id: Option<String>,
    sandbox: Option<bool>,
    license_key_file: Option<PathBuf>,
    cancel_password_file: Option<PathBuf>,
    merchant_key_file: Option<PathBuf>,
    // Present only to refuse them with a clear message.
    license_key: Option<toml::Value>,
    cancel_password: Option<toml::Value>,
    merchant_key: Option<toml::Value>,
}

/// Flags shared by the gateway commands.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GatewayFlags {
    /// Config file (TOML). Default: $PGKIT_CONFIG, else ./pgkit.toml when present.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Innopay: `live` or a base URL; Smartro: `test` (STG), `live` or a base URL. A base URL
    /// is the simulator's, e.g. http://127.0.0.1:8787.
    #[arg(long, global = true)]
    pub environment: Option<String>,
    /// Merchant id.
    #[arg(long, global = true)]
    pub mid: Option<String>,
}

fn load(flags: &GatewayFlags) -> Result<FileConfig, ConfigError> {
    let path = flags
        .config
        .clone()
        .or_else(|| std::env::var_os("PGKIT_CONFIG").map(PathBuf::from))
        .or_else(|| {
            Path::new("pgkit.toml")
                .exists()
                .then(|| PathBuf::from("pgkit.toml"))
        });
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError::invalid(format!("cannot read config {}: {e}", path.display())))?;
    let config: FileConfig = toml::from_str(&text)
        .map_err(|e| ConfigError::invalid(format!("config {}: {}", path.display(), e.message())))?;
    for (section, g) in [("innopay", &config.innopay), ("smartro", &config.smartro)] {
        let Some(g) = g else { continue };
        for (name, value) in [
            ("license_key", &g.license_key),
            ("cancel_password", &g.cancel_password),
            ("merchant_key", &g.merchant_key),
        ] {
            if value.is_some() {
                return Err(ConfigError::field(
                    &format!("{section}.{name}"),
                    format!(
                        "is a secret: put it in the environment or in a file named by {name}_file, not in the config"
                    ),
                ));
            }
        }
    }
    Ok(config)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A secret from `$VAR`, else `$VAR_FILE`, else the config's file. File contents are trimmed
/// of a final newline.
fn secret(var: &str, file: Option<&PathBuf>) -> Result<Option<Secret>, ConfigError> {
    if let Some(v) = env(var) {
        return Ok(Some(Secret::new(v)));
    }
    let path = env(&format!("{var}_FILE"))
        .map(PathBuf::from)
        .or_else(|| file.cloned());
    match path {
        None => Ok(None),
        Some(p) => {
            let text = std::fs::read_to_string(&p).map_err(|e| {
                ConfigError::invalid(format!("cannot read secret file {}: {e}", p.display()))
            })?;
            Ok(Some(Secret::new(text.trim_end_matches(['\r', '\n']))))
        }
    }
}

fn mid(value: Option<String>, field: &str) -> Result<Mid, ConfigError> {
    let text = value
        .ok_or_else(|| ConfigError::field(field, "is required (flag, environment or config)"))?;
    Mid::parse(&text).map_err(|e| ConfigError::field(field, e.rule))
}

fn non_empty_key(key: String) -> Result<Secret, ConfigError> {
    if key.trim().is_empty() {
        return Err(ConfigError::field(
            "--merchant-key",
            "must not be empty: give the merchant key Smartro issued",
        ));
    }
    Ok(Secret::new(key))
}

/// The merchant key for the crypto commands: `--merchant-key`, else `PGKIT_MERCHANT_KEY` (or
/// `PGKIT_MERCHANT_KEY_FILE`), else the config's `merchant_key_file`.
pub fn merchant_key(flag: Option<String>, flags: &GatewayFlags) -> Result<Secret, ConfigError> {
    if let Some(k) = flag {
        return non_empty_key(k);
    }
    let config = load(flags)?;
    let file = config
        .smartro
        .as_ref()
        .and_then(|s| s.merchant_key_file.as_ref());
    secret("PGKIT_MERCHANT_KEY", file)?.ok_or_else(|| {
        ConfigError::field(
            "MerchantKey",
            "is required: --merchant-key, or PGKIT_MERCHANT_KEY",
        )
    })
}

/// Innopay settings.
pub fn innopay(
    flags: &GatewayFlags,
    sandbox: bool,
    pg_mid: Option<String>,
) -> Result<(pg_innopay::Credentials, pg_innopay::Environment), ConfigError> {
    let file = load(flags)?.innopay.unwrap_or_default();
    let sandbox = sandbox || file.sandbox.unwrap_or(false);
    let environment = flags
        .environment
        .clone()
        .or_else(|| env("PGKIT_INNOPAY_ENVIRONMENT"))
        .or(file.environment);
    let environment = match environment.as_deref() {
        None | Some("live") => pg_innopay::Environment::Live,
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            pg_innopay::Environment::Custom(url.to_owned())
        }
        Some(other) => {
            return Err(ConfigError::field(
                "environment",
                format!("must be `live` or a base URL, got {other:?}"),
            ));
        }
    };
    let base = if sandbox {
        pg_innopay::Credentials::sandbox_manual_entry()
    } else {
        pg_innopay::Credentials {
            mid: mid(
                flags
                    .mid
                    .clone()
                    .or_else(|| env("PGKIT_INNOPAY_MID"))
                    .or(file.mid.clone()),
                "mid",
            )?,
            license_key: Secret::new(""),
            pg_mid: String::new(),
            cancel_password: None,
        }
    };
    let mut credentials = base;
    if sandbox {
        if let Some(m) = flags
            .mid
            .clone()
            .or_else(|| env("PGKIT_INNOPAY_MID"))
            .or(file.mid.clone())
        {
            credentials.mid = mid(Some(m), "mid")?;
        }
    }
    if let Some(p) = pg_mid
        .or_else(|| env("PGKIT_INNOPAY_PG_MID"))
        .or(file.pg_mid)
    {
        credentials.pg_mid = p;
    }
    if let Some(k) = secret("PGKIT_INNOPAY_LICENSE_KEY", file.license_key_file.as_ref())? {
        credentials.license_key = k;
    }
    if let Some(p) = secret(
        "PGKIT_INNOPAY_CANCEL_PASSWORD",
        file.cancel_password_file.as_ref(),
    )? {
        credentials.cancel_password = Some(p);
    }
    Ok((credentials, environment))
}

/// Flags of the Smartro commands that reach the gateway.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SmartroFlags {
    /// Config file, environment and merchant id.
    #[command(flatten)]
    pub gateway: GatewayFlags,
    /// Use the simulator's test merchant (t_2510201m with its key and cancel password) at the
    /// simulator: --environment, default http://127.0.0.1:8787.
    #[arg(long)]
    pub sandbox: bool,
}

/// Where `pgkit sandbox` listens unless told otherwise.
pub const SANDBOX_URL: &str = "http://127.0.0.1:8787";

/// Smartro settings. With `sandbox` (or `sandbox = true` in the config), the simulator's test
/// merchant — its `Mid`, merchant key, `SspMallId` and cancel password — at the simulator: the
/// environment must then be a base URL, by default [`SANDBOX_URL`].
///
/// `merchant_key` (a flag) comes before `PGKIT_MERCHANT_KEY` and the config's file.
pub fn smartro(
    flags: &SmartroFlags,
    ssp_mall_id: Option<String>,
    merchant_key: Option<String>,
) -> Result<(pg_smartro::Credentials, pg_smartro::Environment), ConfigError> {
    let SmartroFlags {
        gateway: flags,
        sandbox,
    } = flags;
    let sandbox = *sandbox;
    let file = load(flags)?.smartro.unwrap_or_default();
    let sandbox = sandbox || file.sandbox.unwrap_or(false);
    let environment = flags
        .environment
        .clone()
        .or_else(|| env("PGKIT_SMARTRO_ENVIRONMENT"))
        .or(file.environment)
        .or_else(|| sandbox.then(|| SANDBOX_URL.to_owned()));
    let environment = match environment.as_deref() {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            pg_smartro::Environment::simulator(url)
        }
        Some(other) if sandbox => {
            return Err(ConfigError::field(
                "environment",
                format!(
                    "must be the simulator's base URL with --sandbox (its test merchant exists only there), got {other:?}"
                ),
            ));
        }
        None | Some("test") | Some("stg") | Some("STG") => pg_smartro::Environment::Test,
        Some("live") | Some("real") | Some("REAL") => pg_smartro::Environment::Live,
        Some(other) => {
            return Err(ConfigError::field(
                "environment",
                format!("must be `test`, `live` or a base URL, got {other:?}"),
            ));
        }
    };
    let chosen_mid = flags
        .mid
        .clone()
        .or_else(|| env("PGKIT_SMARTRO_MID"))
        .or(file.mid);
    let chosen_mall = ssp_mall_id
        .or_else(|| env("PGKIT_SMARTRO_SSP_MALL_ID"))
        .or(file.ssp_mall_id);
    if sandbox {
        let mut credentials = pg_sandbox::merchant::smartro_test::credentials();
        if let Some(m) = chosen_mid {
            credentials.mid = mid(Some(m), "Mid")?;
        }
        if let Some(mall) = chosen_mall {
            credentials.ssp_mall_id = mall;
        }
        return Ok((credentials, environment));
    }
    let merchant_key = match merchant_key {
        Some(flag) => non_empty_key(flag)?,
        None => secret("PGKIT_MERCHANT_KEY", file.merchant_key_file.as_ref())?.ok_or_else(|| {
            ConfigError::field(
                "MerchantKey",
                "is required: --merchant-key, PGKIT_MERCHANT_KEY or merchant_key_file (or --sandbox for the simulator's test merchant)",
            )
        })?,
    };
    let credentials = pg_smartro::Credentials {
        mid: mid(chosen_mid, "Mid")?,
        merchant_key,
        ssp_mall_id: chosen_mall
            .unwrap_or_else(|| pg_smartro::config::sandbox::SSP_MALL_ID.to_owned()),
        cancel_password: secret(
            "PGKIT_SMARTRO_CANCEL_PASSWORD",
            file.cancel_password_file.as_ref(),
        )?,
    };
    Ok((credentials, environment))
}
