"""The Pillow peer of the benchmark: what a Python service would do, in one process over every file:
open, Image.thumbnail (draft mode for JPEG, reducing_gap 2.0, Lanczos), save as JPEG quality 85."""
import os
import sys

from PIL import Image

Image.MAX_IMAGE_PIXELS = None
size, out_dir, *inputs = sys.argv[1:]
width, height = (int(part) for part in size.split("x"))
for path in inputs:
    with Image.open(path) as image:
        image.thumbnail((width, height), Image.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, image)
        image.convert("RGB").save(os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0] + ".jpg"), quality=85)
