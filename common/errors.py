"""Every error Agent Assist raises on purpose.

    AssistError
    ├── ConfigError            bad or missing settings
    ├── IndexingError          a source could not be indexed as a whole
    │   ├── SourceUnreadableError
    │   └── EmbedderMismatchError
    ├── IndexMissingError      no index at the given location yet
    ├── IndexServerError       the index server (a Chroma server) did not answer
    ├── ModelError
    │   └── ModelLoadError     a model file is missing or unreadable
    └── HelpdeskError          (see assist.helpdesk)
        ├── AuthError          re-enter the token
        ├── NotFoundError
        ├── RateLimitedError   retry_after seconds
        └── UnavailableError   network down, timeouts, 5xx

Callers (CLI, sidebar) catch `AssistError` and show `str(exc)`: messages say what to do.
"""

from __future__ import annotations


class AssistError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(AssistError):
    """Settings are missing or invalid."""


class IndexingError(AssistError):
    """Indexing failed for a whole source (single bad files are skipped, not raised)."""


class SourceUnreadableError(IndexingError):
    """A source as a whole cannot be read (missing path, corrupt archive, unknown kind)."""


class EmbedderMismatchError(IndexingError):
    """The index was built with another embedder; re-run with --rebuild."""


class IndexMissingError(AssistError):
    """There is no index at the configured location."""


class IndexServerError(AssistError):
    """The Chroma server holding the vectors did not answer (down, timed out, refused the token)."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ModelError(AssistError):
    """A local model failed."""


class ModelLoadError(ModelError):
    """A model file is missing, unreadable or not a model."""


class HelpdeskError(AssistError):
    """A call to the agent's helpdesk failed."""


class AuthError(HelpdeskError):
    """The helpdesk refused the credentials (401/403): the token must be re-entered."""


class NotFoundError(HelpdeskError):
    """The ticket (or other object) does not exist or is not visible to this agent."""


class RateLimitedError(HelpdeskError):
    """The helpdesk asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableError(HelpdeskError):
    """The helpdesk cannot be reached right now (network, timeout, 5xx)."""
