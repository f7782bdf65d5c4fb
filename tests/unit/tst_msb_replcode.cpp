// The one REPL line of MsbReplCode: quoting, results, errors, exits, and REPL answers without a report.
#include "MsbFakePortal.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::msb;
using namespace pysandbox::msbtest;

class TestMsbReplCode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void literalRoundTripsThroughPython_data();
    void literalRoundTripsThroughPython();
    void lineIsOneAsciiLine();
    void resultAndInputs();
    void hostileInputsAndCode();
    void errors();
    void exitsAndInputEndOnlyTheChild();
    void runsDoNotShareState();
    void replAnswersWithoutAReport_data();
    void replAnswersWithoutAReport();
};

void TestMsbReplCode::literalRoundTripsThroughPython_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("utf8");
    const auto row = [](const char *name, const QString &value) { QTest::newRow(name) << value << value.toUtf8(); };
    row("empty", QString());
    row("quotes", QStringLiteral("'\"'''\"\"\"'"));
    row("backslashes", QStringLiteral("\\ \\\\ \\n \\x00 \\u1234 \\"));
    row("newlines", QStringLiteral("a\nb\r\nc\rd\u2028e\u2029f\u0085g"));
    row("control", QString::fromUtf8("nul\0tab\tbell\x07""del\x7f esc\x1b", 24));
    row("non-BMP", QStringLiteral("\U0001F600 \U00010348 \U0010FFFF"));
    row("BOM and latin", QStringLiteral("\uFEFF\u00e9\u00ff\u0100"));
    row("braces", QStringLiteral("{} %s %1 {0}"));
    QString lone = QStringLiteral("a");
    lone.append(QChar(0xD800));
    lone.append(u'b');
    QTest::newRow("lone surrogate") << lone << QByteArray("a\xef\xbf\xbd" "b"); // U+FFFD, as toUtf8()
}

void TestMsbReplCode::literalRoundTripsThroughPython()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, utf8);
    const QString literal = pythonStringLiteral(text);
    for (const QChar c : literal)
        QVERIFY2(c.unicode() >= 0x20 && c.unicode() < 0x7f, qPrintable(literal));
    QProcess python;
    python.start(test::testPython(), {QStringLiteral("-c"),
                                      QStringLiteral("import sys; sys.stdout.buffer.write(") + literal + QStringLiteral(".encode())")});
    QVERIFY(python.waitForFinished(10'000));
    QCOMPARE(python.readAllStandardError(), QByteArray());
    QCOMPARE(python.readAllStandardOutput(), utf8);
}

void TestMsbReplCode::lineIsOneAsciiLine()
{
    ExecutionRequest request;
    request.code = QStringLiteral("x = '\u00e9\U0001F600'\n\n\nresult = x\n");
    request.inputs = {{QStringLiteral("k"), QStringLiteral("\n\"\\\u0000")}};
    const ReplCall a = buildReplCall(request);
    const ReplCall b = buildReplCall(request);
    for (const QChar c : a.code)
        QVERIFY(c.unicode() >= 0x20 && c.unicode() < 0x7f);
    QVERIFY(a.code.startsWith(QStringLiteral("exec(compile(")));
    QCOMPARE(a.nonce.size(), 32);
    QVERIFY(a.nonce != b.nonce);
    QCOMPARE(buildReplCall(request, QStringLiteral("0123456789abcdef")).nonce, QStringLiteral("0123456789abcdef"));
    QVERIFY(buildReplCall(request, QStringLiteral("NOT-HEX")).nonce != QStringLiteral("NOT-HEX"));
    QCOMPARE(a.portalTimeoutSeconds, 30 + 10); // the wrapper's own 30 s first
    QVERIFY(a.code.size() < 64 * 1024); // wrapper + runner + request: a few tens of KiB
}

void TestMsbReplCode::resultAndInputs()
{
    FakePortal portal;
    Run r = run(portal, QStringLiteral("result = sum(inputs['xs']) + x"),
                {{QStringLiteral("xs"), QJsonArray{1, 2, 3}}, {QStringLiteral("x"), 10}});
    QVERIFY2(r.outcome.reported, qPrintable(r.envelope().statusDetail));
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("ok"));
    QVERIFY(r.envelope().hasResult);
    QCOMPARE(r.envelope().result.toInt(), 16);
    QVERIFY(r.envelope().stdoutStream.bytes.isEmpty());
    QVERIFY(!r.outcome.restartSandbox);
    QVERIFY(portalSafe(r.replStdout));
    QVERIFY(r.envelope().usage.wallMs >= 0);
    QCOMPARE(r.envelope().usage.limits.value(QStringLiteral("wall_timeout_ms")).toInteger(), 20'000);
    // The native runner's tags come along: a set, bytes, a float NaN.
    r = run(portal, QStringLiteral("result = [{3, 1}, b'\\x00\\xff', float('nan')]"));
    QCOMPARE(QJsonDocument(r.envelope().result.toArray()).toJson(QJsonDocument::Compact),
             QByteArray(R"([{"$type":"set","items":[1,3],"length":2,"truncated":false},)"
                        R"({"$type":"bytes","base64":"AP8=","length":2,"truncated":false},{"$type":"float","repr":"nan"}])"));
}

void TestMsbReplCode::hostileInputsAndCode()
{
    FakePortal portal;
    const QString nasty = QStringLiteral("'\"''' \"\"\" \\ \\n \n\r\n\u0000 \U0001F600 \u2028 exec(compile('x'))");
    QJsonObject inputs{{QStringLiteral("nasty"), nasty}, {QStringLiteral("big"), QString(1024 * 1024, u'\u00e9')},
                       {QStringLiteral("nested"), QJsonObject{{QStringLiteral("a\"b"), QJsonArray{nasty, 1.5, true}}}}};
    // Blank lines inside blocks, tabs, triple quotes, a comment-only line: all fatal if fed to
    // the REPL line by line (§5), ordinary here.
    const QString code = QStringLiteral(
        "def f(v):\n\n    # a comment\n\n\treturn v\n\n\nclass C:\n\n    s = '''\n\n'''\n\n"
        "result = [f(inputs) == inputs, C.s, nested['a\"b'][0] == nasty, len(big), '\U0001F600']\n");
    Run r = run(portal, code, inputs);
    QVERIFY2(r.envelope().status == RunStatus::Ok, qPrintable(r.envelope().statusDetail + r.envelope().error.value_or(ErrorInfo{}).message));
    QCOMPARE(r.envelope().result.toArray(), (QJsonArray{true, QStringLiteral("\n\n"), true, 1024 * 1024, QStringLiteral("\U0001F600")}));
    inputs.remove(QStringLiteral("big")); // over the runner's 2000-character repr cap, it would come back cut
    r = run(portal, QStringLiteral("result = inputs"), inputs);
    QCOMPARE(r.envelope().result.toObject(), inputs);
    QVERIFY(portalSafe(r.replStdout));
}

void TestMsbReplCode::errors()
{
    FakePortal portal;
    Run r = run(portal, QStringLiteral("x = 1\ndef f():\n    return 1 / 0\nf()\n"));
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("error"));
    QVERIFY(r.envelope().error);
    QCOMPARE(r.envelope().error->type, QStringLiteral("ZeroDivisionError"));
    QCOMPARE(r.envelope().error->message, QStringLiteral("division by zero"));
    QCOMPARE(r.envelope().error->line, 3);
    QVERIFY(r.envelope().error->traceback.contains(QStringLiteral("File \"<snippet>\", line 3, in f")));
    QVERIFY(!r.envelope().error->traceback.contains(QStringLiteral("pysandbox-msb"))); // no wrapper frames
    QCOMPARE(r.envelope().statusDetail, QStringLiteral("division by zero"));
    r = run(portal, QStringLiteral("result = 5\nraise ValueError('bad \\u00e9')"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("ValueError"));
    QCOMPARE(r.envelope().error->message, QStringLiteral("bad \u00e9"));
    QCOMPARE(r.envelope().result.toInt(), 5); // a partial result is still reported
    r = run(portal, QStringLiteral("x = (\n"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("SyntaxError"));
    QCOMPARE(r.envelope().error->line, 1);
    QVERIFY(portal.alive());
}

void TestMsbReplCode::exitsAndInputEndOnlyTheChild()
{
    FakePortal portal;
    Run r = run(portal, QStringLiteral("import sys\nprint('bye')\nsys.exit(3)"));
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("error"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("SystemExit"));
    QCOMPARE(r.envelope().error->message, QStringLiteral("exit code 3"));
    QCOMPARE(r.envelope().stdoutStream.bytes, QByteArray("bye\n"));
    QCOMPARE(statusName(run(portal, QStringLiteral("raise SystemExit(0)")).envelope().status), QStringLiteral("ok"));
    QCOMPARE(statusName(run(portal, QStringLiteral("exit()")).envelope().status), QStringLiteral("ok"));
    r = run(portal, QStringLiteral("import os\nos._exit(7)"));
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("error"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("ProcessExit"));
    QVERIFY(r.envelope().error->message.contains(QStringLiteral("code 7")));
    r = run(portal, QStringLiteral("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("ProcessCrash"));
    QVERIFY(r.envelope().error->message.contains(QStringLiteral("signal 11")));
    // input() reads /dev/null, not the REPL's next lines (the portal's marker among them).
    r = run(portal, QStringLiteral("x = input()"));
    QCOMPARE(r.envelope().error->type, QStringLiteral("EOFError"));
    QVERIFY(portal.alive());
    QCOMPARE(run(portal, QStringLiteral("result = 'still here'")).envelope().result.toString(), QStringLiteral("still here"));
}

void TestMsbReplCode::runsDoNotShareState()
{
    FakePortal portal;
    ExecutionOptions options;
    options.environment = {{QStringLiteral("PYSANDBOX_MSB_VAR"), QStringLiteral("a=b \u00e9")}};
    Run r = run(portal, QStringLiteral(
        "import builtins, os\nleak = 1\nbuiltins.evil = 1\nopen('left-behind.txt', 'w').write('x')\n"
        "result = [os.environ['PYSANDBOX_MSB_VAR'], os.getcwd()]"), {}, options);
    QCOMPARE(r.envelope().result.toArray().at(0).toString(), QStringLiteral("a=b \u00e9"));
    const QString firstDirectory = r.envelope().result.toArray().at(1).toString();
    r = run(portal, QStringLiteral(
        "import builtins, os\n"
        "result = ['leak' in globals(), hasattr(builtins, 'evil'), os.path.exists('left-behind.txt'),\n"
        "          os.getcwd(), os.environ.get('PYSANDBOX_MSB_VAR')]"));
    const QJsonArray second = r.envelope().result.toArray();
    QCOMPARE(second.at(0).toBool(), false);
    QCOMPARE(second.at(1).toBool(), false);
    QCOMPARE(second.at(2).toBool(), false);
    QVERIFY(second.at(3).toString() != firstDirectory); // a fresh working directory per run…
    QVERIFY(!QFileInfo::exists(firstDirectory));         // …removed after it
    QVERIFY(second.at(4).isNull());
}

void TestMsbReplCode::replAnswersWithoutAReport_data()
{
    QTest::addColumn<QByteArray>("replResult");
    QTest::addColumn<QString>("detailPart");
    const QByteArray prefix = reportLinePrefix(QStringLiteral("0123456789abcdef0123456789abcdef")).toLatin1();
    const auto lines = [](const QByteArray &entries) {
        return QByteArray(R"({"language":"python","output":[)") + entries + R"(],"status":"success"})";
    };
    // The doc's own example (§2.4): a REPL answer, but not from our wrapper.
    QTest::newRow("doc example") << lines(R"({"stream":"stdout","text":"hi"})") << QStringLiteral("no complete report");
    QTest::newRow("empty output") << lines("") << QStringLiteral("no complete report");
    QTest::newRow("REPL timeout") << lines(R"({"stream":"stderr","text":"Error: Execution timed out after 40 seconds"})")
                                  << QStringLiteral("timed out");
    QTest::newRow("engine gone") << lines(R"({"stream":"stderr","text":"Error: Engine unavailable: Python process channel closed"})")
                                 << QStringLiteral("Engine unavailable");
    QTest::newRow("old python") << lines(R"({"stream":"stderr","text":"SyntaxError: invalid syntax"})")
                                << QStringLiteral("SyntaxError");
    QTest::newRow("no end") << lines(R"({"stream":"stdout","text":")" + prefix + R"(0:AAAA"})") << QStringLiteral("no complete report");
    QTest::newRow("wrong count") << lines(R"({"stream":"stdout","text":")" + prefix + R"(0:AAAA"},{"stream":"stdout","text":")"
                                          + prefix + R"(end:2"})") << QStringLiteral("no complete report");
    QTest::newRow("out of order") << lines(R"({"stream":"stdout","text":")" + prefix + R"(1:AAAA"})") << QStringLiteral("more than one");
    QTest::newRow("after the end") << lines(R"({"stream":"stdout","text":")" + prefix + R"(end:0"},{"stream":"stdout","text":")"
                                            + prefix + R"(fail"})") << QStringLiteral("more than one");
    QTest::newRow("wrapper failed") << lines(R"({"stream":"stdout","text":")" + prefix + R"(fail"})") << QStringLiteral("could not send");
    QTest::newRow("not base64") << lines(R"({"stream":"stdout","text":")" + prefix + R"(0:!!!!"},{"stream":"stdout","text":")"
                                         + prefix + R"(end:1"})") << QStringLiteral("damaged");
    QTest::newRow("no header") << lines(R"({"stream":"stdout","text":")" + prefix + R"(0:AAAA"},{"stream":"stdout","text":")"
                                        + prefix + R"(end:1"})") << QStringLiteral("damaged");
    QTest::newRow("wrong shape") << QByteArray(R"({"output":"hi","status":"success"})") << QStringLiteral("shape");
    QTest::newRow("bad entry") << lines(R"({"stream":"stdin","text":"x"})") << QStringLiteral("shape");
    QTest::newRow("docs' invented shape") << QByteArray(R"({"status":"completed","output":"hi","error":"","has_error":false})")
                                          << QStringLiteral("shape");
}

void TestMsbReplCode::replAnswersWithoutAReport()
{
    QFETCH(QByteArray, replResult);
    QFETCH(QString, detailPart);
    ExecutionRequest request;
    const ReplCall call = buildReplCall(request, QStringLiteral("0123456789abcdef0123456789abcdef"));
    const ReplOutcome outcome = parseReplOutput(QJsonDocument::fromJson(replResult).object(), call);
    QCOMPARE(statusName(outcome.envelope.status), QStringLiteral("engine_error"));
    QVERIFY2(outcome.envelope.statusDetail.contains(detailPart), qPrintable(outcome.envelope.statusDetail));
    QVERIFY(outcome.restartSandbox);
    QVERIFY(!outcome.reported);
}

QTEST_GUILESS_MAIN(TestMsbReplCode)
#include "tst_msb_replcode.moc"
