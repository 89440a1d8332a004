"""Moderation's role grants: moderators work cases, seniors also policies, appeals, terminations and notifiers."""

from __future__ import annotations

import pytest

from portal.roles import Role
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (
            Role.MODERATOR,
            ["moderation.change_case", "moderation.add_decision", "moderation.add_casenote", "moderation.view_notice"],
            [
                "moderation.change_policy",
                "moderation.decide_appeal",
                "moderation.terminate_seller",
                "moderation.manage_notifiers",
            ],
        ),
        (
            Role.SENIOR_MODERATOR,
            [
                "moderation.change_policy",
                "moderation.decide_appeal",
                "moderation.terminate_seller",
                "moderation.manage_notifiers",
            ],
            ["moderation.delete_case", "moderation.delete_policy"],
        ),
        (
            Role.AUDITOR,
            ["moderation.view_case", "moderation.view_decision", "moderation.view_notice"],
            ["moderation.change_case", "moderation.add_decision", "moderation.decide_appeal"],
        ),
        (Role.VETTING_OFFICER, [], ["moderation.view_case", "moderation.add_decision"]),
    ],
)
def test_role_grants(role, granted, refused):
    user = staff(role)
    for perm in granted:
        assert user.has_perm(perm), perm
    for perm in refused:
        assert not user.has_perm(perm), perm
