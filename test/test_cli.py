"""The edge-ocr command as users run it (a subprocess), on the fixture models."""

import json

import cv2
import numpy as np
import pytest
from helpers import FIXTURES, KNOWN_BOX, KNOWN_TEXT, MODEL_FLAGS, REPO, edge_ocr, known_image


@pytest.fixture
def scene_dir(tmp_path):
    d = tmp_path / "scenes"
    d.mkdir()
    cv2.imwrite(str(d / "known.png"), known_image())
    (d / "known.gt.json").write_text(json.dumps([{"points": KNOWN_BOX.tolist(), "text": "B"},
                                                 {"points": [[50, 50], [60, 50], [60, 60], [50, 60]], "text": None}]))
    return d


def test_json_per_image(scene_dir):
    out = edge_ocr("--image", str(scene_dir / "known.png"), "--json", *MODEL_FLAGS)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["image"].endswith("known.png") and (record["width"], record["height"]) == (64, 64)
    assert [w["text"] for w in record["words"]] == [KNOWN_TEXT]
    np.testing.assert_allclose(record["words"][0]["points"], KNOWN_BOX, atol=0.5)
    assert 0 < record["words"][0]["confidence"] <= 1 and 0 < record["words"][0]["det_confidence"] <= 1
    assert record["timing_ms"]["total"] > 0 and "detect" in record["timing_ms"]


def test_plain_output_and_the_running_line(scene_dir):
    out = edge_ocr("--image", str(scene_dir / "known.png"), *MODEL_FLAGS)
    assert out.returncode == 0
    assert out.stdout.strip().endswith(f"known.png: {KNOWN_TEXT} (0.91)")
    assert "on CPU" in out.stderr


def test_imagedir_skips_other_files_and_reports_corrupt_images(scene_dir, tmp_path):
    (scene_dir / "notes.txt").write_text("not an image")
    (scene_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    save = tmp_path / "out"
    out = edge_ocr("--imagedir", str(scene_dir), "--json", "--save-dir", str(save), *MODEL_FLAGS)
    assert out.returncode == 1  # one unreadable image
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["image"].rsplit("/", 1)[-1] for r in records] == ["known.png"]
    assert "broken.jpg is not a readable image" in out.stderr
    assert (save / "known.jpg").is_file() and json.loads((save / "known.json").read_text())["words"]


def test_video(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (64, 64))
    for _ in range(3):
        writer.write(known_image())
    writer.release()
    out = edge_ocr("--video", str(path), "--json", *MODEL_FLAGS)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["image"] for r in records] == ["clip#0", "clip#1", "clip#2"]
    assert all(r["words"] and r["words"][0]["text"] == KNOWN_TEXT for r in records)
    # one stream: the word is tracked across the frames, and comes with its line
    assert len({r["words"][0]["track_id"] for r in records}) == 1
    assert [r["words"][0]["frames_seen"] for r in records] == [1, 2, 3]
    assert records[-1]["lines"] == [{"text": KNOWN_TEXT, "confidence": records[-1]["words"][0]["confidence"],
                                     "points": records[-1]["words"][0]["points"], "words": [0], "block": 0}]
    plain = edge_ocr("--video", str(path), *MODEL_FLAGS)
    assert plain.stdout.splitlines()[-1].startswith(f"clip#2: {KNOWN_TEXT} (") and plain.stdout.strip().endswith(" #1)")


def test_recognize_only(tmp_path):
    crop = np.full((32, 128, 3), 20, np.uint8)
    crop[:, 8:16] = 250
    cv2.imwrite(str(tmp_path / "w.png"), crop)
    out = edge_ocr("--image", str(tmp_path / "w.png"), "--recognize-only", "--json", *MODEL_FLAGS)
    record = json.loads(out.stdout)
    assert record["words"][0]["text"] == "a" and record["words"][0]["points"] == [[0, 0], [127, 0], [127, 31], [0, 31]]


def test_recognize_only_reads_a_slanted_word_cut_upright(tmp_path):
    """The shipped models, as a user runs them on a crop from an axis-aligned detector: a word turned 25
    degrees is read along its own box with --straighten-angle 8 (or the YAML setting); by default it is read
    as cut (and misread)."""
    from test_pipeline import _slanted_word_crop

    cv2.imwrite(str(tmp_path / "slanted.png"), _slanted_word_crop("PLATFORM", 25))
    (tmp_path / "straighten.yaml").write_text("recognizer:\n  straighten_angle: 8.0\n")
    image = ["--image", str(tmp_path / "slanted.png"), "--recognize-only", "--json"]
    flag = json.loads(edge_ocr(*image, "--straighten-angle", "8").stdout)
    setting = json.loads(edge_ocr(*image, "--config", str(tmp_path / "straighten.yaml")).stdout)
    as_cut = json.loads(edge_ocr(*image).stdout)
    assert flag["words"][0]["text"] == setting["words"][0]["text"] == "PLATFORM" != as_cut["words"][0]["text"]


@pytest.mark.parametrize("args, message", [
    (["--image", "/nonexistent.jpg"], "cannot read /nonexistent.jpg"),
    (["--image", "x.jpg", "--thr", "2"], "detector.score_threshold must be between 0 and 1"),
    (["--image", "x.jpg", "--width", "100"], "multiple of 32"),
    (["--image", "x.jpg", "--vertical-ratio", "0.5"], "recognizer.vertical_ratio must be 0 (never) or at least 1"),
    (["--image", "x.jpg", "--east", "/none.tflite"], "does not exist"),
    (["--image", "x.jpg", "--config", "/none.yaml"], "cannot read config"),
    ([], "one of the arguments --image --imagedir --video --camera --bag is required"),
    (["--imagedir", "/nonexistent"], "is not a folder"),
])
def test_errors_exit_2_with_one_line(args, message):
    out = edge_ocr(*args)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.startswith("edge-ocr")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in out.stderr


def test_edgetpu_flag_without_a_tpu_exits_2(scene_dir):
    out = edge_ocr("--image", str(scene_dir / "known.png"), *MODEL_FLAGS[:-2], "--edgetpu")
    assert out.returncode == 2
    assert "edgetpu is 'on'" in out.stderr and "to run the CPU models" in out.stderr and "Traceback" not in out.stderr


def test_eval_scenes(scene_dir):
    out = edge_ocr("eval", "--gt", str(scene_dir), "--json", "-q", *MODEL_FLAGS)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["detection"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert report["end_to_end"]["f1"] == 1.0


def test_eval_words(tmp_path):
    crop = np.full((32, 128, 3), 20, np.uint8)
    crop[:, 8:16] = 250
    cv2.imwrite(str(tmp_path / "a.png"), crop)
    cv2.imwrite(str(tmp_path / "b.png"), crop)
    (tmp_path / "labels.tsv").write_text("a.png\tA\nb.png\tab\n")
    report = json.loads(edge_ocr("eval", "--gt", str(tmp_path), "--json", "-q", *MODEL_FLAGS).stdout)
    assert report == {"words": {"accuracy": 0.5, "accuracy_cased": 0.0, "ned": 0.25}, "count": 2,  # truth "A": read "a"
                      "by_aspect": {"fits": {"accuracy": 0.5, "count": 2}, "squeezed": {"accuracy": 0.0, "count": 0}}}


def test_inspect():
    out = edge_ocr("inspect", str(FIXTURES / "east_known_box_int8.tflite"), str(FIXTURES / "crnn_stripes.tflite"), "--json")
    int8, flt = json.loads(out.stdout)
    assert int8["unsupported_ops"] == [] and int8["static_shapes"] and int8["integer_io"]
    assert not flt["static_shapes"] and not flt["integer_io"]
    # the fixture: 64x64x3 uint8 in; outputs 16x16 x (4 + 1 + 2) uint8; its largest activation is the input
    assert int8["usb_bytes_per_frame"] == 64 * 64 * 3 + 16 * 16 * 7
    assert int8["largest_activation"]["bytes"] == 64 * 64 * 3 and int8["warnings"] == []
    assert int8["peak_activation_bytes"] >= int8["largest_activation"]["bytes"]
    text = edge_ocr("inspect", str(FIXTURES / "east_known_box_int8.tflite")).stdout
    assert "CONV_2D" in text and "8 MB Edge TPU cache" in text and "all ops supported" in text
    assert "USB per frame" in text and "peak live activations" in text


def test_inspect_warns_about_the_shipped_detectors_resize_and_says_to_tile():
    """The shipped 960x544 int8 EAST upsamples to 240x136, past the 128x128 RESIZE_BILINEAR guideline."""
    text = edge_ocr("inspect", str(REPO / "models" / "east_int8_960x544.tflite"), str(REPO / "models" / "east_int8_320x320.tflite")).stdout
    big, small = text.split("\n\n")[:2]
    assert "RESIZE_BILINEAR 120x68 -> 240x136" in big and "WARNING" in big and "detector.tiles" in big
    assert "WARNING" not in small.split("all models together")[0]


def test_inspect_delegate_probe_says_in_one_line_why_there_is_no_tpu():
    out = edge_ocr("inspect", "--delegate", "usb:0")
    assert out.returncode == 1 and out.stdout.count("\n") == 1
    assert out.stdout.startswith("Edge TPU: NOT available with ") and "usb:0" in out.stdout


def test_int8_runs_the_int8_models_on_the_cpu(scene_dir):
    flags = ["--east", str(FIXTURES / "east_known_box_int8.tflite"), "--ocr", str(FIXTURES / "crnn_stripes_int8.tflite"),
             "--int8", *MODEL_FLAGS[4:]]
    out = edge_ocr("--image", str(scene_dir / "known.png"), "--json", *flags)
    assert out.returncode == 0, out.stderr
    assert [w["text"] for w in json.loads(out.stdout)["words"]] == [KNOWN_TEXT]
    assert "east_known_box_int8.tflite (64x64, letterboxed, tiles auto) on CPU" in out.stderr


def test_eval_glob_scores_a_subset_and_refuses_an_empty_one(scene_dir):
    cv2.imwrite(str(scene_dir / "other.png"), np.full((64, 64, 3), 100, np.uint8))
    (scene_dir / "other.gt.json").write_text(json.dumps([{"points": KNOWN_BOX.tolist(), "text": "B"}]))
    both = json.loads(edge_ocr("eval", "--gt", str(scene_dir), "--json", "-q", *MODEL_FLAGS).stdout)
    known = json.loads(edge_ocr("eval", "--gt", str(scene_dir), "--glob", "known*", "--json", "-q", *MODEL_FLAGS).stdout)
    assert (both["images"], both["detection"]["recall"]) == (2, 0.5)
    assert (known["images"], known["detection"]["recall"]) == (1, 1.0)
    none = edge_ocr("eval", "--gt", str(scene_dir), "--glob", "ic15_*", *MODEL_FLAGS)
    assert none.returncode == 2 and "matches --glob" in none.stderr


def test_help_explains_every_seed_flag():
    text = edge_ocr("--help").stdout
    for flag in ("--config", "--east", "--ocr", "--edgetpu", "--padding", "--nms", "--thr", "--width", "--height",
                 "--image", "--imagedir", "--video", "--camera", "--bag", "--topic", "--bag-out", "--json", "--save-dir",
                 "--recognize-only"):
        assert flag in text


DEVSET = REPO.parent / "shared" / "devset" / "scenes"


@pytest.mark.skipif(not DEVSET.is_dir(), reason="the shared dev set is not beside this checkout")
def test_real_photos_give_valid_json_for_every_image():
    """The bundled default models on every real photo of the dev set: no error, one valid record each."""
    out = edge_ocr("--imagedir", str(DEVSET), "--json", "-q")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == len(list(DEVSET.glob("*.jpg")))
    for r in records:
        assert r["width"] > 0 and r["height"] > 0 and r["timing_ms"]["total"] > 0
        for w in r["words"]:
            assert isinstance(w["text"], str) and w["text"] and 0 <= w["confidence"] <= 1 and len(w["points"]) == 4


def test_bench_measures_both_precisions_on_this_cpu_and_says_which_to_set(capsys):
    """edge-ocr bench: both pipelines read the same bundled signs (same words), at the camera size asked,
    on a CPU it names; the advice follows the measured ratio."""
    from edge_ocr_ros.runtime.cpu import cpu_info
    from edge_ocr_ros.tools.cli import main

    assert main(["bench", "--width", "320", "--height", "240", "--repeat", "1", "--threads", "1", "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    timings = {t["precision"]: t for t in report["timings"]}
    assert set(timings) == {"float16", "int8"} and report["camera"] == [320, 240] and report["threads"] == 1
    assert timings["float16"]["words"] == timings["int8"]["words"] >= 10  # the six signs hold 13 words
    assert report["cpu"] == cpu_info().describe() and cpu_info().cores >= 1
    ratio = timings["float16"]["frame_ms"] / timings["int8"]["frame_ms"]
    assert report["faster"] == ("int8" if ratio > 1 else "float16") and report["advice"].startswith(f"precision: {report['faster']}")
    assert main(["bench", "--width", "8"]) == 2


def test_a_cpu_is_described_with_what_int8_speed_hinges_on():
    from edge_ocr_ros.runtime.cpu import CpuInfo

    assert CpuInfo("AMD EPYC 7B13", "x86_64", 2, ("AVX2", "FMA")).describe() == \
        "AMD EPYC 7B13 (x86_64), 2 cores; AVX2, FMA, no AVX-512, no VNNI"
    assert CpuInfo("Xeon", "x86_64", 4, ("AVX2", "AVX-VNNI")).describe().endswith("AVX-VNNI, no AVX-512")
    assert CpuInfo("Raspberry Pi 4 Model B", "aarch64", 4, ("NEON",)).describe().endswith("NEON, no DOTPROD, no I8MM")


def test_eval_words_by_slant_where_the_folder_says_each_words_slant(tmp_path):
    """scripts/scene_words.py writes slants.tsv beside labels.tsv; edge-ocr eval then also reports the
    accuracy per slant bucket (slanted words are what the recognizer reads worst)."""
    crop = np.full((32, 128, 3), 20, np.uint8)
    crop[:, 8:16] = 250
    for name in ("a.png", "b.png", "c.png"):
        cv2.imwrite(str(tmp_path / name), crop)
    (tmp_path / "labels.tsv").write_text("a.png\tA\nb.png\tab\nc.png\ta\n")
    (tmp_path / "slants.tsv").write_text("a.png\t2.5\nb.png\t25.0\nc.png\t24.0\n")
    report = json.loads(edge_ocr("eval", "--gt", str(tmp_path), "--json", "-q", *MODEL_FLAGS).stdout)
    assert report["by_slant"]["0-5 deg"] == {"accuracy": 1.0, "count": 1}
    assert report["by_slant"]["20-35 deg"] == {"accuracy": 0.5, "count": 2}
    assert report["by_slant"]["35-90 deg"] == {"accuracy": 0.0, "count": 0}
    text = edge_ocr("eval", "--gt", str(tmp_path), "-q", *MODEL_FLAGS).stdout
    assert "slant  20-35 deg: accuracy 0.5000 (2 crops)" in text
    assert report["by_aspect"]["fits"] == {"accuracy": 0.6667, "count": 3}


def test_eval_words_by_aspect_tells_the_words_the_recognizer_squeezes(tmp_path):
    """A crop wider than the recognizer's input (4:1 for 32 x 128) is squeezed to fit; edge-ocr eval
    reports those apart: whether a wider input would read more words."""
    for name, width in (("a.png", 60), ("b.png", 128), ("c.png", 200), ("d.png", 300)):
        cv2.imwrite(str(tmp_path / name), np.full((32, width, 3), 20, np.uint8))
    (tmp_path / "labels.tsv").write_text("a.png\tA\nb.png\tB\nc.png\tC\nd.png\tD\n")
    report = json.loads(edge_ocr("eval", "--gt", str(tmp_path), "--json", "-q", *MODEL_FLAGS).stdout)
    assert report["by_aspect"]["fits"]["count"] == 2 and report["by_aspect"]["squeezed"]["count"] == 2
    assert "squeezed into the recognizer's input: accuracy 0.0000 (2 crops)" in \
        edge_ocr("eval", "--gt", str(tmp_path), "-q", *MODEL_FLAGS).stdout


def test_a_words_slant_is_its_baseline_against_the_horizontal():
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    from scene_words import word_slant

    assert word_slant(np.array([[0, 0], [100, 0], [100, 20], [0, 20]], np.float32)) == pytest.approx(0.0)
    assert word_slant(np.array([[0, 0], [100, 36.4], [93, 55], [-7, 19]], np.float32)) == pytest.approx(20.0, abs=0.1)
    assert word_slant(np.array([[0, 100], [0, 0], [20, 0], [20, 100]], np.float32)) == pytest.approx(90.0)  # vertical
