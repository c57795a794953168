use super::*;
use jiff::Timestamp;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::ledger::{ErasureEntry, parse};
use tutela_vault::MasterKey;

fn line(master: &MasterKey, n: i64) -> String {
    ErasureEntry {
        tenant: TenantId::parse("acme").unwrap(),
        subject: SubjectId::new(),
        at: Timestamp::from_second(1_700_000_000 + n).unwrap(),
    }
    .to_line(&master.erasure_ledger_key())
}

#[tokio::test]
async fn appends_read_back_verified_and_a_missing_ledger_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKey::generate();
    let ledger = FileLedger::new(dir.path().join("sub").join("erasures.ledger"));
    assert_eq!(ledger.read().await.unwrap(), "");
    assert!(
        !ledger.path().exists(),
        "nothing is created before an append"
    );
    let lines = [line(&master, 1), line(&master, 2)];
    for l in &lines {
        ledger.append(l).unwrap();
    }
    let text = ledger.read().await.unwrap();
    assert_eq!(text, format!("{}\n{}\n", lines[0], lines[1]));
    let read = parse(&text, &master.erasure_ledger_key()).unwrap();
    assert_eq!(read.entries.len(), 2);
    // Another handle on the same file appends after what is there.
    FileLedger::new(ledger.path())
        .append(&line(&master, 3))
        .unwrap();
    let read = parse(&ledger.read().await.unwrap(), &master.erasure_ledger_key()).unwrap();
    assert_eq!(read.entries.len(), 3);
}

#[cfg(unix)]
#[tokio::test]
async fn the_ledger_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ledger = FileLedger::new(dir.path().join("erasures.ledger"));
    ledger.append(&line(&MasterKey::generate(), 1)).unwrap();
    let mode = std::fs::metadata(ledger.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_tampered_line_fails_its_mac_by_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKey::generate();
    let ledger = FileLedger::new(dir.path().join("erasures.ledger"));
    for n in 1..=3 {
        ledger.append(&line(&master, n)).unwrap();
    }
    let text = ledger.read().await.unwrap();
    let tampered = text.replacen("acme", "acne", 2).replacen("acne", "acme", 1);
    std::fs::write(ledger.path(), tampered).unwrap();
    let err = parse(&ledger.read().await.unwrap(), &master.erasure_ledger_key()).unwrap_err();
    assert_eq!(err.line, 2, "{err}");
    std::fs::write(ledger.path(), b"\xff\xfe\n").unwrap();
    let err = parse(&ledger.read().await.unwrap(), &master.erasure_ledger_key()).unwrap_err();
    assert_eq!(err.line, 1, "{err}");
}

#[tokio::test]
async fn a_torn_append_is_cut_before_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKey::generate();
    let path = dir.path().join("erasures.ledger");
    let first = line(&master, 1);
    let torn = &line(&master, 2)[..40];
    std::fs::write(&path, format!("{first}\n{torn}")).unwrap();
    let ledger = FileLedger::new(&path);
    let read = parse(&ledger.read().await.unwrap(), &master.erasure_ledger_key()).unwrap();
    assert_eq!((read.entries.len(), read.torn_tail), (1, true));
    let third = line(&master, 3);
    ledger.append(&third).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{first}\n{third}\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let master = Arc::new(MasterKey::generate());
    let ledger = FileLedger::new(dir.path().join("erasures.ledger"));
    let mut tasks = Vec::new();
    for n in 0..32 {
        let (ledger, master) = (ledger.clone(), Arc::clone(&master));
        tasks.push(tokio::task::spawn_blocking(move || {
            ledger.append(&line(&master, n)).unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let read = parse(&ledger.read().await.unwrap(), &master.erasure_ledger_key()).unwrap();
    assert_eq!((read.entries.len(), read.torn_tail), (32, false));
}

/// A ledger removed while in use: the next append fails, and writes to
/// no file, instead of going on into the unlinked one (found by an outside
/// probe: an erasure was answered 204 and its line was nowhere on disk). A
/// copy put back at the path is used from then on.
#[cfg(unix)]
#[tokio::test]
async fn an_existing_ledger_removed_while_in_use_refuses_appends_until_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKey::generate();
    let path = dir.path().join("erasures.ledger");
    let plain = FileLedger::new(&path);
    plain.create_if_missing().unwrap();
    let ledger = FileLedger::new(&path).existing();
    let first = line(&master, 1);
    ledger.append(&first).unwrap();
    let copy = dir.path().join("copy.ledger");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::remove_file(&path).unwrap();
    let refused = ledger.append(&line(&master, 2)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::NotFound);
    assert!(!path.exists(), "no new empty ledger was made");
    std::fs::rename(&copy, &path).unwrap();
    let third = line(&master, 3);
    ledger.append(&third).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{first}\n{third}\n")
    );
    // Without `existing`, a ledger still starts at its first append.
    let fresh = FileLedger::new(dir.path().join("new.ledger"));
    fresh.append(&first).unwrap();
}
