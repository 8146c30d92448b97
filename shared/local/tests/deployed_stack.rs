//! `nudge-local` on a deployed stack's table: with TABLE_NAME and JWT_SECRET_ARN it makes the
//! first admin in DynamoDB and mints tokens with the key in Secrets Manager (both on moto here).

use std::{process::Command, sync::Arc};

use nudge_aws::{DynamoStore, SecretsManagerSecret};
use nudge_domain::{UserId, UserRepo};
use nudge_http::{AuthConfig, Authenticator};
use nudge_tests::{moto_config, moto_url, table};
use serde_json::Value;

#[tokio::test]
async fn the_first_admin_of_a_deployed_stack() {
    let config = moto_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let table = table::create_fresh(&dynamo).await;
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let arn = sm
        .create_secret()
        .name(format!("nudge/jwt-{table}"))
        .secret_string("deployed-key-0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nudge-local"))
            .env("TABLE_NAME", &table)
            .env("JWT_SECRET_ARN", &arn)
            .env("AWS_ENDPOINT_URL", moto_url())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("JWT_SECRET")
            .env("NUDGE_DATA_DIR", std::env::temp_dir().join("nudge-never-used"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let user: Value = serde_json::from_str(&run(&[
        "user",
        "add",
        "--name",
        "Ops",
        "--phone",
        "+14155550170",
        "--timezone",
        "UTC",
        "--role",
        "admin",
    ]))
    .unwrap();
    let id: UserId = user["id"].as_str().unwrap().parse().unwrap();
    let stored = DynamoStore::new(dynamo, &table).get_user(&id).await.unwrap().expect("in DynamoDB");
    assert!(stored.is_admin());

    let token = run(&["token", "--user", &id.to_string()]);
    let token = token.lines().last().unwrap();
    let auth = Authenticator::new(Arc::new(SecretsManagerSecret::new(sm, &arn)), AuthConfig::from_env());
    assert_eq!(auth.verify(token).await.unwrap(), id, "signed with the key in Secrets Manager");
}
