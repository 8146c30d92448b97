//! The record of an inbound SMS: what arrived, what the processor made of it, where it went,
//! and what the webhook answered, so that Twilio's redelivery of the same `MessageSid` gets the
//! same answer and causes nothing twice.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{NotificationId, PhoneNumber, UserId, ValidationError, sms::text::Analysis};

/// How long an inbound record is kept: long past any redelivery, short enough that message
/// bodies do not outlive their use (the conversation keeps what the agent saw).
pub const KEEP_FOR: Duration = Duration::days(30);

/// Twilio's id of a message: two letters (`SM`, `MM`) and 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageSid(String);

impl MessageSid {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let ok = raw.len() == 34
            && raw.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
            && raw.as_bytes()[2..].iter().all(u8::is_ascii_hexdigit);
        if !ok {
            return Err(ValidationError::new(
                "MessageSid",
                "must be a Twilio message SID (SM and 32 hex digits)",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageSid {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<MessageSid> for String {
    fn from(s: MessageSid) -> Self {
        s.0
    }
}
impl fmt::Display for MessageSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Recorded; not decided yet (a webhook still at work, or one that stopped midway).
    Pending,
    /// From a number no user has.
    UnknownSender,
    /// Over the per-phone or per-user limit: recorded, not processed.
    RateLimited,
    /// From a user who replied STOP: recorded, not processed, nothing sent.
    OptedOut,
    /// STOP, START or HELP.
    Keyword,
    /// `/help`, `!status`, `:info`, `/clear`, or an unknown one.
    Command,
    /// DONE or SNOOZE, answered for the reminder that fired last.
    QuickReply,
    /// YES / NO with an approval's code.
    Decision,
    /// Scored as spam: recorded, not sent to the agent.
    Spam,
    /// Nothing to read (an empty body, a picture alone).
    Empty,
    /// Queued for the agent; the reply comes through the notifier.
    Agent,
}

/// Whether the webhook has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    Received,
    Answered,
}

/// The agent's work on a message routed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TurnState {
    Queued,
    /// A worker holds it until `until`; a second delivery meanwhile waits.
    Running {
        until: DateTime<Utc>,
    },
    /// The reply is queued as this notification.
    Replied {
        notification_id: NotificationId,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundSms {
    pub sid: MessageSid,
    pub from: PhoneNumber,
    /// Where the webhook came from (Twilio), for the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The Nudge number it was sent to.
    pub to: String,
    pub user_id: Option<UserId>,
    /// As it arrived.
    pub body: String,
    pub analysis: Analysis,
    pub route: Route,
    pub status: InboundStatus,
    /// What the webhook answered (`None`: an empty TwiML response).
    pub answer: Option<String>,
    pub turn: Option<TurnState>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the store may forget it.
    pub expires_at: DateTime<Utc>,
    pub version: u64,
}

impl NotificationId {
    /// The id of the reply to an inbound SMS: the same message gives the same id, so a reply
    /// is queued once however often its turn runs; it sorts by the message's arrival (UUIDv7).
    pub fn for_reply(sid: &MessageSid, received_at: DateTime<Utc>) -> Self {
        Self::named(&format!("sms-reply/{sid}"), received_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_twilio_shaped() {
        assert!(MessageSid::parse("SM0a1b2c3d4e5f60718293a4b5c6d7e8f9").is_ok());
        assert!(MessageSid::parse("MM11111111111111111111111111111111").is_ok());
        for bad in ["", "SM123", "sm0a1b2c3d4e5f60718293a4b5c6d7e8f9", "SM0a1b2c3d4e5f60718293a4b5c6d7e8fz"] {
            assert!(MessageSid::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_reply_id_is_the_same_for_the_same_message() {
        let sid = MessageSid::parse("SM0a1b2c3d4e5f60718293a4b5c6d7e8f9").unwrap();
        let other = MessageSid::parse("SM11111111111111111111111111111111").unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().to_utc();
        assert_eq!(NotificationId::for_reply(&sid, at), NotificationId::for_reply(&sid, at));
        assert_ne!(NotificationId::for_reply(&sid, at), NotificationId::for_reply(&other, at));
    }
}
