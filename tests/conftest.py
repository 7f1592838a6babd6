"""Native test set-up: paths and thread settings come from helpers.py; shared fixtures live here."""
import numpy as np
import pytest

import helpers  # noqa: F401  (puts py/ and training/ on sys.path, pins BLAS threads)


@pytest.fixture
def rng():
    """A seeded NumPy random generator."""
    return np.random.default_rng(1234)
