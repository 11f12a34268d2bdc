import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import custclean as cc
from custclean.errors import CustcleanError
from custclean.merging import LINEAGE_SCHEMA, RULES, MergeResult, merge

COLUMNS = [
    "source_row",
    "customer_code",
    "first_name",
    "last_name",
    "email",
    "cell_phone",
    "cell_phone_ext",
    "work_phone",
    "dob",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "last_updated",
]


def frame(rows):
    return pl.DataFrame(
        rows,
        schema={c: (pl.Int64 if c == "source_row" else pl.String) for c in COLUMNS},
        orient="row",
    )


# A customer written three times (typo variants), who moved: row 30 has the newer address and
# the latest last_updated; row 4 is the most complete record; row 18 holds the only dob.
SMITH = frame(
    [
        (4, "C-118", "Jonathan", "Smith", "jon.smith@gmail.com", "+16175550123", "12",
         "+16175559876", None, "12 Elm St", "Apt 3", "Boston", "MA", "02134", "US",
         "03/15/2021"),
        (18, None, "Jonathon", "Smith", "jsmith@work.example.com", "+16175550123", None,
         None, "1984-07-02", None, None, "Boston", "MA", None, "US", "2020-01-02"),
        (30, "C-118", "Jon", "Smith", "jon.smith@gmail.com", "+16175550199", None, None,
         None, "400 Beacon St", None, "Chestnut Hill", "MA", "02467", "US", "2024-06-30"),
    ]
)  # fmt: skip
OTHERS = frame(
    [
        (5, "C-200", "Maria", "García", "maria@prodigy.net.mx", "+525512345678", None, None,
         "1990-02-03", "Av. Juárez 10", None, "Ciudad de México", "CMX", "06000", "MX",
         "2022-05-05"),
        (9, None, "Li", "Wei", None, None, None, None, None, None, None, "Toronto", "ON",
         None, "CA", None),
    ]
)  # fmt: skip
RECORDS = pl.concat([SMITH, OTHERS]).sort("source_row")
LINKS = pl.DataFrame(
    {"source_row": [4, 18, 30, 5, 9], "cluster_id": ["c-smith"] * 3 + ["c-garcia", "c-li"]}
)


def golden_row(result, cluster):
    return result.data.filter(pl.col("cluster_id") == cluster).row(0, named=True)


def lineage_of(result, cluster, field):
    return result.lineage.filter(
        (pl.col("cluster_id") == cluster) & (pl.col("field") == field)
    ).rows(named=True)


def test_default_rules_master_is_most_complete_and_blanks_are_filled():
    result = merge(RECORDS, LINKS)
    smith = golden_row(result, "c-smith")
    assert smith["source_row"] == 4  # the most complete record is the master
    assert smith["source_rows"] == [4, 18, 30]
    assert smith["cluster_size"] == 3
    assert (smith["first_name"], smith["email"], smith["address1"]) == (
        "Jonathan",
        "jon.smith@gmail.com",
        "12 Elm St",
    )
    # the master has no dob: it comes from the only member holding one
    assert smith["dob"] == "1984-07-02"
    (dob,) = lineage_of(result, "c-smith", "dob")
    assert dob["source_row"] == 18
    assert dob["rule"] == "master"
    assert dob["note"].startswith("master's value empty; most frequent: 1 of 3 members")
    (first,) = lineage_of(result, "c-smith", "first_name")
    assert first["source_row"] == 4
    assert first["note"] == "master record (12 filled fields); 2 other values in the cluster"


def test_every_distinct_email_and_phone_is_kept():
    result = merge(RECORDS, LINKS)
    smith = golden_row(result, "c-smith")
    assert smith["other_emails"] == ["jsmith@work.example.com"]
    assert smith["other_phones"] == ["+16175550199"]
    emails = lineage_of(result, "c-smith", "email")
    assert [(e["value"], e["source_row"], e["rule"]) for e in emails] == [
        ("jon.smith@gmail.com", 4, "master"),
        ("jsmith@work.example.com", 18, "kept"),
    ]
    assert emails[1]["note"] == "not chosen; kept in other_emails"
    phones = result.lineage.filter(
        (pl.col("cluster_id") == "c-smith") & pl.col("field").is_in(["cell_phone", "work_phone"])
    )
    assert set(phones["value"]) == {"+16175550123", "+16175559876", "+16175550199"}
    # singletons keep nothing aside
    assert golden_row(result, "c-garcia")["other_emails"] == []


def test_most_recent_address_moves_as_one_unit():
    result = merge(RECORDS, LINKS, {"address": "most_recent"}, recency_column="last_updated")
    smith = golden_row(result, "c-smith")
    assert (smith["address1"], smith["address2"], smith["city"], smith["zip"]) == (
        "400 Beacon St",
        None,  # not stitched from the master's "Apt 3"
        "Chestnut Hill",
        "02467",
    )
    assert smith["first_name"] == "Jonathan"  # other fields keep the default
    zips = lineage_of(result, "c-smith", "zip")
    assert zips[0]["source_row"] == 30
    assert zips[0]["note"].startswith("newest last_updated 2024-06-30")
    assert result.rules["city"] == "most_recent"
    assert result.rules["email"] == "master"
    assert result.options["recency_column"] == "last_updated"


def test_most_recent_reads_date_columns_and_puts_undated_records_last():
    records = RECORDS.with_columns(
        pl.col("last_updated").str.to_date("%Y-%m-%d", strict=False).alias("updated")
    ).drop("last_updated")
    result = merge(records, LINKS, {"email": "most_recent"}, recency_column="updated")
    # only rows 18 and 30 have an ISO date here; row 30 is newer
    assert golden_row(result, "c-smith")["email"] == "jon.smith@gmail.com"
    assert lineage_of(result, "c-smith", "email")[0]["source_row"] == 30


def test_other_rules():
    result = merge(RECORDS, LINKS, {"first_name": "longest", "email": "most_frequent"})
    smith = golden_row(result, "c-smith")
    assert smith["first_name"] == "Jonathan"
    assert smith["email"] == "jon.smith@gmail.com"
    assert lineage_of(result, "c-smith", "first_name")[0]["note"].startswith("longest value (8")
    result = merge(RECORDS, LINKS, {"*": "most_frequent"})
    assert golden_row(result, "c-smith")["cell_phone"] == "+16175550123"  # 2 of 3
    assert golden_row(result, "c-smith")["cell_phone_ext"] == "12"  # travels with the phone
    result = merge(RECORDS, LINKS, {"*": "most_complete"})
    assert golden_row(result, "c-smith")["dob"] == "1984-07-02"
    assert set(result.rules.values()) == {"most_complete"}


def test_source_priority():
    records = RECORDS.with_columns(
        source=pl.when(pl.col("source_row") == 18).then(pl.lit("CRM")).otherwise(pl.lit("pos"))
    )
    result = merge(
        records,
        LINKS,
        {"email": "source_priority"},
        source_priority=("source", ["crm", "pos"]),
    )
    assert golden_row(result, "c-smith")["email"] == "jsmith@work.example.com"
    assert lineage_of(result, "c-smith", "email")[0]["note"].startswith(
        "source CRM (priority 1 of 2)"
    )
    assert result.options["source_priority"] == {"column": "source", "order": ["crm", "pos"]}
    same = merge(
        records, LINKS, {"email": "source_priority"}, source_priority={"source": ["crm", "pos"]}
    )
    assert same.data.equals(result.data)


def test_prefer_valid_uses_the_cleaners_issues():
    issues = pl.DataFrame(
        {
            "source_row": [4, 4],
            "field": ["email", "email"],
            "code": ["fixed", "fuzzy"],
            "value": ["jon.smith@gmial.com", "jon.smith@gmial.com"],
            "result": ["jon.smith@gmail.com"] * 2,
            "message": ["typo", "typo"],
        }
    )
    cleaned = cc.CleanResult(data=RECORDS, issues=issues)
    result = merge(cleaned, LINKS, {"email": "prefer_valid"})
    # row 4's e-mail was guessed (fuzzy); row 30 holds the same value without doubt
    assert lineage_of(result, "c-smith", "email")[0]["source_row"] == 30
    assert lineage_of(result, "c-smith", "email")[0]["note"].startswith("no doubtful issue")
    # a "fixed" formatting change is no doubt at all
    fixed_only = cc.CleanResult(data=RECORDS, issues=issues.head(1))
    result = merge(fixed_only, LINKS, {"email": "prefer_valid"})
    assert lineage_of(result, "c-smith", "email")[0]["source_row"] == 4
    with pytest.raises(CustcleanError, match="prefer_valid needs the cleaner's issues"):
        merge(RECORDS, LINKS, {"email": "prefer_valid"})
    assert merge(RECORDS, LINKS, {"email": "prefer_valid"}, issues=issues).data.height == 3


def test_bad_rules_and_options_raise_clear_errors():
    with pytest.raises(CustcleanError, match="unknown survivorship rule 'newest'") as err:
        merge(RECORDS, LINKS, {"email": "newest"})
    assert all(name in str(err.value) for name in RULES)
    with pytest.raises(CustcleanError, match="unknown field 'emial'") as err:
        merge(RECORDS, LINKS, {"emial": "longest"})
    assert "email" in str(err.value) and "address" in str(err.value)
    with pytest.raises(CustcleanError, match="needs recency_column"):
        merge(RECORDS, LINKS, {"email": "most_recent"})
    with pytest.raises(CustcleanError, match="recency_column 'updated' is not a column"):
        merge(RECORDS, LINKS, recency_column="updated")
    with pytest.raises(CustcleanError, match="source_priority needs source_priority"):
        merge(RECORDS, LINKS, {"email": "source_priority"})
    with pytest.raises(CustcleanError, match="conflicting survivorship rules for 'address'"):
        merge(RECORDS, LINKS, {"city": "most_recent", "zip": "longest"}, recency_column="dob")
    with pytest.raises(CustcleanError, match="column 'channel'"):
        merge(RECORDS, LINKS, source_priority=("channel", ["web"]))


def test_bad_links_raise_clear_errors():
    with pytest.raises(CustcleanError, match="source_row 4 is in more than one cluster"):
        merge(RECORDS, pl.concat([LINKS, LINKS.head(1)]))
    with pytest.raises(CustcleanError, match="source_row 77, which is not in the records"):
        merge(RECORDS, pl.DataFrame({"source_row": [77], "cluster_id": ["x"]}))
    with pytest.raises(CustcleanError, match="missing: cluster_id"):
        merge(RECORDS, LINKS.drop("cluster_id"))
    with pytest.raises(CustcleanError, match="appears more than once"):
        merge(pl.concat([RECORDS, RECORDS]), LINKS)
    with pytest.raises(CustcleanError, match="golden records"):
        merge(merge(RECORDS, LINKS).data)


def test_links_may_be_a_link_result_and_may_leave_records_out():
    class FakeLinks:
        clusters = LINKS.filter(pl.col("source_row") != 9)

    result = merge(RECORDS, FakeLinks())
    li = result.data.filter(pl.col("source_rows") == [9]).row(0, named=True)
    assert li["cluster_id"].startswith("c") and len(li["cluster_id"]) == 17
    assert li["cluster_size"] == 1
    assert result.data.height == 3


def test_merging_singletons_returns_the_records_unchanged():
    result = merge(RECORDS)
    assert result.data.height == RECORDS.height
    assert result.data.select(RECORDS.columns).equals(RECORDS)
    assert (result.data["source_rows"].list.len() == 1).all()
    assert result.data["cluster_id"].n_unique() == RECORDS.height
    # one lineage row per filled value, each from the record itself
    filled = sum(RECORDS[c].is_not_null().sum() for c in RECORDS.columns if c != "source_row")
    assert result.lineage.height == filled
    assert result.lineage.schema == pl.Schema(LINEAGE_SCHEMA)


def test_merging_golden_records_again_changes_nothing():
    first = merge(RECORDS, LINKS)
    again_input = first.data.drop(
        "cluster_id", "source_rows", "cluster_size", "other_emails", "other_phones"
    )
    again = merge(again_input)
    assert again.data.select(again_input.columns).equals(again_input)


def test_a_real_cleaned_frame():
    raw = pl.DataFrame(
        {
            "Cust #": ["C1", "C1 ", "C2"],
            "First Name": ["ROBERT", "Bob", "Ann"],
            "Surname": ["smith", "Smith", "Lee"],
            "E-mail": ["Bob@X.org ", "bob@x.org", "ann@y.org"],
            "Mobile #": ["(617) 555-0123", "617.555.0123", None],
            "DOB": ["5/17/1980", None, "1990-01-01"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cleaned = cc.clean(cc.map_columns(raw), region="US")
    links = pl.DataFrame({"source_row": [1, 2, 3], "cluster_id": ["a", "a", "b"]})
    result = merge(cleaned, links)
    assert result.data["source_rows"].to_list() == [[1, 2], [3]]
    row = golden_row(result, "a")
    assert (row["email"], row["cell_phone"], row["dob"]) == (
        "bob@x.org",
        "+16175550123",
        "1980-05-17",
    )
    assert row["other_emails"] == [] and row["other_phones"] == []
    # every cleaned column is there, in order, after the cluster columns
    assert result.data.columns[4 : 4 + cleaned.data.width - 1] == cleaned.data.columns[1:]


def test_summary_repr_and_html():
    result = merge(RECORDS, LINKS)
    counts = dict(result.summary().iter_rows())
    assert counts["records"] == 5
    assert counts["golden records"] == 3
    assert counts["merged clusters"] == 1
    assert counts["values from a non-master member"] == 1  # the dob
    assert counts["other e-mails kept"] == 1
    assert "5 records → 3 golden records" in repr(result)
    weird = merge(RECORDS.rename({"last_updated": "<b>"}), LINKS, {"<b>": "longest"})._repr_html_()
    assert "&lt;b&gt;: longest" in weird and "<b>:" not in weird
    assert isinstance(result, MergeResult)
    assert result.explain(18).equals(result.explain("c-smith"))
    with pytest.raises(CustcleanError, match="no golden record holds source_row 1000"):
        result.explain(1000)


def test_determinism_under_input_reordering():
    result = merge(RECORDS, LINKS, {"address": "most_recent"}, recency_column="last_updated")
    for seed in range(3):
        shuffled = merge(
            RECORDS.sample(fraction=1, shuffle=True, seed=seed),
            LINKS.sample(fraction=1, shuffle=True, seed=seed + 10),
            {"address": "most_recent"},
            recency_column="last_updated",
        )
        assert shuffled.data.equals(result.data)
        assert shuffled.lineage.equals(result.lineage)


def test_demo_data_every_entity_becomes_one_golden_record():
    from custclean.demo import generate

    d = generate(600, seed=5)
    records = d.truth.drop("entity_id", "household_id")
    links = d.truth.select("source_row", pl.format("e{}", "entity_id").alias("cluster_id"))
    result = merge(records, links)
    assert result.data.height == d.truth["entity_id"].n_unique()
    assert sorted(result.data["source_rows"].explode().to_list()) == list(range(1, 601))
    # nothing lost: every e-mail of every entity is golden or kept aside
    emails = d.truth.drop_nulls("email").select(
        pl.format("e{}", "entity_id").alias("cluster_id"), "email"
    )
    golden = result.data.select("cluster_id", pl.concat_list("email", "other_emails").alias("e"))
    held = golden.explode("e").drop_nulls("e").rename({"e": "email"})
    assert emails.join(held, on=["cluster_id", "email"], how="anti").height == 0
    # each golden value comes from a member of its own cluster
    members = result.data.select("cluster_id", "source_rows").explode("source_rows")
    joined = result.lineage.join(
        members, left_on=["cluster_id", "source_row"], right_on=["cluster_id", "source_rows"]
    )
    assert joined.height == result.lineage.height


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    assignment=st.lists(st.integers(0, 6), min_size=1, max_size=30),
    emails=st.lists(st.sampled_from([None, "a@x.org", "b@x.org", "c@x.org"]), min_size=30),
    seed=st.integers(0, 1000),
)
def test_every_row_is_in_exactly_one_golden_record(assignment, emails, seed):
    n = len(assignment)
    records = pl.DataFrame(
        {
            "source_row": [i * 2 + 1 for i in range(n)],
            "email": emails[:n],
            "first_name": [None if i % 3 == 0 else f"N{i % 4}" for i in range(n)],
            "city": [None if i % 2 else "Oslo" for i in range(n)],
        }
    )
    links = records.select("source_row").with_columns(
        cluster_id=pl.Series([f"k{a}" for a in assignment])
    )
    result = merge(records.sample(fraction=1, shuffle=True, seed=seed), links)
    rows = result.data["source_rows"].explode().sort().to_list()
    assert rows == records["source_row"].to_list()
    assert result.data.height == len(set(assignment))
    assert result.data["cluster_size"].sum() == n
    # every distinct e-mail of a cluster is golden or in other_emails, exactly once
    for row in result.data.iter_rows(named=True):
        members = records.filter(pl.col("source_row").is_in(row["source_rows"]))
        distinct = set(members["email"].drop_nulls())
        kept = ([row["email"]] if row["email"] else []) + row["other_emails"]
        assert sorted(kept) == sorted(distinct)
    # the golden master is a member and the most complete one
    for row in result.data.iter_rows(named=True):
        assert row["source_row"] in row["source_rows"]
