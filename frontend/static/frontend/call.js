// Calls on the room page (docs/calls.md): start or join the room's call, the incoming-call prompt,
// the call view (own and remote video, mute, camera off, voice only, hang up), the device check
// (the server's echo of our own camera and microphone), clear errors, and rejoin after a drop.
//
// Media: a mesh, one RTCPeerConnection per other person, "perfect negotiation" with the server's
// polite flag, trickle ICE. Every frame of the call socket is handled in order on one promise chain,
// so a description is always set before the candidates that follow it are added.

import { announce, api, csrfToken, h, pageData } from "./dom.js";
import { callerName, hidePrompt, promptCallId, ringsFor, showPrompt } from "./callprompt.js";
import { LiveSocket, wsUrl } from "./socket.js";

const data = pageData("room-data");
const roomId = data.room.id;
const me = data.me;
const members = new Map(data.members.map((m) => [m.id, m]));
const isPair = data.room.kind === "pair";
const TOKEN_KEY = `peerchat:call:${roomId}:${me.id}`;
const CONNECT_TIMEOUT_MS = 20000;

const $ = (id) => document.getElementById(id);
const slot = $("call-slot");
const incoming = $("call-incoming");
const view = $("call-view");
const els = {
  title: $("call-title"),
  status: $("call-status"),
  error: $("call-error"),
  grid: $("call-videos"),
  local: $("call-local"),
  localTile: $("call-tile-me"),
  mute: $("call-mute"),
  camera: $("call-camera"),
  audioOnly: $("call-audio-only"),
  hangup: $("call-hangup"),
  close: $("call-close"),
  controls: $("call-controls"),
  check: $("device-check"),
  checkVideo: $("device-check-video"),
  checkStatus: $("device-check-status"),
  checkStop: $("device-check-stop"),
};

const call = {
  state: "idle", // idle | starting | ringing | connecting | connected | reconnecting | ended | error
  live: null, // the room's live call record (chat socket / API), or null
  socket: null,
  chain: Promise.resolve(),
  wanted: false, // we are in (or joining) the call
  joined: false,
  resume: null, // {token, callId} to resume with
  callId: null,
  peerId: null,
  iceServers: [],
  pcs: new Map(), // peer_id → peer
  local: null, // MediaStream
  audioOnly: false,
  muted: false,
  cameraOff: false,
  deviceCheckPc: null,
};
window.peerchat = Object.assign(window.peerchat || {}, { call });

// --- the slot in the room bar -------------------------------------------------------------------

const startButton = h("button", { type: "button", class: "button button--primary", id: "call-start" }, "Start video call");
const checkButton = h("button", { type: "button", class: "button", id: "call-check" }, "Check camera and mic");
slot.replaceChildren(startButton, " ", checkButton);
slot.hidden = false;
startButton.addEventListener("click", () => void joinCall({ audioOnly: false, resume: call.resume }));
checkButton.addEventListener("click", () => void startDeviceCheck());

function renderSlot() {
  const live = call.live && call.live.state !== "ended" ? call.live : null;
  const inIt = call.wanted;
  startButton.hidden = inIt;
  if (!inIt && live && live.state === "active") startButton.textContent = "Join the call";
  else if (!inIt && live && live.state === "ringing" && live.started_by.id !== me.id) startButton.textContent = "Answer the call";
  else if (!inIt && call.resume && live && live.id === call.resume.callId) startButton.textContent = "Rejoin the call";
  else startButton.textContent = "Start video call";
  checkButton.hidden = inIt;
}

// --- state, status and errors -------------------------------------------------------------------

function nameOf(user) {
  if (!user) return "Someone";
  const m = members.get(user.id);
  return (m && m.display_name) || user.display_name || user.username || "Someone";
}

function setState(state, text, { say = true } = {}) {
  call.state = state;
  view.dataset.callState = state;
  document.body.dataset.callState = state;
  if (text !== undefined) {
    els.status.textContent = text;
    if (say) announce(text);
  }
  const active = call.wanted;
  els.controls.hidden = !active;
  els.close.hidden = active;
  renderSlot();
}

function showError(message, actions = []) {
  els.error.replaceChildren(h("p", {}, message), ...(actions.length ? [h("p", { class: "call-error__actions" }, ...actions)] : []));
  els.error.hidden = false;
  view.hidden = false;
  announce(message, { urgent: true });
}

function clearError() {
  els.error.hidden = true;
  els.error.replaceChildren();
}

function actionButton(text, onclick, primary = false) {
  return h("button", { type: "button", class: `button${primary ? " button--primary" : ""}`, onclick }, text);
}

function saveToken() {
  try {
    if (call.resume) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(call.resume));
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: resume still works while this page lives
  }
}

function loadToken() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    if (saved && typeof saved.token === "string" && Number.isInteger(saved.callId)) return saved;
  } catch {
    // nothing kept
  }
  return null;
}

// --- local media --------------------------------------------------------------------------------

function mediaErrorMessage(err, wantedVideo) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return {
      kind: "permission",
      text:
        "Camera/microphone permission was refused: this page is not allowed to use them. To allow it, select the camera or padlock icon at the left of the address bar, choose Allow for the camera and the microphone, then press Try again.",
    };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return {
      kind: "missing",
      text: wantedVideo
        ? "No camera or microphone was found on this device. You can join with your voice only, or without any device to listen and watch."
        : "No microphone was found on this device. You can still join to listen and watch.",
    };
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return {
      kind: "busy",
      text: "Your camera or microphone is in use by another app, or could not start. Close other apps that use it, then press Try again.",
    };
  }
  return { kind: "other", text: `Your camera and microphone could not start (${name || "unknown error"}).` };
}

/** Get the microphone (and the camera unless voice only). Returns false and shows why on failure. */
async function getLocalMedia({ audioOnly, retry }) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showError("This browser cannot make calls from this page. Try a recent Firefox, Chrome, Edge or Safari.");
    return false;
  }
  try {
    call.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: audioOnly ? false : { width: 640, height: 480 } });
    return true;
  } catch (err) {
    const { kind, text } = mediaErrorMessage(err, !audioOnly);
    const actions = [];
    if (kind === "missing") {
      if (!audioOnly) actions.push(actionButton("Join with voice only", () => retry({ audioOnly: true }), true));
      actions.push(actionButton("Join without camera or microphone", () => retry({ audioOnly: true, noMedia: true })));
    } else {
      actions.push(actionButton("Try again", () => retry({ audioOnly }), true));
      if (!audioOnly) actions.push(actionButton("Try with voice only", () => retry({ audioOnly: true })));
    }
    setState("error", "The call could not start.", { say: false });
    showError(text, actions);
    return false;
  }
}

function stopLocal() {
  if (call.local) for (const track of call.local.getTracks()) track.stop();
  call.local = null;
  els.local.srcObject = null;
}

function localTrack(kind) {
  return call.local ? call.local.getTracks().find((t) => t.kind === kind) || null : null;
}

function renderLocal() {
  const video = localTrack("video");
  els.local.srcObject = call.local;
  const showVideo = Boolean(video) && !call.cameraOff && !call.audioOnly;
  els.localTile.classList.toggle("call-tile--novideo", !showVideo);
  els.localTile.querySelector(".call-tile__note").textContent = call.audioOnly
    ? "Voice only"
    : !video
      ? "No camera"
      : call.cameraOff
        ? "Camera off"
        : "";
  setPressed(els.mute, call.muted);
  setPressed(els.camera, call.cameraOff || call.audioOnly || !video);
  els.camera.disabled = call.audioOnly;
  setPressed(els.audioOnly, call.audioOnly);
  view.classList.toggle("call-view--audio", call.audioOnly);
}

function setPressed(button, pressed) {
  button.setAttribute("aria-pressed", String(Boolean(pressed)));
}

// --- joining and leaving ------------------------------------------------------------------------

async function joinCall({ audioOnly = false, noMedia = false, resume = null } = {}) {
  if (call.wanted) return;
  stopDeviceCheck();
  hidePrompt({ restoreFocus: false });
  clearError();
  view.hidden = false;
  els.title.textContent = isPair ? `Call in ${data.room.name}` : `Group call in ${data.room.name}`;
  call.audioOnly = audioOnly;
  call.muted = false;
  call.cameraOff = false;
  setState("starting", audioOnly ? "Starting your microphone…" : "Starting your camera and microphone…");
  stopLocal();
  if (!noMedia) {
    const ok = await getLocalMedia({ audioOnly, retry: (opts) => void joinCall({ ...opts, resume }) });
    if (!ok) return;
  }
  renderLocal();
  call.wanted = true;
  call.joined = false;
  if (resume) call.resume = resume;
  setState("connecting", "Connecting to the call…");
  els.hangup.focus();
  openSocket();
}

function openSocket() {
  if (call.socket) call.socket.stop();
  const socket = new LiveSocket(() => wsUrl(`/ws/rooms/${roomId}/call/`), {
    onFrame: (frame) => {
      if (socket !== call.socket) return;
      call.chain = call.chain.then(() => onCallFrame(frame)).catch((err) => console.error("call frame", frame.type, err));
    },
    onState: (state) => {
      if (socket !== call.socket) return;
      if (state === "reconnecting" && call.wanted) {
        call.joined = false;
        setState("reconnecting", "Your connection to the call dropped. Reconnecting…");
      } else if (state === "signed-out") {
        teardown();
        showError("You have been signed out, so you left the call. Sign in again to rejoin.");
        setState("error", "Signed out.", { say: false });
      } else if (state === "forbidden") {
        teardown();
        showError("You no longer have access to this room, so you left the call.");
        setState("error", "No access.", { say: false });
      }
    },
  });
  call.socket = socket;
  socket.start();
}

function send(frame) {
  return call.socket ? call.socket.send(frame) : false;
}

function sendSignal(peerId, payload) {
  send({ type: "signal", to: peerId, data: payload });
}

async function onCallFrame(frame) {
  switch (frame.type) {
    case "call.state":
      onCallState(frame.call);
      break;
    case "call.joined":
      onJoined(frame);
      break;
    case "signal":
      await onSignal(frame.from, frame.data || {});
      break;
    case "peer.joined":
      addPeer(frame.peer_id, frame.user, frame.polite, { offer: false });
      renderTiles();
      updateOverall();
      announce(`${nameOf(frame.user)} joined the call.`);
      break;
    case "peer.reconnected": {
      // The staying side: a fresh connection that waits for the resumed side's offer.
      const old = call.pcs.get(frame.peer_id);
      const user = old ? old.user : frame.user;
      addPeer(frame.peer_id, user, frame.polite, { offer: false });
      renderTiles();
      updateOverall();
      announce(`${nameOf(user)} is back in the call.`);
      break;
    }
    case "peer.disconnected": {
      const peer = call.pcs.get(frame.peer_id);
      if (peer) {
        peer.note = "Connection dropped, waiting for them…";
        renderTiles();
        announce(`${nameOf(peer.user)}'s connection dropped. Waiting for them to come back.`);
      }
      break;
    }
    case "peer.left":
      onPeerLeft(frame);
      break;
    case "call.left":
      onLeft(frame);
      break;
    case "call.ended":
      onEnded(frame.call);
      break;
    case "error":
      onCallError(frame);
      break;
    default:
      break;
  }
}

function onCallState(record) {
  if (record) call.live = record;
  if (!call.wanted || call.joined) return;
  if (call.resume) {
    if (record && record.id === call.resume.callId && record.state !== "ended") {
      send({ type: "call.join", resume: call.resume.token });
      return;
    }
    // The call we were in is over; do not start a new one by accident.
    const wasResuming = call.callId !== null || call.state === "reconnecting";
    call.resume = null;
    saveToken();
    if (wasResuming) {
      teardown();
      setState("ended", "The call ended while you were disconnected.");
      return;
    }
  }
  send({ type: "call.join" });
}

function onJoined(frame) {
  call.joined = true;
  call.callId = frame.call_id;
  call.peerId = frame.peer_id;
  call.iceServers = frame.ice_servers || [];
  call.live = frame.call;
  call.resume = { token: frame.peer_token, callId: frame.call_id };
  saveToken();
  clearError();
  // Fresh connections to everyone already here, and we offer (newcomer, or the resumed side).
  for (const peer of call.pcs.values()) closePeer(peer);
  call.pcs.clear();
  for (const p of frame.peers || []) addPeer(p.peer_id, p.user, p.polite, { offer: true });
  renderTiles();
  if (!call.pcs.size) {
    const text =
      frame.call.state === "ringing"
        ? `Calling ${otherNames()}… They can answer from any page they have open.`
        : "You are the only one in the call for now.";
    setState("ringing", text);
  } else {
    setState("connecting", frame.resumed ? "Back in the call. Reconnecting the media…" : "Joining the call…");
  }
}

function otherNames() {
  const names = data.members.filter((m) => m.id !== me.id).map((m) => m.display_name || m.username);
  if (names.length <= 1) return names[0] || "the room";
  return names.length > 3 ? "the group" : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function onPeerLeft(frame) {
  const peer = call.pcs.get(frame.peer_id);
  if (!peer) return;
  closePeer(peer);
  call.pcs.delete(frame.peer_id);
  renderTiles();
  const name = nameOf(peer.user);
  const why = frame.reason === "dropped" ? "lost their connection and left the call" : "left the call";
  announce(`${name} ${why}.`);
  if (isPair && call.pcs.size === 0 && frame.reason !== "replaced") {
    // In a pair, the other one hanging up ends the call for both.
    leaveCall(`${name} ${why}.`);
    return;
  }
  updateOverall();
}

function onLeft(frame) {
  const reasons = {
    replaced: "You joined this call from another tab or device, so it continues there.",
    removed: "You were taken out of the call.",
    dropped: "Your connection was lost for too long, so you left the call.",
    ended: "The call ended.",
  };
  const record = frame.call;
  if (record) call.live = record;
  teardown();
  if (frame.reason === "left") {
    setState("ended", record && record.state === "ended" ? endedText(record) : "You left the call.");
  } else {
    setState("ended", reasons[frame.reason] || "You are no longer in the call.");
  }
}

function onEnded(record) {
  call.live = record;
  hidePrompt();
  if (call.wanted) {
    teardown();
    setState("ended", endedText(record));
  } else if (!view.hidden && call.state === "ended") {
    setState("ended", endedText(record));
  }
  view.dataset.callOutcome = record.outcome || "";
  renderSlot();
}

function endedText(record) {
  const other = otherNames();
  switch (record.outcome) {
    case "declined":
      return `${other} declined the call. You can send a message instead.`;
    case "missed":
      return `${other} did not answer. You can send a message instead.`;
    case "cancelled":
      return "The call was cancelled.";
    case "failed":
      return "The call ended because the connection was lost.";
    default:
      return record.duration ? `The call ended after ${formatDuration(record.duration)}.` : "The call ended.";
  }
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  if (m === 0) return `${s} second${s === 1 ? "" : "s"}`;
  const rest = s % 60;
  return `${m} minute${m === 1 ? "" : "s"}${rest ? ` ${rest} second${rest === 1 ? "" : "s"}` : ""}`;
}

function onCallError(frame) {
  const code = frame.code;
  if ((code === "resume_expired" || code === "resume_invalid") && call.wanted && !call.joined) {
    call.resume = null;
    saveToken();
    if (call.live && call.live.state !== "ended") {
      send({ type: "call.join" }); // the same call, as a newcomer
    } else {
      teardown();
      setState("ended", "The call ended while you were disconnected.");
    }
    return;
  }
  if (code === "call_full") {
    teardown();
    setState("error", "This call is full.", { say: false });
    showError("This call is full: it already has the most people a call can have. You can write in the chat instead.");
    return;
  }
  if (code === "already_joined" || code === "not_in_call") return;
  if (!call.joined && call.wanted) {
    teardown();
    setState("error", "The call could not start.", { say: false });
    showError(`The call could not start: ${frame.detail || code}.`, [actionButton("Try again", () => void joinCall({ audioOnly: call.audioOnly }), true)]);
  } else {
    console.warn("call error", code, frame.detail);
  }
}

function leaveCall(text = "You left the call.") {
  if (!call.wanted) return;
  send({ type: "call.leave" });
  const socket = call.socket;
  call.socket = null;
  // Let call.leave go out before the socket closes.
  setTimeout(() => socket && socket.stop(), 1000);
  call.resume = null;
  saveToken();
  teardown({ keepSocket: true });
  setState("ended", text);
}

function teardown({ keepSocket = false } = {}) {
  call.wanted = false;
  call.joined = false;
  call.callId = null;
  call.resume = null;
  saveToken();
  for (const peer of call.pcs.values()) closePeer(peer);
  call.pcs.clear();
  if (!keepSocket && call.socket) {
    call.socket.stop();
    call.socket = null;
  }
  stopLocal();
  renderTiles();
  renderSlot();
}

// --- peers --------------------------------------------------------------------------------------

function addPeer(peerId, user, polite, { offer }) {
  const old = call.pcs.get(peerId);
  if (old) closePeer(old);
  const pc = new RTCPeerConnection({ iceServers: call.iceServers });
  const peer = {
    id: peerId,
    user,
    polite: Boolean(polite),
    pc,
    makingOffer: false,
    ignoreOffer: false,
    tracksAdded: false,
    stream: new MediaStream(),
    note: "Connecting…",
    timer: 0,
    failed: false,
  };
  call.pcs.set(peerId, peer);
  pc.onicecandidate = ({ candidate }) => {
    if (candidate && call.pcs.get(peerId) === peer) sendSignal(peerId, { candidate: candidate.toJSON() });
  };
  pc.onnegotiationneeded = async () => {
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      if (call.pcs.get(peerId) === peer) sendSignal(peerId, { description: pc.localDescription.toJSON() });
    } catch (err) {
      console.error("offer", err);
    } finally {
      peer.makingOffer = false;
    }
  };
  pc.ontrack = ({ track }) => {
    peer.stream.addTrack(track);
    const video = peer.tile && peer.tile.querySelector("video");
    if (video && video.srcObject !== peer.stream) video.srcObject = peer.stream;
  };
  pc.onconnectionstatechange = () => onPeerState(peer);
  peer.timer = setTimeout(() => {
    if (call.pcs.get(peerId) === peer && pc.connectionState !== "connected") peerFailed(peer);
  }, CONNECT_TIMEOUT_MS);
  if (offer) addLocalTracks(peer, { offerer: true }); // → negotiationneeded → our offer
  return peer;
}

/** Our tracks on a connection: the offerer also asks for any kind it does not send. */
function addLocalTracks(peer, { offerer }) {
  if (peer.tracksAdded) return;
  peer.tracksAdded = true;
  const stream = call.local || new MediaStream();
  for (const track of stream.getTracks()) peer.pc.addTrack(track, stream);
  if (offerer) {
    for (const kind of ["audio", "video"]) {
      if (!stream.getTracks().some((t) => t.kind === kind)) peer.pc.addTransceiver(kind, { direction: "recvonly" });
    }
  }
}

async function onSignal(from, payload) {
  const peer = call.pcs.get(from);
  if (!peer) return;
  const pc = peer.pc;
  const { description, candidate } = payload;
  if (description) {
    const collision = description.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await pc.setRemoteDescription(description); // the polite side rolls back its own offer here
    if (description.type === "offer") {
      addLocalTracks(peer, { offerer: false });
      await pc.setLocalDescription();
      sendSignal(from, { description: pc.localDescription.toJSON() });
    }
  } else if (candidate) {
    try {
      await pc.addIceCandidate(candidate);
    } catch (err) {
      if (!peer.ignoreOffer) console.warn("candidate", err);
    }
  }
}

function onPeerState(peer) {
  if (call.pcs.get(peer.id) !== peer) return;
  const s = peer.pc.connectionState;
  peer.tile && (peer.tile.dataset.state = s);
  if (s === "connected") {
    clearTimeout(peer.timer);
    peer.failed = false;
    peer.note = "";
    clearError();
  } else if (s === "failed") {
    peerFailed(peer);
    return;
  } else if (s === "disconnected") {
    peer.note = "Connection unsteady…";
  }
  renderTiles();
  updateOverall();
}

function peerFailed(peer) {
  if (peer.failed) return;
  peer.failed = true;
  peer.note = "Could not connect";
  renderTiles();
  setState("error", "Could not connect (network).", { say: false });
  showError(
    `Could not connect (network) to ${nameOf(peer.user)}. The network here may block calls (some hospital, school and work networks do). Try another network, such as your phone's data, then press Try again.`,
    [actionButton("Try again", () => retryAfterFailure(), true)],
  );
}

function retryAfterFailure() {
  clearError();
  for (const peer of call.pcs.values()) closePeer(peer);
  call.pcs.clear();
  renderTiles();
  if (call.wanted) {
    // A plain call.join from a fresh socket replaces our old peer: everyone makes fresh connections.
    call.joined = false;
    call.resume = null;
    call.callId = null;
    saveToken();
    setState("connecting", "Trying again…");
    openSocket();
  } else {
    void joinCall({ audioOnly: call.audioOnly });
  }
}

function closePeer(peer) {
  clearTimeout(peer.timer);
  try {
    peer.pc.close();
  } catch {
    // already closed
  }
  if (peer.tile) peer.tile.remove();
  peer.tile = null;
}

function updateOverall() {
  if (!call.wanted || !call.joined) return;
  const peers = [...call.pcs.values()];
  if (!peers.length) {
    setState("ringing", call.live && call.live.state === "ringing" ? `Calling ${otherNames()}…` : "You are the only one in the call for now.");
    return;
  }
  if (peers.some((p) => p.failed)) return;
  const connected = peers.filter((p) => p.pc.connectionState === "connected");
  if (connected.length && call.state !== "connected") {
    setState("connected", `Connected with ${connected.map((p) => nameOf(p.user)).join(", ")}.`);
  } else if (connected.length) {
    els.status.textContent = `Connected with ${connected.map((p) => nameOf(p.user)).join(", ")}.`;
  } else if (call.state !== "connecting") {
    setState("connecting", "Connecting the media…");
  }
}

function renderTiles() {
  for (const peer of call.pcs.values()) {
    if (!peer.tile) {
      const video = h("video", { autoplay: true, playsinline: true, "aria-hidden": "true" });
      video.srcObject = peer.stream;
      peer.tile = h(
        "figure",
        { class: "call-tile", dataset: { peer: peer.id, state: peer.pc.connectionState } },
        video,
        h("figcaption", {}, h("span", { class: "call-tile__name" }, nameOf(peer.user)), " ", h("span", { class: "call-tile__note" })),
      );
      els.grid.append(peer.tile);
    }
    peer.tile.querySelector(".call-tile__note").textContent = peer.note ? `· ${peer.note}` : "";
  }
  els.grid.dataset.count = String(call.pcs.size + 1);
}

// --- controls -----------------------------------------------------------------------------------

els.mute.addEventListener("click", () => {
  call.muted = !call.muted;
  const audio = localTrack("audio");
  if (audio) audio.enabled = !call.muted;
  renderLocal();
  announce(call.muted ? "Microphone muted." : "Microphone on.");
});

els.camera.addEventListener("click", async () => {
  if (call.audioOnly) return;
  const video = localTrack("video");
  if (!video) {
    await turnVideoOn();
    return;
  }
  call.cameraOff = !call.cameraOff;
  video.enabled = !call.cameraOff;
  renderLocal();
  announce(call.cameraOff ? "Camera off. The others see a dark picture." : "Camera on.");
});

els.audioOnly.addEventListener("click", async () => {
  if (!call.audioOnly) {
    call.audioOnly = true;
    const video = localTrack("video");
    if (video) {
      video.stop();
      call.local.removeTrack(video);
      for (const peer of call.pcs.values()) {
        for (const sender of peer.pc.getSenders()) if (sender.track === video) await sender.replaceTrack(null);
      }
    }
    renderLocal();
    announce("Voice only: your camera is off and videos are hidden.");
  } else {
    call.audioOnly = false;
    renderLocal();
    await turnVideoOn();
  }
});

async function turnVideoOn() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  } catch (err) {
    call.audioOnly = true;
    renderLocal();
    showError(mediaErrorMessage(err, true).text);
    return;
  }
  const track = stream.getVideoTracks()[0];
  if (!call.local) call.local = new MediaStream();
  call.local.addTrack(track);
  call.cameraOff = false;
  for (const peer of call.pcs.values()) {
    const transceiver = peer.pc.getTransceivers().find((t) => t.receiver.track.kind === "video" && !t.stopped);
    if (transceiver) {
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.setStreams?.(call.local);
      if (transceiver.direction !== "sendrecv") transceiver.direction = "sendrecv"; // renegotiates
    } else {
      peer.pc.addTrack(track, call.local);
    }
  }
  renderLocal();
  announce("Camera on.");
}

els.hangup.addEventListener("click", () => {
  leaveCall("You left the call.");
  startButton.focus();
});

els.close.addEventListener("click", () => {
  view.hidden = true;
  clearError();
  setState("idle", undefined);
  startButton.focus();
});

// --- the room's call, from the chat socket ------------------------------------------------------

function onRoomCall(record) {
  if (!record) return;
  if (call.live && call.live.id > record.id) return; // stale
  call.live = record;
  if (record.state === "ended") {
    onEnded(record);
    return;
  }
  if (ringsFor(record, me.id) && !call.wanted) {
    showPrompt(incoming, record, data.room.name, {
      onAccept: ({ audioOnly }) => void joinCall({ audioOnly }),
      onDecline: () => decline(record),
    });
  } else if (promptCallId() === record.id && !ringsFor(record, me.id)) {
    hidePrompt();
  }
  renderSlot();
}

function decline(record) {
  const sent = window.peerchat.room && window.peerchat.room.send({ type: "call.decline", call_id: record.id });
  if (!sent) void api(`/api/calls/${record.id}/decline`, { method: "POST", body: {} }).catch(() => {});
  announce(`You declined the call from ${callerName(record)}.`);
}

async function refreshLiveCall() {
  try {
    const { calls } = await api(`/api/calls/rooms/${roomId}/`);
    const latest = calls && calls[0];
    if (latest && latest.state !== "ended") onRoomCall(latest);
    else if (latest && call.live && call.live.id === latest.id) onRoomCall(latest);
  } catch {
    // the chat socket will tell us about the next call
  }
}

window.addEventListener("peerchat:frame", (event) => {
  const frame = event.detail;
  if (frame.type === "room.state") void refreshLiveCall();
  else if (frame.type === "call.ringing" || frame.type === "call.updated" || frame.type === "call.ended") onRoomCall(frame.call);
  else if (frame.type === "call.declined") onRoomCall(frame.call);
});

// --- the device check: the server sends our own camera and microphone back -------------------

let checkPing = 0;

async function startDeviceCheck() {
  stopDeviceCheck();
  clearError();
  els.check.hidden = false;
  els.checkStatus.textContent = "Starting your camera and microphone…";
  document.body.dataset.deviceCheck = "starting";
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  } catch (err) {
    els.checkStatus.textContent = mediaErrorMessage(err, true).text;
    announce(els.checkStatus.textContent, { urgent: true });
    document.body.dataset.deviceCheck = "error";
    return;
  }
  const pc = new RTCPeerConnection({ iceServers: [] });
  call.deviceCheckPc = pc;
  pc.localStream = stream;
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  const echo = new MediaStream();
  els.checkVideo.srcObject = echo;
  pc.ontrack = ({ track }) => echo.addTrack(track);
  const channel = pc.createDataChannel("echo");
  channel.onopen = () => {
    checkPing = setInterval(() => channel.readyState === "open" && channel.send(String(performance.now())), 1000);
  };
  channel.onmessage = ({ data: sent }) => {
    const ms = Math.round(performance.now() - Number(sent));
    if (Number.isFinite(ms)) els.checkStatus.textContent = `You should see and hear yourself, sent back by our server. Round trip: ${ms} ms.`;
  };
  pc.onconnectionstatechange = () => {
    if (call.deviceCheckPc !== pc) return;
    document.body.dataset.deviceCheck = pc.connectionState;
    if (pc.connectionState === "connected") {
      els.checkStatus.textContent = "You should see and hear yourself, sent back by our server.";
      announce("Device check connected. You should see and hear yourself.");
    } else if (pc.connectionState === "failed") {
      els.checkStatus.textContent = "Could not connect (network): the check could not reach our server. Calls may not work from this network.";
      announce(els.checkStatus.textContent, { urgent: true });
    }
  };
  els.checkStatus.textContent = "Connecting to our server…";
  try {
    await pc.setLocalDescription();
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 5000);
    });
    if (call.deviceCheckPc !== pc) return;
    const answer = await api("/api/calls/device-check", { method: "POST", body: { type: "offer", sdp: pc.localDescription.sdp } });
    if (call.deviceCheckPc !== pc) return;
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  } catch (err) {
    els.checkStatus.textContent =
      err.status === 503 ? "The check is busy right now. Please try again in a minute." : `The check could not start (${err.message}).`;
    announce(els.checkStatus.textContent, { urgent: true });
    document.body.dataset.deviceCheck = "error";
  }
}

function stopDeviceCheck() {
  clearInterval(checkPing);
  const pc = call.deviceCheckPc;
  if (!pc) return;
  call.deviceCheckPc = null;
  for (const track of pc.localStream.getTracks()) track.stop();
  pc.close();
  els.checkVideo.srcObject = null;
  els.check.hidden = true;
  delete document.body.dataset.deviceCheck;
  void fetch("/api/calls/device-check", {
    method: "DELETE",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  }).catch(() => {});
}

els.checkStop.addEventListener("click", () => {
  stopDeviceCheck();
  checkButton.focus();
});

// --- start --------------------------------------------------------------------------------------

call.resume = loadToken(); // a reload during a call: "Rejoin the call" resumes the same peer
view.dataset.callState = "idle";
setState("idle", undefined);
const params = new URLSearchParams(window.location.search);
if (params.has("call")) {
  // Accepted from the home page's prompt.
  const audioOnly = params.get("call") === "voice";
  history.replaceState(null, "", window.location.pathname);
  void joinCall({ audioOnly });
}
