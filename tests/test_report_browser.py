"""The report of a real run opens offline in headless Chromium, without errors, and reads well.

Chromium is Debian's ``chromium`` package; the set-up installs it when it is missing and the
tests run as root, else the tests are skipped with the reason. The screenshot is kept in
``test-artifacts/report.png`` (or ``$CUSTCLEAN_ARTIFACTS``) for a person to look at.
"""

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import polars as pl
import pytest

from custclean import demo
from custclean.runner import run

ARTIFACTS = Path(
    os.environ.get("CUSTCLEAN_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)
#: The flags the machine notes give for headless Chromium here: no sandbox as root, no GPU, and
#: no background networking (the closed network refuses those connections).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # offline: any host name fails to resolve, so a page that needed the network would break
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
XSS = "<img src=x onerror=\"console.error('xss-ran')\">"
SCRIPT = "<script>console.error('script-ran')</script>"


def _install_chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        return None
    for command in (["apt-get", "install", "-y", "chromium"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "chromium"]):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode == 0 and command[1] == "install":
            break
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium():
    path = _install_chromium()
    if path is None:
        pytest.skip("Debian's chromium is not installed and the tests are not root to install it")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A real run on demo data whose first customer is named like an attack."""
    base = tmp_path_factory.mktemp("browser")
    paths = demo.write_demo(base, n=60, seed=2)
    messy = pl.read_csv(paths["customers.csv"], infer_schema=False)
    first = next(c for c in messy.columns if "first" in c.lower())
    last = next(c for c in messy.columns if "last" in c.lower() or "surname" in c.lower())
    messy = messy.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(SCRIPT)).otherwise(pl.col(first))
        .alias(first),
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(XSS)).otherwise(pl.col(last))
        .alias(last),
    )  # fmt: skip
    source = base / "attack.csv"
    messy.write_csv(source)
    result = run(source, target="franpos", out=base / "out", existing=paths["existing.csv"])
    return result.out / "report.html"


def _chromium(binary, tmp_path, *args):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_screenshot_is_taken_and_not_blank(chromium, report, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = _chromium(
        chromium, tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri()
    )
    assert shot.is_file(), done.stderr[-2000:]
    assert _png_size(shot) == (1280, 2400)
    # A blank white page compresses to a few kilobytes; text, tables and charts do not.
    assert shot.stat().st_size > 60_000


def test_page_loads_without_console_errors_and_runs_nothing(chromium, report, tmp_path):
    done = _chromium(
        chromium, tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri()
    )
    dom = done.stdout
    assert "</html>" in dom, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []  # no JavaScript error, and no attacker's console.error ran
    logged = done.stderr.lower()
    assert "xss-ran" not in logged and "script-ran" not in logged
    assert not re.search(r"<script\b", dom, re.IGNORECASE)
    assert not re.search(r"<img\b", dom, re.IGNORECASE)
    # the names are shown as text (as read, and proper-cased by the cleaner)
    shown = dom.lower()
    assert "&lt;script&gt;console.error('script-ran')&lt;/script&gt;" in shown
    assert "&lt;img src=x onerror=" in shown
    assert 'id="duplicates"' in dom and "<svg" in dom
