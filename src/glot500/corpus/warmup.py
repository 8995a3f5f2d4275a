"""Preloaded by the local executor's fork server: imports the pipeline's modules and builds their lookup
tables once, so that every pool worker of every stage starts warm (forked, copy-on-write) instead of paying
~3-4 CPU seconds of imports and table building per worker and stage."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Import the stage modules and run each cleaning filter and the dedup key once on a sample chunk."""
    import pyarrow.compute  # noqa: F401 - the shard, publish and accounting steps need them in every worker
    import pyarrow.parquet  # noqa: F401
    from datatrove.data import Document

    from glot500.corpus import dedup, publish, steps  # noqa: F401 - imported for their side effect: loaded modules
    from glot500.corpus.dedup import LanguageMinhashSignature, exact_dedup_hashes, exact_dedup_key, minhash_config

    steps.cache_loguru_lib_dirs()

    sample = Document(
        text="Warm-up chunk, 12 words: every table gets built once here.",
        id="warmup",
        metadata={"lang": "eng_Latn", "original_lang": "eng_Latn", "source": "warmup"},
    )
    exact_dedup_key(sample)
    exact_dedup_hashes([sample.text], ["eng_Latn"])
    LanguageMinhashSignature("unused", minhash_config(5, 1, 1, 0)).shingles(sample.text, "eng_Latn")
    try:
        from glot500.corpus.filters import CleaningConfig, build_cleaning_filters

        for block in build_cleaning_filters(CleaningConfig(), lambda step: None):
            block.filter(sample)
    except Exception as error:  # noqa: BLE001 - warming is an optimisation; the tasks report real errors
        logger.debug("cleaning filters not warmed up: %s", error)
    try:  # the finalize task: language registry (head/tail) and the corpus card's plots
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

        from glot500.languages import is_head

        is_head("eng_Latn")
    except Exception as error:  # noqa: BLE001
        logger.debug("finalize not warmed up: %s", error)


warm_up()
