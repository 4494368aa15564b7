"""Staff commands for the work group and private chats with staff."""

# Importing the command modules registers their commands.
from handlers.staff import cases, docs, joint, roster, surveys, views  # noqa: F401
