#include "execution/EngineFactory.h"

#include <QSignalSpy>
#include <QTest>
#include <QFuture>

using namespace pysandbox;

namespace {

class FakeEngine final : public Engine
{
public:
    FakeEngine(EngineKind kind, bool ready, int strength)
        : m_kind(kind), m_ready(ready), m_strength(strength) {}
    EngineKind kind() const override { return m_kind; }
    QString name() const override { return engineKindName(m_kind); }
    QFuture<EngineStatus> probe() override
    {
        EngineStatus status;
        status.kind = m_kind;
        status.ready = m_ready;
        status.strength = m_strength;
        status.problems = m_ready ? QStringList{} : QStringList{QStringLiteral("server down")};
        return QtFuture::makeReadyFuture(status);
    }
    ExecutionRun *start(const ExecutionRequest &, QObject *) override { return nullptr; }

private:
    EngineKind m_kind;
    bool m_ready;
    int m_strength;
};

EngineSelection waitFor(QFuture<EngineSelection> future)
{
    for (int i = 0; i < 500 && !future.isFinished(); ++i)
        QTest::qWait(10);
    return future.isFinished() ? future.result() : EngineSelection{};
}

} // namespace

class TestEngineFactory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void autoPicksTheStrongestReady();
    void autoFallsBackOnlyAtSelection();
    void explicitChoiceIsNeverSubstituted();
    void namesRoundTrip();
};

void TestEngineFactory::autoPicksTheStrongestReady()
{
    EngineFactory factory;
    factory.addEngine(new FakeEngine(EngineKind::Native, true, 1));
    factory.addEngine(new FakeEngine(EngineKind::Microsandbox, true, 9));
    const EngineSelection selection = waitFor(factory.select(EngineChoice::Auto));
    QVERIFY(selection.engine);
    QCOMPARE(selection.engine->kind(), EngineKind::Microsandbox);
    QCOMPARE(selection.considered.size(), 2);
}

void TestEngineFactory::autoFallsBackOnlyAtSelection()
{
    EngineFactory factory;
    factory.addEngine(new FakeEngine(EngineKind::Native, true, 1));
    factory.addEngine(new FakeEngine(EngineKind::Microsandbox, false, 9));
    const EngineSelection selection = waitFor(factory.select(EngineChoice::Auto));
    QVERIFY(selection.engine);
    QCOMPARE(selection.engine->kind(), EngineKind::Native);
}

void TestEngineFactory::explicitChoiceIsNeverSubstituted()
{
    EngineFactory factory;
    factory.addEngine(new FakeEngine(EngineKind::Native, true, 1));
    factory.addEngine(new FakeEngine(EngineKind::Microsandbox, false, 9));
    const EngineSelection selection = waitFor(factory.select(EngineChoice::Microsandbox));
    QVERIFY(!selection.engine);
    QVERIFY2(selection.reason.contains(QStringLiteral("server down")), qPrintable(selection.reason));

    EngineFactory empty;
    const EngineSelection none = waitFor(empty.select(EngineChoice::Auto));
    QVERIFY(!none.engine);
    QVERIFY(!none.reason.isEmpty());
}

void TestEngineFactory::namesRoundTrip()
{
    for (EngineChoice choice : {EngineChoice::Auto, EngineChoice::Native, EngineChoice::Microsandbox})
        QCOMPARE(engineChoiceFromName(engineChoiceName(choice)), std::optional<EngineChoice>(choice));
    QCOMPARE(engineChoiceFromName(QStringLiteral("NATIVE")), std::optional<EngineChoice>(EngineChoice::Native));
    QVERIFY(!engineChoiceFromName(QStringLiteral("vm")));
}

QTEST_GUILESS_MAIN(TestEngineFactory)
#include "tst_enginefactory.moc"
