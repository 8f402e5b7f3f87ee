//! Server-rendered HTML: one layout for every page (buyer, staff, window, admin) and the few
//! pieces they share. Every value is escaped where it is written.

use pg_core::Won;
use pg_core::html::escape;

const STYLE: &str = "body{font-family:'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif;margin:0;background:#f4f5f7;color:#222}\
header{background:#222;color:#fff;padding:10px 16px;display:flex;align-items:center;gap:10px}\
header .brand{font-weight:700}header .badge{background:#e8a200;color:#000;font-size:12px;padding:2px 6px;border-radius:3px}\
main{max-width:760px;margin:16px auto;background:#fff;padding:16px 20px;border-radius:6px;box-shadow:0 1px 3px #0002}\
main.wide{max-width:1200px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:18px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #eee;padding:6px 8px;text-align:left;vertical-align:top}\
th{background:#fafafa;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}\
label{display:block;margin:8px 0 2px;font-size:14px}input[type=text],input[type=tel],input[type=email],input[type=password],input[type=number],select{padding:6px;font-size:15px;border:1px solid #bbb;border-radius:3px;width:100%;box-sizing:border-box}\
input.short{width:80px;display:inline-block}.row{display:flex;gap:6px;align-items:center}\
button,.button{background:#d7000f;color:#fff;border:0;padding:9px 16px;font-size:15px;border-radius:3px;cursor:pointer;text-decoration:none;display:inline-block}\
button.secondary,.button.secondary{background:#777}.actions{margin-top:16px;display:flex;gap:8px}\
.notice{font-size:13px;color:#555;margin:4px 0}.error{background:#fde8e8;border:1px solid #f5b5b5;padding:8px 10px;border-radius:3px;margin:8px 0}\
.ok{background:#e8f6ec;border:1px solid #a8d8b5;padding:8px 10px;border-radius:3px;margin:8px 0}\
.sms{white-space:pre-wrap;background:#f7f7f7;border:1px solid #ddd;padding:10px;border-radius:3px;font-size:14px}\
code,.mono{font-family:ui-monospace,monospace;font-size:13px;word-break:break-all}nav a{color:#fff;margin-right:12px;font-size:14px}\
.summary td:first-child{width:120px;color:#555}";

/// A whole page: a header with the brand and a "SANDBOX" badge, then `body`.
pub(crate) fn layout(brand: &str, title: &str, body: &str) -> String {
    layout_with(brand, title, body, "", false)
}

/// A page with navigation links in the header and, when `wide`, a wide main column.
pub(crate) fn layout_with(brand: &str, title: &str, body: &str, nav: &str, wide: bool) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><span class=\"brand\">{brand}</span><span class=\"badge\">SANDBOX</span>{nav}</header>\n<main{class}>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
        brand = escape(brand),
        class = if wide { " class=\"wide\"" } else { "" },
    )
}

/// An amount as the vendors show it: `10,005원`.
pub(crate) fn won(amount: u64) -> String {
    format!("{}원", Won::new(amount).grouped())
}

/// `<input type="hidden">`.
pub(crate) fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// A form that posts `fields` to `action` as soon as the page loads (`target` names the window
/// or frame; `charset` is the form's `accept-charset`). A button submits it without JavaScript.
pub(crate) fn auto_post(
    id: &str,
    action: &str,
    charset: &str,
    target: &str,
    fields: &[(&str, &str)],
) -> String {
    let mut out = format!(
        "<form id=\"{id}\" method=\"post\" action=\"{}\" accept-charset=\"{charset}\" target=\"{target}\">\n",
        escape(action)
    );
    for (name, value) in fields {
        out.push_str(&hidden(name, value));
    }
    out.push_str("<noscript><button type=\"submit\">계속</button></noscript>\n</form>\n");
    out.push_str(&format!(
        "<script>document.getElementById(\"{id}\").submit();</script>\n"
    ));
    out
}

/// A two-column summary table.
pub(crate) fn summary(rows: &[(&str, String)]) -> String {
    let mut out = String::from("<table class=\"summary\">\n");
    for (label, value) in rows {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    out.push_str("</table>\n");
    out
}

/// A message box: `ok` or `error`, with a machine-readable result code.
pub(crate) fn result_box(ok: bool, code: &str, message: &str) -> String {
    format!(
        "<div class=\"{}\" id=\"result\" data-result-code=\"{}\"><b>[{}]</b> {}</div>\n",
        if ok { "ok" } else { "error" },
        escape(code),
        escape(code),
        escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let page = layout(
            "INNOPAY",
            "<b>x</b>",
            &summary(&[("상품명", "<script>".into())]),
        );
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("<script>"));
        assert_eq!(won(10_005), "10,005원");
        let form = auto_post("f", "https://x/\"y", "utf-8", "_self", &[("a", "\"")]);
        assert!(form.contains("action=\"https://x/&quot;y\""));
        assert!(form.contains("value=\"&quot;\""));
        assert!(result_box(false, "9001", "<x>").contains("data-result-code=\"9001\""));
    }
}
