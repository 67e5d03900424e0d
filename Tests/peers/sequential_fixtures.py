"""Makes the sequential-JPEG fixtures of the fast Huffman decoder (Sources/CJPEGDecode/fast_entropy.c)
with independent encoders, each one's decode by djpeg at 1/1, 1/2, 1/4 and 1/8 as the reference, and
damaged copies on which the fast decoder must give up (and the decode come out as libjpeg's).

  sequential_fixtures.py OUTDIR [--small]     writes the files and OUTDIR/manifest.json

--small makes every file 96 x 64 instead (the fuzz target's seeds: scripts/fuzz.sh).

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
  seq-pillow                  Pillow (its own libjpeg-turbo), quality 95, 4:2:0
  seq-cmyk                    Pillow, CMYK with an Adobe APP14 (four components, no reference)
  seq-multiscan               cjpeg -scans: one sequential scan per component (left to libjpeg)
  seq-arithmetic              cjpeg -arithmetic (left to libjpeg)
  seq-tiny                    17 x 9, 4:2:0 (one partial MCU)
  bad-cut                     seq-420 cut at 60% of its bytes (truncated)
  bad-garbage-before-restart  seq-restart-rows with two bytes before its third RSTn
  bad-restart-order           seq-restart-rows with its third RSTn renumbered
  bad-fill-ff                 seq-420 with an FF FF 00 for a stuffed FF 00 (libjpeg reads one FF)
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
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

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


def picture(width, height, seed=1):
    """Gradients, rings and fine noise: detail in every frequency band, so every block has AC data."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rng = np.random.default_rng(seed)
    r = 128 + 100 * np.sin(x / 7) * np.cos(y / 11)
    g = 255 * x / max(1, width - 1)
    b = 255 * y / max(1, height - 1)
    rings = 60 * np.sin(np.hypot(x - width / 2, y - height / 2) / 5)
    noise = rng.normal(0, 12, (height, width, 3))
    rgb = np.stack([r + rings, g, b - rings], axis=-1) + noise
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def run(*args):
    return subprocess.run([str(arg) for arg in args], check=True, stdout=subprocess.PIPE).stdout


def read_pnm(data):
    """A binary PPM (P6) or PGM (P5) from djpeg: (channels, width, height, samples)."""
    fields = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position)
            continue
        start = position
        while not data[position:position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    assert fields[0] in (b"P5", b"P6") and fields[3] == b"255", fields
    channels = 3 if fields[0] == b"P6" else 1
    width, height = int(fields[1]), int(fields[2])
    samples = data[position + 1:position + 1 + width * height * channels]
    assert len(samples) == width * height * channels
    return channels, width, height, samples


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
            channels, width, height, samples = read_pnm(run("djpeg", "-scale", f"1/{scale}", "-pnm", path))
            assert (width, height) == (-(-image.width // scale), -(-image.height // scale)), (name, scale, width, height)
            array = np.frombuffer(samples, np.uint8).reshape(height, width, channels)
            if channels == 3:
                array = np.dstack([array, np.full((height, width), 255, np.uint8)])
            reference = f"{name}.{scale}.raw"
            with open(os.path.join(out, reference), "wb") as handle:
                handle.write(np.ascontiguousarray(array).tobytes())
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
add("seq-optimized", run("cjpeg", "-quality", "90", "-optimize", "-sample", "2x2", source), fast=True)
restart_rows = run("cjpeg", "-quality", "90", "-sample", "2x2", "-restart", "1", source)
assert len(restart_markers(restart_rows)) >= 3
add("seq-restart-rows", restart_rows, fast=True)
restart_mcus = run("cjpeg", "-quality", "90", "-sample", "2x1", "-restart", "3B", source)
assert len(restart_markers(restart_mcus)) > 8  # the numbering wraps
add("seq-restart-mcus", restart_mcus, fast=True)

pillow_path = os.path.join(work, "pillow.jpg")
picture(WIDTH, HEIGHT, seed=5).save(pillow_path, quality=95, subsampling=2)
with open(pillow_path, "rb") as handle:
    add("seq-pillow", handle.read(), fast=True)

cmyk_path = os.path.join(work, "cmyk.jpg")
rgb = np.asarray(picture(WIDTH, HEIGHT, seed=4)).astype(np.int32)
k = 255 - rgb.max(axis=2)
cmyk = np.dstack([255 - rgb[..., 0] - k, 255 - rgb[..., 1] - k, 255 - rgb[..., 2] - k, k]).clip(0, 255).astype(np.uint8)
Image.fromarray(cmyk, "CMYK").save(cmyk_path, quality=90)
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

# Damage: the fast decoder declines each of these, and the decode is then libjpeg's own.
base = files["420"]
start, end = entropy_data(base)
add("bad-cut", base[:len(base) * 6 // 10], fast=False, references=False)
third = restart_markers(restart_rows)[2]
add("bad-garbage-before-restart", restart_rows[:third] + b"\x12\x34" + restart_rows[third:], fast=False, references=False)
renumbered = bytearray(restart_rows)
renumbered[third + 1] = 0xD0 + (renumbered[third + 1] - 0xD0 + 3) % 8
add("bad-restart-order", bytes(renumbered), fast=False, references=False)
stuffed = base.index(b"\xff\x00", (start + end) // 2)
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
