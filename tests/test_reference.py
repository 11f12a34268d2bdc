"""Analysts extend the reference tables with their own CSVs, and reload() makes them take effect."""

import polars as pl
import pytest

from custclean import reference
from custclean.normalize.gender import normalize_gender


@pytest.fixture
def own_tables(tmp_path, monkeypatch):
    (tmp_path / "genders.csv").write_text(
        "value,gender,language\nKerel,male,en\n", encoding="utf-8"
    )
    monkeypatch.setenv("CUSTCLEAN_REFERENCE_DIR", str(tmp_path))
    reference.reload()
    yield tmp_path
    monkeypatch.delenv("CUSTCLEAN_REFERENCE_DIR", raising=False)
    reference.reload()


def test_shipped_table_does_not_know_the_spelling():
    reference.reload()
    out = normalize_gender(pl.Series(["Kerel"]))
    assert out.value.to_list() == [None]
    assert out.code.to_list() == ["invalid"]


def test_own_rows_take_effect_after_reload(own_tables):
    out = normalize_gender(pl.Series(["kerel", "F"]))
    assert out.value.to_list() == ["male", "female"]
    assert reference.reference_dirs()[0] == own_tables


def test_own_rows_come_first(own_tables):
    table = reference.load_table("genders")
    assert table.row(0, named=True)["value"] == "Kerel"
    assert table.height > 10


def test_reload_forgets_the_own_rows_when_the_folder_is_unset(own_tables, monkeypatch):
    monkeypatch.delenv("CUSTCLEAN_REFERENCE_DIR", raising=False)
    reference.reload()
    assert normalize_gender(pl.Series(["Kerel"])).value.to_list() == [None]
