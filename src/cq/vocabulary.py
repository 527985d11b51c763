"""The words cq's options and results are made of, each list defined once: output formats
(with the renderer each names), severities, and score buckets. Settings, the CLI, the
renderers, the result filters and the hazard registry all read them from here.
"""

from __future__ import annotations

# --format NAME → the renderer, as "module:function", imported when first used.
FORMATS: dict[str, str] = {
    "md": "cq.render.markdown:render_markdown",
    "json": "cq.render.json:render_json",
    "both": "cq.render.both:render_both",
    "summary": "cq.render.summary:render_summary",
    "mermaid": "cq.render.mermaid:render_mermaid",
    "mermaid-class": "cq.render.mermaid_class:render_mermaid_class",
    "mermaid-cfg": "cq.render.mermaid_cfg:render_mermaid_cfg",
    "dot": "cq.render.dot:render_dot",
    "sarif": "cq.render.sarif:render_sarif",
}
CFG_FORMAT = "mermaid-cfg"  # the format whose run also computes a control-flow graph

SEVERITIES = ("error", "warning", "info")  # most severe first
BUCKETS = ("low", "med", "high")  # impact and confidence score buckets, lowest first
