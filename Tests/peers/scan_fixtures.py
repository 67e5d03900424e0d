"""Makes the progressive-JPEG fixtures of the 1/8 scan filter (issue 19) with independent encoders,
and each one's decode at 1/8 by djpeg as the reference.

  scan_fixtures.py OUTDIR [--small]     writes the files and OUTDIR/manifest.json

--small makes every file 96 x 64 instead (the fuzz target's seeds: scripts/fuzz.sh).

The manifest is imaging_fixtures.py's: each entry {"name", "file", "reference", "width", "height",
"channels"}, the reference raw 8-bit RGBA (channels 4) or gray (channels 1), row-major, at the 1/8
scale (width and height are the scaled size), as `djpeg -scale 1/8` decodes the file: the same
libjpeg-turbo with its defaults (islow IDCT, fancy upsampling), reading every scan. CMYK has no
reference (djpeg writes no CMYK). Extras: "skips_scans": whether a 1/8 decode has AC scans it never
reads, which the filter must leave out (true) or where it must decode the file as it is (false).

The files, all 1203 x 803 (partial blocks and MCUs on both edges) unless named otherwise:
  scan-baseline-420           cjpeg, sequential (nothing to leave out)
  scan-default-{420,422,444,440,411}   cjpeg -progressive (libjpeg's standard script) at each sampling
  scan-gray                   cjpeg -grayscale -progressive
  scan-jpegtran               jpegtran -progressive of the baseline file (the same coefficients)
  scan-sa-script              jpegtran -scans: a mozjpeg-style script with successive approximation
                              on DC and AC, AC split into bands, luma and chroma in separate scans
  scan-mozjpeg                mozjpeg (pip mozjpeg-lossless-optimization) of the baseline file
  scan-restart                cjpeg -progressive -restart 1 (RSTn markers inside every scan)
  scan-cmyk                   Pillow (its own libjpeg-turbo), CMYK, progressive, Adobe APP14
  scan-arithmetic             cjpeg -arithmetic -progressive (SOF10: decoded as it is)
  scan-appended               scan-default-420 with bytes after EOI (a phone's appended video)
  scan-tiny                   17 x 9, progressive 4:2:0 (one partial MCU row)

The tools, and what provides each:
  cjpeg, djpeg, jpegtran      Debian package libjpeg-turbo-progs (libjpeg-turbo 2.1.5)
  mozjpeg_lossless_optimization   pip package mozjpeg-lossless-optimization (mozjpeg's jpegtran)
  PIL                         pip package Pillow
  numpy                       pip package numpy
"""
import json
import os
import shutil
import sys
import tempfile

from PIL import Image

from jpeg_tools import cmyk_picture, djpeg_reference, picture, run

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
work_directory = tempfile.TemporaryDirectory(prefix="scan-fixtures-")  # removed at exit
work = work_directory.name

for tool in ("cjpeg", "djpeg", "jpegtran"):
    if not shutil.which(tool):
        sys.exit(f"scan_fixtures.py: {tool} is missing (Debian package libjpeg-turbo-progs)")
try:
    import mozjpeg_lossless_optimization
except ImportError:
    sys.exit("scan_fixtures.py: mozjpeg_lossless_optimization is missing (pip package mozjpeg-lossless-optimization)")

WIDTH, HEIGHT = (96, 64) if "--small" in sys.argv[2:] else (1203, 803)


def add(name, data, skips, reference=True):
    file = name + ".jpg"
    path = os.path.join(out, file)
    with open(path, "wb") as handle:
        handle.write(data)
    entry = {"name": name, "file": file, "reference": None, "skips_scans": skips}
    image = Image.open(path)
    entry["width"] = (image.width + 7) // 8
    entry["height"] = (image.height + 7) // 8
    entry["channels"] = 1 if image.mode == "L" else 4
    if reference:
        samples, size = djpeg_reference(path, 8)
        assert size == (entry["width"], entry["height"]), (name, size)
        with open(os.path.join(out, name + ".raw"), "wb") as handle:
            handle.write(samples)
        entry["reference"] = name + ".raw"
    manifest.append(entry)


def scans(data):
    """The (Ns, Ss, Se, Ah, Al) of each SOS in the file, to check that a fixture is what it claims."""
    found = []
    position = 2
    while position + 4 <= len(data):
        assert data[position] == 0xFF, position
        marker = data[position + 1]
        if marker == 0xD9:
            break
        length = data[position + 2] << 8 | data[position + 3]
        if marker == 0xDA:
            count = data[position + 4]
            tail = data[position + 5 + 2 * count:position + 8 + 2 * count]
            found.append((count, tail[0], tail[1], tail[2] >> 4, tail[2] & 15))
            position += 2 + length
            while not (data[position] == 0xFF and data[position + 1] not in (0x00, *range(0xD0, 0xD8))):
                position += 1
        else:
            position += 2 + length
    return found


source = os.path.join(work, "source.ppm")
picture(WIDTH, HEIGHT).save(source)
gray_source = os.path.join(work, "gray.pgm")
picture(WIDTH, HEIGHT, seed=2).convert("L").save(gray_source)
tiny_source = os.path.join(work, "tiny.ppm")
picture(17, 9, seed=3).save(tiny_source)

baseline = run("cjpeg", "-quality", "90", "-sample", "2x2", source)
assert all(scan[1:] == (0, 63, 0, 0) for scan in scans(baseline))
add("scan-baseline-420", baseline, skips=False)

for sampling, factors in [("420", "2x2"), ("422", "2x1"), ("444", "1x1"), ("440", "1x2"), ("411", "4x1")]:
    data = run("cjpeg", "-quality", "90", "-progressive", "-sample", factors, source)
    assert len(scans(data)) == 10, scans(data)  # libjpeg's standard script for three components
    add("scan-default-" + sampling, data, skips=True)

gray = run("cjpeg", "-quality", "90", "-grayscale", "-progressive", gray_source)
assert len(scans(gray)) == 6, scans(gray)
add("scan-gray", gray, skips=True)

baseline_path = os.path.join(work, "baseline.jpg")
with open(baseline_path, "wb") as handle:
    handle.write(baseline)
add("scan-jpegtran", run("jpegtran", "-progressive", baseline_path), skips=True)

# A mozjpeg-style script (its jcparam.c "jpeg_search_progression" candidates): DC with successive
# approximation, luma AC in two bands with two refinements, each chroma's AC on its own.
script = os.path.join(work, "scans.txt")
with open(script, "w") as handle:
    handle.write("""
0,1,2: 0-0, 0, 1 ;
0: 1-2, 0, 2 ;
0: 3-63, 0, 2 ;
1: 1-63, 0, 1 ;
2: 1-63, 0, 1 ;
0: 1-63, 2, 1 ;
0,1,2: 0-0, 1, 0 ;
1: 1-63, 1, 0 ;
2: 1-63, 1, 0 ;
0: 1-63, 1, 0 ;
""")
sa = run("jpegtran", "-scans", script, baseline_path)
assert any(scan[3] > 0 and scan[1] == 0 for scan in scans(sa)) and any(scan[3] > 0 and scan[1] > 0 for scan in scans(sa))
add("scan-sa-script", sa, skips=True)

mozjpeg = mozjpeg_lossless_optimization.optimize(baseline)
assert len(scans(mozjpeg)) > 1 and any(scan[1] > 0 for scan in scans(mozjpeg)), scans(mozjpeg)
add("scan-mozjpeg", mozjpeg, skips=True)

restart = run("cjpeg", "-quality", "90", "-progressive", "-sample", "2x2", "-restart", "1", source)
assert b"\xff\xd0" in restart
add("scan-restart", restart, skips=True)

cmyk_path = os.path.join(work, "cmyk.jpg")
cmyk_picture(WIDTH, HEIGHT, seed=4).save(cmyk_path, quality=90, progressive=True)
with open(cmyk_path, "rb") as handle:
    cmyk_data = handle.read()
assert len(scans(cmyk_data)) > 1 and b"Adobe" in cmyk_data
add("scan-cmyk", cmyk_data, skips=True, reference=False)

arithmetic = run("cjpeg", "-quality", "90", "-arithmetic", "-progressive", source)
assert b"\xff\xca" in arithmetic  # SOF10
add("scan-arithmetic", arithmetic, skips=False)

default = run("cjpeg", "-quality", "90", "-progressive", "-sample", "2x2", source)
add("scan-appended", default + b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8, skips=True)

add("scan-tiny", run("cjpeg", "-quality", "90", "-progressive", "-sample", "2x2", tiny_source), skips=True)

with open(os.path.join(out, "manifest.json"), "w") as handle:
    json.dump(manifest, handle, indent=1)
