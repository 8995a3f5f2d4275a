"""glot500: scale a multilingual masked language model to hundreds of language-scripts."""

__version__ = "0.1.0"
