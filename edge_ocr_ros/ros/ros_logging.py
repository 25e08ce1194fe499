"""Logging through the ROS logger across rclpy versions (docs/robots.md lists such fallbacks)."""

from __future__ import annotations

__all__ = ["warn"]


def warn(logger, message: str, **kwargs) -> None:
    """Log a warning: ``warning`` where rclpy has it (Jazzy deprecates ``warn``), ``warn`` on older rclpy."""
    (getattr(logger, "warning", None) or logger.warn)(message, **kwargs)
