#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seeds for the ELF inspection harnesses (fuzz_elf, fuzz_pclntab, fuzz_ehframe, fuzz_disasm):
small ELF files laid out as the tiers read them (symbols, a Go function table, a build id, an
.eh_frame, prologues the signatures match), and the raw tables alone.
Usage: elf_seeds.py SEEDS_DIR   (writes SEEDS_DIR/fuzz_NAME/*)"""
import os
import struct
import sys

VADDR = 0x400000
SIZE = 0x2000


def elf(phdrs, shdrs=(), shstrndx=0, size=SIZE):
    """An ELF64 x86-64 header, program headers at 0x40, section headers at 0x200."""
    img = bytearray(size)
    img[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    shnum = len(shdrs) + 1 if shdrs else 0
    img[16:64] = struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, VADDR, 0x40, 0x200 if shnum else 0,
                             0, 64, 56, len(phdrs), 64, shnum, shstrndx)
    for i, (typ, flags, off, filesz, vaddr) in enumerate(phdrs):
        img[0x40 + 56 * i:0x40 + 56 * (i + 1)] = struct.pack(
            "<IIQQQQQQ", typ, flags, off, vaddr, vaddr, filesz, filesz, 0x1000 if typ == 1 else 4)
    for i, (typ, name, off, size_, link, entsize, addr) in enumerate(shdrs):
        at = 0x200 + 64 * (i + 1)
        img[at:at + 64] = struct.pack("<IIQQQQIIQQ", name, typ, 0, addr, off, size_, link, 0, 1,
                                      entsize)
    return img


def put(img, off, b):
    img[off:off + len(b)] = b


PROLOGUES = {
    # the signatures of tests/unit/tlsdb_fixture.h and OpenSSL 3.0's wrappers (test_disasm.c)
    "write": bytes.fromhex("554889e541574156534883ec184189d7"),
    "read": bytes.fromhex("554889e553504883bf9800000000742bba"),
    "write_ex": bytes.fromhex("4883ec08e887fbffff31d285c00f48c24883c408c3"),
    "go": bytes.fromhex("493b6610760e4883ec1848896c2410488d6c2410c3e800000000ebe0"),
    "internal": bytes.fromhex("415641554154c3"),
}


def sym_elf():
    shstr = b"\0.shstrtab\0.symtab\0.strtab\0.eh_frame\0"
    strtab = b"\0SSL_write\0SSL_read\0aws_lc_0_30_0_EVP_AEAD_CTX_seal\0"
    img = elf([(1, 5, 0, SIZE, VADDR), (4, 4, 0x600, 0x24, VADDR + 0x600)],
              [(3, 1, 0x800, len(shstr), 0, 0, 0),
               (2, 11, 0x900, 4 * 24, 3, 24, 0),
               (3, 19, 0xa00, len(strtab), 0, 0, 0),
               (1, 27, 0xb00, 0x40, 0, 0, VADDR + 0xb00)], shstrndx=1)
    put(img, 0x800, shstr)
    put(img, 0xa00, strtab)
    for i, (name, at) in enumerate([(1, 0x1100), (11, 0x1200), (20, 0x1300)]):
        put(img, 0x900 + 24 * (i + 1), struct.pack("<IBBHQQ", name, 0x12, 0, 1, VADDR + at, 16))
    put(img, 0x600, struct.pack("<III", 4, 20, 3) + b"GNU\0" + bytes(range(1, 21)))
    put(img, 0xb00, eh_frame(VADDR + 0xb00, VADDR + 0x1100, 0x40))
    put(img, 0x1100, PROLOGUES["write_ex"])
    put(img, 0x1200, PROLOGUES["read"])
    put(img, 0x1300, PROLOGUES["internal"])
    put(img, 0x1400, b"OPENSSL_internal\0")
    return img


def eh_frame(va, func, length):
    """A CIE (zR, pc-relative sdata4) and one FDE for [func, func + length)."""
    cie = struct.pack("<II", 16, 0) + bytes([1]) + b"zR\0" + bytes([1, 0x78, 16, 1, 0x1b, 0, 0, 0])
    field_va = va + len(cie) + 8
    fde = struct.pack("<IIiIB", 13, len(cie) + 4, func - field_va, length, 0) + bytes(3)
    return cie + fde + bytes(4)


def pclntab(text, funcs):
    """A Go 1.20 pclntab: funcs is [(name, entry offset)], the last entry the end of text."""
    names = b""
    name_offs = []
    for name, _ in funcs[:-1]:
        name_offs.append(len(names))
        names += name.encode() + b"\0"
    names_off = 72
    functab = (names_off + len(names) + 7) & ~7
    nfunc = len(funcs) - 1
    hdr = b"\xf1\xff\xff\xff\x00\x00\x01\x08" + struct.pack("<8Q", nfunc, 0, text, names_off, 0,
                                                            0, 0, functab)
    p = bytearray(hdr + names)
    p += bytes(functab - len(p))
    fbase = 8 * len(funcs)
    for i, (_, entry) in enumerate(funcs):
        p += struct.pack("<II", entry, fbase + 8 * min(i, nfunc - 1))
    for i in range(nfunc):
        p += struct.pack("<Ii", funcs[i][1], name_offs[i])
    return bytes(p)


def go_elf():
    tab = pclntab(VADDR, [("runtime.main", 0x100), ("crypto/tls.(*Conn).Write", 0x200),
                          ("crypto/tls.(*Conn).Read", 0x300), ("", 0x400)])
    img = elf([(1, 5, 0, 0x1000, VADDR), (1, 4, 0x1000, 0x1000, VADDR + 0x1000)])
    put(img, 0x200, PROLOGUES["go"])
    put(img, 0x300, PROLOGUES["write"] + b"\x90" * (0x100 - 17) + b"\xc3")
    put(img, 0x1010, b"\xff Go buildinf:")
    put(img, 0x1800, tab)
    return img, tab


def main():
    out = sys.argv[1]
    seeds = {}
    gimg, tab = go_elf()
    seeds["fuzz_elf"] = {"symbols": sym_elf(), "go": gimg}
    seeds["fuzz_pclntab"] = {"table": tab, "searched": bytes(64) + tab}
    seeds["fuzz_ehframe"] = {"cie_fde": eh_frame(0x400000, 0x401000, 0x30)}
    seeds["fuzz_disasm"] = {k: v for k, v in PROLOGUES.items()}
    for name, files in seeds.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for fname, data in files.items():
            with open(os.path.join(out, name, fname), "wb") as f:
                f.write(bytes(data))


main()
