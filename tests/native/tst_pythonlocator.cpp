// Finding the real interpreter behind PATH entries and shims, and refusing unusable ones.
#include "TestSupport.h"

#include "native/PythonInterpreter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

QString writeScript(const QTemporaryDir &dir, const QString &name, const QByteArray &body)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("#!/bin/sh\n" + body + "\n");
    file.close();
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

} // namespace

class TestPythonLocator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void realInterpreter();
    void shimResolvesToTheRealInterpreter();
    void pathLookupUsesPython3();
    void tooOld();
    void notPython();
    void missingOrNotExecutable();

private:
    QTemporaryDir m_dir;
};

void TestPythonLocator::realInterpreter()
{
    const PythonInterpreter python = PythonLocator::inspect(testPython());
    QVERIFY2(python.isUsable(), qPrintable(python.error));
    QCOMPARE(python.major, 3);
    QVERIFY(python.minor >= 9);
    QVERIFY(!python.prefix.isEmpty());
    QVERIFY(python.hasFork);
}

void TestPythonLocator::shimResolvesToTheRealInterpreter()
{
    // Like a pyenv shim: a script that execs the interpreter.
    const QString shim = writeScript(m_dir, QStringLiteral("shim-python"), "exec " + testPython().toUtf8() + " \"$@\"");
    const PythonInterpreter python = PythonLocator::inspect(shim);
    QVERIFY2(python.isUsable(), qPrintable(python.error));
    QCOMPARE(python.requested, shim);
    QCOMPARE(python.canonicalExecutable, QFileInfo(testPython()).canonicalFilePath());
    QVERIFY(python.executable != shim);
}

void TestPythonLocator::pathLookupUsesPython3()
{
    QTemporaryDir bin;
    writeScript(bin, QStringLiteral("python3"), "exec " + testPython().toUtf8() + " \"$@\"");
    const QByteArray oldPath = qgetenv("PATH");
    qputenv("PATH", bin.path().toUtf8());
    const PythonInterpreter python = PythonLocator::locate(QString());
    qputenv("PATH", oldPath);
    QVERIFY2(python.isUsable(), qPrintable(python.error));
    QCOMPARE(python.requested, QStringLiteral("python3"));
    QCOMPARE(python.canonicalExecutable, QFileInfo(testPython()).canonicalFilePath());
}

void TestPythonLocator::tooOld()
{
    const QString old = writeScript(m_dir, QStringLiteral("python38"),
        R"(echo 'PYSANDBOX-PROBE {"executable": "/opt/py38/bin/python3", "version": "3.8.10", "major": 3, "minor": 8, "prefix": "/opt/py38", "base_prefix": "/opt/py38", "site": [], "fork": true}')");
    const PythonInterpreter python = PythonLocator::inspect(old);
    QVERIFY(!python.isUsable());
    QVERIFY2(python.error.contains(QStringLiteral("3.8.10")) && python.error.contains(QStringLiteral("3.9")), qPrintable(python.error));
}

void TestPythonLocator::notPython()
{
    const QString fake = writeScript(m_dir, QStringLiteral("fake"), "echo hello");
    const PythonInterpreter python = PythonLocator::inspect(fake);
    QVERIFY(!python.isUsable());
    QVERIFY2(python.error.contains(QStringLiteral("does not look like")), qPrintable(python.error));
    const QString failing = writeScript(m_dir, QStringLiteral("failing"), "echo broken >&2; exit 1");
    QVERIFY(PythonLocator::inspect(failing).error.contains(QStringLiteral("broken")));
}

void TestPythonLocator::missingOrNotExecutable()
{
    QVERIFY(PythonLocator::inspect(QStringLiteral("/nonexistent/python3")).error.contains(QStringLiteral("does not exist")));
    QVERIFY(PythonLocator::inspect(QStringLiteral("no-such-python-anywhere")).error.contains(QStringLiteral("PATH")));
    QFile plain(m_dir.filePath(QStringLiteral("plain")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    QVERIFY(!PythonLocator::inspect(plain.fileName()).isUsable());
}

QTEST_GUILESS_MAIN(TestPythonLocator)
#include "tst_pythonlocator.moc"
