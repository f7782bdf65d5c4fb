#include "IsolationProbe.h"

#include "BubblewrapCommand.h"
#include "SeccompFilter.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <sys/syscall.h>
#include <unistd.h>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::IsolationProbe", text);
}

#ifndef SYS_landlock_create_ruleset
constexpr long SYS_landlock_create_ruleset = 444;
#endif
constexpr unsigned kLandlockCreateRulesetVersion = 1U << 0;

} // namespace

int IsolationProbe::landlockAbi()
{
    const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kLandlockCreateRulesetVersion);
    return abi > 0 ? static_cast<int>(abi) : 0;
}

QString IsolationProbe::explainBubblewrapFailure(const QString &stderrText)
{
    const QString text = stderrText.trimmed();
    if (text.contains(QLatin1String("setting up uid map")) && text.contains(QLatin1String("Permission denied")))
        return tr("bubblewrap may not create user namespaces (\"%1\"). On Ubuntu 24.04 and later AppArmor "
                  "restricts them: install Ubuntu's bubblewrap package (it ships an AppArmor profile) or set "
                  "kernel.apparmor_restrict_unprivileged_userns=0 with sysctl.").arg(text);
    if (text.contains(QLatin1String("No permissions to creat")) || text.contains(QLatin1String("Operation not permitted")))
        return tr("the kernel refuses unprivileged user namespaces (\"%1\"): enable them with "
                  "sysctl kernel.unprivileged_userns_clone=1 (Debian) or check user.max_user_namespaces.").arg(text);
    if (text.contains(QLatin1String("No space left on device")))
        return tr("user namespaces are switched off (\"%1\"): raise user.max_user_namespaces with sysctl.").arg(text);
    return tr("bubblewrap could not start a sandbox: %1").arg(text.isEmpty() ? tr("no message") : text);
}

IsolationSupport IsolationProbe::probe(const QString &bubblewrapSetting)
{
    IsolationSupport support;
    support.landlockAbi = landlockAbi();

    const SeccompFilter &filter = SeccompFilter::standard();
    support.seccompWorks = filter.isValid();
    if (!support.seccompWorks)
        support.problems.append(tr("the seccomp filter could not be built: %1").arg(filter.error));

    const QString wanted = bubblewrapSetting.isEmpty() ? QStringLiteral("bwrap") : bubblewrapSetting;
    support.bubblewrap = wanted.contains(QLatin1Char('/')) ? (QFileInfo(wanted).isExecutable() ? wanted : QString())
                                                           : QStandardPaths::findExecutable(wanted);
    if (support.bubblewrap.isEmpty()) {
        support.problems.append(tr("bubblewrap (%1) is not installed: install it with \"sudo apt install bubblewrap\" "
                                   "to give snippets namespaces, a read-only system view and no network").arg(wanted));
        return support;
    }

    QProcess version;
    version.start(support.bubblewrap, {QStringLiteral("--version")});
    if (version.waitForFinished(5000))
        support.bubblewrapVersion = QString::fromUtf8(version.readAllStandardOutput()).trimmed();

    // A trial run with the same namespaces, mounts and filter layout a snippet gets.
    BubblewrapPlan plan;
    plan.program = QStringLiteral("/usr/bin/true");
    plan.scratchBytes = 1 << 20;
    QProcess trial;
    trial.setProgram(support.bubblewrap);
    trial.setArguments(bubblewrapArguments(plan));
    trial.setStandardInputFile(QProcess::nullDevice());
    trial.start();
    if (!trial.waitForFinished(10'000)) {
        trial.kill();
        trial.waitForFinished(1000);
        support.problems.append(tr("bubblewrap did not finish a trial sandbox within 10 s"));
        return support;
    }
    support.namespacesWork = trial.exitStatus() == QProcess::NormalExit && trial.exitCode() == 0;
    if (!support.namespacesWork)
        support.problems.append(explainBubblewrapFailure(QString::fromLocal8Bit(trial.readAllStandardError())));
    return support;
}

} // namespace pysandbox
