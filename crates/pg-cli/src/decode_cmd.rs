//! `pgkit decode`: a raw body on stdin, typed, as JSON.

use std::io::Read;

use clap::ValueEnum;
use pg_innopay::notification::Notification;
use pg_innopay::return_event::WebLinkEvent;
use pg_smartro::approval::parse_approval_response;
use pg_smartro::callbacks::{ReturnCallback, StopResult};
use pg_smartro::renotification::ReNotification;
use serde_json::Value;

use crate::report::{Failure, Report};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Gateway {
    Innopay,
    Smartro,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Kind {
    Notification,
    Return,
    Stop,
    Approval,
    Renotification,
}

/// Decode a raw body from stdin.
#[derive(Debug, clap::Args)]
pub(crate) struct DecodeArgs {
    /// Which gateway sent it.
    #[arg(long, value_enum)]
    gateway: Gateway,
    /// What it is: innopay notification|return; smartro return|stop|approval|renotification.
    #[arg(long, value_enum)]
    kind: Kind,
    /// The Content-Type it came with (its charset is honoured; otherwise detected).
    #[arg(long)]
    content_type: Option<String>,
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub(crate) fn run(args: DecodeArgs) -> Result<Report, Failure> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| Failure::invalid(format!("cannot read stdin: {e}")))?;
    // A body copied from a log usually ends with a newline the gateway never sent.
    while body.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        body.pop();
    }
    let ct = args.content_type.as_deref();
    let value = match (args.gateway, args.kind) {
        (Gateway::Innopay, Kind::Notification) => to_json(&Notification::decode(&body, ct)?),
        (Gateway::Innopay, Kind::Return) => to_json(&WebLinkEvent::decode(&body, ct)?),
        (Gateway::Smartro, Kind::Return) => to_json(&ReturnCallback::decode(&body, ct)?),
        (Gateway::Smartro, Kind::Stop) => to_json(&StopResult::decode(&body, ct)?),
        (Gateway::Smartro, Kind::Renotification | Kind::Notification) => {
            to_json(&ReNotification::decode(&body, ct)?)
        }
        (Gateway::Smartro, Kind::Approval) => {
            let response = pg_http::HttpResponse::new(200, body);
            let outcome = parse_approval_response(&response)
                .map_err(|e| Failure::field("(body)", e.what()))?;
            to_json(&outcome)
        }
        (Gateway::Innopay, kind) => {
            let name = kind
                .to_possible_value()
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default();
            return Err(Failure::field(
                "--kind",
                format!("{name} is not an Innopay body: use notification or return"),
            ));
        }
    };
    let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
    Ok(Report::success(pretty, value))
}
