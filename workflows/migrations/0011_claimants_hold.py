# Written by hand. Its own migration: on PostgreSQL the rows it updates would leave pending trigger events that
# forbid the next migration's ALTER TABLE within the same transaction.

from django.conf import settings
from django.db import migrations
from django.db.models import F


def claimants_hold(apps, schema_editor):
    """A claimed item's holder moves to ``assignee``: from now on the one column 待办 reads."""
    WorkItem = apps.get_model("workflows", "WorkItem")
    WorkItem.objects.filter(claimed_by__isnull=False).update(assignee=F("claimed_by"), claimed_by=None)


def claimants_back(apps, schema_editor):
    WorkItem = apps.get_model("workflows", "WorkItem")
    offered = WorkItem.objects.filter(assignee__isnull=False).exclude(role__isnull=True, unit__isnull=True)
    offered.update(claimed_by=F("assignee"), assignee=None)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflows', '0010_audit_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(claimants_hold, claimants_back),
    ]
