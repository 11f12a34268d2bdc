"""The demo files read back with every record and column, in every format."""

import warnings

import polars as pl
import pytest

import custclean as cc
from custclean import demo

N = 400


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    return demo.write_demo(folder, n=N, seed=5), demo.generate(N, seed=5).messy


@pytest.mark.parametrize(
    ("name", "fmt", "encoding"),
    [
        ("customers.csv", "csv", "utf-8"),
        ("customers_cp1252.csv", "csv", "cp1252"),
        ("customers.xlsx", "xlsx", None),
        ("customers.json", "json", None),
    ],
)
def test_every_row_and_column_comes_back(files, name, fmt, encoding):
    paths, messy = files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cc.read_with_issues(paths[name])
    assert result.format == fmt
    if encoding:
        assert result.encoding == encoding
    assert result.data.height == N
    assert result.data.columns == ["source_row", *messy.columns]
    assert result.data["source_row"].to_list() == list(range(1, N + 1))
    assert not result.issues.filter(pl.col("code") == "ragged").height
    mapped = cc.map_columns(result)
    assert mapped.unmapped == [] and mapped.ambiguous == {}
    if fmt in ("csv", "json") and encoding != "cp1252":
        # Text formats give back exactly what was written (notes with quotes and newlines too).
        assert result.data.drop("source_row").equals(messy)
    if name == "customers.xlsx":
        # Excel stored all-digit ZIPs and phones as numbers: they come back as the digits.
        both = pl.DataFrame(
            {"typed": messy["Zip/Postal Code"], "read": result.data["Zip/Postal Code"]}
        ).filter(pl.col("typed").str.contains(r"^\d+$"))
        assert both.height > 0
        assert both["read"].to_list() == [str(int(v)) for v in both["typed"]]
