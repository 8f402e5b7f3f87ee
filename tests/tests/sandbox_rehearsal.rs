//! Failure rehearsal: every documented magic amount and test card produces the SDK outcome the
//! README lists — declined, outcome unknown, or a notification the receiver handles as it must.

use std::time::Duration;

use pg_core::{Error, Secret, Tid};
use pg_innopay::cancel::CancelRequest;
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use pg_sandbox::store::DeliveryState;
use pg_sandbox::{Sandbox, SandboxConfig};
use pg_smartro::approval::ApprovalRequest;
use pg_smartro::payment_window::PaymentWindowRequest;
use pgkit_tests::sandbox_support::{
    ExpectAmount, Submit, attr, browser, form, innopay, innopay_with, notify_to, open_window,
    pay_link, receiver, sandbox_with, short_timeout, smartro, smartro_with,
};

const SETTLE: Duration = Duration::from_secs(10);

async fn rehearsal_sandbox() -> Sandbox {
    sandbox_with(SandboxConfig {
        slow_answer: Duration::from_millis(1_500),
        ..SandboxConfig::default()
    })
    .await
}

fn sms(moid: &str, amount: u64) -> SmsPaymentRequest {
    SmsPaymentRequest::builder()
        .moid(moid)
        .goods_name("리허설")
        .amount(amount)
        .buyer_name("홍길동")
        .buyer_phone("01012341234")
        .build()
        .unwrap()
}

/// The cause inside an outcome-unknown error.
fn unknown_cause(result: Result<impl std::fmt::Debug, Error>) -> Error {
    match result {
        Err(Error::OutcomeUnknown { cause, .. }) => *cause,
        other => panic!("expected outcome unknown, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innopay_calls_that_go_wrong_are_outcome_unknown() {
    let sandbox = rehearsal_sandbox().await;
    let client = innopay_with(&sandbox, short_timeout(Duration::from_millis(500)));

    // 9,408: carried out, answered after the client gave up.
    let cause = unknown_cause(client.request_sms_payment(&sms("slow", 9_408)).await);
    assert!(
        matches!(&cause, Error::Transport(t) if t.is_timeout()),
        "{cause:?}"
    );
    // 9,500: carried out, an HTML error page instead of JSON.
    let cause = unknown_cause(client.request_sms_payment(&sms("html", 9_500)).await);
    assert!(
        matches!(&cause, Error::Protocol(p) if p.status() == Some(500)),
        "{cause:?}"
    );
    // 9,444: carried out, the connection closed without an answer.
    let cause = unknown_cause(client.request_sms_payment(&sms("dropped", 9_444)).await);
    assert!(
        matches!(&cause, Error::Transport(t) if t.request_may_have_been_sent()),
        "{cause:?}"
    );
    // 9,503: not carried out, 503 with no body.
    let cause = unknown_cause(client.request_sms_payment(&sms("busy", 9_503)).await);
    assert!(
        matches!(&cause, Error::Protocol(p) if p.status() == Some(503)),
        "{cause:?}"
    );

    // Which calls took effect: the admin tells (and a retry with the same moid is refused).
    let registered: Vec<String> = sandbox
        .orders()
        .unwrap()
        .into_iter()
        .map(|o| o.moid)
        .collect();
    for moid in ["slow", "html", "dropped"] {
        assert!(
            registered.contains(&moid.to_owned()),
            "{moid} was registered: {registered:?}"
        );
    }
    assert!(!registered.contains(&"busy".to_owned()));
    match innopay(&sandbox)
        .request_sms_payment(&sms("slow", 9_408))
        .await
    {
        Ok(SmsPaymentOutcome::Refused(r)) => assert_eq!(r.code, "9005"),
        other => panic!("{other:?}"),
    }
    // The same amounts on a cancel.
    let tid = pay_innopay(&sandbox, "cancel-me", 30_000).await;
    let cancel = |amount: u64| {
        CancelRequest::builder()
            .tid(tid.as_str())
            .amount(amount)
            .reason("리허설")
            .build()
            .unwrap()
    };
    let cause = unknown_cause(client.cancel(&cancel(9_444)).await);
    assert!(matches!(cause, Error::Transport(_)));
    assert_eq!(
        sandbox.cancels(&tid).unwrap().len(),
        1,
        "the dropped cancel took effect"
    );
    let cause = unknown_cause(client.cancel(&cancel(9_503)).await);
    assert!(matches!(cause, Error::Protocol(_)));
    assert_eq!(
        sandbox.cancels(&tid).unwrap().len(),
        1,
        "the 503 cancel did not"
    );
    sandbox.shutdown().await;
}

/// Registers and pays an Innopay order (card 4242...); its tid.
async fn pay_innopay(sandbox: &Sandbox, moid: &str, amount: u64) -> String {
    let client = innopay(sandbox);
    assert!(matches!(
        client
            .request_sms_payment(&sms(moid, amount))
            .await
            .unwrap(),
        SmsPaymentOutcome::Registered(_)
    ));
    let link = sandbox
        .sms_outbox()
        .unwrap()
        .into_iter()
        .find(|m| m.moid == moid)
        .unwrap()
        .link;
    pay_link(sandbox, &link).await;
    sandbox
        .transactions()
        .unwrap()
        .into_iter()
        .find(|t| t.moid == moid)
        .expect("paid")
        .tid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartro_approval_that_goes_wrong_is_outcome_unknown() {
    let sandbox = rehearsal_sandbox().await;
    let client = smartro_with(&sandbox, short_timeout(Duration::from_millis(500)));
    for (amount, check) in [(9_408u64, "timeout"), (9_500, "html"), (9_444, "dropped")] {
        let (tid, key) = authenticate_smartro(&sandbox, &format!("sm-{amount}"), amount).await;
        let request = ApprovalRequest {
            tid: Tid::parse(&tid).unwrap(),
            tr_auth_key: Secret::new(key),
        };
        let cause = unknown_cause(client.approve(&request).await);
        match check {
            "timeout" => assert!(
                matches!(&cause, Error::Transport(t) if t.is_timeout()),
                "{cause:?}"
            ),
            "html" => assert!(matches!(&cause, Error::Protocol(_)), "{cause:?}"),
            _ => assert!(matches!(&cause, Error::Transport(_)), "{cause:?}"),
        }
        // Each was approved: the merchant must look it up (or wait for the re-notification).
        let tx = sandbox.transaction(&tid).unwrap().unwrap();
        assert_eq!(tx.state, pg_sandbox::store::TxState::Approved, "{amount}");
    }
    // 9,503: not carried out, and the token is still good once the gateway is back.
    let (tid, key) = authenticate_smartro(&sandbox, "sm-9503", 9_503).await;
    let request = ApprovalRequest {
        tid: Tid::parse(&tid).unwrap(),
        tr_auth_key: Secret::new(key),
    };
    let cause = unknown_cause(client.approve(&request).await);
    assert!(
        matches!(&cause, Error::Protocol(p) if p.status() == Some(503)),
        "{cause:?}"
    );
    let tx = sandbox.transaction(&tid).unwrap().unwrap();
    assert_eq!(tx.state, pg_sandbox::store::TxState::Authenticated);

    // The same amounts on cancel.do.
    let (tid, key) = authenticate_smartro(&sandbox, "sm-cancels", 50_000).await;
    let request = ApprovalRequest {
        tid: Tid::parse(&tid).unwrap(),
        tr_auth_key: Secret::new(key),
    };
    assert!(client.approve(&request).await.is_ok());
    let cancel = |amount: u64, sequence: u32| {
        pg_smartro::cancel::CancelRequest::builder()
            .tid(tid.as_str())
            .amount(amount)
            .reason("리허설")
            .kind(pg_core::CancelKind::Partial)
            .sequence(sequence)
            .build()
            .unwrap()
    };
    let cause = unknown_cause(client.cancel(&cancel(9_408, 1)).await);
    assert!(
        matches!(&cause, Error::Transport(t) if t.is_timeout()),
        "{cause:?}"
    );
    let cause = unknown_cause(client.cancel(&cancel(9_503, 2)).await);
    assert!(matches!(&cause, Error::Protocol(_)), "{cause:?}");
    assert_eq!(
        sandbox.cancels(&tid).unwrap().len(),
        1,
        "the slow cancel took effect, the 503 did not"
    );
    let cause = unknown_cause(client.cancel(&cancel(9_500, 2)).await);
    assert!(
        matches!(&cause, Error::Protocol(p) if p.status() == Some(500)),
        "{cause:?}"
    );
    assert_eq!(sandbox.cancels(&tid).unwrap().len(), 2);
    sandbox.shutdown().await;
}

/// A Smartro window paid with 4242... by a fresh member; `(Tid, TrAuthKey)`.
async fn authenticate_smartro(sandbox: &Sandbox, moid: &str, amount: u64) -> (String, String) {
    let window = smartro(sandbox)
        .payment_window(
            PaymentWindowRequest::builder()
                .moid(moid)
                .amount(amount)
                .goods_name("리허설")
                .mall_user_id(moid.replace('-', ""))
                .buyer_name("구매자")
                .buyer_phone("01099991111")
                .buyer_email("b@example.kr")
                .return_url("https://shop.example/r")
                .stop_url("https://shop.example/s"),
        )
        .unwrap();
    let http = browser();
    let page = open_window(sandbox, &window, "pc").await;
    let mut card = form(&page, "cardForm", sandbox.base_url()).unwrap();
    card.set("idName", "구매자")
        .set("idPhone", "01099991111")
        .set("cardNo", "4242424242424242")
        .set("expiry", "12/30")
        .set("birth", "900101")
        .set("pin", "123456")
        .set("pinConfirm", "123456");
    let (_, page) = card.submit(&http).await;
    let mut pay = form(&page, "payForm", sandbox.base_url()).unwrap();
    pay.set("pin", "123456");
    let (_, done) = pay.submit(&http).await;
    (
        attr(&done, "authenticated", "data-tid").unwrap(),
        attr(&done, "authenticated", "data-tr-auth-key").unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rehearsed_notifications_twice_tampered_and_unknown_codes() {
    let sandbox = rehearsal_sandbox().await;
    let receiver = receiver(0, None).await;
    notify_to(&sandbox, &receiver, 1, 2);
    // 9,202: delivered twice, stored once.
    pay_innopay(&sandbox, "twice", 9_202).await;
    // 9,418 / 9,419: a pay method and a status the manual does not list, kept as received.
    pay_innopay(&sandbox, "odd-method", 9_418).await;
    pay_innopay(&sandbox, "odd-status", 9_419).await;
    sandbox.settle(SETTLE).await.unwrap();
    let deliveries = sandbox.deliveries().unwrap();
    assert_eq!(deliveries.len(), 4);
    assert!(
        deliveries
            .iter()
            .all(|d| d.state == DeliveryState::Delivered),
        "{deliveries:?}"
    );
    let events = receiver.events().await;
    assert_eq!(events.len(), 3, "{events:?}");
    let twice = events
        .iter()
        .find(|e| e.moid.as_deref() == Some("twice"))
        .unwrap();
    assert_eq!(twice.deliveries, 2);
    let method = events
        .iter()
        .find(|e| e.moid.as_deref() == Some("odd-method"))
        .unwrap();
    assert_eq!(method.decoded["notification"]["pay_method"], "17");
    let status = events
        .iter()
        .find(|e| e.moid.as_deref() == Some("odd-status"))
        .unwrap();
    assert_eq!(status.decoded["notification"]["status"], "35");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_amount_is_refused_by_the_order_check_until_the_gateway_gives_up() {
    let sandbox = rehearsal_sandbox().await;
    // The shop's order is 9,409 won; the rehearsed notification says 100.
    let receiver = receiver(0, Some(ExpectAmount(9_409))).await;
    notify_to(&sandbox, &receiver, 1, 2);
    pay_innopay(&sandbox, "tampered", 9_409).await;
    sandbox.settle(SETTLE).await.unwrap();
    for _ in 0..2 {
        sandbox.advance(Duration::from_secs(60));
        sandbox.settle(SETTLE).await.unwrap();
    }
    let d = sandbox.deliveries().unwrap().remove(0);
    assert_eq!((d.state, d.attempts.len()), (DeliveryState::Failed, 3));
    assert!(
        d.attempts.iter().all(|a| a.status == Some(422)),
        "{:?}",
        d.attempts
    );
    assert!(d.note.contains("tampered"), "{}", d.note);
    let events = receiver.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].state, pg_notify::EventState::Failed);
    assert_eq!(
        receiver.handled.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the handler never ran"
    );
    sandbox.shutdown().await;
}
