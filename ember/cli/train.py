"""``ember train``: train the character-level GPT of :mod:`ember.models.gpt` on a text file.

Without ``--data`` it trains on Python's reference documentation, which ships inside CPython, so a
fresh install can train with no download. Checkpoints (``OUT/ckpt.pt``) are torch-loadable and hold
everything needed to continue bit for bit with ``--resume``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import signal
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import ember as torch
import ember.nn.utils  # noqa: F401  (torch.nn imports nn.utils itself; ember.nn does not yet)
from ember.cli._args import non_negative_float, positive_int, probability
from ember.cli._data import (DEFAULT_CORPUS, CharVocab, DataError, load_corpus, unigram_cross_entropy,
                             unigram_entropy)
from ember.cli._progress import Progress, format_duration
from ember.models.gpt import GPT, GPTConfig

__all__ = ["add_arguments", "run", "main"]

DESCRIPTION = (
    "Train a character-level GPT on a text file (default: Python's own documentation, which ships with Python). "
    "Writes OUT/ckpt.pt (loadable by torch.load) and OUT/log.csv; --resume continues exactly."
)
DEFAULT_SEED = 1337
CHECKPOINT_NAME = "ckpt.pt"
LOG_NAME = "log.csv"
VAL_FRACTION = 0.1  # the last 10% of the text is held out for validation
EVAL_BATCHES = 8  # validation batches per evaluation (fixed windows, so every evaluation sees the same text)

# Training hyper-parameters: when resuming, any flag not given on the command line comes from the checkpoint.
TRAIN_DEFAULTS: dict[str, Any] = {
    "steps": 800,
    "batch_size": 32,
    "lr": 3e-3,
    "warmup_steps": 30,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_interval": 100,
}
# Model sizes: fixed by the checkpoint when resuming.
MODEL_DEFAULTS: dict[str, Any] = {
    "n_layer": 2,
    "n_head": 4,
    "n_embd": 128,
    "block_size": 64,
    "dropout": 0.0,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``ember train``'s flags to ``parser``."""
    data = parser.add_argument_group("data and output")
    data.add_argument("--data", metavar="FILE",
                      help="UTF-8 text file to train on (default: Python's built-in documentation)")
    data.add_argument("--out", metavar="DIR", default="ember-gpt",
                      help="directory for ckpt.pt and log.csv (default: %(default)s)")
    data.add_argument("--resume", action="store_true", help="continue from OUT/ckpt.pt exactly where it stopped")
    data.add_argument("--seed", metavar="SEED", type=int, help=f"random seed (default: {DEFAULT_SEED})")

    # defaults are None so that --resume can tell "not given" from "given"; the help shows the real default
    def option(group: Any, flag: str, metavar: str, kind: Any, text: str) -> None:
        default = {**MODEL_DEFAULTS, **TRAIN_DEFAULTS}[flag[2:].replace("-", "_")]
        group.add_argument(flag, metavar=metavar, type=kind, help=f"{text} (default: {default})")

    model = parser.add_argument_group("model size (fixed by the checkpoint when resuming)")
    option(model, "--n-layer", "N", positive_int, "transformer blocks")
    option(model, "--n-head", "N", positive_int, "attention heads per block")
    option(model, "--n-embd", "N", positive_int, "embedding width")
    option(model, "--block-size", "N", positive_int, "context length in characters")
    option(model, "--dropout", "P", probability, "dropout probability")

    train = parser.add_argument_group("training (taken from the checkpoint when resuming, unless given)")
    option(train, "--steps", "N", positive_int, "total optimizer steps")
    option(train, "--batch-size", "N", positive_int, "sequences per step")
    option(train, "--lr", "LR", non_negative_float, "peak learning rate of AdamW")
    option(train, "--warmup-steps", "N", int, "linear warm-up steps before the cosine decay")
    option(train, "--weight-decay", "WD", non_negative_float, "AdamW weight decay of the matrices")
    option(train, "--grad-clip", "NORM", non_negative_float, "clip the gradient norm to this, 0 = off")
    option(train, "--eval-interval", "N", positive_int, "steps between validation + checkpoint")
    train.add_argument("--log-interval", metavar="N", type=positive_int, default=10,
                       help="steps between progress lines without tqdm (default: %(default)s)")
    train.add_argument("--max-minutes", metavar="MIN", type=non_negative_float,
                       help="stop after this much training time, with a checkpoint to --resume from")
    train.add_argument("--sample-chars", metavar="N", type=int, default=300,
                       help="characters to sample at the end, 0 = none (default: %(default)s)")


def lr_at(step: int, peak: float, warmup: int, total: int) -> float:
    """Learning rate for optimizer step ``step`` (0-based): linear warm-up, then cosine decay to peak/10."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def get_batch(data: Any, batch_size: int, block_size: int) -> tuple[Any, Any]:
    """Random windows of ``data``: inputs x (B, T) and targets y = x shifted left by one character."""
    starts = torch.randint(len(data) - block_size, (batch_size,)).tolist()
    x = torch.stack([data[i : i + block_size] for i in starts])
    y = torch.stack([data[i + 1 : i + 1 + block_size] for i in starts])
    return x, y


def eval_windows(n_tokens: int, block_size: int, batch_size: int) -> list[list[int]]:
    """Start offsets of the validation windows, spread evenly over the held-out text, in batches."""
    last = n_tokens - block_size - 1
    count = EVAL_BATCHES * batch_size
    starts = sorted({round(i * last / max(1, count - 1)) for i in range(count)})
    return [starts[i : i + batch_size] for i in range(0, len(starts), batch_size)]


@torch.no_grad()
def evaluate(model: GPT, data: Any, windows: list[list[int]], block_size: int) -> float:
    """Mean cross-entropy (nats per character) of ``model`` over the fixed validation windows."""
    model.eval()  # dropout off
    total, count = 0.0, 0
    for starts in windows:
        x = torch.stack([data[i : i + block_size] for i in starts])
        y = torch.stack([data[i + 1 : i + 1 + block_size] for i in starts])
        _, loss = model(x, y)
        total += loss.item() * len(starts)
        count += len(starts)
    model.train()
    return total / count


def make_optimizer(model: GPT, lr: float, weight_decay: float) -> Any:
    """AdamW that decays only the weight matrices and embeddings, not biases or LayerNorm parameters."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99))


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` with ``torch.save`` atomically: a crash mid-write leaves the old checkpoint intact."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


class _StopRequest:
    """Turns the first Ctrl-C into "stop after this step and save"; a second one interrupts at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> _StopRequest:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not in the main thread (e.g. called from a test runner thread)
            self._previous = None
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _resolve_settings(args: argparse.Namespace, checkpoint: dict[str, Any] | None) -> dict[str, Any]:
    """Fill unset flags: from the checkpoint when resuming, else from the defaults."""
    settings: dict[str, Any] = {}
    saved_train = checkpoint["train"] if checkpoint else {}
    for name, default in TRAIN_DEFAULTS.items():
        given = getattr(args, name)
        settings[name] = given if given is not None else saved_train.get(name, default)
    saved_model = checkpoint["config"] if checkpoint else {}
    for name, default in MODEL_DEFAULTS.items():
        given = getattr(args, name)
        if checkpoint and given is not None and given != saved_model[name]:
            flag = "--" + name.replace("_", "-")
            raise DataError(f"{flag} {given} does not match the checkpoint's {saved_model[name]}; "
                            "drop it when resuming")
        settings[name] = saved_model.get(name, default) if given is None else given
    if settings["n_embd"] % settings["n_head"] != 0:
        raise DataError(f"--n-embd ({settings['n_embd']}) must be divisible by --n-head ({settings['n_head']})")
    if settings["warmup_steps"] < 0:
        raise DataError(f"--warmup-steps must be >= 0, got {settings['warmup_steps']}")
    return settings


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` says; returns the process exit code."""
    out = Path(args.out)
    ckpt_path = out / CHECKPOINT_NAME
    checkpoint = None
    if args.resume:
        if not ckpt_path.exists():
            raise DataError(f"--resume: no checkpoint at {ckpt_path}")
        checkpoint = torch.load(ckpt_path, weights_only=True)
    elif ckpt_path.exists():  # never overwrite a trained model by accident
        raise DataError(f"{ckpt_path} already exists: continue it with --resume, or choose another --out")
    s = _resolve_settings(args, checkpoint)
    # the data path is stored absolute so that --resume works from any directory
    data_arg = str(Path(args.data).resolve()) if args.data is not None else None
    if checkpoint:
        seed, data_source = checkpoint["seed"], checkpoint["data"]
        if args.seed is not None and args.seed != seed:
            raise DataError(f"--seed {args.seed} differs from the checkpoint's {seed}; drop it when resuming")
        if data_arg is not None and data_arg != data_source:
            raise DataError(f"--data {args.data} differs from the checkpoint's {data_source}; drop it when resuming")
    else:
        seed = DEFAULT_SEED if args.seed is None else args.seed
        data_source = data_arg or DEFAULT_CORPUS

    # --- data: char vocabulary, 90/10 train/val split --------------------------------------------
    text = load_corpus(args.data if args.data is not None else data_source)  # errors name the path as typed
    vocab = CharVocab.from_text(text)
    if checkpoint and vocab.chars != checkpoint["vocab"]:
        raise DataError(f"the text of {data_source} changed since the checkpoint was written (different characters)")
    ids = vocab.encode(text)
    n_val = int(len(ids) * VAL_FRACTION)
    block_size = s["block_size"]
    if n_val < block_size + 2:
        need = math.ceil((block_size + 2) / VAL_FRACTION)
        raise DataError(f"the text has {len(ids)} characters; block size {block_size} needs at least {need} "
                        "(or a smaller --block-size)")
    train_ids, val_ids = ids[:-n_val], ids[-n_val:]
    train_data = torch.tensor(train_ids, dtype=torch.long)
    val_data = torch.tensor(val_ids, dtype=torch.long)
    baseline = unigram_cross_entropy(train_ids, val_ids, len(vocab))
    windows = eval_windows(len(val_ids), block_size, s["batch_size"])

    # --- model and optimizer ---------------------------------------------------------------------
    torch.manual_seed(seed)
    config = GPTConfig(
        vocab_size=len(vocab), block_size=block_size, n_layer=s["n_layer"], n_head=s["n_head"],
        n_embd=s["n_embd"], dropout=s["dropout"],
    )
    model = GPT(config)
    optimizer = make_optimizer(model, s["lr"], s["weight_decay"])
    step = 0
    if checkpoint:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        torch.set_rng_state(checkpoint["rng_state"])  # the batches and dropout masks continue the same stream
        step = checkpoint["step"]
    n_params = sum(p.numel() for p in model.parameters())
    tokens_per_step = s["batch_size"] * block_size
    source_name = data_source
    if data_source == DEFAULT_CORPUS:
        source_name = "Python's built-in documentation (pydoc_data.topics)"
    print(f"data: {source_name}: {len(ids):,} characters, vocabulary of {len(vocab)}")
    print(f"model: GPT {config.n_layer} layers x {config.n_head} heads x {config.n_embd} wide, "
          f"context {block_size}, {n_params:,} parameters")
    print(f"unigram baseline: {baseline:.4f} nats/char on validation (training-text character frequencies, "
          f"entropy {unigram_entropy(train_ids):.4f} nats)")
    if checkpoint:
        print(f"resuming from {ckpt_path} at step {step}/{s['steps']}")

    out.mkdir(parents=True, exist_ok=True)
    log_rows = _read_log(out / LOG_NAME, up_to_step=step) if checkpoint else []

    def save(val_loss: float | None) -> None:
        save_checkpoint(ckpt_path, {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "config": asdict(config),
            "vocab": vocab.chars,
            "data": data_source,
            "seed": seed,
            "train": {name: s[name] for name in TRAIN_DEFAULTS},
            "step": step,
            "val_loss": val_loss,
            "rng_state": torch.get_rng_state(),
        })
        _write_log(out / LOG_NAME, log_rows)

    # --- training loop ---------------------------------------------------------------------------
    progress = Progress(s["steps"], initial=step, log_interval=args.log_interval)
    start = time.perf_counter()
    val_loss: float | None = None
    smooth_loss: float | None = None
    stopped_early = ""
    model.train()
    with _StopRequest() as stop:
        while step < s["steps"]:
            t0 = time.perf_counter()
            lr = lr_at(step, s["lr"], s["warmup_steps"], s["steps"])
            for group in optimizer.param_groups:
                group["lr"] = lr
            x, y = get_batch(train_data, s["batch_size"], block_size)
            _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if s["grad_clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
            optimizer.step()
            step += 1
            loss_value = loss.item()
            smooth_loss = loss_value if smooth_loss is None else 0.9 * smooth_loss + 0.1 * loss_value
            tok_s = tokens_per_step / (time.perf_counter() - t0)
            row = {"step": step, "train_loss": repr(loss_value), "val_loss": "", "lr": repr(lr)}
            log_rows.append(row)
            progress.update(step, loss=f"{smooth_loss:.4f}", lr=f"{lr:.1e}", **{"tok/s": f"{tok_s:,.0f}"})

            if stop.requested:
                stopped_early = "interrupted"
            elif args.max_minutes is not None and time.perf_counter() - start >= 60 * args.max_minutes:
                stopped_early = f"time budget of {args.max_minutes:g} min reached"
            if step % s["eval_interval"] == 0 or step == s["steps"] or stopped_early:
                val_loss = evaluate(model, val_data, windows, block_size)
                row["val_loss"] = repr(val_loss)
                save(val_loss)
                progress.write(f"step {step}: val loss {val_loss:.4f} (unigram {baseline:.4f}), saved {ckpt_path}")
            if stopped_early:
                break
    progress.close()
    elapsed = time.perf_counter() - start

    if stopped_early:
        print(f"stopped at step {step}/{s['steps']}: {stopped_early}. Continue with: ember train --out {out} --resume")
        return 130 if stopped_early == "interrupted" else 0
    if val_loss is None:  # already complete when resumed
        val_loss = checkpoint["val_loss"] if checkpoint else evaluate(model, val_data, windows, block_size)
    print(f"done: {step} steps in {format_duration(elapsed)}; "
          f"final val loss {val_loss:.4f} nats/char vs unigram baseline {baseline:.4f}")
    if args.sample_chars > 0:
        model.eval()
        prompt = "\n" if "\n" in vocab.stoi else vocab.chars[0]
        idx = torch.tensor([vocab.encode(prompt)], dtype=torch.long)
        sample = model.generate(idx, args.sample_chars, temperature=0.8, top_k=20)
        print("sample:")
        print(vocab.decode(sample[0].tolist()[1:]))
    return 0


def _read_log(path: Path, up_to_step: int) -> list[dict[str, str]]:
    """Rows of an earlier run's log, without any written after its last checkpoint."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [row for row in csv.DictReader(f) if int(row["step"]) <= up_to_step]


def _write_log(path: Path, rows: list[dict[str, str]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["step", "train_loss", "val_loss", "lr"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``ember train`` on its own."""
    parser = argparse.ArgumentParser(prog="ember train", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except DataError as err:
        parser.error(str(err))
    return 2
