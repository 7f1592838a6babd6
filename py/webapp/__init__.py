"""The browser layer of PyCNN Explainer: thin glue (Pyodide's js module) over the pure cnn_explainer modules."""
