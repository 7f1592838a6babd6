"""Find, unpack and list the labelled image folders (Tiny-ImageNet layout or ImageFolder layout)."""
import os
import tarfile

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DEFAULT_DATA_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
DEFAULT_CACHE_DIR = os.path.join(REPO_ROOT, ".cache", "data")
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".webp", ".bmp", ".gif")


class DataError(ValueError):
    """A data folder that is missing or not in a layout we know."""


def find_data_dir(path=None):
    """The data folder given, else ../shared/data beside the checkout when it exists, else None."""
    if path:
        if not os.path.isdir(path):
            raise DataError(f"data folder {path!r} does not exist")
        return path
    return DEFAULT_DATA_DIR if os.path.isdir(DEFAULT_DATA_DIR) else None


def unpack(data_dir, cache_dir=DEFAULT_CACHE_DIR):
    """Extract every .tar of data_dir into cache_dir once; return {top folder name: its path}."""
    roots = {}
    for name in sorted(os.listdir(data_dir)):
        full = os.path.join(data_dir, name)
        if name.endswith(".tar"):
            marker = os.path.join(cache_dir, "." + name + ".done")
            with tarfile.open(full) as tar:
                tops = sorted({m.name.split("/")[0] for m in tar.getmembers()})
                if not os.path.exists(marker):
                    os.makedirs(cache_dir, exist_ok=True)
                    tar.extractall(cache_dir, filter="data")
                    open(marker, "w").close()
            roots.update({top: os.path.join(cache_dir, top) for top in tops})
        elif os.path.isdir(full):
            roots[name] = full
    return roots


def is_tiny_imagenet(root):
    """True for the Tiny ImageNet layout (wnids.txt at the top)."""
    return os.path.exists(os.path.join(root, "wnids.txt"))


def class_synonyms(root):
    """{class id: [names]} from a Tiny-ImageNet words.txt, or {} when there is none."""
    path = os.path.join(root, "words.txt")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {wnid: [n.strip() for n in names.split(",")] for wnid, names in (line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)}


def list_split(root, split):
    """[(image path, class id)] of one split ('train' or 'val'), in a stable order, for either layout."""
    if is_tiny_imagenet(root) and split == "val" and os.path.exists(os.path.join(root, "val", "val_annotations.txt")):
        with open(os.path.join(root, "val", "val_annotations.txt")) as f:
            rows = [line.split("\t")[:2] for line in f if line.strip()]
        return sorted((os.path.join(root, "val", "images", name), wnid) for name, wnid in rows)
    folder = os.path.join(root, split)
    if not os.path.isdir(folder):
        raise DataError(f"{root!r} has no {split}/ folder (expected Tiny-ImageNet or ImageFolder layout)")
    samples = []
    for class_id in sorted(os.listdir(folder)):
        class_dir = os.path.join(folder, class_id)
        if not os.path.isdir(class_dir):
            continue
        for dirpath, _, files in os.walk(class_dir):
            samples += [(os.path.join(dirpath, f), class_id) for f in files if f.lower().endswith(IMAGE_SUFFIXES)]
    if not samples:
        raise DataError(f"no images found under {folder!r}")
    return sorted(samples)


def label_mapper(model, root):
    """A function class id → index into model.classes (None when the model has no such class)."""
    ids = model.meta.get("class_ids") or []
    synonyms = class_synonyms(root)
    lookup = {name.lower(): i for i, name in enumerate(model.classes)}

    def to_index(class_id):
        if class_id in ids:
            return ids.index(class_id)
        for name in [class_id] + synonyms.get(class_id, []):
            if name.lower() in lookup:
                return lookup[name.lower()]
        return None

    return to_index
