//! Small talk, fixed answers and the time: messages whose whole text says what they are.

use super::{Msg, Plan, say};
use crate::calls;
use crate::extract::Span;
use crate::talk;

const GREET_WORDS: &[&str] = &[
    "hi",
    "hey",
    "hello",
    "hiya",
    "heya",
    "howdy",
    "yo",
    "sup",
    "wassup",
    "gm",
    "morning",
    "afternoon",
    "evening",
    "what's",
];
const THANK_WORDS: &[&str] =
    &["thanks", "thank", "ty", "tysm", "thx", "cheers", "appreciate", "appreciated", "thankyou"];
const BYE_WORDS: &[&str] = &["bye", "goodbye", "night", "gn", "ttyl", "cya", "later"];
const OTHER_SMALL_WORDS: &[&str] = &[
    "you",
    "so",
    "much",
    "a",
    "lot",
    "lots",
    "it",
    "very",
    "ok",
    "okay",
    "k",
    "kk",
    "cool",
    "great",
    "nice",
    "perfect",
    "awesome",
    "sounds",
    "good",
    "got",
    "alright",
    "sure",
    "yes",
    "yep",
    "yeah",
    "yup",
    "no",
    "nope",
    "nah",
    "lol",
    "haha",
    "fine",
    "will",
    "do",
    "noted",
    "understood",
    "amazing",
    "sweet",
    "there",
    "nudge",
    "up",
    "how",
    "are",
    "doing",
    "how's",
    "going",
    "oh",
    "all",
    "right",
    "again",
    "see",
    "excellent",
    "wonderful",
    "brilliant",
    "love",
];

/// A message made only of greetings, thanks and acknowledgements.
pub(super) fn small_talk(s: Span) -> Option<Plan> {
    let words = s.words();
    let known = |w: &&str| {
        GREET_WORDS.contains(w)
            || THANK_WORDS.contains(w)
            || BYE_WORDS.contains(w)
            || OTHER_SMALL_WORDS.contains(w)
    };
    if words.is_empty() || !words.iter().all(known) {
        return None;
    }
    // "later" alone is a snooze; "see you later" is a goodbye.
    if s.is_any(&["later", "later then"]) {
        return None;
    }
    let any = |set: &[&str]| words.iter().any(|w| set.contains(w));
    Some(Plan::Say(if any(THANK_WORDS) {
        talk::thanks()
    } else if any(&["how", "how's"]) && any(&["you", "going", "doing"]) {
        talk::how_are_you()
    } else if any(BYE_WORDS) || s.is_any(&["see you", "see ya"]) {
        "Talk soon! I'm here whenever you need me.".to_owned()
    } else if any(GREET_WORDS) || s.has("you there") {
        talk::greeting()
    } else {
        talk::ack()
    }))
}

const HELP: &[&str] = &[
    "help",
    "what can you do",
    "what do you do",
    "what else can you do",
    "how does this work",
    "how do i use this",
    "how do i use you",
    "how do you work",
    "commands",
    "menu",
    "options",
    "examples",
    "info",
    "instructions",
    "what can i say",
    "what can i ask",
    "what can i ask you",
    "what are you",
    "who are you",
    "i need help",
    "what do you understand",
    "what can you help with",
    "what can you help me with",
    "how can you help",
    "how can you help me",
];

const BARE_DONE: &[&str] = &[
    "done",
    "did it",
    "i did it",
    "finished",
    "all done",
    "completed",
    "complete",
    "i'm done",
    "done it",
    "got it done",
    "did that",
    "it's done",
    "its done",
    "done with it",
    "finished it",
    "i finished it",
    "i've done it",
    "i'm finished",
    "yes done",
    "done now",
    "it is done",
    "i did that",
    "all finished",
    "finally done",
];

const NEVER_MIND: &[&str] = &[
    "never mind",
    "nevermind",
    "nvm",
    "forget it",
    "forget that",
    "forget about it",
    "no thanks",
    "nothing",
    "don't worry about it",
    "stop",
    "ignore that",
];

const UNDO: &[&str] = &[
    "undo",
    "undo that",
    "cancel that",
    "cancel it",
    "cancel",
    "delete that",
    "delete it",
    "remove that",
    "remove it",
    "scratch that",
    "take that back",
    "cancel that reminder",
    "delete that reminder",
    "cancel the last one",
];

/// Whole messages with a fixed answer: help, a bare "done", "never mind", "undo".
pub(super) fn canned(m: Msg) -> Option<Plan> {
    let u = m.u;
    // "help me remember to…" asks for a reminder, not for help.
    let help_asked =
        (u.starts_with("help") && !u.starts_with("help me remember")) || u.starts_with("i need help");
    if u.is_any(HELP) || help_asked {
        return say(talk::help());
    }
    if u.is_any(&["done for the day", "done for today", "i'm done for the day", "i'm done for today"]) {
        return say("Nice work today. Rest up!".to_owned());
    }
    if u.is_any(BARE_DONE) {
        return say(talk::done_what());
    }
    if u.is_any(NEVER_MIND) {
        return say(talk::never_mind());
    }
    if u.is_any(UNDO) {
        return Some(Plan::Undo);
    }
    None
}

// ---- the time ---------------------------------------------------------------------------------

const TIME_QUESTIONS: &[&str] = &[
    "what time is it",
    "what time is it now",
    "what's the time",
    "what's the time now",
    "what is the time",
    "time",
    "the time",
    "time now",
    "current time",
    "do you know what time it is",
    "what time",
    "what day is it",
    "what day is it today",
    "what day is today",
    "what's the day",
    "what's the date",
    "what's the date today",
    "what is the date",
    "what is today's date",
    "what's today's date",
    "today's date",
    "what date is it",
    "date",
    "what's today",
    "what is today",
];

pub(super) fn current_time(m: Msg) -> Option<Plan> {
    m.u.is_any(TIME_QUESTIONS).then(|| Plan::Calls(vec![calls::current_time()]))
}
