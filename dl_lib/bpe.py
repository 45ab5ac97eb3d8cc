r"""Byte-pair encoding (BPE), the tokenizer of GPT-2, written from scratch.

BPE starts from single symbols and learns *merges*: it counts every pair of adjacent
symbols in the training text, replaces the most frequent pair by one new symbol, and
repeats until the vocabulary has the size asked for (Sennrich et al., 2016). GPT-2
runs it on *bytes* instead of characters, so any text can be encoded with no unknown
symbol (Radford et al., 2019): each of the 256 byte values is shown as one
printable character (:func:`bytes_to_unicode`), and the text is first cut into words
by a regular expression (:data:`GPT2_SPLIT_PATTERN`) so that no merge crosses a word.

:func:`train_bpe` learns the same merges, in the same order, as the Hugging Face
``tokenizers`` library's ``BpeTrainer`` with a ``ByteLevel`` pre-tokenizer: the most
frequent pair wins, and a tie goes to the pair of smallest token ids, where the 256
byte symbols are numbered in the order of their printable characters and each merged
symbol gets the next free id.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

__all__ = [
    "GPT2_SPLIT_PATTERN",
    "STDLIB_SPLIT_PATTERN",
    "BPETokenizer",
    "bytes_to_unicode",
    "count_pairs",
    "merge_pair",
    "pretokenize",
    "train_bpe",
]

#: GPT-2's rule for cutting text into words before BPE: contractions, runs of letters,
#: of digits or of other symbols (each with the space in front of it), and whitespace.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# The same pattern in the standard library's `re`, which has no \p{...} classes: a letter is a word
# character that is neither a digit nor "_", a number a decimal digit (\p{N} also holds a few rarer
# numerals such as "½", which the book's ASCII corpus does not contain).
STDLIB_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
_SPLIT = re.compile(STDLIB_SPLIT_PATTERN)


def bytes_to_unicode() -> dict[int, str]:
    r"""GPT-2's table from the 256 byte values to 256 printable Unicode characters.

    Printable ASCII and Latin-1 bytes map to themselves; the others (control characters,
    the space) are moved to code points from 256 on, so that the space becomes ``Ġ``
    and the newline ``Ċ``. Every byte string then reads as a string of visible symbols.
    """
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table, shifted = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + shifted)
            shifted += 1
    return table


_BYTE_TO_CHAR = bytes_to_unicode()
_CHAR_TO_BYTE = {c: b for b, c in _BYTE_TO_CHAR.items()}


def pretokenize(text: str) -> list[str]:
    r"""Cut ``text`` into GPT-2's words and write each word's UTF-8 bytes as symbols.

    >>> pretokenize("Hello world!")
    ['Hello', 'Ġworld', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"pretokenize expects a str, got {type(text).__name__}")
    return ["".join(_BYTE_TO_CHAR[b] for b in word.encode("utf-8")) for word in _SPLIT.findall(text)]


def count_pairs(words: dict[tuple[int, ...], int]) -> Counter:
    r"""How often each pair of adjacent symbols occurs, counting each word ``freq`` times.

    Args:
        words: a word (a tuple of symbol ids) -> how often it occurs in the corpus.

    Returns:
        A ``Counter`` from ``(left, right)`` to its count. Overlapping pairs all count:
        the word ``a a a`` holds the pair ``(a, a)`` twice.
    """
    counts: Counter = Counter()
    for word, freq in words.items():
        for pair in pairwise(word):
            counts[pair] += freq
    return counts


def merge_pair(word: tuple[int, ...], pair: tuple[int, int], new_id: int) -> tuple[int, ...]:
    r"""Replace every occurrence of ``pair`` in ``word`` by ``new_id``, scanning left to right.

    Occurrences do not overlap: with the pair ``(a, a)``, ``a a a`` becomes ``aa a``.
    """
    merged, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            merged.append(new_id)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)


@dataclass
class BPETokenizer:
    r"""A trained byte-level BPE: a vocabulary (symbol -> id) and the ordered merges.

    Encoding cuts the text into words, writes each word as byte symbols and applies the
    merges in the order they were learned; decoding joins the symbols and turns them
    back into bytes. ``decode(encode(text)) == text`` for every string.
    """

    vocab: dict[str, int]
    merges: list[tuple[str, str]]
    _ranks: dict[tuple[int, int], int] = field(init=False, repr=False)
    _inverse: dict[int, str] = field(init=False, repr=False)
    _cache: dict[str, list[int]] = field(init=False, repr=False)  # word -> ids, filled as we go

    def __post_init__(self) -> None:
        self._ranks = {(self.vocab[a], self.vocab[b]): rank for rank, (a, b) in enumerate(self.merges)}
        self._inverse = {i: s for s, i in self.vocab.items()}
        self._cache = {}

    def __len__(self) -> int:
        return len(self.vocab)

    def encode_word(self, word: str) -> list[int]:
        """Token ids of one pre-tokenized word: apply the earliest-learned merge first, repeatedly."""
        if word not in self._cache:
            self._cache[word] = self._merge_word(word)
        return self._cache[word]

    def _merge_word(self, word: str) -> list[int]:
        ids = tuple(self.vocab[c] for c in word)
        while len(ids) > 1:
            pair = min(pairwise(ids), key=lambda p: self._ranks.get(p, len(self._ranks)))
            if pair not in self._ranks:
                break
            ids = merge_pair(ids, pair, self.vocab[self._inverse[pair[0]] + self._inverse[pair[1]]])
        return list(ids)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        return [i for word in pretokenize(text) for i in self.encode_word(word)]

    def decode(self, ids) -> str:
        """The text of a sequence of token ids (a list or a 1-D tensor)."""
        ids = [int(i) for i in ids]
        bad = [i for i in ids if i not in self._inverse]
        if bad:
            raise ValueError(f"decode got ids outside the vocabulary of {len(self)}: {bad[:5]}")
        symbols = "".join(self._inverse[i] for i in ids)
        return bytes(_CHAR_TO_BYTE[c] for c in symbols).decode("utf-8", errors="replace")


def train_bpe(text: str, vocab_size: int) -> BPETokenizer:
    r"""Learn byte-level BPE merges on ``text`` until the vocabulary has ``vocab_size`` symbols.

    The vocabulary starts with the 256 byte symbols, numbered in the order of their
    characters; each merge adds one symbol. At each step the most frequent adjacent
    pair (ties: the smallest ids) is merged in every word where it occurs, and only the
    pair counts of those words are updated.

    Args:
        text: the training corpus.
        vocab_size: the final vocabulary size, at least 256.

    Returns:
        The trained :class:`BPETokenizer`. It has fewer symbols than asked when no pair
        is left to merge.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("train_bpe needs a non-empty str to train on")
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256 (one symbol per byte), got {vocab_size}")
    symbols = sorted(_BYTE_TO_CHAR.values())  # id = rank of the byte's character
    vocab = {s: i for i, s in enumerate(symbols)}
    word_counts = Counter(pretokenize(text))
    words = [tuple(vocab[c] for c in w) for w in word_counts]  # each distinct word once ...
    freqs = list(word_counts.values())  # ... with its frequency
    counts = count_pairs(dict(zip(words, freqs, strict=True)))
    where = defaultdict(set)  # pair -> indices of the words that contain it
    for k, word in enumerate(words):
        for pair in pairwise(word):
            where[pair].add(k)
    merges = []
    while len(vocab) < vocab_size and counts:
        best = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))  # most frequent, then smallest ids
        if counts[best] <= 0:
            break
        new_id = len(vocab)
        left, right = symbols[best[0]], symbols[best[1]]
        symbols.append(left + right)
        vocab[left + right] = new_id
        merges.append((left, right))
        for k in where.pop(best):
            old, new = words[k], merge_pair(words[k], best, new_id)
            for pair in pairwise(old):  # take the word's old pairs out ...
                counts[pair] -= freqs[k]
            for pair in pairwise(new):  # ... and put its new pairs in
                counts[pair] += freqs[k]
                where[pair].add(k)
            words[k] = new
        counts = +counts  # drop the pairs whose count reached zero
    return BPETokenizer(vocab=vocab, merges=merges)
