"""Which URLs a source may fetch: allowed hosts, no private addresses, files in its folders."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ingestion.sources import FetchPolicy


class FetchRefused(ValueError):
    """A URL the source's policy does not allow: not retried, logged with the reason."""


def to_url(location: str, project_root: Path) -> str:
    """A source location as a URL: a bare relative path is a file of the project."""
    if urlsplit(location).scheme in ("http", "https", "file"):
        return location
    return (project_root / location).resolve().as_uri()


def join_url(base: str, link: str) -> str:
    """A feed item's link, which may be relative to the feed."""
    return urljoin(base, link.strip())


def allowed_hosts(policy: FetchPolicy, source_url: str) -> set[str]:
    """The policy's hosts plus the source's own host."""
    hosts = {h.lower() for h in policy.allowed_hosts}
    host = urlsplit(source_url).hostname
    if host:
        hosts.add(host.lower())
    return hosts


def is_non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, loopback, link-local (cloud metadata), shared, reserved or multicast.

    Anything not globally routable: also 0.0.0.0 (which reaches the local host),
    100.64.0.0/10 and IPv4-mapped IPv6 forms of private addresses.
    """
    return not address.is_global or address.is_multicast


def check_http_url(url: str, policy: FetchPolicy, hosts: set[str]) -> None:
    """Refuse a URL outside the allowed hosts or one that resolves to a private address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"scheme {parts.scheme!r} is not allowed for {url}")
    host = (parts.hostname or "").lower()
    if host not in hosts:
        raise FetchRefused(f"host {host!r} is not among the source's allowed hosts {sorted(hosts)}")
    if policy.allow_private_addresses:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise FetchRefused(f"cannot resolve host {host!r}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if is_non_public(address):
            raise FetchRefused(
                f"host {host!r} resolves to the non-public address {address}; "
                "set fetch.allow_private_addresses on the source to allow it"
            )


@lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    # Once per folder, not once per file of a 100,000-file collection; a process is
    # one collection, so a folder re-pointed meanwhile is seen by the next one.
    return folder.resolve()


def file_path_for(url: str, policy: FetchPolicy, project_root: Path) -> Path:
    """The local path of a ``file://`` URL, refused outside the source's allowed folders."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise FetchRefused(f"not a file URL: {url}")
    path = Path(unquote(parts.path)).resolve()
    for folder in policy.allowed_folders:
        root = _resolved(project_root / folder)
        if path == root or root in path.parents:
            return path
    raise FetchRefused(
        f"{path} is outside the source's allowed folders {list(policy.allowed_folders)}"
    )
