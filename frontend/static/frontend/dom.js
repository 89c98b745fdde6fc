// Small DOM helpers shared by the pages. Text is always set with textContent; the only HTML we ever
// insert is the server's rendered message `html`, and only through safeMessageFragment().

/** Create an element: h("p", {class: "x", dataset: {seq: 1}}, "text", otherNode). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key === "hidden") el.hidden = Boolean(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The JSON a template put in a <script type="application/json" id=...> (Django's json_script). */
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

let announceTimer = 0;

/** Tell screen readers something (polite by default). The regions live in base.html. */
export function announce(text, { urgent = false } = {}) {
  const region = document.getElementById(urgent ? "announce-urgent" : "announce-polite");
  if (!region) return;
  // Clear first so repeating the same sentence is announced again.
  region.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = text;
  }, 60);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "numeric",
  minute: "2-digit",
});

/** "10:32 AM" today, "Tue, Nov 3, 10:32 AM" otherwise. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const now = new Date();
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dayTimeFormat.format(date);
}

/** "just now", "3 minutes ago", "2 hours ago". */
export function formatAge(iso) {
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.round(hours / 24);
  return `${days} days ago`;
}

export function timeElement(iso, className = "") {
  return h("time", { datetime: iso, class: className, title: new Date(iso).toLocaleString() }, formatTime(iso));
}

/**
 * The server's `html` rendering of a message, as DOM nodes, keeping only text and http(s) links.
 * The string is parsed in an inert <template> (nothing loads or runs there) and rebuilt from an
 * allowlist, so even a server bug could not bring a script, an image or a javascript: link in.
 */
export function safeMessageFragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const out = document.createDocumentFragment();
  const walk = (node, into) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        into.append(document.createTextNode(child.textContent));
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const href = child.tagName === "A" ? child.getAttribute("href") || "" : "";
        if (/^https?:\/\//i.test(href)) {
          const link = h("a", {
            href,
            rel: "nofollow noopener noreferrer",
            target: "_blank",
            "aria-describedby": "opens-new-tab",
          });
          link.append(document.createTextNode(child.textContent));
          into.append(link);
        } else {
          walk(child, into); // keep the text, drop the element
        }
      }
    }
  };
  walk(template.content, out);
  return out;
}

/** A client_id for message.send: a UUID (crypto.randomUUID needs a secure context; this does not). */
export function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** GET/POST JSON on our own API; throws an Error with .status and .code on failure. */
export async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRFToken"] = csrfToken();
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = new Error((data && data.error && data.error.detail) || `HTTP ${response.status}`);
    err.status = response.status;
    err.code = data && data.error ? data.error.code : "http_error";
    throw err;
  }
  return data;
}

export function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Show the crisis resources (a list of {locale, title, lines}) in `container`. */
export function renderResources(container, resources) {
  container.replaceChildren(
    ...resources.map((r) =>
      h(
        "div",
        { class: "resource", lang: r.locale },
        h("h3", {}, r.title),
        h("ul", {}, ...r.lines.map((line) => h("li", {}, line))),
      ),
    ),
  );
}
