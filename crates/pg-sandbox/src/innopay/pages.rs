//! The Web-Link window's pages, after the manual's screens (section 2 "[SMS 카드결제요청] UI" and
//! "[SMS 카드결제요청 결과] UI"): the request page for staff (`RequestType` `WEB`/empty) or the
//! buyer (`Mobile`), the result page, refusals, and the `ReturnUrl` events (manual 1.2), which
//! the window submits as a browser form (`application/x-www-form-urlencoded; charset=UTF-8`).

use axum::http::StatusCode;
use axum::response::Response;
use pg_core::html::escape;
use pg_core::{KstDateTime, KstFormat, PhoneNumber};
use pg_innopay::fields::web_link as spec;

use super::order::Registered;
use super::web_link::REFUSAL_STATUS;
use crate::answer::{self, Refusal};
use crate::merchant::Merchant;
use crate::page::{auto_post, hidden, layout, result_box, summary, won};
use crate::store::{Session, kst_text};

const BRAND: &str = "INNOPAY 전자결제 서비스";
/// The frame `ReturnUrl` events are posted into, so the window's page stays.
const EVENT_FRAME: &str = "innopay-return-event";

/// The three terms of the UI guideline (2.1), with the simulator's copies of their pages.
const TERMS: [(&str, &str, &str); 3] = [
    ("agreeTerms", "전자금융거래 기본약관", "/api/terms"),
    (
        "agreeCollection",
        "개인정보 수집 및 이용약관",
        "/api/collection",
    ),
    (
        "agreeOffering",
        "개인정보 제공 및 위탁안내",
        "/api/offering",
    ),
];

fn is_mobile(session: &Session) -> bool {
    session
        .field(spec::REQUEST_TYPE.name)
        .eq_ignore_ascii_case("mobile")
}

/// The request page: the order, the terms with "agree to all", the buyer's name, phone and
/// e-mail (pre-filled from the request), the deadline and the notices.
pub(crate) fn request_page(
    session: &Session,
    merchant: &Merchant,
    error: Option<Refusal>,
) -> Response {
    let mobile = is_mobile(session);
    let f = |name: &str| session.field(name).to_owned();
    let amount: u64 = session.field(spec::AMT.name).parse().unwrap_or_default();
    let mut body = String::new();
    if let Some(e) = &error {
        body.push_str(&result_box(false, e.code, &e.message));
    }
    body.push_str("<p class=\"notice\">입력 &gt; 요청결과</p>\n");
    body.push_str(&summary(&[
        ("가맹점", merchant.name.clone()),
        ("주문번호", f(spec::MOID.name)),
        ("상품명", f(spec::GOODS_NAME.name)),
        ("상품금액", won(amount)),
    ]));
    body.push_str("<form id=\"smsRequest\" method=\"post\" action=\"/api/cardInterface/register\" accept-charset=\"utf-8\">\n");
    body.push_str(&hidden("session", &session.token));
    body.push_str("<h2>이용약관 동의</h2>\n<label><input type=\"checkbox\" id=\"agreeAll\" onclick=\"for (const c of document.querySelectorAll('.agree')) c.checked = this.checked\"> 전체동의</label>\n");
    for (name, label, href) in TERMS {
        body.push_str(&format!(
            "<label><input type=\"checkbox\" class=\"agree\" id=\"{name}\" name=\"{name}\" value=\"Y\"> {label} (필수) <a href=\"{href}\" target=\"_blank\">상세보기 &gt;</a></label>\n"
        ));
    }
    body.push_str(if mobile {
        "<h2>결제자 정보</h2>\n"
    } else {
        "<h2>결제정보 입력</h2>\n"
    });
    let phone = PhoneNumber::parse(session.field(spec::BUYER_HP.name))
        .map(|p| p.hyphenated())
        .unwrap_or_default();
    let mut parts = phone.split('-');
    let (hp1, hp2, hp3) = (
        parts.next().unwrap_or("010").to_owned(),
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    body.push_str(&format!(
        "<label for=\"buyerName\">결제자명</label><input type=\"text\" id=\"buyerName\" name=\"buyerName\" value=\"{}\" placeholder=\"결제자명을 입력하세요\">\n\
         <label>휴대폰번호</label><div class=\"row\"><input type=\"tel\" class=\"short\" id=\"hp1\" name=\"hp1\" value=\"{}\"> - <input type=\"tel\" class=\"short\" id=\"hp2\" name=\"hp2\" value=\"{}\"> - <input type=\"tel\" class=\"short\" id=\"hp3\" name=\"hp3\" value=\"{}\"></div>\n\
         <label for=\"buyerEmail\">이메일</label><input type=\"email\" id=\"buyerEmail\" name=\"buyerEmail\" value=\"{}\" placeholder=\"noemail@noemail.com\">\n",
        escape(session.field(spec::BUYER_NAME.name)),
        escape(&hp1),
        escape(&hp2),
        escape(&hp3),
        escape(session.field(spec::BUYER_EMAIL.name)),
    ));
    let deadline = KstDateTime::parse(
        session.field(spec::PAY_EXP_DATE.name),
        KstFormat::YyyyMMddHHmm,
    )
    .map(|d| d.format(KstFormat::Dashed)[..16].to_owned())
    .unwrap_or_default();
    body.push_str(&format!(
        "<label for=\"payExpDate\">결제마감 (yyyy-MM-dd HH:mm)</label><input type=\"text\" id=\"payExpDate\" name=\"payExpDate\" value=\"{}\" placeholder=\"미입력시 D+1일\">\n",
        escape(&deadline)
    ));
    body.push_str("<p class=\"notice\">※ 결제마감시간 미입력시 D+1일이 자동 설정됩니다.</p>\n<p class=\"notice\">※ 입력하신 휴대폰번호로 결제링크가 SMS문자로 발송되며, 해당링크에서만 신용카드 SMS 결제가 가능합니다.</p>\n");
    body.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\" class=\"secondary\" id=\"cancelButton\" formaction=\"/api/cardInterface/close\">취소</button><button type=\"submit\" id=\"requestButton\">{}</button></div>\n</form>\n",
        if mobile { "결제하기" } else { "SMS 결제요청" }
    ));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    answer::html(status, layout(BRAND, "SMS 카드결제", &body))
}

/// The result page: the order, "주문등록 완료", phone, deadline, the SMS message and the
/// notices; the registration event goes to `ReturnUrl`. On a phone (`Mobile`) the buyer can
/// pay at once through the link.
pub(crate) fn registered_page(session: &Session, registered: &Registered) -> Response {
    let o = &registered.order;
    let mut body = String::from("<p class=\"notice\">입력 &gt; 요청결과</p>\n");
    body.push_str(&summary(&[
        ("상품명", o.goods_name.clone()),
        ("상품금액", won(o.amount)),
        ("주문번호", o.moid.clone()),
    ]));
    body.push_str(&result_box(true, "0000", "주문등록 완료"));
    body.push_str(&summary(&[
        ("휴대폰번호", registered.sms.phone.clone()),
        ("결제마감", kst_text(o.expires_at)),
    ]));
    body.push_str(&format!(
        "<h2>SMS 메시지</h2>\n<div class=\"sms\" id=\"smsText\">{}</div>\n",
        escape(&registered.sms.text)
    ));
    body.push_str("<p class=\"notice\">- 상기 휴대폰으로 결제링크가 SMS 문자로 발송됩니다.<br>- 결제링크는 결제마감시간 내에만 유효하고, 결제마감시간 경과 시 결제링크는 소멸됩니다.<br>- 결제마감시간 내에 상기 휴대폰으로 결제링크 연결 및 결제 진행하십시오.</p>\n");
    body.push_str("<form method=\"post\" action=\"/api/cardInterface/close\" class=\"actions\">\n");
    body.push_str(&hidden("session", &session.token));
    if is_mobile(session) {
        body.push_str(&format!(
            "<a class=\"button\" id=\"payLink\" href=\"{}\">지금 결제하기</a>",
            escape(&registered.sms.link)
        ));
    }
    body.push_str(
        "<button type=\"submit\" class=\"secondary\" id=\"closeButton\">닫기</button>\n</form>\n",
    );
    body.push_str(&event(
        session.field(spec::RETURN_URL.name),
        &o.moid,
        &Refusal::new("0000", registered.sms.text.clone()),
        EVENT_FRAME,
    ));
    answer::html(StatusCode::OK, layout(BRAND, "SMS 카드결제", &body))
}

/// A refused request (the vendor shows the code and message); with a `ReturnUrl`, the failure
/// event goes there too.
pub(crate) fn refused(refusal: &Refusal, return_url: Option<&str>) -> Response {
    let mut body = result_box(false, refusal.code, &refusal.message);
    if let Some(url) = return_url {
        body.push_str(&event(url, "", refusal, EVENT_FRAME));
    }
    answer::html(
        REFUSAL_STATUS,
        layout(BRAND, "SMS 카드결제 요청 실패", &body),
    )
}

/// The window closed (취소 before registering, 닫기 after): the event is submitted to
/// `ReturnUrl` in the window itself; without one, the window closes.
pub(crate) fn closed_page(return_url: Option<&str>, moid: &str, event_data: &Refusal) -> Response {
    let body = match return_url {
        Some(url) => event(url, moid, event_data, "_self"),
        None => format!(
            "{}<script>window.close();</script>\n",
            result_box(
                event_data.code == "0000",
                event_data.code,
                "창을 닫아 주세요"
            )
        ),
    };
    answer::html(StatusCode::OK, layout(BRAND, "SMS 카드결제", &body))
}

/// The `ReturnUrl` event form (manual 1.2: `moid`, `resultCode`, `resultMsg`), posted into
/// `target` as the page loads; nothing when there is no URL.
fn event(return_url: &str, moid: &str, result: &Refusal, target: &str) -> String {
    if return_url.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    if target == EVENT_FRAME {
        out.push_str(&format!(
            "<iframe name=\"{EVENT_FRAME}\" title=\"ReturnUrl\" style=\"display:none\"></iframe>\n"
        ));
    }
    out.push_str(&auto_post(
        "returnEvent",
        return_url,
        "utf-8",
        target,
        &[
            ("moid", moid),
            ("resultCode", result.code),
            ("resultMsg", &result.message),
        ],
    ));
    out
}

/// The help and terms pages the UI guideline links (2.1), as the simulator's copies.
pub(crate) fn terms_page(which: &str) -> Response {
    let (title, text) = match which {
        "helpSms" => (
            "신용카드 SMS 결제 안내",
            "신용카드 SMS 결제는 휴대폰으로 받은 결제링크에서 카드 정보를 입력해 결제하는 서비스입니다. 결제링크는 결제마감시간 내에만 유효합니다.",
        ),
        "terms" => (
            "전자금융거래 기본약관",
            "제1조 (목적) 이 약관은 전자금융거래 서비스를 제공하는 주식회사 인피니소프트와 이용자 사이의 전자금융거래에 관한 기본적인 사항을 정함을 목적으로 한다.",
        ),
        "collection" => (
            "개인정보 수집 및 이용안내",
            "회사는 전자금융결제 서비스의 제공을 위하여 결제자명, 휴대폰번호, 이메일 등의 개인정보를 수집합니다.",
        ),
        "offering" => (
            "개인정보 제공 및 위탁안내",
            "회사는 결제 처리를 위하여 카드사 및 결제대행 관련 기관에 필요한 개인정보를 제공·위탁합니다.",
        ),
        _ => {
            return answer::html(
                StatusCode::NOT_FOUND,
                layout(
                    BRAND,
                    "Not Found",
                    &result_box(false, "404", "없는 페이지입니다"),
                ),
            );
        }
    };
    let body = format!(
        "<p>{}</p>\n<p class=\"notice\">시뮬레이터의 사본입니다. 실제 문서: https://api.innopay.co.kr/api/{}</p>\n",
        escape(text),
        escape(which)
    );
    answer::html(StatusCode::OK, layout(BRAND, title, &body))
}
