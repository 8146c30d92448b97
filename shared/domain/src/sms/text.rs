//! The message processor of seed 000: what an inbound SMS says, before anyone acts on it.
//!
//! [`analyze`] cleans the body (control characters dropped, whitespace collapsed, SMS
//! shorthand spelled out by [`nudge_when::normalize`]), recognises its intent (a carrier
//! keyword, a prefixed command, a quick reply to a reminder or an approval, else a message for
//! the agent), scores it for spam, and tells its language and its sentiment. It is pure: no I/O,
//! no clock, and no input makes it panic.

use serde::{Deserialize, Serialize};

/// Phrases that are held against a message by default: what unsolicited texts say and people
/// texting their assistant do not.
pub const DEFAULT_SPAM_PATTERNS: &[&str] = &[
    "claim your prize",
    "you have won",
    "free money",
    "act now",
    "limited time offer",
    "click here",
    "crypto giveaway",
    "gift card",
    "loan approved",
    "verify your account",
];

/// Added to the spam score for each configured pattern found.
pub const SPAM_PATTERN_WEIGHT: f32 = 0.4;
/// Added when the text shouts: at least [`CAPS_MIN_LETTERS`] letters, more than 70% capitals.
pub const SPAM_CAPS_WEIGHT: f32 = 0.2;
/// Added for a run of 3 or more of `!`, `?` and `$`.
pub const SPAM_PUNCTUATION_WEIGHT: f32 = 0.15;
/// Added for a link (`http://`, `https://`, `www.`, or a known URL shortener).
pub const SPAM_LINK_WEIGHT: f32 = 0.25;
/// Added for a text longer than [`SPAM_LONG_CHARS`] characters.
pub const SPAM_LENGTH_WEIGHT: f32 = 0.15;
/// Letters a text must have before its capitals count as shouting.
pub const CAPS_MIN_LETTERS: usize = 12;
/// Characters beyond which a text counts as very long.
pub const SPAM_LONG_CHARS: usize = 1000;

/// URL shorteners that count as links even without a scheme.
const SHORTENERS: &[&str] = &[
    "bit.ly/",
    "tinyurl.com",
    "goo.gl/",
    "ow.ly/",
    "t.co/",
    "is.gd/",
    "buff.ly/",
    "rebrand.ly/",
    "cutt.ly/",
    "shorturl.at/",
    "tiny.cc/",
    "rb.gy/",
];

/// Spam scoring rules: phrases that count against a message, and the score from which it is
/// held back (not sent to the agent).
///
/// The score adds up, clamped to 1.0: [`SPAM_PATTERN_WEIGHT`] for each pattern found,
/// [`SPAM_CAPS_WEIGHT`] for shouting, [`SPAM_PUNCTUATION_WEIGHT`] for "!!!"/"$$$",
/// [`SPAM_LINK_WEIGHT`] for a link and [`SPAM_LENGTH_WEIGHT`] for a very long text. The signals
/// other than patterns add up to 0.75, so with the default threshold of 0.8 no text is spam
/// unless it says at least one of the patterns: a user shouting "REMIND ME TO CALL MOM AT
/// 5!!!" scores 0.35.
#[derive(Debug, Clone, PartialEq)]
pub struct SpamRules {
    /// Case-insensitive phrases ("claim your prize"), matched as plain substrings (not regular
    /// expressions); each one found adds to the score. Empty phrases are ignored.
    pub patterns: Vec<String>,
    /// From this score (0.0–1.0) a message is spam.
    pub threshold: f32,
}

impl Default for SpamRules {
    /// [`DEFAULT_SPAM_PATTERNS`], threshold 0.8.
    fn default() -> Self {
        Self { patterns: DEFAULT_SPAM_PATTERNS.iter().map(|&p| p.to_owned()).collect(), threshold: 0.8 }
    }
}

/// The carrier keywords, matched on the whole message, without a prefix, in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyword {
    /// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, and Twilio's advanced OPTOUT, REVOKE.
    Stop,
    /// START, UNSTOP.
    Start,
    /// HELP, INFO.
    Help,
}

/// A command written with a `/`, `!` or `:` prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", content = "word", rename_all = "snake_case")]
pub enum Command {
    /// `/help`: what the assistant can do and how to talk to it.
    Help,
    /// `/status`: what is pending (reminders, approvals).
    Status,
    /// `/info`: the account and the channel.
    Info,
    /// `/clear`: start the conversation afresh.
    Clear,
    /// A prefixed word that is no command (kept as typed, lower-cased, at most 20 chars).
    Unknown(String),
}

/// What the message asks for, in the order it is recognised: a carrier keyword, a command, a
/// quick reply, else a message for the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    /// The whole message is a carrier keyword ("STOP", "start.", "Help!").
    Keyword { keyword: Keyword },
    /// The message starts with `/`, `!` or `:` and a word ("/status", "!help me").
    Command { command: Command },
    /// DONE (also "done!", "Done ✅", "did it"): the reminder that fired last is done.
    Done,
    /// SNOOZE, SNOOZE 10, SNOOZE 10m, snooze 1h, SNOOZE 30 MIN: fire again in `minutes`
    /// (default 10, at most a day).
    Snooze { minutes: u32 },
    /// `YES <code>` / `NO <code>`: a decision on the approval with that code (digits, 4–8).
    Decision { approve: bool, code: String },
    /// Anything else: for the agent.
    Message,
}

/// An inbound message, processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Cleaned (control characters dropped, whitespace collapsed, trimmed) and with SMS
    /// shorthand spelled out ("tmrw" → "tomorrow").
    pub text: String,
    pub intent: Intent,
    /// 0.0 (clean) to 1.0.
    pub spam_score: f32,
    /// Why the score is what it is ("pattern", "caps", "punctuation", "link", "length").
    pub spam_signals: Vec<String>,
    pub spam: bool,
    /// ISO 639-3 code ("eng", "fra") when the text says enough to tell; `None` otherwise.
    pub language: Option<String>,
    /// -1.0 (negative) to 1.0 (positive); 0.0 neutral.
    pub sentiment: f32,
}

/// Processes an inbound SMS body.
///
/// - `text`: control characters dropped (line breaks and tabs become spaces), zero-width and
///   direction marks dropped, whitespace collapsed, trimmed, then SMS shorthand spelled out
///   with [`nudge_when::normalize`].
/// - `intent`: recognised on the cleaned text before shorthand is spelled out, in this order:
///   a carrier keyword (the whole message, trailing punctuation tolerated), a command (`/`,
///   `!` or `:` and a word; `:` and a single letter is an emoticon such as ":D", not a
///   command), a quick reply (the whole message, punctuation and emoji around it tolerated:
///   "done", "did it", "finished", "all done"; "snooze" with an optional "for", number and
///   unit, clamped to 1–1440 minutes; "yes"/"approve" or "no"/"deny" and a 4–8 digit code),
///   else a message.
/// - `spam_score`, `spam_signals`, `spam`: see [`SpamRules`].
/// - `language`: whatlang's guess, only for texts of at least 3 words when it is reliable or
///   its confidence is at least 0.6.
/// - `sentiment`: see [`sentiment`].
pub fn analyze(body: &str, rules: &SpamRules) -> Analysis {
    let cleaned = clean(body);
    let text = nudge_when::normalize(&cleaned);
    let intent = intent(&cleaned);
    let (spam_score, spam_signals) = spam(&cleaned, &text, rules);
    Analysis {
        spam: spam_score >= rules.threshold,
        spam_score,
        spam_signals,
        language: language(&text),
        sentiment: sentiment(&text),
        intent,
        text,
    }
}

/// Control characters dropped (whitespace ones turned into spaces), invisible marks dropped,
/// whitespace collapsed to single spaces, trimmed.
fn clean(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut space = false;
    for c in body.chars() {
        let c = if c.is_whitespace() {
            ' '
        } else if c.is_control()
            || matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
        {
            continue;
        } else {
            c
        };
        if c == ' ' {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Intent

fn intent(cleaned: &str) -> Intent {
    if let Some(keyword) = keyword(cleaned) {
        return Intent::Keyword { keyword };
    }
    if let Some(command) = command(cleaned) {
        return Intent::Command { command };
    }
    quick_reply(cleaned).unwrap_or(Intent::Message)
}

/// The carrier keyword the whole message is, trailing punctuation aside.
fn keyword(cleaned: &str) -> Option<Keyword> {
    let word = cleaned.trim_end_matches(['.', '!', '?', ',', ';', ' ']);
    // Twilio's lists (<https://help.twilio.com/articles/223134027>), so that what Twilio blocks
    // and what Nudge stops sending agree. A lone YES, which Twilio also takes as START, stays a
    // message here: it answers the assistant's questions; the webhook's `OptOutType` tells when
    // Twilio took it as an opt-in.
    const STOP: &[&str] = &["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"];
    const START: &[&str] = &["start", "unstop"];
    if STOP.iter().any(|k| word.eq_ignore_ascii_case(k)) {
        Some(Keyword::Stop)
    } else if START.iter().any(|k| word.eq_ignore_ascii_case(k)) {
        Some(Keyword::Start)
    } else if word.eq_ignore_ascii_case("help") || word.eq_ignore_ascii_case("info") {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// Longest unknown command word kept, in characters.
const UNKNOWN_COMMAND_CHARS: usize = 20;

/// The command a message starts with: `/`, `!` or `:` immediately followed by a word.
fn command(cleaned: &str) -> Option<Command> {
    let mut chars = cleaned.chars();
    let prefix = chars.next()?;
    if !matches!(prefix, '/' | '!' | ':') {
        return None;
    }
    let rest = chars.as_str();
    if !rest.starts_with(char::is_alphabetic) {
        return None;
    }
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    let word = rest[..end].to_lowercase();
    // ":D", ":P", ":O" are faces, not commands.
    if prefix == ':' && word.chars().count() == 1 {
        return None;
    }
    Some(match word.as_str() {
        "help" => Command::Help,
        "status" => Command::Status,
        "info" => Command::Info,
        "clear" => Command::Clear,
        _ => Command::Unknown(word.chars().take(UNKNOWN_COMMAND_CHARS).collect()),
    })
}

/// Default snooze, in minutes.
const SNOOZE_DEFAULT_MINUTES: u32 = 10;
/// Longest snooze: a day.
const SNOOZE_MAX_MINUTES: u32 = 24 * 60;

/// A reply to a reminder (done, snooze) or to an approval (yes/no and its code).
fn quick_reply(cleaned: &str) -> Option<Intent> {
    // Punctuation, emoji and spaces around the reply are tolerated ("Done ✅", "snooze 10!").
    let core = cleaned.trim_matches(|c: char| !c.is_alphanumeric());
    if core.is_empty() || core.len() > 64 {
        return None;
    }
    let lower = core.to_lowercase();
    if matches!(lower.as_str(), "done" | "did it" | "i did it" | "finished" | "all done") {
        return Some(Intent::Done);
    }
    if let Some(minutes) = snooze(&lower) {
        return Some(Intent::Snooze { minutes });
    }
    decision(&lower)
}

/// "snooze", "snooze 10", "snooze 10m", "snooze for 2 hours", … in minutes, clamped to a day.
fn snooze(lower: &str) -> Option<u32> {
    let rest = lower.strip_prefix("snooze")?;
    if rest.is_empty() {
        return Some(SNOOZE_DEFAULT_MINUTES);
    }
    let rest = rest.strip_prefix(' ')?;
    let rest = rest.strip_prefix("for ").unwrap_or(rest);
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if digits == 0 {
        return None;
    }
    // Too many digits to parse is more than a day anyway.
    let amount: u64 = rest[..digits].parse().unwrap_or(u64::MAX);
    let unit = rest[digits..].trim_start();
    let per = match unit {
        "" | "m" | "min" | "mins" | "minute" | "minutes" => 1,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60,
        _ => return None,
    };
    let minutes = amount.saturating_mul(per).clamp(1, u64::from(SNOOZE_MAX_MINUTES));
    u32::try_from(minutes).ok()
}

/// "yes 4821", "approve 4821", "no 4821", "deny 4821" (also "yes, 4821", "no #4821").
fn decision(lower: &str) -> Option<Intent> {
    let (approve, rest) = [("yes", true), ("approve", true), ("no", false), ("deny", false)]
        .iter()
        .find_map(|&(word, approve)| lower.strip_prefix(word).map(|rest| (approve, rest)))?;
    let code = rest.trim_start_matches([' ', ',', ':', '#']);
    if code.len() == rest.len() {
        return None;
    }
    let digits = code.len();
    if (4..=8).contains(&digits) && code.bytes().all(|b| b.is_ascii_digit()) {
        Some(Intent::Decision { approve, code: code.to_owned() })
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Spam

/// The spam score (rounded to hundredths, so that weights that add up to the threshold reach
/// it) and the signals behind it.
fn spam(cleaned: &str, text: &str, rules: &SpamRules) -> (f32, Vec<String>) {
    let mut score = 0.0_f32;
    let mut signals = Vec::new();
    let mut signal = |name: &str, weight: f32| {
        score += weight;
        if !signals.iter().any(|s| s == name) {
            signals.push(name.to_owned());
        }
    };

    let lower_cleaned = cleaned.to_lowercase();
    let lower_text = text.to_lowercase();
    for pattern in &rules.patterns {
        let pattern = pattern.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if !pattern.is_empty() && (lower_cleaned.contains(&pattern) || lower_text.contains(&pattern)) {
            signal("pattern", SPAM_PATTERN_WEIGHT);
        }
    }

    let (letters, capitals) = cleaned
        .chars()
        .filter(|c| c.is_alphabetic())
        .fold((0_usize, 0_usize), |(l, u), c| (l + 1, u + usize::from(c.is_uppercase())));
    if letters >= CAPS_MIN_LETTERS && capitals * 10 > letters * 7 {
        signal("caps", SPAM_CAPS_WEIGHT);
    }

    let mut run = 0;
    let punctuation_run = cleaned.chars().any(|c| {
        run = if matches!(c, '!' | '?' | '$') { run + 1 } else { 0 };
        run >= 3
    });
    if punctuation_run {
        signal("punctuation", SPAM_PUNCTUATION_WEIGHT);
    }

    let link = ["http://", "https://", "www."].iter().chain(SHORTENERS).any(|l| lower_cleaned.contains(l));
    if link {
        signal("link", SPAM_LINK_WEIGHT);
    }

    if cleaned.chars().count() > SPAM_LONG_CHARS {
        signal("length", SPAM_LENGTH_WEIGHT);
    }

    let score = ((score * 100.0).round() / 100.0).clamp(0.0, 1.0);
    (score, signals)
}

// ---------------------------------------------------------------------------------------------
// Language

/// Words a text needs before its language is told.
const LANGUAGE_MIN_WORDS: usize = 3;
/// Confidence from which whatlang's guess is taken even when it does not call it reliable (it
/// does from 0.9). On short texts its wrong guesses stay below this ("llamar a mamá mañana":
/// Tagalog at 0.46, "call mom at 5": Swedish at 0.12).
const LANGUAGE_MIN_CONFIDENCE: f64 = 0.6;

/// The ISO 639-3 code of the text's language, when there is enough text to tell.
fn language(text: &str) -> Option<String> {
    let words = text.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count();
    if words < LANGUAGE_MIN_WORDS {
        return None;
    }
    let info = whatlang::detect(text)?;
    (info.is_reliable() || info.confidence() >= LANGUAGE_MIN_CONFIDENCE)
        .then(|| info.lang().code().to_owned())
}

// ---------------------------------------------------------------------------------------------
// Sentiment

/// Words that carry feeling in what people text an assistant, weighted -3..=3.
const LEXICON: &[(&str, i8)] = &[
    ("thanks", 2),
    ("thank", 2),
    ("ty", 1),
    ("great", 3),
    ("good", 2),
    ("nice", 2),
    ("cool", 1),
    ("love", 3),
    ("loved", 3),
    ("awesome", 3),
    ("amazing", 3),
    ("perfect", 3),
    ("excellent", 3),
    ("fantastic", 3),
    ("wonderful", 3),
    ("brilliant", 3),
    ("lovely", 2),
    ("happy", 3),
    ("glad", 2),
    ("excited", 2),
    ("proud", 2),
    ("relieved", 2),
    ("helpful", 2),
    ("appreciate", 2),
    ("yay", 2),
    ("better", 1),
    ("productive", 2),
    ("calm", 1),
    ("fine", 1),
    ("stressed", -2),
    ("stressful", -2),
    ("overwhelmed", -2),
    ("overwhelming", -2),
    ("hate", -3),
    ("annoying", -2),
    ("annoyed", -2),
    ("tired", -1),
    ("exhausted", -2),
    ("late", -1),
    ("sorry", -1),
    ("ugh", -2),
    ("argh", -2),
    ("forgot", -1),
    ("bad", -2),
    ("terrible", -3),
    ("awful", -3),
    ("worst", -3),
    ("sad", -2),
    ("angry", -3),
    ("upset", -2),
    ("frustrated", -2),
    ("frustrating", -2),
    ("worried", -2),
    ("anxious", -2),
    ("nervous", -1),
    ("scared", -2),
    ("panic", -2),
    ("panicking", -2),
    ("hopeless", -3),
    ("depressed", -3),
    ("disappointed", -2),
    ("stupid", -2),
    ("useless", -2),
    ("sucks", -2),
    ("broken", -2),
    ("wrong", -1),
    ("failed", -2),
    ("stuck", -1),
    ("mess", -1),
    ("confused", -1),
    ("behind", -1),
];

/// Emoji that carry feeling, weighted like the words.
const EMOJI: &[(char, i8)] = &[
    ('👍', 2),
    ('🙂', 1),
    ('😊', 2),
    ('😀', 2),
    ('😃', 2),
    ('😄', 2),
    ('😁', 2),
    ('🥰', 3),
    ('😍', 3),
    ('❤', 3),
    ('💪', 1),
    ('🎉', 2),
    ('🙏', 1),
    ('😞', -2),
    ('😔', -2),
    ('🙁', -1),
    ('☹', -2),
    ('😢', -2),
    ('😭', -2),
    ('😩', -2),
    ('😫', -2),
    ('😤', -2),
    ('😠', -2),
    ('😡', -3),
    ('👎', -2),
];

/// Words that flip the feeling of the next lexicon word within [`NEGATION_REACH`] words.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "isn't", "isnt", "wasn't",
    "wasnt", "aren't", "arent", "can't", "cant", "cannot", "won't", "wont", "nothing",
];
/// How many words after a negation it still applies to ("not very good").
const NEGATION_REACH: usize = 3;
/// VADER's normalisation constant: a score of ±sqrt(15) ≈ ±3.9 maps to ±0.71.
const SENTIMENT_ALPHA: f32 = 15.0;

/// A lexicon sentiment score in -1.0..=1.0, 0.0 for neutral text.
///
/// Words of a small lexicon (~70 words: "thanks", "great", "stressed", "ugh", …) and a few emoji
/// (👍 🙂 😊 ❤ / 😞 😡 👎, …) add their weight (-3..=3); a negation ("not",
/// "don't", "never", …) flips the next lexicon word within three words ("not good", "don't
/// hate"). The sum is normalised as VADER does, `sum / sqrt(sum² + 15)`: "thanks" is 0.46,
/// "thanks, great!" 0.79, "ugh I forgot again, so stressed" -0.79.
pub fn sentiment(text: &str) -> f32 {
    let mut sum = 0_i32;
    let mut negated: Option<usize> = None;
    let lower = text.to_lowercase();
    let words = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'"));
    for word in words {
        let word = word.trim_matches('\'');
        if NEGATIONS.contains(&word) {
            negated = Some(0);
            continue;
        }
        if let Some(&(_, weight)) = LEXICON.iter().find(|(w, _)| *w == word) {
            let weight = i32::from(weight);
            sum = sum.saturating_add(if negated.is_some() { -weight } else { weight });
            negated = None;
        } else if let Some(n) = negated {
            negated = (n + 1 < NEGATION_REACH).then_some(n + 1);
        }
    }
    for c in text.chars() {
        if let Some(&(_, weight)) = EMOJI.iter().find(|(e, _)| *e == c) {
            sum = sum.saturating_add(i32::from(weight));
        }
    }
    if sum == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let sum = sum as f32;
    (sum / (sum * sum + SENTIMENT_ALPHA).sqrt()).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str) -> Analysis {
        analyze(body, &SpamRules::default())
    }

    fn intent_of(body: &str) -> Intent {
        run(body).intent
    }

    fn kw(keyword: Keyword) -> Intent {
        Intent::Keyword { keyword }
    }

    fn cmd(command: Command) -> Intent {
        Intent::Command { command }
    }

    #[test]
    fn carrier_keywords_in_any_case() {
        for body in [
            "STOP",
            "stop",
            "Stop.",
            "Stop!",
            " stop ",
            "UNSUBSCRIBE",
            "StopAll",
            "end",
            "quit",
            "cancel",
            "CANCEL!!",
            "OPTOUT",
            "revoke",
        ] {
            assert_eq!(intent_of(body), kw(Keyword::Stop), "{body:?}");
        }
        for body in ["start", "START", "Unstop", "unstop."] {
            assert_eq!(intent_of(body), kw(Keyword::Start), "{body:?}");
        }
        for body in ["help", "HELP", "Help?", "help!", "INFO", "info"] {
            assert_eq!(intent_of(body), kw(Keyword::Help), "{body:?}");
        }
    }

    #[test]
    fn keywords_inside_a_sentence_are_messages() {
        for body in [
            "stop reminding me about the dishes",
            "cancel my 9pm reminder",
            "help me plan my day",
            "please stop",
            "end of day summary",
            "start my focus timer",
            "stop stop",
        ] {
            assert_eq!(intent_of(body), Intent::Message, "{body:?}");
        }
    }

    #[test]
    fn commands_with_each_prefix() {
        for prefix in ["/", "!", ":"] {
            assert_eq!(intent_of(&format!("{prefix}help")), cmd(Command::Help));
            assert_eq!(intent_of(&format!("{prefix}STATUS")), cmd(Command::Status));
            assert_eq!(intent_of(&format!("{prefix}Info please")), cmd(Command::Info));
            assert_eq!(intent_of(&format!("{prefix}clear")), cmd(Command::Clear));
        }
        assert_eq!(intent_of("/help me with this"), cmd(Command::Help));
        assert_eq!(intent_of("/status?"), cmd(Command::Status));
    }

    #[test]
    fn unknown_commands_are_kept_lowercased_and_short() {
        assert_eq!(intent_of("/Snooze"), cmd(Command::Unknown("snooze".into())));
        assert_eq!(intent_of("!Foo bar"), cmd(Command::Unknown("foo".into())));
        assert_eq!(
            intent_of("/abcdefghijklmnopqrstuvwxyz"),
            cmd(Command::Unknown("abcdefghijklmnopqrst".into()))
        );
        assert_eq!(intent_of("/ÉTAT"), cmd(Command::Unknown("état".into())));
    }

    #[test]
    fn prefixes_without_a_word_are_messages() {
        for body in ["!", ":)", "!!!", "/ ", "/", ":D", ":P", "!123", "/ help", "?help", "...", "😀"] {
            assert_eq!(intent_of(body), Intent::Message, "{body:?}");
        }
    }

    #[test]
    fn done_replies() {
        for body in
            ["done", "DONE", "done!", "Done ✅", "DONE.", "did it", "Did it!", "finished", "all done 🎉"]
        {
            assert_eq!(intent_of(body), Intent::Done, "{body:?}");
        }
        for body in ["done with the laundry, what's next?", "not done", "is it done?"] {
            assert_eq!(intent_of(body), Intent::Message, "{body:?}");
        }
    }

    #[test]
    fn snooze_replies() {
        let snooze = |minutes| Intent::Snooze { minutes };
        for (body, minutes) in [
            ("snooze", 10),
            ("SNOOZE", 10),
            ("Snooze!", 10),
            ("snooze 10", 10),
            ("snooze 10m", 10),
            ("snooze 10 min", 10),
            ("snooze 10 mins", 10),
            ("snooze 10 minutes", 10),
            ("SNOOZE 30 MIN", 30),
            ("snooze 1h", 60),
            ("snooze 2 hours", 120),
            ("snooze 1 hr", 60),
            ("snooze for 15 minutes", 15),
            ("snooze 5.", 5),
        ] {
            assert_eq!(intent_of(body), snooze(minutes), "{body:?}");
        }
    }

    #[test]
    fn snooze_is_clamped() {
        let snooze = |minutes| Intent::Snooze { minutes };
        assert_eq!(intent_of("snooze 0"), snooze(1));
        assert_eq!(intent_of("snooze 5000"), snooze(1440));
        assert_eq!(intent_of("snooze 25h"), snooze(1440));
        assert_eq!(intent_of("snooze 99999999999999999999999999"), snooze(1440));
        assert_eq!(intent_of("snooze 99999999999999999 hours"), snooze(1440));
    }

    #[test]
    fn snooze_lookalikes_are_messages() {
        for body in
            ["snooze until friday", "snooze 10 days", "snoozed", "snooze the dishes reminder", "snooze -5"]
        {
            assert_eq!(intent_of(body), Intent::Message, "{body:?}");
        }
    }

    #[test]
    fn decisions() {
        let decide = |approve, code: &str| Intent::Decision { approve, code: code.into() };
        assert_eq!(intent_of("yes 4821"), decide(true, "4821"));
        assert_eq!(intent_of("YES 4821"), decide(true, "4821"));
        assert_eq!(intent_of("Yes, 4821."), decide(true, "4821"));
        assert_eq!(intent_of("approve 12345678"), decide(true, "12345678"));
        assert_eq!(intent_of("no 4821"), decide(false, "4821"));
        assert_eq!(intent_of("No #4821"), decide(false, "4821"));
        assert_eq!(intent_of("deny 00001"), decide(false, "00001"));
        for body in [
            "yes",
            "no",
            "YES!",
            "yes 123",
            "yes 123456789",
            "yes4821",
            "no 48a1",
            "nope 4821",
            "yes 4821 and 1234",
        ] {
            assert_eq!(intent_of(body), Intent::Message, "{body:?}");
        }
    }

    #[test]
    fn spam_scores_both_ways() {
        let none = SpamRules { patterns: vec![], threshold: 0.8 };
        let shout = analyze("REMIND ME TO CALL MOM AT 5!!!", &none);
        assert!(!shout.spam, "{shout:?}");
        assert!((shout.spam_score - 0.35).abs() < 1e-6);
        assert_eq!(shout.spam_signals, ["caps", "punctuation"]);
        assert!(!run("REMIND ME TO CALL MOM AT 5!!!").spam);

        let rules = SpamRules { patterns: vec!["claim your prize".into(), "winner".into()], threshold: 0.8 };
        let prize = analyze("WINNER!!! Claim your prize now at http://bit.ly/x", &rules);
        assert!(prize.spam, "{prize:?}");
        assert!((prize.spam_score - 1.0).abs() < 1e-6);
        assert_eq!(prize.spam_signals, ["pattern", "punctuation", "link"]);

        // With the default patterns it still reaches the threshold exactly.
        let default = run("WINNER!!! Claim your prize now at http://bit.ly/x");
        assert!((default.spam_score - 0.8).abs() < 1e-6);
        assert!(default.spam);
    }

    #[test]
    fn clean_messages_score_zero() {
        let a = run("remind me to take my meds at 9");
        assert_eq!(a.spam_score, 0.0);
        assert!(a.spam_signals.is_empty());
        assert!(!a.spam);
    }

    #[test]
    fn each_spam_signal() {
        let none = SpamRules { patterns: vec![], threshold: 0.8 };
        let signals = |body: &str| analyze(body, &none).spam_signals;
        assert_eq!(signals("see www.example.com"), ["link"]);
        assert_eq!(signals("see https://example.com"), ["link"]);
        assert_eq!(signals("tinyurl.com/abc"), ["link"]);
        assert_eq!(signals("what?!?"), ["punctuation"]);
        assert_eq!(signals("$$$ fast"), ["punctuation"]);
        assert_eq!(signals("THIS IS ALL CAPS TEXT"), ["caps"]);
        assert!(signals("OK SURE").is_empty(), "too few letters to shout");
        assert_eq!(signals(&"a ".repeat(600)), ["length"]);
        // Every non-pattern signal together stays under the default threshold.
        let all = analyze(&format!("{} HTTP://X.COM!!!", "AB ".repeat(400)), &none);
        assert_eq!(all.spam_signals, ["caps", "punctuation", "link", "length"]);
        assert!(!all.spam);
    }

    #[test]
    fn patterns_are_plain_case_insensitive_and_counted_once_each() {
        let rules =
            SpamRules { patterns: vec!["Free  Money".into(), "".into(), "a.b".into()], threshold: 0.5 };
        let a = analyze("free money free money", &rules);
        assert!((a.spam_score - 0.4).abs() < 1e-6);
        assert!(!a.spam);
        assert_eq!(analyze("axb", &rules).spam_score, 0.0, "not a regex");
        assert_eq!(analyze("hello", &rules).spam_score, 0.0, "empty pattern ignored");
        // Shorthand is spelled out before patterns are matched: "u have won" is "you have won".
        assert!(run("u have won a gift card").spam);
    }

    #[test]
    fn default_rules() {
        let rules = SpamRules::default();
        assert_eq!(rules.threshold, 0.8);
        assert_eq!(rules.patterns.len(), DEFAULT_SPAM_PATTERNS.len());
        assert!(rules.patterns.iter().any(|p| p == "claim your prize"));
    }

    #[test]
    fn languages() {
        assert_eq!(
            run("Can you remind me to call my mother tomorrow afternoon about the birthday party?")
                .language
                .as_deref(),
            Some("eng")
        );
        assert_eq!(
            run("Peux-tu me rappeler d'appeler ma mère demain après-midi pour son anniversaire ?")
                .language
                .as_deref(),
            Some("fra")
        );
        assert_eq!(
            run("¿Puedes recordarme llamar a mi madre mañana por la tarde para su cumpleaños?")
                .language
                .as_deref(),
            Some("spa")
        );
        assert_eq!(run("DONE").language, None);
        assert_eq!(run("ok thanks").language, None);
        assert_eq!(run("").language, None);
        assert_eq!(run("12 34 56 78").language, None);
    }

    #[test]
    fn sentiment_signs() {
        assert!(run("thanks, that was great!").sentiment > 0.5);
        assert!(run("I love this, awesome 👍").sentiment > 0.5);
        assert!(run("ugh I'm so stressed and overwhelmed").sentiment < -0.5);
        assert!(run("I hate this, so annoying 😡").sentiment < -0.5);
        assert_eq!(run("remind me to buy milk at 5").sentiment, 0.0);
        assert_eq!(run("").sentiment, 0.0);
        assert!(run("thx").sentiment > 0.0, "shorthand is spelled out first");
        assert!(run("😊").sentiment > 0.0);
        assert!(run("👎").sentiment < 0.0);
    }

    #[test]
    fn negation_flips_the_next_word() {
        assert!(sentiment("this is not good") < 0.0);
        assert!(sentiment("not bad at all") > 0.0);
        assert!(sentiment("I don't hate it") > 0.0);
        assert!(sentiment("I don’t hate it") > 0.0);
        assert!(sentiment("never late again") > 0.0);
        // The negation is spent on the first lexicon word.
        assert!(sentiment("not bad, but terrible") < 0.0);
        // and does not reach far.
        assert!(sentiment("not that I would ever say it is good") > 0.0);
    }

    #[test]
    fn sentiment_is_bounded() {
        let s = sentiment(&"great ".repeat(10_000));
        assert!(s > 0.99 && s <= 1.0);
        let s = sentiment(&"awful ".repeat(10_000));
        assert!((-1.0..-0.99).contains(&s));
        assert!((sentiment("thanks") - 2.0 / 19_f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn shorthand_is_spelled_out() {
        let a = run("remind me tmrw 2 call mom pls");
        assert!(a.text.contains("tomorrow"), "{}", a.text);
        assert!(a.text.contains("please"), "{}", a.text);
        assert_eq!(a.intent, Intent::Message);
        assert_eq!(run("remind me 2 call mom tmrw pls").text, "remind me to call mom tomorrow please");
        assert_eq!(run("Pls   remind\nme b4 5").text, "please remind me before 5");
    }

    #[test]
    fn whitespace_and_controls_are_cleaned() {
        let a = run("  call\u{0007} mom\n\n at\t5\r\n \u{200B}now\u{FEFF}  ");
        assert_eq!(a.text, "call mom at 5 now");
        assert_eq!(run("\u{0000}STOP\u{001B}\n").intent, kw(Keyword::Stop));
        assert_eq!(run("\n/help\n").intent, cmd(Command::Help));
        assert_eq!(run("\tdone\n").intent, Intent::Done);
    }

    #[test]
    fn an_empty_body_is_an_empty_message() {
        for body in ["", "   ", "\n\t", "\u{0000}\u{0001}"] {
            let a = run(body);
            assert_eq!(a.text, "");
            assert_eq!(a.intent, Intent::Message);
            assert_eq!(a.spam_score, 0.0);
            assert!(!a.spam);
            assert_eq!(a.language, None);
            assert_eq!(a.sentiment, 0.0);
        }
    }

    #[test]
    fn never_panics() {
        let long = "x".repeat(10_000);
        let emoji = "😀👍🏽👨‍👩‍👧".repeat(2_000);
        let mixed = "Ça va? 日本語 ❤️ /\u{0301}é ! : / snooze ".repeat(300);
        for body in [
            long.as_str(),
            emoji.as_str(),
            mixed.as_str(),
            "/",
            ":",
            "!",
            "snooze ",
            "yes ",
            "no",
            "/\u{0301}",
            "!é",
            "snooze 10 🕐",
            "yes ١٢٣٤",
            "\u{FFFF}\u{10FFFF}",
        ] {
            let a = run(body);
            assert!((0.0..=1.0).contains(&a.spam_score));
            assert!((-1.0..=1.0).contains(&a.sentiment));
        }
        let a = run(&long);
        assert_eq!(a.spam_signals, ["length"]);
        assert!(!a.spam);
    }

    #[test]
    fn analysis_serializes() {
        let a = run("yes 4821");
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["intent"]["kind"], "decision");
        assert_eq!(json["intent"]["code"], "4821");
        let back: Analysis = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
        let json = serde_json::to_value(Intent::Command { command: Command::Unknown("foo".into()) }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "command", "command": {"name": "unknown", "word": "foo"}})
        );
    }
}
