"""scenariosim: procedural driving scenarios rendered into labeled perception datasets.

The public API is imported lazily, so ``import scenariosim`` (and ``scenariosim --help``) stays instant.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "load": "scenariosim.dsl",
    "loads": "scenariosim.dsl",
    "validate": "scenariosim.spec",
    "sample": "scenariosim.spec",
    "build_roads": ("scenariosim.roads", "build"),
    "build_world": "scenariosim.world",
    "simulate": "scenariosim.sim",
    "step": "scenariosim.sim",
    "Renderer": "scenariosim.render",
    "visible_boxes": "scenariosim.labels",
    "render_scenario": "scenariosim.batch",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'scenariosim' has no attribute '{name}'")
    module, attr = target if isinstance(target, tuple) else (target, name)
    return getattr(importlib.import_module(module), attr)
