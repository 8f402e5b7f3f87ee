//! Smartro PAY (스마트로페이) SS-Pay: the whole module guide, plus the cancel API and
//! re-notification recorded in `PROTOCOL-NOTES.md`.
//!
//! | step | module | what |
//! |---|---|---|
//! | payment window | [`payment_window`] | the signed form (`EdiDate`, `EncryptData`, Base64 `MallReserved`) and the page that opens the window, PC or mobile, STG or REAL |
//! | return / stop | [`callbacks`] | `Tid` + `TrAuthKey` to approve; the stop result with its 13 pay methods |
//! | approval | [`approval`] | `urlCallApproval.do`: `3001` approved; every field of the real response; `SignValue` verified; amount check |
//! | member deletion | [`member`] | `ssbMemberDel.do` with `VerifyValue` and `EncData`: `PD00`/`PS40` deleted |
//! | cancel | [`cancel`] | `cancel.do` with `HashData` and `EncData`: `2001` cancelled, `2013` already cancelled |
//! | re-notification | [`renotification`] | the old-format fields; acknowledgement `OK` by default, configurable |
//! | crypto | [`crypto`] | `EncryptData`, `VerifyValue`, `HashData`, `SignValue`, `AES256Cipher` (zero IV) |
//!
//! The core is sans-I/O; [`SmartroClient`] sends over any [`pg_http::Transport`] and implements
//! [`pg_core::PaymentGateway`]. Calls that move money never retry, and report a lost or
//! unreadable answer as [`pg_core::Error::OutcomeUnknown`].

pub mod approval;
pub mod callbacks;
pub mod cancel;
mod client;
pub mod config;
pub mod crypto;
#[path = "generated/mod.rs"]
mod generated;
pub mod member;
pub mod payment_window;
pub mod renotification;

pub use client::{SmartroClient, renotification_event};
pub use config::{Credentials, Device, Environment};
/// The manual's field tables (wire name, kind, size in EUC-KR bytes, required), generated from
/// `data/`: what requests are validated against, and what the simulator checks.
pub use generated::fields;
