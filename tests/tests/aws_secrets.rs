//! The AWS path end to end: the JWT key read from Secrets Manager and the tasks kept in
//! DynamoDB, both on moto, through the real SDK.

use std::sync::Arc;

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nudge_aws::SecretsManagerSecret;
use nudge_domain::{SecretSource, users};
use nudge_http::ApiState;
use nudge_tests::{Backend, TestApp, moto_config, store};
use serde_json::json;

async fn put_secret(value: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(&moto_config().await);
    let out = client
        .create_secret()
        .name(format!("nudge/jwt-{}", uuid::Uuid::new_v4()))
        .secret_string(value)
        .send()
        .await
        .expect("create secret in moto");
    out.arn().unwrap().to_owned()
}

#[tokio::test]
async fn tokens_are_checked_against_the_key_in_secrets_manager() {
    let key = "a-64-character-key-as-the-template-generates-it-0123456789abcdefgh";
    let arn = put_secret(key).await;
    let sm = aws_sdk_secretsmanager::Client::new(&moto_config().await);
    let source = Arc::new(SecretsManagerSecret::new(sm, &arn));
    assert_eq!(source.secret().await.unwrap().expose(), key.as_bytes());

    let app = TestApp::serve(ApiState::new(store(Backend::Dynamo).await, source)).await;
    let new = users::NewUser {
        name: nudge_domain::PersonName::parse("Ada").unwrap(),
        phone: nudge_domain::PhoneNumber::parse("+14155550130").unwrap(),
        email: None,
        timezone: nudge_domain::TimeZone::parse("UTC").unwrap(),
        roles: vec![],
    };
    let user = users::create_user(&app.state.ports, new).await.unwrap();
    let now = Utc::now().timestamp();
    let claims =
        json!({"sub": user.id.to_string(), "iss": "nudge", "aud": "nudge", "iat": now, "exp": now + 300});
    let minted_elsewhere = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap();
    let (s, created) =
        app.call("POST", "/api/tasks", Some(&minted_elsewhere), Some(json!({"title": "via AWS"}))).await;
    assert_eq!(s, 201, "{created}");
    let (s, list) = app.call("GET", "/api/tasks", Some(&minted_elsewhere), None).await;
    assert_eq!((s, list["data"]["items"][0]["title"].as_str()), (200, Some("via AWS")));
}

#[tokio::test]
async fn a_missing_secret_is_our_fault_and_says_nothing_of_it() {
    let sm = aws_sdk_secretsmanager::Client::new(&moto_config().await);
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nudge/absent-AbCdEf";
    let app = TestApp::serve(ApiState::new(
        store(Backend::Sqlite).await,
        Arc::new(SecretsManagerSecret::new(sm, arn)),
    ))
    .await;
    let (s, body) = app.call("GET", "/api/tasks", Some("x.y.z"), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (500, Some("INTERNAL_ERROR")));
    assert!(!body.to_string().contains("absent"), "no detail of our secrets leaks: {body}");
}

#[tokio::test]
async fn a_rotated_secret_is_read_again_once_the_held_one_is_old() {
    let arn = put_secret("replace-me").await;
    let sm = aws_sdk_secretsmanager::Client::new(&moto_config().await);
    let held = SecretsManagerSecret::new(sm.clone(), &arn);
    let fresh = SecretsManagerSecret::new(sm.clone(), &arn).with_max_age(std::time::Duration::ZERO);
    assert_eq!(held.secret().await.unwrap().expose(), b"replace-me");
    assert_eq!(fresh.secret().await.unwrap().expose(), b"replace-me");

    // The operator fills in the placeholder after deploying.
    sm.put_secret_value().secret_id(&arn).secret_string("the-real-auth-token").send().await.unwrap();
    assert_eq!(held.secret().await.unwrap().expose(), b"replace-me", "within its age, no call");
    assert_eq!(fresh.secret().await.unwrap().expose(), b"the-real-auth-token");

    // Secrets Manager failing when a refresh is due: the value held goes on being used.
    sm.delete_secret().secret_id(&arn).force_delete_without_recovery(true).send().await.unwrap();
    assert_eq!(fresh.secret().await.unwrap().expose(), b"the-real-auth-token");
}
