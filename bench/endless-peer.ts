// The "endless fresh addresses" attacker of issue 19 (finding 2), as a process of its own for bench/census.bench.ts:
// one listener on 0.0.0.0:PORT inside the bench's private network namespace, so every 127.x.y.z:PORT reaches it;
// each connection completes the handshake and answers getaddr at once with 1000 addresses never advertised before
// (127.x.y.z:PORT, so every one of them is another connection to this same peer: the frontier grows ~1000× faster than
// it is dialled). Usage: node --import tsx bench/endless-peer.ts PORT   (prints "listening" when ready)
import { createServer } from "node:net";
import { CHAINS, FrameParser, encodeFrame, type Message, type PeerAddress } from "../lib/bitcoin/index.ts";

const port = Number(process.argv[2]);
const magic = CHAINS.regtest.magic;
let next = 1; // 127.0.0.1 is the seed; fresh addresses count up from 127.0.0.2 through 127.255.255.254
const fresh = (): PeerAddress[] =>
  Array.from({ length: 1000 }, () => {
    next = next >= 0xfffffe ? 2 : next + 1;
    return { networkType: "ipv4", address: `127.${next >> 16}.${(next >> 8) & 255}.${next & 255}`, port, services: 1n, time: 1_700_000_000 };
  });

const version: Message = {
  command: "version",
  version: 70016,
  services: 0x409n,
  timestamp: 1_700_000_000n,
  receiver: { services: 0n, address: "127.0.0.1", networkType: "ipv4", port: 0 },
  sender: { services: 0x409n, address: "::", networkType: "ipv6", port: 0 },
  nonce: 7n,
  userAgent: "/Satoshi:27.0.0/",
  startHeight: 800_000,
  relay: true,
};

const server = createServer((socket) => {
  const parser = new FrameParser(magic);
  socket.on("error", () => undefined);
  socket.on("data", (chunk: Buffer) => {
    let msgs: Message[];
    try {
      msgs = parser.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const m of msgs) {
      if (m.command === "version") socket.write(Buffer.concat([encodeFrame(magic, version), encodeFrame(magic, { command: "verack" })]));
      else if (m.command === "getaddr") socket.write(encodeFrame(magic, { command: "addr", entries: fresh() }));
    }
  });
});
server.listen({ port, host: "0.0.0.0", backlog: 4096 }, () => console.log("listening"));
