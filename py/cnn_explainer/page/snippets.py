"""The code of an explanation view, ready for the console: the one value on screen computed the slow way with
steps.py, beside the forward pass's own value, for the neuron and cell the view shows. It runs with the console's
names (model, acts, image, np)."""


def source_of(model, name):
    """The name of the activation a layer reads ("input" for the first)."""
    names = ["input"] + [layer.name for layer in model.layers]
    return names[names.index(name) - 1]


def where(index, position):
    """A comment for people (counting from 1) on the line that sets the code's indices (counting from 0)."""
    row, col = position
    return f"# neuron {index + 1}, row {row + 1}, column {col + 1} (Python counts from 0)"


def console_code(model, kind, layer, index, position=(0, 0), channel=None, softmax=False):
    """The snippet for a view of `kind` (a column kind: input, conv2d, relu, max_pool2d, output) on one neuron."""
    row, col = position
    head = "from cnn_explainer.page import steps\n"
    if kind == "input":
        return (f"row, col, channel = {row}, {col}, {index}  {where(index, position)}\n"
                f"float(image[row, col, channel])  # the value the network reads, in its pixel range")
    if kind == "output":
        dense = next(l for l in reversed(model.layers) if l.type == "dense")
        flat = source_of(model, dense.name)
        if softmax:
            return (f"{head}k = {index}  # class {index + 1}: {model.classes[index]}\n"
                    f"exps, total, shares = steps.softmax_terms(acts[{dense.name!r}])\n"
                    f"float(shares[k]), float(acts[{layer!r}][k])  # the written-out softmax, the forward pass's")
        return (f"{head}dense, k = model.layer({dense.name!r}), {index}  # class {index + 1}: {model.classes[index]}\n"
                f"products, logit = steps.dense_cell(acts[{flat!r}], dense.kernel[:, k], dense.bias[k])\n"
                f"float(logit), float(acts[{dense.name!r}][k])  # one neuron the slow way, the forward pass's")
    source = source_of(model, layer)
    setup = f"k, row, col = {index}, {row}, {col}  {where(index, position)}\n"
    if kind == "relu":
        return (f"{head}{setup}before, after = steps.relu_cell(acts[{source!r}][..., k], row, col)\n"
                f"float(after), float(acts[{layer!r}][row, col, k])  # ReLU the slow way, the forward pass's")
    if kind == "max_pool2d":
        return (f"{head}{setup}x, size, stride = model.padded_input({layer!r}, acts)\n"
                f"window, biggest, at = steps.pool_cell(x[..., k], row, col, size, stride)\n"
                f"float(biggest), float(acts[{layer!r}][row, col, k])  # the window's largest, the forward pass's")
    code = (f"{head}{setup}conv = model.layer({layer!r})\n"
            f"x, size, stride = model.padded_input({layer!r}, acts)  # what {layer} reads ({source}), padded\n")
    if channel is not None:
        return (code + f"c = {channel}  # input channel {channel + 1}\n"
                f"window, products, total = steps.conv_cell(x[..., c], conv.kernel[..., c, k], row, col, stride)\n"
                f"float(total), float(model.conv_intermediates({layer!r}, acts, k)[c, row, col])  # slow, fast")
    return (code + "parts = [steps.conv_cell(x[..., c], conv.kernel[..., c, k], row, col, stride)[2]\n"
            "         for c in range(x.shape[-1])]\n"
            f"float(steps.conv_total(parts, conv.bias[k])), float(acts[{layer!r}][row, col, k])  # slow, forward pass")


def saliency_code(model, class_index, smooth=False, samples=8):
    """The saliency view's snippet: the gradient of one class's logit with respect to the input, its strongest value,
    and that value found again by nudging the input in the forward pass alone."""
    k = class_index
    head = ("from cnn_explainer.net import saliency\nfrom cnn_explainer.page import heatmap, steps\n"
            f"k = {k}  # class {k + 1}: {model.classes[k]}\n")
    if smooth:
        return (head + f"gradient = list(heatmap.smoothgrad_steps(model, image, k, {samples}))[-1]  "
                f"# the mean over {samples} noisy copies\n"
                "at = heatmap.strongest(gradient)  # (row, col, channel) of the largest |gradient|\n"
                "float(gradient[at]), float(saliency.saliency(model, image, k)[at])  # SmoothGrad's mean, the plain one")
    return (head + "gradient = saliency.saliency(model, image, k)  # d logit[k] / d input, one per input value\n"
            "at = heatmap.strongest(gradient)  # (row, col, channel) of the largest |gradient|\n"
            "float(gradient[at]), steps.nudge_slope(model, image, k, at)  # backward pass, forward pass nudged")
