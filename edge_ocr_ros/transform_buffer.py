"""Transforms between frames over time, from the contents of tf messages, without tf2.

A recorded drive carries ``/tf`` and ``/tf_static``; to place what the camera read in ``map`` at an image's
stamp, the chain map -> odom -> base_link -> camera is interpolated at that stamp. pytransform3d's temporal
transform manager does the graph search and the interpolation (screw linear interpolation between the two
samples around the stamp); this module only keeps the samples per edge. Like tf2, a stamp outside an edge's
samples is refused rather than extrapolated, and a lookup names what is missing. Used offline
(``edge-ocr --bag ... --landmarks``) and by the nodes where tf2_ros is not installed (ros/transforms.py).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TransformBuffer", "TransformLookupError"]


class TransformLookupError(LookupError):
    """No transform between two frames at a stamp (the reason in one line)."""


def _pytransform3d():
    try:
        from pytransform3d import transform_manager, transformations
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise TransformLookupError("pytransform3d is not installed (pip install 'edge_ocr_ros[bags]')") from exc
    return transform_manager, transformations


@dataclass
class _Edge:
    """The samples of one parent -> child transform, in time order."""

    static: bool
    times: list[float] = field(default_factory=list)
    pqs: list[np.ndarray] = field(default_factory=list)  # x y z qw qx qy qz (pytransform3d's order)


class TransformBuffer:
    """Samples of the transforms between frames; ``lookup`` interpolates along the chain at a stamp.

    ``cache_s`` bounds how far back dynamic samples are kept (tf2's buffer keeps 10 s); None keeps all (a
    recorded drive read in one go)."""

    def __init__(self, cache_s: float | None = 10.0) -> None:
        self.cache_s = cache_s
        self._edges: dict[tuple[str, str], _Edge] = {}
        self._manager = None  # rebuilt on the first lookup after a change

    def set_transform(self, parent: str, child: str, stamp_s: float, translation, quaternion_xyzw,
                      static: bool = False) -> None:
        """One sample of ``child``'s pose in ``parent`` (a geometry_msgs/TransformStamped's content)."""
        parent, child = parent.strip("/"), child.strip("/")
        edge = self._edges.get((parent, child))
        if edge is None or edge.static != static:
            edge = self._edges[(parent, child)] = _Edge(static)
        x, y, z, w = quaternion_xyzw
        pq = np.array([*translation, w, x, y, z], float)
        if static:
            edge.times, edge.pqs = [stamp_s], [pq]
        else:
            i = bisect.bisect_left(edge.times, stamp_s)
            if i < len(edge.times) and edge.times[i] == stamp_s:  # a repeated stamp replaces its sample
                edge.pqs[i] = pq
            else:
                edge.times.insert(i, stamp_s)
                edge.pqs.insert(i, pq)
            if self.cache_s is not None and edge.times[-1] - edge.times[0] > self.cache_s:
                cut = bisect.bisect_left(edge.times, edge.times[-1] - self.cache_s)
                del edge.times[:cut], edge.pqs[:cut]
        self._manager = None

    def frames(self) -> set[str]:
        return {frame for pair in self._edges for frame in pair}

    def _build(self):
        transform_manager, transformations = _pytransform3d()
        manager = transform_manager.TemporalTransformManager(check=False)
        for (parent, child), edge in self._edges.items():
            if edge.static or len(edge.times) == 1:  # one sample: only its own stamp passes lookup's check
                manager.add_transform(child, parent, transform_manager.StaticTransform(
                    transformations.transform_from_pq(edge.pqs[0])))
            else:
                manager.add_transform(child, parent, transform_manager.NumpyTimeseriesTransform(
                    np.array(edge.times), np.array(edge.pqs)))
        return manager

    def lookup(self, target: str, source: str, stamp_s: float) -> np.ndarray:
        """The 4 x 4 transform taking points in ``source`` to ``target`` at ``stamp_s``."""
        target, source = target.strip("/"), source.strip("/")
        if target == source:
            return np.eye(4)
        known = self.frames()
        for frame in (source, target):
            if frame not in known:
                raise TransformLookupError(f"frame '{frame}' is not in the transforms received"
                                           + (f" ({', '.join(sorted(known))})" if known else " (none yet)"))
        for (parent, child), edge in self._edges.items():  # tf2's rule: never extrapolate a moving edge
            if (not edge.static and not edge.times[0] <= stamp_s <= edge.times[-1]
                    and self._on_path(parent, child, target, source)):
                raise TransformLookupError(
                        f"{parent} -> {child} is known from {edge.times[0]:.3f} to {edge.times[-1]:.3f} s, "
                        f"not at {stamp_s:.3f} s")
        if self._manager is None:
            self._manager = self._build()
        try:
            return np.asarray(self._manager.get_transform_at_time(source, target, stamp_s))
        except (KeyError, ValueError) as exc:
            raise TransformLookupError(f"no transform from '{source}' to '{target}' at {stamp_s:.3f} s: {exc}") from exc

    def _on_path(self, parent: str, child: str, target: str, source: str) -> bool:
        """Whether the edge parent -> child lies on the tree path between target and source."""
        parents = {c: p for p, c in self._edges}

        def up(frame: str) -> list[str]:
            chain = [frame]
            while chain[-1] in parents and len(chain) <= len(parents):
                chain.append(parents[chain[-1]])
            return chain

        a, b = up(source), up(target)
        common = next((f for f in a if f in b), None)
        path_children = a[:a.index(common)] + b[:b.index(common)] if common else a + b
        return child in path_children and parents.get(child) == parent
