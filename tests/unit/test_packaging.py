"""Dependencies install beside other tools: compatible ranges in setup.cfg, exact pins only in the
constraints file the Makefile installs with (so CI and `make` reproduce the tested set)."""
from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]


def _requirements() -> list[Requirement]:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    lines = config["options"]["install_requires"].splitlines()
    for extra in config["options.extras_require"].values():
        lines += extra.splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines
            if line.split("#")[0].strip()]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / ".ci/constraints.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if match:
            pins[_canonical(match.group(1))] = match.group(2)
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_setup_cfg_has_ranges_not_exact_pins():
    requirements = _requirements()
    assert len(requirements) > 20
    exact = [str(r) for r in requirements if any(s.operator in ("==", "===") for s in r.specifier)]
    assert not exact, f"exact pins belong in .ci/constraints.txt: {exact}"
    unbounded = [str(r) for r in requirements if not any(s.operator in ("<", "~=")
                                                         for s in r.specifier)]
    assert not unbounded, f"give an upper bound (next major): {unbounded}"


def test_every_requirement_is_pinned_inside_its_range():
    pins = _pins()
    for requirement in _requirements():
        name = _canonical(requirement.name)
        assert name in pins, f"{requirement.name} has no exact pin in .ci/constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name}=={pins[name]} (constraints) is outside {requirement.specifier}")


def test_torch_stays_on_the_cpu_wheel_minor():
    torch = next(r for r in _requirements() if r.name == "torch")
    assert torch.specifier.contains("2.13.0") and not torch.specifier.contains("2.14.0")
