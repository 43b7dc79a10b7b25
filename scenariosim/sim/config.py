"""The one place that sets Numba compilation flags for every kernel.

cache: compiled kernels are stored on disk, so a second run skips compilation. Numba checks a cached kernel
against its own source file only, yet a kernel holds the compiled code of every kernel it calls: after an
edit to engine.py, step.py's cached kernels would still run the old engine. So the cache lives in a folder
named after a hash of every kernel source (``kernel_cache_dir``): any change to any of them starts afresh.
NUMBA_CACHE_DIR, when set, is used as it is. Folders of other hashes (older versions, earlier edits) are removed
once unused for STALE_CACHE_DAYS, or when not among the KEEP_CACHES most recently used (``prune_kernel_caches``).
fastmath stays off: results must be bit-identical run to run and match the slow twins.
"""
import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import llvmlite.binding as _llvm
import numba

#: sources whose compiled code can end up inside a cached kernel: the kernels and the constants they use
KERNEL_SOURCES = tuple(sorted(Path(__file__).resolve().parent.glob("*.py"))) + tuple(
    Path(__file__).resolve().parent.parent / "world" / name for name in ("opcodes.py", "state.py"))


def kernel_cache_dir() -> Path:
    """$XDG_CACHE_HOME (or ~/.cache)/scenariosim/numba/<hash of KERNEL_SOURCES and the Numba version>."""
    digest = hashlib.sha256(numba.__version__.encode())
    for path in KERNEL_SOURCES:
        digest.update(path.name.encode() + path.read_bytes())
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "scenariosim" / "numba" / digest.hexdigest()[:16]


#: a cache folder of other kernel sources is removed once unused for this many days …
STALE_CACHE_DAYS = 30
#: … or when not among this many most recently used, the current one included (but never one used within a day:
#: a long-running process of another version may still write to its folder)
KEEP_CACHES = 8
_CACHE_NAME = re.compile(r"[0-9a-f]{16}")


def prune_kernel_caches(current: Path, now: float | None = None) -> list[Path]:
    """Mark the cache folder ``current`` as used (its mtime, now [s since the epoch]) and remove the sibling
    folders, named like kernel_cache_dir's, that are stale: unused for STALE_CACHE_DAYS, or not among the
    KEEP_CACHES most recently used (``current`` first) and unused for a day at least. Returns those removed."""
    now = time.time() if now is None else now
    try:
        current.mkdir(parents=True, exist_ok=True)
        os.utime(current, (now, now))
        others = [(p.stat().st_mtime, p) for p in current.parent.iterdir()
                  if p != current and p.is_dir() and _CACHE_NAME.fullmatch(p.name)]
    except OSError:                                    # a read-only home: nothing to keep tidy
        return []
    others.sort(reverse=True)                          # the most recently used first
    removed = []
    for rank, (used, path) in enumerate(others, start=1):
        idle = now - used
        if idle > STALE_CACHE_DAYS * 86400.0 or (rank >= KEEP_CACHES and idle > 86400.0):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(kernel_cache_dir())
    prune_kernel_caches(Path(numba.config.CACHE_DIR))

# LLVM vectorises a loop over many arrays only after runtime checks that they do not overlap, and gives up
# past 128 checks; Numba cannot tell it that arrays never overlap. Lane keeping (sim/lanekeep.py) reads some
# 25 arrays and writes 13, so it needs more. The checks only guard the vector code: results are the same.
_llvm.set_option("", "-vectorize-memory-check-threshold=1024")

#: _nrt=True stated, not left to the default: a kernel that leaves it unset inherits _nrt=False when it is first
#: compiled for a BORROWING caller, and then could not allocate
JIT = dict(cache=True, fastmath=False, nogil=True, error_model="numpy", _nrt=True)

#: kernels called only from other kernels: no Python or C entry points (their compilation roughly halves
#: for kernels that take whole records)
NESTED = dict(JIT, no_cpython_wrapper=True, no_cfunc_wrapper=True)

#: nested kernels that take many arrays (or a whole World) and run every step: compiled without reference
#: counting, which Numba would otherwise do for every array bound at every inlined call inside their loops (an
#: atomic increment and decrement each, ~10 ns). They borrow what they are given: they may index it and take
#: views of it, but must not allocate arrays (Numba refuses to compile that without its runtime), and return
#: scalars only: a returned view, or a tuple holding one, would be released by a counting caller that never
#: held it (use after free; Numba compiles it). A test checks every BORROWING kernel's return types.
BORROWING = dict(NESTED, _nrt=False)

#: borrowing kernels that take many arrays and run every step for some agents: inlined into the engine (itself
#: borrowing), because a call copies every array's descriptor (7 words) through the stack: condition_holds takes
#: 18 arrays, ~130 words, which had cost ~6 cycles per agent-step on the batched benchmark (one agent judged)
INLINED_BORROWING = dict(BORROWING, inline="always")

#: small kernels over scalars, called once per agent and step: inlined into their callers
SCALAR = dict(JIT, inline="always")

#: kernels the engine calls with arrays every step: inlined too, because a call costs an atomic reference-count
#: increment and decrement (~10 ns) for every array it passes
STEP = dict(JIT, inline="always")
