"""Render a :class:`Page` as one self-contained HTML file (inline CSS and JS, no network) and as Markdown."""

from __future__ import annotations

from html import escape

from glot500.report.page import Bullets, Details, Heading, Image, Page, Section, TablePart, Text
from glot500.report.tables import Table, TCell

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{background:#1f3b57;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}nav{padding:8px 28px;background:#e9eef3;position:sticky;top:0;z-index:2}
nav a{margin-right:16px;color:#1f3b57;text-decoration:none;font-weight:600}
main{padding:8px 28px 40px;max-width:1280px}section{margin-top:22px}h2{border-bottom:2px solid #d5dde5;padding-bottom:4px}
h3{margin:18px 0 6px}.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:6px 0;background:#fff}
th,td{border:1px solid #d5dde5;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#eef2f6;position:sticky;top:0;white-space:normal;vertical-align:bottom;min-width:3em}td:first-child,th:first-child,td.text,th.text{text-align:left}
table.sortable th{cursor:pointer}table.sortable th:hover{background:#dde5ee}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
td.error{color:#b3261e;font-weight:600}td.missing{color:#8a939c;font-style:italic}
td.gain{color:#1b7a33}td.loss{color:#b3261e}td.chance{color:#8a6d00;font-style:italic}small.ci{color:#6b7580;margin-left:4px}
.notes{color:#5b6570;font-size:12px;margin:2px 0 10px}img{max-width:100%;border:1px solid #e1e6eb;background:#fff;margin:6px 8px 6px 0}
details{margin:8px 0;background:#fff;border:1px solid #e1e6eb;border-radius:4px;padding:4px 10px}
summary{cursor:pointer;font-weight:600;padding:4px 0}.gallery{display:flex;flex-wrap:wrap;align-items:flex-start}
td.much-worse{font-weight:700}.filterbar{margin:6px 0 2px}.filterbar .count{color:#6b7580;margin-left:8px;font-size:12px}
input.filter{font:inherit;padding:3px 6px;width:22em;border:1px solid #c5ced8;border-radius:3px}
#findings ul{font-size:15px;line-height:1.5}#findings li{margin:4px 0}
"""


def report_script() -> str:
    """The page's JavaScript (``assets/report.js``, shipped in the package and inlined: the page needs no network):
    sorting by a header click, a filter box above long tables, and a load check the tests read back."""
    from importlib.resources import files

    return files("glot500.report").joinpath("assets/report.js").read_text(encoding="utf-8")


_TEXT = ' class="text"'


def to_html(page: Page) -> str:
    nav = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in page.sections)
    body = "".join(_section_html(s) for s in page.sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(page.title)}</title><script>{report_script()}</script><style>{_CSS}</style></head>"
        f"<body><header><h1>{escape(page.title)}</h1><p>{escape(page.subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )


def _section_html(section: Section) -> str:
    return f'<section id="{section.anchor}"><h2>{escape(section.title)}</h2>{_parts_html(section.parts)}</section>'


def _parts_html(parts: list) -> str:
    out, gallery = [], []
    for part in parts + [None]:
        if isinstance(part, Image):
            gallery.append(f'<img src="{escape(part.src)}" alt="{escape(part.alt)}">')
            continue
        if gallery:
            out.append(f'<div class="gallery">{"".join(gallery)}</div>')
            gallery = []
        if part is not None:
            out.append(_part_html(part))
    return "".join(out)


def _part_html(part) -> str:
    if isinstance(part, Text):
        return f"<p>{escape(part.text)}</p>"
    if isinstance(part, Heading):
        return f"<h3>{escape(part.text)}</h3>"
    if isinstance(part, Bullets):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in part.items) + "</ul>"
    if isinstance(part, TablePart):
        return _table_html(part.table)
    if isinstance(part, Details):
        return f"<details{' open' if part.open else ''}><summary>{escape(part.summary)}</summary>{_parts_html(part.parts)}</details>"
    raise TypeError(f"unknown page part {type(part).__name__}")


def _table_html(table: Table) -> str:
    head = ""
    if table.spans:
        head += "<tr>" + "".join(f'<th colspan="{n}">{escape(label)}</th>' for label, n in table.spans) + "</tr>"
    columns = _leaf_columns(table)
    text = _text_columns(table)
    head += (
        "<tr>" + "".join(f"<th{_TEXT if i in text else ''}>{escape(c)}</th>" for i, c in enumerate(columns)) + "</tr>"
    )
    body = "".join(
        "<tr>" + "".join(_cell_html(cell, i in text) for i, cell in enumerate(row)) + "</tr>" for row in table.rows
    )
    css = ' class="sortable"' if table.sortable else ""
    notes = "".join(f'<div class="notes">{escape(note)}</div>' for note in table.notes)
    return f'<div class="scroll"><table{css}><thead>{head}</thead><tbody>{body}</tbody></table></div>{notes}'


def _text_columns(table: Table) -> set[int]:
    """Columns without numbers (no sort key in any row): aligned left."""
    return {i for i in range(len(table.columns)) if all(i >= len(row) or row[i].sort is None for row in table.rows)}


def _leaf_columns(table: Table) -> list[str]:
    """Under a span header the column names drop the span's label (``xlmr head`` -> ``head``)."""
    if not table.spans:
        return table.columns
    names, index = [], 0
    for label, width in table.spans:
        for column in table.columns[index : index + width]:
            names.append(column.removeprefix(label.split(" vs ")[0]).strip() or column if label else column)
        index += width
    return names


def _cell_html(cell: TCell, text_column: bool) -> str:
    attrs = ""
    if cell.sort is not None:
        attrs += f' data-sort="{escape(str(cell.sort))}"'
    classes = " ".join(c for c in (cell.css, "text" if text_column else None) if c)
    if classes:
        attrs += f' class="{classes}"'
    if cell.title:
        attrs += f' title="{escape(cell.title)}"'
    detail = f'<small class="ci">[{escape(cell.detail)}]</small>' if cell.detail else ""
    return f"<td{attrs}>{escape(cell.text)}{detail}</td>"


def to_markdown(page: Page) -> str:
    lines = [f"# {page.title}", "", page.subtitle, ""]
    for section in page.sections:
        lines += [f"## {section.title}", ""] + _parts_md(section.parts)
    return "\n".join(lines).rstrip() + "\n"


def _parts_md(parts: list) -> list[str]:
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            lines += [part.text, ""]
        elif isinstance(part, Heading):
            lines += [f"### {part.text}", ""]
        elif isinstance(part, Bullets):
            lines += [f"- {item}" for item in part.items] + [""]
        elif isinstance(part, Image):
            lines += [f"![{part.alt}]({part.src})", ""]
        elif isinstance(part, TablePart):
            lines += _table_md(part.table) + [""]
        elif isinstance(part, Details):
            # GitHub renders Markdown inside <details> when blank lines surround it
            lines += [f"<details{' open' if part.open else ''}><summary>{escape(part.summary)}</summary>", ""]
            lines += _parts_md(part.parts) + ["</details>", ""]
    return lines


def _table_md(table: Table) -> list[str]:
    def cell_text(cell: TCell) -> str:
        text = cell.text
        if cell.css == "error" and cell.title:
            text = f"error: {cell.title[:80]}"
        if cell.detail:
            text += f" [{cell.detail}]"
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in table.columns) + " |"]
    text = _text_columns(table)
    lines.append("|" + "|".join(":--" if i in text else "--:" for i in range(len(table.columns))) + "|")
    lines += ["| " + " | ".join(cell_text(c) for c in row) + " |" for row in table.rows]
    notes = [note.replace("*", "\\*") for note in table.notes]  # "* p < 0.05" must not end the emphasis
    return lines + ([""] + [f"*{note}*" for note in notes] if notes else [])
