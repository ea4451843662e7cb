"""MG110 lives next to the `# mockguard: allow` comments it checks; named here so the walk finds it."""

from ..suppressions import SuppressionWithoutReason

__all__ = ["SuppressionWithoutReason"]
