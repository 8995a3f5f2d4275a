"""Light-weight source readers (no datatrove import): UDHR and the corpus-folder reader used downstream."""
