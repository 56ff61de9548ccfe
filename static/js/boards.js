// Progressive enhancement for the boards; every page works without this file.
(function () {
  "use strict";
  var POLL_MS = 15000;
  var lastBoardTag = null;

  // Poll the open board while the tab is visible; catch up as soon as it is shown again.
  function pollBoard() {
    var board = document.getElementById("board");
    if (board && !document.hidden && window.htmx) window.htmx.trigger(board, "board-poll");
  }
  setInterval(pollBoard, POLL_MS);
  document.addEventListener("visibilitychange", pollBoard);

  document.addEventListener("htmx:beforeSwap", function (event) {
    // An unchanged board (same ETag) is not swapped, so focus and scroll stay put.
    if (event.detail.target.id !== "board") return;
    var tag = event.detail.xhr.getResponseHeader("ETag");
    if (tag && tag === lastBoardTag) event.detail.shouldSwap = false;
    lastBoardTag = tag;
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
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.href || source.textContent).then(function () {
        copy.textContent = "Copied";
      });
    }
  });

  // Copy buttons only make sense where the clipboard API exists.
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
  function reveal() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
})();
