from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Open Spaces: the chair's desk"
admin.site.site_title = "Open Spaces admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("boards.urls")),
]
