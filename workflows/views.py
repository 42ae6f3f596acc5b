from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import access


@access.rule(access.AUTHENTICATED)
@login_required
def home(request):
    """工作台: the user's own tasks and the size of the queue they may claim (bounded queries)."""
    user = request.user
    human = Task.objects.filter(flow_task_type="HUMAN")
    assigned = [
        (task, task.flow_task.reverse("index", args=[task.process_id, task.pk]))
        for task in human.filter(owner=user, status=STATUS.ASSIGNED).select_related("process").order_by("created")[:20]
    ]
    queue_count = human.user_queue(user).filter(status=STATUS.NEW).count()
    return render(request, "workflows/home.html", {"assigned": assigned, "queue_count": queue_count})
