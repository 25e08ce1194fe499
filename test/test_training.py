"""Training tools: target/decoder agreement, and a tiny end-to-end smoke run (data, train, export, LiteRT)."""

import csv
import json
import math
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.detection.east import DetectorSettings, EastDetector
from edge_ocr_ros.detection.rbox import decode_rbox
from edge_ocr_ros.geometry import order_quad
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.runtime.inspection import inspect_model
from edge_ocr_ros.runtime.interpreter import InterpreterFactory
from edge_ocr_train.east_targets import east_targets


@pytest.mark.parametrize("angle_deg", [0.0, 12.0, -30.0])
def test_targets_decode_back_to_the_box(angle_deg):
    """The RBOX targets a model learns decode, with the runtime decoder, to the ground-truth box."""
    quad = order_quad(cv2.boxPoints(((100.0, 80.0), (120.0, 30.0), angle_deg)))
    score, dist, cos_sin, mask = east_targets(quad[None], np.array([True]), 192, 256)
    assert score.sum() > 10 and mask.min() == 1.0
    angle = np.arctan2(cos_sin[..., 1], cos_sin[..., 0])
    quads, _, _ = decode_rbox(score[..., 0], dist, angle, 0.5)
    np.testing.assert_allclose(quads, np.broadcast_to(quad, quads.shape), atol=1e-3)
    assert math.isclose(float(np.abs(angle[score[..., 0] > 0]).max()), math.radians(abs(angle_deg)), abs_tol=1e-5)


def test_dont_care_words_are_masked_not_negative():
    quad = np.array([[[10, 10], [90, 10], [90, 40], [10, 40]]], np.float32)
    score, _, _, mask = east_targets(quad, np.array([False]), 64, 128)
    assert score.sum() == 0 and mask[5, 10, 0] == 0 and mask[15, 30, 0] == 1


def test_smoke_train_export_and_run(tmp_path, monkeypatch):
    pytest.importorskip("tensorflow")
    from edge_ocr_train import export, synth_scenes, synth_words, train_crnn, train_east

    words, scenes, models = tmp_path / "words", tmp_path / "scenes", tmp_path / "models"
    synth_words.main(["--out", str(words), "--count", "64", "--workers", "1"])
    synth_scenes.main(["--out", str(scenes), "--count", "4", "--workers", "1"])
    assert len(list(scenes.glob("*.gt.json"))) == 4
    train_crnn.main(["--synth", str(words), "--steps", "3", "--batch", "8", "--eval-every", "3", "--threads", "1",
                     "--work-dir", str(tmp_path / "crnn"), "--weights-out", str(models / "crnn.weights.h5")])
    train_east.main(["--synth", str(scenes), "--steps", "2", "--batch", "2", "--crop", "64", "--eval-every", "2",
                     "--threads", "1", "--work-dir", str(tmp_path / "east"), "--weights-out", str(models / "east.weights.h5")])
    assert (tmp_path / "crnn" / "crnn_training.png").is_file() and (tmp_path / "east" / "east_log.csv").is_file()
    # resume continues from the checkpoint instead of starting over
    train_crnn.main(["--synth", str(words), "--steps", "4", "--batch", "8", "--eval-every", "4", "--threads", "1",
                     "--work-dir", str(tmp_path / "crnn"), "--weights-out", str(models / "crnn.weights.h5"), "--resume"])
    assert (tmp_path / "crnn" / "crnn_log.csv").read_text().splitlines()[-1].startswith("4,")
    # quantization-aware fine-tuning starts from the float weights and writes its own layout for the int8 export
    train_east.main(["--synth", str(scenes), "--steps", "2", "--batch", "2", "--crop", "64", "--eval-every", "2",
                     "--threads", "1", "--quantization-aware", "--init-weights", str(models / "east.weights.h5"),
                     "--work-dir", str(tmp_path / "east_qat"), "--weights-out", str(models / "east_qat.weights.h5")])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    export.main(["--crnn-weights", str(models / "crnn.weights.h5"), "--east-weights", str(models / "east.weights.h5"),
                 "--east-qat-weights", str(models / "east_qat.weights.h5"),
                 "--calib-words", str(words), "--calib-scenes", str(scenes), "--samples", "4", "--out", str(models),
                 "--int8-east-size", "128x96", "--int8-east-size", "96x96"])
    assert not list(scratch.glob("edge_ocr_export_*"))  # the temporary SavedModels are removed
    for name in ("east_int8_128x96", "east_int8_96x96", "crnn_int8"):
        report = inspect_model(models / f"{name}.tflite")
        assert report.unsupported == [] and not report.dynamic and report.quantized_io
    assert inspect_model(models / "east_int8_128x96.tflite").tensors[0]["shape"] == [1, 96, 128, 3]
    image = cv2.imread(str(sorted(scenes.glob("*.jpg"))[0]))
    # the int8 detector outputs the distances' logits; the engine turns them into the float model's pixels
    settings = DetectorSettings.from_config(OcrConfig({"detector.width": 128, "detector.height": 96}))
    maps = {}
    for name in ("east_fp16", "east_int8_128x96"):
        detector = EastDetector([InterpreterFactory(models / f"{name}.tflite", 1)], settings)
        detector.preprocess(cv2.resize(image, (384, 288)))
        maps[name] = detector.infer()
    assert detector.model.outputs.distance_logits
    float_distances, int8_distances = maps["east_fp16"][1], maps["east_int8_128x96"][1]
    assert float_distances.shape == int8_distances.shape == (24, 32, 4)
    # within 15 % at the median: the smoke-trained detector's int8 rounding error varies between runs (3-6 %
    # seen), while a decoding mistake (no sigmoid, wrong scale) would be off by 100 % or more
    assert np.median(np.abs(int8_distances / float_distances - 1)) < 0.15
    for precision in ("float16", "int8"):
        cfg = OcrConfig({"detector.model": str(models / "east_fp16.tflite"), "recognizer.model": str(models / "crnn_fp16.tflite"),
                         "detector.int8_models": [str(models / "east_int8_128x96.tflite"), str(models / "east_int8_96x96.tflite")],
                         "recognizer.int8_model": str(models / "crnn_int8.tflite"), "precision": precision,
                         "recognizer.charset": str(models / "charset.txt"), "detector.width": 128, "detector.height": 96,
                         "edgetpu": "off"})
        pipeline = OcrPipeline.from_config(cfg)
        result = pipeline.run(image)
        assert result.width == 384 and "detect" in result.timing_ms
        assert pipeline.detector.dynamic_size == (precision == "float16")
    assert pipeline.detector.model.size == (96, 96)  # the square scene takes the square model


def test_a_crnn_for_another_alphabet_starts_from_the_old_one_and_says_its_alphabet(tmp_path):
    """--transfer-from: upper-case letters start as their lower-case ones (sharing the probability), so
    the new network reads what the old one read, whatever the case; the alphabet goes beside the weights."""
    pytest.importorskip("tensorflow")
    from edge_ocr_train.crnn_model import build_crnn, charset_path, transfer_classes
    from edge_ocr_train.train_crnn import CHARSETS

    lower, signs = CHARSETS["lower"], CHARSETS["signs"]
    old = build_crnn(lower.num_classes, filters=(4, 4, 4, 4, 4, 4, 8))
    new = build_crnn(signs.num_classes, filters=(4, 4, 4, 4, 4, 4, 8))
    transfer_classes(old, lower.tokens, new, signs.tokens)
    x = np.random.default_rng(0).random((3, 32, 128, 1)).astype(np.float32)
    p_old = tf_softmax(old(x, training=False))
    p_new = tf_softmax(new(x, training=False))
    for token in "ab0":
        folded = p_new[..., signs.tokens.index(token)] + (p_new[..., signs.tokens.index(token.upper())] if token.isalpha() else 0)
        np.testing.assert_allclose(folded, p_old[..., lower.tokens.index(token)], rtol=0.05, atol=1e-4)
    assert charset_path(Path("models/crnn.weights.h5")) == Path("models/crnn.charset.txt")


def tf_softmax(logits) -> np.ndarray:
    z = np.asarray(logits, np.float64)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def test_labels_follow_the_alphabet():
    from edge_ocr_train.train_crnn import CHARSETS
    from edge_ocr_train.words import label_for

    assert label_for("Room B-204", CHARSETS["signs"]) == "RoomB-204"
    assert label_for("$4.99", CHARSETS["lower"]) == "499"
    assert label_for("EXIT!", CHARSETS["lower"]) == "exit"
    assert label_for("Café", CHARSETS["signs"]) == ""  # a letter it cannot write: the sample is skipped


@pytest.mark.parametrize(("substeps", "width"), [(1, 128), (2, 192)])
def test_a_crnn_of_other_widths_trains_and_exports(tmp_path, substeps, width):
    """train_crnn --filters/--substeps and export --crnn-filters/--crnn-substeps build the same network,
    so a wider (or narrower, or finer-stepped) recognizer goes through the same export and engine as the shipped one;
    export --crnn-width runs the same weights on a wider input (more time steps)."""
    pytest.importorskip("tensorflow")
    from edge_ocr_train import export, synth_words, train_crnn

    words, models = tmp_path / "words", tmp_path / "models"
    synth_words.main(["--out", str(words), "--count", "32", "--workers", "1"])
    filters = ["4", "4", "6", "6", "8", "8", "12"]
    train_crnn.main(["--synth", str(words), "--steps", "2", "--batch", "4", "--eval-every", "2", "--threads", "1",
                     "--filters", *filters, "--substeps", str(substeps),
                     "--work-dir", str(tmp_path / "crnn"), "--weights-out", str(models / "crnn.weights.h5")])
    export.main(["--crnn-weights", str(models / "crnn.weights.h5"), "--crnn-filters", *filters, "--crnn-width", str(width),
                 "--crnn-substeps", str(substeps), "--calib-words", str(words), "--samples", "4", "--out", str(models)])
    report = inspect_model(models / "crnn_int8.tflite")
    assert report.unsupported == [] and not report.dynamic and report.quantized_io
    info = json.loads((models / "model_info.json").read_text())["crnn"]
    assert info["parameters"] < 20000 and f"1x32x{width}x1" in info["macs"]  # the narrow network, at its width
    for precision in ("float16", "int8"):  # the engine takes the steps from the model
        pipeline = OcrPipeline.from_config(OcrConfig({
            "recognizer.model": str(models / "crnn_fp16.tflite"), "recognizer.int8_model": str(models / "crnn_int8.tflite"),
            "recognizer.charset": str(models / "charset.txt"), "precision": precision, "edgetpu": "off"}))
        crop = np.full((30, 90, 3), 200, np.uint8)
        quad = np.array([[[0, 0], [90, 0], [90, 30], [0, 30]]], np.float32)
        probs = pipeline.recognizer.probabilities(crop, quad, {})
        assert pipeline.recognize_crop(crop).words
        assert probs.shape == (1, width // 4 * substeps, pipeline.recognizer.charset.num_classes)


def test_a_crnn_split_into_two_steps_per_column_starts_reading_as_the_trained_one():
    pytest.importorskip("tensorflow")
    from edge_ocr_ros.recognition.ctc import decode, softmax
    from edge_ocr_train.crnn_model import build_crnn, split_steps_into

    trained, split = build_crnn(12, filters=(4, 4, 6, 6, 8, 8, 12)), build_crnn(12, filters=(4, 4, 6, 6, 8, 8, 12), substeps=2)
    rng = np.random.default_rng(0)
    trained.get_layer("classes").set_weights([rng.normal(0, 3, (1, 1, 12, 12)).astype(np.float32),
                                              rng.normal(0, 1, 12).astype(np.float32)])  # readings with repeats
    split_steps_into(trained, split)
    x = rng.random((16, 32, 128, 1)).astype(np.float32)
    one, two = softmax(np.asarray(trained(x))), softmax(np.asarray(split(x)))
    assert two.shape == (16, 64, 12)
    np.testing.assert_allclose(two[:, ::2], one, atol=1e-5)
    np.testing.assert_allclose(two[:, 1::2], one, atol=1e-5)
    assert decode(two, 11)[0] == decode(one, 11)[0]


def test_widened_crnn_starts_as_the_narrow_one():
    pytest.importorskip("tensorflow")
    from edge_ocr_train.crnn_model import build_crnn, widen_into

    small = build_crnn(5, filters=(4, 4, 4, 4, 4, 4, 8))
    wide = build_crnn(5, filters=(4, 4, 6, 6, 8, 8, 12))
    x = np.random.default_rng(0).random((2, 32, 128, 1)).astype(np.float32)
    widen_into(small, wide)
    np.testing.assert_allclose(wide(x, training=False), small(x, training=False), atol=1e-5)


def test_crnn_fine_tunes_on_real_crops_and_keeps_its_best_weights(tmp_path):
    pytest.importorskip("tensorflow")
    from edge_ocr_train import train_crnn

    real = tmp_path / "real"
    real.mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):  # crops of any size, like a user's labels.tsv folder
        img = rng.integers(0, 255, size=(int(rng.integers(12, 40)), int(rng.integers(20, 90))), dtype=np.uint8)
        cv2.imwrite(str(real / f"w{i}.png"), img)
        rows.append(f"w{i}.png\t{'ab'[i % 2]}{i}")
    (real / "labels.tsv").write_text("\n".join(rows) + "\n")
    weights = tmp_path / "crnn.weights.h5"
    train_crnn.main(["--real", str(real), "--steps", "4", "--batch", "4", "--eval-every", "2", "--threads", "1",
                     "--rotate", "0.5", "--select-best", "--work-dir", str(tmp_path / "work"), "--weights-out", str(weights)])
    log = (tmp_path / "work" / "crnn_log.csv").read_text().splitlines()
    assert log[0].split(",")[:2] == ["step", "loss"] and len(log) == 3 and weights.is_file()


def test_the_quantization_aware_form_computes_the_float_network_and_rounds_it():
    """Batch norms folded into the convolutions give the same function; the rounding then moves it a little."""
    pytest.importorskip("tensorflow")
    import keras

    from edge_ocr_train.east_model import build_east, fold_batch_norms, for_export

    keras.utils.set_random_seed(4)
    trained = build_east()
    rng = np.random.default_rng(4)
    for layer in trained.layers:
        if isinstance(layer, keras.layers.BatchNormalization):  # statistics as after training, not the identity
            channels = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, channels), rng.normal(0, 0.2, channels),
                               rng.normal(0, 0.3, channels), rng.uniform(0.5, 2.0, channels)])
    image = rng.normal(0.0, 50.0, (2, 64, 96, 3)).astype(np.float32)
    quantized = build_east(64, 96, quantized=True)
    fold_batch_norms(trained, quantized)
    quantized(image, training=True)  # learns its rounding ranges from this batch
    rounded = [np.asarray(t) for t in quantized(image)]
    exact = [np.asarray(t) for t in for_export(quantized)(image)]
    for reference, folded, approx in zip((np.asarray(t) for t in trained(image)), exact, rounded, strict=True):
        scale = np.abs(reference).max()
        assert np.abs(folded - reference).max() < 1e-4 * scale
        assert 0 < np.abs(approx - reference).mean() < 0.05 * scale


def test_the_generators_warn_when_the_training_fonts_are_missing(monkeypatch, caplog):
    """DejaVu alone makes far less varied data than the shipped models saw: the generators say so."""
    from edge_ocr_train import generator_cli

    monkeypatch.setattr(generator_cli, "find_fonts", lambda: ("DejaVuSans.ttf",) * 19)
    monkeypatch.setattr(generator_cli, "photo_paths", lambda: ())
    with caplog.at_level("INFO", logger=generator_cli.LOG.name):
        generator_cli.report_sources()
    assert [r.levelname for r in caplog.records] == ["INFO", "WARNING"]
    assert "make training-fonts" in caplog.records[1].getMessage()
    caplog.clear()
    monkeypatch.setattr(generator_cli, "find_fonts", lambda: ("font.ttf",) * 225)
    monkeypatch.setattr(generator_cli, "photo_paths", lambda: ("photo.jpg",) * 261)
    with caplog.at_level("INFO", logger=generator_cli.LOG.name):
        generator_cli.report_sources()
    assert [r.levelname for r in caplog.records] == ["INFO"]


def test_the_real_hold_out_is_the_shipped_runs_whatever_the_synthetic_data():
    """Fine-tunes start from the shipped weights: their real validation crops must be the ones its run held
    out (drawn after its 120,000 synthetic crops), not a set that changes with the synthetic count."""
    from edge_ocr_train.train_crnn import SHIPPED_SYNTH_COUNT, holdout_splits, split

    rng = np.random.default_rng(1)
    split(SHIPPED_SYNTH_COUNT, 1000, rng)  # the shipped run: synthetic hold-out first, from the same generator
    shipped_train, shipped_val = split(11694, 300, rng)
    for n_synth in (0, 5000, SHIPPED_SYNTH_COUNT, 200_000):
        _, _, (train, val) = holdout_splits(n_synth, 11694, 1)
        np.testing.assert_array_equal(val, shipped_val)
        np.testing.assert_array_equal(train, shipped_train)
    assert not np.array_equal(holdout_splits(0, 11694, 2)[2][1], shipped_val)  # the seed still chooses


@pytest.mark.parametrize("degrees", [25.0, -15.0])
def test_a_rotated_crop_keeps_the_whole_word_slanted_in_an_upright_box(degrees):
    from edge_ocr_train.word_augment import rotated_in_box

    crop = np.zeros((20, 80), np.uint8)
    crop[6:14, 4:76] = 255  # a bright "word" bar with margins all round
    turned = rotated_in_box(crop, degrees)
    c, s = abs(math.cos(math.radians(degrees))), abs(math.sin(math.radians(degrees)))
    assert turned.shape == (math.ceil(80 * s + 20 * c), math.ceil(80 * c + 20 * s))
    bright = np.argwhere(turned > 127)[:, ::-1].astype(np.float32)
    assert abs(len(bright) - 8 * 72) < 0.1 * 8 * 72  # nothing of the word cut off
    _, axes = np.linalg.eigh(np.cov(bright.T))
    x, y = axes[:, -1]  # the word's long axis
    slant = math.degrees(math.atan2(-y, x))  # image y points down; counter-clockwise is positive, as in OpenCV
    assert abs((slant - degrees + 90.0) % 180.0 - 90.0) < 2.0


def test_scene_words_are_cut_as_upright_boxes_and_only_ever_train(tmp_path):
    from edge_ocr_train.real_data import read_scene_words

    scene = np.full((100, 200), 128, np.uint8)
    cv2.imwrite(str(tmp_path / "s1.jpg"), scene)
    gt = [{"points": [[10, 20], [90, 30], [88, 50], [8, 40]], "text": "EXIT"},  # slanted: its upright box
          {"points": [[100, 60], [150, 60], [150, 63], [100, 63]], "text": "tiny"},  # 3 px high: skipped
          {"points": [[120, 70], [180, 70], [180, 90], [120, 90]], "text": None}]  # don't care: skipped
    (tmp_path / "s1.gt.json").write_text(json.dumps(gt))
    cv2.imwrite(str(tmp_path / "other.jpg"), scene)
    (tmp_path / "other.gt.json").write_text(json.dumps(gt[:1]))
    images, labels = read_scene_words(tmp_path, "s*")
    assert labels == ["EXIT"] and images[0].shape == (30, 82)

    pytest.importorskip("tensorflow")
    from edge_ocr_train.train_crnn import CHARSETS, with_scene_words

    crops = ([np.zeros((10, 30), np.uint8)], ["ab"])
    more, texts = with_scene_words(crops, [tmp_path], "*", CHARSETS["signs"])
    assert texts == ["ab", "EXIT", "EXIT"] and len(more) == 3
    assert with_scene_words(None, [tmp_path], "other*", CHARSETS["lower"])[1] == ["exit"]


def test_scene_words_folder_holds_the_crops_training_would_cut_in_colour(tmp_path):
    """scripts/scene_words.py writes the same upright boxes as a words folder that `edge-ocr eval` scores."""
    from test_docs import load_script

    from edge_ocr_ros.tools.dataset_eval import is_words_folder
    from edge_ocr_train.real_data import read_scene_words

    rng = np.random.default_rng(0)
    cv2.imwrite(str(tmp_path / "s1.png"), rng.integers(0, 256, size=(100, 200, 3), dtype=np.uint8))
    gt = [{"points": [[120, 70], [180, 70], [180, 90], [120, 90]], "text": None},  # don't care: skipped
          {"points": [[10, 20], [90, 30], [88, 50], [8, 40]], "text": "EXIT"}]
    (tmp_path / "s1.gt.json").write_text(json.dumps(gt))
    out = tmp_path / "words"
    load_script("scene_words").main(["--scenes", str(tmp_path), "--glob", "s*", "--out", str(out)])
    assert is_words_folder(out) and (out / "labels.tsv").read_text() == "s1_1.png\tEXIT\n"
    crop = cv2.imread(str(out / "s1_1.png"), cv2.IMREAD_UNCHANGED)
    assert crop.shape == (30, 82, 3)
    gray = read_scene_words(tmp_path, "s*")[0][0]  # imread's own grayscale rounds differently by up to 1
    np.testing.assert_allclose(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), gray, atol=1)
    with pytest.raises(SystemExit):
        load_script("scene_words").main(["--scenes", str(tmp_path), "--glob", "none*", "--out", str(out)])


def test_the_held_out_words_folder_holds_the_crops_training_validates_on(tmp_path):
    pytest.importorskip("tensorflow")
    from test_docs import load_script

    from edge_ocr_train.real_data import read_word_folder
    from edge_ocr_train.train_crnn import CHARSETS, keep_writable, real_holdout

    real = tmp_path / "real"
    real.mkdir()
    rows = ["café.png\tCafé", "gone.png\tgone", "dash.png\t-"]  # unwritable, missing image, no letter: all skipped
    cv2.imwrite(str(real / "café.png"), np.zeros((8, 20), np.uint8))
    cv2.imwrite(str(real / "dash.png"), np.zeros((8, 20), np.uint8))
    for i in range(60):
        cv2.imwrite(str(real / f"w{i}.png"), np.full((10, 30), i, np.uint8))
        rows.append(f"w{i}.png\tW{i}")
    (real / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    load_script("holdout_words").main(["--real-words", str(real), "--out", str(tmp_path / "held")])
    images, labels = read_word_folder(real)
    keep, labels = keep_writable(labels, CHARSETS["signs"])
    _, val = real_holdout(len(labels), 1)
    written = dict(line.split("\t") for line in (tmp_path / "held" / "labels.tsv").read_text().splitlines())
    assert sorted(written.values()) == sorted(labels[i] for i in val) and len(written) == 6
    for name, text in written.items():
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "held" / name), cv2.IMREAD_GRAYSCALE), images[keep[labels.index(text)]])


def _linear_training(tmp_path, steps: int, average: float, resume: bool = False, scores: dict[int, float] | None = None):
    """A one-weight model trained by hand-made steps through the shared loop; returns (model, steps' weights).
    With ``scores`` (step -> validation score) the loop selects its weights on them."""
    pytest.importorskip("tensorflow")
    import keras
    import tensorflow as tf

    from edge_ocr_train.loop import make_optimizer, train_loop

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.set_weights([np.array([[1.0]], np.float32)])
    optimizer, schedule = make_optimizer(0.1, steps)
    seen = []

    def train_step() -> float:
        optimizer.apply_gradients([(tf.constant([[1.0]]), model.trainable_variables[0])])
        seen.append(float(model.trainable_variables[0].numpy()[0, 0]))
        return 0.0

    def evaluate() -> dict[str, float]:
        return {"score": scores[int(optimizer.iterations.numpy())]} if scores else {}

    train_loop(name="toy", model=model, optimizer=optimizer, schedule=schedule, steps=steps, work_dir=tmp_path / "work",
               weights_out=tmp_path / "toy.weights.h5", resume=resume, init_weights=None, eval_every=2,
               fields=["score"] if scores else [], train_step=train_step, evaluate=evaluate, average=average,
               select="score" if scores else None)
    return model, seen


def test_a_resumed_run_keeps_the_weights_it_selected_before_and_every_evaluation_is_kept(tmp_path):
    """A long schedule runs in parts: the weights selected in an earlier part stay until a later step
    scores higher, and each evaluated step's weights are kept (work_dir/weights) for ablations."""
    scores = {2: 0.8, 4: 0.5, 6: 0.9}
    _, first = _linear_training(tmp_path, steps=2, average=0.0, scores=scores)
    model, second = _linear_training(tmp_path, steps=4, average=0.0, resume=True, scores=scores)
    model.load_weights(tmp_path / "toy.weights.h5")
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(first[-1])  # step 2's, not step 4's
    _, third = _linear_training(tmp_path, steps=6, average=0.0, resume=True, scores=scores)
    snapshots = sorted(p.name for p in (tmp_path / "work" / "weights").iterdir())
    assert snapshots == ["step000002.weights.h5", "step000004.weights.h5", "step000006.weights.h5"]
    model.load_weights(tmp_path / "work" / "weights" / "step000004.weights.h5")
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(second[-1])
    model.load_weights(tmp_path / "toy.weights.h5")
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(third[-1])  # step 6 scored higher


def test_the_weight_average_is_what_training_writes_and_the_model_keeps_its_own_weights(tmp_path):
    model, seen = _linear_training(tmp_path, steps=2, average=0.5)
    expected = 0.5 * (0.5 * 1.0 + 0.5 * seen[0]) + 0.5 * seen[1]  # starts at the initial weight 1.0
    assert seen[0] != seen[1] != expected
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(seen[1])
    model.load_weights(tmp_path / "toy.weights.h5")
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(expected)


def test_a_resumed_run_keeps_its_weight_average_or_starts_one(tmp_path):
    _, first = _linear_training(tmp_path, steps=2, average=0.5)
    written = tmp_path / "toy.weights.h5"
    model, seen = _linear_training(tmp_path, steps=4, average=0.5, resume=True)
    average = 0.5 * (0.5 * 1.0 + 0.5 * first[0]) + 0.5 * first[1]  # restored from the checkpoint
    for weight in seen:
        average = 0.5 * average + 0.5 * weight
    model.load_weights(written)
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(average)
    # a checkpoint written without an average: the average starts at the resumed weights
    plain = tmp_path / "plain"
    plain.mkdir()
    _, first = _linear_training(plain, steps=2, average=0.0)
    model, seen = _linear_training(plain, steps=4, average=0.5, resume=True)
    model.load_weights(plain / "toy.weights.h5")
    expected = 0.5 * (0.5 * first[1] + 0.5 * seen[0]) + 0.5 * seen[1]
    assert float(model.trainable_variables[0].numpy()[0, 0]) == pytest.approx(expected)


def test_the_weight_average_refuses_a_decay_outside_0_1():
    pytest.importorskip("tensorflow")
    import keras

    from edge_ocr_train.weight_average import WeightAverage

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(model, 1.0)


def word_card(height: int = 40, width: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """A white canvas with a black 'L' at the word's start and a bar along it: telling left from right and
    up from down, so that a mirrored or upside-down crop shows."""
    card = np.full((height, width), 255, np.uint8)
    card[5:35, 10:18] = 0
    card[27:35, 10:150] = 0
    return card, np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)


@pytest.mark.parametrize("sign", [1, -1])
def test_a_bent_word_lands_where_its_outline_says(sign):
    """The pixel map (cv2.remap) and the point map of the arc agree: a dot drawn on the flat canvas is
    found where bend_points puts it."""
    from edge_ocr_train.camera_views import bend_maps, bend_points

    canvas = np.zeros((40, 160), np.float32)
    dots = np.array([[20, 10], [80, 20], [140, 30]], np.float32)
    for x, y in dots:
        canvas[int(y), int(x)] = 1.0
    canvas = cv2.GaussianBlur(canvas, (0, 0), 1.5)
    map_x, map_y, offset = bend_maps(160, 40, 90.0, sign, 20.0)
    bent = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    expected = bend_points(dots + 0.5, 160, 90.0, sign, 20.0, offset) - 0.5
    for x, y in expected:
        window = bent[int(y) - 4 : int(y) + 5, int(x) - 4 : int(x) + 5]
        assert window.max() > 0.5 * bent.max(), (x, y)
    ends, middle = expected[[0, 2], 1].mean(), expected[1, 1]
    assert (ends > middle) if sign > 0 else (ends < middle)  # an arch bows up, a smile down


def test_camera_views_keep_the_word_readable_the_right_way_round():
    """Turned, tilted and bent words cut by the detector's rotated box (whose corner order is worked out,
    where a slip turns the word round) keep the word's start, the 'L', on the crop's left."""
    from edge_ocr_ros.recognition.crop import warp_word
    from edge_ocr_train.camera_views import CameraStyle, camera_view

    card, quad = word_card()
    rng = np.random.default_rng(3)
    geometry_only = CameraStyle(perspective=1.0, arc=0.5, max_arc=1.0, defocus=0.0, low_resolution=0.0, glare=0.0,
                                upright_box=0.0)
    for _ in range(40):
        image, box = camera_view(cv2.cvtColor(card, cv2.COLOR_GRAY2BGR), quad, rng, geometry_only)
        crop = np.empty((32, 128), np.uint8)
        width = warp_word(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), box, crop)
        dark = crop[:, :width] < 60  # the ink, not the shadows textures.degrade may cast (at least 0.4 x 255)
        left, right = dark[:, : width // 4].sum(), dark[:, -(width // 4):].sum()
        assert left > right, (left, right)


@pytest.mark.parametrize("degrees", [0, 30, 80, 100, 170, -60, -120])
def test_the_rotated_box_runs_the_words_way_round_from_its_start(degrees):
    """crop_box lists the detector-style box from the corner at the word's start, along the text, and the
    same way round as the word's own corners (listed the other way round, the crop would be a mirror image)."""
    from edge_ocr_train.camera_views import crop_box, outline, signed_area

    turn = cv2.getRotationMatrix2D((0, 0), degrees, 1.0)[:, :2]
    quad = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], np.float32) @ turn.T + (300, 300)
    box = crop_box(outline(quad), np.random.default_rng(0), upright=0.0)
    np.testing.assert_allclose(box, quad, atol=1e-3)
    assert np.sign(signed_area(box)) == np.sign(signed_area(quad))


def test_real_crops_get_camera_views_in_training_batches():
    """--camera: the share of real crops given a view differs from plain re-cuts, and each stays a word crop."""
    from edge_ocr_train.word_augment import recut

    card, _ = word_card()
    picks = np.zeros(16, int)
    plain = recut([card], picks, 32, 128, np.random.default_rng(0))
    viewed = recut([card], picks, 32, 128, np.random.default_rng(0), camera=1.0)
    assert plain.shape == viewed.shape == (16, 32, 128)
    assert np.abs(plain.astype(int) - viewed.astype(int)).mean() > 5


def test_several_synthetic_folders_train_as_one_set_in_order(tmp_path):
    """--synth given twice (camera views and sign styles): the sets are drawn from as one, in order."""
    from edge_ocr_train.train_crnn import CHARSETS, load_synths

    folders = []
    for k, texts in enumerate((["Exit", "ROOM 204"], ["Lift"])):
        folder = tmp_path / f"set{k}"
        folder.mkdir()
        np.save(folder / "images.npy", np.full((len(texts), 32, 128), k, np.uint8))
        (folder / "labels.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
        folders.append(folder)
    images, labels = load_synths(folders, CHARSETS["signs"])
    assert labels == ["Exit", "ROOM204", "Lift"]  # folded to the alphabet (no space)
    assert images.shape == (3, 32, 128) and images[:2].max() == 0 and images[2].min() == 1


def test_recognizer_curves_score_each_kept_step_once_beside_the_shipped_recognizer(tmp_path):
    """scripts/recognizer_curves.py: every step the trainer kept is exported and scored on words folders;
    a second call (the run went on) scores only the new steps."""
    pytest.importorskip("tensorflow")
    from test_docs import load_script

    from edge_ocr_train import synth_words, train_crnn

    words, val = tmp_path / "words", tmp_path / "val"
    synth_words.main(["--out", str(words), "--count", "16", "--workers", "1"])
    load_script("synth_val_words").main(["--out", str(val), "--count", "4"])
    work = tmp_path / "work"
    train = ["--synth", str(words), "--charset", "signs", "--batch", "4", "--eval-every", "2", "--threads", "1",
             "--work-dir", str(work), "--weights-out", str(tmp_path / "crnn.weights.h5"), "--resume"]
    curves = load_script("recognizer_curves")
    command = ["--work-dir", str(work), "--calib-words", str(words), "--set", f"val={val}", "--out", str(tmp_path)]
    train_crnn.main([*train, "--steps", "2"])
    curves.main(command)
    train_crnn.main([*train, "--steps", "4"])
    curves.main(command)
    with (work / "curves.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["precision"]) for r in rows] == [("shipped", "float16"), ("2", "float16"), ("4", "float16")]
    assert float(rows[0]["val"]) > 0.5 >= max(float(rows[1]["val"]), float(rows[2]["val"]))  # 4 steps read nothing yet
    assert "| 4 | float16 |" in (tmp_path / "crnn_camera_curves.md").read_text()
    assert (tmp_path / "crnn_camera_curves.png").stat().st_size > 1000
