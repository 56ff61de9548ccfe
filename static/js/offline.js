// The board on a dead connection: registers the service worker (static/js/sw.js, served
// at /sw.js), says so when a page is a stored copy, and keeps what people type in the
// write forms on this phone until it can be sent. Nothing is queued and sent later: a
// claim is a race for a slot, and whoever sends it must see the answer.
(function () {
  "use strict";
  var root = document.documentElement;
  var WRITE_FORMS = 'form[method="post" i]';
  var QUIET_FORMS = ".language-switch";
  var DRAFT_PREFIX = "openspaces-draft:";
  var SENT_KEY = "openspaces-draft-sent";
  // Never kept: the CSRF token (it changes), the bots' honeypot, what is not typed.
  var NOT_KEPT = { csrfmiddlewaretoken: true, website: true };
  var KEPT_TYPES = /^(text|textarea|email|url|search|tel|number|select-one)$/;

  // The big screen stays out of the offline store: it must show the live board or nothing.
  if ("serviceWorker" in navigator && !root.classList.contains("kiosk")) {
    // After the page has loaded: the worker's first downloads must not slow the board's.
    if (document.readyState === "complete") register();
    else window.addEventListener("load", register);
    navigator.serviceWorker.ready.then(function (registration) {
      // The board this page shows and the next day's (on the home page: today's and
      // tomorrow's; sw.js reads the same links), home, now and next, the guide and the
      // ideas wall (the footer's links) in this page's language (the worker stores only
      // the main language's at install), and this page itself if the worker was not
      // there yet when it loaded.
      var links = Array.prototype.map.call(
        document.querySelectorAll(
          'a[href*="/day/"][href$="/calendar.ics"], a[rel="next"], a.site-name, a[href$="/now/"],' +
          ' .footer-links a[href$="/guide/"], .footer-links a[href$="/ideas/"]'
        ),
        function (link) { return link.getAttribute("href").replace(/calendar\.ics$/, ""); }
      );
      if (!navigator.serviceWorker.controller) links.push(location.pathname);
      if (registration.active) registration.active.postMessage({ store: links });
    });
  }

  function register() {
    // When the phone is idle: starting the worker costs the main thread a little too.
    var idle = window.requestIdleCallback || function (callback) { setTimeout(callback, 1); };
    idle(function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    }, { timeout: 2000 });
  }

  // The offline note ---------------------------------------------------------------

  // The time a copy was stored, as every other time on the site is: in the conference's
  // zone (base.html's data-time-zone), not the phone's; the day too when it is not today.
  function clock(date) {
    var lang = document.documentElement.lang || [];
    var zone = uiText("time-zone") || undefined;
    var day = { timeZone: zone, weekday: "short", day: "numeric", month: "short" };
    var time = date.toLocaleTimeString(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    var storedDay = date.toLocaleDateString(lang, day);
    if (storedDay === new Date().toLocaleDateString(lang, day)) return time;
    return storedDay + " " + time;
  }

  function offlineNote() {
    var storedAt = document.body.getAttribute("data-stored-at");
    if (!storedAt) return;
    var when = new Date(storedAt);
    var what = document.querySelector("[data-poll]") ? "board"
      : document.getElementById("card") ? "card" : "page";
    var note = document.createElement("p");
    note.id = "offline-note";
    note.className = "offline-note";
    note.setAttribute("role", "status");
    note.textContent = uiText((navigator.onLine ? "unreachable-" : "offline-") + what)
      .replace("{time}", isNaN(when) ? uiText("last-visit") : clock(when));
    var main = document.querySelector("main") || document.body;
    main.insertBefore(note, main.firstChild);
  }

  // Back online: the live parts ask for the current board at once (boards.js polls them
  // every 15 s too); a page without live parts offers to load the latest.
  window.addEventListener("online", function () {
    var live = document.querySelectorAll("[data-poll]");
    if (live.length && window.htmx) {
      live.forEach(function (element) { window.htmx.trigger(element, "board-poll"); });
    } else {
      var note = document.getElementById("offline-note");
      if (note) {
        note.textContent = uiText("back-online") + " ";
        var reload = document.createElement("a");
        reload.href = location.href;
        reload.textContent = uiText("load-latest");
        note.appendChild(reload);
      }
    }
    showNeedsNetwork();
  });
  window.addEventListener("offline", showNeedsNetwork);

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    // A live part answered: what is shown is current again.
    if (event.detail.successful && target && target.hasAttribute("data-poll")) {
      var note = document.getElementById("offline-note");
      if (note) note.remove();
      document.body.removeAttribute("data-stored-at");
    }
    // A form sent through htmx got an answer (422 and 409 come back with the typed
    // text in them): its draft has done its job. No answer (status 0): it is kept.
    var form = event.detail.elt;
    if (form && form.matches && form.matches(WRITE_FORMS) && event.detail.xhr.status) {
      localStorage.removeItem(draftKey(form));
    }
  });

  // Write forms: drafts and "needs a connection" -------------------------------------

  function draftKey(form) {
    return DRAFT_PREFIX + (form.getAttribute("action") || location.pathname);
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !NOT_KEPT[field.name] && KEPT_TYPES.test(field.type);
    });
  }

  function saveDraft(form) {
    var fields = keptFields(form);
    if (!fields.length) return;  // a button (interest, report): nothing typed to keep
    var draft = {};
    fields.forEach(function (field) { draft[field.name] = field.value; });
    try {
      localStorage.setItem(draftKey(form), JSON.stringify(draft));
    } catch (error) { /* storage full or refused: the form still works */ }
  }

  function restoreDrafts(scope) {
    scope.querySelectorAll(WRITE_FORMS).forEach(function (form) {
      var draft;
      try { draft = JSON.parse(localStorage.getItem(draftKey(form)) || "null"); } catch (error) { draft = null; }
      if (!draft) return;
      keptFields(form).forEach(function (field) {
        if (typeof draft[field.name] === "string") field.value = draft[field.name];
      });
    });
  }

  // A form sent without htmx: the page it led to says whether the draft is still needed.
  // It is kept while the answer shows the form again with an error (the text is there
  // anyway) or if this page is a stored copy (nothing reached the server); otherwise
  // (the card, the saved edit) it has been sent.
  function settleSentDraft() {
    var key = sessionStorage.getItem(SENT_KEY);
    if (!key) return;
    sessionStorage.removeItem(SENT_KEY);
    if (document.body.hasAttribute("data-stored-at")) return;
    var shownAgain = Array.prototype.some.call(document.querySelectorAll(WRITE_FORMS), function (form) {
      return draftKey(form) === key && (form.closest("section, article, main") || document)
        .querySelector('[role="alert"], .error, [aria-invalid="true"]');
    });
    if (!shownAgain) localStorage.removeItem(key);
  }

  function needsNetworkText(form) {
    return uiText(keptFields(form).length ? "needs-network" : "needs-network-button");
  }

  // The page's words for the script, in its language: data attributes of #ui-text
  // (templates/base.html), since the CSP allows no inline script.
  function uiText(name) {
    var source = document.getElementById("ui-text");
    return (source && source.getAttribute("data-" + name)) || "";
  }

  // Where a form's note goes: just above the button that sends it (or the row of buttons
  // it sits in), where the eyes of someone about to press it are.
  function noteAnchor(form) {
    var buttons = form.querySelectorAll('button:not([type="button"]), input[type="submit"]');
    var button = buttons[buttons.length - 1];
    if (!button) return form.firstChild;
    var row = button.closest(".actions");
    return row && form.contains(row) ? row : button;
  }

  function addNeedsNetwork(form) {
    var note = form.querySelector(".needs-network");
    if (note) return note;
    note = document.createElement("p");
    note.className = "needs-network";
    note.setAttribute("role", "status");
    note.textContent = needsNetworkText(form);
    var anchor = noteAnchor(form);
    (anchor ? anchor.parentNode : form).insertBefore(note, anchor);
    return note;
  }

  // Offline, the forms that write say so before anyone types; the language switch in
  // the footer only when it is used (a note there reads like one about the whole page).
  function showNeedsNetwork() {
    document.querySelectorAll(WRITE_FORMS).forEach(function (form) {
      if (navigator.onLine) {
        var note = form.querySelector(".needs-network");
        if (note) note.remove();
      } else if (!form.matches(QUIET_FORMS)) {
        addNeedsNetwork(form);
      }
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.matches(WRITE_FORMS)) saveDraft(form);
  });

  // Capture phase: this runs before htmx's own submit handler on the form, and stops it
  // while offline, so that nothing is sent, queued or lost.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches(WRITE_FORMS)) return;
    if (!navigator.onLine) {
      event.preventDefault();
      event.stopPropagation();
      saveDraft(form);
      var note = addNeedsNetwork(form);
      note.setAttribute("role", "alert");
      note.textContent = needsNetworkText(form);  // announced again on every try
      return;
    }
    saveDraft(form);
    sessionStorage.setItem(SENT_KEY, draftKey(form));
  }, true);

  document.addEventListener("htmx:afterSettle", function (event) {
    restoreDrafts(event.detail.target);
    showNeedsNetwork();
  });

  // A free slot's chip opens the claim form from the network: offline it says so beside
  // the chip instead of doing nothing (capture phase: before htmx sends anything).
  function claimNeedsNetwork(link) {
    var line = link.closest("p") || link.parentNode;
    // On the board's grid (from 48rem) the chips' line has no box of its own (display:
    // contents): the note goes under the hour's row instead, as wide as the grid.
    if (getComputedStyle(line).display === "contents") line = link.closest(".hour") || line;
    var note = line.querySelector(".needs-network");
    if (!note) {
      note = document.createElement("span");
      note.className = "needs-network claim-needs-network";
      line.appendChild(note);
    }
    note.setAttribute("role", "alert");
    note.textContent = uiText("needs-network-claim");  // announced again on every tap
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.claim-link");
    if (!link || navigator.onLine) return;
    event.preventDefault();
    event.stopPropagation();
    claimNeedsNetwork(link);
  }, true);
  // Online as far as the phone knows, but no answer came (a dead hall's Wi-Fi).
  document.addEventListener("htmx:sendError", function (event) {
    var link = event.detail.elt;
    if (link && link.matches && link.matches("a.claim-link")) claimNeedsNetwork(link);
  });
  window.addEventListener("online", function () {
    document.querySelectorAll(".claim-needs-network").forEach(function (note) { note.remove(); });
  });

  offlineNote();
  settleSentDraft();
  restoreDrafts(document);
  showNeedsNetwork();
})();
