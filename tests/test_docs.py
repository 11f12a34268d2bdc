from pathlib import Path

from custclean.issues import ISSUE_CODES

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_setup_commands():
    head = README[: README.index("## A five-minute tour")]
    assert "make demo" in head and "make test" in head


def test_readme_documents_every_issue_code():
    for code, meaning in ISSUE_CODES.items():
        assert f"| `{code}` | {meaning} |" in README


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_no_placeholders_left_in_readme():
    import re

    allowed = {"CUSTCLEAN_REFERENCE_DIR", "CUSTCLEAN_ARTIFACTS", "NAME_RULES"}
    shouting = set(re.findall(r"\b[A-Z]+_[A-Z_]+\b", README)) - allowed
    assert not shouting, shouting


def test_readme_documents_every_export_option():
    import polars as pl

    from custclean.exporting import export

    records = pl.DataFrame({"source_row": [1], "customer_code": ["C1"], "email": ["a@b.co"]})
    for target in ("franpos", "wasp"):
        for option in export(records, target).options:
            assert f"`{option}`" in README, (target, option)


def test_readme_lists_every_output_file_of_run():
    from custclean.runner import OUTPUT_FILES

    for name in OUTPUT_FILES:
        assert f"`{name}`" in README, name
