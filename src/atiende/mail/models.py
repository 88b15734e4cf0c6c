"""Tables of the mail domain: mailboxes (configuration), every inbound message (the raw bytes,
claimed once by its Message-ID) and the Message-ID -> ticket references used for threading."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.tickets.models import Kind

MESSAGE_ID_MAX = 998  # RFC 5322's line limit; parsing cuts longer ids
DEFAULT_MAX_MESSAGE_BYTES = 40 * 1024 * 1024


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("TLS (IMAPS, usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    NONE = "none", _("None (tests and loopback only)")


class AfterProcessing(models.TextChoices):
    SEEN = "seen", _("Flag as seen")
    MOVE = "move", _("Move to a folder")


class UnknownSender(models.TextChoices):
    CREATE = "create", _("Create the requester")
    REFUSE = "refuse", _("Refuse with a polite reply")


class AgentTrust(models.TextChoices):
    """When a message whose From is an agent's address may act as that agent."""

    NEVER = "never", _("Never: agents' mail is handled like anyone's")
    AUTHENTICATED = "authenticated", _("When the receiving server vouches for it (DMARC pass)")
    ALWAYS = "always", _("Always (closed internal mail systems only)")


class Mailbox(models.Model):
    """An address the desk receives mail at: where it comes from (IMAP or the MTA gateway)
    and what a new ticket opened by mail looks like."""

    name = models.SlugField(
        _("name"), max_length=60, unique=True, help_text=_("Used by `atiende mail receive`.")
    )
    address = models.EmailField(_("address"), max_length=254)
    is_default = models.BooleanField(
        _("default mailbox"),
        default=False,
        help_text=_("Its address is the sender of mail about tickets not opened by mail."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # IMAP (leave the host empty when mail arrives through the gateway only).
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=16, choices=ImapSecurity, default=ImapSecurity.SSL
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    after_processing = models.CharField(
        _("after processing"), max_length=8, choices=AfterProcessing, default=AfterProcessing.SEEN
    )
    processed_folder = models.CharField(
        _("folder for processed mail"),
        max_length=255,
        blank=True,
        default="Processed",
        help_text=_("Where processed mail is moved when “Move to a folder” is chosen."),
    )
    # New tickets.
    default_kind = models.CharField(
        _("kind of new tickets"), max_length=16, choices=Kind, default=Kind.INCIDENT
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team of new tickets"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    default_category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category of new tickets"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unknown_sender = models.CharField(
        _("unknown senders"), max_length=8, choices=UnknownSender, default=UnknownSender.CREATE
    )
    agent_trust = models.CharField(
        _("trust agents' addresses"), max_length=16, choices=AgentTrust, default=AgentTrust.NEVER
    )
    trusted_authserv_id = models.CharField(
        _("trusted authserv-id"),
        max_length=255,
        blank=True,
        help_text=_(
            "The authserv-id your receiving mail server writes in Authentication-Results "
            "(e.g. mx.example.com)."
        ),
    )
    max_message_bytes = models.PositiveBigIntegerField(
        _("largest message (bytes)"), default=DEFAULT_MAX_MESSAGE_BYTES
    )
    # Health of the collector.
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_mailbox"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def uses_imap(self) -> bool:
        return bool(self.imap_host)


class InboundStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored (automatic)")
    REJECTED = "rejected", _("Refused")
    TOO_LARGE = "too_large", _("Too large")
    DISCARDED = "discarded", _("Discarded")


class InboundSource(models.TextChoices):
    GATEWAY = "gateway", _("Mail gateway")
    IMAP = "imap", _("IMAP")
    OTHER = "other", _("Other")


class InboundMessage(models.Model):
    """Every message received, kept raw. The unique message_id is the claim: inserting the row
    is what makes a message processed once, whatever the number of collectors or retries."""

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    message_id = models.CharField(
        _("Message-ID"),
        max_length=MESSAGE_ID_MAX,
        unique=True,
        help_text=_("The header, or a hash of the raw message when it has none."),
    )
    source = models.CharField(
        _("source"), max_length=8, choices=InboundSource, default=InboundSource.OTHER
    )
    raw = models.BinaryField(_("raw message"), editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    from_address = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=1000, blank=True)
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus)
    error_code = models.CharField(
        _("error code"),
        max_length=32,
        blank=True,
        help_text=_("Why it failed, as a stable code (mail.errors); the text is shown translated."),
    )
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)
    error = models.TextField(
        _("error detail"), blank=True, help_text=_("Technical detail of the error.")
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    auto_generated = models.BooleanField(
        _("automatic"),
        default=False,
        help_text=_("Sent by a machine (auto-reply, list, bounce): never answered automatically."),
    )
    noise_reason = models.CharField(_("why automatic"), max_length=32, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            models.Index(fields=["status", "-received_at", "-id"], name="inbound_status_recent"),
            models.Index(fields=["ticket"], name="inbound_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"

    @property
    def error_message(self) -> str:
        """Why it failed, in the active language (the stored text for rows without a code)."""
        from .inbound.errors import error_message

        return error_message(self.error_code, self.error_params, self.error)

    @property
    def error_detail(self) -> str:
        """The technical detail, apart from the sentence (empty for rows without a code)."""
        return self.error if self.error_code else ""

    @property
    def error_text(self) -> str:
        """The sentence and, after it, the technical detail."""
        detail = self.error_detail
        return f"{self.error_message} ({detail})" if detail else self.error_message


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class MessageReference(models.Model):
    """A Message-ID that belongs to a ticket, for every message of the ticket in either
    direction: a reply's In-Reply-To/References finds its ticket with one indexed query."""

    message_id = models.CharField(_("Message-ID"), max_length=MESSAGE_ID_MAX)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("message reference")
        verbose_name_plural = _("message references")
        constraints = [
            # Its index leads with message_id: the threading lookup uses it.
            models.UniqueConstraint(fields=["message_id", "ticket"], name="unique_reference")
        ]
        indexes = [models.Index(fields=["ticket"], name="reference_ticket")]

    def __str__(self) -> str:
        return f"{self.message_id} -> {self.ticket_id}"


# --- Outbound: the transactional outbox -------------------------------------------------------


class OutboundKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement of a new ticket")
    REPLY = "reply", _("Public reply")
    RESOLUTION = "resolution", _("Resolution")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    NOTICE = "notice", _("Notice about a refused message")
    CHANGE_APPROVAL = "change_approval", _("Change approval requested")
    NOTIFICATION = "notification", _("Notification to an agent")

    PASSWORD_RESET = "password_reset", _("Password reset link")
    INVITATION = "invitation", _("Invitation to set a password")
    # Written by a domain above mail, rendered by the builder it registers (delivery.register_kind).
    SURVEY = "survey", _("Satisfaction survey")
    REPORT = "report", _("Scheduled report")


# Automatic replies to incoming mail: they could loop, so they are rate-limited per address.
AUTO_REPLY_KINDS = (OutboundKind.ACKNOWLEDGEMENT, OutboundKind.NOTICE)


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (loop rules or no address)")


class OutboundMessage(models.Model):
    """One mail to send, written in the same transaction as the change it tells about. It
    stores what to send, not the text: the text is rendered at delivery in the recipient's
    language and time zone. `message_id` is fixed at queue time (a MessageReference row points
    it at the ticket, so replies thread even before it is sent). Claimed by a delivery run
    with a conditional UPDATE (status sending, `claim` token, `next_attempt_at` = lease end),
    so a crashed run's message becomes due again when its lease ends."""

    kind = models.CharField(_("kind"), max_length=16, choices=OutboundKind)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboundStatus, default=OutboundStatus.QUEUED
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # users are never deleted while mail is waiting
    )
    to_address = models.CharField(
        _("to"),
        max_length=254,
        blank=True,
        help_text=_("The recipient's address when it was sent (or the address of a notice)."),
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        verbose_name=_("reply"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # timeline events are never deleted on their own
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("queued"))
    next_attempt_at = models.DateTimeField(_("next attempt"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            # What a delivery run claims: queued, or sending with an expired lease.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbound_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
            # The per-address rate limit of automatic replies.
            models.Index(
                fields=["to_address", "sent_at"],
                name="outbound_auto_sent",
                condition=Q(status="sent", kind__in=["ack", "notice"]),
            ),
            models.Index(fields=["status", "-created_at"], name="outbound_status_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.to_address or self.recipient_id} ({self.status})"
