"""What the center produces: documents (.docx), the case ledger, monthly figures and charts,
a person's copy of their data.

May import handlers.casework, handlers.conversation, storage, knowledge and settings.
"""
