//! The lines said without any tool: greetings, thanks, help, questions back, and "I didn't
//! catch that". Short enough for one SMS, kind, and never a lecture.

/// What the brain shows when asked for help or when it did not understand.
pub(crate) const EXAMPLES: &str = "- remind me to take my meds at 9pm\n\
- add buy milk\n\
- what's on today\n\
- done with laundry\n\
- remember that my locker code is 4411";

pub(crate) fn greeting() -> String {
    "Hi! What can I help you keep track of? Try \"remind me to stretch in 20 minutes\" or \"add buy milk\"."
        .to_owned()
}

pub(crate) fn how_are_you() -> String {
    "Doing well, thanks for asking! What can I help you keep track of today?".to_owned()
}

pub(crate) fn thanks() -> String {
    "Anytime! I'm here if you need anything else.".to_owned()
}

pub(crate) fn ack() -> String {
    "Okay! Just text me whenever you need something.".to_owned()
}

pub(crate) fn never_mind() -> String {
    "No problem, nothing changed.".to_owned()
}

pub(crate) fn help() -> String {
    format!(
        "I keep your tasks, reminders and notes. Some examples of what I understand:\n{EXAMPLES}\n\
         Also: \"my tasks\", \"my reminders\", \"snooze 10\", \"cancel the meds reminder\", \"what's on my \
         calendar\"."
    )
}

pub(crate) fn not_understood() -> String {
    format!("Sorry, I didn't quite get that. Here are some examples of what I understand:\n{EXAMPLES}")
}

/// Bare "done": done with what? (The SMS channel answers "DONE" to a reminder before it gets here.)
pub(crate) fn done_what() -> String {
    "Nice work! What did you finish? Tell me like \"done with laundry\" and I'll check it off.".to_owned()
}

/// The opening of the question asked when a reminder has no time; the next message is read as
/// its answer when the assistant's last words start with it.
pub(crate) const ASK_WHEN: &str = "When should I remind you";

/// The same for a reminder with a time but nothing to be reminded of.
pub(crate) const ASK_WHAT: &str = "What should I remind you about";

pub(crate) fn ask_when(subject_for_you: &str) -> String {
    format!("{ASK_WHEN} {subject_for_you}? E.g. \"at 5pm\", \"tomorrow morning\" or \"in 20 minutes\".")
}

pub(crate) fn ask_what(when: &str) -> String {
    format!("{ASK_WHAT} {when}?")
}

pub(crate) fn ask_what_and_when() -> String {
    "Sure! What should I remind you about, and when? E.g. \"remind me to stretch in 20 minutes\".".to_owned()
}

/// The opening of the offer made for a bare thing to do ("buy milk"); a "yes" to it adds it.
pub(crate) const OFFER_ADD: &str = "Want me to add";

pub(crate) fn offer_task(title: &str) -> String {
    format!(
        "{OFFER_ADD} \"{title}\" to your list? Say yes, or e.g. \"remind me to {title} at 5pm\" for a reminder."
    )
}

pub(crate) fn add_what() -> String {
    "What should I add? E.g. \"add buy milk\".".to_owned()
}

pub(crate) fn remember_what() -> String {
    "What should I remember? E.g. \"remember that my locker code is 4411\".".to_owned()
}

pub(crate) fn which_reminder() -> String {
    "Which reminder? Say e.g. \"cancel the meds reminder\", or \"my reminders\" to see them all.".to_owned()
}

pub(crate) fn one_reminder_at_a_time() -> String {
    "I can cancel reminders one at a time. Say \"my reminders\" to see them, then e.g. \"cancel the meds reminder\".".to_owned()
}

pub(crate) fn no_task_deletion() -> String {
    "I can't delete tasks, but I can check one off: say e.g. \"done with laundry\".".to_owned()
}

pub(crate) fn no_reminder_moves() -> String {
    "I can't move a reminder yet. Cancel it and set a new one, e.g. \"cancel the meds reminder\" then \"remind me to take my meds at 10pm\".".to_owned()
}

pub(crate) fn nothing_to_undo() -> String {
    "There's nothing I just did to undo. Say \"my reminders\" or \"my tasks\" to see what's there.".to_owned()
}

pub(crate) fn when_unclear() -> String {
    "I couldn't tell when you mean. Try e.g. \"friday at 3pm\", \"tomorrow\" or \"in 2 hours\".".to_owned()
}

pub(crate) fn snooze_too_long() -> String {
    "I can snooze for up to a week at a time.".to_owned()
}

/// The opening of the question asked when an email names no address; the next message is read
/// as its answer when it holds an address.
pub(crate) const ASK_EMAIL_ADDRESS: &str = "What's the email address";

/// The same for an email with an address but nothing to say.
pub(crate) const ASK_EMAIL_BODY: &str = "What should the email to";

/// `name` said from the user's side: "your boss".
pub(crate) fn ask_email_address(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{ASK_EMAIL_ADDRESS} for {name}?"),
        None => format!("{ASK_EMAIL_ADDRESS} I should send it to?"),
    }
}

pub(crate) fn ask_email_body(to: &str) -> String {
    format!("{ASK_EMAIL_BODY} {to} say?")
}

/// "undo" right after an email was asked to be sent: it has not gone, and needs no undoing.
pub(crate) fn email_not_sent(code: Option<&str>) -> String {
    match code {
        Some(code) => {
            format!("Nothing has been sent: it only goes if you say yes. To drop it now, reply NO {code}.")
        }
        None => "Nothing has been sent: it only goes if you say yes.".to_owned(),
    }
}

/// The same for an event, a page or a playlist item waiting for a yes.
pub(crate) fn nothing_added(code: Option<&str>) -> String {
    match code {
        Some(code) => {
            format!(
                "Nothing has been added: it only happens if you say yes. To drop it now, reply NO {code}."
            )
        }
        None => "Nothing has been added: it only happens if you say yes.".to_owned(),
    }
}

/// The opening of the question asked when an event to add has no time; the next message is read
/// as its answer.
pub(crate) const ASK_EVENT_WHEN: &str = "When should I put";

pub(crate) fn ask_event_when(title: &str) -> String {
    format!("{ASK_EVENT_WHEN} \"{title}\" on your calendar? E.g. \"friday at 3pm\" or \"tomorrow at 10am\".")
}

pub(crate) fn event_what() -> String {
    "What should I add to your calendar? E.g. \"add dentist to my calendar friday at 3pm\".".to_owned()
}

pub(crate) fn no_repeating_events() -> String {
    "I can only add one-off events to your calendar. Try e.g. \"add standup to my calendar tomorrow at 9am\", \
     or I can set a repeating reminder instead."
        .to_owned()
}

pub(crate) fn how_to_connect() -> String {
    "You connect your accounts (Google or Microsoft for your calendar, Notion, YouTube) in Nudge itself, \
     not by text. Once one is connected, ask me e.g. \"what's on my calendar today\"."
        .to_owned()
}

pub(crate) fn ask_notion_query() -> String {
    "What should I look for in your Notion? E.g. \"search notion for trip plans\".".to_owned()
}

pub(crate) fn ask_youtube_query() -> String {
    "What should I look for on YouTube? E.g. \"find youtube videos about sourdough\".".to_owned()
}

pub(crate) fn not_available() -> String {
    "Sorry, I can't do that here right now.".to_owned()
}
