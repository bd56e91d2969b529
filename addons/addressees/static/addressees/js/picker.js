/* The addressee picker's suggestions. The picker works without this script: the visitor
 * chooses from the short list or types a name that the server resolves. With it, what is
 * typed is looked up in data-suggest-url (the site's own JSON: id, title, parent) and the
 * field's <datalist> is filled, so the browser offers the names (keyboard usable, announced
 * by screen readers as the field's suggestions). Choosing from the short list clears the
 * typed name, which would otherwise take precedence. */
(function () {
  "use strict";

  var DELAY = 200;

  function setUp(picker) {
    if (picker.getAttribute("data-picker-ready")) {
      return;
    }
    picker.setAttribute("data-picker-ready", "1");
    var select = picker.querySelector("select");
    var input = picker.querySelector("input[type=text]");
    if (!input) {
      return;
    }
    var list = document.getElementById(input.getAttribute("list"));
    var url = picker.getAttribute("data-suggest-url");
    var minLength = parseInt(picker.getAttribute("data-min-length"), 10) || 2;
    var timer = null;
    var asked = "";

    function fill(results) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      results.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.title;
        if (item.parent) {
          option.label = item.parent;
        }
        list.appendChild(option);
      });
    }

    function ask() {
      var text = input.value.replace(/\s+/g, " ").trim();
      if (text.length < minLength || text === asked) {
        return;
      }
      asked = text;
      window.fetch(url + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (asked === text) {
          fill(data.results || []);
        }
      }).catch(function () {
        fill([]);
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });
    if (select) {
      select.addEventListener("change", function () {
        input.value = "";
      });
    }
  }

  function init() {
    if (!window.fetch) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-addressee-picker]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
