"""Script consistency: the majority script of a chunk must fit the script of its label."""

from __future__ import annotations

from typing import Literal

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.corpus.filters.base import ChunkFilter, FilterResult, label_of, script_of_label
from glot500.languages import scripts_match
from glot500.lid.script_detect import NO_SCRIPT, script_detector

# Not writing systems a label can have: unassigned characters, and combining marks with no base letters.
_NOT_RELABELLABLE = frozenset({"Zzzz", "Zinh"})


class ScriptConsistencyFilter(ChunkFilter):
    """Drops (or relabels) chunks whose majority script differs from their label's script.

    ``action="relabel"`` turns ``srp_Latn`` text detected as Cyrillic into ``srp_Cyrl``, keeping the old
    label in ``doc.metadata["original_lang"]``. Chunks without letters (only digits and signs) are kept when
    ``keep_scriptless`` (the special-character filter judges them); chunks mostly of unassigned characters or
    of bare combining marks are dropped even when relabelling.
    """

    name = "script_consistency"

    def __init__(
        self,
        action: Literal["drop", "relabel"] = "drop",
        keep_scriptless: bool = True,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.action = action
        self.keep_scriptless = keep_scriptless

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        detected = script_detector().detect_many([doc.text for doc in batch])
        return [self._judge(doc, script) for doc, script in zip(batch, detected, strict=True)]

    def _judge(self, doc: Document, detected: str) -> FilterResult:
        label = label_of(doc)
        label_script = script_of_label(label)
        if not label_script or scripts_match(label_script, detected):
            return True
        if detected == NO_SCRIPT:
            if self.keep_scriptless:
                self.notes["kept_scriptless"] += 1
                return True
            return False, "no_script"
        doc.metadata["detected_script"] = detected
        if self.action == "relabel" and detected not in _NOT_RELABELLABLE:
            doc.metadata.setdefault("original_lang", label)
            doc.metadata["lang"] = f"{label.rpartition('_')[0]}_{detected}"
            self.notes["relabelled"] += 1
            return True
        return False, "script_mismatch"
