#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The checker of the virtbus_blk crash-consistency test
# (scripts/tests/host/blk_crash.sh). It replays the log that
# blk_crash_nbd.py kept of the guest's disks up to many points, each a
# state a crash could have left the disks in, and checks at each one
# that the ext4 file system is consistent and that every promise the
# guest's kernel had made by then holds: each file whose fsync (and its
# directory's) had returned is there with its data.
#
#   blk_crash_check.py BASE LOG [-j N] [--seed S]
#       check: every flush, some points between flushes, the end;
#       and each flush with the writes after it lost from the disk's
#       cache. Exit 0 if all hold, 1 if not (each failure names its
#       point).
#   blk_crash_check.py BASE LOG --self-check
#       plant a loss (leave out one write of a file's data that came
#       before the flush its mark relies on) and check the point after
#       the mark: exit 0 only if the loss is reported there, and if a
#       replay as if the disk had never flushed reports a loss too.
#   blk_crash_check.py BASE LOG --image-at POINT OUT
#       write the data disk as it was at POINT (before any journal
#       recovery), to look at a failure with debugfs or e2fsck.
#
# BASE is the data disk's image before the guest booted (the host made
# the file system). A replay point P is the state after the first P
# records of the log. The guest's marks (see scripts/guest/blk_crash.sh)
# are in the log too: the expectations at P are those of the marks
# among the first P records.
#
# A point is checked on a copy of the replayed image: "e2fsck -E
# journal_only -y" (what a mount would do: replay the journal), then
# "e2fsck -fn" must exit 0, and debugfs dumps the files (no loop
# mount: the machine may have no loop devices) to compare with the
# bytes the guest wrote, which are computed here from the marks.

import argparse
import concurrent.futures
import mmap
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

MAGIC = b"VBCRASH1"
HEADER = struct.Struct("<cBBxQI")
DATA, MARKS = 0, 1
FLAG_FUA = 1
MARK = 4096     # a mark is one block of the marks disk


class Record:
    __slots__ = ("kind", "export", "flags", "offset", "length", "pos")

    def __init__(self, kind, export, flags, offset, length, pos):
        self.kind, self.export, self.flags = kind, export, flags
        self.offset, self.length, self.pos = offset, length, pos


def read_log(path):
    f = open(path, "rb")
    buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if buf[:len(MAGIC)] != MAGIC:
        sys.exit(f"{path}: not a crash-test log (no {MAGIC.decode()} magic)")
    recs = []
    pos = len(MAGIC)
    while pos < len(buf):
        if pos + HEADER.size > len(buf):
            sys.exit(f"{path}: truncated record header at byte {pos}")
        kind, export, flags, offset, length = HEADER.unpack_from(buf, pos)
        pos += HEADER.size
        if kind not in (b"W", b"F") or export > MARKS:
            sys.exit(f"{path}: bad record {kind!r}/{export} at byte {pos - HEADER.size}")
        if kind == b"W" and pos + length > len(buf):
            sys.exit(f"{path}: truncated write data at byte {pos}")
        recs.append(Record(kind, export, flags, offset, length, pos))
        if kind == b"W":
            pos += length
    return buf, recs


def stream(fid, gen, a, b):
    """Bytes [a, b) of stream (fid, gen), as the guest's gen() makes them."""
    out = []
    k = a // 64
    while k * 64 < b:
        line = ("virtbus crash file %d gen %d line %d" % (fid, gen, k)).ljust(63) + "\n"
        s = a - k * 64 if k * 64 < a else 0
        e = b - k * 64 if (k + 1) * 64 > b else 64
        out.append(line[s:e])
        k += 1
    return "".join(out).encode()


class Marks:
    """The guest's promises, mark by mark: expect[path] is the durable
    content of each file, pending[path] a change under way."""

    def __init__(self):
        self.expect = {}    # path -> (fid, bytes)
        # path -> [WRITES, "A", new] / [WRITES, "O", new, a, b] /
        # [WRITES, "R", newpath]: WRITES counts the data disk's writes
        # before the intent; until the next one, nothing has changed.
        self.pending = {}
        self.texts = []     # every mark so far
        self.count = 0
        self.last = None    # the last mark's text
        self.end = None     # (files, changes) from the E mark

    def apply(self, text, where, writes=0):
        w = text.split()
        if len(w) < 3 or w[0] != "VBMARK":
            raise ValueError(f"{where}: not a mark: {text!r}")
        seq, op, args = int(w[1]), w[2], w[3:]
        if seq < self.count and self.texts[seq] == text:
            return      # written again with its page: nothing new
        if seq != self.count:
            raise ValueError(f"{where}: mark {seq} where mark {self.count} was due")
        self.texts.append(text)
        self.count += 1
        self.last = text
        if op == "N":
            path, fid, gen, size = args[0], int(args[1]), int(args[2]), int(args[3])
            self.expect[path] = (fid, stream(fid, gen, 0, size))
        elif op == "A":
            path, gen, size = args[0], int(args[1]), int(args[2])
            fid, old = self.expect[path]
            self.pending[path] = [writes, "A", old + stream(fid, gen, len(old), size)]
        elif op == "O":
            path, gen, a, b = args[0], int(args[1]), int(args[2]), int(args[3])
            fid, old = self.expect[path]
            self.pending[path] = [writes, "O", old[:a] + stream(fid, gen, a, b) + old[b:], a, b]
        elif op == "R":
            self.pending[args[0]] = [writes, "R", args[1]]
        elif op == "D":
            path = args[0]
            for p, ch in self.pending.items():
                if p == path and ch[1] != "R":
                    self.expect[p] = (self.expect[p][0], ch[2])
                    break
                if ch[1] == "R" and ch[2] == path:
                    self.expect[path] = self.expect.pop(p)
                    break
            else:
                raise ValueError(f"{where}: mark D {path} with no change under way")
            del self.pending[p]
        elif op == "E":
            self.end = (int(args[0]), int(args[1]))
        else:
            raise ValueError(f"{where}: unknown mark {op!r}")

    def snapshot(self, writes):
        """What a point after WRITES writes of the data disk must show,
        frozen: (path, rule, args) tuples. A change announced but not
        begun (no write since its intent) leaves its file as it was."""
        out = []
        for path, (fid, data) in self.expect.items():
            ch = self.pending.get(path)
            if ch is None or ch[0] == writes:
                out.append((path, "exact", data))
            elif ch[1] == "A":
                out.append((path, "prefix", data))
            elif ch[1] == "O":
                out.append((path, "outside", data, ch[3], ch[4]))
            else:
                out.append((path, "either", data, ch[2]))
        return out


def marks_in(buf, rec, where):
    """The mark texts a write to the marks disk carries, one per block."""
    out = []
    if rec.offset % MARK or rec.length % MARK:
        raise ValueError(f"{where}: a write of {rec.length} bytes at {rec.offset} to the "
                         f"marks disk, not of whole {MARK}-byte marks")
    for off in range(0, rec.length, MARK):
        blk = bytes(buf[rec.pos + off:rec.pos + off + MARK])
        if blk.startswith(b"VBMARK "):
            out.append(blk.decode("ascii", "replace").strip())
        elif blk.strip(b"\0"):
            raise ValueError(f"{where}: block {(rec.offset + off) // MARK} "
                             f"of the marks disk holds no mark: {blk[:40]!r}")
    return out


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode, p.stdout.decode(errors="replace")


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        if a[i:i + 4096] != b[i:i + 4096]:
            for j in range(i, min(i + 4096, n)):
                if a[j] != b[j]:
                    return j
    return n


def describe(got, want, at=0):
    """Why GOT is not WANT, for a failure message."""
    if got is None:
        return "missing"
    if len(got) != len(want):
        d = first_diff(got, want)
        return f"{len(got)} bytes, want {len(want)}" + \
            (f", and they differ from byte {d}" if d < min(len(got), len(want)) else "")
    d = first_diff(got, want)
    if d >= len(got):
        return "equal"
    return f"differs from byte {at + d}: {got[d:d + 40]!r}, want {want[d:d + 40]!r}"


def judge(rule, got, args):
    """None if a file's content keeps its promise, else why not."""
    want = args[0]
    if rule == "exact":
        return None if got == want else describe(got, want)
    if rule == "prefix":
        # Being appended to: what was durable before stays.
        if got is not None and len(got) >= len(want) and got[:len(want)] == want:
            return None
        return "being appended to, and the durable part is lost: " + \
            describe(None if got is None else got[:len(want)], want)
    if rule == "outside":
        # Being overwritten in [a, b): the rest stays, and the size.
        a, b = args[1], args[2]
        if got is not None and len(got) == len(want) and got[:a] == want[:a] and \
           got[b:] == want[b:]:
            return None
        if got is None or len(got) != len(want):
            return f"being overwritten in [{a}, {b}): " + describe(got, want)
        if got[:a] != want[:a]:
            return f"being overwritten in [{a}, {b}): " + describe(got[:a], want[:a])
        return f"being overwritten in [{a}, {b}): " + describe(got[b:], want[b:], b)
    raise AssertionError(rule)


class Checker:
    def __init__(self, buf, recs, base, work, jobs):
        self.buf, self.recs, self.base, self.work = buf, recs, base, work
        self.jobs = jobs

    def check_point(self, img, slot_dir, expect):
        """The failures at one replayed image (which this modifies)."""
        rc, out = run(["e2fsck", "-E", "journal_only", "-y", img])
        if rc >= 4:
            return [f"journal recovery failed: e2fsck -E journal_only exit {rc}: "
                    + " | ".join(out.strip().splitlines()[-5:])]
        rc, out = run(["e2fsck", "-fn", img])
        if rc != 0:
            lines = [ln for ln in out.splitlines() if ln.strip()]
            return [f"inconsistent: e2fsck -fn exit {rc}: " + " | ".join(lines[:12])]
        # Every file a promise is about, dumped in one debugfs run.
        paths = []
        for e in expect:
            paths.append(e[0])
            if e[1] == "either":
                paths.append(e[3])
        cmds = os.path.join(slot_dir, "cmds")
        outdir = os.path.join(slot_dir, "files")
        shutil.rmtree(outdir, ignore_errors=True)
        os.mkdir(outdir)
        with open(cmds, "w") as f:
            for i, p in enumerate(paths):
                f.write(f"dump {p} {outdir}/{i}\n")
        rc, out = run(["debugfs", "-f", cmds, img])
        if rc != 0:
            return [f"debugfs exit {rc}: {out[-300:]}"]
        got = {}
        for i, p in enumerate(paths):
            try:
                with open(f"{outdir}/{i}", "rb") as f:
                    got[p] = f.read()
            except FileNotFoundError:
                got[p] = None
        bad = []
        for e in expect:
            path, rule = e[0], e[1]
            if rule == "either":
                want, new = e[2], e[3]
                if got[path] != want and got[new] != want:
                    bad.append(f"{path}: being renamed to {new}, and neither has its "
                               f"data: {path} {describe(got[path], want)}, "
                               f"{new} {describe(got[new], want)}")
                continue
            why = judge(rule, got[path], e[2:])
            if why:
                bad.append(f"{path}: {why}")
        return bad

    def same_disk_until(self, point, drop=None):
        """The longest prefix with the data disk as at POINT."""
        while point < len(self.recs):
            r = self.recs[point]
            if point != drop and r.kind == b"W" and r.export == DATA:
                break
            point += 1
        return point

    def replay(self, points, drop=None, keep_end=None, lost_cache=False,
               ignore_flushes=False):
        """Replay the log, checking at each point in POINTS (record
        counts); DROP: a record index left out. Returns (checked,
        failures, marks), failures as (point, [why...], note).

        A point is checked as the longest prefix with the same data
        disk: up to the next write of the data disk. That state is a
        crash state too, its promises include the point's (marks only
        add promises or make them stricter, and a change announced
        with no write since leaves its file as it was), and points
        that share a disk state are then checked once.

        LOST_CACHE: a crash also loses what sat in the disk's write
        cache, any of the writes since the last flush; a prefix keeps
        them all. So the data disk as at each flush is also checked
        against the promises made up to the next flush: the writes
        after the flush all lost. A driver that drops or shortcuts a
        flush fails here, even though every write reached the server
        in order. The start counts as a flush: the base image.
        IGNORE_FLUSHES: as if the data disk had had no flush at all."""
        stats = {"checked": 0}
        self.cache_checked = 0
        marks = Marks()
        wimg = os.path.join(self.work, "work.img")
        sparse_copy(self.base, wimg)
        wfd = os.open(wimg, os.O_RDWR)
        free = []
        for s in range(self.jobs + 2):
            d = os.path.join(self.work, f"slot{s}")
            os.makedirs(d, exist_ok=True)
            free.append(d)
        pool = concurrent.futures.ThreadPoolExecutor(self.jobs)
        running = {}
        failures = []
        nwrites = 0

        def collect(block):
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED if block
                else concurrent.futures.ALL_COMPLETED)
            for fut in done:
                point, slot, note = running.pop(fut)
                free.append(slot)
                bad = fut.result()
                stats["checked"] += 1
                if bad:
                    failures.append((point, bad, note))

        def check_at(slot, expect):
            return self.check_point(os.path.join(slot, "img"), slot, expect)

        def take_slot():
            while not free:
                collect(True)
            return free.pop()

        n = len(self.recs)
        targets = {self.same_disk_until(p, drop) for p in points}
        flushes = [i for i, r in enumerate(self.recs)
                   if r.kind == b"F" and r.export == DATA and not ignore_flushes]
        flush_set = set(flushes)
        # The flushes whose next flush comes after promises that the
        # prefix check of the flush's own disk state did not see.
        cache_checks = set()
        if lost_cache:
            for f, nxt in zip([0] + flushes, flushes + [n]):
                w = self.same_disk_until(f, drop)
                # A FUA write is durable cache or not: where one is, the
                # model of "all lost" does not apply, so no check.
                span = [self.recs[j] for j in range(w, nxt) if self.recs[j].kind == b"W"]
                if any(r.export == MARKS for r in span) and \
                   not any(r.export == DATA and r.flags & FLAG_FUA for r in span):
                    cache_checks.add(f)
        saved = None    # (slot, flush index, writes by then)
        for i in range(n + 1):
            at_flush = i in flush_set
            if saved and (at_flush or i == n) and not failures:
                slot, f, w0 = saved
                note = (f" with the {nwrites - w0} data writes after it lost, held to the "
                        f"promises made up to record {i}")
                fut = pool.submit(check_at, slot, marks.snapshot(nwrites))
                running[fut] = (f + 1 if f in flush_set else f, slot, note)
                saved = None
                self.cache_checked += 1
            # Check the state after the first I records.
            if i in targets and not failures:
                slot = take_slot()
                sparse_copy(wimg, os.path.join(slot, "img"))
                fut = pool.submit(check_at, slot, marks.snapshot(nwrites))
                running[fut] = (i, slot, "")
            if i in cache_checks and not failures:
                slot = take_slot()
                sparse_copy(wimg, os.path.join(slot, "img"))
                saved = (slot, i, nwrites)
            if i == n:
                break
            rec = self.recs[i]
            if i == drop or rec.kind != b"W":
                continue
            if rec.export == DATA:
                os.pwrite(wfd, self.buf[rec.pos:rec.pos + rec.length], rec.offset)
                nwrites += 1
            else:
                for text in marks_in(self.buf, rec, f"record {i + 1}"):
                    marks.apply(text, f"record {i + 1}", nwrites)
        if running:
            collect(False)
        pool.shutdown()
        os.close(wfd)
        if keep_end:
            sparse_copy(wimg, keep_end)
        failures.sort()
        return stats["checked"], failures, marks


def sparse_copy(src, dst):
    """Copy SRC to DST, holes as holes: the images are mostly empty, and
    a point costs a copy."""
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        size = os.fstat(fi.fileno()).st_size
        fo.truncate(size)
        pos = 0
        while pos < size:
            try:
                data = os.lseek(fi.fileno(), pos, os.SEEK_DATA)
            except OSError:
                break   # only a hole is left
            hole = os.lseek(fi.fileno(), data, os.SEEK_HOLE)
            off = data
            while off < hole:
                n = min(hole - off, 1 << 22)
                try:
                    n = os.copy_file_range(fi.fileno(), fo.fileno(), n, off, off)
                except OSError:
                    # Across file systems (the base in /tmp, the copies
                    # in /dev/shm): by hand.
                    n = os.pwrite(fo.fileno(), os.pread(fi.fileno(), n, off), off)
                off += n
            pos = hole


def describe_point(recs, point):
    """A replay point in words: where it is among the flushes."""
    last, n = None, 0
    for i in range(point):
        if recs[i].kind == b"F":
            last, n = i + 1, n + 1
    what = f"replay point {point} (after record {point} of {len(recs)}, "
    if last == point:
        return what + f"at flush #{n})"
    if last is None:
        return what + f"{point} records before the first flush)"
    return what + f"{point - last} records after flush #{n} at record {last})"


def choose_points(recs, seed):
    """Every flush, one point between flushes in a quarter of the gaps
    that hold two writes of the data disk or more (after one of them
    but the last, chosen by SEED), and the end."""
    rng = random.Random(seed)
    flushes = [i + 1 for i, r in enumerate(recs) if r.kind == b"F"]
    points = set(flushes)
    points.add(len(recs))
    prev = 0
    between = 0
    for f in flushes + [len(recs)]:
        gap = [i + 1 for i in range(prev, f - 1)
               if recs[i].kind == b"W" and recs[i].export == DATA]
        if len(gap) >= 2 and rng.random() < 0.25:
            points.add(rng.choice(gap[:-1]))
            between += 1
        prev = f
    return sorted(points), len(flushes), between


def block_size(base):
    with open(base, "rb") as f:
        f.seek(1024)
        sb = f.read(1024)
    if struct.unpack_from("<H", sb, 56)[0] != 0xEF53:
        sys.exit(f"{base}: no ext4 superblock")
    return 1024 << struct.unpack_from("<I", sb, 24)[0]


def self_check(chk, recs, buf):
    """Leave out the last write of one file's data before the mark that
    promised it, and demand that the checker reports that loss at the
    point after the mark."""
    # The marks and where they are; the files made once and never changed.
    marks = Marks()
    where = []
    for i, rec in enumerate(recs):
        if rec.kind == b"W" and rec.export == MARKS:
            for text in marks_in(buf, rec, f"record {i + 1}"):
                marks.apply(text, f"record {i + 1}")
                where.append((i, text.split()))
    touched = set()
    for _, w in where:
        if w[2] in ("A", "O", "R"):
            touched.add(w[3])
    cands = [(i, w) for i, w in where
             if w[2] == "N" and int(w[6]) >= 8192 and w[3] not in touched]
    if not cands:
        print("self-check: no file of two blocks or more that stayed unchanged")
        return 1
    mi, w = cands[len(cands) // 2]
    path = w[3]
    final = os.path.join(chk.work, "final.img")
    chk.replay([], keep_end=final)
    rc, out = run(["debugfs", "-R", f"blocks {path}", final])
    blocks = [int(b) for b in out.split() if b.isdigit()]
    if rc != 0 or not blocks:
        print(f"self-check: debugfs found no blocks for {path}: {out[-200:]}")
        return 1
    # A block of the file written once before the mark: without that
    # write it holds what the base image has there, zeroes, for sure.
    bs = block_size(chk.base)
    writers = {b: [] for b in blocks}
    for i in range(mi):
        r = recs[i]
        if r.kind != b"W" or r.export != DATA:
            continue
        for b in range(r.offset // bs, (r.offset + r.length + bs - 1) // bs):
            if b in writers:
                writers[b].append(i)
    once = [w[0] for w in writers.values() if len(w) == 1]
    if not once:
        print(f"self-check: no block of {path} was written just once before its mark")
        return 1
    drop = once[0]
    point = chk.same_disk_until(mi + 1, drop)
    r = recs[drop]
    print(f"self-check: leaving out record {drop + 1} (a {r.length}-byte write at "
          f"byte {r.offset}, part of {path}'s data), before the mark at record "
          f"{mi + 1} that promises {path}")
    _, failures, _ = chk.replay([point], drop=drop)
    for p, bad, _ in failures:
        for why in bad:
            print(f"self-check: reported: LOSS at {describe_point(recs, p)}: {why}")
    if not any(p == point and any(why.startswith(path + ":") for why in bad)
               for p, bad, _ in failures):
        print(f"self-check FAILED: the checker did not report the planted loss of {path} "
              f"at replay point {point}")
        return 1
    print(f"self-check: the planted loss of {path} was reported at replay point {point}")

    # A disk that never flushed: what its cache held is all lost.
    print("self-check: replaying as if the data disk had had no flush")
    _, failures, _ = chk.replay([], lost_cache=True, ignore_flushes=True)
    if not failures:
        print("self-check FAILED: with no flush, the checker reported no loss")
        return 1
    p, bad, note = failures[0]
    print(f"self-check: reported: LOSS at {describe_point(recs, p)}{note}: {bad[0]}"
          + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
    return 0


def main():
    ap = argparse.ArgumentParser(description="Replay a crash-test log and check every promise.")
    ap.add_argument("base", help="the data disk's image before the guest ran")
    ap.add_argument("log", help="the log blk_crash_nbd.py wrote")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="points checked at once")
    ap.add_argument("--seed", type=int, default=1202, help="for the points between flushes")
    ap.add_argument("--self-check", action="store_true",
                    help="plant a loss and require that it is reported")
    ap.add_argument("--image-at", nargs=2, metavar=("POINT", "OUT"),
                    help="write the data disk at POINT to OUT")
    ap.add_argument("--work", help="scratch directory (default: one in /dev/shm or TMPDIR)")
    a = ap.parse_args()
    t0 = time.monotonic()

    buf, recs = read_log(a.log)
    tmproot = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="virtbus-crash-", dir=a.work or tmproot) as work:
        chk = Checker(buf, recs, a.base, work, max(1, a.jobs))
        if a.image_at:
            point = int(a.image_at[0])
            if not 0 <= point <= len(recs):
                sys.exit(f"--image-at: the log has records 1 to {len(recs)}")
            chk.recs = recs[:point]
            chk.replay([], keep_end=a.image_at[1])
            print(f"{a.image_at[1]}: the data disk at {describe_point(recs, point)}")
            return 0
        if a.self_check:
            return self_check(chk, recs, buf)

        writes = [r for r in recs if r.kind == b"W"]
        flushes = [r for r in recs if r.kind == b"F"]
        nflush_data = sum(1 for r in flushes if r.export == DATA)
        fua = sum(1 for r in writes if r.flags & FLAG_FUA)
        if nflush_data == 0:
            print("FAIL: no flush of the data disk in the log: QEMU did not pass the "
                  "guest's flushes on, so nothing was tested")
            return 1
        points, nflush, between = choose_points(recs, a.seed)
        checked, failures, marks = chk.replay(points, lost_cache=True)
        print(f"log: {len(recs)} records: {len(writes)} writes "
              f"({sum(r.length for r in writes) >> 10} KiB, {fua} FUA), "
              f"{len(flushes)} flushes ({nflush_data} of the data disk); "
              f"{marks.count} marks")
        print(f"replay points: {len(points)} ({nflush} flushes, {between} between "
              f"flushes, the end) in {checked - chk.cache_checked} disk states, each "
              f"checked once (a point is checked up to the next write of the data disk); "
              f"{chk.cache_checked} flushes checked again with the writes after them lost "
              f"(where promises came after such writes); "
              f"{time.monotonic() - t0:.1f}s")
        if marks.end is None:
            failures.append((len(recs), [f"the workload never finished: its last mark "
                                         f"was {marks.last!r}"], ""))
        elif len(marks.expect) != marks.end[0]:
            failures.append((len(recs), [f"{len(marks.expect)} files promised at the "
                                         f"end, the workload wrote {marks.end[0]}"], ""))
        if not failures:
            print(f"ok: {len(marks.expect)} files, {marks.end[1]} changes; every promise "
                  f"held at every point")
            return 0
        for point, bad, note in failures[:5]:
            kind = "INCONSISTENT" if any(w.startswith(("inconsistent", "journal")) for w in bad) \
                else "LOSS"
            print(f"{kind} at {describe_point(recs, point)}{note}:")
            for why in bad[:10]:
                print(f"  {why}")
            if len(bad) > 10:
                print(f"  ... and {len(bad) - 10} more")
        if len(failures) > 5:
            print(f"... and failures at {len(failures) - 5} more points")
        print(f"to look at the first: {sys.argv[0]} {a.base} {a.log} --image-at "
              f"{failures[0][0]} OUT.img")
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, KeyError, IndexError) as e:
        # A mark that makes no sense: the marks disk is not what the
        # workload wrote, which is a failure too, not a crash here.
        print(f"FAIL: the guest's marks do not add up: {e}")
        sys.exit(1)
