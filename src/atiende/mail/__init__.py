"""The e-mail channel. `parsing` turns raw RFC 5322 bytes into a `ParsedMessage` without
touching the database; intake, IMAP and the outbox build on it."""
