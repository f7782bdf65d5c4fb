// The pure parts of the sandbox: bwrap arguments, the seccomp program, failure explanations.
#include "native/isolation/BubblewrapCommand.h"
#include "native/isolation/IsolationProbe.h"
#include "native/isolation/SeccompFilter.h"

#include <QTest>

using namespace pysandbox;

namespace {

BubblewrapPlan samplePlan()
{
    BubblewrapPlan plan;
    plan.program = QStringLiteral("/opt/py/bin/python3");
    plan.programArguments = {QStringLiteral("-I"), QStringLiteral("-c"), QStringLiteral("--not-a-bwrap-flag")};
    plan.readOnlyPaths = {QStringLiteral("/opt/py"), QStringLiteral("/usr/lib/python3/dist-packages")};
    plan.readOnlyFiles = {{QStringLiteral("/home/me/data.csv"), QStringLiteral("/work/files/data.csv")}};
    plan.environment = {QStringLiteral("HOME=/work"), QStringLiteral("ODD=a=b")};
    plan.seccompFd = 5;
    return plan;
}

// The value following `flag`, or the empty string.
bool hasSequence(const QStringList &args, const QStringList &sequence)
{
    for (qsizetype i = 0; i + sequence.size() <= args.size(); ++i)
        if (args.mid(i, sequence.size()) == sequence)
            return true;
    return false;
}

} // namespace

class TestIsolationUnits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyLayerIsAsked();
    void programComesLastAfterDoubleDash();
    void pathsAndFiles();
    void removedLayersAreLeftOut_data();
    void removedLayersAreLeftOut();
    void seccompProgramBuilds();
    void failureExplanations_data();
    void failureExplanations();
};

void TestIsolationUnits::everyLayerIsAsked()
{
    const QStringList args = bubblewrapArguments(samplePlan());
    for (const char *flag : {"--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                             "--unshare-cgroup", "--disable-userns", "--die-with-parent", "--new-session", "--clearenv"})
        QVERIFY2(args.contains(QLatin1String(flag)), flag);
    QVERIFY(hasSequence(args, {QStringLiteral("--cap-drop"), QStringLiteral("ALL")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--hostname"), QStringLiteral("pysandbox")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--seccomp"), QStringLiteral("5")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--remount-ro"), QStringLiteral("/")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--ro-bind"), QStringLiteral("/usr"), QStringLiteral("/usr")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--proc"), QStringLiteral("/proc")}));
    QVERIFY(!args.contains(QStringLiteral("--bind"))); // nothing of the host is writable
    QVERIFY(!args.contains(QStringLiteral("/home")));
}

void TestIsolationUnits::programComesLastAfterDoubleDash()
{
    const QStringList args = bubblewrapArguments(samplePlan());
    const qsizetype dash = args.indexOf(QStringLiteral("--"));
    QVERIFY(dash > 0);
    QCOMPARE(args.mid(dash + 1), (QStringList{QStringLiteral("/opt/py/bin/python3"), QStringLiteral("-I"), QStringLiteral("-c"),
                                               QStringLiteral("--not-a-bwrap-flag")}));
}

void TestIsolationUnits::pathsAndFiles()
{
    const QStringList args = bubblewrapArguments(samplePlan());
    QVERIFY(hasSequence(args, {QStringLiteral("--ro-bind"), QStringLiteral("/opt/py"), QStringLiteral("/opt/py")}));
    // Paths under /usr are already there read-only.
    QVERIFY(!hasSequence(args, {QStringLiteral("--ro-bind"), QStringLiteral("/usr/lib/python3/dist-packages")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--ro-bind"), QStringLiteral("/home/me/data.csv"), QStringLiteral("/work/files/data.csv")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--setenv"), QStringLiteral("ODD"), QStringLiteral("a=b")}));
    QVERIFY(hasSequence(args, {QStringLiteral("--size"), QString::number(64LL << 20), QStringLiteral("--tmpfs"), QStringLiteral("/work")}));
}

void TestIsolationUnits::removedLayersAreLeftOut_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QStringList>("gone");
    QTest::newRow("network") << QStringLiteral("network-namespace") << QStringList{QStringLiteral("--unshare-net")};
    QTest::newRow("pid") << QStringLiteral("pid-namespace") << QStringList{QStringLiteral("--unshare-pid")};
    QTest::newRow("seccomp") << QStringLiteral("seccomp") << QStringList{QStringLiteral("--seccomp")};
    QTest::newRow("caps") << QStringLiteral("no-capabilities") << QStringList{QStringLiteral("--cap-drop")};
    QTest::newRow("ro root") << QStringLiteral("read-only-root") << QStringList{QStringLiteral("--remount-ro\n/")};
    QTest::newRow("session") << QStringLiteral("new-session") << QStringList{QStringLiteral("--new-session")};
}

void TestIsolationUnits::removedLayersAreLeftOut()
{
    QFETCH(QString, layer);
    QFETCH(QStringList, gone);
    BubblewrapPlan plan = samplePlan();
    plan.removedLayers = {layer};
    const QString joined = bubblewrapArguments(plan).join(QLatin1Char('\n')) + QLatin1Char('\n');
    for (const QString &flag : gone)
        QVERIFY2(!joined.contains(flag + QLatin1Char('\n')), qPrintable(flag));
    const QStringList args = bubblewrapArguments(plan);
    QVERIFY(args.contains(QStringLiteral("--unshare-user"))); // everything else stays
    QVERIFY(args.contains(QStringLiteral("--die-with-parent")));
}

void TestIsolationUnits::seccompProgramBuilds()
{
    const SeccompFilter filter = SeccompFilter::build();
    QVERIFY2(filter.isValid(), qPrintable(filter.error)); // no rule was silently refused
    QCOMPARE(filter.bpf.size() % 8, 0);                   // whole struct sock_filter entries
    for (const char *name : {"ptrace", "keyctl", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "mount",
                             "unshare", "setns", "init_module", "kexec_load", "open_by_handle_at"})
        QVERIFY2(filter.deniedCalls.contains(QLatin1String(name)), name);
    QCOMPARE(SeccompFilter::standard().bpf, filter.bpf); // deterministic, so the cache is the same program
}

void TestIsolationUnits::failureExplanations_data()
{
    QTest::addColumn<QString>("bwrapSays");
    QTest::addColumn<QString>("advice");
    QTest::newRow("apparmor") << QStringLiteral("bwrap: setting up uid map: Permission denied") << QStringLiteral("apparmor_restrict_unprivileged_userns");
    QTest::newRow("sysctl") << QStringLiteral("bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces") << QStringLiteral("unprivileged_userns_clone");
    QTest::newRow("max") << QStringLiteral("bwrap: Creating new namespace failed: No space left on device") << QStringLiteral("max_user_namespaces");
    QTest::newRow("other") << QStringLiteral("bwrap: something odd") << QStringLiteral("something odd");
}

void TestIsolationUnits::failureExplanations()
{
    QFETCH(QString, bwrapSays);
    QFETCH(QString, advice);
    const QString text = IsolationProbe::explainBubblewrapFailure(bwrapSays);
    QVERIFY2(text.contains(advice), qPrintable(text));
}

QTEST_GUILESS_MAIN(TestIsolationUnits)
#include "tst_isolation_units.moc"
