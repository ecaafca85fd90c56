"""Recognise ticket URLs of Zendesk, Freshdesk and Request Tracker; strictly.

A URL switches the sidebar, so a lookalike must not: we parse with `urlsplit` and compare the
scheme, host and port exactly; never substring-match the whole URL (which would accept
`https://evil.com/agent/tickets/5?x=zendesk.com`).

- With configured sites: only those origins (and the path under their base path) match.
- With none: the canonical SaaS hosts `<sub>.zendesk.com` and `<sub>.freshdesk.com`, and any
  host serving RT's `…/Ticket/Display.html?id=N`.

The same rules are implemented in `extension/chromium/ticket_url.js`; both are tested against
`extension/url_cases.json`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from assist.tickets import TicketRef

_ID = r"([1-9][0-9]{0,18})"
_PATHS = {
    "zendesk": re.compile(rf"^/agent/tickets/{_ID}(?:/[A-Za-z0-9_/-]*)?$"),
    # /a/tickets/N is the current agent UI; /helpdesk/tickets/N the older one, still redirected.
    "freshdesk": re.compile(rf"^/(?:a|helpdesk)/tickets/{_ID}(?:/[A-Za-z0-9_/-]*)?$"),
}
_RT_PAGE = "/Ticket/Display.html"
_RT_ID = re.compile(rf"^{_ID}$")
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CANONICAL = {"zendesk": ".zendesk.com", "freshdesk": ".freshdesk.com"}
_HASH_ID = re.compile(r"^#\s?([1-9][0-9]{0,11})$")


@dataclass(frozen=True, slots=True)
class HelpdeskSite:
    """A configured helpdesk: its kind and root URL (`https://acme.zendesk.com`,
    `https://support.example.com/rt`)."""

    provider: str
    base_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_base(self.base_url))


def normalize_base(url: str) -> str:
    """`HTTPS://Acme.Zendesk.com:443/` → `https://acme.zendesk.com`, for exact comparison."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"https": 443, "http": 80}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _origin_and_path(url: str) -> tuple[str, str, str, str] | None:
    """(scheme, netloc, path, query) of a well-formed http(s) URL without userinfo."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc or "\\" in url:
        return None  # user@host tricks; browsers treat "\" as "/" in the authority
    host = parts.hostname.lower()
    default = {"https": 443, "http": 80}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return scheme, netloc, parts.path, parts.query


def _match_path(provider: str, path: str, query: str) -> str | None:
    if provider == "rt":
        if path != _RT_PAGE:
            return None
        ids = parse_qs(query).get("id", [])
        if len(ids) != 1:
            return None  # missing or ambiguous (?id=1&id=2)
        m = _RT_ID.match(ids[0])
        return m.group(1) if m else None
    m = _PATHS[provider].match(path)
    return m.group(1) if m else None


def parse_ticket_url(text: str, sites: Sequence[HelpdeskSite] = ()) -> TicketRef | None:
    """The ticket a URL points at, or None. `text` must be the URL alone (surrounding
    whitespace and <> allowed): a link inside a pasted email is not "the ticket I'm on"."""
    url = text.strip().strip("<>").strip()
    if not url or any(c.isspace() for c in url) or len(url) > 2048:
        return None
    if not url.isascii():
        return None  # IDN lookalikes (а vs a); real ticket URLs are ASCII
    parsed = _origin_and_path(url)
    if parsed is None:
        return None
    scheme, netloc, path, query = parsed
    origin = f"{scheme}://{netloc}"
    if sites:
        for site in sites:
            base = urlsplit(site.base_url)
            if f"{base.scheme}://{base.netloc}" != origin:
                continue
            prefix = base.path
            if prefix and not (path == prefix or path.startswith(prefix + "/")):
                continue
            ticket_id = _match_path(site.provider, path[len(prefix) :], query)
            if ticket_id:
                return TicketRef(provider=site.provider, ticket_id=ticket_id, base_url=site.base_url)
        return None
    host = netloc.split(":")[0]
    for provider, suffix in _CANONICAL.items():
        if host.endswith(suffix) and scheme == "https" and ":" not in netloc:
            sub = host[: -len(suffix)]
            if _SUBDOMAIN.match(sub):
                ticket_id = _match_path(provider, path, query)
                return TicketRef(provider, ticket_id, origin) if ticket_id else None
            return None
    if path.endswith(_RT_PAGE):
        prefix = path[: -len(_RT_PAGE)]
        ticket_id = _match_path("rt", _RT_PAGE, query)
        if ticket_id:
            return TicketRef(provider="rt", ticket_id=ticket_id, base_url=origin + prefix)
    return None


def parse_hash_id(text: str, site: HelpdeskSite | None) -> TicketRef | None:
    """`#12345` as a ticket of the configured helpdesk (only when the agent enabled it)."""
    if site is None:
        return None
    m = _HASH_ID.match(text.strip())
    return TicketRef(site.provider, m.group(1), site.base_url) if m else None


def parse_clipboard(
    text: str, sites: Sequence[HelpdeskSite] = (), hash_site: HelpdeskSite | None = None
) -> TicketRef | None:
    """What a copied text means for the sidebar: a ticket URL, `#12345` if enabled, or nothing."""
    if not text or len(text) > 2048:
        return None
    return parse_ticket_url(text, sites) or parse_hash_id(text, hash_site)
