//! The demo's Innopay flow: SMS pay -> the buyer pays through the SMS link -> the notification,
//! refused once by the receiver and acknowledged on the retry -> a partial cancel -> a cancel of
//! the rest -> the cancel notifications.

use std::time::Duration;

use pg_core::{CancelKind, Won};
use pg_innopay::cancel::{CancelOutcome, CancelRequest};
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use pg_innopay::{Credentials, Environment, InnopayClient};
use pg_sandbox::buyer::CardEntry;
use pg_sandbox::store::DeliveryState;
use serde_json::json;

use super::steps::{OrFail, StepFailed, Steps, summaries, won, won_or_none};
use super::{Demo, SETTLE};

const AMOUNT: u64 = 10_005;
const PARTIAL: u64 = 3_000;

/// Runs the flow.
pub(crate) async fn run(demo: &Demo, steps: &mut Steps) -> Result<(), StepFailed> {
    steps.section("Innopay", "Innopay — SMS card payment (SMS 카드결제)");
    let sandbox = &demo.sandbox;
    let moid = format!("{}-innopay", demo.run_id);

    let step = steps.start("SMS payment requested");
    let client = InnopayClient::new(
        pg_http::ReqwestTransport::new().or_fail(&step)?,
        Credentials::sandbox_manual_entry(),
        Environment::Custom(sandbox.base_url().to_owned()),
    )
    .with_clock(sandbox.clock());
    let request = SmsPaymentRequest::builder()
        .moid(moid.as_str())
        .goods_name("데모 상품")
        .amount(AMOUNT)
        .buyer_name("홍길동")
        .buyer_phone("010-1234-1234")
        .buyer_email("buyer@example.kr")
        .build()
        .or_fail(&step)?;
    let order = match client.request_sms_payment(&request).await.or_fail(&step)? {
        SmsPaymentOutcome::Registered(order) => order,
        SmsPaymentOutcome::Refused(r) => return Err(step.failed(format!("refused: {r}"))),
    };
    step.expect(order.amount == Won::new(AMOUNT), || {
        format!("registered {} instead of {}", order.amount, won(AMOUNT))
    })?;
    let sms = sandbox
        .sms_outbox()
        .or_fail(&step)?
        .into_iter()
        .find(|m| m.moid == moid)
        .or_fail(&step)?;
    let deadline = order.deadline.map(|d| d.to_string()).unwrap_or_default();
    steps.done(
        step,
        &format!("moid {moid} · {} · resultCode 0000", won(AMOUNT)),
        &[
            format!("SMS to {}: {}", sms.phone, sms.text),
            format!("payment deadline {deadline} (KST)"),
        ],
        json!({ "moid": moid, "amount": AMOUNT, "sms": sms.text, "link": sms.link, "deadline": deadline }),
    );

    let step = steps.start("Buyer paid through the link");
    let paid = demo
        .buyer
        .pay_link(&sms.link, &CardEntry::test("4242 4242 4242 4242"))
        .await
        .or_fail(&step)?;
    step.expect(paid.result_code == "3001", || {
        format!("the card page answered {}", paid.result_code)
    })?;
    let tx = sandbox
        .transactions()
        .or_fail(&step)?
        .into_iter()
        .find(|t| t.moid == moid && t.approval_no.len() == 8)
        .or_fail(&step)?;
    steps.done(
        step,
        &format!("card {} · approval {}", tx.card_masked, tx.approval_no),
        &[format!("tid {}", tx.tid)],
        json!({ "tid": tx.tid, "approval": tx.approval_no, "card": tx.card_masked }),
    );

    let step = steps.start("Result notification");
    {
        let _spinner = steps.waiting("waiting for the first delivery");
        sandbox.settle(SETTLE).await.or_fail(&step)?;
    }
    let first = demo.delivery_of(&tx.tid, "approval").or_fail(&step)?;
    let refused = first.attempts.first().or_fail(&step)?;
    step.expect(
        !refused.acknowledged && first.state == DeliveryState::Pending,
        || {
            format!(
                "the first attempt should have been refused: {}",
                first.summary()
            )
        },
    )?;
    let interval = first
        .next_at
        .map(|n| (n - refused.at) / 1000)
        .unwrap_or_default();
    sandbox.advance(Duration::from_secs(interval.max(0).unsigned_abs()));
    {
        let _spinner = steps.waiting("waiting for the retry");
        sandbox.settle(SETTLE).await.or_fail(&step)?;
    }
    let delivered = demo.delivery_of(&tx.tid, "approval").or_fail(&step)?;
    let ack = delivered.attempts.last().or_fail(&step)?;
    step.expect(
        delivered.state == DeliveryState::Delivered && delivered.attempts.len() == 2,
        || {
            format!(
                "expected delivery on the second attempt: {}",
                delivered.summary()
            )
        },
    )?;
    steps.done(
        step,
        "delivered on the retry · stored once",
        &[
            format!(
                "attempt 1: HTTP {} {} (the receiver refused it, on purpose)",
                refused.status.unwrap_or_default(),
                refused.answer.lines().next().unwrap_or_default()
            ),
            format!(
                "retry scheduled {interval} s later (virtual time): the simulator's clock moved on"
            ),
            format!(
                "attempt 2: HTTP {} \"{}\" — acknowledged",
                ack.status.unwrap_or_default(),
                ack.answer
            ),
        ],
        json!({ "attempts": delivered.attempts.len(), "interval_seconds": interval }),
    );

    for (name, amount, kind) in [
        ("Partial cancel", PARTIAL, CancelKind::Partial),
        ("Cancel of the rest", AMOUNT - PARTIAL, CancelKind::Full),
    ] {
        let step = steps.start(name);
        let cancel = CancelRequest::builder()
            .tid(tx.tid.as_str())
            .amount(amount)
            .reason("데모 취소")
            .kind(kind)
            .build()
            .or_fail(&step)?;
        let result = match client.cancel(&cancel).await.or_fail(&step)? {
            CancelOutcome::Cancelled(r) => r,
            other => {
                let r = other.result();
                return Err(step.failed(format!("not cancelled: [{}] {}", r.code, r.message)));
            }
        };
        step.expect(result.amount == Some(Won::new(amount)), || {
            format!(
                "cancelled {} instead of {}",
                won_or_none(result.amount),
                won(amount)
            )
        })?;
        let remaining = sandbox
            .transaction(&tx.tid)
            .or_fail(&step)?
            .map(|t| t.remaining())
            .unwrap_or_default();
        steps.done(
            step,
            &format!(
                "{} · {} {} · remaining {}",
                won(amount),
                result.code,
                result.message,
                won(remaining)
            ),
            &[],
            json!({ "amount": amount, "code": result.code, "remaining": remaining }),
        );
    }

    let step = steps.start("Cancel notifications");
    {
        let _spinner = steps.waiting("waiting for the cancel notifications");
        sandbox.settle(SETTLE).await.or_fail(&step)?;
    }
    let cancels: Vec<_> = sandbox
        .deliveries()
        .or_fail(&step)?
        .into_iter()
        .filter(|d| d.tid == tx.tid && d.kind == "cancel")
        .collect();
    step.expect(
        cancels.len() == 2 && cancels.iter().all(|d| d.state == DeliveryState::Delivered),
        || {
            format!(
                "expected two delivered cancel notifications: {}",
                summaries(&cancels)
            )
        },
    )?;
    steps.done(
        step,
        "2 delivered, each acknowledged with 0000",
        &[],
        json!({ "delivered": cancels.len() }),
    );
    Ok(())
}
