"""The e-mail channel. `inbound` receives mail (`inbound.parsing` turns raw RFC 5322 bytes into
a `ParsedMessage` without touching the database; intake and the IMAP collector build on it);
`outbound` queues and delivers it (the outbox)."""
