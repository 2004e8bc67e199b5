"""Shop photos: checked, re-encoded with Pillow and stored without any metadata.

A phone photo carries EXIF data, often with the GPS position where it was taken (the
owner's home, if they took it there). Re-encoding from pixels alone drops all of it.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

# What phones and computers save photos as. HEIC (iPhone) needs a plug-in Pillow lacks:
# iPhones convert to JPEG when uploading through a browser's file picker.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# A 48-megapixel phone camera, with room to spare; far larger is a decompression bomb.
MAX_PIXELS = 60_000_000
SIZES = {"large": 1200, "small": 480}
QUALITY = 82


class PhotoRejected(ValueError):
    """The upload is not a photo we can use; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredPhoto:
    name: str  # "<hash>": files are "<hash>-large.jpg" and "<hash>-small.jpg"


def _open(data: bytes, too_large: str, not_a_photo: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(not_a_photo)
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(too_large)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(too_large) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(not_a_photo) from None
    return image


def encode(image: Image.Image, longest_side: int) -> bytes:
    """The photo as a JPEG no larger than `longest_side`, with no metadata at all."""
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: Pillow writes none unless asked.
    copy.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def store(data: bytes, folder: Path, *, too_large: str, not_a_photo: str) -> StoredPhoto:
    """Check, re-encode and save the photo in each size. Raises PhotoRejected."""
    image = _open(data, too_large, not_a_photo)
    # Turn it the way the phone held it, then forget the orientation tag with the rest.
    upright = ImageOps.exif_transpose(image)
    if upright.mode != "RGB":
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    encoded = {size: encode(upright, side) for size, side in SIZES.items()}
    name = hashlib.sha256(encoded["large"]).hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    for size, body in encoded.items():
        path = folder / f"{name}-{size}.jpg"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(body)
        temporary.replace(path)
    return StoredPhoto(name)


def remove(folder: Path, name: str) -> None:
    for size in SIZES:
        (folder / f"{name}-{size}.jpg").unlink(missing_ok=True)


def path_of(folder: Path, file_name: str) -> Path | None:
    """The stored file for a URL's file name, or None if the name is not one of ours."""
    stem, _, extension = file_name.rpartition(".")
    name, _, size = stem.rpartition("-")
    if extension != "jpg" or size not in SIZES or len(name) != 24 or not name.isalnum():
        return None
    path = folder / file_name
    return path if path.is_file() else None
