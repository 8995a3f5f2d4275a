"""The report as a tree of simple parts, rendered twice: to self-contained HTML and to Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from glot500.report.tables import Table


@dataclass
class Text:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Image:
    src: str  # relative to the report folder
    alt: str


@dataclass
class Heading:
    text: str


@dataclass
class TablePart:
    table: Table


@dataclass
class Details:
    """Collapsed content (``<details>``): keeps 800-language tables out of the way until asked for."""

    summary: str
    parts: list = field(default_factory=list)
    open: bool = False


@dataclass
class Section:
    anchor: str
    title: str
    parts: list = field(default_factory=list)


@dataclass
class Page:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
