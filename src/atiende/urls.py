from django.contrib import admin
from django.urls import include, path

from atiende.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("atiende.web.urls")),
]

# 404 and 403: Django's handlers render 404.html / 403.html (atiende/web/templates) with the
# request, so in the reader's language with the navigation. 500: without the database.
handler500 = "atiende.web.views.server_error"
