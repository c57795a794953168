//! The privacy notice, written from the policy in plain, short language
//! (Art. 12(1), 13, 14): who is responsible, one section per purpose,
//! recipients and transfers, profiling, rights and where to complain.
//! Because it is generated, the notice cannot drift from what the engine
//! enforces.
//!
//! [`view`] decides what the notice says; two askama templates print it,
//! as Markdown (every value escaped by [`markdown::Markdown`]) and as a
//! standalone, accessible HTML page (every value HTML-escaped): policy
//! text is untrusted input and never becomes markup.

pub mod markdown;
mod phrases;
#[cfg(test)]
mod tests;
mod view;

use askama::Template;

use crate::model::Policy;
use view::Notice;

pub(crate) use view::keeping;

/// The formats the notice is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeFormat {
    /// CommonMark, the default: for a repository or a CMS.
    Markdown,
    /// A standalone HTML page with inline styles, readable on a phone.
    Html,
}

impl NoticeFormat {
    /// Its MIME type, with the character set.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// A template failed to print; only a formatting failure can cause it.
#[derive(Debug, thiserror::Error)]
#[error("E_RENDER: the notice could not be rendered: {0}")]
pub struct RenderError(#[from] askama::Error);

impl RenderError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        "E_RENDER"
    }
}

#[derive(Template)]
#[template(path = "notice.md")]
struct MarkdownNotice<'a, 'p> {
    n: &'a Notice<'p>,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct HtmlNotice<'a, 'p> {
    n: &'a Notice<'p>,
}

impl Policy {
    /// The privacy notice in `format`. The same policy always gives the
    /// same text.
    pub fn render_notice(&self, format: NoticeFormat) -> Result<String, RenderError> {
        let n = Notice::of(self);
        let text = match format {
            NoticeFormat::Markdown => MarkdownNotice { n: &n }.render()?,
            NoticeFormat::Html => HtmlNotice { n: &n }.render()?,
        };
        Ok(text)
    }
}
