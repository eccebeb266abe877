"""The lineage panel's picture, drawn by the hub as SVG: ancestors above the model, then its derivatives grouped
by relation with their counts, like a model tree. Every text is escaped; nothing comes from the client.

Looks are SVG presentation attributes, not a <style> element: the pages' Content-Security-Policy forbids inline
styles, and attributes let the same markup be served as a picture or inlined in a page with working links."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from aicommons.lineage.graph import LineageGraph, Node

WIDTH = 760
BOX_W, BOX_H = 220, 44
ROW_GAP = 34
GROUP_W = 178
NAMES_PER_GROUP = 5
ANCESTORS_PER_ROW = 3
RELATIONS = (("adapter", "Adapters"), ("finetune", "Fine-tunes"), ("merge", "Merges"), ("quantized", "Quantizations"))
VERDICT = {"verified": "tensors verified", "identical": "identical tensors", "partial": "shares some tensors",
           "mismatch": "shares no tensors!", "unverified": "not verified"}
LOOKS = {
    "box": 'fill="#fff" stroke="#8b95a5" stroke-width="1"',
    "root": 'fill="#eef4ff" stroke="#3b6fd8" stroke-width="2"',
    "external": 'fill="#f7f7f7" stroke="#a0a0a0" stroke-dasharray="4 3"',
    "group": 'fill="#fafbfc" stroke="#c9ced6"',
    "name": 'font-family="sans-serif" font-size="12" font-weight="600" fill="#1f2733"',
    "meta": 'font-family="sans-serif" font-size="11" fill="#5b6575"',
    "title": 'font-family="sans-serif" font-size="12" font-weight="600" fill="#1f2733"',
    "link": 'stroke="#9aa3b2" stroke-width="1.2" fill="none"',
    "warn": 'font-family="sans-serif" font-size="11" font-weight="600" fill="#b3261e"',
}


def _look(kind: str) -> str:
    """The class (for tests and readers) and the presentation attributes of one kind of shape or text."""
    return f'class="lineage-{kind}" {LOOKS[kind]}'


def render_lineage_svg(graph: LineageGraph, url_for=lambda repo_id: f"/{repo_id}") -> str:
    """The SVG document for a lineage graph; ``url_for`` turns a repo id into the link of its page."""
    parts: list[str] = []
    y = 16
    rows = _ancestor_rows(graph)
    root_x = (WIDTH - BOX_W) // 2
    for row in rows:
        y = _draw_ancestor_row(parts, graph, row, y, root_x, url_for)
    root = next(n for n in graph.nodes if n.kind == "root")
    counts = graph.counts()
    meta = f"{root.license or 'no licence'} · {root.pipeline_tag or 'no task'}"
    parts.append(_box(root_x, y, root, "root", meta, url_for))
    if graph.notices:
        parts.append(f'<text {_look("warn")} x="{root_x + BOX_W + 8}" y="{y + 18}">upstream moved</text>'
                     if any(n["kind"].startswith("base") for n in graph.notices) else
                     f'<text {_look("warn")} x="{root_x + BOX_W + 8}" y="{y + 18}">superseded</text>')
    if graph.duplicates:
        parts.append(f'<text {_look("warn")} x="{root_x + BOX_W + 8}" y="{y + 34}">duplicate weights</text>')
    y += BOX_H
    groups = _children_by_relation(graph)
    if groups:
        y = _draw_groups(parts, graph, groups, counts, y + ROW_GAP, url_for)
    else:
        y += 12
        parts.append(f'<text {_look("meta")} x="{WIDTH // 2}" y="{y + 14}" text-anchor="middle">'
                     "No model on this hub is built from this one yet.</text>")
        y += 24
    height = y + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label={quoteattr("Lineage of " + graph.root)}>'
            + "".join(parts) + "</svg>")


def _ancestor_rows(graph: LineageGraph) -> list[list[Node]]:
    by_depth: dict[int, list[Node]] = {}
    for node in graph.nodes:
        if node.depth < 0:
            by_depth.setdefault(node.depth, []).append(node)
    return [by_depth[d] for d in sorted(by_depth)]  # most distant first


def _draw_ancestor_row(parts, graph: LineageGraph, row: list[Node], y: int, root_x: int, url_for) -> int:
    shown = row[:ANCESTORS_PER_ROW]
    gap = (WIDTH - len(shown) * BOX_W) // (len(shown) + 1)
    edges = {(e.source, e.target): e for e in graph.edges}
    for i, node in enumerate(shown):
        x = gap + i * (BOX_W + gap)
        kind = "external" if node.kind == "external" else "box"
        meta = "not on this hub" if node.kind == "external" else f"{node.license or 'no licence'}"
        parts.append(_box(x, y, node, kind, meta, url_for))
        parts.append(f'<path {_look("link")} d="M{x + BOX_W // 2},{y + BOX_H} L{root_x + BOX_W // 2},{y + BOX_H + ROW_GAP}"/>')
        edge = next((e for (s, t), e in edges.items() if t == node.id), None)
        if edge is not None:
            label = edge.relation + (f" · {VERDICT[edge.verification]}" if edge.verification else "")
            css = "warn" if edge.verification == "mismatch" or edge.out_of_date else "meta"
            if edge.out_of_date:
                label += " · out of date"
            parts.append(f'<text {_look(css)} x="{x + BOX_W // 2 + 6}" y="{y + BOX_H + 20}">{escape(label)}</text>')
    if len(row) > len(shown):
        parts.append(f'<text {_look("meta")} x="{WIDTH - 8}" y="{y + 26}" text-anchor="end">'
                     f"+{len(row) - len(shown)} more</text>")
    return y + BOX_H + ROW_GAP


def _children_by_relation(graph: LineageGraph) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.target == graph.root and edge.source != graph.root:
            names = groups.setdefault(edge.relation, [])
            if edge.source not in names:
                names.append(edge.source)
    return groups


def _draw_groups(parts, graph: LineageGraph, groups, counts, y: int, url_for) -> int:
    present = [(key, title) for key, title in RELATIONS if key in groups]
    gap = (WIDTH - len(present) * GROUP_W) // (len(present) + 1)
    tallest = 0
    for i, (key, title) in enumerate(present):
        x = gap + i * (GROUP_W + gap)
        names = groups[key]
        total = counts["descendants"].get(key, 0)
        lines = names[:NAMES_PER_GROUP]
        height = 40 + 16 * len(lines) + (16 if len(names) > len(lines) else 0)
        tallest = max(tallest, height)
        parts.append(f'<path {_look("link")} d="M{WIDTH // 2},{y - ROW_GAP} L{x + GROUP_W // 2},{y}"/>')
        parts.append(f'<rect {_look("group")} x="{x}" y="{y}" width="{GROUP_W}" height="{height}" rx="6"/>')
        parts.append(f'<text {_look("title")} x="{x + 10}" y="{y + 18}">{escape(title)} ({len(names)})</text>')
        parts.append(f'<text {_look("meta")} x="{x + 10}" y="{y + 32}">{total} in all generations</text>')
        for j, name in enumerate(lines):
            parts.append(f'<a href={quoteattr(url_for(name))}><text {_look("meta")} x="{x + 10}" '
                         f'y="{y + 50 + 16 * j}">{escape(_short(name, 27))}</text></a>')
        if len(names) > len(lines):
            parts.append(f'<text {_look("meta")} x="{x + 10}" y="{y + 50 + 16 * len(lines)}">'
                         f"+{len(names) - len(lines)} more</text>")
    return y + tallest


def _box(x: int, y: int, node: Node, kind: str, meta: str, url_for) -> str:
    label = escape(_short(node.id, 32))
    rect = f'<rect {_look(kind)} x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
    text = (f'<text {_look("name")} x="{x + 10}" y="{y + 18}">{label}</text>'
            f'<text {_look("meta")} x="{x + 10}" y="{y + 34}">{escape(_short(meta, 36))}</text>')
    if node.kind == "external":
        return rect + text
    return f"<a href={quoteattr(url_for(node.id))}>{rect}{text}</a>"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
