"""Mean size of the thumbnails in each directory, counting the image data only: the file less its
metadata, which thumbd does not write and libvips copies from the source (EXIF, XMP, ICC: several KB
a file on some of the corpus, more than the picture itself in a 400 px AVIF). Removed from the count:
JPEG's APP1 to APP15 and COM segments (APP0, the JFIF header, stays); WebP's ICCP, EXIF and XMP
chunks, and the VP8X header when nothing else needs it (no alpha, no animation). AVIF and PNG count
whole: the bench writes libvips' AVIF with `strip` (which libvips 8.14's WebP writer ignores).

  thumb_bytes.py DIR [DIR...]   prints one JSON object: {dir: [mean_data_bytes, mean_file_bytes, count]}
"""
import json
import os
import struct
import sys


def jpeg_metadata(data):
    size, at = 0, 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the entropy-coded data follows
            break
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            size += 2 + length
        at += 2 + length
    return size


def webp_metadata(data):
    size, at, chunks = 0, 12, []
    while at + 8 <= len(data):
        fourcc, length = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        chunks.append(fourcc)
        padded = 8 + length + (length & 1)
        if fourcc in (b"ICCP", b"EXIF", b"XMP "):
            size += padded
        at += padded
    if b"VP8X" in chunks and not {b"ALPH", b"ANIM", b"ANMF"} & set(chunks) and b"VP8L" not in chunks:
        size += 8 + 10
    return size


def data_bytes(path):
    with open(path, "rb") as file:
        data = file.read()
    if data[:2] == b"\xff\xd8":
        return len(data) - jpeg_metadata(data), len(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return len(data) - webp_metadata(data), len(data)
    return len(data), len(data)


result = {}
for directory in sys.argv[1:]:
    sizes = [data_bytes(os.path.join(directory, name)) for name in sorted(os.listdir(directory)) if not name.startswith(".")]
    count = len(sizes)
    result[directory] = [sum(s[0] for s in sizes) / count, sum(s[1] for s in sizes) / count, count] if count else [None, None, 0]
print(json.dumps(result))
