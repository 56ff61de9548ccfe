// The paper pages' Print button (templates/boards/includes/paper_tools.html): hidden in
// the markup, so that without this file the page only says to use the browser's Print.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.print !== "function") return;
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
