"""The HTML report: every section renders, customer values are escaped, nothing is fetched."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custclean as cc
from custclean._report_html import esc, table
from custclean.report import build_report, write_report

EVIL = "<script>alert(1)</script>"
EVIL_IMG = '"><img src=x onerror=alert(2)>'


@dataclass(frozen=True)
class FakeLinks:
    """A hand-built stand-in with the LinkResult contract's attributes."""

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    server_collisions: pl.DataFrame
    existing_links: pl.DataFrame
    blocking: pl.DataFrame
    match_threshold: float = 0.99
    review_threshold: float = 0.8
    explained: list = field(default_factory=list)

    def explain(self, a, b):
        self.explained.append((a, b))
        return pl.DataFrame(
            {
                "comparison": ["first_name", "email", "total"],
                "value_a": [EVIL, "a@x.com", None],
                "value_b": ["Ann", "a@x.com", None],
                "level": ["else", "exact", None],
                "weight": [-2.5, 9.1, 6.6],
                "note": ["", "", "p=0.99"],
            }
        )


@dataclass(frozen=True)
class FakeGolden:
    data: pl.DataFrame


@dataclass(frozen=True)
class FakeExport:
    preview: pl.DataFrame
    rejected: pl.DataFrame
    batches: list


@dataclass(frozen=True)
class FakeSimulation:
    table: pl.DataFrame


def _messy() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "First Name": [EVIL, "Ann", "ann", "Bob", EVIL_IMG],
            "Last Name": ["Smith", "Lee", "Lee", "Ray", "Kay"],
            "Email": [" A@X.COM ", "a@x.com", "ann@x", "bob@y.org", "k@z.com"],
            "Mobile": ["(312) 555-0123", "312-555-0123", "", "12", "+44 7911 123456"],
            "Zip": ["2134", "02134", "60601", "x", "SW1A 1AA"],
            "Country": ["USA", "US", "U.S.", "", "UK"],
        }
    )


@pytest.fixture(scope="module")
def parts():
    mapped = cc.map_columns(_messy())
    cleaned = cc.clean(mapped)
    pairs = pl.DataFrame(
        {
            "source_row_l": [1, 2, 1],
            "source_row_r": [2, 3, 4],
            "blocked_by": ["email", "phone", "name"],
            "score": [9.5, 3.0, -8.0],
            "probability": [0.998, 0.89, 0.004],
            "decision": ["match", "review", "non-match"],
            "household": [False, False, True],
        }
    )
    clusters = pl.DataFrame(
        {
            "source_row": [1, 2, 3, 4, 5],
            "cluster_id": ["c-a", "c-a", "c-b", "c-c", "c-d"],
            "cluster_size": [2, 2, 1, 1, 1],
            "status": ["merged", "merged", "review", "single", "single"],
            "reason": [f"match with 2 {EVIL}", "match with 1", "review", "", ""],
        }
    )
    collisions = pl.DataFrame(
        {
            "collision_id": ["k1", "k1"],
            "target": ["franpos", "franpos"],
            "keys": ["email", "email"],
            "key_value": [EVIL, EVIL],
            "source_row": [1, None],
            "existing_id": [None, "E9"],
            "upload_order": [1, 0],
            "same_entity": [False, False],
            "keeps_key": [True, False],
            "message": ["shares an e-mail with existing E9", "existing"],
        }
    )
    existing = pl.DataFrame(
        {
            "source_row": [1, 2],
            "existing_id_fuzzy": ["E1", None],
            "probability": [0.97, None],
            "existing_id_server": ["E9", None],
            "server_key": ["email", None],
            "verdict": ["would-overwrite-different-person", "new"],
            "message": [EVIL_IMG, ""],
        }
    )
    blocking = pl.DataFrame(
        {"pass": ["1"], "rule": ["email"], "pairs": [3], "new_pairs": [3]},
        schema={"pass": pl.String, "rule": pl.String, "pairs": pl.Int64, "new_pairs": pl.Int64},
    )
    links = FakeLinks(pairs, clusters, collisions, existing, blocking)
    golden = FakeGolden(cleaned.data.head(4).with_columns(pl.lit("g").alias("cluster_id")))
    export = FakeExport(
        preview=pl.DataFrame({"batch": [1, 1], "position": [0, 1], "source_row": [1, 3]}),
        rejected=pl.DataFrame(
            {"source_row": [4], "source_rows": [[4]], "field": ["email"], "reason": [EVIL]}
        ),
        batches=[{}],
    )
    sim = FakeSimulation(
        pl.DataFrame(
            {
                "source_row": [1, 3, 4],
                "batch": [1, 1, None],
                "position": [0, 1, None],
                "outcome": ["Updated", "Added", "Error"],
                "existing_id": ["E9", None, None],
                "fields": ["Email", "", ""],
                "reason": ["", "", f"no e-mail {EVIL}"],
            }
        )
    )
    manifest = {
        "input": {"path": f"in/{EVIL}.csv", "sha256": "ab" * 32},
        "options": {"target": "franpos", "region": "US", "export": {"batch_size": 100}},
        "counts": {"records": 5},
        "versions": {"custclean": "0.1.0"},
        "payloads": {
            "files": [{"file": "franpos-customers-0001.json", "records": 2, "sha256": "cd" * 32}]
        },
    }
    return {
        "cleaned": cleaned,
        "links": links,
        "golden": golden,
        "export": export,
        "simulation": sim,
        "manifest": manifest,
        "raw": mapped.data,
    }


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.attrs = []
        self.ids = set()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if name == "href":
                self.hrefs.append(value)


def test_full_report_has_every_section(parts):
    html = build_report(**parts, title="Spring import")
    collected = _Collector()
    collected.feed(html)
    for anchor in ("fields", "issues", "before-after", "duplicates", "review", "existing",
                   "collisions", "outcome", "batches", "run"):  # fmt: skip
        assert anchor in collected.ids, anchor
        assert f"#{anchor}" in collected.hrefs, anchor
    assert html.count("<svg") >= 3  # issues per field, score distribution, cluster sizes
    assert "franpos-customers-0001.json" in html
    assert "would-overwrite-different-person" in html
    assert "Spring import" in html


def test_customer_values_are_escaped_never_run(parts):
    html = build_report(**parts)
    collected = _Collector()
    collected.feed(html)
    assert "script" not in collected.tags
    assert "img" not in collected.tags
    assert not any(name.startswith("on") for name, _ in collected.attrs)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_nothing_is_fetched_from_outside(parts):
    html = build_report(**parts)
    # No remote resources: no src/href to http(s), no @import, no url() in the stylesheet.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "url(" not in html
    assert "<link" not in html


def test_report_is_deterministic(parts):
    assert build_report(**parts) == build_report(**parts)


def test_sections_are_left_out_without_their_inputs(parts):
    html = build_report(cleaned=parts["cleaned"])
    assert 'id="fields"' in html and 'id="before-after"' in html
    assert 'id="duplicates"' not in html and 'id="outcome"' not in html


def test_before_after_shows_raw_and_cleaned(parts):
    html = build_report(cleaned=parts["cleaned"], raw=parts["raw"])
    section = html.split('id="before-after"')[1].split("</section>")[0]
    assert " A@X.COM " in section and "a@x.com" in section
    assert "+13125550123" in section and "(312) 555-0123" in section


def test_explanations_are_shown_for_clusters_and_review(parts):
    links = parts["links"]
    links.explained.clear()
    build_report(cleaned=parts["cleaned"], links=links)
    assert (1, 2) in links.explained  # the merged cluster's pair
    assert (2, 3) in links.explained  # the review pair


def test_summary_counts_rejections_and_errors(parts):
    html = build_report(**parts)
    header = html.split('<nav class="toc">')[0]
    assert "records not exported" in header and "predicted errors" in header


def test_write_report_writes_utf8(tmp_path, parts):
    path = write_report(tmp_path / "sub" / "report.html", **parts)
    text = path.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text


def test_empty_run_renders():
    cleaned = cc.clean(cc.map_columns(pl.DataFrame({"Email": ["a@b.com"]})), region=None)
    html = build_report(cleaned=cleaned)
    assert "No value changed" in html and "No issues" in html


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_any_text_in_a_table_cell_stays_text(value):
    html = table(pl.DataFrame({"name": [value]}))
    parser = _Collector()
    parser.feed(html)
    assert set(parser.tags) <= {"div", "table", "thead", "tbody", "tr", "th", "td", "span"}
    assert esc(value) in html or value.strip() == ""
