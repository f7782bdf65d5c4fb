// MsbSandbox: turns (in this process and across processes), stop, retire. The steps that make
// the VM ready are in MsbSandboxPrepare.cpp.
#include "MsbSandbox.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QTimer>

#include <unistd.h>

namespace pysandbox::msb {

namespace {

// Where this machine's processes meet for one sandbox of one server: `<base>.lock`, `<base>.epoch`.
QString machineFileBase(const QUrl &server, const QString &ns, const QString &name)
{
    const QByteArray key = server.toString(QUrl::NormalizePathSegments).toUtf8() + '|' + ns.toUtf8() + '|' + name.toUtf8();
    const QByteArray hash = QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(20);
    return QDir::tempPath() + QStringLiteral("/pysandbox-msb-%1-%2").arg(::getuid()).arg(QString::fromLatin1(hash));
}

} // namespace

QString sandboxLogPath(const QString &ns, const QString &name)
{
    QString home = qEnvironmentVariable("MICROSANDBOX_HOME");
    if (home.isEmpty())
        home = QDir::homePath() + QStringLiteral("/.microsandbox");
    return QStringLiteral("%1/namespaces/%2/.menv/log/Sandboxfile/%3.log").arg(home, ns, name);
}

MsbSandbox::MsbSandbox(MsbClient *client, SandboxTarget target, QObject *parent)
    : QObject(parent), m_client(client), m_target(std::move(target))
{
    const QString base = machineFileBase(m_client->config().server, m_target.ns, m_target.name);
    m_lock = std::make_unique<QLockFile>(base + QStringLiteral(".lock"));
    m_lock->setStaleLockTime(0); // stale only when its process is gone, however long a run takes
    m_epochPath = base + QStringLiteral(".epoch");
    m_seenEpoch = readEpoch();
}

MsbSandbox::~MsbSandbox() = default; // QLockFile unlocks when it goes

void MsbSandbox::acquire(QObject *context, ReadyCallback ready)
{
    m_waiters.append({context, std::move(ready)});
    // Never from inside the caller: it may still be setting itself up.
    QTimer::singleShot(0, this, &MsbSandbox::pump);
}

void MsbSandbox::withdraw(QObject *context)
{
    m_waiters.removeIf([context](const Waiter &waiter) { return waiter.context == context; });
}

void MsbSandbox::release()
{
    m_busy = false;
    unlockMachine();
    QTimer::singleShot(0, this, &MsbSandbox::pump);
}

void MsbSandbox::unlockMachine()
{
    if (m_locked) {
        m_lock->unlock();
        m_locked = false;
    }
}

void MsbSandbox::stopAndDelete()
{
    ++m_generation;
    connect(m_client->stop(m_target.ns, m_target.name), &MsbCall::finished, this, &QObject::deleteLater);
}

void MsbSandbox::invalidate(const QString &why)
{
    if (!m_mustRestart)
        m_notes.append(tr("the sandbox will be restarted before the next run: %1").arg(why));
    m_mustRestart = true;
    if (m_state == State::Ready)
        m_state = State::Unknown;
}

MsbCall *MsbSandbox::stop()
{
    // Whatever was under way is moot; the next turn finds the VM going and waits for it.
    ++m_generation;
    m_state = State::Unknown;
    m_mustRestart = false;
    m_awaitGone = true;
    m_resentStop = false;
    bumpEpoch();
    QTimer::singleShot(0, this, &MsbSandbox::pump);
    return m_client->stop(m_target.ns, m_target.name);
}

void MsbSandbox::retire()
{
    if (m_retiring)
        return;
    m_retiring = true;
    m_waiters.clear();
    if (m_state == State::Starting)
        return; // the start's answer stops the VM (see startVm)
    if (!m_startSent)
        return deleteLater();
    stopAndDelete();
}

bool MsbSandbox::tryLockForQuit()
{
    return takeMachineLock();
}

QStringList MsbSandbox::takeNotes()
{
    return std::exchange(m_notes, {});
}

bool MsbSandbox::takeMachineLock()
{
    if (m_locked || m_noLockFile)
        return true;
    if (m_lock->tryLock(0)) {
        m_locked = true;
        return true;
    }
    if (m_lock->error() == QLockFile::LockFailedError) {
        m_lockContended = true;
        return false;
    }
    // No lock file possible here (permissions, a full disk): carry on with this process's
    // turns only, and say so once.
    m_notes.append(tr("runs of other PySandbox processes on this sandbox are not kept apart: the lock file %1 "
                      "cannot be created").arg(m_lock->fileName()));
    m_noLockFile = true;
    return true;
}

void MsbSandbox::pump()
{
    m_waiters.removeIf([](const Waiter &waiter) { return waiter.context.isNull(); });
    if (m_busy || m_retiring || m_waiters.isEmpty())
        return;
    if (!takeMachineLock()) {
        // Another process (the CLI, a second window) runs a snippet on this VM now.
        if (!m_lockRetryPending) {
            m_lockRetryPending = true;
            QTimer::singleShot(50, this, [this] {
                m_lockRetryPending = false;
                pump();
            });
        }
        return;
    }
    // Someone else stopped or restarted it, or had turns since ours: look again first.
    if (m_state == State::Ready && (m_lockContended || readEpoch() != m_seenEpoch))
        m_state = State::Unknown;
    m_lockContended = false;
    if (m_state == State::Ready && !m_mustRestart) {
        const Waiter waiter = m_waiters.takeFirst();
        m_busy = true;
        waiter.ready(QString());
        m_bootedForLastRun = false; // the next turn finds it warm unless it is booted again
        return;
    }
    if (m_state == State::Unknown || m_state == State::Ready)
        prepare();
}

void MsbSandbox::failAll(const QString &error)
{
    m_state = State::Unknown;
    const QList<Waiter> waiters = std::exchange(m_waiters, {});
    for (const Waiter &waiter : waiters)
        if (waiter.context)
            waiter.ready(error);
    if (!m_busy)
        unlockMachine();
}

void MsbSandbox::onAnswer(MsbCall *call, std::function<void(const RpcResponse &)> handler)
{
    const quint64 generation = m_generation;
    connect(call, &MsbCall::finished, this, [this, generation, handler = std::move(handler)](const RpcResponse &response) {
        if (generation == m_generation)
            handler(response);
    });
}

void MsbSandbox::later(int ms, std::function<void()> step)
{
    const quint64 generation = m_generation;
    QTimer::singleShot(ms, this, [this, generation, step = std::move(step)] {
        if (generation == m_generation)
            step();
    });
}

QString MsbSandbox::readEpoch() const
{
    QFile file(m_epochPath);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.read(128)) : QString();
}

void MsbSandbox::bumpEpoch()
{
    const QString epoch = QStringLiteral("%1 %2 %3").arg(QDateTime::currentMSecsSinceEpoch()).arg(::getpid()).arg(m_generation);
    QSaveFile file(m_epochPath);
    if (file.open(QIODevice::WriteOnly)) {
        file.write(epoch.toUtf8());
        file.commit();
    }
    m_seenEpoch = epoch;
}

} // namespace pysandbox::msb
