"""A 24x7 calendar, an 8x5 calendar (Mon-Fri 09:00-17:00) and two ordered policies with
ITIL-style targets, so a fresh desk has working service levels. Minutes are business minutes
of the policy's calendar (8 business hours = one working day on the 8x5 calendar)."""

from django.conf import settings
from django.db import migrations

# priority: (first response, resolution, next response) in business minutes
STANDARD_TARGETS = {
    1: (15, 240, 30),  # 15 min / 4 h
    2: (30, 480, 60),  # 30 min / 1 working day
    3: (120, 1440, 240),  # 2 h / 3 working days
    4: (480, 2400, 480),  # 1 day / 5 working days
    5: (960, 4800, None),  # 2 days / 10 working days
}
ESCALATIONS = [
    ("warning", "notify_assignee"),
    ("breach", "notify_assignee"),
    ("breach", "notify_managers"),
]


def forward(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    SlaEscalation = apps.get_model("sla", "SlaEscalation")
    zone = settings.TIME_ZONE or "UTC"
    always, _ = BusinessCalendar.objects.get_or_create(
        name="24x7", defaults={"time_zone": zone, "is_24x7": True, "hours": {}}
    )
    office, _ = BusinessCalendar.objects.get_or_create(
        name="Office hours (Mon-Fri 09:00-17:00)",
        defaults={"time_zone": zone, "hours": {"mon-fri": "09:00-17:00"}},
    )
    critical, created = SlaPolicy.objects.get_or_create(
        name="Critical incidents (24x7)",
        defaults={
            "position": 10,
            "calendar": always,
            "kinds": ["incident"],
            "priorities": [1],
            "pause_statuses": ["pending"],
        },
    )
    if created:
        SlaTarget.objects.create(
            policy=critical,
            priority=1,
            first_response_minutes=15,
            resolution_minutes=240,
            next_response_minutes=30,
        )
    standard, created = SlaPolicy.objects.get_or_create(
        name="Standard (office hours)",
        defaults={"position": 100, "calendar": office, "pause_statuses": ["pending"]},
    )
    if created:
        for priority, (first, resolution, following) in STANDARD_TARGETS.items():
            SlaTarget.objects.create(
                policy=standard,
                priority=priority,
                first_response_minutes=first,
                resolution_minutes=resolution,
                next_response_minutes=following,
            )
    for policy in (critical, standard):
        if not SlaEscalation.objects.filter(policy=policy).exists():
            for trigger, action in ESCALATIONS:
                SlaEscalation.objects.create(
                    policy=policy, trigger=trigger, clock="any", action=action
                )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars_policies_clocks")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
