"""custclean.runner.run: the whole pipeline into one folder, replayable and byte-identical."""

import hashlib
import json

import polars as pl
import pytest

from custclean import demo
from custclean.config import RunConfig, load_config, parse_config
from custclean.errors import CustcleanError, InputError, MappingError
from custclean.runner import OUTPUT_FILES, run

CONFIG = """
target = "wasp"
region = "GB"              # overridden by the call below
match_threshold = 0.985
review_threshold = 0.7
existing = "existing.csv"  # relative to this file

[export]
batch_size = 7
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One demo input run twice (folders a and b) from a config file plus an overriding flag."""
    base = tmp_path_factory.mktemp("run")
    paths = demo.write_demo(base, n=60, seed=11)
    config = base / "job.toml"
    config.write_text(CONFIG, "utf-8")
    steps = []
    results = {}
    for name in ("a", "b"):
        results[name] = run(
            paths["customers.csv"],
            out=base / name,
            config=config,
            region="US",
            progress=lambda step, done, total: steps.append((step, done, total)),
        )
    return {"base": base, "paths": paths, "config": config, "results": results, "steps": steps}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_folder_holds_exactly_the_listed_files(runs):
    out = runs["results"]["a"].out
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    payloads = sorted(p.name for p in (out / "payloads").iterdir())
    assert "manifest.json" in payloads
    assert any(name.startswith("wasp-customers-") for name in payloads)


def test_every_input_record_is_accounted_for(runs):
    out = runs["results"]["a"].out
    cleaned = pl.read_csv(out / "cleaned.csv", infer_schema=False)
    clusters = pl.read_csv(out / "clusters.csv", infer_schema=False)
    golden = pl.read_csv(out / "golden.csv", infer_schema=False)
    rows = [str(i) for i in range(1, 61)]
    assert cleaned["source_row"].to_list() == rows
    assert cleaned.columns[:3] == ["source_row", "customer_code", "first_name"]
    assert clusters["source_row"].to_list() == rows
    assert clusters["cluster_id"].null_count() == 0
    assert {"cluster_size", "status", "reason"} <= set(clusters.columns)
    members = sorted(int(r) for cell in golden["source_rows"] for r in cell.split(";"))
    assert members == list(range(1, 61))
    assert golden.height == clusters["cluster_id"].n_unique()
    issues = pl.read_csv(out / "issues.csv", infer_schema=False)
    assert issues.columns == ["source_row", "field", "code", "value", "result", "message"]


def test_manifest_records_input_options_config_counts_versions(runs):
    result = runs["results"]["a"]
    manifest = json.loads((result.out / "manifest.json").read_text("utf-8"))
    assert manifest["input"]["sha256"] == _digest(runs["paths"]["customers.csv"])
    options = manifest["options"]
    assert options["target"] == "wasp"  # from the config
    assert options["region"] == "US"  # the call's flag wins over the config's GB
    assert options["match_threshold"] == 0.985 and options["review_threshold"] == 0.7
    assert options["export"]["batch_size"] == 7
    assert options["existing"] == str(runs["base"] / "existing.csv")  # relative to the config
    assert manifest["config"]["path"] == str(runs["config"])
    assert manifest["config"]["values"]["region"] == "GB"  # the file as written
    assert set(manifest["versions"]) == {"custclean", "polars", "python"}
    counts = manifest["counts"]
    assert counts["records"] == 60 and counts["golden"] == result.golden.data.height
    assert counts["exported"] + counts["not_exported"] == counts["golden"]
    assert set(manifest["timings"]) >= {"read and clean", "find duplicates", "write", "total"}
    for name, digest in manifest["files"].items():
        assert _digest(result.out / name) == digest
    batches = [f for f in manifest["payloads"]["files"] if f["schema"] == "wasp-customers"]
    assert all(f["records"] <= 7 for f in batches)  # batch_size from the config's [export]


def test_links_used_the_configured_thresholds(runs):
    links = runs["results"]["a"].links
    assert links.match_threshold == 0.985 and links.review_threshold == 0.7


def test_rerun_is_byte_identical_except_timings(runs):
    a, b = runs["results"]["a"].out, runs["results"]["b"].out
    for name in ("cleaned.csv", "issues.csv", "clusters.csv", "golden.csv", "report.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for p in (a / "payloads").iterdir():
        assert p.read_bytes() == (b / "payloads" / p.name).read_bytes(), p.name
    ma = json.loads((a / "manifest.json").read_text("utf-8"))
    mb = json.loads((b / "manifest.json").read_text("utf-8"))
    ma.pop("timings"), mb.pop("timings")
    assert ma == mb


def test_progress_is_told_every_step_in_order(runs):
    first = runs["steps"][: len(runs["steps"]) // 2]
    names = [s for s, _, _ in first]
    assert names == [
        "read and clean", "existing customers", "find duplicates", "merge", "export", "write",
        "done",
    ]  # fmt: skip
    assert [d for _, d, _ in first] == [0, 1, 2, 3, 4, 5, 6]


def test_records_without_a_customer_number_make_exit_code_2(runs):
    result = runs["results"]["a"]
    rejected = result.export.rejected
    assert rejected.height > 0  # demo data has customers without a code; Wasp needs one
    assert result.not_exported == rejected["source_row"].n_unique()
    assert result.exit_code == 2
    assert "not_exported" in repr(result) and "report.html" in result._repr_html_()


def test_report_is_written_and_self_contained(runs):
    html = (runs["results"]["a"].out / "report.html").read_text("utf-8")
    assert html.count("<svg") >= 2
    assert "<script" not in html.lower() and "http://" not in html.replace("http://www.w3.org", "")
    assert "wasp-customers-0001.json" in html


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"target": "shopify"}, InputError, "unknown target 'shopify'"),
        ({"target": None}, InputError, "no target"),
        ({"out": None}, InputError, "no output folder"),
    ],
)
def test_bad_options_fail_before_anything_is_written(tmp_path, kwargs, error, words):
    src = tmp_path / "in.csv"
    src.write_text("Email\na@b.com\n", "utf-8")
    options = {"target": "franpos", "out": tmp_path / "out", **kwargs}
    with pytest.raises(error, match=words):
        run(src, **options)
    assert not (tmp_path / "out").exists()


def test_missing_and_unmappable_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        run(tmp_path / "nope.csv", target="wasp", out=tmp_path / "o")
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,2\n", "utf-8")
    with pytest.raises(MappingError, match="no column maps to a customer field"):
        run(odd, target="wasp", out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_config_parsing_and_layering(tmp_path):
    cfg = parse_config(CONFIG, source=tmp_path / "job.toml")
    assert cfg.target == "wasp" and cfg.export == {"batch_size": 7}
    assert cfg.existing == str(tmp_path / "existing.csv")
    merged = cfg.merged(target="franpos", region=None, export={"phone_format": "national"})
    assert (merged.target, merged.region) == ("franpos", "GB")
    assert merged.export == {"batch_size": 7, "phone_format": "national"}
    assert "out" not in merged.options()
    assert RunConfig().merged(note_types=["VIP"]).note_types == ("VIP",)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tagret = 'wasp'", "unknown option 'tagret'"),
        ("match_threshold = 2", "between 0 and 1"),
        ("note_types = [1, 2]", "list of names"),
        ("target = ", "not valid TOML"),
        ("export = 3", "a table"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(CustcleanError, match=words) as info:
        load_config(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
