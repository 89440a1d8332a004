from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.api_auth import Scope
from portal.errors import DomainError


class Command(BaseCommand):
    help = "Create an API key and print it once. The key is stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="who or what uses the key, e.g. 'marketplace listing sync'")
        parser.add_argument("--scopes", required=True, help=f"comma-separated, from: {', '.join(Scope.ALL)}")
        parser.add_argument("--owner", help="username of the person the key belongs to (e.g. an auditor)")

    def handle(self, *args, name, scopes, owner=None, **options):
        from portal.models import User

        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        owner_user = None
        if owner:
            owner_user = User.objects.filter(username=owner).first()
            if owner_user is None:
                raise CommandError(f"No user named {owner!r}.")
        try:
            key, full = services.api_key_create(name=name, scopes=wanted, actor=None, owner=owner_user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"API key '{key.name}' with scopes {', '.join(key.scopes)}:")
        self.stdout.write(full)
        self.stderr.write("Store it now: it cannot be shown again.")
