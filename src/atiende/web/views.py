from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from atiende.accounts.forms import LoginForm
from atiende.accounts.views import TIME_ZONE_PENDING


@login_required
def home(request):
    # Agents land on their home (reports.dashboards: their work by due time, what waits on
    # them); the queue is one click away in the top bar.
    return redirect("agent_home" if request.user.is_agent else "portal:home")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        first = form.get_user().last_login is None
        response = super().form_valid(form)
        if first:  # the browser tells its time zone (accounts.views.browser_time_zone)
            self.request.session[TIME_ZONE_PENDING] = True
        return response

    def form_invalid(self, form):
        # A refused sign-in is a client error (4xx), not a 200 that looks like success.
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def server_error(request):
    """The 500 page, rendered without the request: its context processors would read the
    session and the user, and the database may be what failed. The language is the one the
    locale middleware already chose (the cookie or the browser's)."""
    from django.http import HttpResponseServerError
    from django.template import loader

    try:
        html: str = loader.render_to_string("500.html", {"area": "portal"})
    except Exception:  # never fail while reporting a failure
        html = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(html)
