//! Reporting purposes and their anonymised export: which bases may
//! report, and where `export_to` may appear.

use super::tests::{expect, with};
use super::*;
use crate::ids::RecipientId;

const PARTNER: &str = "[[recipient]]\nid = \"partner\"\nname = \"Research partner\"\nrole = \"controller\"\ncountry = \"DE\"\n";

fn reporting(fields: &str) -> String {
    with(&format!(
        "{PARTNER}[[purpose]]\nid = \"reports\"\ndescription = \"Kudos reports\"\ncategories = [\"email\"]\n{fields}"
    ))
}

#[test]
fn reporting_purposes_rest_on_a_basis_people_can_opt_out_of() {
    for basis in ["legitimate_interests", "public_task"] {
        let src = reporting(&format!(
            "basis = \"{basis}\"\nreporting = true\nexport_to = [\"partner\"]\n"
        ));
        let checked = check(&src);
        assert!(checked.is_ok(), "{basis}: {:?}", checked.diagnostics);
        assert!(
            checked.diagnostics.is_empty(),
            "a recipient only exported to is used: {:?}",
            checked.diagnostics
        );
        let p = checked.policy.unwrap().purposes.pop().unwrap();
        assert!(p.reporting);
        let partner = RecipientId::parse("partner").unwrap();
        assert!(p.exports_to(&partner));
        assert!(
            !p.discloses_to(&partner),
            "an export list discloses nothing"
        );
    }
    let consent =
        reporting("basis = \"consent\"\nconsent_valid_for = \"1 year\"\nreporting = true\n");
    assert!(check(&consent).is_ok());
    for basis in ["contract", "legal_obligation", "vital_interests"] {
        let src = reporting(&format!("basis = \"{basis}\"\nreporting = true\n"));
        let d = expect(&src, "E_REPORTING_BASIS", "true");
        assert!(d.message.contains(basis), "{}", d.message);
    }
}

#[test]
fn a_report_is_never_essential() {
    let src = reporting("basis = \"legitimate_interests\"\nreporting = true\nessential = true\n");
    expect(&src, "E_REPORTING_ESSENTIAL", "true");
}

#[test]
fn export_to_needs_a_reporting_purpose_and_a_declared_recipient() {
    let src = reporting("basis = \"legitimate_interests\"\nexport_to = [\"partner\"]\n");
    expect(&src, "E_EXPORT_NOT_REPORTING", "[\"partner\"]");
    let src =
        reporting("basis = \"legitimate_interests\"\nreporting = true\nexport_to = [\"nobody\"]\n");
    expect(&src, "E_UNKNOWN_RECIPIENT", "\"nobody\"");
    let src = reporting("basis = \"legitimate_interests\"\nreporting = \"yes\"\n");
    assert!(!check(&src).is_ok());
}

#[test]
fn purposes_do_not_report_unless_they_say_so() {
    let p = Policy::parse(&with("")).unwrap();
    assert!(
        p.purposes
            .iter()
            .all(|p| !p.reporting && p.export_to.is_empty())
    );
}
