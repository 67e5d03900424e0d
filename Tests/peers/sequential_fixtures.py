"""Makes the sequential-JPEG fixtures of the fast Huffman decoder (Sources/CJPEGDecode/fast_entropy.c)
with independent encoders, each one's decode by djpeg at 1/1, 1/2, 1/4 and 1/8 as the reference, and
damaged copies on which the fast decoder must give up (and the decode come out as libjpeg's).

  sequential_fixtures.py OUTDIR [--small]     writes the files and OUTDIR/manifest.json

--small makes the 1203 x 803 files 96 x 64 instead (the fuzz target's seeds: scripts/fuzz.sh).

The manifest is imaging_fixtures.py's: each entry {"name", "file", "width", "height", "channels"}
with the full size; and "references": {"1": file, "2": ..., "4": ..., "8": ...}, raw 8-bit RGBA
(alpha 255) or gray, row-major, as `djpeg -scale 1/D` decodes the file (the same libjpeg-turbo, its
defaults: islow IDCT, fancy upsampling), or none (CMYK: djpeg writes no CMYK; the damaged files).
"fast_entropy": whether the fast decoder takes the file to its end (true), or must leave it to
libjpeg's (false: several scans, arithmetic coding, every damaged file), or either (null: damage
that still parses).

The files, all 1203 x 803 (partial blocks and MCUs on both edges) unless named otherwise:
  seq-{420,422,444,440,411}   cjpeg -quality 90 at each sampling
  seq-gray                    cjpeg -grayscale
  seq-q100                    cjpeg -quality 100 (large coefficients: codes with many extra bits)
  seq-optimized               cjpeg -optimize (the file's own Huffman tables: codes up to 16 bits)
  seq-restart-rows            cjpeg -restart 1 (an RSTn marker after every MCU row)
  seq-restart-mcus            cjpeg -restart 3B (after every 3 MCUs: the 0-7 numbering wraps often)
  seq-restart-fill            seq-restart-rows with a fill byte 0xFF before every RSTn (T.81 B.1.1.2)
  seq-pillow                  Pillow (its own libjpeg-turbo), quality 95, 4:2:0
  seq-cmyk                    Pillow, CMYK with an Adobe APP14 (four components, no reference)
  seq-multiscan               cjpeg -scans: one sequential scan per component (left to libjpeg)
  seq-arithmetic              cjpeg -arithmetic (left to libjpeg)
  seq-tiny                    17 x 9, 4:2:0 (one partial MCU; the same with --small)
  seq-crafted                 64 x 16 grey, written here symbol by symbol with tables of its own: a zero
                              run past coefficient 63, ZRLs past it, a run with size 0 (read as EOB),
                              15-bit coefficients, 16-bit codes, DC sums past 32767 (libjpeg wraps them)
  bad-cut                     seq-420 cut at 60% of its bytes (truncated)
  bad-garbage-before-restart  seq-restart-rows with two bytes before its third RSTn
  bad-restart-order           seq-restart-rows with its third RSTn renumbered
  bad-fill-ff                 seq-420 with an FF FF 00 for a stuffed FF 00 (not T.81; libjpeg-turbo
                              reads it one way or another depending on where it falls)
  bad-marker-inside           seq-420 with a COM segment in the middle of its entropy-coded data
  bad-flip-{1..8}             seq-420 and seq-restart-mcus with one byte of their data changed

The tools, and what provides each:
  cjpeg, djpeg                Debian package libjpeg-turbo-progs (libjpeg-turbo 2.1.5)
  PIL                         pip package Pillow
  numpy                       pip package numpy
"""
import json
import os
import random
import shutil
import sys
import tempfile

from PIL import Image

from jpeg_tools import cmyk_picture, djpeg_reference, picture, run

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
work_directory = tempfile.TemporaryDirectory(prefix="sequential-fixtures-")  # removed at exit
work = work_directory.name

for tool in ("cjpeg", "djpeg"):
    if not shutil.which(tool):
        sys.exit(f"sequential_fixtures.py: {tool} is missing (Debian package libjpeg-turbo-progs)")

WIDTH, HEIGHT = (96, 64) if "--small" in sys.argv[2:] else (1203, 803)
SCALES = (1, 2, 4, 8)


def add(name, data, fast, references=True):
    file = name + ".jpg"
    path = os.path.join(out, file)
    with open(path, "wb") as handle:
        handle.write(data)
    image = Image.open(path)
    entry = {"name": name, "file": file, "width": image.width, "height": image.height,
             "channels": 1 if image.mode == "L" else 4, "fast_entropy": fast, "references": None}
    if references:
        entry["references"] = {}
        for scale in SCALES:
            samples, size = djpeg_reference(path, scale)
            assert size == (-(-image.width // scale), -(-image.height // scale)), (name, scale, size)
            reference = f"{name}.{scale}.raw"
            with open(os.path.join(out, reference), "wb") as handle:
                handle.write(samples)
            entry["references"][str(scale)] = reference
    manifest.append(entry)


def entropy_data(data):
    """The (start, end) of the first scan's entropy-coded data: after its SOS header, up to the first
    marker that is not a stuffed 00 or an RSTn."""
    position = 2
    while True:
        assert data[position] == 0xFF, position
        marker = data[position + 1]
        length = data[position + 2] << 8 | data[position + 3]
        if marker == 0xDA:
            start = position + 2 + length
            end = start
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
            return start, end
        position += 2 + length


def max_code_length(data):
    """The longest Huffman code of the file's DHT segments."""
    longest, position = 0, 2
    while data[position + 1] != 0xDA:
        length = data[position + 2] << 8 | data[position + 3]
        if data[position + 1] == 0xC4:
            table = position + 4
            while table < position + 2 + length:
                counts = data[table + 1:table + 17]
                longest = max([longest] + [i + 1 for i, count in enumerate(counts) if count])
                table += 17 + sum(counts)
        position += 2 + length
    return longest


class BitWriter:
    """Entropy-coded data: bits most significant first, 0xFF stuffed with 0x00, padded with 1s."""

    def __init__(self):
        self.bytes, self.value, self.count = bytearray(), 0, 0

    def put(self, value, bits):
        for bit in range(bits - 1, -1, -1):
            self.value = self.value << 1 | (value >> bit) & 1
            self.count += 1
            if self.count == 8:
                self.bytes.append(self.value)
                if self.value == 0xFF:
                    self.bytes.append(0)
                self.value, self.count = 0, 0

    def finish(self):
        while self.count:
            self.put(1, 1)
        return bytes(self.bytes)


def canonical_codes(lengths):
    """T.81 annex C: {symbol: (code, length)} from [(symbol, length)] sorted by length."""
    codes, code, previous = {}, 0, lengths[0][1]
    for symbol, length in lengths:
        code <<= length - previous
        previous = length
        codes[symbol] = (code, length)
        code += 1
    return codes


def dht(table_class, number, lengths):
    counts = [sum(1 for _, length in lengths if length == bits) for bits in range(1, 17)]
    body = bytes([table_class << 4 | number] + counts + [symbol for symbol, _ in lengths])
    return b"\xff\xc4" + (2 + len(body)).to_bytes(2, "big") + body


def crafted():
    """A 64 x 16 grey baseline JPEG (16 blocks) whose symbols are chosen one by one: what a decoder
    must read as libjpeg does although no encoder writes it."""
    dc_lengths = [(0, 3), (1, 3), (3, 3), (4, 3), (15, 3)]
    ac_lengths = [(symbol, 4) for symbol in (0x00, 0xF0, 0x01, 0x02, 0x11, 0x21, 0xF1, 0x20, 0x0A, 0x0F, 0x05, 0x31, 0x13, 0x41)]
    ac_lengths += [(0x12, 16), (0x03, 16)]
    dc, ac = canonical_codes(dc_lengths), canonical_codes(ac_lengths)
    writer = BitWriter()

    def symbol(codes, value):
        writer.put(*codes[value])

    def extra(value, size):
        writer.put(value if value >= 0 else value + (1 << size) - 1, size)

    def block(difference, coefficients):
        size = abs(difference).bit_length()
        symbol(dc, size)
        if size:
            extra(difference, size)
        for run_size, value in coefficients:
            assert abs(value).bit_length() == run_size & 15, (run_size, value)
            symbol(ac, run_size)
            if run_size & 15:
                extra(value, run_size & 15)

    blocks = [
        (5, [(0x01, 1), (0x11, -1), (0x00, 0)]),
        (32767, [(0xF0, 0)] * 3 + [(0xF1, 1)]),                    # a run past 63: stored at 63, no EOB
        (32767, [(0x01, 1), (0x20, 0)]),                          # size 0, run 2: an EOB
        (-30000, [(0xF0, 0)] * 4),                                  # ZRLs past 63
        (1, [(0x0F, -20000), (0x0F, 16384), (0x0A, 1000), (0x00, 0)]),
        (-1, [(0x12, -3), (0x03, 5), (0x41, 1), (0x31, -1), (0x00, 0)]),   # 16-bit codes
        (11, [(0x05, 31), (0x21, -1), (0x13, 4), (0x02, 2), (0x00, 0)]),
        (15, [(0xF0, 0), (0xF0, 0), (0xF0, 0), (0x0A, 700), (0x00, 0)]),
    ]
    for index in range(16):
        block(*blocks[index % len(blocks)])
    data = writer.finish()
    frame = bytes([8, 0, 16, 0, 64, 1, 1, 0x11, 0])
    scan = bytes([1, 1, 0x00, 0, 63, 0])
    return (b"\xff\xd8" + b"\xff\xdb\x00\x43\x00" + bytes([1] * 64)
            + b"\xff\xc0" + (2 + len(frame)).to_bytes(2, "big") + frame
            + dht(0, 0, dc_lengths) + dht(1, 0, ac_lengths)
            + b"\xff\xda" + (2 + len(scan)).to_bytes(2, "big") + scan + data + b"\xff\xd9")


def restart_markers(data):
    start, end = entropy_data(data)
    return [i for i in range(start, end - 1) if data[i] == 0xFF and 0xD0 <= data[i + 1] <= 0xD7]


source = os.path.join(work, "source.ppm")
picture(WIDTH, HEIGHT).save(source)
gray_source = os.path.join(work, "gray.pgm")
picture(WIDTH, HEIGHT, seed=2).convert("L").save(gray_source)
tiny_source = os.path.join(work, "tiny.ppm")
picture(17, 9, seed=3).save(tiny_source)

files = {}
for sampling, factors in [("420", "2x2"), ("422", "2x1"), ("444", "1x1"), ("440", "1x2"), ("411", "4x1")]:
    files[sampling] = run("cjpeg", "-quality", "90", "-sample", factors, source)
    add("seq-" + sampling, files[sampling], fast=True)
add("seq-gray", run("cjpeg", "-quality", "90", "-grayscale", gray_source), fast=True)
add("seq-q100", run("cjpeg", "-quality", "100", "-sample", "2x2", source), fast=True)
optimized = run("cjpeg", "-quality", "90", "-optimize", "-sample", "2x2", source)
assert WIDTH < 1000 or max_code_length(optimized) > 11, max_code_length(optimized)  # past the one-lookup codes
add("seq-optimized", optimized, fast=True)
restart_rows = run("cjpeg", "-quality", "90", "-sample", "2x2", "-restart", "1", source)
assert len(restart_markers(restart_rows)) >= 3
add("seq-restart-rows", restart_rows, fast=True)
restart_mcus = run("cjpeg", "-quality", "90", "-sample", "2x1", "-restart", "3B", source)
assert len(restart_markers(restart_mcus)) > 8  # the numbering wraps
add("seq-restart-mcus", restart_mcus, fast=True)
filled = bytearray(restart_rows)
for position in reversed(restart_markers(restart_rows)):
    filled[position:position] = b"\xff"
add("seq-restart-fill", bytes(filled), fast=True)

pillow_path = os.path.join(work, "pillow.jpg")
picture(WIDTH, HEIGHT, seed=5).save(pillow_path, quality=95, subsampling=2)
with open(pillow_path, "rb") as handle:
    add("seq-pillow", handle.read(), fast=True)

cmyk_path = os.path.join(work, "cmyk.jpg")
cmyk_picture(WIDTH, HEIGHT, seed=4).save(cmyk_path, quality=90)
with open(cmyk_path, "rb") as handle:
    cmyk_data = handle.read()
assert b"Adobe" in cmyk_data
add("seq-cmyk", cmyk_data, fast=True, references=False)

script = os.path.join(work, "scans.txt")
with open(script, "w") as handle:
    handle.write("0;\n1;\n2;\n")
multiscan = run("cjpeg", "-quality", "90", "-scans", script, source)
assert multiscan.count(b"\xff\xda") == 3 and b"\xff\xc0" in multiscan
add("seq-multiscan", multiscan, fast=False)
arithmetic = run("cjpeg", "-quality", "90", "-arithmetic", source)
assert b"\xff\xc9" in arithmetic  # SOF9
add("seq-arithmetic", arithmetic, fast=False)
add("seq-tiny", run("cjpeg", "-quality", "90", "-sample", "2x2", tiny_source), fast=True)
add("seq-crafted", crafted(), fast=True)

# Damage: the fast decoder declines each of these, and the decode is then libjpeg's own.
base = files["420"]
start, end = entropy_data(base)
add("bad-cut", base[:len(base) * 6 // 10], fast=False, references=False)
third = restart_markers(restart_rows)[2]
add("bad-garbage-before-restart", restart_rows[:third] + b"\x12\x34" + restart_rows[third:], fast=False, references=False)
renumbered = bytearray(restart_rows)
renumbered[third + 1] = 0xD0 + (renumbered[third + 1] - 0xD0 + 3) % 8
add("bad-restart-order", bytes(renumbered), fast=False, references=False)
stuffed = base.index(b"\xff\x00", start)
add("bad-fill-ff", base[:stuffed] + b"\xff" + base[stuffed:], fast=False, references=False)
middle = (start + end) // 2
while base[middle - 1] == 0xFF or base[middle] == 0xFF:
    middle += 1
add("bad-marker-inside", base[:middle] + b"\xff\xfe\x00\x07thumb" + base[middle:], fast=False, references=False)
generator = random.Random(19)
for number in range(1, 9):
    data = bytearray(base if number <= 4 else restart_mcus)
    first, last = entropy_data(bytes(data))
    position = generator.randrange(first, last)
    data[position] ^= 1 << generator.randrange(8)
    add(f"bad-flip-{number}", bytes(data), fast=None, references=False)

with open(os.path.join(out, "manifest.json"), "w") as handle:
    json.dump(manifest, handle, indent=1)
