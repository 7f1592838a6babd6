"""Every backward pass against PyTorch autograd in float64 (relative error ≤ 1e-6), channels-last vs NCHW."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torch_ref
from cnn_explainer.net import backprop
from helpers import random_model
from cnn_explainer.net.model import Layer

TOL = 1e-6


def f64(rng, *shape):
    return rng.standard_normal(shape)


@pytest.mark.parametrize("size", [(8, 8), (9, 11), (7, 6)])
@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_backward_matches_autograd(rng, size, k, stride, padding):
    x, kernel, bias = f64(rng, 2, *size, 3), f64(rng, k, k, 3, 4), f64(rng, 4)
    out = backprop.conv2d_batch(x, kernel, bias, (stride, stride), padding)
    dout = f64(rng, *out.shape)
    dx, dk, db = backprop.conv2d_backward(x, kernel, dout, (stride, stride), padding)

    tx = torch_ref.nchw(x, True)
    tk, tb = torch.tensor(kernel, requires_grad=True), torch.tensor(bias, requires_grad=True)
    tout = torch_ref.conv(tx, tk, tb, (stride, stride), padding)
    assert torch_ref.rel_error(out, torch_ref.nhwc(tout)) <= TOL
    tout.backward(torch_ref.nchw(dout))
    assert dx.shape == x.shape
    assert torch_ref.rel_error(dx, torch_ref.nhwc(tx.grad)) <= TOL
    assert torch_ref.rel_error(dk, tk.grad) <= TOL
    assert torch_ref.rel_error(db, tb.grad) <= TOL
    assert backprop.conv2d_backward(x, kernel, dout, (stride, stride), padding, need_dx=False)[0] is None


def test_conv2d_same_stride_2_pads_more_at_the_end(rng):
    """An even kernel-minus-stride remainder: Keras puts the extra row and column after, and so do we."""
    x, kernel = f64(rng, 1, 6, 6, 1), f64(rng, 3, 3, 1, 1)  # same, stride 2: 3 outputs, total pad 1 → (0, 1)
    dx, _, _ = backprop.conv2d_backward(x, kernel, np.ones((1, 3, 3, 1)), (2, 2), "same")
    tx = torch_ref.nchw(x, True)
    torch_ref.conv(tx, torch.tensor(kernel), None, (2, 2), "same").sum().backward()
    assert torch_ref.rel_error(dx, torch_ref.nhwc(tx.grad)) <= TOL
    # nothing padded before: pixel (0, 0) meets only the first window's top-left weight (padding before would
    # have put it under the centre)
    assert np.isclose(dx[0, 0, 0, 0], kernel[0, 0, 0, 0])


@pytest.mark.parametrize("size", [(8, 8), (7, 9)])
@pytest.mark.parametrize("pool,stride,padding", [(2, 2, "valid"), (3, 2, "valid"), (2, 2, "same"), (3, 2, "same"),
                                                 (3, 1, "same"), (2, 1, "valid")])
def test_max_pool2d_backward_matches_autograd(rng, size, pool, stride, padding):
    x = f64(rng, 2, *size, 3)
    out = backprop.max_pool2d_batch(x, (pool, pool), (stride, stride), padding)
    dout = f64(rng, *out.shape)
    dx = backprop.max_pool2d_backward(x, dout, (pool, pool), (stride, stride), padding)
    tx = torch_ref.nchw(x, True)
    tout = torch_ref.max_pool(tx, (pool, pool), (stride, stride), padding)
    assert torch_ref.rel_error(out, torch_ref.nhwc(tout)) <= TOL
    tout.backward(torch_ref.nchw(dout))
    assert torch_ref.rel_error(dx, torch_ref.nhwc(tx.grad)) <= TOL


def test_max_pool2d_ties_go_to_the_first_in_row_major_order():
    x = np.zeros((1, 4, 4, 1))
    x[0, 1, 0, 0] = x[0, 0, 1, 0] = 1.0  # a tie in the first window: top-right (0, 1) comes before (1, 0)
    dx = backprop.max_pool2d_backward(x, np.ones((1, 2, 2, 1)), (2, 2), (2, 2))
    assert dx[0, :, :, 0].tolist() == [[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]


def test_relu_dense_flatten_backward_match_autograd(rng):
    x, kernel, bias = f64(rng, 4, 3, 5, 2), f64(rng, 30, 6), f64(rng, 6)
    x[0, 0, 0, 0] = 0.0
    relu, flat = Layer("r", "relu"), Layer("f", "flatten")
    h = backprop.layer_forward(flat, backprop.layer_forward(relu, x))
    out = h @ kernel + bias
    dout = f64(rng, *out.shape)
    dh, dk, db = backprop.dense_backward(h, kernel, dout)
    dx = backprop.relu_backward(x, backprop.flatten_backward(np.maximum(x, 0), dh))

    tx, tk, tb = torch_ref.nchw(x, True), torch.tensor(kernel, requires_grad=True), torch.tensor(bias, requires_grad=True)
    tflat = F.relu(tx).permute(0, 2, 3, 1).reshape(4, -1)
    (tflat @ tk + tb).backward(torch.tensor(dout))
    for ours, ref in ((dx, torch_ref.nhwc(tx.grad)), (dk, tk.grad), (db, tb.grad)):
        assert torch_ref.rel_error(ours, ref) <= TOL


def test_softmax_cross_entropy_and_softmax_backward_match_autograd(rng):
    logits, labels = f64(rng, 5, 7) * 3, np.array([0, 6, 3, 3, 1])
    loss, dlogits = backprop.softmax_cross_entropy(logits, labels)
    t = torch.tensor(logits, requires_grad=True)
    tloss = F.cross_entropy(t, torch.tensor(labels))
    tloss.backward()
    assert abs(loss - tloss.item()) <= TOL * abs(tloss.item())
    assert torch_ref.rel_error(dlogits, t.grad) <= TOL

    dout = f64(rng, 5, 7)
    t = torch.tensor(logits, requires_grad=True)
    F.softmax(t, dim=-1).backward(torch.tensor(dout))
    assert torch_ref.rel_error(backprop.softmax_backward(logits, dout), t.grad) <= TOL


def test_softmax_cross_entropy_survives_huge_logits():
    loss, dlogits = backprop.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), [1])
    assert loss == pytest.approx(2000.0) and np.isfinite(dlogits).all()


def float64_tiny_vgg(seed=0, size=64):
    model = random_model(input_shape=(size, size, 3), seed=seed)
    for layer in model.layers:
        if layer.kernel is not None:
            layer.kernel, layer.bias = layer.kernel.astype(np.float64), layer.bias.astype(np.float64)
    return model


def test_tiny_vgg_input_and_parameter_gradients_match_autograd(rng):
    model = float64_tiny_vgg()
    x, labels = rng.uniform(0, 1, (3, 64, 64, 3)), np.array([2, 7, 2])
    caches, logits = backprop.forward_batch(model, x, stop=-1)  # up to the softmax: the loss takes logits
    loss, dlogits = backprop.softmax_cross_entropy(logits, labels)
    grads, dx = backprop.backward(model, caches, dlogits, need_input_grad=True)

    weights = torch_ref.params(model)
    tx = torch_ref.nchw(x, True)
    tlogits = torch_ref.forward(model, weights, tx, stop=-1)
    tloss = F.cross_entropy(tlogits, torch.tensor(labels))
    tloss.backward()
    assert abs(loss - tloss.item()) <= TOL * abs(tloss.item())
    assert torch_ref.rel_error(dx, torch_ref.nhwc(tx.grad)) <= TOL
    assert sorted(grads) == sorted(weights)
    for name, params in weights.items():
        for p, tensor in params.items():
            assert grads[name][p].shape == tensor.shape
            assert torch_ref.rel_error(grads[name][p], tensor.grad) <= TOL, (name, p)


def test_the_whole_model_with_softmax_and_batch_forward_match_torch(rng):
    model = float64_tiny_vgg(seed=3)
    x = rng.uniform(0, 1, (2, 64, 64, 3))
    caches, probs = backprop.forward_batch(model, x)
    tx = torch_ref.nchw(x, True)
    tprobs = torch_ref.forward(model, torch_ref.params(model), tx)
    assert torch_ref.rel_error(probs, tprobs.detach()) <= TOL
    dout = rng.standard_normal(probs.shape)
    tprobs.backward(torch.tensor(dout))
    _, dx = backprop.backward(model, caches, dout, need_input_grad=True)
    assert torch_ref.rel_error(dx, torch_ref.nhwc(tx.grad)) <= TOL
    # one image at a time through the single-image forward gives the same probabilities
    assert np.allclose(probs[1], model.predict(x[1].astype(np.float32)), atol=1e-5)


@pytest.mark.parametrize("start", [6, 5, 11])  # after max_pool_1 (deeper), at max_pool_1, the dense layer (quick)
def test_frozen_layers_get_no_gradients(rng, start):
    model = float64_tiny_vgg(seed=1)
    names = [l.name for l in model.layers]
    x, labels = rng.uniform(0, 1, (2, 64, 64, 3)), np.array([1, 4])
    frozen_caches, features = backprop.forward_batch(model, x, stop=start)
    caches, logits = backprop.forward_batch(model, features, start=start, stop=-1)
    _, dlogits = backprop.softmax_cross_entropy(logits, labels)
    grads, dx = backprop.backward(model, caches, dlogits, start=start)
    assert dx is None
    weights = torch_ref.params(model)
    tlogits = torch_ref.forward(model, weights, torch_ref.nchw(x), stop=-1)
    F.cross_entropy(tlogits, torch.tensor(labels)).backward()
    trainable = [n for n in names[start:] if n in weights]
    assert sorted(grads) == sorted(trainable)
    for name in trainable:
        for p in ("kernel", "bias"):
            assert torch_ref.rel_error(grads[name][p], weights[name][p].grad) <= TOL
    # all the caches at once with start: the same parameter gradients, and the input gradient through frozen layers
    all_caches = frozen_caches + caches
    grads_all, dx_all = backprop.backward(model, all_caches, dlogits, start=start, need_input_grad=True)
    assert sorted(grads_all) == sorted(trainable)
    tx = torch_ref.nchw(x, True)
    F.cross_entropy(torch_ref.forward(model, torch_ref.params(model), tx, stop=-1), torch.tensor(labels)).backward()
    assert torch_ref.rel_error(dx_all, torch_ref.nhwc(tx.grad)) <= TOL


def test_float32_stays_float32(rng):
    model = random_model(seed=2)
    x = rng.uniform(0, 1, (2, 64, 64, 3)).astype(np.float32)
    caches, logits = backprop.forward_batch(model, x, stop=-1)
    _, dlogits = backprop.softmax_cross_entropy(logits, [0, 1])
    grads, dx = backprop.backward(model, caches, dlogits.astype(np.float32), need_input_grad=True)
    assert logits.dtype == np.float32 and dx.dtype == np.float32
    assert all(g.dtype == np.float32 for params in grads.values() for g in params.values())
