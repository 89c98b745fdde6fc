// The room page: the conversation, the composer, who is here, typing, read markers, help and crisis
// notices. Contract: docs/protocol.md ("Chat socket"). The database's seq is the truth: every message
// is kept by seq, shown once, in order; after a drop we reconnect with ?after=<last contiguous seq>
// and resend unacknowledged messages with the same client_id (the server stores each once).

import {
  announce,
  api,
  h,
  newClientId,
  pageData,
  prefersReducedMotion,
  renderResources,
  safeMessageFragment,
  timeElement,
} from "./dom.js";
import { LiveSocket, showConnection, wsUrl } from "./socket.js";

const data = pageData("room-data");
const roomId = data.room.id;
const me = data.me;
const members = new Map(data.members.map((m) => [m.id, m]));
const PAGE = data.historyPage || 50;
const MAX_CHARS = 4000;
const RESEND_AFTER_MS = 8000;
const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;
const TYPING_EXPIRE_MS = 7000;
const STORAGE_KEY = `peerchat:pending:${roomId}:${me.id}`;

const $ = (id) => document.getElementById(id);
const els = {
  history: $("history"),
  live: $("live"),
  pending: $("pending"),
  historyStatus: $("history-status"),
  loadOlder: $("load-older"),
  sentinel: $("history-sentinel"),
  form: $("composer"),
  input: $("message-input"),
  composerError: $("composer-error"),
  typing: $("typing"),
  jumpNew: $("jump-new"),
  people: $("people"),
  helpButton: $("help-button"),
  helpStatus: $("help-status"),
  crisis: $("crisis"),
  crisisResources: $("crisis-resources"),
  crisisClose: $("crisis-close"),
  staffAlerts: $("staff-alerts"),
  roomError: $("room-error"),
};

const state = {
  known: new Map(), // seq → <li>
  lowest: null, // lowest seq shown
  top: 0, // highest seq such that every seq from `lowest` up to it is shown
  historyDone: false,
  loadingOlder: false,
  initialLoaded: false,
  everOpened: false,
  syncAskedAfter: -1,
  pending: new Map(), // client_id → {clientId, body, el, timer}
  online: new Set([me.id]),
  reads: new Map(), // user id → seq
  typing: new Map(), // user id → timer
  myRead: data.lastRead || 0,
  seenNotices: new Set(), // "resources:<flag>" / "alerted:<flag>": shown once per page
  helpQueued: false,
  helpInFlight: false,
};

function setFlag(name, value) {
  document.body.dataset[name] = String(value);
}

// --- the socket -------------------------------------------------------------------------------

const socket = new LiveSocket(() => wsUrl(`/ws/rooms/${roomId}/?after=${state.top}`), {
  onFrame: handleFrame,
  onState: handleState,
});

function send(frame) {
  return socket.send(frame);
}

window.peerchat = Object.assign(window.peerchat || {}, {
  room: { id: roomId, name: data.room.name, kind: data.room.kind, me, members: data.members, send },
});

function handleState(connection) {
  showConnection(connection);
  setFlag("synced", false);
  if (connection === "open") {
    if (state.everOpened) announce("Connected again.");
    state.everOpened = true;
    delete document.body.dataset.lostAnnounced;
    hideRoomError();
    renderPeople();
    return;
  }
  clearTyping();
  if (connection === "reconnecting") {
    if (!document.body.dataset.lostAnnounced) {
      announce("Connection lost. Reconnecting… What you send will go out when it is back.");
      document.body.dataset.lostAnnounced = "1";
    }
    for (const entry of state.pending.values()) setPendingStatus(entry, "waiting");
    renderPeople();
  } else if (connection === "signed-out") {
    showRoomError("You have been signed out. ", h("a", { href: `/accounts/login/?next=/rooms/${roomId}/` }, "Sign in again"));
  } else if (connection === "forbidden") {
    showRoomError("You no longer have access to this room.");
  }
}

function handleFrame(frame) {
  switch (frame.type) {
    case "room.state":
      onRoomState(frame);
      break;
    case "message.new":
      onMessage(frame.message);
      break;
    case "sync.done":
      setFlag("synced", true);
      setFlag("top", state.top);
      markReadSoon();
      break;
    case "typing":
      onTyping(frame.user, frame.active);
      break;
    case "presence":
      if (frame.online) state.online.add(frame.user);
      else state.online.delete(frame.user);
      renderPeople();
      break;
    case "read":
      if ((state.reads.get(frame.user) || 0) < frame.seq) state.reads.set(frame.user, frame.seq);
      if (frame.user === me.id) state.myRead = Math.max(state.myRead, frame.seq);
      renderReadMarkers();
      break;
    case "help.received":
      onHelpReceived();
      break;
    case "crisis.resources":
      onCrisisResources(frame);
      break;
    case "staff.alerted":
      onStaffAlerted(frame);
      break;
    case "report.received":
      announce("Your report reached our staff.");
      break;
    case "error":
      onError(frame);
      break;
    default:
      break;
  }
  // Other modules (calls, later) listen for room frames here.
  window.dispatchEvent(new CustomEvent("peerchat:frame", { detail: frame }));
}

function onRoomState(frame) {
  state.online = new Set([me.id, ...frame.online]);
  for (const [user, seq] of Object.entries(frame.read || {})) {
    const id = Number(user);
    state.reads.set(id, Math.max(state.reads.get(id) || 0, seq));
  }
  renderPeople();
  renderReadMarkers();
  // The socket is authorised: send what is waiting, oldest first (same client_ids: stored once).
  for (const entry of state.pending.values()) transmit(entry);
  if (state.helpQueued) {
    state.helpQueued = false;
    sendHelp();
  }
}

// --- messages ---------------------------------------------------------------------------------

function messageElement(msg) {
  const mine = msg.sender.id === me.id;
  const who = mine ? "You" : msg.sender.display_name || msg.sender.username;
  const body = h("div", { class: "msg__body" });
  body.append(safeMessageFragment(msg.html));
  return h(
    "li",
    {
      class: `msg ${mine ? "msg--mine" : "msg--theirs"}`,
      id: `m-${msg.seq}`,
      dataset: { seq: msg.seq, sender: msg.sender.id, clientId: msg.client_id },
    },
    h(
      "p",
      { class: "msg__meta" },
      h("span", { class: "msg__sender" }, who),
      h("span", { class: "visually-hidden" }, ", "),
      " ",
      timeElement(msg.created_at, "msg__time"),
      h("span", { class: "visually-hidden" }, ":"),
    ),
    body,
  );
}

function advanceTop() {
  while (state.known.has(state.top + 1)) state.top += 1;
  setFlag("top", state.top);
}

function onMessage(msg) {
  const entry = msg.sender.id === me.id ? state.pending.get(msg.client_id) : undefined;
  if (entry) acknowledge(entry);
  const seq = msg.seq;
  if (state.known.has(seq)) return; // already shown: never twice
  if (state.lowest !== null && seq < state.lowest) return; // older than what is shown: history has it
  const wasNearBottom = nearBottom();
  const li = messageElement(msg);
  insertLive(li, seq);
  state.known.set(seq, li);
  if (state.lowest === null) {
    state.lowest = seq;
    state.top = seq - 1;
  }
  advanceTop();
  if (seq > state.top + 1 && state.syncAskedAfter !== state.top) {
    // A hole before this message: ask for it (the answer is deduplicated by seq).
    state.syncAskedAfter = state.top;
    send({ type: "sync", after: state.top });
  }
  if (msg.sender.id !== me.id) onTyping(msg.sender.id, false);
  renderReadMarkers();
  updateHistoryStatus();
  if (wasNearBottom || msg.sender.id === me.id) scrollToBottom();
  else els.jumpNew.hidden = false;
  markReadSoon();
}

function insertLive(li, seq) {
  let after = els.live.lastElementChild;
  while (after && Number(after.dataset.seq) > seq) after = after.previousElementSibling;
  if (after) after.after(li);
  else els.live.prepend(li);
}

// --- history ----------------------------------------------------------------------------------

async function loadInitial() {
  let delay = 500;
  for (;;) {
    try {
      if (data.lastSeq > 0) {
        const page = await api(`/api/rooms/${roomId}/messages?before=${data.lastSeq + 1}&limit=${PAGE}`);
        prependHistory(page.messages);
        state.historyDone = page.messages.length < PAGE || state.lowest === 1;
      } else {
        state.historyDone = true;
      }
      break;
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        handleState(err.status === 401 ? "signed-out" : "forbidden");
        return;
      }
      els.historyStatus.textContent = "Can't reach the server right now. Trying again…";
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
  state.initialLoaded = true;
  updateHistoryStatus();
  scrollToBottom();
  setFlag("loaded", true);
  socket.start();
  observeTop();
}

function prependHistory(messages) {
  const fragment = document.createDocumentFragment();
  for (const msg of messages) {
    if (state.known.has(msg.seq)) continue;
    const li = messageElement(msg);
    state.known.set(msg.seq, li);
    fragment.append(li);
  }
  els.history.prepend(fragment);
  if (messages.length) {
    const first = messages[0].seq;
    const last = messages[messages.length - 1].seq;
    if (state.lowest === null) {
      state.lowest = first;
      state.top = last;
    } else {
      state.lowest = Math.min(state.lowest, first);
    }
    advanceTop();
  }
  renderReadMarkers();
}

async function loadOlder({ fromButton = false } = {}) {
  if (state.loadingOlder || state.historyDone || !state.initialLoaded || state.lowest === null) return;
  state.loadingOlder = true;
  els.historyStatus.textContent = "Loading earlier messages…";
  const before = document.documentElement.scrollHeight;
  try {
    const page = await api(`/api/rooms/${roomId}/messages?before=${state.lowest}&limit=${PAGE}`);
    prependHistory(page.messages);
    state.historyDone = page.messages.length < PAGE || state.lowest <= 1;
    // Keep what the reader was looking at in place.
    window.scrollBy(0, document.documentElement.scrollHeight - before);
    if (fromButton) announce(`${page.messages.length} earlier messages shown above.`);
  } catch {
    els.historyStatus.textContent = "Couldn't load earlier messages.";
    state.loadingOlder = false;
    els.loadOlder.hidden = false;
    return;
  }
  state.loadingOlder = false;
  updateHistoryStatus();
  requestAnimationFrame(() => {
    if (topVisible()) void loadOlder();
  });
}

function updateHistoryStatus() {
  if (!state.initialLoaded) return;
  if (state.historyDone) {
    els.historyStatus.textContent = state.known.size
      ? "This is the start of your conversation."
      : "No messages yet. Say hello when you're ready.";
    els.loadOlder.hidden = true;
  } else {
    els.historyStatus.textContent = "Scroll up for earlier messages.";
    els.loadOlder.hidden = false;
  }
}

function topVisible() {
  const rect = els.sentinel.getBoundingClientRect();
  return rect.bottom >= 0 && rect.top <= window.innerHeight;
}

function observeTop() {
  if (!("IntersectionObserver" in window)) return;
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void loadOlder();
  });
  observer.observe(els.sentinel);
}

// --- scrolling --------------------------------------------------------------------------------

function nearBottom() {
  const doc = document.documentElement;
  return window.innerHeight + window.scrollY >= doc.scrollHeight - 160;
}

function scrollToBottom() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
  els.jumpNew.hidden = true;
}

window.addEventListener(
  "scroll",
  () => {
    if (nearBottom()) {
      els.jumpNew.hidden = true;
      markReadSoon();
    }
  },
  { passive: true },
);

els.jumpNew.addEventListener("click", () => {
  window.scrollTo({
    top: document.documentElement.scrollHeight,
    behavior: prefersReducedMotion() ? "instant" : "smooth",
  });
  els.jumpNew.hidden = true;
  els.input.focus();
});
els.loadOlder.addEventListener("click", () => void loadOlder({ fromButton: true }));

// --- sending ----------------------------------------------------------------------------------

function loadPending() {
  let saved = [];
  try {
    saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "[]");
  } catch {
    saved = [];
  }
  for (const item of saved) {
    if (item && typeof item.clientId === "string" && typeof item.body === "string") {
      addPending(item.clientId, item.body);
    }
  }
}

function savePending() {
  const list = [...state.pending.values()]
    .filter((e) => !e.failed)
    .map((e) => ({ clientId: e.clientId, body: e.body }));
  try {
    if (list.length) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(list));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage full or disabled: the in-page queue still works
  }
  setFlag("pending", state.pending.size);
}

function addPending(clientId, body) {
  const status = h("span", { class: "msg__status" }, "Sending…");
  const el = h(
    "li",
    { class: "msg msg--mine msg--pending", dataset: { clientId } },
    h("p", { class: "msg__meta" }, h("span", { class: "msg__sender" }, "You"), " ", status),
    h("div", { class: "msg__body", text: body }),
  );
  const entry = { clientId, body, el, status, timer: 0, failed: false };
  state.pending.set(clientId, entry);
  els.pending.append(el);
  savePending();
  return entry;
}

function setPendingStatus(entry, kind, detail = "") {
  const words = {
    sending: "Sending…",
    waiting: "Waiting for the connection — will send when it's back",
    slow: "Sending slowly, please wait…",
  };
  entry.el.dataset.status = kind;
  entry.status.textContent = kind === "failed" ? `Not sent: ${detail}` : words[kind] || "";
}

function transmit(entry) {
  if (entry.failed) return;
  clearTimeout(entry.timer);
  const sent = send({ type: "message.send", client_id: entry.clientId, body: entry.body });
  setPendingStatus(entry, sent ? "sending" : "waiting");
  if (sent) {
    // No answer in time: send again with the same client_id (stored once either way).
    entry.timer = setTimeout(() => {
      if (state.pending.has(entry.clientId)) transmit(entry);
    }, RESEND_AFTER_MS);
  }
}

function acknowledge(entry) {
  clearTimeout(entry.timer);
  entry.el.remove();
  state.pending.delete(entry.clientId);
  savePending();
}

function failPending(entry, detail) {
  clearTimeout(entry.timer);
  entry.failed = true;
  setPendingStatus(entry, "failed", detail);
  const actions = h(
    "p",
    { class: "msg__actions" },
    h(
      "button",
      {
        type: "button",
        class: "button button--small",
        onclick: () => {
          els.input.value = entry.body;
          acknowledge(entry);
          els.input.focus();
        },
      },
      "Edit and try again",
    ),
    " ",
    h("button", { type: "button", class: "button button--small button--quiet", onclick: () => acknowledge(entry) }, "Remove"),
  );
  entry.el.append(actions);
  savePending();
  announce(`Your message was not sent: ${detail}`);
}

function onError(frame) {
  const entry = frame.client_id ? state.pending.get(frame.client_id) : undefined;
  if (entry) {
    clearTimeout(entry.timer);
    if (frame.code === "rate_limited") {
      setPendingStatus(entry, "slow");
      entry.timer = setTimeout(() => transmit(entry), Math.max(0.5, frame.retry_after || 1) * 1000);
    } else if (frame.code === "server_error") {
      entry.timer = setTimeout(() => transmit(entry), 1500);
    } else {
      failPending(entry, frame.detail || frame.code);
    }
    return;
  }
  if (frame.code === "server_error" || frame.code === "rate_limited") return;
  showRoomError(frame.detail || "Something went wrong.");
}

function showRoomError(...parts) {
  els.roomError.replaceChildren(...parts);
  els.roomError.hidden = false;
  announce(els.roomError.textContent);
}

function hideRoomError() {
  els.roomError.hidden = true;
  els.roomError.replaceChildren();
}

function showComposerError(text) {
  els.composerError.textContent = text;
  els.composerError.hidden = !text;
  if (text) els.input.setAttribute("aria-invalid", "true");
  else els.input.removeAttribute("aria-invalid");
}

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = els.input.value;
  if (!body.trim()) {
    showComposerError("Write something first.");
    return;
  }
  if (body.length > MAX_CHARS) {
    showComposerError(`That's ${body.length} characters; the most is ${MAX_CHARS}. Try splitting it.`);
    return;
  }
  showComposerError("");
  const entry = addPending(newClientId(), body);
  els.input.value = "";
  autoGrow();
  stopTyping();
  scrollToBottom();
  transmit(entry);
});

els.input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  event.preventDefault();
  els.form.requestSubmit();
});

function autoGrow() {
  els.input.style.height = "auto";
  els.input.style.height = `${Math.min(els.input.scrollHeight + 4, window.innerHeight * 0.4)}px`;
}

// --- typing -----------------------------------------------------------------------------------

let typingSentAt = 0;
let typingIdle = 0;

els.input.addEventListener("input", () => {
  autoGrow();
  if (els.composerError.textContent) showComposerError("");
  if (!els.input.value.trim()) {
    stopTyping();
    return;
  }
  const now = Date.now();
  if (now - typingSentAt > TYPING_REFRESH_MS) {
    if (send({ type: "typing", active: true })) typingSentAt = now;
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
});
els.input.addEventListener("blur", () => stopTyping());

function stopTyping() {
  clearTimeout(typingIdle);
  if (typingSentAt) {
    send({ type: "typing", active: false });
    typingSentAt = 0;
  }
}

function onTyping(userId, active) {
  clearTimeout(state.typing.get(userId));
  state.typing.delete(userId);
  if (active && userId !== me.id) {
    state.typing.set(
      userId,
      setTimeout(() => onTyping(userId, false), TYPING_EXPIRE_MS),
    );
  }
  renderTyping();
}

function clearTyping() {
  for (const timer of state.typing.values()) clearTimeout(timer);
  state.typing.clear();
  renderTyping();
}

function nameOf(userId) {
  const m = members.get(userId);
  return m ? m.display_name || m.username : "Someone";
}

function listNames(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function renderTyping() {
  const names = [...state.typing.keys()].map(nameOf);
  els.typing.textContent = names.length ? `${listNames(names)} ${names.length === 1 ? "is" : "are"} typing…` : "";
}

// --- presence and read markers ----------------------------------------------------------------

function renderPeople() {
  const connected = socket.isOpen;
  for (const li of els.people.querySelectorAll("li[data-user]")) {
    const id = Number(li.dataset.user);
    const online = id === me.id ? connected : connected && state.online.has(id);
    li.dataset.online = String(online);
    const stateEl = li.querySelector(".person__state");
    let text = online ? "online" : connected ? "offline" : "status unknown";
    if (id === me.id) text = connected ? "online" : "reconnecting";
    else if (state.top > 0 && (state.reads.get(id) || 0) >= state.top) text += ", has read everything";
    stateEl.textContent = text;
  }
}

function renderReadMarkers() {
  for (const old of document.querySelectorAll(".read-marker")) old.remove();
  if (!state.known.size) return;
  const seqs = [...state.known.keys()].sort((a, b) => a - b);
  const mine = seqs.filter((seq) => state.known.get(seq).classList.contains("msg--mine"));
  const at = new Map(); // seq → names
  for (const [userId, seq] of state.reads) {
    if (userId === me.id || seq <= 0 || !members.has(userId)) continue;
    // Under the last of my messages at or before their marker: "did they see what I wrote?"
    let lo = 0;
    let hi = mine.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (mine[mid] <= seq) {
        found = mine[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) continue;
    if (!at.has(found)) at.set(found, []);
    at.get(found).push(nameOf(userId));
  }
  for (const [seq, names] of at) {
    const li = state.known.get(seq);
    // Shown to the eye only: the people list says the same in words, without re-announcing the log.
    li.append(h("p", { class: "read-marker", "aria-hidden": "true" }, `Seen by ${listNames(names)}`));
  }
  renderPeople();
}

let readTimer = 0;
function markReadSoon() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.visibilityState !== "visible" || !nearBottom() || !socket.isOpen) return;
    if (state.top > state.myRead) {
      if (send({ type: "read", seq: state.top })) state.myRead = state.top;
    }
  }, 400);
}
document.addEventListener("visibilitychange", markReadSoon);

// --- help and crisis notices ------------------------------------------------------------------

function showCrisisPanel(resources) {
  if (!els.crisis) return;
  renderResources(els.crisisResources, resources);
  els.crisis.hidden = false;
  setFlag("crisisShown", true);
}

function revealCrisisPanel() {
  els.crisis.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "instant" : "smooth" });
}

function sendHelp() {
  if (send({ type: "help.request" })) {
    setHelpStatus("Alerting our staff…");
  } else {
    state.helpQueued = true;
    setHelpStatus(
      "You're offline for a moment. We'll alert our staff as soon as the connection is back. If you are in danger now, use the crisis lines shown here.",
    );
  }
}

function setHelpStatus(text) {
  if (!els.helpStatus) return;
  els.helpStatus.textContent = text;
  els.helpStatus.hidden = false;
}

if (els.helpButton) {
  els.helpButton.addEventListener("click", () => {
    // The resources first, at once, even offline; then tell staff.
    showCrisisPanel(data.resources || []);
    revealCrisisPanel();
    if (state.helpInFlight) return;
    state.helpInFlight = true;
    setTimeout(() => {
      state.helpInFlight = false;
    }, 5000);
    sendHelp();
  });
}

if (els.crisisClose) {
  els.crisisClose.addEventListener("click", () => {
    els.crisis.hidden = true;
    (els.helpButton || els.input).focus();
  });
}

function onHelpReceived() {
  setHelpStatus("Our staff have been alerted and will reach out to you soon. You can keep talking here.");
  setFlag("helpReceived", true);
  announce("Our staff have been alerted and will reach out to you soon.", { urgent: true });
}

function onCrisisResources(frame) {
  const key = `resources:${frame.flag_id}`;
  if (state.seenNotices.has(key)) return; // shown again on reconnect by the server: not re-announced
  state.seenNotices.add(key);
  showCrisisPanel(frame.resources || data.resources || []);
  revealCrisisPanel();
  announce("Help is available now. Crisis lines you can call or text are shown just above the message box.", {
    urgent: true,
  });
}

function onStaffAlerted(frame) {
  const key = `alerted:${frame.flag_id}`;
  if (state.seenNotices.has(key)) return;
  state.seenNotices.add(key);
  const seqLink =
    frame.seq !== null && frame.seq !== undefined
      ? h("a", { href: `#m-${frame.seq}`, class: "button button--small" }, "Go to the message")
      : null;
  const banner = h(
    "section",
    {
      class: "staff-alert",
      "aria-labelledby": `staff-alert-${frame.flag_id}`,
      dataset: { flag: frame.flag_id },
      tabindex: "-1",
    },
    h("h2", { id: `staff-alert-${frame.flag_id}` }, "What to do now"),
    h("p", {}, frame.protocol),
    h(
      "p",
      { class: "staff-alert__actions" },
      seqLink,
      " ",
      h(
        "button",
        {
          type: "button",
          class: "button button--small button--quiet",
          onclick: () => {
            banner.remove();
            els.input.focus();
          },
        },
        "Got it",
      ),
    ),
  );
  const wasNearBottom = nearBottom();
  els.staffAlerts.append(banner);
  if (wasNearBottom) scrollToBottom();
  setFlag("staffAlerted", frame.flag_id);
  announce("Staff have been alerted about a message in this room. What to do is shown just above the message box.", {
    urgent: true,
  });
}

// --- start ------------------------------------------------------------------------------------

loadPending();
showConnection("connecting");
renderPeople();
void loadInitial();
