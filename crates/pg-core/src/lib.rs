#![doc = include_str!("../README.md")]

pub mod card_company;
pub mod card_number;
pub mod charset;
pub mod error;
pub mod field_spec;
pub mod field_value;
pub mod form;
pub mod gateway;
pub mod html;
pub mod ids;
pub mod json;
pub mod kst;
pub mod mask;
pub mod result_code;
pub mod secret;
pub mod text;
mod validator;
pub mod warning;
pub mod won;

pub use card_company::CardCompany;
pub use card_number::MaskedCardNumber;
pub use charset::Charset;
pub use compact_str::CompactString;
pub use error::{CryptoError, Error, InvalidInput, ProtocolError, TransportError};
pub use field_spec::{FieldKind, FieldSpec, Rule, Validator, Violation};
pub use field_value::{FieldValue, Slot};
pub use gateway::{
    ApprovedPayment, Buyer, CallbackEvent, CallbackKind, CancelKind, CancelOutcome, CancelReceipt,
    CancelRequest, Capabilities, Capability, CardSummary, CompletionRequest, EventStatus,
    GatewayId, InboundCallback, PaymentGateway, PaymentOutcome, PaymentRequest, Refusal,
    StartOutcome,
};
pub use ids::{InvalidId, Mid, Moid, PhoneNumber, Tid};
pub use kst::{Clock, FixedClock, KstDateTime, KstFormat, SystemClock};
pub use secret::Secret;
pub use warning::Warning;
pub use won::{Won, WonError};
