import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { decodeProfileUpdate, decodeWatchResult, type ProfileUpdate, type WatchResult } from "../model/profileUpdate";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

export interface LiveClientEvents {
  onUpdate(update: ProfileUpdate): void;
  onStatus(status: ConnectionStatus, detail: string | null): void;
  onWatch(result: WatchResult): void;
}

export interface WatchArgs {
  source: string;
  profileType: string | null;
  windowSeconds: number;
}

const FIRST_CONNECT_RETRY_MS = [0, 1000, 2000, 5000, 10000];

/**
 * The browser end of `/hubs/profiles`: MessagePack, automatic reconnect, and `Watch` again after every (re)connect
 * so the server sends a reset snapshot. Updates that arrive between a `Watch` and its reset are acknowledged and
 * dropped, so the server never waits on them.
 */
export class LiveClient {
  private readonly connection: HubConnection;
  private args: WatchArgs;
  private awaitingReset = true;
  private disposed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(hubUrl: string, args: WatchArgs, private readonly events: LiveClientEvents) {
    this.args = args;
    this.connection = new HubConnectionBuilder()
      .withUrl(hubUrl)
      .withHubProtocol(new MessagePackHubProtocol())
      .withAutomaticReconnect()
      .configureLogging(LogLevel.Warning)
      .build();
    this.connection.on("update", (raw: unknown) => this.receive(raw));
    this.connection.onreconnecting((e) => this.events.onStatus("reconnecting", e?.message ?? null));
    this.connection.onreconnected(() => {
      this.events.onStatus("connected", null);
      void this.watch(this.args);
    });
    this.connection.onclose((e) => {
      if (!this.disposed) {
        this.events.onStatus("disconnected", e?.message ?? null);
        this.scheduleStart();
      }
    });
  }

  get connected(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  start(): void {
    this.events.onStatus("connecting", null);
    this.connection.start().then(
      () => {
        this.attempt = 0;
        this.events.onStatus("connected", null);
        void this.watch(this.args);
      },
      (e: unknown) => {
        this.events.onStatus("disconnected", e instanceof Error ? e.message : String(e));
        this.scheduleStart();
      },
    );
  }

  /** Watches (again) with new arguments; the next update is a reset. */
  async watch(args: WatchArgs): Promise<WatchResult | null> {
    this.args = args;
    if (!this.connected) {
      return null;
    }
    this.awaitingReset = true;
    try {
      const result = decodeWatchResult(await this.connection.invoke("Watch", args.source, args.profileType, args.windowSeconds));
      this.events.onWatch(result);
      return result;
    } catch (e) {
      const result = { ok: false, error: e instanceof Error ? e.message : String(e) };
      this.events.onWatch(result);
      return result;
    }
  }

  ack(seq: number): void {
    if (this.connected) {
      this.connection.send("Ack", seq).catch(() => undefined);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
    }
    if (this.connected) {
      this.connection.send("Unwatch").catch(() => undefined);
    }
    void this.connection.stop();
  }

  private receive(raw: unknown): void {
    let update: ProfileUpdate;
    try {
      update = decodeProfileUpdate(raw);
    } catch (e) {
      this.events.onStatus("connected", `bad update: ${(e as Error).message}`);
      void this.watch(this.args);
      return;
    }
    if (this.awaitingReset && !update.reset) {
      this.ack(update.seq);
      return;
    }
    this.awaitingReset = false;
    this.events.onUpdate(update);
  }

  private scheduleStart(): void {
    if (this.disposed || this.retryTimer !== null) {
      return;
    }
    const delay = FIRST_CONNECT_RETRY_MS[Math.min(this.attempt++, FIRST_CONNECT_RETRY_MS.length - 1)] || 1000;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.disposed && this.connection.state === HubConnectionState.Disconnected) {
        this.start();
      }
    }, delay);
  }
}
