"""The lock files: exact versions of everything pyproject.toml asks for, and the conda
environment pinned to the same versions (README, "Reproducible environments")."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analysis import ROOT

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _PIN.match(line.strip()):
            out[canonicalize_name(m.group(1))] = m.group(2)
    return out


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize("lock,extra", [("requirements.lock", None), ("requirements-test.lock", "test")])
def test_lock_pins_every_requirement_within_its_range(lock, extra):
    locked = pins(ROOT / lock)
    assert len(locked) > 50, f"{lock}: too few pins to be a full lock"
    for req in requirements(extra):
        name = canonicalize_name(req.name)
        assert name in locked, f"{lock} does not pin {req.name} (pyproject.toml asks for it)"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"{lock} pins {req.name}=={locked[name]}, outside pyproject.toml's {req.specifier}"
        )


def test_test_lock_extends_the_main_lock():
    main, test = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-test.lock")
    differ = {n: (v, test.get(n)) for n, v in main.items() if test.get(n) != v}
    assert not differ, f"requirements-test.lock pins these differently from requirements.lock: {differ}"


def test_conda_environment_pins_the_lock_and_names_no_path():
    env = yaml.safe_load((ROOT / "envs" / "r2p.yaml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert not [p for p in pip if p.startswith(("-e", "-r", ".", "/"))], (
        "envs/r2p.yaml must not name a path: Snakemake builds it from a copy in .snakemake/conda/"
    )
    conda_pins = {canonicalize_name(m.group(1)): m.group(2) for p in pip if (m := _PIN.match(p))}
    assert conda_pins == pins(ROOT / "requirements.lock"), "envs/r2p.yaml's pip pins differ from requirements.lock"


def test_the_environment_that_runs_the_tests_is_the_locked_one():
    """The installed versions are the locked ones (the README's install uses the lock), so the
    determinism tests check the outputs of the versions the lock promises."""
    wrong = {}
    for name, version in pins(ROOT / "requirements-test.lock").items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != version:
            wrong[name] = (version, have)
    assert not wrong, f"installed versions differ from requirements-test.lock (locked, installed): {wrong}"
