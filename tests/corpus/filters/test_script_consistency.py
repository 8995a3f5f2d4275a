"""Script consistency: drop or relabel chunks whose majority script differs from their label's script."""

from __future__ import annotations

from glot500.corpus.filters import ScriptConsistencyFilter


def test_mismatching_script_is_dropped_and_matching_ones_kept(doc, run) -> None:
    docs = [
        doc("Sva ljudska bića rađaju se slobodna", "srp_Latn", "latin"),
        doc("Сва људска бића рађају се слободна", "srp_Latn", "cyrillic"),
        doc("すべての人間は、生まれながらにして自由である", "jpn_Jpan", "japanese"),
        doc("人人生而自由，在尊严和权利上一律平等", "cmn_Hani", "han"),
        doc("모든 인간은 태어날 때부터 自由로우며", "kor_Kore", "korean-hanja"),
        doc("모든 인간은 태어날 때부터 자유로우며", "kor_Hang", "hangul"),
        doc("12:30 — 4, 5!", "srp_Latn", "digits"),
    ]
    kept, dropped = run(ScriptConsistencyFilter(), docs)
    assert dropped == {"cyrillic": "script_mismatch"}
    assert docs[1].metadata["detected_script"] == "Cyrl"
    assert [d.id for d in kept] == ["latin", "japanese", "han", "korean-hanja", "hangul", "digits"]


def test_scriptless_chunks_can_be_dropped(doc, run) -> None:
    _, dropped = run(ScriptConsistencyFilter(keep_scriptless=False), [doc("12:30 — 4, 5!", "eng_Latn", "digits")])
    assert dropped == {"digits": "no_script"}


def test_relabel_keeps_the_chunk_under_the_detected_script(doc, run) -> None:
    docs = [doc("Сва људска бића рађају се слободна", "srp_Latn", "cyrillic"), doc("Sva ljudska bića", "srp_Latn")]
    step = ScriptConsistencyFilter(action="relabel")
    kept, dropped = run(step, docs)
    assert not dropped and len(kept) == 2
    assert kept[0].metadata["lang"] == "srp_Cyrl"
    assert kept[0].metadata["original_lang"] == "srp_Latn"
    assert kept[1].metadata == {"lang": "srp_Latn", "source": "test"}
    assert step.stats.stats["relabelled"].total == 1


def test_relabel_never_invents_a_label_from_unassigned_characters(doc, run) -> None:
    _, dropped = run(ScriptConsistencyFilter(action="relabel"), [doc("\u0378\u0379\u0380 ab", "eng_Latn", "odd")])
    assert dropped == {"odd": "script_mismatch"}
