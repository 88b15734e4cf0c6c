from functools import cache

from django.conf import settings

from atiende.catalogue.selectors import pending_approvals_count
from atiende.notifications.selectors import unread_count

# The pages under "Reports" in the desk's top bar, shown as tabs (web/base.html).
INSIGHT_PAGES = ("dashboard", "reports", "surveys", "trends", "improvement")
# The managers' pages under "Administration" in the desk's top bar.
ADMIN_PAGES = ("catalogue", "mail", "webhooks", "assignment", "automation")


def navigation(request):
    user = getattr(request, "user", None)
    is_agent = bool(user and user.is_authenticated and user.is_agent)
    return {
        "is_agent": is_agent,
        "insight_pages": INSIGHT_PAGES,
        "admin_pages": ADMIN_PAGES,
        "area": "desk" if is_agent else "portal",
        # One COUNT on a partial index, only if a template shows it (the top bar does).
        # (templates call it; cached for the request).
        "unread_notifications": cache(lambda: unread_count(user))
        if user is not None and user.is_authenticated
        else 0,
        # The portal's "My approvals" entry, for requesters asked to approve (a requester's
        # manager): one COUNT on the approver's index, only where the portal's bar asks.
        "pending_approvals": cache(lambda: pending_approvals_count(user))
        if user is not None and user.is_authenticated and not is_agent
        else 0,
        "attachment_max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
