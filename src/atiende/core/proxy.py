"""The client's address, as far as it can be trusted.

Without a configured proxy, REMOTE_ADDR (the peer of the connection) and nothing else:
X-Forwarded-For is written by the client and would let anyone choose their address. With
ATIENDE_TRUSTED_PROXY_COUNT = n, each of our n proxies appended the address it saw to
X-Forwarded-For, so the client is the n-th entry from the right; entries further left were
sent by the client and are ignored."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return peer  # did not come through all our proxies: the peer is all we know
    return _valid(hops[-count]) or peer
