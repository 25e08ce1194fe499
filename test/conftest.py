"""Pytest fixtures; the helpers themselves live in helpers.py."""

import pytest
from helpers import fixture_config

from edge_ocr_ros.config import OcrConfig


@pytest.fixture
def config() -> OcrConfig:
    return fixture_config()
