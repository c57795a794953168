//! The security measures Tutela itself applies to every record it holds,
//! for the record of processing (Art. 30(1)(g), 32). Each line states what
//! the engine's code does, nothing more.

/// What the engine does, whatever the policy says.
pub const ENGINE_MEASURES: &[&str] = &[
    "Each person's data is encrypted with a data key of their own \
     (XChaCha20-Poly1305), bound to the organisation, the person, the record and \
     the data category, so a value moved to another row does not decrypt.",
    "Data used to find a person (identifiers) is stored only as a keyed hash \
     (HMAC-SHA256) beside its encrypted value, never in clear.",
    "Every read of personal data names a purpose and is checked against this \
     policy before anything is decrypted; refused reads are logged.",
    "Every use, disclosure, refusal and request is written to a tamper-evident \
     audit chain (each entry authenticated and linked to the one before, with \
     signed Ed25519 checkpoints); the chain holds pseudonyms and codes, never \
     personal values.",
    "Erasure destroys the person's data key (crypto-shredding) and deletes their \
     records; data a law requires to be kept is sealed under the hold's key and \
     readable only for a legal obligation until the hold ends.",
    "Data is deleted or made anonymous automatically when its retention period \
     ends.",
];
