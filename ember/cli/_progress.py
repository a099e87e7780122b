"""Training progress: a tqdm bar when tqdm is installed and the output is a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress", "format_duration"]


def format_duration(seconds: float) -> str:
    """``75.2`` -> ``'1:15'``, ``3725`` -> ``'1:02:05'``."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Reports steps ``initial+1 .. total``.

    ``update(step, **stats)`` is called after every step. With tqdm the bar shows the stats as its
    postfix; without it a line is printed every ``log_interval`` steps and at the last step, so logs
    of non-interactive runs (CI, pipes) stay short.
    """

    def __init__(
        self, total: int, initial: int = 0, log_interval: int = 10, stream: TextIO | None = None
    ) -> None:
        self.total = total
        self.log_interval = max(1, log_interval)
        self.stream = stream if stream is not None else sys.stdout
        self.start = time.perf_counter()
        self._bar: Any = None
        if self.stream.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self._bar = tqdm(total=total, initial=initial, file=self.stream, unit="step", dynamic_ncols=True)

    def update(self, step: int, **stats: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix(stats, refresh=False)
            self._bar.update(step - self._bar.n)
        elif step % self.log_interval == 0 or step == self.total:
            width = len(str(self.total))
            fields = "  ".join(f"{name} {value}" for name, value in stats.items())
            elapsed = format_duration(time.perf_counter() - self.start)
            self.write(f"step {step:>{width}}/{self.total}  {fields}  {elapsed}")

    def write(self, line: str) -> None:
        """Print a line without breaking the bar."""
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
