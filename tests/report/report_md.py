"""Read the Markdown twin back: tables by the heading or summary line above them."""

from __future__ import annotations

import re


def tables_after(markdown: str, marker: str) -> list[dict[str, str]]:
    """Rows (column -> text) of the first table after the first line containing ``marker``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("| "))
    header = _cells(lines[first])
    rows = []
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, _cells(line), strict=True)))
    return rows


def _cells(line: str) -> list[str]:
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]


def number(text: str) -> float:
    return float(re.match(r"[+-]?[0-9.]+", text).group(0))


def interval(text: str) -> tuple[float, float, bool]:
    """``41.1 [32.5, 50.0†]`` -> ``(32.5, 50.0, True)`` (True: a parametric interval)."""
    low, high, dagger = re.search(r"\[([0-9.]+), ([0-9.]+)(†?)\]", text).group(1, 2, 3)
    return float(low), float(high), dagger == "†"
