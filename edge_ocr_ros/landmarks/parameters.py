"""text_map_node's parameters as plain data (no ROS import), so the docs and tests can read them anywhere."""

from __future__ import annotations

from ..errors import ConfigError

__all__ = ["PARAMETERS", "RANGES", "validate"]

# name -> (default, description, fixed at start)
PARAMETERS: dict[str, tuple[object, str, bool]] = {
    "fixed_frame": ("map", "frame the landmarks are kept in (tf2 must connect the images' frames to it)", True),
    "map_file": ("", "SQLite file the landmarks are kept in across restarts (empty: memory only)", True),
    "detection_topics": (["text_detections"], "TextDetectionArray topics to read (relative names resolve in the "
                                              "node's namespace): one map for several cameras", True),
    "publish_period": (1.0, "seconds between publications of ~/landmarks and ~/markers while the map changes", True),
    "merge_distance": (1.0, "metres between a sighting and a landmark it may join", False),
    "min_similarity": (0.5, "text similarity for a sighting to join a landmark", False),
    "min_sightings": (3, "sightings before a landmark is confirmed: answered, published, stored", False),
    "transform_timeout": (0.1, "seconds to wait for the transform at an image's stamp", False),
    "marker_height": (0.15, "height of the landmarks' letters in rviz, metres", False),
}
RANGES: dict[str, tuple[float, float]] = {  # inclusive
    "merge_distance": (0.05, 20.0), "min_similarity": (0.0, 1.0), "min_sightings": (1, 1000),
    "transform_timeout": (0.0, 5.0), "marker_height": (0.01, 5.0), "publish_period": (0.01, 3600.0)}


def validate(name: str, value: object) -> object:
    """A parameter value checked against its type and range (ConfigError with one line naming it)."""
    default = PARAMETERS[name][0]
    if isinstance(default, list):
        if not isinstance(value, (list, tuple)) or not value or not all(isinstance(t, str) and t.strip() for t in value):
            raise ConfigError(f"{name} must be a non-empty list of topic names, not {value!r}")
        return [t.strip() for t in value]
    if isinstance(default, str):
        if not isinstance(value, str) or (name == "fixed_frame" and not value.strip("/")):
            raise ConfigError(f"{name} must be a {'frame name' if name == 'fixed_frame' else 'string'}, not {value!r}")
        return value.strip("/") if name == "fixed_frame" else value
    kind = int if isinstance(default, int) else float
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ConfigError(f"{name} must be {'an integer' if kind is int else 'a number'}, not {value!r}")
    low, high = RANGES[name]
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
    return kind(value)
