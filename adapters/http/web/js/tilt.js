// The phone's tilt while it takes a photo, from its motion sensor (DeviceOrientationEvent):
// sent with each photo as `cameraPitchDeg`, it is what a scan in front of a plain wall
// cannot see for itself (docs/scan.md, "Pitch").

const RAD = Math.PI / 180;

// Degrees the rear camera looks below level (negative: above), for an orientation's beta and
// gamma (degrees), whichever way the phone is turned (portrait or landscape). The screen's
// normal points up by cos(beta) cos(gamma) (W3C's Z-X'-Y'' angles), and the rear camera
// looks the other way: upright (beta 90) is level, flat on its back (beta 0) straight down.
export function cameraPitchDeg(beta, gamma) {
  if (typeof beta !== "number" || typeof gamma !== "number") return null;
  const up = Math.cos(beta * RAD) * Math.cos(gamma * RAD);
  return Math.asin(Math.max(-1, Math.min(1, up))) / RAD;
}

// The API takes a pitch within this many degrees of level.
export const MAX_PITCH_DEG = 45;

// "3.2° down", "1.0° up", "level": how a pitch reads to a person.
export function describePitch(pitch) {
  if (pitch === null) return "no tilt sensor";
  if (Math.abs(pitch) < 0.05) return "level";
  return `${Math.abs(pitch).toFixed(1)}° ${pitch > 0 ? "down" : "up"}`;
}

// Follows the phone's tilt: `current()` is the latest pitch (null before any reading),
// `onChange` hears each; `stop()` ends it. iOS asks the person first (from a click).
export async function watchTilt(onChange = () => {}) {
  let latest = null;
  const listener = (e) => {
    const pitch = cameraPitchDeg(e.beta, e.gamma);
    if (pitch === null) return;
    latest = pitch;
    onChange(pitch);
  };
  const Orientation = window.DeviceOrientationEvent;
  if (Orientation && typeof Orientation.requestPermission === "function") {
    try { if (await Orientation.requestPermission() !== "granted") return { current: () => null, stop() {} }; }
    catch { return { current: () => null, stop() {} }; }
  }
  window.addEventListener("deviceorientation", listener);
  return { current: () => latest, stop() { window.removeEventListener("deviceorientation", listener); } };
}
