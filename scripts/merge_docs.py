"""Embed each stage's page (docs/<stage>.md) into README.md between the STAGES markers.

    python scripts/merge_docs.py          # rewrite README.md
    python scripts/merge_docs.py --check  # exit 1 when README.md is out of date (run by the test suite)

docs/<stage>.md is where a stage's documentation is edited; the README carries it, with headings shifted so
that each page is one level-2 section.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    ("corpus", "Corpus (Glot500-c)"),
    ("cleaning", "Cleaning filters"),
    ("lid", "Language identification"),
    ("vocab", "Vocabulary extension"),
    ("train", "Training"),
    ("evaluate", "Evaluation"),
    ("report", "Report"),
    ("pipeline", "Pipeline: run and demo"),
)
START, END = "<!-- STAGES -->", "<!-- /STAGES -->"


def section(name: str, title: str) -> str:
    """One page as a level-2 section titled ``title`` (its own title kept as a subtitle when it differs)."""
    out: list[str] = []
    fence, top = False, None
    for line in (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            out.append(line)
            continue
        heading = None if fence else re.match(r"^(#+) (.*)$", line)
        if heading is None:
            out.append(line)
        elif top is None:
            top = len(heading.group(1))
            out.append(f"## {title}")
            if heading.group(2).strip().lower() != title.lower():
                out += ["", f"*{heading.group(2).strip()}*"]
        else:
            out.append("#" * max(3, len(heading.group(1)) - top + 2) + " " + heading.group(2))
    return "\n".join(out).strip() + "\n"


def merged(readme: str) -> str:
    body = "\n".join(section(name, title) for name, title in PAGES)
    head = readme[: readme.index(START)]
    tail = readme[readme.index(END) + len(END) :] if END in readme else readme[readme.index(START) + len(START) :]
    return f"{head}{START}\n\n{body}\n{END}{tail}"


def main() -> int:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    updated = merged(readme)
    if "--check" in sys.argv:
        if updated != readme:
            print("README.md is out of date with docs/: run python scripts/merge_docs.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
