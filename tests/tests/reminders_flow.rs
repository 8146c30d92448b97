//! Reminders from the API to the user's phone, on both stores (DynamoDB and SQS in moto, or
//! SQLite and its queue): the tick fires each occurrence once, nags until acknowledged, defers
//! quiet hours and catches up missed ticks; the notifier sends once however often a message
//! comes, retries what failed, and sends no SMS to a user who opted out. Twilio is a local
//! stand-in speaking its wire format; the webhook receiver checks our signature.

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, SecondsFormat, TimeDelta, Utc};
use nudge_domain::{NotifyMessage, Ports, Secret, Senders, tick::run_tick};
use nudge_tests::{Backend, TEST_SECRET, TestApp, queue::sqs_event, twilio::Twilio};
use serde_json::{Value, json};

fn senders(twilio: &Twilio) -> Senders {
    Senders {
        sms: Arc::new(twilio.sender()),
        email: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
        webhook: Arc::new(nudge_senders::WebhookSender::new(nudge_senders::http_client())),
        console: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
        webhook_key: Arc::new(Secret::new(TEST_SECRET)),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The next whole minute at least `ahead` from now.
fn minute_ahead(ahead: Duration) -> DateTime<Utc> {
    (Utc::now() + ahead).duration_trunc(TimeDelta::minutes(1)).unwrap() + Duration::minutes(1)
}

struct Flow {
    app: TestApp,
    admin: String,
    twilio: Twilio,
}

impl Flow {
    async fn start(b: Backend) -> Self {
        let app = TestApp::spawn(b).await;
        let (_, admin) = app.user("Ada Admin", "+14155550100", true).await;
        Self { app, admin, twilio: Twilio::start().await }
    }

    fn ports(&self) -> &Ports {
        &self.app.state.ports
    }

    async fn tick(&self, at: DateTime<Utc>) -> Value {
        let (status, body) = self
            .app
            .call(
                "POST",
                "/api/admin/jobs/reminder-tick/run",
                Some(&self.admin),
                Some(json!({"time": rfc3339(at)})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn queued(&self) -> Vec<NotifyMessage> {
        self.app.queue.as_ref().expect("a queue").take().await
    }

    /// Runs the notifier over what is queued, each message delivered `times` times in one batch.
    async fn deliver(&self, times: usize) -> usize {
        let messages: Vec<NotifyMessage> =
            self.queued().await.into_iter().flat_map(|m| std::iter::repeat_n(m, times)).collect();
        let response = notifier::handle(self.ports(), &senders(&self.twilio), sqs_event(&messages)).await;
        response.batch_item_failures.len()
    }

    async fn reminder(&self, token: &str, body: Value) -> Value {
        let (status, created) = self.app.call("POST", "/api/reminders", Some(token), Some(body)).await;
        assert_eq!(status, 201, "{created}");
        created["data"].clone()
    }

    async fn notifications(&self, token: &str) -> Vec<Value> {
        let (status, body) = self.app.call("GET", "/api/notifications?limit=100", Some(token), None).await;
        assert_eq!(status, 200, "{body}");
        body["data"]["items"].as_array().unwrap().clone()
    }
}

async fn a_reminder_fires_once_and_nags_until_acknowledged(b: Backend) {
    let f = Flow::start(b).await;
    let (user, token) = f.app.user("Sam", "+14155550101", false).await;
    let at = minute_ahead(Duration::minutes(2));
    let r = f
        .reminder(
            &token,
            json!({"text": "Take meds", "due_at": rfc3339(at), "nag": {"every_minutes": 1, "max": 2}}),
        )
        .await;
    assert_eq!(r["status"], "scheduled");
    // Shown in the user's zone (Europe/Paris), with its offset.
    let next: DateTime<chrono::FixedOffset> = r["next_fire_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.to_utc(), at);
    assert_eq!(next.offset().local_minus_utc(), 3600, "{r}");

    assert_eq!(f.tick(at - Duration::minutes(1)).await["fired"], 0, "not before its time");
    assert_eq!(f.tick(at).await["fired"], 1);
    assert_eq!(f.tick(at).await["fired"], 0, "the same tick again fires nothing");
    assert_eq!(f.deliver(1).await, 0);
    assert_eq!(f.tick(at + Duration::minutes(1)).await["fired"], 1, "first nag");
    assert_eq!(f.deliver(1).await, 0);
    let sms: Vec<String> = f.twilio.sent().iter().map(|s| s.body.clone()).collect();
    assert_eq!(sms, ["Reminder: Take meds", "Reminder again: Take meds. Reply DONE when it's done."]);
    assert!(f.twilio.sent().iter().all(|s| s.to == user.phone.as_str()));

    let id = r["id"].as_str().unwrap();
    let (status, acked) = f.app.call("POST", &format!("/api/reminders/{id}/ack"), Some(&token), None).await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(
        (acked["data"]["status"].as_str(), &acked["data"]["next_fire_at"]),
        (Some("done"), &Value::Null)
    );
    assert_eq!(f.tick(at + Duration::minutes(2)).await["fired"], 0, "no nag after done");
    assert_eq!(f.deliver(1).await, 0);
    assert_eq!(f.twilio.sent().len(), 2);

    let listed = f.notifications(&token).await;
    assert_eq!(listed.len(), 2);
    for n in &listed {
        assert_eq!(n["status"], "sent", "{n}");
        assert!(n["provider_id"].as_str().unwrap().starts_with("SM"), "{n}");
        assert_eq!(n["attempts"].as_array().unwrap().len(), 1);
        assert!(
            n.get("lease_until").is_none() && n.get("redispatch_at").is_none(),
            "internals stay inside: {n}"
        );
    }
}

async fn two_concurrent_ticks_fire_each_occurrence_once(b: Backend) {
    let f = Flow::start(b).await;
    let at = minute_ahead(Duration::minutes(2));
    let mut users = vec![];
    for i in 0..3 {
        let (_, token) = f.app.user("Sam", &format!("+1415555020{i}"), false).await;
        for n in 0..8 {
            f.reminder(&token, json!({"text": format!("r{n}"), "due_at": rfc3339(at), "nag": {"every_minutes": 5, "max": 0}}))
                .await;
        }
        users.push(token);
    }
    let (a, b2) = tokio::join!(run_tick(f.ports(), at), run_tick(f.ports(), at));
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert_eq!(a.fired + b2.fired, 24, "{a:?} {b2:?}");
    let queued = f.queued().await;
    assert_eq!(queued.len(), 24, "one message per occurrence");
    let mut ids: Vec<_> = queued.iter().map(|m| m.notification_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 24);
    for token in &users {
        assert_eq!(f.notifications(token).await.len(), 8);
    }
}

async fn missed_ticks_are_caught_up(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550301", false).await;
    let t = minute_ahead(Duration::minutes(2));
    for k in 0..3 {
        let due = t + Duration::minutes(k);
        f.reminder(&token, json!({"text": format!("at +{k}"), "due_at": rfc3339(due), "nag": {"every_minutes": 5, "max": 0}}))
            .await;
    }
    // The ticks at t, t+1 and t+2 never ran; the one at t+3 fires all three, once each.
    let report = f.tick(t + Duration::minutes(3)).await;
    assert_eq!(report["fired"], 3, "{report}");
    assert_eq!(f.tick(t + Duration::minutes(4)).await["fired"], 0);
    assert_eq!(f.queued().await.len(), 3);
}

async fn the_notifier_fed_every_message_twice_sends_once(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550401", false).await;
    let at = minute_ahead(Duration::minutes(2));
    for n in 0..5 {
        f.reminder(
            &token,
            json!({"text": format!("r{n}"), "due_at": rfc3339(at), "nag": {"every_minutes": 5, "max": 0}}),
        )
        .await;
    }
    f.tick(at).await;
    let messages = f.queued().await;
    assert_eq!(messages.len(), 5);
    let twice: Vec<NotifyMessage> = messages.iter().flat_map(|m| [*m, *m]).collect();
    let s = senders(&f.twilio);
    assert!(notifier::handle(f.ports(), &s, sqs_event(&twice)).await.batch_item_failures.is_empty());
    assert_eq!(f.twilio.sent().len(), 5);
    // A redelivery long after (SQS at-least-once) changes nothing either.
    assert!(notifier::handle(f.ports(), &s, sqs_event(&messages)).await.batch_item_failures.is_empty());
    assert_eq!(f.twilio.sent().len(), 5);
    let listed = f.notifications(&token).await;
    assert!(listed.iter().all(|n| n["status"] == "sent" && n["attempts"].as_array().unwrap().len() == 1));
}

async fn a_failed_send_is_retried_and_every_attempt_recorded(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550501", false).await;
    let at = minute_ahead(Duration::minutes(2));
    f.reminder(&token, json!({"text": "call the bank", "due_at": rfc3339(at)})).await;
    f.tick(at).await;
    let messages = f.queued().await;
    f.twilio.fail_next(500);
    let s = senders(&f.twilio);
    let first = notifier::handle(f.ports(), &s, sqs_event(&messages)).await;
    assert_eq!(first.batch_item_failures.len(), 1, "reported for SQS to redeliver");
    let n = &f.notifications(&token).await[0];
    assert_eq!(n["status"], "queued");
    assert_eq!(n["attempts"][0]["outcome"], "failed");
    assert!(n["attempts"][0]["error"].as_str().unwrap().contains("500"), "{n}");
    // SQS redelivers after the visibility timeout (past the notifier's lease).
    let again = notifier::handle(f.ports(), &s, sqs_event(&messages)).await;
    assert!(again.batch_item_failures.is_empty());
    let n = &f.notifications(&token).await[0];
    assert_eq!((n["status"].as_str(), n["attempts"].as_array().unwrap().len()), (Some("sent"), 2));
    assert_eq!(f.twilio.sent().len(), 1);
}

async fn a_user_who_opted_out_of_sms_gets_none(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550601", false).await;
    let (status, body) =
        f.app.call("PUT", "/api/me/preferences", Some(&token), Some(json!({"sms_opted_out": true}))).await;
    assert_eq!(status, 200, "{body}");
    let at = minute_ahead(Duration::minutes(2));
    f.reminder(&token, json!({"text": "stretch", "due_at": rfc3339(at), "channel": "sms"})).await;
    f.tick(at).await;
    assert_eq!(f.deliver(1).await, 0);
    assert!(f.twilio.sent().is_empty());
    let n = &f.notifications(&token).await[0];
    assert_eq!(n["status"], "skipped");
    assert!(n["attempts"][0]["error"].as_str().unwrap().contains("opted out"), "{n}");
}

async fn quiet_hours_defer_until_they_end(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550701", false).await;
    // Quiet for the whole next hour, in the user's zone (Europe/Paris).
    let at = minute_ahead(Duration::minutes(2));
    let paris = chrono_tz::Europe::Paris;
    let start = (at - Duration::minutes(1)).with_timezone(&paris).format("%H:%M").to_string();
    let end_at = at + Duration::minutes(60);
    let end = end_at.with_timezone(&paris).format("%H:%M").to_string();
    let prefs = json!({"quiet_hours": {"start": start, "end": end}});
    let (status, body) = f.app.call("PUT", "/api/me/preferences", Some(&token), Some(prefs)).await;
    assert_eq!(status, 200, "{body}");
    let r = f.reminder(&token, json!({"text": "water plants", "due_at": rfc3339(at)})).await;
    let report = f.tick(at).await;
    assert_eq!((report["fired"].as_u64(), report["deferred"].as_u64()), (Some(0), Some(1)), "{report}");
    let (_, shown) =
        f.app.call("GET", &format!("/api/reminders/{}", r["id"].as_str().unwrap()), Some(&token), None).await;
    let next: DateTime<chrono::FixedOffset> =
        shown["data"]["next_fire_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.to_utc(), end_at, "deferred to the end of quiet hours, not dropped");
    assert_eq!(f.tick(end_at - Duration::minutes(1)).await["fired"], 0);
    assert_eq!(f.tick(end_at).await["fired"], 1);
}

async fn the_morning_digest_lists_the_day(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155550801", false).await;
    let at = minute_ahead(Duration::minutes(2));
    let paris = chrono_tz::Europe::Paris;
    let digest_at = at.with_timezone(&paris).format("%H:%M").to_string();
    let (status, body) =
        f.app.call("PUT", "/api/me/preferences", Some(&token), Some(json!({"digest_at": digest_at}))).await;
    assert_eq!(status, 200, "{body}");
    let due_today = at + Duration::minutes(10);
    let task = json!({"title": "Pay rent", "due_date": rfc3339(due_today)});
    assert_eq!(f.app.call("POST", "/api/tasks", Some(&token), Some(task)).await.0, 201);
    assert_eq!(f.tick(at).await["fired"], 1);
    assert_eq!(f.deliver(1).await, 0);
    let sms = f.twilio.sent();
    assert!(sms[0].body.starts_with("Good morning! Today:"), "{:?}", sms[0].body);
    assert!(sms[0].body.contains("Pay rent"), "{:?}", sms[0].body);
    // It recurs daily and never nags.
    assert_eq!(f.tick(at + Duration::minutes(30)).await["fired"], 0);
    // Two changes at once still make one digest.
    let later = (at + Duration::hours(1)).with_timezone(&paris).format("%H:%M").to_string();
    let prefs = Some(json!({"digest_at": later}));
    let (a, b2) = tokio::join!(
        f.app.call("PUT", "/api/me/preferences", Some(&token), prefs.clone()),
        f.app.call("PUT", "/api/me/preferences", Some(&token), prefs)
    );
    assert_eq!((a.0, b2.0), (200, 200));
    let (_, listed) = f.app.call("GET", "/api/reminders", Some(&token), None).await;
    let digests =
        listed["data"]["items"].as_array().unwrap().iter().filter(|r| r["kind"] == "digest").count();
    assert_eq!(digests, 1);
    // It is stopped through preferences, not deleted behind their back.
    let (_, listed) = f.app.call("GET", "/api/reminders", Some(&token), None).await;
    let digest =
        listed["data"]["items"].as_array().unwrap().iter().find(|r| r["kind"] == "digest").unwrap().clone();
    let path = format!("/api/reminders/{}", digest["id"].as_str().unwrap());
    assert_eq!(f.app.call("DELETE", &path, Some(&token), None).await.0, 409);
    let (status, _) =
        f.app.call("PUT", "/api/me/preferences", Some(&token), Some(json!({"digest_at": null}))).await;
    assert_eq!(status, 200);
    assert_eq!(f.app.call("GET", &path, Some(&token), None).await.0, 404, "the digest reminder is gone");
}

async fn reminders_api_refuses_bad_input_and_hides_other_users(b: Backend) {
    let f = Flow::start(b).await;
    let (_, alice) = f.app.user("Alice", "+14155550901", false).await;
    let (_, bob) = f.app.user("Bob", "+14155550902", false).await;
    let at = rfc3339(minute_ahead(Duration::minutes(2)));
    for (body, field) in [
        (json!({"text": "x", "due_at": at, "recurrence": "FREQ=SECONDLY"}), "recurrence"),
        (json!({"text": "x", "due_at": "2020-01-01T09:00:00Z"}), "due_at"),
        (json!({"text": "", "due_at": at}), "text"),
        (json!({"text": "x", "due_at": at, "channel": "pigeon"}), "channel"),
        (json!({"text": "x", "due_at": at, "nag": {"every_minutes": 0, "max": 3}}), "nag"),
        (json!({"text": "x", "due_at": "tomorrow"}), "due_at"),
        (json!({"text": "x", "due_at": at, "colour": "red"}), "colour"),
    ] {
        let (status, err) = f.app.call("POST", "/api/reminders", Some(&alice), Some(body.clone())).await;
        assert_eq!(status, 400, "{body} → {err}");
        assert!(err["error"].to_string().contains(field), "{field}: {err}");
    }
    let r = f.reminder(&alice, json!({"text": "x", "due_at": at, "recurrence": "FREQ=DAILY"})).await;
    let id = r["id"].as_str().unwrap();
    for (method, path) in [
        ("GET", format!("/api/reminders/{id}")),
        ("DELETE", format!("/api/reminders/{id}")),
        ("POST", format!("/api/reminders/{id}/ack")),
    ] {
        assert_eq!(f.app.call(method, &path, Some(&bob), None).await.0, 404, "{method} {path}");
    }
    let snooze = json!({"minutes": 10});
    assert_eq!(
        f.app.call("POST", &format!("/api/reminders/{id}/snooze"), Some(&bob), Some(snooze)).await.0,
        404
    );
    let (status, _) = f
        .app
        .call("POST", &format!("/api/reminders/{id}/snooze"), Some(&alice), Some(json!({"minutes": 0})))
        .await;
    assert_eq!(status, 400);
    let (status, s) = f
        .app
        .call("POST", &format!("/api/reminders/{id}/snooze"), Some(&alice), Some(json!({"minutes": 15})))
        .await;
    assert_eq!((status, s["data"]["status"].as_str()), (200, Some("snoozed")), "{s}");
    let change = json!({"text": "renamed", "recurrence": null, "version": 1});
    let (status, _) = f.app.call("PUT", &format!("/api/reminders/{id}"), Some(&alice), Some(change)).await;
    assert_eq!(status, 409, "a stale version");
    let (status, listed) = f.app.call("GET", "/api/reminders", Some(&alice), None).await;
    assert_eq!((status, listed["data"]["items"].as_array().unwrap().len()), (200, 1));
    let (_, listed) = f.app.call("GET", "/api/reminders", Some(&bob), None).await;
    assert!(listed["data"]["items"].as_array().unwrap().is_empty());
    // Only admins run jobs.
    let (status, _) = f.app.call("POST", "/api/admin/jobs/reminder-tick/run", Some(&alice), None).await;
    assert_eq!(status, 403);
    let (status, _) = f.app.call("POST", "/api/admin/jobs/nothing/run", Some(&f.admin), None).await;
    assert_eq!(status, 404);
}

async fn webhooks_are_signed_for_the_user(b: Backend) {
    use axum::{Router, http::HeaderMap, routing::post};
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155551001", false).await;
    let got: Arc<std::sync::Mutex<Vec<(HeaderMap, String)>>> = Default::default();
    let sink = got.clone();
    let receiver = Router::new().route(
        "/hook",
        post(move |h: HeaderMap, body: String| async move {
            sink.lock().unwrap().push((h, body));
            axum::http::StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let (status, prefs) =
        f.app.call("PUT", "/api/me/preferences", Some(&token), Some(json!({"webhook_url": url}))).await;
    assert_eq!(status, 200, "{prefs}");
    let secret = prefs["data"]["webhook_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let at = minute_ahead(Duration::minutes(2));
    f.reminder(&token, json!({"text": "stand up", "due_at": rfc3339(at), "channel": "webhook"})).await;
    f.tick(at).await;
    assert_eq!(f.deliver(2).await, 0);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "sent once");
    let (headers, body) = &got[0];
    let ts: i64 = headers["nudge-timestamp"].to_str().unwrap().parse().unwrap();
    let expected = nudge_senders::sign(secret.as_bytes(), ts, body.as_bytes());
    assert_eq!(headers["nudge-signature"].to_str().unwrap(), expected);
    assert!(body.contains("stand up"));
    let (status, _) = f
        .app
        .call("PUT", "/api/me/preferences", Some(&token), Some(json!({"webhook_url": "http://10.0.0.1/x"})))
        .await;
    assert_eq!(status, 400, "plain http only to loopback");
}

/// A provider that is slow enough for a tick to come by while it sends.
struct TickWhileSending {
    inner: nudge_senders::TwilioSms,
    ports: Ports,
    tick_at: DateTime<Utc>,
}

#[async_trait::async_trait]
impl nudge_domain::Sender for TickWhileSending {
    async fn send(
        &self,
        to: &nudge_domain::Address,
        n: &nudge_domain::Notification,
    ) -> Result<String, nudge_domain::SendError> {
        let report = run_tick(&self.ports, self.tick_at).await.unwrap();
        assert_eq!(report.redispatched, 0, "a notification in a notifier's hands is not resent");
        self.inner.send(to, n).await
    }
}

async fn a_tick_during_a_send_does_not_make_it_twice(b: Backend) {
    let f = Flow::start(b).await;
    let (_, token) = f.app.user("Sam", "+14155551101", false).await;
    let at = minute_ahead(Duration::minutes(2));
    f.reminder(
        &token,
        json!({"text": "feed the cat", "due_at": rfc3339(at), "nag": {"every_minutes": 5, "max": 0}}),
    )
    .await;
    f.tick(at).await;
    let messages = f.queued().await;
    // The notifier is slow: the tick's redispatch time has come while it sends.
    let slow = TickWhileSending {
        inner: f.twilio.sender(),
        ports: f.ports().clone(),
        tick_at: at + nudge_domain::notification::REDISPATCH_AFTER + Duration::minutes(1),
    };
    let s = Senders { sms: Arc::new(slow), ..senders(&f.twilio) };
    // The notifier runs (and takes its lease) just before that tick.
    let clock = Arc::new(nudge_domain::FixedClock::new(
        at + nudge_domain::notification::REDISPATCH_AFTER + Duration::seconds(30),
    ));
    let notifier_ports = Ports { clock, ..f.ports().clone() };
    assert!(notifier::handle(&notifier_ports, &s, sqs_event(&messages)).await.batch_item_failures.is_empty());
    assert_eq!(f.deliver(1).await, 0);
    assert_eq!(f.twilio.sent().len(), 1);
    let n = &f.notifications(&token).await[0];
    assert_eq!((n["status"].as_str(), n["attempts"].as_array().unwrap().len()), (Some("sent"), 1), "{n}");
}

nudge_tests::on_both_backends!(
    a_tick_during_a_send_does_not_make_it_twice,
    a_reminder_fires_once_and_nags_until_acknowledged,
    two_concurrent_ticks_fire_each_occurrence_once,
    missed_ticks_are_caught_up,
    the_notifier_fed_every_message_twice_sends_once,
    a_failed_send_is_retried_and_every_attempt_recorded,
    a_user_who_opted_out_of_sms_gets_none,
    quiet_hours_defer_until_they_end,
    the_morning_digest_lists_the_day,
    reminders_api_refuses_bad_input_and_hides_other_users,
    webhooks_are_signed_for_the_user,
);
