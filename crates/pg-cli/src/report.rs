//! Exit codes and output: every command ends in a [`Report`] (success or refusal) or a
//! [`Failure`], printed for people or, with `--json`, as one JSON object.

use std::fmt;
use std::process::ExitCode;

use serde_json::{Value, json};

/// The contract scripts rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: refused by the gateway.
    Refused = 1,
    /// 2: invalid input (the message names the field and the rule).
    Invalid = 2,
    /// 3: transport failure or outcome unknown.
    Transport = 3,
}

/// What a command produced.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) exit: Exit,
    /// For people (stdout).
    pub(crate) human: String,
    /// For `--json` (as `result`).
    pub(crate) json: Value,
}

impl Report {
    pub(crate) fn success(human: impl Into<String>, json: Value) -> Self {
        Report {
            exit: Exit::Success,
            human: human.into(),
            json,
        }
    }

    pub(crate) fn refused(code: &str, message: &str, json: Value) -> Self {
        Report {
            exit: Exit::Refused,
            human: format!("refused by the gateway: [{code}] {message}"),
            json,
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) kind: &'static str,
    pub(crate) message: String,
    pub(crate) violations: Vec<(String, String)>,
}

impl Failure {
    pub(crate) fn invalid(message: impl fmt::Display) -> Self {
        Failure {
            exit: Exit::Invalid,
            kind: "invalid_input",
            message: message.to_string(),
            violations: Vec::new(),
        }
    }

    pub(crate) fn field(field: &str, rule: impl fmt::Display) -> Self {
        let rule = rule.to_string();
        Failure {
            exit: Exit::Invalid,
            kind: "invalid_input",
            message: format!("invalid input: {field} {rule}"),
            violations: vec![(field.to_owned(), rule)],
        }
    }

    pub(crate) fn transport(message: impl fmt::Display) -> Self {
        Failure {
            exit: Exit::Transport,
            kind: "transport",
            message: message.to_string(),
            violations: Vec::new(),
        }
    }
}

impl From<pg_cli::config::ConfigError> for Failure {
    fn from(e: pg_cli::config::ConfigError) -> Self {
        match e {
            pg_cli::config::ConfigError::Field { field, rule } => Failure::field(&field, rule),
            pg_cli::config::ConfigError::Unreadable(message) => Failure::invalid(message),
        }
    }
}

impl From<pg_core::InvalidInput> for Failure {
    fn from(e: pg_core::InvalidInput) -> Self {
        Failure {
            exit: Exit::Invalid,
            kind: "invalid_input",
            message: e.to_string(),
            violations: e
                .violations()
                .iter()
                .map(|v| (v.field.to_string(), v.rule.to_string()))
                .collect(),
        }
    }
}

impl From<pg_core::Error> for Failure {
    fn from(e: pg_core::Error) -> Self {
        use pg_core::Error as E;
        let message = e.to_string();
        match e {
            E::InvalidInput(i) => i.into(),
            E::Crypto(_) => Failure {
                exit: Exit::Invalid,
                kind: "crypto",
                message,
                violations: Vec::new(),
            },
            E::Unsupported { .. } => Failure {
                exit: Exit::Invalid,
                kind: "unsupported",
                message,
                violations: Vec::new(),
            },
            E::OutcomeUnknown { .. } => Failure {
                exit: Exit::Transport,
                kind: "outcome_unknown",
                message: format!("{message} — check the transaction before retrying"),
                violations: Vec::new(),
            },
            E::AmountMismatch { .. } => Failure {
                exit: Exit::Transport,
                kind: "amount_mismatch",
                message: format!("{message} — the payment went through: cancel or reconcile it"),
                violations: Vec::new(),
            },
            E::Protocol(_) => Failure {
                exit: Exit::Transport,
                kind: "protocol",
                message,
                violations: Vec::new(),
            },
            _ => Failure {
                exit: Exit::Transport,
                kind: "transport",
                message,
                violations: Vec::new(),
            },
        }
    }
}

impl From<pg_core::CryptoError> for Failure {
    fn from(e: pg_core::CryptoError) -> Self {
        pg_core::Error::Crypto(e).into()
    }
}

/// Prints the outcome and returns the exit code.
pub(crate) fn finish(result: Result<Report, Failure>, json_output: bool) -> ExitCode {
    match result {
        Ok(report) => {
            if json_output {
                println!(
                    "{}",
                    json!({ "exit": report.exit as u8, "result": report.json })
                );
            } else if !report.human.is_empty() {
                println!("{}", report.human);
            }
            ExitCode::from(report.exit as u8)
        }
        Err(failure) => {
            if json_output {
                let violations: Vec<Value> = failure
                    .violations
                    .iter()
                    .map(|(field, rule)| json!({ "field": field, "rule": rule }))
                    .collect();
                println!(
                    "{}",
                    json!({
                        "exit": failure.exit as u8,
                        "error": { "kind": failure.kind, "message": failure.message, "violations": violations }
                    })
                );
            } else {
                eprintln!("pgkit: {}", failure.message);
            }
            ExitCode::from(failure.exit as u8)
        }
    }
}
