/* CivicDesk: small helpers of the civic theme. Everything works without them. */
(function () {
  "use strict";

  // After a form error, move the focus to the error summary (its title and list of links
  // to the fields are read out first).
  var summary = document.querySelector(".error-summary");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) {
      summary.setAttribute("tabindex", "-1");
    }
    summary.focus();
  }

  // Browsers without ::details-content: open the menu disclosures on wide screens.
  var supported = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (!supported && window.matchMedia && window.matchMedia("(min-width: 48em)").matches) {
    var menus = document.querySelectorAll("details.disclosure");
    for (var i = 0; i < menus.length; i += 1) {
      menus[i].open = true;
    }
  }
})();
