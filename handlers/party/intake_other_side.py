"""The application, part two: the other side (name, address, credit code, phone)."""

from __future__ import annotations

from handlers.casework.validators import (
    parse_free_text,
    parse_mobile,
    parse_name,
    parse_phone,
    parse_uscc,
)
from handlers.conversation.i18n import mark as _
from handlers.party.intake_form import Field, is_employer

FIELDS: dict[str, Field] = {
    f.key: f
    for f in [
        Field(
            "respondent_name",
            _(
                "What is the full name of the employer (company or person "
                "you worked for)? Write it as on your contract or pay slip "
                "if you can."
            ),
            _("What is the worker's full name?"),
            lambda c, s: parse_name(s, max_len=100),
        ),
        Field(
            "respondent_address",
            _("The employer's address (where it is registered or where its office is)?"),
            _("The worker's address (optional)."),
            lambda c, s: parse_free_text(s, max_len=300),
            optional=True,
            max_len=300,
        ),
        Field(
            "respondent_uscc",
            _(
                "The employer's unified social credit code, if you know it "
                "(18 characters, printed on its business licence). "
                "Otherwise press Skip."
            ),
            _("(not asked)"),
            lambda c, s: parse_uscc(s),
            optional=True,
        ),
        Field(
            "respondent_phone",
            _(
                "A phone number for the employer, if you know one (optional): a mobile, or a "
                "landline with its area code, for example 0772-1234567."
            ),
            _("The worker's mobile number, if you know it (optional)."),
            # an employer often has only a landline; a worker's own phone is a mobile
            lambda c, s: parse_mobile(s) if is_employer(c) else parse_phone(s),
            optional=True,
        ),
    ]
}
