//! Rules for the flags that let people opt out: `soft_opt_in` (direct
//! marketing to existing customers without prior consent, ePrivacy
//! Art. 13(2), ended by one click under Art. 21(2)-(3)) and
//! `sale_or_sharing` (ended by a Global Privacy Control signal, Art. 21(5)
//! and CCPA/CPRA).

use crate::diagnostics::Sink;
use crate::raw::RawPurpose;
use crate::terms::LegalBasis;

use super::helpers::flag;

/// Reports a flag that the purpose's basis or other flags contradict.
pub(super) fn opt_out_rules(raw: &RawPurpose, id: &str, basis: LegalBasis, sink: &mut Sink<'_>) {
    let span = |v: Option<&toml::Spanned<bool>>| v.map_or(0..0, |s| s.span());
    let soft = flag(raw.soft_opt_in.as_ref());
    let sale = flag(raw.sale_or_sharing.as_ref());
    if soft && basis != LegalBasis::LegitimateInterests {
        sink.error(
            "E_SOFT_OPT_IN_BASIS",
            &span(raw.soft_opt_in.as_ref()),
            format!("purpose `{id}` has `soft_opt_in` but its basis is `{basis}`"),
            "soft opt-in is marketing to existing customers without consent: set \
             `basis = \"legitimate_interests\"`, or remove `soft_opt_in` (a consent purpose \
             needs none)"
                .to_owned(),
        );
    }
    if soft && !flag(raw.direct_marketing.as_ref()) {
        sink.error(
            "E_SOFT_OPT_IN_NOT_MARKETING",
            &span(raw.soft_opt_in.as_ref()),
            format!("purpose `{id}` has `soft_opt_in` but is not direct marketing"),
            "add `direct_marketing = true`: soft opt-in only covers marketing messages".to_owned(),
        );
    }
    if sale && !matches!(basis, LegalBasis::Consent | LegalBasis::LegitimateInterests) {
        sink.error(
            "E_SALE_BASIS",
            &span(raw.sale_or_sharing.as_ref()),
            format!("purpose `{id}` sells or shares data but rests on `{basis}`"),
            "people must be able to opt out of a sale or sharing: use `consent` or \
             `legitimate_interests`"
                .to_owned(),
        );
    }
    if sale && flag(raw.essential.as_ref()) {
        sink.error(
            "E_SALE_ESSENTIAL",
            &span(raw.sale_or_sharing.as_ref()),
            format!("purpose `{id}` sells or shares data, which is never essential"),
            "remove `essential = true`: people may always opt out of a sale or sharing".to_owned(),
        );
    }
}
