"""The platform-neutral core: a neutral message in, neutral replies out.

Layers, each importing only those below it (`lint-imports` checks; pyproject.toml):
app (the composition root) > party | staff > office > casework > conversation, then
storage | knowledge > settings. Nothing here imports bot/.
"""
