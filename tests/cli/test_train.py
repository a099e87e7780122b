"""``ember train`` tried as a new user would: subprocesses for the real runs, in-process calls for argument errors."""

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
from ember.cli import main
from ember.models.gpt import load_gpt_module

REPO = Path(__file__).resolve().parents[2]
TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4",
        "--eval-interval", "10", "--log-interval", "5", "--sample-chars", "20"]
TEXT = "the quick brown fox jumps over the lazy dog. " * 60 + "pack my box with five dozen liquor jugs.\n" * 40


def ember_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # one BLAS thread: the tiny matrices only lose time to threading, and tests may run side by side
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ember", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def read_log(out: Path) -> list[dict[str, str]]:
    with (out / "log.csv").open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(autouse=True)
def _keep_rng():
    """In-process runs seed ember's global generator; leave it as other tests expect it."""
    state = ember.get_rng_state()
    yield
    ember.set_rng_state(state)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_train_shows_progress_saves_a_torch_loadable_checkpoint_and_samples(tmp_path, corpus):
    out = tmp_path / "run"
    result = ember_cli("train", "--data", str(corpus), "--out", str(out), "--steps", "20", *TINY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout
    assert f"data: {corpus.resolve()}: {len(TEXT):,} characters, vocabulary of {len(set(TEXT))}" in lines
    assert "unigram baseline: " in lines and "nats/char on validation (training-text character frequencies" in lines
    for step in (5, 10, 15, 20):
        assert f"step {step:>2}/20  loss " in lines and "tok/s" in lines
    assert "step 10: val loss" in lines and "step 20: val loss" in lines
    assert "done: 20 steps in" in lines and "final val loss" in lines
    assert "sample:" in lines

    # the checkpoint is a plain torch checkpoint: weights_only loading works and the model runs in torch
    ckpt = torch.load(out / "ckpt.pt", weights_only=True)
    assert ckpt["step"] == 20 and ckpt["vocab"] == "".join(sorted(set(TEXT)))
    assert set(ckpt) >= {"model", "optimizer", "config", "rng_state", "seed", "train", "data", "val_loss"}
    assert ckpt["optimizer"]["state"][0]["step"].item() == 20
    model = load_gpt_module(torch).GPT(load_gpt_module(torch).GPTConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    log = read_log(out)
    assert [int(row["step"]) for row in log] == list(range(1, 21))
    assert float(log[-1]["val_loss"]) == ckpt["val_loss"]
    assert float(log[-1]["train_loss"]) < float(log[0]["train_loss"])


def test_resume_continues_exactly(tmp_path, corpus):
    # dropout on: the restored RNG state must give the same masks and batches as the uninterrupted run
    args = ["train", "--data", str(corpus), "--steps", "12", "--dropout", "0.1", *TINY]
    straight = ember_cli(*args, "--out", "straight", cwd=tmp_path)
    assert straight.returncode == 0, straight.stderr

    # a time budget of 0 minutes stops after the first step, with a checkpoint to resume from
    stopped = ember_cli(*args, "--out", "resumed", "--max-minutes", "0", cwd=tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped at step 1/12: time budget of 0 min reached" in stopped.stdout
    assert "Continue with: ember train --out resumed --resume" in stopped.stdout
    resumed = ember_cli("train", "--out", "resumed", "--resume", *TINY[-6:], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from resumed/ckpt.pt at step 1/12" in resumed.stdout

    expected, actual = read_log(tmp_path / "straight"), read_log(tmp_path / "resumed")
    assert [row["step"] for row in actual] == [str(i) for i in range(1, 13)]
    assert [row["train_loss"] for row in actual] == [row["train_loss"] for row in expected]
    assert actual[-1]["val_loss"] == expected[-1]["val_loss"]
    a = torch.load(tmp_path / "straight" / "ckpt.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "resumed" / "ckpt.pt", weights_only=True)["model"]
    for name in a:
        np.testing.assert_array_equal(a[name].numpy(), b[name].numpy(), err_msg=name)


def test_ctrl_c_stops_after_the_step_with_a_checkpoint(tmp_path, corpus):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "ember", "train", "--data", str(corpus), "--out", "run", "--steps", "100000", *TINY,
            "--log-interval", "1"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(argv, cwd=tmp_path, env=env, text=True, **pipes) as proc:
        for line in proc.stdout:
            if line.startswith("step "):  # training is under way
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    step = torch.load(tmp_path / "run" / "ckpt.pt", weights_only=True)["step"]
    assert 1 <= step < 100000
    assert f"stopped at step {step}/100000: interrupted. Continue with: ember train --out run --resume" in out
    assert len(read_log(tmp_path / "run")) == step


def test_default_corpus_is_pythons_documentation(tmp_path):
    result = ember_cli("train", "--out", "run", "--steps", "1", "--sample-chars", "0", *TINY[:10], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "data: Python's built-in documentation (pydoc_data.topics):" in result.stdout
    assert "step 1: val loss" in result.stdout


def test_missing_data_file_is_a_clear_error(tmp_path):
    result = ember_cli("train", "--data", "nope.txt", "--out", "run", cwd=tmp_path)
    assert result.returncode == 2
    assert "ember train: error: data file not found: nope.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def _error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["train", "--steps", "0"], "argument --steps: must be a positive integer, got 0"),
    (["train", "--steps", "ten"], "argument --steps: must be a positive integer, got ten"),
    (["train", "--dropout", "1"], "argument --dropout: must be in [0, 1), got 1"),
    (["train", "--lr", "nan"], "argument --lr: must be a finite number >= 0, got nan"),
    (["train", "--layers", "2"], "unrecognized arguments: --layers 2"),
    (["train", "--n-embd", "30", "--n-head", "4"], "--n-embd (30) must be divisible by --n-head (4)"),
    (["fly"], "argument COMMAND: invalid choice: 'fly'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments(capsys, argv, message):
    assert message in _error(capsys, *argv)


def test_bad_data(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert f"data file is empty: {empty}" in _error(capsys, "train", "--data", str(empty))
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00abc")
    assert f"data file is not UTF-8 text: {binary}" in _error(capsys, "train", "--data", str(binary))
    assert f"data path is a directory, not a text file: {tmp_path}" in _error(capsys, "train", "--data", str(tmp_path))
    short = tmp_path / "short.txt"
    short.write_text("hello world")
    message = _error(capsys, "train", "--data", str(short), "--block-size", "64")
    assert "the text has 11 characters; block size 64 needs at least 660 (or a smaller --block-size)" in message


def test_resume_errors(capsys, tmp_path, corpus):
    message = _error(capsys, "train", "--out", str(tmp_path), "--resume")
    assert f"--resume: no checkpoint at {tmp_path / 'ckpt.pt'}" in message
    out = str(tmp_path / "run")
    assert main(["train", "--data", str(corpus), "--out", out, "--steps", "1", "--sample-chars", "0", *TINY[:10]]) == 0
    message = _error(capsys, "train", "--data", str(corpus), "--out", out)
    assert f"{out}/ckpt.pt already exists: continue it with --resume, or choose another --out" in message
    message = _error(capsys, "train", "--out", out, "--resume", "--n-layer", "3")
    assert "--n-layer 3 does not match the checkpoint's 1; drop it when resuming" in message
    message = _error(capsys, "train", "--out", out, "--resume", "--data", "other.txt")
    assert f"--data other.txt differs from the checkpoint's {corpus.resolve()}; drop it when resuming" in message
    message = _error(capsys, "train", "--out", out, "--resume", "--seed", "5")
    assert "--seed 5 differs from the checkpoint's 1337; drop it when resuming" in message
    assert main(["train", "--out", out, "--resume", "--data", str(corpus), "--seed", "1337", "--steps", "2",
                 "--sample-chars", "0"]) == 0  # the same values are fine


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "train" in text and "sample" in text and "usage: ember" in text
