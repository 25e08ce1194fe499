"""The settings schema: defaults, validation messages, and the three YAML forms it accepts."""

import pytest
from helpers import REPO

from edge_ocr_ros.config import SCHEMA, OcrConfig, bundled_models_dir, validate_value
from edge_ocr_ros.errors import ConfigError


def test_defaults_are_valid_and_point_at_bundled_models():
    cfg = OcrConfig()
    for name, spec in SCHEMA.items():
        assert validate_value(name, spec.default) == spec.default
    assert cfg.path("detector.model") == bundled_models_dir() / "east_fp16.tflite"


@pytest.mark.parametrize("name, value, message", [
    ("detector.score_threshold", 1.5, "between 0 and 1"),
    ("detector.score_threshold", "high", "must be a float"),
    ("detector.width", 500, "multiple of 32"),
    ("detector.width", 64.5, "must be a int"),
    ("edgetpu", "maybe", "one of auto, on, off"),
    ("detector.mean", [1.0, 2.0], "list of numbers of 3 values"),
    ("recognizer.grayscale", 1, "must be a bool"),
    ("detector.thr", 0.5, "unknown setting"),
    ("num_threads", 0, "between 1 and 64"),
    ("recognizer.vertical_ratio", 0.5, "0 \\(never\\) or at least 1"),
])
def test_invalid_values_are_rejected_with_a_reason(name, value, message):
    with pytest.raises(ConfigError, match=message):
        OcrConfig({name: value})


def test_unknown_setting_suggests_the_right_name():
    with pytest.raises(ConfigError, match=r"did you mean detector\.score_threshold"):
        OcrConfig({"score_threshold": 0.5})


def test_nested_yaml(tmp_path):
    (tmp_path / "c.yaml").write_text("detector:\n  score_threshold: 0.6\n  width: 320\nnum_threads: 3\n")
    cfg = OcrConfig.from_yaml(tmp_path / "c.yaml")
    assert cfg["detector.score_threshold"] == 0.6 and cfg["detector.width"] == 320 and cfg["num_threads"] == 3


def test_ros_params_file_is_accepted():
    cfg = OcrConfig.from_yaml(REPO / "config" / "edge_ocr.yaml", {"detector.padding": 0.1})
    assert cfg["detector.padding"] == 0.1
    assert cfg["detector.width"] == SCHEMA["detector.width"].default


def test_seed_mjsynth_yml(tmp_path):
    (tmp_path / "table.txt").write_text("<UNK>\na\n<BLK>\n")
    (tmp_path / "mjsynth.yml").write_text("dataset_builder:\n  table_path: table.txt\n  img_shape: [32, null, 3]\n")
    cfg = OcrConfig.from_yaml(tmp_path / "mjsynth.yml")
    assert cfg.path("recognizer.charset") == tmp_path / "table.txt"
    assert cfg["recognizer.grayscale"] is False


@pytest.mark.parametrize("text, message", [("a: [1, 2", "not valid YAML"), ("- 1\n- 2\n", "mapping"),
                                           ("detector:\n  nms_threshold: -1\n", "between 0 and 1")])
def test_malformed_files(tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        OcrConfig.from_yaml(tmp_path / "bad.yaml")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        OcrConfig.from_yaml(tmp_path / "none.yaml")


def test_replace_validates():
    cfg = OcrConfig()
    assert cfg.replace(detector__padding=0.2)["detector.padding"] == 0.2
    with pytest.raises(ConfigError):
        cfg.replace(detector__padding=2.0)


@pytest.mark.parametrize("text, expected", [("on", "on"), ("off", "off"), ("true", "on"), ("false", "off"), ("auto", "auto")])
def test_edgetpu_on_and_off_read_by_yaml_as_booleans_are_accepted(tmp_path, text, expected):
    """YAML 1.1 (PyYAML, launch_ros) reads on/off/true/false as booleans; `edgetpu: on` must still mean on."""
    path = tmp_path / "params.yaml"
    path.write_text(f"/**:\n  ros__parameters:\n    edgetpu: {text}\n")
    assert OcrConfig.from_yaml(path)["edgetpu"] == expected
