"""The `mockguard` command line. Each subcommand lives next to what it drives; this only composes them."""

from __future__ import annotations

import importlib

import click

from bot import __version__, extras


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs, so `mockguard check` stays fast."""

    lazy = {
        "check": ("bot.commands", "check"),
        "init": ("bot.commands", "init"),
        "rules": ("bot.commands", "rules"),
        "rule": ("bot.commands", "rule"),
        "sandbox": ("bot.sandbox.cli", "sandbox"),
        "serve": ("bot.service.cli", "serve"),
        "worker": ("bot.service.cli", "worker"),
        "demo": ("bot.demo.cli", "demo"),
        "review": ("bot.review", "review"),
        "audit": ("bot.audit.cli", "audit"),
    }

    def list_commands(self, ctx):
        return sorted(self.lazy)

    def get_command(self, ctx, name):
        if name not in self.lazy:
            return None
        module_name, attr = self.lazy[name]
        if refusal := extras.guard(name):  # its extra is not installed: one line, not a traceback
            return refusal
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:  # a room not built yet
            if error.name and error.name.startswith("bot"):
                return None
            if name in extras.COMMAND_EXTRAS:
                return extras.refusal(name, extras.COMMAND_EXTRAS[name], [error.name or ""])
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="mockguard")
def main() -> None:
    """mockguard keeps integration tests honest: it flags each new mock a change adds."""


if __name__ == "__main__":
    main()
