#include "ScratchDirectory.h"

#include <QDir>

#include <ftw.h>
#include <sys/stat.h>

namespace pysandbox {

namespace {

int makeOwnerAccessible(const char *path, const struct stat *info, int type, FTW *)
{
    // Symlinks are never followed (FTW_PHYS), so this cannot touch anything outside.
    if (type == FTW_D || type == FTW_DNR)
        ::chmod(path, (info->st_mode & 07777) | S_IRWXU);
    return 0;
}

} // namespace

bool removeScratchTree(const QString &path)
{
    if (path.isEmpty() || !QDir(path).exists())
        return true;
    const QByteArray native = QFile::encodeName(path);
    // Each pass opens up one more level of directories that were unreadable before; the
    // snippet can nest them as deep as its file-size and inode budget allows.
    for (int pass = 0; pass < 256; ++pass) {
        ::chmod(native.constData(), S_IRWXU);
        ::nftw(native.constData(), makeOwnerAccessible, 32, FTW_PHYS | FTW_MOUNT);
        if (QDir(path).removeRecursively())
            return true;
    }
    return false;
}

} // namespace pysandbox
