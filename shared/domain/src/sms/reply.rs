//! The agent worker's half of the SMS channel: run the turn of a message the webhook queued,
//! and queue its reply through the notifier, once, however often the message is delivered.

use chrono::Duration;

use crate::{
    Agent, Channel, ConversationChannel, DomainError, FireKind, Notification, NotificationId, NotifyMessage,
    Ports, StoreError, TurnRequest, UserId, agent,
    sms::{InboundStatus, MessageSid, Route, TurnState, segments::fit},
};

/// How long a worker holds a message's turn: longer than the worker's own timeout, so a turn
/// still running is never run a second time; a worker that died frees it after this.
pub const LEASE: Duration = Duration::minutes(4);

/// What became of an `SmsTurn` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replied {
    /// The turn ran and its reply is queued.
    Replied,
    /// Replied before: this was a duplicate.
    AlreadyDone,
    /// Another worker holds the turn: deliver the message again later.
    Busy,
    /// No such message (expired, or its user is gone): nothing to do.
    Gone,
}

pub const MODEL_DOWN: &str = "Sorry, I can't think straight right now: my language model isn't \
     answering. Please try again in a few minutes.";

pub async fn reply(
    p: &Ports,
    agent: &Agent,
    max_parts: usize,
    owner: UserId,
    sid: &MessageSid,
) -> Result<Replied, DomainError> {
    let Some(mut rec) = p.inbound.get_inbound(sid).await? else { return Ok(Replied::Gone) };
    if rec.user_id != Some(owner) || rec.route != Route::Agent {
        return Ok(Replied::Gone);
    }
    let now = p.clock.now();
    match rec.turn {
        Some(TurnState::Replied { .. }) => return Ok(Replied::AlreadyDone),
        Some(TurnState::Running { until }) if until > now => return Ok(Replied::Busy),
        _ => {}
    }
    // Take the turn: of two deliveries at once, one runs it and the other comes back later.
    let read = rec.version;
    rec.turn = Some(TurnState::Running { until: now + LEASE });
    // Taken off the queue, so queued: the webhook's own mark may not have landed yet.
    rec.status = InboundStatus::Answered;
    rec.updated_at = now;
    rec.version = read + 1;
    match p.inbound.replace_inbound(&rec, read).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(Replied::Busy),
        Err(StoreError::NotFound) => return Ok(Replied::Gone),
        Err(e) => return Err(e.into()),
    }
    let id = NotificationId::for_reply(sid, rec.received_at);
    // A worker that stopped after queueing the reply must not run the turn again.
    if p.notifications.get_notification(&owner, &id).await?.is_none() {
        let request = TurnRequest {
            message: rec.analysis.text.clone(),
            conversation_id: None,
            channel: ConversationChannel::Sms,
        };
        let text = match agent::run_turn(p, agent, owner, request).await {
            Ok(outcome) => outcome.reply,
            // The daily budget, a message too long: the user is told why, as the API would.
            Err(DomainError::RateLimited(why)) => why,
            Err(DomainError::Validation(why)) => format!("I couldn't take that message: {}.", why.message),
            Err(DomainError::Unavailable(_)) => MODEL_DOWN.into(),
            Err(DomainError::NotFound("user")) => return Ok(Replied::Gone),
            Err(e) => return Err(e),
        };
        let text = fit(&text, max_parts);
        let n = Notification::queued(id, owner, FireKind::Reply, Channel::Sms, text, p.clock.now());
        p.notifications.insert_notification(&n).await?;
    }
    p.queue.enqueue(&NotifyMessage { user_id: owner, notification_id: id }).await?;
    let read = rec.version;
    rec.turn = Some(TurnState::Replied { notification_id: id });
    rec.updated_at = p.clock.now();
    rec.version = read + 1;
    match p.inbound.replace_inbound(&rec, read).await {
        Ok(()) | Err(StoreError::Conflict(_)) | Err(StoreError::NotFound) => Ok(Replied::Replied),
        Err(e) => Err(e.into()),
    }
}
