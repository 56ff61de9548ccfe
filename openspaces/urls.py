from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from openspaces import views

admin.site.site_header = _("Open Spaces: the chair's desk")
admin.site.site_title = _("Open Spaces admin")

handler500 = "openspaces.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
# The boards in the conference's main language (LANGUAGE_CODE) at the addresses of the
# public contract, without a prefix; every other language under its own: /es/day/…/.
urlpatterns += i18n_patterns(path("", include("boards.urls")), prefix_default_language=False)
