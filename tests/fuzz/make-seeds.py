#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/: well-formed inputs that
start each fuzz target deep inside the code, and the regression inputs in
tests/fuzz/regressions/ that were written by hand rather than found. Run
it after changing an input layout (the layouts are described at the top
of each fuzz_*.c)."""
import os
import struct

top = os.path.dirname(os.path.abspath(__file__))
RAM = 0x80000000


def put(name, seed, data, kind="corpus"):
    d = os.path.join(top, kind, name)
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


# The racing guest's script (tests/fuzz/fuzz_race.h): u16 length, then
# ops: u8 action | kind << 4, u8 times - 1, the action's payload.
SKIP, ADD, HERE, AT = range(4)
ANY, AVAIL_IDX, AVAIL_RING, DESC, INDIRECT_DESC, EVENT, BUFFER = range(7)


def race(*ops):
    b = b"".join(ops)
    return struct.pack("<H", len(b)) + b


def op(action, kind, times, payload=b""):
    return bytes([action | kind << 4, times - 1]) + payload


def skip(kind=ANY, times=1):
    return op(SKIP, kind, times)


def add(kind, delta, times=1):
    return op(ADD, kind, times, struct.pack("<H", delta & 0xffff))


def here(kind, at, data, times=1):
    return op(HERE, kind, times, bytes([at, len(data)]) + data)


def at(offset, data, kind=ANY, times=1):
    return op(AT, kind, times, offset.to_bytes(3, "little") +
              bytes([len(data)]) + data)


def desc_bytes(addr, ln, flags, nxt):
    return struct.pack("<QIHH", addr, ln, flags, nxt)


NO_RACE = race()

# fuzz_virtqueue: num u16, desc/avail/used u24 (offsets in RAM), flags u8,
# the race script, RAM.
def vq_header(num, flags, script=NO_RACE):
    return struct.pack("<H", num) + (0).to_bytes(3, "little") + \
        (0x1000).to_bytes(3, "little") + (0x2000).to_bytes(3, "little") + \
        bytes([flags]) + script


ram = Ram(0x8000)
ram.desc(0, 0, RAM + 0x4000, 64, NEXT, 1)
ram.desc(0, 1, RAM + 0x5000, 128, WRITE, 0)
ram.desc(0, 2, RAM + 0x6000, 48, INDIRECT, 0)
ram.desc(0x6000, 0, RAM + 0x4000, 16, NEXT, 1)
ram.desc(0x6000, 1, RAM + 0x5000, 16, WRITE, 0)
rings(ram, 8, [0, 2])
put("virtqueue", "direct-and-indirect", vq_header(8, 2) + bytes(ram.b))
put("virtqueue", "event-idx", vq_header(8, 3) + bytes(ram.b))
# The guest keeps the index moving and turns a descriptor into a loop
# and an indirect table into a nested one while they are walked.
put("virtqueue", "race-index-and-descriptors", vq_header(8, 6, race(
    add(AVAIL_IDX, 1, 6),
    here(DESC, 8, struct.pack("<IHH", 64, NEXT, 0), 2),
    here(INDIRECT_DESC, 12, struct.pack("<H", INDIRECT)),
    at(0x6010, desc_bytes(RAM + 0x6000, 32, INDIRECT, 0), DESC))) +
    bytes(ram.b))
loop = Ram(0x8000)
loop.desc(0, 0, RAM + 0x4000, 64, NEXT, 1)
loop.desc(0, 1, RAM + 0x4000, 64, NEXT, 0)
rings(loop, 4, [0])
put("virtqueue", "loop", vq_header(4, 0) + bytes(loop.b))

# fuzz_blk: num_log2 u8, flags u8, seg_max-1 u8, size_max u16, max_discard-1
# u8, the race script; RAM with the rings fixed at RAM+0 (desc), +0x1000
# (avail), +0x2000 (used).
def blk_header(flags, script=NO_RACE):
    return bytes([4, flags, 15]) + struct.pack("<H", 200) + bytes([63]) + \
        script


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
# The header's type and the discard segments change as they are copied.
put("blk", "race-header-and-segments", blk_header(2 | 4 | 8, race(
    skip(BUFFER, 2), here(BUFFER, 0, struct.pack("<I", T_WZ)),
    here(BUFFER, 8, struct.pack("<I", 0xffffffff), 3))) + bytes(reqs.b))

# The rings of a queue of num entries back to back from RAM offset at,
# as fuzz_rings() in fuzz_ram.h places them: (desc, avail, used, end).
def rings_at(at, num):
    used = (at + 6 + 2 * num + 3) & ~3
    desc = (used + 6 + 8 * num + 15) & ~15
    return desc, at, used, desc + 16 * num


# A queue at RAM offset at with descriptors descs (addr, len, flags, next)
# and heads offered.
def queue(ram, at, num, descs, heads):
    d, a, _, _ = rings_at(at, num)
    for i, x in enumerate(descs):
        ram.desc(d, i, *x)
    rings(ram, num, heads, a)


# RAM beyond the input reads as zeroes.
def trim(ram):
    return bytes(ram.b).rstrip(b"\0")


# fuzz_net_rx: flags u8 (mergeable, EVENT_IDX, INDIRECT), num_log2 u8,
# frames - 1 u8, each frame u16 length + u8 n + n pattern bytes; the race
# script; RAM (64 KiB at least) with the rings from offset 0.
MRG, EVT, IND = 1, 2, 4


def net_frame(ln, pattern):
    return struct.pack("<HB", ln, len(pattern)) + pattern


def rx_ram(sizes, offered=None):
    r = Ram(0x10000)
    queue(r, 0, len(sizes), [(RAM + 0x2000 + 0x800 * i, size, WRITE, 0)
                             for i, size in enumerate(sizes)],
          list(range(offered or len(sizes))))
    return trim(r)


ETH = b"\xff" * 6 + b"\x02\x15\x15\x15\x15\x15\x08\x00"
put("net_rx", "mergeable", bytes([MRG | EVT, 4, 1]) +
    net_frame(1514, ETH + bytes(range(48))) + net_frame(60, ETH) + NO_RACE +
    rx_ram([2048] * 2 + [600] * 14))
put("net_rx", "one-buffer-each", bytes([EVT, 3, 2]) + net_frame(60, ETH) +
    net_frame(1514, ETH + b"\x45") + net_frame(4000, ETH) + NO_RACE +
    rx_ram([1526] * 8))
# A header buffer, then small ones; the guest posts one more at each look
# while the frame is placed, and the frame just fits the queue's size.
put("net_rx", "race-small-buffers", bytes([MRG, 3, 0]) +
    net_frame(96, ETH + b"\x5a") + race(add(AVAIL_IDX, 1, 5)) +
    rx_ram([12] + [16] * 7, 4))
# Issue 11: with mergeable buffers, a guest that keeps moving avail->idx
# while a frame is placed got more than 256 chains popped for it, and
# net_rx_put() wrote past its scratch arrays (a 12-byte header buffer,
# then 1-byte ones, the index moved at each look).
mrg = Ram(0x10000)
queue(mrg, 0, 256, [(RAM + 0x8000, 12, WRITE, 0)] +
      [(RAM + 0x8010 + i, 1, WRITE, 0) for i in range(1, 256)], [0])
for i in range(256):
    mrg.w(rings_at(0, 256)[1] + 4 + 2 * i, "H", i)
put("net_rx", "mrg-rxbuf-more-chains-than-the-queue", bytes([MRG, 8, 0]) +
    net_frame(600, ETH) + race(*[add(AVAIL_IDX, 1, 256)] * 2) + trim(mrg),
    "regressions")

# fuzz_net_tx: flags u8 (CSUM, HOST_TSO4, HOST_TSO6, EVENT_IDX, INDIRECT),
# num_log2 u8, the race script; RAM (64 KiB at least) with the rings from
# offset 0.
def tx_ram(frames):
    r = Ram(0x10000)
    descs = []
    for i, (hdr, frame) in enumerate(frames):
        base = 0x100 + 0x100 * i
        r.b[base:base + len(hdr)] = hdr
        r.b[base + 0x10:base + 0x10 + len(frame)] = frame
        descs += [(RAM + base, len(hdr), NEXT, 2 * i + 1),
                  (RAM + base + 0x10, len(frame), 0, 0)]
    queue(r, 0, 8, descs, [2 * i for i in range(len(frames))])
    return trim(r)


def net_hdr(flags=0, gso=0, hdr_len=0, gso_size=0, start=0, off=0):
    return struct.pack("<BBHHHHH", flags, gso, hdr_len, gso_size, start, off, 0)


tcp = ETH + b"\x45" + bytes(40) + b"tcp payload"
plain = (net_hdr(), ETH + b"\x45" + bytes(45))
csum = (net_hdr(1, 0, 0, 0, 34, 16), tcp)
tso = (net_hdr(1, 1, 54, 1448, 34, 16), tcp)
put("net_tx", "plain-csum-tso", bytes([1 | 2 | 8, 3]) + NO_RACE +
    tx_ram([plain, csum, tso]))
# The header changes between the walk and the copy, and while copied.
put("net_tx", "race-header", bytes([1 | 2 | 8, 3]) + race(
    skip(ANY, 6), here(BUFFER, 0, bytes([0x03, 0x04]), 2)) +
    tx_ram([csum, tso]))

# fuzz_sandbox_channel: flags u8 (EVENT_IDX, INDIRECT, stdin, kicks as
# QueueNotify writes), num_log2 u8, [u8 n + n bytes of stdin], u8 k + k
# kicks (queue numbers, 10 the stdin wake-up), the race script; RAM (128 KiB at least) with the ten
# queues' rings back to back from offset 0. Queues: 0/1 the status port,
# 2/3 control to/from the guest, 4/5 stdin, 6/7 stdout, 8/9 stderr.
def ctrl(port, event, value):
    return struct.pack("<IHH", port, event, value)


def channel_ram(num, stdin):
    r = Ram(0x20000)
    at = 0
    for q in range(10):
        descs = []
        if q in (0, 2, 4):
            # Receive buffers: control messages, and stdin when given.
            for i in range(num if q == 2 else 4 if q == 4 and stdin else 0):
                descs.append((RAM + 0x8000 + 0x800 * q + 0x40 * i, 0x40,
                              WRITE, 0))
        else:
            sends = {1: [b"exit 3\n"], 7: [b"hello\n", b"world\n"],
                     9: [b"warn\n"],
                     3: [ctrl(0xffffffff, 0, 1)] +
                        [ctrl(p, 3, 1) for p in range(4)] +
                        [ctrl(p, 6, 1) for p in (0, 2, 3) + ((1,) if stdin else ())]}
            for i, data in enumerate(sends.get(q, [])):
                buf = 0x1800 + 0x100 * q + 0x10 * i
                r.b[buf:buf + len(data)] = data
                descs.append((RAM + buf, len(data), 0, 0))
        queue(r, at, num, descs, list(range(len(descs))))
        at = rings_at(at, num)[3]
    return trim(r)


def kicks(*qs):
    return bytes([len(qs)]) + bytes(qs)


STDIN = b"typed input\n"
put("sandbox_channel", "session", bytes([1 | 4, 4, len(STDIN)]) + STDIN +
    kicks(3, 10, 4, 7, 9, 1) + NO_RACE + channel_ram(16, True))
put("sandbox_channel", "no-stdin", bytes([0, 4]) + kicks(3, 2, 1, 7) +
    NO_RACE + channel_ram(16, False))
# As lkvm sandbox runs it: the queue's work done by the QueueNotify write
# (one to a queue that does not exist).
put("sandbox_channel", "notify-on-vcpu", bytes([1 | 4 | 8, 4, len(STDIN)]) +
    STDIN + kicks(3, 10, 4, 7, 200, 9, 1) + NO_RACE + channel_ram(16, True))
# The guest posts more output while stdout is drained, and turns a
# control message into another as it is copied.
put("sandbox_channel", "race-output-and-control", bytes([1 | 2, 4]) +
    kicks(7, 3, 1) + race(add(AVAIL_IDX, 1, 2), skip(BUFFER, 2),
                          here(BUFFER, 4, struct.pack("<H", 6))) +
    channel_ram(16, False))

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

# fuzz_sve: host set u16, then text (a SPEC, a --sets list, a probe
# document, or a run's output).
put("sve", "spec", struct.pack("<H", 0xf) + b"128,256-512")
put("sve", "spec-pow2", struct.pack("<H", 0xb) + b"384")
put("sve", "sweep-sets", struct.pack("<H", 0xf) + b"128;128-256;off;host")
put("sve", "sweep-output", struct.pack("<H", 0xf) + b"vl=128\r\n\x1b[1mok\tdone\n\n")
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

# fuzz_cpu_profile: a CPU profile or a version 2 probe document.
FEATURES = (b'{"SVE": 1, "SME": 0, "SVEver": 1, "AES": 2, "BitPerm": 1, '
            b'"BF16": 1, "B16B16": 0, "SHA3": 1, "SM4": 1, "I8MM": 1, '
            b'"F32MM": 1, "F64MM": 1}')
FEATURES_NONE = (b'{"SVE": 0, "SME": 0, "SVEver": 0, "AES": 0, "BitPerm": 0, '
                 b'"BF16": 0, "B16B16": 0, "SHA3": 0, "SM4": 0, "I8MM": 0, '
                 b'"F32MM": 0, "F64MM": 0}')
put("cpu_profile", "profile", b'{"format": "lkvm-cpu-profile", "version": 1, '
    b'"sve_vls": [128, 256, 512], "features": ' + FEATURES + b'}\n')
put("cpu_profile", "profile-off", b'{"format": "lkvm-cpu-profile", "version": 1, '
    b'"sve_vls": [], "features": ' + FEATURES_NONE + b'}\n')
put("cpu_profile", "probe-v2", b'{"format": "lkvm-sve-probe", "version": 2, '
    b'"kvm_sve": true, "host_vls": [128, 256], "id_regs": {"ID_AA64PFR0_EL1": '
    b'"0x1101000111111111"}, "features": ' + FEATURES + b'}\n')

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

# fuzz_p9: u8 flags (bit 0: read-only, bit 1: walk one name at a time),
# then messages: u8 answer room (0: msize), u16 length, the T-message.
# The share holds file, dir/, fifo, and symlinks up, abs, to_secret and
# rel_secret that lead outside it.
def s9(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def tmsg(typ, body, tag=1, size=None):
    n = 7 + len(body) if size is None else size
    return struct.pack("<IBH", n, typ, tag) + body


def msg(t, room=0):
    return struct.pack("<BH", room, len(t)) + t


NOFID = 0xffffffff
VERSION = tmsg(100, struct.pack("<I", 65536) + s9("9P2000.L"), tag=0xffff)
ATTACH = tmsg(104, struct.pack("<II", 0, NOFID) + s9("root") + s9("") +
              struct.pack("<I", 0))


def walk(fid, newfid, *names):
    return tmsg(110, struct.pack("<IIH", fid, newfid, len(names)) +
                b"".join(s9(n) for n in names))


def session(*msgs, flags=0):
    return bytes([flags]) + b"".join(msg(m) for m in (VERSION, ATTACH) + msgs)


put("p9", "read-file", session(
    walk(0, 1, "file"), tmsg(12, struct.pack("<II", 1, 0)),
    tmsg(116, struct.pack("<IQI", 1, 0, 4096)),
    tmsg(24, struct.pack("<IQ", 1, 0x7ff)), tmsg(120, struct.pack("<I", 1))))
put("p9", "create-write", session(
    walk(0, 1), tmsg(14, struct.pack("<I", 1) + s9("new") +
                     struct.pack("<III", 0o102, 0o644, 0)),
    tmsg(118, struct.pack("<IQI", 1, 0, 5) + b"hello"),
    tmsg(50, struct.pack("<II", 1, 0)),
    tmsg(26, struct.pack("<IIIIIQQQQQ", 1, 0x1 | 0x8, 0o600, 0, 0, 2,
                         0, 0, 0, 0)),
    tmsg(120, struct.pack("<I", 1))))
put("p9", "dir-ops", session(
    tmsg(72, struct.pack("<I", 0) + s9("d2") + struct.pack("<II", 0o755, 0)),
    tmsg(16, struct.pack("<I", 0) + s9("ln") + s9("file") + struct.pack("<I", 0)),
    walk(0, 2, "ln"), tmsg(22, struct.pack("<I", 2)),
    walk(0, 3, "file"), tmsg(70, struct.pack("<II", 0, 3) + s9("hard")),
    tmsg(74, struct.pack("<I", 0) + s9("hard") + struct.pack("<I", 0) + s9("moved")),
    tmsg(76, struct.pack("<I", 0) + s9("moved") + struct.pack("<I", 0)),
    tmsg(76, struct.pack("<I", 0) + s9("d2") + struct.pack("<I", 0x200)),
    walk(0, 4, "dir"), tmsg(12, struct.pack("<II", 4, 0o200000)),
    tmsg(40, struct.pack("<IQI", 4, 0, 8192)),
    tmsg(8, struct.pack("<I", 0)), tmsg(30, struct.pack("<II", 0, 5) + s9("user.x")),
    tmsg(108, struct.pack("<H", 1))))
put("p9", "escapes", session(
    walk(0, 1, "..", "..", "outside"), walk(0, 2, "up", "outside", "secret"),
    walk(0, 3, "abs"), tmsg(12, struct.pack("<II", 3, 2)),
    walk(0, 4, "to_secret"), tmsg(12, struct.pack("<II", 4, 2)),
    tmsg(26, struct.pack("<IIIIIQQQQQ", 4, 0x8, 0, 0, 0, 0, 0, 0, 0, 0)),
    walk(0, 5, "rel_secret"), tmsg(22, struct.pack("<I", 5)),
    walk(0, 6, "fifo"), tmsg(12, struct.pack("<II", 6, 0)),
    tmsg(18, struct.pack("<I", 0) + s9("dev") + struct.pack("<IIII", 0o20644, 1, 3, 0)),
    tmsg(70, struct.pack("<II", 0, 4) + s9("hl")), flags=2))
put("p9", "lying-lengths", session(
    tmsg(24, struct.pack("<IQ", 0, 0x7ff), size=4000),
    tmsg(24, struct.pack("<IQ", 0, 0x7ff), size=3),
    tmsg(104, struct.pack("<II", 7, NOFID) + b"\xff\xff"),
    tmsg(110, struct.pack("<IIH", 0, 1, 0xffff)),
    tmsg(118, struct.pack("<IQI", 0, 0, 0x100000) + b"abc"),
    tmsg(120, b""), tmsg(255, b"")) + msg(tmsg(116, struct.pack("<IQI", 0, 0, 1 << 20)), 2))
put("p9", "read-only", session(
    walk(0, 1, "file"), tmsg(12, struct.pack("<II", 1, 2)),
    tmsg(72, struct.pack("<I", 0) + s9("no") + struct.pack("<II", 0o755, 0)),
    tmsg(76, struct.pack("<I", 0) + s9("file") + struct.pack("<I", 0)),
    flags=1))


# fuzz_state: a loader byte (0 reader, 1 uart, 2 rtc, 3 transport, 4 9p),
# then a record: "LKSR" | u32 len | u16 version | u8 kind len | kind |
# u32 fields | fields (u8 key len | key | u8 type | u32 len | value) | crc.
def record(kind, version, fields):
    body = b""
    for key, val in fields:
        k = key.encode()
        if isinstance(val, int):
            body += struct.pack("<B", len(k)) + k + struct.pack("<BI", 1, 8) + struct.pack("<Q", val)
        else:
            body += struct.pack("<B", len(k)) + k + struct.pack("<BI", 2, len(val)) + val
    kb = kind.encode()
    head = b"LKSR" + struct.pack("<IHB", 0, version, len(kb)) + kb + struct.pack("<I", len(fields))
    rec = bytearray(head + body + b"\0\0\0\0")
    struct.pack_into("<I", rec, 4, len(rec))
    import zlib
    struct.pack_into("<I", rec, len(rec) - 4, zlib.crc32(bytes(rec[:-4])))
    return bytes(rec)


uart = [(k, 0) for k in ("ier", "iir_fifo", "lcr", "mcr", "lsr", "msr", "scr",
                         "dll", "dlm", "thr_empty_pending")]
put("state", "reader", b"\0" + record("k", 1, [("a", 1), ("b", b"xy")]))
put("state", "uart", b"\1" + record("uart8250", 1, uart + [("rx", b"ab"), ("rx_break", b"\0\1")]))
put("state", "rtc", b"\2" + record("pl031", 1, [("offset", 5), ("mr", 9), ("lr", 3), ("imsc", 1), ("ris", 0)]))
ports = record("virtio-ports", 1, [("nr_ports", 4), ("port_ready", 15), ("guest_open", 13),
                                    ("host_open", 15), ("pending", struct.pack("<IHHB", 1, 7, 0, 1))])
queues = []
for q in range(10):
    base = RAM + q * 0x1000
    queues += [("q%d.num" % q, 8), ("q%d.ready" % q, 1 if q < 4 else 0), ("q%d.desc" % q, base),
               ("q%d.avail" % q, base + 0x800), ("q%d.used" % q, base + 0xa00),
               ("q%d.last_avail" % q, 3), ("q%d.used_idx" % q, 3), ("q%d.signalled_used" % q, 3)]
put("state", "transport", b"\3" + record("virtio-mmio", 1, [
    ("device_id", 3), ("status", 15), ("isr", 0), ("driver_features", (1 << 32) | 2),
    ("dev_features_sel", 0), ("drv_features_sel", 1), ("queue_sel", 0), ("config_generation", 0),
    ("nr_queues", 10)] + queues + [("device", ports)]))
fids = struct.pack("<IBII", 0, 0, 0, 0) + struct.pack("<IBII", 1, 1, 2, 1) + b"f" + \
    struct.pack("<IBII", 2, 3, 0, 1) + b"d"
put("state", "p9", b"\4" + record("virtio-9p", 1, [("msize", 65536), ("devs", b""), ("fids", fids)]))


# fuzz_snapshot: a manifest as lkvm writes one.
manifest = """{
  "format": "lkvm-snapshot",
  "version": 1,
  "lkvm_version": "v1",
  "created": 1700000000,
  "name": "guest-7",
  "config": {
    "rtc": true,
    "disks": [{"path": "/img/a.raw", "ro": false, "direct": false}, {"path": "/img/b", "ro": true, "direct": true}],
    "rng": false,
    "network_none": false, "passt": "",
    "nics": ["mode=user,hostfwd=tcp:8080:80", "mode=tap,tapif=tap0,guest_mac=02:00:00:00:00:01"],
    "shares": [{"path": "/srv", "tag": "/dev/root", "ro": false, "root": true}, {"path": "/d", "tag": "kvm_9p", "ro": true, "root": false}],
    "sandbox_channel": false,
    "vcpus": 2, "ram_bytes": "0x10000000", "console": "serial"
  },
  "arch": {"irqchip": "gicv3", "ipa_bits": 40, "pmu": true, "ptrauth": true, "sve_vls": [128, 256, 512]},
  "host": {"kernel": "6.1.0-57-arm64", "sve_vls": [128, 256, 512], "id_regs": [
      {"name": "ID_AA64PFR0_EL1", "id": "0x603000000013c020", "value": "0x1101000010111111"}
  ]},
  "devices": [
    {"name": "uart8250", "mmio": "0x1000000", "size": "0x1000", "irq": 0, "state": true}
  ],
  "files": {
    "ram": {"bytes": "0x10000000", "crc32": "0x1234abcd"},
    "state": {"bytes": "0x400", "crc32": "0x00000001", "records": 4}
  }
}
"""
put("snapshot", "manifest", manifest.encode())
put("snapshot", "sandbox", manifest.replace('"sandbox_channel": false', '"sandbox_channel": true').encode())

# fuzz_migrate: a destination's stream after the handshake: the first
# byte is the read size, then frames (a zero CRC field stands for the
# right one).
def mig_frame(ftype, payload):
    return struct.pack("<IHHII", 0x474d4b4c, 1, ftype, len(payload), 0) + payload


mig = bytes([16])
mig += mig_frame(0x03, struct.pack("<Q", 3) + b"\x5a" * 4096)
mig += mig_frame(0x04, struct.pack("<QQ", 5, 4))
mig += mig_frame(0x05, b"state records" * 8)
mig += mig_frame(0x06, struct.pack("<QII", 13 * 8, 4, 0))
put("migrate", "stream", mig)
put("migrate", "abort", bytes([7]) + mig_frame(0x03, struct.pack("<Q", 0) + b"\x01" * 4096) + mig_frame(0x08, b"the source gave up"))
put("migrate", "manifest", bytes([63]) + mig_frame(0x02, manifest.replace('"lkvm-snapshot"', '"lkvm-migration"').replace('''  "files": {
    "ram": {"bytes": "0x10000000", "crc32": "0x1234abcd"},
    "state": {"bytes": "0x400", "crc32": "0x00000001", "records": 4}
  }''', '  "migration": {"page_size": 4096}').encode()))

# fuzz_sandbox_inputs: an inputs cache entry (include/lkvm/sandbox_inputs.h).
put("sandbox_inputs", "entry", b"""lkvm-sandbox-inputs 1
key 0123456789abcdef
modules 3 /guest/lib/modules/6.1.0-test
file 2049 131 33554944 1700000000 5 1700000001 999999999 /guest/Image
missing /guest/lib/modules/6.1.0-test/modules.dep
file 2049 140 4096 1700000000 0 1700000000 0 /guest/lib/modules/6.1.0-test
""")
put("sandbox_inputs", "nomodules", b"""lkvm-sandbox-inputs 1
key 00000000000000ff
nomodules
file 1 2 0 -5 0 0 0 /a path/with spaces
""")

# fuzz_ram_hot: a template's hot-blocks file after one byte choosing RAM's
# size (2 MiB << (byte % 22)).
put("ram_hot", "six", b"\x07lkvm-hot-blocks 2\nram_bytes 0x10000000\nblocks 0 1 2 4 6 8\nwritten 10831+3 10836+1 13824+17\n")
put("ram_hot", "one", b"\x00lkvm-hot-blocks 2\nram_bytes 0x200000\nblocks 0\nwritten\n")
