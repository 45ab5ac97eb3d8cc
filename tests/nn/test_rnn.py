"""dl_lib.nn.rnn against torch: RNNCell and RNN values and gradients in float64, BPTT, the LM wrapper, errors."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.rnn import RNN, RecurrentLM, RNNCell, bptt, rnn_cell


def _randn(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def _grads(output, leaves, upstream):
    return torch.autograd.grad(output, leaves, upstream, allow_unused=True)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_matches_torch(nonlinearity, bias):
    gen = torch.Generator().manual_seed(0)
    ref = nn.RNNCell(3, 5, bias=bias, nonlinearity=nonlinearity).double()
    ours = RNNCell(3, 5, bias=bias, nonlinearity=nonlinearity).double()
    ours.load_state_dict(ref.state_dict())
    assert list(ours.state_dict()) == list(ref.state_dict())
    x = _randn(4, 3, gen=gen).requires_grad_()
    h = _randn(4, 5, gen=gen).requires_grad_()
    upstream = _randn(4, 5, gen=gen)
    y_ref, y = ref(x, h), ours(x, h)
    assert_close(y, y_ref, atol=1e-6, rtol=0)
    leaves = [x, h, *ref.parameters()]
    g_ref = _grads(y_ref, leaves, upstream)
    g = _grads(y, [x, h, *ours.parameters()], upstream)
    for a, b in zip(g, g_ref, strict=True):
        assert_close(a, b, atol=1e-6, rtol=0)
    # default zero state, and unbatched input
    assert_close(ours(x), ref(x), atol=1e-6, rtol=0)
    assert_close(ours(x[0], h[0]), ref(x[0], h[0]), atol=1e-6, rtol=0)
    assert ours(x[0]).shape == (5,)


def test_rnn_cell_function_by_hand():
    x = torch.tensor([[1.0]])
    h = torch.tensor([[0.5]])
    w_ih, w_hh = torch.tensor([[2.0]]), torch.tensor([[-1.0]])
    out = rnn_cell(x, h, w_ih, w_hh, torch.tensor([0.1]), torch.tensor([0.2]))
    assert out.item() == pytest.approx(torch.tanh(torch.tensor(2.0 - 0.5 + 0.3)).item())
    assert rnn_cell(-x, h, w_ih, w_hh, nonlinearity="relu").item() == 0.0


# (T, B, I, H, num_layers, nonlinearity, bias, batch_first, with_h0)
CASES = [
    (1, 1, 1, 1, 1, "tanh", True, False, False),
    (5, 3, 4, 6, 1, "tanh", True, False, True),
    (7, 2, 3, 5, 2, "tanh", True, True, True),
    (6, 4, 2, 3, 3, "relu", False, False, True),
    (9, 1, 5, 4, 2, "relu", True, True, False),
    (4, 5, 3, 7, 2, "tanh", False, True, False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_rnn_matches_torch_forward_and_backward(case):
    T, B, n_in, H, L, nonlinearity, bias, batch_first, with_h0 = case
    gen = torch.Generator().manual_seed(T * 100 + B)
    ref = nn.RNN(n_in, H, num_layers=L, nonlinearity=nonlinearity, bias=bias, batch_first=batch_first).double()
    ours = RNN(n_in, H, num_layers=L, nonlinearity=nonlinearity, bias=bias, batch_first=batch_first).double()
    ours.load_state_dict(ref.state_dict())  # same names, same shapes
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [(k, v.shape) for k, v in ref.state_dict().items()]
    X = _randn(*((B, T, n_in) if batch_first else (T, B, n_in)), gen=gen).requires_grad_()
    h_0 = _randn(L, B, H, gen=gen).requires_grad_() if with_h0 else None
    out_ref, h_ref = ref(X, h_0)
    out, h_n = ours(X, h_0)
    assert out.shape == out_ref.shape and h_n.shape == h_ref.shape
    assert_close(out, out_ref, atol=1e-6, rtol=0)
    assert_close(h_n, h_ref, atol=1e-6, rtol=0)
    up_out, up_h = _randn(*out.shape, gen=gen), _randn(*h_n.shape, gen=gen)
    leaves_ref = [X] + ([h_0] if with_h0 else []) + list(ref.parameters())
    leaves = [X] + ([h_0] if with_h0 else []) + list(ours.parameters())
    g_ref = torch.autograd.grad((out_ref, h_ref), leaves_ref, (up_out, up_h))
    g = torch.autograd.grad((out, h_n), leaves, (up_out, up_h))
    for a, b in zip(g, g_ref, strict=True):
        assert_close(a, b, atol=1e-6, rtol=0)


def test_rnn_state_dict_loads_both_ways_and_unbatched():
    gen = torch.Generator().manual_seed(3)
    ours = RNN(3, 4, num_layers=2).double()
    ref = nn.RNN(3, 4, num_layers=2).double()
    ref.load_state_dict(ours.state_dict())
    X = _randn(6, 3, gen=gen)  # unbatched (T, I)
    h_0 = _randn(2, 4, gen=gen)
    out, h_n = ours(X, h_0)
    out_ref, h_ref = ref(X, h_0)
    assert out.shape == (6, 4) and h_n.shape == (2, 4)
    assert_close(out, out_ref, atol=1e-6, rtol=0)
    assert_close(h_n, h_ref, atol=1e-6, rtol=0)
    assert_close(ours(X)[0], ref(X)[0], atol=1e-6, rtol=0)


def test_rnn_default_init_matches_torch_distribution():
    torch.manual_seed(0)
    ours = RNN(8, 16, num_layers=2)
    bound = 1 / 16**0.5
    for p in ours.parameters():
        assert p.abs().max() <= bound
    assert "num_layers=2" in repr(ours)


def test_rnn_chunks_carry_state():
    """Running a sequence in two chunks, passing h_n on, equals running it whole (truncated BPTT's forward)."""
    gen = torch.Generator().manual_seed(4)
    rnn = RNN(2, 3, num_layers=2, batch_first=True).double()
    X = _randn(2, 10, 2, gen=gen)
    whole, h_whole = rnn(X)
    first, h_mid = rnn(X[:, :4])
    second, h_end = rnn(X[:, 4:], h_mid)
    assert_close(torch.cat([first, second], dim=1), whole)
    assert_close(h_end, h_whole)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_bptt_matches_autograd(nonlinearity):
    gen = torch.Generator().manual_seed(5)
    T, B, n_in, H = 8, 3, 2, 4
    cell = RNNCell(n_in, H, nonlinearity=nonlinearity).double()
    X = _randn(T, B, n_in, gen=gen).requires_grad_()
    h_0 = _randn(B, H, gen=gen).requires_grad_()
    h, states = h_0, []
    for t in range(T):
        h = cell(X[t], h)
        h.retain_grad()
        states.append(h)
    Hs = torch.stack(states)
    grad_H = _randn(T, B, H, gen=gen)
    (Hs * grad_H).sum().backward()  # L = sum_t <g_t, h_t>
    ours = bptt(X.detach(), Hs.detach(), h_0.detach(), grad_H, cell.weight_ih.detach(), cell.weight_hh.detach(),
                nonlinearity)
    assert_close(ours["weight_ih"], cell.weight_ih.grad, atol=1e-10, rtol=0)
    assert_close(ours["weight_hh"], cell.weight_hh.grad, atol=1e-10, rtol=0)
    assert_close(ours["bias"], cell.bias_ih.grad, atol=1e-10, rtol=0)
    assert_close(ours["bias"], cell.bias_hh.grad, atol=1e-10, rtol=0)
    assert_close(ours["X"], X.grad, atol=1e-10, rtol=0)
    assert_close(ours["h_0"], h_0.grad, atol=1e-10, rtol=0)
    assert ours["states"].shape == (T + 1, B, H)
    for t in range(T):
        assert_close(ours["states"][t + 1], states[t].grad, atol=1e-10, rtol=0)


def test_bptt_single_step_by_hand():
    # one step, scalar: h_1 = tanh(w x + u h_0); dL/dw = g (1 - h_1^2) x
    x, h0, w, u = torch.tensor([[[2.0]]]), torch.tensor([[0.5]]), torch.tensor([[0.3]]), torch.tensor([[-1.0]])
    h1 = torch.tanh(w * x[0] + u * h0)[None]
    out = bptt(x, h1, h0, torch.ones_like(h1), w, u)
    d = 1 - h1.item() ** 2
    assert out["weight_ih"].item() == pytest.approx(d * 2.0)
    assert out["weight_hh"].item() == pytest.approx(d * 0.5)
    assert out["h_0"].item() == pytest.approx(d * -1.0)


def test_recurrent_lm_shapes_and_state():
    torch.manual_seed(0)
    model = RecurrentLM(11, RNN(6, 8, batch_first=True))
    idx = torch.randint(0, 11, (3, 7))
    logits, state = model(idx)
    assert logits.shape == (3, 7, 11) and state.shape == (1, 3, 8)
    # one token at a time with the state carried gives the same logits
    step_logits, s = [], None
    for t in range(7):
        out, s = model(idx[:, t : t + 1], s)
        step_logits.append(out)
    assert_close(torch.cat(step_logits, dim=1), logits)
    # works with torch's layers too
    assert RecurrentLM(11, nn.GRU(6, 8, batch_first=True))(idx)[0].shape == (3, 7, 11)


def test_errors():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1, got 0"):
        RNNCell(2, 0)
    with pytest.raises(ValueError, match="num_layers must be an int >= 1"):
        RNN(2, 3, num_layers=0)
    rnn = RNN(2, 3)
    with pytest.raises(ValueError, match=r"input of shape \(T, B, I\) or \(T, I\) with I=2"):
        rnn(torch.zeros(4, 5, 3))
    with pytest.raises(ValueError, match=r"h_0 of shape \(num_layers, B, H\) = \(1, 5, 3\), got \(5, 3\)"):
        rnn(torch.zeros(4, 5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"\(num_layers, H\) = \(1, 3\), got \(3,\)"):
        rnn(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(ValueError, match=r"\(B, T, I\)"):
        RNN(2, 3, batch_first=True)(torch.zeros(4, 0, 2))
    with pytest.raises(ValueError, match=r"rnn_cell expects weight_hh of shape \(H, H\)"):
        rnn_cell(torch.zeros(1, 2), torch.zeros(1, 3), torch.zeros(3, 2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"rnn_cell expects x of shape \(B, 2\), got \(1, 3\)"):
        rnn_cell(torch.zeros(1, 3), torch.zeros(1, 3), torch.zeros(3, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"rnn_cell expects h of shape \(4, 3\), got \(1, 3\)"):
        rnn_cell(torch.zeros(4, 2), torch.zeros(1, 3), torch.zeros(3, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"rnn_cell expects weight_ih of shape \(3, I\)"):
        rnn_cell(torch.zeros(4, 2), torch.zeros(4, 3), torch.zeros(2, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="bptt expects h_0 of shape"):
        bptt(torch.zeros(3, 2, 1), torch.zeros(3, 2, 4), torch.zeros(4), torch.zeros(3, 2, 4),
             torch.zeros(4, 1), torch.zeros(4, 4))
    with pytest.raises(ValueError, match="bptt expects X"):
        bptt(torch.zeros(3, 2, 1), torch.zeros(2, 2, 4), torch.zeros(2, 4), torch.zeros(2, 2, 4),
             torch.zeros(4, 1), torch.zeros(4, 4))
    with pytest.raises(ValueError, match="batch_first=True"):
        RecurrentLM(5, RNN(2, 3))
    with pytest.raises(ValueError, match=r"token ids of shape \(B, T\)"):
        RecurrentLM(5, RNN(2, 3, batch_first=True))(torch.zeros(4, dtype=torch.long))
