// The getaddr reply-completion rule: decides, per addr/addrv2 message, whether the real reply has arrived and
// when it is complete. The first addr message is often not the reply, so this rule, not arrival order, decides.
//
// Rule (documented in docs and tested):
//  1. A message any byte of which arrived before our getaddr was written is unsolicited (self-announcement or
//     gossip): recorded, never the reply. Order on the wire decides, not parse time: an addr that arrives in the
//     same chunk as the peer's verack was sent before our getaddr existed (session.ts tracks the boundary).
//  2. After getaddr, a message of at most `smallMax` (10) entries whose every entry is the peer's own address is a
//     self-announcement: recorded, never the reply (Bitcoin Core announces itself right after the handshake while
//     its real reply waits ~30 s on the trickle timer).
//  3. Any other message after getaddr belongs to the reply. The reply is complete:
//     a. at once when a message has more than `smallMax` but fewer than MAX_ADDR_ENTRIES (1000) entries, or has
//        0 entries (an empty address book), or follows a large message with fewer than 1000 entries (a last chunk);
//     b. `continuationGraceMs` (1 s) after a message with exactly 1000 entries, unless another one arrives first
//        (old nodes split a reply into 1000-entry chunks sent back to back);
//     c. `smallReplyGraceMs` (2 s) after a small message (1..10 entries, not only the peer itself), re-armed by each
//        further message: a node that knows few addresses answers with a small message, which a large one may
//        still follow.
//  4. If the getaddr timeout passes with no reply message, the outcome is no_addr_reply (entries still recorded).
import { MAX_ADDR_ENTRIES } from "../../lib/bitcoin/index.ts";

/** Thresholds of the rule; defaults are those documented above. */
export interface ReplyRuleOptions {
  readonly smallMax: number;
  readonly continuationGraceMs: number;
  readonly smallReplyGraceMs: number;
}

/** The documented defaults of the reply rule. */
export const DEFAULT_REPLY_RULE: ReplyRuleOptions = { smallMax: 10, continuationGraceMs: 1000, smallReplyGraceMs: 2000 };

/** What one addr message means: its kind, and whether the reply is complete now, after a grace, or not yet. */
export interface ReplyVerdict {
  readonly kind: "unsolicited" | "self" | "reply";
  /** "now": stop collecting; a number: complete if no addr message arrives within that many ms; null: unchanged. */
  readonly settle: "now" | number | null;
}

/** Tracks one conversation's addr messages against the rule. */
export class ReplyTracker {
  private largeSeen = false;
  /** True once any message counted as (part of) the reply. */
  replyStarted = false;

  constructor(
    private readonly ownAddresses: ReadonlySet<string>,
    private readonly rule: ReplyRuleOptions = DEFAULT_REPLY_RULE,
  ) {}

  /** Classifies one addr/addrv2 message by its entries' canonical addresses and whether all of its bytes arrived
   * after our getaddr was written (the caller's wire-order boundary). */
  onMessage(entries: readonly { readonly address: string }[], afterGetaddr: boolean): ReplyVerdict {
    const n = entries.length;
    if (!afterGetaddr) return { kind: "unsolicited", settle: null };
    if (n > 0 && n <= this.rule.smallMax && entries.every((e) => this.ownAddresses.has(e.address))) {
      return { kind: "self", settle: null };
    }
    this.replyStarted = true;
    if (n === 0) return { kind: "reply", settle: "now" };
    if (n >= MAX_ADDR_ENTRIES) {
      this.largeSeen = true;
      return { kind: "reply", settle: this.rule.continuationGraceMs };
    }
    if (n > this.rule.smallMax || this.largeSeen) {
      this.largeSeen = true;
      return { kind: "reply", settle: "now" };
    }
    return { kind: "reply", settle: this.rule.smallReplyGraceMs };
  }
}
