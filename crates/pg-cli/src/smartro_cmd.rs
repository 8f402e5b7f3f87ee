//! `pgkit smartro ...`.

use std::io::Read;

use clap::Subcommand;
use pg_core::{CancelKind, CardCompany, Mid, Secret, Tid, Won};
use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
use pg_smartro::cancel::{CancelOutcome, CancelRequest};
use pg_smartro::crypto::{self, Aes256Cipher};
use pg_smartro::member::{MemberDeletionOutcome, MemberDeletionRequest};
use pg_smartro::payment_window::{EncodingType, PaymentWindowRequest, SkinColor};
use pg_smartro::{Device, SmartroClient};
use serde_json::json;

use crate::report::{Failure, Report};
use pg_cli::config::{self, GatewayFlags, SmartroFlags};

#[derive(Debug, Subcommand)]
pub(crate) enum SmartroCommand {
    /// Print EncryptData = Base64(SHA-256(EdiDate + Mid + Amt + MerchantKey)).
    Sign {
        /// EdiDate, yyyyMMddHHmmss.
        #[arg(long)]
        edi_date: String,
        /// Mid.
        #[arg(long)]
        mid: String,
        /// Amt, digits.
        #[arg(long)]
        amt: String,
        /// The whole MerchantKey (default: $PGKIT_MERCHANT_KEY).
        #[arg(long)]
        merchant_key: Option<String>,
    },
    /// Print VerifyValue = Base64(SHA-256(Mid + SspMallId + MallUserId)).
    VerifyValue {
        /// Mid.
        #[arg(long)]
        mid: String,
        /// SspMallId.
        #[arg(long)]
        ssp_mall_id: String,
        /// MallUserId.
        #[arg(long)]
        mall_user_id: String,
    },
    /// Encrypt stdin (exactly as given) with AES256Cipher; print Base64.
    Encrypt {
        /// The whole MerchantKey; its first 32 characters are the key (default: $PGKIT_MERCHANT_KEY).
        #[arg(long)]
        merchant_key: Option<String>,
    },
    /// Decrypt Base64 from stdin (surrounding whitespace ignored); print the text.
    Decrypt {
        /// The whole MerchantKey (default: $PGKIT_MERCHANT_KEY).
        #[arg(long)]
        merchant_key: Option<String>,
    },
    /// Build the signed payment-window form: print the fields, or with --html the page.
    Form(Box<FormArgs>),
    /// Approve an authenticated payment (Tid + TrAuthKey from the return callback).
    Approve {
        #[command(flatten)]
        gateway: SmartroFlags,
        /// Tid.
        #[arg(long)]
        tid: String,
        /// TrAuthKey.
        #[arg(long)]
        tr_auth_key: String,
        /// Fail (exit 3) when the approved amount is not this one.
        #[arg(long)]
        expected_amount: Option<String>,
    },
    /// Cancel a payment, fully or partly.
    Cancel {
        #[command(flatten)]
        gateway: SmartroFlags,
        /// Tid.
        #[arg(long)]
        tid: String,
        /// CancelAmt.
        #[arg(long)]
        amount: String,
        /// CancelMsg.
        #[arg(long)]
        reason: String,
        /// A partial cancel (PartialCancelCode 1).
        #[arg(long)]
        partial: bool,
        /// CancelSeq (1 for the first cancel).
        #[arg(long)]
        sequence: Option<u32>,
        /// CancelTaxAmt.
        #[arg(long)]
        tax_amount: Option<String>,
        /// CancelTaxFreeAmt.
        #[arg(long)]
        tax_free_amount: Option<String>,
        /// CancelVatAmt.
        #[arg(long)]
        vat_amount: Option<String>,
    },
    /// Delete an SS-Pay member (and its billing id).
    DeleteMember {
        #[command(flatten)]
        gateway: SmartroFlags,
        /// MallUserId.
        #[arg(long)]
        mall_user_id: String,
        /// MallReserved (plain text; sent Base64-encoded).
        #[arg(long)]
        mall_reserved: Option<String>,
        /// SspMallId (default: config, $PGKIT_SMARTRO_SSP_MALL_ID, or the guide's test id).
        #[arg(long)]
        ssp_mall_id: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct FormArgs {
    #[command(flatten)]
    gateway: SmartroFlags,
    /// The whole MerchantKey (default: $PGKIT_MERCHANT_KEY or the config's merchant_key_file).
    #[arg(long)]
    merchant_key: Option<String>,
    /// Moid.
    #[arg(long)]
    moid: String,
    /// Amt.
    #[arg(long)]
    amount: String,
    /// GoodsName.
    #[arg(long)]
    goods_name: String,
    /// GoodsCnt (default 1).
    #[arg(long)]
    goods_count: Option<u32>,
    /// MallUserId.
    #[arg(long)]
    mall_user_id: String,
    /// BuyerName.
    #[arg(long)]
    buyer_name: String,
    /// BuyerTel.
    #[arg(long)]
    buyer_phone: String,
    /// BuyerEmail.
    #[arg(long)]
    buyer_email: String,
    /// ReturnUrl.
    #[arg(long)]
    return_url: String,
    /// StopUrl.
    #[arg(long)]
    stop_url: String,
    /// MallReserved (plain text; sent Base64-encoded).
    #[arg(long)]
    mall_reserved: Option<String>,
    /// FnCd, a card company code.
    #[arg(long)]
    card_company: Option<String>,
    /// CardQuota, installment months.
    #[arg(long)]
    card_quota: Option<u8>,
    /// PopCheck Y.
    #[arg(long)]
    pop_check: bool,
    /// EncodingType: utf8 or euckr.
    #[arg(long)]
    encoding_type: Option<String>,
    /// SkinColor: RED, GREEN, BLUE, PURPLE.
    #[arg(long)]
    skin_color: Option<String>,
    /// SspMallId (default: config, $PGKIT_SMARTRO_SSP_MALL_ID, or the guide's test id).
    #[arg(long)]
    ssp_mall_id: Option<String>,
    /// Print the HTML page instead of the fields.
    #[arg(long)]
    html: bool,
    /// The page's device: pc or mobile.
    #[arg(long, default_value = "pc")]
    device: String,
}

fn stdin_text() -> Result<String, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::invalid(format!("cannot read stdin: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Failure::field("stdin", "must be UTF-8 text"))
}

fn digest_report(name: &str, value: &str) -> Report {
    Report::success(value.to_owned(), json!({ name: value }))
}

pub(crate) async fn run(command: SmartroCommand) -> Result<Report, Failure> {
    match command {
        SmartroCommand::Sign {
            edi_date,
            mid,
            amt,
            merchant_key,
        } => {
            let key = config::merchant_key(merchant_key, &GatewayFlags::default())?;
            // This command's flags are the hash's inputs, named as such.
            pg_core::KstDateTime::parse(&edi_date, pg_core::KstFormat::YyyyMMddHHmmss)
                .map_err(|e| Failure::field("--edi-date", e.rule))?;
            Mid::parse(&mid).map_err(|e| Failure::field("--mid", e.rule))?;
            if amt.is_empty() || !amt.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Failure::field("--amt", "must be digits only"));
            }
            let value = crypto::encrypt_data(&edi_date, &mid, &amt, &key);
            Ok(digest_report("EncryptData", value.as_str()))
        }
        SmartroCommand::VerifyValue {
            mid,
            ssp_mall_id,
            mall_user_id,
        } => {
            let value = crypto::verify_value(&mid, &ssp_mall_id, &mall_user_id);
            Ok(digest_report("VerifyValue", value.as_str()))
        }
        SmartroCommand::Encrypt { merchant_key } => {
            let key = config::merchant_key(merchant_key, &GatewayFlags::default())?;
            let cipher = Aes256Cipher::from_secret(&key)?;
            let text = stdin_text()?;
            Ok(digest_report("EncData", &cipher.encrypt(&text)))
        }
        SmartroCommand::Decrypt { merchant_key } => {
            let key = config::merchant_key(merchant_key, &GatewayFlags::default())?;
            let cipher = Aes256Cipher::from_secret(&key)?;
            let text = cipher.decrypt(&stdin_text()?)?;
            Ok(Report::success(text.clone(), json!({ "plaintext": text })))
        }
        SmartroCommand::Form(args) => form(*args),
        SmartroCommand::Approve {
            gateway,
            tid,
            tr_auth_key,
            expected_amount,
        } => {
            let (credentials, environment) = config::smartro(&gateway, None, None)?;
            let tid = Tid::parse(&tid).map_err(|e| Failure::field("Tid", e.rule))?;
            let expected = expected_amount
                .map(|a| Won::parse(&a).map_err(|e| Failure::field("expected-amount", e)))
                .transpose()?;
            let client = SmartroClient::new(transport()?, credentials, environment);
            let outcome = client
                .approve(&ApprovalRequest {
                    tid,
                    tr_auth_key: Secret::new(tr_auth_key),
                })
                .await?;
            let json = serde_json::to_value(&outcome).unwrap_or_default();
            match outcome {
                ApprovalOutcome::Approved(r) => {
                    if let Some(expected) = expected {
                        if let Err(m) = r.check_amount(expected) {
                            return Err(Failure::from(pg_core::Error::AmountMismatch {
                                tid: r.tid.as_ref().map(|t| t.to_string()).unwrap_or_default(),
                                expected: m.expected,
                                actual: m.actual,
                            }));
                        }
                    }
                    let amount = r.amount.map_or_else(|| "?".to_owned(), |a| a.grouped());
                    Ok(Report::success(
                        format!(
                            "approved: {amount} won, approval number {}",
                            r.auth_code.as_deref().unwrap_or("-")
                        ),
                        json,
                    ))
                }
                ApprovalOutcome::Refused(r) => {
                    Ok(Report::refused(&r.result_code, &r.result_message, json))
                }
            }
        }
        SmartroCommand::Cancel {
            gateway,
            tid,
            amount,
            reason,
            partial,
            sequence,
            tax_amount,
            tax_free_amount,
            vat_amount,
        } => {
            let (credentials, environment) = config::smartro(&gateway, None, None)?;
            let mut b = CancelRequest::builder()
                .tid(tid.as_str())
                .amount(amount.as_str())
                .reason(reason)
                .kind(if partial {
                    CancelKind::Partial
                } else {
                    CancelKind::Full
                });
            if let Some(s) = sequence {
                b = b.sequence(s);
            }
            if let Some(v) = &tax_amount {
                b = b.tax_amount(v.as_str());
            }
            if let Some(v) = &tax_free_amount {
                b = b.tax_free_amount(v.as_str());
            }
            if let Some(v) = &vat_amount {
                b = b.vat_amount(v.as_str());
            }
            let request = b.build()?;
            let client = SmartroClient::new(transport()?, credentials, environment);
            let outcome = client.cancel(&request).await?;
            let json = serde_json::to_value(&outcome).unwrap_or_default();
            Ok(match outcome {
                CancelOutcome::Cancelled(r) => {
                    Report::success(format!("cancelled [{}] {}", r.code, r.message), json)
                }
                CancelOutcome::AlreadyCancelled(r) => Report::success(
                    format!("already cancelled [{}] {}", r.code, r.message),
                    json,
                ),
                CancelOutcome::Refused(r) => Report::refused(&r.code, &r.message, json),
            })
        }
        SmartroCommand::DeleteMember {
            gateway,
            mall_user_id,
            mall_reserved,
            ssp_mall_id,
        } => {
            let (credentials, environment) = config::smartro(&gateway, ssp_mall_id, None)?;
            let request = MemberDeletionRequest {
                mall_user_id,
                mall_reserved,
            };
            let client = SmartroClient::new(transport()?, credentials, environment);
            let outcome = client.delete_member(&request).await?;
            let json = serde_json::to_value(&outcome).unwrap_or_default();
            Ok(match outcome {
                MemberDeletionOutcome::Deleted(d) => Report::success(
                    format!(
                        "member deleted [{}]{}",
                        d.result_code,
                        if d.cards_removed {
                            " with its registered cards"
                        } else {
                            " (no card registered)"
                        }
                    ),
                    json,
                ),
                MemberDeletionOutcome::Refused(r) => Report::refused(&r.code, &r.message, json),
            })
        }
    }
}

pub(crate) fn transport() -> Result<pg_http::ReqwestTransport, Failure> {
    pg_http::ReqwestTransport::new().map_err(Failure::transport)
}

fn form(args: FormArgs) -> Result<Report, Failure> {
    let (credentials, environment) = config::smartro(
        &args.gateway,
        args.ssp_mall_id.clone(),
        args.merchant_key.clone(),
    )?;
    let device = match args.device.as_str() {
        "pc" | "PC" => Device::Pc,
        "mobile" | "MOBILE" => Device::Mobile,
        other => {
            return Err(Failure::field(
                "device",
                format!("must be pc or mobile, got {other:?}"),
            ));
        }
    };
    let mut b = PaymentWindowRequest::builder()
        .moid(args.moid.as_str())
        .amount(args.amount.as_str())
        .goods_name(args.goods_name)
        .goods_count(args.goods_count.unwrap_or(1))
        .mall_user_id(args.mall_user_id)
        .buyer_name(args.buyer_name)
        .buyer_phone(args.buyer_phone.as_str())
        .buyer_email(args.buyer_email)
        .return_url(args.return_url)
        .stop_url(args.stop_url)
        .pop_check(args.pop_check);
    if let Some(v) = args.mall_reserved {
        b = b.mall_reserved(v);
    }
    if let Some(code) = args.card_company {
        b = b.card_company(CardCompany::from_code(&code));
    }
    if let Some(q) = args.card_quota {
        b = b.card_quota(q);
    }
    if let Some(e) = args.encoding_type {
        b = b.encoding_type(match e.as_str() {
            "utf8" => EncodingType::Utf8,
            "euckr" => EncodingType::EucKr,
            other => {
                return Err(Failure::field(
                    "EncodingType",
                    format!("must be utf8 or euckr, got {other:?}"),
                ));
            }
        });
    }
    if let Some(s) = args.skin_color {
        b = b.skin_color(match s.to_ascii_uppercase().as_str() {
            "RED" => SkinColor::Red,
            "GREEN" => SkinColor::Green,
            "BLUE" => SkinColor::Blue,
            "PURPLE" => SkinColor::Purple,
            _ => {
                return Err(Failure::field(
                    "SkinColor",
                    format!("must be RED, GREEN, BLUE or PURPLE, got {s:?}"),
                ));
            }
        });
    }
    let client = SmartroClient::new(
        pg_http::ReqwestTransport::new().map_err(Failure::transport)?,
        credentials,
        environment,
    );
    let window = client.payment_window(b)?;
    let fields: serde_json::Map<String, serde_json::Value> = window
        .fields()
        .iter()
        .map(|(n, v)| ((*n).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    if args.html {
        let page = window.html(client.environment(), device);
        return Ok(Report::success(
            page.clone(),
            json!({ "html": page, "fields": fields }),
        ));
    }
    let human = window
        .fields()
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Report::success(human, json!({ "fields": fields })))
}
