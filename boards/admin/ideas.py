"""The ideas wall and the guide: ideas with their counts, hide and restore with a reason,
merge duplicates (everyone's "I'd come" kept), each idea's history; the guide's text."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from boards import guide, services
from boards.admin.actions import ActionPage, ChairActions, applied
from boards.admin.common import ChairAdmin, ReadOnlyAdmin, acting_chair, chair_time
from boards.forms import ReasonForm, VisibleCharField
from boards.models import GuidePage, Idea, IdeaEvent, IdeaFlag
from boards.services.ideas import (
    guide_page_save,
    idea_hide,
    idea_merge,
    idea_restore,
    idea_suggest,
    idea_update,
)

HIDE = ActionPage(
    "hide_ideas", _("Hide ideas"), _("These ideas leave the wall; their pages give your reason:")
)
RESTORE = ActionPage("restore_ideas", _("Restore ideas"), _("These ideas go back on the wall:"))
MERGE = ActionPage(
    "merge_ideas",
    _("Merge ideas"),
    _(
        "These ideas are merged into the one you pick: everyone who said “I’d come” to any "
        "of them counts once there, and their hosted cards link to it:"
    ),
)


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Idea.objects.exclude(status=Idea.Status.MERGED).order_by("title"),
        label=_("Merge into"),
        help_text=_("The idea that stays on the wall."),
    )


class IdeaAdminForm(forms.ModelForm):
    title = VisibleCharField(label=_("Title"), max_length=80)
    description = VisibleCharField(
        label=_("Description"), max_length=400, required=False, widget=forms.Textarea
    )

    class Meta:
        model = Idea
        fields = ["title", "description", "sample"]


class IdeaFlagInline(admin.TabularInline):
    model = IdeaFlag
    fields = ["created_at", "reason", "cleared_at"]
    readonly_fields = ["created_at", "reason", "cleared_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Idea)
class IdeaAdmin(ChairActions):
    form = IdeaAdminForm
    inlines = [IdeaFlagInline]
    list_display = ["title", "status", "sample", "would_come", "hosted", "open_flag_count"]
    list_filter = ["status", "sample"]
    search_fields = ["title", "description"]
    readonly_fields = [
        "status",
        "hidden_reason",
        "merged_into",
        "would_come",
        "created",
        "history",
    ]
    actions = ["hide_ideas", "restore_ideas", "merge_ideas"]
    shown_with = ("merged_into",)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new idea has no reports

    def get_fields(self, request, obj=None):
        if obj is None:  # a new sample idea: its text only
            return ["title", "description", "sample"]
        return ["title", "description", "sample", *self.readonly_fields]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                support_count=Count("supporters", distinct=True),
                hosted_count=Count("cards", filter=Q(cards__status="active"), distinct=True),
                open_flags=Count("flags", filter=Q(flags__cleared_at__isnull=True), distinct=True),
            )
        )

    def has_delete_permission(self, request, obj=None):
        return False  # kept for the record; hide or merge instead

    @admin.display(description=_("I’d come"), ordering="support_count")
    def would_come(self, idea: Idea) -> int:
        return idea.support_count

    @admin.display(description=_("Hosted"), ordering="hosted_count")
    def hosted(self, idea: Idea) -> int:
        return idea.hosted_count  # annotated by get_queryset

    @admin.display(description=_("Reports"), ordering="open_flags")
    def open_flag_count(self, idea: Idea) -> int:
        return idea.open_flags  # annotated by get_queryset

    @admin.display(description=_("Created"))
    def created(self, idea: Idea) -> str:
        return chair_time(idea.created_at)

    @admin.display(description=_("History: who changed what, and when"))
    def history(self, idea: Idea) -> str:
        events = [(chair_time(event.at), event) for event in idea.events.all()]
        return render_to_string("admin/boards/card/history.html", {"events": events})

    def save_model(self, request: HttpRequest, obj: Idea, form, change: bool) -> None:
        # Through the services: in the idea's history, and the wall's version bumped.
        chair = acting_chair(request)
        title, description, sample = obj.title, obj.description, obj.sample
        try:
            if change:
                idea = Idea.objects.get(pk=obj.pk)
                idea_update(
                    idea=idea, title=title, description=description, sample=sample, actor=chair
                )
            else:
                obj.pk = idea_suggest(
                    title=title, description=description, sample=sample, actor=chair
                ).pk
        except (services.Refused, services.Busy) as error:
            self.message_user(
                request, gettext("Not saved: %(error)s") % {"error": error}, messages.ERROR
            )

    def save_related(self, request, form, formsets, change):
        pass  # the reports are read-only; nothing else is related

    @admin.action(
        description=_("Hide the selected ideas (asks for the reason)"), permissions=["change"]
    )
    def hide_ideas(self, request, queryset):
        form = ReasonForm(
            applied(request), help_text=_("Shown on the idea's page. Be kind and clear.")
        )
        if not form.is_valid():
            return self.action_page(request, queryset, HIDE, form)
        reason = form.cleaned_data["reason"]
        self.write_each(
            request,
            queryset,
            lambda idea, chair: idea_hide(idea=idea, reason=reason, actor=chair),
            done=lambda idea: gettext("“%(idea)s” is off the wall.") % {"idea": idea},
        )
        return None

    @admin.action(description=_("Restore the selected ideas to the wall"), permissions=["change"])
    def restore_ideas(self, request, queryset):
        return self.write_each_once_confirmed(
            request,
            queryset,
            RESTORE,
            lambda idea, chair: idea_restore(idea=idea, actor=chair),
            done=lambda idea: gettext("“%(idea)s” is back on the wall.") % {"idea": idea},
        )

    @admin.action(
        description=_("Merge the selected ideas into one (keeps every “I’d come”)"),
        permissions=["change"],
    )
    def merge_ideas(self, request, queryset):
        form = MergeForm(applied(request))
        if not form.is_valid():
            return self.action_page(request, queryset, MERGE, form)
        into = form.cleaned_data["into"]
        self.write_each(
            request,
            queryset.exclude(pk=into.pk),
            lambda idea, chair: idea_merge(duplicate=idea, into=into, actor=chair),
            done=lambda idea: (
                gettext("“%(idea)s” is merged into “%(into)s”.") % {"idea": idea, "into": into}
            ),
        )
        return None


@admin.register(IdeaEvent)
class IdeaEventAdmin(ReadOnlyAdmin):
    list_display = ["when", "idea", "actor", "action"]
    list_filter = ["action"]
    search_fields = ["idea__title", "actor"]
    list_select_related = ["idea"]

    @admin.display(description=_("When"), ordering="at")
    def when(self, event: IdeaEvent) -> str:
        return chair_time(event.at)


@admin.register(GuidePage)
class GuidePageAdmin(ChairAdmin):
    """The chair's text of the guide, one per language; without one, the default shows."""

    list_display = ["language", "updated"]
    fields = ["language", "body"]

    @admin.display(description=_("Last changed"))
    def updated(self, page: GuidePage) -> str:
        return chair_time(page.updated_at)

    def get_changeform_initial_data(self, request):
        # The default text in the chosen language, so that the chair edits rather than
        # starts from nothing.
        language = request.GET.get("language", translation.get_language() or "en")
        with translation.override(language):
            return {"language": language, "body": guide.default_text()}

    def save_model(self, request, obj, form, change):
        try:
            saved = guide_page_save(
                language=obj.language, body=obj.body, actor=acting_chair(request)
            )
        except services.Busy as busy:
            self.message_user(request, busy.reason, messages.ERROR)
            return
        if saved is not None:
            obj.pk = saved.pk
        else:  # emptied: the default text again
            self.message_user(
                request, gettext("The guide shows the default text again."), messages.SUCCESS
            )
