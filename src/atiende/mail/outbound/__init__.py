"""Sending mail: `notify` decides who gets which mail on a domain event and queues it through
`outbox` (the outbox API); `delivery` (the `atiende.mail.deliver` task in `tasks`) renders it
with `compose` and sends it over SMTP; `links` signs the resolution e-mail's one-click links;
`admin` is the outbox in Django admin."""
