from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from atiende.accounts.forms import LoginForm


@login_required
def home(request):
    return redirect("desk:queue" if request.user.is_agent else "portal:home")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        # A refused sign-in is a client error (4xx), not a 200 that looks like success.
        response = super().form_invalid(form)
        response.status_code = 400
        return response
