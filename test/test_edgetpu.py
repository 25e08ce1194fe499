"""Edge TPU selection on a machine without a TPU: the real delegate loader, stand-in PyCoral modules
(as Coral's apt packages install them) and stand-in openers, for edgetpu auto, on and off."""

import logging
import shutil
import sys
import types

import pytest
from helpers import FIXTURES, fixture_config, known_image

from edge_ocr_ros import pipeline as pipeline_module
from edge_ocr_ros.errors import AcceleratorError, ModelError
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.runtime import interpreter as runtime
from edge_ocr_ros.runtime.interpreter import EdgeTpu, InterpreterFactory, choose_accelerators, edgetpu_path, load_edgetpu


def stages(tmp_path, compiled: bool = True):
    """Both stages with int8 models whose compiled twins exist (or not) in tmp_path."""
    int8 = {"detector": [tmp_path / "east_int8_960x544.tflite", tmp_path / "east_int8_640x480.tflite"],
            "recognizer": [tmp_path / "crnn_int8.tflite"]}
    for files in int8.values():
        for f in files:
            shutil.copy(FIXTURES / "east_known_box_int8.tflite", f)
            if compiled:
                shutil.copy(f, edgetpu_path(f))
    return {s: ([tmp_path / f"{s}_fp16.tflite"], files) for s, files in int8.items()}


@pytest.fixture
def stand_in_pycoral(monkeypatch):
    """Install stand-ins for real PyCoral and its tflite_runtime; returns the calls made to them."""
    calls = {"load": [], "raise": None}
    tflite = types.ModuleType("tflite_runtime.interpreter")
    tflite.Interpreter = object
    coral = types.ModuleType("pycoral.utils.edgetpu")

    def load_edgetpu_delegate(options=None):
        calls["load"].append(options)
        if calls["raise"] is not None:
            raise calls["raise"]
        return "coral-delegate"

    coral.load_edgetpu_delegate = load_edgetpu_delegate
    utils = types.ModuleType("pycoral.utils")
    utils.edgetpu = coral
    package = types.ModuleType("pycoral")
    package.utils = utils
    for name, module in (("pycoral", package), ("pycoral.utils", utils), ("pycoral.utils.edgetpu", coral),
                         ("tflite_runtime", types.ModuleType("tflite_runtime")), ("tflite_runtime.interpreter", tflite)):
        monkeypatch.setitem(sys.modules, name, module)
    calls["tflite"] = tflite
    return calls


def test_compiled_names_follow_edgetpu_compiler(tmp_path):
    assert edgetpu_path(tmp_path / "east_int8_960x544.tflite").name == "east_int8_960x544_edgetpu.tflite"
    assert edgetpu_path(tmp_path / "m_edgetpu.tflite").name == "m_edgetpu.tflite"


def test_on_without_compiled_models_says_how_to_use_the_cpu(tmp_path):
    with pytest.raises(AcceleratorError, match=r"does not exist.*set edgetpu to 'off'"):
        choose_accelerators("on", stages(tmp_path, compiled=False), "usb:0",
                            open_tpu=lambda d: pytest.fail("must not open the TPU"))


def test_on_without_a_tpu_fails_with_one_sentence(tmp_path):
    """The real loader on a machine without libedgetpu."""
    with pytest.raises(AcceleratorError) as err:
        choose_accelerators("on", stages(tmp_path), "usb:0", open_tpu=load_edgetpu)
    assert "no Edge TPU 'usb:0' can be used" in str(err.value) and "set edgetpu to 'off'" in str(err.value)
    assert "\n" not in str(err.value)


def test_auto_without_a_tpu_runs_the_cpu_models(tmp_path):
    chosen = choose_accelerators("auto", stages(tmp_path), open_tpu=load_edgetpu)
    assert {a.name for a in chosen.values()} == {"cpu"}
    assert chosen["detector"].model_paths == [tmp_path / "detector_fp16.tflite"]
    assert "no Edge TPU" in chosen["detector"].reason


def test_auto_with_a_tpu_runs_every_compiled_model_on_one_shared_delegate(tmp_path):
    opened = []

    def open_tpu(device):
        opened.append(device)
        return EdgeTpu(device, f"delegate:{device}", runtime.litert_module(), "load_delegate")

    chosen = choose_accelerators("auto", stages(tmp_path), "pci:0", open_tpu=open_tpu)
    assert opened == ["pci:0"]  # once for both stages
    assert chosen["detector"].model_paths == [tmp_path / "east_int8_960x544_edgetpu.tflite",
                                              tmp_path / "east_int8_640x480_edgetpu.tflite"]
    assert chosen["detector"].edgetpu is chosen["recognizer"].edgetpu


def test_auto_runs_only_the_stage_that_has_compiled_models_on_the_tpu(tmp_path):
    plan = stages(tmp_path)
    edgetpu_path(plan["recognizer"][1][0]).unlink()
    chosen = choose_accelerators("auto", plan, open_tpu=lambda d: EdgeTpu(d, "delegate", None, "load_delegate"))
    assert (chosen["detector"].name, chosen["recognizer"].name) == ("edgetpu", "cpu")
    assert "crnn_int8_edgetpu.tflite" in chosen["recognizer"].reason


def test_off_never_opens_the_tpu(tmp_path):
    chosen = choose_accelerators("off", stages(tmp_path), open_tpu=lambda d: pytest.fail("must not open the TPU"))
    assert {a.name for a in chosen.values()} == {"cpu"}


@pytest.mark.parametrize("error", [ValueError("Failed to load delegate from libedgetpu.so.1"), RuntimeError("busy")])
def test_pycoral_without_a_tpu_falls_back_in_auto_and_fails_cleanly_in_on(tmp_path, stand_in_pycoral, error):
    """Real PyCoral raises ValueError when no TPU is attached: auto falls back, on says one sentence."""
    stand_in_pycoral["raise"] = error
    chosen = choose_accelerators("auto", stages(tmp_path), "usb:1", open_tpu=load_edgetpu)
    assert {a.name for a in chosen.values()} == {"cpu"} and "through PyCoral" in chosen["detector"].reason
    with pytest.raises(AcceleratorError, match=r"no Edge TPU 'usb:1' could be opened through PyCoral.*set edgetpu"):
        choose_accelerators("on", stages(tmp_path), "usb:1", open_tpu=load_edgetpu)
    assert stand_in_pycoral["load"] == [{"device": "usb:1"}, {"device": "usb:1"}]
    choose_accelerators("off", stages(tmp_path), "usb:1", open_tpu=load_edgetpu)
    assert len(stand_in_pycoral["load"]) == 2  # off never asks


def test_a_pycoral_delegate_goes_into_pycorals_own_runtime(stand_in_pycoral):
    """Never a tflite_runtime delegate in an ai_edge_litert interpreter: the interpreters of a TPU
    opened through PyCoral come from PyCoral's tflite_runtime."""
    tpu = load_edgetpu("")
    assert (tpu.delegate, tpu.module, tpu.via) == ("coral-delegate", stand_in_pycoral["tflite"], "pycoral")
    assert stand_in_pycoral["load"] == [{}]


def test_interpreters_come_from_the_runtime_that_made_the_delegate():
    """The factory asks the TPU's runtime module for interpreters, with its delegate; the recording
    module hands the call on to real LiteRT without the (stand-in) delegate."""
    real = runtime.litert_module()
    asked = []

    class Recording:
        @staticmethod
        def Interpreter(model_path, num_threads, experimental_delegates):  # noqa: N802 - the runtime's own name
            asked.append(experimental_delegates)
            return real.Interpreter(model_path=model_path, num_threads=num_threads)

    factory = InterpreterFactory(FIXTURES / "east_known_box_int8.tflite", 1, EdgeTpu("", "the-delegate", Recording, "pycoral"))
    assert asked == [["the-delegate"]] and factory.base.get_input_details()[0]["shape"].tolist() == [1, 64, 64, 3]


def test_open_edgetpu_opens_each_device_once(monkeypatch):
    loads = []
    monkeypatch.setattr(runtime, "load_edgetpu", lambda d: loads.append(d) or EdgeTpu(d, object(), None, "load_delegate"))
    monkeypatch.setattr(runtime, "_OPENED", {})
    first, again, other = runtime.open_edgetpu("usb:0"), runtime.open_edgetpu("usb:0"), runtime.open_edgetpu("usb:1")
    assert first is again and other is not first and loads == ["usb:0", "usb:1"]


def test_pipeline_auto_falls_back_and_says_where_each_model_runs(tmp_path, caplog):
    int8 = tmp_path / "east_int8.tflite"
    shutil.copy(FIXTURES / "east_known_box_int8.tflite", int8)
    shutil.copy(int8, edgetpu_path(int8))
    caplog.set_level("INFO")
    pipeline = OcrPipeline.from_config(fixture_config(edgetpu="auto", **{"detector.int8_models": [str(int8)]}))
    assert "detector east_known_box.tflite (64x64) on CPU [no Edge TPU" in caplog.text
    assert pipeline.run(known_image()).words


def test_on_the_edge_tpu_a_coarse_only_model_runs_compiled_or_not_at_all(tmp_path, caplog):
    """A coarse model on the CPU beside a detector on the TPU would cost more than the TPU's larger model."""
    coarse = tmp_path / "east_int8_320x256.tflite"
    shutil.copy(FIXTURES / "east_known_box_int8.tflite", coarse)
    config = fixture_config(**{"detector.int8_coarse_models": [str(coarse)]})
    tpu = runtime.Accelerator("edgetpu", [], None, "Edge TPU")
    assert pipeline_module._coarse_models(config, tpu, logging.getLogger("t")) == []
    assert "east_int8_320x256_edgetpu.tflite does not exist" in caplog.text and "compile east_int8_320x256.tflite" in caplog.text
    shutil.copy(coarse, edgetpu_path(coarse))
    assert pipeline_module._coarse_models(config, tpu, logging.getLogger("t")) == [edgetpu_path(coarse)]


def test_the_runtime_can_be_named(monkeypatch):
    """A libedgetpu built for one tflite_runtime needs that runtime: $EDGE_OCR_TFLITE_RUNTIME names it."""
    monkeypatch.setenv("EDGE_OCR_TFLITE_RUNTIME", "ai_edge_litert")
    assert runtime.litert_module().__name__.startswith("ai_edge_litert")
    monkeypatch.setenv("EDGE_OCR_TFLITE_RUNTIME", "tflite_runtime")
    with pytest.raises(ModelError, match=r"no TFLite runtime found \(tflite_runtime.interpreter\)"):
        runtime.litert_module()  # not installed here
    monkeypatch.setenv("EDGE_OCR_TFLITE_RUNTIME", "onnx")
    with pytest.raises(ModelError, match="is not one of ai_edge_litert, tflite_runtime, tensorflow"):
        runtime.litert_module()
