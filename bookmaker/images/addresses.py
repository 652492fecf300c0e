"""Which network addresses the image fetcher may connect to: the SSRF guard."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

#: Never reached, whatever the options say. Link-local space holds the cloud metadata
#: services (169.254.169.254, fd00:ec2::254, 100.100.100.200), which hand out
#: credentials; "this network" 0/8 and the rest are never a real image server.
ALWAYS_REFUSED = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",
    "169.254.0.0/16",
    "100.100.100.200/32",
    "fe80::/10",
    "fd00:ec2::254/128",
))


class AddressRefused(Exception):
    """A host resolves to an address the policy forbids; the message says which."""


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses are allowed; loopback and private ones only when asked for.

    ``allow_private`` (``--allow-private-hosts``) opens loopback and private ranges
    (tests, intranet mirrors) but never link-local, multicast, reserved or unspecified
    addresses. ``also_allowed`` opens exact networks on top: tests use it to allow
    127.0.0.1 alone and check that a redirect to 127.0.0.2 is still refused.
    """

    allow_private: bool = False
    also_allowed: tuple[IPNetwork, ...] = ()

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be contacted, or ``None`` when it may."""
        ip = embedded_ipv4(address)
        kind = kind_of(ip)
        shown = f"{ip} ({address})" if ip != address else str(ip)
        if (kind in ("link-local", "multicast", "reserved", "unspecified")
                or any(ip in network for network in ALWAYS_REFUSED)):
            return f"{_article(kind)} {kind} address {shown}, never fetched"
        if ip.is_global or any(ip in network for network in self.also_allowed):
            return None
        if self.allow_private and kind in ("loopback", "private"):
            return None
        return f"{_article(kind)} {kind} address {shown}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv4-mapped (``::ffff:a.b.c.d``) or 6to4 address carries.

    Judging the IPv6 form alone would let ``::ffff:127.0.0.1`` through as "private"
    instead of loopback, or a 6to4 address through as "global".
    """
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return inner
    return address


def kind_of(address: IPAddress) -> str:
    """A short name for the range ``address`` belongs to, for messages and the policy."""
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_global:
        return "public"
    if address.is_private:
        return "private"
    return "non-public"


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates.

    Raises :class:`OSError` (``socket.gaierror``) when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"): the policy judges the address itself.
        text = str(sockaddr[0]).split("%", 1)[0]
        found[ipaddress.ip_address(text)] = None
    return list(found)


def checked_addresses(host: str, port: int, policy: AddressPolicy) -> list[IPAddress]:
    """Resolve ``host`` and return its addresses when the policy allows every one of them.

    All addresses are checked, not only the first: a name that resolves to a public and
    a private address at once is refused rather than trusted to connect to the former.
    """
    addresses = resolve(host, port)
    for address in addresses:
        reason = policy.refusal(address)
        if reason:
            if host.strip("[]") == str(address):
                raise AddressRefused(f"refused: {reason}")
            raise AddressRefused(f"refused: {host} resolves to {reason}")
    if not addresses:
        raise AddressRefused(f"refused: {host} resolves to no address")
    return addresses
