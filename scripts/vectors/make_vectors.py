#!/usr/bin/python3
"""Byte-exact test vectors for Fluxture's wire codec, made by an independent encoder.

Uses Debian's python3-bitcoinlib (run with /usr/bin/python3). Writes one JSON file per message type to
test/protocol/fixtures/: each case has the network magic, the message as plain JSON (64-bit values as
decimal strings, addresses as the canonical text Fluxture must produce), and the full frame hex
(header + payload, checksum by bitcoinlib). Every frame is parsed back with bitcoinlib to
check it. Deterministic: same output on every run. Usage: /usr/bin/python3 scripts/vectors/make_vectors.py
"""
import base64
import io
import ipaddress
import json
import os
import random
import struct
import sys

import bitcoin
from bitcoin.core.serialize import VarStringSerializer
from bitcoin.messages import (MsgSerializable, msg_addr, msg_getaddr, msg_inv, msg_ping, msg_pong,
                              msg_verack, msg_version)
from bitcoin.net import CAddress, CInv

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "protocol", "fixtures")
NETWORKS = {"mainnet": "mainnet", "testnet": "testnet", "signet": "signet", "regtest": "regtest"}
ONIONCAT = bytes.fromhex("fd87d87eeb43")


def canonical(ip):
    """(network type, canonical text) Fluxture must decode the 16 legacy bytes of `ip` to."""
    if ":" not in ip:
        return "ipv4", ip
    packed = ipaddress.IPv6Address(ip).packed
    if packed[:6] == ONIONCAT:
        return "onion_v2", base64.b32encode(packed[6:]).decode().lower() + ".onion"
    if packed[0] == 0xFC:
        return "cjdns", ipaddress.IPv6Address(ip).compressed
    return "ipv6", ipaddress.IPv6Address(ip).compressed


def caddress(ip, port, services, time=0):
    a = CAddress()
    a.ip = ip
    a.port = port
    a.nServices = services
    a.nTime = time
    return a


def addr_json(a, with_time):
    network_type, text = canonical(a.ip)
    out = {"services": str(a.nServices), "address": text, "networkType": network_type, "port": a.port}
    if with_time:
        out["time"] = a.nTime
    return out


def frame_of(msg):
    frame = msg.to_bytes()
    back = MsgSerializable.from_bytes(frame)  # bitcoinlib checks magic and checksum
    assert back is not None and back.command == msg.command, msg
    return frame, back


def case(name, network, msg, message_json):
    bitcoin.SelectParams(network)
    frame, back = frame_of(msg)
    return {
        "name": name,
        "network": network,
        "magic": bitcoin.params.MESSAGE_START.hex(),
        "message": message_json,
        "frame": frame.hex(),
    }, back


class TruncatedVersion(msg_version):
    """A version message as an old peer sends it: bitcoinlib's field serializers, stopping after `fields`."""

    command = b"version"

    def __init__(self, fields):
        super().__init__()
        self.fields = fields

    def msg_ser(self, f):
        full = io.BytesIO()
        super().msg_ser(full)
        b = full.getvalue()
        ua_len = len(VarStringSerializer.serialize(self.strSubVer))
        ends = {"receiver": 46, "nonce": 46 + 26 + 8, "userAgent": 80 + ua_len, "startHeight": 84 + ua_len}
        f.write(b[: ends[self.fields]])


def version_json(m, upto=None):
    j = {"command": "version", "version": m.nVersion, "services": str(m.nServices), "timestamp": str(m.nTime),
         "receiver": addr_json(m.addrTo, False)}
    order = ["sender", "nonce", "userAgent", "startHeight", "relay"]
    values = {"sender": addr_json(m.addrFrom, False), "nonce": str(m.nNonce),
              "userAgent": m.strSubVer.decode("utf-8"), "startHeight": m.nStartingHeight, "relay": bool(m.fRelay)}
    for k in order:
        j[k] = values[k]
        if k == upto:
            break
    return j


def make_version(nversion, services, ntime, to, frm, nonce, subver, height, relay, cls=None, fields=None):
    m = TruncatedVersion(fields) if cls else msg_version()
    m.nVersion = nversion
    m.nServices = services
    m.nTime = ntime
    m.addrTo = to
    m.addrFrom = frm
    m.nNonce = nonce
    m.strSubVer = subver
    m.nStartingHeight = height
    m.fRelay = relay
    return m


def versions():
    cases = []
    m = make_version(70016, 0x409, 1700000000, caddress("1.2.3.4", 8333, 0), caddress("2001:db8::1", 8333, 0x409),
                     0x0123456789ABCDEF, b"/Satoshi:27.0.0/", 850000, True)
    c, back = case("v70016 ipv4 receiver, ipv6 sender, relay", "mainnet", m, version_json(m))
    assert back.strSubVer == b"/Satoshi:27.0.0/" and back.fRelay
    cases.append(c)
    m = make_version(70015, 0xC09 | (1 << 63), 1234567890123, caddress("2a01:4f8:c0c:1234::2", 18333, 1),
                     caddress("10.0.0.7", 18333, 0x0D), 0xFFFFFFFFFFFFFFFF, b"/btcwire:0.5.0/ test", -1, False)
    cases.append(case("v70015 relay false, high service bit, negative height", "testnet", m, version_json(m))[0])
    m = make_version(70016, 0, 0, caddress("0.0.0.0", 0, 0), caddress("0.0.0.0", 0, 0), 0, b"", 0, True)
    cases.append(case("all zero, empty user agent", "regtest", m, version_json(m))[0])
    m = make_version(70016, 1, 1600000000, caddress("fd87:d87e:eb43:f1f2:f3f4:f5f6:f7f8:f9fa", 8333, 1),
                     caddress("fc00:1:2:3:4:5:6:7", 8333, 1), 7, "/Satoshi:0.21.0/\u00e9".encode("utf-8"), 650000, True)
    cases.append(case("onioncat receiver, cjdns sender, utf-8 user agent", "signet", m, version_json(m))[0])
    # Old peers: bitcoinlib's own decoder stops at the same places (no relay < 70001, no height < 209).
    m = make_version(60002, 1, 1400000000, caddress("1.2.3.4", 8333, 1), caddress("5.6.7.8", 8333, 1), 99,
                     b"/Satoshi:0.8.6/", 300000, True, cls=True, fields="startHeight")
    c, back = case("v60002 without relay byte", "mainnet", m, version_json(m, "startHeight"))
    assert back.nStartingHeight == 300000
    cases.append(c)
    m = make_version(209, 1, 1300000000, caddress("1.2.3.4", 8333, 1), caddress("5.6.7.8", 8333, 1), 5,
                     b"", 100, True, cls=True, fields="startHeight")
    cases.append(case("v209 with start height, without relay", "mainnet", m, version_json(m, "startHeight"))[0])
    m = make_version(106, 1, 1280000000, caddress("1.2.3.4", 8333, 1), caddress("5.6.7.8", 8333, 1), 5,
                     b"/old/", 0, True, cls=True, fields="userAgent")
    c, back = case("v106 stops after user agent", "mainnet", m, version_json(m, "userAgent"))
    assert back.nStartingHeight is None and back.strSubVer == b"/old/"
    cases.append(c)
    m = make_version(100, 1, 1270000000, caddress("1.2.3.4", 8333, 1), caddress("5.6.7.8", 8333, 1), 5,
                     b"", 0, True, cls=True, fields="receiver")
    j = version_json(m)
    for k in ["sender", "nonce", "userAgent", "startHeight", "relay"]:
        del j[k]
    c, back = case("v100 stops after receiver", "mainnet", m, j)
    assert back.addrFrom is None
    cases.append(c)
    return cases


def simple(cls, command):
    return [case(f"{command} on {n}", n, cls(), {"command": command})[0] for n in NETWORKS]


def pings(cls, command):
    out = []
    for i, nonce in enumerate([0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x0123456789ABCDEF]):
        net = list(NETWORKS)[i % len(NETWORKS)]
        out.append(case(f"{command} nonce {nonce:#x}", net, cls(nonce=nonce), {"command": command, "nonce": str(nonce)})[0])
    return out


def addrs():
    cases = []
    entries = [
        caddress("1.2.3.4", 8333, 0x409, 1700000000),
        caddress("2001:db8::1", 8333, 0x0D, 1700000001),
        caddress("2001:db8:0:0:1::1", 18333, 0xC09, 1),
        caddress("fd87:d87e:eb43:f1f2:f3f4:f5f6:f7f8:f9fa", 8333, 1, 2),
        caddress("fc00:1:2:3:4:5:6:7", 8333, 1, 3),
        caddress("255.255.255.255", 65535, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF),
        caddress("::", 0, 0, 0),
        caddress("2001:0:0:1::", 1, 1, 1),
    ]
    m = msg_addr()
    m.addrs = entries
    c, back = case("addr of every legacy kind", "mainnet", m, {"command": "addr", "entries": [addr_json(a, True) for a in entries]})
    assert len(back.addrs) == len(entries)
    cases.append(c)
    m = msg_addr()
    cases.append(case("empty addr", "testnet", m, {"command": "addr", "entries": []})[0])
    rng = random.Random(20240601)
    big = []
    for _ in range(300):  # > 252, so the count takes the 3-byte CompactSize form
        if rng.random() < 0.8:
            ip = ".".join(str(rng.randrange(256)) for _ in range(4))
        else:
            ip = str(ipaddress.IPv6Address(bytes([0x20, 0x01]) + rng.randbytes(14)))
        big.append(caddress(ip, rng.choice([8333, 8333, 8333, rng.randrange(65536)]),
                            rng.choice([0x409, 0x40D, 0xC09, 0x1, 0x0, rng.getrandbits(64)]),
                            rng.randrange(1 << 32)))
    m = msg_addr()
    m.addrs = big
    cases.append(case("300 entries", "mainnet", m, {"command": "addr", "entries": [addr_json(a, True) for a in big]})[0])
    return cases


def invs():
    rng = random.Random(7)
    items = []
    for t in [1, 2, 5, 0x40000001, 0x40000002]:
        inv = CInv()
        inv.type = t
        inv.hash = rng.randbytes(32)
        items.append(inv)
    m = msg_inv()
    m.inv = items
    j = {"command": "inv", "items": [{"type": i.type, "hash": i.hash.hex()} for i in items]}
    return [case("inv of five", "mainnet", m, j)[0], case("empty inv", "regtest", msg_inv(), {"command": "inv", "items": []})[0]]


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {
        "version": versions(),
        "verack": simple(msg_verack, "verack"),
        "getaddr": simple(msg_getaddr, "getaddr"),
        "ping": pings(msg_ping, "ping"),
        "pong": pings(msg_pong, "pong"),
        "addr": addrs(),
        "inv": invs(),
    }
    for name, cases in files.items():
        doc = {
            "generator": f"python3-bitcoinlib {bitcoin.__version__} (scripts/vectors/make_vectors.py)",
            "cases": cases,
        }
        path = os.path.join(OUT, f"{name}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:  # one case per line: small files, readable diffs
            f.write('{"generator": %s,\n "cases": [\n' % json.dumps(doc["generator"]))
            f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases))
            f.write("\n ]\n}\n")
        os.replace(tmp, path)
        print(f"{path}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
