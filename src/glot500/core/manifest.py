"""``manifest.json``: what every stage writes beside its output (schema, versions, config, inputs, counts)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
_TRACKED_LIBRARIES = (
    "glot500",
    "torch",
    "transformers",
    "tokenizers",
    "sentencepiece",
    "datatrove",
    "datasets",
    "numpy",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape results (missing ones are left out)."""
    versions = {"python": sys.version.split()[0]}
    for name in _TRACKED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_sha() -> str | None:
    """The commit of the glot500 checkout when run from one, else ``None``."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def hash_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(
    out_dir: str | Path,
    stage: str,
    schema_version: int,
    config: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
    counts: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    """Write ``out_dir/manifest.json`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "stage": stage,
        "schema_version": schema_version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "git_sha": git_sha(),
        "config": config or {},
        "inputs": inputs or {},
        "counts": counts or {},
        **extra,
    }
    path = out_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Read ``out_dir/manifest.json`` (an empty dict when absent)."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
