#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/: well-formed inputs that
start each fuzz target deep inside the code. Run it after changing an
input layout (the layouts are described at the top of each fuzz_*.c)."""
import os
import struct

top = os.path.dirname(os.path.abspath(__file__))
RAM = 0x80000000


def put(name, seed, data):
    d = os.path.join(top, "corpus", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), "wb") as f:
        f.write(data)


class Ram:
    def __init__(self, size):
        self.b = bytearray(size)

    def w(self, off, fmt, *v):
        struct.pack_into("<" + fmt, self.b, off, *v)

    def desc(self, table, i, addr, ln, flags, nxt):
        self.w(table + 16 * i, "QIHH", addr, ln, flags, nxt)


NEXT, WRITE, INDIRECT = 1, 2, 4


def rings(ram, num, heads, avail=0x1000):
    ram.w(avail, "HH", 0, len(heads))
    for i, h in enumerate(heads):
        ram.w(avail + 4 + 2 * i, "H", h)


# fuzz_virtqueue: num u16, desc/avail/used u24 (offsets in RAM), flags u8.
def vq_header(num, flags):
    return struct.pack("<H", num) + (0).to_bytes(3, "little") + \
        (0x1000).to_bytes(3, "little") + (0x2000).to_bytes(3, "little") + \
        bytes([flags])


ram = Ram(0x8000)
ram.desc(0, 0, RAM + 0x4000, 64, NEXT, 1)
ram.desc(0, 1, RAM + 0x5000, 128, WRITE, 0)
ram.desc(0, 2, RAM + 0x6000, 48, INDIRECT, 0)
ram.desc(0x6000, 0, RAM + 0x4000, 16, NEXT, 1)
ram.desc(0x6000, 1, RAM + 0x5000, 16, WRITE, 0)
rings(ram, 8, [0, 2])
put("virtqueue", "direct-and-indirect", vq_header(8, 2) + bytes(ram.b))
put("virtqueue", "event-idx", vq_header(8, 3) + bytes(ram.b))
loop = Ram(0x8000)
loop.desc(0, 0, RAM + 0x4000, 64, NEXT, 1)
loop.desc(0, 1, RAM + 0x4000, 64, NEXT, 0)
rings(loop, 4, [0])
put("virtqueue", "loop", vq_header(4, 0) + bytes(loop.b))

# fuzz_blk: num_log2 u8, flags u8, seg_max-1 u8, size_max u16, max_discard-1
# u8; rings fixed at RAM+0 (desc), +0x1000 (avail), +0x2000 (used).
def blk_header(flags):
    return bytes([4, flags, 15]) + struct.pack("<H", 200) + bytes([63])


T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WZ = 0, 1, 4, 8, 11, 13
reqs = Ram(0x10000)
heads = []
slot = 0
for t, n, w in [(T_IN, 1024, True), (T_OUT, 512, False), (T_FLUSH, 0, False),
                (T_GET_ID, 20, True), (T_DISCARD, 16, False), (T_WZ, 16, False)]:
    base = 0x3000 + slot * 0x800
    reqs.w(base, "IIQ", t, 0, 2)
    if t in (T_DISCARD, T_WZ):
        reqs.w(base + 0x100, "QII", 4, 8, 1 if t == T_WZ else 0)
    d = slot * 3
    heads.append(d)
    reqs.desc(0, d, RAM + base, 16, NEXT, d + 1)
    if n:
        addr = RAM + base + 0x100
        reqs.desc(0, d + 1, addr, n, NEXT | (WRITE if w else 0), d + 2)
        reqs.desc(0, d + 2, RAM + base + 0x7f0, 1, WRITE, 0)
    else:
        reqs.desc(0, d + 1, RAM + base + 0x7f0, 1, WRITE, 0)
    slot += 1
rings(reqs, 16, heads)
put("blk", "all-types", blk_header(2 | 4 | 8) + bytes(reqs.b))
put("blk", "read-only", blk_header(1) + bytes(reqs.b))

# fuzz_image: ram size u64, initrd size u64, then the kernel file.
hdr = bytearray(64)
struct.pack_into("<IIQQQ", hdr, 0, 0x14000010, 0, 0, 0x2010000, 0xa)
hdr[56:60] = b"ARM\x64"
put("image", "debian-6.1", struct.pack("<QQ", 512 << 20, 1 << 20) + bytes(hdr) + bytes(4096))
old = bytearray(hdr)
struct.pack_into("<QQ", old, 8, 0, 0)
put("image", "pre-3.17", struct.pack("<QQ", 64 << 20, 0) + bytes(old))
put("image", "flat", struct.pack("<QQ", 128 << 20, 0) + b"\x14" * 1193)

# fuzz_run_options: NUL-separated argv.
def argv(*a):
    return b"\0".join(x.encode() for x in a)


put("run_options", "typical", argv("-k", "Image", "-i", "initrd", "-c", "2", "-m",
                                   "512", "-p", "console=ttyS0 quiet"))
put("run_options", "kvm-unit-tests", argv("--kernel", "x.flat", "--params", "a=b",
                                          "--cpus", "1", "--nodefaults", "--network",
                                          "mode=none", "--loglevel=warning"))
put("run_options", "devices", argv("-d", "disk.img,ro,direct", "--disk=b.img",
                                   "--rng", "--console", "virtio",
                                   "--virtio-transport", "mmio", "--", "cmd"))
put("run_options", "arm", argv("--irqchip=gicv3", "--pmu", "--ptrauth", "off",
                               "--sve-vls=128-256,512", "--sve-max-vl", "384",
                               "--disable-sve", "--dump-dtb", "x.dtb", "--name", "vm"))

# fuzz_sve: host set u16, then text (a SPEC or a probe document).
put("sve", "spec", struct.pack("<H", 0xf) + b"128,256-512")
put("sve", "spec-pow2", struct.pack("<H", 0xb) + b"384")
put("sve", "probe-json", struct.pack("<H", 0xf) + b"""{
  "format": "lkvm-sve-probe",
  "version": 1,
  "host": "h",
  "kernel": "6.1",
  "kvm_sve": true,
  "host_vls": [128, 256, 384, 512],
  "max_vl": 512,
  "possible_sets": ["128", "128,256"]
}
""")

# fuzz_ipc: u8 flags (bit 0: from a client), u8 read() size - 1, then the
# byte stream: 16-byte headers ("LKVM", u16 version, u16 type, u32 length,
# i32 status) and payloads (Documentation/ipc.md).
def frame(typ, payload=b"", status=0):
    return b"LKVM" + struct.pack("<HHIi", 1, typ, len(payload), status) + payload


def info(name, state=1):
    return struct.pack("<IIQQIBBH", 4242, 2, 256 << 20, 12345, 0x3, state,
                       len(name), 0) + name


def vcpu(vid, regs):
    p = struct.pack("<II", vid, len(regs))
    for rid, val, err in regs:
        p += struct.pack("<QHH", rid, len(val), err) + val
    return p


regs = [(0x6030000000100000, bytes(range(8)), 0),
        (0x6080000000150000, bytes(range(32)), 0),
        (0x606000000015ffff, bytes([3]) + bytes(63), 0),
        (0x603000000013c008, b"", 22)]
put("ipc", "requests", b"\x01\x00" + frame(0x01) + frame(0x06, b"h") + frame(0x05))
put("ipc", "dump", b"\x00\x07" + frame(0x81, info(b"vm-1")) +
    frame(0x83, vcpu(0, regs)) + frame(0x83, vcpu(1, regs[:2])) + frame(0x84))
put("ipc", "replies", b"\x00\xff" + frame(0x82, bytes([2, 1, 0, 0])) +
    frame(0x85, b"the VM stopped", -108))
