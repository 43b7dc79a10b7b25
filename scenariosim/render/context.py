"""The ONLY place that creates a moderngl context: headless, through EGL."""
from __future__ import annotations

import moderngl

from scenariosim.errors import RenderError

GL_VERSION = 330        # the shaders' #version: the least a context must offer
GL_VERSION_FULL = 430   # what the coverage pass (occlusion and truncation labels) needs: storage buffers, atomics


def create_context() -> moderngl.Context:
    """A standalone OpenGL core context through EGL (a GPU driver or Mesa's llvmpipe): 4.3 where the
    driver offers it, else 3.3.

    Drivers differ in what they return for a requested version: Mesa gives its newest core profile,
    NVIDIA's driver gives exactly the version asked for. So 4.3 is asked for first and 3.3 only when
    that fails. Raises RenderError with a one-line hint when EGL or GL 3.3 is unavailable.
    """
    try:
        return moderngl.create_standalone_context(backend="egl", require=GL_VERSION_FULL)
    except Exception:  # no 4.3 context (or no EGL at all: the next call says which)
        pass
    try:
        return moderngl.create_standalone_context(backend="egl", require=GL_VERSION)
    except Exception as exc:  # moderngl/glcontext raise plain Exceptions with multi-line text
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise RenderError(
            f"cannot create a headless OpenGL 3.3 context through EGL ({reason}); install EGL and a GL "
            "driver, e.g. the Debian packages libegl1 and libgl1-mesa-dri"
        ) from exc
