//! The vault against real keyrings. `make test` runs this binary inside a D-Bus session with
//! an unlocked gnome-keyring and a fresh keyutils session keyring (`tests/run-in-keyring`),
//! so the developer's own keyring is never touched.

use agentdesk_identity::{KeyringBackend, Vault};

fn round_trip(backend: KeyringBackend) {
    let vault = Vault::open(backend).expect("open the keyring");
    vault.probe().expect("probe the keyring");
    let name = format!("test-round-trip-{}", std::process::id());
    assert_eq!(vault.secret(&name).expect("read"), None);
    vault.set_secret(&name, "s3cret value ✓").expect("store");
    assert_eq!(vault.secret(&name).expect("read").as_deref(), Some("s3cret value ✓"));
    vault.set_secret(&name, "replaced").expect("replace");
    assert_eq!(vault.secret(&name).expect("read").as_deref(), Some("replaced"));
    assert!(vault.delete_secret(&name).expect("delete"));
    assert!(!vault.delete_secret(&name).expect("delete again"));
    assert_eq!(vault.secret(&name).expect("read"), None);
}

#[test]
fn secret_service_stores_reads_and_deletes() {
    round_trip(KeyringBackend::Os);
}

#[test]
fn keyutils_stores_reads_and_deletes() {
    round_trip(KeyringBackend::Keyutils);
}
