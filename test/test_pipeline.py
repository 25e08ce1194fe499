"""The whole engine on real LiteRT interpreters running the fixture models, and its error paths."""

import dataclasses

import numpy as np
import pytest
from helpers import FIXTURES, KNOWN_BOX, KNOWN_TEXT, fixture_config, known_image

from edge_ocr_ros.config import MEAN_RGB, OcrConfig
from edge_ocr_ros.detection.east import DetectorSettings, EastDetector
from edge_ocr_ros.errors import ConfigError, InputImageError, ModelError
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.recognition.charset import Charset
from edge_ocr_ros.recognition.crnn import CrnnRecognizer, RecognizerSettings, batch_slices
from edge_ocr_ros.runtime.interpreter import InterpreterFactory


@pytest.mark.parametrize("east, crnn", [
    ("east_known_box.tflite", "crnn_stripes.tflite"),  # float, project layout (3 outputs, shuffled order)
    ("east_known_box_public_layout.tflite", "crnn_stripes.tflite"),  # float, public EAST layout
    ("east_known_box_int8.tflite", "crnn_stripes_int8.tflite"),  # uint8 I/O, quantized
])
def test_known_box_and_text_end_to_end(east, crnn):
    pipeline = OcrPipeline.from_config(fixture_config(east, crnn))
    result = pipeline.run(known_image())
    assert [w.text for w in result.words] == [KNOWN_TEXT]
    np.testing.assert_allclose(result.words[0].points, KNOWN_BOX, atol=0.5)
    assert result.words[0].box == (16, 12, 24, 16)
    assert (result.width, result.height) == (64, 64)
    assert set(result.timing_ms) == {"preprocess", "detect", "decode_nms", "crop", "recognize", "ctc", "lines", "total"}


def test_boxes_map_back_to_the_source_size_and_padding_grows_them():
    pipeline = OcrPipeline.from_config(fixture_config(**{"detector.padding": 0.25, "detector.keep_aspect": False}))
    big = np.kron(known_image(), np.ones((2, 3, 1), np.uint8))  # 128 x 192, stretched to the model's 64 x 64
    words = pipeline.run(big).words
    centre = np.array([28 * 3, 20 * 2], np.float32)
    expected = centre + (KNOWN_BOX - [28, 20]) * [3, 2] * 1.5
    np.testing.assert_allclose(words[0].points, expected, atol=1.0)


def test_keep_aspect_fits_inside_the_configured_size_and_never_upscales():
    pipeline = OcrPipeline.from_config(fixture_config(**{"detector.width": 128, "detector.height": 96, "detector.keep_aspect": True}))
    det = pipeline.detector
    assert det.input_size(1280, 720) == (128, 64)  # scale 0.1: 128 x 72, rounded to multiples of 32
    assert det.input_size(640, 480) == (128, 96)
    assert det.input_size(64, 64) == (64, 64)  # never upscaled
    big = np.kron(known_image(), np.ones((2, 2, 1), np.uint8))  # 128 x 128 runs at 96 x 96
    words = pipeline.run(big).words
    assert det.size == (96, 96) and [w.text for w in words] == [KNOWN_TEXT]
    # the fixture's 24 x 16 px box (input pixels) scaled by 128 / 96, around the white block (centre 60, 44)
    quad = words[0].points
    np.testing.assert_allclose(quad.mean(axis=0), [60, 44], atol=8)  # EAST cells stand for their top-left pixel
    np.testing.assert_allclose(quad.max(axis=0) - quad.min(axis=0), [24 * 4 / 3, 16 * 4 / 3], atol=0.5)
    assert pipeline.run(known_image()).words and det.size == (64, 64)


def test_interpreters_and_buffers_are_reused():
    pipeline = OcrPipeline.from_config(fixture_config())
    interp = pipeline.detector.interpreter
    for _ in range(3):
        pipeline.run(known_image())
    assert pipeline.detector.interpreter is interp
    factory = pipeline.recognizer.factory
    assert factory._by_shape == {}  # one word per frame runs on the model's own batch-1 interpreter
    crops = np.stack([np.array([[0, 0], [32, 0], [32, 32], [0, 32]], np.float32)] * 3)
    for _ in range(3):
        pipeline.recognizer.recognize(known_image(), crops, {})
    assert list(factory._by_shape) == [(2, 32, 128, 1)]  # 3 words: 2 + 1 (batch 1 is the base), created once


@pytest.mark.parametrize("n, sizes", [(0, []), (1, [1]), (3, [2, 1]), (13, [8, 4, 1]), (64, [64]), (130, [64, 64, 2])])
def test_batches_run_in_power_of_two_slices_without_padding(n, sizes):
    runs = batch_slices(n)
    assert [r.stop - r.start for r in runs] == sizes
    assert [i for r in runs for i in range(r.start, r.stop)] == list(range(n))  # every crop once, in order


def test_batched_recognition_matches_one_by_one():
    cfg = fixture_config()
    factory = InterpreterFactory(cfg.path("recognizer.model"), 1)
    rec = CrnnRecognizer(factory, Charset.load(cfg.path("recognizer.charset")), RecognizerSettings.from_config(cfg))
    rng = np.random.default_rng(0)
    image = (rng.choice([20, 128, 250], size=(1, 96)) * np.ones((32, 1))).astype(np.uint8)
    quads = [np.array([[x, 0], [x + 32, 0], [x + 32, 32], [x, 32]], np.float32) for x in range(0, 64, 5)]  # 13: 8 + 4 + 1
    together = rec.recognize(image, np.stack(quads), {})
    alone = [rec.recognize(image, q[None], {}).texts[0] for q in quads]
    assert together.texts == alone and len(together.confidences) == len(quads)


def test_recognize_only_reads_the_whole_image():
    pipeline = OcrPipeline.from_config(fixture_config())
    crop = np.full((32, 128, 3), 20, np.uint8)
    crop[:, 8:16] = 250
    crop[:, 40:48] = 128
    crop[:, 64:68] = 250
    result = pipeline.recognize_crop(crop)
    assert result.words[0].text == "aba"
    assert result.words[0].points.tolist() == [[0, 0], [127, 0], [127, 31], [0, 31]]


def test_thresholds_change_without_reload():
    pipeline = OcrPipeline.from_config(fixture_config())
    pipeline.update(pipeline.config.replace(detector__score_threshold=1.0))
    assert pipeline.run(known_image()).words == []
    with pytest.raises(ConfigError, match="needs a model reload"):
        pipeline.update(pipeline.config.replace(detector__width=128))


@pytest.mark.parametrize("image, message", [
    (np.zeros((0, 10, 3), np.uint8), "empty"),
    (np.zeros((10, 10, 3), np.float32), "8-bit"),
    (np.zeros((10, 10, 4), np.uint8), "H x W x 3"),
    ("not an image", "numpy array"),
    (np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), (20000, 20000, 3), (0, 0, 0)), "too large"),
])
def test_bad_images_are_clear_errors(image, message):
    pipeline = OcrPipeline.from_config(fixture_config())
    with pytest.raises(InputImageError, match=message):
        pipeline.run(image)
    assert pipeline.run(known_image()).words  # and the pipeline keeps working


def test_grayscale_input_is_accepted():
    assert OcrPipeline.from_config(fixture_config()).run(known_image()[..., 0]).words


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        OcrPipeline.from_config(fixture_config(**{"detector.model": str(tmp_path / "none.tflite")}))


def test_malformed_model_file(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"this is not a flatbuffer")
    with pytest.raises(ModelError, match="cannot load model"):
        OcrPipeline.from_config(fixture_config(**{"detector.model": str(bad)}))


def test_charset_that_does_not_match_the_model(tmp_path):
    (tmp_path / "big.txt").write_text("<UNK>\na\nb\nc\n<BLK>\n")
    with pytest.raises(ModelError, match="charset has 5 classes but the recognizer outputs 4"):
        OcrPipeline.from_config(fixture_config(**{"recognizer.charset": str(tmp_path / "big.txt")}))


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match=r"cannot read lexicon .*recognizer\.lexicon"):
        OcrPipeline.from_config(fixture_config(**{"recognizer.lexicon": str(tmp_path / "none.txt")}))


def test_lexicon_in_another_alphabet_is_skipped_with_a_warning(tmp_path, caplog):
    (tmp_path / "words.txt").write_text("exit\nstreet\n")
    pipeline = OcrPipeline.from_config(fixture_config(**{"recognizer.lexicon": str(tmp_path / "words.txt")}))
    assert pipeline.recognizer.lexicon is None
    assert "no word written in the recognizer's charset" in caplog.text
    assert OcrPipeline.from_config(fixture_config(**{"recognizer.lexicon": ""})).recognizer.lexicon is None


def test_recognizer_channels_must_match_config():
    with pytest.raises(ModelError, match=r"recognizer\.grayscale"):
        OcrPipeline.from_config(fixture_config(**{"recognizer.grayscale": False}))


def test_a_recognizer_is_not_a_detector():
    with pytest.raises(ModelError, match=r"EAST model input must be 1 x H x W x 3"):
        EastDetector([InterpreterFactory(FIXTURES / "crnn_stripes.tflite", 1)], DetectorSettings.from_config(OcrConfig()))


def test_detector_normalisation_writes_the_model_input_exactly():
    """Mean (given in RGB order), std and channel order from config reach the input tensor as specified."""
    cfg = fixture_config(**{"detector.channel_order": "rgb", "detector.mean": [10.0, 20.0, 30.0], "detector.std": [2.0, 4.0, 5.0]})
    detector = OcrPipeline.from_config(cfg).detector
    image = np.zeros((64, 64, 3), np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 50, 100, 200  # B, G, R
    detector.preprocess(image)
    tensor = detector.interpreter.get_tensor(detector.input.index)[0]
    np.testing.assert_allclose(tensor[0, 0], [(200 - 10) / 2, (100 - 20) / 4, (50 - 30) / 5])  # R, G, B


def test_quantized_detector_input_uses_the_model_scale():
    pipeline = OcrPipeline.from_config(fixture_config("east_known_box_int8.tflite", "crnn_stripes_int8.tflite"))
    det = pipeline.detector
    image = np.full((64, 64, 3), 200, np.uint8)
    det.preprocess(image)
    q = det.interpreter.get_tensor(det.input.index)[0, 0, 0]
    mean_bgr = np.array(MEAN_RGB[::-1])
    expected = np.clip(np.rint((200 - mean_bgr) / det.input.scale + det.input.zero_point), 0, 255)
    np.testing.assert_array_equal(q, expected)


def test_the_pipeline_runs_any_stages_it_is_given():
    """OcrPipeline(detector, recognizer) only runs its stages: words below the recognizer's confidence
    floor and empty readings are dropped, boxes are clipped to the image, and a box read as two words
    gives each its part of the box."""
    from types import SimpleNamespace

    from edge_ocr_ros.recognition.crnn import Readings
    from edge_ocr_ros.results import Detections

    quads = np.array([[[5, 5], [40, 5], [40, 20], [5, 20]], [[50, 5], [90, 5], [90, 20], [50, 20]],
                      [[-3, 30], [30, 30], [30, 45], [-3, 45]], [[60, 30], [99, 30], [99, 47], [60, 47]]], np.float32)
    detector = SimpleNamespace(detect=lambda image, timings: Detections(quads, np.array([0.9, 0.8, 0.7, 0.6], np.float32)))
    recognizer = SimpleNamespace(settings=SimpleNamespace(min_text_confidence=0.5),
                                 orient=lambda image, q, timings: q,
                                 recognize=lambda image, q, timings: Readings(
                                     np.array([0, 1, 2, 3, 3]), ["exit", "faint", "", "room", "204"],
                                     np.array([0.9, 0.2, 0.9, 0.6, 0.7]),
                                     np.array([[0, 1], [0, 1], [0, 1], [0, 0.5], [0.5, 1]], np.float32)))
    result = OcrPipeline(detector, recognizer).run(np.zeros((48, 96, 3), np.uint8))
    assert [w.text for w in result.words] == ["exit", "room", "204"]
    assert [w.det_confidence for w in result.words] == pytest.approx([0.9, 0.6, 0.6])
    assert result.words[1].points[:, 0].tolist() == pytest.approx([60, 79.5, 79.5, 60])  # the left half of box 3
    assert result.words[2].box == (79, 30, 16, 17)  # the right half, x1 clipped to the last column (95)
    assert (result.width, result.height) == (96, 48) and "total" in result.timing_ms


def test_the_readme_python_example_reads_a_sample_sign():
    import cv2
    from helpers import REPO

    from edge_ocr_ros import OcrConfig as PublicConfig
    from edge_ocr_ros import OcrPipeline as PublicPipeline

    image_bgr = cv2.imread(str(sorted((REPO / "samples" / "signs").glob("*.jpg"))[0]))
    result = PublicPipeline.from_config(PublicConfig.from_yaml(REPO / "config" / "edge_ocr.yaml")).run(image_bgr)
    assert result.words and all(w.text for w in result.words)


def test_the_open_24_hours_sample_sign_reads_as_one_block_in_order():
    import cv2
    from helpers import REPO

    result = OcrPipeline.from_config(OcrConfig()).run(cv2.imread(str(REPO / "samples" / "signs" / "open.jpg")))
    assert [(line.text.lower(), line.block) for line in result.lines] == [("open", 0), ("24 hours", 0)]
    assert result.to_json("open.jpg")["lines"][1]["words"] == result.lines[1].word_indices


def test_int8_word_confidences_are_not_biased_against_float16():
    """Confidences decide which boxes are kept (recognizer.min_text_confidence), so both precisions must
    give the same ones: reading the int8 softmax's saturated top code as 255/256 made every int8 word
    about 0.004 less confident."""
    import json

    from helpers import REPO

    from edge_ocr_ros.tools.sources import read_image

    confidences = {}
    for precision in ("float16", "int8"):
        recognizer = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "precision": precision})).recognizer
        found = []
        for path in sorted((REPO / "samples" / "signs").glob("*.jpg")):
            quads = np.array([e["points"] for e in json.loads(path.with_suffix(".gt.json").read_text())], np.float32)
            found += list(recognizer.decode(recognizer.probabilities(read_image(path), quads.reshape(-1, 4, 2), {}))[1])
        confidences[precision] = np.array(found)
    assert len(confidences["int8"]) == 13
    assert abs(np.median(confidences["int8"] - confidences["float16"])) < 0.0015


@pytest.mark.parametrize("second_look_from", [0.0, 0.9])
def test_second_look_keeps_the_better_of_the_two_crops_for_unconfident_boxes(second_look_from):
    """Boxes read under min_text_confidence (from second_look_from up) from their margined crop are read
    again from the box alone: the better reading of the two stands; the other boxes keep their first one."""
    import json

    from helpers import REPO

    from edge_ocr_ros.tools.sources import read_image

    recognizer = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "recognizer.split_gap": 0.0,
                                                    "recognizer.second_look_from": second_look_from})).recognizer
    settings = recognizer.settings
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
    offsets = [np.array([0, 0.4], np.float32), np.array([0, -0.3], np.float32), corners * 0.4, corners * -0.15]
    changed = unconfident_seen = confident_seen = below_floor = 0
    for path in sorted((REPO / "samples" / "signs").glob("*.jpg")):
        image = read_image(path)
        words = np.array([e["points"] for e in json.loads(path.with_suffix(".gt.json").read_text())], np.float32)
        words = words.reshape(-1, 4, 2)
        height = (words[:, 3, 1] - words[:, 0, 1])[:, None, None]
        quads = np.concatenate([words] + [words + offset * height for offset in offsets])  # low, high, loose, tight
        both = recognizer.recognize(image, quads, {})
        recognizer.configure(dataclasses.replace(settings, second_look_from=1.0))
        margined = recognizer.recognize(image, quads, {})
        plain = recognizer.recognize(image, quads, {}, margin=0.0)
        recognizer.configure(settings)
        first, second = margined.confidences, plain.confidences
        unconfident = (first >= settings.second_look_from) & (first < settings.min_text_confidence)
        better = unconfident & (second > first)
        np.testing.assert_array_equal(both.boxes, np.arange(len(quads)))
        np.testing.assert_allclose(both.confidences, np.where(better, second, first))
        assert both.texts == [p if b else m for m, p, b in zip(margined.texts, plain.texts, better, strict=True)]
        changed += better.sum()
        unconfident_seen += unconfident.sum()
        confident_seen += (first >= settings.min_text_confidence).sum()
        below_floor += (first < second_look_from).sum()
    assert changed and unconfident_seen > changed and confident_seen  # every branch was exercised
    assert below_floor or not second_look_from


def test_word_crops_are_read_without_the_margin():
    """A word crop is the word already, as in the recognizer's training: no margin is added to it."""
    base = OcrPipeline.from_config(fixture_config())
    wide = OcrPipeline.from_config(fixture_config(**{"recognizer.crop_margin": 0.5}))
    crop = np.full((32, 128, 3), 20, np.uint8)
    crop[4:28, 8:16] = 250
    crop[4:28, 40:48] = 128
    assert wide.recognize_crop(crop).words[0].confidence == base.recognize_crop(crop).words[0].confidence


def _turned_word(text: str, k: int) -> np.ndarray:
    """A word drawn upright on a tight background, then turned a quarter by np.rot90 (k = -1: clockwise,
    letter tops to the right, read top to bottom; 1: counter-clockwise)."""
    import cv2

    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 2, 5)
    word = np.full((h + base + 30, w + 40, 3), 235, np.uint8)
    cv2.putText(word, text, (20, h + 15), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 160), 5, cv2.LINE_AA)
    return np.ascontiguousarray(np.rot90(word, k))


@pytest.mark.parametrize("precision", ["float16", "int8"])
@pytest.mark.parametrize("k", [-1, 1])
def test_a_vertical_word_crop_is_read_turned(precision, k):
    """A crop twice as tall as wide holding a word written downwards or upwards: read as drawn its letters
    are squeezed into nonsense; one of the quarter turns reads it."""
    crop = _turned_word("EXIT", k)
    turned = OcrPipeline.from_config(OcrConfig({"precision": precision})).recognize_crop(crop)
    as_drawn = OcrPipeline.from_config(OcrConfig({"precision": precision, "recognizer.vertical_ratio": 0.0}))
    assert turned.words[0].text == "EXIT" and as_drawn.recognize_crop(crop).words[0].text != "EXIT"
    h, w = crop.shape[:2]
    assert turned.words[0].points.tolist() == [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]  # the crop is the word


def test_a_vertical_word_in_a_frame_is_reported_from_its_own_top_left_corner():
    """The detector draws a word written downwards as a tall upright box; turned, it reads, and its
    corners start at the word's first letter's top-left, the box's top-right corner."""
    crop = _turned_word("EXIT", -1)
    frame = np.full((480, 640, 3), 235, np.uint8)
    frame[150 : 150 + crop.shape[0], 200 : 200 + crop.shape[1]] = crop
    words = OcrPipeline.from_config(OcrConfig()).run(frame).words
    assert [w.text for w in words] == ["EXIT"]
    points = words[0].points
    assert points[0][0] > points[2][0] and points[0][1] < points[2][1]  # first corner right of and above the third
    as_drawn = OcrPipeline.from_config(OcrConfig({"recognizer.vertical_ratio": 0.0})).run(frame).words
    assert "EXIT" not in [w.text for w in as_drawn]


def test_boxes_that_are_not_tall_are_not_read_turned():
    recognizer = OcrPipeline.from_config(fixture_config()).recognizer
    quads = np.array([[[0, 0], [30, 0], [30, 20], [0, 20]], [[0, 0], [20, 0], [20, 29], [0, 29]]], np.float32)
    timings: dict[str, float] = {}
    assert recognizer.orient(known_image(), quads, timings) is quads and timings == {}  # nothing read


def _sign(text: str, scale: float, thickness: int) -> tuple[np.ndarray, int]:
    """A 640 x 480 frame filled by one word, as a robot sees a sign close up, and the word's width."""
    import cv2

    image = np.full((480, 640, 3), 235, np.uint8)
    (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    cv2.putText(image, text, ((640 - w) // 2, (480 + h) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 160), thickness,
                cv2.LINE_AA)
    return image, w


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_a_word_filling_the_frame_is_found_by_the_coarse_pass(precision):
    """Letters 160 px high: the shipped detector alone breaks them up (no box reads), its half-resolution pass
    sees an ordinary word."""
    image, width = _sign("EXIT", 6, 25)
    one_pass = OcrPipeline.from_config(OcrConfig({"precision": precision, "detector.coarse_scale": 0.0})).run(image)
    both = OcrPipeline.from_config(OcrConfig({"precision": precision})).run(image)
    assert [w.text for w in both.words] == ["EXIT"] and "EXIT" not in [w.text for w in one_pass.words]
    assert both.words[0].box[2] > 0.75 * width  # the whole word (EAST's boxes sit inside the strokes' outer edges)


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_a_word_filling_the_frame_height_is_found_by_the_second_coarse_pass(precision):
    """Letters 378 px high on a 480 px frame: the half-resolution pass still breaks them up; the quarter-resolution one reads them."""
    image, _ = _sign("GO", 14, 56)
    one_coarse = OcrPipeline.from_config(OcrConfig({"precision": precision})).run(image)  # the default: one
    both = OcrPipeline.from_config(OcrConfig({"precision": precision, "detector.coarse_passes": 2})).run(image)
    assert [w.text for w in both.words] == ["GO"] and "GO" not in [w.text for w in one_coarse.words]


def test_a_word_both_passes_find_is_reported_once():
    image, _ = _sign("EXIT", 2.5, 8)  # letters about 70 px high: the first pass reads them too
    config = {"detector.coarse_min_size": 0.0}  # every coarse box may join
    one_pass = OcrPipeline.from_config(OcrConfig({**config, "detector.coarse_scale": 0.0})).run(image)
    both = OcrPipeline.from_config(OcrConfig(config)).run(image)
    assert [w.text for w in one_pass.words] == [w.text for w in both.words] == ["EXIT"]


def test_the_coarse_pass_of_static_detectors_takes_the_smallest_model_that_holds_its_frame():
    """A 1280 x 720 frame: the first pass letterboxes it into the 1280 x 736 model, the coarse pass's
    640 x 360 frame fits the 640 x 480 one (a third of the work), not a quarter of the large one."""
    frame = np.full((720, 1280, 3), 200, np.uint8)
    pipeline = OcrPipeline.from_config(OcrConfig({"precision": "int8", "detector.coarse_scale": 0.0}))
    pipeline.run(frame)
    assert pipeline.detector.model.size == (1280, 736)
    pipeline.update(OcrConfig({"precision": "int8"}))  # a runtime setting: no reload
    pipeline.run(frame)
    assert pipeline.detector.model.size == (640, 480)  # the last pass run is the coarse one


def test_a_4_3_frame_takes_the_coarse_only_model_for_its_coarse_pass_and_never_for_its_first():
    """detector.int8_coarse_models: a 640 x 480 frame's 320 x 240 coarse frame runs in the 320 x 256 model
    (a quarter of the 640 x 480 one's work); a 5:4 frame, whose aspect ratio is the 320 x 256 model's, still
    has its first pass in a first-pass model."""
    pipeline = OcrPipeline.from_config(OcrConfig({"precision": "int8"}))
    assert [m.size for m in pipeline.detector.coarse_models] == [(320, 256)]
    pipeline.run(np.full((480, 640, 3), 200, np.uint8))
    assert pipeline.detector.model.size == (320, 256)
    pipeline.update(OcrConfig({"precision": "int8", "detector.coarse_scale": 0.0}))
    pipeline.run(np.full((1024, 1280, 3), 200, np.uint8))
    assert pipeline.detector.model.size == (640, 480)


def test_coarse_only_models_load_only_for_static_detectors_and_missing_ones_are_named(tmp_path):
    assert OcrPipeline.from_config(OcrConfig()).detector.coarse_models == []  # the float model sizes itself
    same = OcrPipeline.from_config(OcrConfig({"precision": "int8", "detector.int8_coarse_models": ["east_int8_640x480.tflite"]}))
    assert same.detector.coarse_models == []  # one of detector.int8_models: not loaded twice
    with pytest.raises(ModelError, match=r"coarse detector model .*gone\.tflite does not exist; set detector\.int8_coarse_models"):
        OcrPipeline.from_config(OcrConfig({"precision": "int8", "detector.int8_coarse_models": [str(tmp_path / "gone.tflite")]}))


def test_the_coarse_pass_keeps_its_half_size_when_frames_are_stretched():
    """With keep_aspect off the first pass stretches every frame to width x height; the coarse pass runs at
    half of that, not stretched back up to it (which would only repeat the first pass)."""
    pipeline = OcrPipeline.from_config(OcrConfig({"detector.keep_aspect": False, "detector.width": 640,
                                                  "detector.height": 480}))
    pipeline.run(np.full((720, 1280, 3), 200, np.uint8))
    assert pipeline.detector.size == (320, 256)  # 320 x 240, rounded to multiples of 32


def _slanted_word_crop(text: str, degrees: float) -> np.ndarray:
    """A word turned by ``degrees`` and cut as its upright bounding box, as word-crop datasets and
    axis-aligned detectors cut slanted words."""
    import cv2

    canvas = np.full((200, 600, 3), 235, np.uint8)
    cv2.putText(canvas, text, (60, 125), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (30, 30, 30), 6, cv2.LINE_AA)
    turned = cv2.warpAffine(canvas, cv2.getRotationMatrix2D((300, 100), degrees, 1.0), (600, 200),
                            borderValue=(235, 235, 235))
    ys, xs = np.nonzero(turned[..., 0] < 128)
    return np.ascontiguousarray(turned[ys.min() - 4 : ys.max() + 5, xs.min() - 4 : xs.max() + 5])


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_a_slanted_word_cut_upright_is_read_along_its_own_box(precision):
    """Cut upright, a word turned 25 degrees is squeezed along its diagonal and misread; the detector,
    run inside the crop, finds its own box, and the reading along it is kept (more confident)."""
    crop = _slanted_word_crop("PLATFORM", 25)
    straightened = OcrPipeline.from_config(OcrConfig({"precision": precision, "recognizer.straighten_angle": 8.0}))
    straightened = straightened.recognize_crop(crop)
    as_cut = OcrPipeline.from_config(OcrConfig({"precision": precision}))  # off by default
    assert straightened.words[0].text == "PLATFORM" and as_cut.recognize_crop(crop).words[0].text != "PLATFORM"
    h, w = crop.shape[:2]
    assert straightened.words[0].points.tolist() == [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]
    assert "straighten" in straightened.timing_ms


def test_a_level_word_crop_keeps_its_own_reading():
    """The detector finds a level word (turned less than straighten_angle) inside its crop: the crop is
    read as it is, with the same confidence as without the search."""
    crop = _slanted_word_crop("PLATFORM", 0)
    searched = OcrPipeline.from_config(OcrConfig({"recognizer.straighten_angle": 8.0})).recognize_crop(crop).words[0]
    plain = OcrPipeline.from_config(OcrConfig()).recognize_crop(crop).words[0]
    assert (searched.text, searched.confidence) == (plain.text, plain.confidence) == ("PLATFORM", plain.confidence)


@pytest.mark.parametrize("shape", [(20, 30), (300, 40), (24, 900), (64, 200)])
def test_a_word_crop_is_searched_in_a_canvas_of_one_size(shape):
    """Any crop, tall, wide or tiny, goes into the same canvas (the detector's input keeps its shape), in
    its middle, at most STRAIGHTEN_HEIGHT high and inside the border; the margins repeat its edges."""
    import cv2

    from edge_ocr_ros.pipeline import STRAIGHTEN_BORDER, STRAIGHTEN_CANVAS, STRAIGHTEN_HEIGHT, framed_crop

    h, w = shape
    crop = np.zeros((h, w, 3), np.uint8)
    crop[:, :, 1] = 200  # a green crop ...
    by, bx = max(1, h // 8), max(1, w // 8)
    centres = np.array([[w // 4, h // 4], [3 * w // 4, 3 * h // 4]], np.float64)
    for x, y in centres.astype(int):  # two inner blocks show where it lands
        crop[y - by : y + by, x - bx : x + bx, 0] = 255
    framed = framed_crop(crop)
    assert framed.shape == (STRAIGHTEN_CANVAS[1], STRAIGHTEN_CANVAS[0], 3)
    assert (framed[..., 1] == 200).all()  # ... repeated into the margins
    count, _, _, found = cv2.connectedComponentsWithStats((framed[..., 0] > 100).astype(np.uint8))
    assert count == 3
    found = found[1:][np.argsort(found[1:, 0])]
    # as high as STRAIGHTEN_HEIGHT, or less where that would leave the border too narrow at the sides
    scale = min(STRAIGHTEN_HEIGHT / h, (STRAIGHTEN_CANVAS[0] - 2 * STRAIGHTEN_BORDER * STRAIGHTEN_HEIGHT) / w)
    expected = (centres + 0.5 - np.array([w, h]) / 2) * scale + np.array(STRAIGHTEN_CANVAS) / 2 - 0.5
    np.testing.assert_allclose(found, expected, atol=2.5)
    np.testing.assert_allclose(found.mean(axis=0), np.array(STRAIGHTEN_CANVAS) / 2, atol=3)
