"""Roles: Django groups with model permissions, defined in this one table.

``sync_roles`` (run after every migrate) makes each group's permissions equal
to the table, so a fresh database has them and an edit here is the only way to
change what a role may do. Entries name ``app_label.model`` with the actions
(view/add/change/delete) or ``app_label.codename`` for custom permissions. An
entry whose model is not installed is an error, not a silent gap.

Object scoping (a seller sees only its own business) is not a permission: it is
a queryset filter in each app's selectors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SELLER_MEMBER = "seller_member", _("Seller member")
    VETTING_OFFICER = "vetting_officer", _("Vetting officer")
    MODERATOR = "moderator", _("Moderator")
    SENIOR_MODERATOR = "senior_moderator", _("Senior moderator")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = frozenset({Role.VETTING_OFFICER, Role.MODERATOR, Role.SENIOR_MODERATOR, Role.AUDITOR})

# Models no role may even read in the console: second factors and log-in
# internals carry secrets or are plumbing.
HIDDEN_FROM_ROLES = frozenset(
    {
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
        "otp_static.statictoken",
        "sessions.session",
        "contenttypes.contenttype",
        "auth.permission",
        "admin.logentry",
    }
)

VIEW = ("view",)
READ_WRITE = ("view", "add", "change")

# role -> {"app_label.model": actions, "app_label.codename": None (custom permission)}
# The auditor's "*" means view on every model not in HIDDEN_FROM_ROLES.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...] | None]] = {
    Role.SELLER_MEMBER: {},
    Role.VETTING_OFFICER: {
        "portal.auditevent": VIEW,
        "portal.notification": VIEW,
    },
    Role.MODERATOR: {
        "portal.auditevent": VIEW,
        "portal.notification": VIEW,
    },
    Role.SENIOR_MODERATOR: {
        "portal.auditevent": VIEW,
        "portal.notification": VIEW,
        "portal.user": VIEW,
    },
    Role.AUDITOR: {"*": VIEW},
}

# Extra rows contributed by apps (sellers, moderation) so that portal never
# imports them; each app calls ``extend`` from its AppConfig.ready().
_EXTENSIONS: list[tuple[str, dict[str, tuple[str, ...] | None]]] = []


def extend(role: str, grants: dict[str, tuple[str, ...] | None]) -> None:
    _EXTENSIONS.append((str(role), grants))


def table() -> dict[str, dict[str, tuple[str, ...] | None]]:
    merged = {str(role): dict(grants) for role, grants in ROLE_PERMISSIONS.items()}
    for role, grants in _EXTENSIONS:
        merged.setdefault(role, {}).update(grants)
    return merged


# Precedence when a user holds several roles: the most powerful names them.
_PRECEDENCE = [Role.SENIOR_MODERATOR, Role.MODERATOR, Role.VETTING_OFFICER, Role.AUDITOR, Role.SELLER_MEMBER]


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_hallmark_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._hallmark_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return str(role) in roles_of(user)


def role_of(user) -> str:
    """The one role name stamped on audit events."""
    if user is None or not getattr(user, "pk", None):
        return "system"
    held = roles_of(user)
    for role in _PRECEDENCE:
        if role in held:
            return str(role)
    if user.is_superuser:
        return "admin"
    return "staff" if user.is_staff else "user"


def is_auditor(user) -> bool:
    return has_role(user, Role.AUDITOR) and not user.is_superuser


def _resolve(perm_model, content_type_model, apps_registry, key: str, actions) -> list:
    app_label, name = key.split(".", 1)
    if actions is None:
        perm = perm_model.objects.filter(content_type__app_label=app_label, codename=name).first()
        if perm is None:
            raise LookupError(f"roles table names a missing permission {key!r}")
        return [perm]
    try:
        model = apps_registry.get_model(app_label, name)
    except LookupError as exc:
        raise LookupError(f"roles table names a missing model {key!r}") from exc
    ct = content_type_model.objects.get_for_model(model, for_concrete_model=False)
    perms = []
    for action in actions:
        codename = f"{action}_{model._meta.model_name}"
        perm = perm_model.objects.filter(content_type=ct, codename=codename).first()
        if perm is None:
            raise LookupError(f"permission {app_label}.{codename} does not exist")
        perms.append(perm)
    return perms


def sync_roles(**_kwargs) -> None:
    """Create the groups and set their permissions to exactly the table."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, grants in table().items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for key, actions in grants.items():
            if key == "*":
                for model in apps.get_models():
                    if model._meta.label_lower in HIDDEN_FROM_ROLES:
                        continue
                    perms += _resolve(Permission, ContentType, apps, model._meta.label_lower, actions)
            else:
                perms += _resolve(Permission, ContentType, apps, key, actions)
        group.permissions.set(perms)
