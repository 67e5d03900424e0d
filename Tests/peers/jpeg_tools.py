"""What scan_fixtures.py and sequential_fixtures.py share: the test picture, running a tool, and
djpeg's decode as a reference.

The tools, and what provides each: djpeg, Debian package libjpeg-turbo-progs; numpy and PIL, pip
packages numpy and Pillow.
"""
import subprocess

import numpy as np
from PIL import Image


def picture(width, height, seed=1):
    """Gradients, rings and fine noise: detail in every frequency band, so every AC scan carries data."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rng = np.random.default_rng(seed)
    r = 128 + 100 * np.sin(x / 7) * np.cos(y / 11)
    g = 255 * x / max(1, width - 1)
    b = 255 * y / max(1, height - 1)
    rings = 60 * np.sin(np.hypot(x - width / 2, y - height / 2) / 5)
    noise = rng.normal(0, 12, (height, width, 3))
    rgb = np.stack([r + rings, g, b - rings], axis=-1) + noise
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def cmyk_picture(width, height, seed):
    """`picture` as CMYK: K from the brightest channel, the rest of each channel's darkness in C, M, Y."""
    rgb = np.asarray(picture(width, height, seed)).astype(np.int32)
    k = 255 - rgb.max(axis=2)
    cmyk = np.dstack([255 - rgb[..., 0] - k, 255 - rgb[..., 1] - k, 255 - rgb[..., 2] - k, k]).clip(0, 255).astype(np.uint8)
    return Image.fromarray(cmyk, "CMYK")


def run(*args, **kwargs):
    return subprocess.run([str(arg) for arg in args], check=True, stdout=subprocess.PIPE, **kwargs).stdout


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


def djpeg_reference(path, scale):
    """`djpeg -scale 1/SCALE` of the file as raw bytes, row-major: RGBA (alpha 255) or gray; and its
    (width, height)."""
    channels, width, height, samples = read_pnm(run("djpeg", "-scale", f"1/{scale}", "-pnm", path))
    array = np.frombuffer(samples, np.uint8).reshape(height, width, channels)
    if channels == 3:
        array = np.dstack([array, np.full((height, width), 255, np.uint8)])
    return np.ascontiguousarray(array).tobytes(), (width, height)
