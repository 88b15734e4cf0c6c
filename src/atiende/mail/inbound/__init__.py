"""Receiving mail: the MTA gateway and the IMAP collector feed raw bytes to `intake`, which
`parsing` (with `html_text`, `replies`, `noise`) turns into a ticket or a reply; `threading`
finds the ticket, `trust` decides whether an agent's address acts as the agent, `errors` says
why a message failed and `preview` shows it on the failed-mail page."""
