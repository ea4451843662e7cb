"""The rules, one small class each. Every `Rule` subclass with an `id` anywhere in this package
(subpackages included) is a rule: `bot.engine.rules` finds them by walking the package, so adding
a rule, or a mocking library, is adding a file here."""
