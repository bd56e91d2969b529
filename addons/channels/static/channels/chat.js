/* CivicDesk: the site's own chat. Without this script the chat button is a link to the
   report form. With it, the button opens a panel: the visitor's messages are posted to the
   site (a text, a photo, the location, a pressed answer button) and the answers are read
   every few seconds while the panel is open. Nothing is loaded from another origin. */
(function () {
  "use strict";

  var widget = document.querySelector(".chat-widget");
  var template = widget && widget.querySelector("template.chat-template");
  if (!widget || !template || !window.fetch || !window.FormData) {
    return;
  }

  var POLL_MS = 3000;
  var fragment = template.content.cloneNode(true);
  var launcher = fragment.querySelector(".chat-launcher");
  var panel = fragment.querySelector(".chat-panel");
  var link = widget.querySelector("a.chat-launcher");
  if (link) {
    widget.replaceChild(launcher, link);
  } else {
    widget.appendChild(launcher);
  }
  widget.appendChild(panel);
  // set once the panel is in the document (an id inside a template names nothing)
  launcher.setAttribute("aria-controls", panel.id);

  var log = panel.querySelector(".chat-log");
  var status = panel.querySelector(".chat-status");
  var form = panel.querySelector(".chat-form");
  var text = panel.querySelector("textarea");
  var photo = panel.querySelector("input[type=file]");
  var locate = panel.querySelector(".chat-locate");
  var words = panel.dataset;
  var csrf = "";
  var lastId = 0;
  var started = null;
  var timer = null;

  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function say(body, outbound) {
    var item = document.createElement("div");
    item.className = "chat-message " + (outbound ? "chat-message--city" : "chat-message--you");
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = (outbound ? words.city : words.you) + ": ";
    var content = document.createElement("p");
    content.textContent = body;
    content.insertBefore(name, content.firstChild);
    item.appendChild(content);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function show(message) {
    if (message.id > lastId) {
      lastId = message.id;
    }
    var outbound = message.direction === "out";
    var body = message.text || (message.photo ? words.photo : "");
    var item = say(body, outbound);
    if (outbound && message.buttons && message.buttons.length) {
      var choices = document.createElement("div");
      choices.className = "chat-choices";
      message.buttons.forEach(function (button) {
        var choice = document.createElement("button");
        choice.type = "button";
        choice.className = "button-secondary";
        choice.textContent = button.label;
        choice.addEventListener("click", function () {
          post({ button: button.data, text: button.label }, button.label);
        });
        choices.appendChild(choice);
      });
      item.appendChild(choices);
    }
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      });
  }

  function start() {
    if (!started) {
      started = getJson(widget.dataset.chatStart).then(function (data) {
        csrf = data.csrf;
        (data.messages || []).forEach(show);
      });
    }
    return started;
  }

  function poll() {
    getJson(widget.dataset.chatPoll + "?after=" + lastId).then(function (data) {
      (data.messages || []).forEach(show);
    }).catch(function () { /* the next round tries again */ });
  }

  function send(data, attempt) {
    return fetch(widget.dataset.chatSend, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, body: body };
      });
    }).catch(function (error) {
      // the same message id: a retry that reached the site once creates nothing new
      if (attempt < 2) {
        return send(data, attempt + 1);
      }
      throw error;
    });
  }

  function post(fields, shown) {
    var data = fields instanceof FormData ? fields : new FormData();
    if (!(fields instanceof FormData)) {
      Object.keys(fields).forEach(function (name) { data.append(name, fields[name]); });
    }
    data.append("message_id", newId());
    if (shown) {
      say(shown, false);
    }
    status.textContent = words.sending;
    return start().then(function () {
      return send(data, 0);
    }).then(function (result) {
      status.textContent = result.ok ? "" : (result.body.error || words.failed);
      window.setTimeout(poll, 800);
      return result.ok;
    }).catch(function () {
      status.textContent = words.failed;
      return false;
    });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    text.focus();
    start().then(poll).catch(function () { status.textContent = words.failed; });
    if (!timer) {
      timer = window.setInterval(poll, POLL_MS);
    }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    window.clearInterval(timer);
    timer = null;
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) {
      open();
    } else {
      close();
    }
  });
  panel.querySelector(".chat-close").addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var typed = text.value.trim();
    var file = photo.files && photo.files[0];
    if (!typed && !file) {
      text.focus();
      return;
    }
    var data = new FormData();
    data.append("text", typed);
    if (file) {
      data.append("photo", file);
    }
    post(data, typed || words.photo).then(function (ok) {
      if (ok) {
        form.reset();
      }
      text.focus();
    });
  });

  // Enter sends, Shift+Enter starts a new line
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        post({ lat: position.coords.latitude.toFixed(6),
               lng: position.coords.longitude.toFixed(6) }, words.location);
      }, function () {
        status.textContent = words.noLocation;
      }, { timeout: 15000 });
    });
  }
})();
