from django.core.management.base import BaseCommand, CommandError

from portal import audit


class Command(BaseCommand):
    help = "Walk the audit chain, recompute every hash and name the first broken link."

    def handle(self, *args, **options):
        result = audit.verify_chain()
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at event seq={result.broken_seq} (id={result.broken_id}): {result.problem}. "
                f"{result.count} event(s) before it verified; last good hash {result.head_hash}"
            )
        self.stdout.write(
            f"audit chain OK: {result.count} event(s) verified"
            + (f" (seq {result.first_seq} to {result.last_seq})" if result.count else "")
            + (f", {result.redacted} with redacted payload" if result.redacted else "")
            + f"; head hash {result.head_hash}"
        )
