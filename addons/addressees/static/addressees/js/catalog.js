/* The catalog tree, opened on demand. Each "Show N sub-addressees" link works without
 * JavaScript (it opens the subtree on the catalog page); with it, the sub-addressees are
 * fetched as an HTML fragment from data-subtree-url and shown under the card, and the link
 * becomes a toggle (aria-expanded). "Show more" links append the next page. */
(function () {
  "use strict";

  function fetchFragment(url) {
    return window.fetch(url, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    });
  }

  function toggle(link) {
    var slot = document.getElementById(link.getAttribute("aria-controls"));
    if (!slot) {
      return false;
    }
    if (link.getAttribute("aria-expanded") === "true") {
      link.setAttribute("aria-expanded", "false");
      slot.hidden = true;
      return true;
    }
    if (slot.getAttribute("data-loaded")) {
      link.setAttribute("aria-expanded", "true");
      slot.hidden = false;
      return true;
    }
    link.setAttribute("aria-busy", "true");
    fetchFragment(link.getAttribute("data-subtree-url")).then(function (html) {
      slot.innerHTML = html;
      slot.setAttribute("data-loaded", "1");
      slot.hidden = false;
      link.setAttribute("aria-expanded", "true");
      link.removeAttribute("aria-busy");
    }).catch(function () {
      window.location.href = link.href;
    });
    return true;
  }

  function more(link) {
    var item = link.closest("li");
    var list = item && item.parentNode;
    if (!list) {
      return false;
    }
    link.setAttribute("aria-busy", "true");
    fetchFragment(link.getAttribute("data-subtree-url")).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("ul.tree");
      var first = null;
      if (fresh) {
        while (fresh.firstElementChild) {
          var child = fresh.firstElementChild;
          if (!first) {
            first = child;
          }
          list.insertBefore(child, item);
        }
      }
      list.removeChild(item);
      var focusTarget = first && first.querySelector("a");
      if (focusTarget) {
        focusTarget.focus();
      }
    }).catch(function () {
      window.location.href = link.href;
    });
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest("a[data-subtree-url]");
    if (!link) {
      return;
    }
    var handled = link.classList.contains("tree-more") ? more(link) : toggle(link);
    if (handled) {
      event.preventDefault();
    }
  });
})();
