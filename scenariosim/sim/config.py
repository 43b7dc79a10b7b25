"""The one place that sets Numba compilation flags for every kernel.

cache: compiled kernels are stored beside the sources, so a second run skips compilation.
fastmath stays off: results must be bit-identical run to run and match the slow twins.
"""
import llvmlite.binding as _llvm

# LLVM vectorises a loop over many arrays only after runtime checks that they do not overlap, and gives up
# past 128 checks; Numba cannot tell it that arrays never overlap. Lane keeping (sim/lanekeep.py) reads some
# 25 arrays and writes 13, so it needs more. The checks only guard the vector code: results are the same.
_llvm.set_option("", "-vectorize-memory-check-threshold=1024")

JIT = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")

#: kernels called only from other kernels: no Python or C entry points (their compilation roughly halves
#: for kernels that take whole records)
NESTED = dict(JIT, no_cpython_wrapper=True, no_cfunc_wrapper=True)

#: small kernels over scalars, called once per agent and step: inlined into their callers
SCALAR = dict(JIT, inline="always")

#: kernels the engine calls with arrays every step: inlined too, because a call costs an atomic reference-count
#: increment and decrement (~10 ns) for every array it passes
STEP = dict(JIT, inline="always")
