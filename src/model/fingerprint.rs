//! The stable identity of a finding, shared by JSON output, baselines, SARIF and incidents.
//!
//! A fingerprint is the first 16 bytes, in lowercase hex, of
//! SHA-256(`rule id` + "\0" + `resource id` [+ "\0" + `key`]), where `key` is the optional
//! `key` a policy puts on a finding to tell several findings on one resource apart, and the
//! resource id of a report-level finding is the report kind id. It does not depend on the
//! message, the severity, the file a report was read from, or the machine: rewording a
//! policy's message keeps its findings' fingerprints. The scheme is documented in
//! docs/output.md; changing it invalidates every saved baseline.

use sha2::{Digest, Sha256};

/// The fingerprint of a finding of `rule` on `resource`.
pub fn of(rule: &str, resource: &str, key: Option<&str>) -> String {
    let mut hash = Sha256::new();
    hash.update(rule.as_bytes());
    hash.update([0]);
    hash.update(resource.as_bytes());
    if let Some(key) = key {
        hash.update([0]);
        hash.update(key.as_bytes());
    }
    let mut hex = format!("{:x}", hash.finalize());
    hex.truncate(32); // the first 16 bytes
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_pinned() {
        // A change here breaks every baseline users have saved: keep it fixed.
        assert_eq!(of("PATCH-001", "i-1", None), of("PATCH-001", "i-1", None));
        assert_eq!(of("PATCH-001", "i-1", None).len(), 32);
        let expected = {
            let digest = Sha256::digest(b"PATCH-001\0i-1");
            digest[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(of("PATCH-001", "i-1", None), expected);
    }

    #[test]
    fn separates_its_parts() {
        assert_ne!(of("A", "bc", None), of("Ab", "c", None));
        assert_ne!(of("A", "b", None), of("A", "b", Some("")));
        assert_ne!(of("A", "b", Some("x")), of("A", "b", Some("y")));
    }
}
