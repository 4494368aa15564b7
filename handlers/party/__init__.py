"""What parties do: menu, screening, the application (intake_*.py, submit.py), the dispute
flow table, respondent binding, status, talking to a person, FAQ in the chat, questions
typed mid-flow, follow-up answers, their data and their own copies. commands.py registers
the party side with the engine.

May import office, casework, conversation, storage, knowledge, settings; never staff.
"""
