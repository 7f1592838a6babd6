"""A .zip that came from someone else, opened only after what its directory says passes the limits (nothing is
decompressed before), and its members read never past what they may hold: shared by the Teach panel's projects and
the model files that "Open…" takes."""
import io
import zipfile

from ..i18n import _


def unsafe_name(name):
    """True for a member name that could point outside a folder (absolute, .., a backslash or a drive)."""
    return name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name or ":" in name


def open_checked(data, max_bytes, max_members, max_member_bytes, max_unpacked_bytes, error=ValueError):
    """The ZipFile of data after the checks that need no unpacking: its size, its member count, each member's and
    all members' unpacked size (from the directory), their names; else error(one message)."""
    if len(data) > max_bytes:
        raise error(_("the file is larger than {size} MB").format(size=max_bytes // 2**20))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise error(_("it is not a .zip file")) from None
    if len(members) > max_members:
        raise error(_("it holds more than {count} files").format(count=max_members))
    total = 0
    for member in members:
        if unsafe_name(member.filename):
            raise error(_("it holds a file with an unsafe name"))
        if member.file_size > max_member_bytes:
            raise error(_("a file inside it is larger than {size} MB").format(size=max_member_bytes // 2**20))
        total += member.file_size
    if total > max_unpacked_bytes:
        raise error(_("it unpacks to more than {size} MB").format(size=max_unpacked_bytes // 2**20))
    return archive


def read_member(archive, name, limit, error=ValueError):
    """One member's bytes, never more than limit (a member may lie about its size); else error(one message)."""
    try:
        with archive.open(name) as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, KeyError):
        raise error(_("a file inside it is damaged")) from None
    if len(data) > limit:
        raise error(_("a file inside it is larger than it says"))
    return data
