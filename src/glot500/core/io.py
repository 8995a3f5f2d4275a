"""Small file helpers every stage shares."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_json_atomic(
    path: str | Path,
    data: object,
    indent: int | None = None,
    default: Callable[[Any], Any] | None = None,
) -> None:
    """Write JSON so that a reader (or a resumed run) never sees half a file.

    The text goes to a temporary file beside ``path`` first and is renamed over it: on POSIX the rename is
    atomic, so a kill leaves either the old file or the new one. Keys are sorted; ``indent=None`` writes one line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent, default=default)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
