//! The agent's built-in tools: what the model (or the offline brain) may ask to run. Each tool
//! has a JSON Schema for its arguments, checked before it runs, and a declared risk: reading,
//! writing the user's own data, or an effect outside it (those go through approvals).
//!
//! Tasks, reminders and memories are named by id or by words from their text ("laundry"), as a
//! person would name them; a name that matches several asks which one.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Channel, DomainError, Embedder, Limit, Memory, MemoryContent, MemoryId, MemoryKind, MemorySource,
    PageRequest, Ports, Priority, Recurrence, Reminder, ReminderId, ReminderKind, ReminderStatus,
    ReminderText, Task, TaskFilter, TaskId, TaskStatus, TaskTitle, ToolCall, ToolSpec, User, memories,
    reminders, schedule, tasks,
    tasks::{NewTask, TaskChanges},
};

/// What running a tool can do to the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Read,
    /// Changes only the user's own tasks, reminders or memories.
    OwnData,
    /// Reaches outside them (an email, a calendar invite): needs the user's approval.
    External,
}

struct Tool {
    spec: ToolSpec,
    risk: Risk,
    validator: jsonschema::Validator,
}

/// The tools and their compiled schemas.
pub struct Toolbox {
    tools: Vec<Tool>,
}

/// Who a tool runs for, and with what.
pub struct ToolContext<'a> {
    pub ports: &'a Ports,
    pub user: &'a User,
    /// The channel the conversation is on; reminders made in it default to it.
    pub made_on: Option<Channel>,
    pub embedder: Option<&'a dyn Embedder>,
    /// The conversation the turn is in: an approval asked for in it reports back there.
    pub conversation_id: Option<crate::ConversationId>,
}

/// A tool's answer: its result, or an error the model is shown so it can correct itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    pub ok: bool,
    pub output: Value,
}

impl ToolOutcome {
    fn error(message: impl Into<String>) -> Self {
        Self { ok: false, output: json!({ "error": message.into() }) }
    }
}

static BUILTIN: LazyLock<Toolbox> = LazyLock::new(|| {
    let mut specs = builtin_specs();
    specs.extend(crate::account_tools::specs());
    Toolbox::new(specs)
});

impl Toolbox {
    /// The built-in catalog, compiled once per process.
    pub fn builtin() -> &'static Toolbox {
        &BUILTIN
    }

    fn new(specs: Vec<(ToolSpec, Risk)>) -> Self {
        let tools = specs
            .into_iter()
            .map(|(spec, risk)| {
                let validator = jsonschema::validator_for(&spec.parameters)
                    .unwrap_or_else(|e| panic!("tool {}: invalid schema: {e}", spec.name));
                Tool { spec, risk, validator }
            })
            .collect();
        Self { tools }
    }

    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.iter().map(|t| t.spec.clone()).collect()
    }

    pub fn risk(&self, name: &str) -> Option<Risk> {
        self.tools.iter().find(|t| t.spec.name == name).map(|t| t.risk)
    }

    /// Checks a call's arguments against the tool's schema, then runs it. Every failure is an
    /// outcome the model sees, never an error of the turn: it can try again.
    pub async fn run(&self, cx: &ToolContext<'_>, call: &ToolCall) -> ToolOutcome {
        let Some(tool) = self.tools.iter().find(|t| t.spec.name == call.name) else {
            return ToolOutcome::error(format!("there is no tool named '{}'", call.name));
        };
        let problems: Vec<String> = tool
            .validator
            .iter_errors(&call.arguments)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if !problems.is_empty() {
            return ToolOutcome::error(format!("invalid arguments: {}", problems.join("; ")));
        }
        // Whatever reaches outside the user's own data runs only after the user says yes: the
        // call becomes an approval, and the model is told it waits for one.
        if tool.risk == Risk::External {
            return ask_approval(cx, call).await;
        }
        match execute(cx, &call.name, call.arguments.clone()).await {
            Ok(output) => ToolOutcome { ok: true, output },
            Err(e @ DomainError::Internal(_)) => {
                tracing::error!(tool = %call.name, error = %e, "tool failed");
                ToolOutcome::error("something went wrong on our side; try again in a moment")
            }
            Err(e) => ToolOutcome::error(e.to_string()),
        }
    }
}

async fn ask_approval(cx: &ToolContext<'_>, call: &ToolCall) -> ToolOutcome {
    let new = |action_type| crate::approvals::NewApproval {
        action_type,
        details: call.arguments.clone(),
        // `request` words it from the arguments for the actions Nudge runs.
        summary: format!("run {}", call.name),
        task_id: None,
        conversation_id: cx.conversation_id,
        tool_call_id: Some(call.id.clone()),
    };
    let asked = match crate::ActionType::parse(&call.name) {
        Ok(action) => {
            crate::approvals::request(cx.ports, cx.user.id, new(action), &crate::Actor::assistant()).await
        }
        Err(e) => Err(e.into()),
    };
    match asked {
        Ok(a) => ToolOutcome {
            ok: true,
            output: json!({
                "status": "waiting_for_approval",
                "approval_id": a.id,
                "code": a.code,
                "summary": a.summary,
                "expires_at": local(a.expires_at, tz(cx)),
                "expires_in_minutes": (a.expires_at - a.created_at).num_minutes(),
                "asked_on": cx.user.preferences.channel.as_str(),
            }),
        },
        Err(e @ DomainError::Internal(_)) => {
            tracing::error!(tool = %call.name, error = %e, "approval request failed");
            ToolOutcome::error("something went wrong on our side; try again in a moment")
        }
        Err(e) => ToolOutcome::error(e.to_string()),
    }
}

pub(crate) fn spec(name: &str, description: &str, parameters: Value, risk: Risk) -> (ToolSpec, Risk) {
    (ToolSpec { name: name.into(), description: description.into(), parameters }, risk)
}

pub(crate) fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

pub(crate) const AT: &str =
    "local wall-clock time in the user's zone, YYYY-MM-DDTHH:MM (or RFC 3339 with an offset)";

fn builtin_specs() -> Vec<(ToolSpec, Risk)> {
    let priority = json!({ "type": "string", "enum": ["critical", "high", "medium", "low"] });
    let text = |max: u32| json!({ "type": "string", "minLength": 1, "maxLength": max });
    let at = json!({ "type": "string", "minLength": 10, "maxLength": 40, "description": AT });
    vec![
        spec(
            "create_task",
            "Add a task to the user's list.",
            object(
                json!({ "title": text(255), "description": text(10_000), "priority": priority, "due": at }),
                &["title"],
            ),
            Risk::OwnData,
        ),
        spec(
            "list_tasks",
            "List the user's tasks: open ones (default), completed ones, or all.",
            object(json!({ "status": { "type": "string", "enum": ["open", "completed", "all"] } }), &[]),
            Risk::Read,
        ),
        spec(
            "update_task",
            "Change a task's title, priority or due time. `task` is its id or words from its title.",
            object(
                json!({ "task": text(255), "title": text(255), "priority": priority, "due": at }),
                &["task"],
            ),
            Risk::OwnData,
        ),
        spec(
            "complete_task",
            "Mark a task done. `task` is its id or words from its title.",
            object(json!({ "task": text(255) }), &["task"]),
            Risk::OwnData,
        ),
        spec(
            "agenda",
            "What is on a day: open tasks due that day or overdue, and reminders firing that day.",
            object(
                json!({ "day": { "type": "string", "format": "date", "description": "YYYY-MM-DD; default today" } }),
                &[],
            ),
            Risk::Read,
        ),
        spec(
            "create_reminder",
            "Remind the user of something at a time, once or repeating (an RFC 5545 RRULE body such as FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR, whose first time is `at`).",
            object(json!({ "text": text(500), "at": at, "recurrence": text(500) }), &["text", "at"]),
            Risk::OwnData,
        ),
        spec(
            "list_reminders",
            "List the user's upcoming reminders, soonest first.",
            object(json!({}), &[]),
            Risk::Read,
        ),
        spec(
            "cancel_reminder",
            "Cancel a reminder. `reminder` is its id or words from its text.",
            object(json!({ "reminder": text(500) }), &["reminder"]),
            Risk::OwnData,
        ),
        spec(
            "snooze_reminder",
            "Fire a reminder again in some minutes. Without `reminder`, the one that fired last.",
            object(
                json!({ "minutes": { "type": "integer", "minimum": 1, "maximum": 10080 }, "reminder": text(500) }),
                &["minutes"],
            ),
            Risk::OwnData,
        ),
        spec(
            "remember",
            "Keep a fact about the user for later conversations.",
            object(json!({ "content": text(2_000) }), &["content"]),
            Risk::OwnData,
        ),
        spec(
            "recall",
            "Look up what the user asked to be remembered.",
            object(json!({ "query": text(500) }), &["query"]),
            Risk::Read,
        ),
        spec(
            "forget",
            "Forget a remembered fact. `memory` is its id or words from it.",
            object(json!({ "memory": text(500) }), &["memory"]),
            Risk::OwnData,
        ),
        spec(
            "current_time",
            "The current date and time in the user's zone.",
            object(json!({}), &[]),
            Risk::Read,
        ),
        spec(
            "send_email",
            "Send an e-mail on the user's behalf to someone else. It is not sent at once: the user \
             is asked to approve it (by text, replying YES or NO with a code) and it goes out only \
             if they do. Tell the user it waits for their yes.",
            object(
                json!({
                    "to": { "type": "string", "minLength": 3, "maxLength": 254, "format": "email" },
                    "subject": text(200),
                    "body": text(5_000),
                }),
                &["to", "body"],
            ),
            Risk::External,
        ),
    ]
}

async fn execute(cx: &ToolContext<'_>, name: &str, args: Value) -> Result<Value, DomainError> {
    match name {
        "create_task" => create_task(cx, parse(args)?).await,
        "list_tasks" => list_tasks(cx, parse(args)?).await,
        "update_task" => update_task(cx, parse(args)?).await,
        "complete_task" => complete_task(cx, parse(args)?).await,
        "agenda" => agenda(cx, parse(args)?).await,
        "create_reminder" => create_reminder(cx, parse(args)?).await,
        "list_reminders" => list_reminders(cx).await,
        "cancel_reminder" => cancel_reminder(cx, parse(args)?).await,
        "snooze_reminder" => snooze_reminder(cx, parse(args)?).await,
        "remember" => remember(cx, parse(args)?).await,
        "recall" => recall(cx, parse(args)?).await,
        "forget" => forget(cx, parse(args)?).await,
        "current_time" => Ok(current_time(cx)),
        other => {
            crate::account_tools::execute(cx, other, args).await.unwrap_or(Err(DomainError::NotFound("tool")))
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(args: Value) -> Result<T, DomainError> {
    serde_json::from_value(args).map_err(|e| crate::ValidationError::new("arguments", e.to_string()).into())
}

fn tz(cx: &ToolContext<'_>) -> Tz {
    cx.user.timezone.tz()
}

pub(crate) fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `at` as the model gives it: local wall-clock time (placed in the zone as recurrences are:
/// a gap moves it forward, a fold takes the first), or an instant with an offset.
pub(crate) fn parse_at(raw: &str, tz: Tz) -> Result<DateTime<Utc>, DomainError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .map(|l| schedule::resolve(tz, l))
        .ok_or_else(|| crate::ValidationError::new("at", format!("'{raw}' is not a time: use {AT}")).into())
}

// ---- tasks ----

#[derive(Deserialize)]
struct CreateTask {
    title: String,
    description: Option<String>,
    priority: Option<Priority>,
    due: Option<String>,
}

async fn create_task(cx: &ToolContext<'_>, a: CreateTask) -> Result<Value, DomainError> {
    let new = NewTask {
        title: TaskTitle::parse(&a.title)?,
        description: a.description.as_deref().map(crate::Description::parse).transpose()?,
        status: TaskStatus::Pending,
        priority: a.priority.unwrap_or_default(),
        assigned_to: None,
        due_date: a.due.as_deref().map(|d| parse_at(d, tz(cx))).transpose()?,
        metadata: Default::default(),
    };
    let task = tasks::create_task(cx.ports, cx.user.id, new).await?;
    Ok(task_json(&task, tz(cx)))
}

fn task_json(t: &Task, tz: Tz) -> Value {
    json!({
        "id": t.id, "title": t.title, "status": t.status, "priority": t.priority,
        "due": t.due_date.map(|d| local(d, tz)),
    })
}

#[derive(Deserialize)]
struct ListTasks {
    status: Option<String>,
}

/// The most tasks a tool lists: a model (or a text message) is not helped by more.
const LIST_MAX: i64 = 50;

/// The most items a tool reads to find or list what it needs: every one a person could mean,
/// bounded so one turn's reads are too.
const SCAN_MAX: usize = 500;

/// The user's tasks in these statuses, newest first, all of them up to [`SCAN_MAX`].
async fn tasks_with(cx: &ToolContext<'_>, statuses: Vec<TaskStatus>) -> Result<Vec<Task>, DomainError> {
    let filter = TaskFilter { statuses, ..Default::default() };
    let mut page = PageRequest { limit: Limit::new(100)?, after: None };
    let mut all = Vec::new();
    loop {
        let got = tasks::list_tasks(cx.ports, cx.user.id, &filter, &page).await?;
        all.extend(got.items);
        match got.next {
            Some(after) if all.len() < SCAN_MAX => page.after = Some(after),
            _ => return Ok(all),
        }
    }
}

const OPEN: [TaskStatus; 2] = [TaskStatus::Pending, TaskStatus::InProgress];

async fn list_tasks(cx: &ToolContext<'_>, a: ListTasks) -> Result<Value, DomainError> {
    let statuses = match a.status.as_deref() {
        Some("completed") => vec![TaskStatus::Completed],
        Some("all") => vec![],
        _ => OPEN.to_vec(),
    };
    let tasks = tasks_with(cx, statuses).await?;
    let shown = tasks.iter().take(LIST_MAX as usize).map(|t| task_json(t, tz(cx)));
    Ok(json!({ "tasks": shown.collect::<Vec<_>>(), "total": tasks.len() }))
}

#[derive(Deserialize)]
struct UpdateTask {
    task: String,
    title: Option<String>,
    priority: Option<Priority>,
    due: Option<String>,
}

async fn update_task(cx: &ToolContext<'_>, a: UpdateTask) -> Result<Value, DomainError> {
    let task = find_task(cx, &a.task).await?;
    let changes = TaskChanges {
        title: a.title.as_deref().map(TaskTitle::parse).transpose()?,
        priority: a.priority,
        due_date: a.due.as_deref().map(|d| parse_at(d, tz(cx))).transpose()?.map(Some),
        ..Default::default()
    };
    let task = tasks::update_task(cx.ports, cx.user.id, task.id, &changes).await?;
    Ok(task_json(&task, tz(cx)))
}

#[derive(Deserialize)]
struct NameTask {
    task: String,
}

async fn complete_task(cx: &ToolContext<'_>, a: NameTask) -> Result<Value, DomainError> {
    let task = find_task(cx, &a.task).await?;
    let task = tasks::set_task_status(cx.ports, cx.user.id, task.id, TaskStatus::Completed, None).await?;
    Ok(json!({ "completed": { "id": task.id, "title": task.title } }))
}

async fn find_task(cx: &ToolContext<'_>, name: &str) -> Result<Task, DomainError> {
    if let Ok(id) = name.trim().parse::<TaskId>() {
        return tasks::get_task(cx.ports, cx.user.id, id).await;
    }
    let open = tasks_with(cx, OPEN.to_vec()).await?;
    pick(open, name, |t| t.title.as_str(), "open task")
}

// ---- the day ----

#[derive(Deserialize)]
struct Agenda {
    day: Option<String>,
}

async fn agenda(cx: &ToolContext<'_>, a: Agenda) -> Result<Value, DomainError> {
    let tz = tz(cx);
    let day = match a.day.as_deref() {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| crate::ValidationError::new("day", "must be YYYY-MM-DD"))?,
        None => cx.ports.clock.now().with_timezone(&tz).date_naive(),
    };
    let start = schedule::resolve(tz, day.and_hms_opt(0, 0, 0).expect("midnight"));
    let end = schedule::resolve(tz, (day + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight"));
    let tasks: Vec<Value> = tasks_with(cx, OPEN.to_vec())
        .await?
        .iter()
        .filter(|t| t.due_date.is_some_and(|d| d < end))
        .map(|t| task_json(t, tz))
        .collect();
    let reminders: Vec<Value> = upcoming(cx)
        .await?
        .iter()
        .filter(|r| r.next_fire_at.is_some_and(|t| t >= start && t < end))
        .map(reminder_json)
        .collect();
    Ok(json!({ "day": day.to_string(), "tasks": tasks, "reminders": reminders }))
}

// ---- reminders ----

#[derive(Deserialize)]
struct CreateReminder {
    text: String,
    at: String,
    recurrence: Option<String>,
}

async fn create_reminder(cx: &ToolContext<'_>, a: CreateReminder) -> Result<Value, DomainError> {
    let new = reminders::NewReminder {
        id: None,
        text: ReminderText::parse(&a.text)?,
        due_at: parse_at(&a.at, tz(cx))?,
        timezone: None,
        recurrence: a.recurrence.as_deref().map(Recurrence::parse).transpose()?,
        channel: None,
        made_on: cx.made_on,
        task_id: None,
        nag: None,
        kind: ReminderKind::Reminder,
    };
    let reminder = reminders::create_reminder(cx.ports, cx.user.id, new).await?;
    Ok(reminder_json(&reminder))
}

fn reminder_json(r: &Reminder) -> Value {
    let tz = r.timezone.tz();
    json!({
        "id": r.id, "text": r.text, "status": r.status,
        "next_fire_at": r.next_fire_at.map(|t| local(t, tz)),
        "recurrence": r.recurrence,
    })
}

/// The user's live reminders (not done, not the digest), soonest first, read from all of
/// theirs up to [`SCAN_MAX`].
async fn upcoming(cx: &ToolContext<'_>) -> Result<Vec<Reminder>, DomainError> {
    let mut page = PageRequest { limit: Limit::new(100)?, after: None };
    let mut live = Vec::new();
    for _ in 0..SCAN_MAX / 100 {
        let got = reminders::list_reminders(cx.ports, cx.user.id, &page).await?;
        live.extend(
            got.items
                .into_iter()
                .filter(|r| r.kind == ReminderKind::Reminder && r.status != ReminderStatus::Done),
        );
        match got.next {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    live.sort_by_key(|r| r.next_fire_at.unwrap_or(DateTime::<Utc>::MAX_UTC));
    Ok(live)
}

async fn list_reminders(cx: &ToolContext<'_>) -> Result<Value, DomainError> {
    let live = upcoming(cx).await?;
    Ok(json!({ "reminders": live.iter().take(LIST_MAX as usize).map(reminder_json).collect::<Vec<_>>() }))
}

async fn find_reminder(cx: &ToolContext<'_>, name: &str) -> Result<Reminder, DomainError> {
    if let Ok(id) = name.trim().parse::<ReminderId>() {
        return reminders::get_reminder(cx.ports, cx.user.id, id).await;
    }
    pick(upcoming(cx).await?, name, |r| r.text.as_str(), "reminder")
}

#[derive(Deserialize)]
struct NameReminder {
    reminder: String,
}

async fn cancel_reminder(cx: &ToolContext<'_>, a: NameReminder) -> Result<Value, DomainError> {
    let r = find_reminder(cx, &a.reminder).await?;
    reminders::delete_reminder(cx.ports, cx.user.id, r.id).await?;
    Ok(json!({ "cancelled": { "id": r.id, "text": r.text } }))
}

#[derive(Deserialize)]
struct Snooze {
    minutes: i64,
    reminder: Option<String>,
}

async fn snooze_reminder(cx: &ToolContext<'_>, a: Snooze) -> Result<Value, DomainError> {
    let r = match a.reminder.as_deref() {
        Some(name) => find_reminder(cx, name).await?,
        None => upcoming(cx)
            .await?
            .into_iter()
            .filter(|r| r.last_fired_at.is_some())
            .max_by_key(|r| r.last_fired_at)
            .ok_or(DomainError::NotFound("reminder that has fired"))?,
    };
    let until = cx.ports.clock.now() + Duration::minutes(a.minutes);
    let r = reminders::snooze(cx.ports, cx.user.id, r.id, until).await?;
    Ok(reminder_json(&r))
}

// ---- memory ----

#[derive(Deserialize)]
struct Remember {
    content: String,
}

async fn remember(cx: &ToolContext<'_>, a: Remember) -> Result<Value, DomainError> {
    let new = memories::NewMemory {
        id: None,
        kind: MemoryKind::Fact,
        title: None,
        content: MemoryContent::parse(&a.content)?,
        source: MemorySource::Chat,
    };
    let m = memories::add_memory(cx.ports, cx.embedder, cx.user.id, new).await?;
    Ok(json!({ "id": m.id, "content": m.content }))
}

#[derive(Deserialize)]
struct Recall {
    query: String,
}

/// How much of the memory a recall shows the model.
const RECALL_BUDGET: usize = 1_000;

async fn recall(cx: &ToolContext<'_>, a: Recall) -> Result<Value, DomainError> {
    let found = memories::relevant(
        cx.ports,
        cx.embedder,
        cx.user.id,
        &a.query,
        RECALL_BUDGET,
        8,
        memories::WhenNothingMatches::Nothing,
    )
    .await?;
    Ok(
        json!({ "memories": found.iter().map(|m| json!({ "id": m.id, "content": m.text })).collect::<Vec<_>>() }),
    )
}

#[derive(Deserialize)]
struct Forget {
    memory: String,
}

async fn forget(cx: &ToolContext<'_>, a: Forget) -> Result<Value, DomainError> {
    let m = match a.memory.trim().parse::<MemoryId>() {
        Ok(id) => memories::get_memory(cx.ports, cx.user.id, id).await?,
        Err(_) => {
            let all = memories::recent_memories(cx.ports, cx.user.id, memories::RETRIEVAL_SCAN).await?;
            pick(all, &a.memory, |m: &Memory| m.content.as_str(), "memory")?
        }
    };
    memories::delete_memory(cx.ports, cx.user.id, m.id).await?;
    Ok(json!({ "forgotten": { "id": m.id, "content": m.content } }))
}

fn current_time(cx: &ToolContext<'_>) -> Value {
    let now = cx.ports.clock.now().with_timezone(&tz(cx));
    json!({
        "now": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "timezone": cx.user.timezone.name(),
        "weekday": now.format("%A").to_string(),
    })
}

// ---- naming things by words ----

/// Words that do not tell one item from another.
const FILLER: &[&str] =
    &["the", "a", "an", "my", "to", "for", "of", "about", "task", "reminder", "memory", "that", "this"];

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect()
}

/// The one item whose text holds every word of `name`: an exact match wins over partial ones;
/// none, or several, is an error that says which there are.
fn pick<T>(
    items: Vec<T>,
    name: &str,
    text: impl Fn(&T) -> &str,
    what: &'static str,
) -> Result<T, DomainError> {
    let wanted = words(name);
    if wanted.is_empty() {
        return Err(crate::ValidationError::new(what, format!("say which {what}")).into());
    }
    let mut matching: Vec<T> = items
        .into_iter()
        .filter(|it| {
            let have = words(text(it));
            wanted.iter().all(|w| have.iter().any(|h| h == w || h.starts_with(w.as_str())))
        })
        .collect();
    if matching.len() > 1
        && let Some(i) = matching.iter().position(|it| words(text(it)) == wanted)
    {
        return Ok(matching.swap_remove(i));
    }
    match matching.len() {
        0 => Err(DomainError::Validation(crate::ValidationError::new(
            what,
            format!("no {what} matches '{}'", name.trim()),
        ))),
        1 => Ok(matching.remove(0)),
        _ => {
            let names: Vec<String> = matching.iter().take(5).map(|it| format!("'{}'", text(it))).collect();
            Err(DomainError::Conflict(format!(
                "several match '{}': {}; which one?",
                name.trim(),
                names.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_and_only_writes_elsewhere_reach_outside() {
        let tb = Toolbox::builtin();
        let specs = tb.specs();
        assert_eq!(specs.len(), 20);
        let external: Vec<&str> = specs
            .iter()
            .filter(|s| tb.risk(&s.name) == Some(Risk::External))
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            external,
            ["send_email", "create_calendar_event", "create_notion_page", "add_to_youtube_playlist"],
            "only these wait for an approval"
        );
        assert_eq!(tb.risk("list_tasks"), Some(Risk::Read));
        assert_eq!(tb.risk("create_reminder"), Some(Risk::OwnData));
    }

    #[test]
    fn names_pick_one_item_or_say_why_not() {
        let items = vec!["do laundry", "buy milk", "buy oat milk"];
        assert_eq!(pick(items.clone(), "laundry", |s| s, "task").unwrap(), "do laundry");
        assert_eq!(pick(items.clone(), "the Laundry task", |s| s, "task").unwrap(), "do laundry");
        assert_eq!(pick(items.clone(), "buy milk", |s| s, "task").unwrap(), "buy milk");
        let several = pick(items.clone(), "milk", |s| s, "task").unwrap_err().to_string();
        assert!(several.contains("'buy milk'") && several.contains("'buy oat milk'"), "{several}");
        assert!(
            pick(items, "dishes", |s| s, "task")
                .unwrap_err()
                .to_string()
                .contains("no task matches 'dishes'")
        );
    }

    #[test]
    fn at_is_local_time_or_an_instant() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(parse_at("2026-11-18T21:00", ny).unwrap().to_rfc3339(), "2026-11-19T02:00:00+00:00");
        assert_eq!(
            parse_at("2026-11-18T21:00:00+01:00", ny).unwrap().to_rfc3339(),
            "2026-11-18T20:00:00+00:00"
        );
        // In the spring-forward gap: moved forward, as recurrences are.
        assert_eq!(parse_at("2026-03-08T02:30", ny).unwrap().to_rfc3339(), "2026-03-08T07:30:00+00:00");
        assert!(parse_at("at nine", ny).is_err());
    }
}
