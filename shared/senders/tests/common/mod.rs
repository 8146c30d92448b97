//! What both test files share: a local HTTP server and a notification to send.

#![allow(dead_code)]

use axum::Router;
use chrono::{DateTime, Utc};
use nudge_domain::{Channel, FireKind, Notification, NotificationId, NotificationStatus, ReminderId, UserId};
use uuid::Uuid;

/// Serves `app` on a free loopback port; answers its base URL (no trailing slash).
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("test server") });
    format!("http://{addr}")
}

/// A base URL nothing listens on: the port was free a moment ago.
pub async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    format!("http://{addr}")
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("a valid time").with_timezone(&Utc)
}

/// A queued notification, as the tick makes them.
pub fn notification(kind: FireKind, text: &str) -> Notification {
    let created = at("2025-03-14T09:00:00Z");
    Notification {
        id: NotificationId::from_uuid(Uuid::from_u128(0x0195_8f3a_1c00_7000_8000_0000_0000_0001)),
        user_id: UserId::from_uuid(Uuid::from_u128(0x0195_8f3a_1c00_7000_8000_0000_0000_0002)),
        kind,
        channel: Channel::Sms,
        text: text.to_owned(),
        reminder_id: Some(ReminderId::from_uuid(Uuid::from_u128(0x0195_8f3a_1c00_7000_8000_0000_0000_0003))),
        occurrence: Some(at("2025-03-14T09:00:00Z")),
        to: None,
        subject: None,
        status: NotificationStatus::Queued,
        provider_id: None,
        attempts: vec![],
        lease_until: None,
        redispatch_at: None,
        created_at: created,
        updated_at: created,
        version: 1,
    }
}
