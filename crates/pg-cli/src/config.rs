//! Settings for the commands that reach a gateway: a TOML file (`--config`, `PGKIT_CONFIG`,
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

use crate::report::Failure;

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
pub(crate) struct GatewayFlags {
    /// Config file (TOML). Default: $PGKIT_CONFIG, else ./pgkit.toml when present.
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    /// `live`, `test` (Smartro STG), or a base URL such as the simulator's.
    #[arg(long, global = true)]
    pub(crate) environment: Option<String>,
    /// Merchant id.
    #[arg(long, global = true)]
    pub(crate) mid: Option<String>,
}

fn load(flags: &GatewayFlags) -> Result<FileConfig, Failure> {
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
        .map_err(|e| Failure::invalid(format!("cannot read config {}: {e}", path.display())))?;
    let config: FileConfig = toml::from_str(&text)
        .map_err(|e| Failure::invalid(format!("config {}: {}", path.display(), e.message())))?;
    for (section, g) in [("innopay", &config.innopay), ("smartro", &config.smartro)] {
        let Some(g) = g else { continue };
        for (name, value) in [
            ("license_key", &g.license_key),
            ("cancel_password", &g.cancel_password),
            ("merchant_key", &g.merchant_key),
        ] {
            if value.is_some() {
                return Err(Failure::field(
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
fn secret(var: &str, file: Option<&PathBuf>) -> Result<Option<Secret>, Failure> {
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
                Failure::invalid(format!("cannot read secret file {}: {e}", p.display()))
            })?;
            Ok(Some(Secret::new(text.trim_end_matches(['\r', '\n']))))
        }
    }
}

fn mid(value: Option<String>, field: &str) -> Result<Mid, Failure> {
    let text =
        value.ok_or_else(|| Failure::field(field, "is required (flag, environment or config)"))?;
    Mid::parse(&text).map_err(|e| Failure::field(field, e.rule))
}

/// The merchant key for the crypto commands: `--merchant-key`, else `PGKIT_MERCHANT_KEY` (or
/// `PGKIT_MERCHANT_KEY_FILE`), else the config's `merchant_key_file`.
pub(crate) fn merchant_key(flag: Option<String>, flags: &GatewayFlags) -> Result<Secret, Failure> {
    if let Some(k) = flag {
        return Ok(Secret::new(k));
    }
    let config = load(flags)?;
    let file = config
        .smartro
        .as_ref()
        .and_then(|s| s.merchant_key_file.as_ref());
    secret("PGKIT_MERCHANT_KEY", file)?.ok_or_else(|| {
        Failure::field(
            "MerchantKey",
            "is required: --merchant-key, or PGKIT_MERCHANT_KEY",
        )
    })
}

/// Innopay settings.
pub(crate) fn innopay(
    flags: &GatewayFlags,
    sandbox: bool,
    pg_mid: Option<String>,
) -> Result<(pg_innopay::Credentials, pg_innopay::Environment), Failure> {
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
            return Err(Failure::field(
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

/// Smartro settings.
pub(crate) fn smartro(
    flags: &GatewayFlags,
    ssp_mall_id: Option<String>,
) -> Result<(pg_smartro::Credentials, pg_smartro::Environment), Failure> {
    let file = load(flags)?.smartro.unwrap_or_default();
    let environment = flags
        .environment
        .clone()
        .or_else(|| env("PGKIT_SMARTRO_ENVIRONMENT"))
        .or(file.environment);
    let environment = match environment.as_deref() {
        None | Some("test") | Some("stg") | Some("STG") => pg_smartro::Environment::Test,
        Some("live") | Some("real") | Some("REAL") => pg_smartro::Environment::Live,
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            pg_smartro::Environment::simulator(url)
        }
        Some(other) => {
            return Err(Failure::field(
                "environment",
                format!("must be `test`, `live` or a base URL, got {other:?}"),
            ));
        }
    };
    let merchant_key =
        secret("PGKIT_MERCHANT_KEY", file.merchant_key_file.as_ref())?.ok_or_else(|| {
            Failure::field(
                "MerchantKey",
                "is required: PGKIT_MERCHANT_KEY or merchant_key_file",
            )
        })?;
    let credentials = pg_smartro::Credentials {
        mid: mid(
            flags
                .mid
                .clone()
                .or_else(|| env("PGKIT_SMARTRO_MID"))
                .or(file.mid),
            "Mid",
        )?,
        merchant_key,
        ssp_mall_id: ssp_mall_id
            .or_else(|| env("PGKIT_SMARTRO_SSP_MALL_ID"))
            .or(file.ssp_mall_id)
            .unwrap_or_else(|| pg_smartro::config::sandbox::SSP_MALL_ID.to_owned()),
        cancel_password: secret(
            "PGKIT_SMARTRO_CANCEL_PASSWORD",
            file.cancel_password_file.as_ref(),
        )?,
    };
    Ok((credentials, environment))
}
