"""Turn an image file into the model's input: decode, orient, convert to RGB, centre-crop, resize, scale."""
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..i18n import _
from .model import scale_pixels

ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF")
MAX_PIXELS = 50_000_000  # a bigger image is refused before decoding (a decompression bomb, or just too big)
MAX_BYTES = 40 * 1024 * 1024
# A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when both sides stay at least this long: the model sees 64 px and
# the crop preview a few hundred, while a full 49-megapixel decode would take a second and 150 MB.
DRAFT_SIDE = 512


class ImageError(ValueError):
    """An input that cannot become a model input; the message says why in plain words."""


def open_image(source):
    """Decode bytes, a path or a file object into an oriented RGB Pillow image, or raise ImageError."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageError(_("the file is empty"))
        if len(source) > MAX_BYTES:
            raise ImageError(_("the file is {size} MB; the limit is {limit} MB").format(
                size=f"{len(source) / 2**20:.0f}", limit=MAX_BYTES // 2**20))
        source = io.BytesIO(bytes(source))
    try:
        with warnings.catch_warnings():  # our own, lower MAX_PIXELS limit is checked below: no stray stderr warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
    except FileNotFoundError:
        raise ImageError(_("file not found")) from None
    except UnidentifiedImageError:
        raise ImageError(_("this is not an image file we can read (try JPEG, PNG, WebP, GIF, BMP or TIFF)")) from None
    except Image.DecompressionBombError:
        raise ImageError(too_many_pixels()) from None
    except OSError as error:
        if error.errno is None:  # Pillow's own ("Truncated File Read", in English): a damaged file, said in our words
            raise ImageError(_("the image is damaged or cut short")) from None
        raise ImageError(_("the file cannot be read ({error})").format(error=error.strerror or error)) from None
    if image.format not in ACCEPTED_FORMATS:
        raise ImageError(_("{format} images are not accepted (use JPEG, PNG, WebP, GIF, BMP or TIFF)").format(
            format=image.format))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(_("the image is {width}×{height} pixels; the limit is {limit} megapixels").format(
            width=width, height=height, limit=MAX_PIXELS // 10**6))
    if width < 1 or height < 1:
        raise ImageError(_("the image has no pixels"))
    try:
        image.seek(0)  # animated GIF / WebP: the first frame
        if image.format in ("JPEG", "MPO"):
            image.draft(None, (DRAFT_SIDE, DRAFT_SIDE))
        image.load()
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise ImageError(too_many_pixels()) from None
    except (OSError, SyntaxError, ValueError, EOFError):  # Pillow's own wording ("… bytes not processed") helps no one
        raise ImageError(_("the image is damaged or cut short")) from None
    return to_rgb(image)


def too_many_pixels():
    """The message for an image over Pillow's decompression-bomb limit."""
    return _("the image has too many pixels (the limit is {limit} megapixels)").format(limit=MAX_PIXELS // 10**6)


def to_rgb(image):
    """Any Pillow mode as 8-bit RGB: alpha composited on white, 16-bit and float scaled down."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or values.max(initial=0) > 255:
            values = values / 257.0
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def fit_square(image, size):
    """Centre-crop to a square and resize to size (height, width) with an antialiasing filter."""
    return ImageOps.fit(image, (size[1], size[0]), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def to_array(image, pixel_range=(0.0, 1.0), channels=3):
    """An RGB Pillow image as a float32 (H, W, channels) array scaled into pixel_range."""
    if channels == 1:
        image = image.convert("L")
    return scale_pixels(np.asarray(image, dtype=np.uint8).reshape(image.size[1], image.size[0], channels), pixel_range)


def prepare(source, input_shape=(64, 64, 3), pixel_range=(0.0, 1.0)):
    """File bytes/path → (model input array, the square RGB Pillow image it was made from)."""
    square = fit_square(open_image(source), input_shape[:2])
    return to_array(square, pixel_range, input_shape[2]), square


def picture_pixels(source, input_shape=(64, 64, 3)):
    """File bytes/path → its 8-bit pixels (H, W, C) at a model's input size, unscaled (what the trainer keeps)."""
    square = fit_square(open_image(source), input_shape[:2])
    if input_shape[2] == 1:
        square = square.convert("L")
    return np.asarray(square, dtype=np.uint8).reshape(input_shape)


def prepare_for(model, source):
    """prepare() with the model's own input shape and pixel range."""
    return prepare(source, model.input_shape, model.pixel_range)
