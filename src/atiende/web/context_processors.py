from django.conf import settings


def navigation(request):
    user = getattr(request, "user", None)
    is_agent = bool(user and user.is_authenticated and user.is_agent)
    return {
        "is_agent": is_agent,
        "area": "desk" if is_agent else "portal",
        "attachment_max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
