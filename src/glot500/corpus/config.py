"""The corpus-build configuration (``glot500 corpus build --config FILE``): sources, reading limits, dedup, executor.

Defaults live here; ``configs/corpus-*.yaml`` show every key. The cleaning filters' own section
(``cleaning:``) is :class:`glot500.corpus.filters.CleaningConfig` when that package is installed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from glot500.core.config import StrictModel
from glot500.core.errors import ConfigError

try:  # the cleaning filters live in their own package; the pipeline also runs without them
    from glot500.corpus.filters import CleaningConfig

    CLEANING_IMPORT_ERROR: ImportError | None = None
except ImportError as error:  # pragma: no cover - only while filters/ is not installed
    CleaningConfig = None  # type: ignore[assignment,misc]
    CLEANING_IMPORT_ERROR = error
# the type of the ``cleaning:`` section (a placeholder while the filters package cannot be imported)
CleaningSection = Any if CleaningConfig is None else CleaningConfig | None

SourceType = Literal["text", "jsonl", "parquet", "hf_disk", "hf_hub", "udhr", "bible"]


class SourceConfig(StrictModel):
    """One input: a file or folder, a dataset, or the UDHR."""

    type: SourceType
    path: str | None = Field(None, description="file, folder or hub dataset name (udhr: optional unpacked folder)")
    name: str | None = Field(None, description="source name in stats and the 'source' column (default: from path)")
    lang: str | None = Field(None, description="one language code for every chunk (overrides file names/fields)")
    text_field: str = "text"
    lang_field: str = "lang"
    vref: str | None = Field(None, description="bible: the verse-list file, one reference per line")
    subset: str | None = Field(None, description="hf_hub: dataset configuration name")
    split: str = "train"

    @model_validator(mode="after")
    def _path_needed(self) -> SourceConfig:
        if self.type != "udhr" and not self.path:
            raise ValueError(f"source type {self.type!r} needs a path")
        return self

    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.type == "udhr" or not self.path:
            return "udhr"
        path = Path(self.path)
        for suffix in (".xz", ".gz", ".zst", ".bz2", ".txt", ".jsonl", ".json", ".parquet"):
            if path.name.endswith(suffix):
                path = path.with_name(path.name[: -len(suffix)])
        return path.name or str(self.path)


class ReadingSettings(StrictModel):
    max_line_bytes: int = Field(1_000_000, gt=0, description="longer lines are dropped (read:line_too_long)")
    preview_chars: int = Field(1000, gt=0, description="characters of an over-long line kept in dropped/")
    script_sample_every: int = Field(50, gt=0, description="check the script of every n-th chunk per source")


class ExactDedupSettings(StrictModel):
    enabled: bool = True


class MinhashSettings(StrictModel):
    enabled: bool = True
    n_grams: int = Field(5, gt=0)
    num_buckets: int = Field(14, gt=0)
    hashes_per_bucket: int = Field(8, gt=0)
    seed: int = 1


class CorpusLevelSettings(StrictModel):
    min_chunks: int = Field(30_000, ge=0, description="Glot500's threshold on kept chunks per language-script")
    small_languages: Literal["keep", "exclude"] = Field(
        "keep", description="exclude: move languages under min_chunks to dropped/ (Glot500); keep: only report"
    )
    flag_script_mismatch_share: float = Field(0.5, ge=0, le=1)


class SlurmSettings(StrictModel):
    partition: str | None = None
    time: str = "24:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2
    qos: str | None = None
    venv_path: str | None = None
    sbatch_args: dict[str, str] = Field(default_factory=dict)


class ExecutorSettings(StrictModel):
    kind: Literal["local", "slurm", "ray"] = "local"
    workers: int = Field(1, ge=1, description="tasks run at the same time")
    tasks: int | None = Field(None, ge=1, description="shards of the input (default: min(input units, 64))")
    slurm: SlurmSettings = Field(default_factory=SlurmSettings)


def _default_cleaning() -> Any:
    return CleaningConfig() if CleaningConfig is not None else None


class CorpusConfig(StrictModel):
    """Everything ``build_corpus`` needs; validated once at the edge."""

    sources: list[SourceConfig] = Field(min_length=1)
    output: str
    reading: ReadingSettings = Field(default_factory=ReadingSettings)
    cleaning: CleaningSection = Field(default_factory=_default_cleaning)  # type: ignore[valid-type]
    exact_dedup: ExactDedupSettings = Field(default_factory=ExactDedupSettings)
    minhash: MinhashSettings = Field(default_factory=MinhashSettings)
    corpus_level: CorpusLevelSettings = Field(default_factory=CorpusLevelSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
    keep_work: bool = Field(False, description="keep work/ shards and dedup signatures after a successful build")

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [source.display_name() for source in sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique, give 'name:' to tell apart: {', '.join(duplicates)}")
        return sources

    def fingerprint(self) -> str:
        """Hash of the settings that shape the output (not how many workers run it)."""
        data = self.model_dump(mode="json", exclude={"executor": {"workers", "kind", "slurm"}, "keep_work": True})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def source_from_path(path: str, lang: str | None = None) -> SourceConfig:
    """Guess a source's type from a ``--input`` value (``udhr``, a file, a folder, or a hub name)."""
    if path == "udhr":
        return SourceConfig(type="udhr")
    candidate = Path(path)
    if candidate.is_file():
        name = candidate.name
        if ".jsonl" in name or name.endswith(".json"):
            return SourceConfig(type="jsonl", path=path, lang=lang)
        if name.endswith(".parquet"):
            return SourceConfig(type="parquet", path=path, lang=lang)
        return SourceConfig(type="text", path=path, lang=lang)
    if candidate.is_dir():
        return SourceConfig(type=_folder_type(candidate), path=path, lang=lang)
    if _looks_like_hub_name(path):
        return SourceConfig(type="hf_hub", path=path, lang=lang)
    raise ConfigError(f"input not found: {path} (expected a file, a folder, 'udhr' or a hub dataset 'org/name')")


def _looks_like_hub_name(path: str) -> bool:
    """``org/name`` that is not a local path: a missing ``typo/dir`` whose ``typo/`` exists is a mistyped path,
    as is anything with a file suffix (``data/deu_Latn.txt``)."""
    if "/" not in path or path.startswith((".", "/", "~")) or path.count("/") != 1:
        return False
    org, name = path.split("/")
    if not org or not name or Path(org).exists():
        return False
    return not any(
        name.endswith(suffix) for suffix in (".txt", ".gz", ".xz", ".zst", ".bz2", ".jsonl", ".json", ".parquet")
    )


def _folder_type(folder: Path) -> str:
    names = [p.name for p in folder.iterdir()]
    if "vref.txt" in names:
        return "bible"
    if "dataset_info.json" in names or "state.json" in names or "dataset_dict.json" in names:
        return "hf_disk"
    if any((folder / name).is_dir() and (folder / name / "dataset_info.json").exists() for name in names):
        return "hf_disk"
    if any(".jsonl" in name for name in names):
        return "jsonl"
    if any(name.endswith(".parquet") for name in names):
        return "parquet"
    return "text"
