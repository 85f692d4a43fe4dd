import { FlamebearerError, loadFlamebearer, type LoadedProfile } from "../model/flamebearer";

export type ExportFormat = "flamebearer" | "folded" | "pprof";

/** REST window names for the hub's windowSeconds (0 = since the slot opened). */
export function windowName(seconds: number): string {
  switch (seconds) {
    case 60:
      return "1m";
    case 300:
      return "5m";
    case 900:
      return "15m";
    case 3600:
      return "1h";
    default:
      return "all";
  }
}

export function flamegraphUrl(apiBase: string, source: string, format: ExportFormat, profileType: string | null, window: string): string {
  const [ns, kind, name] = source.split("/").map(encodeURIComponent);
  const query = new URLSearchParams({ format, window });
  if (profileType !== null && profileType !== "") {
    query.set("profileType", profileType);
  }
  return `${apiBase}/api/profiling/${ns}/${kind}/${name}/flamegraph?${query.toString()}`;
}

export async function fetchFlamebearer(url: string, signal?: AbortSignal): Promise<LoadedProfile> {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  return readProfileResponse(response);
}

/** Sends a pprof or OTLP file to `/api/profiles/view` and loads the flamebearer it answers. */
export async function importProfile(apiBase: string, file: Blob, profileType: string | null): Promise<LoadedProfile> {
  const query = profileType !== null && profileType !== "" ? `?profileType=${encodeURIComponent(profileType)}` : "";
  const response = await fetch(`${apiBase}/api/profiles/view${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream" },
    body: file,
  });
  return readProfileResponse(response);
}

async function readProfileResponse(response: Response): Promise<LoadedProfile> {
  const text = await response.text();
  if (!response.ok) {
    throw new FlamebearerError(`${response.status} ${response.statusText}: ${errorText(text)}`);
  }
  return loadFlamebearer(text);
}

/** The message of a problem-details or plain-text error body, shortened. */
function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { detail?: unknown; title?: unknown; error?: unknown };
    const message = json.detail ?? json.error ?? json.title;
    if (typeof message === "string") {
      return message;
    }
  } catch {
    // not JSON: the body is the message
  }
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}
