"""Models: load XLM-R-compatible masked LMs, extend their embeddings to a new vocabulary, save safely."""
