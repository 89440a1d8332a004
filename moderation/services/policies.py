"""Policies: the rules a decision applies, kept by senior moderators in the console."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from moderation.audit_actions import ModerationAction
from moderation.models import Policy
from portal import audit
from portal.errors import DomainError, PermissionDeniedError

EDITABLE_FIELDS = (
    "code",
    "title",
    "ground",
    "reference",
    "reference_url",
    "statement_template",
    "default_action",
    "strike_points",
    "dsa_category",
    "dsa_keywords",
    "active",
)

# The names decisions fill into a statement template (decisions._render_explanation).
# Anything else would reach the seller's statement of reasons as raw braces, and
# attribute access ("{seller.contact_email}") would read from the object it is given.
TEMPLATE_PLACEHOLDERS = ("listing", "brand", "seller")


def _statement_template_error(template: str) -> str | None:
    try:
        pieces = list(string.Formatter().parse(template or ""))
    except ValueError:
        return _("The statement template has a lone brace: write {{ or }} for a brace the seller should read.")
    for _text, name, spec, conversion in pieces:
        if name is None:
            continue
        if name not in TEMPLATE_PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            return _(
                "The statement template may use only {listing}, {brand} and {seller}; %(found)s is not one of them."
            ) % {"found": shown}
    return None


def _dsa_keywords_error(keywords: Any) -> str | None:
    if isinstance(keywords, list) and all(isinstance(k, str) and k.strip() for k in keywords):
        return None
    return _('Give the DSA keywords as a list of quoted words, such as ["KEYWORD_TRADEMARK_INFRINGEMENT"].')


def policy_errors(*, statement_template: str, dsa_keywords: Any) -> dict[str, str]:
    """Field → message for a policy ``policy_save`` would refuse (the console form shows these before saving)."""
    errors = {}
    template_error = _statement_template_error(statement_template)
    if template_error:
        errors["statement_template"] = template_error
    keywords_error = _dsa_keywords_error(dsa_keywords)
    if keywords_error:
        errors["dsa_keywords"] = keywords_error
    return errors


@transaction.atomic
def policy_save(*, actor, values: Mapping[str, Any], policy: Policy | None = None) -> Policy:
    """Create a policy (``policy`` None) or change one; audited as ``moderation.policy.saved``.

    ``values`` holds any of ``EDITABLE_FIELDS``. A change records the before and
    after of each field that moved; saving an unchanged policy records nothing.
    """
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(_("A policy has no field %(f)s.") % {"f": ", ".join(unknown)}, code="invalid")
    if not actor.has_perm("moderation.change_policy" if policy is not None else "moderation.add_policy"):
        raise PermissionDeniedError(_("Only a senior moderator may write policies."))
    if policy is None:
        target, before = Policy(), {}
    else:
        # Locked so two senior moderators editing one policy each see the other's change in the record.
        target = Policy.objects.select_for_update().get(pk=policy.pk)
        before = {f: getattr(target, f) for f in EDITABLE_FIELDS}
    for field, value in values.items():
        setattr(target, field, value)
    errors = policy_errors(statement_template=target.statement_template, dsa_keywords=target.dsa_keywords)
    if errors:
        raise DomainError(" ".join(errors.values()), code="invalid")
    try:
        target.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from None
    after = {f: getattr(target, f) for f in EDITABLE_FIELDS}
    changes = audit.diff(before, after)
    if policy is not None and not changes:
        return target
    if policy is None:
        target.save()
    else:
        target.save(update_fields=list(changes))
    audit.record(action=ModerationAction.POLICY_SAVED, actor=actor, target=target, changes=changes)
    return target
