"""Where a webhook may point: https only in production, never an internal address.

The host is resolved and every address it resolves to is checked, so that a name cannot
aim a webhook at the loopback, the private network, link-local metadata services or the
like. Checked when an admin saves the endpoint and again before each delivery batch.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURL(ValueError):
    """The URL may not receive webhooks; the message says why (in French, for the admin)."""


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"L'hôte {host!r} ne se résout pas ({error}).") from error
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_webhook_url(url: str, *, allow_http: bool, allow_private: bool) -> str:
    """Return the URL when it may receive webhooks, raise UnsafeURL otherwise."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"URL invalide ({error}).") from error
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeURL(
            "L'URL doit commencer par https://." if not allow_http else "L'URL doit être en http(s)."
        )
    if not parts.hostname:
        raise UnsafeURL("L'URL n'a pas d'hôte.")
    if parts.username or parts.password:
        raise UnsafeURL("L'URL ne doit pas contenir d'identifiants.")
    if len(url) > 500:
        raise UnsafeURL("L'URL dépasse 500 caractères.")
    if not allow_private:
        port = port or (443 if parts.scheme == "https" else 80)
        internal = [str(a) for a in _addresses(parts.hostname, port) if _is_internal(a)]
        if internal:
            raise UnsafeURL(
                f"L'hôte {parts.hostname} mène à une adresse interne ({', '.join(sorted(set(internal)))})."
            )
    return url


def url_policy(config) -> dict[str, bool]:
    """Return the keyword arguments of check_webhook_url for an app's configuration."""
    allow_http = config.get("WEBHOOKS_ALLOW_HTTP")
    if allow_http is None:  # http is for development and tests only
        allow_http = bool(config.get("DEBUG") or config.get("TESTING"))
    return {"allow_http": bool(allow_http), "allow_private": bool(config.get("WEBHOOKS_ALLOW_PRIVATE"))}
