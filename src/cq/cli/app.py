"""The `cq` entry point: error translation, exit codes, stopping signals and the fast
`--version` path.

`main()` answers `cq --version` before importing anything heavy, builds the cyclopts app
otherwise, and turns every CqError into one stderr line and its exit code (DESIGN §5; the
table is in the README): 0 success, 1 anything unexpected (the traceback only with -v), 2 bad
input (`BadInputError`), 3 a finding at or above `--fail-on` remains, 4 an admin command that
could not open, read or change the cache (`CacheError`), 128 + N a stopping signal.
A reader of stdout that has gone (`cq ... | head`) ends the run quietly: nothing on stderr,
exit 141, as a shell reports a writer stopped by SIGPIPE.

SIGTERM and SIGHUP stop a run the way Ctrl-C does: they raise `Stopped`, a KeyboardInterrupt,
so every `finally` on the way out runs (scan locks released, open cache transactions rolled
back, worker pools killed) and the exit status is 128 + the signal number, with one line.
"""

from __future__ import annotations

# The `signal` module costs ~1 ms of enum building, which a warm run would pay in full;
# `_signal` is the builtin it wraps, with the same functions and integer constants.
import _signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from cq import __version__
from cq.errors import EXIT_INTERNAL, CqError, OutputClosed


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        raise SystemExit(_print_version())
    raise SystemExit(run(args))


def _print_version() -> int:
    try:
        print(f"cq {__version__}", flush=True)
    except BrokenPipeError:
        return _output_closed()
    return 0


def run(args: list[str]) -> int:
    verbose = "-v" in args or "--verbose" in args or _env_verbose()
    try:
        with _stopped_by_signals():
            return _dispatch(args)
    except OutputClosed:
        return _output_closed()
    except CqError as exc:
        print(f"cq: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _stopped(getattr(exc, "signum", _signal.SIGINT))
    except Exception as exc:  # the one place an unexpected failure becomes an exit code
        return _internal_error(exc, verbose)


_STOPPING = tuple(getattr(_signal, name) for name in ("SIGTERM", "SIGHUP")
                  if hasattr(_signal, name))  # Windows has no SIGHUP
_SAID = {_signal.SIGINT: "interrupted", getattr(_signal, "SIGTERM", -1): "terminated",
         getattr(_signal, "SIGHUP", -1): "hangup"}


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    for each in _STOPPING:  # once: a second signal must not cut the unwinding short
        _signal.signal(each, _signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped` inside the block; the previous handlers after."""
    try:
        previous = {signum: _signal.signal(signum, _stop) for signum in _STOPPING}
    except ValueError:  # not the main thread: signals are the host program's business
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            _signal.signal(signum, handler)


def _output_closed() -> int:
    """stdout's reader has gone: point stdout at /dev/null, so that the interpreter's last
    flush of what is still buffered has nowhere to fail, and exit like SIGPIPE would."""
    import os

    with suppress(OSError, ValueError):  # no file descriptor (captured in tests)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return OutputClosed.exit_code


def _stopped(signum: int) -> int:
    with suppress(OSError):  # after SIGHUP the terminal may be gone
        print(f"cq: {_SAID.get(signum, 'stopped')}", file=sys.stderr)
    return 128 + signum


def _env_verbose() -> bool:
    import os

    return os.environ.get("CQ_VERBOSE", "").strip().lower() in ("1", "true", "yes", "on")


def import_msgspec_lean() -> None:
    """Import msgspec without typing_extensions. When that package is installed (cyclopts
    depends on it) msgspec imports it only to prefer its `get_type_hints`, which pulls in
    `inspect` and costs more than a whole warm query's work; on Python >= 3.11 typing's own
    is equivalent for cq's structs. typing_extensions stays importable afterwards."""
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # import fails fast
    try:
        import msgspec  # noqa: F401
    finally:
        del sys.modules["typing_extensions"]


def _dispatch(args: list[str]) -> int:
    from cq.cli.forward import forwarded

    code = forwarded(args)  # a running `cq server` for the root answers instead
    if code is not None:
        return code
    import_msgspec_lean()
    from cq.cli.fast import hoist_global_flags, parse_fast

    args = hoist_global_flags(args)
    fast = parse_fast(args)
    if fast is not None:
        from cq.cli import commands

        if fast.command == "q":
            return commands.run_q(fast.query or "", fast.options, fast.own)
        return commands.run_macro(fast.command, _macro_args(fast.command, fast.query, fast.own),
                                  fast.options)
    from cq.cli.app_cyclopts import run_app

    return run_app(args)


def _macro_args(name: str, target: str | None, own: dict[str, object]) -> dict[str, object]:
    from cq.macros import get_macro

    option = get_macro(name).target()
    return {**own, option.name: target} if option is not None else dict(own)


_CHOICES = r"\s*(?:Available commands|Choose from): .*?(?=\s*Did you mean|$)"


def _one_suggestion(message: str) -> str:
    """With a "Did you mean ...?" the list of every choice is noise: one spelling is kept."""
    import re  # only on this error path

    return re.sub(_CHOICES, "", message) if "Did you mean" in message else message


def _internal_error(exc: Exception, verbose: bool) -> int:
    from cyclopts import CycloptsError

    if isinstance(exc, CycloptsError):
        message = _one_suggestion(" ".join(str(exc).split()))
        print(f"cq: error: {message} (see cq --help)", file=sys.stderr)
        return 2
    if verbose:
        import traceback

        traceback.print_exc()
    print(f"cq: internal error: {type(exc).__name__}: {exc}"
          + ("" if verbose else " (run with -v for the traceback)"), file=sys.stderr)
    return EXIT_INTERNAL
