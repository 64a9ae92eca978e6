// A hand-rolled Bitcoin client for the simnet tests: real TCP on loopback, framing through the codec,
// every message and the way the connection ended recorded for assertions.
import { connect, type Socket } from "node:net";
import { FrameParser, PROTOCOL_VERSION, encodeFrame, type Message, type VersionMessage } from "../../lib/bitcoin/index.ts";
import { SIMNET_MAGIC } from "../../tools/simnet/index.ts";

/** How a conversation ended. */
export type Ending = "open" | "fin" | "reset" | "protocol_error";

/** Everything the client saw. */
export interface Transcript {
  readonly messages: Message[];
  ending: Ending;
  protocolError?: string;
  rawBytes: number;
  firstBytes: Buffer;
  /** Every byte received, in order. */
  chunks: Buffer[];
}

/** One client connection; `send` writes messages, `until` waits for a condition over the transcript. */
export class TestClient {
  readonly transcript: Transcript = { messages: [], ending: "open", rawBytes: 0, firstBytes: Buffer.alloc(0), chunks: [] };
  private readonly parser = new FrameParser(SIMNET_MAGIC);
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.transcript.rawBytes += chunk.length;
      this.transcript.chunks.push(chunk);
      if (this.transcript.firstBytes.length < 64) this.transcript.firstBytes = Buffer.concat([this.transcript.firstBytes, chunk]).subarray(0, 64);
      if (this.transcript.ending !== "open") return;
      try {
        this.transcript.messages.push(...this.parser.push(chunk));
      } catch (err) {
        this.transcript.ending = "protocol_error";
        this.transcript.protocolError = (err as { code?: string }).code ?? String(err);
      }
      this.wake();
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (this.transcript.ending === "open") this.transcript.ending = err.code === "ECONNRESET" ? "reset" : "fin";
      this.wake();
    });
    socket.on("end", () => {
      if (this.transcript.ending === "open") this.transcript.ending = "fin";
      this.wake();
    });
    socket.on("close", () => {
      if (this.transcript.ending === "open") this.transcript.ending = "fin";
      this.wake();
    });
  }

  /** Connects to `host:port`. */
  static open(host: string, port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      s.once("connect", () => resolve(new TestClient(s)));
      s.once("error", reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Writes messages (each framed with the simnet magic). */
  send(...msgs: Message[]): void {
    for (const m of msgs) this.socket.write(encodeFrame(SIMNET_MAGIC, m));
  }

  /** Resolves when `cond` holds (checked after every event), rejects after `timeoutMs`. */
  until(cond: (t: Transcript) => boolean, timeoutMs = 5000): Promise<void> {
    if (cond(this.transcript)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; saw ${this.commands().join(",")} ending=${this.transcript.ending}`)), timeoutMs);
      const check = () => {
        if (cond(this.transcript)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** Waits `ms` and returns (to observe that nothing more happens). */
  async idle(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Bytes of an incomplete frame the parser holds. */
  buffered(): number {
    return this.parser.bufferedBytes;
  }

  /** Commands received so far. */
  commands(): string[] {
    return this.transcript.messages.map((m) => (m.command === "unknown" ? `?${m.rawCommand}` : m.command));
  }

  /** Messages of one command. */
  of<C extends Message["command"]>(command: C): Extract<Message, { command: C }>[] {
    return this.transcript.messages.filter((m): m is Extract<Message, { command: C }> => m.command === command);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Parses `bytes` one byte at a time, so every message before a fatal error is kept (a chunk-wise push
 * loses the messages completed in the chunk that also held the error). */
export function parseBytewise(magic: number, bytes: Uint8Array): { messages: Message[]; error?: string } {
  const parser = new FrameParser(magic);
  const messages: Message[] = [];
  for (let i = 0; i < bytes.length; i++) {
    try {
      messages.push(...parser.push(bytes.subarray(i, i + 1)));
    } catch (err) {
      return { messages, error: (err as { code?: string }).code ?? String(err) };
    }
  }
  return { messages };
}

/** A version message like a crawler's. */
export function clientVersion(version = PROTOCOL_VERSION): VersionMessage {
  return {
    command: "version",
    version,
    services: 0n,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: { services: 0n, address: "0.0.0.0", networkType: "ipv4", port: 0 },
    sender: { services: 0n, address: "0.0.0.0", networkType: "ipv4", port: 0 },
    nonce: 42n,
    userAgent: "/simnet-test:0.1/",
    startHeight: 0,
    relay: false,
  };
}

/** Runs the crawler's usual exchange: version (+ sendaddrv2) → verack → getaddr; resolves when the handshake is done. */
export async function handshake(client: TestClient, opts: { addrv2?: boolean; version?: number } = {}): Promise<void> {
  client.send(clientVersion(opts.version));
  await client.until((t) => t.messages.some((m) => m.command === "verack") || t.ending !== "open");
  if (opts.addrv2) client.send({ command: "sendaddrv2" });
  client.send({ command: "verack" });
}
