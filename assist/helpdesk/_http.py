"""The one HTTP layer every helpdesk provider talks through.

Policy above transport (like httpx's Client over BaseTransport): providers build requests and map
JSON; this module owns timeouts, retries, error translation, pagination and secret hygiene.

- `map_http_errors()` turns httpx errors into our `HelpdeskError` tree, so callers catch only
  `AssistError` and can tell "re-enter the token" (AuthError) from "try later" (UnavailableError).
- `HttpClient.request()` retries what is safe to retry: 429 (the server did nothing) honouring
  `Retry-After` up to a cap; 502/503/504, timeouts and connection errors for idempotent methods
  only (a POSTed note that timed out may have landed; retrying could post it twice).
- Pagination helpers follow cursor/`next` links, but only on the configured origin: a `next` URL on
  another host would otherwise receive our credentials.
- `Secret` and `RedactingFilter` keep tokens out of reprs and logs; error messages never include
  request headers, and response snippets are passed through `redact()`.
- `RateBudget` counts the calls made and reads the server's own budget from every response, so a
  background watcher can ask how many calls it may still make (`allowance(share)`).
- `get_json(..., conditional=True)` revalidates with `If-None-Match` where the server sends ETags
  (RT's single records do): a 304 reuses the cached body.

Example:

    client = HttpClient("https://acme.zendesk.com", service="Zendesk", auth=BearerAuth(secret))
    body = client.get_json("/api/v2/tickets/1.json")
"""

from __future__ import annotations

import contextlib
import copy
import email.utils
import logging
import math
import random
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from common.errors import AuthError, HelpdeskError, NotFoundError, RateLimitedError, UnavailableError

if TYPE_CHECKING:
    from assist.config import HelpdeskSettings

log = logging.getLogger("assist.helpdesk")

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUS = frozenset({502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try before giving up. The defaults keep a sidebar responsive: at worst a few
    seconds of waiting, never the minutes a strict Retry-After could ask for."""

    attempts: int = 3
    """Total tries per request, including the first."""
    backoff: float = 0.5
    """First backoff in seconds; doubles per try, with full jitter."""
    max_backoff: float = 8.0
    max_retry_after: float = 30.0
    """A Retry-After longer than this is not slept through: RateLimitedError goes to the caller,
    whose refresh policy backs off instead of freezing a worker."""


DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DEFAULT_RETRY = RetryPolicy()
DEFAULT_CALLS_PER_MINUTE = 60
"""Our own cap where the helpdesk reports no budget (RT): one call a second."""
DEFAULT_ETAG_CACHE_SIZE = 256


class Secret:
    """A string that does not show itself in repr/str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact(text: str, secrets: Iterable[Secret | str]) -> str:
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and len(value) >= 4:
            text = text.replace(value, "********")
    return text


class RedactingFilter(logging.Filter):
    """Replaces known secrets in log records (message and args) before any handler sees them."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        super().__init__()
        self._secrets: list[Secret] = list(secrets)

    def add(self, secret: Secret) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string: let logging report it as usual
                return True
            record.msg = redact(message, self._secrets)
            record.args = None
        return True


_FILTER = RedactingFilter()


def _install_record_factory() -> None:
    # A filter on the "assist.helpdesk" logger would not see records of its children
    # ("assist.helpdesk.zendesk"): propagation skips parent filters. Redacting where records are
    # made covers every logger, ours and libraries' alike, and chains any existing factory.
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)


_install_record_factory()


def register_secret(secret: Secret) -> None:
    """Make every helpdesk/httpx log record redact this secret from now on."""
    _FILTER.add(secret)


class TokenHeaderAuth(httpx.Auth):
    """Sets one Authorization header from a Secret at send time (Bearer, RT's `token`, Basic)."""

    def __init__(self, scheme: str, secret: Secret) -> None:
        self._scheme = scheme
        self._secret = secret
        register_secret(secret)

    @classmethod
    def basic(cls, user: str, password: Secret) -> TokenHeaderAuth:
        import base64

        raw = f"{user}:{password.reveal()}".encode()
        encoded = Secret(base64.b64encode(raw).decode("ascii"))
        register_secret(password)
        return cls("Basic", encoded)

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["Authorization"] = f"{self._scheme} {self._secret.reveal()}"
        yield request

    def __repr__(self) -> str:
        return f"TokenHeaderAuth({self._scheme!r}, ********)"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _body_snippet(response: httpx.Response, limit: int = 200) -> str:
    try:
        text = response.text
    except Exception:  # undecodable body: the status alone has to do
        return ""
    text = " ".join(text.split())
    return text[:limit]


def error_for_response(
    response: httpx.Response, service: str, secrets: Iterable[Secret] = ()
) -> HelpdeskError:
    """The most specific HelpdeskError for a non-2xx response; messages say what to do."""
    status = response.status_code
    what = f"{service} answered {status}"
    if status in (401, 403):
        hint = (
            "check the email/token in Settings (or ASSIST_HELPDESK_TOKEN)"
            if status == 401
            else "this account may not see that ticket, or the token lacks the needed scope"
        )
        return AuthError(f"{what}: the credentials were refused; {hint}.")
    if status == 404:
        return NotFoundError(f"{what}: not found (wrong ticket id, or not visible to this agent).")
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        when = f"in {retry_after:.0f} s" if retry_after is not None else "in a minute"
        return RateLimitedError(f"{what}: too many requests; will try again {when}.", retry_after=retry_after)
    if status >= 500:
        return UnavailableError(f"{what}: the helpdesk is having trouble; try again shortly.")
    snippet = redact(_body_snippet(response), secrets)
    return HelpdeskError(f"{what}: {snippet}" if snippet else what)


@contextlib.contextmanager
def map_http_errors(service: str, secrets: Iterable[Secret] = ()) -> Iterator[None]:
    """Translate httpx (and JSON decoding) errors into HelpdeskError subclasses, `from` the cause."""
    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise error_for_response(exc.response, service, secrets) from exc
    except httpx.TimeoutException as exc:
        raise UnavailableError(f"{service} did not answer in time; try again shortly.") from exc
    except httpx.ConnectError as exc:
        raise UnavailableError(
            f"Cannot connect to {service}; check the helpdesk URL and the network."
        ) from exc
    except httpx.TransportError as exc:
        raise UnavailableError(f"The connection to {service} failed ({type(exc).__name__}).") from exc
    except httpx.InvalidURL as exc:
        raise HelpdeskError(f"The {service} URL is not valid; check the helpdesk URL in Settings.") from exc
    except ValueError as exc:  # json.JSONDecodeError and friends: a proxy page, a truncated body
        raise UnavailableError(
            f"{service} sent a response that is not valid JSON; try again shortly."
        ) from exc


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """What one response said about the API budget; None where it said nothing."""

    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None
    """Seconds until the budget refills."""
    cost: int | None = None
    """Credits this request used (Freshdesk: an `include` costs extra)."""


# Zendesk: X-Rate-Limit / X-Rate-Limit-Remaining on every response, plus the IETF-draft
# ratelimit-limit / -remaining / -reset on list endpoints
# (https://developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting).
# Freshdesk: X-RateLimit-Total / -Remaining / -Used-CurrentRequest (https://developers.freshdesk.com/api/#ratelimit).
_LIMIT_HEADERS = ("x-rate-limit", "ratelimit-limit", "x-ratelimit-total", "x-ratelimit-limit")
_REMAINING_HEADERS = ("x-rate-limit-remaining", "ratelimit-remaining", "x-ratelimit-remaining")
_RESET_HEADERS = ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset")
_COST_HEADERS = ("x-ratelimit-used-currentrequest",)
_LEADING_INT = re.compile(r"\s*(\d+)")
_EPOCH_2001 = 1_000_000_000  # a reset value this large is a Unix time, not a delta


def _first_int(headers: Mapping[str, str], names: Iterable[str]) -> int | None:
    for name in names:
        value = headers.get(name)
        # The IETF draft allows "100, 100;w=60": the first number is the one that applies now.
        match = _LEADING_INT.match(value) if value else None
        if match:
            return int(match.group(1))
    return None


def parse_rate_headers(headers: Mapping[str, str], now: float | None = None) -> RateHeaders:
    """The budget a response reports, from whichever of the known header families it carries."""
    reset = _first_int(headers, _RESET_HEADERS)
    reset_after: float | None = None
    if reset is not None:
        reset_after = float(reset)
        if reset >= _EPOCH_2001:
            reset_after = max(0.0, reset - (time.time() if now is None else now))
    return RateHeaders(
        limit=_first_int(headers, _LIMIT_HEADERS),
        remaining=_first_int(headers, _REMAINING_HEADERS),
        reset_after=reset_after,
        cost=_first_int(headers, _COST_HEADERS),
    )


class RateBudget:
    """The helpdesk API budget as far as we know it; thread-safe (the watcher and the sidebar
    share one client).

    Every request this client sends is counted (`calls_made`), and every response's rate-limit
    headers update the server's own view (`limit`, `remaining`, `reset_at`). When the server says
    nothing (RT), or what it said is older than its window, the configured `calls_per_minute`
    cap over a sliding minute stands in for it. A 429 empties the budget until its Retry-After.

    Args:
        calls_per_minute: our own cap where the server reports no budget.
        clock: Unix time in seconds; injectable for tests.
    """

    WINDOW = 60.0
    """Zendesk and Freshdesk count per minute; a server view older than this without a reset
    time is no longer trusted."""

    def __init__(
        self, calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE, *, clock: Callable[[], float] = time.time
    ) -> None:
        if calls_per_minute <= 0:
            raise ValueError("calls_per_minute must be positive")
        self.calls_per_minute = calls_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._calls = 0
        self._throttled = 0
        self._recent: deque[float] = deque()
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset: float | None = None
        self._observed: float | None = None
        self._cost = 1
        self._blocked_until: float | None = None

    def __repr__(self) -> str:
        return f"RateBudget(limit={self.limit}, remaining={self.remaining}, calls_made={self.calls_made})"

    def record(self, response: httpx.Response | None) -> None:
        """Count one request that reached (or may have reached) the server, and read its answer's
        budget headers; `None` when no response came back (a timeout)."""
        with self._lock:
            now = self._clock()
            self._calls += 1
            self._recent.append(now)
            self._trim(now)
            if response is None:
                return
            seen = parse_rate_headers(response.headers, now)
            if seen.limit is not None or seen.remaining is not None:
                self._limit = seen.limit if seen.limit is not None else self._limit
                self._remaining = seen.remaining
                self._observed = now
                self._reset = now + seen.reset_after if seen.reset_after is not None else None
                if seen.cost:
                    self._cost = max(1, seen.cost)
            if response.status_code == 429:
                self._throttled += 1
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self.WINDOW
                self._blocked_until = now + wait
                self._remaining = 0
                self._observed = now
                self._reset = now + wait
                if self._limit is None:
                    self._limit = self.calls_per_minute

    def _trim(self, now: float) -> None:
        while self._recent and self._recent[0] <= now - self.WINDOW:
            self._recent.popleft()

    def _estimate(self, now: float) -> tuple[int, int, float | None, int]:
        """(limit, remaining, reset time, credits per call) as best known at `now`."""
        self._trim(now)
        if self._observed is not None and self._limit is not None:
            if self._reset is not None and now >= self._reset:
                # The server's window rolled over: full budget, less what we spent since.
                since = sum(1 for t in self._recent if t >= self._reset)
                return self._limit, max(0, self._limit - since * self._cost), None, self._cost
            if self._reset is not None or now - self._observed < self.WINDOW:
                remaining = self._remaining if self._remaining is not None else self._limit
                return self._limit, max(0, remaining), self._reset, self._cost
        cap = self.calls_per_minute
        reset = self._recent[0] + self.WINDOW if self._recent else None
        return cap, max(0, cap - len(self._recent)), reset, 1

    @property
    def calls_made(self) -> int:
        """Requests sent through this client so far, retries and 429s included."""
        with self._lock:
            return self._calls

    @property
    def throttled(self) -> int:
        """How many 429 answers this client got."""
        with self._lock:
            return self._throttled

    @property
    def limit(self) -> int:
        """Calls per window: the server's figure, else `calls_per_minute`."""
        with self._lock:
            return self._estimate(self._clock())[0]

    @property
    def remaining(self) -> int:
        with self._lock:
            return self._estimate(self._clock())[1]

    @property
    def reset_at(self) -> datetime | None:
        """When the budget refills (the server's reset, a 429's Retry-After, or when the oldest
        call leaves our own one-minute window)."""
        with self._lock:
            reset = self._estimate(self._clock())[2]
        return datetime.fromtimestamp(reset, UTC) if reset is not None else None

    def allowance(self, share: float) -> int:
        """How many calls a background task may make now if it may use only `share` (0..1) of the
        budget: it may bring `remaining` down to the `(1 - share)` part of `limit` that is kept
        for the agent's own clicks (and, on a shared account budget, everyone else's), and
        nothing while a 429 is in force."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        with self._lock:
            now = self._clock()
            if self._blocked_until is not None and now < self._blocked_until:
                return 0
            limit, remaining, _reset, cost = self._estimate(now)
        reserve = limit - math.floor(limit * share)
        return max(0, (remaining - reserve) // cost)


class HttpClient:
    """httpx.Client plus our retry, error and pagination policy for one helpdesk origin.

    Args:
        base_url: the helpdesk's root, e.g. `https://acme.zendesk.com`.
        service: name used in error messages ("Zendesk").
        auth: an httpx.Auth; its secret is never logged or shown.
        client: inject a ready httpx.Client (tests); otherwise one is built with `transport`.
        sleep: injectable so retry tests do not wait.
        budget: the `RateBudget` to count into; a new one with `calls_per_minute` otherwise.
        etag_cache_size: how many conditional GET bodies to keep (least recently used go first).
    """

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        auth: httpx.Auth | None = None,
        secrets: Iterable[Secret] = (),
        headers: dict[str, str] | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE,
        budget: RateBudget | None = None,
        etag_cache_size: int = DEFAULT_ETAG_CACHE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.retry = retry
        self.budget = budget or RateBudget(calls_per_minute)
        self._etags: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], tuple[str, Any]] = OrderedDict()
        self._etag_size = etag_cache_size
        self._etag_lock = threading.Lock()
        self.not_modified = 0
        """Conditional GETs answered 304 (a body we did not download again)."""
        self._secrets = list(secrets)
        for secret in self._secrets:
            register_secret(secret)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._auth = auth
        self._owns_client = client is None
        self._client = client or httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,  # a redirect to another host would carry our Authorization
            headers={"Accept": "application/json", "User-Agent": "agent-assist/0.1"} | (headers or {}),
        )
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme, origin.netloc.lower())

    @classmethod
    def for_helpdesk(
        cls,
        settings: HelpdeskSettings,
        service: str,
        auth: httpx.Auth,
        token: Secret,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> HttpClient:
        """The client a provider talks to its helpdesk with: the configured URL, timeout and
        calls-per-minute cap, the token kept out of every log and error;
        `client`/`transport`/`sleep` are for tests."""
        return cls(
            settings.url,
            service=service,
            auth=auth,
            secrets=[token],
            client=client,
            transport=transport,
            timeout=settings.timeout_seconds,
            retry=retry,
            sleep=sleep,
            calls_per_minute=settings.calls_per_minute,
        )

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r}, service={self.service!r})"

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- URLs ------------------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            self._check_origin(path_or_url)
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/"))

    def _check_origin(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise HelpdeskError(
                f"{self.service} pointed to another site ({parts.netloc}); "
                "refusing to send credentials there."
            )

    # -- requests --------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        cap = min(self.retry.max_backoff, self.retry.backoff * (2**attempt))
        return self._rng.uniform(cap / 2, cap)  # "equal jitter": spread out, never zero

    def request(
        self, method: str, path_or_url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a HelpdeskError.

        `idempotent=False` marks a request that must not be repeated after it may have reached the
        server (Zendesk adds a comment with PUT, which HTTP calls idempotent but is not here).
        """
        method = method.upper()
        url = self.url(path_or_url)
        if idempotent is None:
            idempotent = method in _IDEMPOTENT
        attempt = 0
        while True:
            with map_http_errors(self.service, self._secrets):
                try:
                    response = self._client.request(method, url, auth=self._auth, **kwargs)
                except (httpx.ConnectError, httpx.TimeoutException) as exc:
                    if not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                        self.budget.record(None)  # it may have reached the server: it counts
                    # ConnectError: nothing was sent, safe for any method. A timeout on a POST may
                    # have been applied by the server, so only idempotent requests retry it.
                    safe = idempotent or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                    if safe and attempt + 1 < self.retry.attempts:
                        delay = self._backoff(attempt)
                        log.info("%s: %s, retrying in %.1fs", self.service, type(exc).__name__, delay)
                        self._sleep(delay)
                        attempt += 1
                        continue
                    raise
                self.budget.record(response)
                if response.status_code == 429 or (idempotent and response.status_code in _RETRY_STATUS):
                    err = error_for_response(response, self.service, self._secrets)
                    response.close()
                    retry_after = getattr(err, "retry_after", None)
                    if attempt + 1 >= self.retry.attempts:
                        raise err
                    if retry_after is not None and retry_after > self.retry.max_retry_after:
                        raise err  # too long to block on; the caller's refresh policy backs off
                    if retry_after is not None:
                        delay = retry_after + self._rng.uniform(0, 0.25)  # honour it, spread a little
                    else:
                        delay = self._backoff(attempt)
                    log.info("%s: %s, retrying in %.1fs", self.service, response.status_code, delay)
                    self._sleep(delay)
                    attempt += 1
                    continue
                if response.is_error:
                    raise error_for_response(response, self.service, self._secrets)
                return response

    def get_json(
        self, path_or_url: str, params: dict[str, Any] | None = None, *, conditional: bool = False
    ) -> Any:
        """GET and decode JSON. With `conditional`, a body that came with an ETag is kept (up to
        `etag_cache_size` of them) and the next GET of the same URL and params sends
        `If-None-Match`; a 304 returns a copy of the kept body without downloading or parsing
        anything. The server decides: without an ETag nothing is cached."""
        url = self.url(path_or_url)
        key = (url, tuple(sorted((str(k), str(v)) for k, v in (params or {}).items())))
        cached = None
        if conditional:
            with self._etag_lock:
                cached = self._etags.get(key)
        headers = {"If-None-Match": cached[0]} if cached else None
        response = self.request("GET", url, params=params, headers=headers)
        if response.status_code == 304 and cached is not None:
            with self._etag_lock:
                if key in self._etags:
                    self._etags.move_to_end(key)
                self.not_modified += 1
            return copy.deepcopy(cached[1])  # the caller may mutate it; the cache must not change
        with map_http_errors(self.service, self._secrets):
            body = response.json()
        etag = response.headers.get("ETag")
        if conditional and etag and self._etag_size > 0:
            with self._etag_lock:
                self._etags[key] = (etag, copy.deepcopy(body))
                self._etags.move_to_end(key)
                while len(self._etags) > self._etag_size:
                    self._etags.popitem(last=False)
        return body

    def send_json(
        self, method: str, path_or_url: str, payload: Any, *, idempotent: bool | None = None
    ) -> Any:
        response = self.request(method, path_or_url, json=payload, idempotent=idempotent)
        if not response.content:
            return None
        with map_http_errors(self.service, self._secrets):
            return response.json()

    # -- pagination ------------------------------------------------------------------------------

    def paginate(
        self,
        path_or_url: str,
        params: dict[str, Any] | None,
        next_url: Callable[[Any, httpx.Response], str | None],
        max_pages: int = 50,
    ) -> Iterator[Any]:
        """Yield each page's JSON body, following `next_url(body, response)` on this origin only.

        `max_pages` bounds a misbehaving server (a cursor that never ends); the caller sees the
        pages it got.
        """
        url: str | None = path_or_url
        seen: set[str] = set()
        for _ in range(max_pages):
            if url is None:
                return
            response = self.request("GET", url, params=params)
            with map_http_errors(self.service, self._secrets):
                body = response.json()
            yield body
            params = None  # next links carry their own query
            nxt = next_url(body, response)
            if nxt is not None:
                nxt = self.url(nxt)  # raises on a foreign origin
                if nxt in seen:
                    return  # a server repeating its cursor would loop forever
                seen.add(nxt)
            url = nxt


def cursor_next(body: Any, _response: httpx.Response) -> str | None:
    """Zendesk cursor pagination: `meta.has_more` + `links.next`."""
    meta = body.get("meta") or {}
    if not meta.get("has_more"):
        return None
    return (body.get("links") or {}).get("next")


def next_page_field(body: Any, _response: httpx.Response) -> str | None:
    """Offset pagination with a `next_page` URL (Zendesk search, RT REST2)."""
    return body.get("next_page") or None


def link_header_next(_body: Any, response: httpx.Response) -> str | None:
    """RFC 8288 `Link: <…>; rel="next"` (Freshdesk)."""
    return (response.links.get("next") or {}).get("url")


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 from any of the helpdesks ('Z', offsets, RT's 1970 'unset' sentinel) → aware UTC."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if when.year <= 1970:  # RT reports "not set" as the epoch
        return None
    return when
