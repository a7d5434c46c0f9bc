from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from screening.log import screenings_purge


class Command(BaseCommand):
    help = (
        "Delete saved screenings older than SCREENING_RETENTION_DAYS days (0 = keep them), "
        "recording each deletion in the log's audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, **options) -> None:
        days = settings.SCREENING_RETENTION_DAYS
        if days < 0:
            raise CommandError(f"SCREENING_RETENTION_DAYS must be 0 (off) or more, not {days}")
        if days == 0:
            self.stdout.write("Retention is off (SCREENING_RETENTION_DAYS is 0); nothing deleted.")
            return
        now = timezone.now()
        events = screenings_purge(days=days, now=now, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        cutoff = timezone.localtime(now - timedelta(days=days))
        self.stdout.write(
            f"{verb} {len(events)} saved screening{'s' if len(events) != 1 else ''} "
            f"saved more than {days} days ago (before {cutoff:%Y-%m-%d %H:%M})."
        )
        for event in events:
            saved = timezone.localtime(event.saved_at).strftime("%Y-%m-%d")
            self.stdout.write(f"  {event.site_name}  {event.reference}  saved {saved}")
