"""Encrypt the personal data of person records and family members at rest (workflows.fields).

The columns become text, then every existing clear value is encrypted in place under the first key of
TONGXIN_FIELD_KEYS (values already encrypted are left alone, so a re-run does nothing). Reversible: migrating back
decrypts every value with the configured keys and restores the varchar columns.
"""

from django.db import migrations

import workflows.fields


class Migration(migrations.Migration):

    dependencies = [
        ('nomination', '0003_one_state_due_items'),
    ]

    operations = [
        migrations.AlterField(
            model_name='familymember',
            name='birth_month',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=7, verbose_name='出生年月'),
        ),
        migrations.AlterField(
            model_name='familymember',
            name='name',
            field=workflows.fields.EncryptedCharField(max_length=50, verbose_name='姓名'),
        ),
        migrations.AlterField(
            model_name='familymember',
            name='political_status',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='政治面貌'),
        ),
        migrations.AlterField(
            model_name='familymember',
            name='work_and_post',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='工作单位及职务'),
        ),
        migrations.AlterField(
            model_name='person',
            name='address',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='家庭住址'),
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number',
            field=workflows.fields.EncryptedCharField(max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='person',
            name='phone',
            field=workflows.fields.EncryptedCharField(blank=True, max_length=40, verbose_name='联系电话'),
        ),
        migrations.RunPython(*workflows.fields.column_migration("nomination", "person",
                                                                 ("id_number", "phone", "address"))),
        migrations.RunPython(*workflows.fields.column_migration(
            "nomination", "familymember", ("name", "birth_month", "political_status", "work_and_post"))),
    ]
