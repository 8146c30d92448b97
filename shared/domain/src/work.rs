//! The `agent` queue's work, as `agent-worker` and the local stack both do it.

use crate::{
    Agent, AgentMessage, DomainError, Ports, approvals, learn,
    sms::{self, reply::Replied},
};

/// What one message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Worked {
    Learned(learn::Learned),
    Sms(Replied),
    Approval(approvals::Executed),
}

impl Worked {
    /// Whether the message must come back later (another worker holds its turn).
    pub fn retry(&self) -> bool {
        matches!(self, Worked::Sms(Replied::Busy))
    }
}

/// Does what an `agent` queue message asks; every kind is idempotent.
pub async fn process(
    p: &Ports,
    agent: &Agent,
    sms: &sms::SmsSettings,
    m: &AgentMessage,
) -> Result<Worked, DomainError> {
    Ok(match m {
        AgentMessage::Learn { user_id, conversation_id, message_id } => {
            Worked::Learned(learn::learn(p, agent, *user_id, *conversation_id, *message_id).await?)
        }
        AgentMessage::SmsTurn { user_id, sid } => {
            Worked::Sms(sms::reply::reply(p, agent, sms.max_parts, *user_id, sid).await?)
        }
        AgentMessage::ExecuteApproval { user_id, approval_id } => {
            Worked::Approval(approvals::execute(p, *user_id, *approval_id).await?)
        }
    })
}
