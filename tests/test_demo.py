"""Tests of custclean.demo: the seeded messy customer lists and their truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path

import phonenumbers
import polars as pl
import pycountry
import pytest

from custclean import demo
from custclean.fields import field_names

TRUTH_FIELDS = [
    "customer_code", "first_name", "last_name", "company", "email", "cell_phone",
    "cell_phone_ext", "work_phone", "work_phone_ext", "dob", "gender", "address1", "address2",
    "city", "state", "zip", "country", "note_type", "notes", "location_id",
]  # fmt: skip

ZIP_PATTERNS = {
    "US": r"^\d{5}(-\d{4})?$",
    "CA": r"^[A-Z]\d[A-Z] \d[A-Z]\d$",
    "GB": r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$",
    "AU": r"^\d{4}$",
    "DE": r"^\d{5}$",
    "MX": r"^\d{5}$",
}

# the first three digits of the ZIP codes of each state used (USPS ranges)
US_ZIP3 = {
    "MA": [(10, 27)], "NJ": [(70, 89)], "CT": [(60, 69)], "ME": [(39, 49)], "NH": [(30, 38)],
    "VT": [(50, 59)], "RI": [(28, 29)], "NY": [(100, 149)], "IL": [(600, 629)],
    "CA": [(900, 961)], "TX": [(750, 799), (885, 885)], "FL": [(320, 349)],
    "WA": [(980, 994)], "PA": [(150, 196)], "GA": [(300, 319), (398, 399)],
    "CO": [(800, 816)], "AZ": [(850, 865)], "OR": [(970, 979)], "DE": [(197, 199)],
    "DC": [(200, 205)], "NC": [(270, 289)], "MN": [(550, 567)], "OH": [(430, 459)],
    "MI": [(480, 499)], "TN": [(370, 385)], "LA": [(700, 714)],
}  # fmt: skip

# the mess kinds the specification asks for by name
SPEC_MESSES = [
    "country_alpha3", "country_name", "country_native", "country_alias", "country_case",
    "country_punct", "country_blank", "state_name", "state_local_name", "state_old_abbrev",
    "state_case", "phone_national", "phone_dots", "phone_intl", "phone_intl_00",
    "phone_intl_011", "phone_ext", "phone_float", "phone_sci", "phone_sci_lossy", "phone_local7",
    "dob_us", "dob_day_first", "dob_dotted", "dob_text_en", "dob_text_es", "dob_text_de",
    "dob_timestamp", "dob_excel_serial", "dob_two_digit_year", "dob_impossible", "dob_zero",
    "dob_placeholder", "dob_future", "email_upper", "email_spaces", "email_mailto",
    "email_display_name", "email_domain_typo", "email_placeholder", "gender_code",
    "gender_word", "gender_foreign", "gender_dotted", "gender_unknown", "zip_lost_zero",
    "zip_plus4", "zip_no_space", "zip_lower_case", "zip_truncated", "name_upper", "name_lower",
    "name_honorific", "name_suffix", "name_placeholder", "dup_nickname", "dup_name_typo",
    "dup_name_swap", "dup_moved",
]  # fmt: skip


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(2000, seed=0)


@pytest.fixture(scope="module")
def joined(data: demo.DemoData) -> pl.DataFrame:
    """Truth and canonical messy values side by side, one row per record."""
    messy = data.messy.rename({v: f"m_{k}" for k, v in demo.MESSY_HEADERS.items()})
    return pl.concat([data.truth, messy], how="horizontal")


def rows_with(
    data: demo.DemoData, joined: pl.DataFrame, mess: str, field: str | None = None
) -> pl.DataFrame:
    chosen = data.messes.filter(pl.col("mess") == mess)
    if field is not None:
        chosen = chosen.filter(pl.col("field") == field)
    rows = chosen["source_row"].unique()
    return joined.filter(pl.col("source_row").is_in(rows.implode()))


# --------------------------------------------------------------------------------------
# shape and determinism
# --------------------------------------------------------------------------------------


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    a = demo.generate(150, seed=5)
    b = demo.generate(150, seed=5)
    c = demo.generate(150, seed=6)
    for name in ("messy", "truth", "messes", "existing"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.messy.equals(c.messy)
    assert not a.truth.equals(c.truth)


def test_shapes_and_types(data: demo.DemoData) -> None:
    assert data.messy.height == data.truth.height == 2000
    assert data.truth["source_row"].to_list() == list(range(1, 2001))
    assert "source_row" not in data.messy.columns
    assert data.messy.columns == list(demo.MESSY_HEADERS.values())
    assert all(dtype == pl.String for dtype in data.messy.dtypes)
    assert data.truth.columns == ["source_row", "entity_id", "household_id", *TRUTH_FIELDS]
    assert data.truth.schema["source_row"] == pl.Int64
    assert data.truth.schema["entity_id"] == pl.Int64
    assert data.truth.schema["household_id"] == pl.Int64
    assert all(data.truth.schema[f] == pl.String for f in TRUTH_FIELDS)
    assert data.messes.columns == ["source_row", "field", "mess"]
    assert data.messes["source_row"].is_between(1, 2000).all()
    # empty cells are null, never ""
    assert data.messy.select(pl.any_horizontal(pl.all() == "").any()).item() is False
    assert data.truth.select(pl.any_horizontal(pl.col(TRUTH_FIELDS) == "").any()).item() is False
    assert set(data.messes["mess"].unique()) <= set(demo.MESS_KINDS)


def test_canonical_headers_and_countries() -> None:
    d = demo.generate(120, seed=3, countries=("de", "MX"), headers="canonical")
    assert d.messy.columns == list(demo.MESSY_HEADERS)
    assert set(d.truth["country"].unique()) <= {"DE", "MX"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="no demo data"):
        demo.generate(10, countries=("XX",))
    with pytest.raises(ValueError):
        demo.generate(-1)
    with pytest.raises(ValueError):
        demo.generate(10, duplicate_rate=1.0)
    with pytest.raises(ValueError):
        demo.generate(10, headers="fancy")


def test_tiny_lists() -> None:
    empty = demo.generate(0)
    assert empty.messy.height == empty.truth.height == 0
    assert empty.truth.columns[:3] == ["source_row", "entity_id", "household_id"]
    one = demo.generate(1, seed=9)
    assert one.truth["source_row"].to_list() == [1]


# --------------------------------------------------------------------------------------
# the truth is valid
# --------------------------------------------------------------------------------------


def test_truth_phones_are_valid(data: demo.DemoData) -> None:
    t = data.truth
    for column in ("cell_phone", "work_phone"):
        values = t.filter(pl.col(column).is_not_null()).select(column, "country").rows()
        assert values
        for number, country in values:
            assert re.fullmatch(r"\+\d{8,15}", number), number
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.region_code_for_number(parsed) == country, number
            kind = phonenumbers.number_type(parsed)
            if column == "cell_phone" and country in ("GB", "DE", "AU"):
                assert kind == phonenumbers.PhoneNumberType.MOBILE, number
            if column == "work_phone" and country in ("GB", "DE", "AU"):
                assert kind == phonenumbers.PhoneNumberType.FIXED_LINE, number
    exts = t["cell_phone_ext"].drop_nulls().to_list() + t["work_phone_ext"].drop_nulls().to_list()
    assert exts and all(e.isdigit() for e in exts)


def test_truth_places_agree(data: demo.DemoData) -> None:
    t = data.truth
    for country in t["country"].unique().to_list():
        assert pycountry.countries.get(alpha_2=country) is not None
    pairs = t.filter(pl.col("state").is_not_null()).select("country", "state").unique().rows()
    for country, state in pairs:
        assert pycountry.subdivisions.get(code=f"{country}-{state}") is not None, (country, state)
    for country, zip_code in t.filter(pl.col("zip").is_not_null()).select("country", "zip").rows():
        assert re.fullmatch(ZIP_PATTERNS[country], zip_code), (country, zip_code)
    us = t.filter((pl.col("country") == "US") & pl.col("zip").is_not_null())
    assert us["zip"].str.starts_with("0").any()  # leading zeros to lose
    for state, zip_code in us.select("state", "zip").rows():
        prefix = int(zip_code[:3])
        assert any(lo <= prefix <= hi for lo, hi in US_ZIP3[state]), (state, zip_code)


def test_truth_formats(data: demo.DemoData) -> None:
    t = data.truth
    for value in t["dob"].drop_nulls().to_list():
        assert dt.date.fromisoformat(value) < dt.date(2010, 1, 1)
    assert set(t["gender"].drop_nulls().unique()) == {"male", "female"}
    emails = t["email"].drop_nulls()
    assert (emails == emails.str.to_lowercase()).all()
    assert emails.str.contains(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$").all()
    assert set(t["note_type"].drop_nulls().unique()) <= {"General", "VIP", "Allergy", "Billing"}
    assert t["location_id"].str.contains(r"^\d+$").all()
    assert t["customer_code"].drop_nulls().str.contains(r"^C\d{6,}$").all()
    notes = t["notes"].drop_nulls()
    assert notes.str.contains("\n").any() and notes.str.contains('"').any()
    assert notes.str.contains(",").any() and (~notes.str.contains(r"^[\x00-\x7f]*$")).any()
    names = set(t["last_name"].drop_nulls())
    assert {"O'Brien", "McDonald"} & names
    assert any(not n.isascii() for n in names)


# --------------------------------------------------------------------------------------
# people: duplicates, households, existing customers
# --------------------------------------------------------------------------------------


def test_duplicates_share_an_entity_and_are_shuffled(data: demo.DemoData) -> None:
    counts = data.truth["entity_id"].value_counts()
    repeated = counts.filter(pl.col("count") > 1)
    assert 0.1 < (repeated["count"].sum() - repeated.height) / 2000 < 0.3
    ids = data.truth["entity_id"]
    assert (ids == ids.shift(1)).sum() < 10  # duplicates are not adjacent
    kinds = set(data.messes.filter(pl.col("mess").str.starts_with("dup_"))["mess"])
    assert {"dup_nickname", "dup_name_typo", "dup_name_swap", "dup_moved"} <= kinds


def test_nicknames_are_real_short_forms(data: demo.DemoData, joined: pl.DataFrame) -> None:
    nick = rows_with(data, joined, "dup_nickname")
    assert nick.height > 0
    firsts = demo._pools().first.frame
    short = {
        (name, n)
        for name, nicks in firsts.select("first_name", "nicknames").rows()
        for n in nicks.split("|")
        if n
    }
    by_entity = joined.group_by("entity_id").agg(pl.col("first_name").drop_nulls().unique())
    full = dict(by_entity.rows())
    nicknames = {n for _, n in short}
    kept = nick.filter(pl.col("first_name").is_not_null())  # not a placeholder since
    found = compared = 0
    for entity, first in kept.select("entity_id", "first_name").rows():
        assert first in nicknames, first
        others = [o for o in full[entity] if o != first and o not in nicknames]
        if others:  # the full form is on another record (unless a typo or a swap hit it)
            compared += 1
            found += any((o, first) in short for o in others)
    assert found >= 0.8 * compared


def test_households_are_different_people_sharing_contact(data: demo.DemoData) -> None:
    t = data.truth.filter(pl.col("household_id").is_not_null())
    assert t["household_id"].n_unique() >= 10
    # households whose shared phone or e-mail a mess removed from the truth are not checked
    lost = data.messes.filter(
        pl.col("field").is_in(["cell_phone", "email"])
        & (pl.col("mess").is_in(list(demo.UNRESOLVABLE)) | pl.col("mess").str.starts_with("dup_"))
    )
    hit = t.filter(pl.col("source_row").is_in(lost["source_row"].implode()))["household_id"]
    checked = 0
    for (household,), group in t.group_by("household_id"):
        people = group.group_by("entity_id").agg(
            pl.col("first_name").drop_nulls().str.to_lowercase().unique(),
            pl.col("dob").drop_nulls().unique(),
            pl.col("cell_phone").drop_nulls().unique(),
            pl.col("email").drop_nulls().unique(),
        )
        assert people.height >= 2
        rows = people.rows(named=True)
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                assert not set(a["first_name"]) & set(b["first_name"])
                assert not set(a["dob"]) & set(b["dob"])
        if household in hit:
            continue
        checked += 1
        contact = [set(r["cell_phone"]) | set(r["email"]) for r in rows]
        for i, mine in enumerate(contact):
            others = set().union(*(c for j, c in enumerate(contact) if j != i))
            assert mine & others, group  # shares a phone or an e-mail with the household
    assert checked >= 10


def test_existing_customers(data: demo.DemoData) -> None:
    e = data.existing
    assert e.columns == ["existing_id", *field_names(), "entity_id"]
    assert e["existing_id"].is_unique().all()
    incoming = set(data.truth["entity_id"])
    known = e.filter(pl.col("entity_id").is_in(list(incoming)))
    assert 0.2 < known.height / len(incoming) < 0.4
    assert e.height > known.height  # some customers are not in the list at all
    # some existing customers carry another e-mail or phone than the incoming records
    first = data.truth.group_by("entity_id").agg(
        pl.col("email").drop_nulls().str.to_lowercase(), pl.col("cell_phone").drop_nulls()
    )
    both = known.join(first, on="entity_id", suffix="_in")
    other_email = both.filter(
        pl.col("email").is_not_null()
        & (pl.col("email_in").list.len() > 0)
        & ~pl.col("email_in").list.contains(pl.col("email"))
    )
    other_phone = both.filter(
        pl.col("cell_phone").is_not_null()
        & (pl.col("cell_phone_in").list.len() > 0)
        & ~pl.col("cell_phone_in").list.contains(pl.col("cell_phone"))
    )
    assert other_email.height > 0 and other_phone.height > 0
    for number in e["cell_phone"].drop_nulls().to_list():
        assert phonenumbers.is_valid_number(phonenumbers.parse(number))


# --------------------------------------------------------------------------------------
# messes: all present, recorded, unresolvable ones null in the truth, the rest derivable
# --------------------------------------------------------------------------------------


def test_every_mess_kind_appears(data: demo.DemoData) -> None:
    seen = set(data.messes["mess"].unique())
    assert set(SPEC_MESSES) <= seen
    assert set(demo.MESS_KINDS) == seen


def test_unresolvable_messes_have_null_truth(data: demo.DemoData, joined: pl.DataFrame) -> None:
    dead = data.messes.filter(pl.col("mess").is_in(list(demo.UNRESOLVABLE)))
    assert dead.height > 0
    for field, frame in dead.group_by("field"):
        rows = frame["source_row"].implode()
        truth = data.truth.filter(pl.col("source_row").is_in(rows))[field[0]]
        assert truth.is_null().all(), field
    m = joined
    stand_ins = m.filter(pl.col("m_email").is_in(["none@none.com", "noemail@"]))
    assert stand_ins.height and stand_ins["email"].is_null().all()
    assert m.filter(pl.col("m_gender").is_in(["X", "?"]))["gender"].is_null().all()
    assert m.filter(pl.col("m_dob").is_in(["00/00/0000", "0000-00-00"]))["dob"].is_null().all()
    placeholder = r"^(1900-01-01|0?1[/.]0?1[/.]1900)$"
    assert m.filter(pl.col("m_dob").str.contains(placeholder))["dob"].is_null().all()
    lossy = rows_with(data, joined, "phone_sci_lossy", "cell_phone")
    assert lossy["m_cell_phone"].str.contains(r"^\d\.\d{5}E\+\d\d$").any()


def _resolve_phone(text: str, region: str) -> str | None:
    """A small reference resolver: what a cleaner must at least manage.

    The exit codes 00 and 011 are tried as well as the national reading, and the valid
    reading wins: 0114 439 8022 is a Sheffield number, not 011 + 44 398022.
    """
    text = re.split(r"\s*(?:x|ext\.?|Ext:|;ext=|#)\s*\d+$", text.strip())[0]
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    elif re.fullmatch(r"\d(\.\d+)?E\d+", text):
        text = str(int(float(text)))
    text = text.replace("(0)", "")
    digits = re.sub(r"[^\d+]", "", text)
    readings = [digits]
    for exit_code in ("011", "00"):
        if digits.startswith(exit_code):
            readings.append("+" + digits[len(exit_code) :])
    for reading in readings:
        try:
            parsed = phonenumbers.parse(reading, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def test_phones_are_derivable(joined: pl.DataFrame) -> None:
    for column in ("cell_phone", "work_phone"):
        rows = joined.filter(pl.col(column).is_not_null()).select(
            column, f"{column}_ext", f"m_{column}", "country"
        )
        for truth, ext, messy, country in rows.rows():
            assert _resolve_phone(messy, country) == truth, (messy, truth)
            if ext is not None:
                assert messy.endswith(ext)


def test_dates_are_derivable(data: demo.DemoData, joined: pl.DataFrame) -> None:
    serial = rows_with(data, joined, "dob_excel_serial").filter(pl.col("dob").is_not_null())
    for truth, messy in serial.select("dob", "m_dob").rows():
        assert dt.date(1899, 12, 30) + dt.timedelta(days=int(messy)) == dt.date.fromisoformat(truth)
    us = rows_with(data, joined, "dob_us").filter(pl.col("dob").is_not_null())
    assert (us["country"] == "US").all()
    for truth, messy in us.select("dob", "m_dob").rows():
        assert dt.datetime.strptime(messy, "%m/%d/%Y").date().isoformat() == truth
    first = rows_with(data, joined, "dob_day_first").filter(pl.col("dob").is_not_null())
    assert not first["country"].is_in(["US", "CA"]).any()
    for truth, messy in first.select("dob", "m_dob").rows():
        day, month, year = re.split(r"[/-]", messy)
        assert dt.date(int(year), int(month), int(day)).isoformat() == truth
    two = rows_with(data, joined, "dob_two_digit_year").filter(pl.col("dob").is_not_null())
    assert two["dob"].str.starts_with("19").all()
    es = rows_with(data, joined, "dob_text_es")
    assert es["m_dob"].str.contains(r"de [a-z]+ de \d{4}|\d+ [a-z]+ \d{4}").all()
    de = rows_with(data, joined, "dob_text_de")
    assert de["m_dob"].str.contains(r"^\d+\. [A-Za-zä]+ \d{4}$").all()
    impossible = rows_with(data, joined, "dob_impossible")
    for messy in impossible["m_dob"].to_list():
        parts = [int(p) for p in re.split(r"[/.-]", messy)]
        assert 30 in parts or 31 in parts or 29 in parts


def _repair(text: str) -> str:
    """Undo UTF-8 read as Windows-1252, where that is what happened."""
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def test_other_fields_are_derivable(data: demo.DemoData, joined: pl.DataFrame) -> None:
    lost = rows_with(data, joined, "zip_lost_zero")
    assert lost.height > 0
    widths = {"US": 5, "DE": 5, "MX": 5, "AU": 4}
    for truth, messy, country in lost.select("zip", "m_zip", "country").rows():
        head, _, tail = messy.strip().partition("-")
        assert head.zfill(widths[country]) + (f"-{tail}" if tail else "") == truth
    for truth, messy in rows_with(data, joined, "zip_no_space").select("zip", "m_zip").rows():
        assert messy.replace(" ", "").upper() == truth.replace(" ", "")
    typo = rows_with(data, joined, "email_domain_typo").filter(pl.col("email").is_not_null())
    for truth, messy in typo.select("email", "m_email").rows():
        bare = re.sub(r"^.*<|>$", "", messy.strip().lower()).removeprefix("mailto:")
        assert truth.split("@")[0] == bare.split("@")[0] and truth != bare
    mailto = rows_with(data, joined, "email_mailto")
    assert mailto["m_email"].str.to_lowercase().str.starts_with("mailto:").all()
    honorific = rows_with(data, joined, "name_honorific", "first_name").filter(
        pl.col("first_name").is_not_null()
    )
    for truth, messy in honorific.select("first_name", "m_first_name").rows():
        repaired = " ".join(_repair(messy.strip()).split())
        assert repaired.lower().endswith(truth.lower()) and messy.strip() != truth
    mojibake = rows_with(data, joined, "name_mojibake", "last_name").filter(
        pl.col("last_name").is_not_null()
    )
    for truth, messy in mojibake.select("last_name", "m_last_name").rows():
        repaired = " ".join(_repair(messy.strip()).split())
        assert "Ã" in messy and truth.lower() in repaired.lower()
    genders = {"male": {"m", "male", "man", "homme", "hombre", "masculino", "männlich", "mann"}}
    genders["female"] = {"f", "w", "female", "woman", "femme", "mujer", "femenino", "weiblich"}
    genders["female"] |= {"frau", "fem"}
    genders["male"] |= {"masc"}
    for truth, messy in (
        joined.filter(pl.col("gender").is_not_null()).select("gender", "m_gender").rows()
    ):
        assert messy.lower().rstrip(".") in genders[truth], (truth, messy)


def test_states_and_countries_are_derivable(joined: pl.DataFrame) -> None:
    pools = demo._pools()
    states: dict[tuple[str, str], str] = {}
    countries: dict[str, str] = {}
    for (kind, country), rows in pools.vocab.items():
        for value, extra in rows:
            if kind in ("state_name", "state_local", "state_abbrev"):
                states[(country, demo._state_key(value))] = extra
            if kind in ("country_name", "country_native", "country_alias"):
                countries[demo._state_key(value)] = country
    for country in joined["country"].unique().to_list():
        record = pycountry.countries.get(alpha_2=country)
        countries[country] = countries[record.alpha_3] = country
    rows = joined.filter(pl.col("state").is_not_null()).select("country", "state", "m_state")
    for country, state, messy in rows.rows():
        key = demo._state_key(messy)
        assert key == state or states[(country, key)] == state, (country, state, messy)
    rows = joined.filter(pl.col("m_country").is_not_null()).select("country", "m_country")
    for country, messy in rows.rows():
        assert countries[demo._state_key(messy)] == country, (country, messy)


def test_blank_countries_are_named_by_their_state(
    data: demo.DemoData, joined: pl.DataFrame
) -> None:
    blank = rows_with(data, joined, "country_blank")
    assert blank.height > 0
    assert blank["m_country"].is_null().all()
    owners = demo._pools().state_keys
    for truth, state in blank.select("country", "m_state").rows():
        assert state is not None
        assert owners[demo._state_key(state)] == truth, (truth, state)
    # the truth is known for every country written some other way
    assert joined["country"].is_not_null().all()


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def test_write_demo_is_byte_identical(tmp_path: Path) -> None:
    first = demo.write_demo(tmp_path / "a", n=150, seed=4)
    second = demo.write_demo(tmp_path / "b", n=150, seed=4)
    assert set(first) == {
        "customers.csv",
        "customers_cp1252.csv",
        "customers.xlsx",
        "customers.json",
        "truth.csv",
        "existing.csv",
    }
    for name, path in first.items():
        assert path.is_file() and path.stat().st_size > 0
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == hashlib.sha256(second[name].read_bytes()).hexdigest(), name

    data = demo.generate(150, seed=4)
    csv = pl.read_csv(first["customers.csv"], infer_schema=False)
    assert csv.equals(data.messy)
    raw = first["customers_cp1252.csv"].read_bytes()
    assert data.messy["Surname"].drop_nulls().map_elements(str.isascii, pl.Boolean).not_().any()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    windows = pl.read_csv(raw.decode("cp1252").encode("utf-8"), separator=";", infer_schema=False)
    assert windows["Surname"].equals(data.messy["Surname"])
    assert b"\r\n" in raw
    truth = pl.read_csv(first["truth.csv"], infer_schema=False)
    assert truth["source_row"].to_list() == [str(i) for i in range(1, 151)]
    json_rows = pl.read_json(first["customers.json"])
    assert json_rows.height == 150 and json_rows.columns == data.messy.columns
    with zipfile.ZipFile(first["customers.xlsx"]) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "Customers" in book.read("xl/workbook.xml").decode("utf-8")
    assert re.search(r'<c r="N\d+"( s="\d+")?><v>\d+</v>', sheet)  # a ZIP as a number
    assert re.search(r'<c r="H\d+" s="\d+"><v>\d+(\.\d+)?</v>', sheet)  # a date cell
    xlsx = pl.read_excel(first["customers.xlsx"], sheet_name="Customers")
    assert xlsx.height == 150 and xlsx.columns == data.messy.columns
