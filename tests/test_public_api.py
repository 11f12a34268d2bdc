import importlib

import custclean


def test_all_names_resolve_and_match_the_export_table():
    expected = {*custclean._EXPORTS, *custclean._SUBMODULES, "__version__"}
    assert set(custclean.__all__) == expected
    for name in custclean.__all__:
        assert getattr(custclean, name) is not None, name


def test_unknown_attribute_is_an_attribute_error():
    try:
        custclean.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_py_typed_is_shipped():
    spec = importlib.util.find_spec("custclean")
    from pathlib import Path

    assert (Path(spec.origin).parent / "py.typed").is_file()


def test_read_and_mapping_results_show_an_escaped_html_summary():
    import polars as pl

    raw = custclean.read(
        pl.DataFrame({"First Name": ["<script>alert(1)</script>"], "Loyalty": ["gold"]})
    )
    html = custclean.map_columns(raw)._repr_html_()
    assert "MappedFrame" in html and "Loyalty" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    read_html = custclean.read_with_issues(raw.drop("source_row"))._repr_html_()
    assert "ReadResult" in read_html and "<script>" not in read_html


def test_clean_result_shows_an_escaped_html_summary():
    import polars as pl

    result = custclean.clean(pl.DataFrame({"First Name": ["<b>x</b>"], "Sex": ["W"]}))
    html = result._repr_html_()
    assert "CleanResult" in html and "per field" in html
    assert "<b>x</b>" not in html
