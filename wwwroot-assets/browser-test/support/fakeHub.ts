import { decode, encode } from "@msgpack/msgpack";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { ProfileUpdate } from "../../src/model/profileUpdate";
import { toFlamebearer } from "../../src/model/flamebearer";
import { fromFolded } from "../../src/model/folded";
import { FakeServer } from "../../test/support/fakeServer";

const RS = "\u001e";
const FIELDS: Array<keyof ProfileUpdate> = [
  "seq", "reset", "profileType", "availableTypes", "frameStart", "frameLabels", "frameKinds", "nodeStart", "nodeParents",
  "nodeFrames", "changedNodes", "selfDeltas", "totalValue", "sampleCount", "droppedSamples", "closed", "unit", "period",
];

export interface WatchCall {
  source: string;
  profileType: string | null;
  windowSeconds: number;
}

/**
 * One browser connection to the fake hub, speaking SignalR's MessagePack hub protocol over WebSockets as
 * docs/live-protocol.md describes the server: one unacknowledged update at a time, later changes merged.
 */
export class HubConnection {
  readonly watches: WatchCall[] = [];
  readonly acks: number[] = [];
  readonly sent: ProfileUpdate[] = [];
  private server = new FakeServer();
  private stacks = new Map<string, number>();
  private unacked = -1;
  private dirty = false;
  private resetNext = true;
  private handshaken = false;
  types = ["samples:count:cpu:nanoseconds"];
  watchResult: [boolean, string | null] = [true, null];

  constructor(private readonly socket: WebSocket) {}

  /** The profile the slot now holds; sent now or merged into the update after the next Ack. */
  publish(stacks: Map<string, number>): void {
    this.stacks = new Map(stacks);
    this.dirty = true;
    this.flush();
  }

  /** Sends a raw update as given (for tests of what the browser does with a bad one). */
  sendRaw(update: ProfileUpdate): void {
    this.invoke("update", [FIELDS.map((f) => update[f])]);
  }

  drop(): void {
    this.socket.terminate();
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (!this.handshaken) {
      const text = data.toString("utf8");
      const request = JSON.parse(text.slice(0, text.indexOf(RS))) as { protocol: string; version: number };
      if (request.protocol !== "messagepack") {
        this.socket.send(JSON.stringify({ error: `protocol ${request.protocol} not supported` }) + RS);
        return;
      }
      this.handshaken = true;
      this.socket.send("{}" + RS);
      return;
    }
    if (!isBinary) {
      return;
    }
    for (const message of readFrames(data)) {
      const m = decode(message) as unknown[];
      if (m[0] === 1) {
        this.invocation(m[2] as string | null, m[3] as string, m[4] as unknown[]);
      }
    }
  }

  private invocation(id: string | null, target: string, args: unknown[]): void {
    switch (target) {
      case "Watch": {
        this.watches.push({ source: args[0] as string, profileType: args[1] as string | null, windowSeconds: Number(args[2]) });
        this.complete(id, this.watchResult);
        if (this.watchResult[0]) {
          this.resetNext = true;
          this.dirty = true;
          this.unacked = -1;
          this.flush();
        }
        break;
      }
      case "Ack":
        this.acks.push(Number(args[0]));
        if (Number(args[0]) === this.unacked) {
          this.unacked = -1;
          this.flush();
        }
        break;
      case "Unwatch":
        break;
      default:
        this.completeError(id, `unknown method ${target}`);
    }
  }

  private flush(): void {
    if (!this.dirty || this.unacked >= 0 || this.watches.length === 0) {
      return;
    }
    const update = this.server.next(this.stacks, this.resetNext);
    update.availableTypes = this.types;
    this.resetNext = false;
    this.dirty = false;
    this.unacked = update.seq;
    this.sent.push(update);
    this.invoke("update", [FIELDS.map((f) => update[f])]);
  }

  private invoke(target: string, args: unknown[]): void {
    this.write([1, {}, null, target, args]);
  }

  private complete(id: string | null, result: unknown): void {
    if (id !== null) {
      this.write([3, {}, id, 3, result]);
    }
  }

  private completeError(id: string | null, error: string): void {
    if (id !== null) {
      this.write([3, {}, id, 1, error]);
    }
  }

  private write(message: unknown[]): void {
    const payload = encode(message);
    const size: number[] = [];
    let n = payload.length;
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n > 0) byte |= 0x80;
      size.push(byte);
    } while (n > 0);
    this.socket.send(Buffer.concat([Buffer.from(size), Buffer.from(payload)]));
  }
}

function* readFrames(data: Buffer): Generator<Uint8Array> {
  let offset = 0;
  while (offset < data.length) {
    let size = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = data[offset++];
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

/** Serves the test page, the built bundle, the hub and the REST endpoints the view uses, on 127.0.0.1:0. */
export class FakeApp {
  readonly connections: HubConnection[] = [];
  /** Folded profile per REST window name, for exports and the diff. */
  windows = new Map<string, string>();
  /** Answers of POST /api/profiles/view: a folded profile, or an error status and message. */
  importAnswer: { folded: string } | { status: number; message: string } = { folded: "imported;main 1" };
  readonly requests: string[] = [];
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private waiters: Array<() => void> = [];

  constructor(private readonly bundlePath: string) {
    this.http = createServer((req, res) => this.serve(req, res));
    this.http.on("upgrade", (req, socket, head) => {
      if (!(req.url ?? "").startsWith("/hubs/profiles")) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = new HubConnection(ws);
        ws.on("message", (data, isBinary) => connection.receive(data as Buffer, isBinary));
        this.connections.push(connection);
        this.waiters.splice(0).forEach((w) => w());
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.wss.clients.forEach((c) => c.terminate());
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  get last(): HubConnection {
    const c = this.connections[this.connections.length - 1];
    if (c === undefined) throw new Error("no hub connection yet");
    return c;
  }

  async nextConnection(count: number): Promise<HubConnection> {
    while (this.connections.length < count) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.connections[count - 1];
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/" || url.pathname === "/page") {
      res.writeHead(200, { "Content-Type": "text/html" }).end(
        `<!doctype html><html><head><meta charset="utf-8"><title>flame</title></head><body style="margin:0">` +
        `<div id="host" style="width: 1000px; --odigos-flame-height: 400px"></div>` +
        `<script src="/js/odigos-flame.js"></script></body></html>`);
      return;
    }
    if (url.pathname === "/js/odigos-flame.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(readFileSync(this.bundlePath));
      return;
    }
    if (url.pathname === "/hubs/profiles/negotiate" && req.method === "POST") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({
        negotiateVersion: 1,
        connectionId: `c${this.connections.length}`,
        connectionToken: `t${this.connections.length}`,
        availableTransports: [{ transport: "WebSockets", transferFormats: ["Text", "Binary"] }],
      }));
      return;
    }
    const flamegraph = /^\/api\/profiling\/([^/]+)\/([^/]+)\/([^/]+)\/flamegraph$/.exec(url.pathname);
    if (flamegraph !== null && url.searchParams.get("format") === "flamebearer") {
      const folded = this.windows.get(url.searchParams.get("window") ?? "all");
      if (folded === undefined) {
        res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ detail: "no such window" }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(toFlamebearer(fromFolded(folded))));
      return;
    }
    if (url.pathname === "/api/profiles/view" && req.method === "POST") {
      req.resume();
      req.on("end", () => {
        const answer = this.importAnswer;
        if ("folded" in answer) {
          res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(toFlamebearer(fromFolded(answer.folded))));
        } else {
          res.writeHead(answer.status, { "Content-Type": "application/problem+json" }).end(JSON.stringify({ title: "Bad Request", detail: answer.message }));
        }
      });
      return;
    }
    res.writeHead(404).end();
  }
}
