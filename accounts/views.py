import time

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from accounts.middleware import SIGNED_IN_AT
from accounts.navigation import home_url_name


class SignInView(auth_views.LoginView):
    """Django's sign-in page; it also starts the 12-hour clock of the session."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[SIGNED_IN_AT] = time.time()
        return response


@require_GET
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Send each person to the page that fits their role."""
    if request.user.program_id is None:
        return redirect("admin:index")
    return redirect(home_url_name(request.user))
