//! E-mail through Amazon SES v2.

use async_trait::async_trait;
use aws_sdk_sesv2::{
    Client,
    error::{DisplayErrorContext, SdkError},
    operation::send_email::SendEmailError,
    types::{Body, Content, Destination, EmailContent, Message},
};
use nudge_domain::{Address, FireKind, Notification, SendError, Sender};

pub struct SesEmail {
    client: Client,
    from: String,
}

impl SesEmail {
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self { client, from: from.into() }
    }
}

fn subject(n: &Notification) -> &str {
    if let Some(subject) = &n.subject {
        return subject;
    }
    match n.kind {
        FireKind::Digest => "Your day, from Nudge",
        FireKind::Nag(_) => "Still waiting: a reminder from Nudge",
        FireKind::Reply | FireKind::Outbound => "A message from Nudge",
        _ => "A reminder from Nudge",
    }
}

fn content(text: &str) -> Result<Content, SendError> {
    Content::builder().data(text).charset("UTF-8").build().map_err(|e| SendError::Permanent(e.to_string()))
}

#[async_trait]
impl Sender for SesEmail {
    async fn send(&self, to: &Address, n: &Notification) -> Result<String, SendError> {
        let Address::Email(email) = to else {
            return Err(SendError::Permanent("SES sends to e-mail addresses only".into()));
        };
        let message = Message::builder()
            .subject(content(subject(n))?)
            .body(Body::builder().text(content(&n.text)?).build())
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(email.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.message_id.unwrap_or_default()),
            Err(SdkError::ServiceError(e)) => {
                let err = e.into_err();
                let why = format!("ses: {}", DisplayErrorContext(&err));
                match err {
                    SendEmailError::TooManyRequestsException(_)
                    | SendEmailError::LimitExceededException(_) => Err(SendError::Retryable(why)),
                    _ => Err(SendError::Permanent(why)),
                }
            }
            Err(other) => Err(SendError::Retryable(format!("ses: {}", DisplayErrorContext(other)))),
        }
    }
}
