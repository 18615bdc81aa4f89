"""The client's address behind proxies: forwarding headers count only from trusted proxies."""

from __future__ import annotations

import pytest

from lutea.config import Settings
from lutea.proxies import client_from, forwarded_chain, parse_networks

TRUSTED = parse_networks("10.0.0.0/8, ::1")


@pytest.mark.parametrize(("peer", "hops", "client"), [
    ("203.0.113.5", ["192.0.2.1"], "203.0.113.5"),  # not a proxy: its headers are its own words
    ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
    ("10.0.0.2", ["192.0.2.1", "198.51.100.7", "10.0.0.3"], "198.51.100.7"),  # nearest untrusted hop
    ("10.0.0.2", ["10.0.0.4"], "10.0.0.4"),  # only proxies: the farthest one
    ("10.0.0.2", [], "10.0.0.2"),
    ("10.0.0.2", ["not-an-address"], "10.0.0.2"),
    ("10.0.0.2", ["192.0.2.1", "garbage", "10.0.0.3"], "10.0.0.3"),
    ("::1", ['"[2001:db8::1]:4711"'], "2001:db8::1"),
    ("10.0.0.2", ["198.51.100.7:8080"], "198.51.100.7"),
    (None, ["198.51.100.7"], "unknown"),
])
def test_client_from(peer, hops, client) -> None:
    assert client_from(peer, hops, TRUSTED) == client


def test_forwarded_chain_reads_x_forwarded_for_else_forwarded() -> None:
    assert forwarded_chain({"x-forwarded-for": "1.2.3.4, 5.6.7.8"}) == ["1.2.3.4", "5.6.7.8"]
    assert forwarded_chain({"forwarded": 'for=1.2.3.4;proto=http, For="[::1]:80"'}) == ["1.2.3.4", '"[::1]:80"']
    assert forwarded_chain({}) == []


def test_trusted_proxies_setting_is_empty_by_default_and_checked() -> None:
    assert Settings().trusted_proxy_networks() == ()
    assert len(Settings(trusted_proxies="10.0.0.1, 192.168.0.0/16").trusted_proxy_networks()) == 2
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(trusted_proxies="proxy.example.org")
