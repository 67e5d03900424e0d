"""Mean SSIM of thumbnails against a reference: Pillow's Lanczos resize of the full-resolution image
(no draft mode, no reducing gap) to each thumbnail's own size. SSIM on luma (BT.601), Gaussian
window 11 x 11, sigma 1.5, the constants of Wang et al. (2004).

  ssim.py [--fill] SOURCE_DIR OUT_DIR [OUT_DIR...]   prints one JSON object: {out_dir: [mean_ssim, count]}
Thumbnails (JPEG, PNG, WebP or AVIF) are matched to sources by file stem, up to a "--" (so the
thumbnails of a derived corpus, WebP or HEIC made from the JPEGs under the same stems, or STEM--mozjpeg
re-encodes, are scored against the original JPEGs). Sources without a thumbnail are skipped.
--fill: the thumbnails cover their box and were cropped to it around the centre, so the reference is
the full image resized to cover the thumbnail's size (thumbd's rounding) and cropped the same way.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

Image.MAX_IMAGE_PIXELS = None


def gaussian_filter(image, sigma=1.5, radius=5):
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-(x ** 2) / (2 * sigma ** 2))
    kernel /= kernel.sum()
    out = np.apply_along_axis(lambda row: np.convolve(row, kernel, mode="valid"), 1, image)
    return np.apply_along_axis(lambda col: np.convolve(col, kernel, mode="valid"), 0, out)


def luma(image):
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_filter(a), gaussian_filter(b)
    var_a = gaussian_filter(a * a) - mu_a ** 2
    var_b = gaussian_filter(b * b) - mu_b ** 2
    cov = gaussian_filter(a * b) - mu_a * mu_b
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def flatten(image):
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")


try:  # HEIC sources, where pillow-heif is installed (deps.sh)
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:
    pass


def by_stem(directory):
    return {os.path.splitext(name)[0]: os.path.join(directory, name) for name in os.listdir(directory) if not name.startswith(".")}


def reference(full, size, fill):
    if not fill:
        return full.resize(size, Image.Resampling.LANCZOS, reducing_gap=None)
    width, height = size
    scale = min(max(width / full.width, height / full.height), 1)  # never enlarged, as thumbd
    cover = (max(1, round(full.width * scale)), max(1, round(full.height * scale)))
    left, top = (cover[0] - width) // 2, (cover[1] - height) // 2
    return full.resize(cover, Image.Resampling.LANCZOS, reducing_gap=None).crop((left, top, left + width, top + height))


arguments = sys.argv[1:]
fill = arguments[:1] == ["--fill"]
if fill:
    arguments = arguments[1:]
source_dir, *out_dirs = arguments
sources = by_stem(source_dir)
scores = {out: [] for out in out_dirs}
thumbnails = {}  # source stem -> [(out_dir, path)]
for out in out_dirs:
    for stem, path in by_stem(out).items():
        if stem.split("--")[0] in sources:
            thumbnails.setdefault(stem.split("--")[0], []).append((out, path))
for stem in sorted(thumbnails):
    full = flatten(Image.open(sources[stem]))
    cache = {}
    for out, path in thumbnails[stem]:
        thumb = Image.open(path).convert("RGB")
        if thumb.size not in cache:
            cache[thumb.size] = luma(reference(full, thumb.size, fill))
        scores[out].append(ssim(cache[thumb.size], luma(thumb)))
print(json.dumps({out: (sum(values) / len(values) if values else None, len(values)) for out, values in scores.items()}))
