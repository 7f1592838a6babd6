"""The independent reference for saliency in the page's tests: PyTorch autograd through any of our layer lists
(float64, tests/torch_ref.py), shared by the native and the browser tests."""
import torch_ref


def torch_saliency(model, image, class_index):
    """d logit[class_index] / d input, (H, W, C) float64, by torch autograd."""
    x = torch_ref.nchw(image[None], requires_grad=True)
    stop = -1 if model.layers[-1].type == "softmax" else None  # the logits: before a final softmax
    torch_ref.forward(model, torch_ref.params(model), x, stop=stop)[0, class_index].backward()
    return torch_ref.nhwc(x.grad)[0]
