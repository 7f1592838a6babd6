"""The files "Open…" is given, as a model: our NAME.json + NAME.npz, a TF.js model.json + its .bin shards, or one
.zip holding either (what the Teach panel exports). Pure: the page reads the files' bytes and calls this."""
from ..i18n import _
from ..net import safe_zip, tfjs, weights
from . import markup

MODEL_EXTENSIONS = (".json", ".npz", ".bin")
MAX_ZIP_BYTES = 40 * 2**20  # the .zip as it arrives (the page's limit on any file)
MAX_ZIP_MEMBERS = 100  # a model is a .json and an .npz, or a model.json and its shards
MAX_ZIP_MEMBER_BYTES = 128 * 2**20  # one member, unpacked, from the directory before any is decompressed
MAX_ZIP_UNPACKED_BYTES = weights.MAX_ARRAY_BYTES + weights.MAX_JSON_BYTES  # all members, unpacked


def is_zip(name):
    """True for a file name that ends in .zip (any case)."""
    return name.lower().endswith(".zip")


def wanted(name):
    """True for a file of a model (.json, .npz, .bin); a zip's folders, macOS's __MACOSX/ copies and dot files aside."""
    base = name.rsplit("/", 1)[-1]
    return name.endswith(MODEL_EXTENSIONS) and not base.startswith(".") and not name.startswith("__MACOSX/")


def unzip_model(data, where="model.zip"):
    """The model files in a .zip's bytes as {file name: bytes}, folders flattened; WeightsError with one message for
    a hostile or unusable zip (too big, too many members, a bomb, unsafe names, two files of the same name)."""
    def refuse(message):
        return weights.WeightsError(f"{where}: {message}")
    archive = safe_zip.open_checked(data, MAX_ZIP_BYTES, MAX_ZIP_MEMBERS, MAX_ZIP_MEMBER_BYTES, MAX_ZIP_UNPACKED_BYTES,
                                    refuse)
    files = {}
    for member in archive.infolist():
        if member.is_dir() or not wanted(member.filename):
            continue
        base = member.filename.rsplit("/", 1)[-1]
        if base in files:
            raise refuse(_("it holds two files named “{name}”").format(name=markup.isolate(base)))
        files[base] = safe_zip.read_member(archive, member.filename, member.file_size, refuse)
    if not any(name.endswith(".json") for name in files):
        raise refuse(_("it holds no model (no .json file)"))
    return files


def model_from_files(files):
    """A model from {file name: bytes} as chosen: one .zip on its own, or the files of one model; WeightsError if not."""
    zips = [name for name in files if is_zip(name)]
    if zips and len(files) > 1:
        raise weights.WeightsError(_("Choose a .zip on its own, or the files of a model without a .zip."))
    if zips:
        files = unzip_model(files[zips[0]], markup.isolate(zips[0]))
    json_name = next((name for name in files if name.endswith(".json")), None)
    if json_name is None:
        raise weights.WeightsError(_("Choose the files of a model together: its .json and its .npz, or a TF.js "
                                     "model.json and its .bin files."))
    json_bytes, where = files[json_name], markup.isolate(json_name)
    if tfjs.is_tfjs(weights.parse_spec(json_bytes, where)):
        shards = {name: data for name, data in files.items() if name.endswith(".bin")}
        stem = json_name.rsplit(".", 1)[0]
        return tfjs.load_tfjs_bytes(json_bytes, shards, where, "tfjs-model" if stem == "model" else stem)
    npz_name = next((name for name in files if name.endswith(".npz")), None)
    if npz_name is None:
        raise weights.WeightsError(_("Choose both files of a model together: its .json and its .npz."))
    return weights.load_model_bytes(json_bytes, files[npz_name], where)
