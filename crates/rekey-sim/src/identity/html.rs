//! The sign-in pages' shell: self-contained HTML (no scripts, no external resources) that says it is
//! a simulator, with every echoed value escaped; and the redirects that end a sign-in.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#1b1b1b;margin:0}\
main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0003}\
.banner{background:#7a2e00;color:#fff;padding:.5rem 1rem;text-align:center;font-weight:600}\
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}\
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}\
.actions{margin-top:1.5rem;display:flex;gap:.5rem}button{padding:.5rem 1.2rem;font-size:1rem;cursor:pointer}\
button.primary{background:#0b5cad;color:#fff;border:0}.error{color:#a4262c;font-weight:600}\
.note{margin-top:1.5rem;font-size:.9rem;background:#f8f8f8;padding:.75rem;border-left:4px solid #0b5cad}\
code{word-break:break-all}";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

/// A hidden form field carrying a request parameter through the sign-in form.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

/// A whole page. `body` is HTML the caller built with [`escape`]; `title` is escaped here.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\">\
<title>{title} — Rekey Azure Simulator</title><style>{STYLE}</style></head>\
<body><div class=\"banner\" role=\"note\">Rekey Azure Simulator — not Microsoft</div>\
<main><h1>{title}</h1>{body}</main></body></html>\n",
        title = escape(title),
    );
    let mut headers = no_store_headers();
    set(&mut headers, "content-type", "text/html; charset=utf-8");
    // No scripts at all; forms may post only here or (form_post) to a loopback client.
    set(
        &mut headers,
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'; base-uri 'none'",
    );
    set(&mut headers, "x-frame-options", "DENY");
    (status, headers, html).into_response()
}

/// A 302 to `location` (a validated loopback redirect URI with the result appended).
pub fn redirect(location: &str) -> Response {
    let mut headers = no_store_headers();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            headers.insert(HeaderName::from_static("location"), v);
            (StatusCode::FOUND, headers).into_response()
        }
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "<p class=\"error\" role=\"alert\">The redirect URI cannot be used.</p>",
        ),
    }
}

fn no_store_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    set(&mut headers, "cache-control", "no-store, no-cache");
    set(&mut headers, "pragma", "no-cache");
    // Codes travel in URLs: never leak them to another site through the Referer header.
    set(&mut headers, "referrer-policy", "no-referrer");
    set(&mut headers, "x-content-type-options", "nosniff");
    headers
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_everything_that_could_open_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
