#pragma once

#include "microsandbox/MicrosandboxEngine.h"

#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace pysandbox::test {

// tests/emulator/msb_emulator.py as a child of the test: the TEST EMULATOR of the microsandbox
// 0.2.x server (never an engine), on a free loopback port, with its own MICROSANDBOX_HOME.
// Its REPL runs snippets in real, UNSANDBOXED python3 processes: test snippets only.
class MsbEmulator
{
public:
    struct Options
    {
        bool dev = false;                // no auth at all
        double timeScale = 0.02;         // protocol delays (pull, boot, stop) 50× faster
        double execTimeScale = 1.0;      // a REPL `timeout` means real seconds (our wrapper's clock)
        bool preloaded = true;           // the image counts as pulled
        QStringList extraArguments;      // e.g. --boot-delay 2, --fault {...}
    };

    MsbEmulator();
    explicit MsbEmulator(const Options &options);
    ~MsbEmulator();
    MsbEmulator(const MsbEmulator &) = delete;
    MsbEmulator &operator=(const MsbEmulator &) = delete;

    // Starts (or restarts with the same home, key and port); false with the reason in error().
    bool start();
    void stop();
    bool isRunning() const;
    QString error() const { return m_error; }

    quint16 port() const { return m_port; }
    QUrl url() const;
    QString home() const { return m_home.path(); }
    QString serverKeyFile() const { return m_home.path() + QStringLiteral("/server.key"); }
    // An API key from `msb_emulator.py keygen` (the server's own minting, not ours).
    QString keygen(const QString &ns = QStringLiteral("*"), const QString &expire = QStringLiteral("1d")) const;

    // The /__emulator/ control routes (README "Control endpoint"); a null object on failure.
    QJsonObject control(const QByteArray &verb, const QString &route, const QJsonValue &body = {}) const;
    QJsonObject state() const { return control("GET", QStringLiteral("state")); }
    void addFault(const QJsonObject &fault) const;
    void clearFaults() const;
    // Starts counting the requests for one JSON-RPC method (a zero-delay fault filtered on it,
    // whose hit count the emulator's state reports); returns the counter's id.
    int countCalls(const QString &method) const;
    int calls(int counterId) const;

    // An engine talking to this emulator, fast timeouts, a dev-free key minted by the server.
    MicrosandboxConfig engineConfig() const;

private:
    Options m_options;
    QTemporaryDir m_home;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

QString emulatorScript();

} // namespace pysandbox::test
