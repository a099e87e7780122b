"""The examples print byte-identical output under ember and under torch."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(source: str) -> str:
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True,
                          cwd=ROOT).stdout


def test_quickstart_matches_torch():
    src = (ROOT / "examples" / "quickstart.py").read_text()
    assert "import ember as torch" in src
    ember_out = _run(src)
    torch_out = _run(src.replace("import ember as torch", "import torch"))
    assert ember_out == torch_out
    assert "loss" in ember_out
