from django.contrib import admin
from django.urls import include, path

from openspaces import views

admin.site.site_header = "Open Spaces: the chair's desk"
admin.site.site_title = "Open Spaces admin"

handler500 = "openspaces.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("boards.urls")),
]
