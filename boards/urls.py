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
    # Attendees: now and next, interest, calendars, the big screen.
    path("now/", views.now_next, name="now"),
    path("card/<int:pk>/interest/", views.card_interest, name="card_interest"),
    path("card/<int:pk>/calendar.ics", views.card_calendar, name="card_calendar"),
    path("day/<date:date>/calendar.ics", views.day_calendar, name="day_calendar"),
    path("calendar.ics", views.conference_calendar, name="calendar"),
    path("display/", views.current_display, name="display"),
    path("day/<date:date>/display/", views.day_display, name="day_display"),
]
