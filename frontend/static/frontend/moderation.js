// The moderation queue: a live list from /ws/moderation/ (flags.snapshot, flag.new, flag.updated),
// most urgent first. Actions, the audited conversation and the audit trail use the moderation HTTP
// API (docs/protocol.md), so each answer belongs to the request that asked; every open page updates
// from the broadcast, whoever acted.

import { announce, api, formatAge, h, pageData, safeMessageFragment, timeElement } from "./dom.js";
import { LiveSocket, showConnection, wsUrl } from "./socket.js";

const data = pageData("moderation-data");
const me = data.me;
const RANK = { high: 0, medium: 1, low: 2 };
const CLOSED = new Set(["resolved", "dismissed"]);
const SOURCE = { detector: "Detected in a message", report: "Reported by a member", help: "“I need help now” pressed" };
const SOUND_KEY = "peerchat:moderation-sound";

const $ = (id) => document.getElementById(id);
const queueEl = $("queue");
const emptyEl = $("queue-empty");
const countEl = $("queue-count");
const alertBox = $("new-flag-alert");
const alertText = $("new-flag-text");
const alertShow = $("new-flag-show");
const soundToggle = $("sound-toggle");
const closedSection = $("closed-section");
const closedList = $("closed");

const flags = new Map(); // id → flag payload
const cards = new Map(); // id → {li, article, parts}
let snapshotSeen = false;
let unseenHigh = []; // ids of new high flags not looked at yet
const baseTitle = document.title;

function setFlag(name, value) {
  document.body.dataset[name] = String(value);
}

// --- sound ------------------------------------------------------------------------------------

let soundOn = localStorage.getItem(SOUND_KEY) !== "off";
let audio = null;
let beeps = 0;

function audioContext() {
  if (!audio) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    audio = new Ctx();
  }
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

// Browsers start sound only after a gesture: the first key or click on the page unlocks it.
function unlockAudio() {
  if (soundOn) audioContext();
  document.removeEventListener("pointerdown", unlockAudio);
  document.removeEventListener("keydown", unlockAudio);
}
document.addEventListener("pointerdown", unlockAudio);
document.addEventListener("keydown", unlockAudio);

function renderSoundToggle() {
  soundToggle.setAttribute("aria-pressed", String(soundOn));
  soundToggle.textContent = `Sound alert for high severity: ${soundOn ? "on" : "off"}`;
}

soundToggle.addEventListener("click", () => {
  soundOn = !soundOn;
  localStorage.setItem(SOUND_KEY, soundOn ? "on" : "off");
  renderSoundToggle();
  if (soundOn) beep();
});

/** Two short soft tones (WebAudio). */
function beep() {
  const ctx = soundOn ? audioContext() : null;
  if (!ctx) return;
  const start = ctx.currentTime + 0.02;
  [880, 660].forEach((freq, i) => {
    const t = start + i * 0.22;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.2);
  });
  beeps += 1;
  setFlag("beeps", beeps);
  setFlag("audioState", ctx.state);
}

// --- the feed ---------------------------------------------------------------------------------

const socket = new LiveSocket(() => wsUrl("/ws/moderation/"), {
  onFrame(frame) {
    if (frame.type === "flags.snapshot") onSnapshot(frame.flags);
    else if (frame.type === "flag.new") upsert(frame.flag, { fresh: true });
    else if (frame.type === "flag.updated") upsert(frame.flag);
    else if (frame.type === "error") announce(`The server refused that: ${frame.detail || frame.code}`);
  },
  onState(state) {
    showConnection(state);
    if (state === "reconnecting") announce("Live updates lost. Reconnecting…");
    if (state === "signed-out") countEl.textContent = "You have been signed out. Sign in again to see the queue.";
    if (state === "forbidden") countEl.textContent = "You may no longer moderate.";
  },
});

function onSnapshot(list) {
  const ids = new Set(list.map((f) => f.id));
  // Flags closed while we were away leave the queue.
  for (const id of [...flags.keys()]) {
    if (!ids.has(id)) removeCard(id, { quiet: true });
  }
  for (const flag of list) upsert(flag, { fresh: snapshotSeen && !flags.has(flag.id), quiet: !snapshotSeen });
  if (snapshotSeen) announce("Live updates are back.");
  snapshotSeen = true;
  renderCount();
  setFlag("snapshot", true);
}

function upsert(flag, { fresh = false, quiet = false } = {}) {
  const known = flags.has(flag.id);
  flags.set(flag.id, flag);
  if (CLOSED.has(flag.status)) {
    if (known) removeCard(flag.id);
    flags.delete(flag.id);
    if (known) addClosed(flag);
    renderCount();
    return;
  }
  if (!cards.has(flag.id)) insertCard(flag);
  updateCard(flag);
  if (fresh) {
    const card = cards.get(flag.id);
    card.parts.newBadge.hidden = false;
    if (flag.severity === "high" && flag.status === "open") alertHigh(flag);
    else if (!quiet) announce(`New ${flag.severity} flag: ${flagTitle(flag)}.`);
  }
  renderCount();
}

function renderCount() {
  const all = [...flags.values()];
  const high = all.filter((f) => f.severity === "high").length;
  const open = all.filter((f) => f.status === "open").length;
  countEl.textContent = all.length
    ? `${all.length} flag${all.length === 1 ? "" : "s"} in the queue: ${high} high severity, ${open} not yet acknowledged.`
    : "The queue is empty.";
  emptyEl.hidden = all.length > 0;
  setFlag("flags", all.length);
}

function alertHigh(flag) {
  unseenHigh.push(flag.id);
  alertText.textContent = `${flagTitle(flag)}, ${formatAge(flag.created_at)}.`;
  alertBox.hidden = false;
  alertShow.dataset.flag = String(flag.id);
  document.title = `(${unseenHigh.length} new) ${baseTitle}`;
  beep();
  announce(`New high-severity flag: ${flagTitle(flag)}.`, { urgent: true });
  setFlag("lastAlert", flag.id);
}

function seen(flagId) {
  unseenHigh = unseenHigh.filter((id) => id !== flagId);
  document.title = unseenHigh.length ? `(${unseenHigh.length} new) ${baseTitle}` : baseTitle;
  if (!unseenHigh.length) alertBox.hidden = true;
  else {
    const next = flags.get(unseenHigh[unseenHigh.length - 1]);
    if (next) {
      alertText.textContent = `${flagTitle(next)}, ${formatAge(next.created_at)}.`;
      alertShow.dataset.flag = String(next.id);
    }
  }
}

alertShow.addEventListener("click", () => {
  const id = Number(alertShow.dataset.flag);
  const card = cards.get(id);
  seen(id);
  if (card) {
    card.article.scrollIntoView({ block: "start" });
    card.article.focus();
  }
});

// --- a flag card ------------------------------------------------------------------------------

function flagTitle(flag) {
  const who = flag.subject ? flag.subject.display_name || flag.subject.username : "Someone";
  return `${who} in “${flag.room.name}”`;
}

function sortKey(flag) {
  return [RANK[flag.severity] ?? 9, new Date(flag.created_at).getTime(), flag.id];
}

function before(a, b) {
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return ka[i] < kb[i];
  return false;
}

/** The message body with each piece of evidence (code-point offsets) in a <mark>. */
function highlighted(body, evidence) {
  const chars = Array.from(body);
  const ranges = [];
  for (const ev of evidence || []) {
    let start = Number(ev.start);
    let end = Number(ev.end);
    if (!Number.isInteger(start) || !Number.isInteger(end)) continue;
    start = Math.max(0, Math.min(start, chars.length));
    end = Math.max(start, Math.min(end, chars.length));
    if (end > start) ranges.push({ start, end, cue: ev.cue || "" });
  }
  ranges.sort((a, b) => a.start - b.start);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) {
      last.end = Math.max(last.end, r.end);
      if (r.cue && !last.cue.includes(r.cue)) last.cue = last.cue ? `${last.cue}, ${r.cue}` : r.cue;
    } else merged.push({ ...r });
  }
  const out = document.createDocumentFragment();
  let pos = 0;
  for (const r of merged) {
    if (r.start > pos) out.append(chars.slice(pos, r.start).join(""));
    out.append(
      h(
        "mark",
        { class: "evidence", title: r.cue ? `Cue: ${r.cue}` : null },
        h("span", { class: "visually-hidden" }, "[flagged: "),
        chars.slice(r.start, r.end).join(""),
        h("span", { class: "visually-hidden" }, "]"),
      ),
    );
    pos = r.end;
  }
  if (pos < chars.length) out.append(chars.slice(pos).join(""));
  return out;
}

/** “want to kill myself” (ideation, passive); “tonight” (timing): each phrase once, with its cues. */
function evidenceText(evidence) {
  const cues = new Map();
  for (const ev of evidence) {
    if (!cues.has(ev.text)) cues.set(ev.text, []);
    if (ev.cue && !cues.get(ev.text).includes(ev.cue)) cues.get(ev.text).push(ev.cue);
  }
  return [...cues].map(([text, list]) => `“${text}”${list.length ? ` (${list.join(", ")})` : ""}`).join("; ");
}

function insertCard(flag) {
  const id = flag.id;
  const p = {}; // parts updated later
  p.newBadge = h("span", { class: "badge badge--new", hidden: true }, "New");
  p.status = h("span", { class: "status" });
  p.escalated = h("span", { class: "badge badge--escalated", hidden: true }, "Escalated to on-call");
  p.assignee = h("span", {});
  p.age = h("span", { class: "flag__age" });
  p.notes = h("ul", { class: "flag__notes-list" });
  p.notesBox = h("div", { class: "flag__notes", hidden: true }, h("h3", {}, "Notes"), p.notes);
  p.feedback = h("p", { class: "flag__feedback", id: `feedback-${id}` });
  p.note = h("textarea", { id: `note-${id}`, rows: 2, maxlength: 4000, "aria-describedby": `feedback-${id}` });

  const button = (label, action, extra = "") =>
    h("button", { type: "button", class: `button ${extra}`, dataset: { action } }, label);
  p.acknowledge = button("Acknowledge", "acknowledge", "button--primary");
  p.resolve = button("Resolve", "resolve");
  p.dismiss = button("Dismiss", "dismiss", "button--quiet");
  p.addNote = button("Add note", "note", "button--quiet");

  p.assignSelect = h(
    "select",
    { id: `assignee-${id}` },
    h("option", { value: "" }, "Nobody"),
    ...data.moderators.map((m) =>
      h("option", { value: String(m.id) }, m.id === me.id ? `Me (${m.display_name})` : m.display_name),
    ),
  );
  p.assign = button("Assign", "assign", "button--quiet");

  const message = flag.message
    ? h(
        "div",
        { class: "flag__message" },
        h("p", { class: "flag__label" }, `Message #${flag.message.seq}, `, timeElement(flag.message.created_at)),
        h("blockquote", { class: "flag__body" }, highlighted(flag.message.body, flag.evidence)),
        flag.evidence && flag.evidence.length ? h("p", { class: "flag__evidence" }, "Highlighted: ", evidenceText(flag.evidence)) : null,
      )
    : null;
  const reason = flag.reason
    ? h("p", { class: "flag__reason" }, flag.source === "help" ? "Their note: " : "Reason given: ", flag.reason)
    : null;
  const raisedBy =
    flag.source === "report" && flag.raised_by ? ` by ${flag.raised_by.display_name || flag.raised_by.username}` : "";

  const review = reviewSection(flag);
  const audit = auditSection(flag);

  const article = h(
    "article",
    {
      class: `flag flag--${flag.severity}`,
      id: `flag-${id}`,
      tabindex: "-1",
      "aria-labelledby": `flag-${id}-title`,
      dataset: { flag: id, severity: flag.severity },
    },
    h(
      "header",
      { class: "flag__head" },
      h(
        "p",
        { class: "flag__badges" },
        h("span", { class: `severity severity--${flag.severity}` }, `${flag.severity[0].toUpperCase()}${flag.severity.slice(1)}`),
        " ",
        p.status,
        " ",
        p.newBadge,
        " ",
        p.escalated,
      ),
      h("h2", { id: `flag-${id}-title`, class: "flag__title" }, flagTitle(flag)),
      h(
        "p",
        { class: "flag__meta" },
        `Flag #${id} · ${SOURCE[flag.source] || flag.source}${raisedBy}`,
        flag.categories && flag.categories.length ? ` · ${flag.categories.join(", ")}` : "",
        flag.about_other ? " · about someone else" : "",
        " · raised ",
        timeElement(flag.created_at),
        " (",
        p.age,
        ") · Assigned to: ",
        p.assignee,
      ),
    ),
    message,
    reason,
    p.notesBox,
    h(
      "div",
      { class: "flag__actions", role: "group", "aria-label": `Actions on flag ${id}` },
      h(
        "div",
        { class: "field" },
        h("label", { for: `note-${id}` }, "Note ", h("span", { class: "hint-inline" }, "(optional; needed to dismiss)")),
        p.note,
      ),
      h("div", { class: "button-row" }, p.acknowledge, p.resolve, p.dismiss, p.addNote),
      h(
        "div",
        { class: "assign-row" },
        h("label", { for: `assignee-${id}` }, "Assign to"),
        p.assignSelect,
        p.assign,
      ),
      p.feedback,
    ),
    review.el,
    audit.el,
  );
  p.audit = audit;
  article.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (target && article.contains(target)) void act(id, target.dataset.action);
  });

  const li = h("li", { class: "queue__item", dataset: { flag: id } }, article);
  // Severity and age never change: a card's place is fixed once inserted (focus is never moved).
  let next = null;
  for (const other of queueEl.children) {
    const f = flags.get(Number(other.dataset.flag));
    if (f && before(flag, f)) {
      next = other;
      break;
    }
  }
  queueEl.insertBefore(li, next);
  cards.set(id, { li, article, parts: p });
}

function updateCard(flag) {
  const { article, parts: p } = cards.get(flag.id);
  article.dataset.status = flag.status;
  p.status.className = `status status--${flag.status}`;
  p.status.textContent = flag.status === "open" ? "Open, not acknowledged" : "Acknowledged";
  p.escalated.hidden = !flag.escalated_at;
  p.assignee.textContent = flag.assignee
    ? flag.assignee.id === me.id
      ? "you"
      : flag.assignee.display_name || flag.assignee.username
    : "nobody";
  p.assignSelect.value = flag.assignee ? String(flag.assignee.id) : "";
  p.age.textContent = formatAge(flag.created_at);
  p.acknowledge.hidden = flag.status !== "open";
  if (flag.status !== "open") {
    // Someone has it: no longer "new" (never hidden on focus: nothing moves under the pointer).
    p.newBadge.hidden = true;
    seen(flag.id);
  }
  p.notes.replaceChildren(
    ...(flag.notes || []).map((n) =>
      h("li", {}, h("strong", {}, n.by), ` (${n.action}, `, timeElement(n.at), "): ", n.text),
    ),
  );
  p.notesBox.hidden = !(flag.notes && flag.notes.length);
  if (p.audit.details.open) void p.audit.load();
}

function removeCard(id, { quiet = false } = {}) {
  const card = cards.get(id);
  if (!card) return;
  const hadFocus = card.li.contains(document.activeElement);
  const next = card.li.nextElementSibling || card.li.previousElementSibling;
  card.li.remove();
  cards.delete(id);
  flags.delete(id);
  seen(id);
  if (hadFocus) {
    const target = next ? next.querySelector("article") : document.getElementById("main");
    if (target) target.focus();
  }
  if (!quiet) renderCount();
}

function addClosed(flag) {
  const notes = flag.notes || [];
  const last = notes[notes.length - 1];
  const closing = last && (last.action === "resolve" || last.action === "dismiss") ? last : null;
  const by = closing ? ` by ${closing.by}` : "";
  closedList.prepend(
    h(
      "li",
      { dataset: { flag: flag.id } },
      h("span", { class: `severity severity--${flag.severity}` }, flag.severity),
      ` Flag #${flag.id}, ${flagTitle(flag)}: ${flag.status}${by}`,
      closing && closing.text ? ` — “${closing.text}”` : "",
    ),
  );
  closedSection.hidden = false;
  announce(`Flag ${flag.id} ${flag.status}.`);
}

async function act(id, action) {
  const card = cards.get(id);
  if (!card) return;
  const p = card.parts;
  const note = p.note.value.trim();
  const body = { action };
  if (note) body.note = note;
  if (action === "dismiss" && !note) {
    p.feedback.textContent = "Write a note saying why before dismissing.";
    p.note.setAttribute("aria-invalid", "true");
    p.note.focus();
    return;
  }
  if (action === "note" && !note) {
    p.feedback.textContent = "Write the note first.";
    p.note.focus();
    return;
  }
  if (action === "assign") body.assignee = p.assignSelect.value ? Number(p.assignSelect.value) : null;
  p.note.removeAttribute("aria-invalid");
  p.feedback.textContent = "Saving…";
  try {
    const result = await api(`/api/moderation/flags/${id}/`, { method: "POST", body });
    if (note) p.note.value = "";
    const words = {
      acknowledge: "Acknowledged.",
      resolve: "Resolved.",
      dismiss: "Dismissed.",
      note: "Note added.",
      assign: "Assignment saved.",
    };
    p.feedback.textContent = words[action] || "Saved.";
    announce(`Flag ${id}: ${words[action] || "saved"}`);
    upsert(result.flag);
  } catch (err) {
    p.feedback.textContent =
      err.code === "conflict" ? `Someone else changed this flag already: ${err.message}` : `Not saved: ${err.message}`;
    announce(p.feedback.textContent);
  }
}

// --- review: the conversation (audited) and the audit trail -------------------------------------

function reviewSection(flag) {
  const id = flag.id;
  const reason = h("input", { type: "text", id: `reason-${id}`, required: true, maxlength: 500, autocomplete: "off" });
  const output = h("div", { class: "review__output" });
  const status = h("p", { class: "flag__feedback", id: `review-status-${id}` });
  const form = h(
    "form",
    { class: "review__form" },
    h(
      "div",
      { class: "field" },
      h("label", { for: `reason-${id}` }, "Why are you opening it? ", h("span", { class: "hint-inline" }, "(saved in the audit log)")),
      reason,
    ),
    h("button", { type: "submit", class: "button" }, "Open the conversation"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const why = reason.value.trim();
    if (!why) {
      status.textContent = "Give a reason first: opening a conversation is recorded.";
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    reason.removeAttribute("aria-invalid");
    status.textContent = "Opening…";
    try {
      const convo = await api(`/api/moderation/flags/${id}/conversation?reason=${encodeURIComponent(why)}`);
      renderConversation(output, convo, flags.get(id) || flag);
      status.textContent = `${convo.messages.length} messages around the flagged one. This view was recorded.`;
      const card = cards.get(id);
      if (card && card.parts.audit.details.open) void card.parts.audit.load();
    } catch (err) {
      status.textContent = `Couldn't open it: ${err.message}`;
    }
  });
  const details = h(
    "details",
    { class: "flag__review" },
    h("summary", {}, "Review the conversation ", h("span", { class: "hint-inline" }, "(audited)")),
    form,
    output,
  );
  return { el: details };
}

function renderConversation(output, convo, flag) {
  const flaggedId = flag.message ? flag.message.id : null;
  const list = h("ol", { class: "messages messages--review", "aria-label": `Conversation in ${convo.room.name}` });
  for (const msg of convo.messages) {
    const flagged = msg.id === flaggedId;
    const body = h("div", { class: "msg__body" });
    body.append(flagged ? highlighted(msg.body, flag.evidence) : safeMessageFragment(msg.html));
    list.append(
      h(
        "li",
        { class: `msg msg--review${flagged ? " msg--flagged" : ""}`, dataset: { seq: msg.seq } },
        h(
          "p",
          { class: "msg__meta" },
          flagged ? h("strong", { class: "badge badge--flagged" }, "Flagged message") : null,
          flagged ? " " : null,
          h("span", { class: "msg__sender" }, `${msg.sender.display_name || msg.sender.username}`),
          msg.sender.role ? ` (${msg.sender.role})` : "",
          ", ",
          timeElement(msg.created_at),
          h("span", { class: "visually-hidden" }, ":"),
        ),
        body,
      ),
    );
  }
  output.replaceChildren(h("h3", {}, `Conversation in “${convo.room.name}”`), list);
}

function auditSection(flag) {
  const id = flag.id;
  const body = h("div", { class: "audit" }, h("p", {}, "Loading…"));
  const details = h("details", { class: "flag__audit" }, h("summary", {}, "Audit trail"), body);
  let loading = null;
  const load = async () => {
    if (loading) return loading;
    loading = (async () => {
      try {
        const result = await api(`/api/moderation/flags/${id}/`);
        const entries = result.flag.audit || [];
        body.replaceChildren(
          entries.length
            ? h(
                "ol",
                { class: "audit__list" },
                ...entries.map((e) =>
                  h(
                    "li",
                    {},
                    timeElement(e.at),
                    " ",
                    h("strong", {}, e.actor ? e.actor.display_name || e.actor.username : "system"),
                    ` — ${e.action.replace(/^flag\./, "").replace(".", " ")}`,
                    e.reason ? `: “${e.reason}”` : "",
                  ),
                ),
              )
            : h("p", {}, "Nothing recorded yet."),
        );
      } catch (err) {
        body.replaceChildren(h("p", {}, `Couldn't load the audit trail: ${err.message}`));
      } finally {
        loading = null;
      }
    })();
    return loading;
  };
  details.addEventListener("toggle", () => {
    if (details.open) void load();
  });
  return { el: details, details, load };
}

// Ages ("3 minutes ago") stay current.
setInterval(() => {
  for (const [id, card] of cards) {
    const flag = flags.get(id);
    if (flag) card.parts.age.textContent = formatAge(flag.created_at);
  }
}, 30000);

renderSoundToggle();
showConnection("connecting");
socket.start();
