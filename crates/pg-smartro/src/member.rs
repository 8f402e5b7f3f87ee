//! SS-Pay member deletion (guide "SS-PAY 회원 삭제"): `paramData` JSON encrypted with
//! `AES256Cipher` as `EncData`, posted with the `Mid` to `ssbMemberDel.do`. Deleting a member
//! deletes both its easy-payment and its billing ids.

use std::collections::BTreeMap;

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::{Error, InvalidInput, ProtocolError, Refusal};
use pg_http::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::config::{Credentials, Environment};
use crate::crypto::{self, Aes256Cipher};
use crate::generated::fields::member_deletion as spec;

/// A member to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDeletionRequest {
    /// `MallUserId`, the member.
    pub mall_user_id: String,
    /// `MallReserved`, the merchant's text (sent Base64-encoded, echoed back).
    pub mall_reserved: Option<String>,
}

/// The encrypted `paramData`, in the guide's sample order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParamData<'a> {
    mid: &'a str,
    ssp_mall_id: &'a str,
    mall_user_id: &'a str,
    verify_value: &'a str,
    service_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mall_reserved: Option<&'a str>,
}

/// The outer body: `{"EncData":...,"Mid":...}`.
pub(crate) fn envelope(enc_data: &str, mid: &str) -> Vec<u8> {
    serde_json::json!({ "EncData": enc_data, "Mid": mid })
        .to_string()
        .into_bytes()
}

impl MemberDeletionRequest {
    /// A deletion of `mall_user_id`.
    pub fn new(mall_user_id: impl Into<String>) -> Self {
        MemberDeletionRequest {
            mall_user_id: mall_user_id.into(),
            mall_reserved: None,
        }
    }

    /// The `paramData` JSON before encryption (for inspection and tests).
    pub fn param_data(&self, credentials: &Credentials) -> Result<String, InvalidInput> {
        let mid = credentials.mid.as_str();
        let verify = crypto::verify_value(mid, &credentials.ssp_mall_id, &self.mall_user_id);
        let reserved = self
            .mall_reserved
            .as_ref()
            .map(|t| crate::crypto::base64_encode(t.as_bytes()));
        let data = ParamData {
            mid,
            ssp_mall_id: &credentials.ssp_mall_id,
            mall_user_id: &self.mall_user_id,
            verify_value: verify.as_str(),
            service_type: "MD",
            mall_reserved: reserved.as_deref(),
        };
        let mut v = Validator::new();
        v.check(&spec::MID, Some(data.mid))
            .check(&spec::SSP_MALL_ID, Some(data.ssp_mall_id))
            .check(&spec::MALL_USER_ID, Some(data.mall_user_id))
            .check(&spec::SERVICE_TYPE, Some(data.service_type))
            .check(&spec::VERIFY_VALUE, Some(data.verify_value))
            .check(&spec::MALL_RESERVED, data.mall_reserved);
        if let Some((position, c)) = data
            .mall_user_id
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
        {
            if v.violations()
                .iter()
                .all(|x| x.field != spec::MALL_USER_ID.name)
            {
                v.push(Violation::new(
                    spec::MALL_USER_ID.name,
                    Rule::Constraint(
                        format!("letters and digits only: {c:?} at position {position}").into(),
                    ),
                ));
            }
        }
        v.finish()?;
        serde_json::to_string(&data).map_err(|e| {
            InvalidInput::single(
                "(paramData)",
                Rule::Format {
                    expected: "JSON-serialisable fields",
                    reason: e.to_string(),
                },
            )
        })
    }

    /// The HTTP request (sans-I/O): `{"EncData": AES256Cipher(paramData), "Mid": Mid}`.
    pub fn to_http(
        &self,
        credentials: &Credentials,
        environment: &Environment,
    ) -> Result<HttpRequest, Error> {
        let param_data = self.param_data(credentials)?;
        let cipher = Aes256Cipher::from_secret(&credentials.merchant_key)?;
        let enc_data = cipher.encrypt(&param_data);
        let body = envelope(&enc_data, credentials.mid.as_str());
        Ok(HttpRequest::post_json(
            environment.member_deletion_url(),
            body,
        ))
    }
}

/// A deleted member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberDeleted {
    /// `PD00`: the member and its registered cards were deleted; `PS40`: it had no card.
    pub cards_removed: bool,
    /// `ResultCode`.
    pub result_code: String,
    /// `ResultMsg`.
    pub result_message: String,
    /// `SspMallId`.
    pub ssp_mall_id: Option<String>,
    /// `MallReserved` as echoed.
    pub mall_reserved: Option<String>,
    /// Other fields.
    pub extra: BTreeMap<String, Value>,
}

/// The result of a member deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum MemberDeletionOutcome {
    /// `PD00` or `PS40`.
    Deleted(MemberDeleted),
    /// Anything else.
    Refused(Refusal),
}

/// Reads a member-deletion response (sans-I/O).
pub fn parse_member_deletion_response(
    response: &HttpResponse,
) -> Result<MemberDeletionOutcome, ProtocolError> {
    let json = response.json_object()?;
    let code = json.text("ResultCode").ok_or_else(|| {
        json.violation("response has no ResultCode")
            .with_status(response.status)
    })?;
    let message = json.text("ResultMsg").unwrap_or_default();
    use pg_core::result_code::{ResultOutcome, classify};
    Ok(match classify("smartro", "member-deletion", &code) {
        ResultOutcome::Success => MemberDeletionOutcome::Deleted(MemberDeleted {
            cards_removed: code == "PD00",
            ssp_mall_id: json.text("SspMallId"),
            mall_reserved: json.text("MallReserved"),
            extra: json.extra(&["SspMallId", "ResultCode", "ResultMsg", "MallReserved"]),
            result_code: code,
            result_message: message,
        }),
        _ => MemberDeletionOutcome::Refused(Refusal { code, message }),
    })
}
