"""The engine: Core.handle, the context a handler sees (Ctx), the flow machine, routing of
commands, buttons and free text, the registry features register with, neutral messages,
i18n, numbered choices, locks, edge input, masking for groups, events for metrics.

May import storage, knowledge and settings only: it learns of party/ and staff/ by
registration (registry.py), never by importing them.
"""
