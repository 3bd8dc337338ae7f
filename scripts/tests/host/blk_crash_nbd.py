# SPDX-License-Identifier: GPL-2.0
#
# nbdkit plugin for the virtbus_blk crash-consistency test
# (scripts/tests/host/blk_crash.sh): serves two raw image files as the
# exports "data" and "marks" and appends every write (with its data) and
# every flush, of both exports, to ONE log, in the order it executed
# them, before replying. A prefix of that log is a state the disks could
# have been left in by a crash; blk_crash_check.py replays prefixes.
#
#   nbdkit -U SOCKET python blk_crash_nbd.py data=IMG marks=IMG log=FILE
#
# Why one plugin and not two nbdkit processes: the order between a flush
# on the data disk and the guest's mark on the marks disk is the whole
# point, and only one serialised server sees both.
#
# Log format: the magic b"VBCRASH1", then records of a 16-byte
# little-endian header (kind b"W" or b"F", export 0 = data or 1 = marks,
# flags bit 0 = FUA, a pad byte, u64 offset, u32 length), a write's
# LENGTH bytes of data after its header.

import os
import struct

import nbdkit

API_VERSION = 2

MAGIC = b"VBCRASH1"
HEADER = struct.Struct("<cBBxQI")
EXPORTS = ("data", "marks")
FLAG_FUA = 1

images = {}
log_path = None
log_fd = None


def config(key, value):
    global log_path
    if key in EXPORTS:
        images[key] = value
    elif key == "log":
        log_path = value
    else:
        raise RuntimeError(f"unknown parameter {key}= (want data=, marks=, log=)")


def config_complete():
    global log_fd
    missing = [k for k in EXPORTS + ("log",)
               if (log_path if k == "log" else images.get(k)) is None]
    if missing:
        raise RuntimeError("missing parameter(s): " + ", ".join(k + "=" for k in missing))
    # Unbuffered: each record is in the file (the kernel's page cache)
    # before the reply goes out, and nothing is lost if nbdkit is killed.
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(log_fd, MAGIC)


def thread_model():
    # One request at a time over all connections: the log's order is
    # the order the requests took effect, and a flush's record follows
    # every write that was answered before it arrived.
    return nbdkit.THREAD_MODEL_SERIALIZE_ALL_REQUESTS


def list_exports(readonly, is_tls):
    return list(EXPORTS)


def default_export(readonly, is_tls):
    return "data"


class Handle:
    def __init__(self, name, fd):
        self.name = name
        self.index = EXPORTS.index(name)
        self.fd = fd


def open(readonly):
    name = nbdkit.export_name() or "data"
    if name not in EXPORTS:
        raise RuntimeError(f"no export {name!r} (have {', '.join(EXPORTS)})")
    flags = os.O_RDONLY if readonly else os.O_RDWR
    return Handle(name, os.open(images[name], flags))


def close(h):
    os.close(h.fd)


def get_size(h):
    return os.fstat(h.fd).st_size


def can_write(h):
    return True


def can_flush(h):
    return True


def can_fua(h):
    # Native: a FUA write reaches us flagged and is logged as such
    # (QEMU sends FUA when its cache mode is writethrough).
    return nbdkit.FUA_NATIVE


def can_multi_conn(h):
    return False


def pread(h, buf, offset, flags):
    data = os.pread(h.fd, len(buf), offset)
    if len(data) != len(buf):
        raise RuntimeError(f"{h.name}: short read at {offset}")
    buf[:] = data


def log(kind, h, flags, offset, data):
    os.write(log_fd, HEADER.pack(kind, h.index, flags, offset, len(data)) + bytes(data))


def pwrite(h, buf, offset, flags):
    if os.pwrite(h.fd, buf, offset) != len(buf):
        raise RuntimeError(f"{h.name}: short write at {offset}")
    fua = FLAG_FUA if flags & nbdkit.FLAG_FUA else 0
    log(b"W", h, fua, offset, buf)


def flush(h, flags):
    # The images are only what reads return; durability on the host is
    # not what is tested, so no fsync here.
    log(b"F", h, 0, 0, b"")
