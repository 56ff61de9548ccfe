"""The guide and the ideas wall: what Open Spaces are, and topics before anyone hosts them.

/guide/ and /ideas/ are the same for everyone (cached whole, answered 304 like a board:
no CSRF token, no session); what a person does there (suggest, "I'd come", report, host)
goes through an idea's own page and small forms, as a card's does.
"""

import secrets

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from boards import caching, guide, queries, services
from boards.context_processors import conference
from boards.forms import IdeaFlagForm, IdeaForm
from boards.models import Idea
from boards.services import ideas
from boards.views.common import (
    BROWSER_COOKIE,
    HtmxHttpRequest,
    browser_key,
    never_cache_headers,
    remember_browser,
    reporter,
    see_other,
    wants_fragment,
)

FLAGGED_IDEAS_SESSION_KEY = "flagged_ideas"


@require_safe
def guide_page(request: HtmxHttpRequest) -> HttpResponse:
    """The guide: the chair's text (or the default) in the page's language, sample ideas,
    the code of conduct and the chair's address."""
    tag = caching.wall_tag("guide", caching.wall_state(), timezone.now())

    def render_guide() -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        context = {
            "blocks": guide.blocks(queries.guide_text(language)),
            "sample_ideas": queries.sample_ideas(),
            **conference(None),
        }
        return render_to_string("boards/guide.html", context)

    return caching.cached_page(request, tag, render_guide, vary="")


def _wall_response(request: HtmxHttpRequest) -> HttpResponse:
    # The wall lists the cards that host its ideas: every board's version too.
    tag = caching.wall_tag(
        "ideas", caching.wall_state(), timezone.now(), states=caching.board_states()
    )

    def render_wall() -> str:
        context = {"ideas": queries.wall(), **conference(None)}
        return render_to_string("boards/ideas.html", context)

    return caching.cached_page(request, tag, render_wall, vary="")


def _suggest_page(
    request: HtmxHttpRequest, form: IdeaForm, *, status: int = 200, **extra: object
) -> HttpResponse:
    response = render(request, "boards/idea_suggest.html", {"form": form, **extra}, status=status)
    never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def ideas_wall(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the wall, most wanted first. POST: suggest an idea (303 back to the wall, where
    it shows at once; 422 with the text kept; 429 when one address suggests too fast)."""
    if request.method != "POST":
        return _wall_response(request)
    form = IdeaForm(request.POST)
    per_minute = settings.OPENSPACES_IDEA_RATE
    if per_minute > 0 and is_ratelimited(
        request, group="idea", key="ip", rate=f"{per_minute}/m", method="POST", increment=True
    ):
        return _suggest_page(request, form, status=429, rate_limited=True)
    if not form.is_valid():
        return _suggest_page(request, form, status=422)
    try:
        idea = ideas.idea_suggest(**form.cleaned_data)
    except services.Busy as busy:
        return _suggest_page(request, form, status=409, refusal=busy.reason)
    return see_other(f"{request.path}#idea-{idea.pk}")


@require_safe
def idea_suggest(request: HtmxHttpRequest) -> HttpResponse:
    """The suggestion form on a page of its own: the wall itself carries no CSRF token."""
    return _suggest_page(request, IdeaForm())


def _idea_or_404(pk: int) -> Idea:
    idea = queries.idea(pk)
    if idea is None:
        raise Http404(gettext("No such idea."))
    return idea


def _idea_page(
    request: HtmxHttpRequest,
    idea: Idea,
    *,
    status: int = 200,
    flag_form: IdeaFlagForm | None = None,
    **extra: object,
) -> HttpResponse:
    context = {
        "idea": idea,
        "supported": queries.supports(idea, browser_key(request)),
        "flagged": idea.pk in request.session.get(FLAGGED_IDEAS_SESSION_KEY, []),
        "flag_form": flag_form or IdeaFlagForm(),
        "flag_limit": settings.OPENSPACES_FLAG_LIMIT,
        **extra,
    }
    if not idea.is_active and status == 200:
        status = 410
    template = "boards/idea.html#support" if wants_fragment(request) else "boards/idea.html"
    # Like a card's page: it says whether this browser would come, so it varies by cookie
    # (the session and the CSRF token see to that) and is never shared.
    return render(request, template, context, status=status)


@require_safe
def idea_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    idea = _idea_or_404(pk)
    if idea.status == Idea.Status.MERGED and idea.merged_into is not None:
        return HttpResponsePermanentRedirect(idea.merged_into.get_absolute_url())
    return _idea_page(request, idea)


@require_POST
def idea_support(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """POST interested=1 (or 0), as a card's interest: this browser would (no longer) come."""
    idea = _idea_or_404(pk)
    key = browser_key(request) or secrets.token_urlsafe(24)
    status, reason = 200, ""
    limited = bool(settings.OPENSPACES_INTEREST_RATE) and is_ratelimited(
        request,
        group="idea-support",
        key=lambda group, request: key,
        rate=f"{settings.OPENSPACES_INTEREST_RATE}/m",
        method="POST",
        increment=True,
    )
    if limited:
        status, reason = 429, gettext("Too many clicks: wait a minute and try again.")
    else:
        try:
            ideas.idea_support_set(
                idea=idea,
                browser_key=key,
                supports=request.POST.get("interested") == "1",
                now=timezone.now(),
            )
        except ideas.IdeaNotOnWall as refused:
            status, reason = 410, refused.reason
        except services.Busy as busy:
            status, reason = 409, busy.reason
    if status == 200 and not wants_fragment(request):
        response: HttpResponse = see_other(idea.get_absolute_url() + "#support")
    else:
        request.COOKIES[BROWSER_COOKIE] = key  # the page below shows this browser's say
        response = _idea_page(request, _idea_or_404(pk), status=status, support_refusal=reason)
    remember_browser(response, request, key)
    never_cache_headers(response)
    return response


@require_POST
def idea_flag(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An attendee reports an idea: counted once per client address, rate-limited."""
    idea = _idea_or_404(pk)
    form = IdeaFlagForm(request.POST)
    per_minute = settings.OPENSPACES_FLAG_RATE
    if per_minute > 0 and is_ratelimited(
        request, group="flag", key="ip", rate=f"{per_minute}/m", method="POST", increment=True
    ):
        return _idea_page(request, idea, status=429, flag_form=form, flag_rate_limited=True)
    if not form.is_valid():
        return _idea_page(request, idea, status=422, flag_form=form)
    try:
        ideas.idea_flag(idea=idea, reason=form.cleaned_data["reason"], reporter=reporter(request))
    except services.Busy as busy:
        return _idea_page(request, idea, status=409, flag_form=form, support_refusal=busy.reason)
    flagged = request.session.get(FLAGGED_IDEAS_SESSION_KEY, [])
    request.session[FLAGGED_IDEAS_SESSION_KEY] = [*flagged, idea.pk]
    return see_other(idea.get_absolute_url())


@require_safe
def idea_host(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """ "Host this": the free slots a host can claim now; each leads to the claim form with
    the idea's text filled in."""
    idea = _idea_or_404(pk)
    if not idea.is_active:
        return _idea_page(request, idea)
    slots = list(queries.host_move_targets(timezone.now()))
    return render(request, "boards/idea_host.html", {"idea": idea, "slots": slots})
