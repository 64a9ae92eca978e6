// addrs.parquet: the advertised-address graph, one row per (source node, advertised address).
import { defineDataset } from "./types.ts";
import { NETWORK_TYPES, type NetworkType } from "../../lib/bitcoin/address.ts";

/** A row of addrs.parquet; keys are the column names. */
export interface AddrRow {
  source_address: string;
  source_port: number;
  address: string;
  port: number;
  network_type: NetworkType;
  services: bigint;
  advertised_at: Date | null;
  message: "addr" | "addrv2";
  in_reply: boolean;
}

/** Schema of addrs.parquet. */
export const ADDRS = defineDataset<AddrRow>({
  name: "addrs",
  file: "addrs.parquet",
  description: "One row per (source node, advertised address): the edges of the advertised-address graph.",
  key: ["source_address", "source_port", "address", "port"],
  columns: [
    { name: "source_address", type: "VARCHAR", nullable: false, meaning: "canonical address of the node that sent the entry" },
    { name: "source_port", type: "USMALLINT", nullable: false, meaning: "port of the node that sent the entry" },
    { name: "address", type: "VARCHAR", nullable: false, meaning: "canonical advertised address" },
    { name: "port", type: "USMALLINT", nullable: false, meaning: "advertised port" },
    { name: "network_type", type: "VARCHAR", nullable: false, meaning: `advertised address family: ${NETWORK_TYPES.join("|")}` },
    { name: "services", type: "UBIGINT", nullable: false, meaning: "advertised service bits (64-bit)" },
    { name: "advertised_at", type: "TIMESTAMPTZ", nullable: true, meaning: "the entry's timestamp (last seen, as claimed by the source)" },
    { name: "message", type: "VARCHAR", nullable: false, meaning: "message that carried it: addr|addrv2" },
    {
      name: "in_reply",
      type: "BOOLEAN",
      nullable: false,
      meaning:
        "true: the entry came in the getaddr reply (an edge of the advertised-address graph); false: a self-announcement or unsolicited addr before/after it (runs written before the column existed read it as null, counted as true)",
    },
  ],
});
