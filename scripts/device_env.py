"""Check, before any GPU minute is spent on real work, that glot500 imports with what the machine has.

    python3 scripts/device_env.py        # run by scripts/device_check (PYTHONPATH: the carried wheels, then src)

Prints the interpreter, torch and its device, each of pyproject's dependencies with the installed version and
whether it is inside pyproject's range (a version outside it is reported, not "fixed": nothing is installed
here), and imports every glot500 module. Exits 1 when a module fails to import, naming it and the error.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# Optional where they are missing (the code says so when it takes the other path); everything else is required.
OPTIONAL = {"faiss-cpu": "retrieval uses an exact torch top-k"}


def dependency_report() -> list[str]:
    """One line per dependency in pyproject: installed version, and whether pyproject's range admits it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = []
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            note = OPTIONAL.get(requirement.name, "MISSING")
            lines.append(f"  {requirement.name:<24} -            ({note})")
            continue
        inside = requirement.specifier.contains(version, prereleases=True)
        lines.append(f"  {requirement.name:<24} {version:<12} {'ok' if inside else 'OUTSIDE ' + str(requirement.specifier)}")
    return lines


def import_all() -> list[str]:
    """Import every module of glot500; return ``module: error`` for each that fails."""
    import glot500

    failures = []
    for module in pkgutil.walk_packages(glot500.__path__, "glot500."):
        try:
            importlib.import_module(module.name)
        except Exception as error:  # noqa: BLE001 (any failure to import is what we are here to report)
            failures.append(f"{module.name}: {type(error).__name__}: {error}")
    return failures


def main() -> int:
    import torch

    print(f"python {sys.version.split()[0]} at {sys.executable}")
    cuda = torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device"
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}): {cuda}")
    print("dependencies (pyproject range vs installed):")
    print("\n".join(dependency_report()))
    failures = import_all()
    import glot500

    print(f"glot500 from {Path(glot500.__file__).parent}")
    if failures:
        print("imports FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("imports: every glot500 module imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
