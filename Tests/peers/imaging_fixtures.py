"""Makes the imaging test fixtures with independent tools (Pillow, ImageMagick), never with thumbd's
own encoder, and the reference decode of each by Pillow.

  imaging_fixtures.py OUTDIR     writes the files and OUTDIR/manifest.json

Each manifest entry: {"name", "file", "reference" (raw 8-bit RGBA or gray, row-major, or null),
"width", "height", "channels", "orientation"?}. References are what Pillow decodes, turned upright
where the entry says so and converted to sRGB where the file carries a profile.
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import png  # pypng: an independent PNG writer and reader (16-bit, Adam7)
from PIL import Image, ImageCms, ImageFile, ImageOps

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
MAGICK = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") else shutil.which("convert-im6.q16") or "convert"
# The profiles fixtures are made from, each with the Debian package that provides it (deps.sh).
ADOBE_RGB_PROFILE = "/usr/share/color/icc/compatibleWithAdobeRGB1998.icc"  # icc-profiles-free
CMYK_PROFILE = "/usr/share/color/icc/ghostscript/default_cmyk.icc"  # libgs-common


def require(path, package):
    """A file a fixture is made from: a missing one stops the generator, naming it and its package,
    rather than leaving out a fixture that a test expects."""
    if not os.path.exists(path):
        sys.exit(f"imaging_fixtures.py: {path} is missing (Debian package {package}; scripts/lib/deps.sh installs it)")
    return path


def photo(width, height, seed=1):
    """A smooth, detailed test picture: gradients plus rings (no flat areas, nothing random)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(x / (7 + seed)) * np.cos(y / 11)
    g = 255 * x / max(1, width - 1)
    b = 255 * y / max(1, height - 1)
    rings = 60 * np.sin(np.hypot(x - width / 2, y - height / 2) / 5)
    rgb = np.stack([r + rings, g, b - rings], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def add(name, file, reference, **extra):
    entry = {"name": name, "file": file, "reference": None, "width": 0, "height": 0, "channels": 0}
    if reference is not None:
        array = np.asarray(reference)
        channels = 1 if array.ndim == 2 else array.shape[2]
        ref_name = name + ".raw"
        with open(os.path.join(out, ref_name), "wb") as handle:
            handle.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())
        entry.update(reference=ref_name, width=array.shape[1], height=array.shape[0], channels=channels)
    entry.update(extra)
    manifest.append(entry)


def to_rgba(image):
    return np.asarray(image.convert("RGBA"))


def save(image, name, **options):
    path = os.path.join(out, name)
    image.save(path, **options)
    return name


def magick(name, *args):
    subprocess.run([MAGICK, *args, os.path.join(out, name)], check=True)
    return name


base = photo(97, 61)

# JPEG: chroma subsamplings, progressive, grayscale.
for label, sampling in [("420", "4:2:0"), ("422", "4:2:2"), ("444", "4:4:4")]:
    file = save(base, f"jpeg-{label}.jpg", quality=92, subsampling=sampling)
    add(f"jpeg-{label}", file, to_rgba(Image.open(os.path.join(out, file))))
file = save(base, "jpeg-progressive.jpg", quality=90, progressive=True)
add("jpeg-progressive", file, to_rgba(Image.open(os.path.join(out, file))))
file = save(base.convert("L"), "jpeg-gray.jpg", quality=90)
add("jpeg-gray", file, np.asarray(Image.open(os.path.join(out, file)).convert("L")))

# CMYK: ImageMagick writes Adobe-marked (inverted) CMYK; Pillow's decoder un-inverts it.
magick("jpeg-cmyk.jpg", os.path.join(out, save(base, "cmyk-source.png")), "-colorspace", "CMYK", "-quality", "95")
cmyk = Image.open(os.path.join(out, "jpeg-cmyk.jpg"))
assert cmyk.mode == "CMYK", cmyk.mode
assert cmyk.info.get("adobe_transform") == 2, "ImageMagick wrote YCCK before"
add("jpeg-ycck-adobe", "jpeg-cmyk.jpg", to_rgba(cmyk.convert("RGB")))
# Pillow writes plain CMYK (Adobe marker, no YCC transform).
pillow_cmyk = base.convert("CMYK")
file = save(pillow_cmyk, "jpeg-cmyk-pillow.jpg", quality=95)
add("jpeg-cmyk", file, to_rgba(Image.open(os.path.join(out, file)).convert("RGB")))

# EXIF orientation 1-8, in both byte orders: a landscape picture stored turned, with the tag that
# turns it back. The reference is Pillow's exif_transpose.
def exif_app1(orientation, big_endian):
    order = ">" if big_endian else "<"
    tiff = (b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8)
    tiff += struct.pack(order + "H", 1) + struct.pack(order + "HHI", 0x0112, 3, 1)
    tiff += struct.pack(order + "H", orientation) + b"\0\0" + struct.pack(order + "I", 0)
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


oriented = photo(40, 24, seed=3)
for orientation in range(1, 9):
    for big_endian in (False, True):
        buffer = io.BytesIO()
        oriented.save(buffer, "JPEG", quality=95, subsampling="4:4:4")
        data = buffer.getvalue()
        data = data[:2] + exif_app1(orientation, big_endian) + data[2:]
        name = f"orientation-{orientation}-{'mm' if big_endian else 'ii'}"
        with open(os.path.join(out, name + ".jpg"), "wb") as handle:
            handle.write(data)
        upright = ImageOps.exif_transpose(Image.open(os.path.join(out, name + ".jpg")))
        add(name, name + ".jpg", to_rgba(upright), orientation=orientation)

# PNG: every bit depth and colour type.
gray = base.convert("L")
file = save(gray.convert("1"), "png-gray1.png")
add("png-gray1", file, np.asarray(Image.open(os.path.join(out, file)).convert("L")))
for bits in (2, 4):
    file = save(base.quantize(colors=1 << bits), f"png-palette{bits}.png", bits=bits)
    add(f"png-palette{bits}", file, to_rgba(Image.open(os.path.join(out, file))))
file = save(gray, "png-gray8.png")
add("png-gray8", file, np.asarray(gray))
gray16 = (np.asarray(gray).astype(np.uint32) * 257 + np.arange(gray.width, dtype=np.uint32)[None, :] % 200).clip(0, 65535)
Image.frombytes("I;16", gray.size, gray16.astype("<u2").tobytes()).save(os.path.join(out, "png-gray16.png"))
add("png-gray16", "png-gray16.png", np.round(gray16 / 257).astype(np.uint8))
file = save(base, "png-rgb8.png")
add("png-rgb8", file, to_rgba(base))
alpha = np.tile(np.linspace(0, 255, base.width).astype(np.uint8), (base.height, 1))
rgba = Image.fromarray(np.dstack([np.asarray(base), alpha]), "RGBA")
file = save(rgba, "png-rgba8.png")
add("png-rgba8", file, to_rgba(rgba))
la = Image.merge("LA", (gray, Image.fromarray(alpha)))
file = save(la, "png-gray-alpha8.png")
add("png-gray-alpha8", file, to_rgba(la))
for name, source in [("png-rgb16", "png-rgb8.png"), ("png-rgba16", "png-rgba8.png")]:
    magick(name + ".png", os.path.join(out, source), "-depth", "16", "-define", "png:bit-depth=16")
    add(name, name + ".png", to_rgba(Image.open(os.path.join(out, source))))
palette = base.quantize(colors=16)
palette.info["transparency"] = 3
file = save(palette, "png-palette-trns.png", transparency=3)
add("png-palette-trns", file, to_rgba(Image.open(os.path.join(out, file))))
magick("png-adam7.png", os.path.join(out, "png-rgb8.png"), "-interlace", "PNG")
with open(os.path.join(out, "png-adam7.png"), "rb") as handle:
    assert handle.read(29)[28] == 1, "ImageMagick did not interlace"
add("png-adam7", "png-adam7.png", to_rgba(base))

# Colour: Adobe RGB (and a CMYK JPEG with a profile), converted to sRGB by Pillow's ImageCms.
srgb = ImageCms.createProfile("sRGB")
adobe_path = require(ADOBE_RGB_PROFILE, "icc-profiles-free")
adobe = ImageCms.getOpenProfile(adobe_path)
with open(adobe_path, "rb") as handle:
    adobe_bytes = handle.read()
save(base, "adobe-rgb.png", icc_profile=adobe_bytes)
save(base, "adobe-rgb.jpg", icc_profile=adobe_bytes, quality=95, subsampling="4:4:4")
converted = ImageCms.profileToProfile(base, adobe, srgb, renderingIntent=ImageCms.Intent.PERCEPTUAL)
add("adobe-rgb-png", "adobe-rgb.png", to_rgba(converted))
decoded = Image.open(os.path.join(out, "adobe-rgb.jpg"))
add("adobe-rgb-jpeg", "adobe-rgb.jpg", to_rgba(ImageCms.profileToProfile(decoded, adobe, srgb, renderingIntent=ImageCms.Intent.PERCEPTUAL)))

# Display P3: a matrix/TRC ICC v2 profile written here from the published D50-adapted colorants and
# the sRGB transfer curve, checked by Pillow's ImageCms loading it.
def s15(value):
    return struct.pack(">i", int(round(value * 65536)))


def icc_display_p3():
    def xyz(x, y, z):
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    def curve():
        points = []
        for i in range(1024):
            v = i / 1023
            linear = v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
            points.append(int(round(linear * 65535)))
        return b"curv" + b"\0" * 4 + struct.pack(">I", len(points)) + struct.pack(">%dH" % len(points), *points)

    text = b"Display P3 (thumbd test)"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 8 + b"\0\0\0" + b"\0" * 67
    trc = curve()
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
            (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)), (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
            (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc), (b"cprt", b"text" + b"\0" * 4 + b"public domain\0")]
    table = struct.pack(">I", len(tags))
    data = b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        while len(body) % 4:
            body += b"\0"
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + len(table) + len(data)
    header = struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
    header += struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"APPL" + b"\0" * 4 + b"\0" * 8 + b"\0" * 8
    header += struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"lcms" + b"\0" * 16 + b"\0" * 28
    assert len(header) == 128
    return header + table + data


p3_bytes = icc_display_p3()
p3 = ImageCms.getOpenProfile(io.BytesIO(p3_bytes))
assert "Display P3" in ImageCms.getProfileDescription(p3)
srgb_profile = ImageCms.createProfile("sRGB")
save(base, "display-p3.png", icc_profile=p3_bytes)
save(base, "display-p3.jpg", icc_profile=p3_bytes, quality=95, subsampling="4:4:4")
add("display-p3-png", "display-p3.png",
    to_rgba(ImageCms.profileToProfile(base, p3, srgb_profile, renderingIntent=ImageCms.Intent.PERCEPTUAL)))
add("display-p3-jpeg", "display-p3.jpg",
    to_rgba(ImageCms.profileToProfile(Image.open(os.path.join(out, "display-p3.jpg")), p3, srgb_profile,
                                      renderingIntent=ImageCms.Intent.PERCEPTUAL)))

# CMYK with its own profile (Ghostscript's default CMYK): converted through the profile, not naively.
cmyk_profile_path = require(CMYK_PROFILE, "libgs-common")
with open(cmyk_profile_path, "rb") as handle:
    cmyk_bytes = handle.read()
save(base.convert("CMYK"), "cmyk-profile.jpg", quality=95, icc_profile=cmyk_bytes)
decoded = Image.open(os.path.join(out, "cmyk-profile.jpg"))
add("cmyk-profile", "cmyk-profile.jpg", to_rgba(ImageCms.profileToProfile(
    decoded, ImageCms.getOpenProfile(cmyk_profile_path), srgb_profile,
    renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")))

# Alpha edge: opaque red beside fully transparent *green*; a correct resize shows no green.
edge = np.zeros((64, 64, 4), dtype=np.uint8)
edge[:, :32] = (255, 0, 0, 255)
edge[:, 32:] = (0, 255, 0, 0)
add("alpha-edge", save(Image.fromarray(edge, "RGBA"), "alpha-edge.png"), None)

# Extreme shapes.
add("tiny-1x1", save(Image.new("RGB", (1, 1), (10, 200, 30)), "tiny-1x1.png"), None)
add("wide-4000x3", save(photo(4000, 3), "wide-4000x3.jpg", quality=90), None)
add("tall-3x4000", save(photo(3, 4000), "tall-3x4000.png"), None)
add("flat", save(Image.new("RGB", (301, 211), (37, 142, 201)), "flat.png"), None)
big = photo(1600, 1000)
add("photo-1600", save(big, "photo-1600.png"), to_rgba(big))
# Pillow's own Lanczos (no reducing gap: Lanczos straight from full size) of the same picture.
for width, height in [(400, 250), (333, 208), (1000, 625), (1, 1)]:
    add(f"lanczos-{width}x{height}", "photo-1600.png", to_rgba(big.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=None)))

# Formats thumbd refuses, made by Pillow.
for fmt, ext in [("BMP", "bmp"), ("TIFF", "tiff"), ("ICO", "ico")]:
    add(f"format-{ext}", save(base, f"format.{ext}", format=fmt), None)

# Real-world JPEGs that libjpeg reads with a warning (recipes from other thumbnailers' bug reports).
# Each is a clean Pillow JPEG changed in one way that leaves every scanline's data in place; the
# reference is Pillow's decode of the changed file itself, checked here to equal the clean file's.
clean_bytes = open(os.path.join(out, save(photo(300, 200), "clean-300x200.jpg", quality=90)), "rb").read()
clean_pixels = to_rgba(Image.open(io.BytesIO(clean_bytes)))


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def warned_jpeg(name, data):
    with open(os.path.join(out, name + ".jpg"), "wb") as handle:
        handle.write(data)
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # for the file without EOI; nothing is padded for the others
    pixels = to_rgba(Image.open(io.BytesIO(data)))
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert np.array_equal(pixels, clean_pixels), f"Pillow decodes {name} differently from the clean file"
    add(name, name + ".jpg", pixels, same_as="clean-300x200")


add("clean-300x200", "clean-300x200.jpg", clean_pixels)
first_dqt = clean_bytes.index(b"\xff\xdb")
sos = clean_bytes.index(b"\xff\xda")
warned_jpeg("warned-no-eoi", clean_bytes[:-2])
for label, stray in [("hello", b"hello"), ("01", b"\x01"), ("ff0000", b"\xff\x00\x00\x02")]:
    warned_jpeg(f"warned-stray-{label}", clean_bytes[:first_dqt] + stray + clean_bytes[first_dqt:])
# A Photoshop APP13 whose length field says 16 bytes fewer than it holds; an Adobe APP14 declaring 13
# bytes and holding 14.
photoshop = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10" + b"\x1c\x02\x00\x00\x02\x00\x04" + bytes(9)
app13 = bytes([0xFF, 0xED]) + struct.pack(">H", len(photoshop) + 2 - 16) + photoshop
warned_jpeg("warned-app13-short", clean_bytes[:first_dqt] + app13 + clean_bytes[first_dqt:])
adobe14 = bytes([0xFF, 0xEE]) + struct.pack(">H", 13) + b"Adobe\x00\x64\x00\x00\x00\x00\x01"
assert len(adobe14) == 2 + 14  # the marker, then 14 bytes where the length field says 13
warned_jpeg("warned-app14-long", clean_bytes[:first_dqt] + adobe14 + clean_bytes[first_dqt:])
# A "motion photo": SOS says Ss=0, Se=0, Ah/Al=0 ("Invalid SOS parameters for sequential JPEG", which
# some phones write) and a video of over 4 KB follows EOI.
components = clean_bytes[sos + 4]
spectral = sos + 5 + 2 * components
odd_sos = bytearray(clean_bytes)
odd_sos[spectral:spectral + 3] = b"\x00\x00\x00"
video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
warned_jpeg("warned-motion-photo", bytes(odd_sos) + video)

# JPEGs in the other shapes libjpeg reads (restart markers, one scan per component, arithmetic
# coding), whole, and cut where only a scan-level check can see the loss: each must decode to djpeg's
# pixels when whole and be refused as truncated when cut.
def djpeg_rgba(path):
    ppm = subprocess.run(["djpeg", "-pnm", path], check=True, capture_output=True).stdout
    return to_rgba(Image.open(io.BytesIO(ppm)))


def scan_starts(data):
    return [i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xDA]


shapes = {}
buffer = io.BytesIO()
Image.open(io.BytesIO(clean_bytes)).save(buffer, "JPEG", quality=90, restart_marker_blocks=4)
shapes["restart"] = buffer.getvalue()
with open(os.path.join(out, "scans.txt"), "w") as handle:
    handle.write("0;\n1;\n2;\n")
subprocess.run(["jpegtran", "-scans", os.path.join(out, "scans.txt"), "-outfile", os.path.join(out, "tmp-ni.jpg"),
                os.path.join(out, "clean-300x200.jpg")], check=True)
shapes["non-interleaved"] = open(os.path.join(out, "tmp-ni.jpg"), "rb").read()
Image.open(io.BytesIO(clean_bytes)).save(os.path.join(out, "tmp.ppm"))
subprocess.run(["cjpeg", "-arithmetic", "-quality", "90", "-outfile", os.path.join(out, "tmp-ar.jpg"),
                os.path.join(out, "tmp.ppm")], check=True)
shapes["arithmetic"] = open(os.path.join(out, "tmp-ar.jpg"), "rb").read()
buffer = io.BytesIO()
Image.open(io.BytesIO(clean_bytes)).save(buffer, "JPEG", quality=90, progressive=True)
shapes["progressive"] = buffer.getvalue()
for shape, data in shapes.items():
    name = f"shape-{shape}"
    with open(os.path.join(out, name + ".jpg"), "wb") as handle:
        handle.write(data)
    add(name, name + ".jpg", djpeg_rgba(os.path.join(out, name + ".jpg")))
cuts = {"arithmetic-half": shapes["arithmetic"][:len(shapes["arithmetic"]) // 2],
        "arithmetic-no-eoi": shapes["arithmetic"][:-2]}  # arithmetic decoding reads zeros past the end unseen
restarts = [i for i in range(len(shapes["restart"]) - 1)
            if shapes["restart"][i] == 0xFF and 0xD0 <= shapes["restart"][i + 1] <= 0xD7]
assert len(restarts) > 10, "Pillow wrote no restart markers"
cuts["restart-before-rst"] = shapes["restart"][:restarts[len(restarts) // 2]]
cuts["restart-before-last-rst"] = shapes["restart"][:restarts[-1]]
for index, start in enumerate(scan_starts(shapes["non-interleaved"])[1:], 2):
    cuts[f"non-interleaved-before-scan-{index}"] = shapes["non-interleaved"][:start]
for index, start in enumerate(scan_starts(shapes["progressive"])[1:], 2):
    cuts[f"progressive-before-scan-{index}"] = shapes["progressive"][:start]
for label, data in cuts.items():
    with open(os.path.join(out, f"cut-{label}.jpg"), "wb") as handle:
        handle.write(data)
    add(f"cut-{label}", f"cut-{label}.jpg", None)

# A valid JPEG thumbd does not decode: 12-bit samples (Pillow cannot write one: the SOF's precision
# byte says 12). Expected: unsupported_format, not corrupt.
sof = clean_bytes.index(b"\xff\xc0")
twelve = bytearray(clean_bytes)
twelve[sof + 4] = 12
with open(os.path.join(out, "jpeg-12bit.jpg"), "wb") as handle:
    handle.write(bytes(twelve))
add("jpeg-12bit", "jpeg-12bit.jpg", None)

# 16-bit PNGs, interlaced (Adam7) and not, written by pypng; the reference is pypng's own reading
# of each file, each sample rounded to 8 bits (v / 257). The first is the recipe from the bug report:
# 8x8 gray, pixel (x, y) = (8y + x) * 1024.
def png16(name, rows, width, height, interlace, **mode):
    path = os.path.join(out, name + ".png")
    with open(path, "wb") as handle:
        png.Writer(width, height, bitdepth=16, interlace=interlace, **mode).write(handle, rows)
    w, h, pixels, info = png.Reader(filename=path).asDirect()
    array = np.array([list(row) for row in pixels], dtype=np.float64).reshape(h, w, info["planes"])
    array = np.round(array / 257).astype(np.uint8)
    if info["planes"] == 1:
        reference = array[:, :, 0]
    elif info["planes"] == 2:  # gray + alpha: thumbd gives RGBA
        reference = np.dstack([array[:, :, 0]] * 3 + [array[:, :, 1]])
    elif info["planes"] == 3:
        reference = np.dstack([array, np.full((h, w), 255, np.uint8)])
    else:
        reference = array
    add(name, name + ".png", reference)


def field(width, height, channel):
    """Deterministic 16-bit values that use every bit (no two neighbours alike)."""
    y, x = np.mgrid[0:height, 0:width]
    return ((x * 40503 + y * 9973 + channel * 7919) * 2654435761 % 65536).astype(np.int64)


png16_rows = [[(8 * y + x) * 1024 for x in range(8)] for y in range(8)]
for interlace in (True, False):
    suffix = "adam7" if interlace else "plain"
    png16(f"png16-gray-8x8-{suffix}", png16_rows, 8, 8, interlace, greyscale=True)
    w, h = 37, 23
    gray = field(w, h, 0)
    alpha = 0x4000 + field(w, h, 3) % 0xC000  # at least a quarter: colour survives premultiplication
    rgb = [field(w, h, c) for c in range(3)]
    png16(f"png16-gray-{suffix}", gray.tolist(), w, h, interlace, greyscale=True)
    png16(f"png16-gray-alpha-{suffix}", np.dstack([gray, alpha]).reshape(h, -1).tolist(), w, h, interlace,
          greyscale=True, alpha=True)
    png16(f"png16-rgb-{suffix}", np.dstack(rgb).reshape(h, -1).tolist(), w, h, interlace, greyscale=False)
    png16(f"png16-rgba-{suffix}", np.dstack(rgb + [alpha]).reshape(h, -1).tolist(), w, h, interlace,
          greyscale=False, alpha=True)
    png16(f"png16-trns-{suffix}", gray.tolist(), w, h, interlace, greyscale=True, transparent=int(gray[5, 7]))

# gAMA is applied (the PNG specification; Pillow, libvips and ImageMagick ignore it): a 16-bit gray
# file of linear samples (gAMA 1.0) comes out as 255 * (v / 65535) ^ (1 / 2.2), libpng's sRGB law.
gamma_values = field(37, 23, 5)
with open(os.path.join(out, "gamma-png16-linear.png"), "wb") as handle:
    png.Writer(37, 23, bitdepth=16, greyscale=True, gamma=1.0).write(handle, gamma_values.tolist())
assert any(kind == b"gAMA" for kind, _ in png.Reader(filename=os.path.join(out, "gamma-png16-linear.png")).chunks())
add("gamma-png16-linear", "gamma-png16-linear.png",
    np.round(255 * (gamma_values / 65535) ** (1 / 2.2)).astype(np.uint8))

# PNG with an EXIF orientation in eXIf (PNG Third Edition): as Pillow writes it, and with the
# "Exif\0\0" prefix some writers leave in. The reference is Pillow's exif_transpose.
exif = Image.Exif()
exif[0x0112] = 6
oriented_png = photo(40, 24, seed=5)
save(oriented_png, "png-exif-6.png", exif=exif)
upright_png = to_rgba(ImageOps.exif_transpose(Image.open(os.path.join(out, "png-exif-6.png"))))
assert upright_png.shape[:2] == (40, 24)
add("png-exif-6", "png-exif-6.png", upright_png, orientation=6)
plain = open(os.path.join(out, save(oriented_png, "png-plain.png")), "rb").read()
tiff = exif.tobytes()
if tiff.startswith(b"Exif\x00\x00"):
    tiff = tiff[6:]
prefixed = b"Exif\x00\x00" + tiff
chunk = struct.pack(">I", len(prefixed)) + b"eXIf" + prefixed + struct.pack(">I", zlib.crc32(b"eXIf" + prefixed))
with open(os.path.join(out, "png-exif-6-prefixed.png"), "wb") as handle:
    handle.write(plain[:33] + chunk + plain[33:])
add("png-exif-6-prefixed", "png-exif-6-prefixed.png", upright_png, orientation=6)

with open(os.path.join(out, "manifest.json"), "w") as handle:
    json.dump(manifest, handle, indent=1)
