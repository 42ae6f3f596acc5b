from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from workflows import demo


class Command(BaseCommand):
    help = "Load the demo accounts and cases (password Tongxin@2026). Does nothing if the demo is already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even if the admin account exists.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with the published demo password: it runs only with DEBUG=1.")
        if get_user_model().objects.filter(username="admin").exists() and not force:
            self.stdout.write("Demo data already present; nothing to do.")
            return
        autodiscover_modules("demo")
        # Each seeder drives the real services, whose entry points are durable transactions of their own.
        for _order, seed in sorted(demo.SEEDERS, key=lambda item: item[0]):
            seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Password for every account: {demo.DEMO_PASSWORD}"))
