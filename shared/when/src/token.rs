//! The words of the normalized text, lowercased, with where each one is.

/// One word of the normalized text.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    /// The word, lowercased.
    pub s: String,
    pub start: usize,
    pub end: usize,
    /// A sentence ends between this word and the one before (`!`, `?`, `;`, a full stop), so the
    /// two are not read as one expression.
    pub brk: bool,
}

/// Characters kept inside a word when letters or digits stand on both sides: "9:30", "9.30",
/// "12/24", "2026-12-24", "o'clock", "p.m".
fn joiner(c: char) -> bool {
    matches!(c, ':' | '.' | '/' | '-' | '\'' | '’')
}

pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |j: usize| chars.get(j).map_or(text.len(), |&(p, _)| p);
    let mut toks: Vec<Tok> = Vec::new();
    let mut brk = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_alphanumeric() {
            let mut j = i + 1;
            while j < chars.len() {
                if chars[j].1.is_alphanumeric() {
                    j += 1;
                } else if joiner(chars[j].1) && chars.get(j + 1).is_some_and(|n| n.1.is_alphanumeric()) {
                    j += 2;
                } else {
                    break;
                }
            }
            let (start, end) = (at(i), at(j));
            toks.push(Tok { s: text[start..end].to_lowercase(), start, end, brk });
            brk = false;
            i = j;
            continue;
        }
        match c {
            // "@ 5" and "mon & wed" read these as words.
            '@' | '&' => {
                toks.push(Tok { s: c.to_string(), start: at(i), end: at(i + 1), brk });
                brk = false;
            }
            '!' | '?' | ';' | '\n' => brk = true,
            // The full stop of "9 p.m." does not end a sentence.
            '.' if !toks.last().is_some_and(|t| matches!(t.s.as_str(), "a.m" | "p.m")) => brk = true,
            _ => {}
        }
        i += 1;
    }
    toks
}

/// The words, with what the reading of some of them depends on.
pub(crate) struct Words<'a> {
    pub toks: &'a [Tok],
    /// Numeric dates are month/day (in American zones) rather than day/month.
    pub month_first: bool,
}

impl Words<'_> {
    /// The word at `i`, or "" past the end.
    pub fn s(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.s.as_str())
    }

    pub fn is(&self, i: usize, w: &str) -> bool {
        self.s(i) == w
    }

    pub fn any(&self, i: usize, ws: &[&str]) -> bool {
        i < self.toks.len() && ws.contains(&self.s(i))
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// Whether the words from `i` read `phrase` (words separated by spaces); the index after it.
    pub fn seq(&self, i: usize, phrase: &str) -> Option<usize> {
        let mut j = i;
        for w in phrase.split(' ') {
            if !self.is(j, w) {
                return None;
            }
            j += 1;
        }
        Some(j)
    }

    /// `seq` for the first of several phrases that matches.
    pub fn seqs(&self, i: usize, phrases: &[&str]) -> Option<usize> {
        phrases.iter().find_map(|p| self.seq(i, p))
    }

    /// Skips one of `ws` at `i` if it is there.
    pub fn opt(&self, i: usize, ws: &[&str]) -> usize {
        if self.any(i, ws) { i + 1 } else { i }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_times_and_dates_whole() {
        let toks = tokenize("Call @5pm, 9:30 p.m. on 12/24 (o'clock)!");
        let s: Vec<&str> = toks.iter().map(|t| t.s.as_str()).collect();
        assert_eq!(s, ["call", "@", "5pm", "9:30", "p.m", "on", "12/24", "o'clock"]);
        assert!(!toks[5].brk, "the stop of p.m. is no sentence end");
        assert_eq!(&"Call @5pm"[toks[2].start..toks[2].end], "5pm");
    }

    #[test]
    fn sentences_break() {
        let toks = tokenize("at 5. tomorrow");
        assert!(toks[2].brk);
    }
}
