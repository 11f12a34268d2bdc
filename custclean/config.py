r"""Options of ``custclean run`` from a TOML file, so that a scheduled job is one line.

Every option of the command can be set in the file; a flag given on the command line wins.
Relative paths in the file are read relative to the file's own folder, so a config travels
with its data. The config used is written into the run's manifest, so any run can be
replayed. An example::

    input = "customers.xlsx"
    target = "wasp"
    out = "out/wasp"
    region = "US"
    existing = "existing.csv"
    sheet = "Customers"
    note_types = ["VIP", "Wholesale"]
    match_threshold = 0.90
    review_threshold = 0.80
    decisions = "decisions.csv"

    [export]              # passed to custclean.export(..., **options) as they are
    batch_size = 250

Example:
    >>> cfg = parse_config('target = "wasp"\nregion = "CA"\n[export]\nbatch_size = 10\n')
    >>> cfg.target, cfg.region, cfg.export
    ('wasp', 'CA', {'batch_size': 10})
    >>> cfg.merged(region="US").region
    'US'
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custclean.errors import InputError

__all__ = ["RUN_OPTIONS", "RunConfig", "as_config", "load_config", "parse_config"]

#: Keys a config file may hold, with what each one means (``--help`` and the README say the same).
RUN_OPTIONS: dict[str, str] = {
    "input": "the customer file to read (CSV, TSV, TXT, XLSX, XLS, Parquet or JSON)",
    "target": "the API to export for: franpos or wasp",
    "out": "the folder that receives the run's files",
    "region": "default country (ISO alpha-2) for phones and blank countries",
    "existing": "the account's existing customers (a file), to predict Added / Updated",
    "sheet": "Excel sheet: a name or a 0-based index",
    "note_types": "the note type names the account knows (a list)",
    "match_threshold": "probability at or above which a pair is the same customer",
    "review_threshold": "probability at or above which a pair is left for review",
    "decisions": "the review decisions file (CSV), applied on every run",
    "export": "a table of options for the target's export (batch size, phone format, …)",
}
_PATHS = ("input", "out", "existing", "decisions")


@dataclass(frozen=True)
class RunConfig:
    """The options of one run; ``None`` means "not set here" (a default or another layer applies).

    ``source`` is the config file the values came from (``None`` for flags alone) and
    ``values`` the file's own table, exactly as written, for the manifest.

    Example:
        >>> RunConfig(target="franpos").merged(target=None, region="GB").region
        'GB'
    """

    input: str | None = None
    target: str | None = None
    out: str | None = None
    region: str | None = None
    existing: str | None = None
    sheet: str | int | None = None
    note_types: tuple[str, ...] | None = None
    match_threshold: float | None = None
    review_threshold: float | None = None
    decisions: str | None = None
    export: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def merged(self, **overrides: Any) -> RunConfig:
        """Return a copy where every override that is not ``None`` replaces the value.

        ``export`` overrides are merged key by key into the file's ``[export]`` table.

        Example:
            >>> RunConfig(export={"a": 1}).merged(export={"b": 2}).export
            {'a': 1, 'b': 2}
        """
        unknown = set(overrides) - set(RUN_OPTIONS)
        if unknown:
            raise TypeError(f"unknown run option(s): {', '.join(sorted(unknown))}")
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            if key == "export":
                changes["export"] = {**self.export, **dict(value)}
            elif key == "note_types":
                changes["note_types"] = tuple(value)
            else:
                changes[key] = str(value) if key in _PATHS else value
        return dataclasses.replace(self, **changes)

    def options(self) -> dict[str, Any]:
        """Return the effective options as a JSON-ready dict (paths as text, ``out`` left out).

        ``out`` is left out so that the same run written to two folders records the same
        options.

        Example:
            >>> RunConfig(target="wasp", out="x").options()["target"]
            'wasp'
        """
        return {
            "target": self.target,
            "region": self.region,
            "existing": self.existing,
            "sheet": self.sheet,
            "note_types": list(self.note_types) if self.note_types is not None else None,
            "match_threshold": self.match_threshold,
            "review_threshold": self.review_threshold,
            "decisions": self.decisions,
            "export": dict(sorted(self.export.items())),
        }


def _check_type(key: str, value: Any, where: str) -> Any:
    def bad(kind: str) -> InputError:
        return InputError(
            f"{key} must be {kind}, not {type(value).__name__} {value!r}",
            path=where,
            hint="see `custclean run --help` for every option",
        )

    if key == "export":
        if not isinstance(value, dict):
            raise bad("a table ([export])")
        return dict(value)
    if key == "note_types":
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of names")
        return tuple(value)
    if key in ("match_threshold", "review_threshold"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number between 0 and 1")
        if not 0 <= value <= 1:
            raise bad("a number between 0 and 1")
        return float(value)
    if key == "sheet":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise bad("a sheet name or a 0-based index")
        return value
    if not isinstance(value, str):
        raise bad("text")
    return value


def parse_config(text: str, *, source: str | Path | None = None) -> RunConfig:
    """Read a config from TOML text; relative paths are taken from ``source``'s folder.

    Unknown keys and values of the wrong type raise :class:`~custclean.errors.InputError`
    naming the file and the key.

    Example:
        >>> parse_config('existing = "old.csv"', source="/jobs/nightly.toml").existing
        '/jobs/old.csv'
        >>> parse_config("tagret = 'wasp'", source="job.toml")
        Traceback (most recent call last):
        ...
        custclean.errors.InputError: job.toml: unknown option 'tagret'. Known options: ...
    """
    where = str(source) if source is not None else "config"
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", path=where) from None
    unknown = sorted(set(values) - set(RUN_OPTIONS))
    if unknown:
        raise InputError(
            f"unknown option {unknown[0]!r}",
            path=where,
            hint="known options: " + ", ".join(RUN_OPTIONS),
        )
    base = Path(source).parent if source is not None else None
    settings: dict[str, Any] = {}
    for key, value in values.items():
        checked = _check_type(key, value, where)
        if key in _PATHS and base is not None and not Path(checked).is_absolute():
            checked = str(base / checked)
        settings[key] = checked
    return RunConfig(**settings, source=None if source is None else str(source), values=values)


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config file.

    Example:
        >>> load_config("no/such.toml")
        Traceback (most recent call last):
        ...
        custclean.errors.InputError: no/such.toml: no such config file. Check the path.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such config file", path=p, hint="check the path")
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the config ({exc})", path=p) from None
    return parse_config(text, source=p)


def as_config(value: RunConfig | Mapping[str, Any] | str | Path | None) -> RunConfig:
    """Turn a path, a dict of options or ``None`` into a :class:`RunConfig`.

    Example:
        >>> as_config({"target": "wasp"}).target
        'wasp'
    """
    if value is None:
        return RunConfig()
    if isinstance(value, RunConfig):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(RUN_OPTIONS))
        if unknown:
            raise InputError(f"unknown option {unknown[0]!r}", path="config",
                             hint="known options: " + ", ".join(RUN_OPTIONS))  # fmt: skip
        settings = {k: _check_type(k, v, "config") for k, v in value.items()}
        return RunConfig(**settings, values=dict(value))
    return load_config(value)
