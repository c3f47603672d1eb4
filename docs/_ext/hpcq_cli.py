"""Sphinx extension: the ``hpcq`` command's reference, rendered from its parser.

The directive ``hpcq-cli`` builds the parser with :func:`hpcq.cli.build_parser` at
documentation build time and renders the top-level help and every sub-command's help
(recursively, for commands with sub-commands of their own) as sections with literal
blocks, so the reference always matches the installed command::

    ```{hpcq-cli}
    ```
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

# argparse wraps help to the terminal width; fix it so builds are reproducible.
_HELP_WIDTH = "88"


def _subcommands(
    parser: argparse.ArgumentParser,
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The (name, parser) pairs of a parser's sub-commands, aliases left out."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) in seen:
                    continue
                seen.add(id(sub))
                yield name, sub


def _help_text(parser: argparse.ArgumentParser) -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _HELP_WIDTH
    try:
        return parser.format_help().rstrip() + "\n"
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _section(title: str, anchor: str, parser: argparse.ArgumentParser) -> nodes.section:
    section = nodes.section(ids=[anchor], names=[anchor])
    section += nodes.title(text=title)
    help_text = _help_text(parser)
    block = nodes.literal_block(help_text, help_text)
    block["language"] = "text"
    section += block
    for name, sub in _subcommands(parser):
        section += _section(f"{title} {name}", f"{anchor}-{name}", sub)
    return section


class HpcqCliDirective(SphinxDirective):
    """Render ``hpcq --help`` and the help of every sub-command."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from hpcq.cli import build_parser

        parser = build_parser()
        self.env.note_dependency(build_parser.__code__.co_filename)
        result: list[nodes.Node] = []
        help_text = _help_text(parser)
        block = nodes.literal_block(help_text, help_text)
        block["language"] = "text"
        result.append(block)
        for name, sub in _subcommands(parser):
            section = _section(f"hpcq {name}", f"cli-{name}", sub)
            self.state.document.note_implicit_target(section, section)
            result.append(section)
        return result


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("hpcq-cli", HpcqCliDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
