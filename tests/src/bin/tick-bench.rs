//! The reminder tick with 100 reminders due among 1,000 and among 100,000 scheduled ones, on
//! DynamoDB in moto and on in-memory SQLite: does its cost follow the due set, not the table?
//!
//! For each size N: a fresh store, 10 users, N one-time reminders of which 100 are due at the
//! tick time T and the rest are spread over the next 30 days. Then a warm-up and
//! `TICK_BENCH_RUNS` (5) repetitions, each of which puts the 100 due reminders back to a fresh
//! due state (a new occurrence each time, so their firings are new), times the due read alone
//! (`ReminderRepo::due(T)`, the index Query of every shard), times one claim (the conditional
//! write of a firing, on a probe reminder due a day later and so outside the due set), then
//! times `run_tick(T)`, which reads the due set and claims and enqueues each of its firings.
//! Prints medians as a markdown table.
//!
//! DynamoDB is moto at `NUDGE_TEST_MOTO_URL` (`scripts/bench tick` starts it); the 100,000
//! reminders go in by BatchWriteItem, 25 items a request, 16 requests at a time. moto copies the
//! whole table for every TransactWriteItems (its rollback), so a claim there costs time in
//! proportion to the table, which DynamoDB's does not: above `TICK_BENCH_MOTO_TICK_MAX` (10,000)
//! reminders the full tick is not run on moto (it would take about an hour a round) and the
//! probe's claim shows that cost instead. `TICK_BENCH_SIZES` (e.g. `1000,10000`) and
//! `TICK_BENCH_BACKENDS` (`sqlite`, `dynamodb`) narrow the run.

use std::{
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use chrono::{DateTime, Duration, Utc};
use nudge_aws::{
    DynamoStore,
    dynamodb::{DUE_SHARDS, reminder_item},
};
use nudge_domain::{
    Nag, Notification, Ports, Reminder, ReminderId, ReminderText, Step, TimeZone, UserId,
    notification::wording, tick::run_tick,
};
use nudge_sqlite::SqliteStore;
use nudge_tests::stats::median;
use nudge_tests::{Backend, contract::user, moto_config, ports, queue, table};
use tokio::task::JoinSet;
use uuid::Uuid;

const DUE: usize = 100;
const USERS: usize = 10;
const BATCH: usize = 25;
const CONCURRENCY: usize = 16;

fn tick_time() -> DateTime<Utc> {
    "2026-11-22T09:00:00Z".parse().unwrap()
}

/// A one-time reminder made an hour before `due_at` and scheduled then.
fn reminder(id: Uuid, owner: UserId, due_at: DateTime<Utc>) -> Reminder {
    let made = due_at - Duration::hours(1);
    let text = ReminderText::parse("take meds").unwrap();
    let tz = TimeZone::parse("America/New_York").unwrap();
    let mut r = Reminder {
        nag: Nag::NEVER,
        ..Reminder::new(ReminderId::from_uuid(id), owner, text, tz, due_at, made)
    };
    r.schedule(made).unwrap();
    r
}

/// The scenario: its users, the ids and owners of the due reminders, the future ones, and the
/// probe (one of the future ones).
struct Scenario {
    users: Vec<nudge_domain::User>,
    due: Vec<(Uuid, UserId)>,
    future: Vec<Reminder>,
    probe: (Uuid, UserId),
}

impl Scenario {
    fn new(n: usize) -> Self {
        let users: Vec<_> = (0..USERS).map(|i| user(&format!("+1415555{:04}", 100 + i))).collect();
        let owner = |i: usize| users[i % USERS].id;
        let due = (0..DUE).map(|i| (Uuid::now_v7(), owner(i))).collect();
        let span = Duration::days(30).num_seconds() / (n - DUE) as i64;
        let future = (0..n - DUE - 1)
            .map(|i| {
                let at = tick_time() + Duration::minutes(1) + Duration::seconds(span * i as i64);
                reminder(Uuid::now_v7(), owner(i), at)
            })
            .collect();
        let probe = (Uuid::now_v7(), owner(0));
        Self { users, due, future, probe }
    }

    /// When the probe is due in `round`: a day after T, so never in the tick's due set.
    fn probe_at(round: usize) -> DateTime<Utc> {
        tick_time() + Duration::days(1) + Duration::seconds(round as i64)
    }

    /// The due reminders in a fresh due state, and the probe, for `round`.
    fn round(&self, round: usize) -> Vec<Reminder> {
        let mut all = self.due_now(round);
        all.push(reminder(self.probe.0, self.probe.1, Self::probe_at(round)));
        all
    }

    /// The due reminders in a fresh due state; `round` makes each round's occurrence (and so
    /// its firings' notification ids) new.
    fn due_now(&self, round: usize) -> Vec<Reminder> {
        let at = tick_time() - Duration::minutes(1) - Duration::seconds(round as i64);
        self.due.iter().map(|(id, owner)| reminder(*id, *owner, at)).collect()
    }
}

/// Puts items with BatchWriteItem, `BATCH` a request, `CONCURRENCY` requests at a time,
/// retrying what DynamoDB leaves unprocessed.
async fn batch_put(client: &aws_sdk_dynamodb::Client, table: &str, reminders: &[Reminder]) {
    let requests: Vec<WriteRequest> = reminders
        .iter()
        .map(|r| {
            let item = reminder_item(r).expect("reminder item");
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().expect("put request"))
                .build()
        })
        .collect();
    let mut lanes: Vec<Vec<Vec<WriteRequest>>> = vec![vec![]; CONCURRENCY];
    for (i, chunk) in requests.chunks(BATCH).enumerate() {
        lanes[i % CONCURRENCY].push(chunk.to_vec());
    }
    let mut tasks = JoinSet::new();
    for lane in lanes {
        let (client, table) = (client.clone(), table.to_owned());
        tasks.spawn(async move {
            for mut chunk in lane {
                while !chunk.is_empty() {
                    let out = client
                        .batch_write_item()
                        .request_items(&table, chunk)
                        .send()
                        .await
                        .expect("BatchWriteItem in moto");
                    chunk = out.unprocessed_items.and_then(|mut u| u.remove(&table)).unwrap_or_default();
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("batch writer");
    }
}

/// A store seeded with the scenario, and how to put its due reminders back.
struct Seeded {
    ports: Ports,
    dynamo: Option<(aws_sdk_dynamodb::Client, String)>,
}

impl Seeded {
    async fn new(backend: Backend, s: &Scenario) -> Self {
        let seeded = match backend {
            Backend::Sqlite => {
                let store = Arc::new(SqliteStore::in_memory().expect("sqlite"));
                Self { ports: ports(store.clone(), store), dynamo: None }
            }
            Backend::Dynamo => {
                let config = moto_config().await;
                let client = aws_sdk_dynamodb::Client::new(&config);
                let table = table::create_fresh(&client).await;
                let queue = queue::create_fresh(&config).await;
                let store = Arc::new(DynamoStore::new(client.clone(), table.clone()));
                Self { ports: ports(store, Arc::new(queue)), dynamo: Some((client, table)) }
            }
        };
        for u in &s.users {
            seeded.ports.users.create_user(u).await.expect("create user");
        }
        seeded.put(&s.future).await;
        seeded
    }

    async fn put(&self, reminders: &[Reminder]) {
        match &self.dynamo {
            Some((client, table)) => batch_put(client, table, reminders).await,
            // Overwritten as BatchWriteItem does: what a round left is removed first.
            None => {
                for r in reminders {
                    self.ports.reminders.delete_reminder(&r.user_id, &r.id).await.expect("delete");
                    self.ports.reminders.insert_reminder(r).await.expect("insert");
                }
            }
        }
    }
}

struct Row {
    backend: Backend,
    n: usize,
    seed: StdDuration,
    read: StdDuration,
    claim: StdDuration,
    /// None when not run (moto above `TICK_BENCH_MOTO_TICK_MAX`).
    tick: Option<(StdDuration, usize, usize)>,
    items_read: usize,
}

/// Times one claim: the probe, fired at its own time.
async fn claim_probe(p: &Ports, s: &Scenario, round: usize) -> StdDuration {
    let at = Scenario::probe_at(round);
    let r =
        p.reminders.get_reminder(&s.probe.1, &ReminderId::from_uuid(s.probe.0)).await.expect("get").unwrap();
    let Step::Fire(firing, next) = r.step(at, None) else { panic!("the probe does not fire at {at}") };
    let n = Notification::for_firing(&r, &firing, wording(firing.kind, r.text.as_str()), at);
    let t = Instant::now();
    assert!(p.notifications.claim_firing(&n, &next, r.version).await.expect("claim"), "probe claimed");
    t.elapsed()
}

async fn bench(backend: Backend, n: usize, runs: usize, moto_tick_max: usize) -> Row {
    let s = Scenario::new(n);
    let started = Instant::now();
    let store = Seeded::new(backend, &s).await;
    let seed = started.elapsed();
    eprintln!("{} N={n}: seeded in {seed:.2?}", backend.label());
    let run_tick_too = backend == Backend::Sqlite || n <= moto_tick_max;
    let (mut reads, mut claims, mut items, mut ticks) = (vec![], vec![], vec![], vec![]);
    for round in 0..=runs {
        store.put(&s.round(round)).await;
        let t = Instant::now();
        let due = store.ports.reminders.due(tick_time()).await.expect("due");
        let read = t.elapsed();
        assert_eq!(due.items_read, DUE, "{} N={n}: the due read", backend.label());
        let claim = claim_probe(&store.ports, &s, round).await;
        let mut line = format!("{} N={n} round {round}: read {read:.2?}, claim {claim:.2?}", backend.label());
        let mut tick = None;
        if run_tick_too {
            let t = Instant::now();
            let report = run_tick(&store.ports, tick_time()).await.expect("tick");
            let took = t.elapsed();
            assert_eq!(report.fired, DUE, "{} N={n}: round {round}: {report:?}", backend.label());
            line += &format!(", tick {took:.2?}, items_read {}, fired {}", report.items_read, report.fired);
            tick = Some((took, report.items_read, report.fired));
        }
        eprintln!("{line}");
        if round > 0 {
            reads.push(read);
            claims.push(claim);
            items.push(due.items_read);
            ticks.extend(tick);
        }
    }
    ticks.sort();
    Row {
        backend,
        n,
        seed,
        read: median(&reads),
        claim: median(&claims),
        // The median tick, with its own items_read and fired (every round's are the same).
        tick: (!ticks.is_empty()).then(|| ticks[ticks.len() / 2]),
        items_read: items[0],
    }
}

fn ms(d: StdDuration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let number = |name: &str, default: usize| {
        std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}: {v}")))
    };
    let runs = number("TICK_BENCH_RUNS", 5);
    let moto_tick_max = number("TICK_BENCH_MOTO_TICK_MAX", 10_000);
    let sizes: Vec<usize> = env_list("TICK_BENCH_SIZES")
        .map_or(vec![1_000, 100_000], |v| v.iter().map(|s| s.parse().expect("TICK_BENCH_SIZES")).collect());
    let backends: Vec<Backend> =
        env_list("TICK_BENCH_BACKENDS").map_or(vec![Backend::Dynamo, Backend::Sqlite], |v| {
            v.iter()
                .map(|b| match b.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "dynamodb" => Backend::Dynamo,
                    other => panic!("TICK_BENCH_BACKENDS: unknown backend {other}"),
                })
                .collect()
        });
    let mut rows = vec![];
    for &backend in &backends {
        for &n in &sizes {
            rows.push(bench(backend, n, runs, moto_tick_max).await);
        }
    }
    println!(
        "{DUE} due among N one-time reminders, {USERS} users, {DUE_SHARDS} due shards; median of {runs} \
         rounds after a warm-up"
    );
    println!();
    println!("| store | N | seeding | due read | one claim | tick | tick's items_read | fired |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        let (tick, items, fired) = match r.tick {
            Some((t, items, fired)) => (ms(t), items.to_string(), fired.to_string()),
            None => ("not run".into(), format!("({} by the due read)", r.items_read), "–".into()),
        };
        println!(
            "| {} | {} | {:.1} s | {} | {} | {tick} | {items} | {fired} |",
            r.backend.label(),
            r.n,
            r.seed.as_secs_f64(),
            ms(r.read),
            ms(r.claim),
        );
    }
    let (Some(&small), Some(&large)) = (sizes.iter().min(), sizes.iter().max()) else { return };
    if small == large {
        return;
    }
    println!();
    println!("| store | N={large} / N={small}: due read | one claim | tick | items_read |");
    println!("|---|---|---|---|---|");
    let ratio = |a: StdDuration, b: StdDuration| format!("{:.2}×", b.as_secs_f64() / a.as_secs_f64());
    for &backend in &backends {
        let find = |n| rows.iter().find(|r| r.backend == backend && r.n == n).unwrap();
        let (a, b) = (find(small), find(large));
        let tick = match (a.tick, b.tick) {
            (Some(x), Some(y)) => ratio(x.0, y.0),
            _ => "–".into(),
        };
        println!(
            "| {} | {} | {} | {tick} | {:.2}× |",
            backend.label(),
            ratio(a.read, b.read),
            ratio(a.claim, b.claim),
            b.items_read as f64 / a.items_read as f64
        );
    }
}
