/* Waymark: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  var THEMES = ["system", "light", "dark"];
  var lastClicked = null; // fallback for browsers without SubmitEvent.submitter

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // (a) Move focus to the error summary so screen-reader and keyboard users hear about the problem first.
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function setPressed(form, theme) {
    var buttons = form.querySelectorAll('button[name="theme"]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].value === theme ? "true" : "false");
    }
  }

  // Plain submit with the chosen theme, for when fetch fails. form.submit() skips the submit event,
  // and does not send the button's value, so carry it in a hidden input.
  function fallbackSubmit(form, theme) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "theme";
    input.value = theme;
    form.appendChild(input);
    HTMLFormElement.prototype.submit.call(form);
  }

  // (b) Switch the theme at once, save it in the background.
  function submitTheme(event, form) {
    var button = event.submitter || lastClicked;
    if (!button || button.name !== "theme" || THEMES.indexOf(button.value) === -1) { return; }
    if (!window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var theme = button.value;
    document.documentElement.setAttribute("data-theme", theme);
    setPressed(form, theme);
    var data = new FormData(form);
    data.set("theme", theme);
    window.fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { fallbackSubmit(form, theme); }
    }, function () {
      fallbackSubmit(form, theme);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    // (c) <form data-confirm="Delete this draft?"> asks first.
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-theme-form")) { submitTheme(event, form); }
    const autosave = autosaves.get(form);
    if (autosave) { autosave.beforeSubmit(event); }
  }

  /* (d) Autosave for reflection drafts: <form data-autosave> with textarea[name=text], input[name=revision]
     and p.autosave-status. Evening sessions get interrupted (a closed laptop, a lost connection, an expired
     session), so typing is saved a moment after it stops, and anything the server did not get is kept in
     this browser. The server never overwrites a newer revision (409); autosave then stops, and the plain
     "Save draft" submit stores this tab's text as a recovery copy beside the newer answer. */
  const AUTOSAVE_DELAY = 1500;
  const CONFLICT_MESSAGE = "This answer was changed in another tab or device. Press Save draft to keep both versions safe.";
  const OFFLINE_MESSAGE = "Not saved yet: you seem to be offline or signed out. Your text is kept in this browser.";
  const autosaves = new WeakMap(); // form -> its controller, so the submit handler can find it

  // localStorage can be missing or refuse (private browsing, full quota): keeping a copy is a bonus, never a
  // reason for saving to fail.
  const kept = {
    get(key) { try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* ignore */ } },
    remove(key) { try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  };

  function clock(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function setUpAutosave(form) {
    const textarea = form.querySelector('textarea[name="text"]');
    const revision = form.querySelector('input[name="revision"]');
    const status = form.querySelector(".autosave-status");
    if (!textarea || !revision || !status) { return; }
    // The action URL names the activity, so each reflection has its own kept copy.
    const key = "waymark:draft:" + form.action;
    let saved = textarea.defaultValue; // the text the server has (defaultValue: not a browser-restored value)
    let timer = null; // the one debounce timer of this form
    let busy = false; // a request is in flight: never send two, they would race on the revision
    let queued = false; // text changed while busy: send again when it answers
    let stopped = false; // conflict: from here on only the user's own Save draft submit may send
    let submitting = false; // the form itself is being submitted: it carries the text already
    let submitAfter = false; // Save draft pressed while busy: submit once the revision is up to date

    function keep(text) {
      kept.set(key, { text: text, revision: revision.value, at: Date.now() });
    }

    // The finish form beside this one names the revision too; after an autosave it must name the new one,
    // or "mark as finished" would be refused as if another tab had changed the answer.
    function setRevision(value) {
      const scope = form.closest("section") || form;
      scope.querySelectorAll('input[name="revision"]').forEach(function (input) { input.value = value; });
    }

    async function save(keepalive) {
      window.clearTimeout(timer);
      timer = null;
      if (stopped || submitting) { return; }
      if (busy) { queued = true; return; }
      const text = textarea.value;
      if (text === saved) { kept.remove(key); return; }
      // Leaving the page: we may never hear the answer, so keep a copy first (cleared on the next load if
      // the server turns out to have it).
      if (keepalive) { keep(text); }
      busy = true;
      try {
        const response = await window.fetch(form.action, {
          method: "POST",
          body: new FormData(form), // csrf_token, revision and text
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
          keepalive: Boolean(keepalive)
        });
        // A signed-out session is redirected to the login page (200, HTML): only JSON counts as an answer.
        const data = await response.json().catch(function () { return null; });
        if (response.status === 409) {
          stopped = true;
          status.textContent = CONFLICT_MESSAGE;
        } else if (response.ok && data && data.ok) {
          saved = text;
          setRevision(data.revision);
          kept.remove(key);
          status.textContent = "Saved at " + clock(new Date());
        } else {
          keep(text);
          status.textContent = (data && data.message) || OFFLINE_MESSAGE;
        }
      } catch (e) {
        keep(text);
        status.textContent = OFFLINE_MESSAGE;
      } finally {
        busy = false;
      }
      if (submitAfter) {
        // form.submit() skips the submit event; the revision input now matches what the server has.
        submitAfter = false;
        submitting = true;
        HTMLFormElement.prototype.submit.call(form);
      } else if (queued) {
        queued = false;
        save(false);
      }
    }

    function schedule() {
      if (stopped) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(save, AUTOSAVE_DELAY);
    }

    function flush() {
      if (stopped || submitting || textarea.value === saved) { return; }
      if (busy) { keep(textarea.value); queued = true; return; } // the queued save may never run now
      save(true);
    }

    function beforeSubmit(event) {
      if (event.defaultPrevented) { return; }
      window.clearTimeout(timer);
      if (busy) {
        // Sent now, the form would carry the old revision and conflict with our own autosave.
        event.preventDefault();
        submitAfter = true;
        return;
      }
      submitting = true;
    }

    // Offer the text this browser kept if the server has not got it. "Newer than the page": the copy was
    // written on top of the revision shown here (a save elsewhere since would have raised the revision).
    function offerKeptText() {
      const copy = kept.get(key);
      if (!copy || typeof copy.text !== "string") { return; }
      if (copy.text === textarea.value) { kept.remove(key); return; } // it reached the server after all
      if (Number(copy.revision) < Number(revision.value)) { return; }
      const notice = document.createElement("div");
      notice.className = "card autosave-restore";
      const message = document.createElement("p");
      message.textContent = "This browser kept text you wrote here" +
        (copy.at ? " at " + clock(new Date(copy.at)) : "") + " that was not saved to Waymark.";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary";
      button.textContent = "Restore the text kept in this browser";
      button.addEventListener("click", function () {
        textarea.value = copy.text; // .value, never innerHTML: this is the user's own text
        notice.remove();
        textarea.focus();
        save(false);
      });
      notice.append(message, button);
      const field = textarea.closest(".field") || textarea;
      field.parentNode.insertBefore(notice, field);
    }

    textarea.addEventListener("input", schedule);
    // Back online: try again at once rather than waiting for the next keystroke.
    window.addEventListener("online", function () { if (textarea.value !== saved) { save(false); } });
    // Back from the back/forward cache after a submit: the page is live again.
    window.addEventListener("pageshow", function () { submitting = false; });
    offerKeptText();
    autosaves.set(form, { flush: flush, beforeSubmit: beforeSubmit });
  }

  /* (e) Remember where the candidate was reading, so another evening (or device) resumes there. Sent with
     sendBeacon when the page is hidden: the one moment that reliably comes before a closed laptop. */
  function lastHeadingPassed(article) {
    let id = "";
    article.querySelectorAll("h2[id], h3[id], section[id], li[id]").forEach(function (element) {
      // Hidden elements have no boxes (and would report a top of 0); 16px: a heading at the top counts.
      if (element.getClientRects().length && element.getBoundingClientRect().top <= 16) { id = element.id; }
    });
    return id;
  }

  function sendPosition() {
    const article = document.querySelector("article[data-position-url]");
    const token = document.querySelector('input[name="csrf_token"]');
    if (!article || !token || !navigator.sendBeacon) { return; }
    const data = new FormData();
    data.append("csrf_token", token.value);
    data.append("anchor", lastHeadingPassed(article));
    navigator.sendBeacon(article.getAttribute("data-position-url"), data);
  }

  // Navigating away fires both pagehide and visibilitychange: act once per time the page was hidden.
  let hidden = false;
  function onHide() {
    if (hidden) { return; }
    hidden = true;
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      const autosave = autosaves.get(form);
      if (autosave) { autosave.flush(); }
    });
    sendPosition();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { onHide(); } else { hidden = false; }
  });
  window.addEventListener("pagehide", onHide);
  window.addEventListener("pageshow", function () { hidden = false; });

  function setUpAutosaves() {
    if (!window.fetch || !window.FormData) { return; } // old browsers: the Save draft button still works
    document.querySelectorAll("form[data-autosave]").forEach(setUpAutosave);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button[type=submit], input[type=submit]") : null;
    lastClicked = button;
  }, true);
  document.addEventListener("submit", onSubmit);
  ready(focusErrorSummary);
  ready(setUpAutosaves);
})();

/* Judgement autosave (assessors, issue 6). <form data-judgement-autosave> holds a hidden "version" input and
   p.judgement-autosave-status. Every 20 seconds, if anything changed, the form is posted as "Save draft"
   would post it, asking for JSON ({ok, version}); the new version goes into the hidden input so the next
   save (or the user's own button) is not mistaken for a stale form. A 409 (someone else saved or decided
   first) stops it: the buttons then show the conflict with the user's text kept. Without JavaScript the
   Save draft button does the same job. */
(function () {
  "use strict";
  var INTERVAL = 20000;
  var OFFLINE = "Not saved yet: you seem to be offline or signed out. Press Save draft to try again.";

  function clock(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function setUp(form) {
    var version = form.querySelector('input[name="version"]');
    var status = form.querySelector(".judgement-autosave-status");
    if (!version || !status) { return; }
    var dirty = false; // changed since the last save the server acknowledged
    var busy = false; // a save is in flight: never two at once, they would race on the version
    var stopped = false; // a conflict, or the form is being submitted
    var pending = null; // the button pressed while a save was in flight

    function markDirty() { if (!stopped) { dirty = true; } }

    function submitNow(button) {
      stopped = true;
      if (button && button.name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = button.name;
        input.value = button.value;
        form.appendChild(input);
      }
      HTMLFormElement.prototype.submit.call(form); // skips the submit event, so no loop
    }

    function finish() {
      busy = false;
      if (pending) { var button = pending; pending = null; submitNow(button); }
    }

    function save() {
      if (!dirty || busy || stopped) { return; }
      busy = true;
      dirty = false;
      var data = new FormData(form);
      data.set("action", "save");
      // Not form.action: the buttons are named "action", which shadows the property (a RadioNodeList).
      window.fetch(form.getAttribute("action"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (response.ok && body && body.ok) {
            version.value = body.version;
            status.textContent = "Draft saved at " + clock(new Date()) + ".";
          } else if (response.status === 409) {
            stopped = true;
            status.textContent = (body && body.message) || "Someone else changed this judgement first.";
          } else if (response.status === 422 && body && body.errors) {
            dirty = true;
            status.textContent = "Not saved: " + Object.values(body.errors).join(" ");
          } else {
            dirty = true;
            status.textContent = OFFLINE;
          }
        });
      }, function () {
        dirty = true;
        status.textContent = OFFLINE;
      }).then(finish, finish);
    }

    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (busy) {
        // Sent now, the form would carry the version our own save is replacing: wait for it.
        event.preventDefault();
        pending = event.submitter || form.querySelector('button[name="action"][value="save"]');
        return;
      }
      stopped = true;
    });
    window.addEventListener("pageshow", function (event) { if (event.persisted) { stopped = false; } });
    window.setInterval(save, INTERVAL);
  }

  function start() {
    if (!window.fetch || !window.FormData) { return; }
    document.querySelectorAll("form[data-judgement-autosave]").forEach(setUp);
  }

  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
