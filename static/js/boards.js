// Progressive enhancement for the boards; every page works without this file.
(function () {
  "use strict";
  var POLL_MS = 15000;
  var lastTags = {};

  // Poll the live parts (the board, now and next, the big screen: [data-poll]) while
  // the tab is visible; a background tab asks nothing and catches up once shown again.
  function pollBoard() {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-poll]").forEach(function (element) {
      window.htmx.trigger(element, "board-poll");
    });
  }
  setInterval(pollBoard, POLL_MS);
  document.addEventListener("visibilitychange", pollBoard);

  document.addEventListener("htmx:beforeSwap", function (event) {
    // An unchanged part (same ETag) is not swapped, so focus and scroll stay put.
    var target = event.detail.target;
    if (!target.hasAttribute("data-poll")) return;
    var tag = event.detail.xhr.getResponseHeader("ETag");
    if (tag && tag === lastTags[target.id]) event.detail.shouldSwap = false;
    lastTags[target.id] = tag;
  });

  var panelOpener = null;  // the claim link that opened the panel; focus returns there

  document.addEventListener("htmx:afterSwap", function (event) {
    // Take keyboard and screen-reader users to the form or card that just opened.
    if (event.detail.target.id !== "claim-panel") return;
    var opener = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (opener && !event.detail.target.contains(opener)) panelOpener = opener;
    var heading = event.detail.target.querySelector("h2, h1");
    if (heading) heading.focus();
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-panel]");
    var panel = document.getElementById("claim-panel");
    if (close && panel && panel.contains(close)) {
      event.preventDefault();
      panel.replaceChildren();
      // Back where the keyboard was, if the board still has that link.
      if (panelOpener && document.contains(panelOpener)) panelOpener.focus();
      return;
    }
    var share = event.target.closest("[data-share]");
    if (share && navigator.share) {
      navigator.share({
        title: share.getAttribute("data-share-title"),
        text: share.getAttribute("data-share-text"),
        url: share.getAttribute("data-share-url"),
      }).catch(function () {});  // dismissed: nothing to do
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.href || source.textContent).then(function () {
        // The word comes from the page, in its language (templates/base.html, #ui-text).
        var words = document.getElementById("ui-text");
        copy.textContent = (words && words.getAttribute("data-copied")) || copy.textContent;
      });
    }
  });

  // The grid opens at the hour under way, not at the morning's past hours: a page opened
  // without an #hour (a link to one is kept) scrolls that row to the top, just under the
  // room names. Phones show the hour under way first anyway (the list), so only the grid
  // (from 48rem, where the room names show) moves.
  document.addEventListener("DOMContentLoaded", function () {
    if (location.hash) return;
    var hours = document.querySelector(".hours");
    var now = hours && hours.querySelector(".hour.now");
    var rooms = hours && hours.querySelector(".rooms");
    if (!now || !hours.querySelector(".hour.past") || getComputedStyle(rooms).display === "none") return;
    window.scrollTo(0, now.getBoundingClientRect().top + window.scrollY - rooms.offsetHeight);
  });

  // Copy buttons only make sense where the clipboard API exists (every secure page):
  // shown from the first paint wherever scripts run (static/css/boards.css), hidden
  // here in the rare browser without it, so that nothing on the page moves.
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
  function reveal() {
    if (!navigator.clipboard) {
      document.querySelectorAll("[data-copy]").forEach(function (button) {
        button.hidden = true;
      });
    }
    // The Web Share API (phones mostly); elsewhere the mail link and the text remain.
    if (navigator.share) {
      document.querySelectorAll("[data-share][hidden]").forEach(function (button) {
        button.hidden = false;
      });
    }
  }
})();
