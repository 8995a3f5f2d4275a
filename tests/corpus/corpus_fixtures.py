"""Tiny multilingual inputs written by the tests: pseudo-sentences that pass the cleaning filters."""

from __future__ import annotations

import gzip
import lzma
import random
from pathlib import Path

import zstandard

_LATIN_SYLLABLES = tuple(
    [
        "ka",
        "ri",
        "to",
        "me",
        "su",
        "na",
        "lo",
        "pe",
        "vi",
        "da",
        "ne",
        "mo",
        "ta",
        "si",
        "ru",
        "ga",
        "bo",
        "le",
        "fi",
        "hu",
        "ja",
        "ko",
        "mi",
        "pa",
        "re",
        "so",
        "tu",
        "wa",
        "ye",
        "zo",
    ]
)
_CYRILLIC_SYLLABLES = tuple(
    [
        "ка",
        "ри",
        "то",
        "ме",
        "су",
        "на",
        "ло",
        "пе",
        "ви",
        "да",
        "не",
        "мо",
        "та",
        "си",
        "ру",
        "га",
        "бо",
        "ле",
        "фи",
        "ху",
        "жа",
        "ко",
        "ми",
        "па",
        "ре",
        "со",
        "ту",
    ]
)
_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
_THAI = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮ"
_THAI_VOWELS = "ะาิีึืุูเแโ"


def latin_sentence(rng: random.Random, words: int | None = None, syllables=_LATIN_SYLLABLES) -> str:
    count = words or rng.randint(8, 18)
    tokens = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(count)]
    return " ".join(tokens).capitalize() + rng.choice([".", "!", "?", "."])


def han_sentence(rng: random.Random) -> str:
    return "".join(rng.choice(_HAN) for _ in range(rng.randint(15, 35))) + "。"


def thai_sentence(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(_THAI) + rng.choice(_THAI_VOWELS) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(6, 12))
    ]
    return "".join(words[:4]) + " " + "".join(words[4:])


def sentences(kind: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    make = {
        "latin": latin_sentence,
        "han": han_sentence,
        "thai": thai_sentence,
        "cyrillic": lambda r: latin_sentence(r, syllables=_CYRILLIC_SYLLABLES),
    }[kind]
    return [make(rng) for _ in range(count)]


def write_lines(path: Path, lines: list[str]) -> Path:
    """Write one line per chunk, compressed by the file's suffix (.gz, .xz, .zst or none)."""
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".xz":
        data = lzma.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path
