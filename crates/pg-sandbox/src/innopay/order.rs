//! Registering an SMS order (from the API or a Web-Link page): the order, its payment link, and
//! the SMS text in the outbox.

use pg_core::{KstDateTime, PhoneNumber};

use super::codes;
use crate::answer::Refusal;
use crate::merchant::Merchant;
use crate::page;
use crate::sim::Sim;
use crate::store::{OrderState, SmsMessage, SmsOrder, StoreError};

/// What an order is registered with, already checked against the manual.
#[derive(Debug, Clone)]
pub(crate) struct OrderInput {
    pub(crate) moid: String,
    pub(crate) goods_name: String,
    pub(crate) amount: u64,
    pub(crate) duty_free: Option<u64>,
    pub(crate) buyer_name: String,
    pub(crate) buyer_tel: PhoneNumber,
    pub(crate) buyer_email: String,
    pub(crate) user_id: String,
    pub(crate) svc_prdt_cd: String,
    pub(crate) expires_at: KstDateTime,
    /// `api` or `web-link`.
    pub(crate) source: &'static str,
}

/// A registered order and the SMS sent for it.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    pub(crate) order: SmsOrder,
    pub(crate) sms: SmsMessage,
}

/// Why an order was not registered.
#[derive(Debug)]
pub(crate) enum NotRegistered {
    Refused(Refusal),
    Store(StoreError),
}

impl From<StoreError> for NotRegistered {
    fn from(e: StoreError) -> Self {
        NotRegistered::Store(e)
    }
}

/// The SMS text: what the buyer's phone shows, with the payment link (manual 2.1 screens).
pub(crate) fn sms_text(merchant: &Merchant, goods_name: &str, amount: u64, link: &str) -> String {
    format!(
        "[{}] 상품명:{} 상품금액:{} SMS 안심결제가 요청되었습니다 안심결제 접속URL안내 {} - 결제대행사 (주)인피니소프트 이노페이",
        merchant.name,
        goods_name,
        page::won(amount),
        link
    )
}

/// Registers the order: refuses a `moid` the merchant already has, then stores the order with a
/// fresh link code and puts the SMS in the outbox.
pub(crate) fn register(
    sim: &Sim,
    merchant: &Merchant,
    input: OrderInput,
) -> Result<Registered, NotRegistered> {
    let now = sim.now_ms();
    let expires_at = crate::clock::to_ms(input.expires_at.to_offset());
    if expires_at <= now {
        return Err(NotRegistered::Refused(Refusal::new(
            codes::BAD_DEADLINE,
            format!(
                "결제마감기한이 현재 시각({}) 이전입니다",
                crate::store::kst_text(now)
            ),
        )));
    }
    let pg_mid = merchant
        .pg_mid_for(&input.svc_prdt_cd)
        .unwrap_or_default()
        .to_owned();
    let registered = sim.store.with(|c| {
        let mut code = sim.ids(|ids| ids.link_code());
        while SmsOrder::by_link(c, &code)?.is_some() {
            code = sim.ids(|ids| ids.link_code());
        }
        let link = format!("{}/s/{code}", sim.base_url);
        let mut order = SmsOrder {
            id: 0,
            mid: merchant.mid.clone(),
            moid: input.moid.clone(),
            source: input.source.to_owned(),
            pg_mid,
            goods_name: input.goods_name.clone(),
            amount: input.amount,
            duty_free: input.duty_free,
            buyer_name: input.buyer_name.clone(),
            buyer_tel: input.buyer_tel.digits().to_owned(),
            buyer_email: input.buyer_email.clone(),
            user_id: input.user_id.clone(),
            svc_prdt_cd: input.svc_prdt_cd.clone(),
            expires_at,
            link_code: code,
            state: OrderState::Registered,
            tid: None,
            created_at: now,
        };
        if !order.insert(c)? {
            return Ok(None);
        }
        let mut sms = SmsMessage {
            id: 0,
            mid: merchant.mid.clone(),
            moid: input.moid.clone(),
            phone: input.buyer_tel.hyphenated(),
            text: sms_text(merchant, &input.goods_name, input.amount, &link),
            link,
            created_at: now,
        };
        sms.insert(c)?;
        Ok(Some(Registered { order, sms }))
    })?;
    registered.ok_or_else(|| {
        NotRegistered::Refused(Refusal::new(
            codes::DUPLICATE_MOID,
            format!("이미 등록된 주문번호입니다 (moid {})", input.moid),
        ))
    })
}
