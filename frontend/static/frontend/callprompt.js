// The incoming-call prompt, shared by the room page (call.js) and the home page (incoming.js):
// an alertdialog that takes focus (Accept first), Escape declines, and gives focus back when it goes.

import { announce, h } from "./dom.js";

let current = null; // {callId, node, previousFocus}

/** The caller's name in a call record. */
export function callerName(call) {
  const by = call.started_by || {};
  return by.display_name || by.username || "Someone";
}

/** Should `me` be rung for this call record? */
export function ringsFor(call, myId) {
  return (
    Boolean(call) &&
    call.state === "ringing" &&
    (call.started_by || {}).id !== myId &&
    !(call.in_call || []).includes(myId) &&
    !(call.declined || []).includes(myId)
  );
}

export function promptCallId() {
  return current ? current.callId : null;
}

/**
 * Show the prompt in `container` for `call` (a docs/calls.md record) in room `roomName`.
 * handlers: onAccept({audioOnly}), onDecline().
 */
export function showPrompt(container, call, roomName, { onAccept, onDecline }) {
  if (current && current.callId === call.id) return;
  hidePrompt({ restoreFocus: false });
  const who = callerName(call);
  const titleId = `call-incoming-title-${call.id}`;
  const descId = `call-incoming-desc-${call.id}`;
  const previousFocus = document.activeElement;
  const finish = (fn) => {
    hidePrompt();
    fn();
  };
  const accept = h(
    "button",
    { type: "button", class: "button button--primary", id: "call-accept", onclick: () => finish(() => onAccept({ audioOnly: false })) },
    "Accept",
  );
  const node = h(
    "div",
    {
      class: "call-prompt",
      role: "alertdialog",
      "aria-labelledby": titleId,
      "aria-describedby": descId,
      dataset: { call: call.id },
      onkeydown: (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          finish(onDecline);
        }
      },
    },
    h("h2", { id: titleId, class: "call-prompt__title" }, `${who} is calling you`),
    h("p", { id: descId, class: "call-prompt__desc" }, `A video call in ${roomName}. You can answer with your voice only. Escape declines.`),
    h(
      "p",
      { class: "call-prompt__actions" },
      accept,
      " ",
      h(
        "button",
        { type: "button", class: "button", id: "call-accept-audio", onclick: () => finish(() => onAccept({ audioOnly: true })) },
        "Accept, voice only",
      ),
      " ",
      h("button", { type: "button", class: "button button--quiet", id: "call-decline", onclick: () => finish(onDecline) }, "Decline"),
    ),
  );
  container.replaceChildren(node);
  container.hidden = false;
  current = { callId: call.id, node, container, previousFocus };
  document.body.dataset.callIncoming = String(call.id);
  accept.focus();
  announce(`${who} is calling you. Accept or decline.`, { urgent: true });
}

export function hidePrompt({ restoreFocus = true } = {}) {
  if (!current) return;
  const { node, container, previousFocus } = current;
  const hadFocus = node.contains(document.activeElement);
  current = null;
  node.remove();
  container.hidden = true;
  delete document.body.dataset.callIncoming;
  if (restoreFocus && hadFocus && previousFocus && previousFocus.isConnected && previousFocus !== document.body) {
    previousFocus.focus();
  }
}
