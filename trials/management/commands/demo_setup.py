import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from trials.curation import CurationError, apply_curation, read_curation

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_ADMIN = "demo-admin"


class Command(BaseCommand):
    help = "Load the demo: the registry fixtures, the hand-checked rules and a demo admin login."

    def handle(self, *args, **options) -> None:
        call_command("import_trials", FIXTURES / "registry", stdout=self.stdout)
        try:
            report = apply_curation(read_curation(FIXTURES / "curation.json"))
        except CurationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Applied {report.applied} hand-checked rules.")
        for entry in report.missing:
            self.stderr.write(f"Curated criterion not found: {entry}")
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin, _ = get_user_model().objects.get_or_create(username=DEMO_ADMIN)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin login: {DEMO_ADMIN} / {password}  (at /admin/)")
        )
