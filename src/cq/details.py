"""What each finding category carries: one frozen details struct per category (the catalogue
in `cq.findings` pairs them), so producers build typed details and renderers read typed fields.

Every details struct has `evidence` (what the finding rests on: a key of `cq.score.EVIDENCE`),
`step` (the `cq report` step it came from) and `quotes` (`fields=evidence`: source lines).
Optional fields are left out of the JSON when unset (`omit_defaults`), so a finding shows what
it has; `cq schema` publishes every shape.

`SHOWN` (a class variable, not a field) lists the fields Markdown prints after a finding's
message: (field, label, as code).
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

import msgspec

Shown = tuple[tuple[str, str, bool], ...]

# What an except handler does with the exception (`cq.analysis.handlers`), most important
# first: a handler whose statements have several kinds has the first of them.
HandlerKind = Literal["reraise", "translate", "log", "return_default", "other", "swallow"]
HANDLER_KINDS: tuple[HandlerKind, ...] = get_args(HandlerKind)


class Quote(msgspec.Struct, frozen=True):
    """One source line `fields=evidence` quotes."""

    file: str
    line: int
    text: str


class Details(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    evidence: str | None = None
    step: str | None = None  # the `cq report` step that produced the finding
    quotes: tuple[Quote, ...] | None = None  # `fields=evidence`: the lines it rests on

    SHOWN: ClassVar[Shown] = ()


# --- parts ------------------------------------------------------------------------------------


class HazardRef(msgspec.Struct, frozen=True):
    """A hazard hit inside a definition (`fields=hazards`)."""

    id: str
    line: int
    severity: str


class RaiseRef(msgspec.Struct, frozen=True):
    """A raise of the type `raises=` asked for, inside the definition."""

    exc_type: str
    line: int


class Exported(msgspec.Struct, frozen=True):
    """How a module exports the name `exports=` asked for: `__all__`, def, assign or import."""

    name: str
    via: str


class ImportedName(msgspec.Struct, frozen=True):
    name: str
    alias: str | None = None


class CycleEdge(msgspec.Struct, frozen=True, rename={"source": "from", "target": "to"}):
    """One import statement that is an edge of an import cycle."""

    source: str
    target: str
    file: str
    line: int
    text: str
    lazy: bool = False
    type_only: bool = False
    main_only: bool = False


class GlobalsUse(msgspec.Struct, frozen=True):
    read: tuple[str, ...] = ()
    written: tuple[str, ...] = ()


class BoundTo(msgspec.Struct, frozen=True):
    """A callee parameter a tainted argument binds to."""

    function: str
    param: str
    evidence: str


# --- what a q filter or field adds to a definition or module ----------------------------------


class Judged(Details, frozen=True, kw_only=True, omit_defaults=True):
    """Details the `q` filters and `fields=` add to definitions and modules: the symtable
    scope, the joins' matches, the imports, hazards and quoted lines, the call relations."""

    free: tuple[str, ...] | None = None
    cells: tuple[str, ...] | None = None
    nested: bool | None = None
    used_by: tuple[str, ...] | None = None
    defines: tuple[str, ...] | None = None
    raises: tuple[RaiseRef, ...] | None = None
    exports: Exported | None = None
    subclass_of: tuple[str, ...] | None = None  # the bases up to the named class
    imports: tuple[str, ...] | None = None
    hazards: tuple[HazardRef, ...] | None = None
    callers: tuple[str, ...] | None = None
    callees: tuple[str, ...] | None = None


# --- one struct per category ------------------------------------------------------------------


class DefinitionDetails(Judged, frozen=True, kw_only=True, omit_defaults=True):
    """`definition` and `decorator`: a def or class."""

    kind: str
    name: str
    qualname: str
    module: str
    signature: str
    label: str | None = None  # the target's full name (`cq calls`)
    binds: str | None = None  # what a call of a class binds: its `__init__`'s parameters
    bases: tuple[str, ...] = ()
    enclosing: str | None = None
    docstring: str | None = None
    loc: int | None = None
    decorators: tuple[str, ...] = ()
    params: tuple[str, ...] = ()  # parameter names, `*args` and `**kwargs` starred
    # An entity query's class: its methods as (name, parameter names...), for mermaid-class.
    methods: tuple[tuple[str, ...], ...] = ()

    SHOWN: ClassVar[Shown] = (("qualname", "qualname", True), ("signature", "sig", True))


class ModuleDetails(Judged, frozen=True, kw_only=True, omit_defaults=True):
    """`module`: one file (`entity=module`), or a module's import-time effects."""

    module: str
    lines: int | None = None
    classes: int | None = None
    functions: int | None = None
    methods: int | None = None
    n_imports: int | None = None
    docstring: str | None = None
    flags: tuple[str, ...] = ()
    effects: int | None = None  # side-effects: how many, and how many of each kind
    by_kind: dict[str, int] | None = None


class CallSiteDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`call_site`: a call expression, with its shape; `cq calls` adds the resolution."""

    callee: str
    name: str
    receiver: str | None = None
    n_positional: int = 0
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False
    forwarding: bool = False  # passes *args or **kwargs on
    preview: str = ""
    enclosing: str | None = None
    caller: str | None = None
    targets: tuple[str, ...] = ()
    bound_self: bool = False
    external: str | None = None
    tier: str | None = None  # `cq calls`: resolved | possible | excluded
    reason: str | None = None  # what an inferred or excluded site rests on
    override: str | None = None  # excluded: the subclass override the call reaches instead
    snippet: str | None = None
    snippet_line: int | None = None

    SHOWN: ClassVar[Shown] = (("tier", "tier", False),)


class ImportDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`import`: one import statement (one row per imported module in `cq imports`)."""

    module: str
    resolved: str | None = None
    level: int = 0
    is_from: bool = False
    names: tuple[ImportedName, ...] = ()
    enclosing: str | None = None
    used_by: tuple[str, ...] = ()
    text: str | None = None
    importer: str | None = None
    classification: str | None = None  # internal | stdlib | third_party
    targets: tuple[str, ...] = ()
    lazy: bool = False
    type_only: bool = False
    main_only: bool = False
    direction: str | None = None  # with --module: incoming | outgoing | self
    cycle: int | None = None  # the number of the cycle this line closes


class CallEdgeDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`caller` and `callee`: a call between two definitions."""

    caller: str
    callee: str
    targets: tuple[str, ...] = ()
    depth: int | None = None
    preview: str = ""
    tier: str | None = None  # callers: resolved | possible (as in `cq calls`)

    SHOWN: ClassVar[Shown] = (("tier", "tier", False),)


class PatternMatchDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    text: str
    kind: str
    text_truncated: bool = False
    captures: dict[str, str | list[str]] | None = None  # $$$ captures are lists

    SHOWN: ClassVar[Shown] = (("captures", "captures", True),)


class HazardDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    id: str
    category: str
    severity: str
    confidence: str
    text: str
    cwe: str | None = None  # "CWE-78"
    fix: str | None = None  # what to do instead (docs/hazards.md has the row's examples)
    suppressed: bool = False  # under a `# nosec` / `# cq: ignore` comment (listed apart)


class TaintSiteDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    kind: str  # assign | call | return | store | ...
    depth: int
    function: str
    param: str
    text: str
    names: tuple[str, ...] = ()
    callee: str | None = None
    slot: str | None = None
    bound_to: tuple[BoundTo, ...] = ()
    bound: tuple[str, ...] = ()
    target: str | None = None


class SigSiteDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    bucket: str  # would_break | ambiguous | ok
    reason: str
    current: str  # the bucket against today's signature, or unknown
    callee: str
    caller: str
    preview: str = ""
    slots: dict[str, str] | None = None
    current_reason: str | None = None
    n_positional: int = 0
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False
    bound_self: bool = False
    targets: tuple[str, ...] = ()
    target: str | None = None
    tier: str | None = None  # the site's `cq calls` tier: resolved | possible

    SHOWN: ClassVar[Shown] = (("reason", "reason", False),)


class RaiseDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`raise`: a raise statement, judged caught or not; or (`sites` set) a type that
    escapes, summarised over its uncaught sites."""

    exc_type: str | None = None
    message: str | None = None
    bare: bool = False
    cause: str | None = None
    function: str | None = None
    enclosing: str | None = None
    subject: str | None = None  # expand=raises: the definition asked about
    raised: tuple[str, ...] = ()
    qualified: tuple[str, ...] = ()
    caught: bool | None = None
    caught_by: tuple[int, ...] = ()  # the lines of the handlers that catch it
    sites: int | None = None
    functions: tuple[str, ...] = ()
    files: int | None = None


class CatchDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`catch`: an except clause. `kind` is what it does with the exception (one of
    `HANDLER_KINDS`, see `cq.analysis.handlers`); None when it does not parse."""

    types: tuple[str, ...] = ()
    kind: HandlerKind | None = None
    bare: bool = False
    broad: bool = False
    star: bool = False
    empty: bool = False
    reraises: bool = False
    alias: str | None = None
    function: str | None = None


class SideEffectDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    kind: str  # call | global_mutation | ambient_read | decorator
    text: str
    module: str
    callee: str | None = None
    qualified: str | None = None
    scope: str | None = None  # the class whose body it runs in


class ScopeDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`scope`: a function scope's names, from `symtable`."""

    qualname: str
    name: str | None = None  # the full name
    kind: str | None = None
    free: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    nonlocals: tuple[str, ...] = ()
    declared_globals: tuple[str, ...] = ()  # named in a `global` statement
    globals: tuple[str, ...] = ()
    locals: tuple[str, ...] = ()
    nested: bool = False
    closure: bool = False

    SHOWN: ClassVar[Shown] = (("qualname", "qualname", True),)


class BytecodeDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`bytecode_surface`: what one code object touches."""

    qualname: str
    kind: str | None = None
    nested: tuple[str, ...] = ()
    globals: GlobalsUse | None = None
    attributes: tuple[str, ...] | None = None
    constants: tuple[str, ...] | None = None
    opcodes: dict[str, int] | None = None

    SHOWN: ClassVar[Shown] = (("qualname", "qualname", True),)


class ImportCycleDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    modules: tuple[str, ...]
    cycle: tuple[str, ...]  # the shortest ring, first module repeated at the end
    size: int
    import_time: bool
    lazy_only: bool = False
    path: tuple[CycleEdge, ...] = ()
    edges: tuple[CycleEdge, ...] = ()
    import_time_cycles: tuple[tuple[str, ...], ...] = ()


class FileIssueDetails(Details, frozen=True, kw_only=True, omit_defaults=True):
    """`file_issue`: a file read, scanned, matched or analysed with a problem, or excluded."""

    path: str
    problem: str
    stage: str  # read | scan | match | analysis | scope
    error: str | None = None
