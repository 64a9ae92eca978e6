// What one peer advertised during a conversation: every addr/addrv2 entry counted, the distinct (address, port)
// entries kept up to a cap (first occurrence wins), each with the message that carried it and whether it came in the
// getaddr reply — also when it had been gossiped first, so a reply that repeats an earlier self-announcement counts.
import type { PeerAddress } from "../../lib/bitcoin/index.ts";
import type { AdvertisedEntries } from "./session-contract.ts";

/** The entries one session collects from its peer, capped at `maxKept` distinct endpoints. */
export class PeerAddrs implements AdvertisedEntries {
  addrMessages = 0;
  addrsReceived = 0;
  entriesDropped = 0;
  readonly entries: PeerAddress[] = [];
  readonly entryMessages: ("addr" | "addrv2")[] = [];
  readonly entryInReply: boolean[] = [];
  /** Index in `entries` of each kept endpoint, so an entry first seen as gossip and then in the reply is marked. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxKept: number) {}

  /** Records one addr/addrv2 message; `inReply`: the reply rule (reply.ts) counted it as part of the getaddr reply. */
  add(message: "addr" | "addrv2", entries: readonly PeerAddress[], inReply: boolean): void {
    this.addrMessages++;
    this.addrsReceived += entries.length;
    for (const e of entries) {
      const key = `${e.port} ${e.address}`;
      const at = this.seen.get(key);
      if (at !== undefined) {
        if (inReply) this.entryInReply[at] = true;
        continue;
      }
      if (this.entries.length >= this.maxKept) {
        this.entriesDropped++;
        continue;
      }
      this.seen.set(key, this.entries.length);
      this.entries.push(e);
      this.entryMessages.push(message);
      this.entryInReply.push(inReply);
    }
  }

  /** The collected entries as the session's result carries them. */
  result(): AdvertisedEntries {
    const { addrMessages, addrsReceived, entries, entryMessages, entryInReply, entriesDropped } = this;
    return { addrMessages, addrsReceived, entries, entryMessages, entryInReply, entriesDropped };
  }
}
