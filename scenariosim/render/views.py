"""CameraView: everything one scenario camera does to make a frame — draw the undistorted pinhole view
(one Renderer call), resample it through the lens onto the camera's own pixels, and put the colour image
through the weather and sensor effects (render.postprocess)."""
from __future__ import annotations

import cv2
import numpy as np

from scenariosim.errors import RenderError
from scenariosim.render.postprocess import apply_effects, distort_frame, distortion_maps, render_camera
from scenariosim.render.renderer import Renderer
from scenariosim.roads.network import RoadNetwork
from scenariosim.sensors.camera import Camera, camera_from_spec
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import CameraSpec, EnvironmentSpec
from scenariosim.world.state import World, WorldInfo


class CameraView:
    """One camera of a scenario with its own Renderer (sized for the camera's undistorted draw);
    release() frees it."""

    def __init__(self, spec: CameraSpec, network: RoadNetwork, lanes=None) -> None:
        self.spec = spec
        self._footprint_key = self._footprint_mask = None     # the lens the footprint was made for, and it
        # the draw size depends on intrinsics and lens only, not on where the camera is
        probe = camera_from_spec(spec, (0.0, 0.0, 0.0, 0.0) if spec.mount is not None else None)
        try:
            draw = render_camera(probe)
        except RenderError as err:
            raise RenderError(f"camera '{spec.name}': {err}") from None
        self.renderer = Renderer(draw.width, draw.height)
        try:
            self.renderer.set_road(network, lanes)
        except Exception:
            self.renderer.release()
            raise

    @property
    def gl_renderer(self) -> str:
        return self.renderer.gl_renderer

    def render(self, world: World, info: WorldInfo, environment: EnvironmentSpec, camera: Camera, time: float,
               rng: np.random.Generator, *, hide: int | None = None, signals: np.ndarray | None = None,
               camera_before: Camera | None = None, coverage: bool = False) -> Frame:
        """The frame ``camera`` (this view's camera at its pose now) takes at ``time`` [s]: labels exact to
        the pixel, colour through the lens and effects. ``camera_before`` is its pose spec.shutter seconds
        earlier (motion blur); ``rng`` draws the effects' randomness; hide, signals and coverage as
        Renderer.render (coverage counts pixels of the drawn pinhole image, before the lens)."""
        draw = render_camera(camera)
        footprint = self._footprint(camera, draw) if camera.distorted else None
        frame = self.renderer.render(world.vehicles, info, environment, draw, time, lanes=world.lanes,
                                     phase=world.drive.phase, signals=signals, hide=hide,
                                     exposure=self.spec.exposure, coverage=coverage, footprint=footprint)
        if camera.distorted:
            frame = distort_frame(frame, camera, distortion_maps(camera, draw))
        return apply_effects(frame, self.spec, environment, rng, camera_before)

    def _footprint(self, camera: Camera, draw: Camera) -> np.ndarray:
        """(H, W) bool over the drawn image: the pixels inside the outline of the camera's own image (its
        border, sampled every pixel, mapped through the lens). Kept per lens."""
        key = (camera.K.tobytes(), camera.dist.tobytes(), camera.width, camera.height, draw.K.tobytes())
        if self._footprint_key != key:
            w, h = camera.width, camera.height
            top = np.column_stack([np.arange(-0.5, w), np.full(w + 1, -0.5)])
            right = np.column_stack([np.full(h + 1, w - 0.5), np.arange(-0.5, h)])
            border = np.concatenate([top, right, top[::-1] + [0, h], right[::-1] - [w, 0]])
            xn = camera.rays(border)
            uv = xn @ draw.K[:2, :2].T + draw.K[:2, 2]
            mask = np.zeros((draw.height, draw.width), np.uint8)
            cv2.fillPoly(mask, [np.round(uv * 16).astype(np.int32)], 1, shift=4)      # 1/16 px vertices
            self._footprint_key, self._footprint_mask = key, mask.astype(bool)
        return self._footprint_mask

    def release(self) -> None:
        self.renderer.release()
