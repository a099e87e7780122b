"""``ember sample``: prints a continuation of the prompt from a checkpoint written by ``ember train``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ember
from ember.cli import main

REPO = Path(__file__).resolve().parents[2]
TEXT = "the quick brown fox jumps over the lazy dog. " * 60 + "pack my box with five dozen liquor jugs.\n" * 40


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A tiny model trained in-process for a few steps (faster than a subprocess)."""
    root = tmp_path_factory.mktemp("sample")
    corpus = root / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    state = ember.get_rng_state()
    code = main(["train", "--data", str(corpus), "--out", str(root / "run"), "--steps", "5", "--n-layer", "1",
                 "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--sample-chars", "0"])
    ember.set_rng_state(state)  # leave the global generator as other tests expect it
    assert code == 0
    return root / "run" / "ckpt.pt"


def test_sample_prints_the_prompt_and_its_continuation(checkpoint):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "ember", "sample", "--checkpoint", str(checkpoint), "--prompt", "the ",
            "--max-new-tokens", "40", "--seed", "7", "--top-k", "5", "--temperature", "0.7"]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    text = first.stdout
    assert text.startswith("the ") and text.endswith("\n")
    assert len(text) == len("the ") + 40 + 1
    assert set(text) <= set(TEXT)


def test_seed_makes_the_sample_repeatable(checkpoint, capsys):
    argv = ["sample", "--checkpoint", str(checkpoint), "--prompt", "fox", "--max-new-tokens", "30", "--seed", "3"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    assert main(argv[:-1] + ["4"]) == 0
    assert capsys.readouterr().out != first


def test_checkpoint_directory_is_accepted(checkpoint, capsys):
    assert main(["sample", "--checkpoint", str(checkpoint.parent), "--prompt", "a", "--max-new-tokens", "5"]) == 0
    assert capsys.readouterr().out.startswith("a")


def test_default_prompt_is_a_newline(checkpoint, capsys):
    assert main(["sample", "--checkpoint", str(checkpoint), "--max-new-tokens", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\n") and len(out) == 1 + 5 + 1


def _error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["sample", *argv])
    assert exc.value.code == 2
    return capsys.readouterr().err


def test_unknown_prompt_characters(checkpoint, capsys):
    message = _error(capsys, "--checkpoint", str(checkpoint), "--prompt", "Über ZZ")
    assert "ember sample: error: characters not in the model's vocabulary: 'Ü', 'Z'" in message


def test_errors(checkpoint, capsys, tmp_path):
    assert f"no checkpoint at {tmp_path / 'nope.pt'}" in _error(capsys, "--checkpoint", str(tmp_path / "nope.pt"))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    assert f"cannot read checkpoint {junk}" in _error(capsys, "--checkpoint", str(junk))
    assert "--prompt must not be empty" in _error(capsys, "--checkpoint", str(checkpoint), "--prompt", "")
    assert "argument --temperature: must be a finite number > 0, got 0" in _error(capsys, "--temperature", "0")
    assert "argument --max-new-tokens: must be a positive integer, got -1" in _error(capsys, "--max-new-tokens", "-1")
