"""A strict reader of the Mermaid subset cq writes, for the graph-format tests.

`parse_flowchart` and `parse_class_diagram` accept only the line shapes cq emits and fail
(AssertionError) on anything else: an undeclared or duplicate id, an edge to an unknown node,
a repeated edge, a label with a raw quote, a raw `<`/`>` (other than cq's own `<br/>` line
breaks), a `#` that does not start an entity code, a backtick or a line break. Labels come
back unescaped, so tests compare them with the text they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Opening and closing of every node shape cq draws, longest first so `[[` wins over `[`.
SHAPES: tuple[tuple[str, str], ...] = (
    ('[["', '"]]'), ('{{"', '"}}'), ('(["', '"])'), ('["', '"]'), ('("', '")'),
)
_NODE = re.compile(r"(?P<id>n\d+)(?P<shape>\S*?)\"(?P<label>.*)\"(?P<close>\S*)")
_EDGE = re.compile(r"(?P<src>n\d+) (?P<arrow>-->|-\.->|==>)"
                   r"(?:\|(?P<label>[^|\"]+)\|)? (?P<dst>n\d+)")
_CLASSDEF = re.compile(r"classDef [A-Za-z]\w* \S.*")
_CLASS = re.compile(r"class (?P<ids>n\d+(?:,n\d+)*) [A-Za-z]\w*")
_ENTITY = re.compile(r"#(\d+);")

_CD_CLASS = re.compile(r"class (?P<id>c\d+)\[\"(?P<label>.*)\"\]")
_CD_MEMBER = re.compile(r"(?P<id>c\d+) : (?P<member>[-+#]\w+\([^(){}\"]*\))")
_CD_ARROW = re.compile(r"(?P<base>c\d+) <\|-- (?P<child>c\d+)")


@dataclass
class Flowchart:
    direction: str
    nodes: dict[str, str] = field(default_factory=dict)  # id -> unescaped label
    shapes: dict[str, str] = field(default_factory=dict)  # id -> opening of its shape
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # src, arrow, label, dst
    comments: list[str] = field(default_factory=list)
    styled: dict[str, str] = field(default_factory=dict)  # id -> class name

    def labelled_edges(self) -> set[tuple[str, str]]:
        return {(self.nodes[s], self.nodes[d]) for s, _, _, d in self.edges}

    def id_of(self, label: str) -> str:
        (node_id,) = [i for i, text in self.nodes.items() if text == label]
        return node_id


@dataclass
class ClassDiagram:
    classes: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    arrows: list[tuple[str, str]] = field(default_factory=list)  # (base id, child id)
    comments: list[str] = field(default_factory=list)

    def inheritance(self) -> set[tuple[str, str]]:
        return {(self.classes[b], self.classes[c]) for b, c in self.arrows}

    def members_of(self, label: str) -> list[str]:
        (class_id,) = [i for i, text in self.classes.items() if text == label]
        return self.members.get(class_id, [])


def check_label(label: str) -> str:
    """Assert `label` is safe inside a quoted Mermaid label; return it unescaped."""
    assert '"' not in label and "`" not in label and "\n" not in label, label
    plain = label.replace("<br/>", "\n")
    assert "<" not in plain and ">" not in plain, label
    assert "#" not in _ENTITY.sub("", plain), label
    return _ENTITY.sub(lambda m: chr(int(m.group(1))), plain)


def _body(text: str, header: str) -> list[str]:
    assert not text.endswith("\n")
    first, *rest = text.split("\n")
    assert first == header or first.startswith(header + " "), first
    for line in rest:
        assert line.startswith("    ") and not line.startswith("     "), repr(line)
    return [line[4:] for line in rest]


def parse_flowchart(text: str) -> Flowchart:
    first = text.split("\n", 1)[0]
    assert first in ("flowchart LR", "flowchart TD"), first
    chart = Flowchart(direction=first.split()[1])
    for line in _body(text, first):
        _flowchart_line(chart, line)
    assert len(set(chart.edges)) == len(chart.edges), "an edge is repeated"
    return chart


def _flowchart_line(chart: Flowchart, line: str) -> None:
    if line.startswith("%% "):
        chart.comments.append(line[3:])
    elif (edge := _EDGE.fullmatch(line)) is not None:
        src, dst = edge["src"], edge["dst"]
        assert src in chart.nodes and dst in chart.nodes, line
        chart.edges.append((src, edge["arrow"], edge["label"] or "", dst))
    elif (node := _NODE.fullmatch(line)) is not None:
        assert (node["shape"] + '"', '"' + node["close"]) in SHAPES, line
        assert node["id"] not in chart.nodes, f"duplicate id {node['id']}"
        chart.nodes[node["id"]] = check_label(node["label"])
        chart.shapes[node["id"]] = node["shape"]
    elif _CLASSDEF.fullmatch(line):
        pass
    elif (styled := _CLASS.fullmatch(line)) is not None:
        for node_id in styled["ids"].split(","):
            assert node_id in chart.nodes, line
            chart.styled[node_id] = line.rsplit(" ", 1)[1]
    else:
        raise AssertionError(f"not a flowchart line: {line!r}")


def parse_class_diagram(text: str) -> ClassDiagram:
    diagram = ClassDiagram()
    for line in _body(text, "classDiagram"):
        _class_line(diagram, line)
    assert len(set(diagram.arrows)) == len(diagram.arrows), "an arrow is repeated"
    return diagram


def _class_line(diagram: ClassDiagram, line: str) -> None:
    if line.startswith("%% "):
        diagram.comments.append(line[3:])
    elif line in ("direction TB", "direction LR"):
        pass
    elif (cls := _CD_CLASS.fullmatch(line)) is not None:
        assert cls["id"] not in diagram.classes, f"duplicate id {cls['id']}"
        diagram.classes[cls["id"]] = check_label(cls["label"])
    elif (member := _CD_MEMBER.fullmatch(line)) is not None:
        assert member["id"] in diagram.classes, line
        diagram.members.setdefault(member["id"], []).append(member["member"])
    elif (arrow := _CD_ARROW.fullmatch(line)) is not None:
        assert arrow["base"] in diagram.classes and arrow["child"] in diagram.classes, line
        diagram.arrows.append((arrow["base"], arrow["child"]))
    else:
        raise AssertionError(f"not a class diagram line: {line!r}")
