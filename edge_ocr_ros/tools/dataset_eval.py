"""Run a pipeline over a labelled folder and score it (the ``edge-ocr eval`` command's core)."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from tqdm import tqdm

from ..pipeline import OcrPipeline
from .evaluation import Counts, load_gt, partial_scenes, score_scene, word_scores
from .sources import IMAGE_SUFFIXES, read_image

__all__ = ["SLANT_BUCKETS", "evaluate_scenes", "evaluate_words", "is_words_folder"]

# degrees of slant of a word in its upright crop (slants.tsv, written by scripts/scene_words.py)
SLANT_BUCKETS = ((0, 5), (5, 10), (10, 20), (20, 35), (35, 91))


def is_words_folder(folder: Path) -> bool:
    """Whether a folder holds word crops (labels.tsv) rather than scenes."""
    return (folder / "labels.tsv").is_file()


def evaluate_scenes(pipeline: OcrPipeline, folder: Path, progress: bool = True, pattern: str = "*") -> dict:
    """Detection and end-to-end P/R/F over NAME.jpg + NAME.gt.json (those whose file name matches
    ``pattern``, e.g. ``ic15_*``), with a per-image breakdown."""
    partial = partial_scenes(folder)
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and fnmatch(p.name, pattern)
                    and p.with_name(p.stem + ".gt.json").is_file())
    detection, end_to_end, per_image = Counts(), Counts(), []
    for path in tqdm(images, desc="eval", unit="img", disable=not progress):
        gt_quads, gt_texts = load_gt(path.with_name(path.stem + ".gt.json"))
        result = pipeline.run(read_image(path))
        score = score_scene([w.points for w in result.words], [w.text for w in result.words], gt_quads, gt_texts,
                            partial=path.name in partial or path.stem in partial)
        detection.add(score.detection)
        end_to_end.add(score.end_to_end)
        per_image.append({"image": path.name, "detection": score.detection.prf(), "end_to_end": score.end_to_end.prf(),
                          "matched": score.detection.matched, "ground_truth": score.detection.ground_truth,
                          "predictions": score.detection.predictions, "timing_ms": round(result.timing_ms["total"], 2)})
    return {"detection": detection.prf(), "end_to_end": end_to_end.prf(), "images": len(images), "per_image": per_image}


def by_aspect(pairs: list[tuple[str, str]], aspects: list[float], input_aspect: float) -> dict[str, dict]:
    """Accuracy of the crops that fit the recognizer's input (width over height up to ``input_aspect``, 4
    for 32 x 128) against those it squeezes to fit: whether a wider input would read more words."""
    report = {}
    for key, inside in (("fits", lambda a: a <= input_aspect), ("squeezed", lambda a: a > input_aspect)):
        chosen = [pair for pair, aspect in zip(pairs, aspects, strict=True) if inside(aspect)]
        report[key] = {"accuracy": word_scores(chosen)["accuracy"] if chosen else 0.0, "count": len(chosen)}
    return report


def evaluate_words(pipeline: OcrPipeline, folder: Path, progress: bool = True) -> dict:
    """Accuracy and mean normalised edit distance over the crops of labels.tsv."""
    rows = [line.split("\t", 1) for line in (folder / "labels.tsv").read_text(encoding="utf-8").splitlines() if "\t" in line]
    pairs, per_image, aspects = [], [], []
    for name, truth in tqdm(rows, desc="eval", unit="word", disable=not progress):
        image = read_image(folder / name)
        text = pipeline.recognize_crop(image).words[0].text
        pairs.append((text, truth))
        per_image.append({"image": name, "truth": truth, "text": text})
        aspects.append(image.shape[1] / max(image.shape[0], 1))
    scores = word_scores(pairs)
    words = {k: scores[k] for k in ("accuracy", "accuracy_cased", "ned")}
    report = {"words": words, "count": scores["count"], "per_image": per_image,
              "by_aspect": by_aspect(pairs, aspects, pipeline.recognizer.width / pipeline.recognizer.height)}
    slants_file = folder / "slants.tsv"
    if slants_file.is_file():  # slanted words are what the recognizer reads worst: accuracy per slant
        slants = dict(line.split("\t") for line in slants_file.read_text(encoding="utf-8").splitlines() if "\t" in line)
        report["by_slant"] = {}
        for lo, hi in SLANT_BUCKETS:
            inside = [pair for pair, (name, _) in zip(pairs, rows, strict=True) if name in slants and lo <= float(slants[name]) < hi]
            bucket = word_scores(inside) if inside else {"accuracy": 0.0, "count": 0}
            report["by_slant"][f"{lo}-{hi if hi < 91 else 90} deg"] = {"accuracy": bucket["accuracy"], "count": bucket["count"]}
    return report
