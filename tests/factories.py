from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import User
from portal.roles import STAFF_ROLES, Role

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not extracted:
            return
        self.groups.add(Group.objects.get(name=str(extracted)))
        if extracted in STAFF_ROLES:
            self.is_staff = True
        self.save()


def staff(role: Role, **kwargs) -> User:
    return UserFactory(role=role, **kwargs)


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)
