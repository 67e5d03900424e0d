"""Decodes a ThumbHash independently of thumbd: a line-for-line port of the reference decoder of Evan
Wallace's ThumbHash (https://evanw.github.io/thumbhash/; github.com/evanw/thumbhash, js/thumbhash.js:
thumbHashToRGBA, thumbHashToAverageRGBA, thumbHashToApproximateAspectRatio), in plain Python floats
(IEEE doubles, as JavaScript's numbers), summing in the same order, so its pixels are the reference's
(barring a last-bit difference between two libraries' cosines).

  thumbhash_decode.py HASH [--png OUT.png]
  thumbhash_decode.py --compare HASH IMAGE [--png OUT.png]

HASH is standard base64 (padded, as the reference example writes it); anything else is refused.
Prints one JSON object: "width", "height" (the decoded placeholder's, 32 on the longer side as the
reference renders it), "average_rgba" (0-255; the reference gives floats 0-1, here scaled by 255 and
rounded as JavaScript's Math.round would, the floats themselves in "average_rgba_float"),
"average_hex" ("#rrggbb" of those), "aspect_ratio" (width / height, approximate), "has_alpha".
--png writes the placeholder as an RGBA PNG.

--compare also reads IMAGE with Pillow (turned upright by its EXIF orientation, as RGBA), shrinks it
to the placeholder's size with Pillow's box filter, and adds "mean_abs_error" (the mean absolute
difference of R, G and B, 0-255, over every pixel: transparent ones too, so it means most for an opaque
image), "alpha_mean_abs_error" (the same for A), "image_width", "image_height" and
"image_aspect_ratio" (those of the upright image).
"""
import argparse
import base64
import binascii
import json
import math
import sys


def js_round(value):
    """JavaScript's Math.round: halves go up."""
    return math.floor(value + 0.5)


def byte(hash_bytes, index):
    """A hash byte; past the end, JavaScript reads undefined, which bit operations take as 0."""
    return hash_bytes[index] if index < len(hash_bytes) else 0


def approximate_aspect_ratio(hash_bytes):
    """thumbHashToApproximateAspectRatio."""
    header = byte(hash_bytes, 3)
    has_alpha = byte(hash_bytes, 2) & 0x80
    is_landscape = byte(hash_bytes, 4) & 0x80
    lx = (5 if has_alpha else 7) if is_landscape else header & 7
    ly = header & 7 if is_landscape else (5 if has_alpha else 7)
    return lx / ly


def average_rgba(hash_bytes):
    """thumbHashToAverageRGBA: floats 0-1."""
    header = byte(hash_bytes, 0) | byte(hash_bytes, 1) << 8 | byte(hash_bytes, 2) << 16
    l = (header & 63) / 63
    p = ((header >> 6) & 63) / 31.5 - 1
    q = ((header >> 12) & 63) / 31.5 - 1
    has_alpha = header >> 23
    a = (byte(hash_bytes, 5) & 15) / 15 if has_alpha else 1
    b = l - 2 / 3 * p
    r = (3 * l - b + q) / 2
    g = r - q
    return [float(max(0, min(1, r))), float(max(0, min(1, g))), float(max(0, min(1, b))), float(a)]


def to_rgba(hash_bytes):
    """thumbHashToRGBA: (w, h, RGBA bytes, row by row, not premultiplied)."""
    header24 = byte(hash_bytes, 0) | byte(hash_bytes, 1) << 8 | byte(hash_bytes, 2) << 16
    header16 = byte(hash_bytes, 3) | byte(hash_bytes, 4) << 8
    l_dc = (header24 & 63) / 63
    p_dc = ((header24 >> 6) & 63) / 31.5 - 1
    q_dc = ((header24 >> 12) & 63) / 31.5 - 1
    l_scale = ((header24 >> 18) & 31) / 31
    has_alpha = header24 >> 23
    p_scale = ((header16 >> 3) & 63) / 63
    q_scale = ((header16 >> 9) & 63) / 63
    is_landscape = header16 >> 15
    lx = max(3, (5 if has_alpha else 7) if is_landscape else header16 & 7)
    ly = max(3, header16 & 7 if is_landscape else (5 if has_alpha else 7))
    a_dc = (byte(hash_bytes, 5) & 15) / 15 if has_alpha else 1
    a_scale = (byte(hash_bytes, 5) >> 4) / 15

    # The varying factors, four bits each, low nibble first (saturation boosted 1.25x, as the
    # reference does to make up for quantization).
    ac_start = 6 if has_alpha else 5
    ac_index = 0

    def decode_channel(nx, ny, scale):
        nonlocal ac_index
        ac = []
        for cy in range(ny):
            cx = 0 if cy else 1
            while cx * ny < nx * (ny - cy):
                nibble = (byte(hash_bytes, ac_start + (ac_index >> 1)) >> ((ac_index & 1) << 2)) & 15
                ac.append((nibble / 7.5 - 1) * scale)
                ac_index += 1
                cx += 1
        return ac

    l_ac = decode_channel(lx, ly, l_scale)
    p_ac = decode_channel(3, 3, p_scale * 1.25)
    q_ac = decode_channel(3, 3, q_scale * 1.25)
    a_ac = decode_channel(5, 5, a_scale) if has_alpha else []

    # The inverse DCT, pixel by pixel.
    ratio = approximate_aspect_ratio(hash_bytes)
    w = js_round(32 if ratio > 1 else 32 * ratio)
    h = js_round(32 / ratio if ratio > 1 else 32)
    rgba = bytearray(w * h * 4)
    fx = [0.0] * max(lx, 5 if has_alpha else 3)
    fy = [0.0] * max(ly, 5 if has_alpha else 3)
    i = 0
    for y in range(h):
        for x in range(w):
            l, p, q, a = l_dc, p_dc, q_dc, a_dc
            for cx in range(len(fx)):
                fx[cx] = math.cos(math.pi / w * (x + 0.5) * cx)
            for cy in range(len(fy)):
                fy[cy] = math.cos(math.pi / h * (y + 0.5) * cy)
            j = 0
            for cy in range(ly):
                cx = 0 if cy else 1
                fy2 = fy[cy] * 2
                while cx * ly < lx * (ly - cy):
                    l += l_ac[j] * fx[cx] * fy2
                    cx += 1
                    j += 1
            j = 0
            for cy in range(3):
                cx = 0 if cy else 1
                fy2 = fy[cy] * 2
                while cx < 3 - cy:
                    f = fx[cx] * fy2
                    p += p_ac[j] * f
                    q += q_ac[j] * f
                    cx += 1
                    j += 1
            if has_alpha:
                j = 0
                for cy in range(5):
                    cx = 0 if cy else 1
                    fy2 = fy[cy] * 2
                    while cx < 5 - cy:
                        a += a_ac[j] * fx[cx] * fy2
                        cx += 1
                        j += 1
            b = l - 2 / 3 * p
            r = (3 * l - b + q) / 2
            g = r - q
            # The reference stores these in a Uint8Array, which drops the fraction (truncates).
            rgba[i] = int(max(0, 255 * min(1, r)))
            rgba[i + 1] = int(max(0, 255 * min(1, g)))
            rgba[i + 2] = int(max(0, 255 * min(1, b)))
            rgba[i + 3] = int(max(0, 255 * min(1, a)))
            i += 4
    return w, h, bytes(rgba)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="compare the placeholder with IMAGE")
    parser.add_argument("hash", help="the ThumbHash, standard base64")
    parser.add_argument("image", nargs="?", help="with --compare: the image the hash was made from")
    parser.add_argument("--png", help="write the decoded placeholder here")
    args = parser.parse_args()
    if args.compare != (args.image is not None):
        parser.error("IMAGE goes with --compare, and only there")
    try:
        hash_bytes = base64.b64decode(args.hash, validate=True)
    except binascii.Error as error:
        sys.exit(f"thumbhash_decode.py: not standard base64: {error}")
    if len(hash_bytes) < 5:
        sys.exit(f"thumbhash_decode.py: {len(hash_bytes)} bytes is shorter than a ThumbHash's header")
    if not hash_bytes[3] & 7:  # the reference would divide by it, or draw nothing; no encoder writes it
        sys.exit("thumbhash_decode.py: the hash's shorter side has no luminance terms")

    w, h, rgba = to_rgba(hash_bytes)
    average = average_rgba(hash_bytes)
    average_255 = [js_round(value * 255) for value in average]
    result = {
        "width": w,
        "height": h,
        "average_rgba": average_255,
        "average_rgba_float": average,
        "average_hex": "#%02x%02x%02x" % tuple(average_255[:3]),
        "aspect_ratio": approximate_aspect_ratio(hash_bytes),
        "has_alpha": bool(byte(hash_bytes, 2) & 0x80),
    }
    if args.png or args.compare:
        from PIL import Image  # only here: a bare decode needs nothing beyond the standard library

        placeholder = Image.frombytes("RGBA", (w, h), rgba)
        if args.png:
            placeholder.save(args.png)
    if args.compare:
        from PIL import ImageOps

        with Image.open(args.image) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGBA")
        # Pillow shrinks RGBA premultiplied, so transparent pixels' colour does not bleed in.
        shrunk = image.resize((w, h), Image.Resampling.BOX)
        got, want = placeholder.tobytes(), shrunk.tobytes()
        rgb = [abs(got[k] - want[k]) for k in range(len(got)) if k % 4 != 3]
        alpha = [abs(got[k] - want[k]) for k in range(3, len(got), 4)]
        result.update(mean_abs_error=sum(rgb) / len(rgb), alpha_mean_abs_error=sum(alpha) / len(alpha),
                      image_width=image.width, image_height=image.height,
                      image_aspect_ratio=image.width / image.height)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
