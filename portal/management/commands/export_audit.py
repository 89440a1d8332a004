import sys

from django.core.management.base import BaseCommand, CommandError

from portal import audit
from portal.audit.export import FORMATS, AuditEventFilterSet, prepare
from portal.audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Write an audit export (the console's JSON Lines or CSV format) to a file or stdout, streamed; "
        "filters as in the console, e.g. --filter since=2026-11-01T00:00:00Z --filter action_prefix=sellers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(FORMATS), default="jsonl")
        parser.add_argument("--output", "-o", help="file to write (default: stdout)")
        parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE")

    def handle(self, *args, format: str, output: str | None, filter: list[str], **options):
        params = {}
        for item in filter:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: write NAME=VALUE")
            params[name] = value
        filterset = AuditEventFilterSet(params, queryset=AuditEvent.objects.all())
        unknown = sorted(set(params) - set(filterset.filters))
        if unknown:
            raise CommandError(f"unknown filter(s): {', '.join(unknown)}; known: {', '.join(filterset.filters)}")
        if not filterset.is_valid():
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()))
        export = prepare(filterset=filterset, user=None)
        export.generated_by = "manage.py export_audit"
        audit.record(
            action=audit.PortalAction.AUDIT_EXPORTED,
            actor=None,
            target_type="portal.auditevent",
            target_id=f"{export.first_seq}-{export.last_seq}",
            target_display=f"audit events {export.first_seq} to {export.last_seq}",
            changes={"format": format, "filters": export.filters, "via": "command"},
        )
        encode = FORMATS[format][2]
        out = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 - closed below
        try:
            for chunk in encode(export):
                out.write(chunk)
        finally:
            if output:
                out.close()
        if output:
            self.stderr.write(f"wrote events {export.first_seq} to {export.last_seq} to {output}")
