//! The SMS channel end to end, on both stores: texts signed as Twilio signs them reach
//! `POST /sms/inbound`; what needs the agent goes through the `agent` queue to the agent
//! worker, whose reply goes through the `notify` queue to the notifier and on to a Twilio
//! stand-in speaking the Messages API. Time is a `FixedClock`, so reminders fire when a test
//! says. Then what keeps users safe: forged and replayed requests, carrier keywords and
//! opt-out, duplicates, rate limits, unknown numbers, spam; and the quick replies and commands.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    AgentMessage, FixedClock, NotifyMessage, Senders,
    sms::{InboundSms, MessageSid, RateLimit, Route, SmsSettings, reply::MODEL_DOWN, segments},
    tick,
};
use nudge_tests::{
    Backend, TestApp,
    llm::{ChatServer, Reply},
    offline_agent,
    queue::{agent_event, sqs_event},
    sms::{Answer, new_sid, params},
    store_with_clock,
    twilio::{self, Twilio},
};
use serde_json::{Value, json};

const PHONE: &str = "+14155550101";
const STRANGER: &str = "+14155550999";

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// Sam, texting a running stack from `PHONE`.
struct Texting {
    app: TestApp,
    twilio: Twilio,
    clock: Arc<FixedClock>,
    token: String,
}

impl Texting {
    async fn new(b: Backend) -> Self {
        Self::with(b, SmsSettings::default(), Arc::new(offline_agent())).await
    }

    async fn with(b: Backend, settings: SmsSettings, agent: Arc<nudge_domain::Agent>) -> Self {
        let clock = Arc::new(FixedClock::new(start()));
        let (ports, tap) = store_with_clock(b, clock.clone()).await;
        let mut app = TestApp::on(ports, agent, chat::TURN_TIMEOUT, settings).await;
        app.queue = Some(tap);
        let (_, token) = app.user("Sam", PHONE, false).await;
        Self { app, twilio: Twilio::start().await, clock, token }
    }

    async fn text(&self, body: &str) -> Answer {
        self.app.text(PHONE, body).await
    }

    /// A text that must be answered at once; answers the TwiML message.
    async fn answer(&self, body: &str) -> String {
        let a = self.text(body).await;
        assert_eq!(a.status, 200, "{body:?}: {}", a.body);
        a.message.unwrap_or_else(|| panic!("{body:?} got no answer: {}", a.body))
    }

    fn senders(&self) -> Senders {
        Senders {
            sms: Arc::new(self.twilio.sender()),
            email: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
            webhook: Arc::new(nudge_senders::WebhookSender::new(nudge_senders::http_client())),
            console: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
            webhook_key: Arc::new(nudge_domain::Secret::new(nudge_tests::TEST_SECRET)),
        }
    }

    async fn agent_messages(&self) -> Vec<AgentMessage> {
        self.app.queue.as_ref().unwrap().agent_messages().await
    }

    /// Runs the agent worker over `messages` as one SQS batch; answers the failed ids.
    async fn work(&self, messages: &[AgentMessage]) -> Vec<String> {
        let bodies: Vec<String> = messages.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
        let r =
            agent_worker::handle(&self.app.state.ports, &self.app.agent, &self.app.sms, agent_event(&bodies))
                .await;
        r.batch_item_failures.into_iter().map(|f| f.item_identifier).collect()
    }

    /// The notifier over what the `notify` queue holds.
    async fn notify(&self) {
        let queued: Vec<NotifyMessage> = self.app.queue.as_ref().unwrap().take().await;
        if !queued.is_empty() {
            let r = notifier::handle(&self.app.state.ports, &self.senders(), sqs_event(&queued)).await;
            assert!(r.batch_item_failures.is_empty(), "notifier failures");
        }
    }

    /// The agent worker over what the `agent` queue holds, then the notifier: answers the SMS
    /// Twilio took meanwhile.
    async fn settle(&self) -> Vec<twilio::Sms> {
        let before = self.twilio.sent().len();
        let queued = self.agent_messages().await;
        assert!(self.work(&queued).await.is_empty(), "agent worker failures");
        self.notify().await;
        self.twilio.sent()[before..].to_vec()
    }

    /// The reminder tick at the clock's time, then the notifier.
    async fn tick(&self) -> Vec<twilio::Sms> {
        let before = self.twilio.sent().len();
        tick::run_tick(&self.app.state.ports, self.clock.now_utc()).await.unwrap();
        self.notify().await;
        self.twilio.sent()[before..].to_vec()
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.app.call("GET", path, Some(&self.token), None).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn reminders(&self) -> Vec<Value> {
        self.get("/api/reminders").await["items"].as_array().unwrap().clone()
    }

    async fn me(&self) -> Value {
        self.get("/api/me").await
    }

    /// A reminder made through the API, due `in_minutes` from now, nagging every 5 minutes.
    async fn remind(&self, text: &str, in_minutes: i64) -> Value {
        let due = self.clock.now_utc() + Duration::minutes(in_minutes);
        let body = json!({"text": text, "due_at": due.to_rfc3339(), "nag": {"every_minutes": 5, "max": 2}});
        let (status, created) = self.app.call("POST", "/api/reminders", Some(&self.token), Some(body)).await;
        assert_eq!(status, 201, "{created}");
        created["data"].clone()
    }

    async fn record(&self, sid: &str) -> Option<InboundSms> {
        self.app.state.ports.inbound.get_inbound(&MessageSid::parse(sid).unwrap()).await.unwrap()
    }
}

trait Now {
    fn now_utc(&self) -> DateTime<Utc>;
}
impl Now for FixedClock {
    fn now_utc(&self) -> DateTime<Utc> {
        nudge_domain::Clock::now(self)
    }
}

async fn the_issues_text_is_answered_and_its_reminder_fires_five_minutes_later(b: Backend) {
    let t = Texting::new(b).await;
    let a = t.text("remind me to call mom in 5 minutes").await;
    assert_eq!(
        (a.status, a.message.as_deref()),
        (200, None),
        "acknowledged at once, answered later: {}",
        a.body
    );

    let replies = t.settle().await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].to, PHONE);
    assert!(replies[0].body.to_lowercase().contains("call mom"), "{}", replies[0].body);
    let reminders = t.reminders().await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let due: DateTime<Utc> = reminders[0]["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, start() + Duration::minutes(5));
    assert_eq!(reminders[0]["channel"], "sms", "a reminder asked for by text comes by text");

    t.clock.advance(Duration::minutes(4));
    assert!(t.tick().await.is_empty(), "not yet");
    t.clock.advance(Duration::minutes(1));
    let fired = t.tick().await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!((fired[0].to.as_str(), fired[0].body.as_str()), (PHONE, "Reminder: call mom"));

    // The conversation is the user's, on the SMS channel, like any other.
    let conversations = t.get("/api/conversations").await["items"].as_array().unwrap().clone();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["channel"], "sms");
}

async fn the_same_message_sid_three_times_is_one_turn_and_one_reply(b: Backend) {
    let t = Texting::new(b).await;
    let sid = new_sid();
    let answers = [
        t.app.text_as(&sid, PHONE, "remind me to take my meds at 9pm").await,
        t.app.text_as(&sid, PHONE, "remind me to take my meds at 9pm").await,
        t.app.text_as(&sid, PHONE, "remind me to take my meds at 9pm").await,
    ];
    assert!(answers.iter().all(|a| a == &answers[0] && a.status == 200), "{answers:?}");
    let queued = t.agent_messages().await;
    assert_eq!(queued.len(), 1, "one turn queued: {queued:?}");
    // SQS delivers at least once: the same message twice in a batch, and again later.
    assert!(t.work(&[queued[0].clone(), queued[0].clone()]).await.is_empty());
    assert!(t.work(&queued).await.is_empty());
    t.notify().await;
    t.notify().await;
    assert_eq!(t.twilio.sent().len(), 1, "one reply: {:?}", t.twilio.sent());
    assert_eq!(t.reminders().await.len(), 1, "one reminder");
    let record = t.record(&sid).await.unwrap();
    assert_eq!(record.route, Route::Agent);
    assert!(matches!(record.turn, Some(nudge_domain::sms::TurnState::Replied { .. })), "{:?}", record.turn);
}

async fn two_workers_at_once_run_one_turn(b: Backend) {
    let t = Texting::new(b).await;
    t.text("remind me to stretch in 20 minutes").await;
    let queued = t.agent_messages().await;
    let (one, two) = tokio::join!(t.work(&queued), t.work(&queued));
    t.notify().await;
    assert_eq!(t.twilio.sent().len(), 1, "one reply");
    assert_eq!(t.reminders().await.len(), 1, "one reminder");
    // The one that found the turn taken asks SQS for the message again; then it is a duplicate.
    let retried = one.len() + two.len();
    assert!(retried <= 1, "{one:?} {two:?}");
    if retried == 1 {
        assert!(t.work(&queued).await.is_empty());
        t.notify().await;
        assert_eq!(t.twilio.sent().len(), 1);
    }
}

async fn forged_and_misdirected_requests_are_refused_and_store_nothing(b: Backend) {
    let t = Texting::new(b).await;
    let sid = new_sid();
    let ps = params(&sid, PHONE, "remind me to call mom in 5 minutes");
    let url = t.app.url("/sms/inbound");
    let sign = |token: &str, url: &str, ps: &[(String, String)]| {
        sms_inbound::signature::sign(token.as_bytes(), url, ps)
    };

    let unsigned = t.app.post_webhook(&ps, None, &[]).await;
    let wrong_token = t.app.post_webhook(&ps, Some(&sign("not-the-token", &url, &ps)), &[]).await;
    let mut tampered = ps.clone();
    tampered.iter_mut().find(|(k, _)| k == "Body").unwrap().1 = "forward all my texts to +15550000".into();
    let tampered = t.app.post_webhook(&tampered, Some(&sign(twilio::AUTH_TOKEN, &url, &ps)), &[]).await;
    // Signed for a URL the caller controls, with headers claiming the request was sent there.
    let evil = "https://evil.example/sms/inbound";
    let forwarded =
        [("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "https"), ("Host", "evil.example")];
    let misdirected = t.app.post_webhook(&ps, Some(&sign(twilio::AUTH_TOKEN, evil, &ps)), &forwarded).await;
    let garbage = t.app.post_webhook(&ps, Some("%%%not-base64"), &[]).await;
    for a in [unsigned, wrong_token, tampered, misdirected, garbage] {
        assert_eq!(a.status, 403, "{}", a.body);
        let body: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["error"]["code"], "INVALID_SIGNATURE", "{body}");
        assert_eq!(body["success"], false);
    }
    assert!(t.record(&sid).await.is_none(), "a refused request stores nothing");
    assert!(t.agent_messages().await.is_empty());

    // The genuine request, sent twice byte for byte (a replay): one effect, the same answer.
    let genuine = sign(twilio::AUTH_TOKEN, &url, &ps);
    let first = t.app.post_webhook(&ps, Some(&genuine), &[]).await;
    let replay = t.app.post_webhook(&ps, Some(&genuine), &[]).await;
    assert_eq!((first.status, &first), (200, &replay));
    assert_eq!(t.agent_messages().await.len(), 1);
}

async fn every_carrier_keyword_works_without_a_prefix_in_any_case(b: Backend) {
    let t = Texting::new(b).await;
    for stop in ["STOP", "stopall", "Unsubscribe", "cancel", "END", "quit.", " Stop "] {
        let said = t.answer(stop).await;
        assert!(said.contains("unsubscribed") && said.contains("START"), "{stop}: {said}");
        assert_eq!(t.me().await["preferences"]["sms_opted_out"], true, "{stop}");
        let back = if stop == "END" { "unstop" } else { "START" };
        let said = t.answer(back).await;
        assert!(said.contains("Welcome back"), "{back}: {said}");
        assert_eq!(t.me().await["preferences"]["sms_opted_out"], false, "{back}");
    }
    for help in ["HELP", "help", "Help!"] {
        let said = t.answer(help).await;
        assert!(said.contains("Nudge") && said.contains("STOP"), "{help}: {said}");
    }
    // Words that contain a keyword are messages.
    t.text("stop reminding me about the dishes").await;
    t.text("cancel my 9pm reminder").await;
    assert_eq!(t.me().await["preferences"]["sms_opted_out"], false);
    assert_eq!(t.agent_messages().await.len(), 2, "both went to the agent");
    assert!(t.agent_messages().await.is_empty());
}

async fn after_stop_nothing_is_sent_until_start(b: Backend) {
    let t = Texting::new(b).await;
    t.remind("Call the pharmacy", 1).await;
    t.answer("STOP").await;

    t.clock.advance(Duration::minutes(1));
    assert!(t.tick().await.is_empty(), "a reminder after STOP sends nothing");
    let notes = t.get("/api/notifications").await["items"].as_array().unwrap().clone();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["status"], "skipped", "{notes:?}");

    // A message while opted out is recorded, not processed, and not answered.
    let sid = new_sid();
    let a = t.app.text_as(&sid, PHONE, "remind me to water the plants in 10 minutes").await;
    assert_eq!((a.status, a.message), (200, None));
    assert_eq!(t.record(&sid).await.unwrap().route, Route::OptedOut);
    assert!(t.agent_messages().await.is_empty());

    t.answer("start").await;
    assert_eq!(
        t.answer("DONE").await,
        "There's no reminder to mark done yet.",
        "the skipped one never reached the phone"
    );
    t.clock.advance(Duration::minutes(5));
    let nag = t.tick().await;
    assert_eq!(nag.len(), 1, "after START the nag goes out: {nag:?}");
    assert!(nag[0].body.contains("Call the pharmacy"), "{nag:?}");
    assert_eq!(t.answer("DONE").await, "Done: Call the pharmacy. Nice work!");
}

async fn twilios_own_reading_of_a_keyword_prevails(b: Backend) {
    let t = Texting::new(b).await;
    t.answer("STOP").await;
    // Twilio's Advanced Opt-Out takes a lone YES as an opt-in, and says so.
    let a = t.app.text_with(&new_sid(), PHONE, "yes", &[("OptOutType", "START")]).await;
    assert!(a.message.unwrap().contains("Welcome back"));
    assert_eq!(t.me().await["preferences"]["sms_opted_out"], false);
    // Without that, a lone "yes" is a message for the assistant.
    assert_eq!(t.text("yes").await.message, None);
    assert_eq!(t.agent_messages().await.len(), 1);
}

async fn someone_who_said_stop_hears_nothing_more(b: Backend) {
    let settings = SmsSettings {
        per_phone: RateLimit { max: 2, window: Duration::minutes(10) },
        ..SmsSettings::default()
    };
    let t = Texting::with(b, settings, Arc::new(offline_agent())).await;
    t.answer("STOP").await;
    for i in 0..4 {
        assert_eq!(
            t.text(&format!("are you there {i}")).await.message,
            None,
            "not even the slow-down notice"
        );
    }
    // A number no one has that said STOP is never told how to sign up.
    assert_eq!(t.app.text(STRANGER, "STOP").await.message, None);
    assert_eq!(t.app.text(STRANGER, "hello").await.message, None);
    t.clock.advance(Duration::days(2));
    assert_eq!(t.app.text(STRANGER, "hello again").await.message, None);
}

/// An agent queue that fails while `down` is set.
struct FlakyQueue {
    inner: Arc<dyn nudge_domain::AgentQueue>,
    down: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl nudge_domain::AgentQueue for FlakyQueue {
    async fn enqueue_agent(&self, m: &AgentMessage) -> Result<(), nudge_domain::StoreError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(nudge_domain::StoreError::Backend("queue unavailable".into()));
        }
        self.inner.enqueue_agent(m).await
    }
}

async fn a_queue_that_fails_loses_no_text(b: Backend) {
    let clock = Arc::new(FixedClock::new(start()));
    let (mut ports, tap) = store_with_clock(b, clock.clone()).await;
    let queue = Arc::new(FlakyQueue { inner: ports.agent_queue.clone(), down: true.into() });
    ports.agent_queue = queue.clone();
    let mut app =
        TestApp::on(ports, Arc::new(offline_agent()), chat::TURN_TIMEOUT, SmsSettings::default()).await;
    app.queue = Some(tap);
    app.user("Sam", PHONE, false).await;
    let sid = new_sid();
    let failed = app.text_as(&sid, PHONE, "remind me to call mom in 5 minutes").await;
    // Twilio does not retry a 5xx: the texter is told, in the answer, to send it again.
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert!(failed.message.unwrap().contains("send it again"));
    let r = app.state.ports.inbound.get_inbound(&MessageSid::parse(&sid).unwrap()).await.unwrap().unwrap();
    assert_eq!(r.status, nudge_domain::sms::InboundStatus::Received, "not answered, so not a duplicate");
    // Should Twilio deliver it again, it is queued this time.
    queue.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let again = app.text_as(&sid, PHONE, "remind me to call mom in 5 minutes").await;
    assert_eq!((again.status, again.message), (200, None));
    assert_eq!(app.queue.as_ref().unwrap().agent_messages().await.len(), 1);
}

async fn a_burst_over_the_phone_limit_is_recorded_and_told_once(b: Backend) {
    let settings = SmsSettings {
        per_phone: RateLimit { max: 3, window: Duration::minutes(10) },
        ..SmsSettings::default()
    };
    let t = Texting::with(b, settings, Arc::new(offline_agent())).await;
    let mut answers = vec![];
    let mut sids = vec![];
    for i in 0..6 {
        let sid = new_sid();
        answers.push(t.app.text_as(&sid, PHONE, &format!("add task number {i}")).await);
        sids.push(sid);
    }
    let messages: Vec<Option<String>> = answers.iter().map(|a| a.message.clone()).collect();
    assert_eq!(&messages[..3], &[None, None, None], "the first three go to the agent");
    assert!(messages[3].as_deref().is_some_and(|m| m.contains("faster than I can keep up")), "{messages:?}");
    assert_eq!(&messages[4..], &[None, None], "one notice per window");
    assert_eq!(t.agent_messages().await.len(), 3);
    for sid in &sids[3..] {
        let r = t.record(sid).await.expect("recorded");
        assert_eq!(r.route, Route::RateLimited);
        assert!(r.body.starts_with("add task number"));
    }
    // STOP still works over the limit.
    assert!(t.answer("STOP").await.contains("unsubscribed"));
    t.answer("START").await;
    // The next window reads again.
    t.clock.advance(Duration::minutes(10));
    assert_eq!(t.text("add task number 7").await.message, None);
    assert_eq!(t.agent_messages().await.len(), 1);
}

async fn a_user_over_the_agent_limit_still_gets_commands(b: Backend) {
    let settings =
        SmsSettings { per_user: RateLimit { max: 2, window: Duration::hours(1) }, ..SmsSettings::default() };
    let t = Texting::with(b, settings, Arc::new(offline_agent())).await;
    assert_eq!(t.text("add buy milk").await.message, None);
    assert_eq!(t.text("add buy eggs").await.message, None);
    assert!(t.answer("add buy bread").await.contains("faster than I can keep up"));
    assert_eq!(t.text("add buy jam").await.message, None, "told once");
    assert!(t.answer("/status").await.starts_with("Open tasks"), "commands are not the agent's work");
    assert_eq!(t.agent_messages().await.len(), 2);
}

async fn an_unknown_number_hears_how_to_sign_up_once_and_nothing_else(b: Backend) {
    let t = Texting::new(b).await;
    let sid = new_sid();
    let first = t.app.text_as(&sid, STRANGER, "remind me to call mom").await;
    let said = first.message.expect("a reply");
    assert!(said.contains("isn't linked to an account"), "{said}");
    assert!(!said.contains("Sam") && !said.contains(PHONE), "nothing about anyone: {said}");
    assert_eq!(t.app.text(STRANGER, "hello??").await.message, None, "once");
    let r = t.record(&sid).await.unwrap();
    assert_eq!((r.route, r.user_id), (Route::UnknownSender, None));
    assert!(t.agent_messages().await.is_empty());
    // A stranger's STOP and HELP work too, and reveal nothing.
    assert!(t.app.text(STRANGER, "HELP").await.message.unwrap().contains("STOP"));
    assert_eq!(t.app.text(STRANGER, "STOP").await.message, None);

    let quiet = Texting::with(
        b,
        SmsSettings { signup_reply: None, ..SmsSettings::default() },
        Arc::new(offline_agent()),
    )
    .await;
    assert_eq!(quiet.app.text(STRANGER, "hi").await.message, None, "off means no reply");
}

async fn done_and_snooze_answer_the_reminder_that_fired_last(b: Backend) {
    let t = Texting::new(b).await;
    assert_eq!(t.answer("DONE").await, "There's no reminder to mark done yet.");
    t.remind("Water the plants", 10).await;
    t.remind("Take the meds", 1).await;
    t.clock.advance(Duration::minutes(1));
    assert_eq!(t.tick().await[0].body, "Reminder: Take the meds");

    let said = t.answer("snooze 10").await;
    assert_eq!(said, "Snoozed: Take the meds. I'll remind you again at 4:11 PM.", "15:11 UTC in Paris");
    t.clock.advance(Duration::minutes(9));
    let fired = t.tick().await;
    assert_eq!(fired.len(), 1, "the other reminder, on time");
    assert_eq!(fired[0].body, "Reminder: Water the plants");
    // DONE answers the one that fired last: the plants.
    assert_eq!(t.answer("done!").await, "Done: Water the plants. Nice work!");
    t.clock.advance(Duration::minutes(1));
    assert_eq!(t.tick().await[0].body, "Snooze is over: Take the meds");
    assert_eq!(t.answer("Done ✅").await, "Done: Take the meds. Nice work!");
    t.clock.advance(Duration::minutes(30));
    assert!(t.tick().await.is_empty(), "no nags after DONE");
    let statuses: Vec<Value> = t.reminders().await.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, [json!("done"), json!("done")]);
    assert!(t.answer("SNOOZE").await.contains("already done"));
    assert!(t.agent_messages().await.is_empty(), "quick replies never reach the agent");
}

async fn approval_codes_answer_no_such_request_for_now(b: Backend) {
    let t = Texting::new(b).await;
    for (text, code) in [("YES 4821", "4821"), ("no 99120", "99120")] {
        let said = t.answer(text).await;
        assert!(said.contains(&format!("couldn't find a request with code {code}")), "{said}");
    }
    assert!(t.agent_messages().await.is_empty());
}

async fn commands_work_with_each_prefix(b: Backend) {
    let t = Texting::new(b).await;
    assert!(t.answer("/help").await.contains("/status"));
    assert!(t.answer(":HELP").await.contains("/clear"));
    t.remind("Call the bank", 60).await;
    let status = t.answer("!status").await;
    assert!(status.starts_with("Open tasks: 0. Reminders: 1; next \"Call the bank\""), "{status}");
    let info = t.answer(":info").await;
    assert!(info.contains("Europe/Paris") && info.contains(PHONE), "{info}");
    assert!(t.answer("/frobnicate").await.contains("don't know the command"));

    // /clear: the next text starts a new conversation.
    t.text("add buy milk").await;
    t.settle().await;
    assert!(t.answer("/clear").await.starts_with("Cleared"));
    t.text("add buy eggs").await;
    t.settle().await;
    let conversations = t.get("/api/conversations").await["items"].as_array().unwrap().clone();
    assert_eq!(conversations.len(), 2, "{conversations:?}");
}

async fn spam_is_recorded_and_kept_from_the_agent(b: Backend) {
    let t = Texting::new(b).await;
    let sid = new_sid();
    let a = t.app.text_as(&sid, PHONE, "WINNER!!! Claim your prize now at http://bit.ly/x").await;
    assert!(a.message.unwrap().contains("looked like spam"));
    let r = t.record(&sid).await.unwrap();
    assert_eq!(r.route, Route::Spam);
    assert!(r.analysis.spam && r.analysis.spam_score >= 0.8, "{:?}", r.analysis);
    assert!(t.agent_messages().await.is_empty());
    // Shouting is not spam.
    assert_eq!(t.text("REMIND ME TO CALL MOM AT 5!!!").await.message, None);
}

async fn what_the_processor_makes_of_a_text_is_recorded(b: Backend) {
    let t = Texting::new(b).await;
    let sid = new_sid();
    t.app
        .text_as(
            &sid,
            PHONE,
            "Peux-tu me rappeler d'appeler ma mère demain après-midi pour son anniversaire ?",
        )
        .await;
    let r = t.record(&sid).await.unwrap();
    assert_eq!(r.analysis.language.as_deref(), Some("fra"));
    let sid = new_sid();
    t.app.text_as(&sid, PHONE, "thx, u r awesome!! pls remind me tmrw   2 call mom").await;
    let r = t.record(&sid).await.unwrap();
    assert!(
        r.analysis.text.contains("tomorrow") && r.analysis.text.contains("please"),
        "{}",
        r.analysis.text
    );
    assert!(r.analysis.sentiment > 0.0, "{}", r.analysis.sentiment);
    assert_eq!(r.body, "thx, u r awesome!! pls remind me tmrw   2 call mom", "the body is kept as sent");
}

async fn a_long_reply_is_cut_to_the_configured_parts(b: Backend) {
    let long = "Here is everything I know about your week. ".repeat(40);
    let llm = ChatServer::always(Reply::text(long.clone())).await;
    let settings = SmsSettings { max_parts: 2, ..SmsSettings::default() };
    let t = Texting::with(b, settings, Arc::new(llm.agent(Default::default()))).await;
    t.text("what's my week like").await;
    let sent = t.settle().await;
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert_eq!(segments::segments(body).len(), 2, "{body}");
    assert!(body.ends_with("...") && body.len() > 250, "{body}");
    assert!(llm.requests()[0].system().contains("texting you by SMS"), "the model is told to be brief");
    // The conversation keeps the whole reply; only the SMS is cut.
    let conversation = &t.get("/api/conversations").await["items"][0]["id"];
    let messages = t.get(&format!("/api/conversations/{}/messages", conversation.as_str().unwrap())).await;
    let contents: Vec<&str> =
        messages["items"].as_array().unwrap().iter().filter_map(|m| m["content"].as_str()).collect();
    assert!(contents.iter().any(|c| c.trim() == long.trim()), "{contents:?}");
}

async fn a_model_that_is_down_gets_the_user_an_apology(b: Backend) {
    let llm = ChatServer::always(Reply::status(500)).await;
    let t = Texting::with(b, SmsSettings::default(), Arc::new(llm.agent(Default::default()))).await;
    t.text("what's on today").await;
    let sent = t.settle().await;
    assert_eq!(sent.iter().map(|s| s.body.as_str()).collect::<Vec<_>>(), [MODEL_DOWN]);
}

nudge_tests::on_both_backends!(
    the_issues_text_is_answered_and_its_reminder_fires_five_minutes_later,
    the_same_message_sid_three_times_is_one_turn_and_one_reply,
    two_workers_at_once_run_one_turn,
    forged_and_misdirected_requests_are_refused_and_store_nothing,
    every_carrier_keyword_works_without_a_prefix_in_any_case,
    after_stop_nothing_is_sent_until_start,
    a_burst_over_the_phone_limit_is_recorded_and_told_once,
    a_user_over_the_agent_limit_still_gets_commands,
    an_unknown_number_hears_how_to_sign_up_once_and_nothing_else,
    done_and_snooze_answer_the_reminder_that_fired_last,
    approval_codes_answer_no_such_request_for_now,
    commands_work_with_each_prefix,
    spam_is_recorded_and_kept_from_the_agent,
    what_the_processor_makes_of_a_text_is_recorded,
    a_long_reply_is_cut_to_the_configured_parts,
    a_model_that_is_down_gets_the_user_an_apology,
    twilios_own_reading_of_a_keyword_prevails,
    someone_who_said_stop_hears_nothing_more,
    a_queue_that_fails_loses_no_text,
);
