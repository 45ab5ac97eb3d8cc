"""Realistic wrong answers to exercise 14_lstm_gru; each must lose points under nbgrader autograde."""

WRONG = {
    "lstm_step": {
        "the forget gate multiplies the hidden state instead of the cell state": '''def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    a_i, a_f, a_g, a_o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * h + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
''',
        "the gates in the order i, f, o, g (another library's layout)": '''def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    a_i, a_f, a_o, a_g = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
''',
        "forgets the tanh of the cell state in the output": '''def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    a_i, a_f, a_g, a_o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g
    h_new = o * c_new
    return h_new, c_new
''',
        "a sigmoid for the candidate instead of a tanh": '''def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    i, f, g, o = torch.sigmoid(gates).chunk(4, dim=1)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
''',
        "adds only one of the two biases": '''def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + h @ weight_hh.T + bias_hh
    a_i, a_f, a_g, a_o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
''',
    },
    "gru_step": {
        "update gate the wrong way round: z weighs the candidate": '''def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return z * n + (1 - z) * h
''',
        "resets the state before the product (Cho et al.'s variant, not PyTorch's)": '''def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + (r * h) @ weight_hh[2 * H:].T + bias_hh[2 * H:])
    return (1 - z) * n + z * h
''',
        "the recurrent bias of the candidate outside the reset gate": '''def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * (h @ weight_hh[2 * H:].T) + bias_hh[2 * H:])
    return (1 - z) * n + z * h
''',
        "the gates in the order z, r, n": '''def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_z, x_r, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_z, h_r, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h
''',
    },
    "teacher_forced_loss": {
        "averages over every position, padding included": '''def teacher_forced_loss(logits, tgt_out, pad_id):
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten())
''',
        "averages each sequence first, then the sequences": '''def teacher_forced_loss(logits, tgt_out, pad_id):
    log_p = logits.log_softmax(dim=-1).gather(2, tgt_out[..., None])[..., 0]
    real = tgt_out != pad_id
    per_sequence = -(log_p * real).sum(1) / real.sum(1)
    return per_sequence.mean()
''',
        "shifts the targets one step although the logits are aligned": '''def teacher_forced_loss(logits, tgt_out, pad_id):
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), tgt_out[:, 1:].flatten(), ignore_index=pad_id)
''',
        "sums over the tokens instead of averaging": '''def teacher_forced_loss(logits, tgt_out, pad_id):
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=pad_id, reduction="sum")
''',
    },
    "forget_fractions": {
        "takes the forget gate to be b_f itself, without the sigmoid": '''kept_default = 0.0**20
kept_bias3 = 3.0**20
''',
        "one step only: the gate's value instead of its 20th power": '''kept_default = 1 / (1 + math.exp(-0.0))
kept_bias3 = 1 / (1 + math.exp(-3.0))
''',
        "the fraction forgotten instead of the fraction kept": '''kept_default = 1 - 0.5**20
kept_bias3 = 1 - (1 / (1 + math.exp(-3.0))) ** 20
''',
    },
}

# For each wrong solution, a phrase the failing test's message shows the student.
HINTS = {
    "lstm_step": {
        "the forget gate multiplies the hidden state instead of the cell state":
            "must multiply the cell state c, not the hidden state h",
        "the gates in the order i, f, o, g (another library's layout)": "wrong gate order",
        "forgets the tanh of the cell state in the output": "the tanh of the cell state is missing",
        "a sigmoid for the candidate instead of a tanh": "the candidate g went through a sigmoid",
        "adds only one of the two biases": "add both biases",
    },
    "gru_step": {
        "update gate the wrong way round: z weighs the candidate": "the update gate is the wrong way round",
        "resets the state before the product (Cho et al.'s variant, not PyTorch's)":
            "r multiplied h before the product",
        "the recurrent bias of the candidate outside the reset gate": "b_hn was added outside the reset gate",
        "the gates in the order z, r, n": "z was read from the first block",
    },
    "teacher_forced_loss": {
        "averages over every position, padding included": "the padded position counted",
        "averages each sequence first, then the sequences": "averaged each sequence first",
        "shifts the targets one step although the logits are aligned": "you shifted the targets",
        "sums over the tokens instead of averaging": "you summed instead of averaging",
    },
    "forget_fractions": {
        "takes the forget gate to be b_f itself, without the sigmoid": "f = sigmoid(b_f)",
        "one step only: the gate's value instead of its 20th power": "what one step keeps",
        "the fraction forgotten instead of the fraction kept": "that is the fraction forgotten",
    },
}
