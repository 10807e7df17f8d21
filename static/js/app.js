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
    if (form.hasAttribute("data-autosave-forget")) { forget(event); }
    const autosave = autosaves.get(form);
    if (autosave) { autosave.beforeSubmit(event); }
  }

  /* (d) One autosave for every long text a person types. Evenings get interrupted (a closed laptop, a lost
     connection, an expired session, a reload), so nothing typed waits for a button. A form opts in:
       <form data-autosave="server" data-autosave-version="revision">: the page has a draft on the server.
         A moment after typing stops (AUTOSAVE_DELAY) the form posts itself to its own action with
         X-Requested-With: fetch and expects JSON {ok, <version name>: n}; the new version goes into the
         form's hidden input so the next save (or the person's own button) is not taken for a stale form.
         A 409 (saved elsewhere first) stops it: the person's own submit then keeps both versions safe.
         What the server did not get is kept in this browser.
       <form data-autosave="local">: no draft on the server (a new forum post, a new evidence item, a
         comment). What is typed is kept in this browser until the form is sent.
     Copies are keyed by the signed-in person (<body data-user-id>) and the page (data-autosave-key, or the
     form's action path), so a shared computer never offers one person's text to another; signing out
     (<form data-autosave-forget>) removes them. A kept copy is offered back when the person returns, and is
     forgotten once the server takes the form (its answer is a redirect; a refusal answers with the form
     again, which keeps the copy). While anything is unsaved, leaving the page asks first. The status line
     is the form's [role=status] element, or one is added. Without JavaScript the buttons do it all. */
  const AUTOSAVE_DELAY = 1500;
  const KEEP_FOR_MS = 30 * 24 * 3600 * 1000;
  const CONFLICT_MESSAGE = "This was changed in another tab or device first. Press the save button to keep your text safe.";
  const OFFLINE_MESSAGE = "Not saved yet: you seem to be offline or signed out. Your text is kept in this browser.";
  const SENT = "waymark:autosave:sent"; // sessionStorage: the form this tab has just submitted
  const TEXT_TYPES = ["text", "search", "email", "url", "tel", "number", "date", "datetime-local", "month", "week", "time"];
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const autosaves = new Map(); // form -> its controller, for the submit, hide and leave handlers
  let forgetting = false; // signing out: keep nothing more in this browser

  // Web storage can be missing or refuse (private browsing, full quota): keeping a copy is a bonus, never a
  // reason for saving to fail.
  function storage(area) {
    return {
      get(key) { try { return key ? JSON.parse(window[area].getItem(key)) : null; } catch (e) { return null; } },
      set(key, value) { try { if (key) { window[area].setItem(key, JSON.stringify(value)); } } catch (e) { /* ignore */ } },
      remove(key) { try { if (key) { window[area].removeItem(key); } } catch (e) { /* ignore */ } }
    };
  }
  const kept = storage("localStorage");
  const session = storage("sessionStorage");

  function clock(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function when(at) {
    const date = new Date(at);
    const today = date.toDateString() === new Date().toDateString();
    return (today ? "today" : "on " + date.getDate() + " " + MONTHS[date.getMonth()]) + " at " + clock(date);
  }

  function signedInUser() {
    return (document.body && document.body.getAttribute("data-user-id")) || null;
  }

  function prefix(user) { return "waymark:autosave:" + user + ":"; }

  // What a person types: text-like inputs, textareas, selects, radios and checkboxes (never hidden inputs,
  // the CSRF token, passwords or files), as [name, value] pairs in page order. `initial`: as the server
  // sent the page, not as the browser may have refilled it.
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.hasAttribute("data-autosave-ignore")) { return false; }
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
      return el.tagName === "INPUT" && (TEXT_TYPES.indexOf(el.type) !== -1 || el.type === "radio" || el.type === "checkbox");
    });
  }

  function valuesOf(form, initial) {
    const values = [];
    fieldsOf(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (initial ? el.defaultChecked : el.checked) { values.push([el.name, el.value]); }
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (option) {
          if (initial ? option.defaultSelected : option.selected) { values.push([el.name, option.value]); }
        });
      } else {
        values.push([el.name, initial ? el.defaultValue : el.value]);
      }
    });
    return values;
  }

  function fill(form, values) {
    const chosen = new Set(values.map(function (pair) { return pair[0] + "\u0000" + pair[1]; }));
    const texts = {};
    values.forEach(function (pair) { (texts[pair[0]] = texts[pair[0]] || []).push(pair[1]); });
    fieldsOf(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = chosen.has(el.name + "\u0000" + el.value);
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (option) {
          option.selected = chosen.has(el.name + "\u0000" + option.value);
        });
      } else if (texts[el.name] && texts[el.name].length) {
        el.value = texts[el.name].shift(); // .value, never innerHTML: this is the person's own text
      }
    });
  }

  function same(a, b) { return a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b); }

  function messageOf(data) {
    if (data && data.message) { return data.message; }
    if (data && data.errors) { return "Not saved: " + Object.values(data.errors).join(" "); }
    return OFFLINE_MESSAGE;
  }

  // The form this tab submitted before this page loaded: a redirect means the server took it, so its kept
  // copy goes (unless typed into since). Answered with a page (the form again, a refusal, an error), the
  // copy stays and the form below offers or holds it.
  function settleSent() {
    const sent = session.get(SENT);
    session.remove(SENT);
    if (!sent || !sent.key || sent.user !== signedInUser()) { return; }
    const entries = window.performance && window.performance.getEntriesByType
      ? window.performance.getEntriesByType("navigation") : [];
    if (!entries.length || entries[0].type !== "navigate" || !entries[0].redirectCount) { return; }
    const copy = kept.get(sent.key);
    if (copy && !(copy.at > sent.at)) { kept.remove(sent.key); }
  }

  function statusOf(form) {
    const found = form.querySelector("[data-autosave-status]") || form.querySelector('[role="status"]');
    if (found) { return found; }
    const status = document.createElement("p");
    status.className = "autosave-status muted";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const button = form.querySelector('button[type="submit"], input[type="submit"]');
    const group = button && button.closest(".button-group");
    const anchor = group && form.contains(group) ? group : button;
    if (anchor) { anchor.parentNode.insertBefore(status, anchor); } else { form.appendChild(status); }
    return status;
  }

  function setUpAutosave(form) {
    const server = form.getAttribute("data-autosave") === "server";
    const user = signedInUser();
    const versionName = form.getAttribute("data-autosave-version") || "version";
    const version = server ? form.querySelector('input[name="' + versionName + '"]') : null;
    // Not form.action: a field or button named "action" shadows the property.
    const url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    if ((server && !version) || (!server && !user)) { return; }
    const key = user ? prefix(user) + (form.getAttribute("data-autosave-key") || url.pathname) : null;
    const conflictMessage = form.getAttribute("data-autosave-conflict") || CONFLICT_MESSAGE;
    const status = statusOf(form);
    const initial = valuesOf(form, true); // as the server sent the page
    let saved = initial; // server: what the server has; local: what needs no keeping. null: unknown, unsaved
    let timer = null; // the one debounce timer of this form
    let busy = false; // a request is in flight: never send two, they would race on the version
    let queued = false; // changed while busy: send again when it answers
    let stopped = false; // conflict: from here on only the person's own submit may send
    let submitting = false; // the form itself is being submitted: it carries the text already
    let pending = null; // submitted while busy: submit (with this button) once the version is up to date

    function say(message) { status.textContent = message; }

    function keep(values) {
      if (!key || forgetting) { return; }
      kept.set(key, { values: values, version: version ? version.value : null, at: Date.now() });
    }

    function unsaved() {
      if (submitting) { return false; }
      return busy || !same(valuesOf(form), saved);
    }

    // Other forms beside this one may name the version too (a reflection's "mark as finished"); after a
    // save they must name the new one, or they would be refused as if another tab had changed it.
    function setVersion(value) {
      if (value === undefined || value === null) { return; }
      const scope = form.closest("[data-autosave-scope]") || form;
      scope.querySelectorAll('input[name="' + versionName + '"]').forEach(function (input) { input.value = value; });
      version.value = value;
    }

    async function save(keepalive) {
      window.clearTimeout(timer);
      timer = null;
      if (stopped || submitting) { return; }
      if (busy) { queued = true; return; }
      const values = valuesOf(form);
      if (same(values, saved)) { kept.remove(key); return; }
      // Leaving the page: we may never hear the answer, so keep a copy first (dropped on the next load if
      // the server turns out to have it).
      if (keepalive) { keep(values); }
      busy = true;
      // The CSRF token, the version and every field; never a chosen file (it goes with the form itself,
      // not again with every pause in typing).
      const body = new FormData(form);
      form.querySelectorAll('input[type="file"][name]').forEach(function (input) { body.delete(input.name); });
      try {
        const response = await window.fetch(url.href, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
          keepalive: Boolean(keepalive)
        });
        // A signed-out session is redirected to the login page (200, HTML): only JSON counts as an answer.
        const data = await response.json().catch(function () { return null; });
        if (response.status === 409) {
          stopped = true;
          say((data && data.message) || conflictMessage);
        } else if (response.ok && data && data.ok) {
          saved = values;
          setVersion(data[versionName]);
          kept.remove(key);
          say("Saved at " + clock(new Date()));
        } else {
          keep(values);
          say(messageOf(data));
        }
      } catch (e) {
        keep(values);
        say(OFFLINE_MESSAGE);
      } finally {
        busy = false;
      }
      if (pending) { submitNow(); } else if (queued) { queued = false; save(false); }
    }

    function keepLocally() {
      window.clearTimeout(timer);
      timer = null;
      if (submitting) { return; }
      const values = valuesOf(form);
      if (same(values, saved)) { kept.remove(key); say(""); return; }
      keep(values);
      say("Kept in this browser at " + clock(new Date()) + "; not sent yet.");
    }

    function schedule() {
      if (stopped || submitting) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(server ? save : keepLocally, AUTOSAVE_DELAY);
    }

    // The page is being hidden or left: do now what the timer would have done.
    function flush() {
      if (!unsaved() || stopped) { return; }
      if (!server) { keepLocally(); return; }
      if (busy) { keep(valuesOf(form)); queued = true; return; } // the queued save may never run now
      save(true);
    }

    // Submitted: keep a copy until the next page shows that the server took it.
    function markSent() {
      submitting = true;
      if (!key || forgetting) { return; }
      const values = valuesOf(form);
      if (!same(values, initial)) { keep(values); }
      session.set(SENT, { user: user, key: key, at: Date.now() });
    }

    function submitNow() {
      const button = pending;
      pending = null;
      if (button && button.name) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = button.name;
        input.value = button.value;
        form.appendChild(input);
      }
      markSent();
      HTMLFormElement.prototype.submit.call(form); // skips the submit event, so no loop
    }

    function beforeSubmit(event) {
      if (event.defaultPrevented) { return; }
      window.clearTimeout(timer);
      if (busy) {
        // Sent now, the form would carry the version our own save is replacing: wait for it.
        event.preventDefault();
        pending = event.submitter || lastClicked || true;
        return;
      }
      markSent();
    }

    // Offer the text this browser kept if the page does not already show it.
    function offerKept() {
      const copy = key && kept.get(key);
      if (!copy || !Array.isArray(copy.values)) { return; }
      if (!(Date.now() - copy.at < KEEP_FOR_MS)) { kept.remove(key); return; }
      const current = valuesOf(form);
      if (server && Number(copy.version) < Number(version.value)) {
        // Saved since the copy was written: it reached the server, or was overtaken by a newer save.
        if (same(copy.values, current)) { kept.remove(key); }
        return;
      }
      if (same(copy.values, current)) { saved = null; return; } // the server answered with the form again
      const notice = document.createElement("div");
      notice.className = "card autosave-restore";
      notice.setAttribute("role", "status");
      const message = document.createElement("p");
      message.textContent = "We kept what you typed here " + when(copy.at) + ". It was not " +
        (server ? "saved." : "sent.");
      const buttons = document.createElement("p");
      buttons.className = "button-group";
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "button button--secondary";
      restore.textContent = "Restore what you typed";
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "button button--secondary";
      discard.textContent = "Discard it";
      function done() {
        notice.remove();
        const first = fieldsOf(form)[0];
        if (first) { first.focus(); }
      }
      restore.addEventListener("click", function () {
        fill(form, copy.values);
        done();
        if (server) { save(false); } else { keepLocally(); }
      });
      discard.addEventListener("click", function () {
        kept.remove(key);
        done();
      });
      buttons.append(restore, discard);
      notice.append(message, buttons);
      const details = form.closest("details");
      if (details) { details.open = true; }
      form.insertBefore(notice, form.firstChild);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    // Back online: try again at once rather than waiting for the next keystroke.
    window.addEventListener("online", function () { if (server && unsaved()) { save(false); } });
    // Back from the back/forward cache after a submit that did not land: the page is live again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; session.remove(SENT); }
    });
    offerKept();
    // The browser refilled the form (back to a page it did not cache): that is typing too.
    if (!same(valuesOf(form), initial)) { schedule(); }
    autosaves.set(form, {
      flush: flush,
      beforeSubmit: beforeSubmit,
      unsaved: unsaved,
      release: function () { submitting = true; }
    });
  }

  // Signing out: ask first if anything is unsaved, then remove what this browser kept for this person.
  function forget(event) {
    const user = signedInUser();
    if (!user) { return; }
    let unsaved = false;
    autosaves.forEach(function (autosave) { if (autosave.unsaved()) { unsaved = true; } });
    if (unsaved && !window.confirm("Something you typed is not saved yet. Sign out and lose it?")) {
      event.preventDefault();
      return;
    }
    forgetting = true;
    autosaves.forEach(function (autosave) { autosave.release(); });
    try {
      for (let i = window.localStorage.length - 1; i >= 0; i--) {
        const name = window.localStorage.key(i);
        if (name && name.indexOf(prefix(user)) === 0) { window.localStorage.removeItem(name); }
      }
    } catch (e) { /* ignore */ }
  }

  // Leaving with something unsaved: the browser asks first (its own words; ours are not shown).
  window.addEventListener("beforeunload", function (event) {
    let unsaved = false;
    autosaves.forEach(function (autosave) { if (autosave.unsaved()) { unsaved = true; } });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

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
    autosaves.forEach(function (autosave) { autosave.flush(); });
    sendPosition();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { onHide(); } else { hidden = false; }
  });
  window.addEventListener("pagehide", onHide);
  window.addEventListener("pageshow", function () { hidden = false; });

  function setUpAutosaves() {
    if (!window.fetch || !window.FormData || !window.Map || !window.Set) { return; } // old browsers: the buttons still work
    settleSent();
    document.querySelectorAll("form[data-autosave]").forEach(setUpAutosave);
  }

  /* (f) Passkeys (core/passkeys): the WebAuthn ceremonies, which only a script can run. The forms stay hidden
     where the browser has no passkeys; the authenticator app's codes are always the way in without them. */
  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toBase64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBuffers(options) {
    options.challenge = fromBase64url(options.challenge);
    if (options.user) { options.user.id = fromBase64url(options.user.id); }
    ["excludeCredentials", "allowCredentials"].forEach(function (name) {
      (options[name] || []).forEach(function (descriptor) { descriptor.id = fromBase64url(descriptor.id); });
    });
    return options;
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toBase64url(response.userHandle); }
    }
    return json;
  }

  async function answerJSON(response) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON: an error page */ }
    if (!response.ok) { throw new Error(body.error || "Something went wrong. Reload the page and try again."); }
    return body;
  }

  async function runPasskey(form) {
    const message = form.querySelector("[data-passkey-message]");
    const token = form.querySelector('input[name="csrf_token"]').value;
    message.hidden = true;
    try {
      const options = await answerJSON(await fetch(form.getAttribute("data-passkey-options"), {
        method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" }, credentials: "same-origin"
      }));
      const adding = form.getAttribute("data-passkey") === "add";
      const credential = adding
        ? await navigator.credentials.create({ publicKey: withBuffers(options) })
        : await navigator.credentials.get({ publicKey: withBuffers(options) });
      const done = await answerJSON(await fetch(form.action, {
        method: "POST",
        body: JSON.stringify(credentialJSON(credential)),
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }));
      window.location.assign(done.redirect);
    } catch (error) {
      // A person who closes the browser's passkey prompt gets NotAllowedError: say so in plain words.
      message.textContent = error && error.name === "NotAllowedError"
        ? "The passkey was not used. Try again, or type a code instead."
        : error.message;
      message.hidden = false;
      message.focus && message.focus();
    }
  }

  function setUpPasskeys() {
    if (!window.PublicKeyCredential || !window.fetch || !navigator.credentials) { return; }
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) { note.hidden = true; });
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        runPasskey(form);
      });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button[type=submit], input[type=submit]") : null;
    lastClicked = button;
  }, true);
  document.addEventListener("submit", onSubmit);
  ready(focusErrorSummary);
  ready(setUpAutosaves);
  ready(setUpPasskeys);
})();
