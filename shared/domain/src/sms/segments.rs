//! SMS segments, as GSM 03.38 / 3GPP TS 23.038 and the carriers count them.
//!
//! A text goes on the air in one of two encodings: GSM-7 when every character is in the GSM
//! 03.38 basic character set or its extension table, UCS-2 (UTF-16) otherwise. A single message
//! holds 160 GSM-7 septets or 70 UTF-16 code units; a longer text is sent as a concatenated
//! message whose parts each give 7 septets / 3 code units to the user data header, leaving 153
//! septets or 67 code units. An extension character (`€`, `[`, `{`, …) is an escape plus a
//! character, 2 septets that a carrier never splits across parts; a character outside the Basic
//! Multilingual Plane (most emoji) is a surrogate pair, 2 code units, likewise kept together.
//! Carriers fill the parts greedily, character by character, with no regard for words.

/// How a text is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (and its extension table).
    Gsm7,
    /// UCS-2 (in practice UTF-16) for anything else.
    Ucs2,
}

/// Septets in a single GSM-7 message.
const GSM7_SINGLE: usize = 160;
/// Septets in each part of a concatenated GSM-7 message.
const GSM7_PART: usize = 153;
/// UTF-16 code units in a single UCS-2 message.
const UCS2_SINGLE: usize = 70;
/// UTF-16 code units in each part of a concatenated UCS-2 message.
const UCS2_PART: usize = 67;
/// What a cut text ends with.
const ELLIPSIS: &str = "...";
/// A cut at a word boundary must keep at least this share (in per cent) of what fits.
const WORD_CUT_KEEP_PERCENT: usize = 80;

/// The GSM 03.38 basic character set, in code order (0x00–0x7F); the escape (0x1B) is left out,
/// since it is not a character anyone writes.
const GSM7_BASIC: &str = concat!(
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
);

/// The GSM 03.38 extension table: each character is sent as an escape plus a code, 2 septets.
const GSM7_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

fn is_gsm7_basic(c: char) -> bool {
    // The printable ASCII range is all in the basic set except the backtick; outside it the
    // table is searched (it is short, and this runs once per character of one SMS).
    if c.is_ascii_graphic() || c == ' ' {
        return c != '`' && !GSM7_EXTENSION.contains(c);
    }
    GSM7_BASIC.contains(c)
}

fn is_gsm7_extension(c: char) -> bool {
    GSM7_EXTENSION.contains(c)
}

/// The encoding a text needs: GSM-7 when every character is in the GSM 03.38 basic set or its
/// extension table, UCS-2 otherwise. The empty text is GSM-7.
///
/// The basic set holds unaccented Latin letters, digits, most ASCII punctuation (not the
/// backtick), and a few accented and Greek letters: "é" is GSM-7, "ç" is not (only "Ç" is), and
/// a single emoji, smart quote or backtick makes the whole text UCS-2.
pub fn encoding(text: &str) -> Encoding {
    if text.chars().all(|c| is_gsm7_basic(c) || is_gsm7_extension(c)) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// The room one character takes in `encoding`: septets for GSM-7, UTF-16 code units for UCS-2.
fn width(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 if is_gsm7_extension(c) => 2,
        Encoding::Gsm7 => 1,
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// The length of a text in its own encoding: septets for GSM-7, UTF-16 code units for UCS-2.
fn length(text: &str, encoding: Encoding) -> usize {
    text.chars().map(|c| width(c, encoding)).sum()
}

/// The room of a single message and of each part of a concatenated one.
fn limits(encoding: Encoding) -> (usize, usize) {
    match encoding {
        Encoding::Gsm7 => (GSM7_SINGLE, GSM7_PART),
        Encoding::Ucs2 => (UCS2_SINGLE, UCS2_PART),
    }
}

/// The parts a carrier splits `text` into: one part up to 160 septets (GSM-7) or 70 UTF-16
/// code units (UCS-2); beyond that parts of 153 / 67, never splitting an escape pair or a
/// surrogate pair.
///
/// The parts are filled greedily, character by character, the way carriers do it: a word may
/// straddle two parts, but a 2-septet extension character or a 2-unit emoji that does not fit
/// in what is left of a part starts the next one. The empty text is one empty part. Joining the
/// parts gives back `text`.
pub fn segments(text: &str) -> Vec<String> {
    let encoding = encoding(text);
    let (single, part) = limits(encoding);
    if length(text, encoding) <= single {
        return vec![text.to_owned()];
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = width(c, encoding);
        if used + w > part {
            parts.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(c);
        used += w;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The GSM-7 stand-in for a typographic character that would otherwise force UCS-2, as language
/// models and phone keyboards write them: curly quotes, dashes, ellipsis, odd spaces, bullets.
fn plain(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2039}' | '\u{203A}' | '`'
        | '\u{00B4}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\t' => " ",
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => "",
        '\u{2022}' | '\u{2023}' | '\u{2043}' | '\u{25E6}' | '\u{00B7}' | '\u{2219}' => "-",
        '\u{00D7}' => "x",
        '\u{2122}' => "(TM)",
        '\u{00A9}' => "(C)",
        '\u{00AE}' => "(R)",
        _ => return None,
    })
}

/// `text` with typographic characters that would force UCS-2 replaced by GSM-7 equivalents.
fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match plain(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// Whether a character is dropped from the end of a cut text before the ellipsis goes on.
fn trailing_junk(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | ',' | ';' | ':' | '!' | '?' | '-' | '(' | '[' | '{' | '<' | '"' | '\'' | '/' | '&'
        )
}

/// `text` made to fit in at most `max_parts` segments: typographic punctuation that would force
/// UCS-2 replaced by its GSM-7 equivalent; if still too long, cut at a word boundary and ended
/// with "...".
///
/// The replacements (’ ‘ → ', “ ” → ", – — → -, … → "...", non-breaking and other odd spaces →
/// space, • → -, zero-width characters dropped, …) are made whether or not the text is cut. A
/// text that then fits is returned whole. Otherwise the result is the longest prefix that,
/// with "..." after it, fits in `max_parts` segments in that prefix's own encoding (a prefix
/// that loses the only emoji of a text is counted in GSM-7); it is cut back to its last
/// whitespace when that keeps at least 80% of it, and trailing whitespace and punctuation are
/// dropped before "..." is added. `max_parts` 0 counts as 1.
pub fn fit(text: &str, max_parts: usize) -> String {
    let max_parts = max_parts.max(1);
    let text = plain_text(text);
    if segments(&text).len() <= max_parts {
        return text;
    }
    let fits = |prefix: &str| {
        let mut candidate = String::with_capacity(prefix.len() + ELLIPSIS.len());
        candidate.push_str(prefix);
        candidate.push_str(ELLIPSIS);
        segments(&candidate).len() <= max_parts
    };
    // Byte offsets of every char boundary; the number of parts of `prefix + "..."` only grows
    // with the prefix (a longer one has more to fill, and can only move from GSM-7 to UCS-2),
    // so the longest prefix that fits is found by bisection.
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let (mut lo, mut hi) = (0, bounds.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&text[..bounds[mid]]) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let longest = &text[..bounds[lo]];
    let mut cut = longest;
    if let Some((at, _)) = longest.char_indices().rev().find(|(_, c)| c.is_whitespace()) {
        let kept = &longest[..at];
        let enc = encoding(longest);
        if length(kept, enc) * 100 >= length(longest, enc) * WORD_CUT_KEEP_PERCENT {
            cut = kept;
        }
    }
    let trimmed = cut.trim_end_matches(trailing_junk);
    let body = if trimmed.is_empty() { cut } else { trimmed };
    format!("{body}{ELLIPSIS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens(parts: &[String]) -> Vec<usize> {
        parts.iter().map(|p| length(p, encoding(p))).collect()
    }

    #[test]
    fn the_basic_set_is_gsm7() {
        let basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        assert_eq!(basic.chars().count(), 127);
        assert_eq!(encoding(basic), Encoding::Gsm7);
        assert_eq!(length(basic, Encoding::Gsm7), 127);
        for c in basic.chars() {
            assert_eq!(encoding(&c.to_string()), Encoding::Gsm7, "{c:?}");
        }
    }

    #[test]
    fn the_extension_table_is_gsm7_at_two_septets() {
        for c in "\u{000C}^{}\\[~]|€".chars() {
            let s = c.to_string();
            assert_eq!(encoding(&s), Encoding::Gsm7, "{c:?}");
            assert_eq!(length(&s, Encoding::Gsm7), 2, "{c:?}");
        }
    }

    #[test]
    fn characters_outside_gsm7_force_ucs2() {
        for s in ["ç", "`", "’", "“", "—", "…", "\u{00A0}", "\t", "😀", "ñç", "Œ", "ê", "á", "中", "Я"]
        {
            assert_eq!(encoding(s), Encoding::Ucs2, "{s:?}");
        }
        assert_eq!(encoding("é"), Encoding::Gsm7);
        assert_eq!(encoding("Ç"), Encoding::Gsm7);
        assert_eq!(encoding(""), Encoding::Gsm7);
        assert_eq!(encoding("call mom at 5 `now`"), Encoding::Ucs2);
    }

    #[test]
    fn empty_text_is_one_empty_part() {
        assert_eq!(segments(""), vec![String::new()]);
    }

    #[test]
    fn gsm7_single_and_concatenated_boundaries() {
        assert_eq!(segments(&"a".repeat(160)).len(), 1);
        let parts = segments(&"a".repeat(161));
        assert_eq!(lens(&parts), vec![153, 8]);
        assert_eq!(lens(&segments(&"a".repeat(306))), vec![153, 153]);
        assert_eq!(lens(&segments(&"a".repeat(307))), vec![153, 153, 1]);
        assert_eq!(segments(&"a".repeat(459)).len(), 3);
        assert_eq!(segments(&"a".repeat(460)).len(), 4);
    }

    #[test]
    fn an_extension_char_counts_two_septets() {
        let text = format!("{}€", "a".repeat(158));
        assert_eq!(segments(&text).len(), 1, "160 septets");
        let text = format!("{}€", "a".repeat(159));
        let parts = segments(&text);
        assert_eq!(parts.len(), 2, "161 septets");
        assert_eq!(lens(&parts), vec![153, 8]);
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn an_escape_pair_is_not_split() {
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let parts = segments(&text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "a".repeat(152));
        assert_eq!(parts[1], format!("€{}", "b".repeat(10)));
        // One earlier, it fits exactly.
        let text = format!("{}€{}", "a".repeat(151), "b".repeat(10));
        let parts = segments(&text);
        assert_eq!(parts[0], format!("{}€", "a".repeat(151)));
        assert_eq!(lens(&parts), vec![153, 10]);
    }

    #[test]
    fn ucs2_single_and_concatenated_boundaries() {
        assert_eq!(segments(&"ç".repeat(70)).len(), 1);
        assert_eq!(lens(&segments(&"ç".repeat(71))), vec![67, 4]);
        assert_eq!(lens(&segments(&"ç".repeat(134))), vec![67, 67]);
        assert_eq!(lens(&segments(&"ç".repeat(135))), vec![67, 67, 1]);
        // One non-GSM character makes the whole text UCS-2.
        let text = format!("{}ç", "a".repeat(70));
        assert_eq!(lens(&segments(&text)), vec![67, 4]);
    }

    #[test]
    fn an_emoji_counts_two_units_and_is_not_split() {
        assert_eq!(segments(&"😀".repeat(35)).len(), 1, "70 units");
        assert_eq!(segments(&"😀".repeat(36)).len(), 2, "72 units");
        let text = format!("{}😀{}", "ç".repeat(66), "ç".repeat(10));
        let parts = segments(&text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "ç".repeat(66));
        assert!(parts[1].starts_with('😀'));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn parts_join_back_to_the_text() {
        let text = "Remember: {dentist} at 3pm, then [groceries] — milk, eggs, €5 coffee 😀 ".repeat(20);
        let parts = segments(&text);
        assert_eq!(parts.concat(), text);
        assert!(lens(&parts).iter().all(|&l| l <= UCS2_PART));
    }

    #[test]
    fn fit_replaces_typographic_punctuation() {
        let text = "It’s “done” – nice… • next:\u{00A0}call mom";
        let out = fit(text, 1);
        assert_eq!(out, "It's \"done\" - nice... - next: call mom");
        assert_eq!(encoding(&out), Encoding::Gsm7);
        assert_eq!(segments(&out).len(), 1);
    }

    #[test]
    fn fit_leaves_a_short_text_alone() {
        assert_eq!(fit("Call mom at 5.", 1), "Call mom at 5.");
        assert_eq!(fit("", 1), "");
        assert_eq!(fit("Café ça va 😀", 1), "Café ça va 😀");
    }

    #[test]
    fn fit_cuts_a_long_text_to_max_parts() {
        let text = "word ".repeat(200);
        let out = fit(&text, 3);
        assert!(out.ends_with("..."));
        assert_eq!(segments(&out).len(), 3);
        assert!(!out.ends_with(" ..."));
        assert!(out.len() > 400, "kept most of the budget: {}", out.len());
        // Cut at a word boundary.
        assert!(out.trim_end_matches("...").ends_with("word"));

        let text = "a".repeat(1000);
        let out = fit(&text, 3);
        assert_eq!(segments(&out).len(), 3);
        assert_eq!(length(&out, Encoding::Gsm7), 3 * 153);
    }

    #[test]
    fn fit_to_one_part_uses_the_single_message_room() {
        let out = fit(&"a".repeat(500), 1);
        assert_eq!(out.len(), 160);
        assert_eq!(segments(&out).len(), 1);
        let out = fit(&"a".repeat(500), 0);
        assert_eq!(out.len(), 160);
    }

    #[test]
    fn fit_prefers_a_word_boundary_only_when_it_keeps_most() {
        // The only space is early: cut mid-word rather than lose most of the text.
        let text = format!("hi {}", "a".repeat(400));
        let out = fit(&text, 1);
        assert_eq!(length(&out, Encoding::Gsm7), 160);
        assert!(out.starts_with("hi a"));
    }

    #[test]
    fn fit_trims_trailing_punctuation_before_the_ellipsis() {
        let text = format!("{}, and then more text here", "x".repeat(155));
        let out = fit(&text, 1);
        assert_eq!(out, format!("{}...", "x".repeat(155)));
    }

    #[test]
    fn fit_a_long_ucs2_text() {
        let text = "Ça va? Tu as appelé ta mère 😀 ".repeat(30);
        let out = fit(&text, 2);
        assert!(segments(&out).len() <= 2);
        assert!(out.ends_with("..."));
        assert_eq!(encoding(&out), Encoding::Ucs2);
        assert!(length(&out, Encoding::Ucs2) > 100);
    }

    #[test]
    fn fit_counts_a_cut_prefix_in_its_own_encoding() {
        // The emoji at the end is cut off, so what is left is GSM-7 and gets 160 septets.
        let text = format!("{}😀", "a ".repeat(300));
        let out = fit(&text, 1);
        assert_eq!(encoding(&out), Encoding::Gsm7);
        assert!(length(&out, Encoding::Gsm7) > 150);
        assert_eq!(segments(&out).len(), 1);
    }

    #[test]
    fn fit_never_splits_pairs_and_never_exceeds() {
        for max in 0..5 {
            for text in [
                "€".repeat(400),
                "😀".repeat(400),
                "!".repeat(1000),
                " ".repeat(1000),
                format!("{}{}", "ç ".repeat(100), "€".repeat(100)),
                "Ω é [x] ".repeat(100),
            ] {
                let out = fit(&text, max);
                assert!(segments(&out).len() <= max.max(1), "{max} {out:?}");
            }
        }
    }
}
