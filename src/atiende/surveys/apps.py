from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "atiende.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from atiende.mail.models import OutboundKind
        from atiende.mail.outbound.delivery import register_kind
        from atiende.tickets.timeline import register_field

        from . import mailing, subscribers  # noqa: F401  (the ticket status subscriber)
        from .actions import FOLLOW_UP_FIELD, RATING_FIELD
        from .models import FollowUpStatus, RatingValue
        from .panels import register_panels

        # "changed satisfaction: — → 2 Dissatisfied", internal (agents only).
        register_field(RATING_FIELD, lambda: gettext("satisfaction"), RatingValue)
        register_field(FOLLOW_UP_FIELD, lambda: gettext("satisfaction follow-up"), FollowUpStatus)
        # The survey e-mail, composed at delivery by this app (mail sits below it).
        register_kind(OutboundKind.SURVEY, mailing.build)
        register_panels()

        # Cache invalidation only (not domain logic): the rules every resolution reads.
        from django.db.models.signals import m2m_changed, post_save

        from .models import SurveySettings, _current_rules

        post_save.connect(_current_rules.forget, sender=SurveySettings, dispatch_uid="survey-rules")
        for through in (SurveySettings.teams.through, SurveySettings.organizations.through):
            m2m_changed.connect(
                _current_rules.forget,
                sender=through,
                dispatch_uid=f"survey-rules-{through.__name__}",
            )
