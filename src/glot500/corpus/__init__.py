"""Glot500-c: sources, cleaning (datatrove blocks), accounting, sampling and the corpus card.

Importing this package is cheap; datatrove is imported by the modules that need it.
"""
