//! Emailing someone: "email sam@example.com that I'm running late", "send an email to
//! sam@example.com saying I'll be late", "mail sam@example.com about the meeting: moved to 3pm".
//! `send_email` sends nothing itself: it asks the user to approve the email first.
//!
//! The request must open the message: "remind me to email sam@…" is a reminder and "add answer
//! Sam's email" a task. It is read as typed, not spelled out as the other intents read it, so
//! the body keeps the user's words ("running 10 min late" stays so) and its punctuation. An
//! email to a name without an address ("email Sam that I'm late") asks for the address, and an
//! address with nothing to say asks what to say; the next message answers ([`crate::turn`]).
//! "email the landlord" alone says nothing to send, and is left to the other intents (a task);
//! so is an email with a time before what it says ("email mom tomorrow that…"): there is no
//! sending later, so that is a reminder.

use super::{Msg, Plan};
use crate::calls::{self, SEND_EMAIL};
use crate::extract::{LEADING_FILLER, Span, Text};
use crate::reply::you;
use crate::talk;
use crate::when::{self, Ctx};

/// What an email request says. What is missing is asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Email {
    pub to: Option<String>,
    /// Who it is for when no address is given: "Sam", "my boss".
    pub name: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
}

impl Email {
    pub fn plan(self) -> Plan {
        let ask = |question| Plan::Ask { tool: SEND_EMAIL, question };
        match (self.to, self.body) {
            (Some(to), Some(body)) => {
                Plan::Calls(vec![calls::send_email(&to, self.subject.as_deref(), &body)])
            }
            (None, _) => ask(talk::ask_email_address(self.name.as_deref().map(you).as_deref())),
            (Some(to), None) => ask(talk::ask_email_body(&to)),
        }
    }
}

/// The intent.
pub(super) fn send_email(m: Msg) -> Option<Plan> {
    read(m.raw, m.ctx).map(Email::plan)
}

/// Ways of asking, and whether each stands without an address ("email Sam that…"); "mail",
/// "send", "tell" and the like are about an email only when an address follows.
const OPENERS: &[(&str, bool)] = &[
    ("email", true),
    ("e-mail", true),
    ("send an email to", true),
    ("send a email to", true),
    ("send email to", true),
    ("send an e-mail to", true),
    ("send a quick email to", true),
    ("send a mail to", true),
    ("write an email to", true),
    ("write a quick email to", true),
    ("shoot an email to", true),
    ("drop an email to", true),
    ("fire off an email to", true),
    ("mail", false),
    ("send", false),
    ("write", false),
    ("write to", false),
    ("shoot", false),
    ("drop", false),
    ("tell", false),
    ("let", false),
];

/// SMS spellings of the fillers: the message is read as typed here.
const SMS_FILLER: &[&str] = &["pls", "plz", "can u", "could u", "can u pls", "could u pls", "would u"];

/// What stands between the address and what it says: "send sam@… *an email* saying…".
const EMAIL_NOUNS: &[&str] = &[
    "an email",
    "a email",
    "an e-mail",
    "a quick email",
    "a short email",
    "a mail",
    "a note",
    "a quick note",
    "a line",
    "a quick line",
    "a message",
    "real quick",
    "quickly",
    "for me",
];

/// How the words to send are said after "email someone": as they are, as a request ("tell him
/// to call me" → "Please call me"), or as a question ("ask her to send it" → "Could you send
/// it?").
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Say,
    Please,
    Ask,
}

/// The words that start what to send, and how it is said. Whole words, first in the message wins.
const SEPARATORS: &[(&str, Mode)] = &[
    ("that", Mode::Say),
    ("saying", Mode::Say),
    ("saying that", Mode::Say),
    ("which says", Mode::Say),
    ("to say", Mode::Say),
    ("to say that", Mode::Say),
    ("and say", Mode::Say),
    ("and say that", Mode::Say),
    ("know", Mode::Say),
    ("know that", Mode::Say),
    ("with the message", Mode::Say),
    ("with message", Mode::Say),
    ("with the text", Mode::Say),
    ("and tell him", Mode::Say),
    ("and tell her", Mode::Say),
    ("and tell them", Mode::Say),
    ("and tell him that", Mode::Say),
    ("and tell her that", Mode::Say),
    ("and tell them that", Mode::Say),
    ("to tell him", Mode::Say),
    ("to tell her", Mode::Say),
    ("to tell them", Mode::Say),
    ("to tell him that", Mode::Say),
    ("to tell her that", Mode::Say),
    ("to tell them that", Mode::Say),
    ("telling him", Mode::Say),
    ("telling her", Mode::Say),
    ("telling them", Mode::Say),
    ("telling him that", Mode::Say),
    ("telling her that", Mode::Say),
    ("telling them that", Mode::Say),
    ("and let him know", Mode::Say),
    ("and let her know", Mode::Say),
    ("and let them know", Mode::Say),
    ("and let him know that", Mode::Say),
    ("and let her know that", Mode::Say),
    ("and let them know that", Mode::Say),
    ("to let him know", Mode::Say),
    ("to let her know", Mode::Say),
    ("to let them know", Mode::Say),
    ("to let him know that", Mode::Say),
    ("to let her know that", Mode::Say),
    ("to let them know that", Mode::Say),
    ("letting him know", Mode::Say),
    ("letting her know", Mode::Say),
    ("letting them know", Mode::Say),
    ("letting him know that", Mode::Say),
    ("letting her know that", Mode::Say),
    ("letting them know that", Mode::Say),
    ("and tell him to", Mode::Please),
    ("and tell her to", Mode::Please),
    ("and tell them to", Mode::Please),
    ("to tell him to", Mode::Please),
    ("to tell her to", Mode::Please),
    ("to tell them to", Mode::Please),
    ("telling him to", Mode::Please),
    ("telling her to", Mode::Please),
    ("telling them to", Mode::Please),
    ("and ask him to", Mode::Ask),
    ("and ask her to", Mode::Ask),
    ("and ask them to", Mode::Ask),
    ("to ask him to", Mode::Ask),
    ("to ask her to", Mode::Ask),
    ("to ask them to", Mode::Ask),
    ("asking him to", Mode::Ask),
    ("asking her to", Mode::Ask),
    ("asking them to", Mode::Ask),
    (": ", Mode::Say),
    (" - ", Mode::Say),
    (" – ", Mode::Say),
    (" — ", Mode::Say),
];

/// Openers of a subject: "about the meeting:", "subject: lunch,".
const SUBJECTS: &[&str] = &[
    "about",
    "abt",
    "re",
    "re:",
    "regarding",
    "subject",
    "subject line",
    "with subject",
    "with the subject",
    "with subject line",
    "with the subject line",
    "titled",
    "with the title",
];

/// Words that end a subject and start the body, besides the separators: "subject: lunch, see
/// you at 1".
const SUBJECT_ENDS: &[&str] = &[", "];

/// Words that end a request rather than belong to the email: "…I'm late, thanks".
const TRAILING: &[&str] = &["please", "pls", "plz", "thanks", "thank you", "thx"];

/// Words a request to the recipient starts with, whose "please" and "thanks" are theirs.
const REQUESTS: &[&str] = &["can", "could", "would", "will", "please", "pls", "plz", "kindly"];

fn separators() -> Vec<&'static str> {
    SEPARATORS.iter().map(|(p, _)| *p).collect()
}

fn mode_of(phrase: &str) -> Mode {
    SEPARATORS.iter().find(|(p, _)| *p == phrase).map_or(Mode::Say, |(_, m)| *m)
}

/// The message as this intent reads it: as typed, but for caps lock and curly quotes.
fn prepare(message: &str) -> String {
    let shouted = message.chars().any(char::is_alphabetic) && !message.chars().any(char::is_lowercase);
    let message = if shouted { message.to_lowercase() } else { message.to_owned() };
    let message = message.replace(['’', '‘'], "'").replace(['“', '”'], "\"");
    // An emoji or a bullet before the words ("📧 email sam@…").
    message
        .trim_start_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '"' | '\'' | '@' | '(')))
        .to_owned()
}

/// Reads an email request from a message as typed; `None` when it is no email request.
pub(crate) fn read(message: &str, ctx: &Ctx) -> Option<Email> {
    let t = Text::new(&prepare(message));
    let whole = t.span();
    let mut u = whole.after("nudge,").or_else(|| whole.after("nudge:")).unwrap_or(whole);
    loop {
        let next = u.strip_leading(LEADING_FILLER).strip_leading(SMS_FILLER);
        if next.low.len() == u.low.len() {
            break;
        }
        u = next;
    }
    let openers: Vec<&'static str> = OPENERS.iter().map(|(o, _)| *o).collect();
    let (opener, head) = u.after_any(&openers)?;
    let standalone = OPENERS.iter().any(|(o, alone)| *o == opener && *alone);
    let seps = separators();
    let sep = head.find_any(&seps);
    let address = address_in(head.orig).filter(|(at, _)| sep.is_none_or(|(s, _)| *at < s));
    match address {
        Some((at, end)) => to_address(&t, head, at, end, standalone, ctx),
        None if standalone => to_name(&t, head, ctx),
        None => None,
    }
}

/// "email [Sam at] sam@example.com [an email] [about X:] [that] …".
fn to_address(t: &Text, head: Span, at: usize, end: usize, standalone: bool, ctx: &Ctx) -> Option<Email> {
    let before = head.until(at);
    let name_ok = before.is_empty()
        || (before.words().len() <= 4
            && !has_time(before.orig, ctx)
            && !before.has_any(&["me", "myself", "us", "email", "mail", "remind", "reminder"])
            && (standalone || ["at", "<", "(", "on", "via", ","].iter().any(|w| before.low.ends_with(w))));
    if !name_ok {
        return None;
    }
    let to = head.orig[at..end].to_owned();
    let after_at = t.offset(head) + end;
    let rest = &t.full()[after_at..];
    let closed = rest.trim_start_matches(['>', ')', ']']);
    // "sam@example.com: running late", "<sam@example.com>, running late"
    let punct = closed.trim_start();
    let end_of = |rest: &str| t.full().len() - rest.len();
    // "sam@example.com, subject: lunch, see you at 1" goes on as if the comma were not there.
    let closed = match punct.strip_prefix([',', ';']) {
        Some(rest) => rest,
        None => closed,
    };
    if let Some(said) = punct.strip_prefix([':', '-', '–', '—', '.']) {
        return Some(Email { to: Some(to), body: body(said, Mode::Say), ..Default::default() });
    }
    let r = t.slice(end_of(closed), t.full().len()).trim().strip_leading(EMAIL_NOUNS);
    let mut email = said(t, r, ctx)?;
    email.to = Some(to);
    Some(email)
}

/// "email Sam [about X:] that …": no address, so it will be asked for.
fn to_name(t: &Text, head: Span, ctx: &Ctx) -> Option<Email> {
    let seps = separators();
    let (sep_at, _) = head.find_any(&seps)?;
    let subject_at = head.find_any(SUBJECTS).map(|(at, _)| at).filter(|at| *at < sep_at);
    let name = head.until(subject_at.unwrap_or(sep_at)).strip_leading(&["to"]);
    let ok = !name.is_empty()
        && name.words().len() <= 4
        && !has_time(name.orig, ctx)
        && !name.has_any(&["me", "myself", "us", "it", "this", "that"]);
    if !ok {
        return None;
    }
    let mut email = said(t, head.from(subject_at.unwrap_or(sep_at)), ctx)?;
    email.body.as_ref()?;
    email.name = Some(name.text());
    Some(email)
}

/// What follows who it is for: a subject, then what to say after a separator, or just what to
/// say. `None` when it is about a time instead ("email sam@… tomorrow").
fn said(t: &Text, r: Span, ctx: &Ctx) -> Option<Email> {
    let seps = separators();
    if r.is_empty() {
        return Some(Email::default());
    }
    if let Some((_, s)) = r.after_any(SUBJECTS) {
        // The subject ends at a colon, a separator or a comma; all of it when nothing follows.
        let end = s.find_any(&[": "]).or_else(|| s.find_any(&seps)).or_else(|| s.find_any(SUBJECT_ENDS));
        return Some(match end {
            Some((at, phrase)) => Email {
                subject: subject(s.until(at)),
                body: body(&t.full()[t.offset(s) + at + phrase.len()..], mode_of(phrase)),
                ..Default::default()
            },
            None => Email { subject: subject(s), ..Default::default() },
        });
    }
    if let Some((phrase, _)) = r.after_any(&seps) {
        return Some(Email {
            body: body(&t.full()[t.offset(r) + phrase.len()..], mode_of(phrase)),
            ..Default::default()
        });
    }
    // "email sam@… tomorrow (that I'm late)": not now, so a reminder to.
    let (first, _) = r.find_any(&seps).unwrap_or((r.low.len(), ""));
    if has_time(r.until(first).orig, ctx) && when_only(r.until(first).orig, ctx) {
        return None;
    }
    // "email sam@… to confirm the meeting", "…and ask her if she's free": what it is for, not
    // what it says; asked.
    if r.starts_with("to") || r.starts_with("and") {
        return Some(Email::default());
    }
    Some(Email { body: body(&t.full()[t.offset(r)..], Mode::Say), ..Default::default() })
}

fn has_time(text: &str, ctx: &Ctx) -> bool {
    !text.trim().is_empty() && when::find(text, ctx).is_some()
}

/// Whether the text says nothing but a time ("tomorrow", "at 5 tomorrow").
fn when_only(text: &str, ctx: &Ctx) -> bool {
    when::find(text, ctx)
        .is_some_and(|h| h.rest.split_whitespace().all(|w| ["at", "on", "by", "in"].contains(&w)))
}

fn capitalised(s: &str) -> String {
    let mut cs = s.chars();
    cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
}

fn subject(s: Span) -> Option<String> {
    let text = unquoted(s.orig.trim());
    (!text.is_empty()).then(|| capitalised(text))
}

/// Text without the quotes around it.
fn unquoted(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner.trim();
        }
    }
    // The opening quote went with the words before it.
    match s.strip_suffix('"') {
        Some(inner) if !inner.contains('"') => inner.trim(),
        _ => s,
    }
}

/// Whether `text` ends with `word` as a whole word (case-insensitively).
fn ends_with_word(text: &str, word: &str) -> Option<usize> {
    let lower = text.to_lowercase();
    if lower.len() != text.len() || !lower.ends_with(word) {
        return None;
    }
    let at = text.len() - word.len();
    let before = text[..at].chars().next_back();
    (!before.is_some_and(|c| c.is_alphanumeric() || c == '\'')).then_some(at)
}

/// What to send, from what the user typed after the separator: the user's words, with what was
/// said to Nudge ("…thanks") taken off, the first letter and a lone "i" in capitals.
fn body(text: &str, mode: Mode) -> Option<String> {
    let mut t = text
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | ';' | ',' | '-' | '–' | '—'))
        .trim_end();
    for label in ["body:", "message:", "text:"] {
        if t.len() >= label.len()
            && t.is_char_boundary(label.len())
            && t[..label.len()].eq_ignore_ascii_case(label)
        {
            t = t[label.len()..].trim_start();
        }
    }
    t = unquoted(t);
    let first = t.split_whitespace().next().unwrap_or("").to_lowercase();
    if !REQUESTS.contains(&first.as_str()) || mode != Mode::Say {
        'peel: loop {
            let core = t.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '!' | ','));
            for w in TRAILING {
                if let Some(at) = ends_with_word(core, w) {
                    t = core[..at].trim_end().trim_end_matches(',').trim_end();
                    continue 'peel;
                }
            }
            break;
        }
    }
    t = unquoted(t);
    if t.is_empty() {
        return None;
    }
    let t = capital_i(t);
    Some(match mode {
        Mode::Say => capitalised(&t),
        Mode::Please if first == "please" => capitalised(&t),
        Mode::Please => format!("Please {t}"),
        Mode::Ask => format!("Could you {}?", t.trim_end_matches(['.', '!', '?'])),
    })
}

/// What to send, from an answer to "what should the email say?".
pub(crate) fn answer_body(text: &str) -> Option<String> {
    body(&prepare(text), Mode::Say)
}

/// "i" and "i'm", "i'll"… in capitals, and "im" as "I'm".
fn capital_i(text: &str) -> String {
    let text = text
        .split(' ')
        .map(|w| {
            let (lead, core, trail) = crate::extract::word_parts(w, |_| false);
            if matches!(core, "im" | "Im") { format!("{lead}I'm{trail}") } else { w.to_owned() }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts_word = !prev.is_some_and(|p| p.is_alphanumeric() || p == '\'');
        let next = text[i + c.len_utf8()..].chars().next();
        if c == 'i' && starts_word && !next.is_some_and(char::is_alphanumeric) {
            out.push('I');
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// The first email address in a text as typed: its byte range, without the brackets or
/// punctuation around it.
pub(crate) fn address_in(text: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    for chunk in text.split_inclusive(char::is_whitespace) {
        let word = chunk.trim_end();
        let core = word.trim_start_matches(['<', '(', '[', '"', '\'']);
        let lead = word.len() - core.len();
        let core = core.trim_end_matches(['>', ')', ']', '"', '\'', '.', ',', ';', ':', '!', '?']);
        if is_address(core) {
            return Some((at + lead, at + lead + core.len()));
        }
        at += chunk.len();
    }
    None
}

/// A plain address: `local@domain.tld`.
fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\''))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-') && !l.starts_with('-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_as_typed() {
        fn found(s: &str) -> Option<&str> {
            address_in(s).map(|(a, b)| &s[a..b])
        }
        assert_eq!(found("email sam@example.com: hi"), Some("sam@example.com"));
        assert_eq!(
            found("Sam <Sam.Lee+work@mail.example.co.uk>, hi"),
            Some("Sam.Lee+work@mail.example.co.uk")
        );
        assert_eq!(found("at sam@example.com."), Some("sam@example.com"));
        assert_eq!(found("meet @ 5 at the cafe"), None);
        assert_eq!(found("sam@localhost"), None);
        assert_eq!(found("sam@example.c0m"), None);
    }

    #[test]
    fn bodies_keep_the_users_words() {
        assert_eq!(body(" i'm running late, thanks!", Mode::Say).as_deref(), Some("I'm running late"));
        assert_eq!(body("\"running 10 min late\"", Mode::Say).as_deref(), Some("Running 10 min late"));
        assert_eq!(body("can you send it please?", Mode::Say).as_deref(), Some("Can you send it please?"));
        assert_eq!(body("call me back pls", Mode::Please).as_deref(), Some("Please call me back"));
        assert_eq!(body("send the file.", Mode::Ask).as_deref(), Some("Could you send the file?"));
        assert_eq!(
            body("i think i'll be late, is that ok?", Mode::Say).as_deref(),
            Some("I think I'll be late, is that ok?")
        );
        assert_eq!(body("  thanks ", Mode::Say), None);
    }
}
