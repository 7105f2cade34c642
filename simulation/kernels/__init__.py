"""Decision core: rules, numba kernels and their NumPy twins."""
