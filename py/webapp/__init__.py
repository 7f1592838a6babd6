"""The browser layer of PyCNN Explainer: thin PyScript glue over the pure cnn_explainer modules."""
