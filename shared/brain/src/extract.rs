//! Cleaning what people type: SMS spelling made canonical, greetings and politeness peeled off,
//! and a [`Span`] type that matches command words without regard to case while cutting the text
//! as typed, so a task title or a remembered fact keeps its capitals.

/// Typed variants of the command words, whole words only, matched without regard to case. The
/// time crate's `normalize` has already spelled out SMS shorthand ("tmrw", "pls", "u"); these are
/// the words this crate listens for, and the typos cheap enough to forgive.
const CANON: &[(&str, &str)] = &[
    ("whats", "what's"),
    ("wats", "what's"),
    ("wat's", "what's"),
    ("wat", "what"),
    ("wuts", "what's"),
    ("hows", "how's"),
    ("wheres", "where's"),
    ("whens", "when's"),
    ("im", "i'm"),
    ("ive", "i've"),
    ("dont", "don't"),
    ("didnt", "didn't"),
    ("cant", "can't"),
    ("doesnt", "doesn't"),
    ("thats", "that's"),
    ("todays", "today's"),
    ("lemme", "let me"),
    ("gimme", "give me"),
    ("gotta", "have to"),
    ("wanna", "want to"),
    ("remnd", "remind"),
    ("remid", "remind"),
    ("rmind", "remind"),
    ("remimd", "remind"),
    ("reminf", "remind"),
    ("remnid", "remind"),
    ("reimnd", "remind"),
    ("remine", "remind"),
    ("remider", "reminder"),
    ("reminer", "reminder"),
    ("remnder", "reminder"),
    ("reminde", "reminder"),
    ("rmdr", "reminder"),
    ("remiders", "reminders"),
    ("reminers", "reminders"),
    ("remnders", "reminders"),
    ("rmdrs", "reminders"),
    ("snoze", "snooze"),
    ("snooz", "snooze"),
    ("todo's", "todos"),
    ("to-do", "todo"),
    ("to-dos", "todos"),
    ("finised", "finished"),
    ("finshed", "finished"),
    ("remeber", "remember"),
    ("rember", "remember"),
    ("rmbr", "remember"),
    ("agneda", "agenda"),
    ("tsk", "task"),
    ("tsks", "tasks"),
];

/// A word as punctuation before it, the word, and punctuation after it ("(café!)" is "(",
/// "café", "!)"); `also` names characters besides letters and digits that may start the word.
/// Split on characters, not bytes: the last letter may be several bytes long.
pub(crate) fn word_parts(chunk: &str, also: impl Fn(char) -> bool) -> (&str, &str, &str) {
    let start = chunk.find(|c: char| c.is_alphanumeric() || also(c)).unwrap_or(chunk.len());
    let end = chunk
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(start, |(i, c)| i + c.len_utf8())
        .max(start);
    (&chunk[..start], &chunk[start..end], &chunk[end..])
}

/// Spells the command words one way: `’` as `'`, "@5" as "at 5", the [`CANON`] list. Text in
/// between is left as typed.
pub(crate) fn canonical(text: &str) -> String {
    let text = text.replace(['’', '‘'], "'").replace(['“', '”'], "\"");
    let mut out: Vec<String> = Vec::new();
    for chunk in text.split_whitespace() {
        if chunk == "@" {
            out.push("at".to_owned());
            continue;
        }
        let (lead, core, trail) = word_parts(chunk, |c| c == '@');
        let lower = core.to_lowercase();
        let replaced = if let Some((_, to)) = CANON.iter().find(|(from, _)| *from == lower) {
            (*to).to_owned()
        } else if let Some(rest) =
            core.strip_prefix('@').filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        {
            format!("at {rest}")
        } else {
            core.to_owned()
        };
        out.push(format!("{lead}{replaced}{trail}"));
    }
    out.join(" ")
}

/// Lower-cases `s` char by char where that keeps the byte length, so that offsets found in the
/// lower-cased text cut the original at the same place.
fn lower_same_len(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(x), None) if x.len_utf8() == c.len_utf8() => x,
                _ => c,
            }
        })
        .collect()
}

/// An owned message with its lower-cased twin.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    orig: String,
    low: String,
}

impl Text {
    pub fn new(s: &str) -> Self {
        Text { orig: s.to_owned(), low: lower_same_len(s) }
    }

    pub fn span(&self) -> Span<'_> {
        Span { orig: &self.orig, low: &self.low }.trim()
    }

    /// The text as given, untrimmed.
    pub fn full(&self) -> &str {
        &self.orig
    }

    /// Bytes `start..end` of the text, untrimmed.
    pub fn slice(&self, start: usize, end: usize) -> Span<'_> {
        Span { orig: &self.orig[start..end], low: &self.low[start..end] }
    }

    /// Where a piece of this text starts in it.
    pub fn offset(&self, piece: Span) -> usize {
        let at = (piece.orig.as_ptr() as usize).wrapping_sub(self.orig.as_ptr() as usize);
        debug_assert!(at <= self.orig.len(), "a piece of another text");
        at.min(self.orig.len())
    }
}

/// A piece of a message: `orig` as typed, `low` the same bytes lower-cased.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span<'a> {
    pub orig: &'a str,
    pub low: &'a str,
}

/// Characters trimmed from the ends of a piece: spaces, and punctuation that only separates.
fn edge(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';' | ':' | '-' | '.' | '!' | '?' | '"' | '\'' | '`' | '*' | '~' | '>' | '–' | '—'
        )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

impl<'a> Span<'a> {
    fn cut(self, start: usize, end: usize) -> Span<'a> {
        Span { orig: &self.orig[start..end], low: &self.low[start..end] }
    }

    pub fn trim(self) -> Span<'a> {
        let start = self.low.len() - self.low.trim_start_matches(edge).len();
        let end = self.low.trim_end_matches(edge).len().max(start);
        self.cut(start, end)
    }

    pub fn is_empty(self) -> bool {
        self.low.is_empty()
    }

    pub fn text(self) -> String {
        self.orig.to_owned()
    }

    /// Whether `low[at..at+len]` stands as whole words.
    fn bounded(self, at: usize, len: usize) -> bool {
        let before = self.low[..at].chars().next_back();
        let after = self.low[at + len..].chars().next();
        let first = self.low[at..].chars().next();
        let last = self.low[..at + len].chars().next_back();
        let ok_before = !first.is_some_and(is_word_char) || !before.is_some_and(is_word_char);
        let ok_after = !last.is_some_and(is_word_char) || !after.is_some_and(is_word_char);
        ok_before && ok_after
    }

    pub fn starts_with(self, phrase: &str) -> bool {
        self.low.starts_with(phrase) && self.bounded(0, phrase.len())
    }

    pub fn ends_with(self, phrase: &str) -> bool {
        self.low.ends_with(phrase) && self.bounded(self.low.len() - phrase.len(), phrase.len())
    }

    /// Whether the piece is exactly one of `phrases`.
    pub fn is_any(self, phrases: &[&str]) -> bool {
        phrases.contains(&self.low)
    }

    /// The rest after `phrase` at the start, trimmed.
    pub fn after(self, phrase: &str) -> Option<Span<'a>> {
        self.starts_with(phrase).then(|| self.cut(phrase.len(), self.low.len()).trim())
    }

    /// The rest after the longest of `phrases` that starts the piece, and which one it was.
    pub fn after_any(self, phrases: &[&'static str]) -> Option<(&'static str, Span<'a>)> {
        phrases
            .iter()
            .filter(|p| self.starts_with(p))
            .max_by_key(|p| p.len())
            .map(|p| (*p, self.cut(p.len(), self.low.len()).trim()))
    }

    /// The piece before the longest of `phrases` that ends it.
    pub fn before_any(self, phrases: &[&'static str]) -> Option<(&'static str, Span<'a>)> {
        phrases
            .iter()
            .filter(|p| self.ends_with(p))
            .max_by_key(|p| p.len())
            .map(|p| (*p, self.cut(0, self.low.len() - p.len()).trim()))
    }

    /// Byte offsets of `phrase` as whole words, first to last.
    fn positions(self, phrase: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(i) = self.low[from..].find(phrase) {
            let at = from + i;
            if self.bounded(at, phrase.len()) {
                out.push(at);
            }
            from = at + phrase.len().max(1);
            if from > self.low.len() {
                break;
            }
            while !self.low.is_char_boundary(from) {
                from += 1;
            }
        }
        out
    }

    /// The first of `phrases` in the piece as whole words (the longest where several start at
    /// the same place): its byte offset, and which one it was.
    pub fn find_any(self, phrases: &[&'static str]) -> Option<(usize, &'static str)> {
        phrases
            .iter()
            .filter_map(|p| self.positions(p).first().map(|at| (*at, *p)))
            .min_by_key(|(at, p)| (*at, std::cmp::Reverse(p.len())))
    }

    /// The piece from byte `at` on, trimmed.
    pub fn from(self, at: usize) -> Span<'a> {
        self.cut(at, self.low.len()).trim()
    }

    /// The piece before byte `at`, trimmed.
    pub fn until(self, at: usize) -> Span<'a> {
        self.cut(0, at).trim()
    }

    pub fn has(self, phrase: &str) -> bool {
        !self.positions(phrase).is_empty()
    }

    pub fn has_any(self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.has(p))
    }

    /// The pieces either side of the first `phrase`, trimmed.
    pub fn split(self, phrase: &str) -> Option<(Span<'a>, Span<'a>)> {
        let at = *self.positions(phrase).first()?;
        Some((self.cut(0, at).trim(), self.cut(at + phrase.len(), self.low.len()).trim()))
    }

    /// The pieces either side of the last `phrase`, trimmed.
    pub fn rsplit(self, phrase: &str) -> Option<(Span<'a>, Span<'a>)> {
        let at = *self.positions(phrase).last()?;
        Some((self.cut(0, at).trim(), self.cut(at + phrase.len(), self.low.len()).trim()))
    }

    /// The lower-cased words.
    pub fn words(self) -> Vec<&'a str> {
        self.low.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).collect()
    }

    /// Peels any of `phrases` off the start, again and again.
    pub fn strip_leading(self, phrases: &[&'static str]) -> Span<'a> {
        let mut s = self;
        while let Some((_, rest)) = s.after_any(phrases) {
            if rest.low.len() == s.low.len() {
                break;
            }
            s = rest;
        }
        s
    }

    /// Peels any of `phrases` off the end, again and again.
    pub fn strip_trailing(self, phrases: &[&'static str]) -> Span<'a> {
        let mut s = self;
        while let Some((_, rest)) = s.before_any(phrases) {
            if rest.low.len() == s.low.len() {
                break;
            }
            s = rest;
        }
        s
    }
}

/// How a message is addressed before it says anything: "hey nudge,", "ok so", "can you",
/// "please". Peeled off before reading what it asks.
pub(crate) const LEADING_FILLER: &[&str] = &[
    "hey nudge",
    "hi nudge",
    "hello nudge",
    "ok nudge",
    "okay nudge",
    "yo nudge",
    "hey there",
    "hi there",
    "hey",
    "hi",
    "hello",
    "hiya",
    "yo",
    "ok so",
    "okay so",
    "ok",
    "okay",
    "alright",
    "um",
    "umm",
    "uh",
    "oh",
    "oh and",
    "and",
    "also",
    "btw",
    "by the way",
    "please",
    "can you",
    "could you",
    "would you",
    "will you",
    "can you please",
    "could you please",
    "would you please",
    "would you mind",
    "do you mind",
    "i want you to",
    "i'd like you to",
    "i would like you to",
    "i need you to",
    "kindly",
    "go ahead and",
    "just",
];

/// Said after the point: "…please", "…thanks", "…for me".
pub(crate) const TRAILING_FILLER: &[&str] = &[
    "please",
    "thanks",
    "thank you",
    "thanks a lot",
    "thank you so much",
    "ty",
    "for me",
    "ok",
    "okay",
    "asap please",
    "nudge",
];

/// Trims the emoji, punctuation and symbols people end a message with. Returns the text and
/// whether it was asked as a question.
pub(crate) fn tidy(text: &str) -> (String, bool) {
    let question =
        text.trim_end().trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?').ends_with('?');
    let keep = |c: char| c.is_alphanumeric() || matches!(c, ')' | '%' | '$' | '#' | '"' | '\'');
    let t = text.trim_end_matches(|c: char| !keep(c));
    let t = t.trim_start_matches(|c: char| {
        !(c.is_alphanumeric() || matches!(c, '"' | '\'' | '@' | '$' | '#' | '('))
    });
    (t.split_whitespace().collect::<Vec<_>>().join(" "), question)
}

/// Leading words that only point at the thing meant: "the", "my", "that".
pub(crate) const ARTICLES: &[&str] = &["the", "my", "a", "an", "that", "this", "our", "your"];

/// Common verbs a thing to do starts with ("take my meds", "call mom"): a reminder of one is
/// "to …" rather than "about …", and a message of one alone is likely a task.
pub(crate) const VERBS: &[&str] = &[
    "take",
    "call",
    "pay",
    "buy",
    "check",
    "text",
    "email",
    "send",
    "book",
    "go",
    "get",
    "pick",
    "drink",
    "eat",
    "stretch",
    "walk",
    "feed",
    "water",
    "clean",
    "do",
    "finish",
    "start",
    "submit",
    "renew",
    "cancel",
    "order",
    "make",
    "wash",
    "charge",
    "bring",
    "return",
    "reply",
    "write",
    "read",
    "study",
    "practice",
    "practise",
    "leave",
    "stand",
    "move",
    "put",
    "grab",
    "turn",
    "log",
    "pack",
    "prepare",
    "schedule",
    "sign",
    "file",
    "print",
    "review",
    "update",
    "follow",
    "meet",
    "visit",
    "drop",
    "refill",
    "empty",
    "change",
    "wake",
    "sleep",
    "brush",
    "floss",
    "shower",
    "cook",
    "vacuum",
    "mop",
    "sweep",
    "fold",
    "iron",
    "exercise",
    "run",
    "meditate",
    "journal",
    "breathe",
    "look",
    "ask",
    "tell",
    "thank",
    "respond",
    "apply",
    "register",
    "back",
    "plug",
    "unplug",
    "lock",
    "unlock",
    "open",
    "close",
    "stop",
    "set",
    "fix",
    "mail",
    "post",
    "upload",
    "download",
    "install",
    "defrost",
    "shop",
    "see",
    "try",
    "clear",
    "sort",
    "tidy",
    "hang",
    "unload",
    "load",
    "boil",
    "bake",
    "heat",
    "cut",
    "trim",
    "mow",
    "rake",
    "collect",
    "fill",
    "top",
    "swap",
    "confirm",
    "prep",
    "plan",
    "hand",
    "give",
    "let",
    "help",
    "join",
    "attend",
    "phone",
    "ring",
    "message",
    "contact",
    "remember",
    "think",
    "decide",
    "finalize",
    "finalise",
    "complete",
    "transfer",
    "deposit",
    "withdraw",
    "invoice",
    "bill",
    "prepay",
    "relax",
    "rest",
    "sit",
    "lie",
    "nap",
    "say",
    "wish",
    "celebrate",
    "be",
    "stay",
    "keep",
    "use",
    "wear",
    "carry",
    "learn",
    "watch",
    "listen",
    "play",
    "record",
    "save",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spelling() {
        assert_eq!(canonical("whats on tmrw @5"), "what's on tmrw at 5");
        assert_eq!(canonical("Remnd me @ 5, ok?"), "remind me at 5, ok?");
        assert_eq!(canonical("I’m done, im sure"), "I'm done, i'm sure");
    }

    #[test]
    fn spans_cut_the_original() {
        let t = Text::new("Remember that my Wifi is Hunter2!");
        let s = t.span();
        let rest = s.after("remember that").unwrap();
        assert_eq!(rest.text(), "my Wifi is Hunter2");
        assert!(s.has("wifi"));
        assert!(!s.has("wif"));
        let (a, b) = rest.split("is").unwrap();
        assert_eq!((a.text().as_str(), b.text().as_str()), ("my Wifi", "Hunter2"));
    }

    #[test]
    fn fillers_peel() {
        let t = Text::new("hey nudge, can you please add milk for me");
        let s = t.span().strip_leading(LEADING_FILLER).strip_trailing(TRAILING_FILLER);
        assert_eq!(s.text(), "add milk");
    }

    #[test]
    fn tidy_drops_emoji_and_notes_questions() {
        assert_eq!(tidy("anything today?? 🙏"), ("anything today".to_owned(), true));
        assert_eq!(tidy("  add   milk 🥛"), ("add milk".to_owned(), false));
    }
}
