//! The notifier's AWS paths on moto through the real SDK: e-mail through SES v2, and Twilio's
//! account SID and auth token read from their JSON secret in Secrets Manager, as the template wires them.

use std::sync::Arc;

use chrono::Utc;
use nudge_aws::{JsonField, SecretsManagerSecret, SesEmail};
use nudge_domain::{
    Address, Channel, Email, FireKind, Notification, NotificationId, NotificationStatus, SecretSource,
    SendError, Sender, UserId,
};
use nudge_tests::{moto_config, twilio::Twilio};

fn notification(channel: Channel) -> Notification {
    let now = Utc::now();
    Notification {
        id: NotificationId::from_uuid(uuid::Uuid::now_v7()),
        user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
        kind: FireKind::First,
        channel,
        text: "Reminder: renew the passport".into(),
        reminder_id: None,
        occurrence: Some(now),
        to: None,
        subject: None,
        status: NotificationStatus::Queued,
        provider_id: None,
        attempts: vec![],
        lease_until: None,
        redispatch_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

#[tokio::test]
async fn email_goes_out_through_ses_v2() {
    let config = moto_config().await;
    let ses = aws_sdk_sesv2::Client::new(&config);
    let from = format!("nudge-{}@example.com", uuid::Uuid::new_v4().simple());
    ses.create_email_identity().email_identity(&from).send().await.expect("verify the sender in moto");
    let sender = SesEmail::new(ses.clone(), &from);
    let to = Address::Email(Email::parse("sam@example.org").unwrap());
    let id = sender.send(&to, &notification(Channel::Email)).await.expect("sent");
    assert!(!id.is_empty(), "SES's message id is recorded");
    // Only e-mail addresses go to SES.
    let phone = Address::Phone(nudge_domain::PhoneNumber::parse("+14155550199").unwrap());
    assert!(matches!(sender.send(&phone, &notification(Channel::Email)).await, Err(SendError::Permanent(_))));
    // An unverified sender is refused for good, not retried forever.
    let stranger = SesEmail::new(ses, "nobody@unverified.example");
    assert!(matches!(stranger.send(&to, &notification(Channel::Email)).await, Err(SendError::Permanent(_))));
}

#[tokio::test]
async fn twilio_credentials_come_from_their_json_secret() {
    let config = moto_config().await;
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let secret = sm
        .create_secret()
        .name(format!("nudge/twilio-{}", uuid::Uuid::new_v4()))
        .secret_string(format!(
            r#"{{"account_sid":"{}","auth_token":"{}"}}"#,
            nudge_tests::twilio::ACCOUNT_SID,
            nudge_tests::twilio::AUTH_TOKEN
        ))
        .send()
        .await
        .expect("create secret in moto");
    let stored: Arc<dyn SecretSource> = Arc::new(SecretsManagerSecret::new(sm, secret.arn().unwrap()));
    let token = JsonField::new(stored.clone(), "auth_token");
    assert_eq!(token.secret().await.unwrap().expose(), nudge_tests::twilio::AUTH_TOKEN.as_bytes());
    let sid = JsonField::new(stored, "account_sid");
    let twilio = Twilio::start().await;
    let sms = nudge_senders::TwilioSms::new(
        nudge_senders::http_client(),
        twilio.base_url.clone(),
        Arc::new(sid),
        nudge_tests::twilio::FROM.into(),
        Arc::new(token),
    );
    let to = Address::Phone(nudge_domain::PhoneNumber::parse("+14155550198").unwrap());
    let sid = sms.send(&to, &notification(Channel::Sms)).await.expect("sent with the stored token");
    assert!(sid.starts_with("SM"));
    assert_eq!(twilio.sent()[0].to, "+14155550198");
}
