"""The language server (`fastapi-lint server`): `engine` checks documents in their
projects and builds the edits of code actions; `server` speaks LSP over stdio (pygls).

pygls is an optional dependency (`pip install 'fastapi-lint[lsp]'`): only the `server`
subcommand imports this package.
"""

from __future__ import annotations

import argparse
import sys


def server_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="fastapi-lint server",
        description="Run the language server over stdio (for editors: diagnostics, fixes, hover).",
    )
    parser.add_argument("--log-level", choices=("error", "warning", "info", "debug"), default="warning",
                        help="what the server logs on stderr (default: warning)")
    args = parser.parse_args(argv)
    try:
        from .server import serve
    except ImportError as error:
        sys.stderr.write(
            f"error: the language server needs pygls ({error}): install it with "
            "`pip install 'fastapi-lint[lsp]'`\n"
        )
        return 2
    import logging

    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="fastapi-lint server: %(levelname)s: %(message)s")
    return serve()
