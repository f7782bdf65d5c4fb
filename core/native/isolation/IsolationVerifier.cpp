#include "IsolationVerifier.h"

#include <QFile>
#include <QFileInfo>

#include <unistd.h>

namespace pysandbox {

namespace {

QString nsLink(const QString &process, const char *ns)
{
    // The raw target ("net:[4026531840]"): QFileInfo::symLinkTarget() would prefix the link's
    // own directory, which differs for every pid.
    const QByteArray path = QFile::encodeName(QStringLiteral("/proc/%1/ns/%2").arg(process, QLatin1String(ns)));
    char target[128];
    const ssize_t size = ::readlink(path.constData(), target, sizeof target);
    return size > 0 ? QString::fromLatin1(target, static_cast<qsizetype>(size)) : QString();
}

// The mount in force at "/" (device and root of that mount), from a mountinfo file.
QByteArray rootMount(const QString &process)
{
    QFile mountinfo(QStringLiteral("/proc/%1/mountinfo").arg(process));
    if (!mountinfo.open(QIODevice::ReadOnly))
        return {};
    QByteArray root;
    for (const QByteArray &line : mountinfo.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 5 && fields.at(4) == "/")
            root = fields.at(2) + ' ' + fields.at(3);
    }
    return root;
}

QByteArray statusField(const QByteArray &status, const QByteArray &name)
{
    for (const QByteArray &line : status.split('\n'))
        if (line.startsWith(name + ':'))
            return line.mid(name.size() + 1).trimmed();
    return {};
}

bool rootIsReadOnly(const QString &process)
{
    QFile mountinfo(QStringLiteral("/proc/%1/mountinfo").arg(process));
    if (!mountinfo.open(QIODevice::ReadOnly))
        return false;
    // Fields: id parent major:minor root mountpoint options … The last "/" entry is the one in force.
    bool readOnly = false;
    for (const QByteArray &line : mountinfo.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 5 && fields.at(4) == "/")
            readOnly = fields.at(5).split(',').contains("ro");
    }
    return readOnly;
}

} // namespace

QStringList expectedSandboxLayers()
{
    return {QStringLiteral("user-namespace"), QStringLiteral("pid-namespace"), QStringLiteral("network-namespace"),
            QStringLiteral("ipc-namespace"),  QStringLiteral("uts-namespace"), QStringLiteral("cgroup-namespace"),
            QStringLiteral("mount-namespace"), QStringLiteral("read-only-root"), QStringLiteral("seccomp"),
            QStringLiteral("no-new-privileges"), QStringLiteral("no-capabilities")};
}

namespace {

constexpr std::pair<const char *, const char *> kNamespaces[] = {
    {"user", "user-namespace"}, {"pid", "pid-namespace"}, {"net", "network-namespace"}, {"ipc", "ipc-namespace"},
    {"uts", "uts-namespace"},   {"cgroup", "cgroup-namespace"}, {"mnt", "mount-namespace"},
};

// The layers /proc/<pid>/status shows: seccomp mode, no_new_privs, empty capability sets.
QStringList statusLayers(const QString &process)
{
    QStringList active;
    QFile statusFile(QStringLiteral("/proc/%1/status").arg(process));
    if (!statusFile.open(QIODevice::ReadOnly))
        return active;
    const QByteArray status = statusFile.readAll();
    if (statusField(status, "Seccomp") == "2")
        active.append(QStringLiteral("seccomp"));
    if (statusField(status, "NoNewPrivs") == "1")
        active.append(QStringLiteral("no-new-privileges"));
    bool noCapabilities = true;
    for (const char *set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
        const QByteArray value = statusField(status, set);
        noCapabilities = noCapabilities && !value.isEmpty() && value.toULongLong(nullptr, 16) == 0;
    }
    if (noCapabilities)
        active.append(QStringLiteral("no-capabilities"));
    return active;
}

VerifiedLayers sorted(const QStringList &active)
{
    VerifiedLayers layers;
    for (const QString &layer : expectedSandboxLayers())
        (active.contains(layer) ? layers.active : layers.unverified).append(layer);
    return layers;
}

} // namespace

VerifiedLayers verifySandboxLayers(pid_t pid)
{
    const QString process = QString::number(pid);
    QStringList active;
    for (const auto &[ns, layer] : kNamespaces) {
        const QString theirs = nsLink(process, ns);
        if (!theirs.isEmpty() && theirs != nsLink(QStringLiteral("self"), ns))
            active.append(QLatin1String(layer));
    }
    // A mount namespace that shows the host's own root hides nothing.
    if (active.contains(QStringLiteral("mount-namespace"))) {
        const QByteArray theirs = rootMount(process);
        if (theirs.isEmpty() || theirs == rootMount(QStringLiteral("self")))
            active.removeAll(QStringLiteral("mount-namespace"));
    }
    if (rootIsReadOnly(process))
        active.append(QStringLiteral("read-only-root"));
    return sorted(active + statusLayers(process));
}

VerifiedLayers verifySandboxLayersLike(pid_t pid, pid_t reference, const VerifiedLayers &referenceLayers)
{
    const QString process = QString::number(pid);
    bool same = true;
    for (const auto &[ns, layer] : kNamespaces) {
        const QString theirs = nsLink(process, ns);
        same = same && !theirs.isEmpty() && theirs == nsLink(QString::number(reference), ns);
    }
    QStringList active = statusLayers(process);
    const QStringList ownLayers{QStringLiteral("seccomp"), QStringLiteral("no-new-privileges"), QStringLiteral("no-capabilities")};
    if (same) // the same namespaces: the same mounts, so the same root
        for (const QString &layer : referenceLayers.active)
            if (!ownLayers.contains(layer))
                active.append(layer);
    return sorted(active);
}

} // namespace pysandbox
