"""The one place that sets Numba compilation flags for every kernel.

cache: compiled kernels are stored beside the sources, so a second run skips compilation.
fastmath stays off: results must be bit-identical run to run and match the slow twins.
"""
JIT = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")
