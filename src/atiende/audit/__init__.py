"""The audit log of configuration: who changed which team, user, access, service level,
calendar, approval policy, blackout or mailbox, when, and from what to what."""
