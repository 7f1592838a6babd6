"""Convolution neuron explained (placeholder: opens the formula view of its first input channel)."""
from .conv_formula_view import ConvFormulaView


def ConvView(app, layer, index):
    """The explanation of a conv neuron."""
    return ConvFormulaView(app, layer, index, 0)
