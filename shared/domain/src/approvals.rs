//! Human-in-the-loop approvals: whatever leaves the user's own data happens only after the user
//! says yes, once, in time. An approval is requested (by the assistant's external-effect tools,
//! or through the API), the user is asked on their channel, and it is decided once, by the
//! owner, before it expires; an approved one runs exactly once through the `agent` queue. Each
//! change is audited, and its outcome is written into the conversation and told to the user.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::{
    ActionType, Actor, AgentMessage, Approval, ApprovalCode, ApprovalId, ApprovalStatus, Channel,
    ConversationId, DomainError, Email, FireKind, MessageId, Notification, NotificationId, NotifyMessage,
    Page, PageRequest, Ports, Speaker, StoreError, TaskId, UserId, ValidationError, audit,
    conversation::Message, tasks, users,
};

/// How long an approval waits for a decision, per action type: 15 minutes unless listed.
const LIFETIMES: &[(&str, i64)] = &[(ActionType::SEND_EMAIL, 15)];

pub fn lifetime(action: &ActionType) -> Duration {
    let minutes = LIFETIMES.iter().find(|(name, _)| *name == action.as_str()).map_or(15, |(_, m)| *m);
    Duration::minutes(minutes)
}

/// The longest summary, in characters: it is read in one SMS.
pub const MAX_SUMMARY_CHARS: usize = 200;
/// The largest `details`, serialized: what an action needs, not a document.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct NewApproval {
    pub action_type: ActionType,
    pub details: Value,
    pub summary: String,
    pub task_id: Option<TaskId>,
    pub conversation_id: Option<ConversationId>,
    pub tool_call_id: Option<String>,
}

/// Approvals a user may be asked for in an hour: each is a text, and an approved e-mail leaves
/// from Nudge's own address.
pub const REQUESTS_PER_HOUR: u64 = 20;

/// What an action would do, in the words the user is asked with, for the actions Nudge runs:
/// made from what will run, never from a caller's description of it.
pub fn summary_for(action: &ActionType, details: &Value) -> Option<String> {
    let said = |v: &Value, max: usize| {
        let s = v.as_str().unwrap_or_default().trim();
        let cut: String = s.chars().take(max).collect();
        if cut.chars().count() < s.chars().count() { format!("{}...", cut.trim_end()) } else { cut }
    };
    match action.as_str() {
        ActionType::SEND_EMAIL => Some(format!(
            "send an email to {}: \"{}\"",
            said(&details["to"], 100),
            said(&details["body"], 80)
        )),
        other => crate::account_tools::summary(other, details, said),
    }
}

/// Requests an approval for `owner` and asks them on their channel.
pub async fn request(
    p: &Ports,
    owner: UserId,
    new: NewApproval,
    actor: &Actor,
) -> Result<Approval, DomainError> {
    let given = new.summary.trim();
    if given.is_empty() || given.chars().count() > MAX_SUMMARY_CHARS {
        return Err(
            ValidationError::new("summary", format!("must be 1 to {MAX_SUMMARY_CHARS} characters")).into()
        );
    }
    if !new.details.is_object() || new.details.to_string().len() > MAX_DETAILS_BYTES {
        return Err(ValidationError::new("details", "must be an object of at most 16 KiB").into());
    }
    let user = users::get_user(p, owner).await?;
    if let Some(task) = new.task_id {
        tasks::get_task(p, owner, task).await?;
    }
    if new.action_type.as_str() == ActionType::SEND_EMAIL {
        email_of(&new.details)?;
    }
    // The user is asked in words made from what will run, when Nudge runs it; an integration's
    // own action is described by the integration.
    let summary = summary_for(&new.action_type, &new.details).unwrap_or_else(|| given.to_owned());
    let now = p.clock.now();
    let hour = now.timestamp().div_euclid(3600);
    let asked = p.counters.hit(&format!("approvals#{owner}#{hour}"), now + Duration::hours(2)).await?;
    if asked > REQUESTS_PER_HOUR {
        return Err(DomainError::RateLimited(format!(
            "at most {REQUESTS_PER_HOUR} approvals can be asked for in an hour; try again later"
        )));
    }
    let mut attempt = 0;
    let approval = loop {
        let id = p.ids.new_id();
        let approval = Approval {
            id: ApprovalId::from_uuid(id),
            user_id: owner,
            task_id: new.task_id,
            action_type: new.action_type.clone(),
            details: new.details.clone(),
            summary: summary.clone(),
            status: ApprovalStatus::Pending,
            requested_by: actor.who.clone(),
            approved_by: None,
            approved_at: None,
            decided_via: None,
            reason: None,
            expires_at: now + lifetime(&new.action_type),
            created_at: now,
            updated_at: now,
            conversation_id: new.conversation_id,
            tool_call_id: new.tool_call_id.clone(),
            // The id's random bits: a code no one can guess from the last one.
            code: ApprovalCode::from_number(id.as_u128()),
            version: 1,
            result: None,
        };
        match p.approvals.insert_approval(&approval).await {
            Ok(()) => break approval,
            // The code names another open approval of this user: draw again.
            Err(StoreError::Conflict(_)) if attempt < 20 => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    };
    audit::record(
        p,
        owner,
        actor,
                "approval.requested",
        &approval.id.to_string(),
        approval.created_at,
        json!({"action_type": approval.action_type, "expires_at": approval.expires_at, "details": approval.details}),
    )
    .await?;
    let minutes = (approval.expires_at - now).num_minutes();
    let ask = format!(
        "Nudge would like to {}. Reply YES {} to go ahead or NO {} to cancel (within {minutes} min).",
        approval.summary, approval.code, approval.code
    );
    tell(p, &approval, user.preferences.channel, Stage::Ask, ask).await?;
    Ok(approval)
}

pub async fn get(p: &Ports, owner: UserId, id: ApprovalId) -> Result<Approval, DomainError> {
    p.approvals.get_approval(&owner, &id).await?.ok_or(DomainError::NotFound("approval"))
}

pub async fn list(
    p: &Ports,
    owner: UserId,
    status: Option<ApprovalStatus>,
    page: &PageRequest<ApprovalId>,
) -> Result<Page<Approval, ApprovalId>, DomainError> {
    Ok(p.approvals.list_approvals(&owner, status, page).await?)
}

/// A decision: yes or no, and why if the user said.
#[derive(Debug, Clone)]
pub struct Decision {
    pub approve: bool,
    pub reason: Option<String>,
}

/// Decides one of the owner's approvals, once: a second decision, or one after it expired,
/// is a `Conflict` and changes nothing.
pub async fn decide(
    p: &Ports,
    owner: UserId,
    id: ApprovalId,
    d: Decision,
    actor: &Actor,
) -> Result<Approval, DomainError> {
    decide_loaded(p, get(p, owner, id).await?, d, actor).await
}

/// The same for the approval the user's `code` names; `None` when there is no such one.
pub async fn decide_by_code(
    p: &Ports,
    owner: UserId,
    code: &str,
    d: Decision,
    actor: &Actor,
) -> Result<Option<Approval>, DomainError> {
    let Ok(code) = ApprovalCode::parse(code) else { return Ok(None) };
    match p.approvals.find_approval_by_code(&owner, &code).await? {
        Some(a) => decide_loaded(p, a, d, actor).await.map(Some),
        None => Ok(None),
    }
}

async fn decide_loaded(
    p: &Ports,
    mut a: Approval,
    d: Decision,
    actor: &Actor,
) -> Result<Approval, DomainError> {
    let now = p.clock.now();
    if a.status == ApprovalStatus::Expired {
        return Err(DomainError::Conflict(format!(
            "this request expired at {}, so nothing was done",
            a.expires_at.format("%H:%M UTC")
        )));
    }
    if a.status != ApprovalStatus::Pending {
        return Err(DomainError::Conflict(format!(
            "this request was {} already, so nothing changed",
            a.status.as_str()
        )));
    }
    if now >= a.expires_at {
        // Refused even if the tick has not expired it yet; and expired now, since it is due.
        expire(p, a.clone(), now).await?;
        return Err(DomainError::Conflict(format!(
            "this request expired at {}, so nothing was done",
            a.expires_at.format("%H:%M UTC")
        )));
    }
    let reason = d.reason.map(|r| r.trim().chars().take(500).collect::<String>()).filter(|r| !r.is_empty());
    let read = a.version;
    a.status = if d.approve { ApprovalStatus::Approved } else { ApprovalStatus::Denied };
    a.approved_by = Some(actor.who.clone());
    a.approved_at = Some(now);
    a.decided_via = Some(actor.via);
    a.reason = reason;
    a.updated_at = now;
    a.version = read + 1;
    match p.approvals.replace_approval(&a, read).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(DomainError::Conflict(
                "this request was decided meanwhile, so nothing changed".into(),
            ));
        }
        Err(StoreError::NotFound) => return Err(DomainError::NotFound("approval")),
        Err(e) => return Err(e.into()),
    }
    let action = if d.approve { "approval.approved" } else { "approval.denied" };
    audit::record(p, a.user_id, actor, action, &a.id.to_string(), now, json!({"reason": a.reason})).await?;
    if d.approve && a.action_type.runs_here() {
        // Should this message be lost, the tick queues it again (the approval stays due).
        p.agent_queue
            .enqueue_agent(&AgentMessage::ExecuteApproval { user_id: a.user_id, approval_id: a.id })
            .await?;
    } else if !d.approve {
        let text = format!("Cancelled: I won't {}.", a.summary);
        close(p, &a, Stage::Denied, text).await?;
    }
    Ok(a)
}

/// What the tick did with the approvals it found due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tended {
    pub expired: usize,
    /// Approved actions queued again (their first message may have been lost).
    pub requeued: usize,
    /// Approved actions given up, not run in time.
    pub given_up: usize,
}

/// Expires pending approvals whose time ran out; queues again, every few minutes, approved
/// actions that have not run, and gives them up after
/// [`GIVE_UP_AFTER`](crate::approval::GIVE_UP_AFTER).
pub async fn tend_due(p: &Ports, due: Vec<Approval>, now: DateTime<Utc>) -> Result<Tended, DomainError> {
    let mut t = Tended::default();
    for a in due {
        match a.status {
            ApprovalStatus::Pending if now >= a.expires_at => {
                t.expired += usize::from(expire(p, a, now).await?)
            }
            ApprovalStatus::Approved if a.action_type.runs_here() => {
                let since = now - a.approved_at.unwrap_or(a.updated_at);
                if since >= crate::approval::GIVE_UP_AFTER {
                    t.given_up += usize::from(give_up(p, a, now).await?);
                } else if since.num_minutes() % crate::approval::RETRY_AFTER.num_minutes() == 0 {
                    let message = AgentMessage::ExecuteApproval { user_id: a.user_id, approval_id: a.id };
                    p.agent_queue.enqueue_agent(&message).await?;
                    t.requeued += 1;
                }
            }
            _ => {}
        }
    }
    Ok(t)
}

/// An approved action that did not run in time: failed, and the user told.
async fn give_up(p: &Ports, mut a: Approval, now: DateTime<Utc>) -> Result<bool, DomainError> {
    let read = a.version;
    a.status = ApprovalStatus::Failed;
    a.result = Some("it could not run in time".into());
    a.updated_at = now;
    a.version = read + 1;
    match p.approvals.replace_approval(&a, read).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) | Err(StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    finish(p, &a).await?;
    Ok(true)
}

/// Expires a pending approval; `false` if it was decided meanwhile.
async fn expire(p: &Ports, mut a: Approval, now: DateTime<Utc>) -> Result<bool, DomainError> {
    let read = a.version;
    a.status = ApprovalStatus::Expired;
    a.updated_at = now;
    a.version = read + 1;
    match p.approvals.replace_approval(&a, read).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) | Err(StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    audit::record(
        p,
        a.user_id,
        &Actor::system(),
        "approval.expired",
        &a.id.to_string(),
        a.expires_at,
        json!({}),
    )
    .await?;
    let text = format!("No answer in time, so I didn't {}.", a.summary);
    close(p, &a, Stage::Expired, text).await?;
    Ok(true)
}

/// What an `ExecuteApproval` message came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executed {
    Executed,
    Failed,
    /// Ran before: this was a duplicate.
    AlreadyDone,
    /// Not approved (denied, expired, gone): nothing to run.
    Nothing,
}

/// Runs an approved action, once: the action itself is keyed on the approval (an e-mail's
/// notification id derives from it), so two deliveries of the message, or two workers at once,
/// send one e-mail; the approval then records what came of it.
pub async fn execute(p: &Ports, owner: UserId, id: ApprovalId) -> Result<Executed, DomainError> {
    let Some(mut a) = p.approvals.get_approval(&owner, &id).await? else { return Ok(Executed::Nothing) };
    match a.status {
        ApprovalStatus::Executed | ApprovalStatus::Failed => {
            // Ran before. What follows a run is idempotent, so a run that stopped after
            // recording its outcome finishes telling it here.
            finish(p, &a).await?;
            return Ok(Executed::AlreadyDone);
        }
        ApprovalStatus::Approved => {}
        _ => return Ok(Executed::Nothing),
    }
    let now = p.clock.now();
    let outcome = run_action(p, &a, now).await?;
    for _ in 0..3 {
        let read = a.version;
        a.status = if outcome.is_ok() { ApprovalStatus::Executed } else { ApprovalStatus::Failed };
        a.result = Some(match &outcome {
            Ok(done) => done.clone(),
            Err(why) => why.clone(),
        });
        a.updated_at = now;
        a.version = read + 1;
        match p.approvals.replace_approval(&a, read).await {
            Ok(()) => break,
            Err(StoreError::Conflict(_)) => match p.approvals.get_approval(&owner, &id).await? {
                Some(fresh) if fresh.status == ApprovalStatus::Approved => a = fresh,
                _ => return Ok(Executed::AlreadyDone),
            },
            Err(StoreError::NotFound) => return Ok(Executed::Nothing),
            Err(e) => return Err(e.into()),
        }
    }
    finish(p, &a).await?;
    Ok(if outcome.is_ok() { Executed::Executed } else { Executed::Failed })
}

/// The audit entry and the notices of a run whose outcome is recorded (or given up).
async fn finish(p: &Ports, a: &Approval) -> Result<(), DomainError> {
    let result = a.result.clone().unwrap_or_default();
    let (action, text) = if a.status == ApprovalStatus::Executed {
        ("approval.executed", format!("Done: {result}"))
    } else {
        ("approval.failed", format!("I couldn't {}: {result}.", a.summary))
    };
    let details = json!({"status": a.status, "result": result});
    audit::record(p, a.user_id, &Actor::system(), action, &a.id.to_string(), Stage::Result.time(a), details)
        .await?;
    close(p, a, Stage::Result, text).await
}

/// Runs the action: `Ok` with what was done, `Err` with why it could not be (the approval is
/// then `failed`). A store error is a retry, not a failure.
async fn run_action(
    p: &Ports,
    a: &Approval,
    now: DateTime<Utc>,
) -> Result<Result<String, String>, DomainError> {
    match a.action_type.as_str() {
        ActionType::SEND_EMAIL => {
            let to = match email_of(&a.details) {
                Ok(to) => to,
                Err(e) => return Ok(Err(e.message)),
            };
            let subject = a.details["subject"].as_str().filter(|s| !s.trim().is_empty()).map(str::to_owned);
            let body = a.details["body"].as_str().unwrap_or_default().to_owned();
            // Named by the approval and its fixed time: any number of runs, one e-mail.
            let id = NotificationId::named(&format!("approval/{}/email", a.id), Stage::Result.time(a));
            let n = Notification {
                to: Some(to.as_str().to_owned()),
                subject,
                ..Notification::queued(id, a.user_id, FireKind::Outbound, Channel::Email, body, now)
            };
            p.notifications.insert_notification(&n).await?;
            p.queue.enqueue(&NotifyMessage { user_id: a.user_id, notification_id: n.id }).await?;
            Ok(Ok(format!("the email to {} is on its way.", to.as_str())))
        }
        other => match crate::account_tools::run_approved(p, a).await {
            Some(ran) => ran,
            None => Ok(Err(format!("no action named {other} can run here"))),
        },
    }
}

/// The e-mail address a `send_email` approval sends to.
fn email_of(details: &Value) -> Result<Email, ValidationError> {
    let to = details["to"].as_str().ok_or_else(|| ValidationError::new("details.to", "is required"))?;
    let email =
        Email::parse(to).map_err(|_| ValidationError::new("details.to", "must be an e-mail address"))?;
    if details["body"].as_str().is_none_or(|b| b.trim().is_empty()) {
        return Err(ValidationError::new("details.body", "is required"));
    }
    Ok(email)
}

/// A moment of an approval's life that the user hears of.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Ask,
    Denied,
    Expired,
    Result,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Ask => "ask",
            Stage::Denied => "denied",
            Stage::Expired => "expired",
            Stage::Result => "result",
        }
    }

    /// The stage's own time, fixed once it happened: what it writes is named by the approval,
    /// the stage and this time, so writing it again (a retry, a second worker) is a duplicate.
    fn time(self, a: &Approval) -> DateTime<Utc> {
        match self {
            Stage::Ask => a.created_at,
            Stage::Expired => a.expires_at,
            Stage::Denied | Stage::Result => a.approved_at.unwrap_or(a.created_at),
        }
    }
}

/// The end of an approval's life: written into its conversation and told to the user.
async fn close(p: &Ports, a: &Approval, stage: Stage, text: String) -> Result<(), DomainError> {
    write_back(p, a, stage, &text).await?;
    let channel = users::get_user(p, a.user_id).await.map(|u| u.preferences.channel).unwrap_or_default();
    tell(p, a, channel, stage, text).await
}

/// A notice to the user about `a`, once per stage however often this runs.
async fn tell(
    p: &Ports,
    a: &Approval,
    channel: Channel,
    stage: Stage,
    text: String,
) -> Result<(), DomainError> {
    let id = NotificationId::named(&format!("approval/{}/{}", a.id, stage.name()), stage.time(a));
    let n = Notification::queued(id, a.user_id, FireKind::Reply, channel, text, p.clock.now());
    p.notifications.insert_notification(&n).await?;
    p.queue.enqueue(&NotifyMessage { user_id: a.user_id, notification_id: id }).await?;
    Ok(())
}

/// Adds what became of the approval to the conversation it came from, once.
async fn write_back(p: &Ports, a: &Approval, stage: Stage, text: &str) -> Result<(), DomainError> {
    let Some(conversation) = a.conversation_id else { return Ok(()) };
    let now = p.clock.now();
    let id = MessageId::named(&format!("approval/{}/{}", a.id, stage.name()), stage.time(a));
    for _ in 0..3 {
        let Some(mut c) = p.conversations.get_conversation(&a.user_id, &conversation).await? else {
            return Ok(());
        };
        let read = c.version;
        c.message_count += 1;
        c.version = read + 1;
        let message = Message {
            id,
            conversation_id: conversation,
            user_id: a.user_id,
            role: Speaker::Assistant,
            content: text.to_owned(),
            tool_calls: vec![],
            tool_call_id: None,
            tool_name: None,
            is_error: false,
            usage: None,
            created_at: now,
        };
        match p.conversations.save_turn(&c, Some(read), &[message]).await {
            Ok(()) => return Ok(()),
            // Another turn landed, or this message is there already: look again.
            Err(StoreError::Conflict(_)) => {
                let page = PageRequest { limit: crate::Limit::new(20)?, after: None };
                let recent = p.conversations.list_messages(&a.user_id, &conversation, &page).await?;
                if recent.items.iter().any(|m| m.id == id) {
                    return Ok(());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::warn!(approval = %a.id, "could not write the approval's outcome into its conversation");
    Ok(())
}
