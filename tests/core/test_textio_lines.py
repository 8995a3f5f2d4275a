"""Line splitting on \\n and \\r\\n only: U+2028, U+0085, \\x0b, \\x0c, \\x1c-\\x1e are text, not line ends."""

from __future__ import annotations

import lzma

from glot500.core.textio import iter_lines, split_lines

# Characters str.splitlines() treats as line ends although real sentences contain them.
NOT_LINE_ENDS = "\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e\r"


def test_split_lines_splits_on_newline_and_crlf_only():
    text = f"one{NOT_LINE_ENDS}still one\r\ntwo\n\nfour\n"
    assert split_lines(text) == [f"one{NOT_LINE_ENDS}still one", "two", "", "four"]
    assert len(text.splitlines()) > 4  # what it replaces would have misaligned the file
    assert split_lines("") == [] and split_lines("a") == ["a"] and split_lines("a\n") == ["a"]


def test_iter_lines_of_plain_and_compressed_files(tmp_path):
    text = "first \u2028 line\r\nsecond\x0cline\nthird\u0085\n"
    plain = tmp_path / "x.txt"
    plain.write_bytes(text.encode("utf-8"))
    packed = tmp_path / "x.txt.xz"
    packed.write_bytes(lzma.compress(text.encode("utf-8")))
    expected = ["first \u2028 line", "second\x0cline", "third\u0085"]
    assert list(iter_lines(plain)) == expected == list(iter_lines(packed))


def test_a_parallel_retrieval_folder_with_u2028_stays_aligned(tmp_path):
    from glot500.evaluate.data import read_parallel

    folder = tmp_path / "ber_Latn"
    folder.mkdir()
    (folder / "ber_Latn.txt").write_text("azul\u2028fell-awen\ntanemmirt\x0bnnek\nar tufat\n", encoding="utf-8")
    (folder / "eng_Latn.txt").write_text("hello all\nthank you\nsee you\n", encoding="utf-8")
    target, english, _ = read_parallel(folder, "ber_Latn")
    assert len(target) == len(english) == 3 and target[0] == "azul\u2028fell-awen"
