"""glot500.publish: a run or model folder -> a Hub-ready folder (safetensors, tokenizer, model card); ``--push``
uploads it. Reads files only: no torch import, no stage imported (the report's findings give the card its numbers).
"""

from glot500.publish.build import Published, publish
from glot500.publish.card import pipeline_tag

__all__ = ["Published", "pipeline_tag", "publish"]
