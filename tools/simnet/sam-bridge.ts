// The simnet's I2P router: a SAM v3.1 bridge (the subset a Bitcoin node uses: HELLO, SESSION CREATE
// STYLE=STREAM with a TRANSIENT destination, STREAM CONNECT, NAMING LOOKUP, DEST GENERATE, PING) that resolves
// the simnet's `.b32.i2p` names and destinations to its I2P peers' Unix sockets, with I2P-like latency: seconds
// to build the session's tunnels and to reach a peer, ~1 s round trips, and peers it fails after a delay with
// CANT_REACH_PEER or TIMEOUT. A session lives as long as the control socket that created it (SAM 3.1).
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { SimnetModel } from "./model.ts";
import { around, b32Of, fromI2pBase64, i2pBase64 } from "./overlay.ts";
import { emptyGatewayStats, listenOn, nameIndex, StreamSet } from "./relay.ts";
import type { OverlayGateway } from "./tor-gateway.ts";

/** Longest request line accepted (as i2pd: longer lines are an error). */
const MAX_LINE = 65_536;

/** Parses `WORD WORD KEY=VALUE KEY="quoted value" …`. */
function parseLine(line: string): { words: string[]; keys: Map<string, string> } {
  const words: string[] = [];
  const keys = new Map<string, string>();
  const re = /([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m[2] === undefined) words.push(m[1]!.toUpperCase());
    else keys.set(m[1]!.toUpperCase(), m[2].startsWith('"') ? m[2].slice(1, -1) : m[2]);
  }
  return { words, keys };
}

/** Whether SAM 3.1 lies within the client's MIN/MAX (absent bounds as SAM 3.1 says: MIN 3.0, MAX none). */
function accepts31(keys: Map<string, string>): boolean {
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  return num(keys.get("MIN"), 3.0) <= 3.1 && num(keys.get("MAX"), 99) >= 3.1;
}

/** A fresh transient private key blob: a 391-byte Ed25519-certified destination, then its private keys. */
function transientKeys(): { pub: Buffer; priv: Buffer } {
  const pub = randomBytes(391);
  pub.set([5, 0, 4, 0, 7, 0, 0], 384);
  return { pub, priv: Buffer.concat([pub, randomBytes(256 + 32)]) };
}

/** Starts the SAM bridge for `model`'s I2P peers (listening on Unix sockets in `socketDir`). */
export async function startSamBridge(model: SimnetModel, socketDir: string, host: string, port: number): Promise<OverlayGateway> {
  const names = nameIndex(model, "i2p");
  const stats = emptyGatewayStats();
  const streams = new StreamSet(stats);
  const sessions = new Map<string, Socket>();
  const lat = model.latency;

  const resolve = (dest: string): number | undefined | "invalid" => {
    if (dest.endsWith(".b32.i2p")) return names.get(dest.toLowerCase());
    const bytes = fromI2pBase64(dest);
    if (bytes === undefined || bytes.length < 387) return "invalid";
    return names.get(b32Of(bytes.subarray(0, 391)));
  };

  const onStreamConnect = (socket: Socket, keys: Map<string, string>, send: (line: string) => void, detach: () => void) => {
    const id = keys.get("ID") ?? "";
    if (!sessions.has(id)) {
      stats.rejected++;
      return send(`STREAM STATUS RESULT=INVALID_ID MESSAGE="no session ${id}"`);
    }
    const target = resolve(keys.get("DESTINATION") ?? "");
    if (target === "invalid") {
      stats.rejected++;
      return send('STREAM STATUS RESULT=INVALID_KEY MESSAGE="bad destination"');
    }
    const silent = keys.get("SILENT")?.toLowerCase() === "true";
    detach(); // from here the socket belongs to the stream
    const delay = around(lat.i2pTunnelMs);
    if (target === undefined) {
      stats.unknown++;
      return streams.later(delay, () => {
        send('STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="lease set not found"');
        socket.end();
      });
    }
    const fate = model.fate(target);
    if (fate.kind === "fail") {
      stats.failed++;
      return streams.later(delay * 2, () => {
        send(fate.code === "unreachable" ? 'STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="Can\'t reach peer"' : "STREAM STATUS RESULT=TIMEOUT");
        socket.end();
      });
    }
    streams.later(delay, () => {
      if (socket.destroyed) return;
      void streams.dialPeer(socketDir, target).then((peer) => {
        if (socket.destroyed) return peer?.destroy();
        if (peer === undefined) {
          send('STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="Can\'t reach peer"');
          return socket.end();
        }
        if (!silent) send("STREAM STATUS RESULT=OK");
        streams.relay(socket, peer, lat.i2pRttMs / 2);
      });
    });
  };

  const server: Server = createServer({ noDelay: true }, (socket) => {
    stats.connections++;
    streams.track(socket);
    socket.on("error", () => socket.destroy());
    let greeted = false;
    let buf = "";
    let ownSession: string | undefined;
    const send = (line: string) => {
      if (!socket.destroyed) socket.write(`${line}\n`);
    };
    const detach = () => {
      socket.off("data", onData);
      socket.pause(); // the stream's relay resumes it
    };
    const onLine = (line: string): boolean => {
      const { words, keys } = parseLine(line);
      const cmd = `${words[0] ?? ""} ${words[1] ?? ""}`;
      if (!greeted) {
        if (cmd !== "HELLO VERSION") {
          stats.rejected++;
          send('HELLO REPLY RESULT=I2P_ERROR MESSAGE="HELLO expected"');
          socket.end();
          return false;
        }
        if (!accepts31(keys)) {
          stats.rejected++;
          send("HELLO REPLY RESULT=NOVERSION");
          socket.end();
          return false;
        }
        greeted = true;
        send("HELLO REPLY RESULT=OK VERSION=3.1");
        return true;
      }
      switch (cmd) {
        case "SESSION CREATE": {
          const id = keys.get("ID") ?? "";
          if (ownSession !== undefined || id === "" || sessions.has(id)) {
            stats.rejected++;
            send(`SESSION STATUS RESULT=DUPLICATED_ID`);
            return true;
          }
          if (keys.get("STYLE") !== "STREAM" || keys.get("DESTINATION") !== "TRANSIENT") {
            stats.rejected++;
            send('SESSION STATUS RESULT=I2P_ERROR MESSAGE="only STYLE=STREAM DESTINATION=TRANSIENT is served here"');
            return true;
          }
          ownSession = id;
          sessions.set(id, socket);
          socket.once("close", () => sessions.get(id) === socket && sessions.delete(id));
          stats.credentials++;
          streams.later(around(lat.i2pSessionMs), () => send(`SESSION STATUS RESULT=OK DESTINATION=${i2pBase64(transientKeys().priv)}`));
          return true;
        }
        case "STREAM CONNECT":
          onStreamConnect(socket, keys, send, detach);
          return false;
        case "NAMING LOOKUP": {
          const name = keys.get("NAME") ?? "";
          const i = names.get(name.toLowerCase());
          if (i === undefined) send(`NAMING REPLY RESULT=KEY_NOT_FOUND NAME=${name}`);
          else send(`NAMING REPLY RESULT=OK NAME=${name} VALUE=${i2pBase64(model.destination(i))}`);
          return true;
        }
        case "DEST GENERATE": {
          const k = transientKeys();
          send(`DEST REPLY PUB=${i2pBase64(k.pub)} PRIV=${i2pBase64(k.priv)}`);
          return true;
        }
        default:
          if (words[0] === "PING") {
            send(`PONG${line.slice(4)}`);
            return true;
          }
          stats.rejected++;
          send(`${words[0] ?? ""} ${words[1] ?? ""} RESULT=I2P_ERROR MESSAGE="unknown command"`.trim());
          return true;
      }
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      for (;;) {
        const nl = buf.indexOf("\n");
        if (nl < 0) break;
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        if (!onLine(line)) {
          if (buf.length > 0 && !socket.destroyed) socket.unshift(Buffer.from(buf, "latin1")); // early stream bytes
          return;
        }
      }
      if (buf.length > MAX_LINE) {
        stats.rejected++;
        socket.destroy();
      }
    };
    socket.on("data", onData);
  });
  const bound = await listenOn(server, host, port);
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${bound}`,
    stats,
    close: () => streams.close(server),
  };
}
