"""Shared helpers of the evaluation tests (toy sentences, file writing)."""

from __future__ import annotations

import random
from pathlib import Path

LATIN = [
    "river",
    "stone",
    "house",
    "light",
    "water",
    "green",
    "small",
    "bird",
    "song",
    "tree",
    "night",
    "fire",
    "road",
    "hand",
    "bread",
    "city",
    "story",
    "window",
    "morning",
    "yellow",
    "mountain",
    "friend",
    "letter",
    "garden",
    "winter",
    "summer",
    "table",
    "mother",
    "father",
]
CYRILLIC = [
    "дом",
    "вода",
    "свет",
    "река",
    "камень",
    "птица",
    "песня",
    "дерево",
    "ночь",
    "огонь",
    "дорога",
    "рука",
    "хлеб",
    "город",
]


def make_sentences(words: list[str], count: int, seed: int, length: tuple[int, int] = (4, 9)) -> list[str]:
    """Distinct random sentences over ``words``."""
    rng = random.Random(seed)
    sentences: list[str] = []
    while len(sentences) < count:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(*length)))
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
