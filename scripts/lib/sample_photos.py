"""Writes sample photos for the demo and the service tests with Pillow: the original assignment's five
(canyon, dancing, owl, skyline, street) and a few bad inputs.

  sample_photos.py OUTDIR
"""
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def photo(width, height, seed):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 90 * np.sin(x / (9 + seed) + y / 31)
    g = 128 + 90 * np.cos(y / (13 + seed))
    b = 255 * (x + y) / (width + height)
    rings = 40 * np.sin(np.hypot(x - width / 3, y - height / 2) / (4 + seed))
    return Image.fromarray(np.clip(np.stack([r + rings, g, b - rings], -1), 0, 255).astype(np.uint8), "RGB")


for name, (width, height), seed in [
    ("canyon", (1600, 1000), 1), ("dancing", (800, 1200), 2), ("owl", (900, 900), 3),
    ("skyline", (2000, 600), 4), ("street", (1200, 800), 5),
]:
    photo(width, height, seed).save(os.path.join(out, name + ".jpg"), quality=90)
photo(400, 300, 6).save(os.path.join(out, "transparent.png"))
with open(os.path.join(out, "notes.jpg"), "w") as handle:
    handle.write("this is a text file with a .jpg name\n")
