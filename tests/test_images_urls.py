"""Image addresses and the address policy, without any network."""

from __future__ import annotations

import ipaddress

import pytest

from bookmaker.images.addresses import AddressPolicy, AddressRefused, checked_addresses
from bookmaker.images.urls import cache_key, is_fetchable, proxied_target, routes

SEED_IMAGE = ("https://images.weserv.nl/?url=static01.nyt.com/images/2023/10/17/"
              "multimedia/01-hvbz/01-hvbz-master1050.jpg")


def test_weserv_url_stands_for_the_original_image():
    assert proxied_target(SEED_IMAGE) == ("https://static01.nyt.com/images/2023/10/17/"
                                          "multimedia/01-hvbz/01-hvbz-master1050.jpg")
    assert cache_key(SEED_IMAGE) == proxied_target(SEED_IMAGE)


@pytest.mark.parametrize("url, target", [
    ("https://images.weserv.nl/?url=ssl:example.com/a.jpg&w=300", "https://example.com/a.jpg"),
    ("https://wsrv.nl/?url=http://example.com/a.jpg", "http://example.com/a.jpg"),
    ("https://images.weserv.nl/?url=%2F%2Fexample.com%2Fa.jpg", "https://example.com/a.jpg"),
    ("https://IMAGES.WESERV.NL/?url=example.com/a%20b.jpg", "https://example.com/a b.jpg"),
])
def test_weserv_variants(url, target):
    assert proxied_target(url) == target


@pytest.mark.parametrize("url", [
    "https://static01.nyt.com/a.jpg",
    "https://images.weserv.nl/",
    "https://images.weserv.nl/?w=300",
    "https://example.com/?url=static01.nyt.com/a.jpg",
])
def test_not_a_proxy_url(url):
    assert proxied_target(url) is None
    assert routes(url) == (cache_key(url),)


def test_routes_try_the_original_first_then_the_proxy():
    assert routes(SEED_IMAGE) == (proxied_target(SEED_IMAGE), SEED_IMAGE)


def test_cache_key_ignores_case_of_scheme_and_host_and_the_fragment():
    assert cache_key("HTTPS://Static01.NYT.com/Images/A.jpg#x") == \
        "https://static01.nyt.com/Images/A.jpg"
    assert cache_key("https://images.weserv.nl/?url=Static01.nyt.com/A.jpg") == \
        cache_key("https://static01.nyt.com/A.jpg")


@pytest.mark.parametrize("url, fetchable", [
    ("https://example.com/a.jpg", True),
    ("http://127.0.0.1:8000/a.jpg", True),
    ("file:///etc/passwd", False),
    ("javascript:alert(1)", False),
    ("data:image/png;base64,AAAA", False),
    ("/relative.jpg", False),
    ("https:///no-host.jpg", False),
])
def test_only_http_and_https_with_a_host_are_fetchable(url, fetchable):
    assert is_fetchable(url) is fetchable


LOOPBACK_ONLY = AddressPolicy(also_allowed=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.mark.parametrize("address, public, private_allowed, exact", [
    ("8.8.8.8", True, True, True),
    ("2606:4700::1111", True, True, True),
    ("127.0.0.1", False, True, True),
    ("127.0.0.2", False, True, False),
    ("::1", False, True, False),
    ("10.0.0.5", False, True, False),
    ("192.168.1.1", False, True, False),
    ("fc00::1", False, True, False),
    ("::ffff:127.0.0.1", False, True, True),
    ("::ffff:10.0.0.1", False, True, False),
    ("100.64.0.1", False, False, False),
    # Never, whatever the options: cloud metadata, multicast, reserved, unspecified.
    ("169.254.169.254", False, False, False),
    ("::ffff:169.254.169.254", False, False, False),
    ("fe80::1", False, False, False),
    ("fd00:ec2::254", False, False, False),
    ("100.100.100.200", False, False, False),
    ("0.0.0.0", False, False, False),
    ("0.1.2.3", False, False, False),
    ("::", False, False, False),
    ("224.0.0.1", False, False, False),
    ("ff02::1", False, False, False),
    ("240.0.0.1", False, False, False),
    ("255.255.255.255", False, False, False),
])
def test_address_policy(address, public, private_allowed, exact):
    ip = ipaddress.ip_address(address)
    assert (AddressPolicy().refusal(ip) is None) is public
    assert (AddressPolicy(allow_private=True).refusal(ip) is None) is private_allowed
    assert (LOOPBACK_ONLY.refusal(ip) is None) is exact


def test_refusal_names_the_kind_of_address():
    assert AddressPolicy().refusal(ipaddress.ip_address("127.0.0.1")) == \
        "a loopback address 127.0.0.1"
    assert "never fetched" in AddressPolicy(allow_private=True).refusal(
        ipaddress.ip_address("169.254.169.254"))


def test_names_are_resolved_and_every_address_checked():
    with pytest.raises(AddressRefused, match="localhost resolves to a loopback address"):
        checked_addresses("localhost", 80, AddressPolicy())
    # Decimal and hex spellings of 127.0.0.1 are caught after resolution.
    with pytest.raises(AddressRefused, match="loopback"):
        checked_addresses("2130706433", 80, AddressPolicy())
    with pytest.raises(AddressRefused, match="loopback"):
        checked_addresses("0x7f.1", 80, AddressPolicy())
    assert ipaddress.ip_address("127.0.0.1") in checked_addresses(
        "127.0.0.1", 80, AddressPolicy(allow_private=True))
