"""A small, readable HTML summary for result objects shown in a notebook (``_repr_html_``).

Example:
    >>> import polars as pl
    >>> html = summary_html("Demo", [("rows", "3")], [("sample", pl.DataFrame({"a": ["<b>"]}))])
    >>> "<td>&lt;b&gt;</td>" in html
    True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import polars as pl

__all__ = ["frame_html", "summary_html"]


def frame_html(frame: pl.DataFrame, max_rows: int = 8) -> str:
    """Render the first rows of a frame as an HTML table, every value escaped.

    Example:
        >>> frame_html(pl.DataFrame({"x": ["<i>"]})).count("&lt;i&gt;")
        1
    """
    head = frame.head(max_rows)
    cells = "".join(f"<th>{html.escape(str(c))}</th>" for c in head.columns)
    rows = []
    for row in head.iter_rows():
        tds = "".join("<td>{}</td>".format("" if v is None else html.escape(str(v))) for v in row)
        rows.append(f"<tr>{tds}</tr>")
    more = (
        f"<p><small>… {frame.height - max_rows:,} more rows</small></p>"
        if frame.height > max_rows
        else ""
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def summary_html(
    title: str,
    facts: Sequence[tuple[str, str]],
    tables: Sequence[tuple[str, pl.DataFrame]] = (),
    max_rows: int = 8,
) -> str:
    """Return a title, a short list of facts and a few small tables as one HTML fragment.

    Example:
        >>> summary_html("T", [("a", "1")]).startswith("<div")
        True
    """
    items = "".join(
        f"<li>{html.escape(name)}: <b>{html.escape(value)}</b></li>" for name, value in facts
    )
    parts = [f"<div><b>{html.escape(title)}</b><ul>{items}</ul>"]
    for caption, frame in tables:
        parts.append(f"<details><summary>{html.escape(caption)}</summary>")
        parts.append(frame_html(frame, max_rows))
        parts.append("</details>")
    parts.append("</div>")
    return "".join(parts)
