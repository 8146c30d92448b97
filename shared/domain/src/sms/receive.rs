//! What the SMS webhook does with a message whose signature checked out, in the order that
//! keeps users safe: record it under its `MessageSid` (a redelivery gets the stored answer and
//! does nothing), find the user by phone, obey carrier keywords (STOP always works), apply the
//! rate limits, answer commands and quick replies at once, and queue the rest for the agent.
//! Everything here answers within one webhook: a few store calls, no model.

use chrono::{DateTime, Duration, Utc};
use futures_util::future::try_join;

use crate::{
    Actor, AgentMessage, Channel, DomainError, FireKind, Limit, NotificationId, NotificationStatus,
    PageRequest, PhoneNumber, Ports, ReminderStatus, StoreError, TaskFilter, TaskStatus, User, UserId, Via,
    approvals, reminders,
    sms::{
        InboundSms, InboundStatus, MessageSid, Route, TurnState, inbound,
        segments::fit,
        text::{self, Command, Intent, Keyword, SpamRules},
    },
    users::{self, PreferenceChanges},
};

/// At most `max` messages per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u64,
    pub window: Duration,
}

/// How the channel behaves; each has a default and an environment variable (see the README).
#[derive(Debug, Clone, PartialEq)]
pub struct SmsSettings {
    pub spam: SpamRules,
    /// Said to a number no user has, once (a year, to be exact); `None`: nothing is said.
    pub signup_reply: Option<String>,
    /// Every message from one number, known or not: a flood stops here.
    pub per_phone: RateLimit,
    /// Messages a user sends to the agent: what a turn costs is bounded here.
    pub per_user: RateLimit,
    /// The most SMS segments an answer may take; longer ones are cut.
    pub max_parts: usize,
}

pub const DEFAULT_SIGNUP_REPLY: &str = "Hi! This is Nudge, a personal assistant for tasks and reminders. \
     This number isn't linked to an account yet: ask whoever runs your Nudge to add it, then text again.";

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            spam: SpamRules::default(),
            signup_reply: Some(DEFAULT_SIGNUP_REPLY.into()),
            per_phone: RateLimit { max: 30, window: Duration::minutes(10) },
            per_user: RateLimit { max: 60, window: Duration::hours(1) },
            max_parts: 4,
        }
    }
}

/// A message as Twilio delivered it (its signature already checked).
#[derive(Debug, Clone)]
pub struct Incoming {
    pub sid: MessageSid,
    pub from: PhoneNumber,
    pub to: String,
    pub body: String,
    /// Twilio's own reading of a carrier keyword (`OptOutType`, sent when Advanced Opt-Out is
    /// on): it decides what Twilio blocks, so it prevails over ours.
    pub opt_out_type: Option<Keyword>,
    /// The caller's address (Twilio's), for the audit log of what the text decides.
    pub ip: Option<String>,
}

/// What the webhook answers: a message to reply with at once (TwiML), or none.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: Option<String>,
    pub route: Route,
    /// A redelivery of a message already answered: nothing was done.
    pub duplicate: bool,
}

pub const HELP: &str = "Nudge: your assistant for tasks and reminders. Text what you need, like \
     \"remind me to call mom at 5\". Reply DONE or SNOOZE 10 to a reminder. Reply STOP to opt out.";
const COMMANDS: &str = "Text me what you need in your own words. Commands: /status (what's open), \
     /info (your account), /clear (start a fresh conversation). Reply DONE or SNOOZE 10 to the last \
     reminder, STOP to opt out.";
const STOPPED: &str =
    "You're unsubscribed from Nudge and won't get any more texts. Reply START to turn them back on.";
const STARTED: &str = "Welcome back! Texts from Nudge are on again. Reply HELP for help.";
const SLOW_DOWN: &str = "You're texting faster than I can keep up, so I'm pausing for a few minutes. \
     Messages sent meanwhile aren't read; please send them again after.";
const SPAM: &str = "That message looked like spam, so I didn't act on it. If it was you, say it again \
     in your own words.";
const EMPTY: &str = "I can only read text for now. Tell me in words what you need.";

pub async fn receive(p: &Ports, s: &SmsSettings, m: Incoming) -> Result<Answer, DomainError> {
    let now = p.clock.now();
    let mut analysis = text::analyze(&m.body, &s.spam);
    if let Some(keyword) = m.opt_out_type {
        analysis.intent = Intent::Keyword { keyword };
    }
    let fresh = InboundSms {
        analysis,
        sid: m.sid,
        from: m.from,
        ip: m.ip,
        to: m.to,
        user_id: None,
        body: m.body,
        route: Route::Pending,
        status: InboundStatus::Received,
        answer: None,
        turn: None,
        received_at: now,
        updated_at: now,
        expires_at: now + inbound::KEEP_FOR,
        version: 1,
    };
    let (mut rec, first) = match p.inbound.record_inbound(&fresh).await? {
        None => (fresh, true),
        Some(stored) if stored.status == InboundStatus::Answered => {
            return Ok(Answer { text: stored.answer, route: stored.route, duplicate: true });
        }
        // A delivery that stopped midway, or one still at work: decided again. What follows is
        // idempotent (opt-out is a state, DONE and SNOOZE act on times from the record, the
        // agent's turn is keyed on the sid); only the rate counters are not hit a second time.
        Some(stored) => (stored, false),
    };
    let phone_key = format!("sms-phone#{}", rec.from);
    let (user, phone_hits) = try_join(
        async { Ok::<_, DomainError>(p.users.find_user_by_phone(&rec.from).await?) },
        hit(p, first, &phone_key, s.per_phone, now),
    )
    .await?;
    rec.user_id = user.as_ref().map(|u| u.id);
    let (route, answer) = decide(p, s, &mut rec, user.as_ref(), phone_hits, first, now).await?;
    let answer = answer.map(|a| fit(&a, s.max_parts));
    let read = rec.version;
    rec.route = route;
    rec.answer.clone_from(&answer);
    // A message for the agent is answered once it is queued (the worker marks it so too, as
    // taking it proves it was); until then a redelivery decides it again rather than dropping it.
    rec.status = if route == Route::Agent { InboundStatus::Received } else { InboundStatus::Answered };
    rec.turn = (route == Route::Agent).then_some(TurnState::Queued);
    rec.updated_at = now;
    rec.version = read + 1;
    match p.inbound.replace_inbound(&rec, read).await {
        // Another delivery of the same message answered first: its answer and ours agree.
        Ok(()) | Err(StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    if route == Route::Agent
        && let Some(user) = &user
    {
        // Queued after the record says so, so the worker finds it ready.
        let message = AgentMessage::SmsTurn { user_id: user.id, sid: rec.sid.clone() };
        p.agent_queue.enqueue_agent(&message).await?;
        let read = rec.version;
        rec.status = InboundStatus::Answered;
        rec.version = read + 1;
        match p.inbound.replace_inbound(&rec, read).await {
            // The worker took it already, and marked it answered.
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Answer { text: answer, route, duplicate: false })
}

/// Adds one to a rate counter for `now`'s window; a message decided a second time is not
/// counted again (answers 0).
async fn hit(
    p: &Ports,
    first: bool,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
) -> Result<u64, DomainError> {
    if !first {
        return Ok(0);
    }
    let secs = limit.window.num_seconds().max(1);
    let window = now.timestamp().div_euclid(secs);
    let ends = DateTime::from_timestamp((window + 1) * secs, 0).unwrap_or(now);
    Ok(p.counters.hit(&format!("{key}#{window}"), ends + Duration::hours(1)).await?)
}

/// Over the limit: recorded, not processed; the first message over it is told so, once.
fn over(hits: u64, limit: RateLimit) -> Option<(Route, Option<String>)> {
    (hits > limit.max).then(|| (Route::RateLimited, (hits == limit.max + 1).then(|| SLOW_DOWN.to_owned())))
}

async fn decide(
    p: &Ports,
    s: &SmsSettings,
    rec: &mut InboundSms,
    user: Option<&User>,
    phone_hits: u64,
    first: bool,
    now: DateTime<Utc>,
) -> Result<(Route, Option<String>), DomainError> {
    let intent = rec.analysis.intent.clone();
    // Carrier keywords come before every limit: STOP must always work.
    match (&intent, user) {
        (Intent::Keyword { keyword: Keyword::Stop }, Some(u)) => {
            set_opt_out(p, u, true).await?;
            return Ok((Route::Keyword, Some(STOPPED.into())));
        }
        // A number no one has that says STOP is never told how to sign up.
        (Intent::Keyword { keyword: Keyword::Stop }, None) => {
            hit(p, first, &signup_key(rec), SIGNUP, now).await?;
            return Ok((Route::Keyword, None));
        }
        (Intent::Keyword { keyword: Keyword::Help }, _) => return Ok((Route::Keyword, Some(HELP.into()))),
        (Intent::Keyword { keyword: Keyword::Start }, Some(u)) => {
            set_opt_out(p, u, false).await?;
            return Ok((Route::Keyword, Some(STARTED.into())));
        }
        _ => {}
    }
    if user.is_some_and(|u| u.preferences.sms_opted_out) {
        // Nothing is said to someone who said STOP, not even that they are over a limit; Twilio
        // would refuse to deliver it anyway.
        return Ok((Route::OptedOut, None));
    }
    if let Some(limited) = over(phone_hits, s.per_phone) {
        // A number no one has hears nothing more than the sign-up reply.
        return Ok(if user.is_some() { limited } else { (Route::RateLimited, None) });
    }
    let Some(user) = user else {
        return Ok((Route::UnknownSender, signup_reply(p, s, rec, first, now).await?));
    };
    match intent {
        Intent::Keyword { .. } => unreachable!("keywords are answered above"),
        Intent::Command { command } => Ok((Route::Command, Some(run_command(p, user, &command, now).await?))),
        Intent::Done => Ok((Route::QuickReply, Some(done(p, user).await?))),
        Intent::Snooze { minutes } => {
            let until = rec.received_at + Duration::minutes(i64::from(minutes));
            Ok((Route::QuickReply, Some(snooze(p, user, until).await?)))
        }
        Intent::Decision { approve, code } => {
            Ok((Route::Decision, Some(decision(p, user, rec, approve, &code).await?)))
        }
        Intent::Message if rec.analysis.text.is_empty() => Ok((Route::Empty, Some(EMPTY.into()))),
        Intent::Message if rec.analysis.spam => Ok((Route::Spam, Some(SPAM.into()))),
        Intent::Message => {
            let hits = hit(p, first, &format!("sms-user#{}", user.id), s.per_user, now).await?;
            Ok(over(hits, s.per_user).unwrap_or((Route::Agent, None)))
        }
    }
}

/// `YES <code>` / `NO <code>`: decides the user's own approval with that code (a code from
/// another phone names no approval of this user, so it decides nothing).
async fn decision(
    p: &Ports,
    user: &User,
    rec: &InboundSms,
    approve: bool,
    code: &str,
) -> Result<String, DomainError> {
    let actor = Actor::user(user.id, Via::Sms, rec.ip.clone());
    let d = approvals::Decision { approve, reason: None };
    Ok(match approvals::decide_by_code(p, user.id, code, d, &actor).await {
        Ok(Some(a)) if approve => format!("OK, I'll {}.", a.summary),
        Ok(Some(a)) => format!("OK, cancelled: I won't {}.", a.summary),
        Ok(None) => {
            format!(
                "I couldn't find a request with code {code}. It may have expired or been answered already."
            )
        }
        // Decided already, or expired: what the user needs to know, as the domain words it.
        Err(DomainError::Conflict(why)) => {
            let mut why = why;
            if let Some(first) = why.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            format!("{why}.")
        }
        Err(e) => return Err(e),
    })
}

async fn set_opt_out(p: &Ports, user: &User, out: bool) -> Result<(), DomainError> {
    if user.preferences.sms_opted_out != out {
        users::update_preferences(
            p,
            user.id,
            PreferenceChanges { sms_opted_out: Some(out), ..Default::default() },
        )
        .await?;
    }
    Ok(())
}

/// The sign-up reply is said once to a number (a year, to be exact).
const SIGNUP: RateLimit = RateLimit { max: 1, window: Duration::days(365) };

fn signup_key(rec: &InboundSms) -> String {
    format!("sms-signup#{}", rec.from)
}

/// The sign-up reply, once per number, and never to what looks like spam (a reply to an
/// automated sender could start two machines texting each other).
async fn signup_reply(
    p: &Ports,
    s: &SmsSettings,
    rec: &InboundSms,
    first: bool,
    now: DateTime<Utc>,
) -> Result<Option<String>, DomainError> {
    let Some(reply) = &s.signup_reply else { return Ok(None) };
    if rec.analysis.spam {
        return Ok(None);
    }
    let hits = hit(p, first, &signup_key(rec), SIGNUP, now).await?;
    Ok((hits <= 1).then(|| reply.clone()))
}

async fn run_command(
    p: &Ports,
    user: &User,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<String, DomainError> {
    Ok(match command {
        Command::Help => COMMANDS.into(),
        Command::Status => status(p, user, now).await?,
        Command::Info => format!(
            "Nudge for {}: number {}, time zone {}, reminders by {}. Texts are on; reply STOP to opt out.",
            user.name.as_str(),
            user.phone,
            user.timezone.name(),
            user.preferences.channel.as_str(),
        ),
        Command::Clear => {
            clear(p, user.id, now).await?;
            "Cleared: your next message starts a fresh conversation. Your tasks, reminders and what I \
             remember about you are kept."
                .into()
        }
        Command::Unknown(word) => {
            format!("I don't know the command \"{word}\". Try /help, /status, /info or /clear.")
        }
    })
}

/// Open tasks (and how many are overdue), active reminders, and the next one.
async fn status(p: &Ports, user: &User, now: DateTime<Utc>) -> Result<String, DomainError> {
    let filter =
        TaskFilter { statuses: vec![TaskStatus::Pending, TaskStatus::InProgress], ..Default::default() };
    let limit = Limit::new(100)?;
    let (tasks, reminders) = try_join(
        p.tasks.list_tasks(&user.id, &filter, &PageRequest { limit, after: None }),
        p.reminders.list_reminders(&user.id, &PageRequest { limit, after: None }),
    )
    .await?;
    let overdue = tasks.items.iter().filter(|t| t.due_date.is_some_and(|d| d < now)).count();
    let active: Vec<_> = reminders.items.iter().filter(|r| r.status != ReminderStatus::Done).collect();
    let next = active.iter().filter_map(|r| r.next_fire_at.map(|t| (t, r))).min_by_key(|(t, _)| *t);
    let mut out = format!("Open tasks: {}", tasks.items.len());
    if overdue > 0 {
        out.push_str(&format!(" ({overdue} overdue)"));
    }
    out.push_str(&format!(". Reminders: {}", active.len()));
    if let Some((at, r)) = next {
        let local = at.with_timezone(&user.timezone.tz());
        out.push_str(&format!("; next \"{}\" {}", r.text.as_str(), local.format("%a %-d %b at %-I:%M %p")));
    }
    out.push('.');
    Ok(out)
}

/// Closes the conversation in progress, so the next message starts afresh.
async fn clear(p: &Ports, owner: UserId, now: DateTime<Utc>) -> Result<(), DomainError> {
    let latest = p
        .conversations
        .list_conversations(&owner, &PageRequest { limit: Limit::new(1)?, after: None })
        .await?;
    if let Some(mut c) = latest.items.into_iter().next()
        && c.closed_at.is_none()
    {
        let read = c.version;
        c.closed_at = Some(now);
        c.version = read + 1;
        match p.conversations.replace_conversation(&c, read).await {
            // A turn landed meanwhile: the conversation stays open, which the user will see.
            Ok(()) | Err(StoreError::Conflict(_)) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Notifications looked at to find the reminder that fired last.
const LOOK_BACK: usize = 100;

/// The reminder whose text reached the user's phone last: a firing sent by SMS (not a digest,
/// not Nudge's replies, not one skipped or sent elsewhere, which they did not see there).
async fn last_fired(p: &Ports, owner: UserId) -> Result<Option<crate::ReminderId>, DomainError> {
    let mut page = PageRequest::<NotificationId> { limit: Limit::new(25)?, after: None };
    for _ in 0..LOOK_BACK / 25 {
        let recent = p.notifications.list_notifications(&owner, &page).await?;
        let found = recent
            .items
            .iter()
            .filter(|n| n.channel == Channel::Sms && n.status == NotificationStatus::Sent)
            .filter(|n| !matches!(n.kind, FireKind::Digest | FireKind::Reply))
            .find_map(|n| n.reminder_id);
        if found.is_some() || recent.next.is_none() {
            return Ok(found);
        }
        page.after = recent.next;
    }
    Ok(None)
}

async fn done(p: &Ports, user: &User) -> Result<String, DomainError> {
    let Some(id) = last_fired(p, user.id).await? else {
        return Ok("There's no reminder to mark done yet.".into());
    };
    Ok(match reminders::acknowledge(p, user.id, id).await {
        Ok(r) => format!("Done: {}. Nice work!", r.text.as_str()),
        Err(DomainError::NotFound(_)) => "That reminder was deleted, so there's nothing to mark done.".into(),
        Err(e) => return Err(e),
    })
}

async fn snooze(p: &Ports, user: &User, until: DateTime<Utc>) -> Result<String, DomainError> {
    let Some(id) = last_fired(p, user.id).await? else {
        return Ok("There's no reminder to snooze yet.".into());
    };
    Ok(match reminders::snooze(p, user.id, id, until).await {
        Ok(r) => format!(
            "Snoozed: {}. I'll remind you again at {}.",
            r.text.as_str(),
            until.with_timezone(&user.timezone.tz()).format("%-I:%M %p")
        ),
        Err(DomainError::NotFound(_)) => "That reminder was deleted, so there's nothing to snooze.".into(),
        Err(DomainError::Validation(why)) => {
            let r = reminders::get_reminder(p, user.id, id).await?;
            if r.status == ReminderStatus::Done {
                format!("\"{}\" is already done, so there's nothing to snooze.", r.text.as_str())
            } else {
                format!("I couldn't snooze \"{}\": {}.", r.text.as_str(), why.message)
            }
        }
        Err(e) => return Err(e),
    })
}
