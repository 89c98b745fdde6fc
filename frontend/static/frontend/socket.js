// A websocket that comes back: reconnects with backoff until told to stop, and tells its owner
// about each state change. The owner builds the URL each time (so a room can resume with ?after=).

export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_FORBIDDEN = 4403;

const DELAYS_MS = [300, 600, 1200, 2400, 4000];

export function wsUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${path}`;
}

export class LiveSocket {
  /**
   * @param {() => string} url  called before every (re)connect
   * @param {{onOpen?: () => void, onFrame: (f: object) => void,
   *          onState?: (state: string, code?: number) => void}} handlers
   *   states: "connecting", "open", "reconnecting", "signed-out", "forbidden"
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.stopped = false;
    this.state = "connecting";
    window.addEventListener("online", () => this.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.retryNow();
    });
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame if the socket is open; false if it is not (the caller keeps it to resend). */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  retryNow() {
    if (this.stopped || this.state !== "reconnecting" || this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }

  setState(state, code) {
    this.state = state;
    if (this.handlers.onState) this.handlers.onState(state, code);
  }

  connect() {
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.setState("open");
      if (this.handlers.onOpen) this.handlers.onOpen();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handlers.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      if (event.code === CLOSE_NOT_LOGGED_IN) {
        this.stopped = true;
        this.setState("signed-out", event.code);
      } else if (event.code === CLOSE_FORBIDDEN) {
        this.stopped = true;
        this.setState("forbidden", event.code);
      } else {
        this.scheduleReconnect();
      }
    });
  }

  scheduleReconnect() {
    this.ws = null;
    this.setState("reconnecting");
    const base = DELAYS_MS[Math.min(this.attempt, DELAYS_MS.length - 1)];
    this.attempt += 1;
    const delay = base + Math.random() * base * 0.3;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.connect();
    }, delay);
  }
}

/** Show a LiveSocket state in the page's #connection indicator; returns the text shown. */
export function showConnection(state) {
  const box = document.getElementById("connection");
  const text = document.getElementById("connection-text");
  const words = {
    connecting: "Connecting…",
    open: "Connected",
    reconnecting: "Reconnecting…",
    "signed-out": "Signed out",
    forbidden: "No access",
  };
  if (box) box.dataset.state = state;
  if (text) text.textContent = words[state] || state;
  document.body.dataset.connection = state;
  return words[state] || state;
}
