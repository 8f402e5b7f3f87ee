//! Innopay (인피니소프트 이노페이) SMS card payment, every operation of the manual v1.5.
//!
//! | manual | module | what |
//! |---|---|---|
//! | 1.1, 1.3 | [`web_link`] | Web-Link: GET URL or auto-submitting POST form, five `Encoding` modes |
//! | 1.2 | [`return_event`] | the Web-Link event posted to `ReturnUrl` |
//! | 2.2, 2.3 | [`sms_pay`] | SMS card-payment API: register an order, the buyer gets a link |
//! | 3.1, 3.2 | [`cancel`] | cancel, full or partial; `2013` already cancelled is its own outcome |
//! | 4.2 | [`notification`] | the payment-result notification, every field typed; acknowledge with `0000` |
//!
//! The core is sans-I/O: requests become a [`pg_http::HttpRequest`] and responses a typed
//! result, with no clock or network inside. [`InnopayClient`] sends them over any
//! [`pg_http::Transport`] and implements [`pg_core::PaymentGateway`].
//!
//! Every outbound request is validated against the manual's tables (`data/innopay-fields.tsv`,
//! sizes in EUC-KR bytes) before any I/O, and every violation is reported at once. A refusal is
//! an outcome; a lost answer to a call that changes money is [`pg_core::Error::OutcomeUnknown`],
//! never retried.
//!
//! Decisions where the manual is inconsistent (see `PROTOCOL-NOTES.md`): `ServiceMode` is sent as
//! `PY0` (overridable); the sub-method is sent as `svcPrdtCd`; amounts and phone numbers are sent
//! as digits; cancel responses are read as JSON, form or percent-encoded JSON.

pub mod cancel;
mod client;
pub mod config;
#[path = "generated/mod.rs"]
mod generated;
pub mod notification;
pub mod return_event;
pub mod sms_pay;
pub mod web_link;

pub use client::{InnopayClient, notification_event};
pub use config::{Credentials, Environment, sandbox};
/// The manual's field tables (wire name, kind, size in EUC-KR bytes, required), generated from
/// `data/`: what requests are validated against, and what the simulator checks.
pub use generated::fields;
