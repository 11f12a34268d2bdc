"""The ``custclean`` command.

Every subcommand turns bad input into one line on stderr and exit code 1, never a traceback.

Example:
    $ custclean demo --out demo-output          # write messy sample files, read and map them
    $ custclean inspect customers.xlsx --sheet 0   # how a file is read and mapped
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from custclean.errors import CustcleanError

if TYPE_CHECKING:
    from custclean.cleaning import CleanResult
    from custclean.io import ReadResult
    from custclean.mapping import MappedFrame

app = typer.Typer(
    name="custclean",
    help="Clean, de-duplicate and export messy customer lists for Franpos and Wasp.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)


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
    import warnings

    from custclean.cleaning import clean
    from custclean.io import read_with_issues
    from custclean.mapping import MappingWarning, map_columns

    result = read_with_issues(path, sheet=_sheet_arg(sheet))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        mapped = map_columns(result)
    cleaned = clean(mapped, region=region, note_types=note_types or None)
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


@app.command()
def inspect(
    source: Annotated[
        Path, typer.Argument(help="A CSV, TSV, TXT, XLSX, XLS, Parquet or JSON file.")
    ],
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet: a name or a 0-based index.")
    ] = None,
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


@app.command("clean")
def clean_command(
    source: Annotated[
        Path, typer.Argument(help="A CSV, TSV, TXT, XLSX, XLS, Parquet or JSON file.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for cleaned.csv and issues.csv.")] = Path(
        "cleaned"
    ),
    region: Annotated[
        str, typer.Option(help="Default country (ISO alpha-2) for phones and blank countries.")
    ] = "US",
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet: a name or a 0-based index.")
    ] = None,
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
def demo(
    out: Annotated[Path, typer.Option(help="Folder to write the sample files into.")] = Path(
        "demo-output"
    ),
    rows: Annotated[int, typer.Option(min=1, help="Number of customer records.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same files.")] = 0,
) -> None:
    """Write seeded messy sample customer files (with their truth), then read and map each.

    Example: [bold]custclean demo --out demo-output --rows 5000 --seed 7[/bold]
    """
    from custclean.demo import write_demo

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

    from custclean.evaluate import cleaning_accuracy

    truth = pl.read_csv(paths["truth.csv"], infer_schema=False).with_columns(
        pl.col("source_row").cast(pl.Int64)
    )
    known = sorted(set(truth["note_type"].drop_nulls().to_list()))
    started = time.perf_counter()
    cleaned = _clean_file(paths["customers.csv"], out, region="US", sheet=None, note_types=known)
    _out.print(
        f"\nCleaned customers.csv in {time.perf_counter() - started:.1f}s: "
        f"{out / 'cleaned.csv'} and {out / 'issues.csv'} ({cleaned.issues.height} issues)."
    )
    _print_summary(cleaned)
    from custclean.mapping import map_columns

    source = map_columns(pl.read_csv(paths["customers.csv"], infer_schema=False)).data
    scores = cleaning_accuracy(cleaned, truth, source)
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


def main() -> None:
    """Run the command line; turn custclean's own errors into one line on stderr.

    Example:
        >>> app.info.name  # `custclean --help` lists the commands
        'custclean'
    """
    try:
        app()
    except CustcleanError as exc:
        _err.print(f"custclean: {exc}", markup=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _err.print("custclean: interrupted", markup=False)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
