//! `pgkit innopay ...`.

use clap::Subcommand;
use pg_core::{CancelKind, Secret};
use pg_innopay::InnopayClient;
use pg_innopay::cancel::{CancelOutcome, CancelRequest, RefundAccount};
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use pg_innopay::web_link::{RequestType, SubPayMethod, WebLinkEncoding, WebLinkRequest};
use serde_json::json;

use crate::report::{Failure, Report};
use crate::smartro_cmd::transport;
use pg_cli::config::{self, GatewayFlags};

/// Settings shared by the Innopay commands.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct InnopayFlags {
    #[command(flatten)]
    gateway: GatewayFlags,
    /// PgMID (Web-Link).
    #[arg(long)]
    pg_mid: Option<String>,
    /// Use the manual's published test credentials (testpay01m / nictest14m / 123456).
    #[arg(long)]
    sandbox: bool,
}

/// The order fields shared by Web-Link and the SMS API.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OrderArgs {
    /// Order number (moid).
    #[arg(long)]
    moid: String,
    /// Amount in won (digits; "10,005" accepted).
    #[arg(long)]
    amount: String,
    /// Goods name.
    #[arg(long)]
    goods_name: String,
    /// Tax-free part of the amount.
    #[arg(long)]
    duty_free_amount: Option<String>,
    /// Buyer name.
    #[arg(long)]
    buyer_name: Option<String>,
    /// Buyer mobile number.
    #[arg(long)]
    buyer_phone: Option<String>,
    /// Buyer e-mail.
    #[arg(long)]
    buyer_email: Option<String>,
    /// Payment deadline, `yyyy-MM-dd HH:mm:ss` or `yyyyMMddHHmmss` (KST).
    #[arg(long)]
    deadline: Option<String>,
    /// The buyer's member id.
    #[arg(long)]
    user_id: Option<String>,
    /// Sub-method: manual (03, SMS 수기) or authenticated (04, SMS 인증).
    #[arg(long)]
    sub_method: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum InnopayCommand {
    /// Print the Web-Link URL (or with --form the auto-submitting POST page).
    WebLink {
        #[command(flatten)]
        settings: InnopayFlags,
        #[command(flatten)]
        order: OrderArgs,
        /// RequestType: pc (empty), web, or mobile.
        #[arg(long, default_value = "pc")]
        request_type: String,
        /// Encoding: utf-8, euc-kr, noencoding, url_utf-8, url_euc-kr.
        #[arg(long)]
        encoding: Option<String>,
        /// ReturnUrl for Web-Link events.
        #[arg(long)]
        return_url: Option<String>,
        /// Print the POST form page instead of the URL.
        #[arg(long)]
        form: bool,
    },
    /// Register an SMS card payment: the buyer is texted a payment link.
    SmsPay {
        #[command(flatten)]
        settings: InnopayFlags,
        #[command(flatten)]
        order: OrderArgs,
    },
    /// Cancel a card payment, fully or partly.
    Cancel {
        #[command(flatten)]
        settings: InnopayFlags,
        /// Transaction id (tid).
        #[arg(long)]
        tid: String,
        /// Amount to cancel.
        #[arg(long)]
        amount: String,
        /// Reason (cancelMsg).
        #[arg(long)]
        reason: String,
        /// Partial cancel (partialCancelCode 1); without it, partialCancelCode is not sent.
        #[arg(long)]
        partial: bool,
        /// Refund bank code (refundBankCd); the account number comes from $PGKIT_INNOPAY_REFUND_ACCOUNT.
        #[arg(long)]
        refund_bank_code: Option<String>,
        /// Refund account holder (refundAcctNm).
        #[arg(long)]
        refund_holder: Option<String>,
    },
}

fn sub_method(value: Option<&str>) -> Result<Option<SubPayMethod>, Failure> {
    match value {
        None => Ok(None),
        Some("manual") | Some("03") => Ok(Some(SubPayMethod::ManualEntry)),
        Some("authenticated") | Some("04") => Ok(Some(SubPayMethod::Authenticated)),
        Some(other) => Err(Failure::field(
            "svcPrdtCd",
            format!("must be manual (03) or authenticated (04), got {other:?}"),
        )),
    }
}

fn client(settings: &InnopayFlags) -> Result<InnopayClient<pg_http::ReqwestTransport>, Failure> {
    let (credentials, environment) =
        config::innopay(&settings.gateway, settings.sandbox, settings.pg_mid.clone())?;
    Ok(InnopayClient::new(transport()?, credentials, environment))
}

pub(crate) async fn run(command: InnopayCommand) -> Result<Report, Failure> {
    match command {
        InnopayCommand::WebLink {
            settings,
            order,
            request_type,
            encoding,
            return_url,
            form,
        } => {
            let client = client(&settings)?;
            let mut b = WebLinkRequest::builder()
                .moid(order.moid.as_str())
                .amount(order.amount.as_str())
                .goods_name(order.goods_name)
                .request_type(match request_type.as_str() {
                    "pc" | "" => RequestType::Pc,
                    "web" | "WEB" => RequestType::Web,
                    "mobile" | "Mobile" => RequestType::Mobile,
                    other => {
                        return Err(Failure::field(
                            "RequestType",
                            format!("must be pc, web or mobile, got {other:?}"),
                        ));
                    }
                });
            if let Some(v) = &order.duty_free_amount {
                b = b.duty_free_amount(v.as_str());
            }
            if let Some(v) = order.buyer_name {
                b = b.buyer_name(v);
            }
            if let Some(v) = &order.buyer_phone {
                b = b.buyer_phone(v.as_str());
            }
            if let Some(v) = order.buyer_email {
                b = b.buyer_email(v);
            }
            if let Some(v) = &order.deadline {
                b = b.deadline(v.as_str());
            }
            if let Some(v) = order.user_id {
                b = b.user_id(v);
            }
            if let Some(s) = sub_method(order.sub_method.as_deref())? {
                b = b.sub_method(s);
            }
            if let Some(e) = encoding {
                b = b.encoding(WebLinkEncoding::from_wire(&e).ok_or_else(|| {
                    Failure::field(
                        "Encoding",
                        format!(
                            "must be utf-8, euc-kr, noencoding, url_utf-8 or url_euc-kr, got {e:?}"
                        ),
                    )
                })?);
            }
            if let Some(v) = return_url {
                b = b.return_url(v);
            }
            let link = client.web_link(b)?;
            let url = link.get_url();
            if form {
                let page = link.post_form_html();
                return Ok(Report::success(page.clone(), json!({ "html": page })));
            }
            Ok(Report::success(url.clone(), json!({ "url": url })))
        }
        InnopayCommand::SmsPay { settings, order } => {
            let client = client(&settings)?;
            let mut b = SmsPaymentRequest::builder()
                .moid(order.moid.as_str())
                .amount(order.amount.as_str())
                .goods_name(order.goods_name)
                .buyer_name(order.buyer_name.unwrap_or_default());
            if let Some(v) = &order.buyer_phone {
                b = b.buyer_phone(v.as_str());
            }
            if let Some(v) = &order.duty_free_amount {
                b = b.duty_free_amount(v.as_str());
            }
            if let Some(v) = order.buyer_email {
                b = b.buyer_email(v);
            }
            if let Some(v) = &order.deadline {
                b = b.deadline(v.as_str());
            }
            if let Some(v) = order.user_id {
                b = b.user_id(v);
            }
            if let Some(s) = sub_method(order.sub_method.as_deref())? {
                b = b.sub_method(s);
            }
            let request = b.build()?;
            let outcome = client.request_sms_payment(&request).await?;
            let json = serde_json::to_value(&outcome).unwrap_or_default();
            Ok(match outcome {
                SmsPaymentOutcome::Registered(o) => Report::success(
                    format!(
                        "SMS order {} registered: {} won, deadline {}\n{}",
                        o.moid,
                        o.amount.grouped(),
                        o.deadline.map_or_else(|| "-".to_owned(), |d| d.to_string()),
                        o.message
                    ),
                    json,
                ),
                SmsPaymentOutcome::Refused(r) => Report::refused(&r.code, &r.message, json),
            })
        }
        InnopayCommand::Cancel {
            settings,
            tid,
            amount,
            reason,
            partial,
            refund_bank_code,
            refund_holder,
        } => {
            let client = client(&settings)?;
            let mut b = CancelRequest::builder()
                .tid(tid.as_str())
                .amount(amount.as_str())
                .reason(reason);
            if partial {
                b = b.kind(CancelKind::Partial);
            }
            if let Some(bank_code) = refund_bank_code {
                let number = std::env::var("PGKIT_INNOPAY_REFUND_ACCOUNT").map_err(|_| {
                    Failure::field(
                        "refundAcctNo",
                        "is required with --refund-bank-code: set PGKIT_INNOPAY_REFUND_ACCOUNT",
                    )
                })?;
                b = b.refund_account(RefundAccount {
                    bank_code,
                    account_number: Secret::new(number),
                    holder: refund_holder.unwrap_or_default(),
                });
            }
            let request = b.build()?;
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
    }
}
