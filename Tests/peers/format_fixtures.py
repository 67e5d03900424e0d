"""Makes the WebP, HEIC, AVIF and GIF test fixtures with independent encoders, never with thumbd's
own, and the reference decode of each by an independent decoder.

  format_fixtures.py OUTDIR     writes the files and OUTDIR/manifest.json

The manifest is imaging_fixtures.py's: each entry {"name", "file", "reference", "width", "height",
"channels"} plus extras. Every reference here is raw 8-bit RGBA (channels 4), row-major, straight
(not premultiplied) alpha, upright, as the decoder named beside the fixture produces it. Extras:
"alpha": true where the picture has transparency (the colour of a fully transparent pixel means
nothing), "animated": true, "stored_width"/"stored_height" (a HEIC's size before its irot turns it),
"thumbnail_width"/"thumbnail_height" (a HEIC's embedded thumbnail).

The tools, and what provides each:
  cwebp, dwebp                 Debian package webp
  heif-enc, heif-convert       Debian package libheif-examples (libheif 1.15.1; x265 for HEIC)
  avifenc, avifdec             Debian package libavif-bin (libavif 0.11.1; aom encodes, dav1d decodes)
  convert                      Debian package imagemagick
  PIL (WebP, AVIF, GIF)        pip package Pillow (its own libwebp and libavif)
  pillow_heif                  pip package pillow-heif (its own libheif and x265)
  png                          pip package pypng (16-bit PNG sources)
  numpy                        pip package numpy
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import png  # pypng: Pillow cannot write a 16-bit RGB PNG
from PIL import Image, features

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
# The encoders' sources and the decoders' outputs: only fixtures and references go into OUTDIR.
work_directory = tempfile.TemporaryDirectory(prefix="format-fixtures-")  # removed at exit
work = work_directory.name
MAGICK = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") else shutil.which("convert-im6.q16") or "convert"


def require(tool, package):
    """A tool a fixture is made with: a missing one stops the generator, naming it and its package,
    rather than leaving out a fixture that a test expects."""
    found = tool if os.path.isabs(tool) else shutil.which(tool)
    if not found or not os.path.exists(found):
        sys.exit(f"format_fixtures.py: {tool} is missing ({package})")


for tool, package in [("cwebp", "webp"), ("dwebp", "webp"), ("heif-enc", "libheif-examples"),
                      ("heif-convert", "libheif-examples"), ("avifenc", "libavif-bin"),
                      ("avifdec", "libavif-bin"), (MAGICK, "imagemagick")]:
    require(tool, "Debian package " + package)
for codec in ("webp", "avif"):
    if not features.check(codec):
        sys.exit(f"format_fixtures.py: Pillow was built without {codec} (pip package Pillow)")
try:
    import pillow_heif
except ImportError:
    sys.exit("format_fixtures.py: pillow_heif is missing (pip package pillow-heif)")
pillow_heif.register_heif_opener()  # HEIC only: Pillow's own plugin decodes AVIF


def smooth(width, height, seed=1):
    """imaging_fixtures.py's photo() before it is cut to 8 bits: gradients plus rings (no flat areas,
    nothing random), floats in 0-255, so a 16-bit source holds more than an 8-bit one."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(x / (7 + seed)) * np.cos(y / 11)
    g = 255 * x / max(1, width - 1)
    b = 255 * y / max(1, height - 1)
    rings = 60 * np.sin(np.hypot(x - width / 2, y - height / 2) / 5)
    return np.clip(np.stack([r + rings, g, b - rings], axis=-1), 0, 255)


def photo(width, height, seed=1):
    """A smooth, detailed test picture (imaging_fixtures.py's)."""
    return Image.fromarray(smooth(width, height, seed).astype(np.uint8), "RGB")


def with_alpha(image):
    """The picture with a real alpha gradient: 0 at the left edge to 255 at the right."""
    alpha = np.tile(np.linspace(0, 255, image.width).astype(np.uint8), (image.height, 1))
    return Image.fromarray(np.dstack([np.asarray(image), alpha]), "RGBA")


def add(name, file, reference, **extra):
    array = np.asarray(reference)
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 4, (name, array.shape)
    with open(os.path.join(out, name + ".raw"), "wb") as handle:
        handle.write(np.ascontiguousarray(array).tobytes())
    entry = {"name": name, "file": file, "reference": name + ".raw", "width": array.shape[1],
             "height": array.shape[0], "channels": 4}
    entry.update(extra)
    manifest.append(entry)


def run(*args):
    """A tool, which must succeed; its chatter on stdout is dropped, its errors reach stderr."""
    subprocess.run([str(arg) for arg in args], check=True, stdout=subprocess.DEVNULL)


def source(image, name):
    """The PNG an encoder reads, in the work directory."""
    path = os.path.join(work, name)
    image.save(path)
    return path


def source16(array, name):
    """A 16-bit RGB PNG, written by pypng, of 16-bit samples (h x w x 3)."""
    path = os.path.join(work, name)
    with open(path, "wb") as handle:
        png.Writer(array.shape[1], array.shape[0], bitdepth=16, greyscale=False).write(
            handle, array.reshape(array.shape[0], -1).tolist())
    return path


def fixture(name):
    return os.path.join(out, name)


def to_rgba(image):
    return np.asarray(image.convert("RGBA"))


def pillow_rgba(name, frame=0):
    image = Image.open(fixture(name))
    image.seek(frame)
    return to_rgba(image)


def rgb_error(reference, expected):
    """Mean absolute difference of the colour channels: a lossy encode of the right picture is a few
    levels off; the wrong picture, a turned one or swapped channels, is tens off."""
    expected = np.asarray(expected)[..., :3].astype(np.int64)
    return np.abs(reference[..., :3].astype(np.int64) - expected).mean()


base = photo(97, 61)
base_alpha = with_alpha(base)
base_png = source(base, "base.png")
alpha_png = source(base_alpha, "alpha.png")
base16 = np.round(smooth(97, 61) * 257).astype(np.int64)
base16_png = source16(base16, "base16.png")

# WebP: cwebp's output read back by dwebp (as PAM: RGBA, straight alpha), Pillow's by Pillow.
def dwebp_rgba(name):
    pam = os.path.join(work, name + ".pam")
    run("dwebp", "-quiet", "-pam", fixture(name), "-o", pam)
    with open(pam, "rb") as handle:
        data = handle.read()
    end = data.index(b"ENDHDR\n") + len(b"ENDHDR\n")
    header = dict(line.split(" ", 1) for line in data[:end].decode("ascii").splitlines()[1:-1])
    assert header["DEPTH"] == "4" and header["MAXVAL"] == "255", header
    height, width = int(header["HEIGHT"]), int(header["WIDTH"])
    return np.frombuffer(data[end:end + width * height * 4], np.uint8).reshape(height, width, 4)


run("cwebp", "-quiet", "-q", "90", base_png, "-o", fixture("webp-lossy.webp"))
reference = dwebp_rgba("webp-lossy.webp")
assert rgb_error(reference, base) < 4
add("webp-lossy", "webp-lossy.webp", reference)
run("cwebp", "-quiet", "-lossless", base_png, "-o", fixture("webp-lossless.webp"))
reference = dwebp_rgba("webp-lossless.webp")
assert np.array_equal(reference, to_rgba(base)), "cwebp -lossless changed the picture"
add("webp-lossless", "webp-lossless.webp", reference)
# -alpha_q 100 keeps alpha lossless; -exact keeps the colour under transparent pixels (cwebp would
# otherwise flatten it), so the colour is comparable everywhere but where alpha is 0.
run("cwebp", "-quiet", "-q", "90", "-alpha_q", "100", "-exact", alpha_png, "-o", fixture("webp-alpha.webp"))
reference = dwebp_rgba("webp-alpha.webp")
assert np.array_equal(reference[..., 3], np.asarray(base_alpha)[..., 3]), "cwebp changed the alpha"
assert rgb_error(reference, base) < 4
add("webp-alpha", "webp-alpha.webp", reference, alpha=True)
# Pillow's libwebp writes the same bytes as cwebp for the same picture and quality, so this one is of
# another picture, upright, at another odd size.
portrait = photo(61, 97, seed=3)
portrait.save(fixture("webp-pillow.webp"), quality=90)
reference = pillow_rgba("webp-pillow.webp")
assert rgb_error(reference, portrait) < 4
add("webp-pillow", "webp-pillow.webp", reference)
# Animated: frame 0 is the picture; the others differ from it everywhere, so a decoder that shows
# any frame but the first fails.
frames = [base, base.transpose(Image.Transpose.ROTATE_180), photo(97, 61, seed=4).convert("L").convert("RGB")]
frames[0].save(fixture("webp-animated.webp"), save_all=True, append_images=frames[1:], lossless=True,
               duration=100, loop=0)
assert Image.open(fixture("webp-animated.webp")).n_frames == 3
reference = pillow_rgba("webp-animated.webp")
assert np.array_equal(reference, to_rgba(base)), "frame 0 is not the picture"
assert rgb_error(pillow_rgba("webp-animated.webp", 1), base) > 30
add("webp-animated", "webp-animated.webp", reference, animated=True)

# ISO base media boxes, enough to check what a HEIC or AVIF file holds and to add an irot to one.
def boxes(data, start, end):
    """Each box between start and end: (type, start, start of payload, end)."""
    while start < end:
        size, kind = struct.unpack_from(">I4s", data, start)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, start + 8)[0], 16
        elif size == 0:
            size = end - start
        yield kind.decode("latin-1"), start, start + header, start + size
        start += size


def find(data, kind, start, end):
    found = [box for box in boxes(data, start, end) if box[0] == kind]
    assert len(found) == 1, f"{len(found)} {kind} boxes"
    return found[0]


def number(data, at, size):
    return int.from_bytes(data[at:at + size], "big")


class Heif:
    """The items of a HEIF file (HEIC or AVIF): the primary one, each item's type, properties
    (ipco, indexed from 1) and associations (ipma), references (iref) and locations (iloc)."""

    def __init__(self, data):
        self.data = data
        self.meta = find(data, "meta", 0, len(data))
        body = self.meta[2] + 4  # meta is a full box
        pitm = find(data, "pitm", body, self.meta[3])[2]
        self.primary = number(data, pitm + 4, 4 if data[pitm] else 2)
        self.iprp = find(data, "iprp", body, self.meta[3])
        self.ipco = find(data, "ipco", self.iprp[2], self.iprp[3])
        self.properties = [(kind, data[payload:end])
                           for kind, _, payload, end in boxes(data, self.ipco[2], self.ipco[3])]
        self.ipma = find(data, "ipma", self.iprp[2], self.iprp[3])
        self.ipma_version, self.ipma_flags = data[self.ipma[2]], number(data, self.ipma[2] + 1, 3)
        self.associations = {}  # item: [(property index, essential)], in the file's order
        at = self.ipma[2] + 8
        for _ in range(number(data, self.ipma[2] + 4, 4)):
            id_size = 4 if self.ipma_version else 2
            item, count = number(data, at, id_size), data[at + id_size]
            at += id_size + 1
            wide = self.ipma_flags & 1
            values = [number(data, at + i * (2 if wide else 1), 2 if wide else 1) for i in range(count)]
            at += count * (2 if wide else 1)
            top = 0x8000 if wide else 0x80
            self.associations[item] = [(value & (top - 1), bool(value & top)) for value in values]
        iinf = find(data, "iinf", body, self.meta[3])
        self.types = {}
        first = iinf[2] + 4 + (2 if data[iinf[2]] == 0 else 4)
        for _, _, payload, _ in boxes(data, first, iinf[3]):
            assert data[payload] in (2, 3), "infe versions 0 and 1 have no item type"
            id_size = 2 if data[payload] == 2 else 4
            item = number(data, payload + 4, id_size)
            self.types[item] = data[payload + 4 + id_size + 2:payload + 4 + id_size + 6].decode("latin-1")
        self.references = []  # (type, from item, [to items])
        irefs = [box for box in boxes(data, body, self.meta[3]) if box[0] == "iref"]
        for iref in irefs:
            id_size = 4 if data[iref[2]] else 2
            for kind, _, payload, _ in boxes(data, iref[2] + 4, iref[3]):
                count = number(data, payload + id_size, 2)
                to = [number(data, payload + id_size + 2 + i * id_size, id_size) for i in range(count)]
                self.references.append((kind, number(data, payload, id_size), to))
        self.iloc = find(data, "iloc", body, self.meta[3])
        # item: (construction method, (base offset, where, size), [(extent offset, where, size, length)])
        self.locations = {}
        version, at = data[self.iloc[2]], self.iloc[2] + 4
        offset_size, length_size = data[at] >> 4, data[at] & 15
        base_size, index_size = data[at + 1] >> 4, (data[at + 1] & 15 if version else 0)
        id_size = 4 if version == 2 else 2
        count = number(data, at + 2, id_size)
        at += 2 + id_size
        for _ in range(count):
            item = number(data, at, id_size)
            at += id_size
            method = 0
            if version:
                method = number(data, at, 2) & 15
                at += 2
            at += 2  # data_reference_index
            base = (number(data, at, base_size), at, base_size)
            at += base_size
            extents = []
            count, at = number(data, at, 2), at + 2
            for _ in range(count):
                at += index_size
                length = number(data, at + offset_size, length_size)
                extents.append((number(data, at, offset_size), at, offset_size, length))
                at += offset_size + length_size
            self.locations[item] = (method, base, extents)

    def item_properties(self, item):
        return [self.properties[index - 1] for index, _ in self.associations.get(item, [])]

    def prop(self, item, kind):
        found = [payload for name, payload in self.item_properties(item) if name == kind]
        return found[0] if found else None

    def bit_depths(self, item):
        pixi = self.prop(item, "pixi")
        return list(pixi[5:5 + pixi[4]])

    def stored_size(self, item):
        """The item's size before irot and imir: its clean aperture where it has one, else its ispe."""
        clap = self.prop(item, "clap")
        if clap is not None:
            n = struct.unpack(">8I", clap[:32])
            return n[0] // n[1], n[2] // n[3]
        return struct.unpack(">II", self.prop(item, "ispe")[4:12])

    def item_data(self, item):
        method, base, extents = self.locations[item]
        assert method == 0, "only data in the file itself (iloc construction method 0)"
        return b"".join(self.data[base[0] + offset:base[0] + offset + length] for offset, _, _, length in extents)


def add_irot(data, angle):
    """The file with an irot property (angle x 90 degrees anticlockwise) given to its primary item.
    The box goes at the end of ipco and its association at the end of the primary item's list in ipma,
    after any clap (the order HEIF applies them in), marked essential as libheif marks it. iprp grows,
    so meta, iprp, ipco and ipma get new sizes, and every iloc offset to data past iprp moves on."""
    heif = Heif(data)
    associations = {item: list(values) for item, values in heif.associations.items()}
    associations[heif.primary].append((len(heif.properties) + 1, True))
    wide = heif.ipma_flags & 1
    ipma = struct.pack(">B3sI", heif.ipma_version, heif.ipma_flags.to_bytes(3, "big"), len(associations))
    for item, values in associations.items():
        ipma += struct.pack(">I" if heif.ipma_version else ">H", item) + bytes([len(values)])
        for index, essential in values:
            ipma += struct.pack(">H", index | essential << 15) if wide else bytes([index | essential << 7])
    ipma = struct.pack(">I4s", 8 + len(ipma), b"ipma") + ipma
    irot = struct.pack(">I4sB", 9, b"irot", angle)
    _, ipco_start, _, ipco_end = heif.ipco
    _, ipma_start, _, ipma_end = heif.ipma
    _, iprp_start, iprp_payload, iprp_end = heif.iprp
    assert iprp_payload == iprp_start + 8 and ipco_end <= ipma_start, "iprp as libheif writes it"
    ipco = struct.pack(">I", ipco_end - ipco_start + len(irot)) + data[ipco_start + 4:ipco_end] + irot
    iprp = data[iprp_payload:ipco_start] + ipco + data[ipco_end:ipma_start] + ipma + data[ipma_end:iprp_end]
    iprp = struct.pack(">I4s", 8 + len(iprp), b"iprp") + iprp
    grown = len(iprp) - (iprp_end - iprp_start)
    result = bytearray(data[:iprp_start] + iprp + data[iprp_end:])
    meta_start = heif.meta[1]
    assert meta_start < iprp_start and data[meta_start:meta_start + 4] != b"\0\0\0\1", "a 32-bit meta size"
    struct.pack_into(">I", result, meta_start, number(data, meta_start, 4) + grown)
    moved = grown if heif.iloc[1] > iprp_start else 0  # where iloc's own fields now are

    def shift(value, position, size):
        assert size, "an offset iloc leaves out cannot move"
        result[position + moved:position + moved + size] = (value + grown).to_bytes(size, "big")

    for method, (base, base_at, base_size), extents in heif.locations.values():
        if method != 0:
            continue  # in idat, or in another item: not a file offset
        if base_size and base >= iprp_end:
            shift(base, base_at, base_size)
            continue
        for offset, at, size, length in extents:
            assert not base + offset < iprp_end < base + offset + length, "an extent across iprp"
            if base + offset >= iprp_end:
                shift(offset, at, size)
    return bytes(result)


def exif_orientation(payload):
    """The orientation tag of a HEIF Exif item (a 4-byte offset to the TIFF header, then TIFF)."""
    tiff = payload[4 + number(payload, 0, 4):]
    order = {b"II": "<", b"MM": ">"}[tiff[:2]]
    ifd = struct.unpack_from(order + "I", tiff, 4)[0]
    for i in range(struct.unpack_from(order + "H", tiff, ifd)[0]):
        tag, kind, _ = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
        if tag == 0x0112:
            assert kind == 3, "orientation is a SHORT"
            return struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * i + 8)[0]
    return None


def read(name):
    with open(fixture(name), "rb") as handle:
        return handle.read()


# HEIC: heif-enc's files read back by heif-convert (a PNG, read by Pillow), pillow-heif's by pillow-heif.
# libheif 1.15.1's heif-enc stores a picture whose sides x265 cannot code (97x61) as a grid of one
# padded tile cropped by the grid's size, where newer libheif (pillow-heif's) writes a clap.
def heif_convert(path):
    """heif-convert's decode of the file at path: the PNG it writes."""
    decoded = os.path.join(work, os.path.basename(path) + ".png")
    run("heif-convert", path, decoded)
    return decoded


run("heif-enc", "-q", "90", "-o", fixture("heic.heic"), base_png)
reference = to_rgba(Image.open(heif_convert(fixture("heic.heic"))))
assert rgb_error(reference, base) < 5
add("heic", "heic.heic", reference)
base.save(fixture("heic-pillow.heic"), quality=90)
reference = pillow_rgba("heic-pillow.heic")
assert rgb_error(reference, base) < 5
add("heic-pillow", "heic-pillow.heic", reference)
run("heif-enc", "-q", "90", "-o", fixture("heic-alpha.heic"), alpha_png)
reference = to_rgba(Image.open(heif_convert(fixture("heic-alpha.heic"))))
assert np.abs(reference[..., 3].astype(int) - np.asarray(base_alpha)[..., 3]).max() <= 2
assert rgb_error(reference, base) < 5
add("heic-alpha", "heic-alpha.heic", reference, alpha=True)
# 10 bits from a 16-bit source. heif-convert 1.15.1 writes a 16-bit PNG holding each 10-bit sample
# shifted left by 6 (not scaled to 16 bits); the reference scales the 10-bit value to 8 bits, rounded.
run("heif-enc", "-q", "90", "-b", "10", "-o", fixture("heic-10bit.heic"), base16_png)
heif = Heif(read("heic-10bit.heic"))
assert heif.bit_depths(heif.primary) == [10, 10, 10], heif.bit_depths(heif.primary)
assert pillow_heif.open_heif(fixture("heic-10bit.heic")).info["bit_depth"] == 10
width, height, rows, info = png.Reader(filename=heif_convert(fixture("heic-10bit.heic"))).asDirect()
assert info["bitdepth"] == 16 and info["planes"] == 3, info
samples = np.array([list(row) for row in rows], dtype=np.int64).reshape(height, width, 3)
assert not (samples & 63).any(), "heif-convert now scales 10-bit samples to 16 bits"


def ten_bit_to_rgba(samples):
    """heif-convert's 10-bit samples (shifted left by 6) scaled to 8 bits, rounded, opaque."""
    rgb = np.floor((samples >> 6) * 255 / 1023 + 0.5).astype(np.uint8)
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


reference = ten_bit_to_rgba(samples)
assert rgb_error(reference, base) < 5
add("heic-10bit", "heic-10bit.heic", reference)

# irot: heif-enc writes none, so one is added to heif-enc's file here (irot 1: a quarter turn
# anticlockwise), with no EXIF at all. heif-convert turns the picture; the reference is that, checked
# to be exactly heif-convert's decode of the file before the irot, turned by numpy.
run("heif-enc", "-q", "90", "-o", os.path.join(work, "upright.heic"), base_png)
with open(os.path.join(work, "upright.heic"), "rb") as handle:
    turned = add_irot(handle.read(), 1)
with open(fixture("heic-irot.heic"), "wb") as handle:
    handle.write(turned)
heif = Heif(turned)
assert ("irot", b"\x01") in heif.item_properties(heif.primary), "no irot on the primary item"
assert "Exif" not in heif.types.values()
upright = to_rgba(Image.open(heif_convert(os.path.join(work, "upright.heic"))))
reference = to_rgba(Image.open(heif_convert(fixture("heic-irot.heic"))))
assert np.array_equal(reference, np.rot90(upright, 1)), "heif-convert did not turn it a quarter anticlockwise"
assert Image.open(fixture("heic-irot.heic")).size == (61, 97), "pillow-heif reads no irot"
stored = heif.stored_size(heif.primary)
assert stored == (reference.shape[0], reference.shape[1]) == (97, 61), stored
add("heic-irot", "heic-irot.heic", reference, stored_width=stored[0], stored_height=stored[1])
# irot and EXIF together, as phones write them: pillow-heif hands an EXIF orientation of 6 to libheif
# as the image's orientation, and libheif stores the picture as given with irot 3 (a quarter turn
# clockwise) and keeps the EXIF, orientation 6 and all. A reader that applies both turns the picture
# twice. The reference is heif-convert's decode, the irot applied and the EXIF not, as for heic-irot:
# pillow-heif's libheif 1.23.6 agrees on the turn but converts a turned picture's colour apart from an
# unturned one's (its decodes of these two files are up to 15 levels from libheif 1.15.1's, where
# without an irot the two libheifs are within 1).
exif = Image.Exif()
exif[0x0112] = 6
base.save(fixture("heic-irot-exif.heic"), quality=90, exif=exif.tobytes())
heif = Heif(read("heic-irot-exif.heic"))
assert ("irot", b"\x03") in heif.item_properties(heif.primary), "no irot on the primary item"
exif_items = [item for item, kind in heif.types.items() if kind == "Exif"]
assert len(exif_items) == 1 and ("cdsc", exif_items[0], [heif.primary]) in heif.references
assert exif_orientation(heif.item_data(exif_items[0])) == 6, "pillow-heif reset the EXIF orientation"
reference = to_rgba(Image.open(heif_convert(fixture("heic-irot-exif.heic"))))
assert rgb_error(reference, np.rot90(np.asarray(base), -1)) < 5, "not turned a quarter clockwise"
assert rgb_error(pillow_rgba("heic-irot-exif.heic"), reference) < 5, "pillow-heif turns it otherwise"
stored = heif.stored_size(heif.primary)
assert stored == (reference.shape[0], reference.shape[1]) == (97, 61), stored
add("heic-irot-exif", "heic-irot-exif.heic", reference, stored_width=stored[0], stored_height=stored[1])
# An embedded thumbnail (of the same picture, as in real files); the reference is the main image.
large = photo(319, 199, seed=2)
run("heif-enc", "-q", "90", "-t", "48", "-o", fixture("heic-thumbnail.heic"), source(large, "large.png"))
reference = to_rgba(Image.open(heif_convert(fixture("heic-thumbnail.heic"))))
assert rgb_error(reference, large) < 5
heif = Heif(read("heic-thumbnail.heic"))
thumbnails = [item for kind, item, to in heif.references if kind == "thmb" and heif.primary in to]
assert len(thumbnails) == 1, "heif-enc wrote no thumbnail"
heif_file = pillow_heif.open_heif(fixture("heic-thumbnail.heic"))
thumbnail = heif_file[heif_file.primary_index].get_thumbnail(0)
assert thumbnail.size == heif.stored_size(thumbnails[0]) and max(thumbnail.size) == 48, thumbnail.size
add("heic-thumbnail", "heic-thumbnail.heic", reference, thumbnail_width=thumbnail.size[0],
    thumbnail_height=thumbnail.size[1])

# AVIF: avifenc 0.11.1 has no -q; --min 0 --max 10 is its near-lossless quantizer range. -y 420 because
# it defaults to 4:4:4 for a PNG. thumbd reads AVIF through libheif, so the references are heif-convert's
# decode (libheif 1.15.1 and dav1d). libavif (Pillow's, avifdec) upsamples 4:2:0 chroma bilinearly where
# libheif 1.15 repeats each chroma sample; on these sharp synthetic rings the two differ by a mean of
# 2.2 to 3.0 levels (checked below to stay under 4); thumbd and libvips both show libheif's.
def av1_config(heif):
    """av1C's third byte: high_bitdepth 0x40, chroma subsampling x 0x08 and y 0x04."""
    return heif.prop(heif.primary, "av1C")[2]


run("avifenc", "-d", "8", "-y", "420", "--min", "0", "--max", "10", base_png, fixture("avif.avif"))
heif = Heif(read("avif.avif"))
assert heif.bit_depths(heif.primary) == [8, 8, 8] and av1_config(heif) & 0x4C == 0x0C, "not 8-bit 4:2:0"
reference = to_rgba(Image.open(heif_convert(fixture("avif.avif"))))
assert rgb_error(reference, base) < 5
assert rgb_error(reference, pillow_rgba("avif.avif")) < 4, "libheif and libavif disagree beyond their chroma upsampling"
add("avif", "avif.avif", reference)
run("avifenc", "-d", "10", "-y", "420", "--min", "0", "--max", "10", base16_png, fixture("avif-10bit.avif"))
heif = Heif(read("avif-10bit.avif"))
assert heif.bit_depths(heif.primary) == [10, 10, 10] and av1_config(heif) & 0x40, "not 10-bit"
width, height, rows, info = png.Reader(filename=heif_convert(fixture("avif-10bit.avif"))).asDirect()
assert info["bitdepth"] == 16 and info["planes"] == 3, info
samples = np.array([list(row) for row in rows], dtype=np.int64).reshape(height, width, 3)
assert not (samples & 63).any(), "heif-convert now scales 10-bit samples to 16 bits"
reference = ten_bit_to_rgba(samples)
assert rgb_error(reference, base) < 5
decoded = os.path.join(work, "avif-10bit.png")
run("avifdec", "-d", "8", fixture("avif-10bit.avif"), decoded)
assert rgb_error(reference, to_rgba(Image.open(decoded))) < 4, "libheif and libavif disagree beyond their chroma upsampling"
add("avif-10bit", "avif-10bit.avif", reference)
run("avifenc", "-d", "8", "-y", "420", "--min", "0", "--max", "10", alpha_png, fixture("avif-alpha.avif"))
assert "auxl" in [kind for kind, _, _ in Heif(read("avif-alpha.avif")).references], "no alpha item"
reference = to_rgba(Image.open(heif_convert(fixture("avif-alpha.avif"))))
assert np.array_equal(reference[..., 3], np.asarray(base_alpha)[..., 3]), "avifenc's alpha is not lossless"
assert rgb_error(reference, base) < 5
add("avif-alpha", "avif-alpha.avif", reference, alpha=True)
base.save(fixture("avif-pillow.avif"), quality=90)
reference = to_rgba(Image.open(heif_convert(fixture("avif-pillow.avif"))))
assert rgb_error(reference, base) < 5
assert rgb_error(reference, pillow_rgba("avif-pillow.avif")) < 4
add("avif-pillow", "avif-pillow.avif", reference)

# GIF: Pillow's and ImageMagick's files, read back by Pillow.
def gif_layout(name):
    """The logical screen's size and each image's (left, top, width, height, interlaced, transparent
    index or None), from the GIF's blocks."""
    data = read(name)
    screen = struct.unpack_from("<HH", data, 6)
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    images, transparent = [], None
    while data[at] != 0x3B:
        if data[at] == 0x21:  # an extension: a graphic control one carries the next image's transparency
            if data[at + 1] == 0xF9:
                transparent = data[at + 6] if data[at + 3] & 1 else None
            at += 2
        else:
            assert data[at] == 0x2C, hex(data[at])
            left, top, width, height, flags = struct.unpack_from("<HHHHB", data, at + 1)
            images.append((left, top, width, height, bool(flags & 0x40), transparent))
            transparent = None
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1  # then the LZW code size
        while data[at]:  # data sub-blocks
            at += data[at] + 1
        at += 1
    return screen, images


# Pillow interlaces a still GIF unless told not to (gif-transparent is so): this one is plain.
palette = base.quantize(colors=128)
palette.save(fixture("gif.gif"), interlace=False)
screen, images = gif_layout("gif.gif")
assert screen == (97, 61) and images == [(0, 0, 97, 61, False, None)], (screen, images)
reference = pillow_rgba("gif.gif")
assert np.array_equal(reference, to_rgba(palette)), "the palette's colours changed"
add("gif", "gif.gif", reference)
# Transparent index 255 (palette green, which no visible pixel shows) fills a disc.
y, x = np.mgrid[0:61, 0:97]
disc = np.hypot(x - 60, y - 30) < 18
quantized = base.quantize(colors=255)
indices = np.asarray(quantized).copy()
indices[disc] = 255
holed = Image.fromarray(indices, "P")
holed.putpalette((quantized.getpalette() + [0] * 768)[:765] + [0, 255, 0])
holed.save(fixture("gif-transparent.gif"), transparency=255)
assert gif_layout("gif-transparent.gif")[1][0][5] is not None, "no transparent index"
reference = pillow_rgba("gif-transparent.gif")
assert np.array_equal(reference[..., 3], np.where(disc, 0, 255)), "the transparent disc moved"
assert np.array_equal(reference[~disc], to_rgba(quantized)[~disc])
add("gif-transparent", "gif-transparent.gif", reference, alpha=True)
frames = [palette, base.transpose(Image.Transpose.ROTATE_180).quantize(colors=128),
          photo(97, 61, seed=4).quantize(colors=64)]
frames[0].save(fixture("gif-animated.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)
assert len(gif_layout("gif-animated.gif")[1]) == 3
reference = pillow_rgba("gif-animated.gif")
assert np.array_equal(reference, to_rgba(palette)), "frame 0 is not the picture"
assert rgb_error(pillow_rgba("gif-animated.gif", 1), base) > 30
add("gif-animated", "gif-animated.gif", reference, animated=True)
run(MAGICK, base_png, "-interlace", "GIF", fixture("gif-interlaced.gif"))
assert gif_layout("gif-interlaced.gif")[1][0][4], "ImageMagick did not interlace"
reference = pillow_rgba("gif-interlaced.gif")
assert rgb_error(reference, base) < 8  # ImageMagick's own palette, dithered
add("gif-interlaced", "gif-interlaced.gif", reference)
# A first image smaller than the screen: 40x30 at (10, 5) on 80x60, with a transparent index (a disc).
# Pillow gives the whole screen, and fills it with the first image's transparent index before drawing
# that image (GifImagePlugin's load_prepare), so everything outside the image is transparent (alpha
# 0), not the background colour.
y, x = np.mgrid[0:30, 0:40]
small_alpha = np.where(np.hypot(x - 28, y - 12) < 8, 0, 255).astype(np.uint8)
small = Image.fromarray(np.dstack([np.asarray(photo(40, 30, seed=2)), small_alpha]), "RGBA")
run(MAGICK, source(small, "small.png"), "-page", "80x60+10+5", fixture("gif-offset-frame.gif"))
screen, images = gif_layout("gif-offset-frame.gif")
assert screen == (80, 60) and images[0][:4] == (10, 5, 40, 30) and images[0][5] is not None, (screen, images)
reference = pillow_rgba("gif-offset-frame.gif")
expected_alpha = np.zeros((60, 80), np.uint8)
expected_alpha[5:35, 10:50] = small_alpha
assert np.array_equal(reference[..., 3], expected_alpha), "not the image on a transparent screen"
assert rgb_error(reference[5:35, 10:50][small_alpha > 0], np.asarray(small)[small_alpha > 0]) < 8
add("gif-offset-frame", "gif-offset-frame.gif", reference, alpha=True)

with open(os.path.join(out, "manifest.json"), "w") as handle:
    json.dump(manifest, handle, indent=1)
