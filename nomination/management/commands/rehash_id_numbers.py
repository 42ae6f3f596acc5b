from django.core.management.base import BaseCommand

from nomination import services


class Command(BaseCommand):
    help = (
        "Recompute the keyed hash of every stored ID number under the current TONGXIN_HMAC_KEY "
        "(run once after changing the key, or duplicates are no longer found)."
    )

    def handle(self, *args, **options):
        changed = services.people_rehash()
        self.stdout.write(self.style.SUCCESS(f"Re-hashed {changed} ID numbers."))
