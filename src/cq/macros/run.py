"""Running a macro: check its arguments, build the request, run it cached, score, filter.

Every macro takes the same extra options, declared here once: `--in` (the scope) and the
result filters (`cq.resultfilter`). Arguments arrive as a dict keyed by option name, from the
CLI (strings from the fast path, typed values from cyclopts) or from a library caller; an
unknown name, a missing required argument or a value of the wrong kind is bad input.

The request text and canonical form are derived from the checked arguments, minus the
filters: filters run after the query cache, so `--limit 5` and `--limit 50` share one entry.
Scores are computed inside the cached computation, so a cached answer carries them.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from cq.bounds import check_number
from cq.discover import Discovery, Scope, check_in_path
from cq.errors import BadInputError
from cq.index.source import FactSource
from cq.macros import compute_module, get_macro
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.result import CqResult, Finding
from cq.resultfilter import LIMIT_BOUNDS, apply_filters, parse_filters, rank_key
from cq.runner import CFG_FORMAT, Compute, Outcome, Request, RunContext, run_cached
from cq.score import score_all
from cq.settings import Settings
from cq.spelling import nearest

SCOPE_OPTION = Option("in_", "Restrict the scope to this directory or file (relative to the "
                              "working directory inside the root).", flag="--in")
FILTER_OPTIONS = (
    Option("include", "Keep findings in files matching these globs or ~regexes "
                      "(comma-separated; globs as in a .gitignore in the working directory; "
                      "a ~regex is searched in the root-relative path, Python syntax run by "
                      "RE2 in linear time)."),
    Option("exclude", "Drop findings in files matching these globs or ~regexes."),
    Option("impact", "Keep these impact buckets: low, med, high (comma-separated)."),
    Option("confidence", "Keep these confidence buckets: low, med, high."),
    Option("severity", "Keep these severities: error, warning, info."),
    Option("limit", "At most N findings per list (key findings and each section), and as "
                    "many per Markdown list (default 10); 0: all.",
           kind="int", bounds=LIMIT_BOUNDS),
)
FILTER_NAMES = tuple(o.name for o in FILTER_OPTIONS)


def options_of(macro: Macro) -> tuple[Option, ...]:
    """The macro's own options, then `--in`, then the filters it does not override."""
    own = {o.name for o in macro.options}
    common = [SCOPE_OPTION, *(FILTER_OPTIONS if macro.filters else ())]
    return (*macro.options, *(o for o in common if o.name not in own))


def check_args(macro: Macro, given: dict[str, Any]) -> Args:
    """Every option with its value converted to its kind (defaults filled in)."""
    options = {o.name: o for o in options_of(macro)}
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise BadInputError(f"{macro.name}: unknown option {unknown[0]!r}",
                            hint=_option_hint(unknown[0], options))
    args: Args = {}
    for name, option in options.items():
        value = given.get(name)
        if value is None:
            if option.required:
                what = option.metavar if option.positional else option.cli
                raise BadInputError(f"{macro.name}: missing {what}", hint=option.help)
            args[name] = option.default
        else:
            args[name] = _convert(macro, option, value)
    return args


def _option_hint(name: str, options: dict[str, Option]) -> str:
    near = nearest(name, options)
    if near is not None:
        return f"did you mean {options[near].cli}?"
    return "valid: " + ", ".join(o.cli for o in options.values())


def _convert(macro: Macro, option: Option, value: Any) -> Any:
    if option.kind == "bool":
        if isinstance(value, bool):
            return value
        raise BadInputError(f"{macro.name}: {option.cli} takes no value")
    if option.kind == "int":
        assert option.bounds is not None  # every int option declares one (spec.Option)
        try:
            return int(check_number(value, option.bounds))
        except ValueError as exc:
            raise BadInputError(f"{macro.name}: {option.cli} {exc}") from None
    text = str(value)
    if not text.strip():
        raise BadInputError(f"{macro.name}: {option.cli} needs a value")
    return text


def command_text(macro: Macro, args: Args) -> str:
    """The arguments as the command line that gives them (defaults left out)."""
    parts = [macro.name]
    for option in options_of(macro):
        value = args.get(option.name)
        if value is None or value == option.default:
            continue
        if option.positional:
            parts.append(shlex.quote(str(value)))
        elif option.kind == "bool":
            parts.append(option.cli)
        else:
            parts.extend([option.cli, shlex.quote(str(value))])
    return " ".join(parts)


def macro_scope(settings: Settings, args: Args) -> Scope:
    in_dir = args.get("in_")
    if not in_dir:
        return Scope()
    return Scope(in_paths=(check_in_path(Path(settings.root), in_dir),))


def prepare_request(macro: Macro, settings: Settings, args: Args) -> tuple[Request, Compute]:
    """Validate (bad input fails here, before any work) and describe the run."""
    scope = macro_scope(settings, args)
    core = {k: v for k, v in args.items() if k not in FILTER_NAMES or
            any(o.name == k for o in macro.options)}
    job = macro.prepare(core, settings)
    canonical = msgspec.json.encode([sorted(core.items()), job.canonical]).decode()
    text = command_text(macro, args)
    request = Request(macro=macro.name, text=text, canonical=canonical, plan=job.plan,
                      scope=scope, draw_cfg=settings.format == CFG_FORMAT)
    return request, _finished(macro, job, settings)


def _finished(macro: Macro, job: MacroJob, settings: Settings) -> Compute:
    """The macro's computation, then scores and the headline (inside the cached part)."""

    def run(source: FactSource, discovery: Discovery, previous: object = None) -> Outcome:
        del previous  # a macro's answer is never reused file by file
        compute = compute_module(macro.name).compute
        outcome: Outcome = compute(job.params, source, discovery, settings)
        key, sections = score_all(outcome.key_findings, outcome.sections)
        headline = macro.headline_text(outcome.summary)
        summary = {**outcome.summary, "headline": headline} if headline else outcome.summary
        counts = count_findings(macro, (*key, *(f for s in sections for f in s.findings)),
                                summary)
        if counts:
            summary = {**summary, "counts": counts}
        sections = tuple(msgspec.structs.replace(s, findings=tuple(sorted(s.findings,
                                                                          key=rank_key)))
                         for s in sections)
        return msgspec.structs.replace(outcome, key_findings=tuple(sorted(key, key=rank_key)),
                                       sections=sections, summary=summary)

    return run


def count_findings(macro: Macro, findings: Sequence[Finding],
                   summary: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The macro's counts block: per label, how many findings have each value of the field
    it counts by, most frequent first. Findings without the field, and findings that sum
    up others (`details.sites` set: an escaping type over its sites), are not counted."""
    counts: dict[str, dict[str, int]] = {}
    for label, field in macro.counts:
        if field.startswith("summary:"):
            given = summary.get(field.removeprefix("summary:"))
            if isinstance(given, dict) and given:
                counts[label] = dict(given)
            continue
        tally: Counter[str] = Counter()
        for finding in findings:
            if getattr(finding.details, "sites", None) is not None:
                continue
            value = (finding.category if field == "category"
                     else getattr(finding.details, field, None))
            if value is not None and value != "":
                tally[str(value)] += 1
        if tally:
            counts[label] = dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))
    return counts


def run_macro(settings: Settings, name: str, given: dict[str, Any],
              ctx: RunContext) -> CqResult:
    """Run macro `name` with arguments `given` (by option name); the result is scored and
    then narrowed by the filters the caller gave."""
    macro = get_macro(name)
    args = check_args(macro, given)
    own = {o.name for o in macro.options}
    filters = parse_filters(**{k: args.get(k) for k in FILTER_NAMES if k not in own})
    request, compute = prepare_request(macro, settings, args)
    return apply_filters(run_cached(settings, ctx, request, compute), filters)
