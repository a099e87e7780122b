"""The ``ember`` command: ``ember train`` and ``ember sample`` (also ``python -m ember``)."""

from __future__ import annotations

import argparse
import sys

from ember.cli import sample, train
from ember.cli._data import DataError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ember",
        description="Train and sample a character-level GPT written in ember (PyTorch's API on NumPy).",
        epilog="Try: ember train   (about two minutes on a laptop CPU), then: ember sample --prompt 'The '",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module, summary in (
        ("train", train, "train a character-level GPT on a text file (default: Python's own docs)"),
        ("sample", sample, "generate text from a checkpoint written by train"),
    ):
        sub = commands.add_parser(name, help=summary, description=module.DESCRIPTION)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run, parser=sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``ember`` command line; returns the exit code (argparse exits with 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DataError as err:
        args.parser.error(str(err))  # prints usage + "ember train: error: ..." and exits with 2
    except KeyboardInterrupt:  # a second Ctrl-C during training, or one while sampling
        print("interrupted", file=sys.stderr)
        return 130
    return 2
