// A real DNS server on loopback (UDP, dns-packet) answering A/AAAA from a fixed table; NXDOMAIN otherwise.
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import * as dnsPacket from "dns-packet";

/** Records served per name. */
export type DnsTable = Readonly<Record<string, { readonly A?: readonly string[]; readonly AAAA?: readonly string[] }>>;

/** A running test DNS server: `server` is the `IP:PORT` to pass as --dns-server. */
export interface TestDnsServer {
  readonly server: string;
  readonly queries: { name: string; type: string }[];
  close(): Promise<void>;
}

/** Starts a DNS server on `host` (a 127.x address) and an ephemeral port. */
export async function startDnsServer(table: DnsTable, host = "127.0.0.53"): Promise<TestDnsServer> {
  const socket: Socket = createSocket("udp4");
  const queries: { name: string; type: string }[] = [];
  socket.on("message", (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    const question = query.questions?.[0];
    if (question === undefined) return;
    queries.push({ name: question.name, type: question.type });
    const entry = table[question.name.toLowerCase()];
    const data = question.type === "A" ? entry?.A : question.type === "AAAA" ? entry?.AAAA : undefined;
    const answers = (data ?? []).map((ip) => ({ type: question.type as "A" | "AAAA", name: question.name, ttl: 60, data: ip }));
    const reply = dnsPacket.encode({
      type: "response",
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (entry === undefined ? 3 : 0), // rcode 3 NXDOMAIN
      questions: [question],
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.bind(0, host);
  await once(socket, "listening");
  const port = socket.address().port;
  return {
    server: `${host}:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
