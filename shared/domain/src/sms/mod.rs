//! The SMS channel: what an inbound text says ([`text`]), the record that makes a redelivered
//! webhook a duplicate ([`inbound`]), what the webhook does with it ([`receive`](mod@receive)),
//! the agent worker's answer ([`reply`](mod@reply)), and how a reply fits in SMS segments
//! ([`segments`]).

pub mod inbound;
pub mod receive;
pub mod reply;
pub mod segments;
pub mod text;

pub use inbound::{InboundSms, InboundStatus, MessageSid, Route, TurnState};
pub use receive::{Answer, Incoming, RateLimit, SmsSettings, receive};
