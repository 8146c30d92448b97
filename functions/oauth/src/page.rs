//! The page the browser lands on after the provider: small, self-contained (no script, no
//! remote anything), never cached, never leaking the callback's URL (which carries the code
//! and state) as a referrer, and quoting nothing from the request.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// A page: a status, a heading, lines of text, and maybe a form of hidden fields and a button
/// (all escaped here).
pub struct Page {
    pub status: StatusCode,
    pub heading: String,
    pub lines: Vec<String>,
    pub form: Option<Form>,
}

/// A form that posts hidden fields.
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub button: String,
}

/// `text` with the five HTML-significant characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;\
                     line-height:1.5;color:#1f2328}h1{font-size:1.4rem}";

impl Page {
    pub fn html(&self) -> String {
        let heading = escape(&self.heading);
        let mut body: String = self.lines.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
        if let Some(f) = &self.form {
            body.push_str(&format!("<form method=\"post\" action=\"{}\">", escape(&f.action)));
            for (name, value) in &f.fields {
                body.push_str(&format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    escape(name),
                    escape(value)
                ));
            }
            body.push_str(&format!("<button type=\"submit\">{}</button></form>", escape(&f.button)));
        }
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <title>{heading} · Nudge</title><style>{STYLE}</style></head>\
             <body><h1>{heading}</h1>{body}</body></html>"
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.html()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        );
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let page = Page {
            status: StatusCode::OK,
            heading: "Tom & Jerry's <b>".into(),
            lines: vec!["<script>alert(\"x\")</script>".into()],
            form: None,
        };
        let html = page.html();
        assert!(html.contains("<h1>Tom &amp; Jerry&#39;s &lt;b&gt;</h1>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }
}
