"""Byte-pair encoding from scratch against the Hugging Face ``tokenizers`` library."""

from __future__ import annotations

import json
import random

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from dl_lib.bpe import BPETokenizer, bytes_to_unicode, count_pairs, merge_pair, pretokenize, train_bpe


def hf_bpe(text: str, vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator([text], trainer)
    return tok


def hf_merges(tok: Tokenizer) -> list[tuple[str, str]]:
    merges = json.loads(tok.to_str())["model"]["merges"]
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]


TEXTS = {
    "english": "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox doesn't!\n" * 20
    + "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n" * 7,
    "repeats and ties": "aaaa aaa aa a ab ba abab baba " * 5 + "x y z " * 3,
    "unicode": "naïve café, 日本語のテキスト, emoji 🙂🙂, tabs\tand\n\nnewlines  double  spaces " * 6,
}


@pytest.mark.parametrize("name", TEXTS)
@pytest.mark.parametrize("vocab_size", [260, 300, 400])
def test_same_merges_vocab_and_ids_as_tokenizers(name, vocab_size):
    text = TEXTS[name]
    ours, theirs = train_bpe(text, vocab_size), hf_bpe(text, vocab_size)
    assert ours.merges == hf_merges(theirs)
    assert ours.vocab == theirs.get_vocab()
    probe = text[:200] + " unseen words: zebra, quixotic!"
    assert ours.encode(probe) == theirs.encode(probe).ids
    assert ours.decode(ours.encode(probe)) == probe == theirs.decode(theirs.encode(probe).ids)


def test_random_text_matches_tokenizers():
    rng = random.Random(0)
    pieces = ["th", "e ", "an", "d ", "ing ", "a", "b", "  ", "\n", "é", "!", "'s ", "42 "]
    text = "".join(rng.choice(pieces) for _ in range(3000))
    ours, theirs = train_bpe(text, 350), hf_bpe(text, 350)
    assert ours.merges == hf_merges(theirs)
    assert ours.encode(text) == theirs.encode(text).ids


def test_bytes_to_unicode_is_gpt2s_table():
    table = bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert table[ord("A")] == "A" and table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ"
    assert sorted(table.values()) == sorted(pre_tokenizers.ByteLevel.alphabet())


def test_pretokenize_matches_bytelevel():
    text = "Hello world! It's 2024, isn't it?\n  Two  spaces."
    theirs = [w for w, _ in pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(text)]
    assert pretokenize(text) == theirs
    assert pretokenize("Hello world!") == ["Hello", "Ġworld", "!"]


def test_count_pairs_counts_overlaps_and_frequencies():
    counts = count_pairs({(1, 1, 1): 2, (1, 2): 3})
    assert counts == {(1, 1): 4, (1, 2): 3}


def test_merge_pair_left_to_right_without_overlap():
    assert merge_pair((1, 1, 1), (1, 1), 9) == (9, 1)
    assert merge_pair((1, 1, 1, 1), (1, 1), 9) == (9, 9)
    assert merge_pair((1, 2, 3, 1, 2), (1, 2), 7) == (7, 3, 7)
    assert merge_pair((3,), (1, 2), 7) == (3,)
    assert merge_pair((), (1, 2), 7) == ()


def test_hand_example():
    tok = train_bpe("low low low lower lowest", 258)
    assert tok.merges == [("l", "o"), ("lo", "w")]  # 'lo' occurs 5 times, then 'low' 5 times
    assert tok.encode("low") == [tok.vocab["low"]]
    assert isinstance(tok, BPETokenizer) and len(tok) == 258


def test_stops_when_nothing_is_left_to_merge():
    tok = train_bpe("ab", 1000)
    assert tok.merges == [("a", "b")] and len(tok) == 257


def test_bad_input():
    with pytest.raises(ValueError, match="at least 256"):
        train_bpe("some text", 100)
    with pytest.raises(ValueError, match="non-empty str"):
        train_bpe("", 300)
    with pytest.raises(TypeError, match="expects a str"):
        pretokenize(b"bytes")
    tok = train_bpe("abc abc", 260)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tok.decode([0, 5000])


def test_the_stdlib_split_pattern_splits_like_gpt2s():
    """dl_lib needs no `regex` package: its `re` pattern splits as GPT-2's \\p{L}/\\p{N} pattern does."""
    import re

    import regex  # installed with transformers; the pattern GPT-2 and `tokenizers` use

    from dl_lib.bpe import GPT2_SPLIT_PATTERN, STDLIB_SPLIT_PATTERN
    from dl_lib.seqdata import text_corpus

    samples = [text_corpus()[:20000], "It's 3 o'clock -- naïve café_au_lait x2  \n\n tabs\there!?", "don't  stop  "]
    for text in samples:
        assert re.findall(STDLIB_SPLIT_PATTERN, text) == regex.findall(GPT2_SPLIT_PATTERN, text)
