//! The notice rendered from the example policies, section by section.

use super::*;

use crate::render::phrases::{capitalise, sentence, strip_stop, title_case};

fn example() -> Policy {
    Policy::parse(crate::EXAMPLE_POLICY).unwrap()
}

fn md(p: &Policy) -> String {
    p.render_notice(NoticeFormat::Markdown).unwrap()
}

/// The text of the `## heading` or `### heading` section, up to the next
/// heading of any level.
fn section<'a>(notice: &'a str, heading: &str) -> &'a str {
    let start = [format!("\n## {heading}\n"), format!("\n### {heading}\n")]
        .iter()
        .find_map(|h| notice.find(h.as_str()))
        .unwrap_or_else(|| panic!("no {heading}"));
    let rest = &notice[start + 1..];
    let end = rest[3..].find("\n#").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

#[test]
fn one_section_per_purpose_with_basis_and_categories() {
    let p = example();
    let notice = md(&p);
    for purpose in &p.purposes {
        let s = section(&notice, &title_case(purpose.id.as_str()));
        assert!(s.contains(purpose.basis.article()), "{s}");
        for c in &purpose.categories {
            let description = strip_stop(&p.category(c).unwrap().description);
            assert!(
                s.contains(&description),
                "{} lacks {description}",
                purpose.id
            );
        }
    }
    let purposes = notice.lines().filter(|l| l.starts_with("### ")).count();
    assert_eq!(purposes, p.purposes.len(), "one h3 per purpose");
    let fixed = notice.lines().filter(|l| l.starts_with("## ")).count();
    assert_eq!(fixed, 8, "the eight fixed sections");
}

#[test]
fn names_who_is_responsible_and_where() {
    let notice = md(&example());
    let who = section(&notice, "Who is responsible");
    for text in [
        "Acme Software GmbH",
        "privacy@acme.example",
        "Dana Berger",
        "dpo@acme.example",
    ] {
        assert!(who.contains(text), "{text}");
    }
    assert!(who.contains("Frankfurt, Germany (EU)"));
    let complain = section(&notice, "Where to complain");
    assert!(complain.contains("Berlin Commissioner for Data Protection"));
    assert!(complain.contains("https://www.datenschutz-berlin.de"));
    assert!(complain.contains("Art. 77"));
}

#[test]
fn consent_can_be_withdrawn_for_the_future_only() {
    let notice = md(&example());
    let news = section(&notice, "Newsletter");
    assert!(news.contains("withdraw your consent at any time"));
    assert!(news.contains("from then on"));
    assert!(news.contains("13 months"));
    assert!(news.contains("marketing"));
    assert!(!section(&notice, "Account").contains("withdraw"));
    assert!(section(&notice, "Support").contains("object"));
    assert!(section(&notice, "Account").contains("need this to provide the service"));
}

#[test]
fn retention_and_holds_appear_per_category() {
    let notice = md(&example());
    let ops = section(&notice, "Operations");
    assert!(
        ops.contains("deleted 90 days after it was collected"),
        "{ops}"
    );
    let billing = section(&notice, "Billing");
    assert!(billing.contains("10 years"));
    assert!(billing.contains("German commercial and tax law"));
    assert!(billing.contains("German tax office"));
    let account = section(&notice, "Account");
    assert!(account.contains("whichever comes first"));
    assert!(
        account.contains("Email address; Name; Phone number"),
        "grouped: {account}"
    );
}

#[test]
fn recipients_transfers_rights_and_profiling() {
    let p = example();
    let notice = md(&p);
    let recipients = section(&notice, "Who else receives data");
    assert!(recipients.contains("Helpdesk Cloud Inc."));
    assert!(recipients.contains("United States, outside the European Economic Area"));
    assert!(recipients.contains("standard contractual clauses"));
    assert!(recipients.contains("Germany, inside the European Economic Area"));
    let rights = section(&notice, "Your rights");
    for right in [
        "access",
        "correction",
        "erasure",
        "restriction",
        "objection",
        "portability",
        "withdraw",
    ] {
        assert!(rights.contains(right), "{right}");
    }
    assert!(rights.contains("within 1 month") && rights.contains("up to 2 months"));
    assert!(
        section(&notice, "Profiling and automated decisions").contains("We do not profile you")
    );
    assert!(section(&notice, "Figures about groups").contains("fewer than 5 people"));
    assert_eq!(notice, md(&p), "deterministic");
}

#[test]
fn no_dpo_no_recipients_and_declared_profiling() {
    let src = crate::EXAMPLE_POLICY
        .replace(
            "[dpo]\nname = \"Dana Berger\"\nemail = \"dpo@acme.example\"\n",
            "",
        )
        .replace("profiling = false", "profiling = true")
        .replace(
            "categories = [\"ticket_text\", \"external_id\"]",
            "categories = [\"ticket_text\", \"external_id\"]\nprofiling = true",
        );
    let p = Policy::parse(&src).unwrap();
    let notice = md(&p);
    assert!(
        section(&notice, "Who is responsible")
            .contains("have not appointed a data protection officer")
    );
    let profiling = section(&notice, "Profiling and automated decisions");
    assert!(profiling.contains("Ratings") && !profiling.contains("We do not profile"));
    assert!(section(&notice, "Ratings").contains("profiling"));
    let operator = md(&Policy::parse(crate::OPERATOR_POLICY).unwrap());
    assert!(operator.contains("# Privacy notice: Tutela client accounts"));
}

#[test]
fn helpers() {
    assert_eq!(title_case("ticket_ratings"), "Ticket ratings");
    assert_eq!(sentence("hello"), "Hello.");
    assert_eq!(sentence("Done!"), "Done!");
    assert_eq!(strip_stop("Email address."), "Email address");
    assert_eq!(capitalise(""), "");
}

#[test]
fn soft_opt_in_and_sale_purposes_tell_how_to_opt_out() {
    let extra = "\n[[purpose]]\nid = \"product_news\"\ndescription = \"Product news\"\n\
        basis = \"legitimate_interests\"\ncategories = [\"email\"]\ndirect_marketing = true\n\
        soft_opt_in = true\n\n[[purpose]]\nid = \"ad_partners\"\ndescription = \"Ad partners\"\n\
        basis = \"legitimate_interests\"\ncategories = [\"email\"]\nsale_or_sharing = true\n";
    let source = crate::EXAMPLE_POLICY.replacen("[[purpose]]", &format!("{extra}\n[[purpose]]"), 1);
    let notice = md(&Policy::parse(&source).unwrap());
    assert!(section(&notice, "Product news").contains("one click"));
    assert!(section(&notice, "Ad partners").contains("Global Privacy Control"));
}

#[test]
fn transfers_are_named_in_the_purpose_with_their_safeguard() {
    let notice = md(&example());
    let support = section(&notice, "Support");
    assert!(
        support.contains("Sent outside the European Economic Area"),
        "{support}"
    );
    assert!(
        support.contains("Helpdesk Cloud Inc. (United States)"),
        "{support}"
    );
    assert!(
        support.contains("standard contractual clauses"),
        "{support}"
    );
    assert!(!section(&notice, "Billing").contains("outside the European"));
}

#[test]
fn purposes_naming_subject_kinds_say_whose_data_it_is() {
    let source = crate::EXAMPLE_POLICY.replace(
        "categories = [\"ticket_text\", \"external_id\"]",
        "categories = [\"ticket_text\", \"external_id\"]\nsubject_kinds = [\"agent\"]",
    );
    let notice = md(&Policy::parse(&source).unwrap());
    let ratings = section(&notice, "Ratings");
    assert!(
        ratings.contains("**About:** Support agents working for our client companies."),
        "{ratings}"
    );
    assert!(!section(&notice, "Support").contains("**About:**"));
}

#[test]
fn policy_text_cannot_add_markup_to_either_format() {
    let source = crate::EXAMPLE_POLICY
        .replace(
            "description = \"Answer your support requests\"",
            "description = \"<script>alert(1)</script> [click](https://evil.example) **now**\\n# Heading\"",
        )
        .replace("name = \"Helpdesk Cloud Inc.\"", "name = \"Help & <b>Desk</b>\"");
    let p = Policy::parse(&source).unwrap();
    let markdown = md(&p);
    assert!(
        !markdown.contains("<script>") && !markdown.contains("<b>"),
        "{markdown}"
    );
    assert!(markdown.contains("\\<script\\>") && markdown.contains("\\[click\\]"));
    assert!(
        !markdown.contains("\n# Heading"),
        "no new block from a newline"
    );
    assert!(markdown.contains("\\*\\*now\\*\\*"));
    let html = p.render_notice(NoticeFormat::Html).unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<b>Desk"),
        "{html}"
    );
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("Help &#38; ") || html.contains("Help &amp; "),
        "{html}"
    );
}

#[test]
fn html_says_what_the_markdown_says() {
    let p = example();
    let html = p.render_notice(NoticeFormat::Html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(!html.contains("http://") && !html.contains("<script") && !html.contains("<link"));
    for purpose in &p.purposes {
        assert!(
            html.contains(&format!("<h3 id=\"purpose-{}\">", purpose.id)),
            "{}",
            purpose.id
        );
    }
    for text in [
        "Acme Software GmbH",
        "mailto:dpo@acme.example",
        "Berlin Commissioner for Data Protection and Freedom of Information",
        "href=\"https://www.datenschutz-berlin.de\"",
        "fewer than 5 people",
        "German commercial and tax law",
    ] {
        assert!(html.contains(text), "{text}");
    }
}
