//! Remembering facts, recalling and forgetting them.

use super::{Msg, Plan, one, say};
use crate::calls;
use crate::extract::{ARTICLES, Span};
use crate::talk;
use crate::when;

/// "forget my locker code", "forget what i said about the wifi".
pub(super) fn forget(m: Msg) -> Option<Plan> {
    const FORGET: &[&str] = &[
        "forget",
        "forget about",
        "forget that",
        "forget what i said about",
        "forget what i told you about",
        "forget everything about",
        "stop remembering",
        "unremember",
    ];
    let (_, r) = m.u.after_any(FORGET)?;
    if r.starts_with("to") {
        return None;
    }
    let q = r.strip_leading(&["about", "of", "that"]).strip_leading(ARTICLES);
    (!q.is_empty()).then(|| Plan::Calls(vec![calls::forget(&q.text())]))
}

/// Whether words state a fact ("i'm allergic to penicillin", "my locker is 4411") rather than
/// name a thing to do or to be reminded of ("the milk").
fn statement(s: Span) -> bool {
    const STATING: &[&str] = &[
        "is", "are", "was", "were", "am", "i'm", "has", "have", "i've", "it's", "that's", "there's", "he's",
        "she's", "we're", "they're", "can't", "don't", "doesn't", "likes", "hates", "lives", "works", "uses",
        "needs",
    ];
    !s.starts_with("to") && (s.has_any(STATING) || s.low.contains(|c: char| c.is_ascii_digit()))
}

/// Said before a fact to keep, whatever follows.
const FACT_OPENERS: &[&str] = &[
    "remember that",
    "remember:",
    "please remember that",
    "remember this",
    "note that",
    "note:",
    "note",
    "make a note that",
    "make a note of",
    "make a note:",
    "make a note",
    "add a note that",
    "add a note",
    "take a note",
    "take note that",
    "take note",
    "note to self",
    "save this",
    "save that",
    "fyi",
    "for your information",
    "for the record",
    "so you know",
    "just so you know",
    "keep in mind that",
    "keep in mind",
    "don't forget that",
    "do not forget that",
    "write down that",
    "write down",
    "jot down",
    "learn that",
    "memorize",
    "memorise",
    "memorize that",
    "i want you to remember",
    "i want you to remember that",
];

/// "remember that my locker code is 4411", "note: wifi password is hunter2", "don't forget i'm
/// allergic to penicillin" (no time, so a fact, not a reminder).
pub(super) fn remember(m: Msg) -> Option<Plan> {
    let u = m.u;
    let content = if let Some((_, r)) = u.after_any(FACT_OPENERS) {
        r
    } else if let Some((_, r)) = u.after_any(&["remember", "don't forget", "do not forget", "save"]) {
        // "remember to…", "don't forget the dentist at 3" and "don't forget the milk" are
        // reminders; "remember?" asks.
        if !statement(r) || m.question || when::find(r.orig, m.ctx).is_some() {
            return None;
        }
        r
    } else if u.starts_with("my")
        && u.has_any(&["is", "are"])
        && !m.question
        && when::find(u.orig, m.ctx).is_none()
    {
        // A fact stated plainly: "my locker code is 4411".
        u
    } else {
        return None;
    };
    if content.is_empty() {
        return say(talk::remember_what());
    }
    one(calls::remember(&content.text()))
}

/// "what's my locker code", "what do you know about my meds", "do you remember my wifi
/// password", "remind me what my locker code is".
pub(super) fn recall(m: Msg) -> Option<Plan> {
    const RECALL: &[&str] = &[
        "what do you know about",
        "what do you remember about",
        "what did i tell you about",
        "what did i say about",
        "do you remember",
        "do you know",
        "remind me what",
        "remind me where",
        "remind me who",
        "remind me when",
        "what's my",
        "what is my",
        "what was my",
        "what are my",
        "what were my",
        "what's the",
        "what is the",
        "what was the",
        "where is my",
        "where's my",
        "where are my",
        "where is the",
        "where's the",
        "where did i put",
        "where did i leave",
        "where did i",
        "who is my",
        "who's my",
        "when is my",
        "when's my",
        "when is the",
        "tell me my",
        "tell me about",
        "recall",
        "look up",
        "search for",
        "search my notes for",
        "search my memories for",
        "what's our",
        "what is our",
        "how much is my",
    ];
    let (opener, r) = m.u.after_any(RECALL)?;
    if opener.starts_with("remind me") && when::find(r.orig, m.ctx).is_some() {
        return None;
    }
    let q = r.strip_leading(&["about", "my", "the", "a", "an", "our"]).strip_trailing(&[
        "is",
        "was",
        "are",
        "were",
        "again",
        "is again",
        "was again",
    ]);
    (!q.is_empty()).then(|| Plan::Calls(vec![calls::recall(&q.text())]))
}
