"""The seed chapter prints byte-identical output under ember and under torch."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "seed_chapter.py"

# the only lines that differ between the ember and the torch version of the script
IMPORTS = {
    "import ember as torch": "import torch",
    "import ember.nn as nn": "import torch.nn as nn",
    "import ember.optim as optim  # noqa: F401  (imported by the chapter, never used in it)":
        "import torch.optim as optim  # noqa: F401  (imported by the chapter, never used in it)",
}


def _run(source: str) -> str:
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _torch_version(src: str) -> str:
    lines = src.split("\n")
    for old, new in IMPORTS.items():
        assert lines.count(old) == 1, f"expected exactly one line {old!r}"
        lines[lines.index(old)] = new
    return "\n".join(lines)


def test_seed_chapter_matches_torch():
    src = SCRIPT.read_text()
    torch_src = _torch_version(src)
    assert "import ember" not in torch_src
    torch_out = _run(torch_src)
    ember_out = _run(src)
    assert ember_out == torch_out
    # the chapter's Linear and Embedding weights (seed 42) are in the output
    assert "[ 0.5090, -0.4236,  0.5018]" in ember_out
    assert "[ 0.3189, -0.4245,  0.3057]" in ember_out
