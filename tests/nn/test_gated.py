"""dl_lib.nn.gated against torch.nn: LSTM and GRU cells and stacks, values and gradients in float64."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.nn import GRU, LSTM, GRUCell, LSTMCell, gru_cell, init_forget_bias, lstm_cell

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _random(*shape, seed=0, grad=True):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=grad)


def _pair(ours_cls, ref_cls, *args, seed=0, **kwargs):
    """Our layer with a seeded init, and torch's layer loaded from our state_dict, both float64."""
    torch.manual_seed(seed)
    ours = ours_cls(*args, **kwargs).double()
    ref = ref_cls(*args, **kwargs).double()
    ref.load_state_dict(ours.state_dict())  # same names, same shapes: loads strictly
    return ours, ref


def _flatten(outputs):
    if isinstance(outputs, torch.Tensor):
        return [outputs]
    return [t for item in outputs for t in _flatten(item)]


def _check_same(ours, ref, inputs, forward):
    """Same outputs, and the same gradients for every input and parameter, for a random upstream."""
    out_ours, out_ref = _flatten(forward(ours)), _flatten(forward(ref))
    assert len(out_ours) == len(out_ref)
    for a, b in zip(out_ours, out_ref, strict=True):
        assert a.shape == b.shape
        assert_close(a, b, **TOL)
    upstream = [_random(*t.shape, seed=100 + i, grad=False) for i, t in enumerate(out_ref)]
    leaves_ours = inputs + list(ours.parameters())
    leaves_ref = inputs + list(ref.parameters())
    grads_ours = torch.autograd.grad(out_ours, leaves_ours, upstream)
    grads_ref = torch.autograd.grad(out_ref, leaves_ref, upstream)
    for g_ours, g_ref in zip(grads_ours, grads_ref, strict=True):
        assert_close(g_ours, g_ref, **TOL)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("B, I, H", [(1, 1, 1), (3, 4, 5), (5, 2, 7)])
def test_lstm_cell_matches_torch(B, I, H, bias):  # noqa: E741 (I: the input size)
    ours, ref = _pair(LSTMCell, nn.LSTMCell, I, H, bias=bias)
    x, h, c = _random(B, I, seed=1), _random(B, H, seed=2), _random(B, H, seed=3)
    _check_same(ours, ref, [x, h, c], lambda m: m(x, (h, c)))
    _check_same(ours, ref, [x], lambda m: m(x))  # zero initial state


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("B, I, H", [(1, 1, 1), (3, 4, 5), (5, 2, 7)])
def test_gru_cell_matches_torch(B, I, H, bias):  # noqa: E741
    ours, ref = _pair(GRUCell, nn.GRUCell, I, H, bias=bias)
    x, h = _random(B, I, seed=1), _random(B, H, seed=2)
    _check_same(ours, ref, [x, h], lambda m: m(x, h))
    _check_same(ours, ref, [x], lambda m: m(x))


def test_stateless_functions_are_the_cells():
    torch.manual_seed(0)
    cell = LSTMCell(3, 4).double()
    x, h, c = _random(2, 3, seed=1), _random(2, 4, seed=2), _random(2, 4, seed=3)
    h1, c1 = lstm_cell(x, (h, c), cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    h2, c2 = cell(x, (h, c))
    assert torch.equal(h1, h2) and torch.equal(c1, c2)
    gcell = GRUCell(3, 4).double()
    assert torch.equal(gru_cell(x, h, gcell.weight_ih, gcell.weight_hh, gcell.bias_ih, gcell.bias_hh), gcell(x, h))


def test_lstm_cell_by_hand():
    """One unit, weights zero, biases chosen: every gate is a known number."""
    weight_ih, weight_hh = torch.zeros(4, 1), torch.zeros(4, 1)
    bias = torch.tensor([0.0, 100.0, 100.0, 0.0])  # i = 0.5, f = 1, g = 1, o = 0.5
    h, c = lstm_cell(torch.zeros(1, 1), (torch.zeros(1, 1), torch.full((1, 1), 2.0)), weight_ih, weight_hh, bias)
    assert_close(c, torch.full((1, 1), 2.5))  # 1 * 2 + 0.5 * 1
    assert_close(h, 0.5 * torch.tanh(torch.full((1, 1), 2.5)))


# (T, B, I, H, num_layers, bias, batch_first)
STACK_CASES = [
    (1, 1, 1, 1, 1, True, False),
    (5, 3, 4, 6, 1, True, False),
    (7, 2, 3, 5, 2, True, True),
    (4, 4, 2, 3, 3, False, False),
    (6, 1, 5, 4, 2, False, True),
]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("case", STACK_CASES, ids=lambda c: "T{}-B{}-I{}-H{}-L{}-bias{}-bf{}".format(*c))
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
def test_stacks_match_torch(kind, case, with_state):
    T, B, I, H, L, bias, batch_first = case  # noqa: E741
    ours_cls, ref_cls = (LSTM, nn.LSTM) if kind == "lstm" else (GRU, nn.GRU)
    ours, ref = _pair(ours_cls, ref_cls, I, H, num_layers=L, bias=bias, batch_first=batch_first)
    X = _random(*((B, T, I) if batch_first else (T, B, I)), seed=1)
    inputs = [X]
    state = None
    if with_state:
        h_0 = _random(L, B, H, seed=2)
        inputs.append(h_0)
        state = h_0
        if kind == "lstm":
            c_0 = _random(L, B, H, seed=3)
            inputs.append(c_0)
            state = (h_0, c_0)
    _check_same(ours, ref, inputs, lambda m: m(X, state))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_state_dicts_carry_over_both_ways(kind):
    ours_cls, ref_cls = (LSTM, nn.LSTM) if kind == "lstm" else (GRU, nn.GRU)
    ours, ref = ours_cls(3, 4, num_layers=2), ref_cls(3, 4, num_layers=2)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [p.shape for p in ours.state_dict().values()] == [p.shape for p in ref.state_dict().values()]
    ours.load_state_dict(ref.state_dict())
    X = torch.randn(5, 2, 3)
    assert_close(_flatten(ours(X)), _flatten(ref(X)), rtol=1e-5, atol=1e-6)


def test_default_init_is_pytorchs():
    """U(-1/sqrt(H), 1/sqrt(H)) for every parameter, like torch.nn.LSTM and GRU."""
    H = 16
    for layer in (LSTM(3, H, num_layers=2), GRU(3, H), LSTMCell(3, H), GRUCell(3, H)):
        values = torch.cat([p.flatten() for p in layer.parameters()])
        assert values.abs().max() <= 1 / H**0.5
        assert values.abs().max() > 0.9 / H**0.5  # spread over the whole interval, not near zero
    torch.manual_seed(5)
    ours = LSTM(3, 4)
    torch.manual_seed(5)
    ref = nn.LSTM(3, 4)
    for a, b in zip(ours.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)  # same seed, same draws


def test_dropout_between_layers_only_in_training():
    torch.manual_seed(0)
    lstm = LSTM(3, 8, num_layers=2, dropout=0.5)
    X = torch.randn(6, 4, 3)
    lstm.eval()
    out_eval_1, out_eval_2 = lstm(X)[0], lstm(X)[0]
    assert torch.equal(out_eval_1, out_eval_2)
    lstm.train()
    assert not torch.equal(lstm(X)[0], out_eval_1)
    no_drop = LSTM(3, 8, num_layers=2)
    no_drop.load_state_dict(lstm.state_dict())
    assert torch.equal(no_drop(X)[0], out_eval_1)


def test_last_output_is_the_final_state():
    lstm = LSTM(2, 3, num_layers=2, batch_first=True)
    output, (h_n, c_n) = lstm(torch.randn(4, 5, 2))
    assert output.shape == (4, 5, 3) and h_n.shape == c_n.shape == (2, 4, 3)
    assert torch.equal(output[:, -1], h_n[-1])
    gru = GRU(2, 3)
    output, h_n = gru(torch.randn(5, 4, 2))
    assert torch.equal(output[-1], h_n[-1])


@pytest.mark.parametrize("module_cls", [nn.LSTM, LSTM, nn.LSTMCell, LSTMCell])
def test_init_forget_bias(module_cls):
    module = module_cls(3, 5)
    before = {n: p.detach().clone() for n, p in module.named_parameters() if "bias" in n}
    assert init_forget_bias(module, 3.0) is module
    biases = dict(module.named_parameters())
    for name, old in before.items():
        new = biases[name]
        assert torch.equal(new[:5], old[:5]) and torch.equal(new[10:], old[10:]), "other gates stay"
        assert torch.all(new[5:10] == (3.0 if name.startswith("bias_ih") else 0.0))
    suffix = "_l0" if module_cls in (nn.LSTM, LSTM) else ""
    weights = [biases[n + suffix] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    # with zero input and state, a memory of 1 is kept with weight f = sigmoid(3)
    _, c_1 = lstm_cell(torch.zeros(1, 3), (torch.zeros(1, 5), torch.ones(1, 5)), *weights)
    i, g = torch.sigmoid(weights[2][:5] + weights[3][:5]), torch.tanh(weights[2][10:15] + weights[3][10:15])
    assert_close(c_1[0], torch.sigmoid(torch.tensor(3.0)) + i * g)


def test_init_forget_bias_inside_a_model_and_errors():
    model = nn.Sequential(nn.Linear(2, 3), nn.LSTM(3, 4, num_layers=2))
    init_forget_bias(model, 1.0)
    assert torch.all(model[1].bias_ih_l1[4:8] == 1.0)
    with pytest.raises(ValueError, match="no LSTM layer"):
        init_forget_bias(nn.GRU(3, 4))
    with pytest.raises(ValueError, match="no LSTM layer"):
        init_forget_bias(nn.LSTM(3, 4, bias=False))


@pytest.mark.parametrize("cls", [LSTM, GRU, LSTMCell, GRUCell])
def test_bad_sizes(cls):
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1"):
        cls(3, 0)
    with pytest.raises(ValueError, match="input_size must be an int >= 1"):
        cls(2.5, 4)


def test_bad_arguments_of_the_stacks():
    with pytest.raises(ValueError, match="num_layers must be an int >= 1"):
        LSTM(3, 4, num_layers=0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        GRU(3, 4, dropout=1.0)


def test_bad_inputs_of_the_stacks():
    lstm, gru = LSTM(3, 4, num_layers=2), GRU(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"LSTM expects input of shape \(T, B, I\) with I=3, got \(5, 3\)"):
        lstm(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"GRU expects input of shape \(B, T, I\) with I=3, got \(2, 5, 4\)"):
        gru(torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="non-empty"):
        lstm(torch.randn(0, 2, 3))
    with pytest.raises(ValueError, match=r"h_0 of shape \(num_layers, B, H\) = \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(torch.randn(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"c_0 of shape"):
        lstm(torch.randn(5, 2, 3), (torch.zeros(2, 2, 4), torch.zeros(2, 3, 4)))
    with pytest.raises(ValueError, match=r"h_0 of shape \(num_layers, B, H\) = \(1, 2, 4\)"):
        gru(torch.randn(2, 5, 3), torch.zeros(1, 2, 5))


def test_bad_inputs_of_the_cells():
    weight_ih, weight_hh = torch.zeros(8, 3), torch.zeros(8, 2)
    x, h = torch.zeros(4, 3), torch.zeros(4, 2)
    with pytest.raises(ValueError, match=r"lstm_cell expects input of shape \(B, 3\), got \(4, 5\)"):
        lstm_cell(torch.zeros(4, 5), (h, h), weight_ih, weight_hh)
    with pytest.raises(ValueError, match=r"lstm_cell expects a state of shape \(4, 2\), got \(3, 2\)"):
        lstm_cell(x, (torch.zeros(3, 2), h), weight_ih, weight_hh)
    with pytest.raises(ValueError, match="h and c of the same shape"):
        lstm_cell(x, (h, torch.zeros(4, 3)), weight_ih, weight_hh)
    with pytest.raises(ValueError, match=r"weight_hh of shape \(3\*H, H\)"):
        gru_cell(x, h, weight_ih, weight_hh)  # LSTM-sized weights given to the GRU
    with pytest.raises(ValueError, match=r"bias_ih of shape \(8,\), got \(6,\)"):
        lstm_cell(x, (h, h), weight_ih, weight_hh, torch.zeros(6))
    with pytest.raises(ValueError, match=r"weight_ih of shape \(6, input_size\)"):
        gru_cell(x, h, torch.zeros(8, 3), torch.zeros(6, 2))
    with pytest.raises(ValueError, match=r"LSTMCell expects input of shape \(B, 3\), got \(3,\)"):
        LSTMCell(3, 2)(torch.zeros(3))


def test_repr():
    assert repr(LSTM(3, 4, num_layers=2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"
    assert repr(GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"
