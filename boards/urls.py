import datetime as dt

from django.urls import path, register_converter

from boards import views


class DateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(value) from error

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()


register_converter(DateConverter, "date")

app_name = "boards"
urlpatterns = [
    path("", views.current_board, name="current"),
    path("day/<date:date>/", views.day_board, name="day"),
    path("slot/<int:pk>/claim/", views.slot_claim, name="slot_claim"),
    path("card/<int:pk>/", views.card_detail, name="card"),
    path("card/<int:pk>/flag/", views.card_flag, name="card_flag"),
    path("schedule.json", views.schedule_json, name="schedule_json"),
    path("card/<int:pk>/manage/<str:token>/", views.card_manage, name="card_manage"),
    path("card/<int:pk>/manage/<str:token>/move/", views.card_move, name="card_move"),
    path("card/<int:pk>/manage/<str:token>/release/", views.card_release, name="card_release"),
]
