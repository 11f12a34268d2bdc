import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.errors import MappingError
from custclean.fields import CANONICAL_FIELDS
from custclean.mapping import MappingWarning, _aliases, header_key, map_columns


def frame(**cols):
    n = len(next(iter(cols.values())))
    return pl.DataFrame({"source_row": list(range(1, n + 1)), **cols}).with_columns(
        pl.col("source_row").cast(pl.Int64)
    )


def quiet_map(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        return map_columns(df, **kw)


def field_of(mapped, column):
    row = mapped.mapping.filter(pl.col("source_column") == column)
    assert row.height == 1, column
    return row["field"][0], row["method"][0]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("E-mail Address", "emailaddress"),
        ("EMAIL_ADDRESS", "emailaddress"),
        ("Cust #", "custnumber"),
        ("Cust. No.", "custnumber"),
        ("Kunden-Nr", "kundennumber"),
        ("CustomerContactCellNumber", "customercontactcellnumber"),
        ("Código Postal", "codigopostal"),
        ("  Straße ", "strasse"),
        ("Zip/Postal Code", "zippostalcode"),
    ],
)
def test_header_key(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail Address", "email"),
        ("Mobile #", "cell_phone"),
        ("Cell", "cell_phone"),
        ("Surname", "last_name"),
        ("Zip/Postal Code", "zip"),
        ("Province/State", "state"),
        ("DOB", "dob"),
        ("D.O.B.", "dob"),
        ("Birthday", "dob"),
        ("Sex", "gender"),
        ("Cust #", "customer_code"),
        ("Nachname", "last_name"),
        ("Vorname", "first_name"),
        ("Handy", "cell_phone"),
        ("PLZ", "zip"),
        ("Geburtsdatum", "dob"),
        ("Apellido", "last_name"),
        ("Apellidos", "last_name"),
        ("Fecha de nacimiento", "dob"),
        ("Código postal", "zip"),
        ("CODIGO POSTAL", "zip"),
        ("Courriel", "email"),
        ("Prénom", "first_name"),
        ("Geslacht", "gender"),
        ("Città", "city"),
        # Franpos CustomerInfo names
        ("CustomerCode", "customer_code"),
        ("CellPhone", "cell_phone"),
        ("WorkPhone", "work_phone"),
        ("Dob", "dob"),
        ("Zip", "zip"),
        ("NoteType", "note_type"),
        ("LocationId", "location_id"),
        ("Address2", "address2"),
        # Wasp CustomerModelInfo / address names
        ("CustomerNumber", "customer_code"),
        ("CustomerEmail", "email"),
        ("CustomerContactCellNumber", "cell_phone"),
        ("CustomerBusinessPhoneNumber", "work_phone"),
        ("AddressPostalCode", "zip"),
        ("AddressStateProvince", "state"),
        ("AddressLine1", "address1"),
        ("CustomerNote", "notes"),
    ],
)
def test_alias_headers(header, field):
    mapped = map_columns(frame(**{header: ["x"]}))
    assert field_of(mapped, header) == (field, "alias")
    assert mapped.data[field].to_list() == ["x"]


def test_reference_aliases_have_one_meaning_each():
    aliases = _aliases()
    assert len(aliases) > 250
    assert {f for f, _ in aliases.values()} >= set(CANONICAL_FIELDS)


def test_fuzzy_alias_is_mapped_and_flagged():
    mapped = map_columns(frame(**{"Frist Name": ["Ann"], "Emial": ["a@b.com"]}))
    assert field_of(mapped, "Frist Name") == ("first_name", "fuzzy alias")
    assert field_of(mapped, "Emial") == ("email", "fuzzy alias")
    fuzzy = mapped.issues.filter(pl.col("code") == "fuzzy")
    assert sorted(fuzzy["field"].to_list()) == ["Emial", "Frist Name"]


def test_fuzzy_alias_respects_digits():
    # "Address 3" is close to "Address 2" but is another column: never mapped by a near miss.
    mapped = map_columns(frame(**{"Address 3": ["Apt 4"], "Phone 3": ["555"]}))
    assert mapped.mapping["field"].to_list() == [None, None]
    assert mapped.unmapped == ["Address 3", "Phone 3"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (["ann@example.com", "BOB@Example.ORG ", "mailto:c@d.net", "Carl <c@x.de>"], "email"),
        (["(312) 555-0123", "+44 20 7946 0958", "3125550123.0", "030 1234567 x12"], "cell_phone"),
        (["1980-05-17", "05/17/1980", "17.05.1980", "17 de mayo de 1980", "May 17, 1980"], "dob"),
        (["USA", "Deutschland", "méxico", "United Kingdom", "CAN"], "country"),
        (["02134", "K1A 0B1", "SW1A 1AA", "2000", "60601-1234"], "zip"),
        (["M", "F", "Weiblich", "Männlich", "Mujer"], "gender"),
        (["California", "Bayern", "Ontario", "NY", "Nuevo León"], "state"),
    ],
)
@pytest.mark.parametrize("header", ["Column 7", "Field3", "column_4", "__UNNAMED__5"])
def test_content_detection_for_headers_that_say_nothing(values, field, header):
    mapped = map_columns(frame(**{header: values}))
    assert field_of(mapped, header) == (field, "content")
    assert mapped.data[field].to_list() == values


def test_content_detection_leaves_free_text_and_codes_alone():
    mapped = map_columns(
        frame(
            **{
                "Column 1": ["likes blue", "called twice", "VIP since 2019", "n/a", "ok"],
                "Column 2": ["CA", "DE", "IN", "GA", "AL"],  # countries and US states alike
            }
        )
    )
    assert mapped.mapping["field"].to_list() == [None, None]
    assert "both countries and states" in mapped.mapping["detail"][1]


def test_meaningful_unknown_header_is_not_guessed_from_content():
    mapped = map_columns(frame(**{"Secondary contact": ["a@b.com", "c@d.org"]}))
    assert mapped.unmapped == ["Secondary contact"]
    assert "look like e-mail addresses" in mapped.mapping["detail"][0]
    issue = mapped.issues.filter(pl.col("code") == "unmapped")
    assert issue["field"].to_list() == ["Secondary contact"]


def test_full_name_is_split_both_ways():
    names = [
        "Smith, John",
        "John Smith",
        "Mary Ann Smith",
        "Juan de la Cruz",
        "Ludwig van Beethoven",
        "John Smith Jr.",
        "  Ann   Lee ",
        "O'Brien, Seán",
        None,
    ]
    mapped = map_columns(frame(**{"Full Name": names}))
    got = mapped.data.select("first_name", "last_name").rows()
    assert got == [
        ("John", "Smith"),
        ("John", "Smith"),
        ("Mary Ann", "Smith"),
        ("Juan", "de la Cruz"),
        ("Ludwig", "van Beethoven"),
        ("John", "Smith Jr."),
        ("Ann", "Lee"),
        ("Seán", "O'Brien"),
        (None, None),
    ]
    # The source column rides along untouched, so the split can always be checked.
    assert mapped.data["Full Name"].to_list() == names
    assert mapped.present == ("first_name", "last_name")
    assert "split into first_name and last_name" in mapped.mapping["detail"][0]


def test_one_word_name_goes_to_first_name_and_is_flagged():
    mapped = map_columns(frame(Name=["Cher", "Prince Rogers Nelson"]))
    assert mapped.data.select("first_name", "last_name").rows() == [
        ("Cher", None),
        ("Prince Rogers", "Nelson"),
    ]
    issue = mapped.issues.filter(pl.col("code") == "ambiguous")
    assert issue.select("source_row", "field", "value").rows() == [(1, "first_name", "Cher")]


def test_full_name_not_split_when_first_and_last_exist():
    mapped = map_columns(frame(Name=["J. Smith"], **{"First Name": ["John"], "Surname": ["Smith"]}))
    assert mapped.data.select("first_name", "last_name").rows() == [("John", "Smith")]
    assert "not split" in mapped.mapping.filter(pl.col("source_column") == "Name")["detail"][0]


def test_two_columns_claiming_one_field_are_ambiguous_and_overrides_settle_it():
    df = frame(Email=["a@b.com"], **{"E-mail": ["c@d.com"], "Surname": ["Lee"]})
    with pytest.warns(MappingWarning, match="ambiguous columns: email"):
        mapped = map_columns(df)
    assert mapped.ambiguous == {"email": ["Email", "E-mail"]}
    assert mapped.data["email"].to_list() == [None]
    assert mapped.unmapped == ["Email", "E-mail"]
    # Nothing lost: both ride along, under their own (non-clashing) names.
    assert mapped.data["Email"].to_list() == ["a@b.com"]
    assert mapped.data["E-mail"].to_list() == ["c@d.com"]
    codes = mapped.issues.filter(pl.col("code") == "ambiguous")
    assert codes["field"].to_list() == ["Email", "E-mail"]
    assert "overrides" in codes["message"][0]

    settled = map_columns(df, overrides={"E-mail": "email", "Email": None})
    assert settled.ambiguous == {}
    assert settled.data["email"].to_list() == ["c@d.com"]
    assert field_of(settled, "E-mail") == ("email", "override")


def test_weaker_claim_loses_and_is_reported():
    df = frame(Email=["a@b.com", "x@y.com"], **{"Column 3": ["c@d.com", "e@f.org"]})
    mapped = map_columns(df)
    assert field_of(mapped, "Email") == ("email", "alias")
    assert field_of(mapped, "Column 3") == (None, "ambiguous")
    row = mapped.issues.filter(pl.col("field") == "Column 3")
    assert row["code"].to_list() == ["ambiguous"]
    assert "stronger evidence" in row["message"][0]


def test_unmapped_column_with_a_canonical_name_keeps_its_values_under_another_name():
    df = frame(email=["a@b.com"], **{"E-Mail": ["c@d.com"]})
    mapped = quiet_map(df)
    assert mapped.data["email"].to_list() == [None]
    assert mapped.data["email_source"].to_list() == ["a@b.com"]
    assert mapped.issues.filter(pl.col("code") == "renamed")["result"].to_list() == ["email_source"]


def test_generic_phone_fills_cell_then_work():
    only = map_columns(frame(Phone=["312 555 0123"]))
    assert field_of(only, "Phone") == ("cell_phone", "alias")
    with_cell = map_columns(frame(Phone=["1"], Mobile=["2"]))
    assert field_of(with_cell, "Phone") == ("work_phone", "alias")
    assert with_cell.data.select("cell_phone", "work_phone").rows() == [("2", "1")]
    three = quiet_map(frame(Phone=["1"], Mobile=["2"], **{"Home Phone": ["3"], "Work #": ["4"]}))
    assert field_of(three, "Phone") == (None, "ambiguous")
    assert field_of(three, "Home Phone") == (None, "ambiguous")
    assert three.data.select("cell_phone", "work_phone").rows() == [("2", "4")]


def test_override_errors_name_the_column_and_suggest():
    df = frame(Email=["a@b.com"], Mobile=["1"])
    with pytest.raises(MappingError, match=r"(?i)column 'Emial'.*did you mean 'Email'\?$"):
        map_columns(df, overrides={"Emial": "email"})
    with pytest.raises(
        MappingError,
        match=r"(?i)column 'Mobile'.*unknown field 'cellphone'.*"
        r"did you mean 'cell_phone'",
    ):
        map_columns(df, overrides={"Mobile": "cellphone"})


def test_override_can_leave_a_column_unmapped():
    mapped = map_columns(frame(Email=["a@b.com"]), overrides={"Email": None})
    assert mapped.unmapped == ["Email"]
    assert mapped.data["email"].to_list() == [None]


def test_values_are_not_touched_and_input_not_modified():
    df = frame(**{"Mobile #": [" 312.555.0123 ", None], "DOB": ["5/17/80", "00/00/0000"]})
    before = df.clone()
    mapped = map_columns(df)
    assert df.equals(before)
    assert mapped.data["cell_phone"].to_list() == [" 312.555.0123 ", None]
    assert mapped.data["dob"].to_list() == ["5/17/80", "00/00/0000"]
    assert mapped.data["source_row"].to_list() == [1, 2]
    assert mapped.data.columns[: len(CANONICAL_FIELDS) + 1] == ["source_row", *CANONICAL_FIELDS]


def test_reference_dir_extension(tmp_path, monkeypatch):
    from custclean import mapping, reference

    (tmp_path / "headers.csv").write_text("alias,field,language\nKundenhandy,cell_phone,de\n")
    monkeypatch.setenv("CUSTCLEAN_REFERENCE_DIR", str(tmp_path))
    reference._load.cache_clear()
    mapping._aliases.cache_clear()
    try:
        mapped = map_columns(frame(Kundenhandy=["1"]))
        assert field_of(mapped, "Kundenhandy") == ("cell_phone", "alias")
    finally:
        monkeypatch.delenv("CUSTCLEAN_REFERENCE_DIR")
        reference._load.cache_clear()
        mapping._aliases.cache_clear()


header_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(header_text, min_size=1, max_size=8, unique=True),
    data=st.data(),
)
def test_no_column_is_lost(headers, data):
    headers = [h for h in headers if h != "source_row"] or ["x"]
    n = data.draw(st.integers(min_value=0, max_value=5))
    cols = {
        h: data.draw(st.lists(st.one_of(st.none(), st.text(max_size=15)), min_size=n, max_size=n))
        for h in headers
    }
    df = pl.DataFrame(
        {"source_row": list(range(1, n + 1)), **cols},
        schema={"source_row": pl.Int64, **{h: pl.String for h in headers}},
    )
    mapped = quiet_map(df)
    assert mapped.data.height == n
    assert mapped.data["source_row"].to_list() == list(range(1, n + 1))
    for row in mapped.mapping.iter_rows(named=True):
        src = row["source_column"]
        values = df[src].to_list()
        if row["field"] in CANONICAL_FIELDS:
            assert mapped.data[row["field"]].to_list() == values
        else:
            kept = [c for c in mapped.data.columns if c == src or c.startswith(f"{src}_source")]
            assert kept, src
            assert mapped.data[kept[-1]].to_list() == values
