from django.core.management.base import BaseCommand, CommandError

from portal.audit.seal import ChainBroken, seal, seal_lag


class Command(BaseCommand):
    help = (
        "Seal the audit events waiting for the log (what the Celery sealer does every second): number them, "
        "add them to the Merkle tree and sign a checkpoint. Safe to run beside the worker: one sealer works at a time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="events per transaction (default 5000)")

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            sealed = seal(batch_size=batch_size)
        except ChainBroken as exc:
            raise CommandError(str(exc)) from exc
        lag = seal_lag()
        waiting = "nothing waits" if lag is None else f"the oldest waiting event is {lag:.1f} s old"
        self.stdout.write(f"Sealed {sealed} events; {waiting}.")
