//! Round trips through a Fides manifest, imports of hand-written
//! manifests, and bad input.

use super::*;
use crate::validate::check;
use crate::{EXAMPLE_POLICY, OPERATOR_POLICY};

fn policy(source: &str) -> Policy {
    Policy::parse(source).unwrap_or_else(|e| panic!("invalid policy: {e:?}"))
}

fn round_trip(source: &str) {
    let original = policy(source);
    let yaml = export(&original);
    let toml = import(&[("exported.yml", &yaml)]).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let checked = check(&toml);
    assert_eq!(
        checked.policy.as_ref(),
        Some(&original),
        "diagnostics: {:?}\n{toml}",
        checked.diagnostics
    );
    let again = check(source).diagnostics;
    assert_eq!(checked.diagnostics, again, "the same warnings, no new ones");
}

#[test]
fn the_example_policy_survives_a_round_trip() {
    round_trip(EXAMPLE_POLICY);
}

#[test]
fn the_operator_policy_survives_a_round_trip() {
    round_trip(OPERATOR_POLICY);
}

#[test]
fn a_policy_with_every_option_survives_a_round_trip() {
    let src = EXAMPLE_POLICY
        .replace("profiling = false", "profiling = true")
        .replace(
            "categories = [\"ticket_text\", \"external_id\"]",
            "categories = [\"ticket_text\", \"external_id\"]\nprofiling = true",
        )
        .replace(
            "description = \"Technical log entries (browser, system, time, IP address, language)\"",
            "description = \"Technical log entries (browser, system, time, IP address, language)\"\nstorable = false",
        )
        .replace("[[retention]]\ncategories = [\"server_log\"]\nkeep = \"90 days\"\nfrom = \"collected\"\n", "")
        .replace("verification = \"email\"", "verification = \"document\"")
        .replace("min_group_size = 5", "min_group_size = 11\n\n[changes]\nnotice_period = \"6 weeks\"")
        .replacen(
            "profiling = true\n",
            "profiling = true\nsecurity_measures = [\"Staff sign a confidentiality agreement\", \"Laptops use full-disk encryption\"]\n",
            1,
        )
        .replace(
            "categories = [\"email\"]\ndirect_marketing = true",
            "categories = [\"email\"]\nsubject_kinds = [\"subscriber\"]\ndirect_marketing = true",
        );
    assert!(src.contains("security_measures = ["));
    assert!(src.contains("subject_kinds = [\"subscriber\"]"));
    assert_ne!(src, EXAMPLE_POLICY);
    round_trip(&src);
}

#[test]
fn the_export_uses_fideslang_fields_and_default_keys() {
    let p = policy(EXAMPLE_POLICY);
    let m = export_manifest(&p);
    let [system] = m.system.as_slice() else {
        panic!("one system")
    };
    assert_eq!(system.fides_key, "acme_support_desk");
    assert_eq!(system.system_type, "Service");
    assert_eq!(system.legal_name.as_deref(), Some("Acme Software GmbH"));
    assert_eq!(system.dpo.as_deref(), Some("dpo@acme.example"));
    assert!(system.does_international_transfers);
    assert_eq!(system.legal_basis_for_transfers, ["SCCs"]);
    let decl = |name: &str| {
        system
            .privacy_declarations
            .iter()
            .find(|d| d.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let newsletter = decl("newsletter");
    assert_eq!(newsletter.data_use, "marketing.communications.email");
    assert_eq!(
        newsletter.legal_basis_for_processing.as_deref(),
        Some("Consent")
    );
    assert_eq!(newsletter.data_categories, ["user.contact.email"]);
    let support = decl("support");
    assert_eq!(support.data_use, "essential.service.operations.support");
    assert!(support.data_shared_with_third_parties);
    assert_eq!(
        support.third_parties.as_deref(),
        Some("Helpdesk Cloud Inc.")
    );
    assert_eq!(decl("billing").data_use, "essential.legal_obligation");
    for d in &system.privacy_declarations {
        assert!(taxonomy::data_use(&d.data_use).is_some(), "{}", d.data_use);
        for key in &d.data_categories {
            assert!(taxonomy::data_category(key).is_some(), "{key}");
        }
    }
    // agent and subscriber are not fideslang default subjects, so the
    // manifest declares them; customer is a default one.
    let custom: Vec<&str> = m
        .data_subject
        .iter()
        .map(|s| s.fides_key.as_str())
        .collect();
    assert_eq!(custom, ["agent", "subscriber"]);
    let yaml = export(&p);
    for field in [
        "fides_key:",
        "organization_fides_key: default_organization",
        "privacy_declarations:",
        "dataset_references:",
        "collections:",
        "meta:",
    ] {
        assert!(yaml.contains(field), "{field}");
    }
}

/// A manifest as a team on Fides might keep it, without Tutela's `meta`.
const HAND_WRITTEN: &str = r#"
system:
  - fides_key: shop_backend
    name: Shop backend
    organization_fides_key: default_organization
    system_type: Service
    legal_name: Example Shop Ltd
    does_international_transfers: true
    legal_basis_for_transfers: [SCCs]
    legal_address: 1 High Street, Dublin, Ireland
    dpo: privacy@shop.example
    egress:
      - fides_key: mailer
        type: system
    privacy_declarations:
      - name: Send order confirmations and run customer accounts
        data_use: essential.service
        data_categories: [user.contact.email, user.name, user.financial.credit_card]
        data_subjects: [customer]
        legal_basis_for_processing: Contract
        retention_period: 6 years
      - name: newsletter
        data_use: marketing.communications.email
        data_categories: [user.contact.email]
        data_subjects: [customer, prospect]
        data_shared_with_third_parties: true
        third_parties: Mailer Inc.
        retention_period: until the person unsubscribes
dataset:
  - fides_key: shop_db
    name: Shop database
    collections:
      - name: customers
        fields:
          - name: email
            description: Email address
            data_categories: [user.contact.email]
          - name: address
            fields:
              - name: street
                data_categories: [user.contact.address.street]
"#;

#[test]
fn a_hand_written_manifest_imports_as_a_skeleton_with_todos() {
    let toml = import(&[("shop.yml", HAND_WRITTEN)]).unwrap_or_else(|e| panic!("{e}"));
    assert!(toml.starts_with("# Tutela policy imported from a Fides manifest (shop.yml)"));
    let checked = check(&toml);
    // Only what Fides does not record is an error: the controller's email,
    // the authority's name, a category no declaration uses, and the role
    // and country of the third party the newsletter shares data with.
    let mut codes: Vec<&str> = checked.errors().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        ["E_CATEGORY_WITHOUT_PURPOSE", "E_MISSING_FIELD"],
        "{toml}"
    );
    let missing: Vec<String> = checked
        .errors()
        .filter(|d| d.code == "E_MISSING_FIELD")
        .map(|d| d.message.clone())
        .collect();
    assert!(missing.len() >= 4, "{missing:?}\n{toml}");
    // Each error points at a table with a TODO comment just above or in it.
    let lines: Vec<&str> = toml.lines().collect();
    for d in checked.errors() {
        let at = d.line as usize - 1;
        let near = lines.get(at.saturating_sub(4)..(at + 3).min(lines.len()));
        assert!(
            near.is_some_and(|n| n.iter().any(|l| l.starts_with("# TODO"))),
            "{d}\n{toml}"
        );
    }
    for needle in [
        "name = \"Shop backend\"",
        "name = \"Example Shop Ltd\"",
        "[dpo]\n# TODO: name = ",
        "email = \"privacy@shop.example\"",
        // the dataset field keeps its name and description
        "id = \"email\"\ndescription = \"Email address\"\ntaxonomy = \"user.contact.email\"",
        // nested fields are walked; no description means a TODO
        "id = \"address_street\"\ndescription = \"User Contact Street\"",
        // a key only a declaration names becomes a category of its own
        "id = \"credit_card\"",
        "id = \"send_order_confirmations_and_run_customer_accounts\"\n\
         description = \"Send order confirmations and run customer accounts\"\nbasis = \"contract\"\n\
         categories = [\"email\", \"name\", \"credit_card\"]\nessential = true",
        "id = \"newsletter\"",
        "basis = \"consent\"\ncategories = [\"email\"]\nrecipients = [\"mailer_inc\"]\ndirect_marketing = true",
        "# TODO: Fides gives no legal basis",
        "# TODO: Fides says this use shares data with Mailer Inc.:",
        "EEA)\n[[recipient]]\nid = \"mailer_inc\"\nname = \"Mailer Inc.\"\n",
        "# TODO: Fides says data is transferred to other countries (safeguards: SCCs):",
        "# TODO: Fides says data is kept for: until the person unsubscribes",
        "[[retention]]\ncategories = [\"email\", \"name\", \"credit_card\"]\nkeep = \"6 years\"",
        "id = \"prospect\"\ndescription = \"Prospect\"",
    ] {
        assert!(toml.contains(needle), "missing {needle:?} in\n{toml}");
    }
}

/// Third parties a foreign manifest names become recipients of their
/// purpose, with role and country left for `policy check` to ask for, and a
/// `marketing.*` data use is direct marketing. An outside probe saw both
/// dropped, the third parties surviving only as a comment nothing reported.
#[test]
fn third_parties_and_advertising_are_imported_not_dropped() {
    let yaml = r#"
system:
  - fides_key: ads
    name: Ads
    system_type: Service
    privacy_declarations:
      - name: Show you our adverts elsewhere
        data_use: marketing.advertising
        data_categories: [user.contact.email]
        data_subjects: [customer]
        legal_basis_for_processing: Consent
        data_shared_with_third_parties: true
        third_parties: "Ad Network Ltd; Tracker Inc"
      - name: Count visits to the shop
        data_use: analytics.reporting
        data_categories: [user.device.ip_address]
        data_subjects: [customer]
        legal_basis_for_processing: Legitimate interests
        third_parties: Stats Co
"#;
    let toml = import(&[("ads.yml", yaml)]).unwrap_or_else(|e| panic!("{e}"));
    for needle in [
        "recipients = [\"ad_network_ltd\", \"tracker_inc\"]\ndirect_marketing = true",
        "recipients = [\"stats_co\"]",
        "EEA)\n[[recipient]]\nid = \"ad_network_ltd\"\nname = \"Ad Network Ltd\"\n",
        "EEA)\n[[recipient]]\nid = \"tracker_inc\"\nname = \"Tracker Inc\"\n",
        "EEA)\n[[recipient]]\nid = \"stats_co\"\nname = \"Stats Co\"\n",
    ] {
        assert!(toml.contains(needle), "missing {needle:?} in\n{toml}");
    }
    let checked = check(&toml);
    let recipient_gaps = checked
        .errors()
        .filter(|d| d.code == "E_MISSING_FIELD" && d.message.contains("recipient"))
        .count();
    assert_eq!(recipient_gaps, 6, "role and country of three: {toml}");
}

/// A third party added in Fides to a manifest Tutela exported is imported
/// as a recipient of that purpose (to be completed), never dropped while
/// the rest of the file round-trips.
#[test]
fn a_third_party_added_in_fides_is_not_lost_on_the_way_back() {
    let yaml = export(&policy(EXAMPLE_POLICY));
    let mut added = false;
    let edited: String = yaml
        .lines()
        .map(|line| {
            if !added && line.trim_start().starts_with("third_parties: ") {
                added = true;
                assert!(!line.ends_with(['"', '\'']), "a plain scalar: {line}");
                format!("{line}; Shady Data Broker\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert!(added, "a purpose with recipients: {yaml}");
    let toml = import(&[("edited.yml", &edited)]).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        toml.contains(
            "EEA)\n[[recipient]]\nid = \"shady_data_broker\"\nname = \"Shady Data Broker\"\n"
        ),
        "{toml}"
    );
    assert!(toml.contains("\"shady_data_broker\"]"), "listed: {toml}");
    assert!(
        check(&toml).errors().next().is_some(),
        "check asks for its role: {toml}"
    );
    // Unedited, the round trip still gives the very policy back.
    round_trip(EXAMPLE_POLICY);
}

#[test]
fn imported_ids_are_valid_and_unique() {
    let yaml = r#"
system:
  - fides_key: a
    system_type: Service
    privacy_declarations:
      - {name: "Ünïcode & more!", data_use: analytics, data_categories: [user.name]}
      - {data_use: analytics, data_categories: [user.name]}
      - {data_use: analytics, data_categories: [user.name.first, user.name.last]}
dataset:
  - fides_key: d
    collections:
      - name: t
        fields:
          - {name: "9 lives", data_categories: [user.name]}
          - {name: "9 lives", data_categories: [user.contact.email, user.contact.phone_number]}
"#;
    let toml = import(&[("ids.yml", yaml)]).unwrap_or_else(|e| panic!("{e}"));
    let checked = check(&toml);
    let bad: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("E_INVALID") || d.code.starts_with("E_DUPLICATE"))
        .collect();
    assert!(bad.is_empty(), "{bad:?}\n{toml}");
    for id in [
        "field_9_lives",
        "field_9_lives_email",
        "field_9_lives_phone_number",
        "first",
        "last",
        "n_code_more",
        "analytics",
        "analytics_2",
    ] {
        assert!(toml.contains(&format!("id = \"{id}\"")), "{id}\n{toml}");
    }
}

#[test]
fn several_files_merge_into_one_policy() {
    let a = "system:\n  - fides_key: a\n    system_type: Service\n    privacy_declarations:\n      - {name: one, data_use: essential.service, data_categories: [user.name], legal_basis_for_processing: Contract}\n";
    let b = "system:\n  - fides_key: b\n    system_type: Service\n    privacy_declarations:\n      - {name: one, data_use: analytics, data_categories: [user.name], legal_basis_for_processing: Legitimate interests}\n";
    let toml = import(&[("a.yml", a), ("b.yml", b)]).unwrap_or_else(|e| panic!("{e}"));
    assert!(toml.contains("(a.yml, b.yml)"));
    assert!(
        toml.contains("id = \"one\"") && toml.contains("id = \"one_2\""),
        "{toml}"
    );
    assert!(toml.contains("basis = \"legitimate_interests\""));
}

#[test]
fn bad_yaml_names_file_line_and_column() {
    let err = import(&[(
        "bad.yml",
        "system:\n  - fides_key: a\n    name: [unclosed\n",
    )])
    .err();
    let Some(FidesError::Yaml {
        source_name,
        line,
        column,
        ..
    }) = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source_name, "bad.yml");
    assert!(*line >= 3 && *column > 0, "{err:?}");
    assert_eq!(err.as_ref().map(FidesError::code), Some("E_FIDES_YAML"));
}

#[test]
fn a_wrong_shape_names_the_field_and_line() {
    let yaml = "system:\n  - fides_key: a\n    privacy_declarations:\n      - data_categories: [user.name]\n";
    let err = import(&[("shape.yml", yaml)])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.starts_with("shape.yml:4:"), "{err}");
    assert!(err.contains("data_use"), "{err}");
    let yaml =
        "system:\n  - fides_key: a\n    uses_profiling: sometimes\n    privacy_declarations: []\n";
    let err = import(&[("type.yml", yaml)])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.starts_with("type.yml:3:"), "{err}");
}

#[test]
fn a_file_without_resources_is_refused() {
    for text in [
        "",
        "# nothing\n",
        "organization:\n  - fides_key: default_organization\n",
    ] {
        let err = import(&[("empty.yml", text)]).err();
        assert_eq!(
            err.as_ref().map(FidesError::code),
            Some("E_FIDES_EMPTY"),
            "{text:?}"
        );
    }
    let err = import(&[("list.yml", "- 1\n- 2\n")]).err();
    assert_eq!(err.as_ref().map(FidesError::code), Some("E_FIDES_YAML"));
}

#[test]
fn hostile_text_cannot_inject_policy_keys() {
    let yaml = "system:\n  - fides_key: a\n    system_type: Service\n    legal_name: \"x\\\"\\nprofiling = true\\n\"\n    privacy_declarations:\n      - {name: p, data_use: analytics, data_categories: [user.name], legal_basis_for_processing: Consent, data_shared_with_third_parties: true, third_parties: \"a\\n[[recipient]]\\nid = \\\"evil\\\"\"}\n";
    let toml = import(&[("evil.yml", yaml)]).unwrap_or_else(|e| panic!("{e}"));
    let table: toml::Table = toml::from_str(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    assert_eq!(
        table.get("profiling").and_then(toml::Value::as_bool),
        Some(false)
    );
    // The third party's name is one recipient's name, whitespace folded:
    // nothing it holds becomes a table or a key of its own.
    let recipients = table
        .get("recipient")
        .and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("{toml}"));
    assert_eq!(recipients.len(), 1, "{toml}");
    let only = recipients.first().unwrap_or_else(|| panic!("{toml}"));
    assert_eq!(
        only.get("name").and_then(toml::Value::as_str),
        Some("a [[recipient]] id = \"evil\"")
    );
    assert_ne!(only.get("id").and_then(toml::Value::as_str), Some("evil"));
    let name = table
        .get("controller")
        .and_then(|c| c.get("name"))
        .and_then(toml::Value::as_str);
    assert_eq!(name, Some("x\"\nprofiling = true\n"));
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused_not_expanded() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ('b'..='k').zip('a'..='j') {
        bomb.push_str(&format!("{i}: &{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    bomb.push_str("system:\n  - fides_key: *k\n");
    let err = import(&[("bomb.yml", &bomb)]).err();
    assert_eq!(
        err.as_ref().map(FidesError::code),
        Some("E_FIDES_YAML"),
        "{err:?}"
    );
    let deep = format!("system: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = import(&[("deep.yml", &deep)]).err();
    assert_eq!(
        err.as_ref().map(FidesError::code),
        Some("E_FIDES_YAML"),
        "{err:?}"
    );
}
