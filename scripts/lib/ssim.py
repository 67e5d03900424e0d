"""Mean SSIM of thumbnails against a reference: Pillow's Lanczos resize of the full-resolution image
(no draft mode, no reducing gap) to each thumbnail's own size. SSIM on luma (BT.601), Gaussian
window 11 x 11, sigma 1.5, the constants of Wang et al. (2004).

  ssim.py SOURCE_DIR OUT_DIR [OUT_DIR...]   prints one JSON object: {out_dir: [mean_ssim, count]}
Thumbnails (JPEG, PNG, WebP or AVIF) are matched to sources by file stem, so the thumbnails of a
derived corpus (WebP or HEIC made from the JPEGs under the same stems) can be scored against the
original JPEGs. Sources without a thumbnail in any OUT_DIR are skipped.
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


source_dir, *out_dirs = sys.argv[1:]
sources = by_stem(source_dir)
thumbnails = {out: by_stem(out) for out in out_dirs}
scores = {out: [] for out in out_dirs}
for stem, path in sorted(sources.items()):
    if not any(stem in thumbnails[out] for out in out_dirs):
        continue
    full = flatten(Image.open(path))
    cache = {}
    for out in out_dirs:
        if stem not in thumbnails[out]:
            continue
        thumb = Image.open(thumbnails[out][stem]).convert("RGB")
        if thumb.size not in cache:
            cache[thumb.size] = luma(full.resize(thumb.size, Image.Resampling.LANCZOS, reducing_gap=None))
        scores[out].append(ssim(cache[thumb.size], luma(thumb)))
print(json.dumps({out: (sum(values) / len(values) if values else None, len(values)) for out, values in scores.items()}))
