"""Where a webhook may send: the SSRF guard (docs/webhooks.md, "Which targets are refused").

A target's host is resolved once; every address it resolves to must be public (global
unicast) or inside ATIENDE_WEBHOOK_ALLOWED_NETWORKS, and cloud metadata addresses are refused
even there. The worker then connects to the address that was checked (delivery.py), never
to the name again, so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot reach an internal address. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.core.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services: refused even inside an allowed network.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class UnsafeTarget(ValidationFailed):
    """A target URL the guard refuses: a 422 on the `url` field wherever it arrives."""

    def __init__(self, message: str) -> None:
        super().__init__(errors={"url": [message]})


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name as written (the Host header, TLS SNI and certificate check)
    port: int
    address: str  # the checked address the worker connects to
    path: str  # path and query


# The resolver (tests replace it to answer a name with a private address).
Resolver = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


resolve: Resolver = system_resolve


def allowed_networks() -> list[Network]:
    return [
        ipaddress.ip_network(n, strict=False)
        for n in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ())
    ]


def _plain(address: IPAddress) -> IPAddress:
    """An IPv4 address wrapped in IPv6 (::ffff:10.0.0.1, 6to4 2002::/16, NAT64 64:ff9b::/96)
    is judged as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in ipaddress.ip_network("64:ff9b::/96"):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(raw: str, networks: list[Network] | None = None) -> str | None:
    """Why `raw` may not be a target (a sentence), or None."""
    try:
        address = _plain(ipaddress.ip_address(raw.split("%", 1)[0]))
    except ValueError:
        return _("The address %(address)s is not valid.") % {"address": raw}
    if address in METADATA:
        return _("%(address)s is a cloud metadata address.") % {"address": address}
    networks = allowed_networks() if networks is None else networks
    if any(address in net for net in networks if net.version == address.version):
        return None
    if address.is_loopback or address.is_unspecified:  # 0.0.0.0 and :: reach this machine
        reason = _("a loopback address")
    elif address.is_link_local:
        reason = _("a link-local address")
    elif address.is_multicast:
        reason = _("a multicast address")
    elif address.is_private:
        reason = _("a private address")
    elif address.is_reserved or not address.is_global:
        reason = _("a reserved address")
    else:
        return None
    return _(
        "%(address)s is %(reason)s; webhooks only reach public addresses or the networks "
        "allowed in ATIENDE_WEBHOOK_ALLOWED_NETWORKS."
    ) % {"address": address, "reason": reason}


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a well-formed http(s) URL, or UnsafeTarget."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeTarget(_("Enter a valid http or https URL.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget(_("Enter a valid http or https URL."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("Put no user name or password in the URL; use the secret."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def check(url: str) -> Target:
    """Resolve `url`'s host and check every address it has: the Target to connect to, or
    UnsafeTarget saying why not."""
    scheme, host, port, path = parse(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeTarget(_("The host %(host)s could not be resolved.") % {"host": host}) from None
    if not addresses:
        raise UnsafeTarget(_("The host %(host)s could not be resolved.") % {"host": host})
    networks = allowed_networks()
    for address in addresses:  # every one: a name must not mix a public and a private one
        refusal = address_refusal(address, networks)
        if refusal:
            raise UnsafeTarget(refusal)
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
