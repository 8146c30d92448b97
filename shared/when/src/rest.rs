//! What a text says besides its time expression.

use std::ops::Range;

/// Words left hanging when what followed them was the time ("see mom on", "call at").
const HANGING: &[&str] =
    &["at", "on", "in", "@", "by", "for", "around", "until", "till", "before", "every", "each"];

const PUNCT: &[char] = &['.', ',', '!', '?', ';', ':', '-', '–', '—'];

fn punct_only(w: &str) -> bool {
    w.chars().all(|c| PUNCT.contains(&c) || matches!(c, '(' | ')' | '[' | ']' | '"' | '\''))
}

enum Piece<'a> {
    Word(&'a str),
    Hole,
}

/// `text` without `parts`, tidied: no preposition left hanging, no doubled spaces, no
/// punctuation left alone or at either end.
pub(crate) fn rest(text: &str, parts: &[Range<usize>]) -> String {
    let mut pieces = Vec::new();
    let mut pos = 0;
    for r in parts {
        pieces.extend(text[pos..r.start].split_whitespace().map(Piece::Word));
        pieces.push(Piece::Hole);
        pos = r.end;
    }
    pieces.extend(text[pos..].split_whitespace().map(Piece::Word));

    let mut words: Vec<String> = Vec::new();
    for p in pieces {
        match p {
            Piece::Hole => drop_hanging(&mut words),
            Piece::Word(w) if punct_only(w) => {
                // Punctuation that stood after the time joins the word before, once.
                if let Some(last) = words.last_mut()
                    && !last.ends_with(PUNCT)
                    && w.starts_with(PUNCT)
                {
                    last.push_str(w);
                }
            }
            Piece::Word(w) => words.push(w.to_owned()),
        }
    }
    loop {
        drop_hanging(&mut words);
        let Some(last) = words.last_mut() else { break };
        let trimmed = last.trim_end_matches(PUNCT).len();
        if trimmed == last.len() {
            break;
        }
        last.truncate(trimmed);
        if last.is_empty() {
            words.pop();
        }
    }
    let mut out = words.join(" ");
    let start = out.len() - out.trim_start_matches(|c: char| PUNCT.contains(&c) || c == ' ').len();
    out.drain(..start);
    out
}

fn drop_hanging(words: &mut Vec<String>) {
    while words.last().is_some_and(|w| HANGING.contains(&w.to_lowercase().as_str())) {
        words.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::rest;

    fn without(text: &str, part: &str) -> String {
        let s = text.find(part).unwrap();
        rest(text, std::slice::from_ref(&(s..s + part.len())))
    }

    #[test]
    fn tidies() {
        assert_eq!(without("take my meds at 9pm", "at 9pm"), "take my meds");
        assert_eq!(without("call mom, tomorrow, about the car", "tomorrow"), "call mom, about the car");
        assert_eq!(without("call mom tomorrow!", "tomorrow"), "call mom");
        assert_eq!(without("tomorrow: call mom", "tomorrow"), "call mom");
        assert_eq!(without("see Sam on tomorrow at noon", "tomorrow at noon"), "see Sam");
        assert_eq!(without("tomorrow", "tomorrow"), "");
    }
}
