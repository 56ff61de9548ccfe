import datetime as dt

from django.urls import path, register_converter

from boards.views import app, cards, hosts, ideas, lost, mine, paper, public, rooms


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
    path("", public.current_board, name="current"),
    path("day/<date:date>/", public.day_board, name="day"),
    path("slot/<int:pk>/claim/", hosts.slot_claim, name="slot_claim"),
    path("card/<int:pk>/", cards.card_detail, name="card"),
    path("card/<int:pk>/flag/", cards.card_flag, name="card_flag"),
    path("schedule.json", public.schedule_json, name="schedule_json"),
    path("schedule.xml", public.schedule_xml, name="schedule_xml"),
    path("proceedings/", public.proceedings, name="proceedings"),
    path("day/<date:date>/proceedings/", public.day_proceedings, name="day_proceedings"),
    path("card/<int:pk>/manage/", hosts.card_manage_mine, name="card_manage_mine"),
    path("card/<int:pk>/manage/<str:token>/", hosts.card_manage, name="card_manage"),
    path("card/<int:pk>/manage/<str:token>/move/", hosts.card_move, name="card_move"),
    path("card/<int:pk>/manage/<str:token>/release/", hosts.card_release, name="card_release"),
    path("card/<int:pk>/manage/<str:token>/email/", hosts.card_email, name="card_email"),
    path("card/<int:pk>/manage/<str:token>/notes/", hosts.card_notes_save, name="card_notes"),
    # A lost manage link: ask by email, then a key from the mail gives a new link.
    path("manage/lost/", lost.lost_links_ask, name="lost_links"),
    path("manage/lost/sent/", lost.lost_links_sent, name="lost_links_sent"),
    path("manage/lost/<str:key>/", lost.lost_link, name="lost_link"),
    # An attendee's own page and private calendar.
    path("mine/", mine.mine, name="mine"),
    path("mine/calendar/", mine.mine_calendar_key, name="mine_calendar_key"),
    path("mine/<str:key>/calendar.ics", mine.mine_calendar, name="mine_calendar"),
    # Attendees: now and next, interest, calendars, the big screen.
    path("now/", public.now_next, name="now"),
    path("card/<int:pk>/interest/", cards.card_interest, name="card_interest"),
    path("card/<int:pk>/calendar.ics", public.card_calendar, name="card_calendar"),
    path("day/<date:date>/calendar.ics", public.day_calendar, name="day_calendar"),
    path("calendar.ics", public.conference_calendar, name="calendar"),
    path("display/", public.current_display, name="display"),
    path("day/<date:date>/display/", public.day_display, name="day_display"),
    # The board as an app: offline copies and installing (boards/views/app.py).
    path("sw.js", app.service_worker, name="service_worker"),
    path("manifest.webmanifest", app.web_manifest, name="web_manifest"),
    path("offline/", app.offline, name="offline"),
    # The physical board and the hashtag: paper, door signs, a room's live page, the feed.
    path("day/<date:date>/print/", paper.day_print, name="day_print"),
    path("day/<date:date>/print/rooms/", paper.rooms_print, name="rooms_print"),
    path("day/<date:date>/print/room/<int:room_id>/", paper.room_print, name="room_print"),
    path("room/<int:room_id>/", rooms.room_live, name="room"),
    path("soon.atom", public.soon_feed, name="soon"),
    # The guide and the ideas wall: topics before anyone hosts them.
    path("guide/", ideas.guide_page, name="guide"),
    path("ideas/", ideas.ideas_wall, name="ideas"),
    path("ideas/suggest/", ideas.idea_suggest, name="idea_suggest"),
    path("idea/<int:pk>/", ideas.idea_detail, name="idea"),
    path("idea/<int:pk>/interest/", ideas.idea_support, name="idea_support"),
    path("idea/<int:pk>/flag/", ideas.idea_flag, name="idea_flag"),
    path("idea/<int:pk>/host/", ideas.idea_host, name="idea_host"),
]
