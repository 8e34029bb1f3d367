"""Which IP addresses a source may be fetched from (SSRF protection)."""

import ipaddress
import socket
from collections.abc import Callable, Sequence

from .errors import SourceError
from .settings import ALLOW_PRIVATE_OPTION, ALLOWED_NETWORKS_OPTION, IPNetwork, ReaderSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# (host, port) -> every address the host resolves to; injectable so tests control DNS.
Resolver = Callable[[str, int], Sequence[IPAddress]]

_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """All addresses of `host` (an IP literal resolves to itself without a lookup)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise SourceError(f"could not resolve host {host!r} ({e})") from e
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _within(address: IPAddress, network: IPNetwork) -> bool:
    return address.version == network.version and address in network


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if _within(address, _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` is not a public internet address, or None when it is one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = refusal_reason(embedded)
        return f"{reason}, embedded in IPv6" if reason else None
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("unique-local", _within(address, _UNIQUE_LOCAL)),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    return next((reason for reason, applies in checks if applies), None)


def check_address(address: IPAddress, settings: ReaderSettings) -> None:
    """Raise SourceError unless the site allows connecting to `address`."""
    if settings.allow_private_addresses:
        return
    if any(_within(address, network) for network in settings.allowed_networks):
        return
    reason = refusal_reason(address)
    if reason:
        raise SourceError(
            f"refused address {address} ({reason}); set {ALLOW_PRIVATE_OPTION} "
            f"or list the network in {ALLOWED_NETWORKS_OPTION} to allow it"
        )


def checked_addresses(
    host: str, port: int, settings: ReaderSettings, resolve: Resolver
) -> list[IPAddress]:
    """The host's addresses, each checked; one refused address refuses the host (DNS rebinding)."""
    addresses = list(resolve(host, port))
    if not addresses:
        raise SourceError(f"host {host!r} has no address")
    for address in addresses:
        check_address(address, settings)
    return addresses
