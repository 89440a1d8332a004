import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from portal.roles import HIDDEN_FROM_ROLES, Role, role_of, sync_roles, table
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {str(r) for r in Role}


def test_auditor_holds_view_permission_on_every_visible_model_and_nothing_else():
    perms = set(Group.objects.get(name=Role.AUDITOR).permissions.values_list("content_type__app_label", "codename"))
    assert perms, "the auditor role has no permissions"
    assert all(codename.startswith("view_") for _, codename in perms)
    visible = {m._meta.label_lower for m in apps.get_models()} - HIDDEN_FROM_ROLES
    assert {f"{app}.{codename.removeprefix('view_')}" for app, codename in perms} == visible


def test_group_permissions_match_the_table_even_after_someone_edits_them():
    group = Group.objects.get(name=Role.MODERATOR)
    group.permissions.clear()
    sync_roles()
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    expected = {
        (key.split(".")[0], f"{action}_{key.split('.')[1]}")
        for key, actions in table()[Role.MODERATOR].items()
        for action in actions or ()
    }
    assert granted == expected


def test_role_of_prefers_the_most_powerful_role():
    user = staff(Role.MODERATOR)
    user.groups.add(Group.objects.get(name=Role.SENIOR_MODERATOR))
    user._hallmark_roles = None
    del user._hallmark_roles
    assert role_of(user) == "senior_moderator"
    assert role_of(None) == "system"
    assert role_of(UserFactory(is_superuser=True, is_staff=True)) == "admin"


def test_a_table_entry_for_a_missing_model_is_an_error(monkeypatch):
    from portal import roles

    monkeypatch.setattr(roles, "_EXTENSIONS", [("moderator", {"portal.nosuchmodel": ("view",)})])
    with pytest.raises(LookupError, match="missing model"):
        sync_roles()
