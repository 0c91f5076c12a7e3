// Ånge IoT: the safety-camera card (trygghetskamera) for care staff.
// Plain web component, no build step; served by the integration itself.
// Lists each camera room's next check window with a "Titta" button that is enabled only
// inside a window. While a look is open it shows the room's still image, fetched with the
// user's own login about once a second, held only as a blob URL in memory (revoked at once),
// with a countdown. Nothing is cached or saved; every look is in the care audit log.

const TEXTS = {
  sv: {
    title: "Trygghetskamera",
    none: "Inga trygghetskameror är inlagda.",
    next: "Nästa tillsyn",
    window: "tittfönster",
    open: "Tittfönstret är öppet",
    look: "Titta",
    end: "Avsluta",
    left: "s kvar",
    consent_none: "Inget samtycke till kamera registrerat",
    consent_withdrawn: "Samtycket till kamera är återkallat",
    busy: "En annan användare tittar just nu",
    ended: "Titten är avslutad.",
    loading: "Hämtar bild …",
    notice: "Bilden sparas inte. Varje titt skrivs i granskningsloggen.",
    reasons: {
      camera_no_open_look: "Titten är avslutad.",
      camera_not_your_look: "Titten öppnades av en annan användare.",
      camera_unreachable: "Kameran svarade inte.",
      camera_refused_outside_window: "Det är inte tillsynstid för rummet.",
      camera_refused_no_consent: "Inget samtycke till kamera är registrerat.",
      camera_refused_consent_withdrawn: "Samtycket till kamera är återkallat.",
      camera_refused_paused: "Tillsynen är pausad i natt.",
      camera_refused_look_already_open: "En titt är redan öppen.",
      camera_refused_no_user: "Du måste vara inloggad.",
      camera_audit_failed: "Granskningsloggen kunde inte skrivas; titten öppnades inte.",
    },
  },
  en: {
    title: "Safety camera",
    none: "No safety cameras are set up.",
    next: "Next check",
    window: "look window",
    open: "The look window is open",
    look: "Look",
    end: "End",
    left: "s left",
    consent_none: "No camera consent recorded",
    consent_withdrawn: "Camera consent withdrawn",
    busy: "Another user is looking now",
    ended: "The look has ended.",
    loading: "Fetching image …",
    notice: "The image is not saved. Every look is written to the audit log.",
    reasons: {
      camera_no_open_look: "The look has ended.",
      camera_not_your_look: "Another user opened this look.",
      camera_unreachable: "The camera did not answer.",
      camera_refused_outside_window: "It is not a check time for this room.",
      camera_refused_no_consent: "No camera consent is recorded.",
      camera_refused_consent_withdrawn: "Camera consent has been withdrawn.",
      camera_refused_paused: "Supervision is paused tonight.",
      camera_refused_look_already_open: "A look is already open.",
      camera_refused_no_user: "You must be logged in.",
      camera_audit_failed: "The audit log could not be written; the look did not open.",
    },
  },
};

const STATUS_EVERY_MS = 15000;
const IMAGE_EVERY_MS = 1000;

class AngeCareCameraCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._rooms = [];
    this._look = null; // {look_id, room, care_unit, ends_at, image_path}
    this._blobUrl = null;
    this._message = "";
    this._skewMs = 0;
  }

  setConfig(config) {
    this._config = config || {};
  }

  static getStubConfig() {
    return {};
  }

  getCardSize() {
    return this._look ? 8 : 1 + this._rooms.length;
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) {
      this._refresh();
    }
  }

  connectedCallback() {
    this._statusTimer = setInterval(() => this._refresh(), STATUS_EVERY_MS);
    this._tickTimer = setInterval(() => this._tick(), IMAGE_EVERY_MS);
  }

  disconnectedCallback() {
    clearInterval(this._statusTimer);
    clearInterval(this._tickTimer);
    this._dropImage();
  }

  get _t() {
    const lang = (this._hass && this._hass.language) || "en";
    return lang.toLowerCase().startsWith("sv") ? TEXTS.sv : TEXTS.en;
  }

  _now() {
    return Date.now() + this._skewMs;
  }

  async _refresh() {
    if (!this._hass) return;
    try {
      const status = await this._hass.callApi("GET", "ange_iot/care_camera");
      this._skewMs = Date.parse(status.now) - Date.now();
      const unit = this._config && this._config.care_unit;
      this._rooms = status.rooms.filter((room) => !unit || room.care_unit === unit);
      const mine = this._rooms.find((room) => room.look);
      if (mine && !this._look) this._look = mine.look;
    } catch (err) {
      this._rooms = [];
    }
    this._render();
  }

  async _start(room) {
    this._message = "";
    try {
      const result = await this._hass.connection.sendMessagePromise({
        type: "call_service",
        domain: "ange_iot",
        service: "start_supervision_look",
        service_data: { care_unit: room.care_unit, room: room.room },
        return_response: true,
      });
      this._look = result.response;
      this._render();
      this._tick();
    } catch (err) {
      this._message = this._reason(err && err.translation_key, err && err.message);
      this._refresh();
    }
  }

  async _end() {
    const look = this._look;
    this._finish(this._t.ended);
    if (!look) return;
    try {
      await this._hass.callService("ange_iot", "end_supervision_look", { look_id: look.look_id });
    } catch (err) {
      // Already ended (timeout or withdrawal): nothing more to do.
    }
    this._refresh();
  }

  _reason(key, fallback) {
    return this._t.reasons[key] || fallback || this._t.ended;
  }

  _finish(message) {
    this._look = null;
    this._dropImage();
    this._message = message;
    this._render();
  }

  _dropImage() {
    if (this._blobUrl) {
      URL.revokeObjectURL(this._blobUrl);
      this._blobUrl = null;
    }
  }

  async _tick() {
    if (!this._look) {
      this._render();
      return;
    }
    if (Date.parse(this._look.ends_at) <= this._now()) {
      this._finish(this._t.ended);
      this._refresh();
      return;
    }
    if (this._fetching) return;
    this._fetching = true;
    try {
      const response = await this._hass.fetchWithAuth(this._look.image_path, { cache: "no-store" });
      if (!response.ok) {
        let reason = "";
        try {
          reason = (await response.json()).reason;
        } catch (err) {
          reason = "";
        }
        if (response.status === 502) {
          this._message = this._reason(reason);
        } else {
          this._finish(this._reason(reason));
          this._refresh();
        }
        return;
      }
      const blob = await response.blob();
      if (!this._look) return;
      this._dropImage();
      this._blobUrl = URL.createObjectURL(blob);
      this._message = "";
    } finally {
      this._fetching = false;
    }
    this._render();
  }

  _clock(iso) {
    return new Date(iso).toLocaleTimeString(this._hass.language || undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
  }

  _render() {
    if (!this._hass) return;
    const t = this._t;
    const root = this.shadowRoot;
    root.innerHTML = `
      <style>
        ha-card { display: block; padding: 12px 16px; }
        h2 { margin: 0 0 8px; font-size: 1.2em; font-weight: 500; }
        .room { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 0; border-top: 1px solid var(--divider-color); }
        .room:first-of-type { border-top: none; }
        .what { flex: 1 1 180px; min-width: 0; }
        .code { font-weight: 500; }
        .sub { color: var(--secondary-text-color); font-size: 0.9em; }
        button { font: inherit; min-height: 44px; min-width: 88px; padding: 0 16px; border-radius: 8px; border: none;
                 background: var(--primary-color); color: var(--text-primary-color, #fff); cursor: pointer; }
        button:disabled { background: var(--disabled-color, #bdbdbd); cursor: not-allowed; }
        .look img { display: block; width: 100%; height: auto; border-radius: 8px; background: #000; }
        .bar { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin: 8px 0; }
        .count { font-size: 1.4em; font-variant-numeric: tabular-nums; }
        .msg { color: var(--error-color); margin-top: 8px; }
        .notice { color: var(--secondary-text-color); font-size: 0.8em; margin-top: 8px; }
      </style>
      <ha-card>
        <h2>${t.title}</h2>
        <div id="body"></div>
        <div class="msg" id="msg"></div>
        <div class="notice">${t.notice}</div>
      </ha-card>`;
    const body = root.getElementById("body");
    root.getElementById("msg").textContent = this._message;
    if (this._look) {
      const left = Math.max(0, Math.ceil((Date.parse(this._look.ends_at) - this._now()) / 1000));
      const look = document.createElement("div");
      look.className = "look";
      look.innerHTML = `<div class="bar"><span class="code"></span><span class="count"></span><button id="end"></button></div>`;
      look.querySelector(".code").textContent = `${this._look.care_unit} ${this._look.room}`;
      look.querySelector(".count").textContent = `${left} ${t.left}`;
      look.querySelector("#end").textContent = t.end;
      look.querySelector("#end").addEventListener("click", () => this._end());
      if (this._blobUrl) {
        const img = document.createElement("img");
        img.alt = `${this._look.room}`;
        img.src = this._blobUrl;
        look.appendChild(img);
      } else {
        const wait = document.createElement("div");
        wait.className = "sub";
        wait.textContent = t.loading;
        look.appendChild(wait);
      }
      body.appendChild(look);
      return;
    }
    if (!this._rooms.length) {
      body.textContent = t.none;
      return;
    }
    for (const room of this._rooms) {
      const row = document.createElement("div");
      row.className = "room";
      const what = document.createElement("div");
      what.className = "what";
      const code = document.createElement("div");
      code.className = "code";
      code.textContent = `${room.care_unit} ${room.room}`;
      const sub = document.createElement("div");
      sub.className = "sub";
      if (room.consent === "none") sub.textContent = t.consent_none;
      else if (room.consent === "withdrawn") sub.textContent = t.consent_withdrawn;
      else if (room.look_open) sub.textContent = t.busy;
      else if (room.window_open) sub.textContent = `${t.open} (${room.check})`;
      else if (room.window_start)
        sub.textContent = `${t.next} ${room.check}, ${t.window} ${this._clock(room.window_start)}–${this._clock(room.window_end)}`;
      what.append(code, sub);
      const button = document.createElement("button");
      button.textContent = t.look;
      const now = this._now();
      const inside = room.window_start && Date.parse(room.window_start) <= now && now < Date.parse(room.window_end);
      button.disabled = !(inside && room.consent === "active" && !room.look_open);
      button.addEventListener("click", () => this._start(room));
      row.append(what, button);
      body.appendChild(row);
    }
  }
}

if (!customElements.get("ange-care-camera-card")) {
  customElements.define("ange-care-camera-card", AngeCareCameraCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "ange-care-camera-card",
    name: "Ånge IoT: trygghetskamera",
    description: "Short, logged looks at a room's safety camera at the agreed check times.",
  });
}
