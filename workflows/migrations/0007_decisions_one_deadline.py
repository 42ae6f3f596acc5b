# Stage tasks keep no copy of their deadline (the due item is the only one); decisions are recorded as made.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0006_work_items'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='stagetask',
            name='stagetask_inbox_idx',
        ),
        migrations.RemoveField(
            model_name='stagetask',
            name='due_at',
        ),
        migrations.RemoveField(
            model_name='stagetask',
            name='due_provisional',
        ),
        migrations.AddField(
            model_name='stagetask',
            name='outcome',
            field=models.CharField(blank=True, max_length=30, verbose_name='决定结果'),
        ),
        migrations.AddField(
            model_name='stagerun',
            name='outcome',
            field=models.CharField(blank=True, max_length=30, verbose_name='决定结果'),
        ),
        migrations.AlterField(
            model_name='stagetask',
            name='status',
            field=models.CharField(choices=[('waiting', '等待前序'), ('open', '待办'), ('approved', '同意'), ('rejected', '不同意'), ('returned', '退回'), ('transferred', '已转交'), ('removed', '已减签'), ('skipped', '已跳过'), ('canceled', '已取消'), ('decided', '已决定')], default='open', max_length=12, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='stagerun',
            name='status',
            field=models.CharField(choices=[('running', '进行中'), ('approved', '已通过'), ('rejected', '未通过'), ('returned', '已退回申请人'), ('withdrawn', '已撤回'), ('canceled', '已取消'), ('decided', '已决定')], default='running', max_length=10, verbose_name='状态'),
        ),
        migrations.AddIndex(
            model_name='stagetask',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['assignee'], name='stagetask_open_idx'),
        ),
    ]
