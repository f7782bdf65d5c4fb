#include "MsbEmulator.h"

#include "TestSupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>

namespace pysandbox::test {

QString emulatorScript()
{
    return QStringLiteral(PYSANDBOX_TEST_EMULATOR_DIR "/msb_emulator.py");
}

MsbEmulator::MsbEmulator() : MsbEmulator(Options()) {}

MsbEmulator::MsbEmulator(const Options &options) : m_options(options) {}

MsbEmulator::~MsbEmulator()
{
    stop();
}

bool MsbEmulator::start()
{
    stop();
    QStringList arguments{emulatorScript(), QStringLiteral("--home"), m_home.path(), QStringLiteral("--port"),
                          QString::number(m_port), QStringLiteral("--python"), testPython(),
                          QStringLiteral("--time-scale"), QString::number(m_options.timeScale),
                          QStringLiteral("--exec-time-scale"), QString::number(m_options.execTimeScale)};
    if (m_options.dev)
        arguments << QStringLiteral("--dev");
    if (m_options.preloaded)
        arguments << QStringLiteral("--preloaded");
    arguments += m_options.extraArguments;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setStandardErrorFile(m_home.path() + QStringLiteral("/emulator.log"), QIODevice::Append);
    m_process->start(testPython(), arguments);
    QElapsedTimer clock;
    clock.start();
    static const QRegularExpression line(QStringLiteral("^MSB-EMULATOR LISTENING (\\d+)"));
    while (clock.elapsed() < 20'000) {
        if (!m_process->waitForReadyRead(200) && m_process->state() == QProcess::NotRunning)
            break;
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(m_process->readLine()));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(1).toUInt());
            return true;
        }
    }
    m_error = QStringLiteral("the emulator did not start; see %1/emulator.log").arg(m_home.path());
    stop();
    return false;
}

void MsbEmulator::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate(); // it kills its sandboxes' process groups on SIGTERM
        if (!m_process->waitForFinished(10'000)) {
            m_process->kill();
            m_process->waitForFinished(5'000);
        }
    }
    m_process.reset();
}

bool MsbEmulator::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QUrl MsbEmulator::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

QString MsbEmulator::keygen(const QString &ns, const QString &expire) const
{
    QProcess process;
    process.start(testPython(), {emulatorScript(), QStringLiteral("keygen"), QStringLiteral("--home"), m_home.path(),
                                 QStringLiteral("--expire"), expire, QStringLiteral("-n"), ns});
    process.waitForFinished(20'000);
    static const QRegularExpression token(QStringLiteral("^Token: (msb_\\S+)$"), QRegularExpression::MultilineOption);
    return token.match(QString::fromUtf8(process.readAllStandardOutput())).captured(1);
}

QJsonObject MsbEmulator::control(const QByteArray &verb, const QString &route, const QJsonValue &body) const
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(url().toString() + QStringLiteral("/__emulator/") + route));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(20'000);
    const QByteArray payload = body.isUndefined() || body.isNull()
        ? QByteArray()
        : (body.isArray() ? QJsonDocument(body.toArray()) : QJsonDocument(body.toObject())).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = network.sendCustomRequest(request, verb, payload);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return answer;
}

void MsbEmulator::addFault(const QJsonObject &fault) const
{
    control("POST", QStringLiteral("fault"), fault);
}

void MsbEmulator::clearFaults() const
{
    control("DELETE", QStringLiteral("fault"));
}

int MsbEmulator::countCalls(const QString &method) const
{
    const QJsonObject answer = control("POST", QStringLiteral("fault"),
                                       QJsonObject{{QStringLiteral("kind"), QStringLiteral("delay")},
                                                   {QStringLiteral("ms"), 0},
                                                   {QStringLiteral("method"), method}});
    return answer.value(QStringLiteral("ids")).toArray().first().toInt(-1);
}

int MsbEmulator::calls(int counterId) const
{
    const QJsonArray faults = state().value(QStringLiteral("faults")).toArray();
    for (const QJsonValue &fault : faults)
        if (fault.toObject().value(QStringLiteral("id")).toInt() == counterId)
            return fault.toObject().value(QStringLiteral("hits")).toInt();
    return -1;
}

MicrosandboxConfig MsbEmulator::engineConfig() const
{
    MicrosandboxConfig config;
    config.server = url();
    config.msbProgram = QStringLiteral("/nonexistent/msb"); // the version gate is tested on its own
    if (!m_options.dev)
        config.credentials.apiKey = keygen();
    config.profile = uniqueToken(QStringLiteral("test"));
    config.portalProbeMs = 10'000;
    config.requestTimeoutMs = 20'000;
    config.startTimeoutMs = 60'000;
    return config;
}

} // namespace pysandbox::test
