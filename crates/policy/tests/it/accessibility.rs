//! The HTML notice is an accessible page, checked by parsing it: a `lang`
//! on `<html>`, a viewport for phones, the `header`, `nav` and `main`
//! landmarks, exactly one `h1` and no skipped heading level, every link
//! with text and a target (and every in-page target present), every table
//! with header cells, and nothing loaded from elsewhere. Run over every
//! example policy.

use tl::{HTMLTag, Node, ParserOptions};
use tutela_policy::{NoticeFormat, Policy};

use crate::examples::all_policies;

fn tags<'p>(dom: &'p tl::VDom<'p>) -> Vec<&'p HTMLTag<'p>> {
    dom.nodes().iter().filter_map(Node::as_tag).collect()
}

fn name(t: &HTMLTag<'_>) -> String {
    t.name().as_utf8_str().to_ascii_lowercase()
}

fn attr(t: &HTMLTag<'_>, key: &str) -> Option<String> {
    t.attributes()
        .get(key)
        .flatten()
        .map(|v| v.as_utf8_str().into_owned())
}

/// Everything wrong with the page, in words; empty when it passes.
fn problems(html: &str) -> Vec<String> {
    let dom = tl::parse(html, ParserOptions::default()).expect("parses");
    let parser = dom.parser();
    let all = tags(&dom);
    let mut out = Vec::new();
    let named = |n: &str| all.iter().filter(|t| name(t) == n).count();

    match all.iter().find(|t| name(t) == "html") {
        Some(h) if attr(h, "lang").is_some_and(|l| !l.trim().is_empty()) => {}
        _ => out.push("<html> has no lang".to_owned()),
    }
    let viewport = all
        .iter()
        .any(|t| name(t) == "meta" && attr(t, "name").as_deref() == Some("viewport"));
    if !viewport {
        out.push("no viewport meta".to_owned());
    }
    if named("title") != 1 {
        out.push("not exactly one <title>".to_owned());
    }
    for landmark in ["header", "nav", "main"] {
        if named(landmark) != 1 {
            out.push(format!("not exactly one <{landmark}>"));
        }
    }
    if let Some(nav) = all.iter().find(|t| name(t) == "nav")
        && attr(nav, "aria-label").is_none()
    {
        out.push("<nav> has no aria-label".to_owned());
    }
    headings(&all, &mut out);
    let ids: Vec<String> = all.iter().filter_map(|t| attr(t, "id")).collect();
    for a in all.iter().filter(|t| name(t) == "a") {
        let text = a.inner_text(parser);
        let href = attr(a, "href").unwrap_or_default();
        if text.trim().is_empty() {
            out.push(format!("empty link to {href:?}"));
        }
        if href.trim().is_empty() {
            out.push(format!("link {text:?} has no href"));
        }
        if let Some(target) = href.strip_prefix('#')
            && !ids.iter().any(|id| id == target)
        {
            out.push(format!("link to missing #{target}"));
        }
        if !(href.starts_with('#')
            || href.starts_with("mailto:")
            || href.starts_with("https://")
            || href.starts_with("http://"))
        {
            out.push(format!("link with an unexpected scheme {href:?}"));
        }
    }
    for table in all.iter().filter(|t| name(t) == "table") {
        if !table.inner_html(parser).contains("<th") {
            out.push("a table without header cells".to_owned());
        }
    }
    for t in &all {
        let external = ["src", "srcset"].iter().any(|k| attr(t, k).is_some())
            || (name(t) == "link" && attr(t, "href").is_some());
        if external || name(t) == "script" {
            out.push(format!("<{}> loads or runs something", name(t)));
        }
    }
    out
}

/// Exactly one h1, first; then no level deeper than one below the last.
fn headings(all: &[&HTMLTag<'_>], out: &mut Vec<String>) {
    let levels: Vec<u8> = all
        .iter()
        .filter_map(|t| match name(t).as_str() {
            "h1" => Some(1),
            "h2" => Some(2),
            "h3" => Some(3),
            "h4" => Some(4),
            "h5" => Some(5),
            "h6" => Some(6),
            _ => None,
        })
        .collect();
    if levels.iter().filter(|l| **l == 1).count() != 1 || levels.first() != Some(&1) {
        out.push(format!("not exactly one h1, first: {levels:?}"));
    }
    for pair in levels.windows(2) {
        if let [a, b] = pair
            && *b > a + 1
        {
            out.push(format!("heading level skipped: h{a} then h{b}"));
        }
    }
}

#[test]
fn every_html_notice_passes_the_accessibility_check() {
    for (name, text) in all_policies() {
        let p = Policy::parse(&text).expect("valid");
        let html = p.render_notice(NoticeFormat::Html).expect("renders");
        let found = problems(&html);
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let bad = "<html><head><title>x</title></head><body><h1>a</h1><h3>b</h3><h1>c</h1>\
               <a href=\"#nowhere\"> </a><a>text</a><a href=\"javascript:x\">j</a>\
               <table><tr><td>1</td></tr></table><script src=\"https://x.example/a.js\"></script>\
               </body></html>";
    let found = problems(bad).join("\n");
    for expected in [
        "<html> has no lang",
        "no viewport meta",
        "not exactly one <main>",
        "not exactly one h1",
        "heading level skipped: h1 then h3",
        "empty link",
        "link to missing #nowhere",
        "has no href",
        "unexpected scheme",
        "a table without header cells",
        "<script> loads or runs something",
    ] {
        assert!(found.contains(expected), "{expected} not in:\n{found}");
    }
}
