"""Property tests of custclean.io: any bytes read or fail cleanly; frames round-trip."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.errors import InputError
from custclean.io import read_with_issues

SETTINGS = settings(
    # CUSTCLEAN_HYPOTHESIS_EXAMPLES=5000 for a long hunt; the default keeps the suite fast
    max_examples=int(os.environ.get("CUSTCLEAN_HYPOTHESIS_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# bytes that make CSV structure likely: delimiters, quotes, line ends, non-ASCII, NUL, BOMs
PIECES = st.sampled_from(
    [
        b"a",
        b"bc",
        b"1",
        b" ",
        b",",
        b",",
        b";",
        b"\t",
        b"|",
        b'"',
        b'"',
        b'""',
        b"\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"\xc3\xa9",
        b"\xe9",
        b"\x81",
        b"\x80",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"E+09",
    ]
)
CSV_BYTES = st.one_of(
    st.lists(PIECES, max_size=40).map(b"".join),
    st.binary(max_size=60),
)


def csv_module_records(data: bytes, encoding: str, delimiter: str) -> int:
    """How many non-blank records Python's csv module finds once the file is decoded."""
    text = data.decode(encoding)
    if encoding != "utf-8-sig":  # the other codecs keep the byte-order mark: drop it once
        text = text.removeprefix("\ufeff")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return sum(1 for row in rows if row)


def write_temp(folder: str, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


@SETTINGS
@given(data=CSV_BYTES)
def test_any_bytes_read_or_raise_input_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = write_temp(folder, "any.csv", data)
        before = hashlib.sha256(data).hexdigest()
        try:
            result = read_with_issues(path)
        except InputError:
            return
        finally:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert codecs.lookup(result.encoding).name == result.encoding
        expected = csv_module_records(data, result.encoding, result.delimiter) - 1
        assert result.data.height == expected
        assert result.data.columns[0] == "source_row"
        assert result.data["source_row"].to_list() == list(range(1, expected + 1))
        assert all(dtype == pl.String for dtype in result.data.dtypes[1:])


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(",;|\t \"'\n\r x1é€—😀")),
        # NUL is excluded: a file holding NUL bytes is refused as binary, by design
        st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
    ),
    max_size=12,
)
CELL = st.one_of(st.none(), st.just(""), TEXT)


@st.composite
def text_frames(draw: st.DrawFn) -> pl.DataFrame:
    width = draw(st.integers(min_value=2, max_value=5))
    height = draw(st.integers(min_value=0, max_value=8))
    columns = {
        f"col{i}": draw(st.lists(CELL, min_size=height, max_size=height)) for i in range(width)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


@SETTINGS
@given(frame=text_frames())
def test_frames_round_trip_through_csv(frame):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "frame.csv"
        frame.write_csv(path)
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        result = read_with_issues(path, delimiter=",")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # empty cells come back as null: that is the contract
    expected = frame.with_columns(
        pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep()
    )
    assert result.data.columns == ["source_row", *frame.columns]
    assert result.data.drop("source_row").rows() == expected.rows()
    assert result.issues.filter(pl.col("code") != "lossy").height == 0


@SETTINGS
@given(frame=text_frames())
def test_frames_round_trip_in_memory(frame):
    result = read_with_issues(frame)
    expected = frame.with_columns(
        pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep()
    )
    assert result.data.drop("source_row").rows() == expected.rows()
