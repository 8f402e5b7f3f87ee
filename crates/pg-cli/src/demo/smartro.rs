//! The demo's Smartro flow: the signed form -> the payment window (a test card registered, the
//! SS-Pay password) -> approval with the amount checked and `SignValue` verified -> a partial
//! cancel -> member deletion -> the re-notifications.

use pg_core::{CancelKind, Secret, Tid, Won};
use pg_sandbox::buyer::CardEntry;
use pg_sandbox::merchant::smartro_test;
use pg_sandbox::store::DeliveryState;
use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
use pg_smartro::cancel::{CancelOutcome, CancelRequest};
use pg_smartro::member::{MemberDeletionOutcome, MemberDeletionRequest};
use pg_smartro::payment_window::PaymentWindowRequest;
use pg_smartro::{Environment, SmartroClient};
use serde_json::json;

use super::steps::{OrFail, StepFailed, Steps, summaries, won, won_or_none};
use super::{Demo, SETTLE};

const AMOUNT: u64 = 50_000;
const PARTIAL: u64 = 10_000;

/// Runs the flow.
pub(crate) async fn run(demo: &Demo, steps: &mut Steps) -> Result<(), StepFailed> {
    steps.section("Smartro", "Smartro PAY — SS-Pay payment window (간편결제)");
    let sandbox = &demo.sandbox;
    let moid = format!("{}-smartro", demo.run_id);
    // MallUserId: letters and digits, at most 20: `demo` and the run's time of day.
    let member = format!(
        "demo{}",
        &demo.run_id[demo.run_id.len().saturating_sub(6)..]
    );

    let step = steps.start("Signed form");
    let client = SmartroClient::new(
        pg_http::ReqwestTransport::new().or_fail(&step)?,
        smartro_test::credentials(),
        Environment::simulator(sandbox.base_url()),
    )
    .with_clock(sandbox.clock());
    let window = client
        .payment_window(
            PaymentWindowRequest::builder()
                .moid(moid.as_str())
                .amount(AMOUNT)
                .goods_name("데모 상품")
                .mall_user_id(member.as_str())
                .buyer_name("구매자")
                .buyer_phone("010-9999-1111")
                .buyer_email("buyer@example.kr")
                .return_url(format!("{}/smartro/return", demo.receiver_url))
                .stop_url(format!("{}/smartro/stop", demo.receiver_url)),
        )
        .or_fail(&step)?;
    let field = |name: &str| window.field(name).unwrap_or_default().to_owned();
    steps.done(
        step,
        &format!(
            "{} · EdiDate {} · EncryptData {}",
            won(AMOUNT),
            field("EdiDate"),
            field("EncryptData")
        ),
        &[],
        json!({ "moid": moid, "edi_date": field("EdiDate"), "encrypt_data": field("EncryptData") }),
    );

    let step = steps.start("Payment window");
    let fields: Vec<(&str, &str)> = window
        .fields()
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let auth = {
        let _spinner = steps.waiting("the buyer registers a test card and enters the password");
        demo.buyer
            .pay_window(
                &fields,
                "pc",
                &CardEntry::test("4242 4242 4242 4242"),
                "123456",
            )
            .await
            .or_fail(&step)?
    };
    steps.done(
        step,
        "test card registered · SS-Pay password entered",
        &[format!("Callback({{Tid: {}, TrAuthKey: …}})", auth.tid)],
        json!({ "tid": auth.tid }),
    );

    let step = steps.start("Approval");
    let approval = ApprovalRequest {
        tid: Tid::parse(&auth.tid).or_fail(&step)?,
        tr_auth_key: Secret::new(auth.tr_auth_key),
    };
    let approved = match client.approve(&approval).await.or_fail(&step)? {
        ApprovalOutcome::Approved(r) => r,
        ApprovalOutcome::Refused(r) => {
            return Err(step.failed(format!("refused [{}] {}", r.result_code, r.result_message)));
        }
    };
    approved.check_amount(Won::new(AMOUNT)).or_fail(&step)?;
    step.expect(
        approved.verify_sign_value(&Secret::new(smartro_test::MERCHANT_KEY)) == Some(true),
        || "SignValue does not verify".into(),
    )?;
    steps.done(
        step,
        &format!(
            "{} {} · {} = the order's amount · SignValue verified",
            approved.result_code,
            approved.result_message,
            won(AMOUNT)
        ),
        &[format!(
            "approval {} · card {}",
            approved.auth_code.clone().unwrap_or_default(),
            approved
                .card
                .number
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or_default()
        )],
        json!({ "code": approved.result_code, "amount": AMOUNT, "approval": approved.auth_code }),
    );

    let step = steps.start("Partial cancel");
    let cancel = CancelRequest::builder()
        .tid(auth.tid.as_str())
        .amount(PARTIAL)
        .reason("데모 부분취소")
        .kind(CancelKind::Partial)
        .sequence(1)
        .build()
        .or_fail(&step)?;
    let cancelled = match client.cancel(&cancel).await.or_fail(&step)? {
        CancelOutcome::Cancelled(r) => r,
        other => {
            let r = other.result();
            return Err(step.failed(format!("not cancelled: [{}] {}", r.code, r.message)));
        }
    };
    step.expect(cancelled.amount == Some(Won::new(PARTIAL)), || {
        format!(
            "cancelled {} instead of {}",
            won_or_none(cancelled.amount),
            won(PARTIAL)
        )
    })?;
    steps.done(
        step,
        &format!(
            "{} · {} {} · remaining {}",
            won(PARTIAL),
            cancelled.code,
            cancelled.message,
            won(AMOUNT - PARTIAL)
        ),
        &[],
        json!({ "amount": PARTIAL, "code": cancelled.code }),
    );

    let step = steps.start("Member deletion");
    let deleted = match client
        .delete_member(&MemberDeletionRequest::new(member.as_str()))
        .await
        .or_fail(&step)?
    {
        MemberDeletionOutcome::Deleted(d) => d,
        MemberDeletionOutcome::Refused(r) => return Err(step.failed(format!("refused: {r}"))),
    };
    steps.done(
        step,
        &format!("{} {}", deleted.result_code, deleted.result_message),
        &[],
        json!({ "code": deleted.result_code }),
    );

    let step = steps.start("Re-notifications");
    {
        let _spinner = steps.waiting("waiting for the re-notifications");
        sandbox.settle(SETTLE).await.or_fail(&step)?;
    }
    let delivered: Vec<_> = sandbox
        .deliveries()
        .or_fail(&step)?
        .into_iter()
        .filter(|d| d.tid == auth.tid)
        .collect();
    step.expect(
        delivered.len() == 2
            && delivered
                .iter()
                .all(|d| d.state == DeliveryState::Delivered),
        || {
            format!(
                "expected the approval and the cancel delivered: {}",
                summaries(&delivered)
            )
        },
    )?;
    steps.done(
        step,
        "approval and cancel delivered, each acknowledged with OK",
        &[],
        json!({ "delivered": delivered.len() }),
    );
    Ok(())
}
