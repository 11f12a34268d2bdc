import datetime as dt
import random
import time

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.issues import ISSUE_CODES
from custclean.normalize.dates import excel_serial_to_date, normalize_date
from custclean.reference import load_table

TODAY = dt.date(2025, 6, 1)


def norm(values, **kw):
    kw.setdefault("today", TODAY)
    return normalize_date(pl.Series(values, dtype=pl.String), **kw)


def one(value, **kw):
    out = norm([value], **kw)
    return out.value[0], out.code[0], out.message[0]


# ---------------------------------------------------------------- single values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ISO timestamps from databases and APIs
        ("1980-05-17T13:30:00", "1980-05-17"),
        ("1980-05-17 00:00:00", "1980-05-17"),
        ("1980-05-17T00:00:00Z", "1980-05-17"),
        ("1980-05-17T00:00:00.000+02:00", "1980-05-17"),
        ("1980-05-16T22:00:00-0500", "1980-05-16"),  # the date as written, never shifted
        ("1980-05-17 00:00:00.000000", "1980-05-17"),
        ("1980/05/17", "1980-05-17"),
        ("1980.05.17", "1980-05-17"),
        ("1980-5-7", "1980-05-07"),
        ("1980. 05. 17.", "1980-05-17"),  # Hungarian
        ("19800517", "1980-05-17"),
        ("19800517.0", "1980-05-17"),
        # US exports (one reading only)
        ("05/17/1980", "1980-05-17"),
        ("5/17/1980 12:00:00 AM", "1980-05-17"),
        ("12/31/1999", "1999-12-31"),
        ("05171980", "1980-05-17"),
        # European exports (one reading only)
        ("17/05/1980", "1980-05-17"),
        ("17.05.1980", "1980-05-17"),
        ("17-05-1980", "1980-05-17"),
        ("17 05 1980", "1980-05-17"),
        ("31.12.1975 00:00", "1975-12-31"),
        ("19051980", "1980-05-19"),  # starts with 19 but is no YYYYMMDD: day-first
        # month names
        ("17 May 1980", "1980-05-17"),
        ("May 17, 1980", "1980-05-17"),
        ("17-May-80", "1980-05-17"),
        ("17-SEP-1980", "1980-09-17"),
        ("Sat, 17 May 1980", "1980-05-17"),
        ("Sat, 17 May 1980 00:00:00 +0000", "1980-05-17"),
        ("Sat May 17 1980 00:00:00 GMT+0200 (CEST)", "1980-05-17"),
        ("May 17th, 1980", "1980-05-17"),
        ("1980-May-17", "1980-05-17"),
        ("17 de mayo de 1980", "1980-05-17"),
        ("jueves, 3 de febrero de 1983", "1983-02-03"),
        ("17. Mai 1980", "1980-05-17"),
        ("3. März 1975", "1975-03-03"),
        ("3. Maerz 1975", "1975-03-03"),
        ("17 mai 1980", "1980-05-17"),
        ("le 1er août 1980", "1980-08-01"),
        ("3 févr. 1985", "1985-02-03"),
        ("3 FEVRIER 1985", "1985-02-03"),
        ("17 dic 1980", "1980-12-17"),
        ("17 dez 1980", "1980-12-17"),
        ("17 ottobre 1980", "1980-10-17"),
        ("17 de março de 1980", "1980-03-17"),
        ("17 okt 1980", "1980-10-17"),
        ("17 mei 1980", "1980-05-17"),
        ("3 mrt 1980", "1980-03-03"),
        # Excel serial day numbers
        ("29358", "1980-05-17"),
        ("29358.0", "1980-05-17"),
        ("29358.75", "1980-05-17"),
        ("  1980-05-17 ", "1980-05-17"),
    ],
)
def test_readable_forms_are_fixed_to_iso(raw, expected):
    value, code, message = one(raw)
    assert (value, code) == (expected, "fixed")
    assert f"'{raw.strip()}'" in message and expected in message


def test_iso_is_kept_without_a_code():
    out = norm(["1980-05-17", "2000-02-29", None, "", "   "])
    assert out.value.to_list() == ["1980-05-17", "2000-02-29", None, None, None]
    assert out.code.to_list() == [None] * 5
    assert out.message.to_list() == [None] * 5


def test_messages_say_how_the_value_was_read():
    assert one("05/17/1980")[2] == (
        "'05/17/1980' read month-first as 1980-05-17 (17 cannot be a month)."
    )
    assert one("1980-05-17T13:30:00")[2] == (
        "'1980-05-17T13:30:00' rewritten as 1980-05-17; the time of day was dropped."
    )
    assert one("29358")[2] == "'29358' read as an Excel serial number: 1980-05-17."
    assert one("19800517")[2] == "'19800517' read as year, month and day: 1980-05-17."
    assert one(" 1980-05-17")[2] == (
        "'1980-05-17' had blank space around it; trimmed to 1980-05-17."
    )
    assert one("05/05/1980")[2] == "'05/05/1980' read as 1980-05-05 (day and month are the same)."


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1985-02-30", "'1985-02-30' is not a real date: February 1985 has 28 days; left empty."),
        ("1900-02-29", "'1900-02-29' is not a real date: February 1900 has 28 days; left empty."),
        ("1980-13-01", "'1980-13-01' is not a real date: there is no month 13; left empty."),
        ("1980-05-00", "'1980-05-00' is not a real date: there is no day 0; left empty."),
        ("31 Apr 1980", "'31 Apr 1980' is not a real date: April 1980 has 30 days; left empty."),
        (
            "31/04/1980",
            "'31/04/1980' is not a real date whichever way it is read (day-first or "
            "month-first); left empty.",
        ),
        (
            "13/13/1980",
            "'13/13/1980' is not a real date whichever way it is read (day-first or "
            "month-first); left empty.",
        ),
        ("unknown", "'unknown' holds no digits, so no date; left empty."),
        ("May 1980", "'May 1980' has no day, so it is not a full date; left empty."),
        ("17 May", "'17 May' has no year, so it is not a full date; left empty."),
        ("1980", "'1980' is only a year, not a full date; left empty."),
        (
            "5171980",
            "'5171980' is a number of 7 digits, which cannot be split into day, month and year "
            "without guessing; left empty.",
        ),
        ("123", "'123' is a bare number of 3 digits, not a date; left empty."),
        ("04267", "'04267' is a bare number of 5 digits, not a date; left empty."),
        (
            "May 17, 5",
            "'May 17, 5' cannot be split into a day and a year of 2 or 4 digits; left empty.",
        ),
        (
            "about 17 May 1980",
            "'about 17 May 1980' is not a date this reader recognises ('about' is neither a "
            "month nor a word used in dates); left empty.",
        ),
        ("17 May 1980 25:00", "'17 May 1980 25:00' has an impossible time of day; left empty."),
        ("1980-05-17 24:61:00", "'1980-05-17 24:61:00' has an impossible time of day; left empty."),
        (
            "17 May 1980 - 18 May 1980",
            "'17 May 1980 - 18 May 1980' names more than one month; left empty.",
        ),
        ("1980-17-05", "'1980-17-05' is not a real date: there is no month 17; left empty."),
    ],
)
def test_unreadable_and_impossible_dates_are_invalid(raw, message):
    assert one(raw) == (None, "invalid", message)


@pytest.mark.parametrize(
    "raw",
    [
        "1900-01-01",
        "01/01/1900",
        "1/1/1900",
        "1899-12-31",
        "1899-12-30",
        "1901-01-01",
        "1/1/1901",
        "0001-01-01",
        "1753-01-01",
        "9999-12-31",
        "12/31/9999",
        "0000-00-00",
        "00/00/0000",
        "00.00.0000",
        "00000000",
        "99/99/9999",
    ],
)
def test_placeholders(raw):
    value, code, message = one(raw)
    assert (value, code) == (None, "placeholder")
    assert "stand-in" in message and f"'{raw}'" in message


def test_placeholder_messages():
    assert one("00/00/0000")[2] == "'00/00/0000' is all zeros, a stand-in for no date; left empty."
    assert one("01/01/1900")[2] == (
        "'01/01/1900' (read as 1900-01-01) is a stand-in date that systems store when none "
        "was given; left empty."
    )
    assert one("1970-01-01") == ("1970-01-01", None, None)  # a real birthday for many


def test_placeholders_apply_to_plain_dates_too():
    assert one("1900-01-01", kind="date")[1] == "placeholder"


# ---------------------------------------------------------------- birth-date plausibility


def test_future_birth_dates_are_implausible():
    assert one("2025-06-02") == (
        None,
        "implausible",
        "'2025-06-02' is in the future (today is 2025-06-01); a birth date cannot be; left empty.",
    )
    assert one("2025-06-01") == ("2025-06-01", None, None)  # born today


def test_age_limits():
    # max_age 120 on 2025-06-01: the oldest possible birthday is 1904-06-02
    assert one("1904-06-02") == ("1904-06-02", None, None)
    assert one("1904-06-01") == (
        None,
        "implausible",
        "'1904-06-01' would make the customer 121 years old, over the limit of 120; left empty.",
    )
    assert one("1980-05-17", max_age=40)[1] == "implausible"
    assert one("2007-06-01", min_age=18) == ("2007-06-01", None, None)
    assert one("2007-06-02", min_age=18) == (
        None,
        "implausible",
        "'2007-06-02' would make the customer 17 years old, under the minimum of 18; left empty.",
    )
    assert one("17.05.2010", min_age=18)[2] == (
        "'17.05.2010' (read as 2010-05-17) would make the customer 15 years old, under the "
        "minimum of 18; left empty."
    )


def test_plain_dates_have_no_age_or_future_rule():
    out = norm(["2031-01-01", "1850-03-04", "12/25/2030"], kind="date")
    assert out.value.to_list() == ["2031-01-01", "1850-03-04", "2030-12-25"]
    assert out.code.to_list() == [None, None, "fixed"]


def test_plain_dates_outside_believable_years_are_implausible():
    assert one("0017-02-02", kind="date") == (
        None,
        "implausible",
        "'0017-02-02' is outside the years 1000 to 2125 that a date in a customer list can "
        "have; left empty.",
    )
    assert one("1 Jan 2422", kind="date")[:2] == (None, "implausible")
    assert one("2125-12-31", kind="date")[:2] == ("2125-12-31", None)


def test_leap_days_on_the_birthday():
    today = dt.date(2024, 2, 29)
    assert one("2000-02-29", today=today) == ("2000-02-29", None, None)
    # max_age 120 on 2024-02-29: born 1903-03-01 is 120, born 1903-02-28 is 121
    assert one("1903-03-01", today=today)[1] is None
    assert one("1903-02-28", today=today)[1] == "implausible"


# ---------------------------------------------------------------- two-digit years


def test_two_digit_years_of_birth_are_never_in_the_future():
    out = norm(["5/17/80", "5/17/20", "5/31/25", "6/2/25", "12/25/00", "17-May-05"])
    assert out.value.to_list() == [
        "1980-05-17",
        "2020-05-17",
        "2025-05-31",
        "1925-06-02",  # 2025-06-02 would be tomorrow
        "2000-12-25",
        "2005-05-17",
    ]
    assert out.message[0] == (
        "'5/17/80' read month-first as 1980-05-17 (17 cannot be a month). The two-digit year 80 "
        "was taken as 1980, the latest such year not in the future."
    )


def test_today_may_be_a_datetime():
    assert one("2025-06-02", today=dt.datetime(2025, 6, 1, 23, 59))[2] == (
        "'2025-06-02' is in the future (today is 2025-06-01); a birth date cannot be; left empty."
    )


def test_two_digit_years_follow_today():
    assert one("5/17/20", today=dt.date(2019, 1, 1))[0] == "1920-05-17"
    assert one("5/17/20", today=dt.date(2020, 5, 17))[0] == "2020-05-17"


def test_two_digit_years_of_plain_dates_use_a_sliding_window():
    out = norm(["5/17/44", "5/17/45", "5/17/99", "5/17/03"], kind="date")
    assert out.value.to_list() == ["2044-05-17", "1945-05-17", "1999-05-17", "2003-05-17"]
    assert out.message[1].endswith(
        "The two-digit year 45 was taken as 1945 (two-digit years are placed between 1945 and "
        "2044)."
    )


def test_two_digit_leap_day():
    assert one("29/02/00")[0] == "2000-02-29"
    assert one("29/02/01")[1] == "invalid"


# ---------------------------------------------------------------- the order decision


def test_all_us_column_is_month_first():
    out = norm(["12/25/1980", "05/17/1975", "03/04/1990", "1/2/85", "07/04/1976"])
    assert out.value.to_list() == [
        "1980-12-25",
        "1975-05-17",
        "1990-03-04",
        "1985-01-02",
        "1976-07-04",
    ]
    assert set(out.code) == {"fixed"}
    assert out.notes == {
        "order": "mdy",
        "decided_by": "unambiguous values",
        "mdy_evidence": 2,
        "dmy_evidence": 0,
        "mixed": False,
        "excel_serials": 0,
    }
    assert out.message[2] == (
        "'03/04/1990' read month-first as 1990-03-04, the order of the column's values that "
        "read only one way (2 month-first, 0 day-first)."
    )


def test_all_european_column_is_day_first():
    out = norm(["25.12.1980", "17/05/1975", "03/04/1990", "1.2.85", "07-04-1976"])
    assert out.value.to_list() == [
        "1980-12-25",
        "1975-05-17",
        "1990-04-03",
        "1985-02-01",
        "1976-04-07",
    ]
    assert out.notes["order"] == "dmy" and out.notes["decided_by"] == "unambiguous values"
    assert (out.notes["mdy_evidence"], out.notes["dmy_evidence"]) == (0, 2)


def test_evidence_counts_distinct_values_only():
    out = norm(["12/25/1980"] * 50 + ["25/12/1980", "26/12/1980", "03/04/1990"])
    assert (out.notes["mdy_evidence"], out.notes["dmy_evidence"]) == (1, 2)
    assert out.notes["mixed"] is True


def test_no_evidence_and_no_country_is_ambiguous():
    out = norm(["05/06/1980", "01.02.1990", "1980-05-17", "05/05/1980"])
    assert out.value.to_list() == [None, None, "1980-05-17", "1980-05-05"]
    assert out.code.to_list() == ["ambiguous", "ambiguous", None, "fixed"]
    assert out.message[0] == (
        "'05/06/1980' could be 6 May or 5 June; the column gives no evidence and the row has "
        "no country; pass order='mdy' or 'dmy'; left empty."
    )
    assert out.notes["order"] is None and out.notes["decided_by"] == "default"


def test_no_evidence_country_breaks_ties_per_row():
    countries = pl.Series(["US", "GB", "DE", "MX", "PH", None, "CA", "United States", "FRA"])
    out = norm(["05/06/1980"] * 9, country=countries)
    assert out.value.to_list() == [
        "1980-05-06",
        "1980-06-05",
        "1980-06-05",
        "1980-06-05",
        "1980-05-06",
        None,
        None,
        "1980-05-06",
        "1980-06-05",
    ]
    assert out.code.to_list() == ["fixed"] * 5 + ["ambiguous"] * 2 + ["fixed"] * 2
    assert out.message[1] == (
        "'05/06/1980' read day-first as 1980-06-05, the usual order in country GB (the column "
        "has no value that reads only one way)."
    )
    assert out.message[6] == (
        "'05/06/1980' could be 6 May or 5 June; the column gives no evidence and the row's "
        "country, CA, writes dates both ways; pass order='mdy' or 'dmy'; left empty."
    )
    assert out.notes["decided_by"] == "country"


def test_country_as_one_string_for_all_rows():
    assert norm(["05/06/1980", "04/03/1990"], country="US").value.to_list() == [
        "1980-05-06",
        "1990-04-03",
    ]
    assert norm(["05/06/1980"], country="AU").value.to_list() == ["1980-06-05"]
    assert norm(["05/06/1980"], country="UK").value.to_list() == ["1980-06-05"]
    assert norm(["05/06/1980"], country="Atlantis").code.to_list() == ["ambiguous"]


def test_clear_evidence_beats_the_row_country():
    # a US export: a German customer's date was still typed month-first
    out = norm(["12/25/1980", "05/06/1980"], country=pl.Series(["US", "DE"]))
    assert out.value.to_list() == ["1980-12-25", "1980-05-06"]
    assert out.notes["decided_by"] == "unambiguous values"


def test_a_value_with_one_reading_is_read_against_the_column():
    values = [f"12/{d}/1980" for d in range(13, 32)] + ["25/12/1980", "05/06/1980"]
    out = norm(values)
    assert out.value[-2:].to_list() == ["1980-12-25", "1980-05-06"]
    assert out.code[-2:].to_list() == ["fixed", "fixed"]
    assert out.message[-2] == (
        "'25/12/1980' read day-first as 1980-12-25, its only possible reading, although the "
        "column is otherwise month-first."
    )
    assert out.notes["order"] == "mdy" and out.notes["mixed"] is True
    assert (out.notes["mdy_evidence"], out.notes["dmy_evidence"]) == (19, 1)


def test_mixed_column_without_country_is_ambiguous():
    out = norm(["12/25/1980", "25/12/1980", "05/06/1980"])
    assert out.value.to_list() == ["1980-12-25", "1980-12-25", None]
    assert out.code.to_list() == ["fixed", "fixed", "ambiguous"]
    assert out.message[2] == (
        "'05/06/1980' could be 6 May or 5 June; the column mixes both orders (1 month-first, 1 "
        "day-first) and the row has no country; pass order='mdy' or 'dmy'; left empty."
    )


def test_mixed_column_decides_per_row_by_country():
    values = ["12/25/1980", "05/06/1980", "25/12/1980", "05/06/1980", "07/08/1990", "05/06/1980"]
    countries = pl.Series(["US", "US", "GB", "GB", "AU", None])
    out = norm(values, country=countries)
    assert out.value.to_list() == [
        "1980-12-25",
        "1980-05-06",
        "1980-12-25",
        "1980-06-05",
        "1990-08-07",
        None,
    ]
    assert out.code[-1] == "ambiguous"
    assert out.message[3] == (
        "'05/06/1980' read day-first as 1980-06-05, the order of the values that read only one "
        "way in rows from day-first countries (0 month-first, 1 day-first)."
    )
    assert out.notes["decided_by"] == "country" and out.notes["mixed"] is True


def test_mixed_column_group_evidence_beats_the_country_custom():
    # rows of GB customers typed month-first by a US clerk: their own values say so
    values = ["12/25/1980", "25/12/1980", "12/31/1970", "05/06/1980"]
    countries = pl.Series(["US", None, "GB", "GB"])
    assert norm(values, country=countries).value[-1] == "1980-05-06"


def test_majority_column_with_a_few_strays_and_countries():
    values = [f"12/{d}/1980" for d in range(13, 32)] + ["25/12/1980", "05/06/1980", "04/03/1980"]
    countries = pl.Series(["US"] * 19 + ["GB", "GB", None])
    out = norm(values, country=countries)
    # GB rows follow their own day-first evidence, the row without country the column
    assert out.value[-2:].to_list() == ["1980-06-05", "1980-04-03"]


def test_order_option_imposes_the_order():
    out = norm(["05/06/1980", "25/12/1980", "05/06/07"], order="mdy")
    assert out.value.to_list() == ["1980-05-06", "1980-12-25", "2007-05-06"]
    assert out.message[0] == "'05/06/1980' read month-first as 1980-05-06, as order='mdy' asks."
    assert out.message[1] == (
        "'25/12/1980' read day-first as 1980-12-25, its only possible reading, although "
        "order='mdy' was given."
    )
    assert out.notes["order"] == "mdy" and out.notes["decided_by"] == "option"
    assert norm(["05/06/1980"], order="dmy", country="US").value[0] == "1980-06-05"


def test_year_first_two_digit_values():
    assert one("80/05/17") == (
        "1980-05-17",
        "fixed",
        "'80/05/17' read year-first as 1980-05-17 (80 cannot be a day or a month). The "
        "two-digit year 80 was taken as 1980, the latest such year not in the future.",
    )
    out = norm(["05/06/07", "99.12.31", "17/05/1980", "01/02/1990"], order="ymd")
    assert out.value.to_list() == ["2005-06-07", "1999-12-31", "1980-05-17", "1990-02-01"]
    assert out.message[0].startswith("'05/06/07' read year-first as 2005-06-07, as order='ymd'")
    assert out.notes["order"] == "ymd"


def test_same_day_and_month_is_not_ambiguous():
    out = norm(["05/05/1980", "11.11.1990"])
    assert out.value.to_list() == ["1980-05-05", "1990-11-11"]
    assert out.code.to_list() == ["fixed", "fixed"]


# ---------------------------------------------------------------- Excel serials


def test_excel_serial_to_date():
    assert excel_serial_to_date(1) == dt.date(1900, 1, 1)
    assert excel_serial_to_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_to_date(60) is None  # Excel's 29 February 1900 never was
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_to_date(29358) == dt.date(1980, 5, 17)
    assert excel_serial_to_date(2958465) == dt.date(9999, 12, 31)
    assert excel_serial_to_date(0) is None
    assert excel_serial_to_date(-5) is None
    assert excel_serial_to_date(2958466) is None


def test_serials_are_read_in_a_mixed_column():
    # a sheet where some cells were real dates: they come out as serial numbers
    out = norm(["17/05/1980", "29358", "32874.0", "1990-01-01"])
    assert out.value.to_list() == ["1980-05-17", "1980-05-17", "1990-01-01", "1990-01-01"]
    assert out.notes["excel_serials"] == 2


def test_serials_outside_the_plausible_range_are_not_dates():
    hi = (TODAY - dt.date(1899, 12, 30)).days
    assert one(str(hi)) == (
        "2025-06-01",
        "fixed",
        f"'{hi}' read as an Excel serial number: 2025-06-01.",
    )
    assert one(str(hi + 1)) == (
        None,
        "invalid",
        f"'{hi + 1}' is a bare number, not a date: as an Excel serial number it would fall "
        "outside the plausible range 1904-06-02 to 2025-06-01; left empty.",
    )
    assert one("99999")[1] == "invalid"
    assert one("45900", kind="date")[1] == "invalid"  # after today
    assert one("10000", kind="date")[0] == "1927-05-18"


def test_five_digit_values_in_a_column_of_compact_dates_are_ambiguous():
    # 05/17/80 typed as the number 051780 loses its leading zero: 51780
    out = norm(["051780", "121579", "31780"])
    assert out.value.to_list() == ["1980-05-17", "1979-12-15", None]
    assert out.code[2] == "ambiguous"
    assert out.message[2] == (
        "'31780' could be an Excel serial number (1987-01-03) or a date written without "
        "separators that lost its leading zero, like the column's other all-digit dates; left "
        "empty."
    )


def test_four_digit_values_need_serial_evidence():
    assert one("5000") == (
        None,
        "invalid",
        "'5000' is a bare number; as an Excel serial number it would be 1913-09-08, but no "
        "other value in the column is a serial number; left empty.",
    )
    out = norm(["29358", "5000", "1975"])
    assert out.value.to_list() == ["1980-05-17", "1913-09-08", None]
    assert out.code.to_list() == ["fixed", "fixed", "ambiguous"]
    assert out.message[2] == (
        "'1975' could be the year 1975 (not a full date) or an Excel serial number (1905-05-28) "
        "like the column's other values; left empty."
    )


# ---------------------------------------------------------------- inputs and contract


def test_non_text_columns():
    dates = normalize_date(pl.Series([dt.date(1980, 5, 17), None]), today=TODAY)
    assert dates.value.to_list() == ["1980-05-17", None] and dates.code.to_list() == [None, None]
    stamps = normalize_date(pl.Series([dt.datetime(1980, 5, 17, 13, 30)]), today=TODAY)
    assert stamps.value.to_list() == ["1980-05-17"] and stamps.code.to_list() == ["fixed"]
    serials = normalize_date(pl.Series([29358, None]), today=TODAY)
    assert serials.value.to_list() == ["1980-05-17", None]
    empty = normalize_date(pl.Series([], dtype=pl.String), today=TODAY)
    assert empty.value.len() == 0 and empty.value.dtype == pl.String
    nulls = normalize_date(pl.Series([None, None]), today=TODAY)
    assert nulls.value.to_list() == [None, None] and nulls.code.dtype == pl.String


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="order"):
        normalize_date(pl.Series(["1980-05-17"]), order="myd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        normalize_date(pl.Series(["1980-05-17"]), kind="birthday")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="country"):
        normalize_date(pl.Series(["1980-05-17"]), country=pl.Series(["US", "GB"]))


def test_codes_are_from_the_vocabulary_and_every_change_has_one():
    values = [
        "1980-05-17",
        "05/17/1980",
        "05/06/1980",
        "1985-02-30",
        "1900-01-01",
        "2030-01-01",
        "hello",
        "29358",
        None,
        " ",
    ]
    out = norm(values)
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    for raw, value, code, message in zip(values, out.value, out.code, out.message, strict=True):
        if code is None:
            assert message is None
            assert value == (raw.strip() if raw and raw.strip() else None)
        else:
            assert message and message.endswith(".")
            assert (value is None) == (code != "fixed")


def test_output_read_again_gives_no_codes():
    values = ["5/17/80", "17.05.1980", "17 de mayo de 1980", "29358", "1980-05-17T10:00:00Z"]
    first = norm(values)
    again = normalize_date(first.value, today=TODAY)
    assert again.value.to_list() == first.value.to_list()
    assert again.code.to_list() == [None] * len(values)


def test_month_names_table():
    table = load_table("month_names")
    assert table.columns == ["name", "month", "language"]
    assert {"en", "es", "de", "fr", "it", "pt", "nl"} <= set(table["language"])
    months = table.filter(pl.col("month").is_not_null())
    assert set(months["month"].cast(pl.Int32)) == set(range(1, 13))
    for name in ["jan", "january", "ene", "enero", "mär", "märz", "maerz", "févr", "février"]:
        assert name in set(table["name"]), name
    for name in ["août", "dez", "dic", "okt", "mei"]:
        assert name in set(table["name"]), name


# ---------------------------------------------------------------- properties

_WORDS = ["May", "mayo", "Mai", "févr.", "de", "le", "Sat,", "T", "Z", "AM", "GMT", "+02:00"]
_PIECES = st.one_of(
    st.integers(0, 99999).map(str),
    st.integers(0, 99).map(lambda n: f"{n:02}"),
    st.sampled_from(["/", ".", "-", " ", ":", ",", "", "  "]),
    st.sampled_from(_WORDS),
)
_DATEISH = st.lists(_PIECES, max_size=8).map("".join)
_ANY = st.one_of(
    st.none(),
    _DATEISH,
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.text(alphabet="0123456789/.-: \t\n\x00", max_size=20),
    st.integers(0, 10_000).map(lambda n: "9" * n),
    st.integers(0, 10_000).map(lambda n: "17 May 1980 " * (n // 12)),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    values=st.lists(_ANY, min_size=0, max_size=40),
    order=st.sampled_from(["auto", "mdy", "dmy", "ymd"]),
    kind=st.sampled_from(["dob", "date"]),
    country=st.one_of(st.none(), st.sampled_from(["US", "DE", "CA", "zz", ""])),
)
def test_never_raises_and_is_idempotent(values, order, kind, country):
    series = pl.Series(values, dtype=pl.String)
    out = normalize_date(series, order=order, kind=kind, country=country, today=TODAY)
    assert out.value.len() == out.code.len() == out.message.len() == len(values)
    assert set(out.code.drop_nulls()) <= set(ISSUE_CODES)
    assert (out.code.is_null() == out.message.is_null()).all()
    again = normalize_date(out.value, order=order, kind=kind, country=country, today=TODAY)
    assert again.value.to_list() == out.value.to_list()
    assert again.code.null_count() == len(values)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.dates(dt.date(1905, 1, 1), dt.date(2025, 6, 1)), min_size=1, max_size=30),
    st.sampled_from(
        ["%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%Y%m%d", "%d-%b-%Y", "%Y/%m/%d", "%a, %d %b %Y"]
    ),
)
def test_unambiguous_formats_round_trip(days, pattern):
    out = norm([d.strftime(pattern) for d in days])
    assert out.value.to_list() == [d.isoformat() for d in days]


@settings(max_examples=8, deadline=None)
@given(st.lists(st.dates(dt.date(1905, 1, 1), dt.date(2025, 6, 1)), min_size=1, max_size=30))
def test_column_order_round_trips_with_evidence(days):
    us = [d.strftime("%m/%d/%Y") for d in days] + ["12/31/1999"]
    eu = [d.strftime("%d/%m/%Y") for d in days] + ["31/12/1999"]
    de = [d.strftime("%d.%m.%Y") for d in days] + ["31.12.1999"]
    expected = [d.isoformat() for d in days] + ["1999-12-31"]
    assert norm(us).value.to_list() == expected
    assert norm(eu).value.to_list() == expected
    assert norm(de[:-1], country="DE").value.to_list() == expected[:-1]


# ---------------------------------------------------------------- throughput


@pytest.mark.slow
def test_throughput_on_200k_values():
    r = random.Random(11)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    def value() -> str:
        d = dt.date(1940, 1, 1) + dt.timedelta(days=r.randrange(24_000))
        k = r.random()
        if k < 0.3:
            return d.isoformat()
        if k < 0.5:
            return f"{d.month:02}/{d.day:02}/{d.year}"
        if k < 0.6:
            return f"{d.day}.{d.month}.{d.year}"
        if k < 0.7:
            return f"{d.month}/{d.day}/{d.year % 100:02}"
        if k < 0.8:
            return f"{d.day} {months[d.month - 1]} {d.year}"
        if k < 0.9:
            return f"{d.isoformat()}T00:00:00"
        if k < 0.95:
            return str((d - dt.date(1899, 12, 30)).days)
        return r.choice(["", "N/A", "00/00/0000", "1900-01-01", "2030-01-01"])

    pool = list(dict.fromkeys(value() for _ in range(120_000)))[:80_000]
    values = pl.Series(pool + [r.choice(pool) for _ in range(200_000 - len(pool))])
    countries = pl.Series([r.choice(["US", "GB", "DE", "MX", None]) for _ in range(200_000)])
    start = time.perf_counter()
    out = normalize_date(values, country=countries, today=TODAY)
    elapsed = time.perf_counter() - start
    assert out.value.len() == 200_000
    distinct = values.n_unique()
    print(f"\n{distinct} distinct of 200,000 in {elapsed:.2f} s: {distinct / elapsed:,.0f}/s")
    assert elapsed < 10


# ---------------------------------------------------------------- the vectorised text reader

_TEXT_SAMPLES = [
    "17 May 1980", "May 17, 1980", "17-May-80", "Sat, 17 May 1980", "17 de mayo de 1980",
    "17. Mai 1980", "le 17 mai 1980", "Nov 2 1957", "04-Oct-1977", "80-May-17", "May 17 80",
    "17 May", "May 1980", "17 May 1980 1981", "May June 1980", "17 Bogus 1980", "1980 May 5",
    "5 may 99", "99 may 5", "May. 5, 1980", "05/May/1980", "17h30 May 5 1980", "May 5 1980 10:30",
    "Mai 17 1980", "17 MAY 1980", "mayo 17 '80", "17 mars 1980", "xx", "17th May 1980",
    "the 17 of May 1980", "123 May 1980", "17 May 19800", "0 May 0000", "32 May 12",
]  # fmt: skip


def _by_python(values: list[str]) -> pl.DataFrame:
    from custclean.normalize.dates import _read_text

    rows = []
    for raw in values:
        code, _msg, y, m, d, yy, timed = _read_text(raw)[1:]
        if code is None:
            rows.append((raw, int(y), int(m), int(d), yy == "1", timed == "1"))
    schema = ["raw", "ty", "tm", "td", "tyy", "ttime"]
    return pl.DataFrame(rows, schema=schema, orient="row").cast(
        {"ty": pl.Int32, "tm": pl.Int32, "td": pl.Int32}
    )


def _by_polars(values: list[str]) -> pl.DataFrame:
    from custclean.normalize.dates import _read_plain_texts

    out = _read_plain_texts(pl.Series(values, dtype=pl.String))
    assert out["fcode"].is_null().all() and out["fmsg"].is_null().all()
    return out.select("raw", "ty", "tm", "td", "tyy", "ttime")


def test_vectorised_text_reader_agrees_with_the_python_reader() -> None:
    fast = _by_polars(_TEXT_SAMPLES).sort("raw")
    slow = _by_python(_TEXT_SAMPLES).filter(pl.col("raw").is_in(fast["raw"].implode()))
    assert fast.equals(slow.sort("raw"))
    # it takes the common forms itself, and never one the Python reader rejects
    assert {"17 May 1980", "May 17, 1980", "17-May-80", "17 de mayo de 1980"} <= set(fast["raw"])
    assert set(fast["raw"]) <= set(_by_python(_TEXT_SAMPLES)["raw"])
    assert "17h30 May 5 1980" not in set(fast["raw"])


_TEXT_PIECES = st.sampled_from(
    ["May", "mai", "de", "Sat", "the", "Bogus", "17", "5", "80", "1980", "123", "0", "99", "31"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_TEXT_PIECES, st.sampled_from([" ", "-", ", ", ". ", "/", "'"])),
        min_size=1,
        max_size=6,
    )
)
def test_vectorised_text_reader_matches_on_generated_values(parts: list[tuple[str, str]]) -> None:
    raw = "".join(word + sep for word, sep in parts).strip()
    fast = _by_polars([raw])
    slow = _by_python([raw])
    assert fast.height <= slow.height
    if fast.height:
        assert fast.equals(slow)


def test_normalize_date_reads_text_dates_through_both_readers_alike() -> None:
    values = pl.Series([*_TEXT_SAMPLES, "17 May 1980", None, "1980-05-17", "5/6/1980"])
    out = normalize_date(values, country="DE", today=dt.date(2025, 6, 1))
    assert out.value[0] == "1980-05-17" and out.code[0] == "fixed"
    assert out.value[2] == "1980-05-17"  # 17-May-80
    assert out.value[13] is None and out.code[13] == "invalid"  # May June 1980
    assert out.value[21] is None or out.value[21] == "1980-05-05"  # time read by Python only
