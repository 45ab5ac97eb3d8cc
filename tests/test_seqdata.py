"""dl_lib.seqdata: the shipped corpus and series, the vocabulary, the synthetic tasks."""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources

import numpy as np
import pytest
import torch

from dl_lib import seqdata
from dl_lib.seqdata import (
    CORPUS_SHA256,
    DATE_FORMAT_COUNT,
    TIME_SERIES,
    CharVocab,
    adding_task,
    copy_task,
    date_batches,
    date_formats,
    date_pairs,
    date_vocabs,
    forecast_windows,
    random_windows,
    recall_first_task,
    text_corpus,
    time_series,
)

# ---- corpus ---------------------------------------------------------------------------------

def test_corpus_checksum_and_content():
    text = text_corpus()
    assert hashlib.sha256(text.encode("ascii")).hexdigest() == CORPUS_SHA256
    assert len(text) == 419_129
    assert text.startswith("HAMLET, PRINCE OF DENMARK")
    assert "MACBETH" in text and "Romeo" in text
    assert "\r" not in text and "Gutenberg" not in text
    assert text_corpus() == text  # the same on every call


def test_corpus_file_has_a_notice():
    notice = resources.files("dl_lib").joinpath("datafiles", "NOTICE.md").read_text()
    assert CORPUS_SHA256 in notice and "public domain" in notice


def test_corpus_damaged_file_raises(monkeypatch):
    monkeypatch.setattr(seqdata, "CORPUS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="SHA-256"):
        text_corpus()


def test_corpus_missing_file_raises(monkeypatch):
    monkeypatch.setattr(seqdata, "_CORPUS_FILE", "no_such_file.txt")
    with pytest.raises(FileNotFoundError, match="missing"):
        text_corpus()


# ---- time series ----------------------------------------------------------------------------

@pytest.mark.parametrize("name,length", [("sunspots", 309), ("co2", 2284), ("nile", 100), ("elnino", 732)])
def test_time_series_shapes(name, length):
    values = time_series(name)
    assert values.dtype == np.float64 and values.shape == (length,)
    assert np.isfinite(values).all()
    t, v2 = time_series(name, return_time=True)
    assert t.shape == (length,) and np.all(np.diff(t) > 0)
    np.testing.assert_array_equal(values, v2)


def test_time_series_known_values():
    sun = time_series("sunspots")
    assert sun[0] == 5.0 and sun[-1] == 2.9
    t, _ = time_series("sunspots", return_time=True)
    assert t[0] == 1700 and t[-1] == 2008
    co2 = time_series("co2")
    assert co2[0] == 316.1
    assert 310 < co2.min() < co2.max() < 380


def test_time_series_co2_gaps_are_interpolated():
    from statsmodels import datasets
    raw = datasets.co2.load_pandas().data["co2"].to_numpy()
    gaps = np.flatnonzero(np.isnan(raw))
    assert len(gaps) == 59
    filled = time_series("co2")
    i = gaps[0]  # a one-week gap: the mean of its neighbours
    if not np.isnan(raw[i - 1]) and not np.isnan(raw[i + 1]):
        assert filled[i] == pytest.approx((raw[i - 1] + raw[i + 1]) / 2)
    np.testing.assert_array_equal(filled[~np.isnan(raw)], raw[~np.isnan(raw)])


def test_time_series_unknown_name_lists_known():
    with pytest.raises(ValueError, match="known: co2, elnino, nile, sunspots"):
        time_series("airline")
    assert set(TIME_SERIES) == {"sunspots", "co2", "nile", "elnino"}


# ---- vocabulary -----------------------------------------------------------------------------

def test_vocab_roundtrip_and_specials():
    v = CharVocab("hello world", specials=("<pad>", "<bos>", "<eos>"))
    assert (v.pad_id, v.bos_id, v.eos_id) == (0, 1, 2)
    assert len(v) == 3 + len(set("hello world"))
    ids = v.encode("low")
    assert min(ids) >= 3 and v.decode(ids) == "low"
    assert v.decode(torch.tensor([1] + ids + [2])) == "<bos>low<eos>"
    assert v.decode([1] + ids + [2, 0], skip_specials=True) == "low"
    assert "o" in v and "z" not in v


def test_vocab_from_iterable_is_sorted_and_deterministic():
    a = CharVocab(["ba", "ca"])
    b = CharVocab("abc")
    assert a.itos == b.itos == ["a", "b", "c"]
    assert a.encode("cab") == [2, 0, 1]


def test_vocab_bad_input():
    v = CharVocab("abc")
    with pytest.raises(ValueError, match=r"'z' \(U\+007A\) at position 2"):
        v.encode("abz")
    with pytest.raises(ValueError, match="no <pad> token"):
        _ = v.pad_id
    with pytest.raises(ValueError, match="out of range"):
        v.decode([0, 7])
    with pytest.raises(ValueError, match="1-D"):
        v.decode(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(TypeError, match="item 1 is int"):
        CharVocab(["ab", 3])
    with pytest.raises(ValueError, match="distinct"):
        CharVocab("ab", specials=("<pad>", "<pad>"))
    with pytest.raises(ValueError, match="at least one character"):
        CharVocab("")
    with pytest.raises(TypeError, match="string"):
        v.encode([0, 1])


def test_vocab_covers_the_corpus():
    text = text_corpus()
    v = CharVocab(text)
    assert len(v) == len(set(text))
    assert v.decode(v.encode(text[:1000])) == text[:1000]


# ---- windows --------------------------------------------------------------------------------

def test_forecast_windows():
    s = np.arange(10, dtype=np.float64)
    x, y = forecast_windows(s, window=3)
    assert x.shape == (7, 3) and y.shape == (7,) and x.dtype == torch.float64
    assert x[0].tolist() == [0, 1, 2] and y[0] == 3 and y[-1] == 9
    x, y = forecast_windows(s, window=3, horizon=2)
    assert x.shape == (6, 3) and y[0] == 4 and y[-1] == 9
    with pytest.raises(ValueError, match="no window"):
        forecast_windows(s, window=10)
    with pytest.raises(ValueError, match="1-D"):
        forecast_windows(np.zeros((3, 3)), window=1)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        forecast_windows(s, window=0)


def test_random_windows():
    ids = torch.arange(100)
    x, y = random_windows(ids, n=5, length=10, seed=3)
    assert x.shape == y.shape == (5, 10) and x.dtype == torch.long
    assert torch.equal(y, x + 1)  # the next token, everywhere
    x2, _ = random_windows(ids, n=5, length=10, seed=3)
    assert torch.equal(x, x2)
    gen = torch.Generator().manual_seed(0)
    a, _ = random_windows(ids, 5, 10, gen)
    b, _ = random_windows(ids, 5, 10, gen)
    assert not torch.equal(a, b)  # a generator moves on between calls
    with pytest.raises(ValueError, match="no window"):
        random_windows(torch.arange(5), n=1, length=5)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        random_windows(ids, n=0, length=5)


# ---- synthetic tasks ------------------------------------------------------------------------

def test_recall_first_task():
    x, y = recall_first_task(64, 20, vocab_size=5, seed=1)
    assert x.shape == (64, 20) and y.shape == (64,) and x.dtype == y.dtype == torch.long
    assert torch.equal(y, x[:, 0]) and x.min() >= 0 and x.max() <= 4
    x2, _ = recall_first_task(64, 20, vocab_size=5, seed=1)
    x3, _ = recall_first_task(64, 20, vocab_size=5, seed=2)
    assert torch.equal(x, x2) and not torch.equal(x, x3)
    with pytest.raises(ValueError, match="vocab_size"):
        recall_first_task(4, 5, vocab_size=1)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        recall_first_task(4, 0)


def test_adding_task():
    x, y = adding_task(500, 30, seed=0)
    assert x.shape == (500, 30, 2) and y.shape == (500,) and x.dtype == y.dtype == torch.float32
    markers = x[..., 1]
    assert torch.equal(markers.sum(1), torch.full((500,), 2.0))
    assert torch.all(markers[:, :15].sum(1) == 1) and torch.all(markers[:, 15:].sum(1) == 1)
    assert torch.allclose((x[..., 0] * markers).sum(1), y)
    assert abs(((y - 1) ** 2).mean().item() - 1 / 6) < 0.03  # the bar a model must beat
    assert torch.equal(adding_task(500, 30, seed=0)[0], x)
    with pytest.raises(ValueError, match="length >= 2"):
        adding_task(3, 1)


def test_copy_task():
    x, y = copy_task(16, 5, vocab_size=4, delay=7, seed=0)
    assert x.shape == y.shape == (16, 17) and x.dtype == torch.long
    assert torch.equal(y[:, 12:], x[:, :5])
    assert torch.all(y[:, :12] == 0) and torch.all(x[:, 5:11] == 0) and torch.all(x[:, 12:] == 0)
    assert torch.all(x[:, 11] == 5)  # the go marker is vocab_size + 1
    assert x[:, :5].min() >= 1 and x[:, :5].max() <= 4
    with pytest.raises(ValueError, match="delay must be a positive integer"):
        copy_task(2, 3, delay=0)


# ---- dates ----------------------------------------------------------------------------------

def test_date_pairs_are_right_and_deterministic():
    pairs = date_pairs(2000, seed=0)
    assert pairs == date_pairs(2000, seed=0) and pairs != date_pairs(2000, seed=1)
    assert len({src for src, _ in pairs}) > 1900
    for src, iso in pairs:
        d = dt.date.fromisoformat(iso)
        assert dt.date(1950, 1, 1) <= d <= dt.date(2049, 12, 31)
        assert str(d.day) in src
    # every format shows up, and a day name, when written, is the right one
    assert any(src.startswith(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
               for src, _ in pairs)
    for src, iso in pairs:
        d = dt.date.fromisoformat(iso)
        for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
            if src.lower().startswith(name.lower()):
                assert d.strftime("%A") == name, (src, iso)
    assert DATE_FORMAT_COUNT == 14


def test_date_pairs_known_formats():
    d = dt.date(1997, 3, 3)
    formats = date_formats(d)
    for expected in ("3 March 1997", "03/03/97", "Mar 3, 1997", "monday 3 march 1997"):
        assert expected in formats
    assert len(formats) == len(set(formats)) == DATE_FORMAT_COUNT
    with pytest.raises(TypeError, match="datetime.date"):
        date_formats("1997-03-03")


def test_date_vocabs_cover_every_pair():
    src_vocab, tgt_vocab = date_vocabs()
    for src, tgt in date_pairs(3000, seed=5):
        src_vocab.encode(src)
        tgt_vocab.encode(tgt)
    assert len(tgt_vocab) == 3 + 11


def test_date_batches_shapes_and_tokens():
    src_vocab, tgt_vocab = date_vocabs()
    pairs = [("3 March 1997", "1997-03-03"), ("03/03/97", "1997-03-03")]
    b = date_batches(pairs, src_vocab, tgt_vocab)
    src, lengths, tgt_in, tgt_out = b
    assert src.shape == (2, 13) and tgt_in.shape == tgt_out.shape == (2, 11)
    assert lengths.tolist() == [13, 9]
    assert src[1, 8] == src_vocab.eos_id and torch.all(src[1, 9:] == src_vocab.pad_id)
    assert torch.all(tgt_in[:, 0] == tgt_vocab.bos_id) and torch.all(tgt_out[:, -1] == tgt_vocab.eos_id)
    assert torch.equal(tgt_in[:, 1:], tgt_out[:, :-1])
    assert src_vocab.decode(src[0, :12]) == "3 March 1997"
    assert tgt_vocab.decode(tgt_out[1], skip_specials=True) == "1997-03-03"
    with pytest.raises(ValueError, match="at least one"):
        date_batches([], src_vocab, tgt_vocab)
    with pytest.raises(ValueError, match=r"pairs\[0\]"):
        date_batches([("a",)], src_vocab, tgt_vocab)
    with pytest.raises(ValueError, match="no <eos> token"):
        date_batches(pairs, CharVocab("0123456789 /March"), tgt_vocab)
