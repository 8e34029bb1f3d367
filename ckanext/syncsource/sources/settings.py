"""Site-wide limits and allowances for reading sources (filled from the CKAN site config)."""

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .tokens import origin_key

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_PRIVATE_OPTION = "ckanext.syncsource.allow_private_addresses"
ALLOWED_NETWORKS_OPTION = "ckanext.syncsource.allowed_networks"
LOCAL_SOURCE_DIRS_OPTION = "ckanext.syncsource.local_source_dirs"


@dataclass(frozen=True)
class ReaderSettings:
    """Limits for one source read.

    `max_bytes` caps a download and, separately, the decompressed size of gzip data, so a gzip
    bomb stops at the same limit. `download_timeout` bounds one whole download (all redirects),
    since per-read timeouts alone let a server drip bytes forever. `allowed_networks` opens
    single networks (e.g. one internal catalogue) without allowing every private address.
    `max_record_bytes` caps one record (a line, a file, a row, one dataset or one JSON token of
    a document): parsers slow down badly on huge tokens. `max_datasets` and `max_groups` (for
    organizations and groups each) cap the records of one source, and so the pages of an API.
    `api_tokens` maps origin keys (`tokens.origin_key`) to the token of that CKAN site.
    """

    connect_timeout: float
    read_timeout: float
    download_timeout: float
    max_bytes: int
    max_redirects: int
    user_agent: str
    max_record_bytes: int
    max_datasets: int
    max_groups: int
    allow_private_addresses: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    local_source_dirs: tuple[str, ...] = ()
    api_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        positive = ("connect_timeout", "read_timeout", "download_timeout", "max_bytes")
        for name in (*positive, "max_record_bytes", "max_datasets", "max_groups"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_redirects < 0:
            raise ValueError("max_redirects must not be negative")
        networks = tuple(ipaddress.ip_network(net) for net in self.allowed_networks)
        object.__setattr__(self, "allowed_networks", networks)
        for directory in self.local_source_dirs:
            if not os.path.isabs(directory):
                raise ValueError(
                    f"{LOCAL_SOURCE_DIRS_OPTION}: {directory!r} is not an absolute path"
                )

    def token_for(self, url: str) -> str | None:
        """The token bound to the exact https origin of `url`, if any."""
        key = origin_key(url)
        return self.api_tokens.get(key) if key else None
