//! The notifiers that deliver messages about data subject requests (the
//! engine's `Notifier`): an outbox directory, the default, which the
//! product's mailer picks up (one JSON file per message, written to a
//! temporary name and renamed, so a reader never sees half a file; mode
//! 0600 on unix, since a message can hold a one-time code); and a webhook,
//! POSTing the JSON signed with the Standard Webhooks scheme. Outbox
//! files are named `<micros>-<subject>-<message id>.json`. When a
//! subject is erased, the outbox shreds the messages about it still
//! waiting there (a refusal's reason is free text about the person).

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tutela_engine::ids::SubjectId;
use tutela_engine::notify::{Message, Notifier, NotifyError};

/// Writes each message as `<micros>-<subject>-<id>.json` into a directory.
#[derive(Debug, Clone)]
pub struct OutboxNotifier {
    dir: PathBuf,
}

impl OutboxNotifier {
    /// An outbox in `dir`, created (0700 on unix) on first use.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

fn write_atomically(dir: &Path, name: &str, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let temp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    file.write_all(body)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, dir.join(name))
}

#[async_trait]
impl Notifier for OutboxNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let body = serde_json::to_vec_pretty(message).map_err(|e| NotifyError(e.to_string()))?;
        let name = file_name(message);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &body))
            .await
            .map_err(|e| NotifyError(e.to_string()))?
            .map_err(|e| NotifyError(format!("outbox: {e}")))
    }

    async fn forget(&self, subjects: &[SubjectId]) -> Result<(), NotifyError> {
        let dir = self.dir.clone();
        let subjects: HashSet<String> = subjects.iter().map(ToString::to_string).collect();
        tokio::task::spawn_blocking(move || forget_in(&dir, &subjects))
            .await
            .map_err(|e| NotifyError(e.to_string()))?
            .map_err(|e| NotifyError(format!("outbox: {e}")))
    }
}

/// `<micros>-<subject>-<message id>.json`: in time order, and naming the
/// subject (a pseudonym, which the message holds anyway), so an erasure
/// finds the subject's messages by listing the directory, not reading it.
fn file_name(message: &Message) -> String {
    format!(
        "{}-{}-{}.json",
        message.at.as_microsecond(),
        message.subject,
        message.id
    )
}

/// The subject a message file is about, from its name; `None` for a name
/// of another shape (a file written before names carried the subject).
fn subject_of(name: &str) -> Option<&str> {
    let rest = name.strip_suffix(".json")?.split_once('-')?.1;
    // A UUID is 36 characters: the subject, then `-`, then the message id.
    let subject = rest.get(..36)?;
    (rest.as_bytes().get(36) == Some(&b'-') && uuid::Uuid::try_parse(subject).is_ok())
        .then_some(subject)
}

/// The longest outbox file read when looking for a subject's messages
/// (a message is a few hundred bytes; anything larger is not ours).
const MAX_MESSAGE_BYTES: u64 = 1 << 20;

/// Removes every message file in `dir` about one of `subjects`, its bytes
/// overwritten with zeros and synced first, so the text is not left in
/// the file's old blocks for the next reader of the directory (a copy the
/// disk's firmware remapped is beyond any file system call). One listing
/// of the directory per call; a file is read only if its name does not
/// say whose it is.
fn forget_in(dir: &Path, subjects: &HashSet<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".json") || name.starts_with('.') {
            continue;
        }
        if let Some(subject) = subject_of(name) {
            if subjects.contains(subject) {
                let len = std::fs::metadata(&path).map_or(0, |m| m.len());
                shred(&path, usize::try_from(len).unwrap_or(0))?;
            }
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue; // picked up by the mailer meanwhile
        };
        if !meta.is_file() || meta.len() > MAX_MESSAGE_BYTES {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let about = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|m| m.get("subject")?.as_str().map(|s| subjects.contains(s)))
            .unwrap_or(false);
        if about {
            shred(&path, bytes.len())?;
        }
    }
    Ok(())
}

/// Overwrites `len` bytes of `path` with zeros, syncs, removes it.
fn shred(path: &Path, len: usize) -> std::io::Result<()> {
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(mut file) => {
            file.write_all(&vec![0; len])?;
            file.sync_all()?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The notifier `config` asks for: the webhook when `webhook_url` is set
/// (signed with `webhook_secret`), else the outbox directory, by default
/// `outbox` beside `database_dir`.
pub fn from_config(
    config: &crate::Config,
    database_dir: Option<&Path>,
    webhook_secret: Option<&str>,
) -> Result<std::sync::Arc<dyn Notifier>, SecretError> {
    if let Some(url) = &config.webhook_url {
        let secret = webhook_secret.ok_or(SecretError::Missing)?;
        return Ok(std::sync::Arc::new(WebhookNotifier::new(url, secret)?));
    }
    let dir = match (&config.outbox_dir, database_dir) {
        (Some(dir), _) => dir.clone(),
        (None, Some(db)) => db.join("outbox"),
        (None, None) => PathBuf::from("tutela-data/outbox"),
    };
    Ok(std::sync::Arc::new(OutboxNotifier::new(dir)))
}

/// Stands in for the webhook when `webhook_url` is set and no secret was
/// given, for a CLI command that sends no message (creating a tenant or a
/// key): it runs, and a message it would send fails, naming what is
/// missing. `serve` refuses to start without the secret instead.
#[derive(Debug, Default)]
pub struct SecretMissing;

#[async_trait::async_trait]
impl Notifier for SecretMissing {
    async fn send(&self, _: &Message) -> Result<(), NotifyError> {
        Err(NotifyError(SecretError::Missing.to_string()))
    }
}

/// Why a webhook secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `webhook_url` is set and no secret was given.
    #[error(
        "webhook_url is set but TUTELA_WEBHOOK_SECRET is not: give the signing secret (`whsec_` followed by base64 of at least 24 bytes)"
    )]
    Missing,
    /// The secret given is not one.
    #[error(
        "the webhook secret (TUTELA_WEBHOOK_SECRET) must be `whsec_` followed by base64 of at least 24 bytes"
    )]
    Malformed,
    /// The secret is one byte repeated (all zeros, say): a placeholder
    /// anyone can guess, under which anyone could forge Tutela's messages.
    #[error(
        "the webhook secret (TUTELA_WEBHOOK_SECRET) is one byte repeated; generate a random one (for example `echo whsec_$(openssl rand -base64 32)`)"
    )]
    Weak,
}

/// POSTs each message as JSON to a URL, signed per Standard Webhooks.
#[derive(Clone)]
pub struct WebhookNotifier {
    url: String,
    /// Wiped when the notifier is dropped.
    secret: zeroize::Zeroizing<Vec<u8>>,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier").finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// A webhook to `url` signed with `secret` (`whsec_` + base64).
    pub fn new(url: &str, secret: &str) -> Result<Self, SecretError> {
        let encoded = secret
            .trim()
            .strip_prefix("whsec_")
            .ok_or(SecretError::Malformed)?;
        let secret = zeroize::Zeroizing::new(
            STANDARD
                .decode(encoded)
                .map_err(|_| SecretError::Malformed)?,
        );
        if secret.len() < 24 {
            return Err(SecretError::Malformed);
        }
        if secret.iter().all(|b| Some(b) == secret.first()) {
            return Err(SecretError::Weak);
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|_| SecretError::Malformed)?;
        Ok(Self {
            url: url.to_owned(),
            secret,
            client,
        })
    }
}

/// `v1,` + base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")).
pub fn signature(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(message).map_err(|e| NotifyError(e.to_string()))?;
        let timestamp = message.at.as_second();
        let id = format!("msg_{}", message.id);
        let signed = signature(&self.secret, &id, timestamp, &body);
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(body)
            .send()
            .await
            .map_err(|e| NotifyError(format!("webhook: {}", e.without_url())))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(NotifyError(format!(
                "webhook answered {}",
                response.status()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_file_names_its_subject() {
        let subject = uuid::Uuid::now_v7().to_string();
        let name = format!("1795549992820531-{subject}-{}.json", uuid::Uuid::new_v4());
        assert_eq!(subject_of(&name), Some(subject.as_str()));
        let before = "1795549992820531-01a20f1e-9774-7236-bd6e-da643f0c5682.json";
        assert_eq!(subject_of(before), None, "a name without the subject");
        assert_eq!(subject_of("notes.txt"), None);
    }

    #[test]
    fn forgetting_removes_the_subjects_files_by_name_and_older_ones_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let (gone, kept) = (
            uuid::Uuid::now_v7().to_string(),
            uuid::Uuid::now_v7().to_string(),
        );
        let body = |subject: &str| format!(r#"{{"subject":"{subject}","reason":"secret"}}"#);
        let files = [
            (
                format!("1-{gone}-{}.json", uuid::Uuid::new_v4()),
                body(&gone),
            ),
            (
                format!("2-{kept}-{}.json", uuid::Uuid::new_v4()),
                body(&kept),
            ),
            (format!("3-{}.json", uuid::Uuid::new_v4()), body(&gone)),
            (format!("4-{}.json", uuid::Uuid::new_v4()), body(&kept)),
        ];
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        forget_in(dir.path(), &HashSet::from([gone.clone()])).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [files[1].0.clone(), files[3].0.clone()]);
        // A missing outbox has nothing to forget.
        forget_in(&dir.path().join("none"), &HashSet::from([gone])).unwrap();
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_need_the_prefix_and_enough_bytes() {
        assert!(
            WebhookNotifier::new("https://x.example", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err()
        );
        assert!(WebhookNotifier::new("https://x.example", "whsec_AAAA").is_err());
        // 32 zero bytes, as a placeholder in a config would be.
        let zeros = format!("whsec_{}", STANDARD.encode([0u8; 32]));
        assert!(matches!(
            WebhookNotifier::new("https://x.example", &zeros),
            Err(SecretError::Weak)
        ));
        assert!(
            WebhookNotifier::new(
                "https://x.example",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            )
            .is_ok()
        );
    }

    #[test]
    fn a_missing_secret_is_named_as_missing() {
        let config = crate::Config {
            webhook_url: Some("https://x.example/hook".into()),
            ..crate::Config::default()
        };
        let err = from_config(&config, None, None)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("TUTELA_WEBHOOK_SECRET is not")),
            "{err:?}"
        );
        let err = from_config(&config, None, Some("nope"))
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("must be `whsec_`")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_outbox_holds_one_private_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxNotifier::new(dir.path().join("outbox"));
        let message = Message {
            id: "m1".into(),
            tenant: tutela_engine::ids::TenantId::parse("acme").unwrap(),
            request: Some(tutela_engine::ids::RequestId::new()),
            subject: tutela_engine::ids::SubjectId::new(),
            kind: tutela_engine::notify::MessageKind::VerificationCode,
            request_kind: Some("erasure"),
            policy: None,
            code: Some("ABCDE-FGHJK".into()),
            code_expires_at: None,
            reason: None,
            due_at: None,
            fee: None,
            remedies: None,
            handler_contact: "privacy@example.org".into(),
            at: "2027-01-01T00:00:00Z".parse().unwrap(),
        };
        outbox.send(&message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("ABCDE-FGHJK"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
