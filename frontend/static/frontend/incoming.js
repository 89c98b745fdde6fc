// Incoming calls on the home page: listens on the chat socket of each of the person's rooms (the
// same frames the room page hears: call.ringing / call.updated / call.ended, docs/calls.md) and
// shows the prompt. Accept opens the room page, which joins the call (?call=accept or ?call=voice);
// Decline sends call.decline on that room's chat socket (or over HTTP if the socket is down).
// After every (re)connect, GET /api/calls/rooms/<id>/ catches a call that started while away.

import { announce, api, pageData } from "./dom.js";
import { callerName, hidePrompt, promptCallId, ringsFor, showPrompt } from "./callprompt.js";
import { LiveSocket, wsUrl } from "./socket.js";

const config = pageData("call-rooms");
const container = document.getElementById("call-incoming");
const myId = config.me;
const ringing = new Map(); // room id → call record that rings for me
const sockets = new Map(); // room id → LiveSocket

function render() {
  const shown = promptCallId();
  const entries = [...ringing.entries()];
  if (shown !== null && entries.some(([, c]) => c.id === shown)) return;
  if (shown !== null) hidePrompt();
  if (!entries.length) {
    document.body.dataset.callRinging = "false";
    return;
  }
  const [roomId, record] = entries[entries.length - 1];
  const room = config.rooms.find((r) => r.id === roomId);
  document.body.dataset.callRinging = "true";
  showPrompt(container, record, room ? room.name : "one of your rooms", {
    onAccept: ({ audioOnly }) => {
      window.location.assign(`/rooms/${roomId}/?call=${audioOnly ? "voice" : "accept"}`);
    },
    onDecline: () => {
      ringing.delete(roomId);
      const socket = sockets.get(roomId);
      if (!(socket && socket.send({ type: "call.decline", call_id: record.id }))) {
        void api(`/api/calls/${record.id}/decline`, { method: "POST", body: {} }).catch(() => {});
      }
      announce(`You declined the call from ${callerName(record)}.`);
      render();
    },
  });
}

function onCall(roomId, record) {
  if (!record) return;
  const known = ringing.get(roomId);
  if (known && known.id > record.id) return;
  if (ringsFor(record, myId)) ringing.set(roomId, record);
  else ringing.delete(roomId);
  render();
}

async function refresh(roomId) {
  try {
    const { calls } = await api(`/api/calls/rooms/${roomId}/`);
    if (calls && calls[0]) onCall(roomId, calls[0]);
  } catch {
    // the socket tells us about the next call
  }
}

for (const { id } of config.rooms) {
  // No ?after=: the home page wants no messages, only the room's call frames.
  const socket = new LiveSocket(() => wsUrl(`/ws/rooms/${id}/`), {
    onFrame(frame) {
      if (frame.type === "room.state") void refresh(id);
      else if (["call.ringing", "call.updated", "call.ended", "call.declined"].includes(frame.type)) onCall(id, frame.call);
    },
  });
  sockets.set(id, socket);
  socket.start();
}
document.body.dataset.callRinging = "false";
