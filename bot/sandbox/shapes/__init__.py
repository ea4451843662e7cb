"""The JSON shapes GitHub answers with (the OpenAPI subset's response schemas), built from state.

`Renderer(cfg, state, git, base, actor)` renders every shape; its methods live in three modules by
subject: accounts.py, repository.py, activity.py.
"""

from .accounts import b64_lines, node_id, stable_id
from .activity import Renderer

__all__ = ["Renderer", "b64_lines", "node_id", "stable_id"]
