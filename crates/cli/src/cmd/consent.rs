//! `tutela consent verify|pubkey`: check a consent receipt offline against
//! a tenant's published receipt key (Art. 7(1)), and print that key from
//! the master key. Verification needs no database and no master key: a
//! subject, a regulator or a court can run it with the public key alone.

use crate::context;
use crate::keyfile;
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tutela_engine::audit::to_hex;
use tutela_engine::consent::receipt::{parse_public_key, verify};
use tutela_engine::ids::TenantId;

/// Largest receipt file read.
const MAX_FILE: u64 = 1024 * 1024;

/// `tutela consent ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ConsentCommand {
    /// Verify a consent receipt (the API's JSON answer, or the bare JWS)
    /// against a tenant's receipt public key; print the receipt if valid.
    /// Exit code 1 if it does not verify.
    Verify {
        /// The receipt file (`-` for stdin).
        receipt: PathBuf,
        /// The tenant's receipt public key, 64 hex digits
        /// (`GET /v1/consents/receipt-key`, `tutela consent pubkey`).
        #[arg(long, value_name = "HEX")]
        key: String,
    },
    /// Print a tenant's consent-receipt public key (Ed25519, hex).
    Pubkey {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
    },
}

/// Runs a consent subcommand.
pub async fn run(config: Option<&Path>, command: ConsentCommand) -> Result<ExitCode> {
    match command {
        ConsentCommand::Verify { receipt, key } => verify_file(&receipt, &key),
        ConsentCommand::Pubkey { tenant } => {
            let config = context::load_config(config)?;
            // A typo must not print a plausible key no receipt verifies
            // under: the tenant must exist.
            let engine = context::open(&config).await?;
            super::requests::dpo_of(&engine, &tenant).await?;
            let master = keyfile::load(&config.master_key_file)?;
            let key = master.receipt_key(tenant.as_str()).public_key();
            writeln!(std::io::stdout().lock(), "{}", to_hex(&key))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verify_file(file: &Path, key: &str) -> Result<ExitCode> {
    let key = parse_public_key(key).ok_or_else(|| {
        anyhow!("--key: expected 64 lowercase hex digits (an Ed25519 public key)")
    })?;
    let text = read(file)?;
    let jws = jws_of(&text);
    match verify(&jws, &key) {
        Ok(receipt) => {
            let differ = unsigned_copies_differing(&text, &serde_json::to_value(&receipt)?, &key);
            if !differ.is_empty() {
                eprintln!(
                    "the receipt does not verify: the signature holds, but the file's unsigned \
                     {} differs from what was signed or from the key given; trust only the \
                     signed receipt",
                    differ.join(" and ")
                );
                return Ok(ExitCode::from(1));
            }
            let mut json = serde_json::to_string_pretty(&receipt)?;
            json.push('\n');
            std::io::stdout().lock().write_all(json.as_bytes())?;
            eprintln!("the receipt is valid: signed by the key given");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("the receipt does not verify: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The JWS of a file holding the API's answer (`{"jws": ...}`) or the
/// bare JWS.
fn jws_of(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("jws").and_then(|j| j.as_str()).map(str::to_owned))
        .unwrap_or_else(|| text.trim().to_owned())
}

/// The fields of an API answer that sit beside its JWS unsigned
/// (`receipt`, a copy for reading; `public_key`) and disagree with the
/// signed receipt or the key the caller trusts. An edited copy must not
/// pass for the signed one: a reader of the file would believe it.
fn unsigned_copies_differing(
    text: &str,
    signed: &serde_json::Value,
    key: &[u8; 32],
) -> Vec<&'static str> {
    let Ok(serde_json::Value::Object(answer)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    let mut differ = Vec::new();
    if answer.get("receipt").is_some_and(|copy| copy != signed) {
        differ.push("`receipt`");
    }
    if answer
        .get("public_key")
        .is_some_and(|copy| copy.as_str().and_then(parse_public_key).as_ref() != Some(key))
    {
        differ.push("`public_key`");
    }
    differ
}

fn read(file: &Path) -> Result<String> {
    use std::io::Read;
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .take(MAX_FILE)
            .read_to_string(&mut text)
            .context("cannot read the receipt from stdin")?;
    } else {
        std::fs::File::open(file)
            .with_context(|| format!("cannot open the receipt {}", file.display()))?
            .take(MAX_FILE)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read the receipt {}", file.display()))?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jws_is_taken_from_the_api_answer_or_the_bare_text() {
        assert_eq!(
            jws_of("{\"jws\": \"a.b.c\", \"public_key\": \"x\"}"),
            "a.b.c"
        );
        assert_eq!(jws_of(" a.b.c\n"), "a.b.c");
    }

    #[test]
    fn an_edited_unsigned_copy_beside_the_jws_is_named() {
        let key = [7u8; 32];
        let signed = serde_json::json!({"status": "active", "purpose": "newsletter"});
        let answer = |receipt: serde_json::Value, public_key: String| {
            serde_json::json!({"receipt": receipt, "jws": "a.b.c", "public_key": public_key})
                .to_string()
        };
        let same = answer(signed.clone(), to_hex(&key));
        assert!(unsigned_copies_differing(&same, &signed, &key).is_empty());
        let edited = answer(
            serde_json::json!({"status": "active", "purpose": "analytics"}),
            to_hex(&key),
        );
        assert_eq!(
            unsigned_copies_differing(&edited, &signed, &key),
            ["`receipt`"]
        );
        let other_key = answer(signed.clone(), to_hex(&[8u8; 32]));
        assert_eq!(
            unsigned_copies_differing(&other_key, &signed, &key),
            ["`public_key`"]
        );
        assert!(
            unsigned_copies_differing("a.b.c", &signed, &key).is_empty(),
            "a bare JWS"
        );
    }
}
