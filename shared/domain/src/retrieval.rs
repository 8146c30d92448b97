//! Retrieval of the user's memories for a chat turn, and their selection within a token budget.
//!
//! Two rankers, both pure: [`by_embedding`] (cosine similarity of stored vectors with the message's
//! vector) when an embedding provider is configured and the items have vectors, and [`bm25`] (Okapi
//! BM25 over the words of title and content) otherwise. Either yields `(index into docs, score)`
//! best first; [`select_within_budget`] then turns a ranking into the texts to inject into the
//! prompt, and [`recent_facts`] gives the basics to inject when the message matches nothing.
//!
//! Ties in a ranking are ordered newest `created_at` first, then by index, so results are stable.

use std::collections::HashMap;

use crate::{Memory, MemoryKind};

/// BM25 term-frequency saturation: how quickly repeating a term stops adding to the score.
pub const BM25_K1: f32 = 1.2;
/// BM25 length normalization: 0 ignores the document's length, 1 normalizes fully.
pub const BM25_B: f32 = 0.75;
/// The fewest tokens left in the budget for which a note that does not fit whole is cut to fit;
/// with less left it is skipped, as a stub of a note says little.
pub const MIN_CUT_TOKENS: usize = 40;

/// Words that carry no meaning for retrieval: articles, pronouns, auxiliaries, question words,
/// and the pieces contractions split into ("what's" gives "what" and "s").
const STOPWORDS: &[&str] = &[
    "a", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could",
    "d", "did", "do", "does", "doing", "don", "for", "from", "had", "has", "have", "having", "he", "her",
    "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "ll", "m", "me",
    "my", "no", "not", "of", "on", "or", "our", "ours", "re", "s", "she", "so", "t", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "us", "ve", "was", "we",
    "were", "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your",
    "yours",
];

/// A memory as it is injected into the prompt, and as it is matched: `title: content` when it has
/// a title, else the content.
pub fn memory_text(memory: &Memory) -> String {
    match memory.title.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => format!("{title}: {}", memory.content.as_str()),
        _ => memory.content.as_str().to_owned(),
    }
}

/// Splits text into terms for retrieval: lowercased, split on every character that is not
/// alphanumeric (Unicode-aware, so "café" and "straße" stay whole), stopwords dropped, and each
/// remaining word [stemmed](stem). Numbers are terms too ("4411", "9").
pub fn tokenize(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(stem)
        .collect()
}

/// A light, conservative English suffix stemmer. It need not give real words, only the same stem
/// for a word's common forms. Words of more than 3 letters, all ASCII letters (so numbers, codes
/// such as "b12" and non-English words are kept as they are), lose at most one of:
///
/// - "sses" → "ss" ("classes" → "class"); "ies"/"ied" → "y" ("carries", "carried" → "carry");
/// - a plural "s", but not after "s", "u" or "i" ("meds" → "med"; "glass", "status", "analysis" stay);
/// - "ing" or "ed" when at least 3 letters remain ("taking" → "tak", "called" → "call"), "ed" not
///   after "e" ("need", "agreed" stay); a doubled final consonant other than l, s, z is then undoubled
///   ("running" → "run", "stopped" → "stop");
///
/// and then a final "e" when at least 3 letters remain, so "take", "takes", "taking" all give "tak",
/// and "note", "notes", "noted" give "not" (the stopword "not" is dropped before stemming).
/// "medication" is not reduced to "med".
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_owned();
    }
    let mut w = if let Some(s) = word.strip_suffix("sses") {
        format!("{s}ss")
    } else if let Some(s) =
        word.strip_suffix("ies").or_else(|| word.strip_suffix("ied")).filter(|s| s.len() >= 2)
    {
        format!("{s}y")
    } else if word.ends_with('s') && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is")) {
        word[..word.len() - 1].to_owned()
    } else if let Some(s) = word.strip_suffix("ing").filter(|s| s.len() >= 3) {
        undouble(s)
    } else if let Some(s) = word.strip_suffix("ed").filter(|s| s.len() >= 3 && !s.ends_with('e')) {
        undouble(s)
    } else {
        word.to_owned()
    };
    if w.len() >= 4 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// "runn" → "run": drops a doubled final consonant other than l, s, z if at least 3 letters remain.
fn undouble(stem: &str) -> String {
    let b = stem.as_bytes();
    let n = b.len();
    let doubled = n >= 4 && b[n - 1] == b[n - 2] && !b"aeiouylsz".contains(&b[n - 1]);
    if doubled { stem[..n - 1].to_owned() } else { stem.to_owned() }
}

/// Okapi BM25 of `query` against each memory's [text](memory_text), with k1 = [`BM25_K1`],
/// b = [`BM25_B`] and IDF = ln(1 + (N − n + 0.5) / (n + 0.5)), which is always positive. Repeated
/// query terms count once. Returns only the memories scoring above 0, best first, ties newest first.
pub fn bm25(query: &str, docs: &[Memory]) -> Vec<(usize, f32)> {
    let mut terms = tokenize(query);
    terms.sort_unstable();
    terms.dedup();
    if terms.is_empty() || docs.is_empty() {
        return Vec::new();
    }

    let mut freqs: Vec<HashMap<String, usize>> = Vec::with_capacity(docs.len());
    let mut lens: Vec<usize> = Vec::with_capacity(docs.len());
    for doc in docs {
        let tokens = tokenize(&memory_text(doc));
        lens.push(tokens.len());
        let mut tf = HashMap::new();
        for t in tokens {
            *tf.entry(t).or_insert(0) += 1;
        }
        freqs.push(tf);
    }
    let n_docs = docs.len() as f32;
    let avgdl = (lens.iter().sum::<usize>() as f32 / n_docs).max(1.0);

    let mut scores = vec![0.0_f32; docs.len()];
    for term in &terms {
        let df = freqs.iter().filter(|tf| tf.contains_key(term)).count() as f32;
        if df == 0.0 {
            continue;
        }
        let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
        for (i, tf) in freqs.iter().enumerate() {
            if let Some(&f) = tf.get(term) {
                let f = f as f32;
                let norm = 1.0 - BM25_B + BM25_B * lens[i] as f32 / avgdl;
                scores[i] += idf * f * (BM25_K1 + 1.0) / (f + BM25_K1 * norm);
            }
        }
    }

    let mut ranked: Vec<(usize, f32)> = scores.into_iter().enumerate().filter(|&(_, s)| s > 0.0).collect();
    sort_ranked(&mut ranked, docs);
    ranked
}

/// Cosine similarity of two vectors, in [-1, 1]; 0 when their lengths differ or either is all zeros.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    (dot / (na.sqrt() * nb.sqrt())).clamp(-1.0, 1.0) as f32
}

/// Ranks the memories that have an embedding of the query's dimension (vectors from another model
/// are skipped) by cosine similarity with `query`, keeping those at or above `min_similarity`;
/// best first, ties newest first. Use a positive `min_similarity`: a zero query scores 0 everywhere.
pub fn by_embedding(query: &[f32], docs: &[Memory], min_similarity: f32) -> Vec<(usize, f32)> {
    let mut ranked: Vec<(usize, f32)> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let v = m.embedding.as_deref().filter(|v| v.len() == query.len())?;
            let s = cosine(query, v);
            (s >= min_similarity).then_some((i, s))
        })
        .collect();
    sort_ranked(&mut ranked, docs);
    ranked
}

/// Score descending, then newer `created_at` first, then index.
fn sort_ranked(ranked: &mut [(usize, f32)], docs: &[Memory]) {
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1).then_with(|| docs[b.0].created_at.cmp(&docs[a.0].created_at)).then(a.0.cmp(&b.0))
    });
}

/// A cheap, deliberately high estimate of the tokens `text` costs: one token per 4 characters
/// (rounded up), but never fewer than one per whitespace-separated word.
pub fn estimate_tokens(text: &str) -> usize {
    estimate(text.chars().count(), text.split_whitespace().count())
}

fn estimate(chars: usize, words: usize) -> usize {
    chars.div_ceil(4).max(words)
}

/// A memory chosen for the prompt: its index in the docs and the text to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub index: usize,
    pub text: String,
}

/// Chooses what to inject from a ranking, best first: each memory's [text](memory_text) is taken
/// whole if its [estimate](estimate_tokens) fits the budget left; a note that does not fit is cut at
/// a word boundary, ending with "…", to the budget left if at least [`MIN_CUT_TOKENS`] are left, and
/// skipped otherwise; a fact is never cut, only skipped. Skipped items do not stop the walk, as a
/// smaller one further down may still fit. At most `max_items` are taken; indices out of range or
/// repeated are ignored. The estimates of the chosen texts never sum to more than `budget_tokens`.
pub fn select_within_budget(
    ranked: &[(usize, f32)],
    docs: &[Memory],
    budget_tokens: usize,
    max_items: usize,
) -> Vec<Injected> {
    let mut out: Vec<Injected> = Vec::new();
    let mut remaining = budget_tokens;
    for &(index, _) in ranked {
        if out.len() >= max_items || remaining == 0 {
            break;
        }
        let Some(memory) = docs.get(index) else { continue };
        if out.iter().any(|i| i.index == index) {
            continue;
        }
        let text = memory_text(memory);
        let cost = estimate_tokens(&text);
        if cost <= remaining {
            remaining -= cost;
            out.push(Injected { index, text });
        } else if memory.kind == MemoryKind::Note
            && remaining >= MIN_CUT_TOKENS
            && let Some(cut) = cut_to_tokens(&text, remaining)
        {
            remaining -= estimate_tokens(&cut);
            out.push(Injected { index, text: cut });
        }
    }
    out
}

/// The longest prefix of `text` ending at a word boundary which, with "…" appended, is estimated at
/// no more than `max_tokens`; `None` if not even the first word fits.
fn cut_to_tokens(text: &str, max_tokens: usize) -> Option<String> {
    let mut best = None;
    let (mut chars, mut words, mut in_word) = (0, 0, false);
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                in_word = false;
                // `text[..i]` has `chars` characters and `words` words; "…" adds one character.
                if estimate(chars + 1, words) > max_tokens {
                    break;
                }
                best = Some(i);
            }
        } else {
            in_word = true;
        }
        chars += 1;
    }
    best.map(|end| format!("{}…", text[..end].trim_end_matches([',', ';', ':'])))
}

/// The indices of the `n` newest facts, newest first: the basics to inject when the message
/// matches nothing.
pub fn recent_facts(docs: &[Memory], n: usize) -> Vec<usize> {
    let mut facts: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].kind == MemoryKind::Fact).collect();
    facts.sort_by(|&a, &b| docs[b].created_at.cmp(&docs[a].created_at).then(a.cmp(&b)));
    facts.truncate(n);
    facts
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::{MemoryContent, MemoryId, MemorySource, UserId};

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn mem(n: u128, kind: MemoryKind, title: Option<&str>, content: &str, secs: i64) -> Memory {
        Memory {
            id: MemoryId::from_uuid(Uuid::from_u128(n)),
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            kind,
            title: title.map(str::to_owned),
            content: MemoryContent::parse(content).unwrap(),
            source: MemorySource::Api,
            embedding: None,
            created_at: at(secs),
        }
    }

    fn fact(n: u128, content: &str) -> Memory {
        mem(n, MemoryKind::Fact, None, content, n as i64)
    }

    fn note(n: u128, content: &str) -> Memory {
        mem(n, MemoryKind::Note, None, content, n as i64)
    }

    fn with_vec(mut m: Memory, v: &[f32]) -> Memory {
        m.embedding = Some(v.to_vec());
        m
    }

    fn score_of(ranked: &[(usize, f32)], index: usize) -> f32 {
        ranked.iter().find(|r| r.0 == index).map_or(0.0, |r| r.1)
    }

    fn words(n: usize) -> String {
        (0..n).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn retrieval_tokenize_lowercases_splits_drops_stopwords_keeps_numbers() {
        assert_eq!(tokenize("What's my LOCKER code?"), ["locker", "cod"]);
        assert_eq!(tokenize("Room 4411, floor 9; b12"), ["room", "4411", "floor", "9", "b12"]);
        assert_eq!(tokenize("Café ÜBER straße"), ["café", "über", "straße"]);
        assert!(tokenize("what is the, and of my …").is_empty());
    }

    #[test]
    fn retrieval_stemmer_is_conservative_and_consistent() {
        for (word, want) in [
            ("meds", "med"),
            ("med", "med"),
            ("medication", "medication"),
            ("take", "tak"),
            ("takes", "tak"),
            ("taking", "tak"),
            ("note", "not"),
            ("notes", "not"),
            ("noted", "not"),
            ("running", "run"),
            ("runs", "run"),
            ("stopped", "stop"),
            ("called", "call"),
            ("calling", "call"),
            ("classes", "class"),
            ("carries", "carry"),
            ("carried", "carry"),
            ("boxes", "box"),
            ("glass", "glass"),
            ("status", "status"),
            ("need", "need"),
            ("bed", "bed"),
            ("added", "add"),
            ("4411", "4411"),
            ("años", "años"),
        ] {
            assert_eq!(stem(word), want, "stem({word})");
        }
    }

    #[test]
    fn retrieval_bm25_ranks_the_locker_code_first() {
        let docs = [
            fact(1, "I take my meds at 9 every morning"),
            fact(2, "my locker code is 4411"),
            note(3, "code review for the work project is on friday"),
            note(4, "the locker room at the pool is cold, bring a towel"),
            fact(5, "my sister's name is Ana"),
        ];
        let ranked = bm25("what's my locker code", &docs);
        assert_eq!(ranked[0].0, 1);
        assert!(ranked[0].1 > ranked[1].1);
        assert!(ranked.iter().all(|r| r.0 != 0 && r.0 != 4), "unrelated docs must not match: {ranked:?}");
        assert_eq!(bm25("4411", &docs).iter().map(|r| r.0).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn retrieval_bm25_short_exact_doc_beats_long_doc_mentioning_term_once() {
        let long = format!("insulin {}", words(60));
        let docs = [note(1, &long), fact(2, "insulin pen in the fridge"), fact(3, "gym on mondays")];
        let ranked = bm25("insulin", &docs);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 0]);
        assert!(ranked[0].1 > 2.0 * ranked[1].1, "length normalization too weak: {ranked:?}");
    }

    #[test]
    fn retrieval_bm25_term_frequency_saturates() {
        // Same length (8 terms), so only term frequency differs.
        let docs = [
            note(1, "coffee alpha bravo charlie delta echo foxtrot golf"),
            note(2, "coffee coffee coffee coffee coffee coffee coffee coffee"),
            note(3, "tea"),
        ];
        let ranked = bm25("coffee", &docs);
        let (once, eight) = (score_of(&ranked, 0), score_of(&ranked, 1));
        assert!(eight > once);
        assert!(eight < 3.0 * once, "8 occurrences should score well under 8× one: {once} vs {eight}");
        let idf = (1.0_f32 + (3.0 - 2.0 + 0.5) / (2.0 + 0.5)).ln();
        assert!(eight < idf * (BM25_K1 + 1.0));
    }

    #[test]
    fn retrieval_bm25_rare_term_outweighs_common_term() {
        let docs = [
            note(1, "pharmacy closes early"),
            note(2, "pharmacy opens late"),
            note(3, "pharmacy parking lot"),
            note(4, "prescription refill soon"),
        ];
        let ranked = bm25("pharmacy refill", &docs);
        assert_eq!(ranked.len(), 4);
        assert_eq!(ranked[0].0, 3);
        assert!(ranked[0].1 > 2.0 * ranked[1].1, "{ranked:?}");
    }

    #[test]
    fn retrieval_bm25_stopwords_alone_match_nothing() {
        let docs = [fact(1, "what is the plan for my day"), note(2, "it is what it is")];
        assert!(bm25("what is my the", &docs).is_empty());
        assert!(bm25("", &docs).is_empty());
        assert!(bm25("locker", &[]).is_empty());
    }

    #[test]
    fn retrieval_bm25_stemming_matches_forms_of_a_word() {
        let docs = [
            fact(1, "took my med at 9"),
            fact(2, "medication list is on the fridge"),
            note(3, "remember to take the bins out"),
        ];
        assert_eq!(bm25("meds", &docs).iter().map(|r| r.0).collect::<Vec<_>>(), [0]);
        assert_eq!(bm25("am I taking anything", &docs).iter().map(|r| r.0).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn retrieval_bm25_matches_title_and_ties_newest_first() {
        let mut older = mem(1, MemoryKind::Note, Some("Dentist"), "call on monday", 10);
        let newer = mem(2, MemoryKind::Note, Some("Dentist"), "call on monday", 20);
        let ranked = bm25("dentist", &[older.clone(), newer.clone()]);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 0]);
        assert_eq!(ranked[0].1, ranked[1].1);
        older.created_at = at(30);
        assert_eq!(bm25("dentist", &[older, newer]).iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn retrieval_cosine_basics() {
        assert!((cosine(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-6);
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 2.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
    }

    #[test]
    fn retrieval_by_embedding_ranks_filters_and_skips_missing_vectors() {
        let docs = [
            with_vec(fact(1, "a"), &[1.0, 0.0]),
            fact(2, "no vector"),
            with_vec(fact(3, "b"), &[0.6, 0.8]),
            with_vec(fact(4, "c"), &[0.0, 1.0]),
            with_vec(fact(5, "other model"), &[1.0, 0.0, 0.0]),
            with_vec(fact(6, "same as a, newer"), &[1.0, 0.0]),
        ];
        let ranked = by_embedding(&[1.0, 0.0], &docs, 0.5);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), [5, 0, 2]);
        assert!((ranked[2].1 - 0.6).abs() < 1e-6);
        assert!(by_embedding(&[1.0, 0.0], &docs, 1.01).is_empty());
    }

    #[test]
    fn retrieval_estimate_tokens_is_chars_over_four_or_words() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("a b c d e f g h"), 8);
        assert_eq!(estimate_tokens("my locker code is 4411"), 6);
    }

    #[test]
    fn retrieval_select_stops_at_budget() {
        // Each text is 16 characters: 4 tokens.
        let docs: Vec<Memory> = (0..5).map(|i| fact(i, &format!("fact {i} abcdefghi"))).collect();
        let ranked: Vec<(usize, f32)> = (0..5).map(|i| (i, 1.0)).collect();
        let picked = select_within_budget(&ranked, &docs, 10, 10);
        assert_eq!(picked.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(picked[0].text, "fact 0 abcdefghi");
        assert!(select_within_budget(&ranked, &docs, 3, 10).is_empty());
    }

    #[test]
    fn retrieval_select_respects_max_items_and_renders_titles() {
        let docs = [
            mem(1, MemoryKind::Note, Some("Locker"), "code 4411", 1),
            fact(2, "likes tea"),
            fact(3, "has a cat"),
        ];
        let ranked = [(0, 3.0), (1, 2.0), (2, 1.0)];
        let picked = select_within_budget(&ranked, &docs, 1000, 2);
        assert_eq!(
            picked,
            [
                Injected { index: 0, text: "Locker: code 4411".into() },
                Injected { index: 1, text: "likes tea".into() }
            ]
        );
        assert!(select_within_budget(&ranked, &docs, 1000, 0).is_empty());
    }

    #[test]
    fn retrieval_select_cuts_a_long_note_at_a_word_boundary() {
        let long = words(200); // ~1 400 chars, ~350 tokens
        let docs = [fact(1, "likes tea"), note(2, &long)];
        let picked = select_within_budget(&[(0, 2.0), (1, 1.0)], &docs, 100, 10);
        assert_eq!(picked.len(), 2);
        let cut = &picked[1].text;
        assert!(cut.ends_with('…'), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert!(long[cut.trim_end_matches('…').len()..].starts_with(' '), "cut mid-word: {cut}");
        let used = estimate_tokens(&picked[0].text) + estimate_tokens(cut);
        assert!((95..=100).contains(&used), "used {used}");
    }

    #[test]
    fn retrieval_select_skips_a_note_when_too_little_budget_is_left() {
        let docs = [note(1, &words(200))];
        assert!(select_within_budget(&[(0, 1.0)], &docs, MIN_CUT_TOKENS - 1, 10).is_empty());
        assert_eq!(select_within_budget(&[(0, 1.0)], &docs, MIN_CUT_TOKENS, 10).len(), 1);
    }

    #[test]
    fn retrieval_select_never_cuts_a_fact() {
        let docs = [fact(1, &words(200)), fact(2, "likes tea")];
        let picked = select_within_budget(&[(0, 2.0), (1, 1.0)], &docs, 100, 10);
        assert_eq!(picked, [Injected { index: 1, text: "likes tea".into() }]);
    }

    #[test]
    fn retrieval_select_ignores_bad_and_repeated_indices() {
        let docs = [fact(1, "likes tea")];
        let picked = select_within_budget(&[(7, 9.0), (0, 2.0), (0, 1.0)], &docs, 100, 10);
        assert_eq!(picked.iter().map(|p| p.index).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn retrieval_recent_facts_are_the_newest_facts() {
        let docs = [
            mem(1, MemoryKind::Fact, None, "oldest fact", 1),
            mem(2, MemoryKind::Note, None, "newest note", 9),
            mem(3, MemoryKind::Fact, None, "newest fact", 5),
            mem(4, MemoryKind::Fact, None, "middle fact", 3),
        ];
        assert_eq!(recent_facts(&docs, 2), [2, 3]);
        assert_eq!(recent_facts(&docs, 10), [2, 3, 0]);
        assert!(recent_facts(&docs, 0).is_empty());
    }
}
