"""Thin commands: each resolves its settings, calls one `cq.api` function and `show`s the
rendered CqResult (the only stdout writer). Both front doors end here: the fast path
(`cq.cli.fast`) and the cyclopts app (`cq.cli.app_cyclopts`). Nothing heavy at import time."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

from cq.settings import resolve_settings


def emit(text: str) -> None:
    """The only stdout writer. A reader that has gone (`cq ... | head`) is `OutputClosed`:
    flushing here makes the failure happen now, not at interpreter exit."""
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        from cq.errors import OutputClosed

        raise OutputClosed("stdout closed") from None


def emit_chunks(chunks: Iterable[bytes]) -> None:
    """`emit` for output made in pieces (a large JSON answer): each piece is written as it
    comes, as UTF-8 bytes when stdout has a binary layer, so the whole text is never held."""
    binary = getattr(sys.stdout, "buffer", None)

    def write(chunk: bytes) -> None:
        if binary is not None:
            binary.write(chunk)
        else:  # a text-only stdout (a server capturing a request's output)
            sys.stdout.write(chunk.decode("utf-8", "surrogateescape"))

    try:
        sys.stdout.flush()  # what was written as text comes first
        last = b""
        for chunk in chunks:
            write(chunk)
            last = chunk or last
        if not last.endswith(b"\n"):
            write(b"\n")
        sys.stdout.flush()
    except BrokenPipeError:
        from cq.errors import OutputClosed

        raise OutputClosed("stdout closed") from None


def remark(notice: str) -> None:
    """One line on stderr: a notice after the run, or a remark while it runs."""
    print(notice if notice.startswith("cq:") else f"cq: {notice}", file=sys.stderr)


def _context(settings: Any) -> Any:
    from cq.runner import RunContext

    return RunContext(argv=tuple(sys.argv), notify=None if settings.quiet else remark)


def _tracker(settings: Any) -> Any:
    """The display of long work: a bar on a terminal, plain lines under --progress on
    anything else, nothing under --quiet or --no-progress."""
    from cq.progress import SILENT, Bar, Lines

    terminal = sys.stderr.isatty()
    if settings.progress is False or (settings.progress is None
                                      and (settings.quiet or not terminal)):
        return SILENT
    return Bar() if terminal else Lines(remark)


def _run(settings: Any, work: Any) -> Any:
    """`work()` with the run's progress display, taken down before anything is printed."""
    from cq.progress import tracking

    with tracking(_tracker(settings)):
        return work()


def show(result: Any, settings: Any) -> int:
    """Render to stdout; notices (and with -v the stage timings) to stderr. The exit status
    is 3 when `--fail-on` found findings at or above its severity, else 0."""
    from cq.render import CHUNKED, render, render_chunks

    if settings.format in CHUNKED:
        emit_chunks(render_chunks(result, settings.format))
    else:
        emit(render(result, settings.format))
    for notice in () if settings.quiet else result.run.notices:
        remark(notice)
    if settings.verbose and result.run.stages_ms:
        stages = " · ".join(f"{k} {v} ms" for k, v in result.run.stages_ms.items())
        print(f"cq: timings: {stages} · total {result.run.elapsed_ms} ms", file=sys.stderr)
    return _fail_on_status(result, settings)


def _fail_on_status(result: Any, settings: Any) -> int:
    """3 (with one line on stderr) when `--fail-on` counted findings, else 0."""
    if settings.fail_on is None:
        return 0
    from cq.errors import EXIT_FINDINGS
    from cq.result import failing_findings

    failing = failing_findings(result)
    if not failing:
        return 0
    what = "finding" if failing == 1 else "findings"
    remark(f"{failing:,} {what} at or above {settings.fail_on} (--fail-on {settings.fail_on})")
    return EXIT_FINDINGS


def run_q(query: str, options: dict[str, Any], filters: dict[str, Any] | None = None) -> int:
    """`cq q QUERY`: options are the explicitly given global flags, by field name; filters
    the result filters given (--include, --confidence, ...)."""
    from cq.api import run_query

    settings = resolve_settings(options, env=os.environ)
    return show(_run(settings, lambda: run_query(settings, query, _context(settings),
                                                 filters=filters)), settings)


def run_macro(name: str, args: dict[str, Any], options: dict[str, Any]) -> int:
    """Any macro: `args` are its own options and target by name, `options` the global flags."""
    from cq.api import macro

    settings = resolve_settings(options, env=os.environ)
    return show(_run(settings, lambda: macro(settings, name, args, _context(settings))),
                settings)


def run_report(preset: str, target: str, own: dict[str, Any], filters: dict[str, Any],
               options: dict[str, Any]) -> int:
    """`cq report`: `own` holds param, to and in_dir; `filters` the result filters."""
    from cq.api import report

    settings = resolve_settings(options, env=os.environ)
    return show(_run(settings, lambda: report(settings, preset, target, filters=filters,
                                              ctx=_context(settings), **own)), settings)


def _admin_settings(options: dict[str, Any]) -> Any:
    """Settings for an administration command: its flags allow only text formats, and a
    graph or SARIF format from the environment or a config file (meant for runs) shows
    the listing as Markdown."""
    import msgspec

    from cq.cli.flags import ADMIN_FORMATS

    settings = resolve_settings(options, env=os.environ)
    if settings.format in ADMIN_FORMATS:
        return settings
    return msgspec.structs.replace(settings, format="md")


def run_cache(action: Any, options: dict[str, Any]) -> int:
    from cq.admin import cache_command

    settings = _admin_settings(options)
    return show(cache_command(settings, action, _context(settings)), settings)


def run_index(action: Any, options: dict[str, Any]) -> int:
    from cq.admin import index_command

    settings = _admin_settings(options)
    return show(_run(settings, lambda: index_command(settings, action, _context(settings))),
                settings)


def schema() -> int:
    """Print the JSON Schema of the result every command returns."""
    import msgspec

    from cq.api import schema as result_schema

    emit(msgspec.json.format(msgspec.json.encode(result_schema())).decode())
    return 0


def run_artifacts(prune: bool, keep: str | None, options: dict[str, Any]) -> int:
    """`cq artifacts` (list) and `cq artifacts prune [--keep N]`."""
    from cq.admin import ArtifactsAction, artifacts_command

    settings = _admin_settings(options)
    action = ArtifactsAction(prune=prune, keep=None if keep is None else _keep(keep))
    return show(artifacts_command(settings, action, _context(settings)), settings)


def _keep(text: str) -> int:
    from cq.bounds import check_number
    from cq.errors import BadInputError
    from cq.settings import SETTING_BY_NAME

    bounds = SETTING_BY_NAME["artifacts_keep"].bounds
    assert bounds is not None
    try:
        return int(check_number(text, bounds))
    except ValueError as exc:
        raise BadInputError(f"artifacts prune: --keep {exc}") from None


def run_artifact_show(prefix: str, options: dict[str, Any]) -> int:
    """`cq artifacts show RUN_ID_PREFIX`: the saved JSON, as saved but indented."""
    from cq.admin import artifact_text

    emit(artifact_text(resolve_settings(options, env=os.environ), prefix))
    return 0
