import json
import subprocess
import sys

import polars as pl
import pytest
from typer.testing import CliRunner

from custclean.cli import app
from custclean.runner import OUTPUT_FILES


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "custclean.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_help_lists_the_commands():
    out = cli("--help")
    assert out.returncode == 0
    for command in ("demo", "clean", "inspect"):
        assert command in out.stdout


def test_demo_writes_files_cleans_and_scores(tmp_path):
    out = cli("demo", "--out", tmp_path / "d", "--rows", 300, "--seed", 3)
    assert out.returncode == 0, out.stderr
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert {"customers.csv", "customers_cp1252.csv", "customers.xlsx", "customers.json",
            "truth.csv", "existing.csv", "cleaned.csv", "issues.csv"} <= names  # fmt: skip
    cleaned = pl.read_csv(tmp_path / "d" / "cleaned.csv", infer_schema=False)
    assert cleaned.height == 300
    assert "Against the truth" in out.stdout
    # ... and a complete run into the same folder (what `make demo` leaves)
    assert set(OUTPUT_FILES) <= names


def test_clean_command(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("E-mail;Mobile #;Country\n Ann@X.COM ;(312) 555-0123;U.S.A.\n", "utf-8")
    out = cli("clean", src, "--out", tmp_path / "o")
    assert out.returncode == 0, out.stderr
    data = pl.read_csv(tmp_path / "o" / "cleaned.csv", infer_schema=False)
    assert data.select("email", "cell_phone", "country").row(0) == (
        "ann@x.com", "+13125550123", "US",
    )  # fmt: skip
    issues = pl.read_csv(tmp_path / "o" / "issues.csv", infer_schema=False)
    assert set(issues.columns) == {"source_row", "field", "code", "value", "result", "message"}


@pytest.mark.parametrize("command", ["inspect", "clean"])
def test_missing_file_is_one_line_and_exit_1(tmp_path, command):
    out = cli(command, tmp_path / "nope.csv")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("custclean: ")
    assert "nope.csv" in out.stderr and "no such file" in out.stderr


def test_empty_file_message(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = cli("inspect", empty)
    assert out.returncode == 1
    assert "empty.csv" in out.stderr and "Traceback" not in out.stderr


def test_inspect_shows_mapping(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("Nachname,PLZ,Column 3\nMüller,10115,a@b.de\n", "utf-8")
    out = cli("inspect", src)
    assert out.returncode == 0, out.stderr
    assert "last_name" in out.stdout and "zip" in out.stdout and "email" in out.stdout


def test_clean_outputs_are_byte_identical_on_a_rerun(tmp_path):
    import hashlib

    from custclean import demo

    paths = demo.write_demo(tmp_path / "in", n=300, seed=9)
    digests = []
    for run in ("a", "b"):
        out = cli("clean", paths["customers.xlsx"], "--out", tmp_path / run)
        assert out.returncode == 0, out.stderr
        digests.append(
            [
                hashlib.sha256((tmp_path / run / f).read_bytes()).hexdigest()
                for f in ("cleaned.csv", "issues.csv")
            ]
        )
    assert digests[0] == digests[1]


# --- custclean run and the one-step commands --------------------------------------------------


COMMANDS = ("run", "clean", "dedupe", "export", "reconcile", "schema", "demo", "inspect")


def _one_line_error(out, *words):
    assert out.returncode == 1, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("custclean: ")
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_run_missing_file(tmp_path):
    out = cli("run", tmp_path / "nope.csv", "--target", "wasp", "--out", tmp_path / "o")
    _one_line_error(out, "nope.csv", "no such file")
    assert not (tmp_path / "o").exists()


def test_run_unmappable_file(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar,baz\n1,2,3\nx,y,z\n", "utf-8")
    out = cli("run", odd, "--target", "franpos", "--out", tmp_path / "o")
    _one_line_error(out, "odd.csv", "no column maps to a customer field", "'foo'")


def test_run_unknown_target(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("Email\na@b.com\n", "utf-8")
    out = cli("run", src, "--target", "shopify", "--out", tmp_path / "o")
    _one_line_error(out, "unknown target 'shopify'", "franpos, wasp")


def test_usage_errors_exit_1_not_2(tmp_path):
    out = cli("run", "--bogus")
    _one_line_error(out, "--bogus", "custclean run --help")
    out = cli("frobnicate")
    _one_line_error(out, "frobnicate")


def test_bad_config_is_one_line(tmp_path):
    bad = tmp_path / "job.toml"
    bad.write_text("tagret = 'wasp'\n", "utf-8")
    out = cli("run", "--config", bad)
    _one_line_error(out, "job.toml", "unknown option 'tagret'")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


@pytest.fixture(scope="module")
def wasp_run(tmp_path_factory):
    """`custclean run --config` in a subprocess: franpos in the file, --target wasp on the line."""
    base = tmp_path_factory.mktemp("cli-run")
    from custclean import demo

    paths = demo.write_demo(base, n=50, seed=4)
    config = base / "nightly.toml"
    config.write_text(
        'input = "customers.csv"\ntarget = "franpos"\nout = "out"\nregion = "US"\n'
        'existing = "existing.csv"\n[export]\nbatch_size = 20\n',
        "utf-8",
    )
    out = cli(
        "run", "--config", config, "--target", "wasp", "--quiet", cwd=tmp_path_factory.getbasetemp()
    )
    return {"base": base, "paths": paths, "config": config, "proc": out, "out": base / "out"}


def test_run_from_config_with_a_flag_override(wasp_run):
    proc, out = wasp_run["proc"], wasp_run["out"]
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["options"]["target"] == "wasp"  # the flag wins
    assert manifest["config"]["values"]["target"] == "franpos"  # the file, as written
    assert manifest["options"]["export"]["batch_size"] == 20
    assert proc.stdout.strip() == ""  # --quiet


def test_records_that_cannot_be_exported_exit_2_with_a_count(wasp_run):
    proc, out = wasp_run["proc"], wasp_run["out"]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    missing = manifest["counts"]["not_exported"]
    assert missing > 0  # demo customers without a code: Wasp needs a CustomerNumber
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(f"custclean: {missing} record")
    assert "could not be exported" in lines[0]


def test_export_command_from_golden_csv(wasp_run, tmp_path):
    result = CliRunner().invoke(
        app,
        ["export", str(wasp_run["out"] / "golden.csv"), "--target", "franpos", "--out",
         str(tmp_path / "fp"), "--option", "phone_format=national", "--option", "batch_size=15"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "fp" / "manifest.json").read_text("utf-8"))
    assert manifest["options"]["phone_format"] == "national"
    assert manifest["options"]["batch_size"] == 15
    golden = pl.read_csv(wasp_run["out"] / "golden.csv", infer_schema=False)
    assert manifest["counts"]["records"] == golden.height


def test_dedupe_command(wasp_run, tmp_path):
    result = CliRunner().invoke(
        app,
        ["dedupe", str(wasp_run["paths"]["customers.csv"]), "--out", str(tmp_path / "d"),
         "--target", "franpos"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert names == {"cleaned.csv", "issues.csv", "pairs.csv", "clusters.csv",
                     "server_collisions.csv", "golden.csv"}  # fmt: skip
    clusters = pl.read_csv(tmp_path / "d" / "clusters.csv", infer_schema=False)
    assert clusters.height == 50


def test_reconcile_command_writes_outcomes_and_retry(wasp_run, tmp_path):
    out = wasp_run["out"]
    payload = json.loads((out / "payloads" / "wasp-customers-0001.json").read_text("utf-8"))
    answers = [{"ResultCode": 0, "Message": "Saved"} for _ in payload["Data"]]
    responses = tmp_path / "responses"
    responses.mkdir()
    (responses / "wasp-customers-0001.response.json").write_text(
        json.dumps({"Data": {"ResultList": answers}, "HasError": False}), "utf-8"
    )
    result = CliRunner().invoke(
        app, ["reconcile", str(out), str(responses), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    outcomes = pl.read_csv(tmp_path / "r" / "outcomes.csv", infer_schema=False)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert outcomes.height >= manifest["counts"]["exported"]
    sent = outcomes.filter(pl.col("batch") == "1")
    assert sent.height == len(payload["Data"]) and "missing" not in sent["outcome"].to_list()
    if manifest["counts"]["batches"] > 1:  # later batches got no answer: they are retried
        assert "missing" in outcomes["outcome"].to_list()
        assert (tmp_path / "r" / "retry").is_dir()


def test_reconcile_refuses_changed_payloads(wasp_run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(wasp_run["out"], copy)
    batch = copy / "payloads" / "wasp-customers-0001.json"
    body = json.loads(batch.read_text("utf-8"))
    body["Data"] = body["Data"][1:]
    batch.write_text(json.dumps(body), "utf-8")
    out = cli("reconcile", copy, tmp_path)
    _one_line_error(out, "wasp-customers-0001.json differs")


def test_schema_command():
    runner = CliRunner()
    listed = runner.invoke(app, ["schema"])
    assert listed.output.split() == ["franpos-customers", "wasp-customers", "wasp-addresses"]
    shown = runner.invoke(app, ["schema", "wasp-customers"])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["properties"]["Data"]["maxItems"] == 500
    out = cli("schema", "shopify")
    _one_line_error(out, "no schema named 'shopify'")
