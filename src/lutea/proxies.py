"""The address of the client behind a request: the peer, or what trusted proxies say it was.

`X-Forwarded-For` and `Forwarded` are read only when the peer is one of the configured trusted
proxies (LUTEA_TRUSTED_PROXIES, empty by default): anyone can send those headers, so from any
other peer they are ignored. The API and the web pages both use `client_address`, so the login
throttle and the audit trail see the same address whichever door the request came through.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED_FOR = re.compile(r'(?:^|[;,\s])for\s*=\s*("[^"]*"|[^;,\s]*)', re.IGNORECASE)


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma- or space-separated addresses or networks (`10.0.0.1, 10.1.0.0/16, ::1`); ValueError names a bad one."""
    networks = []
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (10.0.0.1, 10.0.0.0/8, ::1)") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address from a header entry (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `"[::1]"`); None if it is none."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Any, trusted: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in trusted)


def forwarded_chain(headers: Any) -> list[str]:
    """The hops a request passed, first client first: X-Forwarded-For, else Forwarded's `for=`."""
    xff = headers.get("x-forwarded-for")
    if xff:
        return [part for part in (p.strip() for p in xff.split(",")) if part]
    forwarded = headers.get("forwarded")
    if forwarded:
        return [match.group(1) for match in _FORWARDED_FOR.finditer(forwarded)]
    return []


def client_from(peer: str | None, hops: Iterable[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address: the peer unless it is a trusted proxy; then the nearest hop, walking the
    forwarded chain from the right, that is not itself a trusted proxy (entries left of it are the
    client's own words and are not read)."""
    if peer is None:
        return "unknown"
    current = _address(peer)
    if not _trusted(current, trusted):
        return peer
    for hop in reversed(list(hops)):
        address = _address(hop)
        if address is None:  # garbage a proxy passed on: stop at the last hop known to be real
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def client_address(request: Any) -> str:
    """The client address of a Starlette request under the app's settings (LUTEA_TRUSTED_PROXIES)."""
    peer = request.client.host if request.client else None
    trusted = request.app.state.settings.trusted_proxy_networks()
    if not trusted:
        return peer or "unknown"
    return client_from(peer, forwarded_chain(request.headers), trusted)
