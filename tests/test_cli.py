"""The `r2p` command line as users expect it: --version, -q/-v, the documented exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis import ROOT
from analysis.cli import main, version


def _r2p(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, capture_output=True, text=True)


def test_version_is_the_package_version():
    import tomllib

    want = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version() == want
    res = _r2p("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"r2p {want}"


def test_usage_error_exits_2_with_the_usage_line():
    res = _r2p("no-such-command")
    assert res.returncode == 2 and res.stderr.startswith("usage: r2p") and "Traceback" not in res.stderr
    res = _r2p("-q", "-v", "verify")
    assert res.returncode == 2 and "not allowed with" in res.stderr


@pytest.mark.parametrize("flag", ["-q", None])
def test_errors_reach_stderr_and_the_log_at_any_verbosity(tmp_path, capsys, flag):
    reg = tmp_path / "claims.yaml"
    reg.write_text((ROOT / "config" / "claims.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    args = ([flag] if flag else []) + [
        "--log",
        str(tmp_path / "x.log"),
        "claim",
        "NOPE",
        "--registry",
        str(reg),
        "--processed",
        str(tmp_path),
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "unknown claim id 'NOPE'" in err  # errors always reach stderr
    # the log file gets the message whatever the console's verbosity
    assert "unknown claim id 'NOPE'" in (tmp_path / "x.log").read_text(encoding="utf-8")


def test_quiet_suppresses_info_messages(capsys):
    import logging

    from analysis.cli import _setup_logging

    for verbosity, shown in ((-1, False), (0, True), (1, True)):
        _setup_logging(None, verbosity)
        logging.getLogger("r2p").info("an info message")
        logging.getLogger("r2p").debug("a debug message")
        err = capsys.readouterr().err
        assert ("an info message" in err) is shown
        assert ("a debug message" in err) is (verbosity == 1)
    _setup_logging(None, 0)
