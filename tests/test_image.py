"""Image input: every edge case with a real file made here with Pillow."""
import io
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from cnn_explainer.net import image as img
from cnn_explainer.net.image import ImageError, prepare

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def encode(picture, fmt, **options):
    """The bytes of picture saved in the given format."""
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def check_output(array):
    """prepare() always gives a float32 (64, 64, 3) array in [0, 1]."""
    assert array.dtype == np.float32
    assert array.shape == (64, 64, 3)
    assert 0.0 <= array.min() and array.max() <= 1.0
    return array


def colour(array, row, col):
    """The 0..255 RGB colour of one pixel of a prepared array."""
    return tuple(np.rint(array[row, col] * 255).astype(int))


def near(actual, expected, tolerance):
    """True when every channel of two RGB tuples is within tolerance."""
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def random_rgb(size, seed=0):
    """A random RGB Pillow image of the given (width, height)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def bands(colours, band=64, vertical=True):
    """Side-by-side (or stacked) solid bands of the given colours, each band×band."""
    n = len(colours)
    picture = Image.new("RGB", (band * n, band) if vertical else (band, band * n))
    for i, c in enumerate(colours):
        box = (i * band, 0, (i + 1) * band, band) if vertical else (0, i * band, band, (i + 1) * band)
        picture.paste(c, box)
    return picture


def test_png_64_is_passed_through_exactly(tmp_path):
    picture = random_rgb((64, 64))
    path = tmp_path / "a.png"
    picture.save(path)
    array, square = prepare(str(path))
    check_output(array)
    assert square.size == (64, 64) and square.mode == "RGB"
    assert np.array_equal(np.rint(array * 255).astype(np.uint8), np.asarray(picture))


def test_path_bytes_and_file_object_give_the_same(tmp_path):
    data = encode(random_rgb((80, 70), seed=4), "PNG")
    (tmp_path / "b.png").write_bytes(data)
    from_path = prepare(str(tmp_path / "b.png"))[0]
    assert np.array_equal(from_path, prepare(data)[0])
    assert np.array_equal(from_path, prepare(io.BytesIO(data))[0])


def test_jpeg():
    array = check_output(prepare(encode(Image.new("RGB", (100, 100), (200, 30, 60)), "JPEG", quality=95))[0])
    assert near(colour(array, 32, 32), (200, 30, 60), 4)


def test_webp():
    picture = bands([RED, GREEN], band=32)  # 64×32 → centre crop keeps the middle 32×32: half red, half green
    array = check_output(prepare(encode(picture, "WEBP", lossless=True))[0])
    assert near(colour(array, 32, 2), RED, 2) and near(colour(array, 32, 61), GREEN, 2)


def test_bmp():
    picture = random_rgb((64, 64), seed=2)
    array = check_output(prepare(encode(picture, "BMP"))[0])
    assert np.array_equal(np.rint(array * 255).astype(np.uint8), np.asarray(picture))


def test_tiff_is_accepted():
    array = check_output(prepare(encode(Image.new("RGB", (64, 64), (10, 20, 30)), "TIFF"))[0])
    assert colour(array, 5, 5) == (10, 20, 30)


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("RGB", (64, 64), c) for c in (RED, BLUE, GREEN)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    array = check_output(prepare(data)[0])
    assert colour(array, 0, 0) == RED and colour(array, 40, 40) == RED


def test_grayscale_l():
    array = check_output(prepare(encode(Image.new("L", (64, 64), 100), "PNG"))[0])
    assert np.all(array == np.float32(100 / 255))


def test_16_bit_grayscale_png_is_scaled_down():
    values = np.full((64, 64), 65535, np.uint16)
    values[:, 32:] = 200 * 257  # the 16-bit value of 8-bit 200 (a division by 256 would give 201)
    values[40:, :32] = 0
    values[40:, 32:] = 3 * 257 + 128  # 3.498 after the division by 257
    data = encode(Image.fromarray(values), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    array = check_output(prepare(data)[0])
    assert colour(array, 5, 5) == WHITE
    assert colour(array, 5, 50) == (200, 200, 200)
    assert colour(array, 60, 10) == (0, 0, 0)
    assert colour(array, 60, 50) == (3, 3, 3)


def test_cmyk_jpeg():
    data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", quality=95)  # no cyan, full magenta+yellow
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    r, g, b = colour(check_output(prepare(data)[0]), 32, 32)
    assert r > 240 and g < 15 and b < 15


def test_palette_with_transparency_goes_on_white():
    picture = Image.new("P", (64, 64), 0)
    picture.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)  # index 0 black, index 1 dark green
    picture.paste(1, (32, 0, 64, 64))
    data = encode(picture, "PNG", transparency=0)
    reopened = Image.open(io.BytesIO(data))
    assert reopened.mode == "P" and "transparency" in reopened.info
    array = check_output(prepare(data)[0])
    assert colour(array, 10, 5) == WHITE  # the transparent black is white, not black
    assert colour(array, 10, 60) == (0, 128, 0)


def test_rgba_transparency_is_composited_on_white():
    picture = Image.new("RGBA", (64, 64), (0, 0, 0, 0))  # fully transparent black
    picture.paste((255, 0, 0, 255), (0, 0, 64, 16))  # opaque red
    picture.paste((0, 0, 0, 128), (0, 48, 64, 64))  # half-transparent black
    array = check_output(prepare(encode(picture, "PNG"))[0])
    assert colour(array, 32, 32) == WHITE
    assert colour(array, 2, 32) == RED
    assert near(colour(array, 60, 32), (127, 127, 127), 1)


def test_grayscale_with_alpha():
    picture = Image.new("LA", (64, 64), (0, 0))
    array = check_output(prepare(encode(picture, "PNG"))[0])
    assert colour(array, 0, 0) == WHITE


def test_exif_orientation_is_applied():
    stored = bands([RED, BLUE], band=64, vertical=False)  # 64×128: red on top, blue below
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation 6: the camera was turned; show the picture rotated 90° clockwise
    data = encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    array = check_output(prepare(data)[0])
    # Rotated clockwise it is 128 wide, 64 high: blue on the left, red on the right; the centre crop keeps both.
    assert near(colour(array, 32, 2), BLUE, 12) and near(colour(array, 32, 61), RED, 12)
    without = check_output(prepare(encode(stored, "JPEG", quality=95))[0])
    assert near(colour(without, 2, 32), RED, 12) and near(colour(without, 61, 32), BLUE, 12)


def test_wide_image_is_centre_cropped():
    array = check_output(prepare(encode(bands([RED, GREEN, BLUE]), "PNG"))[0])
    assert np.all(np.rint(array * 255) == GREEN)


def test_tall_image_is_centre_cropped_and_downscaled():
    array = check_output(prepare(encode(bands([BLUE, RED, GREEN], band=200, vertical=False), "PNG"))[0])
    # The Lanczos filter of Pillow's resize(box=...) reaches a pixel or so past the crop box: the outermost
    # output rows carry a trace of the neighbouring bands; everything else is red.
    assert np.all(np.abs(np.rint(array[1:-1] * 255) - RED) <= 2)
    assert np.all(np.abs(np.rint(array * 255) - RED) <= 20)


def test_tiny_image_is_upscaled_not_refused():
    picture = Image.new("RGB", (5, 3), (40, 80, 120))
    array = check_output(prepare(encode(picture, "PNG"))[0])
    assert np.all(np.abs(array * 255 - (40, 80, 120)) < 1)
    one = check_output(prepare(encode(Image.new("RGB", (1, 1), BLUE), "PNG"))[0])
    assert colour(one, 63, 63) == BLUE


def test_image_over_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(img, "MAX_PIXELS", 64 * 64 - 1)
    with pytest.raises(ImageError, match="limit"):
        prepare(encode(Image.new("RGB", (64, 64)), "PNG"))
    monkeypatch.setattr(img, "MAX_PIXELS", 64 * 64)
    check_output(prepare(encode(Image.new("RGB", (64, 64)), "PNG"))[0])


def png_header_claiming(width, height):
    """A PNG whose IHDR claims width×height but which carries one tiny IDAT: a cheap decompression bomb."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


# 64, 100 and 900 megapixels: over our limit; also over Pillow's warning threshold; also over its own bomb guard
@pytest.mark.parametrize("side", [8000, 10000, 30000])
def test_huge_claimed_size_is_refused_before_decoding(side):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning on the side: just our one clear error
        with pytest.raises(ImageError, match="pixels"):
            prepare(png_header_claiming(side, side))


def test_file_larger_than_the_byte_limit_is_refused(monkeypatch):
    data = encode(random_rgb((64, 64)), "PNG")
    monkeypatch.setattr(img, "MAX_BYTES", len(data) - 1)
    with pytest.raises(ImageError, match="MB"):
        prepare(data)


def test_truncated_jpeg_is_refused():
    data = encode(random_rgb((256, 256), seed=3), "JPEG", quality=90)
    with pytest.raises(ImageError, match="damaged or cut short"):
        prepare(data[: len(data) // 2])


def test_a_jpeg_cut_inside_its_header_is_refused_in_our_words():
    """Pillow's "Truncated File Read" (English, whatever the page's language) never reaches the visitor: our own
    message, which the catalogue translates, does."""
    data = encode(random_rgb((256, 256), seed=3), "JPEG", quality=90)
    for length in (10, 100, 300):
        with pytest.raises(ImageError) as info:
            prepare(data[:length])
        assert str(info.value) == "the image is damaged or cut short", length


def test_truncated_png_is_refused(tmp_path):
    data = encode(random_rgb((128, 128), seed=5), "PNG")
    (tmp_path / "t.png").write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageError):
        prepare(str(tmp_path / "t.png"))


def test_non_image_bytes_are_refused(tmp_path):
    with pytest.raises(ImageError, match="not an image"):
        prepare(b"%PDF-1.4 this is certainly not a picture" * 10)
    (tmp_path / "notes.jpg").write_text("hello, I am text with an image suffix\n")
    with pytest.raises(ImageError, match="not an image"):
        prepare(str(tmp_path / "notes.jpg"))


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(ImageError, match="empty"):
        prepare(b"")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError):
        prepare(str(tmp_path / "empty.png"))


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        prepare(str(tmp_path / "nope.png"))


@pytest.mark.parametrize("fmt", ["PPM", "ICO", "TGA"])
def test_unaccepted_formats_are_refused_by_name(fmt):
    data = encode(Image.new("RGB", (64, 64), RED), fmt)
    assert Image.open(io.BytesIO(data)).format == fmt  # Pillow can read it; we refuse it on purpose
    with pytest.raises(ImageError, match=f"{fmt} images are not accepted"):
        prepare(data)


def test_other_pixel_ranges_and_one_channel():
    data = encode(bands([(0, 0, 0), WHITE], band=32), "PNG")
    array, _ = prepare(data, (64, 64, 3), (-1.0, 1.0))
    assert array.dtype == np.float32 and array.min() == -1.0 and array.max() == 1.0
    gray, _ = prepare(encode(Image.new("RGB", (64, 64), (255, 255, 255)), "PNG"), (32, 32, 1))
    assert gray.shape == (32, 32, 1) and np.all(gray == 1.0)


def test_image_error_is_a_value_error():
    assert issubclass(ImageError, ValueError)


def test_a_big_jpeg_is_decoded_at_reduced_size_and_gives_nearly_the_same_input():
    y, x = np.mgrid[0:3000, 0:4000]
    pixels = np.stack([128 + 100 * np.sin(x / 300), 128 + 100 * np.cos(y / 250), (x + y) / 7000 * 255], -1)
    buffer = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=92)
    data = buffer.getvalue()
    decoded = img.open_image(data)
    # 4000×3000 at 1/4 (1/8 would leave a side under 512 px): 16 times fewer pixels to decode and keep
    assert decoded.size == (1000, 750)
    ours = prepare(data)[0]
    with Image.open(io.BytesIO(data)) as full:  # the reference: Pillow's full-size decode, then the same crop and resize
        reference = np.asarray(full.convert("RGB").resize((64, 64), Image.Resampling.LANCZOS, box=(500, 0, 3500, 3000)),
                               dtype=np.float32) / 255
    assert np.abs(ours - reference).mean() < 0.01 and np.abs(ours - reference).max() < 0.06


def test_a_small_jpeg_is_decoded_at_full_size():
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (10, 200, 30)).save(buffer, "JPEG")
    assert img.open_image(buffer.getvalue()).size == (900, 600)  # half size would leave 300 px: under 512
