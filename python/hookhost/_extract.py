"""Unpack a code archive for hookhost's start-up, refusing members that escape.

Run by the hookhost master as ``python3 _extract.py ARCHIVE DEST`` (a child
process: the master never embeds Python).  A member is refused, and nothing
is extracted, when its name is absolute or climbs out with ``..``, when it is a
link whose target would resolve outside DEST, or when it is a device or FIFO.
"""
import os
import sys
import tarfile


def _inside(root, path):
    root = os.path.realpath(root)
    path = os.path.realpath(path)
    return path == root or path.startswith(root + os.sep)


def check_member(member, dest):
    """Returns None when member is safe to extract into dest, else the reason."""
    name = member.name
    if os.path.isabs(name) or name.startswith(("/", "\\")):
        return "absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "path climbs out with '..'"
    if not _inside(dest, os.path.join(dest, name)):
        return "path escapes the code directory"
    if member.issym():
        target = os.path.join(dest, os.path.dirname(name), member.linkname)
        if os.path.isabs(member.linkname) or not _inside(dest, target):
            return "symbolic link pointing outside the code directory"
    if member.islnk():
        if os.path.isabs(member.linkname) or not _inside(dest, os.path.join(dest, member.linkname)):
            return "hard link pointing outside the code directory"
    if member.isdev() or member.isfifo():
        return "device or FIFO"
    return None


def extract(archive, dest):
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            reason = check_member(member, dest)
            if reason is not None:
                raise ValueError("refusing archive member %r: %s" % (member.name, reason))
        for member in members:
            # Ownership and modes from a foreign archive are not ours to keep.
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.mode &= 0o755 if member.isdir() else 0o644
            if member.isdir():
                member.mode |= 0o700
        tar.extractall(dest, members=members)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: _extract.py ARCHIVE DEST\n")
        return 2
    try:
        extract(argv[1], argv[2])
    except (OSError, ValueError, tarfile.TarError) as error:
        sys.stderr.write("cannot unpack %s: %s\n" % (argv[1], error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
