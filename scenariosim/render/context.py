"""The ONLY place that creates a moderngl context: headless, through EGL."""
from __future__ import annotations

import moderngl

from scenariosim.errors import RenderError

GL_VERSION = 330   # the shaders' #version


def create_context() -> moderngl.Context:
    """A standalone OpenGL ≥ 3.3 core context through EGL (a GPU driver or Mesa's llvmpipe).

    Raises RenderError with a one-line hint when EGL or GL is unavailable.
    """
    try:
        return moderngl.create_standalone_context(backend="egl", require=GL_VERSION)
    except Exception as exc:  # moderngl/glcontext raise plain Exceptions with multi-line text
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise RenderError(
            f"cannot create a headless OpenGL 3.3 context through EGL ({reason}); install EGL and a GL "
            "driver, e.g. the Debian packages libegl1 and libgl1-mesa-dri"
        ) from exc
