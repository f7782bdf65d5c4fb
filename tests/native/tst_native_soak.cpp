// Many runs in a row leak nothing: file descriptors, processes, scratch directories.
#include "TestSupport.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

int childrenOfThisProcess()
{
    int count = 0;
    const QString self = QString::number(::getpid());
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1) == self.toLatin1())
            ++count;
    }
    return count;
}

int scratchDirectories()
{
    return static_cast<int>(QDir(QDir::tempPath()).entryList({QStringLiteral("pysandbox-run-*")}, QDir::Dirs).size());
}

} // namespace

class TestNativeSoak : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fiftyRunsLeakNothing();
};

void TestNativeSoak::fiftyRunsLeakNothing()
{
    // A private temp root, so that suites running in parallel do not show up in the count.
    QTemporaryDir privateTemp;
    QVERIFY(privateTemp.isValid());
    qputenv("TMPDIR", privateTemp.path().toUtf8());
    NativeEngine engine(nativeConfig());
    runCode(engine, QStringLiteral("result = 0")); // warm caches (interpreter lookup, resources)
    const int fdsBefore = openFileDescriptorCount();
    const int scratchBefore = scratchDirectories();
    const QList<QString> snippets{
        QStringLiteral("result = sum(range(100))"),
        QStringLiteral("print('x' * 1000)\nraise ValueError('boom')"),
        QStringLiteral("import subprocess\nsubprocess.Popen(['sleep', '5'])\nresult = 1"),
        QStringLiteral("open('f.txt', 'w').write('data')\nimport os\nos.chmod('.', 0)\nresult = 2"),
        QStringLiteral("import os\nos._exit(3)"),
    };
    for (int i = 0; i < 50; ++i) {
        const RunCapture run = runCode(engine, snippets.at(i % snippets.size()));
        QVERIFY2(run.envelope.status != RunStatus::EngineError, qPrintable(run.envelope.statusDetail));
    }
    QCOMPARE(openFileDescriptorCount(), fdsBefore);
    QTRY_COMPARE_WITH_TIMEOUT(childrenOfThisProcess(), 0, 3000);
    QCOMPARE(scratchDirectories(), scratchBefore);
}

QTEST_GUILESS_MAIN(TestNativeSoak)
#include "tst_native_soak.moc"
