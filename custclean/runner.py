"""The whole pipeline as one library call: what ``custclean run`` does.

``run`` reads a customer file, maps and cleans it, finds the duplicates (against the
account's existing customers too, when given), merges each cluster into a golden record,
exports the target's request bodies, predicts the server's answers and writes, into one
folder, exactly::

    cleaned.csv    one row per input record: source_row, the canonical fields, the rest
    issues.csv     source_row, field, code, value, result, message
    clusters.csv   source_row, cluster_id and the columns that say why
    golden.csv     one row per cluster (source_rows joined with ";")
    payloads/      the request bodies and their manifest (Export.write)
    report.html    the report, one self-contained file
    manifest.json  input and its SHA-256, options, the config used, counts, versions, timings

Everything but the ``timings`` key of the manifest is byte-identical on a re-run.

Example:
    >>> import tempfile, custclean.demo as demo
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = demo.write_demo(tmp, n=40, seed=1)
    ...     result = run(files["customers.csv"], target="franpos", out=f"{tmp}/out")
    ...     names = sorted(p.name for p in result.out.iterdir())
    >>> names == sorted(OUTPUT_FILES)
    True
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from custclean.config import RunConfig, as_config
from custclean.errors import InputError, MappingError

__all__ = ["OUTPUT_FILES", "RunResult", "read_clean", "run"]

#: What a run writes into its folder, in this order.
OUTPUT_FILES: tuple[str, ...] = (
    "cleaned.csv",
    "issues.csv",
    "clusters.csv",
    "golden.csv",
    "payloads",
    "report.html",
    "manifest.json",
)
_TARGETS = ("franpos", "wasp")

#: ``progress(step, done, total)`` is called before each step and once more at the end.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the folder, the manifest and every stage's result object.

    ``not_exported`` counts the golden records the export had to reject; ``exit_code`` is
    what the command line returns (0, or 2 when some records could not be exported).

    Example:
        >>> r = RunResult(out=Path("out"), manifest={"counts": {"not_exported": 0}})
        >>> r.exit_code, r.not_exported
        (0, 0)
    """

    out: Path
    manifest: dict[str, Any]
    cleaned: Any = None
    links: Any = None
    golden: Any = None
    export: Any = None
    simulation: Any = None
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def not_exported(self) -> int:
        """Golden records the export rejected (the message on stderr says which rows)."""
        return int(self.manifest.get("counts", {}).get("not_exported", 0))

    @property
    def exit_code(self) -> int:
        """0 when every record was exported, 2 when some could not be."""
        return 2 if self.not_exported else 0

    def __repr__(self) -> str:
        counts = self.manifest.get("counts", {})
        shown = ", ".join(
            f"{k} {counts[k]}"
            for k in ("records", "clusters", "golden", "exported", "not_exported")
            if k in counts
        )
        return f"RunResult({str(self.out)!r}: {shown})"

    def _repr_html_(self) -> str:
        from custclean._report_html import esc, keyvalues

        counts = self.manifest.get("counts", {})
        pairs = [("folder", str(self.out))] + [
            (k, v) for k, v in counts.items() if not isinstance(v, dict)
        ]
        return f"<p><b>custclean run</b> → {esc(self.out / 'report.html')}</p>" + keyvalues(pairs)


class _Clock:
    """Times the steps and tells the progress callback which one is running."""

    def __init__(self, steps: Sequence[str], progress: Progress | None) -> None:
        self.steps = list(steps)
        self.progress = progress
        self.timings: dict[str, float] = {}
        self._current: str | None = None
        self._started = 0.0
        self._done = 0

    def step(self, name: str) -> None:
        self._stop()
        self._current = name
        self._started = time.perf_counter()
        if self.progress is not None:
            self.progress(name, self._done, len(self.steps))

    def _stop(self) -> None:
        if self._current is not None:
            self.timings[self._current] = round(time.perf_counter() - self._started, 3)
            self._done += 1
            self._current = None

    def finish(self) -> dict[str, float]:
        self._stop()
        if self.progress is not None:
            self.progress("done", len(self.steps), len(self.steps))
        self.timings["total"] = round(sum(self.timings.values()), 3)
        return self.timings


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_target(target: str | None) -> str:
    if not target:
        raise InputError(
            "no target given",
            hint="give --target franpos or --target wasp (or target in the config)",
        )
    name = target.strip().lower()
    if name not in _TARGETS:
        raise InputError(f"unknown target {target!r}", hint="use one of: " + ", ".join(_TARGETS))
    return name


def _sheet(value: str | int | None) -> str | int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def read_clean(
    path: str | Path,
    *,
    region: str | None = "US",
    sheet: str | int | None = None,
    note_types: Sequence[str] | None = None,
) -> tuple[Any, Any, Any]:
    """Read, map and clean one file; refuse a file none of whose columns maps to a field.

    Returns ``(read_result, mapped, cleaned)``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = Path(tmp) / "c.csv"
        ...     _ = p.write_text(chr(10).join(["Email,Zip", "A@B.COM,2134"]))
        ...     read_clean(p)[2].data.select("email", "zip").row(0)
        ('a@b.com', '02134')
    """
    from custclean.cleaning import clean
    from custclean.io import read_with_issues
    from custclean.mapping import MappingWarning, map_columns

    source = read_with_issues(path, sheet=_sheet(sheet))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        mapped = map_columns(source)
    if not mapped.present:
        columns = [c for c in source.data.columns if c != "source_row"]
        shown = ", ".join(repr(c) for c in columns[:6]) + (", …" if len(columns) > 6 else "")
        raise MappingError(
            f"no column maps to a customer field (columns: {shown or 'none'})",
            path=str(path),
            hint="rename the headers (e.g. First Name, Email, Phone) or check the file",
        )
    cleaned = clean(mapped, region=region, note_types=list(note_types) if note_types else None)
    return source, mapped, cleaned


def _with_text_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn lists into ``;``-joined text and structs into JSON, so the frame fits a CSV."""
    out = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            out.append(pl.col(name).cast(pl.List(pl.String)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct | pl.Object):
            out.append(
                pl.col(name).map_elements(
                    lambda v: json.dumps(v, sort_keys=True, default=str), return_dtype=pl.String
                )
            )
        else:
            out.append(pl.col(name))
    return frame.select(out)


def _write_csv(frame: pl.DataFrame, path: Path) -> Path:
    path.write_bytes(_with_text_lists(frame).write_csv().encode("utf-8"))
    return path


def _clusters_frame(links: Any, cleaned: pl.DataFrame) -> pl.DataFrame:
    clusters: pl.DataFrame = links.clusters
    existing = getattr(links, "existing_links", None)
    if isinstance(existing, pl.DataFrame) and existing.height:
        extra = [c for c in existing.columns if c != "source_row" and c not in clusters.columns]
        clusters = clusters.join(existing.select("source_row", *extra), on="source_row", how="left")
    rows = cleaned.select(pl.col("source_row").cast(pl.Int64))
    return rows.join(clusters, on="source_row", how="left").sort("source_row")


def _payload_summary(manifest_path: Path) -> dict[str, Any]:
    """Read the export's own manifest (an empty dict when unreadable)."""
    try:
        loaded = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _short_payloads(payloads: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the per-file row lists from the export manifest (payloads/manifest.json has them)."""
    out = {k: v for k, v in payloads.items() if k != "files"}
    files = payloads.get("files")
    if isinstance(files, list):
        out["files"] = [
            {k: v for k, v in f.items() if k not in ("source_rows", "record_rows")}
            if isinstance(f, dict)
            else f
            for f in files
        ]
    return out


def _counts(cleaned: Any, links: Any, golden: Any, export: Any, simulation: Any) -> dict[str, Any]:
    issues: pl.DataFrame = cleaned.issues
    counts: dict[str, Any] = {
        "records": cleaned.data.height,
        "issues": issues.height,
        "issues_by_code": dict(issues.group_by("code").len().sort("code").iter_rows()),
    }
    clusters = getattr(links, "clusters", None)
    if isinstance(clusters, pl.DataFrame):
        sizes = clusters.group_by("cluster_id").len()
        counts["clusters"] = sizes.height
        counts["duplicate_clusters"] = sizes.filter(pl.col("len") > 1).height
    pairs = getattr(links, "pairs", None)
    if isinstance(pairs, pl.DataFrame) and "decision" in pairs.columns:
        counts["pairs"] = dict(pairs.group_by("decision").len().sort("decision").iter_rows())
    collisions = getattr(links, "server_collisions", None)
    if isinstance(collisions, pl.DataFrame) and "collision_id" in collisions.columns:
        counts["server_collisions"] = collisions["collision_id"].n_unique()
    data = getattr(golden, "data", None)
    if isinstance(data, pl.DataFrame):
        counts["golden"] = data.height
    preview = getattr(export, "preview", None)
    if isinstance(preview, pl.DataFrame):
        counts["exported"] = preview.height
    counts["batches"] = len(getattr(export, "batches", []) or [])
    rejected = getattr(export, "rejected", None)
    not_exported = 0
    if isinstance(rejected, pl.DataFrame) and rejected.height:
        not_exported = int(rejected["source_row"].n_unique())
    counts["not_exported"] = not_exported
    table = getattr(simulation, "table", None)
    if isinstance(table, pl.DataFrame) and "outcome" in table.columns:
        counts["predicted"] = dict(table.group_by("outcome").len().sort("outcome").iter_rows())
    return counts


def _versions() -> dict[str, str]:
    import custclean

    return {
        "custclean": custclean.__version__,
        "polars": pl.__version__,
        "python": platform.python_version(),
    }


def _step_names(has_existing: bool) -> list[str]:
    steps = ["read and clean"]
    if has_existing:
        steps.append("existing customers")
    return [*steps, "find duplicates", "merge", "export", "write"]


def run(
    input: str | Path | None = None,
    *,
    target: str | None = None,
    out: str | Path | None = None,
    region: str | None = None,
    existing: str | Path | None = None,
    config: RunConfig | Mapping[str, Any] | str | Path | None = None,
    progress: Progress | None = None,
    sheet: str | int | None = None,
    note_types: Sequence[str] | None = None,
    match_threshold: float | None = None,
    review_threshold: float | None = None,
    decisions: str | Path | None = None,
    export_options: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run the whole pipeline on one file and write its folder (see the module docstring).

    Every option may come from ``config`` (a TOML file path, a dict or a
    :class:`~custclean.config.RunConfig`); an argument given here wins. ``region`` defaults
    to ``"US"``. ``export_options`` are passed to ``custclean.export`` (merged over the
    config's ``[export]`` table). ``progress(step, done, total)`` is told each step as it
    starts. Raises :class:`~custclean.errors.CustcleanError` on bad input, before writing.

    Example:
        >>> run("customers.csv", target="shopify", out="x")
        Traceback (most recent call last):
        ...
        custclean.errors.InputError: unknown target 'shopify'. Use one of: franpos, wasp.
    """
    cfg = as_config(config).merged(
        input=input,
        target=target,
        out=out,
        region=region,
        existing=existing,
        sheet=sheet,
        note_types=note_types,
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        decisions=decisions,
        export=export_options,
    )
    target_name = _check_target(cfg.target)
    if not cfg.input:
        raise InputError("no input file given", hint="give INPUT (or input in the config)")
    if not cfg.out:
        raise InputError("no output folder given", hint="give --out DIR (or out in the config)")
    cfg = cfg.merged(target=target_name, region=(cfg.region or "US").upper())
    folder = Path(cfg.out)
    input_path = Path(cfg.input)
    clock = _Clock(_step_names(cfg.existing is not None), progress)

    clock.step("read and clean")
    source, mapped, cleaned = read_clean(
        input_path, region=cfg.region, sheet=cfg.sheet, note_types=cfg.note_types
    )
    existing_clean = None
    if cfg.existing is not None:
        clock.step("existing customers")
        existing_clean = read_clean(cfg.existing, region=cfg.region, note_types=cfg.note_types)[2]

    clock.step("find duplicates")
    from custclean.link import find_duplicates

    link_options: dict[str, Any] = {}
    if cfg.match_threshold is not None:
        link_options["match_threshold"] = cfg.match_threshold
    if cfg.review_threshold is not None:
        link_options["review_threshold"] = cfg.review_threshold
    if cfg.decisions is not None:
        link_options["decisions"] = cfg.decisions
    links = find_duplicates(cleaned, target=target_name, existing=existing_clean, **link_options)

    clock.step("merge")
    from custclean.merging import merge

    golden = merge(cleaned, links)

    clock.step("export")
    from custclean.exporting import export as export_records

    exported = export_records(golden, target_name, **cfg.export)
    simulation = exported.simulate(existing=None if existing_clean is None else existing_clean.data)

    clock.step("write")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = [
            _write_csv(cleaned.data, folder / "cleaned.csv"),
            _write_csv(cleaned.issues, folder / "issues.csv"),
            _write_csv(_clusters_frame(links, cleaned.data), folder / "clusters.csv"),
            _write_csv(golden.data, folder / "golden.csv"),
        ]
        payload_manifest = Path(exported.write(folder / "payloads"))
    except OSError as exc:
        raise InputError(
            f"cannot write the output ({exc.strerror or exc})", path=folder,
            hint="choose another --out folder",
        ) from None  # fmt: skip
    payloads = _payload_summary(payload_manifest)
    options = cfg.options()
    options["export"] = dict(sorted((getattr(exported, "options", None) or cfg.export).items()))
    for key in ("match_threshold", "review_threshold"):  # the values used, for a replay
        if options[key] is None:
            options[key] = getattr(links, key, None)
    manifest: dict[str, Any] = {
        "input": {
            "path": str(input_path),
            "sha256": _sha256(input_path),
            "format": source.format,
            "encoding": source.encoding,
            "sheet": source.sheet,
        },
        "options": options,
        "config": {"path": cfg.source, "values": cfg.values} if cfg.source or cfg.values else None,
        "counts": _counts(cleaned, links, golden, exported, simulation),
        "versions": _versions(),
    }
    if cfg.existing is not None:
        manifest["existing"] = {"path": str(cfg.existing), "sha256": _sha256(Path(cfg.existing))}
    from custclean.report import write_report

    report = write_report(
        folder / "report.html",
        cleaned=cleaned,
        links=links,
        golden=golden,
        export=exported,
        simulation=simulation,
        manifest={**manifest, "payloads": _short_payloads(payloads)},
        raw=mapped.data,
        title=f"custclean report: {input_path.name}",
    )
    written.append(report)
    manifest["payloads"] = _short_payloads(payloads)
    files = {p.name: _sha256(p) for p in written}
    files["payloads/" + payload_manifest.name] = _sha256(payload_manifest)
    manifest["files"] = files
    manifest["timings"] = clock.finish()
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"
    (folder / "manifest.json").write_bytes(text.encode("utf-8"))
    return RunResult(
        out=folder,
        manifest=manifest,
        cleaned=cleaned,
        links=links,
        golden=golden,
        export=exported,
        simulation=simulation,
        files=(*written, payload_manifest, folder / "manifest.json"),
    )
