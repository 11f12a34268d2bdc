import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custclean.errors import CustcleanError
from custclean.link.server_keys import (
    COLLISION_SCHEMA,
    KEY_OWNER_SCHEMA,
    SERVER_KEYS,
    collision_summary,
    collisions_html,
    key_owner,
    server_collisions,
)

FIELDS = ["first_name", "last_name", "email", "customer_code", "cell_phone", "dob"]


def records(*rows):
    """rows: (source_row, first, last, email, code, cell, dob)."""
    return pl.DataFrame(
        [dict(zip(["source_row", *FIELDS], r, strict=True)) for r in rows],
        schema={"source_row": pl.Int64, **dict.fromkeys(FIELDS, pl.String)},
    )


def clusters(mapping):
    return pl.DataFrame(
        {"source_row": list(mapping), "cluster_id": list(mapping.values())},
        schema={"source_row": pl.Int64, "cluster_id": pl.String},
    )


SPOUSES = records(
    (12, "Mary", "Johnson", "johnsonfamily@gmail.com", "C100", "+13125550101", "1972-04-09"),
    (40, "Robert", "Johnson", "johnsonfamily@gmail.com", "C101", "+13125550177", "1969-11-30"),
    (41, "Ann", "Lee", "ann.lee@yahoo.com", "C102", None, None),
)


def test_spouses_sharing_an_email_collide_and_are_different_people():
    out = server_collisions(SPOUSES, "franpos", clusters=clusters({12: "a", 40: "b", 41: "c"}))
    assert out.schema == pl.Schema(COLLISION_SCHEMA)
    assert out["source_row"].to_list() == [12, 40]
    assert out["keys"].to_list() == ["email", "email"]
    assert out["key_value"].to_list() == ["johnsonfamily@gmail.com"] * 2
    assert out["same_entity"].to_list() == [False, False]
    assert out["keeps_key"].to_list() == [False, True]  # the later row overwrites the earlier
    assert out["upload_order"].to_list() == [1, 2]
    assert out["collision_id"].n_unique() == 1
    message = out["message"][0]
    assert message.startswith("rows 12 and 40 share the e-mail johnsonfamily@gmail.com")
    assert "different people" in message
    assert "Franpos would overwrite row 12 with row 40" in message
    assert "key_owner" in message


def test_same_customer_twice_is_reported_with_merge_advice():
    out = server_collisions(SPOUSES, "franpos", clusters=clusters({12: "a", 40: "a", 41: "c"}))
    assert out["same_entity"].to_list() == [True, True]
    assert "are the same customer" in out["message"][0]
    assert "merge them first" in out["message"][0]


def test_without_clusters_same_entity_is_null():
    out = server_collisions(SPOUSES, "franpos")
    assert out["same_entity"].null_count() == 2
    assert "different people" not in out["message"][0]


def test_chain_by_email_then_phone_is_one_group():
    recs = records(
        (3, "Ana", "Diaz", "ana@x.mx", None, "+525511112222", None),
        (9, "Ana", "Díaz", "ana@x.mx", None, "+525533334444", None),
        (15, "Luis", "Diaz", "luis@x.mx", None, "+525533334444", None),
        (20, "Zed", "Zorn", "zed@x.mx", None, "+525599990000", None),
    )
    out = server_collisions(recs, "franpos", clusters=clusters({3: "a", 9: "a", 15: "b", 20: "z"}))
    assert out["collision_id"].n_unique() == 1
    assert out["source_row"].to_list() == [3, 9, 15]
    assert out["keys"].to_list() == ["email", "cell_phone+email", "cell_phone"]
    assert out["key_value"][1] == "+525533334444 | ana@x.mx"
    assert out["keeps_key"].to_list() == [False, False, True]
    assert out["group_size"].to_list() == [3, 3, 3]
    assert out["same_entity"].to_list() == [False] * 3
    message = out["message"][0]
    assert "the cell phone +525533334444 (rows 9 and 15)" in message
    assert "the e-mail ana@x.mx (rows 3 and 9)" in message
    assert "2 different people" in message
    assert "values of row 15, overwriting rows 3 and 9" in message


def test_existing_customer_hit_updates_that_customer():
    recs = records((7, "Jo", "Ray", None, None, "+13125550123", None))
    existing = pl.DataFrame(
        {"existing_id": [456, 457], "cell_phone": ["+13125550123", "+13125550999"]}
    )
    out = server_collisions(recs, "franpos", existing=existing)
    assert out.select("source_row", "existing_id", "upload_order", "keeps_key").rows() == [
        (None, "456", 0, False),
        (7, None, 1, True),
    ]
    assert out["message"][0] == (
        "row 7 shares the cell phone +13125550123 with existing customer #456: "
        "Franpos would update #456 with row 7."
    )
    # no fuzzy judgment about the existing customer: not judged
    out = server_collisions(recs, "franpos", existing=existing, clusters=clusters({7: "a"}))
    assert out["same_entity"].to_list() == [None, None]


def test_existing_customer_judged_a_different_person_would_be_overwritten():
    recs = records((7, "Jo", "Ray", None, None, "+13125550123", None))
    existing = pl.DataFrame({"existing_id": ["456"], "cell_phone": ["+13125550123"]})
    links = clusters({7: "a"}).with_columns(existing_id_fuzzy=pl.lit(None, dtype=pl.String))
    out = server_collisions(recs, "franpos", existing=existing, clusters=links)
    assert out["same_entity"].to_list() == [False, False]
    assert "Franpos would overwrite #456 with row 7" in out["message"][0]
    links = clusters({7: "a"}).with_columns(existing_id=pl.lit("456"))
    out = server_collisions(recs, "franpos", existing=existing, clusters=links)
    assert out["same_entity"].to_list() == [True, True]


def test_existing_customers_alone_are_not_collisions_of_the_upload():
    recs = records((1, "A", "B", "a@b.com", None, None, None))
    existing = pl.DataFrame({"existing_id": ["1", "2"], "email": ["dup@x.com", "dup@x.com"]})
    out = server_collisions(recs, "franpos", existing=existing)
    assert out.height == 0
    assert out.schema == pl.Schema(COLLISION_SCHEMA)


def test_two_existing_customers_hit_by_different_keys():
    recs = records((5, "Kim", "Park", "kim@x.com", None, "+13125550100", None))
    existing = pl.DataFrame(
        {
            "existing_id": ["11", "22"],
            "email": ["kim@x.com", None],
            "cell_phone": [None, "+13125550100"],
        }
    )
    out = server_collisions(recs, "franpos", existing=existing)
    assert out["existing_id"].to_list() == ["11", "22", None]
    assert "one of #11 and #22 (which key wins is not documented by Franpos)" in out["message"][0]


def test_wasp_collides_on_customer_number_only():
    recs = records(
        (1, "Ann", "Lee", "shared@x.com", "C-7", None, None),
        (2, "Bob", "Lee", "shared@x.com", "C-8", None, None),
        (3, "Ann", "Lee", "ann@x.com", "C-7", None, None),
    )
    out = server_collisions(recs, "wasp", clusters=clusters({1: "a", 2: "b", 3: "a"}))
    assert out["source_row"].to_list() == [1, 3]
    assert out["keys"].to_list() == ["customer_code", "customer_code"]
    assert out["target"].unique().to_list() == ["wasp"]
    assert "CustomerNumber C-7" in out["message"][0]
    assert "Wasp would overwrite row 1 with row 3" in out["message"][0]
    assert SERVER_KEYS["wasp"] == ("customer_code",)


def test_no_collisions_gives_an_empty_frame_with_the_schema():
    recs = records(
        (1, "Ann", "Lee", "a@x.com", "C1", "+13125550101", None),
        (2, "Bob", "Ray", "b@x.com", "C2", "+13125550102", None),
    )
    for target in ("franpos", "wasp"):
        out = server_collisions(recs, target)
        assert out.height == 0
        assert out.schema == pl.Schema(COLLISION_SCHEMA)
    # a frame without any key column, and an empty frame
    assert server_collisions(pl.DataFrame({"source_row": [1, 2]}), "franpos").height == 0
    empty = pl.DataFrame(schema={"source_row": pl.Int64, "email": pl.String})
    assert server_collisions(empty, "franpos").schema == pl.Schema(COLLISION_SCHEMA)


def test_blank_values_are_not_keys():
    recs = pl.DataFrame(
        {"source_row": [1, 2, 3], "email": ["", "  ", None], "customer_code": [" C9", "C9 ", ""]}
    )
    out = server_collisions(recs, "franpos")
    assert out["source_row"].to_list() == [1, 2]
    assert out["keys"].to_list() == ["customer_code"] * 2


def test_collision_ids_are_stable_under_reordering_and_added_records():
    base = server_collisions(SPOUSES, "franpos")
    more = pl.concat(
        [records((99, "Zed", "Zorn", "zed@x.com", None, None, None)), SPOUSES.reverse()]
    )
    again = server_collisions(more, "franpos")
    assert base.equals(again)
    assert base["collision_id"][0].startswith("sc-")
    # the target is part of the id
    wasp = server_collisions(SPOUSES.with_columns(customer_code=pl.lit("C1")), "wasp")[
        "collision_id"
    ][0]
    assert wasp != base["collision_id"][0]


def test_bad_input_raises_clear_errors():
    with pytest.raises(CustcleanError, match=r"unknown target 'shopify'.*franpos, wasp"):
        server_collisions(SPOUSES, "shopify")
    with pytest.raises(CustcleanError, match="source_row"):
        server_collisions(SPOUSES.drop("source_row"), "franpos")
    with pytest.raises(CustcleanError, match="appears more than once"):
        server_collisions(pl.concat([SPOUSES, SPOUSES]), "franpos")
    with pytest.raises(CustcleanError, match="existing_id"):
        server_collisions(SPOUSES, "franpos", existing=pl.DataFrame({"email": ["x@y.z"]}))
    with pytest.raises(CustcleanError, match="cluster_id"):
        server_collisions(SPOUSES, "franpos", clusters=pl.DataFrame({"source_row": [12]}))
    # target names are read case-insensitively
    assert server_collisions(SPOUSES, " Franpos ").height == 2


def test_key_owner_gives_the_shared_email_to_the_most_complete_record():
    recs = SPOUSES.with_columns(
        dob=pl.when(pl.col("source_row") == 12).then(None).otherwise(pl.col("dob"))
    )
    found = server_collisions(recs, "franpos", clusters=clusters({12: "a", 40: "b", 41: "c"}))
    owners = key_owner(found, recs)
    assert owners.schema == pl.Schema(KEY_OWNER_SCHEMA)
    assert owners.select("source_row", "keeps", "owner_source_row").rows() == [
        (12, False, 40),
        (40, True, 40),
    ]
    assert owners["reason"][0] == "row 40 is the most complete (6 filled fields)"
    first = key_owner(found, recs, rule="first")
    assert first.filter("keeps")["source_row"].to_list() == [12]
    assert first["reason"][0] == "row 12 is first in upload order"
    # ties go to the first in upload order
    tied = key_owner(found, SPOUSES)
    assert tied.filter("keeps")["source_row"].to_list() == [12]
    assert "tied" in tied["reason"][0]


def test_key_owner_leaves_same_customer_groups_alone_and_prefers_existing_customers():
    same = server_collisions(SPOUSES, "franpos", clusters=clusters({12: "a", 40: "a", 41: "c"}))
    assert key_owner(same, SPOUSES).height == 0
    assert key_owner(same, SPOUSES, only_different=False).height == 2
    recs = records((7, "Jo", "Ray", None, None, "+13125550123", None))
    existing = pl.DataFrame({"existing_id": ["456"], "cell_phone": ["+13125550123"]})
    links = clusters({7: "a"}).with_columns(existing_id=pl.lit(None, dtype=pl.String))
    found = server_collisions(recs, "franpos", existing=existing, clusters=links)
    owners = key_owner(found, recs)
    assert owners.select("source_row", "existing_id", "keeps").rows() == [
        (None, "456", True),
        (7, None, False),
    ]
    assert owners["reason"][1] == "existing customer #456 already holds it on the server"
    with pytest.raises(CustcleanError, match="first, most_complete"):
        key_owner(found, recs, rule="newest")


def test_key_owner_in_a_chain_owns_each_shared_value_separately():
    recs = records(
        (3, "Ana", "Diaz", "ana@x.mx", None, "+525511112222", "1980-01-01"),
        (9, "Eva", "Diaz", "ana@x.mx", None, "+525533334444", None),
        (15, "Luis", "Diaz", "luis@x.mx", None, "+525533334444", "1978-02-02"),
    )
    found = server_collisions(recs, "franpos", clusters=clusters({3: "a", 9: "b", 15: "c"}))
    owners = key_owner(found, recs)
    kept = owners.filter("keeps").select("key", "source_row").rows()
    assert kept == [("cell_phone", 15), ("email", 3)]
    assert owners.height == 4


def test_summary_and_html():
    out = server_collisions(SPOUSES, "franpos", clusters=clusters({12: "a", 40: "b", 41: "c"}))
    counts = dict(collision_summary(out).iter_rows())
    assert counts["groups"] == 1
    assert counts["different people"] == 1
    html = collisions_html(out.with_columns(message=pl.lit("<b>rows & more</b>")), limit=5)
    assert "&lt;b&gt;rows &amp; more&lt;/b&gt;" in html


def test_demo_households_show_up_as_collisions_of_different_people():
    from custclean.demo import generate

    d = generate(400, seed=3)
    truth = d.truth
    links = truth.select("source_row", pl.col("entity_id").cast(pl.String).alias("cluster_id"))
    out = server_collisions(truth, "franpos", clusters=links, existing=d.existing)
    assert out.height > 0
    # every listed incoming row shares a key with another member of its group
    groups = out.group_by("collision_id").agg(pl.len())
    assert groups["len"].min() >= 2
    # the fuzzy judgment agrees with the truth for incoming-only groups
    incoming_only = out.filter(pl.col("existing_id").is_null().all().over("collision_id"))
    check = incoming_only.join(truth.select("source_row", "entity_id"), on="source_row")
    per = check.group_by("collision_id").agg(
        pl.col("same_entity").first(), (pl.col("entity_id").n_unique() == 1).alias("truth")
    )
    assert (per["same_entity"] == per["truth"]).all()


# --- property: the groups are exactly the connected components of shared keys -------------


def _components_reference(rows):
    parent = {r: r for r, *_ in rows}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen = {}
    for row, *keys in rows:
        for name, value in zip(("email", "customer_code", "cell_phone"), keys, strict=True):
            if value is None:
                continue
            other = seen.setdefault((name, value), row)
            parent[find(row)] = find(other)
    groups = {}
    for row, *_ in rows:
        groups.setdefault(find(row), []).append(row)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "a@x.com", "b@x.com", "c@x.com"]),
            st.sampled_from([None, "C1", "C2", "C3", "C4"]),
            st.sampled_from([None, "+13125550101", "+13125550102"]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_groups_are_the_connected_components_of_shared_keys(values):
    rows = [(i * 3 + 1, *v) for i, v in enumerate(values)]
    frame = pl.DataFrame(
        rows,
        schema={
            "source_row": pl.Int64,
            "email": pl.String,
            "customer_code": pl.String,
            "cell_phone": pl.String,
        },
        orient="row",
    )
    out = server_collisions(frame, "franpos")
    got = sorted(
        sorted(g) for g in out.group_by("collision_id").agg("source_row")["source_row"].to_list()
    )
    assert got == _components_reference(rows)
    # exactly one record per group keeps the key: the last in upload order
    keepers = out.filter("keeps_key").group_by("collision_id").agg(pl.col("source_row").max())
    last = out.group_by("collision_id").agg(pl.col("source_row").max())
    assert keepers.sort("collision_id").equals(last.sort("collision_id"))


def test_a_long_chain_is_one_group_whatever_the_order():
    # row k shares an e-mail with row k+1 when k is even, a cell phone when k is odd: a chain of
    # 12 records that min-label propagation needs several rounds to settle
    n = 12
    emails = [f"e{k // 2}@x.com" if k % 2 == 0 else f"e{(k - 1) // 2}@x.com" for k in range(n)]
    phones = [None] + [f"+1312555{(k - 1) // 2:04d}" if k % 2 else f"+1312555{(k - 2) // 2:04d}"
                       for k in range(1, n)]  # fmt: skip
    rows = list(range(n, 0, -1))  # upload order reversed against the chain
    frame = pl.DataFrame(
        {"source_row": rows, "email": emails, "cell_phone": phones},
        schema={"source_row": pl.Int64, "email": pl.String, "cell_phone": pl.String},
    )
    out = server_collisions(frame, "franpos")
    assert out["collision_id"].n_unique() == 1
    assert sorted(out["source_row"].to_list()) == rows[::-1]
