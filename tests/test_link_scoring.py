"""MatchModel: unsupervised Fellegi–Sunter scoring on demo data and on hard household pairs."""

from __future__ import annotations

import dataclasses
import math

import polars as pl
import pytest

import custclean as cc
from custclean.demo import generate
from custclean.link.comparisons import COMPARISONS, compare, comparison, prepare
from custclean.link.scoring import JOINT_RELEASE, MatchModel, _released_parts, person_evidence

ADDRESS_EXACT = comparison("address").gamma("exact")
POSTAL_EXACT = comparison("postal").gamma("exact")

FIELDS = (
    "first_name",
    "last_name",
    "email",
    "cell_phone",
    "dob",
    "gender",
    "address1",
    "city",
    "zip",
    "country",
    "suffix",
    "customer_code",
)


def _pairs_within(prepared: pl.DataFrame, key: str) -> pl.DataFrame:
    k = prepared.select("source_row", key).drop_nulls()
    return (
        k.join(k, on=key)
        .filter(pl.col("source_row") < pl.col("source_row_right"))
        .select(
            pl.col("source_row").alias("source_row_l"),
            pl.col("source_row_right").alias("source_row_r"),
        )
    )


@pytest.fixture(scope="module")
def demo() -> dict:
    data = generate(3000, seed=23)
    cleaned = cc.clean(cc.map_columns(data.messy)).data
    prepared = prepare(cleaned)
    pairs = (
        pl.concat(
            [
                _pairs_within(prepared, "last_soundex"),
                _pairs_within(prepared, "email_norm"),
                _pairs_within(prepared, "cell_e164"),
            ]
        )
        .unique()
        .sort("source_row_l", "source_row_r")
    )
    gammas = compare(prepared, pairs)
    model = MatchModel.estimate(gammas, prepared)
    truth = data.truth.select("source_row", "entity_id", "household_id")
    scored = (
        model.score(gammas, prepared)
        .join(truth.rename(lambda c: f"{c}_l"), on="source_row_l")
        .join(truth.rename(lambda c: f"{c}_r"), on="source_row_r")
        .with_columns(
            same=pl.col("entity_id_l") == pl.col("entity_id_r"),
            household=(pl.col("household_id_l") == pl.col("household_id_r")).fill_null(False)
            & (pl.col("entity_id_l") != pl.col("entity_id_r")),
        )
    )
    true_pairs = (
        truth.group_by("entity_id")
        .len()
        .select((pl.col("len") * (pl.col("len") - 1) // 2).sum())
        .item()
    )
    return {
        "prepared": prepared,
        "gammas": gammas,
        "model": model,
        "scored": scored,
        "true": true_pairs,
    }


def test_demo_precision_and_recall_are_high(demo: dict) -> None:
    scored = demo["scored"]
    predicted = scored["probability"] >= 0.99
    tp = int((predicted & scored["same"]).sum())
    fp = int((predicted & ~scored["same"]).sum())
    precision = tp / (tp + fp)
    recall = tp / demo["true"]
    assert precision >= 0.97, (precision, recall)
    assert recall >= 0.97, (precision, recall)


def test_demo_households_are_never_matches(demo: dict) -> None:
    households = demo["scored"].filter("household")
    assert households.height > 20  # the demo has households sharing phone / e-mail / address
    assert households["probability"].max() < 0.8
    assert households["identity_conflict"].all()


def test_learned_weights_make_sense(demo: dict) -> None:
    p = demo["model"].parameters()
    weight = {(r["comparison"], r["level"]): r["weight"] for r in p.iter_rows(named=True)}
    assert weight[("first_name", "else")] < -6
    assert weight[("dob", "else")] < -6
    assert weight[("dob", "exact")] > 8
    assert weight[("email", "exact")] > weight[("email", "local_part")] > 0
    assert weight[("phone", "cell_exact")] > 8
    assert weight[("first_name", "exact")] > weight[("first_name", "jaro_winkler>=0.80")]
    assert p["m"].is_between(0, 1).all() and p["u"].is_between(0, 1).all()
    sums = p.group_by("comparison").agg(pl.col("m").sum(), pl.col("u").sum())
    assert all(
        math.isclose(v, 1.0, abs_tol=1e-9) for v in sums["m"].to_list() + sums["u"].to_list()
    )


def test_estimate_is_deterministic(demo: dict) -> None:
    again = MatchModel.estimate(demo["gammas"], demo["prepared"])
    assert again.parameters().equals(demo["model"].parameters())
    assert again.prior == demo["model"].prior


def test_labels_refine_the_model(demo: dict) -> None:
    scored = demo["scored"]
    labels = scored.filter(pl.col("household")).select(
        "source_row_l", "source_row_r", pl.lit(False).alias("is_match")
    )
    refined = MatchModel.estimate(demo["gammas"], demo["prepared"], labels=labels)
    assert not refined.parameters().equals(demo["model"].parameters())
    with pytest.raises(ValueError, match="labels need"):
        MatchModel.estimate(demo["gammas"], demo["prepared"], labels=labels.drop("is_match"))


def _people(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": [r["source_row"] for r in rows],
            **{f: [r.get(f) for r in rows] for f in FIELDS},
        },
        schema={"source_row": pl.Int64, **{f: pl.String for f in FIELDS}},
    )


HOME = {
    "last_name": "Smith",
    "email": "smithfamily@gmail.com",
    "cell_phone": "+13125550123",
    "address1": "12 Elm Street",
    "city": "Chicago",
    "zip": "60601",
    "country": "US",
}


@pytest.fixture(scope="module")
def hard(demo: dict) -> pl.DataFrame:
    """Household look-alikes scored with the model learned on the demo data."""
    people = _people(
        {
            "source_row": -1,
            **HOME,
            "first_name": "John",
            "dob": "1950-04-02",
            "gender": "male",
            "suffix": "Sr.",
        },
        {
            "source_row": -2,
            **HOME,
            "first_name": "John",
            "dob": "1978-09-30",
            "gender": "male",
            "suffix": "Jr.",
        },
        {"source_row": -3, **HOME, "first_name": "Mary", "dob": "1952-01-15", "gender": "female"},
        {"source_row": -4, **HOME, "first_name": "Ethan", "dob": "2004-06-11", "gender": "male"},
        {"source_row": -5, **HOME, "first_name": "Noah", "dob": "2004-06-11", "gender": "male"},
        # true duplicates of John Sr.: nickname + typo in surname + no e-mail; swapped names
        {
            "source_row": -6,
            **HOME,
            "first_name": "Jack",
            "last_name": "Smiht",
            "email": None,
            "dob": "1950-04-02",
            "gender": "male",
        },
        {"source_row": -7, **HOME, "first_name": "Smith", "last_name": "John", "dob": "1950-02-04"},
        # same person after a move and a new phone, found by name + dob + e-mail
        {
            "source_row": -8,
            "first_name": "Mary",
            "last_name": "Smith",
            "email": "smithfamily@gmail.com",
            "dob": "1952-01-15",
            "address1": "4 Oak Road",
            "zip": "02134",
            "country": "US",
        },
    )
    prepared = prepare(pl.concat([demo["prepared"].select(people.columns), people]))
    pairs = pl.DataFrame(
        {
            "source_row_l": [-1, -1, -4, -1, -1, -1, -3],
            "source_row_r": [-2, -3, -5, -6, -7, -8, -8],
            "case": ["sr/jr", "spouses", "twins", "nickname+typo", "swapped", "other", "moved"],
        }
    )
    return demo["model"].score(compare(prepared, pairs), prepared)


@pytest.mark.parametrize("case", ["sr/jr", "spouses", "twins", "other"])
def test_household_members_are_kept_apart(hard: pl.DataFrame, case: str) -> None:
    row = hard.filter(pl.col("case") == case).row(0, named=True)
    assert row["probability"] < 0.05, row
    assert row["identity_conflict"]


@pytest.mark.parametrize("case", ["nickname+typo", "swapped", "moved"])
def test_messy_duplicates_are_found(hard: pl.DataFrame, case: str) -> None:
    row = hard.filter(pl.col("case") == case).row(0, named=True)
    assert row["probability"] > 0.99, row
    assert not row["identity_conflict"]


def test_rare_surnames_weigh_more_than_common_ones(demo: dict) -> None:
    base = {"first_name": "Ann", "dob": None, "country": "US"}
    people = _people(
        {"source_row": -1, **base, "last_name": "Smith"},
        {"source_row": -2, **base, "last_name": "Smith"},
        {"source_row": -3, **base, "last_name": "Xiong"},
        {"source_row": -4, **base, "last_name": "Xiong"},
    )
    smiths = _people(*[{"source_row": -10 - i, "last_name": "Smith"} for i in range(40)])
    prepared = prepare(pl.concat([people, smiths]))
    pairs = compare(prepared, pl.DataFrame({"source_row_l": [-1, -3], "source_row_r": [-2, -4]}))
    model = MatchModel.estimate(pairs, prepared, prior=0.1)
    smith, xiong = model.score(pairs, prepared)["weight_last_name"].to_list()
    assert xiong > smith >= 0


def test_explain_pair_adds_up(hard: pl.DataFrame, demo: dict) -> None:
    people = _people(
        {"source_row": 1, **HOME, "first_name": "Bob", "dob": "1960-01-01"},
        {"source_row": 2, **HOME, "first_name": "Robert", "dob": "1960-01-01"},
    )
    table = demo["model"].explain_pair(prepare(people), 1, 2)
    assert table.columns == ["comparison", "value_a", "value_b", "level", "weight", "note"]
    assert table["comparison"].to_list() == ["prior", *[c.name for c in COMPARISONS], "total"]
    body = table.filter(pl.col("comparison") != "total")["weight"].sum()
    assert math.isclose(body, table["weight"][-1])
    first = table.filter(pl.col("comparison") == "first_name").row(0, named=True)
    assert (first["value_a"], first["value_b"], first["level"]) == ("Bob", "Robert", "nickname")


def test_score_without_evidence_is_the_prior() -> None:
    g = pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}).with_columns(
        [pl.lit(-1, dtype=pl.Int8).alias(c.column) for c in COMPARISONS]
    )
    out = MatchModel.default(prior=0.2).score(g)
    assert math.isclose(out["probability"].item(), 0.2)
    assert all(out[f"weight_{c.name}"].item() == 0.0 for c in COMPARISONS)


def test_repr_and_html() -> None:
    model = MatchModel.default()
    assert "MatchModel(" in repr(model)
    assert "<table>" in model._repr_html_()
    with pytest.raises(ValueError, match="prior"):
        MatchModel.estimate(pl.DataFrame(), pl.DataFrame({"source_row": [1]}), prior=1.5)


@pytest.mark.parametrize("k", [1, 2, 7, 8, 9, 11, 15, 16, 17, 30])
def test_row_sum_is_numpys_row_sum_bit_for_bit(k: int) -> None:
    import numpy as np

    from custclean.link.scoring import _row_sum

    rng = np.random.default_rng(k)
    matrix = rng.normal(size=(2000, k)) * 10.0 ** rng.integers(-4, 4, size=(2000, k))
    columns = [np.ascontiguousarray(matrix[:, j]) for j in range(k)]
    assert np.array_equal(_row_sum(columns, 2000), matrix.sum(axis=1))


def test_household_rule_holds_on_customer_data(demo: dict) -> None:
    # demo households: different first names with one date of birth are rare (twins)
    assert demo["model"].released == ()


def _home_pairs(first: list[int], dob: list[int]) -> pl.DataFrame:
    """Pairs with one surname, street address and postal code; first name and dob given."""
    n = len(first)
    return pl.DataFrame(
        {
            "source_row_l": list(range(n)),
            "source_row_r": list(range(n, 2 * n)),
            **{c.column: [-1] * n for c in COMPARISONS},
        }
    ).with_columns(
        pl.lit(5, dtype=pl.Int8).alias("gamma_last_name"),
        pl.lit(ADDRESS_EXACT, dtype=pl.Int8).alias("gamma_address"),
        pl.lit(POSTAL_EXACT, dtype=pl.Int8).alias("gamma_postal"),
        pl.Series("gamma_first_name", first, dtype=pl.Int8),
        pl.Series("gamma_dob", dob, dtype=pl.Int8),
    )


def test_replaced_first_names_release_the_household_rule() -> None:
    # FEBRL-like: 100 pairs with the same surname, address, dob; 15 have another first name
    comparisons = COMPARISONS
    n = 100
    gammas = _home_pairs([0] * 15 + [6] * (n - 15), [4] * n)
    assert _released_parts(gammas, comparisons) == ("first_name",)
    calm = _released_parts(
        gammas.with_columns(pl.lit(6, dtype=pl.Int8).alias("gamma_first_name")), comparisons
    )
    assert calm == ()
    model = MatchModel.default(prior=0.5)
    released = dataclasses.replace(model, released=("first_name",))
    pair = gammas.head(1)
    assert model.score(pair)["identity_conflict"].item()
    assert not released.score(pair)["identity_conflict"].item()
    # a missing date of birth keeps the rule even when released
    no_dob = pair.with_columns(pl.lit(-1, dtype=pl.Int8).alias("gamma_dob"))
    assert released.score(no_dob)["identity_conflict"].item()


def test_dates_a_generation_apart_release_only_when_common() -> None:
    # FEBRL-like: 100 pairs with one first name, surname, address; 6 have a far-off birth date
    comparisons = COMPARISONS
    n = 100
    gammas = _home_pairs([6] * n, [0] * 6 + [4] * (n - 6))
    assert _released_parts(gammas, comparisons) == ("dob",)
    # one parent and child among 100: the household rule holds
    rare = gammas.with_columns(pl.Series("gamma_dob", [0] + [4] * (n - 1), dtype=pl.Int8))
    assert _released_parts(rare, comparisons) == ()
    # namesakes in one postal code (other street addresses) do not count
    namesakes = gammas.with_columns(pl.lit(0, dtype=pl.Int8).alias("gamma_address"))
    assert _released_parts(namesakes, comparisons) == ()
    model = MatchModel.default(prior=0.5)
    pair = gammas.head(1)
    assert model.score(pair)["identity_conflict"].item()
    released = dataclasses.replace(model, released=("dob",))
    assert not released.score(pair)["identity_conflict"].item()
    # a different first name as well: two identity parts disagree, the rule holds
    both = pair.with_columns(pl.lit(0, dtype=pl.Int8).alias("gamma_first_name"))
    assert released.score(both)["identity_conflict"].item()


def test_joint_release_only_when_the_two_disagreements_are_independent() -> None:
    # noise: 20 % of first names and 10 % of dates replaced, independently (2 % both)
    first = [0] * 20 + [6] * 80
    dob = ([0] * 2 + [4] * 18) + ([0] * 8 + [4] * 72)
    noise = _home_pairs(first, dob)
    assert _released_parts(noise, COMPARISONS) == ("first_name", "dob", JOINT_RELEASE)
    # households: the same single rates, but 15 more pairs differ in both (spouses, children)
    household = pl.concat([noise, _home_pairs([0] * 15, [0] * 15)])
    assert _released_parts(household, COMPARISONS) == ("first_name", "dob")
    # released jointly: different first names with a missing or different dob weigh by m
    model = MatchModel.default(prior=0.5)
    joint = dataclasses.replace(model, released=("first_name", "dob", JOINT_RELEASE))
    singles = dataclasses.replace(model, released=("first_name", "dob"))
    for d in (-1, 0):
        pair = _home_pairs([0], [d])
        assert singles.score(pair)["identity_conflict"].item()
        assert not joint.score(pair)["identity_conflict"].item()
    # ... and nothing about the person needs to agree for a match (no households to guard)
    bare = _home_pairs([0], [-1])
    assert person_evidence(bare, COMPARISONS, singles.released).to_list() == [False]
    assert person_evidence(bare, COMPARISONS, joint.released).to_list() == [True]


@pytest.mark.parametrize(
    ("first", "dob", "evidence"),
    [
        (6, -1, True),  # the same first name
        (5, -1, True),  # a nickname
        (1, -1, True),  # an initial that fits
        (2, -1, False),  # Jamal / James, Mary / Mary-Kate: two full names merely alike
        (2, 4, True),  # ... unless the dates of birth agree
    ],
)
def test_merely_similar_first_names_are_no_evidence_of_one_person(
    first: int, dob: int, evidence: bool
) -> None:
    assert person_evidence(_home_pairs([first], [dob])).to_list() == [evidence]


@pytest.mark.parametrize(
    ("first", "dob", "conflict"),
    [
        (6, 1, False),  # same first name, dates under 15 years apart: a wrong date
        (5, 1, True),  # a nickname (William / Liam): a father and son, not a wrong date
        (3, 1, False),  # a typo in the first name too
        (2, 1, True),  # merely similar first names (Samantha / Sarah): two people
        (-1, 1, True),  # no first name to tell
        (6, 0, True),  # a generation apart: parent and child of one name
    ],
)
def test_household_rule_reads_how_far_apart_birth_dates_are(
    first: int, dob: int, conflict: bool
) -> None:
    g = pl.DataFrame({"source_row_l": [1], "source_row_r": [2]}).with_columns(
        [pl.lit(-1, dtype=pl.Int8).alias(c.column) for c in COMPARISONS]
    )
    g = g.with_columns(
        pl.lit(first, dtype=pl.Int8).alias("gamma_first_name"),
        pl.lit(dob, dtype=pl.Int8).alias("gamma_dob"),
        pl.lit(5, dtype=pl.Int8).alias("gamma_last_name"),
    )
    assert MatchModel.default().score(g)["identity_conflict"].item() is conflict


def test_prior_is_the_share_of_matches_among_all_pairs(demo: dict) -> None:
    from custclean.link.scoring import _candidate_share

    n = demo["prepared"].height
    share = _candidate_share(demo["gammas"].height, demo["prepared"])
    assert share == pytest.approx(demo["gammas"].height / (n * (n - 1) // 2))
    assert demo["model"].prior < share  # at most every candidate is a match
    assert _candidate_share(1, demo["prepared"].head(3)) == 1.0  # too few records


def test_birth_dates_under_15_years_apart_are_a_disagreement_not_a_partial_agreement():
    model = MatchModel.default()
    dob = comparison("dob")
    weights = model.weights("dob")
    # a wrong date weighs against the match by its own m; partial agreements are floored at 0
    assert weights[dob.gamma("under_15_years")] < 0
    assert weights[dob.gamma("else")] < 0
    assert weights[dob.gamma("one_digit_or_year_off")] >= 0
    assert min(model.weights("first_name")[1:]) >= 0
