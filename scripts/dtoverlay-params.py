#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Apply Raspberry Pi dtoverlay parameters to a compiled overlay (.dtbo).

The Pi firmware (and the dtoverlay/dtmerge tools, which Debian does not ship)
applies "dtoverlay=NAME,param=value" by patching the overlay blob according to
its /__overrides__ node before merging it into the base tree. fdtoverlay knows
nothing about __overrides__, so the tests use this script first:

    dtoverlay-params.py IN.dtbo OUT.dtbo d0_pin=4 devname=pbus1
    fdtoverlay -i base.dtb -o out.dtb OUT.dtbo

Supported override forms, as implemented by the firmware's dtoverlay.c:
  <&label>,"prop"          string: the whole property becomes the value
                           ("status" maps y/yes/on/true/enable/1 -> okay and
                           n/no/off/false/0 -> disabled; "name" renames the node;
                           "bootargs" appends)
  <&label>,"prop.N"        8-bit integer at byte offset N
  <&label>,"prop;N"        16-bit integer at byte offset N
  <&label>,"prop:N"        32-bit integer at byte offset N
  <&label>,"prop#N"        64-bit integer at byte offset N
  <&label>,"prop?"         boolean: present (true) or deleted (false)
  <0>,"+F-G=H!I"           fragment F on, G off, H follows the value, I inverse
Integers accept C notation (0x..) and y/yes/on/true/down=1, n/no/off/false=0,
up=2. A too short integer target is zero-extended (but "reg" is never created:
it is a pseudo-property; patching reg at offset 0 also rewrites the unit
address of the node name). Literal assignments ("prop:0=5") and
<&label>,"prop" integer-list forms of newer firmware are not supported and are
reported as errors. Unknown parameters are an error (the firmware only warns).

Pure Python (no libfdt binding needed).
"""
import struct
import sys

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


class Node:
    def __init__(self, name):
        self.name = name
        self.props = []  # list of [name, bytes]
        self.children = []

    def get(self, name):
        for p in self.props:
            if p[0] == name:
                return p[1]
        return None

    def set(self, name, val):
        for p in self.props:
            if p[0] == name:
                p[1] = val
                return
        self.props.append([name, val])

    def delete(self, name):
        self.props = [p for p in self.props if p[0] != name]

    def child(self, name):
        for c in self.children:
            if c.name == name:
                return c
        return None

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class Fdt:
    def __init__(self, blob):
        hdr = struct.unpack_from(">10I", blob, 0)
        (magic, _total, off_struct, off_strings, off_rsv, version, _last,
         self.boot_cpuid, size_strings, size_struct) = hdr
        if magic != FDT_MAGIC:
            raise ValueError("not a flattened device tree (bad magic)")
        if version < 16:
            raise ValueError("FDT version %d not supported" % version)
        # memory reservation map, up to the terminating 0/0 entry
        self.rsv = []
        off = off_rsv
        while True:
            addr, size = struct.unpack_from(">QQ", blob, off)
            off += 16
            if addr == 0 and size == 0:
                break
            self.rsv.append((addr, size))
        strings = blob[off_strings:off_strings + size_strings]

        def string_at(o):
            end = strings.index(b"\0", o)
            return strings[o:end].decode()

        off = off_struct
        end_struct = off_struct + size_struct
        stack = []
        self.root = None
        while off < end_struct:
            (tok,) = struct.unpack_from(">I", blob, off)
            off += 4
            if tok == FDT_BEGIN_NODE:
                end = blob.index(b"\0", off)
                node = Node(blob[off:end].decode())
                off = (end + 1 + 3) & ~3
                if stack:
                    stack[-1].children.append(node)
                else:
                    self.root = node
                stack.append(node)
            elif tok == FDT_END_NODE:
                stack.pop()
            elif tok == FDT_PROP:
                length, nameoff = struct.unpack_from(">II", blob, off)
                off += 8
                stack[-1].props.append([string_at(nameoff), bytes(blob[off:off + length])])
                off = (off + length + 3) & ~3
            elif tok == FDT_NOP:
                continue
            elif tok == FDT_END:
                break
            else:
                raise ValueError("bad FDT token 0x%x at 0x%x" % (tok, off - 4))

    def to_bytes(self):
        strings = bytearray()
        string_off = {}
        struct_blk = bytearray()

        def name_off(name):
            if name not in string_off:
                string_off[name] = len(strings)
                strings.extend(name.encode() + b"\0")
            return string_off[name]

        def pad4(buf):
            while len(buf) % 4:
                buf.append(0)

        def emit(node):
            struct_blk.extend(struct.pack(">I", FDT_BEGIN_NODE))
            struct_blk.extend(node.name.encode() + b"\0")
            pad4(struct_blk)
            for name, val in node.props:
                struct_blk.extend(struct.pack(">III", FDT_PROP, len(val), name_off(name)))
                struct_blk.extend(val)
                pad4(struct_blk)
            for c in node.children:
                emit(c)
            struct_blk.extend(struct.pack(">I", FDT_END_NODE))

        emit(self.root)
        struct_blk.extend(struct.pack(">I", FDT_END))
        rsv = b"".join(struct.pack(">QQ", a, s) for a, s in self.rsv) + struct.pack(">QQ", 0, 0)
        off_rsv = 40
        off_struct = off_rsv + len(rsv)
        off_strings = off_struct + len(struct_blk)
        total = off_strings + len(strings)
        hdr = struct.pack(">10I", FDT_MAGIC, total, off_struct, off_strings, off_rsv,
                          17, 16, self.boot_cpuid, len(strings), len(struct_blk))
        return hdr + rsv + bytes(struct_blk) + bytes(strings)

    def path_of(self, target):
        def find(node, path):
            if node is target:
                return path
            for c in node.children:
                r = find(c, (path.rstrip("/") + "/" + c.name))
                if r:
                    return r
            return None
        return find(self.root, "/")

    def rename(self, node, new):
        """Rename a node and keep the overlay's own path references valid.

        The firmware resolves __fixups__/__local_fixups__ before it applies
        parameters; fdtoverlay resolves them afterwards, so the paths stored
        in __fixups__, __local_fixups__ and __symbols__ must follow."""
        old_path = self.path_of(node)
        node.name = new
        new_path = self.path_of(node)
        if old_path == new_path:
            return

        def moved(path):
            if path == old_path or path.startswith(old_path + "/"):
                return new_path + path[len(old_path):]
            return path

        fix = self.root.child("__fixups__")
        for p in (fix.props if fix else []):
            refs = [r for r in p[1].decode().split("\0") if r]
            out = []
            for r in refs:
                path, colon, rest = r.partition(":")
                out.append(moved(path) + colon + rest)
            p[1] = ("\0".join(out) + "\0").encode()
        sym = self.root.child("__symbols__")
        for p in (sym.props if sym else []):
            p[1] = (moved(p[1].rstrip(b"\0").decode()) + "\0").encode()
        lf = self.root.child("__local_fixups__")
        if lf is not None:
            cur = lf
            for part in old_path.strip("/").split("/"):
                cur = cur.child(part) if cur is not None else None
            if cur is not None:
                cur.name = new

    def by_phandle(self, ph):
        for n in self.root.walk():
            for pname in ("phandle", "linux,phandle"):
                v = n.get(pname)
                if v is not None and len(v) == 4 and struct.unpack(">I", v)[0] == ph:
                    return n
        return None


class ParamError(Exception):
    pass


TRUE_WORDS = ("y", "yes", "on", "true", "down")
FALSE_WORDS = ("n", "no", "off", "false")


def parse_int(value):
    try:
        return int(value, 0)
    except ValueError:
        pass
    # strtoull(..., 0) also takes leading-zero octal such as "010"
    if len(value) > 1 and value[0] == "0" and value.isdigit():
        return int(value, 8)
    if value in TRUE_WORDS:
        return 1
    if value in FALSE_WORDS:
        return 0
    if value == "up":
        return 2
    raise ParamError("invalid integer value '%s'" % value)


def split_override(data):
    """Yield (phandle, target-string) pairs of one __overrides__ property."""
    off = 0
    while off < len(data):
        if len(data) - off < 6:
            raise ParamError("override data truncated")
        (ph,) = struct.unpack_from(">I", data, off)
        off += 4
        end = data.index(b"\0", off)
        yield ph, data[off:end].decode()
        off = end + 1


def apply_one(fdt, ph, target, value):
    if ph == 0:  # overlay-wide: fragment switches
        ival = parse_int(value)
        i = 0
        while i < len(target):
            kind = target[i]
            j = i + 1
            while j < len(target) and target[j].isdigit():
                j += 1
            if kind not in "+-=!" or j == i + 1:
                raise ParamError("invalid fragment override '%s'" % target)
            frag = int(target[i + 1:j])
            active = (kind == "+" or (kind == "=" and ival != 0) or (kind == "!" and ival == 0))
            fnode = fdt.root.child("fragment@%d" % frag) or fdt.root.child("fragment-%d" % frag)
            if fnode is None:
                raise ParamError("fragment %d not found" % frag)
            want, other = ("__overlay__", "__dormant__") if active else ("__dormant__", "__overlay__")
            sub = fnode.child(other)
            if sub is not None:
                sub.name = want
            i = j
        return
    node = fdt.by_phandle(ph)
    if node is None:
        raise ParamError("phandle %d not found" % ph)
    if "=" in target:
        raise ParamError("literal assignment '%s' not supported" % target)
    seps = ".;:#?"
    cut = min([target.index(c) for c in seps if c in target] or [len(target)])
    prop = target[:cut]
    if cut == len(target):  # string override
        sval = value
        if prop == "status":
            if value in ("y", "yes", "on", "true", "enable", "1"):
                sval = "okay"
            elif value in ("n", "no", "off", "false", "0"):
                sval = "disabled"
        if prop == "name":
            fdt.rename(node, sval)
        elif prop == "bootargs" and node.get(prop) not in (None, b"", b"\0"):
            node.set(prop, node.get(prop)[:-1] + b" " + sval.encode() + b"\0")
        else:
            node.set(prop, sval.encode() + b"\0")
        return
    sep = target[cut]
    if sep == "?":
        if parse_int(value):
            node.set(prop, b"")
        else:
            node.delete(prop)
        return
    size = {".": 1, ";": 2, ":": 4, "#": 8}[sep]
    try:
        toff = int(target[cut + 1:], 0)
    except ValueError:
        raise ParamError("bad offset in '%s'" % target)
    ival = parse_int(value) & ((1 << (8 * size)) - 1)
    cur = node.get(prop)
    buf = bytearray(cur if cur is not None else b"")
    if len(buf) < toff + size:
        if prop == "reg":
            buf = None  # pseudo-property: never created or extended
        else:
            buf.extend(b"\0" * (toff + size - len(buf)))
    if buf is not None:
        buf[toff:toff + size] = ival.to_bytes(size, "big")
        node.set(prop, bytes(buf))
    if prop == "reg" and toff == 0 and "@" in node.name:
        fdt.rename(node, "%s@%x" % (node.name.split("@")[0], ival & 0xFFFFFFFF))


def apply_params(fdt, params):
    ovr = fdt.root.child("__overrides__")
    if ovr is None:
        raise ParamError("overlay has no /__overrides__ node")
    for p in params:
        name, eq, value = p.partition("=")
        data = ovr.get(name)
        if data is None:
            raise ParamError("unknown parameter '%s'" % name)
        if not eq:
            value = "true"  # a bare "param" reads as "param=true"
        if len(data) == 0:
            continue
        for ph, target in split_override(data):
            apply_one(fdt, ph, target, value)


def main(argv):
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nusage: %s IN.dtbo OUT.dtbo [param[=value] ...]\n"
              "       %s --list IN.dtbo" % (argv[0], argv[0]))
        return 0
    if len(argv) == 3 and argv[1] == "--list":
        fdt = Fdt(open(argv[2], "rb").read())
        ovr = fdt.root.child("__overrides__")
        for name, data in (ovr.props if ovr else []):
            targets = ", ".join("<%d>,\"%s\"" % t for t in split_override(data))
            print("%-20s %s" % (name, targets))
        return 0
    if len(argv) < 3:
        print("usage: %s IN.dtbo OUT.dtbo [param[=value] ...] (see --help)" % argv[0],
              file=sys.stderr)
        return 2
    try:
        fdt = Fdt(open(argv[1], "rb").read())
        apply_params(fdt, argv[3:])
    except (ParamError, ValueError, OSError) as e:
        print("%s: %s" % (argv[0], e), file=sys.stderr)
        return 1
    with open(argv[2], "wb") as f:
        f.write(fdt.to_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
