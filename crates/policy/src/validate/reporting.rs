//! Rules for reporting purposes: aggregate reports over identified data
//! (counts, rankings, team totals) and their anonymised export. A report
//! must leave out everyone who said no, so the purpose has to rest on a
//! basis people can say no to: consent (withdrawn, Art. 7(3)) or public
//! task and legitimate interests (objection, Art. 21(1)). Contract, legal
//! obligation and vital interests give no way out, so they are refused.

use crate::diagnostics::Sink;
use crate::raw::RawPurpose;
use crate::terms::LegalBasis;

use super::helpers::flag;

/// Whether a report may rest on this basis: one a person can opt out of.
pub(crate) fn reporting_basis(basis: LegalBasis) -> bool {
    basis == LegalBasis::Consent || basis.objectable()
}

/// Reports a reporting flag or export list the purpose's basis or other
/// flags contradict.
pub(super) fn reporting_rules(raw: &RawPurpose, id: &str, basis: LegalBasis, sink: &mut Sink<'_>) {
    let at = raw.reporting.as_ref().map_or(0..0, |s| s.span());
    let reporting = flag(raw.reporting.as_ref());
    if reporting && !reporting_basis(basis) {
        sink.error(
            "E_REPORTING_BASIS",
            &at,
            format!(
                "purpose `{id}` makes reports but rests on `{basis}`, which no one can opt out of"
            ),
            "a report must leave out whoever opts out: use `legitimate_interests` or \
             `public_task` (people may object, Art. 21) or `consent` (people may withdraw)"
                .to_owned(),
        );
    }
    if reporting && flag(raw.essential.as_ref()) {
        sink.error(
            "E_REPORTING_ESSENTIAL",
            &at,
            format!("purpose `{id}` makes reports, which are never needed to provide the service"),
            "remove `essential = true`: people may always opt out of reports".to_owned(),
        );
    }
    if let (false, Some(list)) = (reporting, raw.export_to.as_ref()) {
        sink.error(
            "E_EXPORT_NOT_REPORTING",
            &list.span(),
            format!("purpose `{id}` lists `export_to` but is not a reporting purpose"),
            "add `reporting = true`, or remove `export_to`: only a reporting purpose has an \
             anonymised export"
                .to_owned(),
        );
    }
}
