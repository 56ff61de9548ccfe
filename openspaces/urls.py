from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from openspaces import views

admin.site.site_header = _("Open Spaces: the chair's desk")
admin.site.site_title = _("Open Spaces admin")

handler500 = "openspaces.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The language switch in every page's footer. The boards carry no CSRF token (they are
    # the same for everyone and cached whole), so neither can this form: the most a forged
    # post can do is choose a reader's language, which the footer changes back.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
# The boards in the conference's main language (LANGUAGE_CODE) at the addresses of the
# public contract, without a prefix; every other language under its own: /es/day/…/.
urlpatterns += i18n_patterns(path("", include("boards.urls")), prefix_default_language=False)
