"""Hostile source images for the chaos run, each with the error code thumbd must dead-letter it with.
Built here with Pillow and by hand, so nothing binary is committed.

  hostile_images() -> [(name, bytes, expected_code)]

The over-budget image assumes the chaos run's THUMBD_DECODE_MEMORY_MB (64): a 4000 x 3000 progressive
JPEG needs libjpeg's 72 MB whole-image coefficient buffer.
"""
import io
import struct
import zlib

from PIL import Image


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width, height, idat, color_type=0, bit_depth=8, extra=b""):
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + extra + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def _photo(width, height):
    """A smooth picture that compresses well (a gradient with a radial pattern)."""
    return Image.merge("RGB", [Image.linear_gradient("L").resize((width, height)),
                               Image.radial_gradient("L").resize((width, height)),
                               Image.linear_gradient("L").rotate(90).resize((width, height))])


def _segments(data):
    """Splits a JPEG into (marker, bytes) pieces; a scan's piece runs to the next marker."""
    pieces, offset = [], 2
    while offset < len(data):
        marker = data[offset + 1]
        if marker == 0xD9:
            pieces.append((marker, data[offset:offset + 2]))
            break
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        end = offset + 2 + length
        if marker == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
        pieces.append((marker, data[offset:end]))
        offset = end
    return pieces


def _many_scans(count):
    """A progressive JPEG whose last scan is repeated until there are `count` scans."""
    pieces = _segments(_jpeg(_photo(256, 256), progressive=True, quality=90))
    scans = [piece for marker, piece in pieces if marker == 0xDA]
    body = b"".join(piece for marker, piece in pieces if marker != 0xD9)
    return b"\xff\xd8" + body + scans[-1] * (count - len(scans)) + b"\xff\xd9"


def _bomb(side):
    """A grey PNG of side x side zero pixels: a few hundred KB that would decode to side^2 bytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return _png(side, side, idat)


def _webp(image):
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def _huge_jpeg_dimensions():
    """A baseline JPEG whose frame header says 65535 x 65535 (4.3 gigapixels)."""
    data = bytearray(_jpeg(_photo(64, 64)))
    offset = data.index(b"\xff\xc0")
    data[offset + 5:offset + 9] = struct.pack(">HH", 65535, 65535)
    return bytes(data)


def hostile_images():
    photo = _jpeg(_photo(800, 600), quality=85)
    tiff = io.BytesIO()
    _photo(64, 64).save(tiff, "TIFF")
    huge_chunk = _png(16, 16, zlib.compress(b"\x00" * 17 * 16), extra=struct.pack(">I", 0x7FFFFFF0) + b"tEXtcomment")
    return [
        ("empty.jpg", b"", "empty"),
        ("not-an-image.jpg", b"this is a text file, not a picture\n" * 20, "unsupported_format"),
        ("scan.tiff", tiff.getvalue(), "unsupported_format"),
        ("truncated.webp", _webp(_photo(300, 200))[:900], "truncated"),
        ("truncated.jpg", photo[: len(photo) * 2 // 5], "truncated"),
        ("bomb-144mp.png", _bomb(12000), "too_large"),
        ("billions.png", _png(2_000_000_000, 2_000_000_000, zlib.compress(b"\x00" * 64)), "too_large"),
        ("huge-dimensions.jpg", _huge_jpeg_dimensions(), "too_large"),
        ("5000-scans.jpg", _many_scans(5000), "corrupt"),
        ("huge-chunk.png", huge_chunk, "truncated"),
        ("over-memory-budget.jpg", _jpeg(_photo(4000, 3000), progressive=True, quality=80), "over_memory_budget"),
    ]


if __name__ == "__main__":
    import os
    import sys
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    for name, data, code in hostile_images():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        print(f"{name:28} {len(data):>9} bytes  expect {code}")
