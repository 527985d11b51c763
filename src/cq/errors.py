"""The CqError family: typed failures with an exit code and a one-line hint.

Lower stages raise these; only the CLI entry point turns them into stderr lines and exit
codes (DESIGN §5). A file that cannot be read or parsed is never an error: it is data in the
result (see `cq.facts.FileFacts.flags`).
"""

from __future__ import annotations

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3  # --fail-on: a finding at or above the threshold remains after the filters
EXIT_CACHE = 4  # an admin command could not open, read or change the cache
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


class CqError(Exception):
    """Base of every error cq reports to the user on purpose."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and hint as the single stderr line the CLI prints."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class BadInputError(CqError):
    """Anything the user typed that cq cannot act on: exit code 2."""

    exit_code = EXIT_BAD_INPUT


class QuerySyntaxError(BadInputError):
    """Query text that does not parse: names the token, its position and the valid keys."""

    def __init__(self, message: str, token: str = "", position: int = -1,
                 hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.token = token
        self.position = position


class UnsupportedKeyError(QuerySyntaxError):
    """A key QUERY.md defines that this version of cq does not enforce yet."""


class ScopeError(BadInputError):
    """An `in=` path (or --root) that is missing, not a directory, or outside the root."""


class ConfigError(BadInputError):
    """A configuration file or environment value that cannot be used."""


class CacheError(CqError):
    """An admin command (`cq cache ...`, `cq index ...`) could not open, read or change a
    store: exit code 4. Runs never raise it: for them the cache degrades to uncached."""

    exit_code = EXIT_CACHE


class OutputClosed(CqError):
    """stdout's reader has gone (`cq ... | head`): the run ends quietly with exit 141."""

    exit_code = EXIT_OUTPUT_CLOSED
