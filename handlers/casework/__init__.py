"""The rules of a case both sides use: lifecycle (states and transitions), deadlines and the
working-day calendar, validators and parsers, amounts in words, claim categories, case
references and departments, binding codes, the case summary, the follow-up schedule.

May import handlers.conversation, storage, knowledge and settings; not office, party, staff.
"""
