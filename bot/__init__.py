"""mockguard: flags each new mock a change adds to integration and e2e tests.

Rooms of the house:
- `bot.engine`: the pure analysis engine (a change in, a report out). Knows nothing of git, GitHub or HTTP.
- `bot.gitrepo`: reads a change out of a local git repository for the command line.
- `bot.github`: the GitHub boundary (App auth, REST client, payload shapes).
- `bot.service`: the webhook service that wires GitHub to the engine.
- `bot.sandbox`: a GitHub-compatible server on loopback, for tests and for trying mockguard out.
"""

__version__ = "0.1.0"
