"""import ember fixes glibc's mmap/trim thresholds (ember/_malloc.py), unless told not to."""
import os
import platform
import subprocess
import sys

import pytest

CODE = "import ember._config as c; print(c.malloc_tuned)"


def _tuned(**env: str) -> str:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "EMBER_MALLOC"))}
    full.update(env)
    return subprocess.run([sys.executable, "-c", CODE], env=full, capture_output=True, text=True,
                          check=True).stdout.strip()


needs_glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's")


@needs_glibc
def test_thresholds_are_set_at_import():
    assert _tuned() == "True"


@needs_glibc
@pytest.mark.parametrize("env", [{"EMBER_MALLOC_TUNING": "0"}, {"MALLOC_MMAP_THRESHOLD_": "131072"},
                                 {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_user_settings_win(env):
    assert _tuned(**env) == "False"


def test_other_platforms_are_left_alone(monkeypatch):
    from ember import _malloc
    monkeypatch.setattr(_malloc.sys, "platform", "darwin")
    assert _malloc.tune_malloc() is False
