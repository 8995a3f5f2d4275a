"""Language-ID verification with a fastText model: mismatches dropped, unknown labels kept and counted."""

from __future__ import annotations

import pickle

from glot500.corpus.filters import LanguageIdFilter
from glot500.corpus.filters.lid import same_label, same_macrolanguage

ENGLISH = "the dog runs in the garden with my friend every morning"
GERMAN = "der hund läuft im garten mit meinem freund jeden morgen"


def test_confident_mismatch_is_dropped_and_agreement_kept(doc, run, tiny_lid_model) -> None:
    docs = [doc(ENGLISH, "eng_Latn", "english"), doc(GERMAN, "eng_Latn", "german-as-english")]
    kept, dropped = run(LanguageIdFilter(tiny_lid_model, threshold=0.5), docs)
    assert [d.id for d in kept] == ["english"]
    assert dropped == {"german-as-english": "lid_mismatch"}
    assert docs[1].metadata["lid_prediction"] == "deu_Latn" and docs[1].metadata["lid_probability"] >= 0.5


def test_low_confidence_mismatch_is_kept(doc, run, tiny_lid_model) -> None:
    kept, dropped = run(LanguageIdFilter(tiny_lid_model, threshold=1.0), [doc(GERMAN, "eng_Latn", "german")])
    assert len(kept) == 1 and not dropped


def test_labels_unknown_to_the_model_are_kept_and_counted_or_dropped(doc, run, tiny_lid_model) -> None:
    docs = [doc("le chien court dans le jardin", "fra_Latn", "french"), doc(ENGLISH, "eng_Latn", "english")]
    step = LanguageIdFilter(tiny_lid_model, threshold=0.5)
    kept, dropped = run(step, docs)
    assert len(kept) == 2 and not dropped
    assert step.stats.stats["kept_unknown_label"].total == 1
    _, dropped = run(LanguageIdFilter(tiny_lid_model, unknown_labels="drop"), docs)
    assert dropped == {"french": "lid_unknown_label"}


def test_only_the_first_max_chars_are_identified(doc, run, tiny_lid_model) -> None:
    mixed = GERMAN + " " + " ".join([ENGLISH] * 6)
    _, dropped = run(LanguageIdFilter(tiny_lid_model, threshold=0.5, max_chars=None), [doc(mixed, "deu_Latn", "m")])
    assert dropped == {"m": "lid_mismatch"}
    kept, _ = run(LanguageIdFilter(tiny_lid_model, threshold=0.5, max_chars=len(GERMAN)), [doc(mixed, "deu_Latn")])
    assert len(kept) == 1


def test_chunks_without_letters_are_not_judged(doc, run, tiny_lid_model) -> None:
    step = LanguageIdFilter(tiny_lid_model, threshold=0.01)
    kept, dropped = run(step, [doc("", "eng_Latn", "empty"), doc("12 34 -- !!", "deu_Latn", "digits")])
    assert len(kept) == 2 and not dropped
    assert step.stats.stats["kept_no_letters"].total == 2


def test_macrolanguage_members_agree() -> None:
    assert same_macrolanguage("arb_Arab", "ara_Arab")  # member and its macrolanguage
    assert same_macrolanguage("cmn_Hani", "yue_Hani")  # two members of zho
    assert not same_macrolanguage("arb_Arab", "ara_Latn")  # different script
    assert not same_macrolanguage("deu_Latn", "eng_Latn")
    assert same_macrolanguage("cmn_Hans", "yue_Hani")  # composite script codes match their parts


def test_same_language_in_a_matching_script_agrees() -> None:
    assert same_label("cmn_Hans", "cmn_Hani") and same_label("jpn_Jpan", "jpn_Hira")
    assert not same_label("srp_Latn", "srp_Cyrl") and not same_label("cmn_Hani", "yue_Hani")


def test_known_labels_are_the_model_languages_in_a_matching_script(tiny_lid_model) -> None:
    step = LanguageIdFilter(tiny_lid_model, threshold=0.5)
    assert step._known("eng_Latn") and step._known("rus_Cyrl")
    assert not step._known("rus_Latn") and not step._known("fra_Latn")


def test_filter_pickles_without_its_model(doc, run, tiny_lid_model) -> None:
    step = LanguageIdFilter(tiny_lid_model, threshold=0.5)
    run(step, [doc(ENGLISH, "eng_Latn")])
    clone = pickle.loads(pickle.dumps(step))
    assert clone.identifier._model is None
    _, dropped = run(clone, [doc(GERMAN, "eng_Latn", "german")])
    assert dropped == {"german": "lid_mismatch"}
