//! Access: accounts, sessions, CSRF, throttling, tokens, redaction, markings.
