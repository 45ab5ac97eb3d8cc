"""Realistic wrong answers to exercise 11_cnn; each must lose points under nbgrader autograde."""

WRONG = {
    "conv_output_shape": {
        "forgets the +1": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    return (h + 2 * ph - kh) // sh, (w + 2 * pw - kw) // sw
''',
        "counts the padding once instead of once per side": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    return (h + ph - kh) // sh + 1, (w + pw - kw) // sw + 1
''',
        "adds the 1 before dividing by the stride": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    return (h + 2 * ph - kh + 1) // sh, (w + 2 * pw - kw + 1) // sw
''',
        "rounds up instead of down": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    return math.ceil((h + 2 * ph - kh) / sh) + 1, math.ceil((w + 2 * pw - kw) / sw) + 1
''',
        "true division: floats, and wrong when the stride does not divide": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)

    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    return (h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1
''',
        "uses the height's kernel size and stride for the width too": '''def conv_output_shape(h, w, kernel_size, stride=1, padding=0):
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    s = stride if isinstance(stride, int) else stride[0]
    p = padding if isinstance(padding, int) else padding[0]
    return (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
''',
    },
    "conv2d_single": {
        "forgets the padding": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = (H - kh) // stride + 1
    W_out = (W - kw) // stride + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "flips the kernel: a true convolution instead of PyTorch's cross-correlation": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    weight = torch.flip(weight, dims=(2, 3))
    padded = x.new_zeros(C, H + 2 * padding, W + 2 * padding)
    padded[:, padding : padding + H, padding : padding + W] = x
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "ignores the stride": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    padded = x.new_zeros(C, H + 2 * padding, W + 2 * padding)
    padded[:, padding : padding + H, padding : padding + W] = x
    H_out = H + 2 * padding - kh + 1
    W_out = W + 2 * padding - kw + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i : i + kh, j : j + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "strides the output size but not the patches": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    padded = x.new_zeros(C, H + 2 * padding, W + 2 * padding)
    padded[:, padding : padding + H, padding : padding + W] = x
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i : i + kh, j : j + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "forgets the bias": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    padded = x.new_zeros(C, H + 2 * padding, W + 2 * padding)
    padded[:, padding : padding + H, padding : padding + W] = x
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    return out
''',
        "sums over the channels before weighting: one filter slice for all channels": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    padded = x.new_zeros(C, H + 2 * padding, W + 2 * padding)
    padded[:, padding : padding + H, padding : padding + W] = x
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    out = x.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i * stride : i * stride + kh, j * stride : j * stride + kw].sum(dim=0)
            out[:, i, j] = (weight[:, 0] * patch).sum(dim=(1, 2))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "pads the input in place, changing the caller's tensor": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    C, H, W = x.shape
    O, _, kh, kw = weight.shape
    padded = torch.zeros(C, H + 2 * padding, W + 2 * padding, dtype=x.dtype)
    padded[:, padding : padding + H, padding : padding + W] = x
    x.zero_()
    H_out = (H + 2 * padding - kh) // stride + 1
    W_out = (W + 2 * padding - kw) // stride + 1
    out = padded.new_zeros(O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            patch = padded[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, i, j] = (weight * patch).sum(dim=(1, 2, 3))
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
        "calls F.conv2d instead of writing it": '''def conv2d_single(x, weight, bias=None, stride=1, padding=0):
    return F.conv2d(x[None], weight, bias, stride=stride, padding=padding)[0]
''',
    },
    "max_pool2d_with_mask": {
        "marks every maximum of a window when it appears twice": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    windows = x[:, : H_out * k, : W_out * k].reshape(C, H_out, k, W_out, k)
    out = windows.amax(dim=(2, 4))
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    spread = out.repeat_interleave(k, dim=1).repeat_interleave(k, dim=2)
    mask[:, : H_out * k, : W_out * k] = x[:, : H_out * k, : W_out * k] == spread
    return out, mask
''',
        "marks the last maximum of a window instead of the first": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k].reshape(C, k * k)
            best = k * k - 1 - window.flip(dims=(1,)).argmax(dim=1)
            out[:, i, j] = window[channels, best]
            mask[channels, i * k + best // k, j * k + best % k] = True
    return out, mask
''',
        "swaps row and column when turning the window index into a position": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k].reshape(C, k * k)
            best = window.argmax(dim=1)
            out[:, i, j] = window[channels, best]
            mask[channels, i * k + best % k, j * k + best // k] = True
    return out, mask
''',
        "averages instead of taking the maximum": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k].reshape(C, k * k)
            best = window.argmax(dim=1)
            out[:, i, j] = window.mean(dim=1)
            mask[channels, i * k + best // k, j * k + best % k] = True
    return out, mask
''',
        "off by one: windows of k + 1 rows and columns": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            block = x[:, i * k : (i + 1) * k + 1, j * k : (j + 1) * k + 1]
            rows, cols = block.shape[1], block.shape[2]
            window = block.reshape(C, rows * cols)
            best = window.argmax(dim=1)
            out[:, i, j] = window[channels, best]
            mask[channels, i * k + best // cols, j * k + best % cols] = True
    return out, mask
''',
        "off by one: stops one window early": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_zeros(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out - 1):
        for j in range(W_out - 1):
            window = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k].reshape(C, k * k)
            best = window.argmax(dim=1)
            out[:, i, j] = window[channels, best]
            mask[channels, i * k + best // k, j * k + best % k] = True
    return out, mask
''',
        "rounds the output size up, pooling the leftover rows and columns too": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = -(-H // k), -(-W // k)
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W, dtype=torch.bool)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            block = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k]
            rows, cols = block.shape[1], block.shape[2]
            best = block.reshape(C, rows * cols).argmax(dim=1)
            out[:, i, j] = block.reshape(C, -1)[channels, best]
            mask[channels, i * k + best // cols, j * k + best % cols] = True
    return out, mask
''',
        "returns the mask as 0.0 / 1.0 floats": '''def max_pool2d_with_mask(x, kernel_size):
    C, H, W = x.shape
    k = kernel_size
    H_out, W_out = H // k, W // k
    out = x.new_empty(C, H_out, W_out)
    mask = torch.zeros(C, H, W)
    channels = torch.arange(C)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, i * k : (i + 1) * k, j * k : (j + 1) * k].reshape(C, k * k)
            best = window.argmax(dim=1)
            out[:, i, j] = window[channels, best]
            mask[channels, i * k + best // k, j * k + best % k] = 1.0
    return out, mask
''',
    },
    "predictions": {
        "forgets the biases in the parameter count": '''conv_params = 16 * 3 * 5 * 5
receptive_field = 5
''',
        "counts one input channel per filter": '''conv_params = 16 * (5 * 5 + 1)
receptive_field = 5
''',
        "adds the kernel sizes for the receptive field": '''conv_params = 16 * (3 * 5 * 5 + 1)
receptive_field = 3 + 3
''',
        "multiplies the kernel sizes for the receptive field": '''conv_params = 1216
receptive_field = 3 * 3
''',
    },
}

# For each wrong solution, a phrase the failing test's message shows the student.
HINTS = {
    "conv_output_shape": {
        "forgets the +1": "you forgot the + 1",
        "counts the padding once instead of once per side": "the padding was counted once",
        "adds the 1 before dividing by the stride": "the 1 was added before dividing",
        "rounds up instead of down": "you rounded up",
        "true division: floats, and wrong when the stride does not divide":
            "use floor division //",
        "uses the height's kernel size and stride for the width too":
            "the width used the height's kernel size, stride and padding",
    },
    "conv2d_single": {
        "forgets the padding": "you forgot the padding",
        "flips the kernel: a true convolution instead of PyTorch's cross-correlation":
            "you flipped the kernel",
        "ignores the stride": "you ignored the stride",
        "strides the output size but not the patches": "the patches are not strided",
        "forgets the bias": "you forgot to add the bias",
        "sums over the channels before weighting: one filter slice for all channels":
            "you summed the channels before weighting",
        "pads the input in place, changing the caller's tensor": "changed its input x",
        "calls F.conv2d instead of writing it": "write this yourself instead of calling conv2d",
    },
    "max_pool2d_with_mask": {
        "marks every maximum of a window when it appears twice": "mark only the first one",
        "marks the last maximum of a window instead of the first": "you marked the last one",
        "swaps row and column when turning the window index into a position":
            "row and column are swapped",
        "averages instead of taking the maximum": "the mean of each window",
        "off by one: windows of k + 1 rows and columns": "windows of k + 1 rows and columns",
        "off by one: stops one window early": "the last window was never pooled",
        "rounds the output size up, pooling the leftover rows and columns too":
            "the leftover rows and columns belong to no window",
        "returns the mask as 0.0 / 1.0 floats": "return a boolean tensor",
    },
    "predictions": {
        "forgets the biases in the parameter count": "you forgot the biases",
        "counts one input channel per filter": "each filter spans all 3 input channels",
        "adds the kernel sizes for the receptive field": "adds k - 1 = 2 pixels, not 3",
        "multiplies the kernel sizes for the receptive field": "receptive fields do not multiply",
    },
}
