"""Tests of custclean.io: every format, encoding, delimiter, ragged records, errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from pathlib import Path

import polars as pl
import pytest

from custclean.errors import InputError
from custclean.io import ReadResult, ReadWarning, read, read_with_issues
from custclean.issues import ISSUE_SCHEMA


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def quiet(source, **kwargs) -> ReadResult:
    return read_with_issues(source, **kwargs)


def values(result: ReadResult) -> list[tuple]:
    return result.data.rows()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# shape of the result


def test_csv_basic_shape(tmp_path):
    path = write(tmp_path, "customers.csv", "Name,Zip,Note\nAnn, 02134 ,\nBob,,x\n")
    result = quiet(path)
    assert result.data.columns == ["source_row", "Name", "Zip", "Note"]
    assert result.data.schema["source_row"] == pl.Int64
    assert all(result.data.schema[c] == pl.String for c in ["Name", "Zip", "Note"])
    assert values(result) == [(1, "Ann", " 02134 ", None), (2, "Bob", None, "x")]
    assert result.source == "customers.csv"
    assert result.format == "csv"
    assert result.encoding == "utf-8"
    assert result.delimiter == ","
    assert result.sheet is None
    assert result.issues.schema == pl.Schema(ISSUE_SCHEMA)
    assert result.issues.height == 0


def test_quoted_empty_string_is_null_and_spaces_kept(tmp_path):
    path = write(tmp_path, "a.csv", 'a,b,c\n"",  ,"  x  "\n')
    assert values(quiet(path)) == [(1, None, "  ", "  x  ")]


def test_header_only_gives_empty_frame(tmp_path):
    path = write(tmp_path, "a.csv", "Name,Email\n")
    result = quiet(path)
    assert result.data.columns == ["source_row", "Name", "Email"]
    assert result.data.height == 0
    assert result.data.schema["Name"] == pl.String


def test_header_only_without_newline(tmp_path):
    assert quiet(write(tmp_path, "a.csv", "Name;Email")).data.columns == [
        "source_row",
        "Name",
        "Email",
    ]


def test_single_column_file(tmp_path):
    result = quiet(write(tmp_path, "emails.txt", "Email\na@b.com\nc@d.com"))
    assert result.delimiter == ","
    assert values(result) == [(1, "a@b.com"), (2, "c@d.com")]


def test_input_bytes_unchanged(tmp_path):
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbfa,b\r\n1,2\r\n3\r\n")
    before = sha256(path)
    quiet(path)
    read_with_issues(path, encoding="utf-8")
    assert sha256(path) == before


def test_path_as_str(tmp_path):
    path = write(tmp_path, "a.csv", "a\n1\n")
    assert values(quiet(str(path))) == [(1, "1")]


# ------------------------------------------------------------------------------------------
# encodings

TEXT = "Name,City,Price\nJosé Müller,Straße,€5\nZoë,Köln,3\n"
EXPECTED = [(1, "José Müller", "Straße", "€5"), (2, "Zoë", "Köln", "3")]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16-le"),  # Python writes a little-endian BOM
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_detected(tmp_path, data, encoding):
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.encoding == encoding
    assert values(result) == EXPECTED
    assert result.data.columns == ["source_row", "Name", "City", "Price"]


def test_latin1_when_not_cp1252(tmp_path):
    # 0x81 is undefined in Windows-1252, so only Latin-1 decodes it
    data = "Name\nJosé\n".encode("latin-1") + b"\x81x\n"
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.encoding == "iso8859-1"
    assert values(result) == [(1, "José"), (2, "\x81x")]


def test_invalid_utf8_late_in_big_file_falls_back_to_cp1252(tmp_path):
    data = b"a,b\n" + b"x,y\n" * 30_000 + "é,€\n".encode("cp1252")
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.encoding == "cp1252"
    assert result.data.height == 30_001
    assert result.data.row(-1) == (30_001, "é", "€")


def test_explicit_encoding(tmp_path):
    path = write(tmp_path, "a.csv", "a\nÿ\n".encode("latin-1"))
    result = quiet(path, encoding="latin-1")
    assert result.encoding == "iso8859-1"
    assert values(result) == [(1, "ÿ")]


def test_explicit_encoding_that_fails_names_the_line(tmp_path):
    path = write(tmp_path, "bad.csv", b"a,b\n1,2\n3,\xe9\n")
    with pytest.raises(InputError) as info:
        quiet(path, encoding="utf-8")
    message = str(info.value)
    assert "bad.csv" in message
    assert "line 3" in message
    assert "0xe9" in message
    assert "encoding=None" in message


def test_explicit_non_utf8_encoding_that_fails_names_the_line(tmp_path):
    path = write(tmp_path, "bad.csv", b"a\nb\nc\n\x81\n")
    with pytest.raises(InputError, match=r"bad\.csv, line 4: byte 0x81 cannot be decoded"):
        quiet(path, encoding="cp1252")


def test_unknown_encoding(tmp_path):
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        quiet(write(tmp_path, "a.csv", "a\n1\n"), encoding="klingon")


# ------------------------------------------------------------------------------------------
# delimiters


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiters_detected(tmp_path, delimiter):
    text = delimiter.join(["Name", "City", "Zip"]) + "\n"
    text += delimiter.join(["Ann", '"Paris, France"', "75001"]) + "\n"
    text += delimiter.join(["Bob", "Lyon", "69001"]) + "\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.delimiter == delimiter
    assert values(result) == [(1, "Ann", "Paris, France", "75001"), (2, "Bob", "Lyon", "69001")]


def test_semicolon_file_with_commas_in_every_value(tmp_path):
    text = "Name;Amount;Note\nAnn;12,50;a, b\nBob;3,10;c, d\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.delimiter == ";"
    assert values(result) == [(1, "Ann", "12,50", "a, b"), (2, "Bob", "3,10", "c, d")]


def test_tsv_defaults_to_tab(tmp_path):
    result = quiet(write(tmp_path, "a.tsv", "Name\tCity, State\nAnn\tX, Y\n"))
    assert result.delimiter == "\t"
    assert result.data.columns == ["source_row", "Name", "City, State"]


def test_explicit_delimiter(tmp_path):
    result = quiet(write(tmp_path, "a.txt", "a|b;c\n1|2;3\n"), delimiter=";")
    assert values(result) == [(1, "1|2", "3")]


def test_bad_delimiter(tmp_path):
    with pytest.raises(InputError, match="delimiter '\"' cannot be used"):
        quiet(write(tmp_path, "a.csv", "a\n"), delimiter='"')


# ------------------------------------------------------------------------------------------
# quoting, line endings


def test_embedded_newlines_and_doubled_quotes(tmp_path):
    text = 'Name,Note\nAnn,"line one\nline two"\nBob,"said ""hi"", left"\n'
    assert values(quiet(write(tmp_path, "a.csv", text))) == [
        (1, "Ann", "line one\nline two"),
        (2, "Bob", 'said "hi", left'),
    ]


def test_crlf(tmp_path):
    data = b'Name,Note\r\nAnn,"a\r\nb"\r\nBob,x\r\n'
    assert values(quiet(write(tmp_path, "a.csv", data))) == [
        (1, "Ann", "a\r\nb"),
        (2, "Bob", "x"),
    ]


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_last_line_with_or_without_newline(tmp_path, ending):
    text = "a,b\n1,2\n3,4" + ending
    assert values(quiet(write(tmp_path, "a.csv", text))) == [(1, "1", "2"), (2, "3", "4")]


def test_blank_lines_are_not_records(tmp_path):
    text = "\n\na,b\n1,2\n\n3,4\n\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert values(result) == [(1, "1", "2"), (2, "3", "4")]
    assert result.issues.height == 0


def test_record_of_empty_fields_is_kept(tmp_path):
    assert values(quiet(write(tmp_path, "a.csv", "a,b\n,\n1,2\n"))) == [
        (1, None, None),
        (2, "1", "2"),
    ]


def test_old_mac_line_endings(tmp_path):
    result = quiet(write(tmp_path, "a.csv", b"a,b\r1,2\r3,4\r"))
    assert values(result) == [(1, "1", "2"), (2, "3", "4")]


def test_stray_quote_inside_unquoted_field(tmp_path):
    # polars refuses this; Python's csv module reads the quote as a character
    text = 'Name,Height\nAnn,5"4\nBob,6"\n'
    assert values(quiet(write(tmp_path, "a.csv", text))) == [
        (1, "Ann", '5"4'),
        (2, "Bob", '6"'),
    ]


def test_unterminated_quote_at_end(tmp_path):
    result = quiet(write(tmp_path, "a.csv", 'a,b\n1,"open\n'))
    assert values(result) == [(1, "1", "open\n")]


# ------------------------------------------------------------------------------------------
# ragged records


def test_ragged_records_reported_with_lines_and_nothing_lost(tmp_path):
    text = (
        "Name,City,Zip\n"  # line 1
        'Ann,"Paris\nFrance",75001\n'  # lines 2-3
        "Bob,Lyon\n"  # line 4: too few
        "Cy,Nice,06000,extra1,extra2\n"  # line 5: too many
        "Di,,\n"  # line 6: trailing empties, not ragged
        "Ed,Metz,57000,x\n"  # line 7: one too many
    )
    result = quiet(write(tmp_path, "people.csv", text))
    assert result.data.columns == ["source_row", "Name", "City", "Zip", "_extra_1", "_extra_2"]
    assert values(result) == [
        (1, "Ann", "Paris\nFrance", "75001", None, None),
        (2, "Bob", "Lyon", None, None, None),
        (3, "Cy", "Nice", "06000", "extra1", "extra2"),
        (4, "Di", None, None, None, None),
        (5, "Ed", "Metz", "57000", "x", None),
    ]
    issues = result.issues
    assert issues["code"].to_list() == ["ragged", "ragged", "ragged"]
    assert issues["source_row"].to_list() == [2, 3, 5]
    assert issues["field"].to_list() == [None, None, None]
    assert issues["value"].to_list() == [
        "Bob,Lyon",
        "Cy,Nice,06000,extra1,extra2",
        "Ed,Metz,57000,x",
    ]
    assert issues["message"].to_list() == [
        "line 4: 2 fields, header has 3; the missing 1 left empty",
        "line 5: 5 fields, header has 3; extra values kept in _extra_1.._extra_2",
        "line 7: 4 fields, header has 3; extra value kept in _extra_1",
    ]


def test_ragged_only_short_records(tmp_path):
    text = "a,b,c,d\n1,2,3,4\n5\n6,7,8\n,,,\n9,10,11,\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.data.columns == ["source_row", "a", "b", "c", "d"]
    assert result.issues["source_row"].to_list() == [2, 3]
    assert result.issues["message"].to_list() == [
        "line 3: 1 field, header has 4; the missing 3 left empty",
        "line 4: 3 fields, header has 4; the missing 1 left empty",
    ]


def test_ragged_after_multiline_record_crlf(tmp_path):
    data = b'a;b\r\n"x\r\ny\r\nz";1\r\n2\r\n3;4;5\r\n'
    result = quiet(write(tmp_path, "a.csv", data))
    assert values(result) == [
        (1, "x\r\ny\r\nz", "1", None),
        (2, "2", None, None),
        (3, "3", "4", "5"),
    ]
    assert [m.split(":")[0] for m in result.issues["message"]] == ["line 5", "line 6"]


def test_ragged_value_is_truncated(tmp_path):
    text = "a\n" + ",".join(["x" * 50] * 10) + "\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert len(result.issues["value"][0]) == 200
    assert result.data.width == 1 + 10


def test_extra_column_names_do_not_collide(tmp_path):
    result = quiet(write(tmp_path, "a.csv", "_extra_1,b\n1,2,3\n"))
    assert result.data.columns == ["source_row", "_extra_1", "b", "_extra_1_2"]
    assert "kept in _extra_1_2" in result.issues["message"][0]


def test_ragged_in_a_large_file(tmp_path):
    rows = [f'{i},name {i},"a, b"' for i in range(50_000)]
    rows[10_000] = "short"
    rows[40_000] += ",more"
    text = "id,name,addr\n" + "\n".join(rows) + "\n"
    result = quiet(write(tmp_path, "big.csv", text))
    assert result.data.height == 50_000
    assert result.issues["source_row"].to_list() == [10_001, 40_001]
    assert result.issues["message"].to_list() == [
        "line 10002: 1 field, header has 3; the missing 2 left empty",
        "line 40002: 4 fields, header has 3; extra value kept in _extra_1",
    ]
    assert result.data.row(40_000)[-1] == "more"


# ------------------------------------------------------------------------------------------
# headers


def test_headers_cleaned_and_renamed(tmp_path):
    data = "\ufeff Name ,Name,,Email,source_row,Name_2,Name\n1,2,3,4,5,6,7\n"
    result = quiet(write(tmp_path, "a.csv", data.encode("utf-8")))
    assert result.data.columns == [
        "source_row",
        "Name",
        "Name_3",
        "column_3",
        "Email",
        "source_row_2",
        "Name_2",
        "Name_4",
    ]
    assert result.data.row(0) == (1, "1", "2", "3", "4", "5", "6", "7")
    issues = result.issues
    assert issues["code"].unique().to_list() == ["renamed"]
    assert issues["source_row"].null_count() == issues.height
    assert issues.select("field", "value", "result").rows() == [
        ("Name_3", "Name", "Name_3"),
        ("column_3", None, "column_3"),
        ("source_row_2", "source_row", "source_row_2"),
        ("Name_4", "Name", "Name_4"),
    ]
    assert "repeats column 1" in issues["message"][0]
    assert "no header" in issues["message"][1]
    assert "row number custclean adds" in issues["message"][2]


# ------------------------------------------------------------------------------------------
# lossy


def test_lossy_values_flagged(tmp_path):
    text = "Phone,Zip,Note\n3.12555E+09,2.1E+01,E+ is fine\n3125550123,1.5E+01,\n4.5e+9,,x\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.data["Phone"].to_list() == ["3.12555E+09", "3125550123", "4.5e+9"]
    issues = result.issues
    assert issues.select("source_row", "field", "code", "value").rows() == [
        (1, "Phone", "lossy", "3.12555E+09"),
        (3, "Phone", "lossy", "4.5e+9"),
    ]
    assert issues["message"][0] == (
        "looks like a number a spreadsheet shortened to scientific notation; the digits "
        "after '3.12555' are lost: re-export this column as text"
    )


# ------------------------------------------------------------------------------------------
# the warning from read()


def test_read_warns_once_with_a_summary(tmp_path):
    text = "a,a,b\n1,2,3\n4,5,6,7\n8,9,10\n11,12,13,14\n"
    path = write(tmp_path, "customers.csv", text)
    with pytest.warns(ReadWarning) as record:
        frame = read(path)
    assert len(record) == 1
    message = str(record[0].message)
    assert message == (
        "customers.csv: 2 records had more fields than the header (lines 3, 5); "
        "1 header renamed; see custclean.read_with_issues() for every detail"
    )
    assert frame.columns == ["source_row", "a", "a_2", "b", "_extra_1"]


def test_read_is_silent_without_issues(tmp_path):
    path = write(tmp_path, "a.csv", "a,b\n1,2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read(path).height == 1


# ------------------------------------------------------------------------------------------
# Excel


@pytest.fixture
def workbook(tmp_path) -> Path:
    import xlsxwriter

    path = tmp_path / "customers.xlsx"
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet("Customers")
    sheet.write_row(0, 0, ["Name", "Zip", "Phone", "Amount", "DOB", "Seen", "VIP", "", "Name"])
    sheet.write_row(1, 0, ["Ann", 2134, 3125550123, 12.25])
    sheet.write_datetime(1, 4, dt.datetime(1980, 5, 17), date)
    sheet.write_datetime(1, 5, dt.datetime(1980, 5, 17, 13, 30), stamp)
    sheet.write_boolean(1, 6, True)
    sheet.write_string(1, 8, "dup")
    # row 3 (Excel) left empty on purpose
    sheet.write_row(3, 0, ["Bob", 2134.0, "3.12555E+09", 0.5, "1980-05-17"])
    sheet.write_string(4, 0, "  ")
    other = book.add_worksheet("Other")
    other.write_row(0, 0, ["x"])
    other.write_row(1, 0, ["y"])
    book.add_worksheet("Blank")
    book.close()
    return path


def test_excel_values(workbook):
    result = quiet(workbook)
    assert result.format == "xlsx"
    assert result.sheet == "Customers"
    assert result.encoding is None and result.delimiter is None
    assert result.data.columns == [
        "source_row",
        "Name",
        "Zip",
        "Phone",
        "Amount",
        "DOB",
        "Seen",
        "VIP",
        "column_8",
        "Name_2",
    ]
    assert values(result) == [
        (
            1,
            "Ann",
            "2134",
            "3125550123",
            "12.25",
            "1980-05-17",
            "1980-05-17T13:30:00",
            "true",
            None,
            "dup",
        ),
        (3, "Bob", "2134", "3.12555E+09", "0.5", "1980-05-17", None, None, None, None),
        (4, "  ", None, None, None, None, None, None, None, None),
    ]
    assert result.issues.select("source_row", "field", "code").rows() == [
        (None, "column_8", "renamed"),
        (None, "Name_2", "renamed"),
        (3, "Phone", "lossy"),
    ]


def test_excel_sheet_by_name_and_index(workbook):
    assert values(quiet(workbook, sheet="Other")) == [(1, "y")]
    assert quiet(workbook, sheet=1).sheet == "Other"
    assert quiet(workbook, sheet=0).sheet == "Customers"
    assert quiet(workbook, sheet="other").sheet == "Other"


def test_excel_unknown_sheet(workbook):
    with pytest.raises(InputError) as info:
        quiet(workbook, sheet="Clients")
    message = str(info.value)
    assert "customers.xlsx" in message
    assert "no sheet named 'Clients'" in message
    assert "'Customers', 'Other', 'Blank'" in message
    with pytest.raises(InputError, match="no sheet at index 5"):
        quiet(workbook, sheet=5)


def test_excel_empty_sheet(workbook):
    with pytest.raises(InputError, match="sheet 'Blank' is empty"):
        quiet(workbook, sheet="Blank")


def test_excel_xlsm_extension(workbook, tmp_path):
    copy = tmp_path / "macro.XLSM"
    copy.write_bytes(workbook.read_bytes())
    assert quiet(copy).data.height == 3


def test_excel_header_only_and_trailing_empty_columns(tmp_path):
    import xlsxwriter

    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["a", "b"])
    sheet.write_blank(0, 4, None, book.add_format({"bold": True}))
    book.close()
    result = quiet(path)
    assert result.data.columns == ["source_row", "a", "b"]
    assert result.data.height == 0


def test_corrupt_xlsx(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 this is not a workbook")
    with pytest.raises(InputError) as info:
        quiet(path)
    assert "broken.xlsx" in str(info.value)
    assert "cannot be opened as a spreadsheet" in str(info.value)


def test_excel_file_unchanged(workbook):
    before = sha256(workbook)
    quiet(workbook)
    assert sha256(workbook) == before


# ------------------------------------------------------------------------------------------
# parquet, JSON


TYPED = pl.DataFrame(
    {
        "int": [1, None, -3],
        "float": [2134.0, 12.25, None],
        "date": [dt.date(1980, 5, 17), None, dt.date(2000, 1, 2)],
        "stamp": [dt.datetime(1980, 5, 17, 13, 30), None, dt.datetime(2000, 1, 2, 3, 4, 5, 6)],
        "bool": [True, False, None],
        "text": ["a", "", None],
        "list": [[1, 2], None, []],
        "struct": [{"a": 1, "b": "x"}, None, {"a": None, "b": "y"}],
        "nulls": pl.Series([None, None, None], dtype=pl.Null),
    }
)
TYPED_TEXT = [
    (
        1,
        "1",
        "2134",
        "1980-05-17",
        "1980-05-17T13:30:00",
        "true",
        "a",
        "[1,2]",
        '{"a":1,"b":"x"}',
        None,
    ),
    (2, None, "12.25", None, None, "false", None, None, None, None),
    (
        3,
        "-3",
        None,
        "2000-01-02",
        "2000-01-02T03:04:05.000006",
        None,
        None,
        "[]",
        '{"a":null,"b":"y"}',
        None,
    ),
]


def test_parquet(tmp_path):
    path = tmp_path / "c.parquet"
    TYPED.write_parquet(path)
    result = quiet(path)
    assert result.format == "parquet"
    assert result.data.columns == ["source_row", *TYPED.columns]
    assert values(result) == TYPED_TEXT


def test_polars_frame_and_lazyframe():
    before = TYPED.clone()
    result = quiet(TYPED)
    assert result.source == "<polars frame>"
    assert result.format == "frame"
    assert values(result) == TYPED_TEXT
    assert TYPED.equals(before)
    assert values(quiet(TYPED.lazy())) == TYPED_TEXT


def test_pandas_frame():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "int": [1, 2, 3],
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "float": [2134.0, 12.25, float("nan")],
            "date": pd.to_datetime(["1980-05-17", None, "2000-01-02"]),
            "bool": [True, False, True],
            "text": ["a", None, ""],
            "mixed": [1, "x", None],
        }
    )
    before = frame.copy()
    result = quiet(frame)
    assert result.source == "<pandas frame>"
    assert values(result) == [
        (1, "1", "1", "2134", "1980-05-17T00:00:00", "true", "a", "1"),
        (2, "2", None, "12.25", None, "false", None, "x"),
        (3, "3", "3", None, "2000-01-02T00:00:00", "true", None, None),
    ]
    pd.testing.assert_frame_equal(frame, before)


def test_pandas_duplicate_columns_and_named_index():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    frame.index = pd.Index(["x", "y"], name="code")
    result = quiet(frame)
    assert result.data.columns == ["source_row", "code", "a", "a_2"]
    assert values(result) == [(1, "x", "1", "2"), (2, "y", "3", "4")]


def test_json_array(tmp_path):
    records = [
        {"Name": "Ann", "Zip": 2134, "Score": 1.5, "VIP": True, "Tags": ["a", "b"]},
        {"Name": "Bob", "Phone": 3125550123.0, "Zip": None, "Meta": {"k": "é"}},
    ]
    path = write(tmp_path, "c.json", json.dumps(records))
    result = quiet(path)
    assert result.format == "json"
    assert result.data.columns == [
        "source_row",
        "Name",
        "Zip",
        "Score",
        "VIP",
        "Tags",
        "Phone",
        "Meta",
    ]
    assert values(result) == [
        (1, "Ann", "2134", "1.5", "true", '["a","b"]', None, None),
        (2, "Bob", None, None, None, None, "3125550123", '{"k":"é"}'),
    ]


def test_json_object_holding_one_array(tmp_path):
    path = write(tmp_path, "c.json", '{"count": 1, "customers": [{"a": "x"}]}')
    assert values(quiet(path)) == [(1, "x")]


def test_ndjson(tmp_path):
    path = write(tmp_path, "c.jsonl", '{"a": 1}\n\n{"b": "x", "a": 2.0}\r\n')
    result = quiet(path)
    assert result.format == "ndjson"
    assert values(result) == [(1, "1", None), (2, "2", "x")]


def test_invalid_json_names_the_line(tmp_path):
    path = write(tmp_path, "c.json", '[\n{"a": 1},\n{"a": 2,}\n]')
    with pytest.raises(InputError, match=r"c\.json, line 3: invalid JSON"):
        quiet(path)


def test_invalid_ndjson_names_the_line(tmp_path):
    path = write(tmp_path, "c.ndjson", '{"a": 1}\n{"a": \n')
    with pytest.raises(InputError, match=r"c\.ndjson, line 2: invalid JSON"):
        quiet(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"just text"', "the JSON holds a string"),
        ("42", "the JSON holds a number"),
        ('{"a": [1], "b": [2]}', "the JSON object holds 2 arrays"),
        ('{"a": 1}', "the JSON object holds 0 arrays"),
        ('[{"a": 1}, 2]', "item 2 of the array is a number, not an object"),
    ],
)
def test_json_wrong_shape(tmp_path, text, problem):
    with pytest.raises(InputError) as info:
        quiet(write(tmp_path, "c.json", text))
    assert problem in str(info.value)
    assert "c.json" in str(info.value)
    assert "array of objects" in str(info.value)


def test_ndjson_line_not_an_object(tmp_path):
    with pytest.raises(InputError, match=r"c\.ndjson, line 2: the line holds an array"):
        quiet(write(tmp_path, "c.ndjson", '{"a": 1}\n[1]\n'))


# ------------------------------------------------------------------------------------------
# errors


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        quiet(tmp_path / "nope.csv")
    assert str(info.value) == f"{tmp_path / 'nope.csv'}: no such file. Check the path."


def test_directory(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(InputError, match=r"folder\.csv: this is a directory"):
        quiet(folder)


def test_unsupported_extension(tmp_path):
    with pytest.raises(InputError) as info:
        quiet(write(tmp_path, "customers.docx", "x"))
    message = str(info.value)
    assert "customers.docx" in message
    assert "'.docx'" in message
    assert ".csv" in message and ".xlsx" in message and ".ndjson" in message


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_empty_file(tmp_path, data):
    with pytest.raises(InputError) as info:
        quiet(write(tmp_path, "empty.csv", data))
    assert "empty.csv" in str(info.value)
    assert "empty" in str(info.value)


@pytest.mark.parametrize("name", ["empty.json", "empty.xlsx", "empty.parquet"])
def test_empty_other_formats(tmp_path, name):
    with pytest.raises(InputError, match="the file is empty"):
        quiet(write(tmp_path, name, b""))


def test_binary_file(tmp_path):
    path = write(tmp_path, "data.csv", b"PK\x03\x04\x00\x00binary\x00stuff")
    with pytest.raises(InputError) as info:
        quiet(path)
    assert "data.csv" in str(info.value)
    assert "looks binary" in str(info.value)


def test_utf16_without_bom_is_binary(tmp_path):
    with pytest.raises(InputError, match="looks binary"):
        quiet(write(tmp_path, "a.csv", "a,b\n1,2\n".encode("utf-16-le")))


def test_corrupt_parquet(tmp_path):
    with pytest.raises(InputError, match=r"bad\.parquet: cannot be read as parquet"):
        quiet(write(tmp_path, "bad.parquet", b"not parquet at all"))


def test_unsupported_source_type():
    with pytest.raises(InputError, match=r"cannot read a builtins\.int") as info:
        quiet(42)
    assert "pandas DataFrame" in str(info.value)


def test_options_that_do_not_apply(tmp_path, workbook):
    with pytest.raises(InputError, match="sheet= applies to spreadsheets only"):
        quiet(write(tmp_path, "a.csv", "a\n1\n"), sheet=0)
    with pytest.raises(InputError, match="delimiter= applies to CSV files only"):
        quiet(workbook, delimiter=",")
    with pytest.raises(InputError, match="encoding= does not apply"):
        quiet(TYPED, encoding="utf-8")


# ------------------------------------------------------------------------------------------
# corners of the CSV reader


def test_empty_last_column_is_not_ragged(tmp_path):
    rows = []
    for i in range(3_000):
        note = ["", '"two\nlines"', '"a, b"', '""'][i % 4]
        rows.append(f'{i},"x, y",{note}')
    text = "id,addr,note\n" + "\n".join(rows) + "\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.issues.height == 0
    assert result.data.height == 3_000
    assert result.data["note"].to_list()[:4] == [None, "two\nlines", "a, b", None]


def test_polars_error_mentioning_utf8_keeps_utf8(tmp_path):
    # polars refuses the quoting and quotes the field, 'utf8' included, in its message
    data = 'Name,Note\nJosé,"utf8"x\n'.encode()
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.encoding == "utf-8"
    assert values(result) == [(1, "José", "utf8x")]


def test_lossy_in_utf16_file(tmp_path):
    data = "Phone\n3.12555E+09\n".encode("utf-16")
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.issues["code"].to_list() == ["lossy"]


def test_ragged_in_cp1252_file(tmp_path):
    data = "Name,City\nJosé,Köln\nZoë\n".encode("cp1252")
    result = quiet(write(tmp_path, "a.csv", data))
    assert result.encoding == "cp1252"
    assert result.issues["value"].to_list() == ["Zoë"]
    assert result.issues["message"][0].startswith("line 3: 1 field")


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"x\ny",1\n2\n3,4,5\n',
        'a,b\r\n"x",""\r\n,\r\n\r\n"",""""\r\n',
        'a,b\n1,2\n"3\n',
        "a\n1\n\n2\n",
        'a,b\nx,5"\n',
    ],
)
def test_without_numpy_same_result(tmp_path, monkeypatch, text):
    import custclean.io as cio

    path = write(tmp_path, "a.csv", text)
    expected = quiet(path)
    monkeypatch.setattr(cio, "_numpy", lambda: None)
    got = quiet(path)
    assert got.data.equals(expected.data)
    assert got.issues.equals(expected.issues)


def test_json_empty_array(tmp_path):
    result = quiet(write(tmp_path, "c.json", "[]"))
    assert result.data.columns == ["source_row"]
    assert result.data.height == 0


def test_sheet_of_wrong_type(workbook):
    with pytest.raises(InputError, match="sheet= must be a name or a 0-based index"):
        quiet(workbook, sheet=1.5)


def test_lazyframe_that_fails():
    lazy = pl.LazyFrame({"a": ["x"]}).select(pl.col("a").cast(pl.Int64, strict=True))
    with pytest.raises(InputError, match="the LazyFrame could not be collected"):
        quiet(lazy)


def test_headers_that_look_like_wildcards_or_regexes(tmp_path):
    text = "*,^Na.*$,(x),\\d+\n3.12555E+09,b,c,d\n"
    result = quiet(write(tmp_path, "a.csv", text))
    assert result.data.columns == ["source_row", "*", "^Na.*$", "(x)", "\\d+"]
    assert result.data.row(0) == (1, "3.12555E+09", "b", "c", "d")
    assert result.issues.select("field", "code").rows() == [("*", "lossy")]
    frame = pl.DataFrame({"*": [1.0], "^a$": [True]})
    assert values(quiet(frame)) == [(1, "1", "true")]


def test_big_files_checked_beyond_the_first_bytes(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        quiet(write(tmp_path, "blank.csv", b" \n" * 50_000))
    result = quiet(write(tmp_path, "late.csv", b"\n" * 100_000 + b"a,b\n1,2\n"))
    assert values(result) == [(1, "1", "2")]
    with pytest.raises(InputError, match="looks binary"):
        quiet(write(tmp_path, "nul.csv", b"a,b\n" + b"1,2\n" * 30_000 + b"3,\x00\n"))
