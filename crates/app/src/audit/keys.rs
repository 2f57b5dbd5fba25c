//! The audit's secrets, kept outside the database: one master secret (32 random bytes, written
//! as 64 hex digits) from which HKDF-SHA256 derives two subkeys, an ed25519 key that signs
//! checkpoints of the chain and an HMAC-SHA256 key for detail hashes. Every instance is given
//! the same master secret (a file, `audit_key_file` / `CHANCERY_AUDIT_KEY_FILE`, or the hex
//! itself in `CHANCERY_AUDIT_KEY`); an auditor needs only the public key (`audit.pub`).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The master secret's file name (`chancery audit keygen`, and `<data>/keys/`).
pub const MASTER_FILE: &str = "audit.key";
/// The public key's file name, beside it.
pub const PUBLIC_FILE: &str = "audit.pub";

/// The derived keys. `Debug` shows the public key's id only.
#[derive(Clone)]
pub struct AuditKeys {
    signing: SigningKey,
    hmac: [u8; 32],
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKeys(key id {})", self.public_key().key_id())
    }
}

impl AuditKeys {
    /// Derives both subkeys from the master secret (HKDF-SHA256, a fixed salt, one label each).
    pub fn from_master(master: &[u8; 32]) -> AuditKeys {
        let hk = Hkdf::<Sha256>::new(Some(b"chancery audit keys v1"), master);
        let mut seed = [0u8; 32];
        hk.expand(b"ed25519 checkpoint signing key", &mut seed)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let mut hmac = [0u8; 32];
        hk.expand(b"hmac-sha256 detail hash key", &mut hmac)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        AuditKeys {
            signing: SigningKey::from_bytes(&seed),
            hmac,
        }
    }

    /// Keys from a fresh random master secret that nobody keeps: for tests and for commands
    /// that only read the log.
    pub fn ephemeral() -> AuditKeys {
        AuditKeys::from_master(&rand::random::<[u8; 32]>())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// An HMAC-SHA256 of `value` for `purpose` (hex): what the audit stores of something that
    /// must not be stored in clear. Without the key nobody can confirm a guess against it.
    pub fn detail_hash(&self, purpose: &str, value: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac)
            .expect("HMAC takes a key of any length");
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// The ed25519 signature of `message`, hex.
    pub(crate) fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }
}

/// An ed25519 public key, as `audit.pub` holds it: `ed25519:` and 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// The key's id: the first 8 bytes of the sha256 of its bytes, hex.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }

    pub fn to_text(&self) -> String {
        format!("ed25519:{}", hex::encode(self.0.as_bytes()))
    }

    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let hex_part = text
            .trim()
            .strip_prefix("ed25519:")
            .ok_or("a public key reads ed25519: followed by 64 hex digits")?;
        let bytes: [u8; 32] = hex::decode(hex_part)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("a public key reads ed25519: followed by 64 hex digits")?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| "not a valid ed25519 public key".to_string())
    }

    pub fn read(path: &Path) -> Result<PublicKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Io(path.into(), e))?;
        PublicKey::parse(&text).map_err(|m| KeyError::Malformed(path.display().to_string(), m))
    }

    /// Whether `signature` (hex) is this key's signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Some(bytes) = hex::decode(signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        self.0
            .verify(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {err}", path = .0.display(), err = .1)]
    Io(PathBuf, #[source] std::io::Error),
    #[error("{0}: {1}")]
    Malformed(String, String),
    #[error("{path} exists already: not overwriting a key", path = .0.display())]
    Exists(PathBuf),
}

/// The master secret from its text (64 hex digits, surrounding whitespace ignored).
pub fn parse_master(text: &str) -> Result<[u8; 32], String> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "the audit master key is 64 hex digits (chancery audit keygen)".into())
}

/// Reads a master secret file.
pub fn read_master(path: &Path) -> Result<[u8; 32], KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Io(path.into(), e))?;
    parse_master(&text).map_err(|m| KeyError::Malformed(path.display().to_string(), m))
}

/// Writes a new master secret (`audit.key`, mode 0600) and its public key (`audit.pub`) into
/// `dir`, created readable by its owner only when missing. Never overwrites a key.
pub fn generate_files(dir: &Path) -> Result<(AuditKeys, PathBuf, PathBuf), KeyError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| KeyError::Io(p, e)
    };
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(io(dir))?;
    }
    let secret = dir.join(MASTER_FILE);
    let public = dir.join(PUBLIC_FILE);
    for p in [&secret, &public] {
        if p.exists() {
            return Err(KeyError::Exists(p.clone()));
        }
    }
    let master = rand::random::<[u8; 32]>();
    let keys = AuditKeys::from_master(&master);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&secret).map_err(io(&secret))?;
    writeln!(f, "{}", hex::encode(master)).map_err(io(&secret))?;
    f.sync_all().map_err(io(&secret))?;
    std::fs::write(&public, format!("{}\n", keys.public_key().to_text())).map_err(io(&public))?;
    Ok((keys, secret, public))
}

/// Where the keys of a run were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Given by the configuration (a file or the environment).
    Configured,
    /// Found in `<data>/keys/` (generated by an earlier run).
    FoundBeside(PathBuf),
    /// Generated just now in `<data>/keys/`.
    GeneratedBeside(PathBuf),
}

impl KeyOrigin {
    /// The warning for keys kept beside the database, if they are.
    pub fn warning(&self) -> Option<String> {
        let (dir, what) = match self {
            KeyOrigin::Configured => return None,
            KeyOrigin::FoundBeside(d) => (d, "are kept"),
            KeyOrigin::GeneratedBeside(d) => (d, "were generated"),
        };
        Some(format!(
            "warning: the audit keys {what} beside the database, in {}: whoever can change the \
             database can likely read them, so checkpoints signed with them anchor nothing. \
             Create keys with `chancery audit keygen --out DIR` somewhere else and give every \
             instance audit_key_file (CHANCERY_AUDIT_KEY_FILE) or CHANCERY_AUDIT_KEY; keep \
             audit.pub and the checkpoint files off this machine.",
            dir.display()
        ))
    }
}

/// The keys in force: the configured master secret (hex, or a file), else `<data>/keys/`; when
/// neither exists, generated there if `generate`, else `None`.
pub fn resolve(
    master_hex: Option<&str>,
    master_file: Option<&Path>,
    data: &Path,
    generate: bool,
) -> Result<Option<(AuditKeys, KeyOrigin)>, KeyError> {
    if let Some(h) = master_hex.filter(|h| !h.trim().is_empty()) {
        let m = parse_master(h).map_err(|m| KeyError::Malformed("CHANCERY_AUDIT_KEY".into(), m))?;
        return Ok(Some((AuditKeys::from_master(&m), KeyOrigin::Configured)));
    }
    if let Some(f) = master_file.filter(|f| !f.as_os_str().is_empty()) {
        return Ok(Some((
            AuditKeys::from_master(&read_master(f)?),
            KeyOrigin::Configured,
        )));
    }
    let dir = data.join("keys");
    let beside = dir.join(MASTER_FILE);
    if beside.exists() {
        return Ok(Some((
            AuditKeys::from_master(&read_master(&beside)?),
            KeyOrigin::FoundBeside(dir),
        )));
    }
    if !generate {
        return Ok(None);
    }
    let (keys, _, _) = generate_files(&dir)?;
    Ok(Some((keys, KeyOrigin::GeneratedBeside(dir))))
}
