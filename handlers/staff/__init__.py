"""Staff commands for the work group and private chats with staff.

The command modules register themselves when imported; `handlers.staff.commands_all`
imports them all (the router does), so importing one helper module here stays cheap and free
of import cycles.
"""
