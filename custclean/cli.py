"""The ``custclean`` command.

``custclean run`` does the whole job; the other subcommands do one step at a time. Every
subcommand turns bad input into one line on stderr and exit code 1, never a traceback; ``run``
and ``export`` exit with 2 when they finished but some records could not be exported.

Example:
    $ custclean run customers.xlsx --target wasp --out out        # the whole pipeline
    $ custclean run --config nightly.toml                          # a scheduled job
    $ custclean demo --out demo-output                             # sample data, then run
    $ custclean schema wasp-customers                              # a shipped JSON Schema
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from custclean.errors import CustcleanError, InputError

if TYPE_CHECKING:
    from custclean.cleaning import CleanResult
    from custclean.io import ReadResult
    from custclean.mapping import MappedFrame
    from custclean.runner import RunResult

app = typer.Typer(
    name="custclean",
    help=(
        "Clean, de-duplicate and export messy customer lists for Franpos and Wasp.\n\n"
        "Start with [bold]custclean demo --out demo-output[/bold], then open "
        "demo-output/report.html. The whole job on your own file: "
        "[bold]custclean run customers.xlsx --target wasp --out out[/bold]."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)

_FILE_HELP = "A CSV, TSV, TXT, XLSX, XLS, Parquet or JSON file."
_TARGET_HELP = "The API to export for: franpos or wasp."
_REGION_HELP = "Default country (ISO alpha-2) for phones and blank countries. [default: US]"
_SHEET_HELP = "Excel sheet: a name or a 0-based index."


# --- helpers ----------------------------------------------------------------------------------


@contextmanager
def _steps(quiet: bool, label: str = "working") -> Iterator[Any]:
    """Show a rich progress bar on stderr, silent with --quiet or when stderr is no terminal.

    Yields ``progress(step, done, total)``, the callback :func:`custclean.runner.run` takes.
    """
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
        disable=quiet or not _err.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=None)

        def update(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        yield update


def _read_and_map(path: Path, sheet: str | None) -> tuple[ReadResult, MappedFrame]:
    import warnings

    from custclean.io import read_with_issues
    from custclean.mapping import MappingWarning, map_columns

    result = read_with_issues(path, sheet=_sheet_arg(sheet))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        mapped = map_columns(result.data)
    return result, mapped


def _clean_file(
    path: Path, out: Path, *, region: str | None, sheet: str | None, note_types: list[str] | None
) -> CleanResult:
    """Read, map and clean one file; write cleaned.csv and issues.csv into ``out``."""
    from custclean.runner import read_clean

    cleaned = read_clean(path, region=region, sheet=sheet, note_types=note_types)[2]
    out.mkdir(parents=True, exist_ok=True)
    cleaned.data.write_csv(out / "cleaned.csv")
    cleaned.issues.write_csv(out / "issues.csv")
    return cleaned


def _print_summary(cleaned: CleanResult) -> None:
    table = Table("field", "valid", "fixed", "inferred", "conflict", "rejected", "empty")
    for row in cleaned.summary().iter_rows(named=True):
        table.add_row(
            row["field"],
            *(str(row[k]) for k in ("valid", "fixed", "inferred", "conflict", "rejected", "empty")),
        )
    _out.print(table)


def _sheet_arg(sheet: str | None) -> str | int | None:
    if sheet is None:
        return None
    return int(sheet) if sheet.isdigit() else sheet


def _parse_options(pairs: Sequence[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` export options; a VALUE that reads as JSON (10, true, "x") is taken as such."""
    options: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"--option {pair!r} is not KEY=VALUE", hint="e.g. --option batch_size=250"
            )
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def _not_exported_message(result_export: Any) -> str | None:
    rejected = getattr(result_export, "rejected", None)
    if not isinstance(rejected, pl.DataFrame) or rejected.height == 0:
        return None
    rows = sorted(set(rejected["source_row"].to_list()))
    shown = ", ".join(str(r) for r in rows[:10]) + (", …" if len(rows) > 10 else "")
    reasons = rejected["reason"].unique(maintain_order=True).to_list()[:2]
    why = "; ".join(str(r) for r in reasons)
    return (
        f"custclean: {len(rows)} record{'s' if len(rows) != 1 else ''} could not be exported "
        f"(rows {shown}): {why}"
    )


def _print_run(result: RunResult) -> None:
    counts = result.manifest["counts"]
    table = Table("step", "result", show_header=False, box=None, pad_edge=False)
    table.add_row("records read", f"{counts['records']:,}")
    table.add_row("issues", f"{counts['issues']:,}")
    if "clusters" in counts:
        table.add_row(
            "clusters", f"{counts['clusters']:,} ({counts['duplicate_clusters']:,} with duplicates)"
        )
    pairs = counts.get("pairs", {})
    if pairs:
        table.add_row("pairs", ", ".join(f"{k} {v:,}" for k, v in pairs.items()))
    if "server_collisions" in counts:
        table.add_row("server collisions", f"{counts['server_collisions']:,} groups")
    table.add_row("golden records", f"{counts.get('golden', 0):,}")
    table.add_row(
        "exported", f"{counts.get('exported', 0):,} in {counts.get('batches', 0)} batches"
    )
    predicted = counts.get("predicted", {})
    if predicted:
        table.add_row("predicted", ", ".join(f"{k} {v:,}" for k, v in predicted.items()))
    _out.print(table)
    _out.print(f"Wrote {result.out}/ — open {result.out / 'report.html'}")


# --- commands ---------------------------------------------------------------------------------


@app.command()
def inspect(
    source: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    sheet: Annotated[str | None, typer.Option(help=_SHEET_HELP)] = None,
) -> None:
    """Show how a file is read and how its columns map to the canonical fields.

    Example: [bold]custclean inspect customers.xlsx --sheet Customers[/bold]
    """
    result, mapped = _read_and_map(source, sheet)
    _out.print(
        f"[bold]{source}[/bold]: {result.format}, {result.data.height} records, "
        f"encoding {result.encoding or '-'}, delimiter {result.delimiter!r}"
    )
    table = Table("source column", "field", "method", "detail")
    for row in mapped.mapping.iter_rows(named=True):
        table.add_row(row["source_column"], row["field"] or "—", row["method"], row["detail"])
    _out.print(table)
    issues = pl.concat([result.issues, mapped.issues])
    if issues.height:
        _out.print(f"{issues.height} issues:")
        _out.print(issues.group_by("code").len().sort("code"))


@app.command("run")
def run_command(
    source: Annotated[
        Path | None, typer.Argument(metavar="INPUT", help=_FILE_HELP + " [or input in --config]")
    ] = None,
    target: Annotated[str | None, typer.Option(help=_TARGET_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help="Folder that receives the run's files.")] = None,
    region: Annotated[str | None, typer.Option(help=_REGION_HELP)] = None,
    existing: Annotated[
        Path | None,
        typer.Option(help="The account's existing customers, to predict Added / Updated."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A TOML file with any of these options; flags win.")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help=_SHEET_HELP)] = None,
    note_type: Annotated[
        list[str] | None,
        typer.Option(help="A note type name the account knows; repeat for several."),
    ] = None,
    match_threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Probability for an automatic match.")
    ] = None,
    review_threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Probability for the review band.")
    ] = None,
    decisions: Annotated[
        Path | None, typer.Option(help="Review decisions file (CSV), applied on every run.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="An export option KEY=VALUE (e.g. batch_size=250); repeatable."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")
    ] = False,
) -> None:
    """Run the whole pipeline: read, clean, find duplicates, merge, export, report.

    OUT receives cleaned.csv, issues.csv, clusters.csv, golden.csv, payloads/, report.html and
    manifest.json. Exit code 0 when done, 1 on a usage or input error, 2 when done but some
    records could not be exported.

    Examples:
      [bold]custclean run customers.xlsx --target wasp --out out[/bold]

      [bold]custclean run customers.csv --target franpos --out out --existing account.csv[/bold]

      [bold]custclean run --config nightly.toml --quiet[/bold]   (input, target, out… from the file)
    """
    from custclean.runner import run

    with _steps(quiet, "read and clean") as progress:
        result = run(
            source,
            target=target,
            out=out,
            region=region,
            existing=existing,
            config=config,
            progress=progress,
            sheet=sheet,
            note_types=note_type,
            match_threshold=match_threshold,
            review_threshold=review_threshold,
            decisions=decisions,
            export_options=_parse_options(option) or None,
        )
    if not quiet:
        _print_run(result)
    message = _not_exported_message(result.export)
    if message:
        _err.print(message, markup=False, soft_wrap=True)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command("clean")
def clean_command(
    source: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path, typer.Option(help="Folder for cleaned.csv and issues.csv.")] = Path(
        "cleaned"
    ),
    region: Annotated[str, typer.Option(help=_REGION_HELP)] = "US",
    sheet: Annotated[str | None, typer.Option(help=_SHEET_HELP)] = None,
    note_type: Annotated[
        list[str] | None,
        typer.Option(help="A note type name the account knows; repeat for several."),
    ] = None,
) -> None:
    """Read, map and clean one customer file; write cleaned.csv and issues.csv.

    Example: [bold]custclean clean customers.xlsx --out cleaned --region CA --note-type VIP[/bold]
    """
    cleaned = _clean_file(source, out, region=region, sheet=sheet, note_types=note_type)
    _print_summary(cleaned)
    _out.print(
        f"{cleaned.data.height} records cleaned, {cleaned.issues.height} issues: "
        f"{out / 'cleaned.csv'}, {out / 'issues.csv'}"
    )


@app.command()
def dedupe(
    source: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("deduped"),
    target: Annotated[
        str | None, typer.Option(help=_TARGET_HELP + " Adds the server's collisions.")
    ] = None,
    region: Annotated[str, typer.Option(help=_REGION_HELP)] = "US",
    existing: Annotated[
        Path | None, typer.Option(help="The account's existing customers, to link against.")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help=_SHEET_HELP)] = None,
    match_threshold: Annotated[float | None, typer.Option(min=0, max=1)] = None,
    review_threshold: Annotated[float | None, typer.Option(min=0, max=1)] = None,
    decisions: Annotated[
        Path | None, typer.Option(help="Review decisions file (CSV), applied on every run.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Clean a file, find its duplicates and merge them into golden records.

    Writes cleaned.csv, issues.csv, pairs.csv (every scored pair), clusters.csv,
    server_collisions.csv (with --target) and golden.csv.

    Example: [bold]custclean dedupe customers.csv --out deduped --target franpos[/bold]
    """
    from custclean.link import find_duplicates
    from custclean.merging import merge
    from custclean.runner import _clusters_frame, _step_names, _write_csv, read_clean

    names = _step_names(existing is not None)[:-2]
    total = len(names)
    with _steps(quiet) as progress:
        progress(names[0], 0, total)
        cleaned = read_clean(source, region=region, sheet=sheet)[2]
        old = None
        if existing is not None:
            progress(names[1], 1, total)
            old = read_clean(existing, region=region)[2]
        progress("find duplicates", total - 2, total)
        options: dict[str, Any] = {
            k: v
            for k, v in (("match_threshold", match_threshold),
                         ("review_threshold", review_threshold), ("decisions", decisions))
            if v is not None
        }  # fmt: skip
        links = find_duplicates(cleaned, target=target, existing=old, **options)
        progress("merge", total - 1, total)
        golden = merge(cleaned, links)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(cleaned.data, out / "cleaned.csv")
    _write_csv(cleaned.issues, out / "issues.csv")
    _write_csv(links.pairs, out / "pairs.csv")
    _write_csv(_clusters_frame(links, cleaned.data), out / "clusters.csv")
    if target is not None:
        _write_csv(links.server_collisions, out / "server_collisions.csv")
    _write_csv(golden.data, out / "golden.csv")
    sizes = links.clusters.group_by("cluster_id").len()
    _out.print(
        f"{cleaned.data.height:,} records → {golden.data.height:,} golden records "
        f"({sizes.filter(pl.col('len') > 1).height:,} clusters with duplicates, "
        f"{links.pairs.filter(pl.col('decision') == 'review').height:,} pairs to review). "
        f"Wrote {out}/"
    )


def _load_records(path: Path, region: str, sheet: str | None) -> pl.DataFrame:
    """Load records to export: custclean's golden.csv / cleaned.csv as written, else clean."""
    from custclean.fields import CANONICAL_FIELDS

    if path.suffix.lower() == ".csv" and path.is_file():
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
        if "source_row" in header and set(CANONICAL_FIELDS) <= set(header):
            frame = pl.read_csv(path, infer_schema=False).with_columns(
                pl.col("source_row").cast(pl.Int64)
            )
            if "source_rows" in frame.columns:
                frame = frame.with_columns(
                    pl.col("source_rows").str.split(";").cast(pl.List(pl.Int64))
                )
            return frame
    from custclean.runner import read_clean

    return read_clean(path, region=region, sheet=sheet)[2].data


@app.command("export")
def export_command(
    source: Annotated[
        Path, typer.Argument(help="golden.csv or cleaned.csv from custclean, or any customer file.")
    ],
    target: Annotated[str, typer.Option(help=_TARGET_HELP)],
    out: Annotated[Path, typer.Option(help="Folder for the batch files and manifest.json.")] = Path(
        "payloads"
    ),
    existing: Annotated[
        Path | None, typer.Option(help="The account's existing customers, for the prediction.")
    ] = None,
    region: Annotated[str, typer.Option(help=_REGION_HELP)] = "US",
    sheet: Annotated[str | None, typer.Option(help=_SHEET_HELP)] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="An export option KEY=VALUE (e.g. phone_format=national); repeatable."),
    ] = None,
) -> None:
    """Write the target's request bodies (one record per row) and predict the server's answers.

    Exit code 2 when some records could not be exported.

    Examples:
      [bold]custclean export out/golden.csv --target wasp --out wasp-payloads[/bold]

      [bold]custclean export golden.csv --target franpos --option phone_format=national[/bold]
    """
    from custclean.exporting import export
    from custclean.runner import _check_target, read_clean

    name = _check_target(target)
    records = _load_records(source, region, sheet)
    result = export(records, name, **_parse_options(option))
    old = read_clean(existing, region=region)[2].data if existing is not None else None
    simulation = result.simulate(existing=old)
    path = result.write(out)
    counts = simulation.table.group_by("outcome").len().sort("outcome")
    _out.print(
        f"{result.preview.height:,} records in {len(result.batches)} batches → {path.parent}/; "
        "predicted: " + ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows())
    )
    message = _not_exported_message(result)
    if message:
        _err.print(message, markup=False, soft_wrap=True)
        raise typer.Exit(2)


@app.command()
def reconcile(
    run_dir: Annotated[Path, typer.Argument(help="The folder `custclean run` wrote.")],
    responses: Annotated[
        Path, typer.Argument(help="Folder of saved responses, one per batch file.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder for outcomes.csv and retry/ [default: RUN_DIR].")
    ] = None,
) -> None:
    """Read the servers' saved responses to a run's batches; write outcomes and a retry payload.

    The run's golden records are exported again with the options its manifest recorded and
    checked against payloads/ (byte for byte), so every response lines up with its records.
    Writes outcomes.csv (one row per record: outcome, message, field) and retry/ (only the
    records that failed or got no answer).

    Example: [bold]custclean reconcile out responses/ --out out[/bold]
    (response files named like [bold]franpos-customers-0001.response.json[/bold])
    """
    from custclean.exporting import export
    from custclean.reconciling import reconcile as reconcile_responses

    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError("no manifest.json here", path=run_dir, hint="give the folder of a run")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    options = manifest.get("options", {})
    records = _load_records(run_dir / "golden.csv", options.get("region") or "US", None)
    again = export(records, options["target"], **options.get("export", {}))
    for name, _, body in again.files():
        written = run_dir / "payloads" / name
        if not written.is_file() or json.loads(written.read_text("utf-8")) != body:
            raise InputError(
                f"payloads/{name} differs from the run's golden records exported again",
                path=run_dir,
                hint="reconcile the folder the payloads were sent from, unchanged",
            )
    result = reconcile_responses(again, responses)
    folder = out or run_dir
    folder.mkdir(parents=True, exist_ok=True)
    from custclean.runner import _write_csv

    _write_csv(result.outcomes, folder / "outcomes.csv")
    retry = result.write_retry(folder / "retry")
    counts = result.outcomes.group_by("outcome").len().sort("outcome")
    _out.print(
        ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows())
        + f". Wrote {folder / 'outcomes.csv'} and {retry}"
    )


@app.command()
def schema(
    name: Annotated[
        str | None,
        typer.Argument(help="franpos-customers, wasp-customers or wasp-addresses."),
    ] = None,
) -> None:
    """Print a shipped JSON Schema of a request body (without NAME: list them).

    Example: [bold]custclean schema wasp-customers > wasp-customers.schema.json[/bold]
    """
    from custclean.targets import SCHEMA_NAMES
    from custclean.targets import schema as load_schema

    if name is None:
        for known in SCHEMA_NAMES:
            typer.echo(known)
        return
    typer.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the sample files and the run.")] = Path(
        "demo-output"
    ),
    rows: Annotated[int, typer.Option(min=1, help="Number of customer records.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same files.")] = 0,
    target: Annotated[str, typer.Option(help=_TARGET_HELP)] = "franpos",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Write seeded messy sample files, then `custclean run` on them into the same folder.

    The folder ends up with the sample files (customers.csv/.xlsx/.json, truth.csv,
    existing.csv) and a complete run (cleaned.csv … report.html, manifest.json); the cleaning
    is then scored against the truth.

    Example: [bold]custclean demo --out demo-output --rows 5000 --seed 7 --target wasp[/bold]
    """
    from custclean.demo import write_demo
    from custclean.runner import run

    started = time.perf_counter()
    paths = write_demo(out, n=rows, seed=seed)
    table = Table("file", "format", "encoding", "records", "columns", "mapped", "issues")
    for name, path in paths.items():
        if name in ("truth.csv", "existing.csv"):
            continue
        result, mapped = _read_and_map(path, None)
        n_mapped = mapped.mapping.filter(pl.col("field").is_not_null()).height
        n_issues = result.issues.height + mapped.issues.height
        table.add_row(
            path.name,
            result.format,
            result.encoding or "-",
            str(result.data.height),
            str(result.data.width - 1),
            str(n_mapped),
            str(n_issues),
        )
    _out.print(table)
    _out.print(
        f"Wrote {len(paths)} files to {out}/ in {time.perf_counter() - started:.1f}s "
        f"(truth.csv holds the clean value and entity of every record)."
    )

    truth = pl.read_csv(paths["truth.csv"], infer_schema=False).with_columns(
        pl.col("source_row").cast(pl.Int64)
    )
    known = sorted(set(truth["note_type"].drop_nulls().to_list()))
    with _steps(quiet) as progress:
        result = run(
            paths["customers.csv"],
            target=target,
            out=out,
            existing=paths["existing.csv"],
            note_types=known,
            progress=progress,
        )
    _out.print(f"\nRan custclean run on customers.csv for {target}:")
    _print_run(result)
    message = _not_exported_message(result.export)
    if message:
        _out.print(message.replace("custclean: ", "Note: "))
    _print_summary(result.cleaned)

    from custclean.evaluate import cleaning_accuracy
    from custclean.mapping import map_columns

    source = map_columns(pl.read_csv(paths["customers.csv"], infer_schema=False)).data
    scores = cleaning_accuracy(result.cleaned, truth, source)
    table = Table("field", "resolvable", "exactly right", "accuracy", "invented")
    for row in scores.iter_rows(named=True):
        if row["resolvable"]:
            table.add_row(
                row["field"],
                str(row["resolvable"]),
                str(row["correct"]),
                f"{row['accuracy']:.2%}",
                str(row["invented"]),
            )
    _out.print("Against the truth:")
    _out.print(table)


# --- entry point ------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; every error becomes one line on stderr and exit code 1.

    Usage errors (an unknown option, a missing argument) exit with 1 too, not click's 2,
    because 2 means "done, but some records could not be exported".

    Example:
        >>> app.info.name  # `custclean --help` lists the commands
        'custclean'
    """
    from typer._click import exceptions as click_exc

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=args, prog_name="custclean", standalone_mode=False)
    except click_exc.NoArgsIsHelpError as exc:
        _out.print(exc.ctx.get_help() if exc.ctx else "", markup=False, highlight=False)
        code = 0
    except click_exc.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "custclean"
        _err.print(
            f"custclean: {_one_line(exc.format_message())} (see `{command} --help`)",
            markup=False,
            soft_wrap=True,
        )
        code = 1
    except click_exc.ClickException as exc:
        _err.print(f"custclean: {_one_line(exc.format_message())}", markup=False, soft_wrap=True)
        code = 1
    except typer.Abort:
        _err.print("custclean: aborted", markup=False)
        code = 1
    except CustcleanError as exc:
        _err.print(f"custclean: {_one_line(str(exc))}", markup=False, soft_wrap=True)
        code = 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _err.print(f"custclean: {where}{exc.strerror or exc}", markup=False, soft_wrap=True)
        code = 1
    except KeyboardInterrupt:
        _err.print("custclean: interrupted", markup=False)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
