"""Encrypt members' phones and addresses and the contact phones of proposals and replies at rest (workflows.fields).

The columns become text, then every existing clear value is encrypted in place under the first key of
TONGXIN_FIELD_KEYS (values already encrypted are left alone). Reversible: migrating back decrypts them.
"""

from django.db import migrations

import workflows.fields


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0005_one_state_one_deadline'),
    ]

    operations = [
        migrations.AlterField(
            model_name='member',
            name='address',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='通讯地址'),
        ),
        migrations.AlterField(
            model_name='member',
            name='phone',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=40, verbose_name='电话'),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='contact_phone',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=40, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='reply',
            name='contact_phone',
            field=workflows.fields.EncryptedCharField(max_length=40, verbose_name='联系电话'),
        ),
        migrations.RunPython(*workflows.fields.column_migration("proposals", "member", ("phone", "address"))),
        migrations.RunPython(*workflows.fields.column_migration("proposals", "proposal", ("contact_phone",))),
        migrations.RunPython(*workflows.fields.column_migration("proposals", "reply", ("contact_phone",))),
    ]
