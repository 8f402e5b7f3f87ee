//! The shop's pages: one layout, a few shared pieces, every value escaped where it is written.

use axum::response::Html;
use pg_core::Won;
use pg_core::html::escape;

const STYLE: &str = "body{font-family:'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif;margin:0;background:#f6f4ef;color:#222}\
header{background:#2f4f3a;color:#fff;padding:10px 18px;display:flex;align-items:center;gap:16px;flex-wrap:wrap}\
header .brand{font-weight:700;font-size:17px;color:#fff;text-decoration:none}header .badge{background:#e8a200;color:#000;font-size:12px;padding:2px 6px;border-radius:3px}\
header nav a{color:#e6efe8;margin-right:14px;font-size:14px;text-decoration:none}\
main{max-width:820px;margin:18px auto;background:#fff;padding:18px 22px;border-radius:8px;box-shadow:0 1px 3px #0002}\
h1{font-size:21px;margin:4px 0 14px}h2{font-size:16px;margin:20px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #eee;padding:7px 8px;text-align:left;vertical-align:top}\
th{background:#fafafa;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.summary td:first-child{width:130px;color:#555}\
label{display:block;margin:10px 0 3px;font-size:14px}input[type=text],input[type=tel],input[type=email],input[type=number],select{padding:7px;font-size:15px;border:1px solid #bbb;border-radius:4px;width:100%;box-sizing:border-box}\
label.check{display:flex;gap:6px;align-items:center;margin:6px 0}.terms td{vertical-align:middle}\
button,.button{background:#2f7d4a;color:#fff;border:0;padding:9px 16px;font-size:15px;border-radius:4px;cursor:pointer;text-decoration:none;display:inline-block}\
button.secondary,.button.secondary{background:#777}button.danger{background:#b3261e}.actions{margin-top:16px;display:flex;gap:8px;flex-wrap:wrap}\
.notice{font-size:13px;color:#555;margin:4px 0}.error{background:#fde8e8;border:1px solid #f5b5b5;padding:8px 10px;border-radius:4px;margin:8px 0}\
.ok{background:#e8f6ec;border:1px solid #a8d8b5;padding:8px 10px;border-radius:4px;margin:8px 0}\
.sms{white-space:pre-wrap;background:#f7f7f7;border:1px solid #ddd;padding:10px;border-radius:4px;font-size:14px}\
.products{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:14px}\
.product{border:1px solid #e3e0d8;border-radius:8px;padding:14px}.product .price{font-size:18px;font-weight:700;margin:6px 0 10px}\
.state{padding:2px 7px;border-radius:10px;font-size:12px;background:#eee;white-space:nowrap}\
.state-paid{background:#d8f0de}.state-cancelled,.state-partially-cancelled{background:#f6e3c7}.state-abandoned,.state-refused{background:#f3d6d6}\
#history td:first-child{white-space:nowrap;color:#555;width:150px}.steps{color:#777;font-size:13px;margin-bottom:8px}.steps b{color:#2f4f3a}code,.mono{font-family:ui-monospace,monospace;font-size:13px;word-break:break-all}";

/// A whole page: the header (brand, a SANDBOX badge when rehearsing, navigation), then `body`.
pub(crate) fn page(title: &str, sandbox: bool, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title} · pgkit 예제 상점</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><a class=\"brand\" href=\"/\">pgkit 예제 상점</a>{badge}<nav><a href=\"/\">상품</a><a href=\"/orders\">주문 관리</a><a href=\"/innopay/web-link\">직원용 SMS 결제요청</a></nav></header>\n<main>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
        badge = if sandbox {
            "<span class=\"badge\">SANDBOX</span>"
        } else {
            ""
        },
    ))
}

/// An amount as Korean shops show it: `10,005원`.
pub(crate) fn won(amount: i64) -> String {
    match u64::try_from(amount) {
        Ok(a) => format!("{}원", Won::new(a).grouped()),
        Err(_) => format!("{amount}원"),
    }
}

/// A mobile number as the manual's pages show it: `010 - 1234 - 1234`.
pub(crate) fn phone(digits: &str) -> String {
    match digits.len() {
        11 => format!("{} - {} - {}", &digits[..3], &digits[3..7], &digits[7..]),
        10 => format!("{} - {} - {}", &digits[..3], &digits[3..6], &digits[6..]),
        _ => digits.to_owned(),
    }
}

/// A `<tr>` of a summary table.
pub(crate) fn row(label: &str, value: &str) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td></tr>\n",
        escape(label),
        escape(value)
    )
}

/// A message box (`ok` or `error`).
pub(crate) fn message(class: &str, text: &str) -> String {
    format!("<div class=\"{class}\">{}</div>\n", escape(text))
}

/// A text input with its label; `value` is what the user typed before (re-shown on an error).
pub(crate) fn input(label: &str, kind: &str, name: &str, value: &str, placeholder: &str) -> String {
    format!(
        "<label for=\"{name}\">{}</label><input type=\"{kind}\" id=\"{name}\" name=\"{name}\" value=\"{}\" placeholder=\"{}\">\n",
        escape(label),
        escape(value),
        escape(placeholder),
    )
}

/// A form page shown again with its errors: `422`.
pub(crate) fn refused(page: impl axum::response::IntoResponse) -> axum::response::Response {
    use axum::response::IntoResponse;
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The SDK's refusal of a request, one line per field (`label` gives the page's name of a wire
/// field).
pub(crate) fn violations(
    invalid: &pg_core::InvalidInput,
    label: impl Fn(&str) -> &str,
) -> Vec<String> {
    invalid
        .violations()
        .iter()
        .map(|v| format!("{} {}", label(&v.field), v.rule))
        .collect()
}

/// An order state, as a coloured label.
pub(crate) fn state(state: &str) -> String {
    let text = match state {
        "requested" => "결제 대기",
        "paid" => "결제 완료",
        "partially-cancelled" => "부분 취소",
        "cancelled" => "취소 완료",
        "abandoned" => "결제 중단",
        "refused" => "결제 실패",
        other => other,
    };
    format!(
        "<span class=\"state state-{}\" data-state=\"{}\">{}</span>",
        escape(state),
        escape(state),
        escape(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_phones_and_escaping() {
        assert_eq!(won(10_005), "10,005원");
        assert_eq!(phone("01012341234"), "010 - 1234 - 1234");
        assert_eq!(phone("0101231234"), "010 - 123 - 1234");
        assert!(row("<b>", "\"x\"").contains("&lt;b&gt;"));
        assert!(state("paid").contains("결제 완료"));
    }
}
