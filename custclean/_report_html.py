"""Small HTML building blocks for the report: escaping, tables, sections, the page shell.

Every value that reaches the page goes through :func:`esc` (tables do it for every cell), so a
customer called ``<script>alert(1)</script>`` is shown as text, never run.

Example:
    >>> import polars as pl
    >>> html = table(pl.DataFrame({"name": ["<b>Ann</b>"], "n": [1]}))
    >>> "&lt;b&gt;Ann&lt;/b&gt;" in html and "<b>Ann" not in html
    True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

__all__ = ["CSS", "as_frame", "badge", "cards", "esc", "keyvalues", "page", "section", "table"]

#: The report's whole stylesheet: readable type, quiet tables, nothing fetched from outside.
CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --band: #f5f7fa;
        --accent: #2f6fad; --bad: #b42318; --warn: #b54708; --good: #067647; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
             Arial, "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 21px; margin: 44px 0 10px; padding-top: 10px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 26px 0 8px; }
p { margin: 8px 0; max-width: 78ch; }
.lead { color: var(--muted); margin-bottom: 18px; }
.muted, .empty { color: var(--muted); }
.empty { font-style: italic; }
nav.toc { background: var(--band); border: 1px solid var(--line); border-radius: 8px;
          padding: 12px 20px; margin: 18px 0 8px; columns: 2; column-gap: 40px; }
nav.toc h2 { border: 0; margin: 0 0 6px; padding: 0; font-size: 15px; column-span: all; }
nav.toc ol { margin: 0; padding-left: 20px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.card b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 13px; }
.card.bad b { color: var(--bad); }
.card.warn b { color: var(--warn); }
.scroll { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
td.long { min-width: 34ch; max-width: 70ch; overflow-wrap: anywhere; }
td.before { color: var(--bad); }
td.after { color: var(--good); }
code, td.value { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
                 "Liberation Mono", monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px;
         background: var(--band); border: 1px solid var(--line); white-space: nowrap; }
.badge.invalid, .badge.implausible, .badge.conflict, .badge.error, .badge.Error,
.badge.would-overwrite-different-person { color: var(--bad); border-color: #f4c7c3; }
.badge.ambiguous, .badge.placeholder, .badge.lossy, .badge.review,
.badge.duplicate-would-be-added { color: var(--warn); border-color: #f7d9a8; }
.badge.fixed, .badge.inferred, .badge.Added, .badge.created, .badge.match
{ color: var(--good); border-color: #b7e1c8; }
.chart { margin: 10px 0 18px; }
.chart svg { max-width: 100%; height: auto; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: var(--accent); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
           overflow-wrap: anywhere; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; }
@media print { nav.toc { columns: 1; } h2 { break-before: auto; } }
"""

_EMPTY = '<span class="empty">empty</span>'


def esc(value: object) -> str:
    """HTML-escape any value for the page (``None`` becomes an empty string).

    Example:
        >>> esc('<script>alert("x")</script>')
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def _cell(value: object, *, numeric: bool, css: str | None) -> str:
    long = isinstance(value, str) and len(value) > 60
    classes = [c for c in (("num" if numeric else None), css, "long" if long else None) if c]
    attr = f' class="{" ".join(classes)}"' if classes else ""
    if value is None or (isinstance(value, str) and value == ""):
        return f"<td{attr}>{_EMPTY}</td>"
    if isinstance(value, float):
        text = f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return f"<td{attr}>{esc(text)}</td>"


def table(
    frame: pl.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    max_rows: int = 50,
    value_columns: Iterable[str] = (),
    badge_columns: Iterable[str] = (),
    row_class: str | None = None,
    caption: str | None = None,
) -> str:
    """Render a polars frame as an escaped HTML table (at most ``max_rows`` rows).

    ``value_columns`` are shown in a monospace font; ``badge_columns`` as small labels;
    ``row_class`` names a String column whose value becomes the row's CSS class.

    Example:
        >>> table(pl.DataFrame({"a": [1, 2]}), max_rows=1).count("<tr>")
        2
    """
    cols = [c for c in (columns or frame.columns) if c in frame.columns]
    if frame.height == 0 or not cols:
        return '<p class="muted">None.</p>'
    values = set(value_columns)
    badges = set(badge_columns)
    numeric = {c for c in cols if frame.schema[c].is_numeric()}
    head = "".join(f"<th{' class=num' if c in numeric else ''}>{esc(c)}</th>" for c in cols)
    body = []
    shown = frame.head(max_rows)
    classes = shown[row_class].to_list() if row_class and row_class in shown.columns else None
    for i, row in enumerate(shown.select(cols).iter_rows()):
        cells = []
        for c, v in zip(cols, row, strict=True):
            if c in badges and v is not None:
                cells.append(f'<td><span class="badge {esc(v)}">{esc(v)}</span></td>')
            else:
                cells.append(_cell(v, numeric=c in numeric, css="value" if c in values else None))
        cls = f' class="{esc(classes[i])}"' if classes and classes[i] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    more = ""
    if frame.height > max_rows:
        more = f'<p class="muted">Showing {max_rows:,} of {frame.height:,} rows.</p>'
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def badge(text: object) -> str:
    """Return a small escaped label.

    Example:
        >>> badge("invalid")
        '<span class="badge invalid">invalid</span>'
    """
    return f'<span class="badge {esc(text)}">{esc(text)}</span>'


def cards(items: Sequence[tuple[str, object, str]]) -> str:
    """Key figures as a row of cards: ``(label, value, tone)`` with tone "", "warn" or "bad".

    Example:
        >>> "<b>12</b>" in cards([("records", 12, "")])
        True
    """
    out = []
    for label, value, tone in items:
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        cls = f"card {tone}".strip()
        out.append(f'<div class="{cls}"><b>{esc(shown)}</b><span>{esc(label)}</span></div>')
    return f'<div class="cards">{"".join(out)}</div>'


def keyvalues(pairs: Sequence[tuple[str, object]]) -> str:
    """Render escaped key/value pairs as a definition list.

    Example:
        >>> keyvalues([("target", "wasp")]).startswith('<dl class="kv">')
        True
    """
    rows = "".join(
        f"<dt>{esc(k)}</dt><dd>{esc(v) if v not in (None, '') else _EMPTY}</dd>" for k, v in pairs
    )
    return f'<dl class="kv">{rows}</dl>'


def section(anchor: str, title: str, body: str) -> str:
    """Wrap a report section (``anchor`` is the id the table of contents links to).

    Example:
        >>> section("fields", "Fields", "<p>x</p>")[:35]
        '<section id="fields"><h2>Fields</h2'
    """
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, summary: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """Assemble the self-contained document: inline stylesheet, table of contents, sections.

    ``sections`` holds ``(anchor, title, body_html)``; ``summary`` is HTML shown above the
    table of contents.

    Example:
        >>> doc = page("t", "s", "", [("a", "A", "<p>x</p>")])
        >>> doc.startswith("<!DOCTYPE html>") and 'href="#a"' in doc
        True
    """
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "\n".join(section(a, t, b) for a, t, b in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<header><h1>{esc(title)}</h1><p class="lead">{esc(subtitle)}</p></header>\n'
        f"{summary}\n"
        f'<nav class="toc"><h2>Contents</h2><ol>{toc}</ol></nav>\n'
        f"{body}\n"
        "<footer>Written by custclean. This file is self-contained: it needs no network "
        "and runs no scripts.</footer>\n</main>\n</body>\n</html>\n"
    )


def as_frame(value: Any) -> pl.DataFrame | None:
    """Return ``value`` when it is a polars frame, else ``None``.

    Example:
        >>> as_frame(None) is None, as_frame(pl.DataFrame({"a": [1]})).height
        (True, 1)
    """
    return value if isinstance(value, pl.DataFrame) else None
