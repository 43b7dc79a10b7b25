"""Users' meshes (glTF .glb/.gltf or Wavefront .obj files) as actor templates.

trimesh reads the files; it is an optional dependency (``pip install 'scenariosim[meshes]'``), imported only
when a mesh is loaded. Files are taken in glTF's frame, +Y up and +Z forward (+X the asset's left), OBJ
files too; load_mesh turns them into the actor frame, +Z up and +X forward (+Y left), and stretches their
bounds onto the unit actor box (render.actors.template_from_mesh).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.errors import RenderError
from scenariosim.render.actors import template_from_mesh
from scenariosim.spec.validate import MESH_SUFFIXES

#: glTF frame → actor frame (a rotation): actor = GLTF_TO_ACTOR @ gltf, i.e. (x, y, z) = (Z, X, Y)
GLTF_TO_ACTOR = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """8-bit sRGB (..., 3) → linear RGB in [0, 1] float64."""
    c = np.asarray(c, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _face_colors(mesh) -> np.ndarray | None:
    """(F, 3) linear RGB of a trimesh.Trimesh's faces from its face or vertex colours (8-bit sRGB, as
    trimesh holds them), or from its texture or material where trimesh can turn that into colours; None
    when the mesh has none."""
    visual = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        try:
            visual = visual.to_color()
        except Exception:          # a texture trimesh cannot sample (no image reader, no UVs): no colours
            return None
        kind = getattr(visual, "kind", None)
    if kind == "face":
        return _srgb_to_linear(np.asarray(visual.face_colors)[:, :3])
    if kind == "vertex":
        return _srgb_to_linear(np.asarray(visual.vertex_colors)[:, :3])[np.asarray(mesh.faces)].mean(axis=1)
    return None


def load_mesh(path: str) -> np.ndarray:
    """The template (3·T,) TEMPLATE_VERTEX of a .glb, .gltf or .obj file: every mesh in it (scene transforms
    applied) turned from glTF's frame into the actor frame and stretched onto the unit box; per-face
    normals; coloured faces TRIM in their colour, uncoloured ones BODY. RenderError, naming the file, when
    it is missing, of another type, unreadable or without triangles, or trimesh is not installed."""
    p = Path(path)
    if p.suffix.lower() not in MESH_SUFFIXES:
        raise RenderError(f"mesh '{path}': not a {', '.join(MESH_SUFFIXES[:-1])} or {MESH_SUFFIXES[-1]} file")
    if not p.is_file():
        raise RenderError(f"mesh '{path}': no such file")
    try:
        import trimesh
    except ImportError:
        raise RenderError(f"mesh '{path}': reading meshes needs trimesh "
                          f"(pip install 'scenariosim[meshes]')") from None
    try:
        mesh = trimesh.load(str(p), force="mesh", process=False)
    except Exception as err:       # trimesh raises many types for a malformed file
        reason = " ".join(str(err).split())[:200] or type(err).__name__
        raise RenderError(f"mesh '{path}': cannot read it ({reason})") from None
    faces = np.asarray(getattr(mesh, "faces", np.zeros((0, 3))))
    if not isinstance(mesh, trimesh.Trimesh) or faces.ndim != 2 or len(faces) == 0:
        raise RenderError(f"mesh '{path}': no triangles in it")
    vertices = np.asarray(mesh.vertices, dtype=np.float64) @ GLTF_TO_ACTOR.T
    try:
        return template_from_mesh(vertices, faces, _face_colors(mesh))
    except ValueError as err:
        raise RenderError(f"mesh '{path}': {err}") from None
