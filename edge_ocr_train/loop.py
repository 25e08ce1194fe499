"""The training loop both models share: warm-up + cosine schedule, checkpoints, resume, CSV log and plot."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .training_log import TrainingLog

LOG = logging.getLogger(__name__)


def add_training_options(parser: argparse.ArgumentParser, name: str, steps: int, batch: int, eval_every: int) -> None:
    """The options both trainers share: schedule, threads, checkpoints, weights, fine-tuning and resume."""
    parser.add_argument("--steps", type=int, default=steps, help="total optimiser steps (resume continues to this)")
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine schedule with warm-up)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    parser.add_argument("--eval-every", type=int, default=eval_every, help="steps between validation, checkpoint and plot")
    parser.add_argument("--work-dir", type=Path, default=Path(f"data/train_{name}"), help="checkpoints, log and plot")
    parser.add_argument("--weights-out", type=Path, default=Path(f"models/{name}.weights.h5"))
    parser.add_argument("--init-weights", type=Path, help="start from these float weights (fine-tuning)")
    parser.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --work-dir")
    parser.add_argument("--average", type=float, default=0.0, metavar="DECAY",
                        help="validate and write an exponential moving average of the weights with this decay per "
                             "step (e.g. 0.999); 0: the last step's weights")


def configure_tensorflow(threads: int, seed: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already ran in this process (a second training in one test run)
        LOG.warning("TensorFlow is already initialised; --threads %d is ignored", threads)
    tf.keras.utils.set_random_seed(seed)


def make_optimizer(lr: float, steps: int):
    import tensorflow as tf

    warmup = min(500, steps // 10)
    schedule = tf.keras.optimizers.schedules.CosineDecay(lr * 0.1, max(steps - warmup, 1), alpha=0.02,
                                                          warmup_target=lr, warmup_steps=warmup)
    return tf.keras.optimizers.Adam(schedule, clipnorm=5.0), schedule


def train_loop(*, name: str, model, optimizer, schedule, steps: int, work_dir: Path, weights_out: Path,
               resume: bool, init_weights: Path | None, eval_every: int, fields: list[str],
               train_step: Callable[[], float], evaluate: Callable[[], dict[str, float]], select: str | None = None,
               average: float = 0.0, on_weights: Callable[[Path], None] | None = None) -> None:
    """Run ``train_step`` until ``steps``; every ``eval_every`` steps log ``evaluate()`` and checkpoint
    (model and optimizer, for --resume). The float weights go to ``weights_out`` at every evaluation,
    or, with ``select``, only when that validation field beats its best so far in the run, earlier
    resumed parts of it included (a fine-tune that starts to overfit then keeps its best weights, and a
    long schedule that resumes never overwrites a better step with a worse one). Every evaluation's
    weights are also kept as ``work_dir/weights/stepNNNNNN.weights.h5``, so that any two steps of two
    runs (an ablation's branches) can be exported and compared. With ``average`` (a decay per step),
    evaluation and the written weights are a moving average of the weights (``WeightAverage``).
    ``on_weights(path)`` runs after each weights file is written (the recognizer's alphabet beside it)."""
    import tensorflow as tf

    from .weight_average import WeightAverage

    if init_weights:
        model.load_weights(init_weights)
        LOG.info("initialised from %s", init_weights)
    work_dir.mkdir(parents=True, exist_ok=True)
    weights_out.parent.mkdir(parents=True, exist_ok=True)
    averaged = WeightAverage(model, average) if average else None
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, **({"average": averaged} if averaged else {}))
    manager = tf.train.CheckpointManager(ckpt, work_dir / "ckpt", max_to_keep=2)
    if resume and manager.latest_checkpoint:
        ckpt.restore(manager.latest_checkpoint).expect_partial()
        LOG.info("resumed from %s at step %d", manager.latest_checkpoint, int(optimizer.iterations.numpy()))
        if averaged and not any(name.startswith("average/") for name, _ in tf.train.list_variables(manager.latest_checkpoint)):
            averaged.reset()
            LOG.info("the checkpoint holds no weight average: it starts at the resumed weights")
    log = TrainingLog(work_dir / f"{name}_log.csv", ["step", "loss", "lr", *fields, "elapsed_s"])
    start = int(optimizer.iterations.numpy())
    t0 = time.time()
    losses: list[float] = []
    best = log.best(select, until_step=start) if select else -np.inf

    def save(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save_weights(path)
        if on_weights:
            on_weights(path)

    bar = tqdm(range(start, steps), initial=start, total=steps, desc=name, unit="step")
    for i in bar:
        losses.append(train_step())
        if averaged:
            averaged.update()
        done = i + 1
        if done % 20 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
        if done % eval_every == 0 or done == steps:
            with averaged.applied() if averaged else nullcontext():
                row = {"step": done, "loss": float(np.mean(losses[-eval_every:])), "lr": float(schedule(done)),
                       **evaluate(), "elapsed_s": time.time() - t0}
                log.append(**row)
                LOG.info("step %d %s", done, {k: round(v, 4) for k, v in row.items()})
                save(work_dir / "weights" / f"step{done:06d}.weights.h5")
                if select is None or row.get(select, -np.inf) > best:
                    best = row.get(select, best) if select else best
                    save(weights_out)
                    LOG.info("float weights written to %s (step %d)", weights_out, done)
            manager.save(checkpoint_number=done)
            log.plot(work_dir / f"{name}_training.png", f"{name} training")
    if select is None:
        with averaged.applied() if averaged else nullcontext():
            save(weights_out)
