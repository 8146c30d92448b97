//! Texting a test app as Twilio does: a form-encoded webhook, signed with the test account's
//! auth token over the app's own URL, and the TwiML that comes back.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{TestApp, twilio};

/// A fresh `MessageSid` for each text (a redelivery reuses one on purpose).
pub fn new_sid() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "SM{:032x}",
        (u128::from(std::process::id()) << 64) | u128::from(NEXT.fetch_add(1, Ordering::Relaxed))
    )
}

/// The webhook's parameters as Twilio sends them for an SMS.
pub fn params(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", twilio::FROM),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", twilio::ACCOUNT_SID),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// What Twilio's webhook call answered: the status, and the text of the TwiML `<Message>` (or
/// `None` for an empty `<Response/>`); an error's body as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub message: Option<String>,
    pub body: String,
}

impl TestApp {
    /// Texts the app from `from`, signed as Twilio signs.
    pub async fn text(&self, from: &str, body: &str) -> Answer {
        self.text_as(&new_sid(), from, body).await
    }

    /// The same with a given `MessageSid` (Twilio redelivering).
    pub async fn text_as(&self, sid: &str, from: &str, body: &str) -> Answer {
        self.text_with(sid, from, body, &[]).await
    }

    /// The same with more parameters (`OptOutType`, say), signed with them.
    pub async fn text_with(&self, sid: &str, from: &str, body: &str, extra: &[(&str, &str)]) -> Answer {
        let mut params = params(sid, from, body);
        params.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let url = self.url("/sms/inbound");
        let signature = sms_inbound::signature::sign(twilio::AUTH_TOKEN.as_bytes(), &url, &params);
        self.post_webhook(&params, Some(&signature), &[]).await
    }

    /// Posts webhook parameters with whatever signature (and headers) a test chooses.
    pub async fn post_webhook(
        &self,
        params: &[(String, String)],
        signature: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.post(self.url("/sms/inbound")).form(params);
        if let Some(s) = signature {
            req = req.header("X-Twilio-Signature", s);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("webhook");
        let status = res.status().as_u16();
        let xml = res
            .headers()
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/xml"));
        let body = res.text().await.expect("body");
        let message = xml.then(|| twiml_message(&body)).flatten();
        Answer { status, message, body }
    }
}

/// The text of a TwiML answer's `<Message>`, unescaped; `None` for `<Response/>`.
pub fn twiml_message(xml: &str) -> Option<String> {
    assert!(xml.starts_with("<?xml") && xml.contains("<Response"), "not TwiML: {xml}");
    let start = xml.find("<Message>")? + "<Message>".len();
    let end = xml.find("</Message>").expect("a closed <Message>");
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}
