"""Errors a user can fix: each carries one sentence that says what is wrong and what to do."""

__all__ = ["AcceleratorError", "ConfigError", "EdgeOcrError", "InputImageError", "ModelError"]


class EdgeOcrError(Exception):
    """Base class of the errors that the CLI and the node report without a traceback."""


class ConfigError(EdgeOcrError):
    """An invalid setting (YAML, command-line flag or ROS parameter)."""


class ModelError(EdgeOcrError):
    """A missing, unreadable or unsuitable model or charset file."""


class AcceleratorError(EdgeOcrError):
    """The Edge TPU was required but cannot be used."""


class InputImageError(EdgeOcrError):
    """An image that cannot be processed (empty, wrong encoding, corrupt data)."""
