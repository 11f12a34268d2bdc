"""Map source headers to the canonical customer fields.

Each source column is claimed for a field by the strongest evidence available:

1. ``override`` — the analyst said so (``overrides={"Column 7": "email"}``);
2. ``alias`` — the header is listed in ``reference_data/headers.csv`` (case, accents, spaces
   and punctuation ignored; ``#``, ``No`` and ``Nr`` read as "number");
3. ``fuzzy alias`` — the header is a near miss of an alias ("Frist Name"), same digits only;
4. ``content`` — the header says nothing ("Column 7", "Field3") and the values look like
   e-mails, phones, dates, countries, states, genders or postal codes.

Two columns claiming one field with equally strong evidence are *ambiguous*: neither is
mapped, both ride along, an issue row says so, and ``overrides`` settles it. A weaker claim on a
field that a stronger one already holds is reported too. A generic "Phone" becomes
``cell_phone`` when the file has no cell column and ``work_phone`` otherwise. A single
"Name" column is split into ``first_name`` and ``last_name`` ("Smith, John" and "John Smith").
The source columns themselves are never altered; columns that map to nothing ride along.

Example:
    >>> import polars as pl
    >>> raw = pl.DataFrame({"Surname": ["Smith"], "E-mail Address": ["a@b.com"]})
    >>> mapped = map_columns(raw)
    >>> mapped.mapping.select("source_column", "field", "method").rows()
    [('Surname', 'last_name', 'alias'), ('E-mail Address', 'email', 'alias')]
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from custclean.errors import MappingError
from custclean.fields import CANONICAL_FIELDS, MAPPING_ONLY_FIELDS
from custclean.issues import ISSUE_SCHEMA, empty_issues, issues_frame
from custclean.reference import load_table
from custclean.sniff import sniff_field

__all__ = ["MappedFrame", "MappingWarning", "header_key", "map_columns"]

#: Minimum similarity (optimal string alignment, transpositions count once) of a fuzzy alias.
FUZZY_CUTOFF = 0.799  # 80%; rapidfuzz drops an exact 0.8 against a 0.8 cutoff
_STRENGTH = {"override": 4, "alias": 3, "fuzzy alias": 2, "content": 1}
_NUMBER_WORDS = {"no": "number", "nr": "number", "num": "number", "nbr": "number", "n": "number"}
_GENERIC = re.compile(
    r"^(?:(?:column|col|field|fld|var|variable|spalte|columna|colonne|campo|f|c|x)\d+"
    r"|unnamed\d*|\d+)$"
)
_PARTICLES = r"(?:van|von|de|der|den|del|della|di|da|du|la|le|dos|das|ter|ten|st\.?|al|bin|y)"
_SUFFIXES = r"(?:jr\.?|sr\.?|ii|iii|iv|v|phd\.?|md\.?|esq\.?)"
_SPACE_NAME = re.compile(rf"(?i)^\s*(.+?)\s+((?:{_PARTICLES}\s+)*\S+(?:,?\s+{_SUFFIXES})?)\s*$")


class MappingWarning(UserWarning):
    """Raised (as a warning) when columns are ambiguous or a name cannot be split cleanly."""


def header_key(header: str) -> str:
    """Reduce a header to the key aliases are matched on.

    CamelCase is split, accents and case dropped, ``#``/``No``/``Nr`` read as "number", and
    everything but letters and digits removed.

    Example:
        >>> header_key("E-mail Address"), header_key("Cust #"), header_key("CellPhone")
        ('emailaddress', 'custnumber', 'cellphone')
        >>> header_key("Código Postal") == header_key("codigo postal")
        True
    """
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("#", " number ").replace("&", " and ")
    tokens = re.findall(r"[a-z0-9]+", text)
    return "".join(_NUMBER_WORDS.get(t, t) for t in tokens)


@cache
def _aliases() -> dict[str, tuple[str, str]]:
    """Alias key → (field, the alias as written). Refuses an alias meaning two fields."""
    table = load_table("headers")
    known = set(CANONICAL_FIELDS) | set(MAPPING_ONLY_FIELDS)
    out: dict[str, tuple[str, str]] = {}
    for alias, target in table.select("alias", "field").iter_rows():
        if not alias or not target:
            continue
        target = target.strip()
        if target not in known:
            raise MappingError(
                f"headers.csv maps {alias!r} to unknown field {target!r}",
                hint=f"use one of: {', '.join(sorted(known))}",
            )
        key = header_key(alias)
        if key in out and out[key][0] != target:
            raise MappingError(
                f"headers.csv maps {alias!r} to both {out[key][0]!r} and {target!r}",
                hint="keep one meaning per alias",
            )
        out.setdefault(key, (target, alias))
    return out


@dataclass(frozen=True)
class _Claim:
    column: str
    field: str | None
    method: str
    score: float
    detail: str


@dataclass(frozen=True)
class MappedFrame:
    """The result of :func:`map_columns`.

    ``data`` holds ``source_row``, every canonical field (text; empty where the source has
    none) and then the unmapped columns untouched. ``mapping`` has one row per source column:
    ``source_column, field, method, score, detail``. ``unmapped`` lists the columns that ride
    along, ``ambiguous`` the fields claimed by several columns, and ``issues`` the rows of
    the audit trail (unmapped and ambiguous columns, fuzzy headers, names split with doubt).

    Example:
        >>> m = map_columns(pl.DataFrame({"Mobile #": ["312 555 0123"], "Loyalty": ["gold"]}))
        >>> m.unmapped, m.present
        (['Loyalty'], ('cell_phone',))
    """

    data: pl.DataFrame
    mapping: pl.DataFrame
    unmapped: list[str]
    ambiguous: dict[str, list[str]]
    issues: pl.DataFrame
    present: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        mapped = self.mapping.filter(pl.col("field").is_not_null()).height
        return (
            f"MappedFrame({self.data.height} rows; {mapped} columns mapped, "
            f"{len(self.unmapped)} riding along, {len(self.ambiguous)} ambiguous fields)"
        )

    def _repr_html_(self) -> str:
        from custclean._display import summary_html

        mapped = self.mapping.filter(pl.col("field").is_not_null()).height
        return summary_html(
            "MappedFrame",
            [
                ("rows", f"{self.data.height:,}"),
                ("columns mapped", str(mapped)),
                ("riding along", ", ".join(self.unmapped) or "none"),
                ("ambiguous fields", ", ".join(sorted(self.ambiguous)) or "none"),
                ("issues", f"{self.issues.height:,}"),
            ],
            [("mapping", self.mapping), ("data", self.data)],
            max_rows=40,
        )


def _check_overrides(
    columns: list[str], overrides: Mapping[str, str | None] | None
) -> dict[str, str | None]:
    if not overrides:
        return {}
    known = set(CANONICAL_FIELDS) | set(MAPPING_ONLY_FIELDS)
    checked: dict[str, str | None] = {}
    for column, target in overrides.items():
        if column not in columns:
            close = process.extractOne(column, columns, scorer=fuzz.ratio)
            hint = f"did you mean {close[0]!r}?" if close and close[1] >= 60 else ""
            raise MappingError(
                "overrides names a column the source does not have",
                column=column,
                hint=hint or f"the columns are: {', '.join(columns)}",
            )
        if target is None or target == "":
            checked[column] = None
            continue
        if target not in known:
            close = process.extractOne(target, sorted(known), scorer=fuzz.ratio)
            raise MappingError(
                f"overrides maps to unknown field {target!r}",
                column=column,
                hint=f"did you mean {close[0]!r}? The fields are: {', '.join(sorted(known))}"
                if close
                else None,
            )
        checked[column] = target
    return checked


def _claim(column: str, values: pl.Series, override: dict[str, str | None]) -> _Claim:
    if column in override:
        target = override[column]
        if target is None:
            return _Claim(column, None, "override", 1.0, "override: leave unmapped")
        return _Claim(column, target, "override", 1.0, f"override: {column!r} → {target}")
    aliases = _aliases()
    key = header_key(column)
    if key in aliases:
        target, written = aliases[key]
        return _Claim(column, target, "alias", 1.0, f"alias {written!r}")
    if _GENERIC.match(key) or not key:
        guess = sniff_field(values)
        return _Claim(column, guess.field, "content", guess.share, guess.detail)
    digits = re.sub(r"\D", "", key)
    if len(key) >= 5:
        candidates = [k for k in aliases if re.sub(r"\D", "", k) == digits]
        best = process.extractOne(
            key, candidates, scorer=OSA.normalized_similarity, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            target, written = aliases[best[0]]
            return _Claim(
                column, target, "fuzzy alias", round(best[1], 3),
                f"fuzzy alias: {column!r} is close to {written!r} ({best[1]:.0%})",
            )  # fmt: skip
    guess = sniff_field(values)
    hint = f"; {guess.detail.removeprefix('content: ')}" if guess.field else ""
    return _Claim(column, None, "unmapped", 0.0, f"no alias matches {column!r}{hint}")


def _split_names(full: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Split whole names into (first, last, how) with vectorised regexes.

    "Smith, John" → (John, Smith); "Juan de la Cruz" → (Juan, de la Cruz); a single word goes
    to the first name and is marked ``single``.
    """
    text = full.cast(pl.String).str.strip_chars()
    frame = pl.DataFrame({"t": text})
    comma = r"^\s*([^,]+?)\s*,\s*([^,]+?)\s*$"
    space = _SPACE_NAME.pattern
    out = frame.select(
        pl.when(pl.col("t").str.contains(comma))
        .then(pl.col("t").str.extract(comma, 2))
        .when(pl.col("t").str.contains(space))
        .then(pl.col("t").str.extract(space, 1))
        .otherwise(pl.col("t"))
        .alias("first"),
        pl.when(pl.col("t").str.contains(comma))
        .then(pl.col("t").str.extract(comma, 1))
        .when(pl.col("t").str.contains(space))
        .then(pl.col("t").str.extract(space, 2))
        .alias("last"),
        pl.when(pl.col("t").is_null() | (pl.col("t") == ""))
        .then(None)
        .when(pl.col("t").str.contains(comma))
        .then(pl.lit("comma"))
        .when(pl.col("t").str.contains(space))
        .then(pl.lit("space"))
        .otherwise(pl.lit("single"))
        .alias("how"),
    )
    first = out["first"].replace("", None)
    return first, out["last"], out["how"]


def _as_text_frame(frame: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accept what ``read`` or ``read_with_issues`` returns; read anything else first.

    Returns the text frame and the issues found while reading it.
    """
    from custclean.io import ReadResult, read_with_issues

    if isinstance(frame, ReadResult):
        return frame.data, frame.issues
    if isinstance(frame, pl.DataFrame) and "source_row" in frame.columns:
        others = [c for c in frame.columns if c != "source_row"]
        if all(frame.schema[c] == pl.String for c in others):
            return frame, empty_issues()
    result = read_with_issues(frame)
    return result.data, result.issues


def map_columns(frame: Any, overrides: Mapping[str, str | None] | None = None) -> MappedFrame:
    """Rename source headers to the canonical fields and split whole names.

    ``frame`` is what :func:`custclean.read` or :func:`custclean.read_with_issues` returns
    (the latter's issues are carried over; any other polars or pandas frame is read first).
    ``overrides`` maps a source column to a field (or to ``None`` to leave it unmapped) and
    beats every other evidence.

    Example:
        >>> raw = pl.DataFrame({"Full Name": ["Smith, John", "Juan de la Cruz"]})
        >>> map_columns(raw).data.select("first_name", "last_name").rows()
        [('John', 'Smith'), ('Juan', 'de la Cruz')]
    """
    data, read_issues = _as_text_frame(frame)
    columns = [c for c in data.columns if c != "source_row"]
    override = _check_overrides(columns, overrides)
    claims = {c: _claim(c, data[c], override) for c in columns}
    issue_rows: list[tuple[int | None, str | None, str, str | None, str | None, str]] = []

    # Settle which column wins each field: strongest evidence, ties are ambiguous.
    by_field: dict[str, list[_Claim]] = {}
    for claim in claims.values():
        if claim.field is not None:
            by_field.setdefault(claim.field, []).append(claim)
    final: dict[str, _Claim] = dict(claims)
    ambiguous: dict[str, list[str]] = {}
    for target, contenders in by_field.items():
        if target == "phone" or len(contenders) == 1:
            continue
        top = max(_STRENGTH[c.method] for c in contenders)
        best = [c for c in contenders if _STRENGTH[c.method] == top]
        if len(best) > 1:
            names = [c.column for c in best]
            ambiguous[target] = names
            for c in best:
                others = ", ".join(repr(n) for n in names if n != c.column)
                final[c.column] = _Claim(
                    c.column, None, "ambiguous", c.score,
                    f"{c.detail}; {others} claims {target} as well: neither is mapped, "
                    "settle it with overrides",
                )  # fmt: skip
                issue_rows.append(
                    (None, c.column, "ambiguous", c.column, None,
                     f"columns {', '.join(repr(n) for n in names)} all look like {target}; "
                     f"neither was mapped. Pass overrides={{{c.column!r}: {target!r}}} "
                     "(or another column) to choose")
                )  # fmt: skip
        for c in contenders:
            if c in best:
                continue
            winner = best[0].column if len(best) == 1 else " / ".join(x.column for x in best)
            final[c.column] = _Claim(
                c.column, None, "ambiguous", c.score,
                f"{c.detail}; {target} is taken by {winner!r} on stronger evidence",
            )  # fmt: skip
            issue_rows.append(
                (None, c.column, "ambiguous", c.column, None,
                 f"{c.column!r} also looks like {target}, which {winner!r} holds on stronger "
                 f"evidence ({c.method}); it rides along unmapped")
            )  # fmt: skip

    # Generic phones take the free phone fields: cell first, then work.
    taken = {c.field for c in final.values() if c.field is not None}
    free = [f for f in ("cell_phone", "work_phone") if f not in taken]
    for column in columns:
        c = final[column]
        if c.field != "phone":
            continue
        if free:
            slot = free.pop(0)
            why = (
                "the file has no cell column" if slot == "cell_phone"
                else "the cell column is taken"
            )  # fmt: skip
            final[column] = _Claim(
                column, slot, c.method, c.score, f"{c.detail}; a phone of unknown kind → {slot} "
                f"because {why}",
            )  # fmt: skip
        else:
            final[column] = _Claim(
                column, None, "ambiguous", c.score,
                f"{c.detail}; both phone fields are taken: rides along",
            )  # fmt: skip
            ambiguous.setdefault("phone", []).append(column)
            issue_rows.append(
                (None, column, "ambiguous", column, None,
                 f"{column!r} holds phones but cell_phone and work_phone are taken; "
                 "it rides along unmapped (use overrides to choose)")
            )  # fmt: skip

    # Build the canonical frame.
    source_of = {c.field: c.column for c in final.values() if c.field is not None}
    n = data.height
    out: dict[str, pl.Series] = {"source_row": data["source_row"]}
    for name in CANONICAL_FIELDS:
        col = source_of.get(name)
        out[name] = data[col].alias(name) if col else pl.Series(name, [None] * n, pl.String)

    full_col = source_of.get("full_name")
    split_note = ""
    if full_col is not None:
        need = [f for f in ("first_name", "last_name") if f not in source_of]
        if need:
            first, last, how = _split_names(data[full_col])
            if need == ["last_name"]:
                # Only the last name is missing: a one-word name is taken as the last name.
                last = pl.Series(
                    "last_name",
                    pl.DataFrame({"l": last, "f": first}).select(pl.coalesce("l", "f"))["l"],
                )
            if "first_name" in need:
                out["first_name"] = first.alias("first_name")
            if "last_name" in need:
                out["last_name"] = last.alias("last_name")
            split_note = f"; split into {' and '.join(need)}"
            single = pl.DataFrame(
                {"source_row": data["source_row"], "v": data[full_col], "how": how}
            ).filter(pl.col("how") == "single")
            if "first_name" not in need:
                single = single.clear()
            for row, value in single.select("source_row", "v").iter_rows():
                issue_rows.append(
                    (row, "first_name", "ambiguous", value, value,
                     f"{full_col!r} holds one word: put in first_name, last_name left empty")
                )  # fmt: skip
        else:
            split_note = "; not split: first and last name are mapped already"
        c = final[full_col]
        final[full_col] = _Claim(full_col, c.field, c.method, c.score, c.detail + split_note)

    unmapped = [c for c in columns if final[c].field is None or c == full_col]
    for column in unmapped:
        new = column
        while new in out:
            new = f"{new}_source"
        if new != column:
            issue_rows.append(
                (None, new, "renamed", column, new,
                 f"{column!r} is not mapped but has a canonical field's name: kept as {new!r}")
            )  # fmt: skip
        out[new] = data[column].alias(new)
        if column != full_col and final[column].method != "ambiguous":
            issue_rows.append(
                (None, column, "unmapped", column, None,
                 f"{final[column].detail}; the column rides along untouched")
            )  # fmt: skip
    for c in final.values():
        if c.method == "fuzzy alias" and c.field is not None:
            issue_rows.append((None, c.column, "fuzzy", c.column, c.field, c.detail))

    mapping = pl.DataFrame(
        [(c.column, c.field, c.method, c.score, c.detail) for c in (final[x] for x in columns)],
        schema={
            "source_column": pl.String,
            "field": pl.String,
            "method": pl.String,
            "score": pl.Float64,
            "detail": pl.String,
        },
        orient="row",
    )
    issues = issues_frame(issue_rows) if issue_rows else empty_issues()
    issues = pl.concat([read_issues.cast(ISSUE_SCHEMA), issues.cast(ISSUE_SCHEMA)])
    present = tuple(
        f for f in CANONICAL_FIELDS
        if f in source_of or (full_col is not None and f in ("first_name", "last_name"))
    )  # fmt: skip
    if ambiguous:
        warnings.warn(
            "ambiguous columns: "
            + "; ".join(f"{k}: {', '.join(map(repr, v))}" for k, v in ambiguous.items())
            + " — none of them was mapped; settle it with map_columns(..., overrides={...})",
            MappingWarning,
            stacklevel=2,
        )
    return MappedFrame(
        data=pl.DataFrame(out),
        mapping=mapping,
        unmapped=[c for c in unmapped if c != full_col],
        ambiguous=ambiguous,
        issues=issues,
        present=present,
    )
