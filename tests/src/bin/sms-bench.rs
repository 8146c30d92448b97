//! The SMS webhook: how long `sms-inbound`'s handler takes per inbound message, and how many
//! store and queue calls each one makes, on in-memory SQLite and on DynamoDB in moto. The calls
//! are the figure that carries over to DynamoDB; moto's times are moto's.
//!
//! 1. **The handler.** `nudge_http::app("sms-inbound", sms_inbound::routes(webhook), state)`,
//!    driven in-process with `tower::ServiceExt::oneshot` (no TCP): a POST of Twilio's 19
//!    webhook parameters, signed as Twilio signs, so each request is the signature check, the
//!    form parsing, `nudge_domain::sms::receive`, the TwiML answer and the handler's metric line.
//!    One user (20 open tasks, 20 reminders, and one that has fired and been sent by SMS) texts,
//!    each round and each with a fresh `MessageSid`: "remind me to call mom in 5 minutes"
//!    (queued for the agent), "/status", "DONE", "STOP", "START"; then the round's first message
//!    again under its own `MessageSid` (a duplicate), and a number no user has says hello.
//!    Warm-up rounds, then `SMS_BENCH_RUNS` timed rounds (200 on SQLite, 30 on moto by
//!    default); median and p90 per message. The rate limits are set far above what the bench
//!    sends.
//! 2. **Store and queue calls per message**, from the counting decorator
//!    (`nudge_tests::counting`), and on DynamoDB the requests the SDK sent, by operation.
//! 3. **The agent worker's side** of a message routed to the agent, off the webhook's path:
//!    `nudge_domain::work::process` on its `AgentMessage::SmsTurn` with the offline brain (the
//!    turn, then the reply's notification and its place on the `notify` queue), for the first
//!    `SMS_BENCH_WORKER_RUNS` (10) such messages of the timed rounds.
//! 4. **The parts.** `sms_inbound::signature::verify` on the 19 parameters, and
//!    `nudge_domain::sms::text::analyze` on typical texts (and `nudge_when::normalize`, its step
//!    that spells out shorthand): `SMS_BENCH_ITERS` (20,000) calls each after a tenth of that in
//!    warm-up; the median per call.
//!
//! DynamoDB is moto at `NUDGE_TEST_MOTO_URL` (`scripts/bench sms` starts it).
//! `SMS_BENCH_BACKENDS` (`sqlite`, `dynamodb`) narrows parts 1–3. The handler prints its metric
//! line (EMF, JSON) to stdout as in Lambda, so the markdown tables are printed at the end;
//! `scripts/bench` leaves the metric lines out.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    hint::black_box,
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use axum::{Router, body::Body};
use chrono::Duration;
use nudge_domain::{
    AgentMessage, Channel, Limit, Nag, NotificationStatus, PageRequest, PersonName, PhoneNumber, Ports,
    Priority, Recurrence, ReminderKind, ReminderText, Secret, TaskStatus, TaskTitle, TimeZone, User,
    reminders::{self, NewReminder},
    sms::{MessageSid, RateLimit, Route, SmsSettings, reply::Replied, text},
    tasks::{self, NewTask},
    tick,
    users::{self, NewUser},
    work::{self, Worked},
};
use nudge_http::ApiState;
use nudge_tests::stats::{median, p90};
use nudge_tests::{
    Backend, TEST_SECRET,
    counting::{self, Calls, Counts, Kind, Requests, describe, describe_requests, same_each_round, since},
    offline_agent,
    sms::{new_sid, twiml_message},
    twilio,
};
use tower::ServiceExt;

/// The URL Twilio is given (`PUBLIC_BASE_URL`) and the webhook's path: the signed URL.
const BASE: &str = "https://sms.example.com";
const PATH: &str = "/sms/inbound";
const PHONE: &str = "+14155550100";

/// What each round texts, in order.
#[derive(Clone, Copy, PartialEq)]
enum Text {
    Agent,
    Status,
    Done,
    Stop,
    Start,
    Duplicate,
    Unknown,
}

const TEXTS: [Text; 7] =
    [Text::Agent, Text::Status, Text::Done, Text::Stop, Text::Start, Text::Duplicate, Text::Unknown];

impl Text {
    fn body(self) -> &'static str {
        match self {
            Text::Agent | Text::Duplicate => "remind me to call mom in 5 minutes",
            Text::Status => "/status",
            Text::Done => "DONE",
            Text::Stop => "STOP",
            Text::Start => "START",
            Text::Unknown => "hi, is this the dentist? I need to move my appointment",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Text::Agent => "\"remind me to call mom in 5 minutes\" (for the agent)",
            Text::Status => "\"/status\" (20 open tasks, 21 reminders)",
            Text::Done => "\"DONE\" after a reminder fired",
            Text::Stop => "\"STOP\"",
            Text::Start => "\"START\"",
            Text::Duplicate => "the first again, same `MessageSid`",
            Text::Unknown => "from an unknown number",
        }
    }

    /// The route its record must end with.
    fn route(self) -> Route {
        match self {
            Text::Agent | Text::Duplicate => Route::Agent,
            Text::Status => Route::Command,
            Text::Done => Route::QuickReply,
            Text::Stop | Text::Start => Route::Keyword,
            Text::Unknown => Route::UnknownSender,
        }
    }

    /// Checks the TwiML answer's message.
    fn check(self, message: Option<&str>) {
        let ok = match (self, message) {
            (Text::Agent | Text::Duplicate, None) => true,
            (Text::Status, Some(m)) => m.starts_with("Open tasks: 20. Reminders: 2"),
            (Text::Done, Some(m)) => m.starts_with("Done: take out the trash"),
            (Text::Stop, Some(m)) => m.contains("unsubscribed"),
            (Text::Start, Some(m)) => m.starts_with("Welcome back"),
            (Text::Unknown, Some(m)) => m.contains("isn't linked to an account"),
            _ => false,
        };
        assert!(ok, "{:?} answered {message:?}", self.body());
    }
}

/// Twilio's parameters for an inbound SMS, all 19 of them.
fn params(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", "SAN FRANCISCO"),
        ("FromZip", "94107"),
        ("SmsSid", sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", "SAN FRANCISCO"),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", twilio::FROM),
        ("ToZip", "94105"),
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

/// The webhook request Twilio would send: form-encoded, signed over `BASE` + `PATH`.
fn request(sid: &str, from: &str, body: &str) -> http::Request<Body> {
    let params = params(sid, from, body);
    let signature =
        sms_inbound::signature::sign(twilio::AUTH_TOKEN.as_bytes(), &format!("{BASE}{PATH}"), &params);
    let form = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    http::Request::builder()
        .method("POST")
        .uri(PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature)
        .body(Body::from(form))
        .expect("request")
}

/// Limits no bench reaches; the rest as deployed.
fn settings() -> SmsSettings {
    SmsSettings {
        per_phone: RateLimit { max: 1_000_000, window: Duration::minutes(10) },
        per_user: RateLimit { max: 1_000_000, window: Duration::hours(1) },
        ..SmsSettings::default()
    }
}

// ---- the user -------------------------------------------------------------------------------

const TASKS: [&str; 10] = [
    "call the bank",
    "renew passport",
    "pay the electricity bill",
    "book dentist appointment",
    "return library books",
    "email landlord about the heater",
    "pick up dry cleaning",
    "file expense report",
    "schedule car service",
    "order printer ink",
];

const REMINDERS: [&str; 10] = [
    "take meds",
    "drink water",
    "stand up and stretch",
    "call mom",
    "put the laundry in the dryer",
    "pay rent",
    "start the dishwasher",
    "walk the dog",
    "charge the phone",
    "text Sam back",
];

/// The user who texts: 20 open tasks, 20 reminders ahead (every fifth daily), and one more
/// reminder, "take out the trash", fired by the tick so that DONE has something to answer.
async fn seed(p: &Ports) -> User {
    let new = NewUser {
        name: PersonName::parse("Sam Doe").unwrap(),
        phone: PhoneNumber::parse(PHONE).unwrap(),
        email: None,
        timezone: TimeZone::parse("America/New_York").unwrap(),
        roles: vec![],
    };
    let user = users::create_user(p, new).await.expect("user");
    let now = p.clock.now();
    for i in 0..20 {
        let new = NewTask {
            title: TaskTitle::parse(&format!("{} ({})", TASKS[i % 10], i / 10 + 1)).unwrap(),
            description: None,
            status: if i % 4 == 1 { TaskStatus::InProgress } else { TaskStatus::Pending },
            priority: [Priority::Medium, Priority::High, Priority::Low, Priority::Medium][i % 4],
            assigned_to: None,
            due_date: (i % 3 != 0).then(|| now + Duration::hours(2 + 9 * i as i64)),
            metadata: Default::default(),
        };
        tasks::create_task(p, user.id, new).await.expect("task");
    }
    let reminder = |text: String, due_at, recurrence, nag| NewReminder {
        id: None,
        text: ReminderText::parse(&text).unwrap(),
        due_at,
        timezone: None,
        recurrence,
        channel: None,
        made_on: None,
        task_id: None,
        nag,
        kind: ReminderKind::Reminder,
    };
    for i in 0..20 {
        let daily = (i % 5 == 0).then(|| Recurrence::parse("FREQ=DAILY").unwrap());
        let due = now + Duration::minutes(45 + 7 * 60 * i as i64);
        reminders::create_reminder(p, user.id, reminder(REMINDERS[i % 10].to_owned(), due, daily, None))
            .await
            .expect("reminder");
    }
    let nag = Some(Nag { every_minutes: 5, max: 2 });
    let trash = NewReminder {
        channel: Some(Channel::Sms),
        ..reminder("take out the trash".into(), now + Duration::minutes(1), None, nag)
    };
    reminders::create_reminder(p, user.id, trash).await.expect("reminder");
    let report = tick::run_tick(p, now + Duration::minutes(2)).await.expect("tick");
    assert_eq!(report.fired, 1, "{report:?}");
    // Sent, as the notifier marks it once Twilio has taken it: DONE answers what reached the phone.
    let page = PageRequest { limit: Limit::new(10).unwrap(), after: None };
    let mut fired = p.notifications.list_notifications(&user.id, &page).await.expect("notifications").items;
    assert_eq!(fired.len(), 1);
    let mut n = fired.remove(0);
    let read = n.version;
    n.status = NotificationStatus::Sent;
    n.version = read + 1;
    p.notifications.replace_notification(&n, read).await.expect("sent");
    user
}

// ---- parts 1–3 ------------------------------------------------------------------------------

/// What one kind of text took and called, per timed round.
#[derive(Default)]
struct PerText {
    times: Vec<StdDuration>,
    calls: Vec<Counts>,
    requests: Vec<BTreeMap<String, u64>>,
}

struct Run {
    backend: Backend,
    rounds: usize,
    seed: StdDuration,
    per_text: Vec<PerText>,
    worker: PerText,
}

/// What `f` calls, and its time.
async fn counted<T>(
    calls: &Calls,
    requests: Option<&Requests>,
    f: impl Future<Output = T>,
) -> (T, StdDuration, Counts, BTreeMap<String, u64>) {
    let before = calls.snapshot();
    let sent_before = requests.map(Requests::snapshot).unwrap_or_default();
    let t = Instant::now();
    let out = f.await;
    let took = t.elapsed();
    let sent = requests.map(|r| since(&sent_before, &r.snapshot())).unwrap_or_default();
    (out, took, since(&before, &calls.snapshot()), sent)
}

async fn bench(backend: Backend, warm: usize, rounds: usize, worker_runs: usize) -> Run {
    let started = Instant::now();
    let (p, calls, requests) = counting::ports(backend).await;
    let user = seed(&p).await;
    let seed = started.elapsed();
    eprintln!("{}: seeded in {seed:.2?}", backend.label());
    let state = ApiState::new(p.clone(), Arc::new(Secret::new(TEST_SECRET)));
    let webhook = Arc::new(sms_inbound::Webhook {
        auth_token: Arc::new(Secret::new(twilio::AUTH_TOKEN)),
        public_base_url: Some(BASE.into()),
        settings: settings(),
    });
    let app: Router = nudge_http::app("sms-inbound", sms_inbound::routes(webhook), state);

    let mut per_text: Vec<PerText> = TEXTS.iter().map(|_| PerText::default()).collect();
    let mut agent_sids = Vec::new();
    for round in 0..warm + rounds {
        let mut agent_sid = String::new();
        for (i, text) in TEXTS.iter().enumerate() {
            let (sid, from) = match text {
                Text::Duplicate => (agent_sid.clone(), PHONE.to_owned()),
                Text::Unknown => (new_sid(), format!("+1628555{:04}", round % 10_000)),
                _ => (new_sid(), PHONE.to_owned()),
            };
            if *text == Text::Agent {
                agent_sid.clone_from(&sid);
            }
            let req = request(&sid, &from, text.body());
            let (res, took, called, sent) =
                counted(&calls, requests.as_ref(), app.clone().oneshot(req)).await;
            let res = res.expect("infallible");
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
            let body = String::from_utf8(body.to_vec()).expect("utf-8");
            assert_eq!(status, 200, "{:?}: {body}", text.body());
            text.check(twiml_message(&body).as_deref());
            let sid = MessageSid::parse(&sid).unwrap();
            let rec = p.inbound.get_inbound(&sid).await.expect("read").expect("recorded");
            assert_eq!(rec.route, text.route(), "{:?}", text.body());
            if round < warm {
                continue;
            }
            if *text == Text::Agent {
                agent_sids.push(sid);
            }
            let t = &mut per_text[i];
            t.times.push(took);
            t.calls.push(called);
            t.requests.push(sent);
        }
        if round < warm || (round - warm + 1).is_multiple_of(10) {
            eprintln!("{} round {round}: done", backend.label());
        }
    }

    let page = PageRequest { limit: Limit::new(100).unwrap(), after: None };
    let calls_mom = || async {
        let made = p.reminders.list_reminders(&user.id, &page).await.expect("reminders");
        made.items.iter().filter(|r| r.text.as_str().contains("call mom")).count()
    };
    let before = calls_mom().await;
    let agent = offline_agent();
    let mut worker = PerText::default();
    for sid in agent_sids.into_iter().take(worker_runs) {
        let message = AgentMessage::SmsTurn { user_id: user.id, sid };
        let (done, took, called, sent) =
            counted(&calls, requests.as_ref(), work::process(&p, &agent, &settings(), &message)).await;
        assert_eq!(done.expect("worker"), Worked::Sms(Replied::Replied));
        worker.times.push(took);
        worker.calls.push(called);
        worker.requests.push(sent);
    }
    // Each turn made the reminder the user asked for.
    assert_eq!(calls_mom().await, before + worker.times.len(), "a reminder per turn");
    Run { backend, rounds, seed, per_text, worker }
}

// ---- statistics and printing ----------------------------------------------------------------

/// Each value once, in the order first seen.
fn distinct<T: PartialEq + Clone>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn ms(d: StdDuration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn print_runs(out: &mut String, runs: &[Run]) {
    let _ = writeln!(out, "### The webhook's handler, per inbound message");
    let _ = writeln!(out);
    for r in runs {
        let _ = writeln!(
            out,
            "{}: seeded in {:.1} s; {} timed rounds after the warm-up",
            r.backend.label(),
            r.seed.as_secs_f64(),
            r.rounds
        );
    }
    let _ = writeln!(out);
    let mut head = "| message | route |".to_owned();
    let mut rule = "|---|---|".to_owned();
    for r in runs {
        head += &format!(" {} median | p90 |", r.backend.label());
        rule += "---|---|";
    }
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "{rule}");
    for (i, text) in TEXTS.iter().enumerate() {
        let route =
            if *text == Text::Duplicate { "duplicate".to_owned() } else { format!("{:?}", text.route()) };
        let mut row = format!("| {} | {route} |", text.label());
        for r in runs {
            let t = &r.per_text[i].times;
            row += &format!(" {} | {} |", ms(median(t)), ms(p90(t)));
        }
        let _ = writeln!(out, "{row}");
    }
    let mut row = "| **every message** | |".to_owned();
    for r in runs {
        let all: Vec<_> = r.per_text.iter().flat_map(|t| t.times.iter().copied()).collect();
        row += &format!(" **{}** | **{}** |", ms(median(&all)), ms(p90(&all)));
    }
    let _ = writeln!(out, "{row}");
    let _ = writeln!(out);

    let _ = writeln!(out, "### Store and queue calls per inbound message");
    let _ = writeln!(out);
    let dynamo = runs.iter().find(|r| r.backend == Backend::Dynamo);
    let basis = dynamo.unwrap_or(&runs[0]);
    if let Some(other) = runs.iter().find(|r| r.backend != basis.backend) {
        let same =
            basis.per_text.iter().zip(&other.per_text).all(|(a, b)| distinct(&a.calls) == distinct(&b.calls));
        let _ = writeln!(
            out,
            "Counted on {}; on {}: {}.",
            basis.backend.label(),
            other.backend.label(),
            if same { "the same calls" } else { "DIFFERENT calls (see below)" }
        );
        let _ = writeln!(out);
    }
    let mut calls_head = "| message | reads | writes | queue sends |".to_owned();
    let mut calls_rule = "|---|---|---|---|".to_owned();
    if dynamo.is_some() {
        calls_head += " DynamoDB requests |";
        calls_rule += "---|";
    }
    let _ = writeln!(out, "{calls_head}");
    let _ = writeln!(out, "{calls_rule}");
    let row = |label: &str, t: &PerText| {
        let mut row = format!(
            "| {label} | {} | {} | {} |",
            same_each_round(&t.calls, |c| describe(c, Kind::Read)),
            same_each_round(&t.calls, |c| describe(c, Kind::Write)),
            same_each_round(&t.calls, |c| describe(c, Kind::Send)),
        );
        if dynamo.is_some() {
            let none = t.requests.iter().all(BTreeMap::is_empty);
            row += &if none {
                " – |".to_owned()
            } else {
                format!(" {} |", same_each_round(&t.requests, describe_requests))
            };
        }
        row
    };
    for (i, text) in TEXTS.iter().enumerate() {
        let _ = writeln!(out, "{}", row(text.label(), &basis.per_text[i]));
    }
    for r in runs.iter().filter(|r| r.backend != basis.backend) {
        for (i, text) in TEXTS.iter().enumerate() {
            if distinct(&r.per_text[i].calls) != distinct(&basis.per_text[i].calls) {
                let _ = writeln!(
                    out,
                    "{}",
                    row(&format!("{} on {}", text.label(), r.backend.label()), &r.per_text[i])
                );
            }
        }
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "### The agent worker's side of a message for the agent");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "`work::process` on the `SmsTurn` of \"remind me to call mom in 5 minutes\", offline brain; \
         the first {} such messages of the timed rounds",
        basis.worker.times.len()
    );
    let _ = writeln!(out);
    let mut head = "| |".to_owned();
    let mut rule = "|---|".to_owned();
    for r in runs {
        head += &format!(" {} median | p90 |", r.backend.label());
        rule += "---|---|";
    }
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "{rule}");
    let mut line = "| the SMS turn and its reply |".to_owned();
    for r in runs {
        line += &format!(" {} | {} |", ms(median(&r.worker.times)), ms(p90(&r.worker.times)));
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", calls_head.replace("| message |", "| on | messages |"));
    let _ = writeln!(out, "{calls_rule}---|");
    for r in runs {
        // One row per distinct set of calls (the first turn starts the conversation).
        let mut seen: Vec<(&Counts, &BTreeMap<String, u64>, usize)> = Vec::new();
        for (c, q) in r.worker.calls.iter().zip(&r.worker.requests) {
            match seen.iter_mut().find(|(sc, sq, _)| *sc == c && *sq == q) {
                Some(found) => found.2 += 1,
                None => seen.push((c, q, 1)),
            }
        }
        for (c, q, n) in seen {
            let t = PerText { times: vec![], calls: vec![c.clone()], requests: vec![q.clone()] };
            let total = r.worker.calls.len();
            let _ = writeln!(out, "{}", row(&format!("{} | {n} of {total}", r.backend.label()), &t));
        }
    }
    let _ = writeln!(out);
}

// ---- part 4: the parts ----------------------------------------------------------------------

/// The median of `iters` calls of `f`, after `iters / 10` calls.
fn time_each(iters: usize, mut f: impl FnMut()) -> StdDuration {
    for _ in 0..iters / 10 {
        f();
    }
    let times: Vec<_> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    median(&times)
}

fn bench_parts(out: &mut String, iters: usize) {
    let sid = new_sid();
    let params = params(&sid, PHONE, Text::Agent.body());
    let url = format!("{BASE}{PATH}");
    let token = twilio::AUTH_TOKEN.as_bytes();
    let signature = sms_inbound::signature::sign(token, &url, &params);
    assert!(sms_inbound::signature::verify(token, &url, &params, &signature));
    let verify = time_each(iters, || {
        black_box(sms_inbound::signature::verify(black_box(token), &url, black_box(&params), &signature));
    });
    let _ = writeln!(out, "### The parts: signature check, text analysis");
    let _ = writeln!(out);
    let _ = writeln!(out, "{iters} calls each after {} of warm-up; median per call", iters / 10);
    let _ = writeln!(out);
    let _ = writeln!(out, "| part | input | median | of which `nudge_when::normalize` |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| `signature::verify` | the {} parameters, {} bytes form-encoded | {} ns | |",
        params.len(),
        form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish().len(),
        verify.as_nanos()
    );
    let rules = SmsSettings::default().spam;
    let texts = [
        "remind me to call mom in 5 minutes",
        "/status",
        "DONE",
        "STOP",
        "hey can u remind me tmrw at 9 to pick up the dry cleaning b4 work thx",
        "Had the call with Priya 🙂 she says the budget can wait til march but the move needs an answer \
         this week. Remind me friday to send her the documents and check w/ the bank about the numbers",
        "WINNER!! You have been selected for a FREE $1000 gift card. Claim now at http://bit.ly/xyz before it expires",
    ];
    for t in texts {
        let d = time_each(iters, || {
            black_box(text::analyze(black_box(t), &rules));
        });
        let normalize = time_each(iters, || {
            black_box(nudge_when::normalize(black_box(t)));
        });
        let shown = if t.chars().count() > 60 {
            format!("{}… ({} chars)", t.chars().take(60).collect::<String>(), t.chars().count())
        } else {
            t.to_owned()
        };
        let _ = writeln!(
            out,
            "| `text::analyze` | \"{shown}\" | {:.1} µs | {:.1} µs |",
            d.as_secs_f64() * 1e6,
            normalize.as_secs_f64() * 1e6
        );
    }
    let _ = writeln!(out);
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let number = |name: &str| {
        std::env::var(name).ok().map(|v| v.parse::<usize>().unwrap_or_else(|_| panic!("{name}: {v}")))
    };
    let rounds = number("SMS_BENCH_RUNS");
    let worker_runs = number("SMS_BENCH_WORKER_RUNS").unwrap_or(10);
    let iters = number("SMS_BENCH_ITERS").unwrap_or(20_000);
    let backends: Vec<Backend> =
        env_list("SMS_BENCH_BACKENDS").map_or(vec![Backend::Sqlite, Backend::Dynamo], |v| {
            v.iter()
                .map(|b| match b.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "dynamodb" => Backend::Dynamo,
                    other => panic!("SMS_BENCH_BACKENDS: unknown backend {other}"),
                })
                .collect()
        });
    let mut runs = Vec::new();
    for &backend in &backends {
        let (warm, default) = match backend {
            Backend::Sqlite => (10, 200),
            Backend::Dynamo => (3, 30),
        };
        runs.push(bench(backend, warm, rounds.unwrap_or(default), worker_runs).await);
    }
    let mut out = String::new();
    if !runs.is_empty() {
        print_runs(&mut out, &runs);
    }
    bench_parts(&mut out, iters);
    print!("{out}");
}
