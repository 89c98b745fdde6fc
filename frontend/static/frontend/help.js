// "I need help now" on the home page: shows the crisis lines at once, then sends help.request
// through the mentee's room socket (docs/protocol.md) and says when staff have it.

import { announce, pageData, renderResources } from "./dom.js";
import { LiveSocket, wsUrl } from "./socket.js";

const button = document.getElementById("help-button");
const status = document.getElementById("help-status");
const panel = document.getElementById("crisis");
const resources = pageData("crisis-data") || [];
let socket = null;
let waiting = false;

function say(text) {
  status.textContent = text;
  status.hidden = false;
}

function done() {
  waiting = false;
  if (socket) socket.stop();
  socket = null;
}

button.addEventListener("click", () => {
  renderResources(document.getElementById("crisis-resources"), resources);
  panel.hidden = false;
  if (waiting) return;
  waiting = true;
  say("Alerting our staff…");
  let sent = false;
  socket = new LiveSocket(() => wsUrl(`/ws/rooms/${button.dataset.room}/`), {
    onFrame(frame) {
      if (frame.type === "room.state" && !sent) {
        sent = socket.send({ type: "help.request" });
      } else if (frame.type === "help.received") {
        say("Our staff have been alerted and will reach out to you soon. Your mentor has been told too.");
        announce("Our staff have been alerted and will reach out to you soon.", { urgent: true });
        document.body.dataset.helpReceived = "true";
        done();
      }
    },
    onState(state) {
      if (state === "reconnecting") {
        say("We can't reach the server yet; still trying. If you are in danger now, use the crisis lines below.");
      } else if (state === "signed-out" || state === "forbidden") {
        say("We couldn't send your request to our staff. Please use the crisis lines below.");
        done();
      }
    },
  });
  socket.start();
  panel.focus();
});
