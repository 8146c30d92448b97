//! The chat turn with the offline brain, and its parts: what a turn costs in time on in-memory
//! SQLite and on DynamoDB in moto, and in store calls, which is the figure that carries over to
//! DynamoDB (moto's times are not DynamoDB's).
//!
//! 1. **The turn end to end.** One user with a realistic history (30 tasks, 8 of them done; 20
//!    reminders, 4 of them recurring; 50 memories, every tenth a longer note; an active
//!    conversation of 40 messages) says, in turn, "remind me to stretch in 20 minutes", "add buy
//!    milk", "what's on today", "done with buy milk", "remember that my locker code is 4411" and
//!    "what's my locker code", each one `nudge_domain::agent::run_turn` with the offline brain
//!    and the default `AgentConfig`, continuing the latest conversation as a text would. A
//!    warm-up round, then `CHAT_BENCH_RUNS` (10) timed rounds; each round adds a task, a
//!    reminder and a memory, and about 24 messages (the model sees the last 50). Median and p90
//!    per message and over every turn. The brain is wrapped in a timer (it adds two
//!    `Instant::now()` calls a step) so the time it takes within the turn is shown too.
//!
//!    The ports' repositories and queues are wrapped in a counting decorator
//!    (`nudge_tests::counting`: each trait implemented by delegation, counting calls per
//!    method), so each turn's store calls are printed by kind: reads (`get_*`, `list_*`,
//!    `tokens_on`), writes (`save_turn`, inserts, replaces, deletes) and queue sends. On DynamoDB an SDK interceptor also counts the requests
//!    sent, by operation, which shows whether a repository call is one request.
//! 2. **The brain alone.** `OfflineBrain::complete` on the very requests the last SQLite round
//!    sent it (system prompt, the 50-message window, the tool catalog): the step that plans the
//!    tool calls, and the step that words the reply from their results. `CHAT_BENCH_ITERS`
//!    (2,000) calls each after 200 of warm-up; the median per call.
//! 3. **`nudge_when::find`** over every row of shared/when/tests/phrases.tsv (read at run time),
//!    each at its row's "now" and zone: 3 warm-up passes, then 50 timed passes. Phrases per
//!    second over whole passes, and per phrase the median of its 50 times, summarised by the
//!    median (and p90, max) over phrases.
//! 4. **Memory retrieval.** `nudge_domain::memories::relevant` (no embedder: BM25) on in-memory
//!    SQLite for a user with 500 memories (`RETRIEVAL_SCAN`, the most it reads) and with 50 (the
//!    turn's user), for each of the six messages as the query, the turn's budget (800 tokens,
//!    12 items); then the read alone (`recent_memories`) and `retrieval::bm25` alone over the
//!    same memories.
//!
//! DynamoDB is moto at `NUDGE_TEST_MOTO_URL` (`scripts/bench chat` starts it, as `tick` does).
//! `CHAT_BENCH_BACKENDS` (`sqlite`, `dynamodb`) narrows part 1. Prints markdown tables.

use std::{
    collections::BTreeMap,
    hint::black_box,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration as StdDuration, Instant},
};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use nudge_brain::OfflineBrain;
use nudge_domain::{
    Agent, AgentConfig, Conversation, ConversationChannel, ConversationId, LanguageModel, LlmError,
    LlmRequest, LlmResponse, MemoryContent, MemoryKind, MemorySource, Message, MessageId, PersonName,
    PhoneNumber, Ports, Priority, Recurrence, ReminderKind, ReminderText, Speaker, SystemClock, TaskStatus,
    TaskTitle, TimeZone, TurnRequest, User, UserId, UuidV7Ids,
    agent::run_turn,
    memories::{self, NewMemory},
    reminders::{self, NewReminder},
    retrieval,
    tasks::{self, NewTask},
    users::{self, NewUser},
};
use nudge_sqlite::SqliteStore;
use nudge_tests::stats::{median, p90};
use nudge_tests::{
    Backend,
    counting::{self, Counting, Counts, Kind, Requests, describe, describe_requests, same_each_round, since},
};

/// The message mix of part 1, and the tool each one must run.
const MESSAGES: [(&str, &str); 6] = [
    ("remind me to stretch in 20 minutes", "create_reminder"),
    ("add buy milk", "create_task"),
    ("what's on today", "agenda"),
    ("done with buy milk", "complete_task"),
    ("remember that my locker code is 4411", "remember"),
    ("what's my locker code", "recall"),
];

/// The offline brain, timed: the time its steps took, and the requests of the latest turn.
#[derive(Default)]
struct TimedBrain {
    nanos: AtomicU64,
    seen: Mutex<Vec<LlmRequest>>,
}

#[async_trait]
impl LanguageModel for TimedBrain {
    fn name(&self) -> &str {
        OfflineBrain.name()
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let t = Instant::now();
        let answer = OfflineBrain.complete(request).await;
        self.nanos.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.seen.lock().unwrap().push(request.clone());
        answer
    }
}

// ---- the user's history ---------------------------------------------------------------------

const TASKS: [&str; 30] = [
    "call the bank",
    "renew passport",
    "pay the electricity bill",
    "book dentist appointment",
    "return library books",
    "email landlord about the heater",
    "pick up dry cleaning",
    "file expense report",
    "schedule car service",
    "water the plants",
    "order printer ink",
    "cancel gym trial",
    "reply to Jordan",
    "fix the bike tire",
    "clean out the fridge",
    "send birthday card to grandma",
    "update resume",
    "buy a present for Alex",
    "submit the insurance claim",
    "clean the bathroom",
    "back up the laptop",
    "refill prescription",
    "sort the recycling",
    "write thank-you notes",
    "read chapter 4",
    "vacuum the living room",
    "call the vet",
    "pay parking ticket",
    "plan the weekend trip",
    "return the amazon package",
];

const REMINDERS: [&str; 20] = [
    "take meds",
    "drink water",
    "stand up and stretch",
    "call mom",
    "put the laundry in the dryer",
    "check the oven",
    "leave for the dentist",
    "pay rent",
    "take out the trash",
    "start the dishwasher",
    "join the team standup",
    "pick up the kids",
    "walk the dog",
    "go to bed",
    "charge the phone",
    "move the car for street cleaning",
    "text Sam back",
    "prep lunch for tomorrow",
    "water the plants",
    "take vitamins",
];

/// `n` memories as a person accumulates them: short facts, and every tenth a longer note.
fn memory_texts(n: usize) -> Vec<(MemoryKind, Option<String>, String)> {
    const RELATIONS: [&str; 9] =
        ["mom", "dad", "sister", "brother", "partner", "best friend", "boss", "aunt", "cousin"];
    const NAMES: [&str; 12] =
        ["Alex", "Jordan", "Priya", "Sam", "Chen", "Maria", "Dev", "Noor", "Luca", "Aiko", "Tom", "Fatima"];
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    const MEDS: [&str; 6] = ["adderall", "vitamin d", "magnesium", "melatonin", "allergy pills", "iron"];
    const PLACES: [&str; 8] =
        ["dentist", "doctor", "pharmacy", "gym", "therapist", "vet", "hairdresser", "bank"];
    const STREETS: [&str; 8] =
        ["Main St", "Oak Ave", "5th Ave", "Elm St", "Park Rd", "Bay St", "Hill Rd", "Lake Dr"];
    const THINGS: [&str; 8] =
        ["coffee", "tea", "workouts", "emails", "errands", "meetings", "calls", "deep work"];
    const PARTS: [&str; 4] = ["morning", "afternoon", "evening", "late morning"];
    const TOPICS: [&str; 10] = [
        "the budget",
        "the move",
        "the school forms",
        "the car lease",
        "the holiday plans",
        "the new project",
        "the kitchen repairs",
        "the tax return",
        "the wedding",
        "the insurance renewal",
    ];
    (0..n)
        .map(|i| {
            let name = NAMES[i % NAMES.len()];
            let month = MONTHS[(i * 7) % 12];
            let day = 1 + (i * 11) % 28;
            if i % 10 == 9 {
                let (a, b, c) = (TOPICS[i % 10], TOPICS[(i + 3) % 10], TOPICS[(i + 7) % 10]);
                let title = format!("notes from the call with {name}, {month} {day}");
                let content = format!(
                    "We talked about {a}, {b} and {c}. {name} thinks {a} can wait until {month}, but {b} needs \
                     an answer this week. I said I would send the documents by friday and check with the bank \
                     about the numbers. Next call in two weeks; bring the paperwork and the list of questions \
                     about {c}. Remember to write down what we decided this time, it always gets lost."
                );
                return (MemoryKind::Note, Some(title), content);
            }
            let content = match i % 8 {
                0 => format!("my {}'s birthday is {month} {day}", RELATIONS[i % RELATIONS.len()]),
                1 => format!("I take {} at {} {}", MEDS[i % MEDS.len()], 7 + i % 5, if i % 2 == 0 { "am" } else { "pm" }),
                2 => format!("my {} is on {} and their name is {name}", PLACES[i % PLACES.len()], STREETS[i % STREETS.len()]),
                3 => format!("{name} is my {}", RELATIONS[(i / 3) % RELATIONS.len()]),
                4 => format!("I prefer {} in the {}", THINGS[i % THINGS.len()], PARTS[i % PARTS.len()]),
                5 => format!("my {} account number ends in {:04}", PLACES[(i / 2) % PLACES.len()], (i * 7919) % 10_000),
                6 => format!("I'm allergic to {}", ["penicillin", "cats", "peanuts", "shellfish", "pollen"][i % 5]),
                _ => format!("the {} wifi password is {}{}", ["home", "office", "gym", "cafe"][i % 4], name.to_lowercase(), i),
            };
            (MemoryKind::Fact, None, content)
        })
        .collect()
}

/// A new user, in New York.
async fn new_user(p: &Ports, phone: &str) -> User {
    let new = NewUser {
        name: PersonName::parse("Sam Doe").unwrap(),
        phone: PhoneNumber::parse(phone).unwrap(),
        email: None,
        timezone: TimeZone::parse("America/New_York").unwrap(),
        roles: vec![],
    };
    users::create_user(p, new).await.expect("create user")
}

async fn add_memories(p: &Ports, owner: UserId, n: usize) {
    for (kind, title, content) in memory_texts(n) {
        let new = NewMemory {
            id: None,
            kind,
            title,
            content: MemoryContent::parse(&content).unwrap(),
            source: MemorySource::Api,
        };
        memories::add_memory(p, None, owner, new).await.expect("add memory");
    }
}

/// The user of part 1 and their history; answers the 40 messages of their conversation.
async fn seed_history(p: &Ports) -> (User, Vec<Message>) {
    let user = new_user(p, "+14155550100").await;
    let now = p.clock.now();
    for (i, title) in TASKS.iter().enumerate() {
        let new = NewTask {
            title: TaskTitle::parse(title).unwrap(),
            description: None,
            status: if i < 8 { TaskStatus::Completed } else { TaskStatus::Pending },
            priority: [Priority::Medium, Priority::High, Priority::Low, Priority::Medium][i % 4],
            assigned_to: None,
            due_date: (i % 3 != 0).then(|| now + Duration::hours(2 + 9 * i as i64)),
            metadata: Default::default(),
        };
        tasks::create_task(p, user.id, new).await.expect("task");
    }
    for (i, text) in REMINDERS.iter().enumerate() {
        let new = NewReminder {
            id: None,
            text: ReminderText::parse(text).unwrap(),
            due_at: now + Duration::minutes(45 + 7 * 60 * i as i64),
            timezone: None,
            recurrence: match i % 5 {
                0 => Some(Recurrence::parse("FREQ=DAILY").unwrap()),
                _ => None,
            },
            channel: None,
            made_on: None,
            task_id: None,
            nag: None,
            kind: ReminderKind::Reminder,
        };
        reminders::create_reminder(p, user.id, new).await.expect("reminder");
    }
    add_memories(p, user.id, 50).await;

    // 20 exchanges, the last a minute ago: the conversation is still active.
    let id = ConversationId::from_uuid(p.ids.new_id());
    let mut c = Conversation::new(
        id,
        user.id,
        ConversationChannel::Api,
        "add call the bank",
        now - Duration::hours(1),
    );
    let mut messages = Vec::new();
    for i in 0..20 {
        let task = TASKS[i + 8];
        let (said, answer) = match i % 4 {
            0 => (format!("add {task}"), format!("Added \"{task}\" to your list.")),
            1 => (
                format!("remind me to {} at {}pm", REMINDERS[i], 1 + i % 9),
                "Got it, I'll remind you.".to_owned(),
            ),
            2 => (format!("done with {task}"), format!("Nice work! \"{task}\" is done.")),
            _ => ("thanks".to_owned(), "Anytime!".to_owned()),
        };
        let at = now - Duration::minutes(41 - 2 * i as i64);
        for (role, content) in [(Speaker::User, said), (Speaker::Assistant, answer)] {
            messages.push(Message {
                id: MessageId::from_uuid(p.ids.new_id()),
                conversation_id: id,
                user_id: user.id,
                role,
                content,
                tool_calls: Vec::new(),
                tool_call_id: None,
                tool_name: None,
                is_error: false,
                usage: None,
                created_at: at,
            });
        }
    }
    c.message_count = messages.len() as u64;
    c.last_active_at = now - Duration::minutes(1);
    c.version = 1;
    p.conversations.save_turn(&c, None, &messages).await.expect("conversation");
    (user, messages)
}

// ---- part 1: the turn -----------------------------------------------------------------------

/// One message's turns on one backend: times, brain times, and what each turn called.
#[derive(Default)]
struct Turns {
    times: Vec<StdDuration>,
    brain: Vec<StdDuration>,
    calls: Vec<Counts>,
    requests: Vec<BTreeMap<String, u64>>,
}

struct TurnRun {
    backend: Backend,
    seed: StdDuration,
    per_message: Vec<Turns>,
    /// The brain's requests in the last round, per message.
    requests_seen: Vec<Vec<LlmRequest>>,
    history: Vec<Message>,
}

async fn bench_turns(backend: Backend, runs: usize) -> TurnRun {
    let started = Instant::now();
    let (p, calls, requests) = counting::ports(backend).await;
    let (user, history) = seed_history(&p).await;
    let seed = started.elapsed();
    eprintln!("{}: seeded in {seed:.2?}", backend.label());
    let brain = Arc::new(TimedBrain::default());
    let agent = Agent { model: brain.clone(), embedder: None, config: AgentConfig::default() };
    let mut per_message: Vec<Turns> = MESSAGES.iter().map(|_| Turns::default()).collect();
    let mut requests_seen = vec![Vec::new(); MESSAGES.len()];
    for round in 0..=runs {
        let mut line = Vec::new();
        for (i, (message, tool)) in MESSAGES.iter().enumerate() {
            let before = calls.snapshot();
            let sent_before = requests.as_ref().map(Requests::snapshot).unwrap_or_default();
            brain.nanos.store(0, Ordering::Relaxed);
            brain.seen.lock().unwrap().clear();
            let req = TurnRequest {
                message: (*message).to_owned(),
                conversation_id: None,
                channel: ConversationChannel::Api,
            };
            let t = Instant::now();
            let out = run_turn(&p, &agent, user.id, req).await.unwrap_or_else(|e| panic!("{message:?}: {e}"));
            let took = t.elapsed();
            line.push(format!("{took:.1?}"));
            let ran: Vec<_> = out.actions.iter().map(|a| (a.tool.as_str(), a.ok)).collect();
            assert_eq!(
                ran,
                [(*tool, true)],
                "{message:?} in round {round}: {:?}; reply {:?}",
                out.actions,
                out.reply
            );
            if round == 0 {
                continue;
            }
            let turns = &mut per_message[i];
            turns.times.push(took);
            turns.brain.push(StdDuration::from_nanos(brain.nanos.load(Ordering::Relaxed)));
            turns.calls.push(since(&before, &calls.snapshot()));
            if let Some(r) = &requests {
                turns.requests.push(since(&sent_before, &r.snapshot()));
            }
            requests_seen[i] = brain.seen.lock().unwrap().clone();
        }
        eprintln!("{} round {round}: {}", backend.label(), line.join(", "));
    }
    TurnRun { backend, seed, per_message, requests_seen, history }
}

// ---- statistics and printing ----------------------------------------------------------------

fn ms(d: StdDuration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: StdDuration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn print_turns(runs: &[TurnRun], rounds: usize) {
    println!("### The turn end to end");
    println!();
    println!(
        "30 tasks, 20 reminders, 50 memories, a conversation of 40 messages; a warm-up round then \
         {rounds} rounds of the six messages; median and p90 per message"
    );
    for r in runs {
        println!("(seeding {}: {:.1} s)", r.backend.label(), r.seed.as_secs_f64());
    }
    println!();
    let mut head = "| message |".to_owned();
    let mut rule = "|---|".to_owned();
    for r in runs {
        head += &format!(" {} median | p90 | of which the brain |", r.backend.label());
        rule += "---|---|---|";
    }
    println!("{head}");
    println!("{rule}");
    for (i, (message, _)) in MESSAGES.iter().enumerate() {
        let mut row = format!("| {message} |");
        for r in runs {
            let t = &r.per_message[i];
            row += &format!(" {} | {} | {} |", ms(median(&t.times)), ms(p90(&t.times)), us(median(&t.brain)));
        }
        println!("{row}");
    }
    let mut row = "| **every turn** |".to_owned();
    for r in runs {
        let all: Vec<_> = r.per_message.iter().flat_map(|t| t.times.iter().copied()).collect();
        let brain: Vec<_> = r.per_message.iter().flat_map(|t| t.brain.iter().copied()).collect();
        row += &format!(" **{}** | **{}** | {} |", ms(median(&all)), ms(p90(&all)), us(median(&brain)));
    }
    println!("{row}");
    println!();
    println!("### Store calls per turn (the ports' repositories and queues, counted)");
    println!();
    let dynamo = runs.iter().find(|r| r.backend == Backend::Dynamo);
    let basis = dynamo.unwrap_or(&runs[0]);
    if let Some(other) = runs.iter().find(|r| r.backend != basis.backend) {
        let same = basis.per_message.iter().zip(&other.per_message).all(|(a, b)| a.calls == b.calls);
        println!(
            "Counted on {}; on {}: {}.",
            basis.backend.label(),
            other.backend.label(),
            if same { "the same calls, every turn" } else { "DIFFERENT calls (see the stderr log)" }
        );
        println!();
    }
    let mut head = "| message | reads | writes | queue sends |".to_owned();
    let mut rule = "|---|---|---|---|".to_owned();
    if dynamo.is_some() {
        head += " DynamoDB requests |";
        rule += "---|";
    }
    println!("{head}");
    println!("{rule}");
    for (i, (message, _)) in MESSAGES.iter().enumerate() {
        let t = &basis.per_message[i];
        let mut row = format!(
            "| {message} | {} | {} | {} |",
            same_each_round(&t.calls, |c| describe(c, Kind::Read)),
            same_each_round(&t.calls, |c| describe(c, Kind::Write)),
            same_each_round(&t.calls, |c| describe(c, Kind::Send)),
        );
        if dynamo.is_some() {
            row += &format!(" {} |", same_each_round(&t.requests, describe_requests));
        }
        println!("{row}");
    }
    println!();
}

// ---- part 2: the brain alone ----------------------------------------------------------------

/// Median and p90 of `iters` calls of `f`, after `warm` calls.
fn time_each(warm: usize, iters: usize, mut f: impl FnMut()) -> (StdDuration, StdDuration) {
    for _ in 0..warm {
        f();
    }
    let times: Vec<_> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    (median(&times), p90(&times))
}

async fn bench_brain(seen: &[Vec<LlmRequest>], history_len: usize, iters: usize) {
    println!("### The brain alone: `OfflineBrain::complete`");
    println!();
    println!(
        "The requests of the last round's turns (system prompt, the window of the last 50 messages, \
         the {} tools; {history_len} messages of history before the first round); {iters} calls each, median (p90)",
        nudge_domain::tools::Toolbox::builtin().specs().len()
    );
    println!();
    println!("| message | plan step: tool calls | reply step: words from the results |");
    println!("|---|---|---|");
    let brain = OfflineBrain;
    for ((message, _), requests) in MESSAGES.iter().zip(seen) {
        let mut cells = Vec::new();
        for req in requests {
            let (m, p) = time_each(200, iters, || {
                let answer = brain.respond(black_box(req));
                black_box(answer);
            });
            // The async face the agent calls, once, to check it is the same answer.
            assert_eq!(brain.complete(req).await.unwrap(), brain.respond(req));
            cells.push(format!("{} ({})", us(m), us(p)));
        }
        cells.resize(2, "–".into());
        println!("| {message} | {} | {} |", cells[0], cells[1]);
    }
    println!();
}

// ---- part 3: nudge_when::find ---------------------------------------------------------------

fn bench_when() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/when/tests/phrases.tsv");
    let table = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<(DateTime<Utc>, Tz, String)> = table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].parse().expect("now"), f[1].parse().expect("zone"), f[2].to_owned())
        })
        .collect();
    let found = rows.iter().filter(|(now, tz, text)| nudge_when::find(text, *now, *tz).is_some()).count();
    const PASSES: usize = 50;
    for _ in 0..3 {
        for (now, tz, text) in &rows {
            black_box(nudge_when::find(black_box(text), *now, *tz));
        }
    }
    let mut per_phrase = vec![Vec::with_capacity(PASSES); rows.len()];
    let mut passes = Vec::with_capacity(PASSES);
    for _ in 0..PASSES {
        let pass = Instant::now();
        for (i, (now, tz, text)) in rows.iter().enumerate() {
            let t = Instant::now();
            black_box(nudge_when::find(black_box(text), *now, *tz));
            per_phrase[i].push(t.elapsed());
        }
        passes.push(pass.elapsed());
    }
    let medians: Vec<_> = per_phrase.iter().map(|t| median(t)).collect();
    let slowest = medians.iter().enumerate().max_by_key(|(_, d)| **d).map(|(i, _)| i).unwrap();
    let pass = median(&passes);
    println!("### `nudge_when::find` over shared/when/tests/phrases.tsv");
    println!();
    println!(
        "{} phrases ({found} with a time found), each at its row's now and zone; {PASSES} passes after 3 of warm-up",
        rows.len()
    );
    println!();
    println!("| phrases per second (median pass) | median per phrase | p90 per phrase | slowest phrase |");
    println!("|---|---|---|---|");
    println!(
        "| {:.0} | {:.0} ns | {:.0} ns | {:.0} ns ({:?}) |",
        rows.len() as f64 / pass.as_secs_f64(),
        median(&medians).as_nanos(),
        p90(&medians).as_nanos(),
        medians[slowest].as_nanos(),
        rows[slowest].2,
    );
    println!();
}

// ---- part 4: memory retrieval ---------------------------------------------------------------

async fn bench_retrieval(iters: usize) {
    println!("### Memory retrieval (SQLite in memory, BM25, no embedder)");
    println!();
    println!(
        "Each of the six messages as the query, the turn's budget (800 tokens, 12 items); median \
         (p90) over every query's calls"
    );
    println!();
    println!(
        "| memories | `memories::relevant` | store calls | of which the read (`recent_memories`) | `retrieval::bm25` alone |"
    );
    println!("|---|---|---|---|---|");
    for n in [50, memories::RETRIEVAL_SCAN] {
        let s = Arc::new(SqliteStore::in_memory().expect("sqlite"));
        let inner = Ports::over(s.clone(), s, Arc::new(SystemClock), Arc::new(UuidV7Ids));
        let (p, calls) = Counting::wrap(inner);
        let user = new_user(&p, "+14155550123").await;
        add_memories(&p, user.id, n).await;
        let runs = (iters / 20).max(10);
        let (mut relevant, mut reads, mut ranks) = (Vec::new(), Vec::new(), Vec::new());
        let before = calls.snapshot();
        let found = memories::relevant(
            &p,
            None,
            user.id,
            MESSAGES[5].0,
            800,
            12,
            memories::WhenNothingMatches::NewestFacts,
        )
        .await
        .expect("relevant");
        let one_call = since(&before, &calls.snapshot());
        assert!(!found.is_empty(), "something is always recalled");
        let docs = memories::recent_memories(&p, user.id, memories::RETRIEVAL_SCAN).await.expect("read");
        assert_eq!(docs.len(), n);
        for (query, _) in MESSAGES {
            for i in 0..runs + 3 {
                let t = Instant::now();
                black_box(
                    memories::relevant(
                        &p,
                        None,
                        user.id,
                        query,
                        800,
                        12,
                        memories::WhenNothingMatches::NewestFacts,
                    )
                    .await
                    .expect("relevant"),
                );
                let took = t.elapsed();
                let t = Instant::now();
                black_box(
                    memories::recent_memories(&p, user.id, memories::RETRIEVAL_SCAN).await.expect("read"),
                );
                let read = t.elapsed();
                if i >= 3 {
                    relevant.push(took);
                    reads.push(read);
                }
            }
            let (m, _) = time_each(20, iters, || {
                black_box(retrieval::bm25(black_box(query), &docs));
            });
            ranks.push(m);
        }
        println!(
            "| {n} | {} ({}) | {} | {} ({}) | {} (slowest query {}) |",
            ms(median(&relevant)),
            ms(p90(&relevant)),
            describe(&one_call, Kind::Read),
            ms(median(&reads)),
            ms(p90(&reads)),
            us(median(&ranks)),
            us(*ranks.iter().max().unwrap()),
        );
    }
    println!();
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let number = |name: &str, default: usize| {
        std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}: {v}")))
    };
    let rounds = number("CHAT_BENCH_RUNS", 10);
    let iters = number("CHAT_BENCH_ITERS", 2_000);
    let backends: Vec<Backend> =
        env_list("CHAT_BENCH_BACKENDS").map_or(vec![Backend::Sqlite, Backend::Dynamo], |v| {
            v.iter()
                .map(|b| match b.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "dynamodb" => Backend::Dynamo,
                    other => panic!("CHAT_BENCH_BACKENDS: unknown backend {other}"),
                })
                .collect()
        });
    let mut runs = Vec::new();
    for &backend in &backends {
        runs.push(bench_turns(backend, rounds).await);
    }
    print_turns(&runs, rounds);
    bench_brain(&runs[0].requests_seen, runs[0].history.len(), iters).await;
    bench_when();
    bench_retrieval(iters).await;
}
