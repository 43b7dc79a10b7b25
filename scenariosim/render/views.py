"""CameraView: everything one scenario camera does to make a frame — draw the undistorted pinhole view
(one Renderer call), resample it through the lens onto the camera's own pixels, and put the colour image
through the weather and sensor effects (render.postprocess)."""
from __future__ import annotations

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
        frame = self.renderer.render(world.vehicles, info, environment, draw, time, lanes=world.lanes,
                                     phase=world.drive.phase, signals=signals, hide=hide,
                                     exposure=self.spec.exposure, coverage=coverage)
        if camera.distorted:
            frame = distort_frame(frame, camera, distortion_maps(camera, draw))
        return apply_effects(frame, self.spec, environment, rng, camera_before)

    def release(self) -> None:
        self.renderer.release()
