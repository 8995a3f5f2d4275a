"""Vocabulary: train SentencePiece on a sampled corpus, merge it into a base tokenizer, report fertility."""
