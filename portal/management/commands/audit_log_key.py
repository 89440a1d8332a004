from django.core.management.base import BaseCommand, CommandError

from portal.audit import notes


class Command(BaseCommand):
    help = (
        "Generate a new Ed25519 signing key for the audit log and print it (for HALLMARK_LOG_SIGNING_KEY). "
        "Its name is the log's origin line, e.g. hallmark.example.com/audit-log. The verifier key, "
        "which auditors and witnesses need, goes to standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument("origin", help="the log's name, e.g. hallmark.example.com/audit-log (no spaces or '+')")

    def handle(self, *args, origin, **options):
        try:
            key = notes.generate(origin)
        except notes.NoteError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(key.signing_key_text())
        self.stderr.write("Verifier key (publish it; after a rotation keep it in HALLMARK_LOG_OLD_VERIFIER_KEYS):")
        self.stderr.write(key.verifier_key)
