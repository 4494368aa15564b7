"""What staff do: commands declared once in registry.py (one authorization filter), the desk
(/register, /today, /report), the daily digest and monthly report, pushes to the parties,
replies to parties who asked for a person, FAQ curation. routes.py registers the staff side
with the engine.

May import office, casework, conversation, storage, knowledge, settings; never party.
"""
