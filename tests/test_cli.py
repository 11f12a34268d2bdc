import subprocess
import sys

import polars as pl
import pytest


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
