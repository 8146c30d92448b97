//! Searching the user's connected accounts: "search notion for trip plans", "find trip plans in
//! notion" → `notion_search`; "find youtube videos about sourdough", "search youtube for
//! sourdough", "look up sourdough on youtube" → `youtube_search`. Only a message that names
//! Notion, YouTube or videos is a search there; "search for my locker code" stays a recall.

use super::{Msg, Plan, one};
use crate::calls::{self, NOTION_SEARCH, YOUTUBE_SEARCH};
use crate::extract::Span;
use crate::talk;

/// Words before what is looked for that only point at it: "me some videos", "my notion page".
const ARTICLES_AND_ME: &[&str] =
    &["me", "my", "the", "a", "an", "some", "a few", "good", "any", "a couple of"];

/// How a search is asked for before what is looked for.
const SEARCH_VERBS: &[&str] = &[
    "search",
    "search for",
    "find",
    "find me",
    "look up",
    "look for",
    "look",
    "pull up",
    "get",
    "get me",
    "show",
    "show me",
    "check",
    "check for",
    "are there",
    "are there any",
    "any",
    "any good",
];

/// What is looked for, tidied: "for trip plans" → "trip plans".
fn query(q: Span, nouns: &[&'static str]) -> Option<String> {
    let q = q
        .strip_leading(&[
            "for",
            "about",
            "on",
            "of",
            "called",
            "named",
            "titled",
            "with",
            "showing",
            "explaining",
        ])
        .strip_leading(&["the", "a", "an", "my", "our"])
        .strip_trailing(nouns)
        .strip_trailing(&["for", "about", "on"]);
    (!q.is_empty()).then(|| q.text())
}

fn ask(tool: &'static str, question: String) -> Option<Plan> {
    Some(Plan::Ask { tool, question })
}

const NOTION_OPENERS: &[&str] = &[
    "search notion",
    "search notion for",
    "search my notion",
    "search my notion for",
    "search in notion",
    "search in notion for",
    "search in my notion for",
    "notion search",
    "notion search for",
    "look in notion for",
    "look in my notion for",
    "check notion for",
    "check my notion for",
    "find in notion",
    "find in my notion",
];

const NOTION_PLACES: &[&str] = &[
    "in notion",
    "on notion",
    "in my notion",
    "from notion",
    "from my notion",
    "in my notion workspace",
    "in the notion workspace",
];

const NOTION_NOUNS: &[&str] = &[
    "page",
    "pages",
    "doc",
    "docs",
    "document",
    "documents",
    "notes",
    "database",
    "databases",
    "the page",
    "the pages",
    "a page",
];

/// "search notion for trip plans", "find trip plans in notion", "find my notion page about
/// the trip".
pub(super) fn notion_search(m: Msg) -> Option<Plan> {
    let u = m.u;
    let asked = || ask(NOTION_SEARCH, talk::ask_notion_query());
    if let Some((_, r)) = u.after_any(NOTION_OPENERS) {
        return match query(r.strip_leading(NOTION_NOUNS), NOTION_NOUNS) {
            Some(q) => one(calls::notion_search(&q)),
            None => asked(),
        };
    }
    let (_, r) = u.after_any(SEARCH_VERBS)?;
    if let Some((_, q)) = r.before_any(NOTION_PLACES) {
        let q = q.strip_leading(ARTICLES_AND_ME);
        return match query(q, NOTION_NOUNS) {
            Some(q) => one(calls::notion_search(&q)),
            None => asked(),
        };
    }
    let q = r.strip_leading(ARTICLES_AND_ME).after("notion")?;
    match query(q.strip_leading(NOTION_NOUNS), NOTION_NOUNS) {
        Some(q) => one(calls::notion_search(&q)),
        None => asked(),
    }
}

const YOUTUBE_OPENERS: &[&str] = &[
    "search youtube",
    "search youtube for",
    "search on youtube",
    "search on youtube for",
    "youtube search",
    "youtube search for",
    "look on youtube for",
    "check youtube for",
    "find on youtube",
    "look up on youtube",
    "youtube",
];

const YOUTUBE_PLACES: &[&str] = &["on youtube", "from youtube", "in youtube", "on yt", "from yt"];

/// What a search for videos names first: "youtube videos about…".
const VIDEO_NOUNS: &[&str] = &[
    "youtube videos",
    "youtube video",
    "yt videos",
    "yt video",
    "videos",
    "video",
    "vids",
    "youtube clips",
    "clips",
    "youtube tutorials",
    "youtube tutorial",
];

/// "find youtube videos about sourdough", "search youtube for sourdough", "look up sourdough on
/// youtube", "show me videos on how to tie a tie".
pub(super) fn youtube_search(m: Msg) -> Option<Plan> {
    let u = m.u;
    let asked = || ask(YOUTUBE_SEARCH, talk::ask_youtube_query());
    let found = |q: Option<String>| match q {
        Some(q) => one(calls::youtube_search(&q)),
        None => asked(),
    };
    if let Some((_, r)) = u.after_any(YOUTUBE_OPENERS) {
        let r = r.strip_leading(&["for"]).strip_leading(ARTICLES_AND_ME).strip_leading(VIDEO_NOUNS);
        return found(query(r, VIDEO_NOUNS));
    }
    let (_, r) = u.after_any(SEARCH_VERBS)?;
    if let Some((_, q)) = r.before_any(YOUTUBE_PLACES) {
        let q = q.strip_leading(ARTICLES_AND_ME).strip_leading(VIDEO_NOUNS);
        return found(query(q, VIDEO_NOUNS));
    }
    let (noun, q) = r.strip_leading(ARTICLES_AND_ME).after_any(VIDEO_NOUNS)?;
    // "find the video": which one? Only a search when it says what about.
    let about = q.after_any(&["about", "on", "of", "for", "showing", "explaining", "with"]).is_some()
        || q.starts_with("how to");
    if !(noun.contains("youtube") || noun.starts_with("yt") || about) {
        return None;
    }
    found(query(q, VIDEO_NOUNS))
}
